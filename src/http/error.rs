//! The one error shape of the contract: `{"error": {"code", "message"}}` with a fitting status.

use crate::store::StoreError;
use serde::Serialize;
use worker::{console_error, Response};

/// An error answered to the client. Built by handlers; turned into a response in one place,
/// [`ApiError::into_response`], which is also where a 5xx is logged: an error that a caller
/// recovers from (a race it retries) is never logged as our fault.
#[derive(Debug)]
pub struct ApiError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    /// What went wrong, for the log only (never for the client).
    pub detail: Option<String>,
    /// Headers the answer carries (`allow` of a 405).
    pub headers: Vec<(&'static str, String)>,
}

pub type ApiResult<T> = std::result::Result<T, ApiError>;

impl ApiError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into(), detail: None, headers: Vec::new() }
    }
    pub fn bad_json(message: impl Into<String>) -> ApiError {
        ApiError::new(400, "invalid_json", message)
    }
    pub fn unauthorized(message: impl Into<String>) -> ApiError {
        ApiError::new(401, "unauthorized", message)
    }
    pub fn forbidden() -> ApiError {
        ApiError::new(403, "forbidden", "this key's role may not use this route")
    }
    pub fn not_found(what: &str) -> ApiError {
        ApiError::new(404, "not_found", format!("{what} not found"))
    }
    pub fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::new(409, "conflict", message)
    }
    pub fn gone(message: impl Into<String>) -> ApiError {
        ApiError::new(410, "gone", message)
    }
    pub fn too_large(limit: usize) -> ApiError {
        ApiError::new(413, "payload_too_large", format!("body is over the {limit}-byte limit"))
    }
    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::new(422, "validation_failed", message)
    }
    /// 429: over a rate limit; `retry-after` says when to come back.
    pub fn rate_limited(retry_after_seconds: u32) -> ApiError {
        let message = "too many requests: retry later";
        ApiError {
            headers: vec![("retry-after", retry_after_seconds.to_string())],
            ..ApiError::new(429, "rate_limited", message)
        }
    }
    /// 405, with `allow` naming the methods the route has.
    pub fn method_not_allowed(allowed: &[worker::Method]) -> ApiError {
        let allow = allowed.iter().map(|m| m.as_ref()).collect::<Vec<_>>().join(", ");
        let message = format!("this route answers {allow} only");
        ApiError { headers: vec![("allow", allow)], ..ApiError::new(405, "method_not_allowed", message) }
    }
    /// A change is saved, but the redirect's KV record of it could not be written: the
    /// redirect may act on it late. Retrying the request writes the record again.
    pub fn saved_late(change: &str, detail: impl std::fmt::Display) -> ApiError {
        let message = format!("{change} is saved, but the redirect may take it up late; retry to make sure");
        ApiError { detail: Some(detail.to_string()), ..ApiError::new(503, "saved_not_propagated", message) }
    }
    /// Our own fault. The detail goes to the log when this is answered, never to the client.
    pub fn internal(detail: impl std::fmt::Display) -> ApiError {
        ApiError { detail: Some(detail.to_string()), ..ApiError::new(500, "internal", "internal error") }
    }

    /// The response in the contract's shape; a 5xx is logged here, once.
    pub fn into_response(self) -> Response {
        if self.status >= 500 {
            console_error!("{} {}: {}", self.status, self.code, self.detail.as_deref().unwrap_or(&self.message));
        }
        #[derive(Serialize)]
        struct Body<'a> {
            error: Inner<'a>,
        }
        #[derive(Serialize)]
        struct Inner<'a> {
            code: &'a str,
            message: &'a str,
        }
        let body = Body { error: Inner { code: self.code, message: &self.message } };
        let mut response = super::response::respond(self.status, &body);
        for (name, value) in &self.headers {
            let _ = response.headers_mut().set(name, value);
        }
        response
    }
}

impl From<worker::Error> for ApiError {
    fn from(e: worker::Error) -> ApiError {
        ApiError::internal(e)
    }
}

/// The one place where the store's errors become the contract's.
impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::Conflict(m) => ApiError::conflict(m),
            StoreError::D1(_) | StoreError::Kv(_) | StoreError::Queue(_) => ApiError::internal(e),
        }
    }
}
