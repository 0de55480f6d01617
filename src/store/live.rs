//! The `live_sessions` and `live_pins` tables, a session's tracked links, and its stats.

use super::d1::{all, batch, first, int, opt_int, run, text, BatchResult, D1Error, FromRow, Row, Stmt};
use super::links::{CurrencySum, LinkRow};
use super::products::ShowcaseRow;
use super::Db;
use super::Keyset;
use super::{StoreError, StoreResult};
use crate::domain::states::SessionState;

row! {
    #[derive(Debug, Clone)]
    pub struct LiveRow {
        pub id: String,
        pub creator_id: String,
        pub title: String,
        pub starts_at: Option<i64>,
        pub state: SessionState,
        pub created_at: i64,
        pub ended_at: Option<i64>,
    }
}

/// A session with its creator's handle: what the public page and feed show.
#[derive(Debug, Clone)]
pub struct PublicLiveRow {
    pub session: LiveRow,
    pub creator_handle: String,
}

impl FromRow for PublicLiveRow {
    fn from_row(row: Row<'_>) -> Result<PublicLiveRow, D1Error> {
        Ok(PublicLiveRow { session: LiveRow::from_row(row)?, creator_handle: row.get("creator_handle")? })
    }
}

/// A pinned product as viewers see it: the product (with its open rate), the session's
/// link code for it and when it was pinned.
#[derive(Debug, Clone)]
pub struct PinRow {
    pub showcase: ShowcaseRow,
    pub code: String,
    pub pinned_at: i64,
}

impl FromRow for PinRow {
    fn from_row(row: Row<'_>) -> Result<PinRow, D1Error> {
        Ok(PinRow { showcase: ShowcaseRow::from_row(row)?, code: row.get("code")?, pinned_at: row.get("pinned_at")? })
    }
}

const COLUMNS: &str = "id, creator_id, title, starts_at, state, created_at, ended_at";

/// The most pins a page shows. A show pins a handful; the cap only bounds a runaway one.
pub const MAX_PINS: i64 = 200;

pub async fn insert(db: &Db, s: &LiveRow) -> StoreResult<()> {
    run(
        db,
        "INSERT INTO live_sessions (id, creator_id, title, starts_at, state, created_at, ended_at) \
         VALUES (?,?,?,?,?,?,?)",
        &[
            text(&s.id),
            text(&s.creator_id),
            text(&s.title),
            opt_int(s.starts_at),
            text(s.state.as_str()),
            int(s.created_at),
            opt_int(s.ended_at),
        ],
    )
    .await?;
    Ok(())
}

/// One of this creator's sessions; another creator's is `None` (answered as 404).
pub async fn for_creator(db: &Db, creator_id: &str, id: &str) -> StoreResult<Option<LiveRow>> {
    first(
        db,
        &format!("SELECT {COLUMNS} FROM live_sessions WHERE id = ? AND creator_id = ?"),
        &[text(id), text(creator_id)],
    )
    .await
}

/// Any session, for the public page and feed.
pub async fn public(db: &Db, id: &str) -> StoreResult<Option<PublicLiveRow>> {
    first(
        db,
        "SELECT s.id, s.creator_id, s.title, s.starts_at, s.state, s.created_at, s.ended_at, \
         c.handle AS creator_handle FROM live_sessions s JOIN creators c ON c.id = s.creator_id WHERE s.id = ?",
        &[text(id)],
    )
    .await
}

pub async fn list_for_creator(db: &Db, creator_id: &str, page: &Keyset) -> StoreResult<Vec<LiveRow>> {
    all(
        db,
        &format!("SELECT {COLUMNS} FROM live_sessions s WHERE s.creator_id = ?1 AND {}", Keyset::sql("s", 2)),
        &page.params(vec![text(creator_id)]),
    )
    .await
}

