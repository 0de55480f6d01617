//! The `brands` table.

use super::d1::{batch, first, int, opt_text, text, Stmt};
use super::rates;
use super::Db;
use super::StoreResult;
use crate::webhooks::Scheme;

row! {
    #[derive(Debug, Clone)]
    pub struct BrandRow {
        pub id: String,
        pub name: String,
        /// JSON array of hostnames.
        pub domains: String,
        pub currency: String,
        pub default_commission_bps: u32,
        pub attribution_window_days: u32,
        pub hold_days: u32,
        pub click_param: String,
        pub webhook_scheme: Scheme,
        pub webhook_secret: String,
        pub webhook_app_key: Option<String>,
        pub created_at: i64,
    }
}

impl BrandRow {
    pub fn domain_list(&self) -> Vec<String> {
        // Through `Value`: see `d1::Table::parse` on typed deserializing in the wasm.
        match serde_json::from_str::<serde_json::Value>(&self.domains) {
            Ok(serde_json::Value::Array(v)) => v.into_iter().filter_map(|d| d.as_str().map(str::to_string)).collect(),
            _ => Vec::new(),
        }
    }
}

const COLUMNS: &str = "id, name, domains, currency, default_commission_bps, attribution_window_days, \
    hold_days, click_param, webhook_scheme, webhook_secret, webhook_app_key, created_at";

pub async fn insert(db: &Db, b: &BrandRow, api_key_hash: &str) -> StoreResult<()> {
    let insert = Stmt::new(
        "INSERT INTO brands (id, name, domains, currency, default_commission_bps, \
         attribution_window_days, hold_days, click_param, webhook_scheme, webhook_secret, \
         webhook_app_key, api_key_hash, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        vec![
            text(&b.id),
            text(&b.name),
            text(&b.domains),
            text(&b.currency),
            int(b.default_commission_bps.into()),
            int(b.attribution_window_days.into()),
            int(b.hold_days.into()),
            text(&b.click_param),
            text(b.webhook_scheme.as_str()),
            text(&b.webhook_secret),
            opt_text(b.webhook_app_key.as_deref()),
            text(api_key_hash),
            int(b.created_at),
        ],
    );
    // The default's first version: the rate lock of a click is the version at its time.
    batch(db, &[insert, rates::version(&b.id, "", "", b.created_at, Some(b.default_commission_bps))]).await?;
    Ok(())
}

pub async fn by_key_hash(db: &Db, hash: &str) -> StoreResult<Option<BrandRow>> {
    first(db, &format!("SELECT {COLUMNS} FROM brands WHERE api_key_hash = ?"), &[text(hash)]).await
}

pub async fn by_id(db: &Db, id: &str) -> StoreResult<Option<BrandRow>> {
    first(db, &format!("SELECT {COLUMNS} FROM brands WHERE id = ?"), &[text(id)]).await
}
