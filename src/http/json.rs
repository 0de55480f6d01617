//! JSON in and out: body limits, parse errors split into 400 (not JSON) and 422 (wrong shape).

use super::error::{ApiError, ApiResult};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use worker::{Headers, Request, Response};

/// Largest API body we read (the contract: 64 KiB).
pub const API_BODY_LIMIT: usize = 64 * 1024;
/// Largest webhook body we read (the contract: 1 MiB).
pub const WEBHOOK_BODY_LIMIT: usize = 1024 * 1024;

pub const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// Reads the raw body, refusing it (413) when the declared or actual length is over `limit`.
pub async fn read_body(req: &mut Request, limit: usize) -> ApiResult<Vec<u8>> {
    let declared = req.headers().get("content-length").ok().flatten().and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(ApiError::too_large(limit));
    }
    let bytes = req.bytes().await.map_err(|_| ApiError::bad_json("body could not be read"))?;
    if bytes.len() > limit {
        return Err(ApiError::too_large(limit));
    }
    Ok(bytes)
}

/// Parses JSON bytes into `T`: syntax errors are 400, type/shape errors 422.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> ApiResult<T> {
    serde_json::from_slice(bytes).map_err(|e| {
        use serde_json::error::Category;
        match e.classify() {
            Category::Data => ApiError::invalid(e.to_string()),
            Category::Syntax | Category::Eof | Category::Io => {
                ApiError::bad_json(format!("body is not valid JSON: {e}"))
            }
        }
    })
}

/// Reads and parses an API request body (64 KiB limit).
pub async fn body<T: DeserializeOwned>(req: &mut Request) -> ApiResult<T> {
    let bytes = read_body(req, API_BODY_LIMIT).await?;
    parse(&bytes)
}

/// A JSON response with the contract's content type.
pub fn respond<T: Serialize>(status: u16, value: &T) -> Response {
    let bytes = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
    let headers = Headers::new();
    let _ = headers.set("content-type", JSON_CONTENT_TYPE);
    match Response::from_bytes(bytes) {
        Ok(r) => r.with_status(status).with_headers(headers),
        Err(_) => Response::empty()
            .map(|r| r.with_status(500))
            .unwrap_or_else(|_| Response::builder().with_status(500).empty()),
    }
}

pub fn ok<T: Serialize>(value: &T) -> ApiResult<Response> {
    Ok(respond(200, value))
}

pub fn created<T: Serialize>(value: &T) -> ApiResult<Response> {
    Ok(respond(201, value))
}

/// For PATCH fields where `null` means "clear" and absence means "keep":
/// `#[serde(default, deserialize_with = "json::nullable")] field: Option<Option<T>>`.
pub fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}
