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

/// The brand or creator whose key this is; `None` for a key of no one.
pub async fn owner(db: &Db, key: &str) -> StoreResult<Option<KeyOwner>> {
    let role = key.strip_prefix("ae_").and_then(|k| k.split_once('_')).map(|(role, _)| role);
    match role {
        Some(prefix::KEY_BRAND) => Ok(brands::by_key_hash(db, &hash_key(key)).await?.map(KeyOwner::Brand)),
        Some(prefix::KEY_CREATOR) => Ok(creators::by_key_hash(db, &hash_key(key)).await?.map(KeyOwner::Creator)),
        _ => Ok(None),
    }
}
