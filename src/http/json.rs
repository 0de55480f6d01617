//! JSON in and out: body limits, parse errors split into 400 (not JSON) and 422 (wrong shape).

use super::error::{ApiError, ApiResult};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use worker::{Request, Response};

/// Largest API body we read (the contract: 64 KiB).
pub const API_BODY_LIMIT: usize = 64 * 1024;
/// Largest webhook body we read (the contract: 1 MiB).
pub const WEBHOOK_BODY_LIMIT: usize = 1024 * 1024;

pub use super::response::{respond, JSON_CONTENT_TYPE};

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

/// How deep an API body may nest. Our bodies nest two or three levels; serde skips an
/// unknown field without counting its depth, so the bound is checked first.
pub const MAX_DEPTH: usize = 32;

/// The deepest nesting of arrays and objects in `bytes` (outside strings).
fn depth(bytes: &[u8]) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for &b in bytes {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// A serde_json error as the contract's: syntax errors are 400, type/shape errors 422.
fn json_error(e: serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    match e.classify() {
        Category::Data => ApiError::invalid(e.to_string()),
        Category::Syntax | Category::Eof | Category::Io => ApiError::bad_json(format!("body is not valid JSON: {e}")),
    }
}

/// Parses JSON bytes into `T`: syntax errors are 400, type/shape errors 422.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> ApiResult<T> {
    serde_json::from_slice(bytes).map_err(json_error)
}

/// What [`parse_object`] checks before serde sees the body (one copy, not one per type).
#[inline(never)]
fn check_object(bytes: &[u8]) -> ApiResult<()> {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') {
        // Not an object: say whether it is JSON at all.
        serde_json::from_slice::<serde::de::IgnoredAny>(bytes).map_err(json_error)?;
        return Err(ApiError::invalid("body must be a JSON object"));
    }
    if depth(bytes) > MAX_DEPTH {
        return Err(ApiError::invalid(format!("body nests deeper than {MAX_DEPTH} levels")));
    }
    Ok(())
}

/// Parses an API body: a JSON object (serde would read a struct from an array too), at most
/// [`MAX_DEPTH`] deep, of `T`'s shape.
pub fn parse_object<T: DeserializeOwned>(bytes: &[u8]) -> ApiResult<T> {
    check_object(bytes)?;
    parse(bytes)
}

/// Reads and parses an API request body (64 KiB limit).
pub async fn body<T: DeserializeOwned>(req: &mut Request) -> ApiResult<T> {
    let bytes = read_body(req, API_BODY_LIMIT).await?;
    parse_object(&bytes)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Patch {
        #[allow(dead_code)]
        title: Option<String>,
    }

    #[test]
    fn bodies_are_objects_of_bounded_depth() {
        assert!(parse_object::<Patch>(br#" {"title": "a [ { \" ["}"#).is_ok());
        assert_eq!(parse_object::<Patch>(b"[]").map_err(|e| e.status).err(), Some(422));
        assert_eq!(parse_object::<Patch>(b"nope").map_err(|e| e.status).err(), Some(400));
        assert_eq!(parse_object::<Patch>(b"").map_err(|e| e.status).err(), Some(400));
        let deep = format!("{}1{}", "{\"a\":".repeat(40), "}".repeat(40));
        assert_eq!(parse_object::<Patch>(deep.as_bytes()).map_err(|e| e.status).err(), Some(422));
        assert_eq!(depth(br#"{"a":"[[[[","b":[{}]}"#), 3);
    }
}
