//! The route table: one match over method and path segments, one file per surface.

pub mod brands;
pub mod codes;
pub mod creators;
pub mod earnings;
pub mod endpoints;
pub mod health;
pub mod holds;
pub mod links;
pub mod live;
pub mod payouts;
pub mod products;
pub mod redirect;
pub mod sessions;
pub mod storefront;
pub mod webhooks;

use crate::http::{ApiError, ApiResult};
use worker::{worker_sys, Env, Method, Request, Response};

/// The code of `GET|HEAD /{code}` when `path` (the URL's path) is that route and nothing
/// else, exactly as [`dispatch`] would route it: the redirect's fast path in `lib.rs`.
pub fn redirect_code(path: &str) -> Option<&str> {
    let trimmed = path.trim_start_matches('/').trim_end_matches('/');
    (!trimmed.is_empty() && !trimmed.contains('/') && !matches!(trimmed, "health" | "t.js")).then_some(trimmed)
}

/// The path of a serialized (WHATWG) URL as `Request.url` gives it, without parsing it:
/// the first `/` after `scheme://host` starts it, and `?` or `#` ends it.
pub fn path_of(url: &str) -> &str {
    // The scheme is the text before the first `:` (a `char` search: `find("://")` sets up a
    // substring searcher on every redirect).
    let rest = match url.split_once(':') {
        Some((_, r)) if r.starts_with("//") => &r[2..],
        _ => url,
    };
    let Some(start) = rest.find('/') else { return "/" };
    let path = &rest[start..];
    // Bytes, not a `[char; 2]` pattern (which decodes every char): both are ASCII.
    path.bytes().position(|b| b == b'?' || b == b'#').map_or(path, |end| &path[..end])
}

/// Answers `$method` with the handler listed for it; any other method is 405 with `allow`
/// naming the listed ones, so a route's methods are written once.
macro_rules! on {
    ($method:expr, $($($m:ident)|+ => $handler:expr),+ $(,)?) => {
        match $method {
            $($(Method::$m)|+ => $handler,)+
            _ => Err(ApiError::method_not_allowed(&[$($(Method::$m),+),+])),
        }
    };
}

