//! The route table: one match over method and path segments, one file per surface.

pub mod brands;
pub mod creators;
pub mod earnings;
pub mod health;
pub mod links;
pub mod live;
pub mod live_page;
pub mod products;
pub mod redirect;
pub mod webhooks;

use crate::http::{ApiError, ApiResult};
use worker::{Context, Env, Method, Request, Response};

/// Dispatches a request. A trailing `/` is ignored.
pub async fn dispatch(req: Request, env: Env, ctx: Context) -> ApiResult<Response> {
    let path = req.path();
    let trimmed = path.trim_start_matches('/').trim_end_matches('/');
    let segments: Vec<&str> = trimmed.split('/').collect();
    let method = req.method();
    use Method::*;
    match (segments.as_slice(), method) {
        (["health"], Get) => health::get(&env).await,

        (["api", "brands"], Post) => brands::create(req, &env).await,
        (["api", "collaborations", creator], Put) => brands::set_collaboration(req, &env, creator).await,
        (["api", "creators"], Post) => creators::create(req, &env).await,

        (["api", "products"], Post) => products::create(req, &env).await,
        (["api", "products"], Get) => products::list(req, &env).await,
        (["api", "products", id], Patch) => products::update(req, &env, id).await,
        (["api", "showcase"], Get) => products::showcase(req, &env).await,

        (["api", "links"], Post) => links::create(req, &env).await,
        (["api", "links"], Get) => links::list(req, &env).await,
        (["api", "links", code], Delete) => links::disable(req, &env, code).await,
        (["api", "links", code, "stats"], Get) => links::stats(req, &env, code).await,

        (["webhooks", brand], Post) => webhooks::receive(req, &env, brand).await,
        (["api", "me", "earnings"], Get) => earnings::earnings(req, &env).await,
        (["api", "me", "commissions"], Get) => earnings::creator_commissions(req, &env).await,
        (["api", "orders"], Get) => earnings::brand_orders(req, &env).await,
        (["api", "commissions"], Get) => earnings::brand_commissions(req, &env).await,

        (["api", "live-sessions"], Post) => live::create(req, &env).await,
        (["api", "live-sessions"], Get) => live::list(req, &env).await,
        (["api", "live-sessions", id], Get) => live::get(req, &env, id).await,
        (["api", "live-sessions", id, "pins"], Post) => live::pin(req, &env, id).await,
        (["api", "live-sessions", id, "pins", product_id], Delete) => live::unpin(req, &env, id, product_id).await,
        (["api", "live-sessions", id, "end"], Post) => live::end(req, &env, id).await,
        (["api", "live-sessions", id, "stats"], Get) => live::stats(req, &env, id).await,
        (["api", "live", id], Get) => live::feed(req, &env, id).await,
        (["live", id], Get | Head) => live::page(req, &env, id).await,

        ([code], Get) if !code.is_empty() => redirect::follow(&req, &env, &ctx, code, true).await,
        ([code], Head) if !code.is_empty() => redirect::follow(&req, &env, &ctx, code, false).await,

        (["health"], _)
        | (["webhooks", _], _)
        | (["api", "me", "earnings" | "commissions"], _)
        | (["api", "brands" | "creators" | "products" | "links" | "showcase" | "orders" | "commissions"], _)
        | (["api", "collaborations" | "products" | "links", _], _)
        | (["api", "links", _, "stats"], _)
        | (["api", "live-sessions"], _)
        | (["api", "live-sessions", _], _)
        | (["api", "live-sessions", _, "pins" | "end" | "stats"], _)
        | (["api", "live-sessions", _, "pins", _], _)
        | (["api", "live", _], _)
        | (["live", _], _) => Err(ApiError::method_not_allowed()),
        _ => Err(ApiError::not_found("route")),
    }
}
