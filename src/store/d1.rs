//! Small helpers over D1: bound parameters (never SQL built from input) and error mapping.
//!
//! D1 binds numbers as JS doubles, so integers go through `f64`; every stored value stays
//! below 2^53 (see `domain::money::MAX_AMOUNT`), where that is exact.

use crate::http::ApiError;
use serde::de::DeserializeOwned;
use worker::wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement};

pub fn text(s: &str) -> JsValue {
    JsValue::from_str(s)
}

pub fn int(n: i64) -> JsValue {
    JsValue::from_f64(n as f64)
}

pub fn opt_text(s: Option<&str>) -> JsValue {
    s.map(text).unwrap_or(JsValue::NULL)
}

pub fn opt_int(n: Option<i64>) -> JsValue {
    n.map(int).unwrap_or(JsValue::NULL)
}

/// Prepares `sql` with its parameters bound.
pub fn stmt(db: &D1Database, sql: &str, params: &[JsValue]) -> Result<D1PreparedStatement, ApiError> {
    db.prepare(sql).bind(params).map_err(ApiError::from)
}

pub async fn first<T: DeserializeOwned>(
    db: &D1Database,
    sql: &str,
    params: &[JsValue],
) -> Result<Option<T>, ApiError> {
    Ok(stmt(db, sql, params)?.first::<T>(None).await?)
}

pub async fn all<T: DeserializeOwned>(
    db: &D1Database,
    sql: &str,
    params: &[JsValue],
) -> Result<Vec<T>, ApiError> {
    Ok(stmt(db, sql, params)?.all().await?.results::<T>()?)
}

/// Runs a statement; returns the number of rows it changed.
pub async fn run(db: &D1Database, sql: &str, params: &[JsValue]) -> Result<usize, ApiError> {
    let result = stmt(db, sql, params)?.run().await?;
    Ok(result.meta()?.and_then(|m| m.changes).unwrap_or(0))
}

/// Runs a write, turning a UNIQUE violation into the given 409.
pub async fn run_unique(
    db: &D1Database,
    sql: &str,
    params: &[JsValue],
    conflict: &str,
) -> Result<usize, ApiError> {
    match stmt(db, sql, params)?.run().await {
        Ok(r) => Ok(r.meta()?.and_then(|m| m.changes).unwrap_or(0)),
        Err(e) if is_unique_violation(&e) => Err(ApiError::conflict(conflict)),
        Err(e) => Err(ApiError::from(e)),
    }
}

/// True when D1 refused a write because of a UNIQUE or PRIMARY KEY constraint.
pub fn is_unique_violation(e: &worker::Error) -> bool {
    e.to_string().contains("UNIQUE constraint failed")
}
