// `npm run bench -- --real-bindings`: the redirect with the real KV, D1 and queue bindings of
// workerd, each backed by a constant-time in-memory service (bench/real-bindings: kv, d1,
// queue below), the same for every side. Bare workerd (no Miniflare in between), one process:
// `rust` (build/, as `npm run build` makes it), `js` (bench/redirect-js.mjs) and `const` (a
// constant 302, the floor). Reports req/s (wrk, interleaved rounds, medians), server CPU µs
// per request (the workerd process's utime + stime over a wrk run), binding calls per request
// (counted by the services themselves) and instructions per request (callgrind, the whole
// process, the services included, after a warm-up).
//
// The link's KV records come from a real seeding: the built worker under Miniflare makes a
// brand, a product, a creator and a link through the API, and its KV namespace is copied
// into the in-memory KV service.
import { Miniflare, convertV4MiniflareOptions } from "miniflare";
import { spawn, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const BUILD = path.join(ROOT, "build");
const BENCH = path.join(ROOT, "bench");
const WORKERD = path.join(ROOT, "node_modules/@cloudflare/workerd-linux-64/bin/workerd");
const UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1";
const TOKEN = "bench-admin-" + randomBytes(8).toString("hex");
const VARS = { ADMIN_TOKEN: TOKEN, VISITOR_SALT: "bench-salt", CLICK_SECRET: "bench-click-secret" };
const argv = process.argv.slice(2);
const opt = (n, d) => Number(argv.find((x) => x.startsWith(`--${n}=`))?.slice(n.length + 3) ?? d);
const ROUNDS = opt("rounds", 3);
const SECONDS = opt("duration", 6);
const WARMUP = opt("warmup", 8000);
const CG_REQUESTS = opt("requests", 1000);
const COLD_LINKS = 1500;
const log = (m) => console.error(`[real-bindings] ${m}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
function request(port, method, p, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method, path: p, headers, agent }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on("error", reject);
    req.end();
  });
}
/** `n` GETs of `p` (a path, or `(i) => path` for the i-th), `concurrency` at a time; every answer a 302. */
async function hammer(port, p, n, concurrency = 4) {
  let next = 0;
  const one = async () => {
    while (next < n) {
      const i = next++;
      const r = await request(port, "GET", typeof p === "function" ? p(i) : p, { "user-agent": UA });
      if (r.status !== 302) throw new Error(`GET ${p} on ${port}: ${r.status} ${r.body}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, one));
}

