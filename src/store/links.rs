//! The `links` and `clicks` tables.

use super::d1::{all, first, int, opt_text, run, text};
use super::link_cache::{LinkRecord, ProductRecord};
use super::Db;
use super::Keyset;
use super::StoreResult;

row! {
    #[derive(Debug, Clone)]
    pub struct LinkRow {
        pub id: String,
        pub code: String,
        pub creator_id: String,
        pub brand_id: String,
        pub product_id: String,
        pub live_session_id: Option<String>,
        pub active: bool,
        pub created_at: i64,
        /// The product's URL (joined), the link's destination before the click id.
        pub destination: String,
    }
}

impl LinkRow {
    /// The link's KV record, as the redirect reads it.
    pub fn record(&self) -> LinkRecord {
        LinkRecord {
            active: self.active,
            link_id: self.id.clone(),
            creator_id: self.creator_id.clone(),
            brand_id: self.brand_id.clone(),
            product_id: self.product_id.clone(),
            live_session_id: self.live_session_id.clone(),
            deal: None,
        }
    }
}

/// A [`LinkRow`]'s columns, over `links l JOIN products p`.
pub(super) const COLUMNS: &str = "l.id, l.code, l.creator_id, l.brand_id, l.product_id, l.live_session_id, \
    l.active, l.created_at, p.url AS destination";

pub enum Insert {
    Done,
    CodeTaken,
}

/// Inserts a link; a taken code is reported, not an error (random codes retry, aliases 409).
pub async fn insert(db: &Db, l: &LinkRow) -> StoreResult<Insert> {
    let result = super::d1::try_run(
        db,
        "INSERT INTO links (id, code, creator_id, brand_id, product_id, live_session_id, active, created_at) \
         VALUES (?,?,?,?,?,?,?,?)",
        &[
            text(&l.id),
            text(&l.code),
            text(&l.creator_id),
            text(&l.brand_id),
            text(&l.product_id),
            opt_text(l.live_session_id.as_deref()),
            int(l.active.into()),
            int(l.created_at),
        ],
    )
    .await;
    match result {
        Ok(_) => Ok(Insert::Done),
        Err(e) if super::d1::is_unique_violation(&e) && e.0.contains("links.code") => Ok(Insert::CodeTaken),
        Err(e) => Err(e.into()),
    }
}

/// A link of this creator; another creator's is `None` (answered as 404).
pub async fn for_creator(db: &Db, creator_id: &str, code: &str) -> StoreResult<Option<LinkRow>> {
    first(
        db,
        &format!("SELECT {COLUMNS} FROM links l JOIN products p ON p.id = l.product_id WHERE l.code = ? AND l.creator_id = ?"),
        &[text(code), text(creator_id)],
    )
    .await
}

pub async fn list_for_creator(db: &Db, creator_id: &str, page: &Keyset) -> StoreResult<Vec<LinkRow>> {
    all(
        db,
        &format!(
            "SELECT {COLUMNS} FROM links l JOIN products p ON p.id = l.product_id WHERE l.creator_id = ?1 AND {}",
            Keyset::sql("l", 2)
        ),
        &page.params(vec![text(creator_id)]),
    )
    .await
}

pub async fn disable(db: &Db, creator_id: &str, code: &str) -> StoreResult<()> {
    run(db, "UPDATE links SET active = 0 WHERE code = ? AND creator_id = ?", &[text(code), text(creator_id)]).await?;
    Ok(())
}

row! {
    struct RedirectRow {
        link_id: String,
        link_active: bool,
        creator_id: String,
        brand_id: String,
        product_id: String,
        live_session_id: Option<String>,
        product_active: bool,
        destination: String,
        click_param: String,
        deal_code: Option<String>,
        deal_ends_at: Option<i64>,
    }
}

/// The redirect's records from D1, for a KV miss.
pub async fn redirect_records(db: &Db, code: &str, now: i64) -> StoreResult<Option<(LinkRecord, ProductRecord)>> {
    let row: Option<RedirectRow> = first(
        db,
        "SELECT l.id AS link_id, l.active AS link_active, l.creator_id, l.brand_id, l.product_id, \
         l.live_session_id, p.active AS product_active, p.url AS destination, b.click_param, \
         d.code AS deal_code, d.ends_at AS deal_ends_at \
         FROM links l JOIN products p ON p.id = l.product_id JOIN brands b ON b.id = l.brand_id \
         LEFT JOIN (SELECT ld.live_session_id, ld.product_id, dc.code, ld.ends_at FROM live_deals ld \
           JOIN creator_codes dc ON dc.id = ld.code_id WHERE ld.ends_at > ?2 AND dc.active = 1) d \
           ON d.live_session_id = l.live_session_id AND d.product_id = l.product_id AND b.webhook_scheme = 'shopify' \
         WHERE l.code = ?1 ORDER BY d.ends_at DESC LIMIT 1",
        &[text(code), int(now)],
    )
    .await?;
    Ok(row.map(|r| {
        (
            LinkRecord {
                active: r.link_active,
                link_id: r.link_id,
                creator_id: r.creator_id,
                brand_id: r.brand_id,
                product_id: r.product_id,
                live_session_id: r.live_session_id,
                deal: r.deal_code.zip(r.deal_ends_at),
            },
            ProductRecord { active: r.product_active, click_param: r.click_param, destination: r.destination },
        )
    }))
}

