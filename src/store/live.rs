//! The `live_sessions` and `live_pins` tables, a session's tracked links, and its stats.

use super::d1::{all, batch, first, int, opt_int, opt_text, run, text, BatchResult, D1Error, FromRow, Row, Stmt};
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
        pub stream_url: Option<String>,
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
    /// The pin's flash deal while it runs: the code and its end.
    pub deal: Option<(String, i64)>,
}

impl FromRow for PinRow {
    fn from_row(row: Row<'_>) -> Result<PinRow, D1Error> {
        let deal = row.get::<Option<String>>("deal_code")?.zip(row.get::<Option<i64>>("deal_ends_at")?);
        Ok(PinRow {
            showcase: ShowcaseRow::from_row(row)?,
            code: row.get("code")?,
            pinned_at: row.get("pinned_at")?,
            deal,
        })
    }
}

const COLUMNS: &str = "id, creator_id, title, starts_at, state, created_at, ended_at, stream_url";

/// The most pins a page shows. A show pins a handful; the cap only bounds a runaway one.
pub const MAX_PINS: i64 = 200;

pub async fn insert(db: &Db, s: &LiveRow) -> StoreResult<()> {
    run(
        db,
        "INSERT INTO live_sessions (id, creator_id, title, starts_at, state, created_at, ended_at, stream_url) \
         VALUES (?,?,?,?,?,?,?,?)",
        &[
            text(&s.id),
            text(&s.creator_id),
            text(&s.title),
            opt_int(s.starts_at),
            text(s.state.as_str()),
            int(s.created_at),
            opt_int(s.ended_at),
            opt_text(s.stream_url.as_deref()),
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
        "SELECT s.id, s.creator_id, s.title, s.starts_at, s.state, s.created_at, s.ended_at, s.stream_url, \
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

/// Changes a session's title and stream (`None`: kept; `Some(None)`: the stream removed).
pub async fn update(
    db: &Db,
    creator_id: &str,
    id: &str,
    title: Option<&str>,
    stream_url: Option<Option<&str>>,
) -> StoreResult<()> {
    run(
        db,
        "UPDATE live_sessions SET title = COALESCE(?3, title), \
         stream_url = CASE WHEN ?4 THEN ?5 ELSE stream_url END WHERE id = ?1 AND creator_id = ?2",
        &[
            text(id),
            text(creator_id),
            opt_text(title),
            int(stream_url.is_some().into()),
            opt_text(stream_url.flatten()),
        ],
    )
    .await?;
    Ok(())
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

/// Ends the running deals of a session (`?1`), of one product (`?2`) or all (`NULL`), at
/// `?3` (never before a deal's start: the CHECK wants an end after it).
const END_DEALS: &str = "UPDATE live_deals SET ends_at = MAX(?3, starts_at + 1) \
    WHERE live_session_id = ?1 AND (?2 IS NULL OR product_id = ?2) AND ends_at > ?3";

row! {
    /// A code that a deal may carry: the session creator's, active, for the product's brand.
    pub struct DealCode {
        pub id: String,
        pub code: String,
        /// The brand sells on Shopify: the buy link applies the code itself.
        pub shopify: bool,
    }
}

/// `code` (any case) when it is an active code of this creator for this brand.
pub async fn deal_code(db: &Db, creator_id: &str, brand_id: &str, code: &str) -> StoreResult<Option<DealCode>> {
    first(
        db,
        "SELECT c.id, c.code, b.webhook_scheme = 'shopify' AS shopify FROM creator_codes c JOIN brands b ON b.id = c.brand_id \
         WHERE c.brand_id = ? AND c.creator_id = ? AND c.code = ? AND c.active = 1",
        &[text(brand_id), text(creator_id), text(code)],
    )
    .await
}

/// Ends the session's running deals (of one product, or all) and answers the links they
/// were on, whose KV records may still carry them.
pub async fn end_deals(db: &Db, session_id: &str, product_id: Option<&str>, now: i64) -> StoreResult<Vec<LinkRow>> {
    let params = [text(session_id), opt_text(product_id), int(now)];
    let links = all(
        db,
        &format!(
            "SELECT {} FROM links l JOIN products p ON p.id = l.product_id WHERE l.live_session_id = ?1 \
             AND l.product_id IN (SELECT product_id FROM live_deals WHERE live_session_id = ?1 \
             AND (?2 IS NULL OR product_id = ?2) AND ends_at > ?3)",
            super::links::COLUMNS
        ),
        &params,
    )
    .await?;
    if !links.is_empty() {
        run(db, END_DEALS, &params).await?;
    }
    Ok(links)
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
/// A pin's flash deal: the code (a [`DealCode`]'s id) and when it ends.
pub struct NewDeal<'a> {
    pub creator_id: &'a str,
    pub brand_id: &'a str,
    pub code_id: &'a str,
    pub ends_at: i64,
}

/// Pins a product (or moves an existing pin to the top) and returns its `pinned_at`.
/// `pinned_at` is kept strictly above every other pin of the session, so "newest first" is
/// a total order even for pins made in the same millisecond. In the same transaction the
/// product's running deal ends and the pin's own `deal` (if any) starts at `pinned_at`.
pub async fn pin(
    db: &Db,
    session_id: &str,
    product_id: &str,
    link_id: &str,
    now: i64,
    deal: Option<&NewDeal<'_>>,
) -> StoreResult<i64> {
    let mut statements = vec![
        Stmt::new(END_DEALS, vec![text(session_id), text(product_id), int(now)]),
        Stmt::new(
            "INSERT INTO live_pins (live_session_id, product_id, link_id, pinned_at) \
             VALUES (?1, ?2, ?3, MAX(?4, COALESCE((SELECT MAX(pinned_at) FROM live_pins WHERE live_session_id = ?1), 0) + 1)) \
             ON CONFLICT (live_session_id, product_id) DO UPDATE SET \
             link_id = excluded.link_id, pinned_at = excluded.pinned_at \
             RETURNING pinned_at",
            vec![text(session_id), text(product_id), text(link_id), int(now)],
        ),
    ];
    if let Some(d) = deal {
        statements.push(Stmt::new(
            "INSERT INTO live_deals (live_session_id, creator_id, product_id, brand_id, code_id, starts_at, ends_at) \
             SELECT ?1, ?2, ?3, ?4, ?5, pinned_at, ?6 FROM live_pins WHERE live_session_id = ?1 AND product_id = ?3",
            vec![
                text(session_id),
                text(d.creator_id),
                text(product_id),
                text(d.brand_id),
                text(d.code_id),
                int(d.ends_at),
            ],
        ));
    }
    let results = batch(db, &statements).await?;
    let row = results.get(1).map(|r| r.results::<PinnedAt>()).transpose()?.and_then(|r| r.into_iter().next());
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
pub async fn pins(db: &Db, session_id: &str, now: i64) -> StoreResult<Vec<PinRow>> {
    all(
        db,
        "SELECT p.id, p.brand_id, p.sku, p.title, p.url, p.price_amount, p.price_currency, \
         p.commission_bps, p.image_url, p.active, p.created_at, p.updated_at, \
         b.default_commission_bps, b.click_param, l.code, lp.pinned_at, d.code AS deal_code, d.ends_at AS deal_ends_at \
         FROM live_pins lp \
         JOIN products p ON p.id = lp.product_id \
         JOIN brands b ON b.id = p.brand_id \
         JOIN links l ON l.id = lp.link_id \
         LEFT JOIN (SELECT ld.product_id, dc.code, ld.ends_at FROM live_deals ld JOIN creator_codes dc ON dc.id = ld.code_id \
           WHERE ld.live_session_id = ?1 AND ld.ends_at > ?3 AND ld.starts_at <= ?3 AND dc.active = 1) d ON d.product_id = lp.product_id \
         WHERE lp.live_session_id = ?1 AND p.active = 1 AND l.active = 1 \
         ORDER BY lp.pinned_at DESC, lp.product_id LIMIT ?2",
        &[text(session_id), int(MAX_PINS), int(now)],
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
             "active","created_at","updated_at","default_commission_bps","click_param","code","pinned_at","deal_code","deal_ends_at"],
            ["pr_1","br_1","SKU-1","Thing","https://shop.example/p",1250,"EUR",null,null,1,10,20,
             1000,"aff","AbC1234",30,"MAYA10",90]
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
        assert_eq!(p.deal, Some(("MAYA10".to_string(), 90)));
        Ok(())
    }

    #[test]
    fn a_public_session_reads_its_creator_handle() -> Result<(), String> {
        let table = r#"[["id","creator_id","title","starts_at","state","created_at","ended_at","stream_url","creator_handle"],
            ["ls_1","cr_1","Show",null,"live",5,null,null,"maria"]]"#;
        let rows = crate::store::d1::decode::<PublicLiveRow>(table).map_err(|e| e.0)?;
        let [r] = rows.as_slice() else { return Err(format!("{} rows", rows.len())) };
        assert_eq!((r.session.id.as_str(), r.session.starts_at, r.creator_handle.as_str()), ("ls_1", None, "maria"));
        Ok(())
    }
}
