// The JS entry of the worker: hands each event to the Rust exports that wasm-bindgen made.
// A plain module-worker object (no class, no proxy): the least glue per request.
import * as wasm from "./index.js";

// The live sessions' fan-out (one Durable Object each; wrangler.toml binds it as LIVE_ROOMS).
export { LiveRoom } from "./live_room.mjs";

// `worker` marks the instance broken when Rust panics (panic = abort traps the wasm);
// the next event then starts from a fresh wasm instance instead of a poisoned one.
const state = wasm.__worker_init_state();

function recover() {
  if (state.criticalError) {
    wasm.__wbg_reset_state();
    state.criticalError = false;
    state.instanceId++;
  }
}

function guard(e) {
  if (e instanceof WebAssembly.RuntimeError) state.criticalError = true;
  throw e;
}

const read = (kv, key) => kv.get(key).catch(() => null); // a failed read is a miss

// The redirect's 302 (the one place it is made).
function found(location) {
  return new Response(null, {
    status: 302,
    headers: {
      location,
      "cache-control": "private, no-store",
      "referrer-policy": "no-referrer-when-downgrade",
    },
  });
}

// The clicks of this isolate waiting for their queue message, as JSON texts (see
// src/store/clicks.rs): sent at CLICKS_PER_MESSAGE clicks or CLICK_FLUSH_MS after the first,
// inside `waitUntil`. Kept here rather than in wasm so that a wasm reset loses none.
const CLICKS_PER_MESSAGE = wasm.clicks_per_message();
const CLICK_FLUSH_MS = wasm.click_flush_ms();
let open = null;

function send(env, m) {
  if (m.sent) return undefined;
  m.sent = true;
  if (open === m) open = null;
  if (env.CLICKS === undefined) return console.error(`no CLICKS queue binding: ${m.clicks.length} clicks not queued`);
  // env.CLICKS: store::clicks (the CLICKS queue binding in wrangler.toml)
  return env.CLICKS.send(`[${m.clicks.join(",")}]`, { contentType: "text" }).catch((e) => console.error(`${m.clicks.length} clicks not queued: ${e}`));
}

function queueClick(env, ctx, click) {
  let m = open;
  if (m === null) {
    m = open = { clicks: [], sent: false };
    // The isolate's first click of a message keeps its request alive until it is sent.
    ctx.waitUntil(new Promise((r) => setTimeout(r, CLICK_FLUSH_MS)).then(() => send(env, m)));
  }
  m.clicks.push(click);
  if (m.clicks.length >= CLICKS_PER_MESSAGE) ctx.waitUntil(send(env, m));
}

// A redirect as Rust answers it (src/routes/redirect.rs): the Location, and for a GET a "\n"
// and the click for the queue.
function redirected(answer, env, ctx) {
  const nl = answer.indexOf("\n");
  if (nl < 0) return found(answer);
  queueClick(env, ctx, answer.slice(nl + 1));
  return found(answer.slice(0, nl));
}

// `GET|HEAD /{code}`. Only the I/O is here: the KV reads, the visitor's headers, the 302, the
// click's queue message. What to read, whether the link redirects, where to, and the click
// are decided in Rust (src/routes/redirect.rs): a hot link (kept in Rust for a few seconds,
// src/store/hot_links.rs) in `redirect_hot`, called first from `fetch`; on a KV hit in plain
// synchronous calls; else in Rust's full route, given what was read, which answers errors
// in the contract's shape.
async function redirect(env, ctx, linkKey, visit) {
  const kv = env.LINKS;
  const link = kv === undefined ? null : await read(kv, linkKey);
  const productKey = link === null ? undefined : wasm.redirect_product_key(link);
  const product = productKey === undefined ? null : await read(kv, productKey);
  if (product !== null) {
    const answer = wasm.redirect_location(linkKey, link, product, env, visit);
    if (answer !== undefined) return redirected(answer, env, ctx);
  }
  const answer = await wasm.redirect_fallback(linkKey, link ?? undefined, product ?? undefined, env, ctx, visit);
  return typeof answer === "string" ? redirected(answer, env, ctx) : answer;
}

// An API path: a write to one forgets the hot links (see `fetch`).
const API_PATH = /^[a-z]+:\/\/[^/]+\/api\//;

// What a GET's click keeps of the visitor, as one string (src/routes/redirect.rs, `Visit`):
// user agent, IP, referer, country joined by "\n" (no header value holds one; an absent one
// joins as "").
function visitOf(request) {
  const h = request.headers;
  return `${h.get("user-agent") ?? ""}\n${h.get("cf-connecting-ip") ?? ""}\n${h.get("referer") ?? ""}\n${request.cf?.country ?? ""}`;
}

// Live sessions: the viewers' sockets and the pushes to them (src/live_room.mjs). Rust answers
// the feed and every change; here a socket is handed to the session's room, a change that
// succeeded is pushed to it as the feed Rust renders, and the feed gains the room's count.
// route: GET /api/live/{id}/socket
const LIVE_SOCKET = /^[a-z]+:\/\/[^/]+\/api\/live\/([^/?]{1,80})\/socket(?:\?.*)?$/;
const LIVE_FEED = /^[a-z]+:\/\/[^/]+\/api\/live\/(ls_[0-9A-Za-z]{1,64})(?:\?.*)?$/;
const LIVE_CHANGE = /^[a-z]+:\/\/[^/]+\/api\/live-sessions\/(ls_[0-9A-Za-z]{1,64})\/(?:pins(?:\/[^/?]*)?|end)(?:\?.*)?$/;

