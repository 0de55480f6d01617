//! The `products` table (a brand's showcase) and targeted collaboration rates.

use super::d1::{all, batch, batch_unique, first, int, opt_int, opt_text, text, D1Error, FromRow, Param, Row, Stmt};
use super::rates;
use super::Db;
use super::Keyset;
use super::StoreResult;

row! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct ProductRow {
        pub id: String,
        pub brand_id: String,
        pub sku: String,
        pub title: String,
        pub url: String,
        pub price_amount: i64,
        pub price_currency: String,
        pub commission_bps: Option<u32>,
        pub image_url: Option<String>,
        pub active: bool,
        pub created_at: i64,
        pub updated_at: i64,
    }
}

/// A product with its brand's default rate and click param (showcase and redirect use both).
#[derive(Debug, Clone)]
pub struct ShowcaseRow {
    pub product: ProductRow,
    pub default_commission_bps: u32,
    pub click_param: String,
}

impl FromRow for ShowcaseRow {
    fn from_row(row: Row<'_>) -> Result<ShowcaseRow, D1Error> {
        let product = ProductRow::from_row(row)?;
        let mut failed = None;
        let r = ShowcaseRow {
            product,
            default_commission_bps: row.read("default_commission_bps", &mut failed),
            click_param: row.read("click_param", &mut failed),
        };
        failed.map_or(Ok(r), Err)
    }
}

const COLUMNS: &str = "p.id, p.brand_id, p.sku, p.title, p.url, p.price_amount, p.price_currency, \
    p.commission_bps, p.image_url, p.active, p.created_at, p.updated_at";

const SKU_TAKEN: &str = "this brand already has a product with that sku";

/// Inserts a product and, when it has one, its rate's first version.
pub async fn insert(db: &Db, p: &ProductRow) -> StoreResult<()> {
    let mut statements = vec![Stmt::new(
        "INSERT INTO products (id, brand_id, sku, title, url, price_amount, price_currency, \
         commission_bps, image_url, active, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        params(p).to_vec(),
    )];
    if p.commission_bps.is_some() {
        statements.push(rates::version(&p.brand_id, "", &p.id, p.created_at, p.commission_bps));
    }
    batch_unique(db, &statements, SKU_TAKEN).await
}

fn params(p: &ProductRow) -> [Param; 12] {
    [
        text(&p.id),
        text(&p.brand_id),
        text(&p.sku),
        text(&p.title),
        text(&p.url),
        int(p.price_amount),
        text(&p.price_currency),
        opt_int(p.commission_bps.map(i64::from)),
        opt_text(p.image_url.as_deref()),
        int(p.active.into()),
        int(p.created_at),
        int(p.updated_at),
    ]
}

/// Writes every field of an existing product (the brand is part of the key: tenancy), and a
/// new version of its rate when `rate_changed`.
pub async fn update(db: &Db, p: &ProductRow, rate_changed: bool) -> StoreResult<()> {
    // Same parameters as the insert (`params`), by number; `created_at` (?11) is kept.
    let mut statements = vec![Stmt::new(
        "UPDATE products SET sku = ?3, title = ?4, url = ?5, price_amount = ?6, price_currency = ?7, \
         commission_bps = ?8, image_url = ?9, active = ?10, updated_at = ?12 WHERE id = ?1 AND brand_id = ?2",
        params(p).to_vec(),
    )];
    if rate_changed {
        statements.push(rates::version(&p.brand_id, "", &p.id, p.updated_at, p.commission_bps));
    }
    batch_unique(db, &statements, SKU_TAKEN).await
}

/// One of `brand_id`'s products; another brand's is `None` (answered as 404).
pub async fn for_brand(db: &Db, brand_id: &str, id: &str) -> StoreResult<Option<ProductRow>> {
    first(
        db,
        &format!("SELECT {COLUMNS} FROM products p WHERE p.id = ? AND p.brand_id = ?"),
        &[text(id), text(brand_id)],
    )
    .await
}

/// Any product with its brand's open-rate inputs.
pub async fn showcase_one(db: &Db, id: &str) -> StoreResult<Option<ShowcaseRow>> {
    first(
        db,
        &format!(
            "SELECT {COLUMNS}, b.default_commission_bps, b.click_param FROM products p \
             JOIN brands b ON b.id = p.brand_id WHERE p.id = ?"
        ),
        &[text(id)],
    )
    .await
}

pub async fn list_for_brand(db: &Db, brand_id: &str, page: &Keyset) -> StoreResult<Vec<ProductRow>> {
    all(
        db,
        &format!("SELECT {COLUMNS} FROM products p WHERE p.brand_id = ?1 AND {}", Keyset::sql("p", 2)),
        &page.params(vec![text(brand_id)]),
    )
    .await
}

/// Active products open to any creator, optionally of one brand and matching `q` in the
/// title or sku (LIKE with the pattern characters of `q` escaped).
pub async fn showcase(
    db: &Db,
    brand_id: Option<&str>,
    q: Option<&str>,
    page: &Keyset,
) -> StoreResult<Vec<ShowcaseRow>> {
    let pattern = q.filter(|q| !q.is_empty()).map(|q| {
        let escaped = q.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        format!("%{escaped}%")
    });
    all(
        db,
        &format!(
            "SELECT {COLUMNS}, b.default_commission_bps, b.click_param FROM products p \
             JOIN brands b ON b.id = p.brand_id WHERE p.active = 1 \
             AND (?1 IS NULL OR p.brand_id = ?1) \
             AND (?2 IS NULL OR p.title LIKE ?2 ESCAPE '\\' OR p.sku LIKE ?2 ESCAPE '\\') \
             AND {}",
            Keyset::sql("p", 3)
        ),
        &page.params(vec![opt_text(brand_id), opt_text(pattern.as_deref())]),
    )
    .await
}

/// Sets a targeted rate for one creator: all of the brand's products (`product_id` None)
/// or one. Replaces the previous rate of the same scope.
pub async fn set_collaboration(
    db: &Db,
    brand_id: &str,
    creator_id: &str,
    product_id: Option<&str>,
    commission_bps: u32,
    now: i64,
) -> StoreResult<()> {
    let statements = [
        Stmt::new(
            "INSERT INTO collaborations (brand_id, creator_id, product_id, scope, commission_bps, updated_at) \
             VALUES (?1, ?2, ?3, COALESCE(?3, ''), ?4, ?5) \
             ON CONFLICT (brand_id, creator_id, scope) DO UPDATE SET \
             commission_bps = excluded.commission_bps, updated_at = excluded.updated_at",
            vec![text(brand_id), text(creator_id), opt_text(product_id), int(commission_bps.into()), int(now)],
        ),
        rates::version(brand_id, creator_id, product_id.unwrap_or(""), now, Some(commission_bps)),
    ];
    batch(db, &statements).await?;
    Ok(())
}
