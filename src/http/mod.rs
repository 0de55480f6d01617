//! HTTP plumbing shared by every route: the error shape, JSON bodies, roles and keys.

pub mod error;
pub mod json;

pub use error::{ApiError, ApiResult};
pub mod auth;
pub mod page;

use worker::{Env, Request};

/// The public origin for URLs we hand out (`short_url`, `webhook_url`): the `PUBLIC_ORIGIN`
/// var when set, else the origin the request came to.
pub fn origin(req: &Request, env: &Env) -> String {
    if let Ok(v) = env.var("PUBLIC_ORIGIN") {
        let v = v.to_string();
        if !v.is_empty() {
            return v.trim_end_matches('/').to_string();
        }
    }
    req.url().map(|u| u.origin().ascii_serialization()).unwrap_or_default()
}

/// Checks a human-entered text field: trimmed non-empty, at most `max` characters.
pub fn text_field(name: &str, value: &str, max: usize) -> ApiResult<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(ApiError::invalid(format!("{name} must not be empty")));
    }
    if v.chars().count() > max {
        return Err(ApiError::invalid(format!("{name} is over {max} characters")));
    }
    Ok(v.to_string())
}

/// Checks a rate in basis points: 0–10000.
pub fn bps_field(name: &str, value: u32) -> ApiResult<u32> {
    if value > crate::domain::commission::MAX_BPS {
        return Err(ApiError::invalid(format!("{name} must be from 0 to 10000 basis points")));
    }
    Ok(value)
}
