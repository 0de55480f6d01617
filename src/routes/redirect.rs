//! `GET /{code}` and `HEAD /{code}`: the hot path.
//!
//! On a KV hit this awaits only KV (the link record, then its product's record) and no D1:
//! the visitor is classified before the 302 is returned, and the click row goes to D1 in
//! `waitUntil`, after the response, in one statement that also reads its rate lock.
//! The Location comes only from storage: the request can't change its host or scheme.
//!
//! `src/shim.mjs` does the I/O (two KV reads, the 302, reading the visitor from the request)
//! and calls in here for every decision:
//! - on a KV hit, [`redirect_link_key`], [`redirect_product_key`] and [`redirect_location`],
//!   synchronously. Each `await` or `JsValue` through wasm-bindgen costs closures, table
//!   slots and string copies, which made the response path 1.5× the instructions of the
//!   same redirect written in JS (see BENCHMARKS.md); plain calls with strings don't.
//! - for everything else (a KV miss, a disabled link or product, a KV outage),
//!   [`redirect_fallback`] with the records it read: the full route, with D1 and answers
//!   in the contract's shape. A code that can't exist never gets here: `lib.rs` answers
//!   its 404.

use crate::clock::now_ms;
use crate::domain::destination::build_location;
use crate::domain::ids::{self, looks_like_code, prefix};
use crate::domain::visitor::{self, UNIQUE_WINDOW_MS};
use crate::http::{ApiError, ApiResult};
use crate::store::link_cache::{self, LinkRecord, ProductRecord};
use crate::store::{self, links::ClickRow};
use worker::wasm_bindgen::{prelude::wasm_bindgen, JsCast, JsValue};
use worker::{console_error, web_sys, worker_sys, Context, Env};

/// The KV key of the link that `url` (a `Request.url`) asks for, when it is `GET|HEAD /{code}`
/// with a code that can exist; otherwise `None` and the request goes to `fetch`.
#[wasm_bindgen(wasm_bindgen = ::worker::wasm_bindgen)]
pub fn redirect_link_key(url: &str) -> Option<String> {
    super::redirect_code(super::path_of(url)).filter(|c| looks_like_code(c)).map(link_cache::link_key)
}

/// The KV key of the link's product record; `None` for a record this build can't read (the
/// full route then goes to D1). A disabled link's product is read too, so that the full
/// route answers its 410 from the two KV records, without D1.
#[wasm_bindgen(wasm_bindgen = ::worker::wasm_bindgen)]
pub fn redirect_product_key(link: &str) -> Option<String> {
    LinkRecord::decode(link).map(|l| link_cache::product_key(&l.product_id))
}

/// The Location of a click on the link of `link_key` (from [`redirect_link_key`]) given
/// both KV records, and for a GET the click recorded after the response: `visit` is what
/// the shim read of the visitor (see [`Visit::parse`]); a HEAD has none and records
/// nothing. `None` leaves the request to [`redirect_fallback`].
#[wasm_bindgen(wasm_bindgen = ::worker::wasm_bindgen)]
pub fn redirect_location(
    link_key: &str,
    link: &str,
    product: &str,
    env: Env,
    ctx: worker_sys::Context,
    visit: Option<String>,
) -> Option<String> {
    crate::panic::install_hook();
    let code = link_cache::code_of_link_key(link_key).filter(|c| looks_like_code(c))?;
    let (link, product) = (LinkRecord::decode(link)?, ProductRecord::decode(product)?);
    let (click_id, location) = answer(code, &link, &product).ok()?;
    if let Some(visit) = visit {
        record_after(&env, &ctx, code, &link, &click_id, Visit::parse(&visit));
    }
    Some(location)
}

/// The full route of `GET|HEAD /{code}` when [`redirect_location`] could not answer (a KV
/// miss, a disabled link or product, a KV error), with the same arguments: `link` and
/// `product` are the KV records the shim read (`None`: missing), so KV is not read twice.
/// Answers the Location (the shim makes the 302) or the error's response in the
/// contract's shape.
#[wasm_bindgen(wasm_bindgen = ::worker::wasm_bindgen, wasm_bindgen_futures = ::worker::wasm_bindgen_futures, js_sys = ::worker::js_sys)]
pub async fn redirect_fallback(
    link_key: String,
    link: Option<String>,
    product: Option<String>,
    env: Env,
    ctx: worker_sys::Context,
    visit: Option<String>,
) -> JsValue {
    crate::panic::install_hook();
    let code = link_cache::code_of_link_key(&link_key).unwrap_or("");
    let visit = visit.as_deref().map(Visit::parse);
    match respond(&env, &ctx, code, visit, link, product).await {
        Ok(location) => JsValue::from_str(&location),
        Err(e) => web_sys::Response::from(e.into_response()).into(),
    }
}

/// The Location, and the click recorded after the response when there is a `visit` (a GET).
async fn respond(
    env: &Env,
    ctx: &worker_sys::Context,
    code: &str,
    visit: Option<Visit<'_>>,
    link: Option<String>,
    product: Option<String>,
) -> ApiResult<String> {
    if !looks_like_code(code) {
        return Err(ApiError::not_found("link"));
    }
    let (link, product) = lookup(env, ctx, code, link, product).await?;
    let (click_id, location) = answer(code, &link, &product)?;
    if let Some(visit) = visit {
        record_after(env, ctx, code, &link, &click_id, visit);
    }
    Ok(location)
}

