//! Roles. `Authorization: Bearer <key>` (scheme word case-insensitive) names one of three
//! roles: admin (the `ADMIN_TOKEN` secret), a brand or a creator (whose keys the store looks
//! up: `store::keys`). Which role may use a route is decided here.

use super::{ApiError, ApiResult};
use crate::store::keys::{self, KeyOwner};
use crate::store::{self, brands::BrandRow, creators::CreatorRow, Owner};
use sha2::{Digest, Sha256};
use worker::{Env, Request};

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

/// Who is calling: 401 when the key is missing or matches nobody.
pub async fn authenticate(req: &Request, env: &Env) -> ApiResult<Principal> {
    let key = bearer(req).ok_or_else(|| ApiError::unauthorized("missing bearer key"))?;
    if let Some(admin) = super::env_text(env, "ADMIN_TOKEN") {
        if !admin.is_empty() && secret_eq(&key, &admin) {
            return Ok(Principal::Admin);
        }
    }
    match keys::owner(&store::db(env)?, &key).await? {
        Some(KeyOwner::Brand(b)) => Ok(Principal::Brand(b)),
        Some(KeyOwner::Creator(c)) => Ok(Principal::Creator(c)),
        None => Err(ApiError::unauthorized("unknown key")),
    }
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
