#!/usr/bin/env bash
# Builds the worker: cargo (wasm32, size-tuned release) → wasm-bindgen → wasm-opt → build/.
# These are worker-build's steps, done here so no helper binary is downloaded (see README).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
use_wasm_toolchain

log "cargo build (wasm32, release)"
# Panic locations (file, line, column of every possible panic) are not compiled into the
# wasm: 4.5 kB gzipped that a panic's log line can do without (its message stays). The flag
# is unstable, so it needs RUSTC_BOOTSTRAP=1, which the Debian toolchain path sets anyway.
RUSTC_BOOTSTRAP=1 CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-Zlocation-detail=none" \
  "$WASM_CARGO" build --quiet --lib --release --target "$WASM_TARGET"

out="$ROOT/build"
rm -rf "$out.tmp" && mkdir -p "$out.tmp"
"$TOOLS/bin/wasm-bindgen" "target/$WASM_TARGET/release/affiliate_edge.wasm" \
  --out-dir "$out.tmp" --out-name index --target module --no-typescript \
  --experimental-reset-state-function
# The glue patch (see scripts/patch-glue.mjs): a plain `import` of the .wasm for wrangler's
# bundler, and one TextEncoder.encodeInto for strings of 32+ characters. It checks every name
# and pattern of wasm-bindgen's output it relies on and fails the build when one is missing.
"$(node_bin)" scripts/patch-glue.mjs "$out.tmp/index.js"

if [ "${AE_NO_WASM_OPT:-}" != 1 ]; then
  # -Oz, then --flatten --rereloop (the control flow rebuilt by binaryen's relooper, which
  # folds the branches of the big async state machines) and -Oz again; --converge repeats
  # the last -Oz until it gains nothing more. Measured on this worker: 3.3 kB gzipped less
  # than `-Oz --converge` alone, for about a minute of build.
  log "wasm-opt -Oz --flatten --rereloop -Oz --converge (about a minute)"
  "$(node_bin)" node_modules/binaryen/bin/wasm-opt "$out.tmp/index_bg.wasm" -Oz --flatten --rereloop -Oz --converge \
    --strip-debug --strip-producers \
    --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    -o "$out.tmp/index_bg.opt.wasm"
  mv "$out.tmp/index_bg.opt.wasm" "$out.tmp/index_bg.wasm"
fi
cp src/shim.mjs "$out.tmp/shim.mjs"
cp src/live_room.mjs "$out.tmp/live_room.mjs"
# Static assets, served by Workers static assets before the worker runs (wrangler.toml's
# [assets]): openapi.yaml as /openapi.json and /docs, checked for dangling $refs on the way;
# the live page's script and stylesheet (its CSP allows 'self'); the dashboard.
"$(node_bin)" scripts/openapi.mjs "$out.tmp/assets"
cp src/views/live_page.js "$out.tmp/assets/live-page.js"
cp src/views/live_page.css "$out.tmp/assets/live-page.css"
# The HLS player the live page loads for an .m3u8 stream where the browser has none of its own
# (hls.js, pinned in package.json; its light build: no subtitles, alternate audio or DRM).
cp node_modules/hls.js/dist/hls.light.min.js "$out.tmp/assets/hls.js"
# The dashboard at /app (app/, bundled with its chart and QR libraries; its CSP).
"$(node_bin)" scripts/app.mjs "$out.tmp/assets"
rm -rf "$out" && mv "$out.tmp" "$out"

raw=$(stat -c %s "$out/index_bg.wasm")
gz=$(gzip -9c "$out/index_bg.wasm" | wc -c)
log "built build/index_bg.wasm: $raw bytes raw, $gz bytes gzipped"
