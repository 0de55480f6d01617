//! What the store answers when it can't do what was asked. The HTTP edge turns it into the
//! contract's error shape (`impl From<StoreError> for ApiError` in `http::error`); nothing
//! here knows about statuses.

use std::fmt;

#[derive(Debug)]
pub enum StoreError {
    /// A UNIQUE constraint refused the write; says what was taken ("that handle is taken").
    Conflict(&'static str),
    /// The row the write was for is not there (or is another tenant's).
    NotFound(&'static str),
    /// A guard refused the write: the rows moved under it (a concurrent change).
    Raced,
    /// D1 failed or answered something we can't read.
    D1(String),
    /// KV failed.
    Kv(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Conflict(m) => f.write_str(m),
            StoreError::NotFound(what) => write!(f, "{what} not found"),
            StoreError::Raced => f.write_str("the rows changed under the write"),
            StoreError::D1(m) => write!(f, "d1: {m}"),
            StoreError::Kv(m) => write!(f, "kv: {m}"),
        }
    }
}

impl std::error::Error for StoreError {}
