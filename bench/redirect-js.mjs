// The hand-written JS counterpart of the Rust redirect, for `npm run bench` only.
// Same KV records (src/store/link_cache.rs), same click id shape, same 302 headers, and the
// same click write after the response: one INSERT into D1 that reads the rate lock and
// decides uniqueness.
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

function clickId() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  let n = 0n;
  for (const x of b) n = (n << 8n) | BigInt(x);
  let s = "";
  for (let i = 0; i < 22; i++) { s = B62[Number(n % 62n)] + s; n /= 62n; }
  return "clk_" + s;
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

async function recordClick(env, code, link, id, visit) {
  const now = Date.now();
  const isBot = botClass(visit.ua) !== null;
  const hash = await hex256([env.VISITOR_SALT ?? "", visit.ip, visit.ua ?? ""]);
  let referrer = null;
  try { referrer = visit.referer ? new URL(visit.referer.trim()).hostname.toLowerCase() || null : null; } catch {}
  const r = await env.DB.prepare(INSERT_CLICK)
    .bind(id, link.linkId, code, link.creatorId, link.brandId, link.productId, link.live, now,
      visit.country, isBot ? (visit.ua?.trim() ? "bot" : "unknown") : device(visit.ua), referrer, hash, isBot ? 1 : 0, isBot ? 0 : 1, now - UNIQUE_WINDOW_MS)
    .run();
  if (!r.meta.changes) throw new Error("product of a followed link is gone");
}

function error(status, code, message) {
  return Response.json({ error: { code, message } }, { status });
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    const code = url.pathname.slice(1).replace(/\/$/, "");
    const get = request.method === "GET";
    if (!(get || request.method === "HEAD") || !CODE_RE.test(code)) return error(404, "not_found", "link not found");
    const link = decodeLink(await env.LINKS.get("link:" + code));
    const product = link && decodeProduct(await env.LINKS.get("product:" + link.productId));
    if (!link || !product) return error(404, "not_found", "link not found");
    if (!link.active) return error(410, "gone", "this link has been disabled");
    if (!product.active) return error(410, "gone", "this product is no longer available");
    const id = clickId();
    const loc = location(product.destination, product.clickParam, id);
    if (!loc) return error(500, "internal", "internal error");
    const res = new Response(null, {
      status: 302,
      headers: { location: loc, "cache-control": "private, no-store", "referrer-policy": "no-referrer-when-downgrade" },
    });
    if (get) {
      const h = request.headers;
      const visit = { ua: h.get("user-agent"), ip: h.get("cf-connecting-ip") ?? "", referer: h.get("referer"), country: request.cf?.country ?? null };
      ctx.waitUntil(recordClick(env, code, link, id, visit).catch((e) => console.error(`click ${id} not recorded: ${e}`)));
    }
    return res;
  },
};
