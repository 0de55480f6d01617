//! Our own D1 binding: a statement's parameters go into JS as one JSON string and its rows
//! come back as one JSON string. `worker`'s D1 types instead convert each field of each row
//! on its own (a crossing between wasm and JS per field).
//!
//! Rows come as a table: the column names, then each row's values in that order. serde_json
//! parses it into [`Cell`]s (one parser for every query, through `Value`), and a row type
//! (`row!`) then reads its fields from the cells by column name ([`Row`]). Decoding
//! straight from JSON into each row type would compile a JSON parser into every one of them:
//! more wasm than `worker`'s way (measured: 25 KB more, after wasm-opt).
//!
//! Integers go to JS as JSON numbers, that is doubles; every stored value stays below 2^53
//! (see `domain::money::MAX_AMOUNT`), where that is exact. D1 answers INTEGER columns as
//! numbers, which `JSON.stringify` writes without a fraction, so they decode into integer
//! fields (flags stored as 0/1 included).

use super::error::{StoreError, StoreResult};
use serde::{Serialize, Serializer};
use std::fmt;
use worker::js_sys::{self, Promise};
use worker::wasm_bindgen::{prelude::wasm_bindgen, JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::Env;

#[wasm_bindgen(
    wasm_bindgen = ::worker::wasm_bindgen,
    js_sys = ::worker::js_sys,
    inline_js = "const bound = (db, sql, params) => db.prepare(sql).bind(...params);
const changes = (r) => (r.meta && r.meta.changes) || 0;
// The column names, then each row's values in that order.
function table(rows) {
  const columns = rows.length ? Object.keys(rows[0]) : [];
  return JSON.stringify([columns, ...rows.map((r) => columns.map((c) => r[c]))]);
}
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
    return table(row === null ? [] : [row]);
  });
}
export function d1_all(db, sql, params) {
  return caught(async () => table((await bound(db, sql, JSON.parse(params)).all()).results || []));
}
export function d1_run(db, sql, params) {
  return caught(async () => changes(await bound(db, sql, JSON.parse(params)).run()));
}
// One line per statement: its changes, a space, its table (JSON has no raw newline).
export function d1_batch(db, statements) {
  return caught(async () => {
    const all = await db.batch(JSON.parse(statements).map(([sql, params]) => bound(db, sql, params)));
    return all.map((r) => changes(r) + ' ' + table(r.results || [])).join('\\n');
  });
}"
)]
extern "C" {
    /// The D1 database binding.
    pub type Db;

    /// The first row, if any, as a table.
    fn d1_first(db: &Db, sql: &str, params: &str) -> Promise;
    /// Every row, as a table.
    fn d1_all(db: &Db, sql: &str, params: &str) -> Promise;
    /// The number of rows changed.
    fn d1_run(db: &Db, sql: &str, params: &str) -> Promise;
    /// `[[sql, params], ...]` run as one transaction; see [`BatchResult`].
    fn d1_batch(db: &Db, statements: &str) -> Promise;
}

impl Db {
    /// The binding `name` of `env`; an error when there is none.
    pub fn binding(env: &Env, name: &str) -> StoreResult<Db> {
        match js_sys::Reflect::get(env.as_ref(), &JsValue::from_str(name)) {
            Ok(v) if !v.is_undefined() => Ok(v.unchecked_into()),
            _ => Err(StoreError::D1(format!("no D1 binding {name}"))),
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
/// apart. Anything else makes it a [`StoreError::D1`].
#[derive(Debug)]
pub struct D1Error(pub String);

impl fmt::Display for D1Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "d1: {}", self.0)
    }
}

impl std::error::Error for D1Error {}