/// The click's id and where it goes, or why the link can't redirect.
fn answer(code: &str, link: &LinkRecord, product: &ProductRecord) -> ApiResult<(String, String)> {
    if !link.active {
        return Err(ApiError::gone("this link has been disabled"));
    }
    if !product.active {
        return Err(ApiError::gone("this product is no longer available"));
    }
    let click_id = ids::new_id(prefix::CLICK).map_err(ApiError::internal)?;
    let location = build_location(&product.destination, &product.click_param, &click_id)
        .ok_or_else(|| ApiError::internal(format!("stored destination of {code} is not a stored https URL")))?;
    Ok((click_id, location))
}

/// Classifies the visitor and hands the click row to D1 to write after the response
/// (`store::links::insert_click_after_response`: no Rust future waits on it). The rate
/// lock is read in the same statement.
fn record_after(env: &Env, ctx: &worker_sys::Context, code: &str, link: &LinkRecord, click_id: &str, visit: Visit) {
    let now = now_ms();
    let ua = visit.user_agent;
    let (bot, device) = visitor::classify_click(ua);
    let is_bot = bot.is_some(); // = visitor::classify(ua) == VisitorClass::Bot
                                // Without the salt a visitor hash could be reversed from the IP space: none is made, and
                                // the click is stored as not unique (uniqueness can't be decided without it).
    let hash = match crate::http::visitor_salt(env) {
        Some(salt) => visitor::visitor_hash(&salt, visit.ip, ua.unwrap_or("")),
        None => String::new(),
    };
    let referrer = visitor::referrer_host(visit.referer);
    let row = ClickRow {
        id: click_id,
        code,
        link,
        created_at: now,
        country: visit.country,
        device,
        referrer_host: referrer.as_deref(),
        visitor_hash: &hash,
        is_bot,
        is_unique: !is_bot && !hash.is_empty(),
        unique_since: now - UNIQUE_WINDOW_MS,
    };
    if let Err(e) = store::links::insert_click_after_response(env, ctx, &row) {
        console_error!("click {click_id} not recorded: {e}");
    }
}

/// The link's and product's records: those read from KV when both are there and readable;
/// otherwise D1, and KV filled after the response so the next click is a hit.
async fn lookup(
    env: &Env,
    ctx: &worker_sys::Context,
    code: &str,
    link: Option<String>,
    product: Option<String>,
) -> ApiResult<(LinkRecord, ProductRecord)> {
    let cached = link.as_deref().and_then(LinkRecord::decode).zip(product.as_deref().and_then(ProductRecord::decode));
    if let Some((link, product)) = cached {
        return Ok((link, product));
    }
    let kv = store::kv(env)?;
    let (link, product) =
        store::links::redirect_records(&store::db(env)?, code).await?.ok_or_else(|| ApiError::not_found("link"))?;
    let (l, p, code) = (link.clone(), product.clone(), code.to_string());
    Context::new(AsRef::<JsValue>::as_ref(ctx).clone().unchecked_into()).wait_until(async move {
        let filled = async {
            link_cache::put_link(&kv, &code, &l).await?;
            link_cache::put_product(&kv, &l.product_id, &p).await
        };
        if let Err(e) = filled.await {
            console_error!("KV fill for {code} failed: {e:?}");
        }
    });
    Ok((link, product))
}

/// What we keep of the visitor, as the shim read it from the request.
#[derive(Debug, PartialEq)]
struct Visit<'a> {
    user_agent: Option<&'a str>,
    ip: &'a str,
    referer: Option<&'a str>,
    country: Option<&'a str>,
}

impl<'a> Visit<'a> {
    /// The shim's one string for the visitor: user agent, IP, referer and country joined
    /// by `\n` (no header value holds one), an absent part empty. One string crosses into
    /// wasm instead of four.
    fn parse(s: &'a str) -> Visit<'a> {
        let mut parts = s.split('\n').map(|p| Some(p).filter(|p| !p.is_empty()));
        let mut next = || parts.next().flatten();
        Visit { user_agent: next(), ip: next().unwrap_or(""), referer: next(), country: next() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_visitor_string_splits_into_its_parts() {
        let full = Visit::parse("Mozilla/5.0\n203.0.113.9\nhttps://t.co/x\nDE");
        assert_eq!(
            full,
            Visit {
                user_agent: Some("Mozilla/5.0"),
                ip: "203.0.113.9",
                referer: Some("https://t.co/x"),
                country: Some("DE")
            }
        );
        assert_eq!(Visit::parse("\n\n\n"), Visit { user_agent: None, ip: "", referer: None, country: None });
        assert_eq!(Visit::parse(""), Visit { user_agent: None, ip: "", referer: None, country: None });
        assert_eq!(Visit::parse("ua\n1.2.3.4").referer, None);
    }
}
