// The live show's page in Chromium against the worker `npm test` runs (AE_BASE_URL,
// AE_ADMIN_TOKEN, AE_CHROMIUM): a pin made through the API appears on an open page within 2 s
// without a reload, a flash deal counts down and leaves the page when it ends, the stream
// plays from its embed (frames and media only from the stream's own origin: the page's CSP),
// an XSS string as `stream_url` is refused and never rendered. Screenshots (phone, desktop)
// go to build/screenshots.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { api } from "./api.mjs";

const base = process.env.AE_BASE_URL;
const admin = process.env.AE_ADMIN_TOKEN;
const exe = process.env.AE_CHROMIUM;
const shots = fileURLToPath(new URL("../build/screenshots", import.meta.url));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// What the embeds would answer: no network here, so the browser's requests to the stream's
// origins are answered locally (they are still checked against the page's CSP first).
const FAKE_PLAYER = `<!doctype html><meta charset="utf-8"><body style="margin:0;background:#111;color:#eee;font:600 22px system-ui;display:grid;place-items:center;height:100vh">▶ live video</body>`;

test("the live show page: pushed pins, a flash deal's countdown, the stream under the CSP", { timeout: 120_000 }, async () => {
  assert.ok(base && admin, "AE_BASE_URL and AE_ADMIN_TOKEN come from npm test");
  assert.ok(exe, "AE_CHROMIUM is not set: npm test installs Chromium for this test");
  mkdirSync(shots, { recursive: true });
  const tag = Date.now().toString(36) + Math.random().toString(36).slice(2, 6);
  const domain = `show-${tag}.example`;
  const brand = await api("POST", "/api/brands", admin, { name: `Show ${tag}`, domains: [domain], currency: "USD", default_commission_bps: 1000, webhook_scheme: "shopify" });
  assert.equal(brand.status, 201, JSON.stringify(brand.body));
  const bkey = brand.body.api_key;
  const product = async (sku, title, amount) =>
    (await api("POST", "/api/products", bkey, { sku, title, url: `https://${domain}/products/${sku.toLowerCase()}`, price: { amount, currency: "USD" } })).body;
  const lamp = await product(`LAMP-${tag}`, "Aurora desk lamp", 4900);
  const mug = await product(`MUG-${tag}`, "Stoneware mug, set of 2", 2800);
  const creator = await api("POST", "/api/creators", admin, { handle: `maya${tag}` });
  const key = creator.body.api_key;
  const code = `MAYA${tag.slice(-5).toUpperCase()}`;
  assert.equal((await api("POST", "/api/codes", bkey, { creator_id: creator.body.id, code })).status, 201);

  // An XSS string is refused, on create and on change, and the session keeps no stream.
  const xss = `https://www.youtube.com/watch?v="><script>window.__xss=1</script>`;
  const refused = await api("POST", "/api/live-sessions", key, { title: "x", stream_url: xss });
  assert.equal(refused.status, 422, JSON.stringify(refused.body));
  const session = await api("POST", "/api/live-sessions", key, { title: "Desk makeover live", stream_url: "https://www.youtube.com/watch?v=dQw4w9WgXcQ" });
  assert.equal(session.status, 201, JSON.stringify(session.body));
  const id = session.body.id;
  assert.equal((await api("PATCH", `/api/live-sessions/${id}`, key, { stream_url: xss })).status, 422);

  const browser = await chromium.launch({ executablePath: exe, args: ["--no-sandbox", "--disable-gpu"] });
  try {
    const problems = [];
    async function open(viewport) {
      const context = await browser.newContext({ viewport });
      await context.route("https://www.youtube-nocookie.com/**", (r) => r.fulfill({ contentType: "text/html", body: FAKE_PLAYER }));
      const page = await context.newPage();
      page.on("console", (m) => { if (m.type() === "error") problems.push(m.text()); });
      page.on("pageerror", (e) => problems.push(String(e)));
      await page.goto(`${base}/live/${id}`);
      return page;
    }
    const page = await open({ width: 1280, height: 800 });
    assert.equal(await page.evaluate(() => window.__xss), undefined);
    // The embed, framed under the page's CSP (frame-src: the embed's origin only).
    const frame = page.locator("#player iframe");
    await frame.waitFor({ timeout: 5000 });
    assert.match(await frame.getAttribute("src"), /^https:\/\/www\.youtube-nocookie\.com\/embed\/dQw4w9WgXcQ\?/);
    await page.frameLocator("#player iframe").locator("text=live video").waitFor({ timeout: 5000 });
    await page.waitForFunction(() => document.documentElement.dataset.synced === "1", null, { timeout: 10_000 });

    // A pin through the API is on the open page within 2 s, no reload; then one with a deal.
    let t0 = Date.now();
    assert.equal((await api("POST", `/api/live-sessions/${id}/pins`, key, { product_id: mug.id })).status, 201);
    await page.locator(".pin .name", { hasText: "Stoneware mug" }).waitFor({ timeout: 2000 });
    console.log(`pin → open page: ${Date.now() - t0} ms`);
    const ends = new Date(Date.now() + 6000).toISOString();
    t0 = Date.now();
    const dealt = await api("POST", `/api/live-sessions/${id}/pins`, key, { product_id: lamp.id, deal: { code, ends_at: ends } });
    assert.equal(dealt.status, 201, JSON.stringify(dealt.body));
    const deal = page.locator(".pin .deal");
    await deal.waitFor({ timeout: 2000 });
    console.log(`pin with deal → open page: ${Date.now() - t0} ms`);
    assert.equal(await deal.locator("strong").textContent(), code);
    assert.match(await deal.locator(".left").textContent(), /^ends in 0:0[0-6]$/);
    // The buy link of the dealt pin goes through the store's discount link while it runs.
    const href = await page.locator(".pin", { hasText: "Aurora desk lamp" }).locator("a.buy").getAttribute("href");
    const hop = await fetch(base + href, { redirect: "manual", headers: { "user-agent": "Mozilla/5.0 (iPhone) ShowTest/1" } });
    assert.equal(hop.status, 302);
    assert.ok(hop.headers.get("location").startsWith(`https://${domain}/discount/${code}?redirect=/products/`), hop.headers.get("location"));

    const phone = await open({ width: 390, height: 844 });
    await phone.locator(".pin .deal").waitFor({ timeout: 5000 });
    await phone.screenshot({ path: join(shots, "live-show-phone.png"), fullPage: true });
    await page.screenshot({ path: join(shots, "live-show-desktop.png") });
    // Products beside the video on a desktop, below it on a phone.
    const box = async (p, sel) => p.locator(sel).first().boundingBox();
    const [dStage, dPins] = [await box(page, ".stage"), await box(page, ".pins")];
    assert.ok(dPins.x > dStage.x + dStage.width - 1, `desktop: pins right of the video ${JSON.stringify([dStage, dPins])}`);
    const [pStage, pPins] = [await box(phone, ".stage"), await box(phone, ".pins")];
    assert.ok(pPins.y >= pStage.y + pStage.height - 1, `phone: pins below the video ${JSON.stringify([pStage, pPins])}`);

    // The countdown ends the deal on the page by itself; the feed and the link agree.
    await deal.waitFor({ state: "detached", timeout: 9000 });
    assert.ok(Date.now() >= Date.parse(ends) - 1000, "the deal left the page before its end");
    const after = await api("GET", `/api/live/${id}`);
    assert.equal(after.body.pins.find((p) => p.product.id === lamp.id).deal, undefined);
    await sleep(5500); // the isolate keeps a hot link's records up to 5 s
    const late = await fetch(base + href, { redirect: "manual", headers: { "user-agent": "Mozilla/5.0 (iPhone) ShowTest/2" } });
    assert.ok(!late.headers.get("location").includes("/discount/"), late.headers.get("location"));

    // An HLS stream: the playlist is fetched from its own origin, which the CSP now allows.
    const hlsHost = `https://video-${tag}.example`;
    assert.equal((await api("PATCH", `/api/live-sessions/${id}`, key, { stream_url: `${hlsHost}/live/show.m3u8` })).status, 200);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    let playlist = 0;
    await context.route(`${hlsHost}/**`, (r) => { playlist += 1; r.fulfill({ contentType: "application/vnd.apple.mpegurl", body: "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n" }); });
    const hls = await context.newPage();
    await hls.goto(`${base}/live/${id}`);
    await hls.locator("#player video").waitFor({ timeout: 5000 });
    for (let i = 0; i < 50 && playlist === 0; i++) await sleep(100);
    assert.ok(playlist > 0, "the player never asked for the playlist");
    assert.equal(await hls.locator("#player iframe").count(), 0);
    assert.deepEqual(problems.filter((p) => /Content Security Policy|Refused/.test(p)), [], "CSP violations");
  } finally {
    await browser.close();
  }
});
