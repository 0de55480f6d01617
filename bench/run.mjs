// `npm run bench` (through scripts/bench.sh): the redirect and the webhook of the built Rust
// worker against hand-written JS workers, side by side, on workerd run by Miniflare with
// no wrangler proxy in front (each worker gets its own direct socket on 127.0.0.1).
//
// Measures, in one run: wrk requests/s and p50/p99 for the Rust redirect, the JS redirect
// (bench/redirect-js.mjs) and a constant JS 302 (bench/const-302.mjs); Shopify-signed order
// confirmations per second (Rust) and D1 round trips per confirmation and per click;
// instructions per request of the workerd process under callgrind; wasm size; start time.
//
// Every loop is bounded (fixed durations, fixed request counts); all traffic goes to
// 127.0.0.1; every process it starts is stopped before it exits. It writes only to a
// temporary directory, and to BENCHMARKS.md when given --write.
//
// Options: --write  --quick (shorter runs)  --no-callgrind  --duration=S  --rounds=N
//          --requests=N (callgrind requests per target)  --warmup=N (callgrind warm-up per target)
//          --cg-runs=N (callgrind in N workerd processes, median reported; default 1)
// For profiling: --cg-only (instruction counts only)  --targets=rustS,jsS,…  --method=HEAD
//          --keep=DIR (keep the callgrind dumps for callgrind_annotate)

import { Miniflare, convertV4MiniflareOptions } from "miniflare";
import { spawn, execFileSync } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import zlib from "node:zlib";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const BUILD = process.env.AE_BENCH_BUILD ?? path.join(ROOT, "build"); // AE_BENCH_BUILD: e.g. a profiling build
const BENCH = path.join(ROOT, "bench");
const WORKERD = path.join(ROOT, "node_modules/@cloudflare/workerd-linux-64/bin/workerd");

const argv = process.argv.slice(2);
const flag = (n) => argv.includes(`--${n}`);
const opt = (n, d) => {
  const a = argv.find((x) => x.startsWith(`--${n}=`));
  return a ? Number(a.split("=")[1]) : d;
};
const QUICK = flag("quick");
const DURATION = opt("duration", QUICK ? 4 : 8);
const ROUNDS = opt("rounds", QUICK ? 1 : 5);
const CG_REQUESTS = opt("requests", QUICK ? 100 : 1000);
const UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1";
const TOKEN = "bench-admin-" + randomBytes(8).toString("hex");

const log = (...a) => console.error("[bench]", ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const load = () => os.loadavg()[0].toFixed(2);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function freePort() {
  return new Promise((res) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const p = s.address().port;
      s.close(() => res(p));
    });
  });
}

// ---------------------------------------------------------------------------- workers

// Every file of build/: the shim, wasm-bindgen's index.js and its snippets, the wasm.
function buildModules() {
  return fs.readdirSync(BUILD, { recursive: true })
    .filter((f) => /\.(m?js|wasm)$/.test(f))
    .map((f) => ({ type: f.endsWith(".wasm") ? "CompiledWasm" : "ESModule", path: path.join(BUILD, f) }));
}

/** A generated entry module in `root` that wraps `target` (the first module is the entry). */
function entry(root, source, extra = []) {
  return [
    { type: "ESModule", path: path.join(root, "bench-entry.mjs"), contents: source },
    ...extra.map((f) => ({ type: "ESModule", path: path.join(root, path.basename(f)), contents: fs.readFileSync(f, "utf8") })),
  ];
}

const STUB = path.join(BENCH, "stub-bindings.mjs");
const stubbed = (mod) => `import w from "./${mod}";\nimport { withMemoryBindings } from "./stub-bindings.mjs";\nexport default withMemoryBindings(w);\n`;

