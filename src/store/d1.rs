//! Our own D1 binding: a statement's parameters go into JS as one JSON string and its rows
//! come back as one JSON string, decoded by serde_json. `worker`'s D1 types instead convert
//! each field of each row on its own (a crossing between wasm and JS per field), through a
//! second deserializer per row type.
//!
//! Integers go to JS as JSON numbers, that is doubles; every stored value stays below 2^53
//! (see `domain::money::MAX_AMOUNT`), where that is exact. D1 answers INTEGER columns as
//! numbers, which `JSON.stringify` writes without a fraction, so they decode into integer
//! fields (flags stored as 0/1 included).

use crate::http::ApiError;
use serde::de::DeserializeOwned;
use serde::{Serialize, Serializer};
use worker::js_sys::{self, Promise};
use worker::wasm_bindgen::{prelude::wasm_bindgen, JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::Env;

#[wasm_bindgen(
    wasm_bindgen = ::worker::wasm_bindgen,
    js_sys = ::worker::js_sys,
    inline_js = "const bound = (db, sql, params) => db.prepare(sql).bind(...params);
const changes = (r) => (r.meta && r.meta.changes) || 0;
// Rejects with a string: the error's message, and D1's cause (it names the constraint).
function caught(f) {
  return f().catch((e) => {
    const m = String((e && e.message) || e);
    const c = e && e.cause && e.cause.message;
    throw c && !m.includes(c) ? m + ': ' + c : m;
  });
}
export function d1_first(db, sql, params) {
  return caught(async () => {
    const row = await bound(db, sql, JSON.parse(params)).first();
    return row === null ? null : JSON.stringify(row);
  });
}
export function d1_all(db, sql, params) {
  return caught(async () => JSON.stringify((await bound(db, sql, JSON.parse(params)).all()).results || []));
}
export function d1_run(db, sql, params) {
  return caught(async () => changes(await bound(db, sql, JSON.parse(params)).run()));
}
// One line per statement: its changes, a space, its rows as JSON (which has no raw newline).
export function d1_batch(db, statements) {
  return caught(async () => {
    const all = await db.batch(JSON.parse(statements).map(([sql, params]) => bound(db, sql, params)));
    return all.map((r) => changes(r) + ' ' + JSON.stringify(r.results || [])).join('\\n');
  });
}"
)]
extern "C" {
    /// The D1 database binding.
    pub type Db;

    /// The first row as JSON, or null.
    fn d1_first(db: &Db, sql: &str, params: &str) -> Promise;
    /// Every row, as one JSON array.
    fn d1_all(db: &Db, sql: &str, params: &str) -> Promise;
    /// The number of rows changed.
    fn d1_run(db: &Db, sql: &str, params: &str) -> Promise;
    /// `[[sql, params], ...]` run as one transaction; see [`BatchResult`].
    fn d1_batch(db: &Db, statements: &str) -> Promise;
}

impl Db {
    /// The binding `name` of `env`; an error when there is none.
    pub fn binding(env: &Env, name: &str) -> Result<Db, ApiError> {
        match js_sys::Reflect::get(env.as_ref(), &JsValue::from_str(name)) {
            Ok(v) if !v.is_undefined() => Ok(v.unchecked_into()),
            _ => Err(ApiError::internal(format!("no D1 binding {name}"))),
        }
    }
}

/// A bound parameter. Never SQL built from input: values only go through here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Param {
    Text(String),
    Int(i64),
    Null,
}

impl Serialize for Param {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Param::Text(t) => s.serialize_str(t),
            Param::Int(n) => s.serialize_i64(*n),
            Param::Null => s.serialize_unit(),
        }
    }
}

pub fn text(s: &str) -> Param {
    Param::Text(s.to_string())
}

pub fn int(n: i64) -> Param {
    Param::Int(n)
}

pub fn opt_text(s: Option<&str>) -> Param {
    s.map_or(Param::Null, text)
}

pub fn opt_int(n: Option<i64>) -> Param {
    n.map_or(Param::Null, int)
}

/// One statement of a [`batch`]. It serializes as `[sql, params]`.
#[derive(Debug)]
pub struct Stmt {
    pub sql: &'static str,
    pub params: Vec<Param>,
}

impl Stmt {
    pub fn new(sql: &'static str, params: Vec<Param>) -> Stmt {
        Stmt { sql, params }
    }
}

impl Serialize for Stmt {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (self.sql, &self.params).serialize(s)
    }
}

/// Why D1 refused: the rejection's message, kept so that callers can tell a constraint
/// apart. Anything else makes it an internal [`ApiError`].
#[derive(Debug)]
pub struct D1Error(pub String);

impl std::fmt::Display for D1Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "d1: {}", self.0)
    }
}

impl From<D1Error> for ApiError {
    fn from(e: D1Error) -> ApiError {
        ApiError::internal(e)
    }
}

/// True when D1 refused a write because of a UNIQUE or PRIMARY KEY constraint.
pub fn is_unique_violation(e: &D1Error) -> bool {
    e.0.contains("UNIQUE constraint failed")
}

fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<String, D1Error> {
    serde_json::to_string(value).map_err(|e| D1Error(format!("encoding parameters: {e}")))
}

