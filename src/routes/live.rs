//! Live shopping: a creator's sessions and pins (`/api/live-sessions…`), the public feed
//! (`GET /api/live/{id}`) and the viewers' page (`GET /live/{id}`, rendered in
//! `views::live_page`).

use super::links::make_link;
use crate::clock::now_ms;
use crate::domain::attribution::{parse_rfc3339_ms, DAY_MS};
use crate::domain::ids::{self, prefix};
use crate::domain::money::Money;
use crate::domain::states::SessionState;
use crate::domain::stream::{Stream, STREAM_ERROR};
use crate::http::page::{self, query_pairs};
use crate::http::{auth, json, origin, public_origin, text_field, ApiError, ApiResult};
use crate::store::link_cache::{self, LinkRecord};
use crate::store::links::LinkRow;
use crate::store::live::{LiveRow, NewDeal, PinRow};
use crate::store::{self, creators::CreatorRow, Db};
use crate::views::ledger::monies;
use crate::views::live::{render_pin, render_session, view, LiveView, PinOut};
use crate::views::live_page;
use serde::Serialize;
use worker::{worker_sys, Env, Headers, Request, Response};

struct NewSession {
    title: String,
    starts_at: Option<String>,
    stream_url: Option<String>,
}

impl NewSession {
    fn read(b: &json::Body) -> ApiResult<NewSession> {
        let stream_url = b.opt_text("stream_url")?.map(|s| stream_field(&s)).transpose()?;
        Ok(NewSession { title: b.text("title")?, starts_at: b.opt_text("starts_at")?, stream_url })
    }
}

