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

export default {
  fetch(request, env, ctx) {
    recover();
    try {
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
