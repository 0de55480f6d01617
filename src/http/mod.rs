//! HTTP plumbing shared by every route: the error shape, JSON bodies, roles and keys.

pub mod error;
pub mod format;
pub mod json;
pub mod response;

pub use error::{ApiError, ApiResult};
pub mod auth;
pub mod page;
pub mod request_url;

use crate::domain::text::Text;
use worker::{Env, Request};

/// A secret or plain-text var (`wrangler secret put`, `[vars]`, `.dev.vars`); `None` when
/// unset. One property read: `Env::secret`/`Env::var` also check the value's constructor
/// across the wasm boundary, and the click reads its salt on every redirect.
pub fn env_text(env: &Env, name: &str) -> Option<String> {
    worker::js_sys::Reflect::get(env.as_ref(), &name.into()).ok()?.as_string()
}

/// A secret a feature needs (`name`); `None` when unset or empty, and then `without` is said
/// in the log once per isolate (`said` is the secret's own `Once`).
fn needed_secret(env: &Env, name: &str, said: &'static std::sync::Once, without: &str) -> Option<String> {
    let secret = env_text(env, name).filter(|s| !s.is_empty());
    if secret.is_none() {
        said.call_once(|| worker::console_error!("{name} is not set: {without}"));
    }
    secret
}

/// The secret salt of visitor hashes (`VISITOR_SALT`); without it no visitor is hashed.
pub fn visitor_salt(env: &Env) -> Option<String> {
    static SAID: std::sync::Once = std::sync::Once::new();
    needed_secret(env, "VISITOR_SALT", &SAID, "clicks are stored without a visitor hash, never unique")
}

/// The secret that signs click ids (`CLICK_SECRET`); without it click ids are plain random
/// ids that attribute only once their row is written.
pub fn click_secret(env: &Env) -> Option<String> {
    static SAID: std::sync::Once = std::sync::Once::new();
    needed_secret(env, "CLICK_SECRET", &SAID, "click ids are unsigned and attribute only once stored")
}

/// The public origin for URLs we hand out (`short_url`, `webhook_url`): the `PUBLIC_ORIGIN`
/// var when set, else the origin the request came to.
pub fn origin(req: &Request, env: &Env) -> String {
    public_origin(env).unwrap_or_else(|| request_url::origin(req))
}

/// The `PUBLIC_ORIGIN` var (no trailing `/`), when set. Where a response may be kept by a
/// shared cache (the live page), only this origin is used, never the request's `Host`.
pub fn public_origin(env: &Env) -> Option<String> {
    env_text(env, "PUBLIC_ORIGIN").filter(|v| !v.is_empty()).map(|v| v.trim_end_matches('/').to_string())
}

/// A human-entered text field by the one rule of `domain::text` (trimmed, not empty, at
/// most `max` characters, no control characters); 422 naming the field otherwise.
pub fn text_field(name: &str, value: &str, max: usize) -> ApiResult<String> {
    Text::parse(value, max).map(Text::into_string).map_err(|e| ApiError::invalid(format!("{name} {e}")))
}

/// Checks a rate in basis points: 0–10000.
pub fn bps_field(name: &str, value: u32) -> ApiResult<u32> {
    if value > crate::domain::commission::MAX_BPS {
        return Err(ApiError::invalid(format!("{name} must be from 0 to 10000 basis points")));
    }
    Ok(value)
}
