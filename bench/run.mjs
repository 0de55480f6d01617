// `npm run bench` (through scripts/bench.sh): the redirect and the webhook of the built Rust
// worker against hand-written JS workers, side by side, on workerd run by Miniflare with
// no wrangler proxy in front (each worker gets its own direct socket on 127.0.0.1), and the
// click ingest of the new path (queue → consumer's D1 batch) against the previous one (one D1
// statement per click), through `wrangler dev` and under Miniflare.
//
// Measures, in one run: wrk requests/s and p50/p99 for the Rust redirect, the JS redirect
// (bench/redirect-js.mjs) and a constant JS 302 (bench/const-302.mjs); binding calls per
// redirect (KV gets, D1 calls and statements, queue sends: bench/d1-count.mjs);
// Shopify-signed order confirmations per second (Rust) and D1 round trips per confirmation;
// the ingest of N clicks (issue 11); instructions per request of the workerd process under
// callgrind; wasm size; start time.
//
// Every loop is bounded (fixed durations, fixed request counts, timeouts); all traffic goes to
// 127.0.0.1; every process it starts (workerd through Miniflare, wrangler dev for the ingest)
// is stopped before it exits. It writes only to a temporary directory, and to BENCHMARKS.md
// when given --write.
//
// Options: --write  --quick (shorter runs)  --no-callgrind  --duration=S  --rounds=N
//          --requests=N (callgrind requests per target)  --warmup=N (callgrind warm-up per target)
//          --cg-runs=N (callgrind in N workerd processes, median reported; default 1)
//          --ingest=N (clicks per ingest run; 20000, --quick 2000)  --no-ingest
//          --no-wrangler (the ingest without its wrangler dev runs)  --ingest-only
//          --real-bindings (only the redirect with workerd's real KV, D1 and queue bindings
//          over constant-time services: bench/real-bindings.mjs; a full run ends with it,
//          unless --no-real-bindings)  --live-fanout (only a pin change reaching 1,000 open
//          sockets: bench/live-fanout.mjs; a full run ends with it, unless --no-live-fanout)
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
const COUNT = path.join(BENCH, "d1-count.mjs");
const JS = path.join(BENCH, "redirect-js.mjs");
const stubbed = (mod) => `import w from "./${mod}";\nimport { withMemoryBindings } from "./stub-bindings.mjs";\nexport default withMemoryBindings(w);\n`;
const countedSrc = (mod) => `import w from "./${mod}";\nimport { counted } from "./d1-count.mjs";\nexport default counted(w);\n`;
const stubCountedSrc = (mod) =>
  `import w from "./${mod}";\nimport { counted } from "./d1-count.mjs";\nimport { withMemoryBindings } from "./stub-bindings.mjs";\nexport default withMemoryBindings(counted(w));\n`;
// The previous click path for the ingest comparison: the JS worker's bench-only variant
// (binding CLICK_PATH = "d1": one D1 INSERT per click after the 302, release 1's stats over
// raw rows) answers the redirect and the stats; the built Rust worker answers the rest of the
// API (the bench seeds through it).
const OLD_PATH_SRC = `import rust from "./shim.mjs";
import js from "./redirect-js.mjs";
import { counted } from "./d1-count.mjs";
export default counted({
  fetch(request, env, ctx) {
    const p = new URL(request.url).pathname;
    return p.startsWith("/api/") && !p.endsWith("/stats") ? rust.fetch(request, env, ctx) : js.fetch(request, env, ctx);
  },
  queue: (batch, env, ctx) => rust.queue(batch, env, ctx),
});
`;

// An entry with KV answered from memory (bench/stub-bindings.mjs's withMemoryKV) around one
// of the above; D1 and the queue stay the local ones.
const kvInMemory = (src) =>
  src.replace("export default ", "const inner = ") + `import { withMemoryKV } from "./stub-bindings.mjs";\nexport default withMemoryKV(inner);\n`;

