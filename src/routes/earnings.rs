//! The ledger as its two sides read it: a creator's earnings and commissions, a brand's
//! orders and commissions.

use crate::http::page::{self, query_pairs};
use crate::http::{auth, json, ApiResult};
use crate::store;
use crate::store::orders::{self, OwnerColumn};
use crate::views::ledger::{render_entry, render_order};
use serde::Serialize;
use worker::{Env, Request, Response};

#[derive(Serialize)]
struct Earnings {
    totals: Vec<orders::Totals>,
}

/// `GET /api/me/earnings` (creator).
pub async fn earnings(req: Request, env: &Env) -> ApiResult<Response> {
    let creator = auth::require_creator(&req, env).await?;
    let totals = orders::totals(&store::db(env)?, &creator.id).await?;
    json::ok(&Earnings { totals })
}

async fn entries(req: Request, env: &Env, column: OwnerColumn, owner_id: &str) -> ApiResult<Response> {
    let page_req = page::keyset(&query_pairs(&req))?;
    let rows = orders::entries(&store::db(env)?, column, owner_id, &page_req).await?;
    json::ok(&page::page(rows, &page_req, |e| (e.created_at, e.id.clone()), render_entry))
}

/// `GET /api/me/commissions` (creator).
pub async fn creator_commissions(req: Request, env: &Env) -> ApiResult<Response> {
    let creator = auth::require_creator(&req, env).await?;
    entries(req, env, OwnerColumn::Creator, &creator.id).await
}

/// `GET /api/commissions` (brand).
pub async fn brand_commissions(req: Request, env: &Env) -> ApiResult<Response> {
    let brand = auth::require_brand(&req, env).await?;
    entries(req, env, OwnerColumn::Brand, &brand.id).await
}

/// `GET /api/orders` (brand).
pub async fn brand_orders(req: Request, env: &Env) -> ApiResult<Response> {
    let brand = auth::require_brand(&req, env).await?;
    let page_req = page::keyset(&query_pairs(&req))?;
    let rows = orders::orders_of_brand(&store::db(env)?, &brand.id, &page_req).await?;
    json::ok(&page::page(rows, &page_req, |o| (o.created_at, o.id.clone()), render_order))
}