async fn settle(p: Promise) -> Result<JsValue, D1Error> {
    JsFuture::from(p).await.map_err(|e| D1Error(e.as_string().unwrap_or_else(|| "query failed".into())))
}

fn decode<T: DeserializeOwned>(json: &str) -> Result<T, ApiError> {
    serde_json::from_str(json).map_err(|e| ApiError::internal(format!("d1 row: {e}")))
}

pub async fn first<T: DeserializeOwned>(db: &Db, sql: &str, params: &[Param]) -> Result<Option<T>, ApiError> {
    let row = settle(d1_first(db, sql, &to_json(params)?)).await?;
    row.as_string().map(|json| decode(&json)).transpose()
}

pub async fn all<T: DeserializeOwned>(db: &Db, sql: &str, params: &[Param]) -> Result<Vec<T>, ApiError> {
    let rows = settle(d1_all(db, sql, &to_json(params)?)).await?;
    decode(&rows.as_string().unwrap_or_default())
}

/// Runs a statement; returns the number of rows it changed, or why D1 refused it.
pub async fn try_run(db: &Db, sql: &str, params: &[Param]) -> Result<usize, D1Error> {
    let changes = settle(d1_run(db, sql, &to_json(params)?)).await?;
    Ok(changes.as_f64().unwrap_or(0.0) as usize)
}

/// Runs a statement; returns the number of rows it changed.
pub async fn run(db: &Db, sql: &str, params: &[Param]) -> Result<usize, ApiError> {
    Ok(try_run(db, sql, params).await?)
}

/// Runs a write, turning a UNIQUE violation into the given 409.
pub async fn run_unique(db: &Db, sql: &str, params: &[Param], conflict: &str) -> Result<usize, ApiError> {
    match try_run(db, sql, params).await {
        Err(e) if is_unique_violation(&e) => Err(ApiError::conflict(conflict)),
        r => Ok(r?),
    }
}

/// What one statement of a batch answered.
#[derive(Debug)]
pub struct BatchResult {
    /// Rows changed.
    pub changes: usize,
    /// Its rows, a JSON array.
    rows: String,
}

impl BatchResult {
    pub fn results<T: DeserializeOwned>(&self) -> Result<Vec<T>, ApiError> {
        decode(&self.rows)
    }
}

/// Runs `statements` as one transaction (a failing one rolls back them all); answers in
/// their order.
pub async fn batch(db: &Db, statements: &[Stmt]) -> Result<Vec<BatchResult>, D1Error> {
    let answer = settle(d1_batch(db, &to_json(statements)?)).await?;
    parse_batch(&answer.as_string().unwrap_or_default())
}

/// Reads `d1_batch`'s answer: a line per statement, `{changes} {rows}`.
fn parse_batch(answer: &str) -> Result<Vec<BatchResult>, D1Error> {
    answer
        .lines()
        .map(|line| {
            let (changes, rows) = line.split_once(' ').unwrap_or((line, "[]"));
            let changes = changes.parse().map_err(|_| D1Error(format!("batch answered {changes:?} as changes")))?;
            Ok(BatchResult { changes, rows: rows.to_string() })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[test]
    fn params_are_json_values() {
        let p = [text("a\"b"), int(1250), int(-3), opt_text(None), opt_int(None), opt_int(Some(9_007_199_254_740_991))];
        assert_eq!(to_json(&p[..]).ok().as_deref(), Some(r#"["a\"b",1250,-3,null,null,9007199254740991]"#));
        assert_eq!(to_json(&[] as &[Param]).ok().as_deref(), Some("[]"));
    }

    #[test]
    fn statements_are_sql_then_params() {
        let s = [Stmt::new("SELECT ?", vec![text("x")]), Stmt::new("SELECT 1", vec![])];
        assert_eq!(to_json(&s[..]).ok().as_deref(), Some(r#"[["SELECT ?",["x"]],["SELECT 1",[]]]"#));
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Row {
        n: i64,
        flag: u8,
        rate: Option<u32>,
        s: String,
    }

    #[test]
    fn batch_answer_lines() -> Result<(), String> {
        let out = parse_batch("1 []\n0 [{\"n\":1250,\"flag\":1,\"rate\":null,\"s\":\"a\\nb\"}]\n2 []").map_err(|e| e.0)?;
        let [write, read, other] = <[BatchResult; 3]>::try_from(out).map_err(|r| format!("{} results", r.len()))?;
        assert_eq!((write.changes, read.changes, other.changes), (1, 0, 2));
        assert_eq!(write.results::<Row>().map_err(|e| e.message)?, vec![]);
        let rows = read.results::<Row>().map_err(|e| e.message)?;
        assert_eq!(rows, vec![Row { n: 1250, flag: 1, rate: None, s: "a\nb".into() }]);
        assert!(parse_batch("").is_ok_and(|r| r.is_empty()));
        assert!(parse_batch("x []").is_err());
        Ok(())
    }

    #[test]
    fn unique_violation_is_read_from_the_message() {
        assert!(is_unique_violation(&D1Error(
            "D1_ERROR: UNIQUE constraint failed: links.code: SQLITE_CONSTRAINT".into()
        )));
        assert!(!is_unique_violation(&D1Error("D1_ERROR: CHECK constraint failed: state".into())));
    }
}
