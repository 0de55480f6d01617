//! The `creator_codes` table: a brand's discount codes, each one creator's for good.

use super::d1::{all, first, int, run_unique, text};
use super::{Db, Keyset, Owner, StoreResult};

row! {
    #[derive(Debug, Clone)]
    pub struct CodeRow {
        pub id: String,
        pub code: String,
        pub brand_id: String,
        pub creator_id: String,
        pub active: bool,
        pub created_at: i64,
    }
}

const COLUMNS: &str = "c.id, c.code, c.brand_id, c.creator_id, c.active, c.created_at";

/// Registers `r` when its creator exists: `false` when there is no such creator. A code
/// the brand already has, in any case and even deactivated, is a conflict (UNIQUE).
pub async fn insert(db: &Db, r: &CodeRow) -> StoreResult<bool> {
    let changed = run_unique(
        db,
        "INSERT INTO creator_codes (id, brand_id, creator_id, code, active, created_at) \
         SELECT ?1, ?2, id, ?3, 1, ?4 FROM creators WHERE id = ?5",
        &[text(&r.id), text(&r.brand_id), text(&r.code), int(r.created_at), text(&r.creator_id)],
        "that code is taken: a brand's code is never handed to another creator, even once deactivated",
    )
    .await?;
    Ok(changed == 1)
}

pub async fn list(db: &Db, owner: Owner<'_>, page: &Keyset) -> StoreResult<Vec<CodeRow>> {
    let (column, id) = match owner {
        Owner::Brand(id) => ("brand_id", id),
        Owner::Creator(id) => ("creator_id", id),
    };
    let sql = format!("SELECT {COLUMNS} FROM creator_codes c WHERE c.{column} = ?1 AND {}", Keyset::sql("c", 2));
    all(db, &sql, &page.params(vec![text(id)])).await
}

/// Deactivates one of the brand's codes (again is no change); `None` when it has no such code.
pub async fn deactivate(db: &Db, brand_id: &str, id: &str) -> StoreResult<Option<CodeRow>> {
    first(
        db,
        "UPDATE creator_codes SET active = 0 WHERE id = ? AND brand_id = ? \
         RETURNING id, code, brand_id, creator_id, active, created_at",
        &[text(id), text(brand_id)],
    )
    .await
}
