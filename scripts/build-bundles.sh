#!/usr/bin/env bash
# The browser's WASM, one bundle per group of pages (see `Bundle` in app/src/shell.rs): each is a build of the
# `frontend` crate with that group's islands only (feature `island-<name>`), so a page downloads one file holding the
# framework and its own code, and nothing of the other pages. Writes `<name>.<hash>.js` and `<name>.<hash>.wasm` (and
# their .br/.gz twins) into target/site/pkg and lists them in target/site/pkg/bundles.txt, which the server reads.
#
#   scripts/build-bundles.sh            # every bundle
#   scripts/build-bundles.sh board      # some of them (the others stay as they are)
#
# Two bundles build at once (`CHORUS_BUNDLE_LANES`, default 2), each lane in a target directory of its own: most of
# a bundle's build (its crate at codegen-units = 1, then link-time optimisation) runs on one core.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

ALL=(board charter content performance settings portal home)
# The bundles with `#[lazy]` functions, cut into parts by wasm-split-cli.
SPLIT=(board)
BUNDLES=("$@")
[ ${#BUNDLES[@]} -gt 0 ] || BUNDLES=("${ALL[@]}")
LANES="${CHORUS_BUNDLE_LANES:-2}"

PKG=target/site/pkg
WORK="$CARGO_TARGET_DIR/bundles/out"
# The flags match cargo-leptos' for this project (`always-erase-components`, the wasm-opt settings in Cargo.toml).
WASM_OPT_FLAGS=(-O3 --one-caller-inline-max-function-size=0 --enable-bulk-memory --enable-nontrapping-float-to-int)
mkdir -p "$PKG" "$WORK"
touch "$PKG/bundles.txt"

log() { printf '\033[1;34m[bundles]\033[0m %s\n' "$*"; }

# A split part's name in file names: `split_detail_body_1405…` → `detail_body`; `chunk_7` (code several lazy parts
# share, fetched with the first of them) → `chunk7`.
part_name() {
  case "$1" in
    chunk_*) echo "chunk${1#chunk_}" ;;
    *) local short=${1#split_}; echo "${short%_[0-9]*}" ;;
  esac
}

# Builds bundle $1 in target directory $2; leaves its line of bundles.txt in $WORK/$1/line.
build() {
  local name=$1 target=$2 started input input_sum line hash
  started=$(date +%s)
  log "$name: building"
  local split=0 rustflags="--cfg erase_components"
  if [[ " ${SPLIT[*]} " == *" $name "* ]]; then
    # --emit-relocs: wasm-split needs the relocations to cut the module at its split points. In a target directory
    # of its own: other flags would rebuild every dependency each time the lane switches.
    split=1 rustflags="$rustflags -C link-args=--emit-relocs" target="$target-split"
  fi
  RUSTFLAGS="$rustflags" cargo build --quiet -p frontend --lib --target wasm32-unknown-unknown \
    --profile wasm-release --no-default-features --features "island-$name" --target-dir "$target"
  input="$target/wasm32-unknown-unknown/wasm-release/frontend.wasm"
  input_sum=$(sha256sum "$input" | cut -c1-64)
  line=$(cat "$WORK/$name/line" 2>/dev/null || true)
  if [ -n "$line" ] && [ "$(cat "$WORK/$name/input.sha256" 2>/dev/null)" = "$input_sum" ] \
    && [ -f "$PKG/$(echo "$line" | cut -d' ' -f2)" ] && [ -f "$PKG/$(echo "$line" | cut -d' ' -f3)" ]; then
    log "$name: unchanged ($(( $(date +%s) - started )) s)"
    return 0
  fi
  rm -rf "$WORK/$name" && mkdir -p "$WORK/$name/split"
  if [ "$split" = 1 ]; then
    # Split: the functions marked `#[lazy]` (with what only they use) go into modules of their own, fetched the
    # first time one is called; the page's own file keeps the rest. `__wasm_split.js` links them to the main module.
    wasm-split-cli "$input" "$WORK/$name/split" --target web --out-name "$name"
    # --keep-lld-exports: the split modules import the function table the main one exports.
    wasm-bindgen --target web --no-typescript --keep-lld-exports --out-dir "$WORK/$name" --out-name "$name" \
      "$WORK/$name/split/$name.wasm"
  else
    # Not split (a split costs the main module a few kB: its function table stays whole): no `#[lazy]` may be left.
    if grep -q __wasm_split_placeholder__ "$input"; then
      log "$name: has #[lazy] functions: add it to SPLIT in $0"
      return 1
    fi
    wasm-bindgen --target web --no-typescript --out-dir "$WORK/$name" --out-name "$name" "$input"
  fi
  wasm-opt "${WASM_OPT_FLAGS[@]}" "$WORK/$name/${name}_bg.wasm" -o "$WORK/$name/$name.wasm"
  local chunks=() chunk
  for chunk in "$WORK/$name/split"/split_*.wasm "$WORK/$name/split"/chunk_*.wasm; do
    [ -f "$chunk" ] || continue
    wasm-opt "${WASM_OPT_FLAGS[@]}" "$chunk" -o "$WORK/$name/$(basename "$chunk")"
    chunks+=("$(basename "$chunk" .wasm)")
  done
  hash=$(cd "$WORK/$name" && cat "$name.js" "$name.wasm" $(ls split/*.js 2>/dev/null) "${chunks[@]/%/.wasm}" | sha256sum | cut -c1-20)
  rm -f "$PKG/$name".*.js "$PKG/$name".*.wasm "$PKG/$name".*.js.* "$PKG/$name".*.wasm.*
  # Every file gets the set's hash in its name (`board.<hash>.wasm`, `board.split.<hash>.js`,
  # `board.<chunk>.<hash>.wasm`), and their references to one another follow.
  local files=("$PKG/$name.$hash.js" "$PKG/$name.$hash.wasm")
  # (the import statement only: the module name the WASM imports from stays the key of its imports object)
  sed "/^import /s#\"\./__wasm_split\.js\"#\"./$name.split.$hash.js\"#" "$WORK/$name/$name.js" > "$PKG/$name.$hash.js"
  cp "$WORK/$name/$name.wasm" "$PKG/$name.$hash.wasm"
  if [ -f "$WORK/$name/split/__wasm_split.js" ]; then
    local link="$PKG/$name.split.$hash.js"
    sed "s#\"\./$name\.js\"#\"./$name.$hash.js\"#g" "$WORK/$name/split/__wasm_split.js" > "$link"
    for chunk in "${chunks[@]}"; do
      local short
      short=$(part_name "$chunk")
      cp "$WORK/$name/$chunk.wasm" "$PKG/$name.$short.$hash.wasm"
      sed -i "s#\"\./$chunk\.wasm\"#\"./$name.$short.$hash.wasm\"#g" "$link"
      files+=("$PKG/$name.$short.$hash.wasm")
    done
    files+=("$link")
  fi
  # Their compressed twins, written now (the server only fills in missing ones, in the background after it starts,
  # and until then would compress on the fly, less well). The settings of server/src/assets.rs: brotli 11, window 22.
  node -e '
    const zlib = require("zlib"), fs = require("fs"), c = zlib.constants;
    for (const f of process.argv.slice(1)) {
      const data = fs.readFileSync(f);
      const params = { [c.BROTLI_PARAM_QUALITY]: 11, [c.BROTLI_PARAM_LGWIN]: 22, [c.BROTLI_PARAM_SIZE_HINT]: data.length };
      fs.writeFileSync(f + ".br", zlib.brotliCompressSync(data, { params }));
      fs.writeFileSync(f + ".gz", zlib.gzipSync(data, { level: 9 }));
    }' "${files[@]}"
  echo "$name $name.$hash.js $name.$hash.wasm" > "$WORK/$name/line"
  echo "$input_sum" > "$WORK/$name/input.sha256"
  log "$name: $(stat -c %s "$PKG/$name.$hash.wasm") bytes ($(stat -c %s "$PKG/$name.$hash.wasm.br") brotli)$(
    for chunk in "${chunks[@]}"; do
      printf ', lazy %s %s brotli' "$(part_name "$chunk")" "$(stat -c %s "$PKG/$name.$(part_name "$chunk").$hash.wasm.br")"; done) in $(( $(date +%s) - started )) s"
}

# Lane k builds every LANES-th bundle from the k-th; lane 0 uses the directory earlier builds used.
lane() {
  local k=$1 i target="$CARGO_TARGET_DIR/bundles"
  [ "$k" = 0 ] || target="$CARGO_TARGET_DIR/bundles-$k"
  for ((i = k; i < ${#BUNDLES[@]}; i += LANES)); do build "${BUNDLES[$i]}" "$target"; done
}
pids=()
for ((k = 0; k < LANES; k++)); do lane "$k" & pids+=($!); done
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
[ "$failed" = 0 ] || { log "a bundle failed to build"; exit 1; }

# The list the server reads: every bundle that has its files (the ones not built now stay as they were).
: > "$PKG/bundles.txt.new"
for name in "${ALL[@]}"; do
  line=$(cat "$WORK/$name/line" 2>/dev/null || grep "^$name " "$PKG/bundles.txt" || true)
  if [ -n "$line" ] && [ -f "$PKG/$(echo "$line" | cut -d' ' -f2)" ] && [ -f "$PKG/$(echo "$line" | cut -d' ' -f3)" ]; then
    echo "$line" >> "$PKG/bundles.txt.new"
  fi
done
mv "$PKG/bundles.txt.new" "$PKG/bundles.txt"
