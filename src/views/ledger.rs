//! The ledger in the contract's shape: commission records and orders.

use crate::domain::attribution::format_rfc3339_ms;
use crate::domain::money::{Currency, Money};
use crate::domain::states::{EntryKind, EntryState, OrderState, OrderStatus};
use crate::store::links::CurrencySum;
use crate::store::orders::{EntryRow, OrderRow};
use serde::Serialize;

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
    state: EntryState,
    kind: EntryKind,
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
pub struct OrderOut {
    id: String,
    order_id: String,
    status: OrderStatus,
    state: OrderState,
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

pub fn render_order(o: OrderRow) -> OrderOut {
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

/// Sums per currency (stats' `gmv` and `commission`) as the contract's Money.
pub fn monies(sums: Vec<CurrencySum>) -> Vec<Money> {
    sums.into_iter().map(|s| Money::new(s.amount, Currency::from_stored(&s.currency))).collect()
}