row! {
    #[derive(Debug)]
    pub struct ClickCounts {
        pub clicks: i64,
        pub unique_clicks: i64,
        pub bot_clicks: i64,
        pub orders: i64,
    }
}

row! {
    #[derive(Debug)]
    pub struct CurrencySum {
        pub currency: String,
        pub amount: i64,
    }
}

/// A link's numbers, from the roll-ups (never counting raw clicks): clicks, unique and bot
/// clicks from `link_hourly`; orders and net commission from the ledger, by the link's code.
pub async fn stats(db: &Db, link_id: &str, code: &str) -> StoreResult<(ClickCounts, Vec<CurrencySum>)> {
    let counts: Option<ClickCounts> = first(
        db,
        "SELECT COALESCE(SUM(clicks), 0) AS clicks, COALESCE(SUM(unique_clicks), 0) AS unique_clicks, \
         COALESCE(SUM(bot_clicks), 0) AS bot_clicks, \
         (SELECT COUNT(*) FROM orders WHERE link_code = ?2) AS orders \
         FROM link_hourly WHERE link_id = ?1",
        &[text(link_id), text(code)],
    )
    .await?;
    let sums = all(
        db,
        "SELECT currency, SUM(amount) AS amount FROM commissions WHERE link_code = ? GROUP BY currency ORDER BY currency",
        &[text(code)],
    )
    .await?;
    Ok((counts.unwrap_or(ClickCounts { clicks: 0, unique_clicks: 0, bot_clicks: 0, orders: 0 }), sums))
}

row! {
    /// One row of a link's timeseries (`start` epoch ms): a bucket's clicks (`currency` NULL),
    /// its orders (`currency` NULL, only `orders` set) or its net commission in one currency.
    #[derive(Debug)]
    pub struct SeriesRow {
        pub start: i64,
        pub clicks: i64,
        pub unique_clicks: i64,
        pub bot_clicks: i64,
        pub orders: i64,
        pub currency: Option<String>,
        pub amount: i64,
    }
}

/// A link's roll-ups in `[from, to)` by buckets of `size` ms (an hour or a day), oldest
/// first; empty buckets are not rows. Orders count in the bucket they arrived in. One
/// query, one row type: three kinds of row told apart by which columns they fill.
pub async fn timeseries(
    db: &Db,
    link_id: &str,
    code: &str,
    from: i64,
    to: i64,
    size: i64,
) -> StoreResult<Vec<SeriesRow>> {
    all(
        db,
        "SELECT hour - hour % ?3 AS start, SUM(clicks) AS clicks, SUM(unique_clicks) AS unique_clicks, \
         SUM(bot_clicks) AS bot_clicks, 0 AS orders, NULL AS currency, 0 AS amount FROM link_hourly \
         WHERE link_id = ?4 AND hour >= ?1 AND hour < ?2 GROUP BY 1 \
         UNION ALL SELECT created_at - created_at % ?3, 0, 0, 0, COUNT(*), NULL, 0 FROM orders \
         WHERE link_code = ?5 AND created_at >= ?1 AND created_at < ?2 GROUP BY 1 \
         UNION ALL SELECT created_at - created_at % ?3, 0, 0, 0, 0, currency, SUM(amount) FROM commissions \
         WHERE link_code = ?5 AND created_at >= ?1 AND created_at < ?2 GROUP BY 1, 6 \
         ORDER BY 1, 6",
        &[int(from), int(to), int(size), text(link_id), text(code)],
    )
    .await
}

/// A link's human clicks by one dimension (`country`, `device` or `referrer`; `''` is
/// unknown), most first.
pub async fn breakdown(db: &Db, link_id: &str, dim: &str) -> StoreResult<Vec<CurrencySum>> {
    // Read as a `CurrencySum` (the key in `currency`, the clicks in `amount`): one row type
    // fewer in the wasm.
    all(
        db,
        "SELECT key AS currency, clicks AS amount FROM link_dims WHERE link_id = ? AND dim = ? AND clicks > 0 ORDER BY clicks DESC, key LIMIT 100",
        &[text(link_id), text(dim)],
    )
    .await
}
