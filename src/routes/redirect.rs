//! `GET /{code}` and `HEAD /{code}`: the hot path.
//!
//! A hot link (clicked in this isolate in the last few seconds, `store::hot_links`) is
//! answered from memory: no KV, no D1, nothing awaited. Otherwise the shim awaits only KV
//! (the link record, then its product's record), and D1 only on a KV miss. The visitor is
//! classified and the click id signed before the 302; the click goes to the queue after the
//! response. The Location comes only from storage: the request can't change its host or
//! scheme.
//!
//! `src/shim.mjs` does the I/O (the KV reads, the 302, reading the visitor from the request,
//! the click's queue message) and calls in here for every decision, in plain synchronous
//! calls with strings: each `await` or `JsValue` through wasm-bindgen costs closures, table
//! slots and string copies (see BENCHMARKS.md).
//! - [`redirect_hot`] first, with the URL and the visitor as one string: a hot link's whole
//!   redirect in one call.
//! - otherwise [`redirect_link_key`], [`redirect_product_key`] and, given both KV records,
//!   [`redirect_location`], which keeps the link hot.
//! - for everything else (a KV miss, a disabled link or product, a KV outage),
//!   [`redirect_fallback`] with the records it read: the full route, with D1 and answers
//!   in the contract's shape. A code that can't exist never gets here: `lib.rs` answers
//!   its 404.
//!
//! Each answers a redirect as its Location and, for a GET, a `\n` and the click's JSON
//! (`store::clicks::ClickMsg::to_json`) for the shim's queue buffer.

use crate::clock::now_ms;
use crate::domain::click_id::Signer;
use crate::domain::destination::{discount_location, LocationTemplate};
use crate::domain::ids::{self, looks_like_code, prefix};
use crate::domain::visitor;
use crate::http::{ApiError, ApiResult};
use crate::store::link_cache::{self, LinkRecord, ProductRecord};
use crate::store::{self, clicks::ClickMsg, hot_links};
use std::sync::OnceLock;
use worker::wasm_bindgen::{prelude::wasm_bindgen, JsValue};
use worker::{web_sys, worker_sys, Env};

/// What every click needs from `env`, read once per isolate: a Worker's secrets are fixed
/// for the life of its isolate (a changed secret deploys a new version, in new isolates).
struct Keys {
    /// `CLICK_SECRET`'s keyed HMAC; without it click ids are plain random ids.
    signer: Option<Signer>,
    /// `VISITOR_SALT`; without it no visitor hash is made.
    salt: Option<String>,
}

static KEYS: OnceLock<Keys> = OnceLock::new();

/// The isolate's [`Keys`], read from `env` the first time; with no `env`, `None` until some
/// call has read them.
fn keys(env: Option<&Env>) -> Option<&'static Keys> {
    match (KEYS.get(), env) {
        (Some(keys), _) => Some(keys),
        (None, Some(env)) => Some(KEYS.get_or_init(|| Keys {
            signer: crate::http::click_secret(env).and_then(|s| Signer::new(s.as_bytes())),
            salt: crate::http::visitor_salt(env),
        })),
        (None, None) => None,
    }
}

/// A hot link's redirect, whole: `request` is `{url}` for a HEAD, `{url}\n{visit}` for a
/// GET (`visit` as in `Visit::parse`). `None` when the URL is not a redirect or its link is
/// not hot: the shim goes on to [`redirect_link_key`].
#[wasm_bindgen(wasm_bindgen = ::worker::wasm_bindgen)]
pub fn redirect_hot(request: &str) -> Option<String> {
    crate::panic::install_hook();
    let (url, visit) = match request.split_once('\n') {
        Some((url, visit)) => (url, Some(Visit::parse(visit))),
        None => (request, None),
    };
    let code = code_of_url(url)?;
    let (keys, now) = (keys(None)?, now_ms());
    hot_links::with(|hot| {
        let h = hot.get(code, now)?;
        answer(keys, code, &h.link, &h.product, Some(&h.location), visit.as_ref(), now).ok()
    })?
}

/// The KV key of the link that `url` (a `Request.url`) asks for, when it is `GET|HEAD /{code}`
/// with a code that can exist; otherwise `None` and the request goes to `fetch`.
#[wasm_bindgen(wasm_bindgen = ::worker::wasm_bindgen)]
pub fn redirect_link_key(url: &str) -> Option<String> {
    code_of_url(url).map(link_cache::link_key)
}

/// The code `url` (a `Request.url`) asks for, when it is `/{code}` with a code that can exist.
fn code_of_url(url: &str) -> Option<&str> {
    super::redirect_code(super::path_of(url)).filter(|c| looks_like_code(c))
}

/// The KV key of the link's product record; `None` for a record this build can't read (the
/// full route then goes to D1). A disabled link's product is read too, so that the full
/// route answers its 410 from the two KV records, without D1.
#[wasm_bindgen(wasm_bindgen = ::worker::wasm_bindgen)]
pub fn redirect_product_key(link: &str) -> Option<String> {
    LinkRecord::decode(link).map(|l| link_cache::product_key(&l.product_id))
}

