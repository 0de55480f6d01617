// The hand-written JS counterpart of the Rust redirect, for `npm run bench` only.
// Same KV records (src/store/link_cache.rs), the same signed click id (src/domain/click_id.rs:
// HMAC-SHA256 with CLICK_SECRET over version, bot flag, time, nonce and link, made before the
// 302), the same 302 headers, and the same click work after the response as the Rust worker
// (src/store/clicks.rs): the click as the same JSON array, buffered per isolate and sent as
// ONE queue message (`env.CLICKS.send`) per 100 clicks or 100 ms after the first, inside
// `waitUntil`. The consumer that stores those messages is the Rust worker's (the bench points
// both producers at one queue), so the two sides differ only in the redirect itself.
//
// Bench-only variant, with the binding CLICK_PATH = "d1": the previous click path (release 1,
// before commit 6ce5b32): one INSERT per click into D1 in `waitUntil`, which reads the rate
// lock and decides uniqueness, and `GET /api/links/{code}/stats` answered as release 1 did,
// by summing the raw click rows (the new stats read roll-ups the old path never fills). Used
// by the ingest comparison in bench/run.mjs.
// No KV-miss fallback and no route table beyond GET /{code}: the benchmark always hits KV.

const B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const CODE_RE = /^[A-Za-z0-9_-]{3,64}$/;
// The same markers, in the same order, as src/domain/visitor.rs.
const BOT_MARKERS = [
  ["googlebot", "crawler"],
  ["adsbot-google", "crawler"],
  ["mediapartners-google", "crawler"],
  ["storebot-google", "crawler"],
  ["google-inspectiontool", "crawler"],
  ["googleother", "crawler"],
  ["feedfetcher-google", "crawler"],
  ["bingbot", "crawler"],
  ["msnbot", "crawler"],
  ["yandexbot", "crawler"],
  ["yandex.com/bots", "crawler"],
  ["baiduspider", "crawler"],
  ["duckduckbot", "crawler"],
  ["applebot", "crawler"],
  ["ahrefsbot", "crawler"],
  ["semrushbot", "crawler"],
  ["mj12bot", "crawler"],
  ["dotbot", "crawler"],
  ["petalbot", "crawler"],
  ["bytespider", "crawler"],
  ["gptbot", "crawler"],
  ["chatgpt-user", "crawler"],
  ["oai-searchbot", "crawler"],
  ["claudebot", "crawler"],
  ["perplexitybot", "crawler"],
  ["ccbot", "crawler"],
  ["amazonbot", "crawler"],
  ["ia_archiver", "crawler"],
  ["facebookexternalhit", "preview"],
  ["facebookcatalog", "preview"],
  ["meta-externalagent", "preview"],
  ["facebot", "preview"],
  ["twitterbot", "preview"],
  ["slackbot", "preview"],
  ["slack-imgproxy", "preview"],
  ["discordbot", "preview"],
  ["whatsapp", "preview"],
  ["telegrambot", "preview"],
  ["linkedinbot", "preview"],
  ["pinterestbot", "preview"],
  ["redditbot", "preview"],
  ["skypeuripreview", "preview"],
  ["bingpreview", "preview"],
  ["embedly", "preview"],
  ["iframely", "preview"],
  ["vkshare", "preview"],
  ["snap url preview", "preview"],
  ["cardyb", "preview"],
  ["mastodon/", "preview"],
  ["google-pagerenderer", "preview"],
  ["thirdlandingpagefeinfra", "preloader"],
  ["curl/", "http-client"],
  ["wget/", "http-client"],
  ["python-requests", "http-client"],
  ["python-urllib", "http-client"],
  ["python-httpx", "http-client"],
  ["aiohttp", "http-client"],
  ["go-http-client", "http-client"],
  ["okhttp", "http-client"],
  ["java/", "http-client"],
  ["apache-httpclient", "http-client"],
  ["libwww-perl", "http-client"],
  ["axios/", "http-client"],
  ["node-fetch", "http-client"],
  ["undici", "http-client"],
  ["http.rb/", "http-client"],
  ["guzzlehttp", "http-client"],
  ["scrapy", "http-client"],
  ["postmanruntime", "http-client"],
  ["headlesschrome", "headless"],
  ["phantomjs", "headless"],
  ["lighthouse", "headless"],
  ["pagespeed", "headless"],
  ["selenium", "headless"],
  ["puppeteer", "headless"],
  ["bot/", "crawler"],
  ["spider", "crawler"],
  ["crawler", "crawler"],
  ["+http", "crawler"],
];

