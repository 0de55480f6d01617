// Bench-only entry: the built worker (shim.mjs) with D1 calls counted. Every D1 round trip
// the worker can make goes through one of these methods (a batch is one round trip).
// GET /__bench/d1 answers the count; DELETE /__bench/d1 answers it and resets it.
import worker from "./shim.mjs";

let count = 0;
let patched = false;

function patch(env) {
  if (patched) return;
  patched = true;
  const wrap = (proto, names) => {
    for (const n of names) {
      const orig = proto[n];
      if (typeof orig !== "function") continue;
      proto[n] = function (...args) {
        count++;
        return orig.apply(this, args);
      };
    }
  };
  wrap(Object.getPrototypeOf(env.DB), ["batch", "exec"]);
  wrap(Object.getPrototypeOf(env.DB.prepare("SELECT 1")), ["first", "all", "run", "raw"]);
}

export default {
  fetch(request, env, ctx) {
    patch(env);
    if (new URL(request.url).pathname === "/__bench/d1") {
      const c = count;
      if (request.method === "DELETE") count = 0;
      return new Response(String(c));
    }
    return worker.fetch(request, env, ctx);
  },
};
