// The CLICKS queue's consumer, driven directly: the built worker under Miniflare (the
// simulator `wrangler dev` runs), its queue handler handed batches as the queue would hand
// them, twice, and with a failure in the middle. Run by `npm test` after the wasm build:
// `node --test tests/queue.test.mjs`.
//
// At least once, counted once: a batch stored twice counts once; a batch that fails stores
// nothing (one D1 batch is one transaction), and the queue's retry counts it once.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare, convertV4MiniflareOptions } from "miniflare";

const root = fileURLToPath(new URL("..", import.meta.url));
const BUILD = path.join(root, "build");
const TOKEN = "queue-test-admin";

function modules() {
  const files = fs.readdirSync(BUILD, { recursive: true }).filter((f) => /\.(m?js|wasm)$/.test(f) && f !== "shim.mjs");
  return [
    { type: "ESModule", path: path.join(BUILD, "shim.mjs") },
    ...files.map((f) => ({ type: f.endsWith(".wasm") ? "CompiledWasm" : "ESModule", path: path.join(BUILD, f) })),
  ];
}

let mf;
let dir;
const ctx = {};

async function api(method, p, key, body) {
  const r = await mf.dispatchFetch(`http://localhost${p}`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: body && JSON.stringify(body),
  });
  const text = await r.text();
  assert.ok(r.status < 300, `${method} ${p}: ${r.status} ${text}`);
  return JSON.parse(text);
}

/** The shape of a click as src/store/clicks.rs (`ClickMsg::to_json`) sends it. */
function click(i, { at = Date.now(), hash = `visitor-${i}`, bot = 0, country = "US", device = "mobile", link = ctx.link } = {}) {
  return [`clk_queue${i}`, link, ctx.code, ctx.creator, ctx.brand, ctx.product, null, at, country, device, null, hash, bot];
}

/** A queue batch as the queue hands it: messages whose bodies are JSON arrays of clicks. */
function batch(...messages) {
  return messages.map((clicks, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body: JSON.stringify(clicks) }));
}

async function deliver(messages) {
  const worker = await mf.getWorker();
  return worker.queue("clicks", messages);
}

const stats = () => api("GET", `/api/links/${ctx.code}/stats`, ctx.creatorKey);

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "ae-queue-test-"));
  mf = new Miniflare(
    convertV4MiniflareOptions({
      modules: modules(),
      modulesRoot: BUILD,
      compatibilityDate: "2025-09-01",
      d1Databases: { DB: "queue-test" },
      kvNamespaces: { LINKS: "queue-test" },
      queueProducers: { CLICKS: "clicks" },
      queueConsumers: { clicks: { maxBatchTimeout: 1 } },
      bindings: { ADMIN_TOKEN: TOKEN, VISITOR_SALT: "s", CLICK_SECRET: "c" },
      d1Persist: path.join(dir, "d1"),
      kvPersist: path.join(dir, "kv"),
    }),
  );
  // The shape, as migrations/ builds it.
  const db = await mf.getD1Database("DB");
  for (const file of fs.readdirSync(path.join(root, "migrations")).sort()) {
    const sql = fs.readFileSync(path.join(root, "migrations", file), "utf8").replace(/^--.*$/gm, "");
    const statements = sql.split(/;\s*\n/).map((s) => s.trim()).filter(Boolean);
    await db.batch(statements.map((s) => db.prepare(s)));
  }
  const brand = await api("POST", "/api/brands", TOKEN, {
    name: "Queue test", domains: ["shop.example"], currency: "USD", default_commission_bps: 1000, webhook_scheme: "standard",
  });
  const creator = await api("POST", "/api/creators", TOKEN, { handle: `queue${Date.now()}` });
  const product = await api("POST", "/api/products", brand.api_key, {
    sku: "Q-1", title: "Queued", url: "https://shop.example/q", price: { amount: 1000, currency: "USD" },
  });
  const link = await api("POST", "/api/links", creator.api_key, { product_id: product.id });
  Object.assign(ctx, {
    brand: brand.id, creator: creator.id, creatorKey: creator.api_key, product: product.id, link: link.id, code: link.code,
  });
});

