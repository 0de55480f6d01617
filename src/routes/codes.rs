//! `POST /api/codes`, `GET /api/codes`, `DELETE /api/codes/{id}`: creator codes, the
//! attribution that needs no click (`domain::attribution`).

use crate::clock::now_ms;
use crate::domain::codes::CreatorCode;
use crate::domain::ids::{self, prefix};
use crate::http::auth;
use crate::http::page::{self, query_pairs};
use crate::http::{json, ApiError, ApiResult};
use crate::store;
use crate::store::codes::{self, CodeRow};
use crate::views::codes::render_code;
use worker::{Env, Request, Response};

struct NewCode {
    creator_id: String,
    code: String,
}

impl NewCode {
    fn read(b: &json::Body) -> ApiResult<NewCode> {
        Ok(NewCode { creator_id: b.text("creator_id")?, code: b.text("code")? })
    }
}

/// Registers a code of the brand's store as one creator's (brand).
pub async fn create(mut req: Request, env: &Env) -> ApiResult<Response> {
    let brand = auth::require_brand(&req, env).await?;
    let body = NewCode::read(&json::body(&mut req).await?)?;
    let code = CreatorCode::parse(&body.code).map_err(|e| ApiError::invalid(e.to_string()))?;
    let row = CodeRow {
        id: ids::new_id(prefix::CODE).map_err(ApiError::internal)?,
        code: code.as_str().to_string(),
        brand_id: brand.id,
        creator_id: body.creator_id,
        active: true,
        created_at: now_ms(),
    };
    if !codes::insert(&store::db(env)?, &row).await? {
        return Err(ApiError::not_found("creator"));
    }
    json::created(&render_code(row))
}

/// A brand's codes, or a creator's own across brands.
pub async fn list(req: Request, env: &Env) -> ApiResult<Response> {
    let principal = auth::authenticate(&req, env).await?;
    let owner = principal.owner()?;
    let page_req = page::keyset(&query_pairs(&req))?;
    let rows = codes::list(&store::db(env)?, owner, &page_req).await?;
    json::ok(&page::page(rows, &page_req, |c| (c.created_at, c.id.clone()), render_code))
}

/// Deactivates a code (brand): it attributes no later order, and stays the creator's.
pub async fn deactivate(req: Request, env: &Env, id: &str) -> ApiResult<Response> {
    let brand = auth::require_brand(&req, env).await?;
    let row = codes::deactivate(&store::db(env)?, &brand.id, id).await?.ok_or_else(|| ApiError::not_found("code"))?;
    json::ok(&render_code(row))
}
