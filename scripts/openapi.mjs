// openapi.yaml → <out>/openapi.json, the document the worker serves as a static asset, and
// <out>/docs.html + docs.css, a page of it for people at /docs (static HTML made here, at
// build time: no renderer runs in the browser, nothing comes from a CDN; every text of the
// spec is HTML-escaped). Fails (exit 1) when the YAML does not parse or a `$ref` points at
// nothing, so a broken spec never reaches the build. Usage: node scripts/openapi.mjs <out dir>
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
const DOCS_CSS = `body{margin:0;font:15px/1.5 system-ui,sans-serif;color:#1d1d1f;background:#fafafa}
main{max-width:60rem;margin:0 auto;padding:1rem}h1 small{color:#666;font-size:.6em}
code,pre{font:13px ui-monospace,monospace;background:#eee;border-radius:3px;padding:0 .2em}
pre{padding:.5em;overflow:auto}section{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.2rem 1rem;margin:.8rem 0}
.m{display:inline-block;min-width:4em;font:bold 12px ui-monospace,monospace}.get,.head{color:#0a6}.post,.put{color:#06c}.patch{color:#a60}.delete{color:#c22}
.auth{color:#666;font-size:.9em}.auth::before{content:"auth: "}nav ul{columns:2;padding-left:1rem}nav li{list-style:none}
a{color:#06c}@media (max-width:600px){nav ul{columns:1}}`;

if (dangling.length) {
  console.error(`openapi.yaml: ${dangling.length} $ref point at nothing:\n  ${dangling.join("\n  ")}`);
  process.exit(1);
}

mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, "openapi.json"), JSON.stringify(spec));
writeFileSync(join(outDir, "docs.html"), docsPage(spec));
writeFileSync(join(outDir, "docs.css"), DOCS_CSS);
// Workers static assets read their response headers from this file.
writeFileSync(
  join(outDir, "_headers"),
  `/docs
  Content-Security-Policy: default-src 'none'; style-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'
  X-Content-Type-Options: nosniff
  Referrer-Policy: no-referrer
/docs.css
  X-Content-Type-Options: nosniff
/openapi.json
  Access-Control-Allow-Origin: *
  X-Content-Type-Options: nosniff
`,
);

function esc(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
// Escaped text with `code` spans.
function prose(text) {
  return esc(text).replace(/`([^`]+)`/g, "<code>$1</code>");
}
function refName(schema) {
  return schema?.$ref ? schema.$ref.split("/").pop() : null;
}
function schemaLabel(schema) {
  if (!schema) return "";
  const name = refName(schema);
  if (name) return `<a href="#schema-${esc(name)}">${esc(name)}</a>`;
  if (schema.type === "array") return `array of ${schemaLabel(schema.items)}`;
  if (schema.allOf) return schema.allOf.map(schemaLabel).join(" + ");
  if (schema.oneOf) return schema.oneOf.map(schemaLabel).join(" | ");
  if (schema.type === "object" && schema.properties) {
    return `{${Object.entries(schema.properties).map(([k, v]) => `${esc(k)}: ${schemaLabel(v)}`).join(", ")}}`;
  }
  if (schema.const !== undefined) return esc(JSON.stringify(schema.const));
  if (schema.enum) return schema.enum.map((v) => esc(JSON.stringify(v))).join(" | ");
  return esc([].concat(schema.type ?? "any").join(" | "));
}
function docsPage(spec) {
  const ops = [];
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const method of ["get", "head", "post", "put", "patch", "delete"]) {
      if (item[method]) ops.push({ path, method, op: item[method] });
    }
  }
  const opHtml = ({ path, method, op }) => {
    const security = (op.security ?? []).map((s) => Object.keys(s).join(" + ")).join(" or ") || "public";
    const params = (op.parameters ?? []).map((p) => (p.$ref ? spec.components.parameters[p.$ref.split("/").pop()] : p));
    const body = op.requestBody?.content?.["application/json"];
    const responses = Object.entries(op.responses ?? {}).map(([status, r]) => {
      const resolved = r.$ref ? spec.components.responses[r.$ref.split("/").pop()] : r;
      const json = resolved.content?.["application/json"]?.schema;
      const other = Object.keys(resolved.content ?? {}).filter((t) => t !== "application/json");
      return `<li><b>${esc(status)}</b> ${prose(resolved.description?.split("\n")[0] ?? "")} ${json ? schemaLabel(json) : ""} ${other.map((t) => `<code>${esc(t)}</code>`).join(" ")}</li>`;
    });
    return `<section class="op" id="${esc(op.operationId)}">
<h3><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code></h3>
<p>${prose(op.summary)} <span class="auth">${esc(security)}</span></p>
${op.description ? `<p>${prose(op.description)}</p>` : ""}
${params.length ? `<ul class="params">${params.map((p) => `<li><code>${esc(p.name)}</code> (${esc(p.in)}${p.required ? ", required" : ""}) ${schemaLabel(p.schema)} ${prose(p.description)}</li>`).join("")}</ul>` : ""}
${body ? `<p>Body: ${schemaLabel(body.schema)}</p>${body.example ? `<pre>${esc(JSON.stringify(body.example, null, 2))}</pre>` : ""}` : ""}
<ul class="responses">${responses.join("")}</ul>
</section>`;
  };
  const schemas = Object.entries(spec.components.schemas).map(
    ([name, schema]) => `<section class="schema" id="schema-${esc(name)}"><h3>${esc(name)}</h3>
${schema.description ? `<p>${prose(schema.description)}</p>` : ""}
${schema.properties ? `<ul>${Object.entries(schema.properties).map(([k, v]) => `<li><code>${esc(k)}</code>${(schema.required ?? []).includes(k) ? "" : "?"}: ${schemaLabel(v)} ${prose(v.description)}</li>`).join("")}</ul>` : `<p>${schemaLabel(schema)}</p>`}
</section>`,
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(spec.info.title)} API</title><link rel="stylesheet" href="/docs.css"></head>
<body><main>
<h1>${esc(spec.info.title)} API <small>${esc(spec.info.version)}</small></h1>
<p>${prose(spec.info.summary)} The machine-readable document: <a href="/openapi.json">/openapi.json</a> (OpenAPI ${esc(spec.openapi)}).</p>
${spec.info.description.split("\n\n").map((p) => `<p>${prose(p)}</p>`).join("\n")}
<nav><h2>Contents</h2><ul>${ops.map(({ path, method, op }) => `<li><a href="#${esc(op.operationId)}"><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span> ${esc(path)}</a></li>`).join("")}</ul></nav>
<h2>Routes</h2>
${ops.map(opHtml).join("\n")}
<h2>Schemas</h2>
${schemas.join("\n")}
</main></body></html>
`;
}