/// Dispatches every request but the redirect (`GET|HEAD /{code}`, see [`redirect_code`]),
/// which `lib.rs` answers before converting the request. A trailing `/` is ignored.
pub async fn dispatch(req: Request, env: Env, ctx: worker_sys::Context) -> ApiResult<Response> {
    let path = req.path();
    let trimmed = path.trim_start_matches('/').trim_end_matches('/');
    let segments: Vec<&str> = trimmed.split('/').collect();
    let (env, ctx) = (&env, &ctx);
    match segments.as_slice() {
        ["health"] => on!(req.method(), Get => health::get(env).await),
        ["t.js"] => on!(req.method(), Get => storefront::script(req, env).await),

        ["api", "sessions"] => on!(req.method(),
            Post => sessions::create(req, env).await,
            Delete => sessions::delete(req, env).await,
        ),
        ["api", "me"] => on!(req.method(), Get => sessions::me(req, env).await),
        ["api", "brands"] => on!(req.method(), Post => brands::create(req, env).await),
        ["api", "collaborations", creator] => {
            on!(req.method(), Put => brands::set_collaboration(req, env, creator).await)
        }
        ["api", "codes"] => on!(req.method(),
            Post => codes::create(req, env).await,
            Get => codes::list(req, env).await,
        ),
        ["api", "codes", id] => on!(req.method(), Delete => codes::deactivate(req, env, id).await),
        ["api", "creators"] => on!(req.method(), Post => creators::create(req, env).await),

        ["api", "products"] => on!(req.method(),
            Post => products::create(req, env, ctx).await,
            Get => products::list(req, env).await,
        ),
        ["api", "products", id] => on!(req.method(), Patch => products::update(req, env, id).await),
        ["api", "showcase"] => on!(req.method(), Get => products::showcase(req, env).await),

        ["api", "links"] => on!(req.method(),
            Post => links::create(req, env, ctx).await,
            Get => links::list(req, env).await,
        ),
        ["api", "links", code] => on!(req.method(), Delete => links::disable(req, env, code).await),
        ["api", "links", code, "stats"] => on!(req.method(), Get => links::stats(req, env, code).await),
        ["api", "links", code, "timeseries"] => on!(req.method(), Get => links::timeseries(req, env, code).await),
        ["api", "links", code, "breakdown"] => on!(req.method(), Get => links::breakdown(req, env, code).await),

        ["webhooks", brand] => on!(req.method(), Post => webhooks::receive(req, env, ctx, brand).await),
        ["api", "me", "earnings"] => on!(req.method(), Get => earnings::earnings(req, env).await),
        ["api", "me", "commissions"] => on!(req.method(), Get => earnings::creator_commissions(req, env).await),
        ["api", "orders"] => on!(req.method(), Get => earnings::brand_orders(req, env).await),
        ["api", "commissions"] => on!(req.method(), Get => earnings::brand_commissions(req, env).await),
        ["api", "commissions", id, "release"] => {
            on!(req.method(), Post => holds::decide(req, env, ctx, id, false).await)
        }
        ["api", "commissions", id, "reject"] => on!(req.method(), Post => holds::decide(req, env, ctx, id, true).await),
        ["api", "payouts"] => on!(req.method(),
            Post => payouts::create(req, env, ctx).await,
            Get => payouts::brand_list(req, env).await,
        ),
        ["api", "payouts", id] => on!(req.method(), Get => payouts::get(req, env, id).await),
        ["api", "payouts", id, "paid"] => on!(req.method(), Post => payouts::mark_paid(req, env, ctx, id).await),
        ["api", "webhook-endpoints"] => on!(req.method(),
            Post => endpoints::create(req, env).await,
            Get => endpoints::list(req, env).await,
        ),
        ["api", "webhook-endpoints", id] => on!(req.method(), Delete => endpoints::delete(req, env, id).await),
        ["api", "webhook-endpoints", id, "test"] => on!(req.method(), Post => endpoints::test(req, env, ctx, id).await),
        ["api", "webhook-endpoints", id, "deliveries"] => {
            on!(req.method(), Get => endpoints::deliveries(req, env, id).await)
        }
        ["api", "me", "payouts"] => on!(req.method(), Get => payouts::creator_list(req, env).await),

        ["api", "live-sessions"] => on!(req.method(),
            Post => live::create(req, env).await,
            Get => live::list(req, env).await,
        ),
        ["api", "live-sessions", id] => on!(req.method(),
            Get => live::get(req, env, id).await,
            Patch => live::update(req, env, id).await,
        ),
        ["api", "live-sessions", id, "pins"] => on!(req.method(), Post => live::pin(req, env, ctx, id).await),
        ["api", "live-sessions", id, "pins", product_id] => {
            on!(req.method(), Delete => live::unpin(req, env, ctx, id, product_id).await)
        }
        ["api", "live-sessions", id, "end"] => on!(req.method(), Post => live::end(req, env, ctx, id).await),
        ["api", "live-sessions", id, "stats"] => on!(req.method(), Get => live::stats(req, env, id).await),
        ["api", "live", id] => on!(req.method(), Get => live::feed(req, env, id).await),
        ["live", id] => on!(req.method(), Get | Head => live::page(env, id).await),
        // `GET|HEAD /{code}` never gets here (the shim and `lib.rs` answer it): any other
        // method on a short link.
        [code] if redirect_code(trimmed) == Some(code) => {
            Err(ApiError::method_not_allowed(&[Method::Get, Method::Head]))
        }
        _ => Err(ApiError::not_found("route")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_of_serialized_urls() {
        for (url, path) in [
            ("https://example.com/", "/"),
            ("https://example.com/abc", "/abc"),
            ("https://example.com:8787/abc/?x=1", "/abc/"),
            ("http://127.0.0.1:8787/a%3Fb#frag", "/a%3Fb"),
            ("https://example.com/api/links?cursor=x/y", "/api/links"),
            ("https://example.com?q", "/"),
        ] {
            assert_eq!(path_of(url), path, "{url}");
        }
    }

    #[test]
    fn redirect_code_is_the_one_segment_route() {
        assert_eq!(redirect_code("/abc12345"), Some("abc12345"));
        assert_eq!(redirect_code("//abc12345//"), Some("abc12345"));
        assert_eq!(redirect_code("/health"), None);
        assert_eq!(redirect_code("/health/"), None);
        assert_eq!(redirect_code("/t.js"), None);
        assert_eq!(redirect_code("/"), None);
        assert_eq!(redirect_code("/api/links"), None);
        assert_eq!(redirect_code("/api"), Some("api"));
    }
}
