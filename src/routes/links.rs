//! A creator's tracked links: create, list, disable, stats.

use crate::clock::now_ms;
use crate::domain::attribution::{format_rfc3339_ms, parse_rfc3339_ms};
use crate::domain::ids::{self, prefix, Alias};
use crate::domain::money::{Currency, Money};
use crate::domain::series::{self, Interval};
use crate::domain::states::SessionState;
use crate::http::page::{self, query_pairs, query_value};
use crate::http::{auth, json, origin, ApiError, ApiResult};
use crate::store::link_cache;
use crate::store::links::{Insert, LinkRow};
use crate::store::{self, creators::CreatorRow, Db};
use crate::views::ledger::monies;
use crate::views::links::render;
use serde::Serialize;
use worker::{worker_sys, Env, Request, Response};

struct NewLink {
    product_id: String,
    live_session_id: Option<String>,
    alias: Option<String>,
}

impl NewLink {
    fn read(b: &json::Body) -> ApiResult<NewLink> {
        Ok(NewLink {
            product_id: b.text("product_id")?,
            live_session_id: b.opt_text("live_session_id")?,
            alias: b.opt_text("alias")?,
        })
    }
}

/// Random codes collide rarely (62^8); a few tries make a collision invisible.
const CODE_ATTEMPTS: usize = 5;

/// Makes a link for `creator` to an active showcased product, with a random code or the
/// alias, and primes its KV record after the response so the first click needs no D1.
pub async fn make_link(
    db: &Db,
    env: &Env,
    ctx: &worker_sys::Context,
    creator: &CreatorRow,
    product_id: &str,
    live_session_id: Option<String>,
    alias: Option<Alias>,
) -> ApiResult<LinkRow> {
    let product = store::products::showcase_one(db, product_id).await?.ok_or_else(|| ApiError::not_found("product"))?;
    if !product.product.active {
        return Err(ApiError::invalid("the product is not active in the showcase"));
    }
    let mut row = LinkRow {
        id: ids::new_id(prefix::LINK).map_err(ApiError::internal)?,
        code: String::new(),
        creator_id: creator.id.clone(),
        brand_id: product.product.brand_id.clone(),
        product_id: product.product.id.clone(),
        live_session_id,
        active: true,
        created_at: now_ms(),
        destination: product.product.url.clone(),
    };
    let mut inserted = false;
    for _ in 0..CODE_ATTEMPTS {
        row.code = match &alias {
            Some(a) => a.as_str().to_string(),
            None => ids::new_link_code().map_err(ApiError::internal)?,
        };
        match store::links::insert(db, &row).await? {
            Insert::Done => {
                inserted = true;
                break;
            }
            Insert::CodeTaken if alias.is_some() => return Err(ApiError::conflict("that alias is taken")),
            Insert::CodeTaken => continue,
        }
    }
    if !inserted {
        return Err(ApiError::internal("no free link code after several attempts"));
    }
    link_cache::fill_after_response(ctx, &store::kv(env)?, &[link_cache::link_entry(&row.code, &row.record())]);
    Ok(row)
}

pub async fn create(mut req: Request, env: &Env, ctx: &worker_sys::Context) -> ApiResult<Response> {
    let creator = auth::require_creator(&req, env).await?;
    let body = NewLink::read(&json::body(&mut req).await?)?;
    let alias =
        body.alias.as_deref().map(Alias::parse).transpose().map_err(|e| ApiError::invalid(format!("alias: {e}")))?;
    let db = store::db(env)?;
    if let Some(ls) = &body.live_session_id {
        let session =
            store::live::for_creator(&db, &creator.id, ls).await?.ok_or_else(|| ApiError::not_found("live session"))?;
        if session.state != SessionState::Live {
            return Err(ApiError::conflict("the live session has ended"));
        }
    }
    let row = make_link(&db, env, ctx, &creator, &body.product_id, body.live_session_id, alias).await?;
    json::created(&render(row, &origin(&req, env)))
}

pub async fn list(req: Request, env: &Env) -> ApiResult<Response> {
    let creator = auth::require_creator(&req, env).await?;
    let page_req = page::keyset(&query_pairs(&req))?;
    let rows = store::links::list_for_creator(&store::db(env)?, &creator.id, &page_req).await?;
    let base = origin(&req, env);
    json::ok(&page::page(rows, &page_req, |l| (l.created_at, l.id.clone()), |l| render(l, &base)))
}

/// `DELETE /api/links/{code}`: disables the link (owner only); the redirect answers 410.
pub async fn disable(req: Request, env: &Env, code: &str) -> ApiResult<Response> {
    let creator = auth::require_creator(&req, env).await?;
    let db = store::db(env)?;
    let mut row =
        store::links::for_creator(&db, &creator.id, code).await?.ok_or_else(|| ApiError::not_found("link"))?;
    store::links::disable(&db, &creator.id, code).await?;
    row.active = false;
    link_cache::put_link(&store::kv(env)?, &row.code, &row.record())
        .await
        .map_err(|e| ApiError::saved_late("the link's disabling", e))?;
    json::ok(&render(row, &origin(&req, env)))
}