// The workers: `rust`/`js` with Miniflare's local KV and D1, `rustS`/`jsS` with KV and D1
// answered from memory (bench/stub-bindings.mjs), `const` the constant 302, `rustd1` the Rust worker with its D1
// calls counted (bench/d1-count.mjs).
const WORKERS = {
  rust: () => ({ modulesRoot: BUILD, modules: [{ type: "ESModule", path: path.join(BUILD, "shim.mjs") }, ...buildModules().filter((m) => !m.path.endsWith("shim.mjs"))] }),
  js: () => ({ modulesRoot: BENCH, modules: [{ type: "ESModule", path: path.join(BENCH, "redirect-js.mjs") }] }),
  const: () => ({ modulesRoot: BENCH, modules: [{ type: "ESModule", path: path.join(BENCH, "const-302.mjs") }] }),
  rustS: () => ({ modulesRoot: BUILD, modules: [...entry(BUILD, stubbed("shim.mjs"), [STUB]), ...buildModules()] }),
  jsS: () => ({ modulesRoot: BENCH, modules: [...entry(BENCH, stubbed("redirect-js.mjs")), { type: "ESModule", path: STUB }, { type: "ESModule", path: path.join(BENCH, "redirect-js.mjs") }] }),
  rustd1: () => ({ modulesRoot: BUILD, modules: [...entry(BUILD, `export { default } from "./d1-count.mjs";\n`, [path.join(BENCH, "d1-count.mjs")]), ...buildModules()] }),
};

function workerOptions(ports, names) {
  const common = {
    compatibilityDate: "2025-09-01",
    kvNamespaces: { LINKS: "bench-links" },
    d1Databases: { DB: "bench-db" },
    bindings: { ADMIN_TOKEN: TOKEN, VISITOR_SALT: "bench-salt" },
  };
  return names.map((name) => ({
    name,
    ...common,
    ...WORKERS[name](),
    unsafeDirectSockets: [{ host: "127.0.0.1", port: ports[name] }],
  }));
}

function newMiniflare(dir, ports, names) {
  // Miniflare 5 takes a new options shape; the classic one is converted by its own helper.
  return new Miniflare(convertV4MiniflareOptions({
    host: "127.0.0.1",
    port: 0,
    cf: { country: "US", colo: "LHR" },
    logRequests: false,
    resourcePersistencePath: path.join(dir, "state"),
    workers: workerOptions(ports, names),
  }));
}

// ---------------------------------------------------------------------------- HTTP client

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

function request(port, method, p, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method, path: p, headers, agent }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.setTimeout(120_000, () => req.destroy(new Error(`timeout ${method} ${p}`)));
    req.on("error", reject);
    if (body) req.write(body);
    req.end();
  });
}

async function api(port, method, p, key, json) {
  const body = json ? JSON.stringify(json) : undefined;
  const headers = { "content-type": "application/json" };
  if (key) headers.authorization = `Bearer ${key}`;
  const r = await request(port, method, p, { headers, body });
  if (r.status >= 300) throw new Error(`${method} ${p}: ${r.status} ${r.body}`);
  return JSON.parse(r.body);
}