/** The built worker under Miniflare makes a link through the API; its KV records are copied. */
async function seededRecords() {
  const modules = fs.readdirSync(BUILD, { recursive: true }).filter((f) => /\.(m?js|wasm)$/.test(f) && !f.startsWith("assets"))
    .map((f) => ({ type: f.endsWith(".wasm") ? "CompiledWasm" : "ESModule", path: path.join(BUILD, f) }));
  modules.sort((a, b) => (a.path.endsWith("shim.mjs") ? -1 : b.path.endsWith("shim.mjs") ? 1 : 0));
  const mf = new Miniflare(convertV4MiniflareOptions({
    workers: [{ name: "seed", compatibilityDate: "2025-09-01", modulesRoot: BUILD, modules,
      kvNamespaces: { LINKS: "links" }, d1Databases: { DB: "db" }, queueProducers: { CLICKS: "clicks" }, bindings: VARS }],
  }));
  try {
    await mf.ready;
    const db = await mf.getD1Database("DB");
    const sql = fs.readFileSync(path.join(ROOT, "schema.sql"), "utf8").split("\n").filter((l) => !l.trim().startsWith("--")).join("\n");
    for (const stmt of sql.split(/;\s*\n/).map((s) => s.trim()).filter(Boolean)) await db.prepare(stmt).run();
    const api = async (p, key, body) => {
      const r = await mf.dispatchFetch(`http://bench.local${p}`, { method: "POST", body: JSON.stringify(body),
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" } });
      const text = await r.text();
      if (r.status >= 300) throw new Error(`POST ${p}: ${r.status} ${text}`);
      return JSON.parse(text);
    };
    const brand = await api("/api/brands", TOKEN, { name: "Bench Brand", domains: ["shop.example"], currency: "USD", default_commission_bps: 1000, webhook_scheme: "shopify" });
    const creator = await api("/api/creators", TOKEN, { handle: "bench" + randomBytes(3).toString("hex") });
    const product = await api("/api/products", brand.api_key, { sku: "BENCH-1", title: "Bench product", url: "https://shop.example/products/bench?variant=1", price: { amount: 2000, currency: "USD" }, commission_bps: 1250 });
    const link = await api("/api/links", creator.api_key, { product_id: product.id });
    // Links for the cold path: more than the isolate's cache holds (1,000), visited in turn,
    // so that every redirect misses the cache and reads its two KV records.
    const cold = [];
    for (let i = 0; i < COLD_LINKS; i++) cold.push((await api("/api/links", creator.api_key, { product_id: product.id })).code);
    // The link's record is written after the response; a click makes sure it is there.
    await (await mf.dispatchFetch(`http://bench.local/${link.code}`, { redirect: "manual", headers: { "user-agent": UA } })).arrayBuffer();
    await sleep(500);
    const kv = await mf.getKVNamespace("LINKS");
    const records = {};
    let cursor;
    do {
      const page = await kv.list({ cursor });
      for (const { name } of page.keys) records[name] = await kv.get(name);
      cursor = page.list_complete ? undefined : page.cursor;
    } while (cursor);
    for (const c of [link.code, ...cold]) if (!records[`link:${c}`]) throw new Error(`no KV record for the link ${c}`);
    return { code: link.code, cold, records };
  } finally {
    await mf.dispose();
  }
}

// The constant-time services behind the bindings. Each counts what it is asked; GET
// /__count answers the counts, DELETE /__count resets them.
const SERVICE = (body) => `let n = {};
const hit = (k) => (n[k] = (n[k] ?? 0) + 1);
${body}
export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/__count") { const now = n; if (request.method === "DELETE") n = {}; return Response.json(now); }
    return handle(request, url);
  },
};
`;
const KV_SERVICE = (records) => SERVICE(`const data = new Map(Object.entries(${JSON.stringify(records)}));
async function handle(request, url) {
  const key = decodeURIComponent(url.pathname.slice(1));
  if (request.method === "GET") { hit("kv_get"); const v = data.get(key); return v === undefined ? new Response(null, { status: 404 }) : new Response(v); }
  if (request.method === "PUT") { hit("kv_put"); data.set(key, await request.text()); return new Response(null); }
  hit("kv_other");
  return new Response(null);
}`);
// D1's binding speaks JSON to its service; every statement gets an empty result.
const D1_SERVICE = SERVICE(`async function handle(request) {
  hit("d1_call");
  const body = await request.text();
  let n = 1;
  try { const q = JSON.parse(body); if (Array.isArray(q)) n = q.length; } catch {}
  const one = { success: true, results: [], meta: { duration: 0, changes: 0, last_row_id: 0, rows_read: 0, rows_written: 0 } };
  return Response.json(Array.from({ length: n }, () => one));
}`);
const QUEUE_SERVICE = SERVICE(`async function handle(request, url) {
  hit(url.pathname.endsWith("/batch") ? "queue_batch" : "queue_send");
  await request.arrayBuffer();
  // The binding reads a JSON answer (the queue's metrics, as the real service sends them).
  return Response.json({ metadata: { metrics: { backlogCount: 0, backlogBytes: 0, oldestMessageTimestamp: 0 } } });
}`);

/** A workerd config (capnp text) and its files in `dir`; returns the ports. */
async function writeConfig(dir, seed) {
  const built = fs.readdirSync(BUILD, { recursive: true }).filter((f) => /\.(m?js|wasm)$/.test(f) && !f.startsWith("assets"));
  for (const f of built) { fs.mkdirSync(path.join(dir, "rust", path.dirname(f)), { recursive: true }); fs.copyFileSync(path.join(BUILD, f), path.join(dir, "rust", f)); }
  // `rustN`: the built worker with the hot-link cache taken out (the shim never asks Rust
  // for a hot link), the redirect as it was before the cache: the cold path's "before".
  const shim = fs.readFileSync(path.join(BUILD, "shim.mjs"), "utf8");
  const HOT_CALL = "const hot = wasm.redirect_hot(visit === undefined ? url : `${url}\\n${visit}`);";
  if (!shim.includes(HOT_CALL)) throw new Error("bench: the shim's hot-link call has changed; update bench/real-bindings.mjs");
  const noCache = shim.replace(HOT_CALL, "const hot = undefined;");
  fs.writeFileSync(path.join(dir, "rust", "shim-nocache.mjs"), noCache);
  fs.writeFileSync(path.join(dir, "cold.lua"), `local codes = {${seed.cold.map((c) => JSON.stringify(c)).join(",")}}
local i = 0
request = function()
  i = i % #codes + 1
  return wrk.format("GET", "/" .. codes[i])
end
`);
  fs.mkdirSync(path.join(dir, "js"));
  fs.copyFileSync(path.join(BENCH, "redirect-js.mjs"), path.join(dir, "js", "redirect-js.mjs"));
  fs.copyFileSync(path.join(BENCH, "const-302.mjs"), path.join(dir, "const-302.mjs"));
  fs.writeFileSync(path.join(dir, "kv.mjs"), KV_SERVICE(seed.records));
  fs.writeFileSync(path.join(dir, "d1.mjs"), D1_SERVICE);
  fs.writeFileSync(path.join(dir, "queue.mjs"), QUEUE_SERVICE);
  const rustModules = (entry) => ["shim.mjs", ...built.filter((f) => f !== "shim.mjs")]
    .map((f) => `(name = "${f}", ${f.endsWith(".wasm") ? "wasm" : "esModule"} = embed "rust/${f === "shim.mjs" ? entry : f}")`).join(",\n      ");
  const bindings = `
      (name = "LINKS", kvNamespace = "kv"),
      (name = "DB", wrapped = (moduleName = "cloudflare-internal:d1-api", innerBindings = [(name = "fetcher", service = "d1")])),
      (name = "CLICKS", queue = "queue"),
      ${Object.entries(VARS).map(([k, v]) => `(name = "${k}", text = "${v}")`).join(",\n      ")}`;
  const ports = {};
  for (const n of ["rust", "rustN", "js", "const", "kv", "d1", "queue"]) ports[n] = await freePort();
  const worker = (modules) => `(compatibilityDate = "2025-09-01", modules = [${modules}], bindings = [${bindings}])`;
  const plain = (file) => `(compatibilityDate = "2025-09-01", modules = [(name = "${file}", esModule = embed "${file}")])`;
  fs.writeFileSync(path.join(dir, "config.capnp"), `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "rust", worker = ${worker(rustModules("shim.mjs"))}),
    (name = "rustN", worker = ${worker(rustModules("shim-nocache.mjs"))}),
    (name = "js", worker = ${worker(`(name = "redirect-js.mjs", esModule = embed "js/redirect-js.mjs")`)}),
    (name = "const", worker = ${plain("const-302.mjs")}),
    (name = "kv", worker = ${plain("kv.mjs")}),
    (name = "d1", worker = ${plain("d1.mjs")}),
    (name = "queue", worker = ${plain("queue.mjs")}),
  ],
  sockets = [
    ${Object.entries(ports).map(([n, p]) => `(name = "${n}", address = "127.0.0.1:${p}", http = (), service = "${n}")`).join(",\n    ")}
  ],
);
`);
  return ports;
}

function start(dir, ports, prefix = []) {
  const [cmd, ...args] = [...prefix, WORKERD, "serve", path.join(dir, "config.capnp"), "--experimental"];
  const child = spawn(cmd, args, { stdio: ["ignore", "inherit", "inherit"] });
  return { child, ready: (async () => {
    for (let i = 0; i < 600; i++) {
      try { if ((await request(ports.const, "GET", "/x")).status === 302) return; } catch {}
      await sleep(200);
    }
    throw new Error("workerd did not come up");
  })() };
}

/** utime + stime of a process, in µs. */
function cpuMicros(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return ((Number(f[11]) + Number(f[12])) * 1e6) / Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }));
}