/// A `stream_url` as stored: one that `domain::stream` can play.
fn stream_field(s: &str) -> ApiResult<String> {
    Stream::parse(s).map(|_| s.to_string()).ok_or_else(|| ApiError::invalid(STREAM_ERROR))
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
    let pins = store::live::pins(&db, id, now_ms()).await?;
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
        stream_url: body.stream_url,
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

/// `PATCH /api/live-sessions/{id}` (owner) `{title?, stream_url?}`: `stream_url: null`
/// takes the stream off the page. Allowed after the session ended (the replay's video).
pub async fn update(mut req: Request, env: &Env, id: &str) -> ApiResult<Response> {
    let creator = auth::require_creator(&req, env).await?;
    let body = json::body(&mut req).await?;
    let title = match body.patch("title", json::as_text)? {
        Some(None) => return Err(ApiError::invalid("title must be a string")),
        Some(Some(t)) => Some(text_field("title", &t, 200)?),
        None => None,
    };
    let stream_url = match body.patch("stream_url", json::as_text)? {
        Some(Some(s)) => Some(Some(stream_field(&s)?)),
        other => other.map(|_| None),
    };
    let db = store::db(env)?;
    own_session(&db, &creator, id).await?;
    store::live::update(&db, &creator.id, id, title.as_deref(), stream_url.as_ref().map(Option::as_deref)).await?;
    let row = own_session(&db, &creator, id).await?;
    json::ok(&render_session(row, &origin(&req, env)))
}

/// Writes the KV records of links whose flash deal started or ended, after the response (no
/// Rust future waits on them). If a write fails, the record's deal is only as late as its
/// own end: the redirect checks `ends_at` on every click.
fn put_deal_links(env: &Env, ctx: &worker_sys::Context, records: &[(String, LinkRecord)]) -> ApiResult<()> {
    let entries: Vec<(String, String)> = records.iter().map(|(code, r)| link_cache::link_entry(code, r)).collect();
    if !entries.is_empty() {
        link_cache::fill_after_response(ctx, &store::kv(env)?, &entries);
    }
    Ok(())
}

fn records(links: Vec<LinkRow>) -> Vec<(String, LinkRecord)> {
    links.into_iter().map(|l| (l.code.clone(), l.record())).collect()
}

/// `POST /api/live-sessions/{id}/end` (owner). Ending an ended session answers the same
/// session again (a retry is harmless); its `ended_at` stays the first one.
pub async fn end(req: Request, env: &Env, ctx: &worker_sys::Context, id: &str) -> ApiResult<Response> {
    let creator = auth::require_creator(&req, env).await?;
    let db = store::db(env)?;
    own_session(&db, &creator, id).await?;
    let now = now_ms();
    let dealt = store::live::end_deals(&db, id, None, now).await?;
    store::live::end(&db, &creator.id, id, now).await?;
    put_deal_links(env, ctx, &records(dealt))?;
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

/// A pin's `deal` as asked: `{code, ends_at}`, ending 1 s to 24 h from now.
fn read_deal(body: &json::Body, now: i64) -> ApiResult<Option<(String, i64)>> {
    let Some(deal) = body.opt_object("deal")? else { return Ok(None) };
    let code = deal.text("code").map_err(|_| ApiError::invalid("deal.code must be one of your codes"))?;
    let ends_at = deal.text("ends_at").ok().as_deref().and_then(parse_rfc3339_ms);
    match ends_at {
        Some(t) if t >= now + 1000 && t <= now + DAY_MS => Ok(Some((code, t))),
        _ => Err(ApiError::invalid("deal.ends_at must be an RFC 3339 time within the next 24 hours")),
    }
}

/// `POST /api/live-sessions/{id}/pins` (owner) `{product_id, deal?: {code, ends_at}}`: 201
/// with the new pin, or 200 when the product was already pinned (it moves to the top). A
/// pin replaces the product's running flash deal with its own, or with none.
pub async fn pin(mut req: Request, env: &Env, ctx: &worker_sys::Context, id: &str) -> ApiResult<Response> {
    let creator = auth::require_creator(&req, env).await?;
    let body = json::body(&mut req).await?;
    let product_id = body.text("product_id")?;
    let now = now_ms();
    let deal = read_deal(&body, now)?;
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
    let brand_id = product.product.brand_id.clone();
    let code = match &deal {
        Some((code, _)) => {
            Some(store::live::deal_code(&db, &creator.id, &brand_id, code).await?.ok_or_else(|| {
                ApiError::invalid("deal.code must be one of your active codes for this product's brand")
            })?)
        }
        None => None,
    };
    let link = session_link(env, ctx, &db, &creator, id, &product.product.id).await?;
    let was_pinned = store::live::is_pinned(&db, id, &product.product.id).await?;
    let ends_at = deal.map(|(_, ends_at)| ends_at);
    let new_deal = code.as_ref().zip(ends_at).map(|(c, ends_at)| NewDeal {
        creator_id: &creator.id,
        brand_id: &brand_id,
        code_id: &c.id,
        ends_at,
    });
    let pinned_at = store::live::pin(&db, id, &product.product.id, &link.id, now, new_deal.as_ref()).await?;
    let shopify = code.as_ref().is_some_and(|c| c.shopify);
    let running = code.map(|c| c.code).zip(ends_at);
    // The link's record carries a Shopify brand's deal, and forgets an earlier one.
    let record = LinkRecord { deal: running.clone().filter(|_| shopify), ..link.record() };
    put_deal_links(env, ctx, &[(link.code.clone(), record)])?;
    let out = PinCreated {
        live_session_id: session.id,
        code: link.code.clone(),
        pin: render_pin(PinRow { showcase: product, code: link.code, pinned_at, deal: running }, &origin(&req, env)),
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
pub async fn unpin(
    req: Request,
    env: &Env,
    ctx: &worker_sys::Context,
    id: &str,
    product_id: &str,
) -> ApiResult<Response> {
    let creator = auth::require_creator(&req, env).await?;
    let db = store::db(env)?;
    let session = own_session(&db, &creator, id).await?;
    if !store::live::unpin(&db, &session.id, product_id).await? {
        return Err(ApiError::not_found("pin"));
    }
    put_deal_links(env, ctx, &records(store::live::end_deals(&db, &session.id, Some(product_id), now_ms()).await?))?;
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
    let (status, body, csp) = match load_view(env, &base, id).await? {
        Some(v) => (200, live_page::render_page(&v), live_page::content_security_policy(v.stream.as_ref())),
        None => (404, live_page::render_not_found(), live_page::CONTENT_SECURITY_POLICY.into()),
    };
    let headers = Headers::new();
    headers.set("content-type", "text/html; charset=utf-8")?;
    headers.set("content-security-policy", &csp)?;
    headers.set("cache-control", "no-cache")?;
    headers.set("x-content-type-options", "nosniff")?;
    headers.set("referrer-policy", "strict-origin-when-cross-origin")?;
    Ok(Response::from_html(body)?.with_status(status).with_headers(headers))
}
