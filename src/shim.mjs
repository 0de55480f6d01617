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

// `GET|HEAD /{code}` on a KV hit. Only the I/O is here — two KV reads and the 302; what
// to read, whether the link redirects, where to, and the click after the response are
// decided in Rust (src/routes/redirect.rs), in plain synchronous calls. Anything else (a
// miss, a disabled link) goes to Rust's full route, which answers in the contract's shape.
async function redirect(request, env, ctx, linkKey, get) {
  const kv = env.LINKS;
  const link = kv === undefined ? null : await read(kv, linkKey);
  const productKey = link === null ? undefined : wasm.redirect_product_key(link);
  const product = productKey === undefined ? null : await read(kv, productKey);
  let location;
  if (product !== null) {
    const url = request.url;
    if (get) {
      const h = request.headers;
      location = wasm.redirect_location(url, link, product, env, ctx,
        h.get("user-agent"), h.get("cf-connecting-ip"), h.get("referer"), request.cf?.country);
    } else {
      location = wasm.redirect_location(url, link, product);
    }
  }
  // The full route, given what was read so that KV isn't read twice.
  if (location === undefined) return wasm.redirect_fallback(request, env, ctx, link ?? undefined, product ?? undefined);
  return new Response(null, {
    status: 302,
    headers: {
      location,
      "cache-control": "private, no-store",
      "referrer-policy": "no-referrer-when-downgrade",
    },
  });
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
      return wasm.fetch(request, env, ctx).catch(guard);
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
