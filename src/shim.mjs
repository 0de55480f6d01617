// The JS entry of the worker: hands each event to the Rust exports that wasm-bindgen made.
// A plain module-worker object (no class, no proxy): the least glue per request.
import * as wasm from "./index.js";

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

// `GET|HEAD /{code}`. Only the I/O is here: two KV reads, the visitor's headers, the 302.
// What to read, whether the link redirects, where to, and the click after the response are
// decided in Rust (src/routes/redirect.rs): on a KV hit in plain synchronous calls, else
// in Rust's full route, given what was read, which answers errors in the contract's shape.
// Hot links' two KV records, kept in this isolate for HOT_TTL_MS (at most HOT_MAX links, the
// oldest dropped first): a viral link's clicks then read no KV at all. The price is
// staleness: a disabled link, a withdrawn product or an edited URL is seen by this isolate
// at most HOT_TTL_MS late, on top of KV's own propagation (the contract allows 10 s locally),
// and at once when the change was made through this isolate (see `fetch`).
const HOT_TTL_MS = 5000;
const HOT_MAX = 1000;
const hot = new Map();
const API_PATH = /^[a-z]+:\/\/[^/]+\/api\//;

function hotRecords(linkKey, now) {
  const e = hot.get(linkKey);
  if (e === undefined || e.until > now) return e;
  hot.delete(linkKey);
  return undefined;
}

function keepHot(linkKey, link, product, now) {
  if (hot.size >= HOT_MAX) hot.delete(hot.keys().next().value);
  hot.set(linkKey, { link, product, until: now + HOT_TTL_MS });
}

async function redirect(request, env, ctx, linkKey, get) {
  const now = Date.now();
  let link, product;
  const kept = hotRecords(linkKey, now);
  if (kept !== undefined) {
    ({ link, product } = kept);
  } else {
    const kv = env.LINKS;
    link = kv === undefined ? null : await read(kv, linkKey);
    const productKey = link === null ? undefined : wasm.redirect_product_key(link);
    product = productKey === undefined ? null : await read(kv, productKey);
    if (product !== null) keepHot(linkKey, link, product, now);
  }
  // What a GET's click keeps of the visitor, as one string (src/routes/redirect.rs, `Visit`):
  // user agent, IP, referer, country joined by "\n" (no header value holds one; an absent
  // one joins as ""). HEAD records no click.
  let visit;
  if (get) {
    const h = request.headers;
    visit = [h.get("user-agent"), h.get("cf-connecting-ip"), h.get("referer"), request.cf?.country].join("\n");
  }
  if (product !== null) {
    const location = wasm.redirect_location(linkKey, link, product, env, ctx, visit);
    if (location !== undefined) return found(location);
  }
  const answer = await wasm.redirect_fallback(linkKey, link ?? undefined, product ?? undefined, env, ctx, visit);
  return typeof answer === "string" ? found(answer) : answer;
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
        const linkKey = wasm.redirect_link_key(request.url);
        if (linkKey !== undefined) return redirect(request, env, ctx, linkKey, method === "GET").catch(guard);
      }
      // A write through the API in this isolate (a link disabled, a product withdrawn or
      // edited) forgets the hot links at once, so this isolate never serves a change late;
      // other isolates take it up within HOT_TTL_MS.
      // (Webhooks don't: orders change no link record, and a viral link's orders would
      // otherwise empty the cache as fast as its clicks fill it.)
      if (method !== "GET" && method !== "HEAD" && API_PATH.test(request.url)) hot.clear();
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
