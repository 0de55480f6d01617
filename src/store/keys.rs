//! Whose API key this is: the key's prefix says which table holds its hash (keys are
//! stored only as SHA-256). Which routes a role may use is decided by `http::auth`.

use super::brands::{self, BrandRow};
use super::creators::{self, CreatorRow};
use super::{Db, StoreResult};
use crate::domain::ids::{hash_key, prefix};

pub enum KeyOwner {
    Brand(BrandRow),
    Creator(CreatorRow),
}

/// The three roles a key (or a session made from one) can have. Stored by name where a
/// table keeps one (`sessions.role`, whose CHECK holds it to these).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Admin,
    Brand,
    Creator,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Brand => "brand",
            Role::Creator => "creator",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "brand" => Some(Role::Brand),
            "creator" => Some(Role::Creator),
            _ => None,
        }
    }
}

/// The brand or creator whose key this is; `None` for a key of no one.
pub async fn owner(db: &Db, key: &str) -> StoreResult<Option<KeyOwner>> {
    let role = match key.strip_prefix("ae_").and_then(|k| k.split_once('_')).map(|(role, _)| role) {
        Some(prefix::KEY_BRAND) => Role::Brand,
        Some(prefix::KEY_CREATOR) => Role::Creator,
        _ => return Ok(None),
    };
    owner_of_hash(db, role, &hash_key(key)).await
}

/// The brand or creator of `role` whose key hashes to `hash` (a session keeps the hash of
/// the key it was made from).
pub async fn owner_of_hash(db: &Db, role: Role, hash: &str) -> StoreResult<Option<KeyOwner>> {
    match role {
        Role::Brand => Ok(brands::by_key_hash(db, hash).await?.map(KeyOwner::Brand)),
        Role::Creator => Ok(creators::by_key_hash(db, hash).await?.map(KeyOwner::Creator)),
        Role::Admin => Ok(None),
    }
}
