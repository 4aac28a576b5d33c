#!/usr/bin/env bash
# Builds the web UI into web-ui/dist/: the Yew app compiled to wasm32, its wasm-bindgen
# glue, index.html and style.css. The API serves web-ui/dist/ at `/` (http.web_root).
#
# Needs the wasm32-unknown-unknown target and a wasm-bindgen CLI of the same version as
# the wasm-bindgen crate in web-ui/Cargo.lock (scripts/stack.sh build installs both).
#
#   web-ui/build.sh            release build (small, optimised; what the stack serves)
#   web-ui/build.sh --dev      debug build (faster to compile, larger)
set -euo pipefail

WEB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROFILE=release
CARGO_FLAGS=(--release)
if [[ ${1:-} == --dev ]]; then
  PROFILE=debug
  CARGO_FLAGS=()
fi
TARGET_DIR=${PARLEY_WEB_TARGET_DIR:-$WEB_DIR/target}
DIST=$WEB_DIR/dist

command -v wasm-bindgen >/dev/null || {
  echo "web-ui/build.sh: wasm-bindgen not found; run scripts/stack.sh build (it installs it)" >&2
  exit 1
}

cargo build "${CARGO_FLAGS[@]}" --target wasm32-unknown-unknown \
  --manifest-path "$WEB_DIR/Cargo.toml" --target-dir "$TARGET_DIR"

rm -rf "$DIST.tmp"
mkdir -p "$DIST.tmp/pkg"
wasm-bindgen --target web --no-typescript --out-dir "$DIST.tmp/pkg" \
  "$TARGET_DIR/wasm32-unknown-unknown/$PROFILE/parley_web.wasm"

# A build id in the asset URLs, so browsers never mix an old page with a new app.
BUILD_ID=$(cat "$DIST.tmp/pkg/parley_web_bg.wasm" "$WEB_DIR/style.css" "$WEB_DIR/index.html" | sha256sum | cut -c1-12)
sed "s/__BUILD_ID__/$BUILD_ID/g" "$WEB_DIR/index.html" >"$DIST.tmp/index.html"
cp "$WEB_DIR/style.css" "$DIST.tmp/style.css"

# Gzipped copies beside the files: the API sends them to browsers that accept gzip.
gzip -9 -k -n "$DIST.tmp/pkg/parley_web_bg.wasm" "$DIST.tmp/pkg/parley_web.js" "$DIST.tmp/style.css"

rm -rf "$DIST"
mv "$DIST.tmp" "$DIST"
printf 'web-ui: built %s (%s; wasm %s KiB, %s KiB gzipped)\n' "$DIST" "$PROFILE" \
  "$(( $(stat -c %s "$DIST/pkg/parley_web_bg.wasm") / 1024 ))" \
  "$(( $(stat -c %s "$DIST/pkg/parley_web_bg.wasm.gz") / 1024 ))"
