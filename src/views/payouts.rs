//! A payout in the contract's shape, alone or with its entries.

use crate::domain::attribution::format_rfc3339_ms;
use crate::domain::money::{Currency, Money};
use crate::domain::states::PayoutState;
use crate::store::payouts::PayoutRow;
use crate::views::ledger::CommissionOut;
use serde::Serialize;

#[derive(Serialize)]
pub struct PayoutOut {
    id: String,
    brand_id: String,
    creator_id: String,
    amount: Money,
    /// How many ledger entries it holds.
    entries: i64,
    state: PayoutState,
    reference: Option<String>,
    created_at: String,
    paid_at: Option<String>,
    /// Its entries, when one payout is asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    items: Option<Vec<CommissionOut>>,
}

pub fn render_payout(p: PayoutRow) -> PayoutOut {
    PayoutOut {
        amount: Money::new(p.amount, Currency::from_stored(&p.currency)),
        created_at: format_rfc3339_ms(p.created_at),
        paid_at: p.paid_at.map(format_rfc3339_ms),
        id: p.id,
        brand_id: p.brand_id,
        creator_id: p.creator_id,
        entries: p.entries,
        state: p.state,
        reference: p.reference,
        items: None,
    }
}

pub fn render_payout_with(p: PayoutRow, items: Vec<CommissionOut>) -> PayoutOut {
    PayoutOut { items: Some(items), ..render_payout(p) }
}
