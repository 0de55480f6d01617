//! The ledger as its two sides read it: a creator's earnings and commissions, a brand's
//! orders and commissions. The commission lists also export as CSV (`?format=csv`).

use crate::http::format::Format;
use crate::http::page::{self, query_pairs, EXPORT_LIMIT};
use crate::http::{auth, json, response, ApiResult};
use crate::store;
use crate::store::orders::{self, OwnerColumn};
use crate::views::exports::entries_csv;
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
    let pairs = query_pairs(&req);
    let format = Format::of(&pairs)?;
    let page_req = match format {
        Format::Json => page::keyset(&pairs)?,
        Format::Csv => {
            page::keyset_up_to(&pairs, EXPORT_LIMIT, EXPORT_LIMIT, "limit must be an integer from 1 to 10000")?
        }
    };
    let rows = orders::entries(&store::db(env)?, column, owner_id, &page_req).await?;
    if format == Format::Csv {
        let (rows, next) = page::cut(rows, &page_req, |e| (e.created_at, e.id.clone()));
        return Ok(response::csv(entries_csv(&rows), "attachment; filename=\"commissions.csv\"", next.as_deref()));
    }
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
