// The dashboard (/app) in a real browser: Debian's Chromium driven by playwright-core, against
// the worker `npm test` runs (AE_BASE_URL, AE_ADMIN_TOKEN, AE_CHROMIUM). One program's whole
// story through the pages: the admin makes a brand and a creator; the brand adds a product (its
// title an XSS string), a rate and a code; the creator finds the product, makes a link and
// copies it; a visit and a signed order later the creator's earnings, stats and chart show
// them; the brand pays out and marks it paid; the creator sees it paid; signing out ends the
// session. Plus the CSP of every page, and a cookie write from a foreign Origin.
// Screenshots (phone and desktop) go to AE_SCREENSHOTS (default build/screenshots).

import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { mkdirSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { chromium } from "playwright-core";

const base = process.env.AE_BASE_URL;
const admin = process.env.AE_ADMIN_TOKEN;
const exe = process.env.AE_CHROMIUM;
const shots = process.env.AE_SCREENSHOTS ?? new URL("../build/screenshots", import.meta.url).pathname;
const PAGES = ["", "showcase", "products", "rates", "codes", "commissions", "payouts", "live", "webhooks"];
const UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
const XSS = `<img src=x onerror="window.__xss=1">`;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Signs in through the page's form, with the keyboard. */
async function signIn(page, key) {
  await page.goto(`${base}/app`);
  const input = page.locator("#sign-in input[name=api_key]");
  await input.waitFor();
  assert.ok(await input.evaluate((el) => el === document.activeElement), "the key field has focus");
  await page.keyboard.type(key);
  await page.keyboard.press("Enter");
  await page.locator("#sign-out").waitFor();
}

async function signOut(page) {
  await page.click("#sign-out");
  await page.locator("#sign-in").waitFor();
}

/** The value of the copyable field under `label` in the block shown once. */
const shown = (page, formId, label) => page.locator(`#${formId} .once .kv`, { hasText: label }).locator("input").inputValue();

async function fill(page, formId, values) {
  for (const [name, value] of Object.entries(values)) {
    const el = page.locator(`#${formId} [name="${name}"]`);
    if ((await el.evaluate((e) => e.tagName)) === "SELECT") await el.selectOption(value);
    else await el.fill(value);
  }
  await page.click(`#${formId} button[type=submit]`);
}

/** Until the page has rendered and nothing on it is loading any more. */
const settled = (page) => page.waitForFunction(() => document.getElementById("main") && !document.querySelector("[aria-busy]"));

/** Reloads `path` until `check()` holds (the queue lands clicks within seconds), or fails. */
async function eventually(page, path, check, what) {
  for (let i = 0; i < 30; i++) {
    await page.goto(`${base}${path}`);
    await settled(page);
    if (await check()) return;
    await sleep(1000);
  }
  assert.fail(`${what}: not shown within 30 s`);
}

async function shoot(page, name) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

test("the dashboard, the whole story in Chromium", { timeout: 240_000 }, async () => {
  assert.ok(base && admin, "AE_BASE_URL and AE_ADMIN_TOKEN come from npm test");
  assert.ok(exe, "AE_CHROMIUM is not set: npm test installs Chromium for this test");
  mkdirSync(shots, { recursive: true });
  const tag = Date.now().toString(36) + Math.random().toString(36).slice(2, 6);
  const domain = `shop-${tag}.example`;
  const browser = await chromium.launch({ executablePath: exe, args: ["--no-sandbox", "--disable-gpu"] });
  const problems = [];
  // One browser profile per role, each signed in once (sign-ins are limited to 10 a minute
  // per client IP, and every attempt counts).
  async function open() {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, userAgent: UA });
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
    const page = await context.newPage();
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    // Every console error counts (a CSP violation is one), except the 401 of GET /api/me that
    // a page signed out gets before it shows the sign-in form, and product images on other
    // hosts that do not resolve here (other tests' products are in the showcase).
    page.on("console", (m) => {
      const url = m.location().url ?? "";
      const expected = /favicon\.ico$/.test(url) || (url.endsWith("/api/me") && m.text().includes("status of 401")) ||
        (!url.startsWith(base) && m.text().startsWith("Failed to load resource: net::"));
      if (m.type() === "error" && !expected) problems.push(`console: ${m.text()} (${url})`);
    });
    return page;
  }
  const page = await open();
  try {
    // A wrong key: the API's message, in the page.
    await page.goto(`${base}/app`);
    await fill(page, "sign-in", { api_key: "not-a-key" });
    await page.locator("#sign-in [role=alert]").waitFor();
    assert.match(await page.locator("#sign-in [role=alert]").innerText(), /key/i);
    assert.equal(problems.length, 1, "the browser logs the 401 of that sign-in, and nothing else");
    problems.length = 0;

    // The admin makes a brand (standard webhooks, no hold) and a creator; keys shown once.
    await signIn(page, admin);
    await fill(page, "new-brand", { name: `Brand ${tag}`, domains: domain, currency: "USD", rate: "10", window: "30", hold: "0", scheme: "standard" });
    await page.locator("#new-brand .once").waitFor();
    const brandId = await shown(page, "new-brand", "Brand id");
    const brandKey = await shown(page, "new-brand", "API key");
    const secret = await shown(page, "new-brand", "Webhook secret");
    assert.match(brandId, /^br_/);
    await page.locator("#new-brand .once .kv", { hasText: "API key" }).locator("button").click();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), brandKey, "Copy puts the key on the clipboard");
    await fill(page, "new-creator", { handle: `maya${tag}`, email: `maya-${tag}@example.com` });
    await page.locator("#new-creator .once").waitFor();
    const creatorId = await shown(page, "new-creator", "Creator id");
    const creatorKey = await shown(page, "new-creator", "API key");
    await shoot(page, "admin-desktop");
    await signOut(page);

    // The brand: a product (an XSS string in its title), a targeted rate, a code.
    const brand = await open();
    await signIn(brand, brandKey);
    await brand.goto(`${base}/app/products`);
    const title = `Tee ${tag} ${XSS}`;
    await fill(brand, "new-product", { sku: `TEE-${tag}`, title, url: `https://${domain}/products/tee`, price: "25.00", currency: "USD" });
    await brand.locator("#new-product .ok").waitFor();
    await brand.locator(".title", { hasText: XSS }).first().waitFor();
    assert.equal(await brand.locator(".title", { hasText: XSS }).first().innerText(), title, "the title renders as text");
    assert.equal(await brand.locator('img[src="x"]').count(), 0);
    assert.equal(await brand.evaluate(() => window.__xss), undefined, "no script ran from the title");
    await shoot(brand, "brand-products-desktop");
    // Edit (the price) and withdraw, then showcase it again.
    const productRow = brand.locator(".paged tbody tr", { hasText: `TEE-${tag}` });
    await productRow.getByRole("button", { name: "Edit" }).click();
    await productRow.locator(".edit input[name=price]").fill("24.50");
    await productRow.locator(".edit button[type=submit]").click();
    await productRow.locator('td[data-label="Price"]', { hasText: "24.50" }).waitFor();
    await productRow.getByRole("button", { name: "Withdraw" }).click();
    await productRow.locator(".badge.withdrawn").waitFor();
    await productRow.getByRole("button", { name: "Showcase again" }).click();
    await productRow.locator(".badge.active").waitFor();
    await brand.goto(`${base}/app/rates`);
    await fill(brand, "set-rate", { creator_id: creatorId, rate: "15" });
    await brand.locator("#set-rate .ok").waitFor();
    await brand.goto(`${base}/app/codes`);
    await fill(brand, "new-code", { creator_id: creatorId, code: `MAYA${tag}` });
    await brand.locator("#new-code .ok").waitFor();

    // The creator finds the product, makes a link and copies it.
    const creator = await open();
    await signIn(creator, creatorKey);
    await creator.goto(`${base}/app/showcase`);
    await fill(creator, "showcase-search", { q: tag });
    const card = creator.locator(".product", { hasText: tag });
    await card.waitFor();
    assert.equal(await creator.evaluate(() => window.__xss), undefined);
    await card.locator("button[type=submit]").click();
    const shortUrl = await card.locator(".new-link input").inputValue();
    assert.ok(shortUrl.startsWith(`${base}/`), shortUrl);
    await card.locator(".new-link button.copy").click();
    assert.equal(await creator.evaluate(() => navigator.clipboard.readText()), shortUrl);
    assert.equal(await card.locator("canvas.qr").count(), 1, "a QR code of the link");
    await shoot(creator, "creator-showcase-desktop");

    // A visit (a shopper's browser) and the brand's signed order for two tees.
    const visit = await fetch(shortUrl, { redirect: "manual", headers: { "user-agent": UA } });
    assert.equal(visit.status, 302);
    const clickId = new URL(visit.headers.get("location")).searchParams.get("aff_click");
    assert.match(clickId, /^clk_/);
    /** The brand's store confirms an order, signed as Standard Webhooks. */
    async function storeOrder(id, fields) {
      const body = JSON.stringify({ id, type: "order.paid", order_id: id, currency: "USD",
        items: [{ sku: `TEE-${tag}`, quantity: 2, unit_price: 2450 }], occurred_at: new Date().toISOString(), ...fields });
      const ts = Math.floor(Date.now() / 1000).toString();
      const sig = createHmac("sha256", Buffer.from(secret.slice("whsec_".length), "base64")).update(`${id}.${ts}.${body}`).digest("base64");
      const r = await fetch(`${base}/webhooks/${brandId}`, { method: "POST", body,
        headers: { "content-type": "application/json", "webhook-id": id, "webhook-timestamp": ts, "webhook-signature": `v1,${sig}` } });
      assert.equal(r.status, 200, await r.clone().text());
      return r.json();
    }
    assert.equal((await storeOrder(`order-${tag}`, { click_id: clickId })).status, "attributed");
    assert.equal((await fetch(`${base}/__scheduled`)).status, 200); // hold_days 0: approved now

    // The creator's home: earnings approved at the targeted 15 % of 2 × $24.50 ($7.35), the click and the order in the stats and the chart.
    const row = creator.locator("tbody tr", { hasText: shortUrl });
    await eventually(creator, "/app", async () =>
      (await creator.locator(".total .big").first().innerText().catch(() => "")).includes("7.35") &&
      (await row.locator('td[data-label="Clicks"]').innerText().catch(() => "")).startsWith("1 ") &&
      (await row.locator('td[data-label="Orders"]').innerText().catch(() => "")) === "1", "earnings and stats");
    await row.getByRole("button", { name: "Chart & QR" }).click();
    await creator.locator("#link-detail .chart canvas").waitFor();
    assert.match(await creator.locator("#link-detail .chart").getAttribute("aria-label"), /^Clicks per day: 1 in 30 days$/);
    await shoot(creator, "creator-home-desktop");
    const rendered = await creator.evaluate(() => performance.getEntriesByName("ae:rendered")[0]?.startTime);
    assert.ok(rendered > 0);
    // A measurement, not a limit: printed for the notes.
    console.log(`creator home: first render ${Math.round(rendered)} ms after navigation start (local worker)`);
    await creator.goto(`${base}/app/commissions`);
    await creator.locator("td", { hasText: `Click ${clickId}` }).first().waitFor();

    // A live session: start, pin the product (found by the pin form's search), unpin, pin
    // again, open the viewer page, end.
    await creator.goto(`${base}/app/live`);
    await fill(creator, "new-live", { title: `Friday drop ${tag}` });
    const viewer = await creator.locator("#live-detail a", { hasText: "Open the viewer page" }).getAttribute("href");
    assert.match(viewer, /\/live\/ls_/);
    // Two viewers: one with its pins pushed over the WebSocket, one whose socket fails (it
    // polls the feed instead).
    const watcher = await open();
    await watcher.goto(viewer);
    await watcher.locator('html[data-via="socket"]').waitFor();
    await watcher.locator(".viewers", { hasText: "1 watching" }).waitFor();
    const poller = await open();
    await poller.routeWebSocket(/\/socket$/, (ws) => ws.close());
    await poller.goto(viewer);
    await poller.locator('html[data-via="poll"]').waitFor({ timeout: 10_000 });
    const pinForm = creator.locator("#live-detail #pin");
    await pinForm.locator("[name=q]").fill(`TEE-${tag}`);
    await creator.locator(`#live-detail #pin[data-searched="TEE-${tag}"]`).waitFor();
    const option = pinForm.locator("select[name=product_id] option", { hasText: `TEE-${tag}` });
    await pinForm.locator("select[name=product_id]").selectOption(await option.getAttribute("value"));
    // With a flash deal: the creator's code for 15 minutes.
    await pinForm.locator("select[name=deal_code]").selectOption(`MAYA${tag}`);
    await pinForm.locator("button[type=submit]").click();
    const pinned = creator.locator("#live-detail .pins li", { hasText: `Tee ${tag}` });
    await pinned.waitFor();
    assert.match(await pinned.locator(".badge").innerText(), new RegExp(`deal MAYA${tag}`, "i"));
    await watcher.locator(".pin .deal strong", { hasText: `MAYA${tag}` }).waitFor({ timeout: 2000 });
    // The stream, set from the panel (the viewer page plays it at its next load).
    const streamForm = creator.locator("#live-detail #stream");
    await streamForm.locator("[name=stream_url]").fill("https://www.twitch.tv/friday_drop");
    await streamForm.locator("button[type=submit]").click();
    await streamForm.locator(".ok", { hasText: "The viewer page plays it." }).waitFor();
    const streamed = await (await fetch(`${base}/api/live/${viewer.split("/").pop()}`)).json();
    assert.equal(streamed.stream?.kind, "twitch", JSON.stringify(streamed.stream));
    assert.equal(await creator.locator("#live-detail #watching").innerText(), "1", "the creator sees one watching (by socket)");
    // On the open page within 2 s, without a reload (pushed); on the polling one within a poll.
    await watcher.locator(".pin", { hasText: `Tee ${tag}` }).waitFor({ timeout: 2000 });
    await shoot(watcher, "live-viewer-desktop");
    await poller.locator(".pin", { hasText: `Tee ${tag}` }).waitFor({ timeout: 10_000 });
    const feed = await (await fetch(`${base}/api/live/${viewer.split("/").pop()}`)).json();
    assert.equal(feed.pins.length, 1, "the viewers see the pin");
    assert.equal(feed.viewers, 1, "one socket open (the polling viewer has none)");
    await pinned.getByRole("button", { name: "Unpin" }).click();
    await creator.locator("#live-detail .empty", { hasText: "Nothing pinned" }).waitFor();
    await watcher.locator(".pin").waitFor({ state: "detached", timeout: 2000 });
    await poller.locator(".pin").waitFor({ state: "detached", timeout: 10_000 });
    assert.equal(await watcher.evaluate(() => document.documentElement.dataset.via), "socket");
    await shoot(creator, "creator-live-desktop");
    creator.once("dialog", (d) => d.accept());
    await creator.locator("#live-detail").getByRole("button", { name: "End session" }).click();
    await creator.locator("#live-detail h3 .badge.ended").waitFor();

    // The brand pays out and marks it paid; the order shows its attribution.
    await brand.goto(`${base}/app`);
    await brand.locator("td", { hasText: `order-${tag}` }).waitFor();
    await shoot(brand, "brand-orders-desktop");
    await brand.goto(`${base}/app/payouts`);
    await fill(brand, "new-payout", { currency: "USD", minimum: "1.00" });
    await brand.locator("#new-payout .result tbody tr").waitFor();
    const payoutRow = brand.locator(".paged tbody tr", { hasText: creatorId });
    await payoutRow.locator("input[name=reference]").fill(`wire-${tag}`);
    await payoutRow.getByRole("button", { name: "Mark paid" }).click();
    await brand.locator(".paged tbody tr", { hasText: `wire-${tag}` }).locator(".badge.paid").waitFor();
    await shoot(brand, "brand-payouts-desktop");

    // A webhook endpoint (a receiver here, on 127.0.0.1): its secret shown once, a test ping
    // delivered and listed.
    const received = [];
    const receiver = createServer((req, res) => { let b = ""; req.on("data", (c) => (b += c)); req.on("end", () => { received.push(b); res.writeHead(204).end(); }); });
    await new Promise((r) => receiver.listen(0, "127.0.0.1", r));
    try {
      await brand.goto(`${base}/app/webhooks`);
      await fill(brand, "new-endpoint", { url: `http://127.0.0.1:${receiver.address().port}/hook` });
      assert.match(await brand.locator("#new-endpoint .once input").inputValue(), /^whsec_/);
      const endpoint = brand.locator(".paged tbody tr", { hasText: `127.0.0.1:${receiver.address().port}` });
      await endpoint.getByRole("button", { name: "Send test" }).click();
      for (let i = 0; i < 30 && !(await brand.locator("#deliveries tbody tr", { hasText: "ping" }).locator(".badge.ok").count()); i++) {
        await sleep(500);
        await endpoint.getByRole("button", { name: "Deliveries" }).click();
        await settled(brand);
      }
      await brand.locator("#deliveries tbody tr", { hasText: "ping" }).locator(".badge.ok").waitFor({ timeout: 1000 });
      assert.ok(received.some((b) => JSON.parse(b).type === "ping"), "the receiver got the ping");
    } finally {
      receiver.close();
    }

    // A self-referral (the customer's email is the creator's): held, and the brand releases it.
    const visit2 = await fetch(shortUrl, { redirect: "manual", headers: { "user-agent": UA, "cf-connecting-ip": "198.51.100.77" } });
    const click2 = new URL(visit2.headers.get("location")).searchParams.get("aff_click");
    await storeOrder(`self-${tag}`, { click_id: click2, customer_email: `Maya-${tag}@example.com` });
    await brand.goto(`${base}/app/commissions`);
    const heldRow = brand.locator("tbody tr", { hasText: `self-${tag}` });
    await heldRow.locator(".badge.held").waitFor();
    await heldRow.getByRole("button", { name: "Release" }).click();
    await brand.locator("tbody tr", { hasText: `self-${tag}` }).locator(".badge.pending").waitFor();

    // The creator sees it paid; then signs out, and the session's cookie no longer works.
    await creator.goto(`${base}/app/payouts`);
    await creator.locator("tbody tr", { hasText: `wire-${tag}` }).locator(".badge.paid").waitFor();
    await creator.goto(`${base}/app`);
    await creator.locator(".total .big").first().waitFor();
    const cookies = await creator.context().cookies(base);
    const session = cookies.find((c) => c.name === "ae_session");
    assert.ok(session && session.httpOnly && session.secure && session.sameSite === "Strict", JSON.stringify(cookies));
    const cookie = `ae_session=${session.value}`;
    assert.equal(await creator.evaluate(() => document.cookie), "", "the page cannot read the session");

    // Phone screenshots (390 px) with the same sessions; nothing wider than the screen.
    const brandSession = (await brand.context().cookies(base)).find((c) => c.name === "ae_session");
    for (const [who, shotsOf] of [[session, [["/app", "creator-home-phone"], ["/app/showcase", "creator-showcase-phone"], ["/app/commissions", "creator-commissions-phone"]]],
      [brandSession, [["/app", "brand-orders-phone"], ["/app/payouts", "brand-payouts-phone"]]]]) {
      const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, userAgent: UA });
      await phone.addCookies([who]);
      const small = await phone.newPage();
      for (const [path, name] of shotsOf) {
        await small.goto(`${base}${path}`);
        await settled(small);
        if (path === "/app/showcase") await small.locator(".product").first().waitFor();
        assert.ok(await small.evaluate(() => document.documentElement.scrollWidth <= 390), `${path} fits a phone`);
        await shoot(small, name);
      }
      await phone.close();
    }

    // A cookie-authenticated write from another origin: 403, nothing made.
    const foreign = await fetch(`${base}/api/links`, { method: "POST", body: JSON.stringify({ product_id: "pr_x" }),
      headers: { cookie, origin: "https://evil.example", "content-type": "application/json" } });
    assert.equal(foreign.status, 403);
    assert.equal((await foreign.json()).error.code, "forbidden");
    assert.equal((await fetch(`${base}/api/me`, { headers: { cookie } })).status, 200);
    await signOut(creator);
    assert.equal((await fetch(`${base}/api/me`, { headers: { cookie } })).status, 401, "signed out: the cookie no longer works");

    // A session that ends while a page is open (here: signed out from elsewhere): the next
    // action gets 401 and the page starts again at the sign-in form.
    await brand.goto(`${base}/app/codes`);
    await brand.locator("#new-code").waitFor();
    const brandCookie = `ae_session=${brandSession.value}`;
    assert.equal((await fetch(`${base}/api/sessions`, { method: "DELETE", headers: { cookie: brandCookie, origin: base } })).status, 204);
    const before = problems.length;
    await fill(brand, "new-code", { creator_id: creatorId, code: `LATE${tag}` });
    await brand.locator("#sign-in").waitFor();
    // (the browser logs that 401 of POST /api/codes)
    assert.ok(problems.slice(before).every((p) => p.includes("status of 401") && p.includes("/api/codes")), JSON.stringify(problems));
    problems.length = before;

    assert.deepEqual(problems, [], "no script error and no CSP violation on any page");
  } finally {
    await browser.close();
  }
});

test("every dashboard page has a strict CSP: scripts from this origin only", async () => {
  for (const p of PAGES) {
    const r = await fetch(`${base}/app${p ? `/${p}` : ""}`);
    assert.equal(r.status, 200, `/app/${p}`);
    assert.match(r.headers.get("content-type"), /^text\/html/);
    const csp = r.headers.get("content-security-policy") ?? "";
    assert.match(csp, /default-src 'none'/, `/app/${p}: ${csp}`);
    assert.match(csp, /script-src 'self'(;|$)/, `/app/${p}: ${csp}`);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, `/app/${p}: ${csp}`);
    const html = await r.text();
    assert.doesNotMatch(html, /<script(?![^>]*\ssrc=)/, "no inline script");
  }
});
