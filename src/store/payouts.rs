//! The `payouts` and `payout_entries` tables: a creator's approved net balance with one
//! brand in one currency, paid out. An entry is in at most one payout (the primary key of
//! `payout_entries`), so concurrent calls can never pay an entry twice; the amount of a
//! payout is the sum of its entries, computed in the transaction that takes them.

use super::d1::{all, batch, first, int, text, Param, Stmt};
use super::{Db, Keyset, Owner, StoreResult};
use crate::domain::states::PayoutState;

row! {
    #[derive(Debug, Clone)]
    pub struct PayoutRow {
        pub id: String,
        pub brand_id: String,
        pub creator_id: String,
        pub currency: String,
        pub amount: i64,
        pub entries: i64,
        pub state: PayoutState,
        pub reference: Option<String>,
        pub created_at: i64,
        pub paid_at: Option<i64>,
    }
}

/// A payout row's columns, from `payouts po`.
macro_rules! columns {
    () => {
        "SELECT po.id, po.brand_id, po.creator_id, po.currency, po.amount, po.entries, po.state, \
         po.reference, po.created_at, po.paid_at FROM payouts po "
    };
}

/// The entries of brand `?1` in currency `?2` that a payout may take: approved commissions
/// and every take-back of an approved or paid one (a clawback after a payout is netted into
/// the next), not yet in any payout. Pending commissions and their reversals wait.
macro_rules! payable {
    () => {
        "payable AS (SELECT e.id, e.creator_id, e.amount FROM commissions e \
           LEFT JOIN commissions p ON p.id = e.parent_id \
         WHERE e.brand_id = ?1 AND e.currency = ?2 \
           AND CASE WHEN e.kind = 'commission' THEN e.state = 'approved' ELSE p.state IN ('approved', 'paid') END \
           AND NOT EXISTS (SELECT 1 FROM payout_entries x WHERE x.entry_id = e.id))"
    };
}

/// The payouts a batch makes: `?4` is a JSON array of `[payout_id, creator_id]`.
macro_rules! chosen {
    () => {
        "chosen AS (SELECT json_extract(j.value, '$[0]') AS id, json_extract(j.value, '$[1]') AS creator_id \
         FROM json_each(?4) j)"
    };
}

row! {
    /// A creator's payable balance, as [`balances`] reads it.
    #[derive(Debug)]
    pub struct Balance {
        pub creator_id: String,
        pub amount: i64,
    }
}

/// The most creators one call pays (a brand with more calls again).
pub const MAX_PER_CALL: i64 = 500;

/// Creators whose payable balance with the brand in `currency` is at least `minimum`.
pub async fn balances(db: &Db, brand_id: &str, currency: &str, minimum: i64) -> StoreResult<Vec<Balance>> {
    all(
        db,
        concat!(
            "WITH ",
            payable!(),
            " SELECT creator_id, SUM(amount) AS amount FROM payable GROUP BY creator_id \
             HAVING SUM(amount) >= ?3 ORDER BY creator_id LIMIT ?4"
        ),
        &[text(brand_id), text(currency), int(minimum), int(MAX_PER_CALL)],
    )
    .await
}

