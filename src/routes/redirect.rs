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
use crate::domain::click_id;
use crate::domain::destination::{build_location, discount_location};
use crate::domain::ids::{self, looks_like_code, prefix};
use crate::domain::visitor;
use crate::http::{ApiError, ApiResult};
use crate::store::link_cache::{self, LinkRecord, ProductRecord};
use crate::store::{self, clicks::ClickMsg};
use worker::wasm_bindgen::{prelude::wasm_bindgen, JsValue};
use worker::{console_error, web_sys, worker_sys, Env};

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
/// the shim read of the visitor (see `Visit::parse`); a HEAD has none and records
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
    let visit = visit.as_deref().map(Visit::parse);
    let (click, location) = answer(&env, code, &link, &product, visit.as_ref()).ok()?;
    if let Some(visit) = visit {
        record_after(&env, &ctx, code, &link, &click, visit);
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
    let (click, location) = answer(env, code, &link, &product, visit.as_ref())?;
    if let Some(visit) = visit {
        record_after(env, ctx, code, &link, &click, visit);
    }
    Ok(location)
}

/// The click and where it goes, or why the link can't redirect (checked first: a 410 makes
/// no click id).
fn answer(
    env: &Env,
    code: &str,
    link: &LinkRecord,
    product: &ProductRecord,
    visit: Option<&Visit<'_>>,
) -> ApiResult<(Click, String)> {
    if !link.active {
        return Err(ApiError::gone("this link has been disabled"));
    }
    if !product.active {
        return Err(ApiError::gone("this product is no longer available"));
    }
    let click = Click::of(env, link, visit)?;
    let location = build_location(&product.destination, &product.click_param, &click.id)
        .ok_or_else(|| ApiError::internal(format!("stored destination of {code} is not a stored https URL")))?;
    // A running flash deal (a Shopify brand's, see `LinkRecord::deal`) applies its code.
    let location = match &link.deal {
        Some((deal, ends_at)) if click.at < *ends_at => discount_location(&location, deal).unwrap_or(location),
        _ => location,
    };
    Ok((click, location))
}

/// A click: its id, when, and what the visitor was.
struct Click {
    id: String,
    at: i64,
    is_bot: bool,
    device: &'static str,
}

impl Click {
    /// Classifies the visitor (a HEAD, with no `visit`, counts as a bot: it records nothing
    /// and its id never attributes) and makes the click's id: signed with `CLICK_SECRET`,
    /// so an order can attribute it before its row is written (`domain::click_id`); a plain
    /// random id where the secret is unset.
    fn of(env: &Env, link: &LinkRecord, visit: Option<&Visit<'_>>) -> ApiResult<Click> {
        let at = now_ms();
        let (is_bot, device) = match visit {
            Some(v) => {
                let (bot, device) = visitor::classify_click(v.user_agent);
                (bot.is_some(), device)
            }
            None => (true, "unknown"),
        };
        let signed = match crate::http::click_secret(env) {
            Some(secret) => click_id::sign(secret.as_bytes(), &link.link_id, at, is_bot).map_err(ApiError::internal)?,
            None => None,
        };
        let id = match signed {
            Some(id) => id,
            None => ids::new_id(prefix::CLICK).map_err(ApiError::internal)?,
        };
        Ok(Click { id, at, is_bot, device })
    }
}

/// Hands the click to the queue after the response (`store::clicks::enqueue`: no Rust
/// future waits on it); the consumer writes it, with its rate lock and uniqueness.
fn record_after(env: &Env, ctx: &worker_sys::Context, code: &str, link: &LinkRecord, click: &Click, visit: Visit) {
    // Without the salt a visitor hash could be reversed from the IP space: none is made, and
    // the click is stored as not unique (uniqueness can't be decided without it).
    let hash = match crate::http::visitor_salt(env) {
        Some(salt) => visitor::visitor_hash(&salt, visit.ip, visit.user_agent.unwrap_or("")),
        None => String::new(),
    };
    let referrer = visitor::referrer_host(visit.referer);
    let msg = ClickMsg {
        id: &click.id,
        link_id: &link.link_id,
        code,
        creator_id: &link.creator_id,
        brand_id: &link.brand_id,
        product_id: &link.product_id,
        live_session_id: link.live_session_id.as_deref(),
        created_at: click.at,
        country: visit.country,
        device: click.device,
        referrer_host: referrer.as_deref(),
        visitor_hash: &hash,
        is_bot: click.is_bot,
    };
    if let Err(e) = store::clicks::enqueue(env, ctx, &msg) {
        console_error!("click {} not recorded: {e}", click.id);
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
    let (link, product) = store::links::redirect_records(&store::db(env)?, code, now_ms())
        .await?
        .ok_or_else(|| ApiError::not_found("link"))?;
    let entries = [link_cache::link_entry(code, &link), link_cache::product_entry(&link.product_id, &product)];
    link_cache::fill_after_response(ctx, &kv, &entries);
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
