//! The one error shape of the contract: `{"error": {"code", "message"}}` with a fitting status.

use serde::Serialize;
use worker::{console_error, Response};

/// An error answered to the client. Built by handlers; turned into a response in one place.
#[derive(Debug)]
pub struct ApiError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
}

pub type ApiResult<T> = std::result::Result<T, ApiError>;

impl ApiError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into() }
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
    pub fn method_not_allowed() -> ApiError {
        ApiError::new(405, "method_not_allowed", "method not allowed on this route")
    }
    /// Our own fault. The detail goes to the log, never to the client.
    pub fn internal(detail: impl std::fmt::Display) -> ApiError {
        console_error!("internal error: {detail}");
        ApiError::new(500, "internal", "internal error")
    }

    pub fn into_response(self) -> Response {
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
        super::json::respond(self.status, &body)
    }
}

impl From<worker::Error> for ApiError {
    fn from(e: worker::Error) -> ApiError {
        ApiError::internal(e)
    }
}

impl From<worker::KvError> for ApiError {
    fn from(e: worker::KvError) -> ApiError {
        ApiError::internal(format!("kv: {e:?}"))
    }
}