function wrk(port, p, seconds, script) {
  const out = execFileSync("wrk", ["-t1", "-c16", `-d${seconds}s`, ...(script ? ["-s", script] : []), "-H", `User-Agent: ${UA}`, `http://127.0.0.1:${port}${p}`], { encoding: "utf8", timeout: (seconds + 30) * 1000 });
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  const errors = /Non-2xx or 3xx responses:\s*(\d+)/.exec(out)?.[1] ?? "0";
  if (errors !== "0") throw new Error(`wrk ${port}${p}: ${errors} non-2xx/3xx answers`);
  return { rps: Number(/Requests\/sec:\s*([\d.]+)/.exec(out)?.[1]), requests };
}

async function counts(ports) {
  const all = {};
  for (const s of ["kv", "d1", "queue"]) Object.assign(all, await (await fetch(`http://127.0.0.1:${ports[s]}/__count`, { method: "DELETE" })).json());
  return all;
}

function cg(args) {
  return execFileSync("callgrind_control", args, { encoding: "utf8", timeout: 120_000 });
}

function dumpTotal(out, seen) {
  const dir = path.dirname(out);
  const files = fs.readdirSync(dir).filter((f) => f.startsWith(path.basename(out) + ".") && !seen.has(f));
  if (files.length !== 1) throw new Error(`expected one new callgrind dump, found ${files}`);
  seen.add(files[0]);
  const m = /^(?:totals|summary):\s*(\d+)/m.exec(fs.readFileSync(path.join(dir, files[0]), "utf8"));
  return Number(m[1]);
}

