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
use worker::{Env, Method, Request, Response};

/// The code of `GET|HEAD /{code}` when `path` (the URL's path) is that route and nothing
/// else, exactly as [`dispatch`] would route it: the redirect's fast path in `lib.rs`.
pub fn redirect_code(path: &str) -> Option<&str> {
    let trimmed = path.trim_start_matches('/').trim_end_matches('/');
    (!trimmed.is_empty() && !trimmed.contains('/') && trimmed != "health").then_some(trimmed)
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
    path.find(['?', '#']).map_or(path, |end| &path[..end])
}

/// Dispatches every request but the redirect (`GET|HEAD /{code}`, see [`redirect_code`]),
/// which `lib.rs` answers before converting the request. A trailing `/` is ignored.
pub async fn dispatch(req: Request, env: Env) -> ApiResult<Response> {
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
        assert_eq!(redirect_code("/"), None);
        assert_eq!(redirect_code("/api/links"), None);
        assert_eq!(redirect_code("/api"), Some("api"));
    }
}