/// Makes a payout for each `(payout_id, creator_id)` whose balance is still at least
/// `minimum` when the batch runs, with every entry payable then. One transaction: a
/// concurrent call either ran before (its entries are no longer payable) or after. Also
/// answers whether it wrote events.
pub async fn create(
    db: &Db,
    brand_id: &str,
    currency: &str,
    minimum: i64,
    chosen: &[(String, String)],
    now: i64,
) -> StoreResult<(Vec<PayoutRow>, bool)> {
    let chosen = serde_json::to_string(chosen).map_err(|e| super::StoreError::D1(e.to_string()))?;
    let params: Vec<Param> = vec![text(brand_id), text(currency), int(minimum), text(&chosen), int(now)];
    let statements = [
        Stmt::new(
            concat!(
                "WITH ",
                payable!(),
                ", ",
                chosen!(),
                " INSERT INTO payouts (id, brand_id, creator_id, currency, amount, entries, state, created_at) \
                 SELECT c.id, ?1, c.creator_id, ?2, SUM(a.amount), COUNT(*), 'pending', ?5 \
                 FROM chosen c JOIN payable a ON a.creator_id = c.creator_id \
                 GROUP BY c.id, c.creator_id HAVING SUM(a.amount) >= ?3"
            ),
            params.clone(),
        ),
        Stmt::new(
            concat!(
                "WITH ",
                payable!(),
                ", ",
                chosen!(),
                " INSERT INTO payout_entries (entry_id, payout_id, brand_id, creator_id, currency) \
                 SELECT a.id, c.id, ?1, a.creator_id, ?2 \
                 FROM chosen c JOIN payouts po ON po.id = c.id JOIN payable a ON a.creator_id = c.creator_id"
            ),
            // (?3 is not used here: SQLite counts parameters up to the highest number)
            params[..4].to_vec(),
        ),
        Stmt::new(super::events::PAYOUTS_CREATED, vec![text(brand_id), text(&chosen), int(now)]),
        Stmt::new(
            concat!(
                columns!(),
                "WHERE po.id IN (SELECT json_extract(value, '$[0]') FROM json_each(?1)) ORDER BY po.creator_id"
            ),
            vec![text(&chosen)],
        ),
    ];
    let answers = batch(db, &statements).await?;
    let events = answers.get(2).is_some_and(|a| a.changes > 0);
    match answers.get(3) {
        Some(made) => Ok((made.results()?, events)),
        None => Ok((Vec::new(), events)),
    }
}

/// Marks one of the brand's payouts paid with `reference`, and its commissions `paid`. A
/// payout already paid is left as it is; the caller compares its reference. `None` when
/// the brand has no such payout. Also answers whether it wrote an event.
pub async fn mark_paid(
    db: &Db,
    brand_id: &str,
    id: &str,
    reference: &str,
    now: i64,
) -> StoreResult<(Option<PayoutRow>, bool)> {
    let statements = [
        Stmt::new(
            "UPDATE payouts SET state = 'paid', reference = ?3, paid_at = ?4 \
             WHERE id = ?1 AND brand_id = ?2 AND state = 'pending'",
            vec![text(id), text(brand_id), text(reference), int(now)],
        ),
        Stmt::new(
            "UPDATE commissions SET state = 'paid' WHERE kind = 'commission' AND state = 'approved' \
             AND id IN (SELECT x.entry_id FROM payout_entries x JOIN payouts po ON po.id = x.payout_id \
                        WHERE x.payout_id = ?1 AND po.brand_id = ?2 AND po.state = 'paid')",
            vec![text(id), text(brand_id)],
        ),
        Stmt::new(super::events::PAYOUT_PAID, vec![text(id), text(brand_id), int(now)]),
        Stmt::new(concat!(columns!(), "WHERE po.id = ?1 AND po.brand_id = ?2"), vec![text(id), text(brand_id)]),
    ];
    let answers = batch(db, &statements).await?;
    let events = answers.get(2).is_some_and(|a| a.changes > 0);
    match answers.get(3) {
        Some(row) => Ok((row.results()?.into_iter().next(), events)),
        None => Ok((None, events)),
    }
}

pub async fn list(db: &Db, owner: Owner<'_>, page: &Keyset) -> StoreResult<Vec<PayoutRow>> {
    let (sql, id) = match owner {
        Owner::Brand(id) => (concat!(columns!(), "WHERE po.brand_id = ?1 AND ", keyset_sql!("po")), id),
        Owner::Creator(id) => (concat!(columns!(), "WHERE po.creator_id = ?1 AND ", keyset_sql!("po")), id),
    };
    all(db, sql, &page.params(vec![text(id)])).await
}

/// One payout, when `owner` is a side of it.
pub async fn get(db: &Db, owner: Owner<'_>, id: &str) -> StoreResult<Option<PayoutRow>> {
    let (sql, owner_id) = match owner {
        Owner::Brand(o) => (concat!(columns!(), "WHERE po.id = ?1 AND po.brand_id = ?2"), o),
        Owner::Creator(o) => (concat!(columns!(), "WHERE po.id = ?1 AND po.creator_id = ?2"), o),
    };
    first(db, sql, &[text(id), text(owner_id)]).await
}
