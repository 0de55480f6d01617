//! `GET /{code}` and `HEAD /{code}`: the hot path.
//!
//! On a KV hit this awaits only KV (the link record, then its product's record) and no D1:
//! the visitor is classified before the 302 is returned, and the click row goes to D1 in
//! `waitUntil`, after the response, in one statement that also reads its rate lock.
//! The Location comes only from storage: the request can't change its host or scheme.
//!
//! Two entries share the decisions below:
//! - the KV hit, from `src/shim.mjs`: the shim does the I/O (two KV reads, the 302) and
//!   calls [`redirect_link_key`], [`redirect_product_key`] and [`redirect_location`]
//!   synchronously. Each `await` or `JsValue` through wasm-bindgen costs closures, table
//!   slots and string copies, which made the response path 1.5× the instructions of the
//!   same redirect written in JS (see BENCHMARKS.md); plain calls with strings don't.
//! - everything else (a KV miss, a disabled link or product, a KV outage), from the shim
//!   through [`redirect_fallback`] with the records it read: the full route, with D1 and
//!   answers in the contract's shape. (`lib.rs` calls [`fast`] only for a code that can't
//!   exist: a 404.)

use crate::clock::now_ms;
use crate::domain::destination::build_location;
use crate::domain::ids::{self, looks_like_code, prefix};
use crate::domain::visitor::{self, UNIQUE_WINDOW_MS};
use crate::http::{ApiError, ApiResult};
use crate::store::link_cache::{self, LinkRecord, ProductRecord};
use crate::store::{self, links::ClickRow};
use worker::wasm_bindgen::{prelude::wasm_bindgen, JsCast, JsValue};
use worker::worker_sys::ext::RequestExt;
use worker::{console_error, web_sys, worker_sys, Context, Env};

#[wasm_bindgen(
    wasm_bindgen = ::worker::wasm_bindgen,
    js_sys = ::worker::js_sys,
    inline_js = "export function redirect_302(location) {
  return new Response(null, {
    status: 302,
    headers: {
      location,
      'cache-control': 'private, no-store',
      'referrer-policy': 'no-referrer-when-downgrade',
    },
  });
}"
)]
extern "C" {
    /// The redirect's response, made in JS in one call (status and all three headers), as
    /// the shim makes it on a KV hit.
    fn redirect_302(location: &str) -> web_sys::Response;
}

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

/// The Location of a click on `url`'s link given both KV records, and for a GET (`ctx` is
/// given) the click recorded after the response. `None` leaves the request to the full route.
#[wasm_bindgen(wasm_bindgen = ::worker::wasm_bindgen)]
#[allow(clippy::too_many_arguments)] // one crossing: the request's parts as plain strings
pub fn redirect_location(
    url: &str,
    link: &str,
    product: &str,
    env: Option<Env>,
    ctx: Option<worker_sys::Context>,
    user_agent: Option<String>,
    ip: Option<String>,
    referer: Option<String>,
    country: Option<String>,
) -> Option<String> {
    crate::install_panic_hook();
    let code = super::redirect_code(super::path_of(url))?;
    let (link, product) = (LinkRecord::decode(link)?, ProductRecord::decode(product)?);
    let (click_id, location) = answer(code, &link, &product).ok()?;
    if let (Some(env), Some(ctx)) = (env, ctx) {
        let visit = Visit { user_agent, ip: ip.unwrap_or_default(), referer, country };
        record_after(&env, &ctx, code, &link, &click_id, visit);
    }
    Some(location)
}

/// The full route of `GET|HEAD /{code}` for the runtime's request, when the shim's KV hit
/// path could not answer: `link` and `product` are the KV records it read (`None`: missing),
/// so KV is not read twice. Errors are answered in the contract's shape.
#[wasm_bindgen(wasm_bindgen = ::worker::wasm_bindgen, wasm_bindgen_futures = ::worker::wasm_bindgen_futures, js_sys = ::worker::js_sys)]
pub async fn redirect_fallback(
    req: web_sys::Request,
    env: Env,
    ctx: worker_sys::Context,
    link: Option<String>,
    product: Option<String>,
) -> web_sys::Response {
    crate::install_panic_hook();
    let url = req.url();
    let code = super::redirect_code(super::path_of(&url)).unwrap_or("");
    fast(&req, &env, &ctx, code, req.method() == "GET", link, product).await
}

/// `GET|HEAD /{code}` given the KV records already read, if any.
pub async fn fast(
    req: &web_sys::Request,
    env: &Env,
    ctx: &worker_sys::Context,
    code: &str,
    record: bool,
    link: Option<String>,
    product: Option<String>,
) -> web_sys::Response {
    let visit = record.then(|| Visit::of_raw(req));
    match respond(env, ctx, code, visit, link, product).await {
        Ok(r) => r,
        Err(e) => e.into_response().into(),
    }
}

/// The 302, and the click recorded after it when there is a `visit` (a GET).
async fn respond(
    env: &Env,
    ctx: &worker_sys::Context,
    code: &str,
    visit: Option<Visit>,
    link: Option<String>,
    product: Option<String>,
) -> ApiResult<web_sys::Response> {
    if !looks_like_code(code) {
        return Err(ApiError::not_found("link"));
    }
    let (link, product) = lookup(env, ctx, code, link, product).await?;
    let (click_id, location) = answer(code, &link, &product)?;
    if let Some(visit) = visit {
        record_after(env, ctx, code, &link, &click_id, visit);
    }
    Ok(redirect_302(&location))
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
    let ua = visit.user_agent.as_deref();
    let (bot, device) = visitor::classify_click(ua);
    let is_bot = bot.is_some(); // = visitor::classify(ua) == VisitorClass::Bot
    let salt = store::secret(env, "VISITOR_SALT").unwrap_or_default();
    let hash = visitor::visitor_hash(&salt, &visit.ip, ua.unwrap_or(""));
    let referrer = visitor::referrer_host(visit.referer.as_deref());
    let row = ClickRow {
        id: click_id,
        code,
        link,
        created_at: now,
        country: visit.country.as_deref(),
        device,
        referrer_host: referrer.as_deref(),
        visitor_hash: &hash,
        is_bot,
        is_unique: !is_bot,
        unique_since: now - UNIQUE_WINDOW_MS,
    };
    if let Err(e) = store::links::insert_click_after_response(env, ctx, &row) {
        console_error!("click {click_id} not recorded: {}", e.message);
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
    let (link, product) = store::links::redirect_records(&store::db(env)?, code)
        .await?
        .ok_or_else(|| ApiError::not_found("link"))?;
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

/// What we keep of the visitor, read from the request before it is answered.
struct Visit {
    user_agent: Option<String>,
    ip: String,
    referer: Option<String>,
    country: Option<String>,
}

impl Visit {
    fn of_raw(req: &web_sys::Request) -> Visit {
        let headers = req.headers();
        let header = |n: &str| headers.get(n).ok().flatten();
        Visit {
            user_agent: header("user-agent"),
            ip: header("cf-connecting-ip").unwrap_or_default(),
            referer: header("referer"),
            country: req.cf().and_then(|cf| worker::Cf::from(cf).country()),
        }
    }
}
