#!/usr/bin/env bash
# The release build people run and the tests use, without cargo-leptos (that stays the development loop's tool:
# `scripts/install-tools.sh --dev`, then `cargo leptos watch`):
#   1. the `chorus` server (release),
#   2. the site under target/site: public/ and the stylesheet, hashed and precompressed,
#   3. the browser's WASM: one bundle per group of pages, each with that group's islands only
#      (scripts/build-bundles.sh; see `Bundle` in app/src/shell.rs).
# Each step prints how long it took; the first build on a fresh 2-core machine takes about 12 minutes in all
# (README, "Setting up"), a rebuild after a change to one page under a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

SITE=target/site
log() { printf '\033[1;34m[build]\033[0m %s\n' "$*"; }
took() { log "$1 done in $(( $(date +%s) - $2 )) s"; }

t=$(date +%s)
# CHORUS_SERVER_PROFILE=e2e (scripts/test.sh) builds the same server incrementally, into $CARGO_TARGET_DIR/e2e.
profile="${CHORUS_SERVER_PROFILE:-release}"
log "1/3 the server, $profile (first time about 8 min on 2 cores; seconds when unchanged)"
# The flags cargo-leptos used for this project (`always-erase-components`).
# CHORUS_SERVER_FEATURES=s3-tls (deploy/Dockerfile): HTTPS to the object store, for AWS S3 itself.
RUSTFLAGS="--cfg erase_components" LEPTOS_OUTPUT_NAME=chorus \
  cargo build --profile "$profile" --locked --quiet -p server --bin chorus \
  ${CHORUS_SERVER_FEATURES:+--features "$CHORUS_SERVER_FEATURES"}
took "server" "$t"

t=$(date +%s)
log "2/3 the site: public/ and the stylesheet"
mkdir -p "$SITE/pkg"
cp -a public/. "$SITE/"
css_hash=$(sha256sum style/main.css | cut -c1-20)
rm -f "$SITE"/pkg/chorus.*.css "$SITE"/pkg/chorus.*.css.*
cp style/main.css "$SITE/pkg/chorus.$css_hash.css"
node -e '
  const zlib = require("zlib"), fs = require("fs"), c = zlib.constants, f = process.argv[1], data = fs.readFileSync(f);
  fs.writeFileSync(f + ".br", zlib.brotliCompressSync(data, { params: { [c.BROTLI_PARAM_QUALITY]: 11 } }));
  fs.writeFileSync(f + ".gz", zlib.gzipSync(data, { level: 9 }));' "$SITE/pkg/chorus.$css_hash.css"
# The server reads the stylesheet's name here (`Bundles::load` in app/src/shell.rs), whichever binary serves the site.
echo "chorus.$css_hash.css" > "$SITE/pkg/style.txt"
took "site" "$t"

t=$(date +%s)
log "3/3 the browser bundles, two at a time (first time about 5 min in all on 2 cores; under a minute each after a change)"
bash scripts/build-bundles.sh
took "bundles" "$t"
