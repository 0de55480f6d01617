//! `POST /api/sessions`, `DELETE /api/sessions`, `GET /api/me`: the dashboard's sign-in.
//! A key is exchanged once for an `HttpOnly` cookie, so the key never stays in the
//! browser; the session is stored as its token's SHA-256 (`store::sessions`).

use crate::clock::now_ms;
use crate::domain::ids;
use crate::http::auth::{self, Principal, SESSION_COOKIE, SESSION_SECONDS};
use crate::http::{json, ApiError, ApiResult};
use crate::store::{self, keys::Role};
use serde::Serialize;
use worker::{Env, Request, Response};

/// Sign-in attempts per client IP per minute (`[[ratelimits]]` LOGIN_LIMITER).
const LOGIN_LIMITER: &str = "LOGIN_LIMITER";

/// `{role, id, name}`: who a session or a key is.
#[derive(Serialize)]
struct Me<'a> {
    role: &'static str,
    id: Option<&'a str>,
    name: &'a str,
}

impl<'a> Me<'a> {
    fn of(p: &'a Principal) -> Me<'a> {
        let (role, id) = p.role_and_id();
        let name = match p {
            Principal::Admin => "admin",
            Principal::Brand(b) => &b.name,
            Principal::Creator(c) => &c.handle,
        };
        Me { role: role.as_str(), id, name }
    }
}

fn cookie(token: &str, max_age: i64) -> String {
    format!("{SESSION_COOKIE}={token}; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age={max_age}")
}

/// `POST /api/sessions` `{api_key}` → 201 `{role, id, name}` and the session cookie (12 h).
/// Every attempt counts against its IP's limit, so a guess past the limit is never checked.
/// A browser's sign-in must come from this origin: a page elsewhere must not sign a visitor
/// in under its own key (login CSRF); a client with no `Origin` (curl, a server) may.
pub async fn create(mut req: Request, env: &Env) -> ApiResult<Response> {
    if req.headers().get("origin").ok().flatten().is_some() && !auth::same_origin(&req, env) {
        return Err(auth::cross_origin());
    }
    let ip = req.headers().get("cf-connecting-ip").ok().flatten().unwrap_or_default();
    auth::limit(env, LOGIN_LIMITER, &ip).await?;
    let key = json::body(&mut req).await?.text("api_key")?;
    let principal =
        auth::principal_of_key(env, key.trim()).await?.ok_or_else(|| ApiError::unauthorized("unknown key"))?;
    let token = ids::new_api_key("ss").map_err(ApiError::internal)?;
    let role = principal.role_and_id().0;
    let key_hash = (role != Role::Admin).then(|| ids::hash_key(key.trim()));
    let now = now_ms();
    let db = store::db(env)?;
    store::sessions::insert(&db, &ids::hash_key(&token), role, key_hash.as_deref(), now, now + SESSION_SECONDS * 1000)
        .await?;
    let mut response = json::created(&Me::of(&principal))?;
    response.headers_mut().set("set-cookie", &cookie(&token, SESSION_SECONDS))?;
    Ok(response)
}

/// `DELETE /api/sessions` → 204: the session ends (its row is deleted, the cookie cleared);
/// again, or without one, 204 too.
pub async fn delete(req: Request, env: &Env) -> ApiResult<Response> {
    if let Some(token) = auth::session_token(&req) {
        if !auth::same_origin(&req, env) {
            return Err(auth::cross_origin());
        }
        store::sessions::delete(&store::db(env)?, &ids::hash_key(&token)).await?;
    }
    let mut response = Response::empty()?.with_status(204);
    response.headers_mut().set("set-cookie", &cookie("", 0))?;
    Ok(response)
}

/// `GET /api/me` → `{role, id, name}` of the key or session.
pub async fn me(req: Request, env: &Env) -> ApiResult<Response> {
    let principal = auth::authenticate(&req, env).await?;
    json::ok(&Me::of(&principal))
}
