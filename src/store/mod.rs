//! The D1/KV adapter: every SQL statement and KV key lives under this module, one file per
//! aggregate. It speaks its own errors ([`StoreError`]) and paging ([`Keyset`]); the HTTP
//! layer above converts them, and nothing here knows about HTTP.

/// `Keyset::sql(t, 2)` as a literal, for lists whose SQL is static (a test in `page.rs`
/// keeps the two equal).
macro_rules! keyset_sql {
    ($t:literal) => {
        concat!(
            "(",
            $t,
            ".created_at < ?2 OR (",
            $t,
            ".created_at = ?2 AND ",
            $t,
            ".id < ?3)) ORDER BY ",
            $t,
            ".created_at DESC, ",
            $t,
            ".id DESC LIMIT ?4"
        )
    };
}

/// A row type: the struct as written, and its `d1::FromRow`, each field read from the column
/// of its own name (alias a column in SQL to give it another).
macro_rules! row {
    ($(#[$m:meta])* $vis:vis struct $name:ident { $($(#[$fm:meta])* $fvis:vis $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$m])* $vis struct $name { $($(#[$fm])* $fvis $field: $ty),* }

        impl $crate::store::d1::FromRow for $name {
            fn from_row(row: $crate::store::d1::Row<'_>) -> Result<Self, $crate::store::d1::D1Error> {
                let mut failed = None;
                let value = $name { $($field: row.read(stringify!($field), &mut failed)),* };
                match failed {
                    None => Ok(value),
                    Some(e) => Err(e),
                }
            }
        }
    };
}

pub mod brands;
pub mod clicks;
pub mod codes;
pub mod creators;
pub mod d1;
pub mod error;
pub mod events;
pub mod holds;
pub mod hot_links;
pub mod keys;
pub mod kv;
pub mod limits;
pub mod link_cache;
pub mod links;
pub mod live;
pub mod orders;
pub mod page;
pub mod payouts;
pub mod products;
pub mod rates;
pub mod sessions;

pub use d1::Db;
pub use error::{StoreError, StoreResult};
pub use kv::Kv;
pub use page::Keyset;

/// Whose rows a call may see or change: a brand's or a creator's (codes, payouts, webhook
/// endpoints have both sides).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner<'a> {
    Brand(&'a str),
    Creator(&'a str),
}

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
    row! {
        struct One {
            one: i64,
        }
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
