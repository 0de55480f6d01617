//! What an order event does to the commission ledger, decided without I/O: which lines earn
//! at which rate, and what a refund or cancel takes back. The store writes the plan.

use super::commission::{
    commission_on, effective_rate, line_base, remaining_base, reversal_for_refund, Bps, CommissionError, RateInputs,
};
pub use super::states::EntryState;
use std::collections::HashMap;

/// One order line (minor units of the order's currency).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineItem {
    /// The store's sku: how a line is matched to one of the brand's products.
    pub sku: String,
    /// Units bought.
    pub quantity: i64,
    /// Price of one unit, before the discount.
    pub unit_price: i64,
    /// Discount on the whole line, not per unit; above `unit_price × quantity` is malformed.
    pub discount: i64,
}

/// One of the brand's products named by the order, with the rate inputs that stand now
/// for the attributed creator.
#[derive(Debug, Clone)]
pub struct ProductRate {
    /// The product's id (`pr_…`).
    pub product_id: String,
    /// The sku that order lines name it by.
    pub sku: String,
    /// The rates that may apply to the earning creator on this product.
    pub rates: RateInputs,
}

/// The click's rate lock: the rate that stood for the linked product when it was clicked.
#[derive(Debug, Clone)]
pub struct RateLock {
    /// The product the clicked link points to; only its lines earn the locked rate.
    pub product_id: String,
    /// The locked rate.
    pub rate_bps: Bps,
}

/// A commission a line earns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Earned {
    /// The rate applied.
    pub rate_bps: Bps,
    /// The commissionable base ([`line_base`]), minor units.
    pub base: i64,
    /// The commission on the base, rounded down ([`commission_on`]), minor units.
    pub amount: i64,
}

/// A paid order's line as [`plan_paid`] plans it: stored always, earning when attributed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedLine {
    /// The line's position in the order, from 0.
    pub line_no: u32,
    /// The line as the order gave it.
    pub item: LineItem,
    /// `None` when the sku is not one of the brand's products.
    pub product_id: Option<String>,
    /// `None` when the order is unattributed or the sku unknown.
    pub earned: Option<Earned>,
}

/// Whether anyone earns on an order, and at which rates.
#[derive(Debug, Clone, Copy)]
pub enum Earner<'a> {
    /// Unattributed: lines are kept, nothing is earned.
    Nobody,
    /// A click: its lock for the linked product, the rates that stand now for the others.
    Click(&'a RateLock),
    /// A code: there is no click to lock a rate, so every line earns at the rates that stand.
    AtCurrentRates,
}

/// Plans a paid order's lines. Rate: the click's lock for the linked product, else the
/// precedence as it stands now (targeted product, targeted all, product, brand default)
/// in `products`' rates (those of the creator who earns).
pub fn plan_paid(
    items: &[LineItem],
    products: &[ProductRate],
    earner: Earner<'_>,
) -> Result<Vec<PlannedLine>, CommissionError> {
    let by_sku: HashMap<&str, &ProductRate> = products.iter().map(|p| (p.sku.as_str(), p)).collect();
    let mut lines = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let product = by_sku.get(item.sku.as_str());
        let rate_bps = match (earner, product) {
            (Earner::Click(lock), Some(p)) if p.product_id == lock.product_id => Some(lock.rate_bps),
            (Earner::Click(_) | Earner::AtCurrentRates, Some(p)) => Some(effective_rate(&p.rates)),
            _ => None,
        };
        let earned = match rate_bps {
            Some(rate_bps) => {
                let base = line_base(item.unit_price, item.quantity, item.discount)?;
                Some(Earned { rate_bps, base, amount: commission_on(base, rate_bps)? })
            }
            None => None,
        };
        lines.push(PlannedLine {
            line_no: u32::try_from(i).map_err(|_| CommissionError::TooLarge)?,
            item: item.clone(),
            product_id: product.map(|p| p.product_id.clone()),
            earned,
        });
    }
    Ok(lines)
}

/// A stored line with its commission entry, if it earned one.
#[derive(Debug, Clone)]
pub struct StoredLine {
    /// The line's position in the order, from 0.
    pub line_no: u32,
    /// The line as the order gave it.
    pub item: LineItem,
    /// Units refunded so far, by earlier events.
    pub refunded_quantity: i64,
    /// The line's `commission` entry; `None` when it earned nothing.
    pub commission: Option<StoredCommission>,
}

/// A line's stored commission entry: what a take-back of it needs.
#[derive(Debug, Clone)]
pub struct StoredCommission {
    /// The entry's id (`cm_…`), the parent of its take-backs.
    pub id: String,
    /// The rate the entry was earned at; take-backs use the same.
    pub rate_bps: Bps,
    /// Decides the take-back's kind; a `reversed` entry gives nothing more back.
    pub state: EntryState,
}

/// Which kind of negative entry a take-back is, by its parent's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TakeBackKind {
    /// Of a pending entry.
    Reversal,
    /// Of an approved entry, which is never edited.
    Clawback,
}

