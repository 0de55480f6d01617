// The live sessions' pushed feed (GET /api/live/{id}/socket, src/live_room.mjs) against the
// worker `npm test` runs (AE_BASE_URL, AE_ADMIN_TOKEN): viewers' sockets get every pin
// change as the feed's JSON within 2 s, the feed counts them, and what is not a socket
// upgrade, or a session that does not exist, gets an error and no room.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { api } from "./api.mjs";

const base = process.env.AE_BASE_URL;
const admin = process.env.AE_ADMIN_TOKEN;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A viewer: an open socket and the messages it got, parsed. */
async function viewer(id) {
  const url = new URL(`/api/live/${id}/socket`, base);
  url.protocol = "ws:";
  const ws = new WebSocket(url);
  const got = [];
  ws.addEventListener("message", (e) => got.push(e.data === "pong" ? "pong" : JSON.parse(e.data)));
  await new Promise((resolve, reject) => {
    ws.addEventListener("open", resolve, { once: true });
    ws.addEventListener("error", () => reject(new Error(`socket to ${id} failed`)), { once: true });
  });
  return { ws, got };
}

/** Waits (at most `ms`) until every viewer has a message that `ok` accepts; returns the time taken. */
async function everyone(viewers, ok, ms = 2000) {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (viewers.every((v) => v.got.some((m) => m !== "pong" && ok(m)))) return Date.now() - t0;
    await sleep(20);
  }
  assert.fail(`not every viewer got the change within ${ms} ms: ${JSON.stringify(viewers.map((v) => v.got.length))}`);
}

/** A raw upgrade request: its status (a socket library hides it). */
function upgradeStatus(path) {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(path, base), { headers: { connection: "Upgrade", upgrade: "websocket", "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==" } });
    req.on("response", (res) => { res.resume(); resolve(res.statusCode); });
    req.on("upgrade", (res, socket) => { socket.destroy(); resolve(res.statusCode); });
    req.on("error", reject);
    req.end();
  });
}

test("pins are pushed to every open socket, and the feed counts them", { timeout: 60_000 }, async (t) => {
  assert.ok(base && admin, "AE_BASE_URL and AE_ADMIN_TOKEN come from npm test");
  const tag = Date.now().toString(36) + Math.random().toString(36).slice(2, 6);
  const brand = await api("POST", "/api/brands", admin, { name: `Live ${tag}`, domains: [`live-${tag}.example`], currency: "USD", default_commission_bps: 1000, webhook_scheme: "standard" });
  const product = await api("POST", "/api/products", brand.body.api_key, { sku: `LV-${tag}`, title: "Lamp", url: `https://live-${tag}.example/p/lamp`, price: { amount: 4900, currency: "USD" } });
  const creator = await api("POST", "/api/creators", admin, { handle: `host${tag}` });
  const key = creator.body.api_key;
  const session = await api("POST", "/api/live-sessions", key, { title: "Lamp night" });
  assert.equal(session.status, 201, JSON.stringify(session.body));
  const id = session.body.id;

  const viewers = [await viewer(id), await viewer(id), await viewer(id)];
  t.after(() => viewers.forEach((v) => v.ws.close()));
  const feed = await api("GET", `/api/live/${id}`);
  assert.equal(feed.body.viewers, 3, JSON.stringify(feed.body));

  const pinned = await api("POST", `/api/live-sessions/${id}/pins`, key, { product_id: product.body.id });
  assert.equal(pinned.status, 201, JSON.stringify(pinned.body));
  const took = await everyone(viewers, (m) => m.pins.length === 1 && m.pins[0].product.id === product.body.id);
  assert.ok(viewers.every((v) => v.got.find((m) => m.pins?.length === 1).viewers === 3));
  console.log(`pin → 3 sockets: ${took} ms`);

  assert.equal((await api("DELETE", `/api/live-sessions/${id}/pins/${product.body.id}`, key)).status, 200);
  await everyone(viewers, (m) => m.pins.length === 0 && m.state === "live");

  // A viewer leaves: the count follows.
  viewers[2].ws.close();
  let count;
  for (let i = 0; i < 50 && count !== 2; i++) { await sleep(100); count = (await api("GET", `/api/live/${id}`)).body.viewers; }
  assert.equal(count, 2);

  // Keep-alive: "ping" is answered "pong" (by the room, without waking it).
  viewers[0].ws.send("ping");
  for (let i = 0; i < 50 && !viewers[0].got.includes("pong"); i++) await sleep(20);
  assert.ok(viewers[0].got.includes("pong"));

  assert.equal((await api("POST", `/api/live-sessions/${id}/end`, key)).status, 200);
  await everyone(viewers.slice(0, 2), (m) => m.state === "ended");
});

test("the socket route: no upgrade → 426, an unknown session → 404", async () => {
  const plain = await fetch(`${base}/api/live/ls_nothing/socket`);
  assert.equal(plain.status, 426);
  assert.equal((await plain.json()).error.code, "upgrade_required");
  assert.equal(await upgradeStatus("/api/live/ls_doesnotexist0000000000/socket"), 404);
});