export async function realBindings() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ae-real-bindings-"));
  try {
    log(`seeding a hot link and ${COLD_LINKS} cold ones through the built worker (Miniflare), copying its KV records`);
    const seed = await seededRecords();
    const ports = await writeConfig(dir, seed);
    const hotPath = `/${seed.code}`;
    // One cycle through the cold links across every call, so a link comes round again only
    // after 1,499 others: always a miss.
    let turn = 0;
    const coldPath = () => `/${seed.cold[turn++ % seed.cold.length]}`;
    const script = path.join(dir, "cold.lua");
    // What is measured: a hot link (one link, in the isolate's cache after its first
    // redirect) on each side and the floor; a cold link (every redirect another of 1,500
    // links, more than the cache's 1,000: each one misses and reads KV) on each side, and on
    // the Rust worker with the cache taken out (the redirect as it was before the cache).
    const T = {
      rust: { svc: "rust", path: hotPath },
      js: { svc: "js", path: hotPath },
      const: { svc: "const", path: "/x" },
      rustCold: { svc: "rust", path: coldPath, script },
      rustNoCache: { svc: "rustN", path: coldPath, script },
      jsCold: { svc: "js", path: coldPath, script },
    };
    const names = Object.keys(T);
    const counted = names.filter((n) => n !== "const");

    log("bare workerd: the real bindings, constant-time services behind them");
    const w = start(dir, ports);
    const result = { rps: {}, cpu: {}, calls: {}, instructions: {}, runs: {} };
    try {
      await w.ready;
      for (const n of ["rust", "rustN", "js"]) {
        const r = await request(ports[n], "GET", hotPath, { "user-agent": UA });
        if (r.status !== 302 || !/[?&]aff_click=clk_/.test(r.headers.location ?? "")) throw new Error(`${n}: ${r.status} ${r.headers.location} ${r.body}`);
      }
      // Binding calls per redirect, counted by the services: 2,000 redirects after 200 that
      // warm up; the last clicks' queue send comes ≤ 100 ms after them.
      for (const n of counted) {
        await hammer(ports[T[n].svc], T[n].path, 200);
        await sleep(300);
        await counts(ports);
        await hammer(ports[T[n].svc], T[n].path, 2000);
        await sleep(300);
        result.calls[n] = await counts(ports);
      }
      const runs = Object.fromEntries(names.map((n) => [n, []]));
      const cpu = Object.fromEntries(names.map((n) => [n, []]));
      for (let round = 0; round < ROUNDS; round++) {
        for (const n of names) {
          const before = cpuMicros(w.child.pid);
          const r = wrk(ports[T[n].svc], typeof T[n].path === "string" ? T[n].path : "/", SECONDS, T[n].script);
          await sleep(300);
          cpu[n].push((cpuMicros(w.child.pid) - before) / r.requests);
          runs[n].push(r.rps);
          log(`round ${round + 1} ${n}: ${Math.round(r.rps)} req/s, ${(cpu[n].at(-1)).toFixed(0)} µs CPU/request`);
        }
      }
      for (const n of names) { result.rps[n] = median(runs[n]); result.cpu[n] = median(cpu[n]); }
      result.runs = runs;
    } finally {
      w.child.kill();
      await new Promise((r) => (w.child.exitCode !== null ? r() : w.child.once("exit", r)));
    }

    if (!argv.includes("--no-callgrind")) {
      const out = path.join(dir, "cg", "callgrind.out");
      fs.mkdirSync(path.dirname(out));
      log("callgrind: the same config under valgrind (slow)");
      const v = start(dir, ports, ["valgrind", "-q", "--tool=callgrind", `--callgrind-out-file=${out}`, "--instr-atstart=no", "--dump-line=no", "--compress-strings=no", "--vgdb=yes"]);
      try {
        await v.ready;
        const pid = String(v.child.pid);
        // Warm-up, so V8 has tiered the hot code up (the cold targets share their workers'
        // code with the hot ones, and each of their requests costs two subrequests more).
        for (const n of names) await hammer(ports[T[n].svc], T[n].path, T[n].script ? WARMUP / 4 : WARMUP);
        await sleep(2000);
        cg(["-i", "on", pid]);
        const seen = new Set();
        cg(["-z", pid]);
        await sleep(2000);
        cg(["-d", pid]);
        const idle = dumpTotal(out, seen);
        for (const n of names) {
          await hammer(ports[T[n].svc], T[n].path, 100);
          await sleep(2000);
          cg(["-z", pid]);
          await hammer(ports[T[n].svc], T[n].path, CG_REQUESTS);
          await sleep(2000);
          cg(["-d", pid]);
          result.instructions[n] = Math.round((dumpTotal(out, seen) - idle) / CG_REQUESTS);
          log(`callgrind ${n}: ${result.instructions[n]} instructions/request`);
        }
      } finally {
        v.child.kill();
        await new Promise((r) => (v.child.exitCode !== null ? r() : v.child.once("exit", r)));
      }
    }
    report(result);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function report(r) {
  const k = (x) => (x === undefined ? "–" : `${Math.round(x / 1000)} k`);
  const per = (c, key) => ((c?.[key] ?? 0) / 2000).toFixed(3);
  const calls = (n) => `kv ${per(r.calls[n], "kv_get")}, d1 ${per(r.calls[n], "d1_call")}, queue ${(((r.calls[n]?.queue_batch ?? 0) + (r.calls[n]?.queue_send ?? 0)) / 2000).toFixed(3)}`;
  const ratio = (a, b) => (a && b ? (a / b).toFixed(2) : "–");
  const row = (label, a, b, c, f) => `| ${label} | ${f(r, a)} | ${f(r, b)} | ${c ? f(r, c) : ""} | ${ratio(pick(f, a), pick(f, b))} | ${c ? ratio(pick(f, a), pick(f, c)) : ""} |`;
  const pick = (f, n) => ({ rps: r.rps[n], cpu: r.cpu[n], ins: r.instructions[n] })[f.key];
  const rps = Object.assign((x, n) => String(Math.round(x.rps[n])), { key: "rps" });
  const cpu = Object.assign((x, n) => x.cpu[n].toFixed(0), { key: "cpu" });
  const ins = Object.assign((x, n) => k(x.instructions[n]), { key: "ins" });
  const cl = Object.assign((x, n) => calls(n), { key: "none" });
  console.log(`
| hot link, real bindings (bare workerd) | Rust | JS | constant 302 | Rust/JS | Rust/constant |
|---|---|---|---|---|---|
${row(`req/s (median of ${ROUNDS} rounds)`, "rust", "js", "const", rps)}
${row("server CPU µs/request", "rust", "js", "const", cpu)}
${row("instructions/request", "rust", "js", "const", ins)}
| binding calls/request | ${calls("rust")} | ${calls("js")} | none | | |

| cold link, real bindings (each redirect another of ${COLD_LINKS} links) | Rust | JS | Rust without the cache | Rust/JS | Rust/without |
|---|---|---|---|---|---|
${row(`req/s (median of ${ROUNDS} rounds)`, "rustCold", "jsCold", "rustNoCache", rps)}
${row("server CPU µs/request", "rustCold", "jsCold", "rustNoCache", cpu)}
${row("instructions/request", "rustCold", "jsCold", "rustNoCache", ins)}
| binding calls/request | ${calls("rustCold")} | ${calls("jsCold")} | ${calls("rustNoCache")} | | |

Runs (req/s): ${Object.entries(r.runs).map(([n, xs]) => `${n} ${xs.map(Math.round).join(", ")}`).join("; ")}.
`);
}