/// A negative ledger entry to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TakeBack {
    /// The refunded line's position in the order, from 0.
    pub line_no: u32,
    /// The commission entry this takes from.
    pub parent_id: String,
    /// Reversal or clawback, by the parent's state.
    pub kind: TakeBackKind,
    /// Units this event refunds of the line.
    pub quantity: i64,
    /// The parent's rate.
    pub rate_bps: Bps,
    /// Negative: the base taken back.
    pub base: i64,
    /// Negative: the commission taken back.
    pub amount: i64,
    /// The parent was pending and this leaves nothing of it: it becomes `reversed`.
    pub closes_parent: bool,
}

/// A line's refunded quantity moving from `from` to `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundStep {
    /// The line's position in the order, from 0.
    pub line_no: u32,
    /// Units refunded before this event.
    pub from: i64,
    /// Units refunded after it; never above the line's quantity.
    pub to: i64,
}

/// What a refund or cancel writes ([`plan_refund`]); empty when it refunds nothing more.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RefundPlan {
    /// Every line whose refunded quantity moves, earning or not.
    pub steps: Vec<RefundStep>,
    /// The negative entries, one per step of a line with a commission not yet reversed.
    pub take_backs: Vec<TakeBack>,
}

/// What to refund: some units by sku (this event's, not a running total), or everything.
pub enum Refund<'a> {
    /// `(sku, units)` pairs of an `order.refunded` event; a sku may repeat, and adds up.
    Units(&'a [(String, i64)]),
    /// Every unit not yet refunded: an `order.cancelled` event.
    Everything,
}

