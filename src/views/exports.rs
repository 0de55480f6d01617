//! Ledger entries as CSV (`?format=csv`): one row per entry, amounts in integer minor units
//! beside their currency, the order's attribution spelled out.

use crate::domain::attribution::format_rfc3339_ms;
use crate::domain::csv::{Cell, Csv};
use crate::store::orders::EntryRow;

const HEADER: &[&str] = &[
    "id",
    "created_at",
    "order_id",
    "brand_id",
    "creator_id",
    "kind",
    "state",
    "sku",
    "title",
    "quantity",
    "rate_bps",
    "base",
    "amount",
    "currency",
    "link_code",
    "live_session_id",
    "attribution_method",
    "attribution_click_id",
    "attribution_code",
    "attribution_reason",
    "payout_id",
];

pub fn entries_csv(rows: &[EntryRow]) -> String {
    let mut csv = Csv::new(HEADER);
    for e in rows {
        let created = format_rfc3339_ms(e.created_at);
        let method = e.method.map(|m| m.as_str());
        let click = if method == Some("click") { e.attributed_click.as_deref() } else { None };
        csv.row(&[
            e.id.as_str().into(),
            created.as_str().into(),
            e.order_id.as_str().into(),
            e.brand_id.as_str().into(),
            e.creator_id.as_str().into(),
            e.kind.as_str().into(),
            super::ledger::shown_state(e).into(),
            e.sku.as_str().into(),
            e.title.as_deref().into(),
            e.quantity.into(),
            Cell::Int(e.rate_bps.into()),
            e.base.into(),
            e.amount.into(),
            e.currency.as_str().into(),
            e.link_code.as_deref().into(),
            e.live_session_id.as_deref().into(),
            method.into(),
            click.into(),
            e.attributed_code.as_deref().into(),
            e.reason.as_deref().into(),
            e.payout_id.as_deref().into(),
        ]);
    }
    csv.finish()
}