const MARKERS = BOT_MARKERS.map(([m]) => m);
const CLASSES = BOT_MARKERS.map(([, c]) => c);

function botClass(ua) {
  const l = ua?.trim().toLowerCase();
  if (!l) return "http-client";
  for (let i = 0; i < MARKERS.length; i++) if (l.includes(MARKERS[i])) return CLASSES[i];
  return null;
}
const UNIQUE_WINDOW_MS = 3_600_000;

// A plain random id (where CLICK_SECRET is unset), as ids::new_id.
function randomId() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  let n = 0n;
  for (const x of b) n = (n << 8n) | BigInt(x);
  let s = "";
  for (let i = 0; i < 22; i++) { s = B62[Number(n % 62n)] + s; n /= 62n; }
  return "clk_" + s;
}

// The signed click id of src/domain/click_id.rs: `clk_` + base32(payload ‖ tag), payload =
// version 1 ‖ flags (bit 0 bot) ‖ time ms (6 bytes, big-endian) ‖ nonce (8) ‖ the link id's
// 22 characters after `ln_`, tag = the first 16 bytes of HMAC-SHA256(secret, payload).
const B32 = "abcdefghijklmnopqrstuvwxyz234567";
function base32(bytes) {
  let out = "", acc = 0, bits = 0;
  for (let i = 0; i < bytes.length; i++) {
    acc = ((acc << 8) | bytes[i]) & 0xffff;
    bits += 8;
    while (bits >= 5) { bits -= 5; out += B32[(acc >> bits) & 31]; }
  }
  if (bits > 0) out += B32[(acc << (5 - bits)) & 31];
  return out;
}
const enc = new TextEncoder();
let hmacSecret = null, hmacKey = null; // the imported key, once per isolate and secret
async function clickId(secret, linkId, at, isBot) {
  const link = linkId.startsWith("ln_") ? linkId.slice(3) : "";
  if (!secret || link.length !== 22) return randomId();
  if (hmacSecret !== secret) {
    hmacSecret = secret;
    hmacKey = crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  }
  const b = new Uint8Array(38 + 16);
  b[0] = 1;
  b[1] = isBot ? 1 : 0;
  for (let i = 7, t = at; i >= 2; i--, t = Math.floor(t / 256)) b[i] = t % 256;
  crypto.getRandomValues(b.subarray(8, 16));
  for (let i = 0; i < 22; i++) b[16 + i] = link.charCodeAt(i);
  const tag = await crypto.subtle.sign("HMAC", await hmacKey, b.subarray(0, 38));
  b.set(new Uint8Array(tag, 0, 16), 38);
  return "clk_" + base32(b);
}

function decodeLink(raw) {
  const f = raw?.split("\t");
  if (!f || f.length !== 7 || f[0] !== "1" || (f[1] !== "0" && f[1] !== "1")) return null;
  return { active: f[1] === "1", linkId: f[2], creatorId: f[3], brandId: f[4], productId: f[5], live: f[6] || null };
}

function decodeProduct(raw) {
  if (!raw || !raw.startsWith("1\t")) return null;
  const a = raw.indexOf("\t", 2), b = raw.indexOf("\t", a + 1);
  if (a < 0 || b < 0) return null;
  const flag = raw.slice(2, a);
  if (flag !== "0" && flag !== "1") return null;
  return { active: flag === "1", clickParam: raw.slice(a + 1, b), destination: raw.slice(b + 1) };
}

function location(dest, param, id) {
  if (!dest.startsWith("https://")) return null;
  const hash = dest.indexOf("#");
  const base = hash < 0 ? dest : dest.slice(0, hash);
  const frag = hash < 0 ? "" : dest.slice(hash);
  const sep = base.includes("?") ? (base.endsWith("?") || base.endsWith("&") ? "" : "&") : "?";
  return `${base}${sep}${encodeURIComponent(param)}=${id}${frag}`;
}

