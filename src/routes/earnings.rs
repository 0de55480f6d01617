//! The ledger as its two sides read it: a creator's earnings and commissions, a brand's
//! orders and commissions.

use crate::domain::attribution::format_rfc3339_ms;
use crate::domain::money::{Currency, Money};
use crate::http::page::{self, query_pairs, PageRequest};
use crate::http::{auth, json, ApiResult};
use crate::store;
use crate::store::orders::{self, EntryRow, OrderRow, OwnerColumn};
use serde::Serialize;
use worker::{Env, Request, Response};

/// A commission record, in the contract's shape.
#[derive(Serialize)]
pub struct CommissionOut {
    id: String,
    order_id: String,
    brand_id: String,
    creator_id: String,
    link_code: String,
    live_session_id: Option<String>,
    sku: String,
    quantity: i64,
    rate_bps: u32,
    base: Money,
    amount: Money,
    state: String,
    kind: String,
    created_at: String,
}

pub fn render_entry(e: EntryRow) -> CommissionOut {
    let currency = Currency::from_stored(&e.currency);
    CommissionOut {
        base: Money::new(e.base, currency),
        amount: Money::new(e.amount, currency),
        created_at: format_rfc3339_ms(e.created_at),
        id: e.id,
        order_id: e.order_id,
        brand_id: e.brand_id,
        creator_id: e.creator_id,
        link_code: e.link_code,
        live_session_id: e.live_session_id,
        sku: e.sku,
        quantity: e.quantity,
        rate_bps: e.rate_bps,
        state: e.state,
        kind: e.kind,
    }
}

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
    let page_req = PageRequest::parse(&query_pairs(&req.url()?))?;
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

#[derive(Serialize)]
struct OrderOut {
    id: String,
    order_id: String,
    status: String,
    state: String,
    click_id: Option<String>,
    creator_id: Option<String>,
    link_code: Option<String>,
    live_session_id: Option<String>,
    gmv: Money,
    /// Net commission owed on this order (commissions less take-backs).
    commission: Money,
    occurred_at: String,
    created_at: String,
}

fn render_order(o: OrderRow) -> OrderOut {
    let currency = Currency::from_stored(&o.currency);
    OrderOut {
        gmv: Money::new(o.gmv, currency),
        commission: Money::new(o.commission, currency),
        occurred_at: format_rfc3339_ms(o.occurred_at),
        created_at: format_rfc3339_ms(o.created_at),
        id: o.id,
        order_id: o.external_id,
        status: o.status,
        state: o.state,
        click_id: o.click_id,
        creator_id: o.creator_id,
        link_code: o.link_code,
        live_session_id: o.live_session_id,
    }
}

/// `GET /api/orders` (brand).
pub async fn brand_orders(req: Request, env: &Env) -> ApiResult<Response> {
    let brand = auth::require_brand(&req, env).await?;
    let page_req = PageRequest::parse(&query_pairs(&req.url()?))?;
    let rows = orders::orders_of_brand(&store::db(env)?, &brand.id, &page_req).await?;
    json::ok(&page::page(rows, &page_req, |o| (o.created_at, o.id.clone()), render_order))
}