#[derive(Serialize)]
struct Stats {
    clicks: i64,
    unique_clicks: i64,
    bot_clicks: i64,
    orders: i64,
    commission: Vec<Money>,
}

pub async fn stats(req: Request, env: &Env, code: &str) -> ApiResult<Response> {
    let creator = auth::require_creator(&req, env).await?;
    let db = store::db(env)?;
    let row = store::links::for_creator(&db, &creator.id, code).await?.ok_or_else(|| ApiError::not_found("link"))?;
    let (c, sums) = store::links::stats(&db, &row.id, &row.code).await?;
    json::ok(&Stats {
        clicks: c.clicks,
        unique_clicks: c.unique_clicks,
        bot_clicks: c.bot_clicks,
        orders: c.orders,
        commission: monies(sums),
    })
}

#[derive(Serialize)]
struct SeriesItem {
    start: String,
    clicks: i64,
    unique_clicks: i64,
    bot_clicks: i64,
    orders: i64,
    commission: Vec<Money>,
}

#[derive(Serialize)]
struct SeriesOut {
    interval: &'static str,
    items: Vec<SeriesItem>,
}

fn time_param(pairs: &[(String, String)], name: &str) -> ApiResult<Option<i64>> {
    match query_value(pairs, name).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => {
            parse_rfc3339_ms(v).map(Some).ok_or_else(|| ApiError::invalid(format!("{name} must be an RFC 3339 time")))
        }
    }
}

/// `GET /api/links/{code}/timeseries?interval=hour|day&from=&to=` (owner): every bucket of
/// the range, oldest first, from the roll-ups.
pub async fn timeseries(req: Request, env: &Env, code: &str) -> ApiResult<Response> {
    let creator = auth::require_creator(&req, env).await?;
    let pairs = query_pairs(&req);
    let interval = match query_value(&pairs, "interval") {
        None | Some("") => Interval::Day,
        Some(v) => Interval::parse(v).ok_or_else(|| ApiError::invalid("interval must be hour or day"))?,
    };
    let range = series::range(interval, time_param(&pairs, "from")?, time_param(&pairs, "to")?, now_ms())
        .map_err(ApiError::invalid)?;
    let db = store::db(env)?;
    let row = store::links::for_creator(&db, &creator.id, code).await?.ok_or_else(|| ApiError::not_found("link"))?;
    let rows = store::links::timeseries(&db, &row.id, &row.code, range.from, range.to, range.size).await?;
    let items = range
        .starts()
        .map(|start| {
            let mut item = SeriesItem {
                start: format_rfc3339_ms(start),
                clicks: 0,
                unique_clicks: 0,
                bot_clicks: 0,
                orders: 0,
                commission: Vec::new(),
            };
            for r in rows.iter().filter(|r| r.start == start) {
                item.clicks += r.clicks;
                item.unique_clicks += r.unique_clicks;
                item.bot_clicks += r.bot_clicks;
                item.orders += r.orders;
                if let Some(currency) = &r.currency {
                    item.commission.push(Money::new(r.amount, Currency::from_stored(currency)));
                }
            }
            item
        })
        .collect();
    json::ok(&SeriesOut { interval: interval.as_str(), items })
}

#[derive(Serialize)]
struct DimItem {
    /// `null`: unknown (no country, no referrer).
    key: Option<String>,
    clicks: i64,
}

#[derive(Serialize)]
struct BreakdownOut {
    by: &'static str,
    items: Vec<DimItem>,
}

/// `GET /api/links/{code}/breakdown?by=country|device|referrer` (owner): human clicks per
/// value, most first (at most 100 values).
pub async fn breakdown(req: Request, env: &Env, code: &str) -> ApiResult<Response> {
    let creator = auth::require_creator(&req, env).await?;
    let pairs = query_pairs(&req);
    let by = match query_value(&pairs, "by") {
        Some("country") => "country",
        Some("device") => "device",
        Some("referrer") => "referrer",
        _ => return Err(ApiError::invalid("by must be country, device or referrer")),
    };
    let db = store::db(env)?;
    let row = store::links::for_creator(&db, &creator.id, code).await?.ok_or_else(|| ApiError::not_found("link"))?;
    let rows = store::links::breakdown(&db, &row.id, by).await?;
    let items = rows
        .into_iter()
        .map(|d| DimItem { key: Some(d.currency).filter(|k| !k.is_empty()), clicks: d.amount })
        .collect();
    json::ok(&BreakdownOut { by, items })
}