impl From<D1Error> for StoreError {
    fn from(e: D1Error) -> StoreError {
        StoreError::D1(e.0)
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

/// Runs `query` (`d1_first` or `d1_all`) and answers its table. Not generic over the row
/// type, so that its future is compiled once.
async fn table(query: fn(&Db, &str, &str) -> Promise, db: &Db, sql: &str, params: &[Param]) -> Result<String, D1Error> {
    Ok(settle(query(db, sql, &to_json(params)?)).await?.as_string().unwrap_or_default())
}

pub async fn first<T: FromRow>(db: &Db, sql: &str, params: &[Param]) -> StoreResult<Option<T>> {
    let rows = table(d1_first, db, sql, params).await?;
    Ok(Table::parse(&rows)?.first()?)
}

pub async fn all<T: FromRow>(db: &Db, sql: &str, params: &[Param]) -> StoreResult<Vec<T>> {
    let rows = table(d1_all, db, sql, params).await?;
    Ok(Table::parse(&rows)?.rows()?)
}

/// Runs a statement; returns the number of rows it changed, or why D1 refused it.
pub async fn try_run(db: &Db, sql: &str, params: &[Param]) -> Result<usize, D1Error> {
    let changes = settle(d1_run(db, sql, &to_json(params)?)).await?;
    Ok(changes.as_f64().unwrap_or(0.0) as usize)
}

/// Runs a statement; returns the number of rows it changed.
pub async fn run(db: &Db, sql: &str, params: &[Param]) -> StoreResult<usize> {
    Ok(try_run(db, sql, params).await?)
}

/// Runs a write, turning a UNIQUE violation into [`StoreError::Conflict`].
pub async fn run_unique(db: &Db, sql: &str, params: &[Param], conflict: &'static str) -> StoreResult<usize> {
    match try_run(db, sql, params).await {
        Err(e) if is_unique_violation(&e) => Err(StoreError::Conflict(conflict)),
        r => Ok(r?),
    }
}

/// Runs `statements` as one transaction, turning a UNIQUE violation into
/// [`StoreError::Conflict`] with `conflict`.
pub async fn batch_unique(db: &Db, statements: &[Stmt], conflict: &'static str) -> StoreResult<()> {
    match batch(db, statements).await {
        Err(e) if is_unique_violation(&e) => Err(StoreError::Conflict(conflict)),
        r => r.map(drop).map_err(StoreError::from),
    }
}

/// What one statement of a batch answered.
#[derive(Debug)]
pub struct BatchResult {
    /// Rows changed.
    pub changes: usize,
    /// Its rows, a table as `d1_batch` answered it.
    rows: String,
}

impl BatchResult {
    pub fn results<T: FromRow>(&self) -> StoreResult<Vec<T>> {
        Ok(Table::parse(&self.rows)?.rows()?)
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
        .map(|line| match line.split_once(' ').map(|(n, rows)| (n.parse(), rows)) {
            Some((Ok(changes), rows)) => Ok(BatchResult { changes, rows: rows.to_string() }),
            _ => Err(D1Error(format!("batch answered {line:?}"))),
        })
        .collect()
}

/// A value of a result row.
#[derive(Debug, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    Text(String),
}

/// A table as `d1_*` answer it: `[[column, ...], [value, ...], ...]`. The first element is
/// the column names (there always is one).
struct Table(Vec<Vec<Cell>>);

impl Table {
    /// Read through `serde_json::Value`, not a typed `Vec<Vec<Cell>>`: typed deserializing
    /// links serde's "invalid type: floating point `1.5`" messages, and with them Rust's
    /// float formatting, into the wasm (kilobytes for a message D1 never makes us write).
    fn parse(json: &str) -> Result<Table, D1Error> {
        let bad = |what: &str| D1Error(format!("rows: {what}"));
        let rows = match serde_json::from_str::<serde_json::Value>(json) {
            Ok(serde_json::Value::Array(rows)) => rows,
            Ok(_) => return Err(bad("not a list")),
            Err(e) => return Err(D1Error(format!("rows: {e}"))),
        };
        let mut table = Vec::with_capacity(rows.len());
        for row in rows {
            let serde_json::Value::Array(cells) = row else { return Err(bad("a row is not a list")) };
            let mut out = Vec::with_capacity(cells.len());
            for cell in cells {
                out.push(match cell {
                    serde_json::Value::Null => Cell::Null,
                    serde_json::Value::String(s) => Cell::Text(s),
                    serde_json::Value::Number(n) => {
                        Cell::Int(n.as_i64().ok_or_else(|| bad("a number is not an integer"))?)
                    }
                    _ => return Err(bad("a cell is not null, an integer or a string")),
                });
            }
            table.push(out);
        }
        match table.is_empty() {
            false => Ok(Table(table)),
            true => Err(bad("no column names")),
        }
    }

    fn row(&self, i: usize) -> Option<Row<'_>> {
        Some(Row { columns: self.0.first()?, cells: self.0.get(i + 1)? })
    }

    fn first<T: FromRow>(&self) -> Result<Option<T>, D1Error> {
        self.row(0).map(T::from_row).transpose()
    }

    // A plain loop: an iterator collected into `Result<Vec<T>, _>` costs kilobytes of wasm
    // per row type.
    fn rows<T: FromRow>(&self) -> Result<Vec<T>, D1Error> {
        let mut out = Vec::with_capacity(self.0.len().saturating_sub(1));
        let mut i = 0;
        while let Some(row) = self.row(i) {
            out.push(T::from_row(row)?);
            i += 1;
        }
        Ok(out)
    }
}

/// What a result row decodes into: a struct declared with `row!` (its fields read by
/// column name), or one that implements this by hand (a row made of two such structs).
/// Not serde: a derived `Deserialize` cost a few kilobytes of wasm per row type.
pub trait FromRow: Sized {
    fn from_row(row: Row<'_>) -> Result<Self, D1Error>;
}

/// A column's value as a field's type: text, integers, flags (stored as
/// `INTEGER CHECK (x IN (0, 1))`), states by name, `NULL` as `None`.
pub trait FromCell: Sized {
    fn from_cell(cell: &Cell) -> Result<Self, D1Error>;
    /// A value for a field whose column did not fit (the row is an error anyway).
    fn fallback() -> Self;
}

fn wrong(expected: &str) -> D1Error {
    D1Error(format!("{expected} expected"))
}

impl FromCell for String {
    fn from_cell(cell: &Cell) -> Result<String, D1Error> {
        match cell {
            Cell::Text(s) => Ok(s.clone()),
            _ => Err(wrong("text")),
        }
    }
    fn fallback() -> String {
        String::new()
    }
}

impl FromCell for i64 {
    fn from_cell(cell: &Cell) -> Result<i64, D1Error> {
        match cell {
            Cell::Int(n) => Ok(*n),
            _ => Err(wrong("an integer")),
        }
    }
    fn fallback() -> i64 {
        0
    }
}

macro_rules! narrow_ints {
    ($($t:ty),+) => {
        $(impl FromCell for $t {
            fn from_cell(cell: &Cell) -> Result<$t, D1Error> {
                <$t>::try_from(i64::from_cell(cell)?).map_err(|_| wrong(concat!("an integer in range of ", stringify!($t))))
            }
            fn fallback() -> $t {
                0
            }
        })+
    };
}
narrow_ints!(u8, u16, u32, usize);

impl FromCell for bool {
    fn from_cell(cell: &Cell) -> Result<bool, D1Error> {
        match cell {
            Cell::Int(0) => Ok(false),
            Cell::Int(1) => Ok(true),
            _ => Err(wrong("a flag (0 or 1)")),
        }
    }
    fn fallback() -> bool {
        false
    }
}

impl<T: FromCell> FromCell for Option<T> {
    fn from_cell(cell: &Cell) -> Result<Option<T>, D1Error> {
        match cell {
            Cell::Null => Ok(None),
            c => T::from_cell(c).map(Some),
        }
    }
    fn fallback() -> Option<T> {
        None
    }
}

/// States are stored as their names (`'pending'`).
macro_rules! states_by_name {
    ($($t:ty => $fallback:expr),+ $(,)?) => {
        $(impl FromCell for $t {
            fn from_cell(cell: &Cell) -> Result<$t, D1Error> {
                match cell {
                    Cell::Text(s) => <$t>::parse(s).ok_or_else(|| D1Error(format!("unknown state {s}"))),
                    _ => Err(wrong("a state's name")),
                }
            }
            fn fallback() -> $t {
                $fallback
            }
        })+
    };
}
use crate::domain::states::{EntryKind, EntryState, Method, OrderState, OrderStatus, PayoutState, SessionState};
use crate::webhooks::Scheme;
states_by_name!(
    EntryKind => EntryKind::Commission,
    EntryState => EntryState::Pending,
    Method => Method::None,
    OrderState => OrderState::Paid,
    OrderStatus => OrderStatus::Unattributed,
    PayoutState => PayoutState::Pending,
    SessionState => SessionState::Ended,
    Scheme => Scheme::Standard,
);

/// One result row, with its table's column names.
#[derive(Clone, Copy)]
pub struct Row<'a> {
    columns: &'a [Cell],
    cells: &'a [Cell],
}

impl<'a> Row<'a> {
    fn cell(self, column: &str) -> Result<&'a Cell, D1Error> {
        self.columns
            .iter()
            .position(|c| matches!(c, Cell::Text(name) if name == column))
            .and_then(|i| self.cells.get(i))
            .ok_or_else(|| D1Error(format!("no column {column}")))
    }

