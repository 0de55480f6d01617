//! Live shopping: a creator's sessions and pins (`/api/live-sessions…`), the public feed
//! (`GET /api/live/{id}`) and the viewers' page (`GET /live/{id}`, rendered in
//! `views::live_page`).

use super::links::make_link;
use crate::clock::now_ms;
use crate::domain::attribution::parse_rfc3339_ms;
use crate::domain::ids::{self, prefix};
use crate::domain::money::Money;
use crate::domain::states::SessionState;
use crate::http::page::{self, query_pairs};
use crate::http::{auth, json, origin, public_origin, text_field, ApiError, ApiResult};
use crate::store::link_cache;
use crate::store::links::LinkRow;
use crate::store::live::{LiveRow, PinRow};
use crate::store::{self, creators::CreatorRow, Db};
use crate::views::ledger::monies;
use crate::views::live::{render_pin, render_session, view, LiveView, PinOut};
use crate::views::live_page;
use serde::Serialize;
use worker::{worker_sys, Env, Headers, Request, Response};

struct NewSession {
    title: String,
    starts_at: Option<String>,
}

impl NewSession {
    fn read(b: &json::Body) -> ApiResult<NewSession> {
        Ok(NewSession { title: b.text("title")?, starts_at: b.opt_text("starts_at")? })
    }
}

/// The public view, or `None` for an unknown session.
async fn load_view(env: &Env, origin: &str, id: &str) -> ApiResult<Option<LiveView>> {
    if !looks_like_session_id(id) {
        return Ok(None);
    }
    let db = store::db(env)?;
    let Some(row) = store::live::public(&db, id).await? else {
        return Ok(None);
    };
    let pins = store::live::pins(&db, id).await?;
    Ok(Some(view(row, pins, origin)))
}

/// Ids are `ls_` + base62-ish text; anything else is unknown without a D1 read.
fn looks_like_session_id(id: &str) -> bool {
    id.starts_with("ls_") && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// This creator's session, or 404 (also for another creator's: never reveal it exists).
async fn own_session(db: &Db, creator: &CreatorRow, id: &str) -> ApiResult<LiveRow> {
    if !looks_like_session_id(id) {
        return Err(ApiError::not_found("live session"));
    }
    store::live::for_creator(db, &creator.id, id).await?.ok_or_else(|| ApiError::not_found("live session"))
}

/// `POST /api/live-sessions` (creator) `{title, starts_at?}` → 201.
pub async fn create(mut req: Request, env: &Env) -> ApiResult<Response> {
    let creator = auth::require_creator(&req, env).await?;
    let body = NewSession::read(&json::body(&mut req).await?)?;
    let title = text_field("title", &body.title, 200)?;
    let starts_at = match body.starts_at.as_deref() {
        None => None,
        Some(s) => Some(parse_rfc3339_ms(s).ok_or_else(|| ApiError::invalid("starts_at must be an RFC 3339 time"))?),
    };
    let row = LiveRow {
        id: ids::new_id(prefix::LIVE_SESSION).map_err(ApiError::internal)?,
        creator_id: creator.id,
        title,
        starts_at,
        state: SessionState::Live,
        created_at: now_ms(),
        ended_at: None,
    };
    store::live::insert(&store::db(env)?, &row).await?;
    json::created(&render_session(row, &origin(&req, env)))
}

/// `GET /api/live-sessions` (creator): own sessions, newest first.
pub async fn list(req: Request, env: &Env) -> ApiResult<Response> {
    let creator = auth::require_creator(&req, env).await?;
    let page_req = page::keyset(&query_pairs(&req))?;
    let rows = store::live::list_for_creator(&store::db(env)?, &creator.id, &page_req).await?;
    let base = origin(&req, env);
    json::ok(&page::page(rows, &page_req, |s| (s.created_at, s.id.clone()), |s| render_session(s, &base)))
}

/// `GET /api/live-sessions/{id}` (owner).
pub async fn get(req: Request, env: &Env, id: &str) -> ApiResult<Response> {
    let creator = auth::require_creator(&req, env).await?;
    let row = own_session(&store::db(env)?, &creator, id).await?;
    json::ok(&render_session(row, &origin(&req, env)))
}

/// `POST /api/live-sessions/{id}/end` (owner). Ending an ended session answers the same
/// session again (a retry is harmless); its `ended_at` stays the first one.
pub async fn end(req: Request, env: &Env, id: &str) -> ApiResult<Response> {
    let creator = auth::require_creator(&req, env).await?;
    let db = store::db(env)?;
    own_session(&db, &creator, id).await?;
    store::live::end(&db, &creator.id, id, now_ms()).await?;
    let row = own_session(&db, &creator, id).await?;
    json::ok(&render_session(row, &origin(&req, env)))
}

/// The session's link for the product: the existing one (re-enabled if its creator had
/// disabled it), else a new one. Two pins racing to create it meet at the
/// `links_live_product` unique index; the loser takes the winner's link.
async fn session_link(
    env: &Env,
    ctx: &worker_sys::Context,
    db: &Db,
    creator: &CreatorRow,
    session_id: &str,
    product_id: &str,
) -> ApiResult<LinkRow> {
    if let Some(mut link) = store::live::session_link(db, session_id, product_id).await? {
        if !link.active {
            store::live::reactivate_link(db, session_id, &link.id).await?;
            link.active = true;
            link_cache::put_link(&store::kv(env)?, &link.code, &link.record())
                .await
                .map_err(|e| ApiError::saved_late("the link's re-enabling", e))?;
        }
        return Ok(link);
    }
    match make_link(db, env, ctx, creator, product_id, Some(session_id.to_string()), None).await {
        Ok(link) => Ok(link),
        Err(e) => match store::live::session_link(db, session_id, product_id).await? {
            Some(link) => Ok(link),
            None => Err(e),
        },
    }
}

/// `POST /api/live-sessions/{id}/pins` (owner) `{product_id}`: 201 with the new pin, or
/// 200 when the product was already pinned (it moves to the top).
pub async fn pin(mut req: Request, env: &Env, ctx: &worker_sys::Context, id: &str) -> ApiResult<Response> {
    let creator = auth::require_creator(&req, env).await?;
    let product_id = json::body(&mut req).await?.text("product_id")?;
    let db = store::db(env)?;
    let session = own_session(&db, &creator, id).await?;
    if session.state != SessionState::Live {
        return Err(ApiError::conflict("the live session has ended"));
    }
    let product =
        store::products::showcase_one(&db, &product_id).await?.ok_or_else(|| ApiError::not_found("product"))?;
    if !product.product.active {
        return Err(ApiError::invalid("the product is not active in the showcase"));
    }
    let link = session_link(env, ctx, &db, &creator, id, &product.product.id).await?;
    let was_pinned = store::live::is_pinned(&db, id, &product.product.id).await?;
    let pinned_at = store::live::pin(&db, id, &product.product.id, &link.id, now_ms()).await?;
    let out = PinCreated {
        live_session_id: session.id,
        code: link.code.clone(),
        pin: render_pin(PinRow { showcase: product, code: link.code, pinned_at }, &origin(&req, env)),
    };
    if was_pinned {
        json::ok(&out)
    } else {
        json::created(&out)
    }
}

#[derive(Serialize)]
struct PinCreated {
    live_session_id: String,
    code: String,
    #[serde(flatten)]
    pin: PinOut,
}

/// `DELETE /api/live-sessions/{id}/pins/{product_id}` (owner): takes the product off the
/// page. Allowed after the session ended too (a creator may tidy the replay page).
pub async fn unpin(req: Request, env: &Env, id: &str, product_id: &str) -> ApiResult<Response> {
    let creator = auth::require_creator(&req, env).await?;
    let db = store::db(env)?;
    let session = own_session(&db, &creator, id).await?;
    if !store::live::unpin(&db, &session.id, product_id).await? {
        return Err(ApiError::not_found("pin"));
    }
    #[derive(Serialize)]
    struct Unpinned<'a> {
        live_session_id: &'a str,
        product_id: &'a str,
        pinned: bool,
    }
    json::ok(&Unpinned { live_session_id: &session.id, product_id, pinned: false })
}