/** `n` requests, `concurrency` at a time; every answer must have status `expect`. */
async function hammer(port, p, n, concurrency, expect = 302, method = "GET") {
  let next = 0;
  const one = async () => {
    while (next < n) {
      next++;
      const r = await request(port, method, p, { headers: { "user-agent": UA } });
      if (r.status !== expect) throw new Error(`GET ${p} on ${port}: ${r.status} ${r.body}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, one));
}

// ---------------------------------------------------------------------------- seeding

async function applySchema(mf) {
  const db = await mf.getD1Database("DB", "rust");
  const sql = fs.readFileSync(path.join(ROOT, "schema.sql"), "utf8")
    .split("\n").filter((l) => !l.trim().startsWith("--")).join("\n");
  for (const stmt of sql.split(/;\s*\n/).map((s) => s.trim()).filter(Boolean)) {
    await db.prepare(stmt).run();
  }
}

async function seed(port) {
  const brand = await api(port, "POST", "/api/brands", TOKEN, {
    name: "Bench Brand", domains: ["shop.example"], currency: "USD",
    default_commission_bps: 1000, webhook_scheme: "shopify",
  });
  const creator = await api(port, "POST", "/api/creators", TOKEN, { handle: "bench" + randomBytes(3).toString("hex") });
  const sku = "BENCH-1";
  const product = await api(port, "POST", "/api/products", brand.api_key, {
    sku, title: "Bench product", url: "https://shop.example/products/bench?variant=1",
    price: { amount: 2000, currency: "USD" }, commission_bps: 1250,
  });
  const link = await api(port, "POST", "/api/links", creator.api_key, { product_id: product.id });
  return { brand, creator, product, link, code: link.code, sku };
}

// ---------------------------------------------------------------------------- wrk

function wrk(port, p, seconds, connections = 16) {
  const out = execFileSync("wrk", ["-t1", `-c${connections}`, `-d${seconds}s`, "--latency", "-H", `User-Agent: ${UA}`, `http://127.0.0.1:${port}${p}`], {
    encoding: "utf8", timeout: (seconds + 30) * 1000,
  });
  const rps = Number(/Requests\/sec:\s*([\d.]+)/.exec(out)?.[1]);
  const lat = (q) => {
    const m = new RegExp(`\\s${q}%\\s+([\\d.]+)(us|ms|s)`).exec(out);
    if (!m) return NaN;
    return Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]];
  };
  const errors = /Non-2xx or 3xx responses:\s*(\d+)/.exec(out)?.[1] ?? "0";
  const sockErr = /Socket errors:.*/.exec(out)?.[0];
  if (errors !== "0" || sockErr) log(`wrk ${port}${p}: ${sockErr ?? ""} non-2xx/3xx=${errors}`);
  return { rps, p50: lat(50), p99: lat(99) };
}

// ---------------------------------------------------------------------------- webhooks

function shopifyOrder(seed, click, clickParam, n) {
  return JSON.stringify({
    id: 5_000_000_000 + n, currency: "USD",
    note_attributes: [{ name: clickParam, value: click }],
    line_items: [{ sku: seed.sku, quantity: 1, price: "20.00", discount_allocations: [] }],
    total_tax: "0.00", shipping_lines: [],
  });
}

let orderSeq = Math.floor(Math.random() * 1e6) * 1000;
function deliver(port, s, click, clickParam) {
  const n = orderSeq++;
  const body = shopifyOrder(s, click, clickParam, n);
  const sig = createHmac("sha256", s.brand.webhook_secret).update(body).digest("base64");
  return request(port, "POST", `/webhooks/${s.brand.id}`, {
    headers: {
      "content-type": "application/json", "x-shopify-topic": "orders/paid",
      "x-shopify-hmac-sha256": sig, "x-shopify-webhook-id": `bench-${n}`,
    },
    body,
  });
}

