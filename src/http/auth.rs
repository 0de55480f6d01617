//! Roles. `Authorization: Bearer <key>` (scheme word case-insensitive) names one of three
//! roles: admin (the `ADMIN_TOKEN` secret), a brand or a creator (whose keys the store looks
//! up: `store::keys`); so does the dashboard's session cookie, in place of the key. Which
//! role may use a route is decided here, and so is how many writes a caller may make.

use super::{ApiError, ApiResult};
use crate::clock::now_ms;
use crate::domain::ids::hash_key;
use crate::store::keys::{self, KeyOwner, Role};
use crate::store::limits::{self, Verdict};
use crate::store::sessions;
use crate::store::{self, brands::BrandRow, creators::CreatorRow, Owner};
use sha2::{Digest, Sha256};
use worker::{Env, Method, Request};

/// The dashboard's session cookie.
pub const SESSION_COOKIE: &str = "ae_session";
/// How long a session lasts: 12 hours, in seconds (the cookie's `Max-Age`).
pub const SESSION_SECONDS: i64 = 12 * 3600;
/// Writes per key per minute (`[[ratelimits]]` WRITE_LIMITER).
const WRITE_LIMITER: &str = "WRITE_LIMITER";

pub enum Principal {
    Admin,
    Brand(BrandRow),
    Creator(CreatorRow),
}

impl Principal {
    /// The brand or creator side of a caller, for routes both may use; the admin owns no
    /// rows there (403).
    pub fn owner(&self) -> ApiResult<Owner<'_>> {
        match self {
            Principal::Brand(b) => Ok(Owner::Brand(&b.id)),
            Principal::Creator(c) => Ok(Owner::Creator(&c.id)),
            Principal::Admin => Err(ApiError::forbidden()),
        }
    }

    /// The role and the brand's or creator's id (`None` for the admin).
    pub fn role_and_id(&self) -> (Role, Option<&str>) {
        match self {
            Principal::Admin => (Role::Admin, None),
            Principal::Brand(b) => (Role::Brand, Some(&b.id)),
            Principal::Creator(c) => (Role::Creator, Some(&c.id)),
        }
    }
}

/// The bearer key of a request, if any.
fn bearer(req: &Request) -> Option<String> {
    let value = req.headers().get("authorization").ok().flatten()?;
    let (scheme, key) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let key = key.trim();
    (!key.is_empty()).then(|| key.to_string())
}

/// Compares two secrets in time that depends only on their hashes' length.
fn secret_eq(a: &str, b: &str) -> bool {
    let (ha, hb) = (Sha256::digest(a.as_bytes()), Sha256::digest(b.as_bytes()));
    ha.iter().zip(hb.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl From<KeyOwner> for Principal {
    fn from(owner: KeyOwner) -> Principal {
        match owner {
            KeyOwner::Brand(b) => Principal::Brand(b),
            KeyOwner::Creator(c) => Principal::Creator(c),
        }
    }
}

/// Whose key this is: the admin's token, a brand's or a creator's key; `None` for nobody.
pub async fn principal_of_key(env: &Env, key: &str) -> ApiResult<Option<Principal>> {
    if let Some(admin) = super::env_text(env, "ADMIN_TOKEN") {
        if !admin.is_empty() && secret_eq(key, &admin) {
            return Ok(Some(Principal::Admin));
        }
    }
    Ok(keys::owner(&store::db(env)?, key).await?.map(Principal::from))
}

/// The token of the request's session cookie, if it has one.
pub fn session_token(req: &Request) -> Option<String> {
    let header = req.headers().get("cookie").ok().flatten()?;
    let token = header.split(';').find_map(|c| c.trim().strip_prefix(SESSION_COOKIE)?.strip_prefix('='))?;
    (!token.is_empty()).then(|| token.to_string())
}

/// Whose live session this token opened: the owner of the key it was made from.
async fn principal_of_session(env: &Env, token: &str) -> ApiResult<Option<Principal>> {
    let db = store::db(env)?;
    Ok(match sessions::live(&db, &hash_key(token), now_ms()).await? {
        Some((Role::Admin, _)) => Some(Principal::Admin),
        Some((role, Some(key_hash))) => keys::owner_of_hash(&db, role, &key_hash).await?.map(Principal::from),
        _ => None,
    })
}

/// A request that may change something.
fn is_write(req: &Request) -> bool {
    !matches!(req.method(), Method::Get | Method::Head | Method::Options)
}

/// The request's `Origin` is this worker's own: what a cookie-authenticated write needs
/// (the cookie is `SameSite=Strict` too; this holds when a browser sends it anyway).
pub fn same_origin(req: &Request, env: &Env) -> bool {
    let origin = req.headers().get("origin").ok().flatten();
    origin.is_some_and(|o| o == super::origin(req, env))
}

/// 403 for a write signed in by cookie that comes from another origin.
pub fn cross_origin() -> ApiError {
    ApiError::new(403, "forbidden", "a write signed in by cookie must come from this origin")
}

/// Counts one request of `key` against the limiter `binding`: 429 with `retry-after` when
/// over. A limiter that does not answer lets the request through (a broken limiter must not
/// take the API down), and says so in the log once per isolate.
pub async fn limit(env: &Env, binding: &str, key: &str) -> ApiResult<()> {
    match limits::check(env, binding, key).await {
        Verdict::Allowed => Ok(()),
        Verdict::Limited => Err(ApiError::rate_limited(60)),
        Verdict::Unavailable => {
            static SAID: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
            if !SAID.swap(true, std::sync::atomic::Ordering::Relaxed) {
                worker::console_error!("rate limiter {binding} did not answer: requests are let through");
            }
            Ok(())
        }
    }
}

/// Who is calling, by bearer key or else by session cookie: 401 when neither names anyone,
/// 403 for a cookie write from another origin, 429 past the writes a caller may make.
pub async fn authenticate(req: &Request, env: &Env) -> ApiResult<Principal> {
    let principal = if let Some(key) = bearer(req) {
        principal_of_key(env, &key).await?.ok_or_else(|| ApiError::unauthorized("unknown key"))?
    } else if let Some(token) = session_token(req) {
        if is_write(req) && !same_origin(req, env) {
            return Err(cross_origin());
        }
        principal_of_session(env, &token)
            .await?
            .ok_or_else(|| ApiError::unauthorized("the session has ended: sign in again"))?
    } else {
        return Err(ApiError::unauthorized("missing bearer key"));
    };
    // Writes count per brand or creator (one key each). The admin's token is the operator's
    // own secret, which can do everything anyway: bulk onboarding is not throttled.
    if let (true, (_, Some(id))) = (is_write(req), principal.role_and_id()) {
        limit(env, WRITE_LIMITER, id).await?;
    }
    Ok(principal)
}

pub async fn require_admin(req: &Request, env: &Env) -> ApiResult<()> {
    match authenticate(req, env).await? {
        Principal::Admin => Ok(()),
        _ => Err(ApiError::forbidden()),
    }
}

pub async fn require_brand(req: &Request, env: &Env) -> ApiResult<BrandRow> {
    match authenticate(req, env).await? {
        Principal::Brand(b) => Ok(b),
        _ => Err(ApiError::forbidden()),
    }
}

pub async fn require_creator(req: &Request, env: &Env) -> ApiResult<CreatorRow> {
    match authenticate(req, env).await? {
        Principal::Creator(c) => Ok(c),
        _ => Err(ApiError::forbidden()),
    }
}
