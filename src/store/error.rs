//! What the store answers when it can't do what was asked. The HTTP edge turns it into the
//! contract's error shape (`impl From<StoreError> for ApiError` in `http::error`); nothing
//! here knows about statuses.

use std::fmt;

#[derive(Debug)]
pub enum StoreError {
    /// A UNIQUE constraint refused the write; says what was taken ("that handle is taken").
    Conflict(&'static str),
    /// D1 failed or answered something we can't read.
    D1(String),
    /// KV failed.
    Kv(String),
    /// A click could not be handed to the queue.
    Queue(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Conflict(m) => f.write_str(m),
            StoreError::D1(m) => write!(f, "d1: {m}"),
            StoreError::Kv(m) => write!(f, "kv: {m}"),
            StoreError::Queue(m) => write!(f, "queue: {m}"),
        }
    }
}

impl std::error::Error for StoreError {}
