//! affiliate-edge: creator-commerce short links, signed order webhooks and an exact
//! commission ledger, as a Cloudflare Worker.
//!
//! Layout: `domain` is pure logic, `webhooks` the pure signature and payload code,
//! `store` every D1/KV access, `views` the contract's shapes, `routes` the HTTP surfaces,
//! `http` their shared plumbing. Imports point down: routes → http, views → store → domain.

pub mod clock;
pub mod delivery;
pub mod domain;
pub mod http;
pub mod panic;
pub mod routes;
pub mod store;
pub mod views;
pub mod webhooks;

use worker::wasm_bindgen::{prelude::wasm_bindgen, JsValue};
use worker::{console_error, event, web_sys, Env, ScheduleContext, ScheduledEvent};

/// The fetch event for what `src/shim.mjs` doesn't answer itself, exported by hand rather
/// than through `#[event(fetch)]` so that the shim can take the redirect first
/// (`routes::redirect`). A `GET|HEAD /{code}` reaching this has a code that can't exist,
/// and gets the redirect's 404; every other route gets exactly what `#[event(fetch)]`
/// would give it.
#[wasm_bindgen(
    wasm_bindgen = ::worker::wasm_bindgen,
    wasm_bindgen_futures = ::worker::wasm_bindgen_futures,
    js_sys = ::worker::js_sys
)]
pub async fn fetch(req: web_sys::Request, env: Env, ctx: worker::worker_sys::Context) -> Result<JsValue, JsValue> {
    std::panic::AssertUnwindSafe(async move {
        panic::install_hook();
        let method = req.method();
        let res =
            if (method == "GET" || method == "HEAD") && routes::redirect_code(routes::path_of(&req.url())).is_some() {
                http::ApiError::not_found("link").into_response()
            } else {
                routes::dispatch(req.into(), env, ctx).await.unwrap_or_else(|e| e.into_response())
            };
        Ok(web_sys::Response::from(res).into())
    })
    .await
}

/// The `CLICKS` queue's consumer, its decisions: `bodies` are a batch's message bodies, one a
/// line (each a JSON array of clicks; see `store::clicks`); the answer is the one D1 batch
/// that stores them, `[[sql, params], ...]`, which `src/shim.mjs` runs. A failing batch
/// rejects there, so the queue delivers it again (and a batch stored twice counts once).
#[wasm_bindgen(wasm_bindgen = ::worker::wasm_bindgen)]
pub fn click_batch(bodies: &str) -> Result<String, JsValue> {
    panic::install_hook();
    let token = domain::ids::new_id("ing").map_err(|e| JsValue::from_str(&e.to_string()))?;
    let messages: Vec<&str> = bodies.lines().filter(|l| !l.is_empty()).collect();
    store::clicks::ingest_batch_json(&messages, &token).map_err(|e| JsValue::from_str(&e.to_string()))
}

/// The cron trigger (and `GET /__scheduled` under `wrangler dev --test-scheduled`):
/// approves commissions whose hold has passed, hands waiting events to the queue, and
/// deletes expired sessions and raw click rows too old to attribute.
#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    panic::install_hook();
    let now = clock::now_ms();
    let run = async {
        let db = store::db(&env)?;
        store::orders::approve_due(&db, now).await?;
        // Events the approvals wrote, and any a failed hand-over left behind.
        store::events::drain(&env, now).await;
        store::sessions::prune(&db, now).await?;
        store::clicks::prune(&db, now).await
    };
    if let Err(e) = run.await {
        console_error!("scheduled job failed: {e}");
    }
}
