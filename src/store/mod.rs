//! The D1/KV adapter: every SQL statement and KV key lives under this module, one file per
//! aggregate. It speaks its own errors ([`StoreError`]) and paging ([`Keyset`]); the HTTP
//! layer above converts them, and nothing here knows about HTTP.

pub mod brands;
pub mod clicks;
pub mod codes;
pub mod creators;
pub mod d1;
pub mod error;
pub mod keys;
pub mod kv;
pub mod link_cache;
pub mod links;
pub mod live;
pub mod orders;
pub mod page;
pub mod payouts;
pub mod products;
pub mod rates;

pub use d1::Db;
pub use error::{StoreError, StoreResult};
pub use kv::Kv;
pub use page::Keyset;

use serde::Deserialize;
use worker::Env;

/// Binding names, as in wrangler.toml.
pub const D1_BINDING: &str = "DB";
pub const KV_BINDING: &str = "LINKS";

pub fn db(env: &Env) -> StoreResult<Db> {
    Db::binding(env, D1_BINDING)
}

pub fn kv(env: &Env) -> StoreResult<Kv> {
    Kv::binding(env, KV_BINDING)
}

/// Touches both stores for `/health`: one real D1 query, one real KV read.
pub async fn ping(env: &Env) -> (bool, bool) {
    #[derive(Deserialize)]
    struct One {
        one: i64,
    }
    let d1 = match db(env) {
        Ok(db) => matches!(d1::first::<One>(&db, "SELECT 1 AS one", &[]).await, Ok(Some(One { one: 1 }))),
        Err(_) => false,
    };
    let kv = match kv(env) {
        Ok(kv) => kv.get("health:ping").await.is_ok(),
        Err(_) => false,
    };
    (d1, kv)
}
