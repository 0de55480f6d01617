// Bench-only: counts a worker's binding calls. `counted(worker)` wraps a module worker (its
// `fetch` and `queue`); the first event patches the prototypes of the bindings it is handed
// (the real ones or bench/stub-bindings.mjs's), so every call the worker makes is counted
// whatever object it goes through, and the worker runs otherwise unchanged (one increment per
// call):
// - D1: round trips (`calls`: each `first`/`all`/`run`/`raw` of a statement, each `batch`,
//   each `exec`) and statements (a batch counts each of its statements);
// - KV: `get`s (and `getWithMetadata`), `put`s;
// - the CLICKS queue: `send`/`sendBatch` calls and messages;
// - events: fetches (except /__bench/…) and queue batches handed to the consumer, with
//   their messages.
// GET /__bench/calls answers the counts as JSON; DELETE /__bench/calls answers and resets
// them. GET /__bench/clicks?link=ID answers the ids of the link's stored click rows (one per
// line; for the ingest's lost/extra check, not counted).
const zero = () => ({
  requests: 0, d1Calls: 0, d1Statements: 0, kvGets: 0, kvPuts: 0,
  queueSends: 0, queueMessages: 0, consumerBatches: 0, consumerMessages: 0,
});
let c = zero();
const patched = new WeakSet();

function wrap(obj, counts) {
  const proto = obj && Object.getPrototypeOf(obj);
  if (!proto || patched.has(proto)) return;
  patched.add(proto);
  for (const [name, count] of Object.entries(counts)) {
    const orig = proto[name];
    if (typeof orig !== "function") continue;
    proto[name] = function (...args) {
      count(args);
      return orig.apply(this, args);
    };
  }
}

function patch(env) {
  if (env.DB) {
    wrap(env.DB, {
      batch: ([s]) => { c.d1Calls++; c.d1Statements += s?.length ?? 0; },
      exec: () => { c.d1Calls++; c.d1Statements++; },
    });
    const one = () => { c.d1Calls++; c.d1Statements++; };
    wrap(env.DB.prepare("SELECT 1"), { first: one, all: one, run: one, raw: one });
  }
  if (env.LINKS) {
    wrap(env.LINKS, { get: () => c.kvGets++, getWithMetadata: () => c.kvGets++, put: () => c.kvPuts++ });
  }
  if (env.CLICKS) {
    wrap(env.CLICKS, {
      send: () => { c.queueSends++; c.queueMessages++; },
      sendBatch: ([m]) => { c.queueSends++; c.queueMessages += m?.length ?? 0; },
    });
  }
}

async function benchRoute(request, env, url) {
  if (url.pathname === "/__bench/calls") {
    const now = c;
    if (request.method === "DELETE") c = zero();
    return Response.json(now);
  }
  if (url.pathname === "/__bench/clicks") {
    const { results } = await env.DB.prepare("SELECT id FROM clicks WHERE link_id = ?1").bind(url.searchParams.get("link")).all();
    return new Response(results.map((r) => r.id).join("\n"));
  }
  return null;
}

export function counted(worker) {
  return {
    fetch(request, env, ctx) {
      patch(env);
      if (request.url.includes("/__bench/")) {
        const url = new URL(request.url);
        if (url.pathname.startsWith("/__bench/")) return benchRoute(request, env, url).then((r) => r ?? new Response("?", { status: 404 }));
      }
      c.requests++;
      return worker.fetch(request, env, ctx);
    },
    queue(batch, env, ctx) {
      patch(env);
      c.consumerBatches++;
      c.consumerMessages += batch.messages.length;
      return worker.queue(batch, env, ctx);
    },
  };
}
