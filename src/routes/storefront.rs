//! `GET /t.js?brand={id}`: the line a brand adds to its store's pages (`views/storefront.js`).

use crate::domain::destination::valid_click_param;
use crate::http::page::{query_pairs, query_value};
use crate::http::ApiResult;
use crate::store;
use worker::{Env, Headers, Request, Response};

/// The script as the worker fills it in (`views/storefront.js`, no comment in it: it is
/// sent as it is): `__PARAM__` is the brand's click parameter (`[A-Za-z0-9_]`), `__DAYS__`
/// its attribution window. It keeps the click id of the landing URL in a first-party
/// cookie, and on Shopify writes it to the cart's attributes so that the order's
/// `note_attributes` carry it. No other request, no personal data.
const SCRIPT: &str = include_str!("../views/storefront.js");

/// The script for `brand`, with its click parameter and window filled in; for an unknown
/// brand, a script that does nothing (a store page must never break on it).
pub async fn script(req: Request, env: &Env) -> ApiResult<Response> {
    let pairs = query_pairs(&req);
    let brand = match query_value(&pairs, "brand") {
        Some(id) if id.starts_with("br_") && id.len() <= 64 => store::brands::by_id(&store::db(env)?, id).await?,
        _ => None,
    };
    let body = match brand.filter(|b| valid_click_param(&b.click_param)) {
        // Both values are safe inside the script as they are: the click parameter is
        // `[A-Za-z0-9_]{1,64}` and the window a number.
        Some(b) => SCRIPT.replacen("__PARAM__", &b.click_param, 1).replacen(
            "__DAYS__",
            &b.attribution_window_days.to_string(),
            1,
        ),
        None => "/* affiliate-edge: unknown brand */\n".to_string(),
    };
    let headers = Headers::new();
    headers.set("content-type", "text/javascript; charset=utf-8")?;
    headers.set("cache-control", "public, max-age=300")?;
    headers.set("x-content-type-options", "nosniff")?;
    headers.set("access-control-allow-origin", "*")?;
    Ok(Response::ok(body)?.with_headers(headers))
}
