//! `GET /health`: proves the worker can reach D1 and KV.

use crate::http::{json, ApiResult};
use crate::store;
use serde::Serialize;
use worker::{Env, Response};

#[derive(Serialize)]
struct Health {
    ok: bool,
    d1: bool,
    kv: bool,
}

pub async fn get(env: &Env) -> ApiResult<Response> {
    let (d1, kv) = store::ping(env).await;
    let ok = d1 && kv;
    Ok(json::respond(if ok { 200 } else { 503 }, &Health { ok, d1, kv }))
}
