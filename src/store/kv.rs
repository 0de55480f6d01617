//! Our own KV binding: a key and a text value in, a promise out. `worker`'s `KvStore::put`
//! takes any serializable value, which compiles a generic serializer (float formatting
//! included) into the wasm for the one kind of value we write: text.

use super::error::{StoreError, StoreResult};
use worker::js_sys::{self, Promise};
use worker::wasm_bindgen::{prelude::wasm_bindgen, JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::{worker_sys, Env};

#[wasm_bindgen(
    wasm_bindgen = ::worker::wasm_bindgen,
    js_sys = ::worker::js_sys,
    inline_js = "const BACKOFF_MS = [50, 200, 800];
export async function kv_put(kv, key, value) {
  for (let i = 0; ; i++) {
    try { return await kv.put(key, value); } catch (e) {
      if (i >= BACKOFF_MS.length) throw e;
      await new Promise((r) => setTimeout(r, BACKOFF_MS[i]));
    }
  }
}
export function kv_get(kv, key) { return kv.get(key); }
export function kv_put_after_response(ctx, kv, entries) {
  const put = ([key, value]) =>
    kv_put(kv, key, value).catch((e) => console.error('KV fill of ' + key + ' failed (a click will read D1): ' + e));
  ctx.waitUntil(Promise.all(JSON.parse(entries).map(put)));
}"
)]
extern "C" {
    /// A KV namespace binding.
    pub type Kv;

    fn kv_put(kv: &Kv, key: &str, value: &str) -> Promise;
    fn kv_get(kv: &Kv, key: &str) -> Promise;
    fn kv_put_after_response(ctx: &worker_sys::Context, kv: &Kv, entries: &str);
}

/// Writes `entries` (`[[key, value], ...]` as JSON) after the response, from JS inside
/// `waitUntil`; a failure is logged there.
pub fn put_after_response(ctx: &worker_sys::Context, kv: &Kv, entries: &str) {
    kv_put_after_response(ctx, kv, entries);
}

fn failed(e: JsValue) -> StoreError {
    StoreError::Kv(e.as_string().unwrap_or_else(|| format!("{e:?}")))
}

impl Kv {
    /// The binding `name` of `env`; an error when there is none.
    pub fn binding(env: &Env, name: &str) -> StoreResult<Kv> {
        match js_sys::Reflect::get(env.as_ref(), &JsValue::from_str(name)) {
            Ok(v) if !v.is_undefined() => Ok(v.unchecked_into()),
            _ => Err(StoreError::Kv(format!("no KV binding {name}"))),
        }
    }

    /// Retried from JS with growing pauses (50, 200, 800 ms): KV refuses more than one write
    /// of a key per second in production, and local KV's SQLite answers "database is locked"
    /// under a burst of writes; both pass within a second.
    pub async fn put(&self, key: &str, value: &str) -> StoreResult<()> {
        JsFuture::from(kv_put(self, key, value)).await.map(drop).map_err(failed)
    }

    /// The value at `key` as text; `None` when there is none.
    pub async fn get(&self, key: &str) -> StoreResult<Option<String>> {
        JsFuture::from(kv_get(self, key)).await.map(|v| v.as_string()).map_err(failed)
    }
}
