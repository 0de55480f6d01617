// Patches wasm-bindgen's JS glue (build/…/index.js) for the worker; run by scripts/build.sh.
//
// 1. wrangler's bundler imports a .wasm module as a compiled WebAssembly.Module: the glue's
//    `import source x from "./index_bg.wasm"` becomes a plain import.
// 2. Strings into wasm: wasm-bindgen copies ASCII with a JS loop, whose cost depends on the
//    tier V8 has given it (~15 k instructions per redirect optimised, ~150 k+ when V8 leaves it
//    in its baseline tier, which it does in some processes: BENCHMARKS.md). One native
//    TextEncoder.encodeInto for strings of 32+ characters costs the same in every process.
//
// Both rely on the exact text of wasm-bindgen's output, private names included
// (`cachedTextEncoder`, `mem`, `ptr`, `arg`, `len`, `WASM_VECTOR_LEN`, passStringToWasm0's
// loop). Every piece is checked before anything is written: when one is missing (a new
// wasm-bindgen), this exits non-zero naming each, and the build fails.
import { readFileSync, writeFileSync } from "node:fs";

const file = process.argv[2];
const src = readFileSync(file, "utf8");
const count = (text, piece) => text.split(piece).length - 1;

const IMPORT_SOURCE = /^import source (\w+) from "\.\/index_bg\.wasm";$/gm;
const FN_START = "\nfunction passStringToWasm0(arg, malloc, realloc) {\n";
const LOOP = "    let offset = 0;\n\n    for (; offset < len; offset++) {";

const missing = [];
const need = (ok, what) => ok || missing.push(what);

const imports = src.match(IMPORT_SOURCE) ?? [];
need(imports.length === 1, `exactly one \`import source … from "./index_bg.wasm";\` line (found ${imports.length})`);
need(count(src, "\nconst cachedTextEncoder = new TextEncoder();\n") === 1, "`const cachedTextEncoder = new TextEncoder();`");
need(count(src, "\nlet WASM_VECTOR_LEN = 0;\n") === 1, "`let WASM_VECTOR_LEN = 0;`");

let body = "";
if (count(src, FN_START) !== 1) {
  missing.push("`function passStringToWasm0(arg, malloc, realloc) {` (once)");
} else {
  const start = src.indexOf(FN_START) + FN_START.length;
  const end = src.indexOf("\n}\n", start);
  body = end < 0 ? "" : src.slice(start, end);
  for (const piece of [
    "    let len = arg.length;\n",
    "    let ptr = malloc(len, 1) >>> 0;\n",
    "    const mem = getUint8ArrayMemory0();\n",
    LOOP,
    "        mem[ptr + offset] = code;\n",
    "    WASM_VECTOR_LEN = offset;\n    return ptr;",
  ]) {
    need(count(body, piece) === 1, `in passStringToWasm0: ${JSON.stringify(piece.trim())}`);
  }
}

if (missing.length > 0) {
  console.error(
    `patch-glue: wasm-bindgen's ${file} no longer has what the glue patch relies on ` +
      `(a new wasm-bindgen? see scripts/patch-glue.mjs). Missing:\n  - ${missing.join("\n  - ")}`,
  );
  process.exit(1);
}

const FAST_PATH = `    let offset = 0;
    if (len >= 32) {
        const copied = cachedTextEncoder.encodeInto(arg, mem.subarray(ptr, ptr + len));
        if (copied.read === len && copied.written === len) {
            WASM_VECTOR_LEN = len;
            return ptr;
        }
    }

    for (; offset < len; offset++) {`;

const out = src.replace(IMPORT_SOURCE, 'import $1 from "./index_bg.wasm";').replace(LOOP, FAST_PATH);
if (count(out, "import source ") !== 0 || count(out, FAST_PATH) !== 1) {
  console.error(`patch-glue: ${file} was not patched as expected`);
  process.exit(1);
}
writeFileSync(file, out);
