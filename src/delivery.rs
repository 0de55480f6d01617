//! The `EVENTS` queue's consumer: sends one event to every endpoint that still has to get
//! it, signed as Standard Webhooks, and says when to try again. At least once: an attempt
//! is recorded after it is made, so a consumer that dies in between sends it again; an
//! endpoint that answered 2xx is never sent the event again.

use crate::clock::now_ms;
use crate::domain::attribution::format_rfc3339_ms;
use crate::domain::events::{
    endpoint_url, envelope, headers, json_str, retry_delay_secs, DEFAULT_RETRY_BASE_MS, MAX_ATTEMPTS, TIMEOUT_MS,
};
use crate::domain::ids::{self, prefix};
use crate::http::env_text;
use crate::panic;
use crate::store::events::{self, Attempt, EventRow};
use crate::store::payouts;
use crate::store::{self, orders, Db, Owner, StoreError, StoreResult};
use crate::views::ledger::{render_entry, render_order};
use crate::views::payouts::render_payout;
use crate::webhooks::sign_standard;
use worker::wasm_bindgen::{prelude::wasm_bindgen, JsValue};
use worker::{console_error, Env};

/// Delivers event `id`; answers `-1` when it is done with (sent everywhere, given up, or
/// gone) and the queue may forget the message, else the seconds to wait before the next
/// round.
#[wasm_bindgen(wasm_bindgen = ::worker::wasm_bindgen, wasm_bindgen_futures = ::worker::wasm_bindgen_futures, js_sys = ::worker::js_sys)]
pub async fn deliver_event(env: Env, id: String) -> Result<JsValue, JsValue> {
    panic::install_hook();
    match deliver(&env, &id).await {
        Ok(next) => Ok(JsValue::from_f64(next.map_or(-1.0, f64::from))),
        Err(e) => {
            // The queue delivers the message again.
            console_error!("event {id} not delivered: {e}");
            Err(JsValue::from_str(&e.to_string()))
        }
    }
}

async fn deliver(env: &Env, id: &str) -> StoreResult<Option<u32>> {
    let db = store::db(env)?;
    let Some(event) = events::event(&db, id).await? else { return Ok(None) };
    if event.done_at.is_some() {
        return Ok(None);
    }
    let targets = events::targets(&db, &event).await?;
    let now = now_ms();
    if targets.is_empty() {
        events::record(&db, id, &[], true, now).await?;
        return Ok(None);
    }
    let body = match &event.body {
        Some(b) => b.clone(),
        None => events::fix_body(&db, id, &render(&db, &event).await?).await?,
    };
    let base_ms = env_text(env, "WEBHOOK_RETRY_BASE_MS").and_then(|v| v.parse().ok()).unwrap_or(DEFAULT_RETRY_BASE_MS);
    let timestamp = now / 1000;
    let allow_local_http = env_text(env, "ALLOW_HTTP_WEBHOOKS").is_some_and(|v| v == "true");
    let mut attempts = Vec::with_capacity(targets.len());
    let mut next: Option<u32> = None;
    for t in &targets {
        let attempt = t.attempts + 1;
        // The URL is checked again as it is sent to (the rules may be stricter now than when
        // it was registered: local http is allowed only while ALLOW_HTTP_WEBHOOKS is true).
        let allowed = endpoint_url(&t.url, allow_local_http).is_ok();
        let status = match sign_standard(&t.secret, id, timestamp, &body) {
            Some(signature) if allowed => {
                events::post(&t.url, &headers(id, timestamp, &signature), &body, TIMEOUT_MS).await
            }
            _ => 0,
        };
        let ok = (200..300).contains(&status);
        let last = !ok && attempt >= i64::from(MAX_ATTEMPTS);
        if !ok && !last {
            let wait = retry_delay_secs(base_ms, attempt as u32);
            next = Some(next.map_or(wait, |n| n.min(wait)));
        }
        let delivery_id = ids::new_id(prefix::DELIVERY).map_err(|e| StoreError::D1(e.to_string()))?;
        attempts.push(Attempt { id: delivery_id, endpoint_id: &t.id, attempt, status, ok, last });
    }
    events::record(&db, id, &attempts, next.is_none(), now_ms()).await?;
    Ok(next)
}

/// The event's body: its record as the API shows it now (fixed at the first attempt).
async fn render(db: &Db, e: &EventRow) -> StoreResult<String> {
    let brand = e.brand_id.as_deref().unwrap_or_default();
    let data = match e.kind.as_str() {
        "order.attributed" => {
            orders::order_by_id(db, brand, &e.subject_id).await?.map(|o| serde_json::to_string(&render_order(o)))
        }
        "payout.created" | "payout.paid" => payouts::get(db, Owner::Brand(brand), &e.subject_id)
            .await?
            .map(|p| serde_json::to_string(&render_payout(p))),
        "ping" => Some(Ok(format!("{{\"endpoint_id\":{}}}", json_str(&e.subject_id)))),
        _ => orders::entry_by_id(db, &e.subject_id).await?.map(|c| serde_json::to_string(&render_entry(c))),
    };
    let data = data
        .ok_or_else(|| StoreError::D1(format!("the record of event {} is gone", e.id)))?
        .map_err(|err| StoreError::D1(err.to_string()))?;
    Ok(envelope(&e.id, &e.kind, &format_rfc3339_ms(e.created_at), &data))
}