/// Plans a refund or cancel. Units of a sku are taken from its lines in order; a line can't
/// be refunded past its quantity, so a repeated refund plans nothing more. Each line's
/// commission is recomputed on its remaining quantity (discount prorated) and the difference
/// taken back: a reversal while pending, a clawback once approved.
///
/// The store writes the units and parents of this plan; the amounts and kinds it computes
/// again in the write batch, from the line as stored then (`store::orders::TAKE_BACK_SQL`,
/// the same arithmetic), so that concurrent refunds commute. The amounts here are the
/// reference that SQL is tested against.
pub fn plan_refund(lines: &[StoredLine], refund: Refund<'_>) -> Result<RefundPlan, CommissionError> {
    let mut wanted: HashMap<&str, i64> = HashMap::new();
    if let Refund::Units(units) = refund {
        for (sku, qty) in units {
            if *qty < 0 {
                return Err(CommissionError::Negative);
            }
            *wanted.entry(sku.as_str()).or_default() += qty;
        }
    }
    let mut plan = RefundPlan::default();
    for line in lines {
        let left = (line.item.quantity - line.refunded_quantity).max(0);
        let take = match refund {
            Refund::Everything => left,
            Refund::Units(_) => match wanted.get_mut(line.item.sku.as_str()) {
                Some(w) => {
                    let t = (*w).min(left);
                    *w -= t;
                    t
                }
                None => 0,
            },
        };
        if take == 0 {
            continue;
        }
        let (from, to) = (line.refunded_quantity, line.refunded_quantity + take);
        plan.steps.push(RefundStep { line_no: line.line_no, from, to });
        let Some(c) = &line.commission else { continue };
        let kind = match c.state {
            EntryState::Pending => TakeBackKind::Reversal,
            // Never edited again: what is taken back is clawed back.
            EntryState::Approved | EntryState::Paid => TakeBackKind::Clawback,
            EntryState::Reversed => continue,
        };
        let LineItem { unit_price, quantity, discount, .. } = line.item;
        let amount = reversal_for_refund(unit_price, quantity, discount, c.rate_bps, from, take)?;
        let base = remaining_base(unit_price, quantity, discount, quantity - from)?
            - remaining_base(unit_price, quantity, discount, quantity - to)?;
        plan.take_backs.push(TakeBack {
            line_no: line.line_no,
            parent_id: c.id.clone(),
            kind,
            quantity: take,
            rate_bps: c.rate_bps,
            base: -base,
            amount: -amount,
            closes_parent: kind == TakeBackKind::Reversal && to >= quantity,
        });
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(sku: &str, quantity: i64, unit_price: i64, discount: i64) -> LineItem {
        LineItem { sku: sku.into(), quantity, unit_price, discount }
    }

    fn product(id: &str, sku: &str, product_rate: Option<u32>) -> ProductRate {
        ProductRate {
            product_id: id.into(),
            sku: sku.into(),
            rates: RateInputs { product: product_rate, brand_default: 1000, ..Default::default() },
        }
    }

    #[test]
    fn linked_product_earns_at_the_locked_rate_others_at_todays() {
        let products = [product("pr_a", "A", Some(500)), product("pr_b", "B", Some(2000))];
        let lock = RateLock { product_id: "pr_a".into(), rate_bps: 1500 };
        let lines = plan_paid(
            &[item("A", 2, 1000, 100), item("B", 1, 999, 0), item("ZZ", 5, 100, 0)],
            &products,
            Earner::Click(&lock),
        )
        .unwrap();
        assert_eq!(lines[0].earned, Some(Earned { rate_bps: 1500, base: 1900, amount: 285 }));
        assert_eq!(lines[1].earned, Some(Earned { rate_bps: 2000, base: 999, amount: 199 }));
        assert_eq!(lines[2].earned, None, "unknown skus earn nothing");
        assert_eq!(lines[2].product_id, None);
        assert_eq!(lines.iter().map(|l| l.line_no).collect::<Vec<_>>(), vec![0, 1, 2]);
    }

    #[test]
    fn a_code_earns_every_line_at_the_rates_that_stand() {
        let products = [product("pr_a", "A", Some(500)), product("pr_b", "B", None)];
        let lines =
            plan_paid(&[item("A", 2, 1000, 100), item("B", 1, 999, 0)], &products, Earner::AtCurrentRates).unwrap();
        assert_eq!(lines[0].earned, Some(Earned { rate_bps: 500, base: 1900, amount: 95 }));
        assert_eq!(lines[1].earned, Some(Earned { rate_bps: 1000, base: 999, amount: 99 }));
    }

    #[test]
    fn unattributed_orders_earn_nothing_but_keep_their_lines() {
        let lines = plan_paid(&[item("A", 1, 100, 0)], &[product("pr_a", "A", None)], Earner::Nobody).unwrap();
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].product_id.as_deref(), Some("pr_a"));
        assert_eq!(lines[0].earned, None);
    }

    fn stored(line_no: u32, it: LineItem, refunded: i64, state: Option<EntryState>) -> StoredLine {
        StoredLine {
            line_no,
            item: it,
            refunded_quantity: refunded,
            commission: state.map(|state| StoredCommission { id: format!("cm_{line_no}"), rate_bps: 1000, state }),
        }
    }

    #[test]
    fn a_partial_refund_reverses_the_refunded_units_only() {
        let lines = [stored(0, item("A", 3, 1000, 300), 0, Some(EntryState::Pending))];
        let units = [("A".to_string(), 1)];
        let plan = plan_refund(&lines, Refund::Units(&units)).unwrap();
        assert_eq!(plan.steps, vec![RefundStep { line_no: 0, from: 0, to: 1 }]);
        // Whole line: base 2700, commission 270. Remaining 2 units: 2000 - 200 = 1800 → 180.
        assert_eq!(plan.take_backs[0].amount, -90);
        assert_eq!(plan.take_backs[0].base, -900);
        assert_eq!(plan.take_backs[0].kind, TakeBackKind::Reversal);
        assert!(!plan.take_backs[0].closes_parent);
    }

    #[test]
    fn refunding_the_rest_closes_the_entry_and_sums_to_the_whole() {
        let lines = [stored(0, item("A", 3, 1000, 300), 1, Some(EntryState::Pending))];
        let plan = plan_refund(&lines, Refund::Everything).unwrap();
        assert_eq!(plan.take_backs[0].amount, -180);
        assert!(plan.take_backs[0].closes_parent);
    }

    #[test]
    fn a_repeated_refund_takes_back_nothing_more() {
        let lines = [stored(0, item("A", 2, 1000, 0), 2, Some(EntryState::Reversed))];
        let units = [("A".to_string(), 2)];
        assert_eq!(plan_refund(&lines, Refund::Units(&units)).unwrap(), RefundPlan::default());
    }

    #[test]
    fn after_approval_a_refund_is_a_clawback() {
        let lines = [stored(0, item("A", 1, 5000, 0), 0, Some(EntryState::Approved))];
        let plan = plan_refund(&lines, Refund::Everything).unwrap();
        assert_eq!(plan.take_backs[0].kind, TakeBackKind::Clawback);
        assert_eq!(plan.take_backs[0].amount, -500);
        assert!(!plan.take_backs[0].closes_parent, "approved entries are never edited");
    }

    #[test]
    fn units_of_a_sku_spread_over_its_lines_and_lines_without_commission_move_too() {
        let lines = [
            stored(0, item("A", 1, 100, 0), 0, Some(EntryState::Pending)),
            stored(1, item("A", 2, 100, 0), 0, Some(EntryState::Pending)),
            stored(2, item("X", 1, 100, 0), 0, None),
        ];
        let units = [("A".to_string(), 2), ("X".to_string(), 1), ("nope".to_string(), 4)];
        let plan = plan_refund(&lines, Refund::Units(&units)).unwrap();
        assert_eq!(
            plan.steps,
            vec![
                RefundStep { line_no: 0, from: 0, to: 1 },
                RefundStep { line_no: 1, from: 0, to: 1 },
                RefundStep { line_no: 2, from: 0, to: 1 },
            ]
        );
        assert_eq!(plan.take_backs.len(), 2);
        assert_eq!(plan.take_backs.iter().map(|t| t.amount).sum::<i64>(), -20);
    }

    #[test]
    fn negative_refund_quantities_are_refused() {
        let lines = [stored(0, item("A", 1, 100, 0), 0, Some(EntryState::Pending))];
        let units = [("A".to_string(), -1)];
        assert_eq!(plan_refund(&lines, Refund::Units(&units)), Err(CommissionError::Negative));
    }
}
