//! The `sessions` table: dashboard sign-ins. A session is stored as the SHA-256 of its
//! cookie's token, like API keys: a copy of the table signs nobody in. It keeps the hash of
//! the key it was made from, so it names that key's owner (and ends with the key).

use super::d1::{first, int, opt_text, run, text};
use super::keys::Role;
use super::{Db, StoreResult};

row! {
    struct SessionRow {
        role: String,
        key_hash: Option<String>,
    }
}

/// Opens a session until `expires_at`, made from the key hashing to `key_hash` (`None` for
/// the admin's token, which no table holds).
pub async fn insert(
    db: &Db,
    token_hash: &str,
    role: Role,
    key_hash: Option<&str>,
    now: i64,
    expires_at: i64,
) -> StoreResult<()> {
    let of = |r: Role| opt_text(key_hash.filter(|_| role == r));
    run(
        db,
        "INSERT INTO sessions (token_hash, role, brand_key_hash, creator_key_hash, created_at, expires_at) \
         VALUES (?,?,?,?,?,?)",
        &[text(token_hash), text(role.as_str()), of(Role::Brand), of(Role::Creator), int(now), int(expires_at)],
    )
    .await?;
    Ok(())
}

/// The role and key hash of a session that has not expired.
pub async fn live(db: &Db, token_hash: &str, now: i64) -> StoreResult<Option<(Role, Option<String>)>> {
    let row: Option<SessionRow> = first(
        db,
        "SELECT role, COALESCE(brand_key_hash, creator_key_hash) AS key_hash FROM sessions \
         WHERE token_hash = ? AND expires_at > ?",
        &[text(token_hash), int(now)],
    )
    .await?;
    Ok(row.and_then(|r| Some((Role::parse(&r.role)?, r.key_hash))))
}

/// Ends a session (nothing when there is none).
pub async fn delete(db: &Db, token_hash: &str) -> StoreResult<()> {
    run(db, "DELETE FROM sessions WHERE token_hash = ?", &[text(token_hash)]).await?;
    Ok(())
}

/// Deletes expired sessions (the scheduled job).
pub async fn prune(db: &Db, now: i64) -> StoreResult<usize> {
    run(db, "DELETE FROM sessions WHERE expires_at <= ?", &[int(now)]).await
}
