//! A creator's tracked links: create, list, disable, stats.

use crate::clock::now_ms;
use crate::domain::attribution::format_rfc3339_ms;
use crate::domain::ids::{self, prefix, Alias};
use crate::domain::money::{Currency, Money};
use crate::http::page::{self, query_pairs, PageRequest};
use crate::http::{auth, json, origin, ApiError, ApiResult};
use crate::store::link_cache::{self, LinkRecord};
use crate::store::links::{Insert, LinkRow};
use crate::store::{self, creators::CreatorRow, Db};
use serde::{Deserialize, Serialize};
use worker::{Env, Request, Response};

#[derive(Deserialize)]
struct NewLink {
    product_id: String,
    live_session_id: Option<String>,
    alias: Option<String>,
}

#[derive(Serialize)]
pub struct LinkOut {
    pub id: String,
    pub code: String,
    pub short_url: String,
    pub destination: String,
    pub product_id: String,
    pub live_session_id: Option<String>,
    pub active: bool,
    pub created_at: String,
}

pub fn render(l: LinkRow, origin: &str) -> LinkOut {
    LinkOut {
        short_url: format!("{origin}/{}", l.code),
        created_at: format_rfc3339_ms(l.created_at),
        active: l.active == 1,
        id: l.id,
        code: l.code,
        destination: l.destination,
        product_id: l.product_id,
        live_session_id: l.live_session_id,
    }
}

fn record(l: &LinkRow) -> LinkRecord {
    LinkRecord {
        active: l.active == 1,
        link_id: l.id.clone(),
        creator_id: l.creator_id.clone(),
        brand_id: l.brand_id.clone(),
        product_id: l.product_id.clone(),
        live_session_id: l.live_session_id.clone(),
    }
}

/// Random codes collide rarely (62^8); a few tries make a collision invisible.
const CODE_ATTEMPTS: usize = 5;

/// Makes a link for `creator` to an active showcased product, with a random code or the
/// alias, and primes its KV record so the first click needs no D1.
pub async fn make_link(
    db: &Db,
    env: &Env,
    creator: &CreatorRow,
    product_id: &str,
    live_session_id: Option<String>,
    alias: Option<Alias>,
) -> ApiResult<LinkRow> {
    let product = store::products::showcase_one(db, product_id).await?.ok_or_else(|| ApiError::not_found("product"))?;
    if product.product.active != 1 {
        return Err(ApiError::invalid("the product is not active in the showcase"));
    }
    let mut row = LinkRow {
        id: ids::new_id(prefix::LINK).map_err(ApiError::internal)?,
        code: String::new(),
        creator_id: creator.id.clone(),
        brand_id: product.product.brand_id.clone(),
        product_id: product.product.id.clone(),
        live_session_id,
        active: 1,
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
    link_cache::put_link(&store::kv(env)?, &row.code, &record(&row)).await?;
    Ok(row)
}

pub async fn create(mut req: Request, env: &Env) -> ApiResult<Response> {
    let creator = auth::require_creator(&req, env).await?;
    let body: NewLink = json::body(&mut req).await?;
    let alias =
        body.alias.as_deref().map(Alias::parse).transpose().map_err(|e| ApiError::invalid(format!("alias: {e}")))?;
    let db = store::db(env)?;
    if let Some(ls) = &body.live_session_id {
        let session =
            store::live::for_creator(&db, &creator.id, ls).await?.ok_or_else(|| ApiError::not_found("live session"))?;
        if session.state != "live" {
            return Err(ApiError::conflict("the live session has ended"));
        }
    }
    let row = make_link(&db, env, &creator, &body.product_id, body.live_session_id, alias).await?;
    json::created(&render(row, &origin(&req, env)))
}

pub async fn list(req: Request, env: &Env) -> ApiResult<Response> {
    let creator = auth::require_creator(&req, env).await?;
    let page_req = PageRequest::parse(&query_pairs(&req.url()?))?;
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
    row.active = 0;
    link_cache::put_link(&store::kv(env)?, &row.code, &record(&row)).await?;
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
        commission: sums.into_iter().map(|s| Money::new(s.amount, Currency::from_stored(&s.currency))).collect(),
    })
}