/// Ends a live session of this creator. Ending twice changes nothing (0 rows), so a
/// retried request keeps the first `ended_at`.
pub async fn end(db: &Db, creator_id: &str, id: &str, now: i64) -> StoreResult<usize> {
    run(
        db,
        "UPDATE live_sessions SET state = 'ended', ended_at = ? WHERE id = ? AND creator_id = ? AND state = 'live'",
        &[int(now), text(id), text(creator_id)],
    )
    .await
}

/// The session's tracked link for a product, if one was made (at most one: the
/// `links_live_product` unique index).
pub async fn session_link(db: &Db, session_id: &str, product_id: &str) -> StoreResult<Option<LinkRow>> {
    first(
        db,
        &format!(
            "SELECT {} FROM links l JOIN products p ON p.id = l.product_id \
             WHERE l.live_session_id = ? AND l.product_id = ?",
            super::links::COLUMNS
        ),
        &[text(session_id), text(product_id)],
    )
    .await
}

/// Re-enables a session link its creator had disabled: pinning the product again is the
/// creator saying viewers should be able to buy it.
pub async fn reactivate_link(db: &Db, session_id: &str, link_id: &str) -> StoreResult<()> {
    run(db, "UPDATE links SET active = 1 WHERE id = ? AND live_session_id = ?", &[text(link_id), text(session_id)])
        .await?;
    Ok(())
}

pub async fn is_pinned(db: &Db, session_id: &str, product_id: &str) -> StoreResult<bool> {
    row! {
        struct Pinned {
            pinned: bool,
        }
    }
    let row: Option<Pinned> = first(
        db,
        "SELECT EXISTS (SELECT 1 FROM live_pins WHERE live_session_id = ? AND product_id = ?) AS pinned",
        &[text(session_id), text(product_id)],
    )
    .await?;
    Ok(row.is_some_and(|r| r.pinned))
}

row! {
    struct PinnedAt {
        pinned_at: i64,
    }
}

/// Pins a product (or moves an existing pin to the top) and returns its `pinned_at`.
/// `pinned_at` is kept strictly above every other pin of the session, so "newest first" is
/// a total order even for pins made in the same millisecond.
pub async fn pin(db: &Db, session_id: &str, product_id: &str, link_id: &str, now: i64) -> StoreResult<i64> {
    let row: Option<PinnedAt> = first(
        db,
        "INSERT INTO live_pins (live_session_id, product_id, link_id, pinned_at) \
         VALUES (?1, ?2, ?3, MAX(?4, COALESCE((SELECT MAX(pinned_at) FROM live_pins WHERE live_session_id = ?1), 0) + 1)) \
         ON CONFLICT (live_session_id, product_id) DO UPDATE SET \
         link_id = excluded.link_id, pinned_at = excluded.pinned_at \
         RETURNING pinned_at",
        &[text(session_id), text(product_id), text(link_id), int(now)],
    )
    .await?;
    row.map(|r| r.pinned_at).ok_or_else(|| StoreError::D1("pin upsert returned no row".into()))
}

/// Removes a pin; returns whether there was one. The link itself stays active, so a viewer
/// who already has it can still buy (and the sale still counts for the session).
pub async fn unpin(db: &Db, session_id: &str, product_id: &str) -> StoreResult<bool> {
    Ok(run(
        db,
        "DELETE FROM live_pins WHERE live_session_id = ? AND product_id = ?",
        &[text(session_id), text(product_id)],
    )
    .await?
        > 0)
}

/// The pins a viewer can buy, newest first: withdrawn products and disabled links are left
/// out, since their buy button would only answer 410.
pub async fn pins(db: &Db, session_id: &str) -> StoreResult<Vec<PinRow>> {
    all(
        db,
        "SELECT p.id, p.brand_id, p.sku, p.title, p.url, p.price_amount, p.price_currency, \
         p.commission_bps, p.image_url, p.active, p.created_at, p.updated_at, \
         b.default_commission_bps, b.click_param, l.code, lp.pinned_at \
         FROM live_pins lp \
         JOIN products p ON p.id = lp.product_id \
         JOIN brands b ON b.id = p.brand_id \
         JOIN links l ON l.id = lp.link_id \
         WHERE lp.live_session_id = ? AND p.active = 1 AND l.active = 1 \
         ORDER BY lp.pinned_at DESC, lp.product_id LIMIT ?",
        &[text(session_id), int(MAX_PINS)],
    )
    .await
}