// The device class of a user agent that is not a bot's (as classify_click in Rust).
function device(ua) {
  if (!ua?.trim()) return "unknown";
  const l = ua.toLowerCase();
  const has = (s) => l.includes(s);
  if (has("ipad") || has("tablet") || has("kindle") || has("silk/") || has("playbook") || (has("android") && !has("mobile"))) return "tablet";
  if (has("mobi") || has("iphone") || has("ipod") || has("android") || has("windows phone") || has("blackberry") || has("opera mini")) return "mobile";
  if (has("windows nt") || has("macintosh") || has("x11") || has("cros") || has("linux")) return "desktop";
  return "unknown";
}

async function hex256(parts) {
  const enc = new TextEncoder();
  const chunks = [];
  for (const p of parts) {
    const bytes = enc.encode(p);
    const len = new Uint8Array(8);
    new DataView(len.buffer).setBigUint64(0, BigInt(bytes.length));
    chunks.push(len, bytes);
  }
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) { all.set(c, o); o += c.length; }
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
  return Array.from(d, (x) => x.toString(16).padStart(2, "0")).join("");
}

// The same single statement as src/store/links.rs (INSERT_CLICK): rate lock and
// uniqueness decided inside the INSERT, one D1 round trip per click.
const INSERT_CLICK = "INSERT INTO clicks (id, link_id, code, creator_id, brand_id, product_id, \
live_session_id, rate_bps, created_at, country, device, referrer_host, visitor_hash, is_bot, is_unique) \
SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, \
COALESCE((SELECT commission_bps FROM collaborations k WHERE k.brand_id = p.brand_id AND k.creator_id = ?4 AND k.scope = p.id), \
(SELECT commission_bps FROM collaborations k WHERE k.brand_id = p.brand_id AND k.creator_id = ?4 AND k.scope = ''), \
p.commission_bps, b.default_commission_bps), \
?8, ?9, ?10, ?11, ?12, ?13, \
?14 AND NOT EXISTS (SELECT 1 FROM clicks WHERE link_id = ?2 AND visitor_hash = ?12 AND is_bot = 0 AND created_at > ?15) \
FROM products p JOIN brands b ON b.id = p.brand_id WHERE p.id = ?6";

// The previous path (CLICK_PATH = "d1"): one D1 statement per click, after the response.
async function insertClick(env, code, link, click, visit) {
  const hash = env.VISITOR_SALT ? await hex256([env.VISITOR_SALT, visit.ip, visit.ua ?? ""]) : "";
  const r = await env.DB.prepare(INSERT_CLICK)
    .bind(click.id, link.linkId, code, link.creatorId, link.brandId, link.productId, link.live, click.at,
      visit.country, click.device, referrerHost(visit.referer), hash, click.isBot ? 1 : 0, click.isBot || !hash ? 0 : 1, click.at - UNIQUE_WINDOW_MS)
    .run();
  if (!r.meta.changes) throw new Error("product of a followed link is gone");
}

function referrerHost(referer) {
  try { return referer ? new URL(referer.trim()).hostname.toLowerCase() || null : null; } catch { return null; }
}

// The per-isolate buffer of src/store/clicks.rs (its inline_js, the same sizes): the message
// being filled, sent when it holds MAX_PER_MESSAGE clicks or FLUSH_MS after its first.
const MAX_PER_MESSAGE = 100;
const FLUSH_MS = 100;
let open = null;
function send(env, m) {
  if (m.sent) return undefined;
  m.sent = true;
  if (open === m) open = null;
  return env.CLICKS.send("[" + m.clicks.join(",") + "]", { contentType: "text" })
    .catch((e) => console.error(m.clicks.length + " clicks not queued: " + e));
}
function enqueue(env, ctx, click) {
  let m = open;
  if (m === null) {
    m = open = { clicks: [], sent: false };
    ctx.waitUntil(new Promise((r) => setTimeout(r, FLUSH_MS)).then(() => send(env, m)));
  }
  m.clicks.push(click);
  if (m.clicks.length >= MAX_PER_MESSAGE) ctx.waitUntil(send(env, m));
}

