//! `POST /api/payouts`, `POST /api/payouts/{id}/paid`, `GET /api/payouts`,
//! `GET /api/me/payouts`, `GET /api/payouts/{id}` (also as CSV): a brand pays its creators'
//! approved net balances.

use crate::clock::now_ms;
use crate::domain::ids::{self, prefix};
use crate::domain::money::{Currency, MAX_AMOUNT};
use crate::domain::text::find_control;
use crate::http::auth;
use crate::http::format::Format;
use crate::http::page::{self, query_pairs, Page};
use crate::http::{json, response, ApiError, ApiResult};
use crate::store;
use crate::store::orders::entries_of_payout;
use crate::store::payouts;
use crate::store::Owner;
use crate::views::exports::entries_csv;
use crate::views::ledger::render_entry;
use crate::views::payouts::{render_payout, render_payout_with, PayoutOut};
use worker::{worker_sys, Env, Request, Response};

fn made(items: Vec<PayoutOut>) -> ApiResult<Response> {
    json::created(&Page { items, next_cursor: None })
}

/// One payout per creator whose payable balance in `currency` is at least `minimum`.
pub async fn create(mut req: Request, env: &Env, ctx: &worker_sys::Context) -> ApiResult<Response> {
    let brand = auth::require_brand(&req, env).await?;
    let body = json::body(&mut req).await?;
    let currency = Currency::parse(&body.text("currency")?)
        .ok_or_else(|| ApiError::invalid("currency must be an ISO 4217 code"))?;
    let minimum = body.opt_int("minimum", 1, MAX_AMOUNT)?.unwrap_or(1);
    let db = store::db(env)?;
    let balances = payouts::balances(&db, &brand.id, currency.as_str(), minimum).await?;
    if balances.is_empty() {
        return made(Vec::new());
    }
    let mut chosen = Vec::with_capacity(balances.len());
    for b in balances {
        chosen.push((ids::new_id(prefix::PAYOUT).map_err(ApiError::internal)?, b.creator_id));
    }
    let (rows, events) = payouts::create(&db, &brand.id, currency.as_str(), minimum, &chosen, now_ms()).await?;
    if events {
        store::events::drain_after_response(ctx, env, now_ms());
    }
    made(rows.into_iter().map(render_payout).collect())
}

/// Marks a payout paid with the brand's reference; again with the same one is no change.
pub async fn mark_paid(mut req: Request, env: &Env, ctx: &worker_sys::Context, id: &str) -> ApiResult<Response> {
    let brand = auth::require_brand(&req, env).await?;
    let reference = json::body(&mut req).await?.text("reference")?;
    let reference = reference.trim();
    if reference.is_empty() || reference.chars().count() > 200 || find_control(reference).is_some() {
        return Err(ApiError::invalid("reference must be 1 to 200 characters, without control characters"));
    }
    let (row, events) = payouts::mark_paid(&store::db(env)?, &brand.id, id, reference, now_ms()).await?;
    let row = row.ok_or_else(|| ApiError::not_found("payout"))?;
    if row.reference.as_deref() != Some(reference) {
        return Err(ApiError::conflict("this payout was marked paid with another reference"));
    }
    if events {
        store::events::drain_after_response(ctx, env, now_ms());
    }
    json::ok(&render_payout(row))
}

async fn list(req: Request, env: &Env, owner: Owner<'_>) -> ApiResult<Response> {
    let page_req = page::keyset(&query_pairs(&req))?;
    let rows = payouts::list(&store::db(env)?, owner, &page_req).await?;
    json::ok(&page::page(rows, &page_req, |p| (p.created_at, p.id.clone()), render_payout))
}

/// `GET /api/payouts` (brand).
pub async fn brand_list(req: Request, env: &Env) -> ApiResult<Response> {
    let brand = auth::require_brand(&req, env).await?;
    list(req, env, Owner::Brand(&brand.id)).await
}

/// `GET /api/me/payouts` (creator).
pub async fn creator_list(req: Request, env: &Env) -> ApiResult<Response> {
    let creator = auth::require_creator(&req, env).await?;
    list(req, env, Owner::Creator(&creator.id)).await
}

/// `GET /api/payouts/{id}` (its brand or its creator): the payout and its entries.
pub async fn get(req: Request, env: &Env, id: &str) -> ApiResult<Response> {
    let principal = auth::authenticate(&req, env).await?;
    let owner = principal.owner()?;
    let format = Format::of(&query_pairs(&req))?;
    let db = store::db(env)?;
    let payout = payouts::get(&db, owner, id).await?.ok_or_else(|| ApiError::not_found("payout"))?;
    let entries = entries_of_payout(&db, &payout.id).await?;
    if format == Format::Csv {
        return Ok(response::csv(entries_csv(&entries), "attachment; filename=\"payout.csv\"", None));
    }
    json::ok(&render_payout_with(payout, entries.into_iter().map(render_entry).collect()))
}
