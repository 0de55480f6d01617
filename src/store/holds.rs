//! `commission_holds`: a held commission (a self-referral) and the brand's one decision on
//! it, as one D1 batch. Its later statements act only when its first one made the decision
//! (`decided_at` is this call's time), and that one only on the brand's own open hold, so a
//! repeated or concurrent call changes nothing more; the reversal's `event_key` makes a
//! second one impossible anyway (the ledger's UNIQUE).

use super::d1::{batch, int, text, Stmt};
use super::{Db, StoreResult};
use crate::domain::states::HoldState;

row! {
    struct HoldRow {
        state: String,
    }
}

/// What a decision left: the hold's state (`None`: never held, or not the brand's), and
/// whether an event was written.
pub struct Decided {
    pub hold: Option<HoldState>,
    pub events: bool,
}

/// The decision of this call (`?1` entry, `?2` now) took effect, as a SQL condition.
macro_rules! decided_now {
    ($state:literal) => {
        concat!("(SELECT decided_at FROM commission_holds WHERE entry_id = ?1 AND state = '", $state, "') = ?2")
    };
}

/// Decides brand `brand_id`'s open hold on `entry_id` at `now`: `release` is `Some(hold
/// ms)` to release it (due that long after `now`), `None` to reject it with a reversal
/// named `reversal_id`.
pub async fn decide(
    db: &Db,
    brand_id: &str,
    entry_id: &str,
    release: Option<i64>,
    reversal_id: &str,
    now: i64,
) -> StoreResult<Decided> {
    let open = |state: &'static str| {
        Stmt::new(
            "UPDATE commission_holds SET state = ?3, decided_at = ?2 WHERE entry_id = ?1 AND state = 'held' \
             AND EXISTS (SELECT 1 FROM commissions WHERE id = ?1 AND brand_id = ?4)",
            vec![text(entry_id), int(now), text(state), text(brand_id)],
        )
    };
    let mut statements = match release {
        Some(hold_ms) => vec![
            open("released"),
            Stmt::new(
                concat!(
                    "UPDATE commissions SET approve_after = ?2 + ?3 WHERE id = ?1 AND state = 'pending' AND ",
                    decided_now!("released")
                ),
                vec![text(entry_id), int(now), int(hold_ms)],
            ),
        ],
        None => vec![
            open("rejected"),
            Stmt::new(
                concat!(
                    // The table's own column order (schema.sql): id … created_at.
                    "INSERT INTO commissions SELECT ?3, p.order_id, p.line_no, p.brand_id, p.creator_id, p.link_code, p.live_session_id, p.sku, \
                     l.quantity - l.refunded_quantity, p.rate_bps, \
                     -(p.base + COALESCE((SELECT SUM(c.base) FROM commissions c WHERE c.parent_id = p.id), 0)), \
                     -(p.amount + COALESCE((SELECT SUM(c.amount) FROM commissions c WHERE c.parent_id = p.id), 0)), \
                     p.currency, 'reversed', 'reversal', p.id, 'hold_rejected', NULL, ?2 \
                     FROM commissions p JOIN order_lines l ON l.order_id = p.order_id AND l.line_no = p.line_no \
                     WHERE p.id = ?1 AND p.state = 'pending' AND ",
                    decided_now!("rejected")
                ),
                vec![text(entry_id), int(now), text(reversal_id)],
            ),
            Stmt::new(
                concat!(
                    "UPDATE commissions SET state = 'reversed' WHERE id = ?1 AND state = 'pending' AND ",
                    decided_now!("rejected")
                ),
                vec![text(entry_id), int(now)],
            ),
            Stmt::new(super::events::COMMISSION_REVERSED, vec![text(reversal_id), int(now)]),
        ],
    };
    let writes = statements.len();
    statements.push(Stmt::new(
        "SELECT h.state FROM commission_holds h JOIN commissions e ON e.id = h.entry_id \
         WHERE h.entry_id = ?1 AND e.brand_id = ?2",
        vec![text(entry_id), text(brand_id)],
    ));
    let answers = batch(db, &statements).await?;
    let events = release.is_none() && answers.get(writes - 1).is_some_and(|a| a.changes > 0);
    let hold = match answers.get(writes) {
        Some(a) => a.results::<HoldRow>()?.into_iter().next().and_then(|r| HoldState::parse(&r.state)),
        None => None,
    };
    Ok(Decided { hold, events })
}