row! {
    #[derive(Debug)]
    pub struct LiveCounts {
        pub clicks: i64,
        pub orders: i64,
    }
}

/// A session's numbers, in one D1 round trip:
/// - `clicks`: human clicks on the session's links, from the roll-ups;
/// - `orders`: attributed orders carrying the session;
/// - GMV per currency: the sum of those orders' `gmv`;
/// - commission per currency: every ledger entry of the session (commissions, reversals
///   and clawbacks), so it is the net amount.
pub async fn stats(db: &Db, session_id: &str) -> StoreResult<(LiveCounts, Vec<CurrencySum>, Vec<CurrencySum>)> {
    let id = || vec![text(session_id)];
    let results = batch(
        db,
        &[
            Stmt::new(
                "SELECT (SELECT COALESCE(SUM(h.clicks), 0) FROM links l JOIN link_hourly h ON h.link_id = l.id \
                   WHERE l.live_session_id = ?1) AS clicks, \
                 (SELECT COUNT(*) FROM orders WHERE live_session_id = ?1 AND status = 'attributed') AS orders",
                id(),
            ),
            Stmt::new(
                "SELECT currency, SUM(gmv) AS amount FROM orders WHERE live_session_id = ? AND status = 'attributed' \
                 GROUP BY currency ORDER BY currency",
                id(),
            ),
            Stmt::new(
                "SELECT currency, SUM(amount) AS amount FROM commissions WHERE live_session_id = ? \
                 GROUP BY currency ORDER BY currency",
                id(),
            ),
        ],
    )
    .await?;
    let [counts, gmv, commission] = <[BatchResult; 3]>::try_from(results)
        .map_err(|r| StoreError::D1(format!("stats batch returned {} results", r.len())))?;
    let counts = counts.results::<LiveCounts>()?.into_iter().next().unwrap_or(LiveCounts { clicks: 0, orders: 0 });
    Ok((counts, gmv.results()?, commission.results()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pin_row_reads_its_product_rate_and_link_from_one_row() -> Result<(), String> {
        let table = r#"[
            ["id","brand_id","sku","title","url","price_amount","price_currency","commission_bps","image_url",
             "active","created_at","updated_at","default_commission_bps","click_param","code","pinned_at"],
            ["pr_1","br_1","SKU-1","Thing","https://shop.example/p",1250,"EUR",null,null,1,10,20,
             1000,"aff","AbC1234",30]
        ]"#;
        let pins = crate::store::d1::decode::<PinRow>(table).map_err(|e| e.0)?;
        let [p] = pins.as_slice() else { return Err(format!("{} rows", pins.len())) };
        let product = &p.showcase.product;
        assert_eq!(
            (product.id.as_str(), product.price_amount, product.commission_bps, product.active),
            ("pr_1", 1250, None, true)
        );
        assert_eq!((p.showcase.default_commission_bps, p.showcase.click_param.as_str()), (1000, "aff"));
        assert_eq!((p.code.as_str(), p.pinned_at), ("AbC1234", 30));
        Ok(())
    }

    #[test]
    fn a_public_session_reads_its_creator_handle() -> Result<(), String> {
        let table = r#"[["id","creator_id","title","starts_at","state","created_at","ended_at","creator_handle"],
            ["ls_1","cr_1","Show",null,"live",5,null,"maria"]]"#;
        let rows = crate::store::d1::decode::<PublicLiveRow>(table).map_err(|e| e.0)?;
        let [r] = rows.as_slice() else { return Err(format!("{} rows", rows.len())) };
        assert_eq!((r.session.id.as_str(), r.session.starts_at, r.creator_handle.as_str()), ("ls_1", None, "maria"));
        Ok(())
    }
}
