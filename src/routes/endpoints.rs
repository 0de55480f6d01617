//! `POST|GET /api/webhook-endpoints`, `DELETE /api/webhook-endpoints/{id}`,
//! `POST /api/webhook-endpoints/{id}/test`, `GET /api/webhook-endpoints/{id}/deliveries`:
//! where a brand or a creator hears of its events (`delivery.rs` sends them).

use crate::clock::now_ms;
use crate::domain::events::{endpoint_url, subscription};
use crate::domain::ids::{self, prefix};
use crate::http::auth;
use crate::http::page::{self, query_pairs};
use crate::http::response::respond;
use crate::http::{env_text, json, ApiError, ApiResult};
use crate::store;
use crate::store::events::{self, EndpointRow};
use crate::store::Owner;
use crate::views::endpoints::{render_delivery, render_endpoint};
use base64::{engine::general_purpose::STANDARD, Engine};
use serde::Serialize;
use worker::{worker_sys, Env, Request, Response};

#[derive(Serialize)]
struct Sent {
    id: String,
    #[serde(rename = "type")]
    kind: &'static str,
}

struct NewEndpoint {
    url: String,
    events: Option<Vec<String>>,
}

impl NewEndpoint {
    fn read(b: &json::Body) -> ApiResult<NewEndpoint> {
        Ok(NewEndpoint { url: b.text("url")?, events: b.opt_texts("events")? })
    }
}

pub async fn create(mut req: Request, env: &Env) -> ApiResult<Response> {
    let principal = auth::authenticate(&req, env).await?;
    let owner = principal.owner()?;
    let body = NewEndpoint::read(&json::body(&mut req).await?)?;
    let allow_http = env_text(env, "ALLOW_HTTP_WEBHOOKS").is_some_and(|v| v == "true");
    let url = endpoint_url(body.url.trim(), allow_http).map_err(ApiError::invalid)?;
    let events = subscription(body.events.as_deref()).map_err(ApiError::invalid)?;
    let key = ids::random_bytes::<32>().map_err(ApiError::internal)?;
    let (brand_id, creator_id) = match owner {
        Owner::Brand(id) => (Some(id.to_string()), None),
        Owner::Creator(id) => (None, Some(id.to_string())),
    };
    let row = EndpointRow {
        id: ids::new_id(prefix::ENDPOINT).map_err(ApiError::internal)?,
        brand_id,
        creator_id,
        url,
        events,
        secret: format!("whsec_{}", STANDARD.encode(key)),
        active: true,
        created_at: now_ms(),
    };
    events::insert_endpoint(&store::db(env)?, &row).await?;
    json::created(&render_endpoint(row, true))
}

pub async fn list(req: Request, env: &Env) -> ApiResult<Response> {
    let principal = auth::authenticate(&req, env).await?;
    let owner = principal.owner()?;
    let page_req = page::keyset(&query_pairs(&req))?;
    let rows = events::endpoints(&store::db(env)?, owner, &page_req).await?;
    json::ok(&page::page(rows, &page_req, |e| (e.created_at, e.id.clone()), |e| render_endpoint(e, false)))
}

/// Switches the endpoint off: it gets no more events; its deliveries stay readable.
pub async fn delete(req: Request, env: &Env, id: &str) -> ApiResult<Response> {
    let principal = auth::authenticate(&req, env).await?;
    let row = events::deactivate(&store::db(env)?, principal.owner()?, id)
        .await?
        .ok_or_else(|| ApiError::not_found("webhook endpoint"))?;
    json::ok(&render_endpoint(row, false))
}

/// Sends the endpoint a `ping` (through the queue, like every event): 202 with its id.
pub async fn test(req: Request, env: &Env, ctx: &worker_sys::Context, id: &str) -> ApiResult<Response> {
    let principal = auth::authenticate(&req, env).await?;
    let owner = principal.owner()?;
    let db = store::db(env)?;
    let endpoint = events::endpoint(&db, owner, id).await?.ok_or_else(|| ApiError::not_found("webhook endpoint"))?;
    let event_id = ids::new_id(prefix::EVENT).map_err(ApiError::internal)?;
    events::ping(&db, &endpoint, &event_id, now_ms()).await?;
    events::drain_after_response(ctx, env, now_ms());
    Ok(respond(202, &Sent { id: event_id, kind: "ping" }))
}

/// The endpoint's delivery attempts, newest first.
pub async fn deliveries(req: Request, env: &Env, id: &str) -> ApiResult<Response> {
    let principal = auth::authenticate(&req, env).await?;
    let owner = principal.owner()?;
    let db = store::db(env)?;
    let endpoint = events::endpoint(&db, owner, id).await?.ok_or_else(|| ApiError::not_found("webhook endpoint"))?;
    let page_req = page::keyset(&query_pairs(&req))?;
    let rows = events::deliveries(&db, &endpoint.id, &page_req).await?;
    json::ok(&page::page(rows, &page_req, |d| (d.created_at, d.id.clone()), render_delivery))
}
