//! The `links` and `clicks` tables.

use super::d1::{all, first, int, opt_text, run, text};
use super::link_cache::{LinkRecord, ProductRecord};
use super::Db;
use super::Keyset;
use super::{StoreError, StoreResult};
use serde::Deserialize;
use worker::{worker_sys, Env};

#[derive(Debug, Clone, Deserialize)]
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
        }
    }
}

const COLUMNS: &str = "l.id, l.code, l.creator_id, l.brand_id, l.product_id, l.live_session_id, \
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

#[derive(Deserialize)]
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
}

/// The redirect's records from D1, for a KV miss.
pub async fn redirect_records(db: &Db, code: &str) -> StoreResult<Option<(LinkRecord, ProductRecord)>> {
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
                active: r.link_active,
                link_id: r.link_id,
                creator_id: r.creator_id,
                brand_id: r.brand_id,
                product_id: r.product_id,
                live_session_id: r.live_session_id,
            },
            ProductRecord { active: r.product_active, click_param: r.click_param, destination: r.destination },
        )
    }))
}

/// A click as recorded after the response.
pub struct ClickRow<'a> {
    pub id: &'a str,
    pub code: &'a str,
    pub link: &'a LinkRecord,
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

/// Inserts the click in one statement that also decides the two things that depend on
/// other rows, so that a click is one D1 round trip:
/// - the rate lock: the rate that applies to this creator and product now, by the
///   precedence of `domain::commission::effective_rate` (targeted product, targeted all,
///   the product's rate, the brand default: COALESCE takes the first that is set);
/// - uniqueness, so that concurrent clicks of one visitor (a double tap) count once.
///
/// No row is written if the product is gone.
pub const INSERT_CLICK: &str = "INSERT INTO clicks (id, link_id, code, creator_id, brand_id, product_id, \
     live_session_id, rate_bps, created_at, country, device, referrer_host, visitor_hash, is_bot, is_unique) \
     SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, \
     COALESCE((SELECT commission_bps FROM collaborations k WHERE k.brand_id = p.brand_id AND k.creator_id = ?4 AND k.scope = p.id), \
              (SELECT commission_bps FROM collaborations k WHERE k.brand_id = p.brand_id AND k.creator_id = ?4 AND k.scope = ''), \
              p.commission_bps, b.default_commission_bps), \
     ?8, ?9, ?10, ?11, ?12, ?13, \
     ?14 AND NOT EXISTS (SELECT 1 FROM clicks WHERE link_id = ?2 AND visitor_hash = ?12 AND is_bot = 0 AND created_at > ?15) \
     FROM products p JOIN brands b ON b.id = p.brand_id WHERE p.id = ?6";

/// [`INSERT_CLICK`]'s parameters as the JSON array that crosses to JS in one string
/// (serialized from a tuple: no `serde_json::Value` tree built per click).
pub fn click_params_json(c: &ClickRow<'_>) -> serde_json::Result<String> {
    let l = c.link;
    serde_json::to_string(&(
        c.id,
        &l.link_id,
        c.code,
        &l.creator_id,
        &l.brand_id,
        &l.product_id,
        &l.live_session_id,
        c.created_at,
        c.country,
        c.device,
        c.referrer_host,
        c.visitor_hash,
        i64::from(c.is_bot),
        i64::from(c.is_unique),
        c.unique_since,
    ))
}

/// Writes the click after the response: the statement goes to D1 from JS inside
/// `waitUntil`, so no Rust future (and no closures across the wasm boundary) waits on it;
/// a failure is logged there. Errors only if the write can't even be started.
pub fn insert_click_after_response(env: &Env, ctx: &worker_sys::Context, c: &ClickRow<'_>) -> StoreResult<()> {
    let params = click_params_json(c).map_err(|e| StoreError::D1(format!("click parameters: {e}")))?;
    super::d1::run_after_response(env, ctx, INSERT_CLICK, &params, &format!("click {}", c.id))
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

pub async fn stats(db: &Db, link_id: &str, code: &str) -> StoreResult<(ClickCounts, Vec<CurrencySum>)> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_click_insert_binds_one_parameter_per_placeholder() {
        let link = LinkRecord {
            active: true,
            link_id: "ln_1".into(),
            creator_id: "cr_1".into(),
            brand_id: "br_1".into(),
            product_id: "pr_1".into(),
            live_session_id: None,
        };
        let row = ClickRow {
            id: "clk_1",
            code: "abc12345",
            link: &link,
            created_at: 1_700_000_000_000,
            country: Some("US"),
            device: "mobile",
            referrer_host: None,
            visitor_hash: "ff",
            is_bot: false,
            is_unique: true,
            unique_since: 1_699_999_000_000,
        };
        let params: Vec<serde_json::Value> = serde_json::from_str(&click_params_json(&row).unwrap()).unwrap();
        let highest = (1..=40).filter(|n| INSERT_CLICK.contains(&format!("?{n}"))).max();
        assert_eq!(highest, Some(params.len()));
        assert_eq!(
            serde_json::Value::Array(params),
            serde_json::json!([
                "clk_1",
                "ln_1",
                "abc12345",
                "cr_1",
                "br_1",
                "pr_1",
                null,
                1_700_000_000_000i64,
                "US",
                "mobile",
                null,
                "ff",
                0,
                1,
                1_699_999_000_000i64
            ])
        );
    }
}
