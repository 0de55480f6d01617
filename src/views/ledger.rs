//! The ledger in the contract's shape: commission records and orders.

use crate::domain::attribution::format_rfc3339_ms;
use crate::domain::money::{Currency, Money};
use crate::domain::states::{EntryKind, EntryState, Method, OrderState, OrderStatus};
use crate::store::links::CurrencySum;
use crate::store::orders::{EntryRow, OrderRow};
use serde::Serialize;

/// Which rule attributed an order, and why, as both sides see it.
#[derive(Serialize, Clone)]
pub struct AttributionOut {
    pub method: Method,
    pub click_id: Option<String>,
    pub code: Option<String>,
    pub reason: String,
}

/// A commission record, in the contract's shape.
#[derive(Serialize)]
pub struct CommissionOut {
    id: String,
    order_id: String,
    brand_id: String,
    creator_id: String,
    link_code: Option<String>,
    live_session_id: Option<String>,
    sku: String,
    quantity: i64,
    rate_bps: u32,
    base: Money,
    amount: Money,
    /// The stored state, or `held` while a hold is open (stored `pending`).
    state: &'static str,
    /// Why it is held (`self_referral`) while it is; `null` otherwise.
    reason: Option<String>,
    kind: EntryKind,
    created_at: String,
    /// Its order's.
    attribution: Option<AttributionOut>,
    /// The payout that holds it, once one does.
    payout_id: Option<String>,
}

/// The state a ledger entry is shown in: `held` while a hold is open on it.
pub fn shown_state(e: &EntryRow) -> &'static str {
    match (&e.hold, e.state) {
        (Some(_), EntryState::Pending) => "held",
        (_, state) => state.as_str(),
    }
}

/// A record as stored; its attribution from its order's columns (those a write batch
/// answers have none: [`render_entry_of`] gives it).
pub fn render_entry(e: EntryRow) -> CommissionOut {
    let attribution = match (e.method, &e.reason) {
        (Some(method), Some(reason)) => Some(AttributionOut {
            method,
            click_id: if method == Method::Click { e.attributed_click.clone() } else { None },
            code: e.attributed_code.clone(),
            reason: reason.clone(),
        }),
        _ => None,
    };
    render_entry_of(e, attribution)
}

pub fn render_entry_of(e: EntryRow, attribution: Option<AttributionOut>) -> CommissionOut {
    let currency = Currency::from_stored(&e.currency);
    let state = shown_state(&e);
    CommissionOut {
        attribution,
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
        state,
        reason: e.hold,
        kind: e.kind,
        payout_id: e.payout_id,
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
    attribution: AttributionOut,
}

pub fn render_order(o: OrderRow) -> OrderOut {
    let currency = Currency::from_stored(&o.currency);
    OrderOut {
        attribution: order_attribution(&o),
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

/// An order's attribution: the click id only when a click attributed it.
pub fn order_attribution(o: &OrderRow) -> AttributionOut {
    AttributionOut {
        method: o.method,
        click_id: if o.method == Method::Click { o.click_id.clone() } else { None },
        code: o.attributed_code.clone(),
        reason: o.reason.clone(),
    }
}

/// Sums per currency (stats' `gmv` and `commission`) as the contract's Money.
pub fn monies(sums: Vec<CurrencySum>) -> Vec<Money> {
    sums.into_iter().map(|s| Money::new(s.amount, Currency::from_stored(&s.currency))).collect()
}
