//! The `live_sessions` and `live_pins` tables.

use super::d1::{first, text};
use crate::http::ApiResult;
use serde::Deserialize;
use worker::D1Database;

#[derive(Debug, Clone, Deserialize)]
pub struct LiveRow {
    pub id: String,
    pub creator_id: String,
    pub title: String,
    pub starts_at: Option<i64>,
    pub state: String,
    pub created_at: i64,
    pub ended_at: Option<i64>,
}

const COLUMNS: &str = "id, creator_id, title, starts_at, state, created_at, ended_at";

/// One of this creator's sessions; another creator's is `None` (answered as 404).
pub async fn for_creator(db: &D1Database, creator_id: &str, id: &str) -> ApiResult<Option<LiveRow>> {
    first(db, &format!("SELECT {COLUMNS} FROM live_sessions WHERE id = ? AND creator_id = ?"), &[text(id), text(creator_id)]).await
}