const room = (env, id) => env.LIVE_ROOMS.get(env.LIVE_ROOMS.idFromName(id));
const feedRequest = (url, id) => new Request(new URL(`/api/live/${id}`, url));

function apiError(status, code, message) {
  return new Response(JSON.stringify({ error: { code, message } }), {
    status,
    headers: { "content-type": "application/json; charset=utf-8" },
  });
}

async function liveSocket(request, env, ctx, id) {
  if ((request.headers.get("upgrade") ?? "").toLowerCase() !== "websocket") {
    return apiError(426, "upgrade_required", "this is a WebSocket: send Upgrade: websocket, or poll GET /api/live/{id}");
  }
  if (env.LIVE_ROOMS === undefined) return apiError(503, "unavailable", "live sockets are not set up here: poll the feed");
  // Only a session that exists gets a room (its 404 is the feed's).
  const feed = await wasm.fetch(feedRequest(request.url, id), env, ctx);
  if (!feed.ok) return feed;
  return room(env, id).fetch("https://room/socket", { headers: { upgrade: "websocket" } });
}

async function withViewers(answer, env, id) {
  if (answer.status !== 200) return answer;
  const feed = await answer.json();
  let viewers = 0;
  if (env.LIVE_ROOMS !== undefined) {
    try {
      viewers = (await (await room(env, id).fetch("https://room/viewers")).json()).viewers;
    } catch (e) {
      console.error(`live room ${id}: no viewer count (${e})`);
    }
  }
  const headers = new Headers(answer.headers);
  headers.delete("content-length");
  return new Response(JSON.stringify({ ...feed, viewers }), { status: 200, headers });
}

async function push(url, env, ctx, id) {
  try {
    const feed = await wasm.fetch(feedRequest(url, id), env, ctx);
    if (feed.ok) await room(env, id).fetch("https://room/push", { method: "POST", body: await feed.text() });
  } catch (e) {
    // The viewers' pages poll when no push comes; the change itself is saved.
    console.error(`live room ${id}: push failed (${e})`);
  }
}

// One message at a time, in the order they came: an order's events reach an endpoint in
// the order they happened.
async function deliverEvents(batch, env) {
  for (const m of batch.messages) {
    try {
      const next = await wasm.deliver_event(env, String(m.body));
      if (next >= 0) m.retry({ delaySeconds: next });
      else m.ack();
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError) state.criticalError = true;
      m.retry({ delaySeconds: 1 });
    }
  }
}

export default {
  fetch(request, env, ctx) {
    recover();
    try {
      const method = request.method;
      if (method === "GET" || method === "HEAD") {
        const url = request.url;
        // HEAD records no click: no visitor.
        const visit = method === "GET" ? visitOf(request) : undefined;
        const hot = wasm.redirect_hot(visit === undefined ? url : `${url}\n${visit}`);
        if (hot !== undefined) return redirected(hot, env, ctx);
        const linkKey = wasm.redirect_link_key(url);
        if (linkKey !== undefined) return redirect(env, ctx, linkKey, visit).catch(guard);
      }
      // A write through the API in this isolate (a link disabled, a product withdrawn or
      // edited) forgets the hot links at once, so this isolate never serves a change late;
      // other isolates take it up within src/store/hot_links.rs's TTL.
      // (Webhooks don't: orders change no link record, and a viral link's orders would
      // otherwise empty the cache as fast as its clicks fill it.)
      if (method !== "GET" && method !== "HEAD" && API_PATH.test(request.url)) wasm.forget_hot_links();
      if (method === "GET") {
        const socket = LIVE_SOCKET.exec(request.url);
        if (socket !== null) return liveSocket(request, env, ctx, socket[1]).catch(guard);
        const feed = LIVE_FEED.exec(request.url);
        if (feed !== null) return wasm.fetch(request, env, ctx).then((a) => withViewers(a, env, feed[1]), guard);
      } else if (method === "POST" || method === "DELETE" || method === "PATCH") {
        const change = LIVE_CHANGE.exec(request.url);
        if (change !== null && env.LIVE_ROOMS !== undefined) {
          return wasm.fetch(request, env, ctx).then((a) => {
            if (a.ok) ctx.waitUntil(push(request.url, env, ctx, change[1]));
            return a;
          }, guard);
        }
      }
      return wasm.fetch(request, env, ctx).catch(guard);
    } catch (e) {
      guard(e);
    }
  },
  // The CLICKS queue (src/store/clicks.rs): Rust makes the one D1 batch that stores the
  // queue batch; it runs here. A rejection makes the queue deliver the batch again.
  // The EVENTS queue (src/delivery.rs): one event a message, sent by Rust; it answers when
  // to try again (in seconds), or -1 when the message is done with.
  queue(batch, env) {
    recover();
    try {
      if (batch.queue === "events") return deliverEvents(batch, env);
      const statements = JSON.parse(wasm.click_batch(batch.messages.map((m) => m.body).join("\n")));
      // env.DB: store::D1_BINDING
      return env.DB.batch(statements.map(([sql, params]) => env.DB.prepare(sql).bind(...params))).then(
        () => undefined,
        (e) => {
          console.error("click batch not stored (the queue will retry it): " + e);
          throw e;
        },
      );
    } catch (e) {
      guard(e);
    }
  },
  scheduled(event, env, ctx) {
    recover();
    try {
      return wasm.scheduled(event, env, ctx).catch(guard);
    } catch (e) {
      guard(e);
    }
  },
};
