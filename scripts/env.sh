# Shared settings for the scripts: where builds and tools live (outside the checkout, so they survive fresh clones).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/chorus-target}"
export CHORUS_TOOLS_DIR="${CHORUS_TOOLS_DIR:-$HOME/.cache/chorus-tools}"
export PATH="$HOME/.cargo/bin:$CHORUS_TOOLS_DIR/bin:$CHORUS_TOOLS_DIR/node_modules/.bin:$PATH"
