// The dashboard (app/) → <out>: app.js and app.css bundled by esbuild (it comes with
// wrangler; uPlot and qrcode-generator are bundled in, nothing is fetched at run time), the
// page's HTML at /app and at every page path below it, and the CSP of those pages appended
// to <out>/_headers (which scripts/openapi.mjs writes first). Prints the gzipped transfer
// size. Usage: node scripts/app.mjs <out dir>
import { build } from "esbuild";
import { readFileSync, writeFileSync, mkdirSync, appendFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { PAGE_PATHS } from "../app/paths.mjs";

const [outDir] = process.argv.slice(2);
if (!outDir) {
  console.error("usage: node scripts/app.mjs <out dir>");
  process.exit(2);
}
const app = new URL("../app/", import.meta.url);

await build({
  entryPoints: [new URL("main.js", app).pathname],
  bundle: true,
  minify: true,
  format: "iife",
  target: ["chrome110", "firefox115", "safari16"],
  outfile: join(outDir, "app.js"),
  legalComments: "eof",
  logLevel: "warning",
});

const html = readFileSync(new URL("page.html", app), "utf8");
mkdirSync(join(outDir, "app"), { recursive: true });
writeFileSync(join(outDir, "app.html"), html);
for (const p of PAGE_PATHS) writeFileSync(join(outDir, "app", `${p}.html`), html);

// Scripts and styles only from this origin (no 'unsafe-inline'); API calls to this origin;
// product images from any https host (brands host them); the QR download is a data: URL.
const csp = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' https: data:",
  "connect-src 'self'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
].join("; ");
const pageHeaders = `  Content-Security-Policy: ${csp}
  X-Content-Type-Options: nosniff
  Referrer-Policy: same-origin
`;
appendFileSync(join(outDir, "_headers"), `/app
${pageHeaders}/app/*
${pageHeaders}/app.js
  X-Content-Type-Options: nosniff
/app.css
  X-Content-Type-Options: nosniff
`);

const gz = (f) => gzipSync(readFileSync(join(outDir, f)), { level: 9 }).length;
const js = gz("app.js");
const css = gz("app.css");
console.log(`app: app.js ${js} B + app.css ${css} B gzipped = ${((js + css) / 1000).toFixed(1)} kB transfer (goal ≤ 60 kB)`);