#[derive(Serialize)]
struct Stats {
    clicks: i64,
    orders: i64,
    gmv: Vec<Money>,
    commission: Vec<Money>,
}

/// `GET /api/live-sessions/{id}/stats` (owner).
pub async fn stats(req: Request, env: &Env, id: &str) -> ApiResult<Response> {
    let creator = auth::require_creator(&req, env).await?;
    let db = store::db(env)?;
    let session = own_session(&db, &creator, id).await?;
    let (counts, gmv, commission) = store::live::stats(&db, &session.id).await?;
    json::ok(&Stats { clicks: counts.clicks, orders: counts.orders, gmv: monies(gmv), commission: monies(commission) })
}

/// `GET /api/live/{id}` (public): the feed the page polls. Readable from any origin (it is
/// public and sent without credentials) so a creator's stream overlay can show the pins.
pub async fn feed(req: Request, env: &Env, id: &str) -> ApiResult<Response> {
    let v = load_view(env, &origin(&req, env), id).await?.ok_or_else(|| ApiError::not_found("live session"))?;
    let mut resp = json::respond(200, &v);
    resp.headers_mut().set("cache-control", "no-cache")?;
    resp.headers_mut().set("access-control-allow-origin", "*")?;
    Ok(resp)
}

/// `GET /live/{id}` (public; `HEAD` too, for link checkers): the viewers' page; an unknown session is an HTML 404 page,
/// since the one asking is a person with a browser.
pub async fn page(env: &Env, id: &str) -> ApiResult<Response> {
    // A cache may keep the page: its links are relative unless PUBLIC_ORIGIN names the
    // origin, so a request's `Host` never ends up in it.
    let base = public_origin(env).unwrap_or_default();
    let (status, body) = match load_view(env, &base, id).await? {
        Some(v) => (200, live_page::render_page(&v)),
        None => (404, live_page::render_not_found()),
    };
    let headers = Headers::new();
    headers.set("content-type", "text/html; charset=utf-8")?;
    headers.set("content-security-policy", live_page::CONTENT_SECURITY_POLICY)?;
    headers.set("cache-control", "no-cache")?;
    headers.set("x-content-type-options", "nosniff")?;
    headers.set("referrer-policy", "strict-origin-when-cross-origin")?;
    Ok(Response::from_html(body)?.with_status(status).with_headers(headers))
}
