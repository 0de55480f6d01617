//! `POST /api/commissions/{id}/release` and `POST /api/commissions/{id}/reject` (brand): the
//! brand's decision on a held commission (a self-referral: the buyer was the attributed
//! creator). Each is idempotent (the same call again answers the same record); the other
//! decision after one, or a commission never held, is 409; another brand's is 404.

use crate::clock::now_ms;
use crate::domain::attribution::DAY_MS;
use crate::domain::ids::{self, prefix};
use crate::domain::states::HoldState;
use crate::http::{auth, json, ApiError, ApiResult};
use crate::store::{self, holds, orders};
use crate::views::ledger::render_entry;
use worker::{worker_sys, Env, Request, Response};

/// Releases (`reject` false: pending again, its hold days counting from now) or rejects (a
/// reversal takes it back, `commission.reversed` reports it) a held commission.
pub async fn decide(req: Request, env: &Env, ctx: &worker_sys::Context, id: &str, reject: bool) -> ApiResult<Response> {
    let brand = auth::require_brand(&req, env).await?;
    let now = now_ms();
    let release = (!reject).then(|| i64::from(brand.hold_days) * DAY_MS);
    let reversal_id = ids::new_id(prefix::COMMISSION).map_err(ApiError::internal)?;
    let db = store::db(env)?;
    let d = holds::decide(&db, &brand.id, id, release, &reversal_id, now).await?;
    let entry = orders::entry_by_id(&db, id).await?.filter(|e| e.brand_id == brand.id);
    let entry = entry.ok_or_else(|| ApiError::not_found("commission"))?;
    let wanted = if reject { HoldState::Rejected } else { HoldState::Released };
    if d.hold != Some(wanted) {
        return Err(ApiError::conflict(match d.hold {
            None => "this commission is not held",
            Some(_) => "this commission's hold was already decided the other way",
        }));
    }
    if d.events {
        store::events::drain_after_response(ctx, env, now);
    }
    json::ok(&render_entry(entry))
}
