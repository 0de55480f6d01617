//! The `creators` table.

use super::d1::{first, int, opt_text, run_unique, text};
use super::Db;
use super::StoreResult;

row! {
    #[derive(Debug, Clone)]
    pub struct CreatorRow {
        pub id: String,
        pub handle: String,
        pub email: Option<String>,
        pub created_at: i64,
    }
}

pub async fn insert(db: &Db, c: &CreatorRow, api_key_hash: &str) -> StoreResult<()> {
    run_unique(
        db,
        "INSERT INTO creators (id, handle, email, api_key_hash, created_at) VALUES (?,?,?,?,?)",
        &[text(&c.id), text(&c.handle), opt_text(c.email.as_deref()), text(api_key_hash), int(c.created_at)],
        "that handle is taken",
    )
    .await?;
    Ok(())
}

pub async fn by_key_hash(db: &Db, hash: &str) -> StoreResult<Option<CreatorRow>> {
    first(db, "SELECT id, handle, email, created_at FROM creators WHERE api_key_hash = ?", &[text(hash)]).await
}

pub async fn by_id(db: &Db, id: &str) -> StoreResult<Option<CreatorRow>> {
    first(db, "SELECT id, handle, email, created_at FROM creators WHERE id = ?", &[text(id)]).await
}