// The workers: `rust`/`js` with Miniflare's local KV, D1 and queue, `rustS`/`jsS` with KV,
// D1 and the queue answered from memory (bench/stub-bindings.mjs), `const` the constant 302;
// `rustC`/`jsC`/`rustSC`/`jsSC` the same with their binding calls counted
// (bench/d1-count.mjs); `old` the previous click path (above). Every worker sends its clicks to
// the one local queue `clicks`, whose consumer is `rustC` (the built worker's `queue`, counted),
// so the JS worker's clicks are stored by the same consumer as Rust's.
const WORKERS = {
  rust: () => ({ modulesRoot: BUILD, modules: [{ type: "ESModule", path: path.join(BUILD, "shim.mjs") }, ...buildModules().filter((m) => !m.path.endsWith("shim.mjs"))] }),
  js: () => ({ modulesRoot: BENCH, modules: [{ type: "ESModule", path: JS }] }),
  const: () => ({ modulesRoot: BENCH, modules: [{ type: "ESModule", path: path.join(BENCH, "const-302.mjs") }] }),
  rustS: () => ({ modulesRoot: BUILD, modules: [...entry(BUILD, stubbed("shim.mjs"), [STUB]), ...buildModules()] }),
  jsS: () => ({ modulesRoot: BENCH, modules: [...entry(BENCH, stubbed("redirect-js.mjs")), { type: "ESModule", path: STUB }, { type: "ESModule", path: JS }] }),
  rustC: () => ({ modulesRoot: BUILD, modules: [...entry(BUILD, countedSrc("shim.mjs"), [COUNT]), ...buildModules()], consumer: true }),
  jsC: () => ({ modulesRoot: BENCH, modules: [...entry(BENCH, countedSrc("redirect-js.mjs")), { type: "ESModule", path: COUNT }, { type: "ESModule", path: JS }] }),
  rustSC: () => ({ modulesRoot: BUILD, modules: [...entry(BUILD, stubCountedSrc("shim.mjs"), [COUNT, STUB]), ...buildModules()] }),
  jsSC: () => ({ modulesRoot: BENCH, modules: [...entry(BENCH, stubCountedSrc("redirect-js.mjs")), { type: "ESModule", path: COUNT }, { type: "ESModule", path: STUB }, { type: "ESModule", path: JS }] }),
  old: () => ({ modulesRoot: BUILD, modules: [...entry(BUILD, OLD_PATH_SRC, [COUNT, JS]), ...buildModules()], bindings: { CLICK_PATH: "d1" } }),
  // The ingest's two paths with KV from memory.
  rustK: () => ({ modulesRoot: BUILD, modules: [...entry(BUILD, kvInMemory(countedSrc("shim.mjs")), [COUNT, STUB]), ...buildModules()], consumer: true }),
  oldK: () => ({ modulesRoot: BUILD, modules: [...entry(BUILD, kvInMemory(OLD_PATH_SRC), [COUNT, JS, STUB]), ...buildModules()], bindings: { CLICK_PATH: "d1" } }),
};
// The workers of the main Miniflare instance (`old` runs only in the ingest's own).
const MAIN = ["rust", "js", "const", "rustS", "jsS", "rustC", "jsC", "rustSC", "jsSC"];
const COUNTED = ["rustC", "jsC", "rustSC", "jsSC"];

// As wrangler.toml's [[queues.consumers]].
const QUEUE_CONSUMER = { maxBatchSize: 100, maxBatchTimeout: 1, maxRetries: 10 };
const BINDINGS = { ADMIN_TOKEN: TOKEN, VISITOR_SALT: "bench-salt", CLICK_SECRET: "bench-click-secret" };

