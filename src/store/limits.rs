//! Cloudflare's rate-limiting bindings (`[[ratelimits]]` in wrangler.toml; `wrangler dev`
//! simulates them): how many requests a key may make in a period, counted at the edge.

use worker::js_sys::Promise;
use worker::wasm_bindgen::{prelude::wasm_bindgen, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::Env;

#[wasm_bindgen(
    wasm_bindgen = ::worker::wasm_bindgen,
    js_sys = ::worker::js_sys,
    inline_js = "// 1: within the limit, 0: over it, -1: no limiter answered (a missing binding, an error).
export function rl_limit(env, name, key) {
  const b = env[name];
  if (!b || typeof b.limit !== 'function') return Promise.resolve(-1);
  return Promise.resolve().then(() => b.limit({ key })).then((r) => (r && r.success ? 1 : 0), () => -1);
}"
)]
extern "C" {
    fn rl_limit(env: &JsValue, name: &str, key: &str) -> Promise;
}

/// What a limiter said about one more request of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    Limited,
    /// The limiter did not answer: the caller decides whether to fail open.
    Unavailable,
}

/// Counts one request of `key` against the limiter bound as `binding`.
pub async fn check(env: &Env, binding: &str, key: &str) -> Verdict {
    match JsFuture::from(rl_limit(env.as_ref(), binding, key)).await.ok().and_then(|v| v.as_f64()) {
        Some(n) if n > 0.5 => Verdict::Allowed,
        Some(n) if n > -0.5 => Verdict::Limited,
        _ => Verdict::Unavailable,
    }
}
