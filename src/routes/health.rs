//! `GET /health`: proves the worker can reach D1 and KV, and says which of the settings a
//! deployment needs are set.

use crate::http::{env_text, json, ApiResult};
use crate::store;
use serde::Serialize;
use worker::{Env, Response};

#[derive(Serialize)]
struct Health {
    ok: bool,
    d1: bool,
    kv: bool,
    /// `VISITOR_SALT` is set: clicks get a visitor hash and can be unique.
    salt: bool,
    /// `PUBLIC_ORIGIN` is set: URLs we hand out don't follow the request's `Host`.
    public_origin: bool,
}

pub async fn get(env: &Env) -> ApiResult<Response> {
    let (d1, kv) = store::ping(env).await;
    let ok = d1 && kv;
    let set = |name| env_text(env, name).is_some_and(|v| !v.is_empty());
    let health = Health { ok, d1, kv, salt: set("VISITOR_SALT"), public_origin: set("PUBLIC_ORIGIN") };
    Ok(json::respond(if ok { 200 } else { 503 }, &health))
}