// The click as src/store/clicks.rs's ClickMsg::to_json writes it, into the buffer.
async function queueClick(env, ctx, code, link, click, visit) {
  const hash = env.VISITOR_SALT ? await hex256([env.VISITOR_SALT, visit.ip, visit.ua ?? ""]) : "";
  enqueue(env, ctx, JSON.stringify([click.id, link.linkId, code, link.creatorId, link.brandId, link.productId, link.live,
    click.at, visit.country, click.device, referrerHost(visit.referer), hash, click.isBot ? 1 : 0]));
}

// Release 1's link stats (CLICK_PATH = "d1" only): the raw click rows of the link, summed.
async function oldStats(env, code) {
  const row = await env.DB.prepare("SELECT COALESCE(SUM(k.is_bot = 0), 0) AS clicks, COALESCE(SUM(k.is_unique), 0) AS unique_clicks, \
COALESCE(SUM(k.is_bot), 0) AS bot_clicks FROM links l LEFT JOIN clicks k ON k.link_id = l.id WHERE l.code = ?1").bind(code).first();
  return Response.json(row);
}

function error(status, code, message) {
  return Response.json({ error: { code, message } }, { status });
}

const STATS_RE = /^\/api\/links\/([A-Za-z0-9_-]{3,64})\/stats$/;

// The same in-isolate cache of hot links as src/store/hot_links.rs: the two KV records,
// decoded, for 5 s, at most 1,000 links, only links that redirect.
const HOT_TTL_MS = 5000;
const HOT_MAX = 1000;
const hot = new Map();

async function records(env, code, now) {
  const e = hot.get(code);
  if (e !== undefined) {
    if (now < e.until) return e;
    hot.delete(code);
  }
  const link = decodeLink(await env.LINKS.get("link:" + code));
  const product = link ? decodeProduct(await env.LINKS.get("product:" + link.productId)) : null;
  if (link?.active && product?.active) {
    if (hot.size >= HOT_MAX) hot.delete(hot.keys().next().value);
    hot.set(code, { link, product, until: now + HOT_TTL_MS });
  }
  return { link, product };
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    const d1Path = env.CLICK_PATH === "d1";
    if (d1Path && request.method === "GET" && STATS_RE.test(url.pathname)) return oldStats(env, STATS_RE.exec(url.pathname)[1]);
    const code = url.pathname.slice(1).replace(/\/$/, "");
    const get = request.method === "GET";
    if (!(get || request.method === "HEAD") || !CODE_RE.test(code)) return error(404, "not_found", "link not found");
    const { link, product } = await records(env, code, Date.now());
    if (!link || !product) return error(404, "not_found", "link not found");
    if (!link.active) return error(410, "gone", "this link has been disabled");
    if (!product.active) return error(410, "gone", "this product is no longer available");
    // As Click::of in src/routes/redirect.rs: classified before the id (which carries the bot
    // flag); a HEAD records nothing and its id says bot.
    const h = request.headers;
    const ua = get ? h.get("user-agent") : null;
    const bot = get ? botClass(ua) : "head";
    const click = { at: Date.now(), isBot: bot !== null, device: !get ? "unknown" : bot === null ? device(ua) : ua?.trim() ? "bot" : "unknown" };
    click.id = await clickId(env.CLICK_SECRET, link.linkId, click.at, click.isBot);
    const loc = location(product.destination, product.clickParam, click.id);
    if (!loc) return error(500, "internal", "internal error");
    const res = new Response(null, {
      status: 302,
      headers: { location: loc, "cache-control": "private, no-store", "referrer-policy": "no-referrer-when-downgrade" },
    });
    if (get) {
      const visit = { ua, ip: h.get("cf-connecting-ip") ?? "", referer: h.get("referer"), country: request.cf?.country ?? null };
      const write = d1Path ? insertClick(env, code, link, click, visit) : queueClick(env, ctx, code, link, click, visit);
      ctx.waitUntil(write.catch((e) => console.error(`click ${click.id} not recorded: ${e}`)));
    }
    return res;
  },
};
