//! The `links` and `clicks` tables.

use super::d1::{all, first, int, opt_text, run, text};
use super::link_cache::{LinkRecord, ProductRecord};
use super::Db;
use crate::http::page::PageRequest;
use crate::http::ApiResult;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct LinkRow {
    pub id: String,
    pub code: String,
    pub creator_id: String,
    pub brand_id: String,
    pub product_id: String,
    pub live_session_id: Option<String>,
    pub active: u8,
    pub created_at: i64,
    /// The product's URL (joined), the link's destination before the click id.
    pub destination: String,
}

const COLUMNS: &str = "l.id, l.code, l.creator_id, l.brand_id, l.product_id, l.live_session_id, \
    l.active, l.created_at, p.url AS destination";

pub enum Insert {
    Done,
    CodeTaken,
}

/// Inserts a link; a taken code is reported, not an error (random codes retry, aliases 409).
pub async fn insert(db: &Db, l: &LinkRow) -> ApiResult<Insert> {
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
pub async fn for_creator(db: &Db, creator_id: &str, code: &str) -> ApiResult<Option<LinkRow>> {
    first(
        db,
        &format!("SELECT {COLUMNS} FROM links l JOIN products p ON p.id = l.product_id WHERE l.code = ? AND l.creator_id = ?"),
        &[text(code), text(creator_id)],
    )
    .await
}

pub async fn list_for_creator(db: &Db, creator_id: &str, page: &PageRequest) -> ApiResult<Vec<LinkRow>> {
    let (at, id) = page.bounds();
    all(
        db,
        &format!(
            "SELECT {COLUMNS} FROM links l JOIN products p ON p.id = l.product_id WHERE l.creator_id = ? \
             AND (l.created_at < ? OR (l.created_at = ? AND l.id < ?)) \
             ORDER BY l.created_at DESC, l.id DESC LIMIT ?"
        ),
        &[text(creator_id), int(at), int(at), text(&id), int(page.fetch())],
    )
    .await
}

pub async fn disable(db: &Db, creator_id: &str, code: &str) -> ApiResult<()> {
    run(db, "UPDATE links SET active = 0 WHERE code = ? AND creator_id = ?", &[text(code), text(creator_id)]).await?;
    Ok(())
}

#[derive(Deserialize)]
struct RedirectRow {
    link_id: String,
    link_active: u8,
    creator_id: String,
    brand_id: String,
    product_id: String,
    live_session_id: Option<String>,
    product_active: u8,
    destination: String,
    click_param: String,
}

/// The redirect's records from D1, for a KV miss.
pub async fn redirect_records(db: &Db, code: &str) -> ApiResult<Option<(LinkRecord, ProductRecord)>> {
    let row: Option<RedirectRow> = first(
        db,
        "SELECT l.id AS link_id, l.active AS link_active, l.creator_id, l.brand_id, l.product_id, \
         l.live_session_id, p.active AS product_active, p.url AS destination, b.click_param \
         FROM links l JOIN products p ON p.id = l.product_id JOIN brands b ON b.id = l.brand_id \
         WHERE l.code = ?",
        &[text(code)],
    )
    .await?;
    Ok(row.map(|r| {
        (
            LinkRecord {
                active: r.link_active == 1,
                link_id: r.link_id,
                creator_id: r.creator_id,
                brand_id: r.brand_id,
                product_id: r.product_id,
                live_session_id: r.live_session_id,
            },
            ProductRecord { active: r.product_active == 1, click_param: r.click_param, destination: r.destination },
        )
    }))
}

/// A click as recorded after the response.
pub struct ClickRow<'a> {
    pub id: &'a str,
    pub code: &'a str,
    pub link: &'a LinkRecord,
    pub rate_bps: u32,
    pub created_at: i64,
    pub country: Option<&'a str>,
    pub device: &'a str,
    pub referrer_host: Option<&'a str>,
    pub visitor_hash: &'a str,
    pub is_bot: bool,
    /// A human click: unique unless this visitor made a human click on the link after
    /// `unique_since` (decided by the insert itself).
    pub is_unique: bool,
    pub unique_since: i64,
}

/// Inserts the click. Uniqueness is checked in the same statement as the write, so that
/// concurrent clicks of one visitor (a double tap) count as one unique click.
pub async fn insert_click(db: &Db, c: &ClickRow<'_>) -> ApiResult<()> {
    run(
        db,
        "INSERT INTO clicks (id, link_id, code, creator_id, brand_id, product_id, live_session_id, rate_bps, \
         created_at, country, device, referrer_host, visitor_hash, is_bot, is_unique) \
         SELECT ?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14, ?15 AND NOT EXISTS (SELECT 1 FROM clicks \
         WHERE link_id = ?2 AND visitor_hash = ?13 AND is_bot = 0 AND created_at > ?16)",
        &[
            text(c.id),
            text(&c.link.link_id),
            text(c.code),
            text(&c.link.creator_id),
            text(&c.link.brand_id),
            text(&c.link.product_id),
            opt_text(c.link.live_session_id.as_deref()),
            int(c.rate_bps.into()),
            int(c.created_at),
            opt_text(c.country),
            text(c.device),
            opt_text(c.referrer_host),
            text(c.visitor_hash),
            int(c.is_bot.into()),
            int(c.is_unique.into()),
            int(c.unique_since),
        ],
    )
    .await?;
    Ok(())
}

#[derive(Debug, Deserialize)]
pub struct ClickCounts {
    pub clicks: i64,
    pub unique_clicks: i64,
    pub bot_clicks: i64,
    pub orders: i64,
}

#[derive(Debug, Deserialize)]
pub struct CurrencySum {
    pub currency: String,
    pub amount: i64,
}

pub async fn stats(db: &Db, link_id: &str, code: &str) -> ApiResult<(ClickCounts, Vec<CurrencySum>)> {
    let counts: Option<ClickCounts> = first(
        db,
        "SELECT COALESCE(SUM(is_bot = 0), 0) AS clicks, COALESCE(SUM(is_unique), 0) AS unique_clicks, \
         COALESCE(SUM(is_bot), 0) AS bot_clicks, \
         (SELECT COUNT(*) FROM orders o JOIN clicks k ON k.id = o.click_id WHERE k.link_id = ?1) AS orders \
         FROM clicks WHERE link_id = ?1",
        &[text(link_id)],
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
