//! `POST /api/creators` (admin).

use crate::clock::now_ms;
use crate::domain::ids::{self, prefix};
use crate::domain::text::is_control;
use crate::http::{auth, json, ApiError, ApiResult};
use crate::store::{self, creators::CreatorRow};
use serde::Serialize;
use worker::{Env, Request, Response};

struct NewCreator {
    handle: String,
    email: Option<String>,
}

impl NewCreator {
    fn read(b: &json::Body) -> ApiResult<NewCreator> {
        Ok(NewCreator { handle: b.text("handle")?, email: b.opt_text("email")? })
    }
}

#[derive(Serialize)]
struct Created {
    id: String,
    handle: String,
    email: Option<String>,
    api_key: String,
}

/// Handles are what audiences see: 1–64 of `[A-Za-z0-9_.-]`, unique ignoring case.
fn valid_handle(h: &str) -> bool {
    (1..=64).contains(&h.len()) && h.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
}

pub async fn create(mut req: Request, env: &Env) -> ApiResult<Response> {
    auth::require_admin(&req, env).await?;
    let body = NewCreator::read(&json::body(&mut req).await?)?;
    let handle = body.handle.trim().trim_start_matches('@').to_string();
    if !valid_handle(&handle) {
        return Err(ApiError::invalid("handle must be 1-64 of [A-Za-z0-9_.-]"));
    }
    let email = body.email.map(|e| e.trim().to_string()).filter(|e| !e.is_empty());
    if let Some(e) = &email {
        if e.len() > 254 || !e.contains('@') || e.chars().any(|c| c.is_whitespace() || is_control(c)) {
            return Err(ApiError::invalid("email is not an email address"));
        }
    }
    let api_key = ids::new_api_key(prefix::KEY_CREATOR).map_err(ApiError::internal)?;
    let row = CreatorRow {
        id: ids::new_id(prefix::CREATOR).map_err(ApiError::internal)?,
        handle,
        email,
        created_at: now_ms(),
    };
    store::creators::insert(&store::db(env)?, &row, &ids::hash_key(&api_key)).await?;
    json::created(&Created { id: row.id, handle: row.handle, email: row.email, api_key })
}
