// openapi.yaml → <out>/openapi.json, the document the worker serves as a static asset.
// Fails (exit 1) when the YAML does not parse or a `$ref` points at nothing, so a broken
// spec never reaches the build. Usage: node scripts/openapi.mjs <out dir>
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

const [outDir] = process.argv.slice(2);
if (!outDir) {
  console.error("usage: node scripts/openapi.mjs <out dir>");
  process.exit(2);
}
const spec = parse(readFileSync(new URL("../openapi.yaml", import.meta.url), "utf8"));

const dangling = [];
const resolve = (ref) =>
  ref.startsWith("#/") ? ref.slice(2).split("/").reduce((node, key) => node?.[key.replace(/~1/g, "/").replace(/~0/g, "~")], spec) : undefined;
(function walk(node, at) {
  if (Array.isArray(node)) node.forEach((v, i) => walk(v, `${at}/${i}`));
  else if (node && typeof node === "object") {
    if (typeof node.$ref === "string" && resolve(node.$ref) === undefined) dangling.push(`${at}: ${node.$ref}`);
    for (const [k, v] of Object.entries(node)) walk(v, `${at}/${k}`);
  }
})(spec, "#");
if (dangling.length) {
  console.error(`openapi.yaml: ${dangling.length} $ref point at nothing:\n  ${dangling.join("\n  ")}`);
  process.exit(1);
}

mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, "openapi.json"), JSON.stringify(spec));
