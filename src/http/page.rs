//! List paging: `?limit=` (1–100, default 50) and an opaque `?cursor=` over
//! (created_at, id), newest first.

pub use super::request_url::query_pairs;
use super::{ApiError, ApiResult};
use crate::store::Keyset;
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde::Serialize;

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 100;

/// Where a page starts: strictly older than `(created_at, id)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Cursor {
    pub created_at: i64,
    pub id: String,
}

pub fn query_value<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// `?limit=` and `?cursor=` as the store's paging input.
pub fn keyset(pairs: &[(String, String)]) -> ApiResult<Keyset> {
    keyset_up_to(pairs, DEFAULT_LIMIT, MAX_LIMIT, "limit must be an integer from 1 to 100")
}

/// Rows a CSV export holds at most (its `limit`'s default and bound).
pub const EXPORT_LIMIT: u32 = 10_000;

/// [`keyset`] with another default and bound for `limit` (exports).
pub fn keyset_up_to(pairs: &[(String, String)], default: u32, max: u32, refusal: &'static str) -> ApiResult<Keyset> {
    let limit = match query_value(pairs, "limit") {
        None => default,
        Some(s) => s.parse::<u32>().ok().filter(|n| (1..=max).contains(n)).ok_or_else(|| ApiError::invalid(refusal))?,
    };
    let before = match query_value(pairs, "cursor") {
        None | Some("") => None,
        Some(c) => {
            let c = decode_cursor(c).ok_or_else(|| ApiError::invalid("cursor is not valid"))?;
            Some((c.created_at, c.id))
        }
    };
    Ok(Keyset { limit, before })
}

pub fn encode_cursor(c: &Cursor) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:{}", c.created_at, c.id))
}

pub fn decode_cursor(s: &str) -> Option<Cursor> {
    let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(s).ok()?).ok()?;
    let (at, id) = raw.split_once(':')?;
    Some(Cursor { created_at: at.parse().ok()?, id: id.to_string() })
}

/// A page of a list, in the contract's shape.
#[derive(Serialize)]
pub struct Page<T: Serialize> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// Cuts the extra row the store read (see [`Keyset`]) and makes the cursor from the last
/// item kept. `key` gives an item's (created_at, id).
pub fn page<R, T: Serialize>(
    rows: Vec<R>,
    req: &Keyset,
    key: impl Fn(&R) -> (i64, String),
    render: impl Fn(R) -> T,
) -> Page<T> {
    let (rows, next_cursor) = cut(rows, req, key);
    Page { items: rows.into_iter().map(render).collect(), next_cursor }
}

/// The rows a page shows and the cursor of the next page, if one follows (JSON pages and
/// CSV exports alike).
pub fn cut<R>(rows: Vec<R>, req: &Keyset, key: impl Fn(&R) -> (i64, String)) -> (Vec<R>, Option<String>) {
    let (rows, more) = req.cut(rows);
    let next_cursor = if more {
        rows.last().map(|r| {
            let (created_at, id) = key(r);
            encode_cursor(&Cursor { created_at, id })
        })
    } else {
        None
    };
    (rows, next_cursor)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(q: &[(&str, &str)]) -> Vec<(String, String)> {
        q.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn limits_are_checked() {
        assert_eq!(keyset(&[]).unwrap().limit, 50);
        assert_eq!(keyset(&pairs(&[("limit", "100")])).unwrap().limit, 100);
        for bad in ["0", "101", "-1", "x", ""] {
            assert!(keyset(&pairs(&[("limit", bad)])).is_err(), "{bad}");
        }
    }

    #[test]
    fn cursors_round_trip_and_reject_junk() {
        let c = Cursor { created_at: 1_700_000_000_123, id: "pr_abc".into() };
        assert_eq!(decode_cursor(&encode_cursor(&c)), Some(c));
        assert_eq!(decode_cursor("!!!"), None);
        assert!(keyset(&pairs(&[("cursor", "bm9jb2xvbg")])).is_err());
    }

    #[test]
    fn a_page_keeps_limit_rows_and_points_past_the_last() {
        let req = Keyset { limit: 2, before: None };
        let rows = vec![(3, "c"), (2, "b"), (1, "a")];
        let p = page(rows, &req, |r| (r.0, r.1.to_string()), |r| r.1);
        assert_eq!(p.items, vec!["c", "b"]);
        let next = decode_cursor(p.next_cursor.as_deref().unwrap()).unwrap();
        assert_eq!((next.created_at, next.id.as_str()), (2, "b"));
        let last = page(vec![(1, "a")], &req, |r| (r.0, r.1.to_string()), |r| r.1);
        assert!(last.next_cursor.is_none());
    }
}
