//! JSON in and out: body limits, parse errors split into 400 (not JSON) and 422 (wrong shape).

use super::error::{ApiError, ApiResult};
use serde::{de::DeserializeOwned, Serialize};
use serde_json::Value;
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
fn parse<T: DeserializeOwned>(bytes: &[u8]) -> ApiResult<T> {
    serde_json::from_slice(bytes).map_err(json_error)
}

/// What [`Body::parse`] checks before serde sees the body: an object, of bounded depth.
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

/// Reads an API request body (64 KiB limit): a JSON object whose fields the route reads by
/// name. One decoder for every body: a derived `Deserialize` per body type cost kilobytes
/// of wasm each. A key given twice counts as its last value.
pub async fn body(req: &mut Request) -> ApiResult<Body> {
    let bytes = read_body(req, API_BODY_LIMIT).await?;
    Body::parse(&bytes)
}

/// The fields of a JSON object body, read by name with the contract's errors (422 naming
/// the field). Unknown fields are ignored.
#[derive(Debug, Clone, Default)]
pub struct Body(serde_json::Map<String, Value>);

fn must(name: &str, what: &str) -> ApiError {
    ApiError::invalid(format!("{name} must be {what}"))
}

impl Body {
    pub fn parse(bytes: &[u8]) -> ApiResult<Body> {
        check_object(bytes)?;
        match parse::<Value>(bytes)? {
            Value::Object(m) => Ok(Body(m)),
            _ => Err(ApiError::invalid("body must be a JSON object")),
        }
    }

    /// The field as given: absent is `None`, `null` is `Some(Value::Null)`.
    fn given(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }

    /// Absent or `null`: `None`.
    fn present(&self, name: &str) -> Option<&Value> {
        self.given(name).filter(|v| !v.is_null())
    }

    /// A required field of any type (absent or `null`: 422).
    pub fn required(&self, name: &str) -> ApiResult<&Value> {
        self.present(name).ok_or_else(|| ApiError::invalid(format!("missing field `{name}`")))
    }

    /// A required string.
    pub fn text(&self, name: &str) -> ApiResult<String> {
        as_text(name, self.required(name)?)
    }

    /// An optional string (absent or `null`: `None`).
    pub fn opt_text(&self, name: &str) -> ApiResult<Option<String>> {
        self.present(name).map(|v| as_text(name, v)).transpose()
    }

    /// An integer from `min` to `max`.
    pub fn int(&self, name: &str, min: i64, max: i64) -> ApiResult<i64> {
        as_int(name, self.required(name)?, min, max)
    }

    pub fn opt_int(&self, name: &str, min: i64, max: i64) -> ApiResult<Option<i64>> {
        self.present(name).map(|v| as_int(name, v, min, max)).transpose()
    }

    /// A non-negative integer that fits 32 bits.
    pub fn uint(&self, name: &str) -> ApiResult<u32> {
        self.int(name, 0, u32::MAX.into()).map(|n| n as u32)
    }

    pub fn opt_uint(&self, name: &str) -> ApiResult<Option<u32>> {
        self.opt_int(name, 0, u32::MAX.into()).map(|n| n.map(|n| n as u32))
    }

    /// A list of strings.
    pub fn texts(&self, name: &str) -> ApiResult<Vec<String>> {
        as_texts(name, self.required(name)?)
    }

    pub fn opt_texts(&self, name: &str) -> ApiResult<Option<Vec<String>>> {
        self.present(name).map(|v| as_texts(name, v)).transpose()
    }

    /// An optional nested object (absent or `null`: `None`).
    pub fn opt_object(&self, name: &str) -> ApiResult<Option<Body>> {
        self.present(name).map(|v| as_object(name, v)).transpose()
    }

    /// A nested object (`price`).
    pub fn object(&self, name: &str) -> ApiResult<Body> {
        as_object(name, self.required(name)?)
    }

    /// A PATCH field: absent is `None` (keep), `null` is `Some(None)` (clear, where allowed),
    /// else `Some(Some(value))`.
    pub fn patch<T>(&self, name: &str, read: impl Fn(&str, &Value) -> ApiResult<T>) -> ApiResult<Option<Option<T>>> {
        match self.given(name) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(None)),
            Some(v) => read(name, v).map(|t| Some(Some(t))),
        }
    }
}

