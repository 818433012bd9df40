#!/usr/bin/env bash
# Installs every tool Chorus needs to build, run and test; skips whatever is already present.
#   scripts/install-tools.sh         # what run.sh and test.sh need (about 3 minutes the first time)
#   CHORUS_SKIP_TEST_SERVERS=1 ...   # without the S3 server the tests start (deploy/Dockerfile)
#   scripts/install-tools.sh --dev   # also cargo-leptos, for the development loop (`cargo leptos watch`; ~15 min once)
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.10
WASM_BINDGEN_VERSION=0.2.130
BINARYEN_VERSION=132
WASM_SPLIT_VERSION=0.2.4
TOOLS_DIR="${CHORUS_TOOLS_DIR:-$HOME/.cache/chorus-tools}"
export PATH="$HOME/.cargo/bin:$TOOLS_DIR/bin:$TOOLS_DIR/node_modules/.bin:$PATH"

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }

if ! rustup target list --installed | grep -q '^wasm32-unknown-unknown$'; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

for component in rustfmt clippy; do
  if ! rustup component list --installed | grep -q "^$component"; then
    log "adding the $component component"
    rustup component add "$component"
  fi
done

if [ "${1:-}" = --dev ] && ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
  log "installing cargo-leptos $CARGO_LEPTOS_VERSION for the development loop (once; about 15 minutes)"
  cargo install "cargo-leptos@$CARGO_LEPTOS_VERSION" --locked --features no_downloads
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (once; about 2 minutes)"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

# wasm-split-cli: cuts each browser bundle at its `#[lazy]` functions (scripts/build-bundles.sh).
if [ "$(cat "$TOOLS_DIR/bin/wasm-split-cli.version" 2>/dev/null)" != "$WASM_SPLIT_VERSION" ] || [ ! -x "$TOOLS_DIR/bin/wasm-split-cli" ]; then
  log "installing wasm-split-cli $WASM_SPLIT_VERSION (once; about 2 minutes)"
  cargo install wasm_split_cli_support --version "$WASM_SPLIT_VERSION" --locked --features build-binary --root "$TOOLS_DIR" --force
  echo "$WASM_SPLIT_VERSION" > "$TOOLS_DIR/bin/wasm-split-cli.version"
fi

if ! wasm-opt --version 2>/dev/null | grep -q "version $BINARYEN_VERSION"; then
  log "installing wasm-opt (binaryen@$BINARYEN_VERSION from npm)"
  mkdir -p "$TOOLS_DIR"
  (cd "$TOOLS_DIR" && npm install --no-audit --no-fund --silent "binaryen@$BINARYEN_VERSION")
fi

# aiosmtpd: the real SMTP server (STARTTLS, implicit TLS, AUTH) the mail tests start (server/tests/it/smtp_server.py),
# in a virtual environment of its own; openssl makes its certificates at test time.
AIOSMTPD_VERSION=1.4.6
if [ "$(cat "$TOOLS_DIR/smtp-venv/.aiosmtpd-version" 2>/dev/null)" != "$AIOSMTPD_VERSION" ]; then
  log "installing aiosmtpd $AIOSMTPD_VERSION for the mail tests"
  export DEBIAN_FRONTEND=noninteractive
  if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
  fi
  mkdir -p "$TOOLS_DIR"
  python3 -m venv "$TOOLS_DIR/smtp-venv"
  "$TOOLS_DIR/smtp-venv/bin/pip" install --quiet --disable-pip-version-check "aiosmtpd==$AIOSMTPD_VERSION"
  echo "$AIOSMTPD_VERSION" > "$TOOLS_DIR/smtp-venv/.aiosmtpd-version"
fi
if ! command -v openssl >/dev/null 2>&1; then
  log "installing openssl (certificates for the mail tests)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq openssl >/dev/null
fi
# A real S3-compatible server for the object-storage tests (server/tests/it/scale.rs): moto's S3 server from PyPI,
# in a virtualenv of its own (about 30 s).
MOTO_VERSION=5.2.5
if [ "${CHORUS_SKIP_TEST_SERVERS:-0}" != 1 ] && { ! "$TOOLS_DIR/moto-venv/bin/pip" show moto 2>/dev/null | grep -qx "Version: $MOTO_VERSION" \
    || [ ! -x "$TOOLS_DIR/moto-venv/bin/moto_server" ]; }; then
  log "installing moto's S3 server $MOTO_VERSION (PyPI) for the object-storage tests"
  mkdir -p "$TOOLS_DIR"
  python3 -m venv "$TOOLS_DIR/moto-venv"
  "$TOOLS_DIR/moto-venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
fi

if [ "${CHORUS_SKIP_BROWSER:-0}" != 1 ]; then
  if ! command -v chromium >/dev/null 2>&1; then
    log "installing Chromium (Debian packages)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
  if [ ! -d end2end/node_modules/playwright-core ] && [ -f end2end/package.json ]; then
    log "installing end-to-end test packages"
    (cd end2end && npm ci --no-audit --no-fund --silent 2>/dev/null || npm install --no-audit --no-fund --silent)
  fi
fi
log "tools ready"
