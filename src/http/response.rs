//! A JSON response in the contract's content type: what every answer, error or not, is
//! made with (below both `json` and `error`, so neither imports the other back).

use serde::Serialize;
use worker::{Headers, Response};

pub const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// A JSON response with the contract's content type. Only the serializing is generic: the
/// response is built by one function for every body type (it was a copy per type in the wasm).
pub fn respond<T: Serialize>(status: u16, value: &T) -> Response {
    respond_bytes(status, serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec()))
}

#[inline(never)]
fn respond_bytes(status: u16, bytes: Vec<u8>) -> Response {
    let headers = Headers::new();
    let _ = headers.set("content-type", JSON_CONTENT_TYPE);
    match Response::from_bytes(bytes) {
        Ok(r) => r.with_status(status).with_headers(headers),
        Err(_) => Response::empty()
            .map(|r| r.with_status(500))
            .unwrap_or_else(|_| Response::builder().with_status(500).empty()),
    }
}

/// A CSV export (`?format=csv`), as a download (`disposition`: `attachment; filename=…`). `next_cursor`: where the next part of a
/// longer export starts (`x-next-cursor`), like a JSON page's `next_cursor`.
pub fn csv(body: String, disposition: &'static str, next_cursor: Option<&str>) -> Response {
    let headers = Headers::new();
    let _ = headers.set("content-type", "text/csv; charset=utf-8");
    let _ = headers.set("content-disposition", disposition);
    if let Some(c) = next_cursor {
        let _ = headers.set("x-next-cursor", c);
    }
    match Response::ok(body) {
        Ok(r) => r.with_headers(headers),
        Err(_) => Response::builder().with_status(500).empty(),
    }
}