/// Keeps the first error of a body's reads in `failed` and goes on with a stand-in, so that
/// a body type is read whole and then judged (an early return per field cost its cleanup
/// in wasm): `let b = X { a: keep(&mut failed, body.text("a")), … }; failed.map_or(Ok(b), Err)`.
pub fn keep<T: Default>(failed: &mut Option<ApiError>, read: ApiResult<T>) -> T {
    match read {
        Ok(v) => v,
        Err(e) => {
            failed.get_or_insert(e);
            T::default()
        }
    }
}

pub fn as_text(name: &str, v: &Value) -> ApiResult<String> {
    v.as_str().map(str::to_string).ok_or_else(|| must(name, "a string"))
}

pub fn as_int(name: &str, v: &Value, min: i64, max: i64) -> ApiResult<i64> {
    v.as_i64()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| ApiError::invalid(format!("{name} must be an integer from {min} to {max}")))
}

pub fn as_uint(name: &str, v: &Value) -> ApiResult<u32> {
    as_int(name, v, 0, u32::MAX.into()).map(|n| n as u32)
}

pub fn as_bool(name: &str, v: &Value) -> ApiResult<bool> {
    v.as_bool().ok_or_else(|| must(name, "true or false"))
}

pub fn as_texts(name: &str, v: &Value) -> ApiResult<Vec<String>> {
    let items = v.as_array().ok_or_else(|| must(name, "a list of strings"))?;
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        out.push(item.as_str().map(str::to_string).ok_or_else(|| must(name, "a list of strings"))?);
    }
    Ok(out)
}

pub fn as_object(name: &str, v: &Value) -> ApiResult<Body> {
    match v {
        Value::Object(m) => Ok(Body(m.clone())),
        _ => Err(must(name, "an object")),
    }
}

pub fn ok<T: Serialize>(value: &T) -> ApiResult<Response> {
    Ok(respond(200, value))
}

pub fn created<T: Serialize>(value: &T) -> ApiResult<Response> {
    Ok(respond(201, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_objects_of_bounded_depth() {
        assert!(Body::parse(br#" {"title": "a [ { \" ["}"#).is_ok());
        assert_eq!(Body::parse(b"[]").map_err(|e| e.status).err(), Some(422));
        assert_eq!(Body::parse(b"nope").map_err(|e| e.status).err(), Some(400));
        assert_eq!(Body::parse(b"").map_err(|e| e.status).err(), Some(400));
        assert_eq!(Body::parse(br#"{"a":"\ud800"}"#).map_err(|e| e.status).err(), Some(400));
        let deep = format!("{}1{}", "{\"a\":".repeat(40), "}".repeat(40));
        assert_eq!(Body::parse(deep.as_bytes()).map_err(|e| e.status).err(), Some(422));
        assert_eq!(depth(br#"{"a":"[[[[","b":[{}]}"#), 3);
    }

    #[test]
    fn fields_are_read_by_name_with_their_type() -> Result<(), u16> {
        let b = Body::parse(br#"{"s":"x","n":5,"f":1.5,"big":1e2,"l":["a","b"],"bad":["a",1],"z":null,"o":{"k":"v"}}"#)
            .map_err(|e| e.status)?;
        assert_eq!(b.text("s").map_err(|e| e.status)?, "x");
        assert!(b.text("n").is_err() && b.text("missing").is_err() && b.text("z").is_err());
        assert_eq!(b.opt_text("z").map_err(|e| e.status)?, None);
        assert_eq!(b.opt_text("missing").map_err(|e| e.status)?, None);
        assert_eq!(b.int("n", 0, 10).map_err(|e| e.status)?, 5);
        assert!(b.int("n", 6, 10).is_err() && b.int("f", 0, 10).is_err() && b.int("big", 0, 1000).is_err());
        assert_eq!(b.texts("l").map_err(|e| e.status)?, vec!["a".to_string(), "b".to_string()]);
        assert!(b.texts("bad").is_err() && b.texts("s").is_err());
        assert_eq!(b.object("o").and_then(|o| o.text("k")).map_err(|e| e.status)?, "v");
        assert_eq!(b.patch("missing", as_text).map_err(|e| e.status)?, None);
        assert_eq!(b.patch("z", as_text).map_err(|e| e.status)?, Some(None));
        assert_eq!(b.patch("s", as_text).map_err(|e| e.status)?, Some(Some("x".into())));
        assert!(b.patch("n", as_text).is_err());
        Ok(())
    }
}
