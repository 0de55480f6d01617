#!/usr/bin/env bash
# Builds the worker: cargo (wasm32, size-tuned release) → wasm-bindgen → wasm-opt → build/.
# These are worker-build's steps, done here so no helper binary is downloaded (see README).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
use_wasm_toolchain

log "cargo build (wasm32, release)"
"$WASM_CARGO" build --quiet --lib --release --target "$WASM_TARGET"

out="$ROOT/build"
rm -rf "$out.tmp" && mkdir -p "$out.tmp"
"$TOOLS/bin/wasm-bindgen" "target/$WASM_TARGET/release/affiliate_edge.wasm" \
  --out-dir "$out.tmp" --out-name index --target module --no-typescript \
  --experimental-reset-state-function
# wrangler's bundler imports a .wasm module as a compiled WebAssembly.Module: plain import.
sed -i 's/^import source /import /' "$out.tmp/index.js"
# Strings into wasm: wasm-bindgen copies ASCII with a JS loop, whose cost depends on the tier
# V8 has given it (~15 k instructions per redirect optimised, ~150 k+ when V8 leaves it in
# its baseline tier, which it does in some processes: BENCHMARKS.md). One native
# TextEncoder.encodeInto for strings of 32+ characters costs the same in every process.
"$(node_bin)" - "$out.tmp/index.js" <<'JS'
const fs = require("fs");
const file = process.argv[2];
const src = fs.readFileSync(file, "utf8");
const loop = "    let offset = 0;\n\n    for (; offset < len; offset++) {";
if (src.split(loop).length !== 2) throw new Error("build.sh: passStringToWasm0's loop not found once in index.js (wasm-bindgen changed?)");
fs.writeFileSync(file, src.replace(loop, `    let offset = 0;
    if (len >= 32) {
        const copied = cachedTextEncoder.encodeInto(arg, mem.subarray(ptr, ptr + len));
        if (copied.read === len && copied.written === len) {
            WASM_VECTOR_LEN = len;
            return ptr;
        }
    }

    for (; offset < len; offset++) {`));
JS

if [ "${AE_NO_WASM_OPT:-}" != 1 ]; then
  log "wasm-opt -Oz"
  "$(node_bin)" node_modules/binaryen/bin/wasm-opt "$out.tmp/index_bg.wasm" -Oz --strip-debug --strip-producers \
    --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    -o "$out.tmp/index_bg.opt.wasm"
  mv "$out.tmp/index_bg.opt.wasm" "$out.tmp/index_bg.wasm"
fi
cp src/shim.mjs "$out.tmp/shim.mjs"
rm -rf "$out" && mv "$out.tmp" "$out"

raw=$(stat -c %s "$out/index_bg.wasm")
gz=$(gzip -9c "$out/index_bg.wasm" | wc -c)
log "built build/index_bg.wasm: $raw bytes raw, $gz bytes gzipped"