/// The redirect of the link of `link_key` (from [`redirect_link_key`]) given both KV
/// records, which are then kept hot; `visit` is what the shim read of the visitor for a GET
/// (see `Visit::parse`), `None` for a HEAD (which records nothing). `None` leaves the
/// request to [`redirect_fallback`].
#[wasm_bindgen(wasm_bindgen = ::worker::wasm_bindgen)]
pub fn redirect_location(link_key: &str, link: &str, product: &str, env: Env, visit: Option<String>) -> Option<String> {
    crate::panic::install_hook();
    let code = link_cache::code_of_link_key(link_key).filter(|c| looks_like_code(c))?;
    let (link, product) = (LinkRecord::decode(link)?, ProductRecord::decode(product)?);
    let visit = visit.as_deref().map(Visit::parse);
    let now = now_ms();
    let location = LocationTemplate::new(&product.destination, &product.click_param)?;
    let answer = answer(keys(Some(&env))?, code, &link, &product, Some(&location), visit.as_ref(), now).ok()?;
    hot_links::with(|hot| hot.put(code, link, product, location, now));
    Some(answer)
}

/// The full route of `GET|HEAD /{code}` when [`redirect_location`] could not answer (a KV
/// miss, a disabled link or product, a KV error), with the same arguments: `link` and
/// `product` are the KV records the shim read (`None`: missing), so KV is not read twice.
/// Answers the redirect (see the module) or the error's response in the contract's shape.
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
        Ok(answer) => JsValue::from_str(&answer),
        Err(e) => web_sys::Response::from(e.into_response()).into(),
    }
}

/// The redirect's answer (see the module), or why there is none.
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
    let now = now_ms();
    let keys = keys(Some(env)).ok_or_else(|| ApiError::internal("no keys"))?;
    answer(keys, code, &link, &product, None, visit.as_ref(), now)
}

/// The Location, and for a `visit` (a GET) a `\n` and the click's JSON; or why the link
/// can't redirect (checked first: a 410 makes no click id). `location`: the product's, if
/// made already (a hot link's).
fn answer(
    keys: &Keys,
    code: &str,
    link: &LinkRecord,
    product: &ProductRecord,
    location: Option<&LocationTemplate>,
    visit: Option<&Visit<'_>>,
    now: i64,
) -> ApiResult<String> {
    if !link.active {
        return Err(ApiError::gone("this link has been disabled"));
    }
    if !product.active {
        return Err(ApiError::gone("this product is no longer available"));
    }
    let bad_destination = || ApiError::internal(format!("stored destination of {code} is not a stored https URL"));
    let made;
    let template = match location {
        Some(t) => t,
        None => {
            made = LocationTemplate::new(&product.destination, &product.click_param).ok_or_else(bad_destination)?;
            &made
        }
    };
    let click = Click::of(keys, link, visit, now)?;
    let location = template.with(&click.id).ok_or_else(bad_destination)?;
    // A running flash deal (a Shopify brand's, see `LinkRecord::deal`) applies its code.
    let mut location = match &link.deal {
        Some((deal, ends_at)) if click.at < *ends_at => discount_location(&location, deal).unwrap_or(location),
        _ => location,
    };
    if let Some(visit) = visit {
        location.push('\n');
        location.push_str(&click_json(keys, code, link, &click, visit));
    }
    Ok(location)
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
    fn of(keys: &Keys, link: &LinkRecord, visit: Option<&Visit<'_>>, at: i64) -> ApiResult<Click> {
        let (is_bot, device) = match visit {
            Some(v) => {
                let (bot, device) = visitor::classify_click(v.user_agent);
                (bot.is_some(), device)
            }
            None => (true, "unknown"),
        };
        let signed = match &keys.signer {
            Some(signer) => {
                let nonce = ids::random_bytes::<8>().map_err(ApiError::internal)?;
                signer.sign(&link.link_id, at, is_bot, nonce)
            }
            None => None,
        };
        let id = match signed {
            Some(id) => id,
            None => ids::new_id(prefix::CLICK).map_err(ApiError::internal)?,
        };
        Ok(Click { id, at, is_bot, device })
    }
}

/// The click's queue message part (`store::clicks`): the consumer writes it, with its rate
/// lock and uniqueness.
fn click_json(keys: &Keys, code: &str, link: &LinkRecord, click: &Click, visit: &Visit) -> String {
    // Without the salt a visitor hash could be reversed from the IP space: none is made, and
    // the click is stored as not unique (uniqueness can't be decided without it).
    let hash = match &keys.salt {
        Some(salt) => visitor::visitor_hash(salt, visit.ip, visit.user_agent.unwrap_or("")),
        None => String::new(),
    };
    let referrer = visitor::referrer_host(visit.referer);
    ClickMsg {
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
    }
    .to_json()
}

/// The shim's queue buffer sends a message at this many clicks (`store::clicks`).
#[wasm_bindgen(wasm_bindgen = ::worker::wasm_bindgen)]
pub fn clicks_per_message() -> usize {
    store::clicks::MAX_PER_MESSAGE
}

/// … or this many ms after its first click.
#[wasm_bindgen(wasm_bindgen = ::worker::wasm_bindgen)]
pub fn click_flush_ms() -> u32 {
    store::clicks::FLUSH_MS
}

/// Forgets this isolate's hot links: the shim calls it on every write through the API, so
/// the isolate that made a change never serves it late.
#[wasm_bindgen(wasm_bindgen = ::worker::wasm_bindgen)]
pub fn forget_hot_links() {
    hot_links::forget_all();
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