function workerOptions(ports, names) {
  return names.map((name) => {
    const { consumer, bindings, ...w } = WORKERS[name]();
    return {
      name,
      compatibilityDate: "2025-09-01",
      kvNamespaces: { LINKS: "bench-links" },
      d1Databases: { DB: "bench-db" },
      queueProducers: { CLICKS: "clicks" },
      ...(consumer ? { queueConsumers: { clicks: QUEUE_CONSUMER } } : {}),
      bindings: { ...BINDINGS, ...bindings },
      ...w,
      unsafeDirectSockets: [{ host: "127.0.0.1", port: ports[name] }],
    };
  });
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

function request(port, method, p, { headers = {}, body, via = agent, timeout = 120_000 } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method, path: p, headers, agent: via }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.setTimeout(timeout, () => req.destroy(new Error(`timeout ${method} ${p}`)));
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

async function applySchema(mf, worker = "rust") {
  const db = await mf.getD1Database("DB", worker);
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

// ---------------------------------------------------------------------------- binding calls

/** The counts of a counted worker (bench/d1-count.mjs); `reset` zeroes them. */
async function calls(port, reset = false, via = agent) {
  const r = await request(port, reset ? "DELETE" : "GET", "/__bench/calls", { via });
  if (r.status !== 200) throw new Error(`/__bench/calls on ${port}: ${r.status} ${r.body}`);
  return JSON.parse(r.body);
}

const CALL_KEYS = ["requests", "d1Calls", "d1Statements", "kvGets", "kvPuts", "queueSends", "queueMessages", "consumerBatches", "consumerMessages"];
const sumCalls = (xs) => Object.fromEntries(CALL_KEYS.map((k) => [k, xs.reduce((n, x) => n + (x[k] ?? 0), 0)]));

/**
 * Binding calls per redirect of counted worker `name`, under wrk as in the throughput runs:
 * every counted worker's counts are zeroed, `name` gets `seconds` of wrk, then after the
 * clicks' flush (100 ms) and the queue's batch timeout (1 s) the counts of all of them are
 * added up (the consumer, `rustC`, counts the D1 calls of every worker's clicks) and divided
 * by the requests `name` answered.
 */
async function bindingCalls(ports, name, p, seconds) {
  for (const n of COUNTED) await calls(ports[n], true);
  wrk(ports[name], p, seconds);
  await sleep(2500);
  const all = [];
  for (const n of COUNTED) all.push(await calls(ports[n], true));
  const sum = sumCalls(all);
  const requests = all[COUNTED.indexOf(name)].requests;
  const per = Object.fromEntries(CALL_KEYS.filter((k) => k !== "requests").map((k) => [k, sum[k] / requests]));
  log(`binding calls of ${name} over ${requests} redirects: ${callText(per)}`);
  return { requests, ...per };
}

const callText = (c) =>
  `kv ${c.kvGets.toFixed(2)}/req, d1 ${c.d1Calls.toFixed(3)}/req (${c.d1Statements.toFixed(3)} statements), queue ${c.queueSends.toFixed(3)}/req`;

// ---------------------------------------------------------------------------- ingest

// Issue 11: N clicks at concurrency 32, until every one is counted in the link's stats.
const INGEST_N = opt("ingest", QUICK ? 2000 : 20000);
const INGEST_CONCURRENCY = 32;
const INGEST_SEND_TIMEOUT_S = 900; // the whole sending phase, at most
const INGEST_LAND_TIMEOUT_S = 300; // from the last answer until every click is counted, at most

const clickIdOf = (location) => /[?&][^=&]+=(clk_[0-9A-Za-z]+)/.exec(location ?? "")?.[1] ?? (location === "https://shop.example/p?x=1" ? "const" : undefined);

/**
 * One ingest run against a seeded counted worker on `port` (`rustC`: the new path, or `old`):
 * `INGEST_N` redirects of one link, `INGEST_CONCURRENCY` at a time, then the link's stats
 * (`GET /api/links/{code}/stats`) polled every 100 ms until they count every click. The D1
 * calls of the polls themselves (measured once before) are taken off the counts. Then the
 * stored rows of the link against the ids the redirects handed out: lost (answered, never
 * stored or counted) and double-counted (counted beyond the clicks answered, or stored without
 * being answered).
 */
/** `INGEST_N` GETs of `p`, `INGEST_CONCURRENCY` at a time: the click ids handed out. */
async function drive(port, p, via, label, ids = new Set()) {
  let next = 0, failed = 0;
  const deadline = Date.now() + INGEST_SEND_TIMEOUT_S * 1000;
  const one = async () => {
    while (next < INGEST_N && Date.now() < deadline) {
      const n = next++;
      try {
        // Each click a visitor of its own (an address of the benchmarking range 198.18/15), as a
        // viral link's audience is: one visitor's clicks past 10 a minute are flood (bot) clicks.
        const visitor = { "user-agent": UA, "cf-connecting-ip": `198.18.${(n >> 8) & 255}.${n & 255}` };
        const r = await request(port, "GET", p, { headers: visitor, via, timeout: 30_000 });
        const id = r.status === 302 && clickIdOf(r.headers.location);
        if (id) ids.add(id);
        else if (failed++ === 0) log(`ingest ${label}: GET ${p} answered ${r.status} ${r.headers.location ?? r.body}`);
      } catch (e) {
        if (failed++ === 0) log(`ingest ${label}: ${e.message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: INGEST_CONCURRENCY }, one));
  return { ids, failed };
}

/**
 * The ceiling of this client and workerd on the machine: the same N requests at the same
 * concurrency, against the constant 302 (no binding), under Miniflare.
 */
async function ingestCeiling(dir) {
  const ports = { const: await freePort() };
  const mf = newMiniflare(dir, ports, ["const"]);
  const via = new http.Agent({ keepAlive: true, maxSockets: INGEST_CONCURRENCY + 4 });
  try {
    await mf.ready;
    const t0 = performance.now();
    await drive(ports.const, "/x", via, "ceiling", { add() {} });
    const seconds = (performance.now() - t0) / 1000;
    log(`ingest ceiling: ${INGEST_N} constant 302s in ${seconds.toFixed(1)} s (${(INGEST_N / seconds).toFixed(0)} req/s)`);
    return { seconds, rate: INGEST_N / seconds };
  } finally {
    via.destroy();
    await mf.dispose();
  }
}

async function ingestRun(port, s, label) {
  const via = new http.Agent({ keepAlive: true, maxSockets: INGEST_CONCURRENCY + 4 });
  try {
    const stats = async () => {
      const r = await request(port, "GET", `/api/links/${s.code}/stats`, { headers: { authorization: `Bearer ${s.creator.api_key}` }, via });
      if (r.status !== 200) throw new Error(`stats: ${r.status} ${r.body}`);
      return JSON.parse(r.body);
    };
    await calls(port, true, via);
    await stats();
    const perPoll = await calls(port, true, via);
    const load0 = load();
    const t0 = performance.now();
    const { ids, failed } = await drive(port, `/${s.code}`, via, label);
    const tSent = performance.now();
    log(`ingest ${label}: ${ids.size} redirects answered in ${((tSent - t0) / 1000).toFixed(1)} s (${failed} failed); waiting for the stats`);
    let polls = 0, counted = 0, tLanded = null;
    const until = Date.now() + INGEST_LAND_TIMEOUT_S * 1000;
    while (Date.now() < until) {
      counted = (await stats()).clicks;
      polls++;
      if (counted >= ids.size) {
        tLanded = performance.now();
        break;
      }
      await sleep(100);
    }
    // A redelivered batch would count late: look again after two more batch timeouts.
    await sleep(2500);
    const final = (await stats()).clicks;
    polls++;
    const c = await calls(port, true, via);
    const stored = new Set((await request(port, "GET", `/__bench/clicks?link=${s.link.id}`, { via })).body.split("\n").filter(Boolean));
    let lostRows = 0;
    for (const id of ids) if (!stored.has(id)) lostRows++;
    let extraRows = 0;
    for (const id of stored) if (!ids.has(id)) extraRows++;
    const n = ids.size;
    const d1Calls = c.d1Calls - polls * perPoll.d1Calls;
    const d1Statements = c.d1Statements - polls * perPoll.d1Statements;
    const r = {
      label, n, failed, load: load0,
      sendSeconds: (tSent - t0) / 1000,
      landSeconds: tLanded === null ? null : (tLanded - t0) / 1000,
      counted: final,
      lost: Math.max(lostRows, n - final, 0),
      doubled: Math.max(final - n, 0) + extraRows,
      d1CallsPer1000: (d1Calls / n) * 1000,
      d1StatementsPer1000: (d1Statements / n) * 1000,
      queueMessagesPer1000: (c.queueMessages / n) * 1000,
      consumerBatches: c.consumerBatches,
      rowsStored: stored.size,
    };
    r.redirectRate = n / r.sendSeconds;
    r.landedRate = r.landSeconds === null ? null : n / r.landSeconds;
    log(`ingest ${label}: ${r.landSeconds === null ? `NOT all counted after ${INGEST_LAND_TIMEOUT_S} s (${final} of ${n})` : `all ${n} counted ${r.landSeconds.toFixed(1)} s after the first click (${r.landedRate.toFixed(0)} clicks/s landed)`}; ` +
      `D1 ${r.d1CallsPer1000.toFixed(1)} calls / ${r.d1StatementsPer1000.toFixed(1)} statements per 1,000 clicks, ${r.queueMessagesPer1000.toFixed(1)} queue messages per 1,000, ${c.consumerBatches} consumer batches; lost ${r.lost}, double-counted ${r.doubled}`);
    return r;
  } finally {
    via.destroy();
  }
}

/** Ingest driving the worker directly under Miniflare: a fresh state, its own instance. */
async function ingestMiniflare(dir, path_, name, driver = "Miniflare") {
  const sub = fs.mkdtempSync(path.join(dir, `ingest-mf-${path_}-`));
  const ports = { [name]: await freePort() };
  const mf = newMiniflare(sub, ports, [name]);
  try {
    await mf.ready;
    await applySchema(mf, name);
    const s = await seed(ports[name]);
    return await ingestRun(ports[name], s, `${path_} path, ${driver}`);
  } finally {
    await mf.dispose();
    fs.rmSync(sub, { recursive: true, force: true });
  }
}

/**
 * Ingest through `wrangler dev`'s local stack (its proxy, the local queue and D1): the same
 * counted entry, bundled by wrangler from a copy of build/ and bench/ in a temporary
 * directory with its own wrangler.toml (the repository's bindings and queue settings) and
 * state. The schema goes in with `wrangler d1 execute --local`. wrangler dev is stopped
 * (its process group) whatever happens.
 */
async function ingestWrangler(dir, path_, name) {
  const sub = fs.mkdtempSync(path.join(dir, `ingest-wr-${path_}-`));
  const app = path.join(sub, "app");
  fs.cpSync(BUILD, app, { recursive: true });
  for (const f of [COUNT, JS]) fs.copyFileSync(f, path.join(app, path.basename(f)));
  fs.writeFileSync(path.join(app, "bench-entry.mjs"), name === "old" ? OLD_PATH_SRC : countedSrc("shim.mjs"));
  const vars = { ...BINDINGS, ...(name === "old" ? { CLICK_PATH: "d1" } : {}) };
  fs.writeFileSync(path.join(app, "wrangler.toml"), [
    `name = "affiliate-edge-bench"`, `main = "bench-entry.mjs"`, `compatibility_date = "2025-09-01"`, `send_metrics = false`,
    ``, `[[d1_databases]]`, `binding = "DB"`, `database_name = "affiliate-edge"`, `database_id = "00000000-0000-0000-0000-000000000000"`,
    ``, `[[kv_namespaces]]`, `binding = "LINKS"`, `id = "00000000000000000000000000000000"`,
    ``, `[[queues.producers]]`, `binding = "CLICKS"`, `queue = "clicks"`,
    ``, `[[queues.consumers]]`, `queue = "clicks"`, `max_batch_size = ${QUEUE_CONSUMER.maxBatchSize}`, `max_batch_timeout = ${QUEUE_CONSUMER.maxBatchTimeout}`, `max_retries = ${QUEUE_CONSUMER.maxRetries}`,
    ``, `[vars]`, ...Object.entries(vars).map(([k, v]) => `${k} = ${JSON.stringify(v)}`), ``,
  ].join("\n"));
  const wranglerJs = path.join(ROOT, "node_modules/wrangler/bin/wrangler.js");
  const state = path.join(sub, "state");
  const env = { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_LOG_PATH: path.join(sub, "logs") };
  execFileSync(process.execPath, [wranglerJs, "d1", "execute", "DB", "--local", "--persist-to", state, "--file", path.join(ROOT, "schema.sql")], {
    cwd: app, env, stdio: ["ignore", "ignore", "pipe"], timeout: 120_000,
  });
  const port = await freePort();
  const logFile = path.join(sub, "wrangler.log");
  const out = fs.openSync(logFile, "w");
  const child = spawn(process.execPath, [wranglerJs, "dev", "--local", "--ip", "127.0.0.1", "--port", String(port),
    "--inspector-port", String(await freePort()), "--persist-to", state, "--show-interactive-dev-session=false", "--log-level", "warn"], {
    cwd: app, env, stdio: ["ignore", out, out], detached: true,
  });
  const stop = () => {
    try { process.kill(-child.pid, "SIGTERM"); } catch {}
  };
  process.on("exit", stop);
  try {
    const up = Date.now() + 120_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`wrangler dev exited: ${fs.readFileSync(logFile, "utf8").slice(-2000)}`);
      try {
        if ((await request(port, "GET", "/__bench/calls", { timeout: 5000 })).status === 200) break;
      } catch {}
      if (Date.now() > up) throw new Error(`wrangler dev did not answer in 120 s: ${fs.readFileSync(logFile, "utf8").slice(-2000)}`);
      await sleep(500);
    }
    const s = await seed(port);
    return await ingestRun(port, s, `${path_} path, wrangler dev`);
  } finally {
    stop();
    const gone = Date.now() + 15_000;
    while (child.exitCode === null && child.signalCode === null && Date.now() < gone) await sleep(200);
    if (child.exitCode === null && child.signalCode === null) {
      try { process.kill(-child.pid, "SIGKILL"); } catch {}
    }
    process.off("exit", stop);
    fs.closeSync(out);
    fs.rmSync(sub, { recursive: true, force: true });
  }
}

/**
 * The new path's store side alone: the same N clicks, as the producer groups them (100 per
 * message), handed straight to the consumer (Miniflare's `getWorker().queue`, 100 messages
 * per batch as max_batch_size, one batch after the other), timed until the stats count them.
 * The previous path has no such stage: its D1 statement runs in each redirect's waitUntil.
 */
async function ingestConsumer(dir) {
  const sub = fs.mkdtempSync(path.join(dir, "ingest-consumer-"));
  const ports = { rustC: await freePort() };
  const mf = newMiniflare(sub, ports, ["rustC"]);
  try {
    await mf.ready;
    await applySchema(mf, "rustC");
    const s = await seed(ports.rustC);
    const worker = await mf.getWorker("rustC");
    const t = Date.now();
    const bodies = [];
    for (let m = 0; m * 100 < INGEST_N; m++) {
      const clicks = [];
      for (let i = m * 100; i < Math.min(INGEST_N, (m + 1) * 100); i++) {
        // A visitor of its own per click, as the HTTP ingest's audience (a visitor's clicks on
        // one link beyond 10 a minute are flood clicks: stored, but counted as bot clicks).
        clicks.push(JSON.stringify([`clk_bench${i}`, s.link.id, s.code, s.creator.id, s.brand.id, s.product.id, null, t + i, "US", "mobile", null, `visitor-${i}`, 0]));
      }
      bodies.push(`[${clicks.join(",")}]`);
    }
    const stats = async () => (await api(ports.rustC, "GET", `/api/links/${s.code}/stats`, s.creator.api_key)).clicks;
    await calls(ports.rustC, true);
    const t0 = performance.now();
    for (let i = 0; i < bodies.length; i += QUEUE_CONSUMER.maxBatchSize) {
      const messages = bodies.slice(i, i + QUEUE_CONSUMER.maxBatchSize).map((body, j) => ({ id: `m${i + j}`, timestamp: new Date(), attempts: 1, body }));
      const r = await worker.queue("clicks", messages);
      if (r.outcome !== "ok") throw new Error(`consumer: ${JSON.stringify(r)}`);
    }
    const c = await calls(ports.rustC, true); // before the stats' own D1 calls
    const counted = await stats();
    const seconds = (performance.now() - t0) / 1000;
    const r = {
      label: "new path, consumer alone", n: INGEST_N, counted, seconds, rate: INGEST_N / seconds,
      lost: Math.max(INGEST_N - counted, 0), doubled: Math.max(counted - INGEST_N, 0),
      d1CallsPer1000: (c.d1Calls / INGEST_N) * 1000, d1StatementsPer1000: (c.d1Statements / INGEST_N) * 1000, consumerBatches: c.consumerBatches,
    };
    log(`ingest consumer alone: ${INGEST_N} clicks in ${bodies.length} messages stored and counted (${counted}) in ${seconds.toFixed(2)} s (${r.rate.toFixed(0)} clicks/s); D1 ${r.d1CallsPer1000.toFixed(1)} calls / ${r.d1StatementsPer1000.toFixed(1)} statements per 1,000 clicks`);
    return r;
  } finally {
    await mf.dispose();
    fs.rmSync(sub, { recursive: true, force: true });
  }
}

/** Both paths, each driver, one after the other (new before old in each driver). */
async function ingestAll(dir) {
  const runs = {};
  // A run that fails is reported as failed; the others still run.
  const run = async (key, f) => {
    try {
      runs[key] = await f();
    } catch (e) {
      log(`ingest ${key} failed: ${e.stack ?? e}`);
      runs[key] = { error: String(e.message ?? e).split("\n")[0].slice(0, 300) };
    }
  };
  if (!flag("no-wrangler")) {
    await run("wrNew", () => ingestWrangler(dir, "new", "rustC"));
    await run("wrOld", () => ingestWrangler(dir, "old", "old"));
  }
  await run("mfNew", () => ingestMiniflare(dir, "new", "rustC"));
  await run("mfOld", () => ingestMiniflare(dir, "old", "old"));
  await run("kvNew", () => ingestMiniflare(dir, "new", "rustK", "Miniflare, KV in memory"));
  await run("kvOld", () => ingestMiniflare(dir, "old", "oldK", "Miniflare, KV in memory"));
  await run("consumer", () => ingestConsumer(dir));
  await run("ceiling", () => ingestCeiling(dir));
  return runs;
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
  // The local-simulator pair's clicks go to the local queue: its consumer runs in the same
  // workerd process (so its work is counted with theirs), as in the main instance.
  const names = CG_TARGETS.some((n) => SLOW.has(n)) && !CG_TARGETS.includes("rustC") ? [...CG_TARGETS, "rustC"] : CG_TARGETS;
  for (const n of names) ports[n] = await freePort();
  const out = path.join(dir, `cg${++cgProcess}`, "callgrind.out");
  fs.mkdirSync(path.dirname(out), { recursive: true });
  process.env.MINIFLARE_WORKERD_PATH = path.join(BENCH, "valgrind-workerd.sh");
  process.env.AE_WORKERD_BIN = WORKERD;
  process.env.AE_CALLGRIND_OUT = out;
  log("callgrind: starting workerd under valgrind (slow)");
  const mf = newMiniflare(dir, ports, names);
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
    // After the requests, the clicks' work: the queue send (≤ 100 ms after a click) and, for
    // the local-simulator pair, the consumer's D1 batch (the queue's batch timeout is 1 s; the
    // process runs far slower under valgrind): a longer wait there.
    const settleOf = (n) => (SLOW.has(n) ? 4000 : settle);
    // Idle cost of the process over the settle time (timers, GC): subtracted below, in
    // proportion to each target's wait.
    cg(["-z", pid]);
    await sleep(settle);
    cg(["-d", pid]);
    const idle = dumpTotal(out, seen);
    for (const n of CG_TARGETS) {
      await hammer(ports[n], pathOf(n), 100, 4, 302, METHOD);
      await sleep(settleOf(n));
      cg(["-z", pid]);
      await hammer(ports[n], pathOf(n), cgRequests(n), 4, 302, METHOD);
      await sleep(settleOf(n)); // the clicks' queue sends (and consumer) after the responses
      cg(["-d", pid]);
      const total = dumpTotal(out, seen);
      result[n] = Math.round((total - (idle * settleOf(n)) / settle) / cgRequests(n));
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
  if (flag("real-bindings")) return (await import("./real-bindings.mjs")).realBindings();
  if (flag("live-fanout")) return (await import("./live-fanout.mjs")).liveFanout();
  for (const f of ["index_bg.wasm", "index.js", "shim.mjs"]) {
    if (!fs.existsSync(path.join(BUILD, f))) throw new Error(`build/${f} missing: run npm run build`);
  }
  // State on tmpfs when there is one: the local D1 then measures its SQL, not the disk.
  const tmpRoot = fs.existsSync("/dev/shm") ? "/dev/shm" : os.tmpdir();
  const dir = fs.mkdtempSync(path.join(tmpRoot, "affiliate-edge-bench."));
  const res = { date: new Date().toISOString(), machine: machine() };
  try {
    const ports = {};
    for (const n of MAIN) ports[n] = await freePort();
    log(`workerd via Miniflare, state in ${dir}`);
    const mf = newMiniflare(dir, ports, MAIN);
    let s;
    try {
      await mf.ready;
      await applySchema(mf);
      s = await seed(ports.rust);
      const path1 = `/${s.code}`;
      for (const n of ["rust", "js", "rustS", "jsS", "rustC", "jsC", "rustSC", "jsSC"]) {
        const r = await request(ports[n], "GET", path1, { headers: { "user-agent": UA } });
        if (r.status !== 302) throw new Error(`${n} redirect answered ${r.status} ${r.body}`);
        log(`Location (${n}): ${r.headers.location}`);
      }
      if (flag("ingest-only")) {
        await mf.dispose();
        res.ingest = await ingestAll(dir);
        console.log(JSON.stringify(res.ingest, null, 2));
        return;
      }
      if (flag("cg-only")) {
        await mf.dispose();
        const I = await repeatedCounts(dir, s);
        console.log(JSON.stringify(I));
        return;
      }
      const a = await request(ports.rust, "GET", path1, { headers: { "user-agent": UA } });
      const [, clickParam, click] = /[?&]([^=&]+)=(clk_[0-9A-Za-z]+)/.exec(a.headers.location);
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

      // Binding calls per redirect, each side under wrk as above, with its calls counted
      // (bench/d1-count.mjs): in memory and with the local simulators.
      res.calls = {};
      for (const n of COUNTED) res.calls[n] = await bindingCalls(ports, n, path1, Math.min(DURATION, 4));

      // D1 round trips per order confirmation.
      await calls(ports.rustC, true);
      const N = 5;
      for (let i = 0; i < N; i++) {
        const r = await deliver(ports.rustC, s, click, clickParam);
        if (r.status !== 200) throw new Error(`webhook: ${r.status} ${r.body}`);
      }
      res.d1PerWebhook = (await calls(ports.rustC, true)).d1Calls / N;

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

    if (!flag("no-ingest")) res.ingest = await ingestAll(dir);

    // A failure here (valgrind) must not cost the rest of a long run: reported, not thrown.
    if (!flag("no-callgrind")) {
      try {
        Object.assign(res, await repeatedCounts(dir, s));
      } catch (e) {
        log(`callgrind failed: ${e.stack ?? e}`);
        res.callgrindError = String(e.message ?? e).split("\n")[0].slice(0, 300);
      }
    }
  } finally {
    agent.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  report(res);
  // The second mode, beside it: the real bindings over constant-time services (bare workerd).
  if (!flag("no-real-bindings")) await (await import("./real-bindings.mjs")).realBindings();
  if (!flag("no-live-fanout")) await (await import("./live-fanout.mjs")).liveFanout();
}

function report(res) {
  fs.writeFileSync(path.join(os.tmpdir(), "affiliate-edge-bench-last.json"), JSON.stringify(res, null, 2));
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
    ["binding calls/request, in memory", callCell(res.calls?.rustSC), callCell(res.calls?.jsSC), "", "none"],
    ["binding calls/request, local", callCell(res.calls?.rustC), callCell(res.calls?.jsC), "", "none"],
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
    `- Binding calls per redirect (bench/d1-count.mjs, counted workers beside the measured ones, ${Math.min(DURATION, 4)} s of wrk each, counts taken 2.5 s after the load so the last message and the consumer's batch are in): ` +
      ["rustSC", "jsSC", "rustC", "jsC"].map((n) => res.calls?.[n] ? `${{ rustSC: "Rust in memory", jsSC: "JS in memory", rustC: "Rust local", jsC: "JS local" }[n]} ${callText(res.calls[n])}, ${f0(1 / res.calls[n].queueMessages)} clicks per message over ${res.calls[n].requests} redirects` : "").filter(Boolean).join("; ") +
      ". A click is one queue send per ~100 clicks of an isolate (or per 100 ms); the D1 calls of the local rows are the consumer's batches, after the response.",
    `- D1 round trips: ${res.d1PerWebhook} per order confirmation.`,
    ...ingestText(res.ingest),
    res.instructions
      ? `- Instructions${CG_RUNS > 1 ? ` (median of ${CG_RUNS} workerd processes; runs: Rust ${res.instructionRuns.rustS?.map((x) => Math.round(x / 1000)).join(", ")} k, JS ${res.instructionRuns.jsS?.map((x) => Math.round(x / 1000)).join(", ")} k)` : ""}: the whole workerd process (callgrind) over ${CG_REQUESTS} requests per side after ${WARMUP + 100} warm-up requests (local-simulator pair: ${cgRequests("rust")} after ${cgWarmup("rust") + 100}), the click's work after the response included, idle cost subtracted.`
      : `- Instructions: not measured (${res.callgrindError ? `callgrind failed: ${res.callgrindError}` : "--no-callgrind"}).`,
  ].join("\n");
  console.log("\n" + text);
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

const callCell = (c) => (c ? `kv ${c.kvGets.toFixed(2)}, d1 ${c.d1Calls.toFixed(3)}, queue ${c.queueSends.toFixed(3)}` : "–");

function ingestText(ing) {
  if (!ing) return ["- Ingest: not measured (--no-ingest)."];
  const f0 = (x) => (Number.isFinite(x) ? x.toFixed(0) : "–");
  const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : "–");
  const cols = [["wrNew", "wrOld"], ["mfNew", "mfOld"], ["kvNew", "kvOld"]].filter(([a, b]) => ing[a] || ing[b]);
  const cell = (r, f) => (!r ? "–" : r.error ? "failed" : f(r));
  const heads = { wrNew: "wrangler dev, new", wrOld: "wrangler dev, old", mfNew: "Miniflare, new", mfOld: "Miniflare, old", kvNew: "KV in memory, new", kvOld: "KV in memory, old" };
  const keys = cols.flat();
  const row = (name, f) => [name, ...keys.map((k) => cell(ing[k], f))];
  const rows = [
    [`ingest, ${INGEST_N} clicks, ${INGEST_CONCURRENCY} concurrent`, ...keys.map((k) => heads[k])],
    row("s, first click → all counted in stats", (r) => (r.landSeconds === null ? `not in ${INGEST_LAND_TIMEOUT_S} s` : f1(r.landSeconds))),
    row("clicks/s landed", (r) => f0(r.landedRate)),
    row("redirects/s while sending", (r) => f0(r.redirectRate)),
    row("D1 calls / statements per 1,000 clicks", (r) => `${f1(r.d1CallsPer1000)} / ${f1(r.d1StatementsPer1000)}`),
    row("queue messages per 1,000 clicks", (r) => f1(r.queueMessagesPer1000)),
    row("lost / double-counted", (r) => `${r.lost} / ${r.doubled}`),
  ];
  const x = (a, b) => (ing[a]?.landedRate && ing[b]?.landedRate ? `${(ing[a].landedRate / ing[b].landedRate).toFixed(2)}×` : "–");
  const c = ing.consumer;
  const errors = Object.entries(ing).filter(([, r]) => r?.error).map(([k, r]) => `${heads[k] ?? k}: ${r.error}`);
  return [
    "",
    table(rows),
    "",
    `- Ingest (issue 11): new = the built worker (clicks to the local queue, stored by its consumer's D1 batch, counted from roll-ups); old = the previous path, bench/redirect-js.mjs with CLICK_PATH=d1 (one D1 INSERT per click in waitUntil; counted as release 1 counted, over raw rows). ` +
      `Landed clicks/s, new/old: ${cols.map(([a, b]) => `${heads[a].replace(", new", "")} ${x(a, b)}`).join(", ")}. ` +
      `Timed from the first redirect until GET /api/links/{code}/stats counts every click answered (polled every 100 ms; the polls' own D1 calls taken off the counts); lost = answered but not stored or not counted, double-counted = counted beyond the clicks answered or stored without being answered (checked again 2.5 s later). ` +
      `1-min load before each: ${keys.map((k) => `${heads[k]} ${ing[k]?.load ?? "–"}`).join(", ")}.`,
    c && !c.error
      ? `- The new path's store side alone (the same ${c.n} clicks, 100 per message, handed straight to the consumer 100 messages per batch): ${f0(c.rate)} clicks/s stored and counted, ${f1(c.d1CallsPer1000)} D1 calls / ${f1(c.d1StatementsPer1000)} statements per 1,000 clicks, lost ${c.lost}, double-counted ${c.doubled}.`
      : null,
    ing.ceiling && !ing.ceiling.error ? `- This client's ceiling on the machine: the same ${INGEST_N} requests at ${INGEST_CONCURRENCY} concurrent against the constant 302 under Miniflare: ${f0(ing.ceiling.rate)} req/s.` : null,
    ...errors.map((e) => `- Ingest run failed: ${e}`),
  ].filter((l) => l !== null);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