after(async () => {
  await mf?.dispose();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test("a batch delivered twice is stored and counted once", async () => {
  const t = Date.now();
  // Visitor 1 clicks twice within the hour (unique once); a bot; another visitor.
  const messages = batch(
    [click(1, { at: t, hash: "v1" }), click(2, { at: t + 1, hash: "v1", device: "desktop" })],
    [click(3, { at: t + 2, hash: "vb", bot: 1 }), click(4, { at: t + 3, hash: "v2", country: "DE" })],
  );
  const first = await deliver(messages);
  assert.equal(first.outcome, "ok", JSON.stringify(first));
  assert.deepEqual(await stats(), { clicks: 3, unique_clicks: 2, bot_clicks: 1, orders: 0, commission: [] });
  const again = await deliver(messages);
  assert.equal(again.outcome, "ok", JSON.stringify(again));
  assert.deepEqual(await stats(), { clicks: 3, unique_clicks: 2, bot_clicks: 1, orders: 0, commission: [] });
  const byCountry = await api("GET", `/api/links/${ctx.code}/breakdown?by=country`, ctx.creatorKey);
  assert.deepEqual(byCountry.items, [{ key: "US", clicks: 2 }, { key: "DE", clicks: 1 }]);
});

test("a batch that fails in the middle stores nothing, and its retry counts once", async () => {
  const before = await stats();
  const good = [click(10, { hash: "v10" }), click(11, { hash: "v11" })];
  // A click on a link that does not exist fails its statement (a foreign key): the whole
  // D1 batch rolls back, so the good clicks of the same queue batch are not stored either.
  const broken = batch(good, [click(12, { link: "ln_doesnotexist0000000000" })]);
  const failed = await deliver(broken);
  assert.notEqual(failed.outcome, "ok", "the consumer must fail the batch so the queue retries it");
  assert.deepEqual(await stats(), before);
  const retried = await deliver(batch(good));
  assert.equal(retried.outcome, "ok", JSON.stringify(retried));
  assert.equal((await stats()).clicks, before.clicks + 2);
  await deliver(batch(good));
  assert.equal((await stats()).clicks, before.clicks + 2, "and a second delivery of the retry counts nothing");
});

test("the scheduled job deletes raw clicks too old to attribute, keeps the roll-ups and the clicks orders name", async () => {
  const DAY = 86_400_000;
  // The brand's window is 30 days: a click 38 days old can no longer attribute; 36 days can
  // (window + 7 days of grace).
  const old = Date.now() - 38 * DAY;
  await deliver(batch([click(20, { at: old, hash: "o1" }), click(21, { at: old, hash: "o2" }), click(22, { at: Date.now() - 36 * DAY, hash: "o3" })]));
  const db = await mf.getD1Database("DB");
  // An order that names one of the old clicks keeps it (the order points at it).
  await db.prepare(
    "INSERT INTO orders (id, brand_id, external_id, click_id, creator_id, link_code, currency, gmv, status, occurred_at, created_at, method, reason) \
     VALUES ('ord_queue1', ?1, 'o-q1', 'clk_queue21', ?2, ?3, 'USD', 0, 'attributed', ?4, ?4, 'click', 'a test order')",
  ).bind(ctx.brand, ctx.creator, ctx.code, old).run();
  const counted = await stats();
  const ids = async () => (await db.prepare("SELECT id FROM clicks WHERE id IN ('clk_queue20','clk_queue21','clk_queue22') ORDER BY id").all()).results.map((r) => r.id);
  assert.deepEqual(await ids(), ["clk_queue20", "clk_queue21", "clk_queue22"]);
  const worker = await mf.getWorker();
  await worker.scheduled({ cron: "*/15 * * * *", scheduledTime: new Date() });
  assert.deepEqual(await ids(), ["clk_queue21", "clk_queue22"]);
  const after = await stats();
  assert.equal(after.clicks, counted.clicks, "roll-ups stay");
  assert.equal(after.orders, counted.orders);
});