async function webhookRate(port, s, click, clickParam, seconds, concurrency = 8) {
  const until = Date.now() + seconds * 1000;
  let ok = 0, other = 0;
  const t0 = performance.now();
  const one = async () => {
    while (Date.now() < until) {
      const r = await deliver(port, s, click, clickParam);
      if (r.status === 200 && JSON.parse(r.body).status === "attributed") ok++;
      else if (other++ === 0) log(`webhook answered ${r.status}: ${r.body}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, one));
  return { rate: ok / ((performance.now() - t0) / 1000), ok, other };
}

// ---------------------------------------------------------------------------- callgrind

function cg(args) {
  return execFileSync("callgrind_control", args, { encoding: "utf8", timeout: 120_000 });
}

function dumpTotal(out, before) {
  const dir = path.dirname(out);
  const files = fs.readdirSync(dir).filter((f) => f.startsWith(path.basename(out) + ".") && !f.endsWith(".pid") && !before.has(f));
  if (files.length !== 1) throw new Error(`expected one new callgrind dump, found ${files}`);
  before.add(files[0]);
  const text = fs.readFileSync(path.join(dir, files[0]), "utf8");
  const m = /^(?:totals|summary):\s*(\d+)/m.exec(text);
  if (!m) throw new Error(`no totals in ${files[0]}`);
  return Number(m[1]);
}

const CG_TARGETS = argv.find((x) => x.startsWith("--targets="))?.slice(10).split(",") ?? ["rustS", "jsS", "const", "rust", "js"];
// Warm-up requests per side before counting. Under valgrind V8's background compilers are
// slow, and after 2,000 requests the Rust side was still partly in lower tiers in some
// processes (wasm-bindgen's glue and the shim in Ignition/Maglev: 640–810 k instructions
// per redirect against ~500 k once settled, while wrk showed Rust ahead); after 8,000 both
// sides measured steadily. See BENCHMARKS.md.
const WARMUP = opt("warmup", QUICK ? 100 : 8000);
// The local-simulator pair runs at ~200 req/s natively and far slower under valgrind: fewer.
const SLOW = new Set(["rust", "js"]);
const cgRequests = (n) => (SLOW.has(n) ? Math.min(CG_REQUESTS, 200) : CG_REQUESTS);
const cgWarmup = (n) => (SLOW.has(n) ? Math.min(WARMUP, 300) : WARMUP);
const METHOD = argv.find((x) => x.startsWith("--method="))?.slice(9) ?? "GET";

let cgProcess = 0;
async function instructionCounts(dir, s, CG_TARGETS) {
  const ports = {};
  for (const n of CG_TARGETS) ports[n] = await freePort();
  const out = path.join(dir, `cg${++cgProcess}`, "callgrind.out");
  fs.mkdirSync(path.dirname(out), { recursive: true });
  process.env.MINIFLARE_WORKERD_PATH = path.join(BENCH, "valgrind-workerd.sh");
  process.env.AE_WORKERD_BIN = WORKERD;
  process.env.AE_CALLGRIND_OUT = out;
  log("callgrind: starting workerd under valgrind (slow)");
  const mf = newMiniflare(dir, ports, CG_TARGETS);
  try {
    await mf.ready;
    delete process.env.MINIFLARE_WORKERD_PATH;
    const pid = fs.readFileSync(out + ".pid", "utf8").trim();
    const pathOf = (n) => (n === "const" ? "/x" : `/${s.code}`);
    // Warm-up before counting: V8 tiers hot wasm and JS up (Liftoff → TurboFan, Ignition →
    // Maglev/TurboFan) after enough calls; the counts are meant for an isolate in steady state.
    for (const n of CG_TARGETS) await hammer(ports[n], pathOf(n), cgWarmup(n), 4, 302, METHOD);
    await sleep(2000);
    cg(["-i", "on", pid]);
    const seen = new Set();
    const result = {};
    const settle = 2000;
    // Idle cost of the process over the settle time (timers, GC): subtracted below.
    cg(["-z", pid]);
    await sleep(settle);
    cg(["-d", pid]);
    const idle = dumpTotal(out, seen);
    for (const n of CG_TARGETS) {
      await hammer(ports[n], pathOf(n), 100, 4, 302, METHOD);
      await sleep(settle);
      cg(["-z", pid]);
      await hammer(ports[n], pathOf(n), cgRequests(n), 4, 302, METHOD);
      await sleep(settle); // the clicks' D1 writes after the responses
      cg(["-d", pid]);
      const total = dumpTotal(out, seen);
      result[n] = Math.round((total - idle) / cgRequests(n));
      log(`callgrind ${n}: ${result[n]} instructions/request (idle ${idle} over ${settle} ms)`);
    }
    result.idle = idle;
    const keep = argv.find((x) => x.startsWith("--keep="))?.slice(7);
    if (keep) {
      fs.cpSync(path.dirname(out), keep, { recursive: true });
      log(`callgrind dumps kept in ${keep} (in the order: idle, ${CG_TARGETS.join(", ")})`);
    }
    return result;
  } finally {
    await mf.dispose();
  }
}

/**
 * `--cg-runs=N` workerd processes under callgrind, one after the other: V8 tiers the same
 * code differently from process to process (±10–25 % per side), so the median of a few
 * processes is steadier than one. The slow local-simulator pair is counted once.
 */
const CG_RUNS = opt("cg-runs", 1);
async function repeatedCounts(dir, s) {
  const runs = [];
  for (let i = 0; i < CG_RUNS; i++) {
    runs.push(await instructionCounts(dir, s, i === 0 ? CG_TARGETS : CG_TARGETS.filter((n) => !SLOW.has(n))));
  }
  const instructions = {}, instructionRuns = {};
  for (const n of CG_TARGETS) {
    const xs = runs.map((r) => r[n]).filter((x) => x !== undefined);
    instructions[n] = median(xs);
    instructionRuns[n] = xs;
  }
  return { instructions, instructionRuns };
}

// ---------------------------------------------------------------------------- start time

async function startTime(dir, name, p, expect) {
  const ports = { [name]: await freePort() };
  const t0 = performance.now();
  const mf = newMiniflare(dir, ports, [name]);
  try {
    await mf.ready;
    const ready = performance.now() - t0;
    const r = await request(ports[name], "GET", p, { headers: { "user-agent": UA } });
    if (r.status !== expect) throw new Error(`${name} first request: ${r.status} ${r.body}`);
    return { total: performance.now() - t0, ready };
  } finally {
    await mf.dispose();
  }
}

// ---------------------------------------------------------------------------- main

function machine() {
  const cpu = os.cpus()[0]?.model ?? "unknown";
  let distro = "";
  try { distro = /PRETTY_NAME="(.*)"/.exec(fs.readFileSync("/etc/os-release", "utf8"))[1]; } catch {}
  const workerd = execFileSync(WORKERD, ["--version"], { encoding: "utf8" }).trim();
  return `${cpu}, ${os.cpus().length} cores, ${distro}, ${workerd}, Node ${process.version}`;
}

function table(rows) {
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows.map((r, j) => {
    const line = "| " + r.map((c, i) => String(c).padEnd(w[i])).join(" | ") + " |";
    return j === 0 ? line + "\n|" + w.map((x) => "-".repeat(x + 2)).join("|") + "|" : line;
  }).join("\n");
}

async function main() {
  for (const f of ["index_bg.wasm", "index.js", "shim.mjs"]) {
    if (!fs.existsSync(path.join(BUILD, f))) throw new Error(`build/${f} missing: run npm run build`);
  }
  // State on tmpfs when there is one: the local D1 then measures its SQL, not the disk.
  const tmpRoot = fs.existsSync("/dev/shm") ? "/dev/shm" : os.tmpdir();
  const dir = fs.mkdtempSync(path.join(tmpRoot, "affiliate-edge-bench."));
  const res = { date: new Date().toISOString(), machine: machine() };
  try {
    const ports = {};
    for (const n of Object.keys(WORKERS)) ports[n] = await freePort();
    log(`workerd via Miniflare, state in ${dir}`);
    const mf = newMiniflare(dir, ports, Object.keys(WORKERS));
    let s;
    try {
      await mf.ready;
      await applySchema(mf);
      s = await seed(ports.rust);
      const path1 = `/${s.code}`;
      for (const n of ["rust", "js", "rustS", "jsS"]) {
        const r = await request(ports[n], "GET", path1, { headers: { "user-agent": UA } });
        if (r.status !== 302) throw new Error(`${n} redirect answered ${r.status} ${r.body}`);
        log(`Location (${n}): ${r.headers.location}`);
      }
      if (flag("cg-only")) {
        await mf.dispose();
        const I = await repeatedCounts(dir, s);
        console.log(JSON.stringify(I));
        return;
      }
      const a = await request(ports.rust, "GET", path1, { headers: { "user-agent": UA } });
      const [, clickParam, click] = /[?&]([^=&]+)=(clk_[0-9A-Za-z]{22})/.exec(a.headers.location);
      await sleep(500);

      // Throughput, interleaved so drift in the machine's load hits every side alike. The
      // stubbed-D1 pair is the worker-dominated comparison; the local-D1 pair shows the
      // whole click path on the local simulator.
      const pathOf = (n) => (n === "const" ? "/x" : path1);
      // The pair's order alternates from round to round, so neither side always runs right
      // after the constant worker's (hottest) run.
      const plan = [...Array.from({ length: ROUNDS }, (_, i) => (i % 2 ? ["jsS", "rustS", "const"] : ["rustS", "jsS", "const"])).flat(), "rust", "js"];
      for (const n of ["rustS", "jsS", "const", "rust", "js"]) wrk(ports[n], pathOf(n), 2);
      const runs = {};
      for (const n of plan) {
        await sleep(1000);
        const before = load();
        const w = wrk(ports[n], pathOf(n), DURATION);
        (runs[n] ??= []).push({ ...w, load: before });
        log(`${n} (round ${runs[n].length}): ${w.rps.toFixed(0)} req/s, p50 ${w.p50} ms, p99 ${w.p99} ms (load ${before})`);
      }
      res.wrk = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, {
        rps: median(v.map((x) => x.rps)), p50: median(v.map((x) => x.p50)), p99: median(v.map((x) => x.p99)),
        loads: v.map((x) => x.load), all: v.map((x) => Math.round(x.rps)),
      }]));
      // Rust/JS within each round (the two runs next to each other in time).
      res.wrk.pairRatios = runs.rustS.map((r, i) => r.rps / runs.jsS[i].rps);

      // D1 round trips: per order confirmation, and per click (all after the response).
      await request(ports.rustd1, "DELETE", "/__bench/d1");
      const N = 5;
      for (let i = 0; i < N; i++) {
        const r = await deliver(ports.rustd1, s, click, clickParam);
        if (r.status !== 200) throw new Error(`webhook: ${r.status} ${r.body}`);
      }
      res.d1PerWebhook = Number((await request(ports.rustd1, "DELETE", "/__bench/d1")).body) / N;
      for (let i = 0; i < N; i++) await request(ports.rustd1, "GET", path1, { headers: { "user-agent": UA } });
      await sleep(1500);
      res.d1PerClick = Number((await request(ports.rustd1, "DELETE", "/__bench/d1")).body) / N;

      const before = load();
      const wh = await webhookRate(ports.rust, s, click, clickParam, DURATION);
      res.webhook = { rate: wh.rate, load: before, failed: wh.other };
      log(`webhooks: ${wh.rate.toFixed(0)}/s attributed (${wh.other} other answers), load ${before}`);
    } finally {
      await mf.dispose();
    }

    // Size.
    // gzip -9 as scripts/build.sh reports it (GNU gzip; Node's zlib differs by ~2 %).
    const wasmPath = path.join(BUILD, "index_bg.wasm");
    const gz = (f, buf) => {
      try { return execFileSync("gzip", ["-9c", f], { maxBuffer: 1 << 26 }).length; } catch { return zlib.gzipSync(buf, { level: 9 }).length; }
    };
    const wasm = fs.readFileSync(wasmPath);
    res.size = { raw: wasm.length, gz: gz(wasmPath, wasm) };
    const js = fs.readFileSync(path.join(BENCH, "redirect-js.mjs"));
    res.size.js = js.length;
    res.size.jsGz = gz(path.join(BENCH, "redirect-js.mjs"), js);

    // Start: Miniflare + workerd process start to the first answered redirect (median of 3).
    res.start = {};
    for (const [name, p, expect] of [["rust", `/${s.code}`, 302], ["js", `/${s.code}`, 302], ["const", "/x", 302]]) {
      const xs = [];
      for (let i = 0; i < 3; i++) xs.push(await startTime(dir, name, p, expect));
      res.start[name] = { total: median(xs.map((x) => x.total)), ready: median(xs.map((x) => x.ready)) };
      log(`start ${name}: ${res.start[name].total.toFixed(0)} ms to the first answer (workerd ready after ${res.start[name].ready.toFixed(0)} ms)`);
    }

    if (!flag("no-callgrind")) Object.assign(res, await repeatedCounts(dir, s));
  } finally {
    agent.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  report(res);
}

function report(res) {
  const f0 = (x) => (Number.isFinite(x) ? x.toFixed(0) : "–");
  const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : "–");
  const w = res.wrk;
  const I = res.instructions ?? {};
  const ratio = (a, b) => (Number.isFinite(a / b) ? f2(a / b) : "–");
  const k = (x) => (Number.isFinite(x) ? `${(x / 1000).toFixed(0)} k` : "–");
  const rows = [
    ["redirect, GET /{code}", "Rust", "JS", "Rust/JS", "JS constant 302"],
    ["req/s, KV+D1 in memory (median)", f0(w.rustS.rps), f0(w.jsS.rps), ratio(w.rustS.rps, w.jsS.rps), f0(w.const.rps)],
    ["p50 / p99 ms, KV+D1 in memory", `${f2(w.rustS.p50)} / ${f2(w.rustS.p99)}`, `${f2(w.jsS.p50)} / ${f2(w.jsS.p99)}`, ratio(w.rustS.p50, w.jsS.p50), `${f2(w.const.p50)} / ${f2(w.const.p99)}`],
    ["instructions/request, KV+D1 in memory", k(I.rustS), k(I.jsS), ratio(I.rustS, I.jsS), k(I.const)],
    ["req/s, local KV+D1 simulators", f0(w.rust.rps), f0(w.js.rps), ratio(w.rust.rps, w.js.rps), ""],
    ["instructions/request, local KV+D1", k(I.rust), k(I.js), ratio(I.rust, I.js), ""],
    ["start → first answer ms", f0(res.start.rust.total), f0(res.start.js.total), ratio(res.start.rust.total, res.start.js.total), f0(res.start.const.total)],
    ["code, kB raw / gzip -9 (1 kB = 1000 B)", `${(res.size.raw / 1000).toFixed(1)} / ${(res.size.gz / 1000).toFixed(1)}`, `${(res.size.js / 1000).toFixed(1)} / ${(res.size.jsGz / 1000).toFixed(1)}`, "", ""],
  ];
  const loads = (n) => w[n].loads.join(", ");
  const text = [
    `Run ${res.date} on ${res.machine}.`,
    "",
    table(rows),
    "",
    `- wrk: 1 thread, 16 connections, ${DURATION} s per run; in-memory pair and constant ${ROUNDS}× interleaved, local-simulator pair once. ` +
      `Runs (req/s): Rust ${w.rustS.all.join(", ")}; JS ${w.jsS.all.join(", ")}; constant ${w.const.all.join(", ")}; local KV+D1: Rust ${w.rust.all.join(", ")}, JS ${w.js.all.join(", ")}. ` +
      `Rust/JS per round: ${w.pairRatios.map(f2).join(", ")} (median ${f2(median(w.pairRatios))}). ` +
      `1-min load average before each: Rust ${loads("rustS")}; JS ${loads("jsS")}; constant ${loads("const")}; local KV+D1 ${loads("rust")} / ${loads("js")}.`,
    `- Webhook (Rust): ${f0(res.webhook.rate)} signed Shopify order confirmations/s, each a new attributed order, 8 concurrent, local D1 (load ${res.webhook.load}).`,
    `- D1 round trips: ${res.d1PerWebhook} per order confirmation; ${res.d1PerClick} per click, all after the response.`,
    res.instructions
      ? `- Instructions${CG_RUNS > 1 ? ` (median of ${CG_RUNS} workerd processes; runs: Rust ${res.instructionRuns.rustS?.map((x) => Math.round(x / 1000)).join(", ")} k, JS ${res.instructionRuns.jsS?.map((x) => Math.round(x / 1000)).join(", ")} k)` : ""}: the whole workerd process (callgrind) over ${CG_REQUESTS} requests per side after ${WARMUP + 100} warm-up requests (local-simulator pair: ${cgRequests("rust")} after ${cgWarmup("rust") + 100}), the click's work after the response included, idle cost subtracted.`
      : "- Instructions: not measured (--no-callgrind).",
  ].join("\n");
  console.log("\n" + text);
  fs.writeFileSync(path.join(os.tmpdir(), "affiliate-edge-bench-last.json"), JSON.stringify(res, null, 2));
  if (flag("write")) {
    const file = path.join(ROOT, "BENCHMARKS.md");
    const md = fs.readFileSync(file, "utf8");
    const start = "<!-- bench:latest -->", end = "<!-- /bench:latest -->";
    const i = md.indexOf(start), j = md.indexOf(end);
    if (i < 0 || j < 0) throw new Error("BENCHMARKS.md has no bench:latest markers");
    fs.writeFileSync(file, md.slice(0, i + start.length) + "\n" + text + "\n" + md.slice(j));
    log("BENCHMARKS.md updated");
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