    /// The value of one column.
    pub fn get<T: FromCell>(self, column: &str) -> Result<T, D1Error> {
        T::from_cell(self.cell(column)?).map_err(|e| D1Error(format!("column {column}: {}", e.0)))
    }

    /// The value of one column, or (keeping the first error in `failed`) a stand-in: what
    /// `row!` reads fields with, so that a row type is built whole and then judged, with no
    /// early return per field (each one's cleanup cost ~100 bytes of wasm).
    #[inline(never)]
    pub fn read<T: FromCell>(self, column: &str, failed: &mut Option<D1Error>) -> T {
        match self.get(column) {
            Ok(v) => v,
            Err(e) => {
                failed.get_or_insert(e);
                T::fallback()
            }
        }
    }
}

/// Decodes a table as `d1_all` answers it, for tests of row types.
#[cfg(test)]
pub fn decode<T: FromRow>(json: &str) -> Result<Vec<T>, D1Error> {
    Table::parse(json)?.rows()
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[derive(Debug, PartialEq)]
    struct Line {
        n: i64,
        flag: u8,
        rate: Option<u32>,
        s: String,
        later: Vec<u8>,
    }

    // By hand: a field read from another column's name, and one not read at all.
    impl FromRow for Line {
        fn from_row(row: Row<'_>) -> Result<Line, D1Error> {
            Ok(Line {
                n: row.get("n")?,
                flag: row.get("flag")?,
                rate: row.get("rate")?,
                s: row.get("name")?,
                later: vec![],
            })
        }
    }

    #[test]
    fn rows_decode_by_column_name() -> Result<(), String> {
        // Columns in another order than the fields, and one no field asks for.
        let table = r#"[["name","extra","rate","flag","n"],["a\nb",null,null,1,1250],["c","x",2500,0,-3]]"#;
        let rows = decode::<Line>(table).map_err(|e| e.0)?;
        assert_eq!(
            rows,
            vec![
                Line { n: 1250, flag: 1, rate: None, s: "a\nb".into(), later: vec![] },
                Line { n: -3, flag: 0, rate: Some(2500), s: "c".into(), later: vec![] },
            ]
        );
        assert_eq!(decode::<Line>("[[]]").map_err(|e| e.0)?, vec![]);
        Ok(())
    }

    #[test]
    fn a_row_that_does_not_fit_is_an_error() {
        let err = |json: &str| decode::<Line>(json).err().map(|e| e.0);
        assert_eq!(err(r#"[["n","flag","rate"],[1,1,null]]"#).as_deref(), Some("no column name"));
        assert!(err(r#"[["n","flag","rate","name"],[1,256,null,"a"]]"#).is_some(), "out of range for u8");
        assert!(err(r#"[["n","flag","rate","name"],[1,1,null,null]]"#).is_some(), "null where text is needed");
        assert!(err(r#"[["n","flag","rate","name"],[1.5,1,null,"a"]]"#).is_some(), "not an integer");
        assert!(err("[]").is_some());
    }

    #[derive(Debug, PartialEq)]
    enum Mood {
        Calm,
        Busy,
    }

    impl Mood {
        fn parse(s: &str) -> Option<Mood> {
            match s {
                "calm" => Some(Mood::Calm),
                "busy" => Some(Mood::Busy),
                _ => None,
            }
        }
    }

    states_by_name!(Mood => Mood::Calm);

    row! {
        #[derive(Debug, PartialEq)]
        struct Flagged {
            active: bool,
            mood: Mood,
            then: Option<Mood>,
        }
    }

    #[test]
    fn flags_and_states_decode_as_bools_and_enums() -> Result<(), String> {
        let rows =
            decode::<Flagged>(r#"[["active","mood","then"],[1,"calm",null],[0,"busy","calm"]]"#).map_err(|e| e.0)?;
        assert_eq!(
            rows,
            vec![
                Flagged { active: true, mood: Mood::Calm, then: None },
                Flagged { active: false, mood: Mood::Busy, then: Some(Mood::Calm) },
            ]
        );
        for bad in [
            r#"[["active","mood","then"],[2,"calm",null]]"#,
            r#"[["active","mood","then"],[1,"angry",null]]"#,
            r#"[["active","mood","then"],[1,3,null]]"#,
        ] {
            assert!(decode::<Flagged>(bad).is_err(), "{bad}");
        }
        Ok(())
    }

    #[test]
    fn a_row_reads_single_columns() -> Result<(), String> {
        let table = Table::parse(r#"[["a","b"],["x",null]]"#).map_err(|e| e.0)?;
        let row = table.row(0).ok_or("no row")?;
        assert!(table.row(1).is_none());
        assert!(table.first::<Line>().is_err());
        assert_eq!(row.get::<String>("a").map_err(|e| e.0)?, "x");
        assert_eq!(row.get::<Option<i64>>("b").map_err(|e| e.0)?, None);
        assert!(row.get::<String>("c").is_err());
        Ok(())
    }

    #[test]
    fn batch_answer_lines() -> Result<(), String> {
        let out =
            parse_batch("1 [[]]\n0 [[\"n\",\"flag\",\"rate\",\"name\"],[7,0,10,\"\"]]\n2 [[]]").map_err(|e| e.0)?;
        let [write, read, other] = <[BatchResult; 3]>::try_from(out).map_err(|r| format!("{} results", r.len()))?;
        assert_eq!((write.changes, read.changes, other.changes), (1, 0, 2));
        assert_eq!(decode::<Line>(&write.rows).map_err(|e| e.0)?, vec![]);
        let rows = decode::<Line>(&read.rows).map_err(|e| e.0)?;
        assert_eq!(rows, vec![Line { n: 7, flag: 0, rate: Some(10), s: String::new(), later: vec![] }]);
        assert!(parse_batch("").is_ok_and(|r| r.is_empty()));
        assert!(parse_batch("x [[]]").is_err());
        assert!(parse_batch("1").is_err());
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
