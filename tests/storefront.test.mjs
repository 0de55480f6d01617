// The storefront script (GET /t.js) in a real browser, against the worker `npm test` runs
// (AE_BASE_URL, AE_ADMIN_TOKEN; Debian's Chromium in AE_CHROMIUM).
//
// A fake Shopify store is served over https on 127.0.0.1 with a self-signed certificate, and
// Chromium reaches it under the brand's own domain (`--host-resolver-rules`), so the cookie
// the script writes is the store's first-party cookie. A short link's 302 lands there; the
// page includes the script from the worker, reports `document.cookie` to the fake store, and
// follows the short link a second time. The store records every request: the test checks the
// cookie after each landing, one `POST /cart/update.js` per landing carrying the click id as
// a cart attribute, and then that a Shopify order with those `note_attributes` is attributed
// to the second click.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { api } from "./api.mjs";

const base = process.env.AE_BASE_URL;
const admin = process.env.AE_ADMIN_TOKEN;
const chromium = process.env.AE_CHROMIUM;

function tls(dir, domain) {
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", `/CN=${domain}`,
    "-addext", `subjectAltName=DNS:${domain}`,
    "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"),
  ], { stdio: "ignore" });
  return { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) };
}

test("the storefront script keeps the click id in a first-party cookie and the Shopify cart", { timeout: 90_000 }, async () => {
  assert.ok(base && admin, "AE_BASE_URL and AE_ADMIN_TOKEN come from npm test");
  assert.ok(chromium, "AE_CHROMIUM is not set: npm test installs Chromium for this test");
  const tag = Date.now().toString(36) + Math.random().toString(36).slice(2, 6);
  const domain = `store-${tag}.example`;

  const brand = await api("POST", "/api/brands", admin, {
    name: `Store ${tag}`, domains: [domain], currency: "USD", default_commission_bps: 1000,
    webhook_scheme: "shopify", attribution_window_days: 14,
  });
  assert.equal(brand.status, 201, JSON.stringify(brand.body));
  const product = await api("POST", "/api/products", brand.body.api_key, {
    sku: `TEE-${tag}`, title: "Tee", url: `https://${domain}/products/tee?variant=1`, price: { amount: 2500, currency: "USD" },
  });
  assert.equal(product.status, 201, JSON.stringify(product.body));
  const creator = await api("POST", "/api/creators", admin, { handle: `shopper${tag}` });
  const link = await api("POST", "/api/links", creator.body.api_key, { product_id: product.body.id });
  assert.equal(link.status, 201, JSON.stringify(link.body));
  const shortUrl = `${base}/${link.body.code}`;

  // The fake store: what it served and what it was sent.
  const dir = mkdtempSync(join(tmpdir(), "ae-store-"));
  const seen = { landings: [], cartUpdates: [], reports: [], other: [] };
  const server = createServer(tls(dir, domain), (req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const url = new URL(req.url, `https://${domain}`);
      if (req.method === "GET" && url.pathname === "/products/tee") {
        seen.landings.push(url.search);
        const next = seen.landings.length === 1 ? JSON.stringify(shortUrl) : "null";
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
        res.end(`<!doctype html><title>Tee</title>
<script>window.Shopify = { shop: "${domain}" };</script>
<script src="${base}/t.js?brand=${brand.body.id}"></script>
<script>
// Runs after the storefront script has (scripts run in order): the cookie is set by now.
fetch("/__report", { method: "POST", body: document.cookie }).then(function () {
  var next = ${next};
  if (next) location.href = next;
});
</script>`);
      } else if (req.method === "POST" && url.pathname === "/cart/update.js") {
        seen.cartUpdates.push({ type: req.headers["content-type"], body: JSON.parse(body) });
        res.writeHead(200, { "content-type": "application/json" });
        res.end("{}");
      } else if (req.method === "POST" && url.pathname === "/__report") {
        seen.reports.push(body);
        res.writeHead(204).end();
      } else if (url.pathname !== "/favicon.ico") {
        // (The browser's own favicon request is not the script's.)
        seen.other.push(`${req.method} ${url.pathname}`);
        res.writeHead(404).end();
      } else {
        res.writeHead(404).end();
      }
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const port = server.address().port;

  const profile = mkdtempSync(join(tmpdir(), "ae-chromium-"));
  const browser = spawn(chromium, [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-quic",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--ignore-certificate-errors", `--host-resolver-rules=MAP ${domain} 127.0.0.1:${port}`,
    // A shopper's browser: headless Chromium's own user agent is (rightly) a bot's.
    "--user-agent=Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    `--user-data-dir=${profile}`, shortUrl,
  ], { stdio: ["ignore", "ignore", "pipe"], detached: true });
  let stderr = "";
  browser.stderr.on("data", (c) => (stderr += c));
  try {
    // Done when the second landing has reported its cookie and updated the cart; then a
    // moment more, so that a stray request the script should not make would be seen.
    const deadline = Date.now() + 60_000;
    while (!(seen.reports.length >= 2 && seen.cartUpdates.length >= 2)) {
      assert.ok(Date.now() < deadline, `the pages did not finish: ${JSON.stringify(seen)}\n${stderr.slice(-2000)}`);
      assert.equal(browser.exitCode, null, `Chromium exited early: ${stderr.slice(-2000)}`);
      await sleep(100);
    }
    await sleep(500);
  } finally {
    // The whole process group: Chromium's zygote and renderers too.
    const exited = new Promise((r) => (browser.exitCode !== null || browser.signalCode !== null ? r() : browser.once("exit", r)));
    try { process.kill(-browser.pid, "SIGKILL"); } catch { /* already gone */ }
    await exited;
    server.closeAllConnections();
    server.close();
    // Chromium's helpers may still be writing its profile as it exits: retry, never fail on it.
    for (const d of [profile, dir]) {
      try { rmSync(d, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 }); } catch { /* a temp dir */ }
    }
  }

  // Two landings through the short link, each with a fresh click id in the URL.
  assert.equal(seen.landings.length, 2, JSON.stringify(seen));
  const clicks = seen.landings.map((q) => new URLSearchParams(q).get("aff_click"));
  assert.ok(clicks.every((c) => /^clk_/.test(c)) && clicks[0] !== clicks[1], JSON.stringify(clicks));
  // The cookie after each landing: the store's own, and a newer click replaces it.
  assert.deepEqual(seen.reports, [`aff_click=${clicks[0]}`, `aff_click=${clicks[1]}`]);
  // One cart update per landing, with the click id as the attribute named like the param.
  assert.deepEqual(seen.cartUpdates, clicks.map((c) => ({ type: "application/json", body: { attributes: { aff_click: c } } })));
  assert.deepEqual(seen.other, [], "the script made no other request to the store");

  // The order the cart becomes carries the attribute: attributed to the second click.
  const order = JSON.stringify({
    id: Number(BigInt(Date.now()) % 9000000000000n), currency: "USD",
    note_attributes: [{ name: "aff_click", value: clicks[1] }],
    line_items: [{ sku: `TEE-${tag}`, quantity: 1, price: "25.00", discount_allocations: [] }],
  });
  const r = await fetch(`${base}/webhooks/${brand.body.id}`, {
    method: "POST",
    headers: {
      "content-type": "application/json", "x-shopify-topic": "orders/paid", "x-shopify-webhook-id": `wh-${tag}`,
      "x-shopify-hmac-sha256": createHmac("sha256", brand.body.webhook_secret).update(order).digest("base64"),
    },
    body: order,
  });
  const answer = await r.json();
  assert.equal(r.status, 200, JSON.stringify(answer));
  assert.equal(answer.status, "attributed", JSON.stringify(answer));
  assert.equal(answer.attribution.method, "click");
  assert.equal(answer.attribution.click_id, clicks[1]);
  assert.equal(answer.commissions[0].amount.amount, 250);
});

test("the script is cacheable JavaScript, small, and does nothing for an unknown brand", async () => {
  const unknown = await fetch(`${base}/t.js?brand=br_nobody`);
  assert.equal(unknown.status, 200);
  assert.match(unknown.headers.get("content-type"), /^text\/javascript/);
  assert.equal(unknown.headers.get("cache-control"), "public, max-age=300");
  assert.doesNotMatch(await unknown.text(), /cookie|fetch/);
  const none = await fetch(`${base}/t.js`);
  assert.equal(none.status, 200);
  const brand = await api("POST", "/api/brands", admin, {
    name: "Script size", domains: ["size.example"], currency: "USD", default_commission_bps: 1000,
    webhook_scheme: "standard", click_param: "ref_id",
  });
  const script = await (await fetch(`${base}/t.js?brand=${brand.body.id}`)).text();
  assert.ok(script.length <= 2048, `${script.length} bytes`);
  assert.match(script, /"ref_id"/);
  assert.match(script, /max-age=" \+ days \* 86400/);
  assert.doesNotMatch(script, /__PARAM__|__DAYS__/);
});
