//! A brand's products (`POST/PATCH/GET /api/products`) and the public showcase.

use crate::clock::now_ms;
use crate::domain::destination::{Domain, ProductUrl};
use crate::domain::https_url::HttpsUrl;
use crate::domain::ids::{self, prefix};
use crate::domain::money::{Currency, MAX_AMOUNT};
use crate::domain::text::find_control;
use crate::http::json::keep;
use crate::http::page::{self, query_pairs, query_value};
use crate::http::{auth, bps_field, json, text_field, ApiError, ApiResult};
use crate::store::link_cache::{self, ProductRecord};
use crate::store::{self, brands::BrandRow, products::ProductRow};
use crate::views::products::{product, showcase_item};
use serde_json::Value;
use worker::{worker_sys, Env, Request, Response};

#[derive(Default)]
struct MoneyIn {
    amount: i64,
    currency: String,
}

fn money_in(name: &str, v: &Value) -> ApiResult<MoneyIn> {
    let m = json::as_object(name, v)?;
    let mut failed = None;
    let money = MoneyIn {
        amount: keep(&mut failed, m.int("amount", i64::MIN, i64::MAX)),
        currency: keep(&mut failed, m.text("currency")),
    };
    failed.map_or(Ok(money), |e| Err(ApiError::invalid(format!("{name}: {}", e.message))))
}

struct NewProduct {
    sku: String,
    title: String,
    url: String,
    price: MoneyIn,
    commission_bps: Option<u32>,
    image_url: Option<String>,
}

impl NewProduct {
    fn read(b: &json::Body) -> ApiResult<NewProduct> {
        let mut failed = None;
        let body = NewProduct {
            price: keep(&mut failed, b.required("price").and_then(|v| money_in("price", v))),
            sku: keep(&mut failed, b.text("sku")),
            title: keep(&mut failed, b.text("title")),
            url: keep(&mut failed, b.text("url")),
            commission_bps: keep(&mut failed, b.opt_uint("commission_bps")),
            image_url: keep(&mut failed, b.opt_text("image_url")),
        };
        failed.map_or(Ok(body), Err)
    }
}

/// Absent fields are kept. `null` clears the two that may be empty (`commission_bps`,
/// `image_url`); for any other field it is a 422, not a silent no-op.
struct ProductPatch {
    sku: Option<Option<String>>,
    title: Option<Option<String>>,
    url: Option<Option<String>>,
    price: Option<Option<MoneyIn>>,
    commission_bps: Option<Option<u32>>,
    image_url: Option<Option<String>>,
    active: Option<Option<bool>>,
}

impl ProductPatch {
    fn read(b: &json::Body) -> ApiResult<ProductPatch> {
        let mut failed = None;
        let body = ProductPatch {
            sku: keep(&mut failed, b.patch("sku", json::as_text)),
            title: keep(&mut failed, b.patch("title", json::as_text)),
            url: keep(&mut failed, b.patch("url", json::as_text)),
            price: keep(&mut failed, b.patch("price", money_in)),
            commission_bps: keep(&mut failed, b.patch("commission_bps", json::as_uint)),
            image_url: keep(&mut failed, b.patch("image_url", json::as_text)),
            active: keep(&mut failed, b.patch("active", json::as_bool)),
        };
        failed.map_or(Ok(body), Err)
    }
}

fn parse_price(m: &MoneyIn) -> ApiResult<(i64, String)> {
    let currency = Currency::parse(&m.currency)
        .ok_or_else(|| ApiError::invalid(format!("price: unknown currency `{}`", m.currency)))?;
    if !(0..=MAX_AMOUNT).contains(&m.amount) {
        return Err(ApiError::invalid("price.amount must be a non-negative integer of minor units"));
    }
    Ok((m.amount, currency.to_string()))
}

fn parse_url(brand: &BrandRow, url: &str) -> ApiResult<String> {
    let domains: Vec<Domain> = brand.domain_list().iter().filter_map(|d| Domain::parse(d).ok()).collect();
    ProductUrl::parse(url, &domains).map(ProductUrl::into_string).map_err(|e| ApiError::invalid(format!("url: {e}")))
}

/// Images may live on any https host (CDNs), by the rules of product URLs otherwise; they are
/// shown, never redirected to.
fn parse_image(url: Option<String>) -> ApiResult<Option<String>> {
    let Some(u) = url.map(|u| u.trim().to_string()).filter(|u| !u.is_empty()) else {
        return Ok(None);
    };
    if find_control(&u).is_some() {
        return Err(ApiError::invalid("image_url has a control character"));
    }
    HttpsUrl::parse(&u).map(|p| Some(p.into_string())).map_err(|e| ApiError::invalid(format!("image_url: {e}")))
}

/// A PATCH field that was given must not be `null` unless it can be cleared.
fn not_null<'a, T>(name: &str, v: &'a Option<T>) -> ApiResult<&'a T> {
    v.as_ref().ok_or_else(|| ApiError::invalid(format!("{name} can't be null")))
}

fn sku_field(s: &str) -> ApiResult<String> {
    text_field("sku", s, 200)
}

/// The product's KV record, written on every change: one write however many links it has.
fn cache_record(brand: &BrandRow, p: &ProductRow) -> ProductRecord {
    ProductRecord { active: p.active, click_param: brand.click_param.clone(), destination: p.url.clone() }
}

pub async fn create(mut req: Request, env: &Env, ctx: &worker_sys::Context) -> ApiResult<Response> {
    let brand = auth::require_brand(&req, env).await?;
    let body = NewProduct::read(&json::body(&mut req).await?)?;
    let (price_amount, price_currency) = parse_price(&body.price)?;
    let now = now_ms();
    let row = ProductRow {
        id: ids::new_id(prefix::PRODUCT).map_err(ApiError::internal)?,
        brand_id: brand.id.clone(),
        sku: sku_field(&body.sku)?,
        title: text_field("title", &body.title, 200)?,
        url: parse_url(&brand, &body.url)?,
        price_amount,
        price_currency,
        commission_bps: body.commission_bps.map(|r| bps_field("commission_bps", r)).transpose()?,
        image_url: parse_image(body.image_url)?,
        active: true,
        created_at: now,
        updated_at: now,
    };
    store::products::insert(&store::db(env)?, &row).await?;
    let entry = link_cache::product_entry(&row.id, &cache_record(&brand, &row));
    link_cache::fill_after_response(ctx, &store::kv(env)?, &[entry]);
    json::created(&product(row))
}

pub async fn update(mut req: Request, env: &Env, id: &str) -> ApiResult<Response> {
    let brand = auth::require_brand(&req, env).await?;
    let patch = ProductPatch::read(&json::body(&mut req).await?)?;
    let db = store::db(env)?;
    let mut row =
        store::products::for_brand(&db, &brand.id, id).await?.ok_or_else(|| ApiError::not_found("product"))?;
    let before = row.clone();
    if let Some(s) = &patch.sku {
        row.sku = sku_field(not_null("sku", s)?)?;
    }
    if let Some(t) = &patch.title {
        row.title = text_field("title", not_null("title", t)?, 200)?;
    }
    if let Some(u) = &patch.url {
        row.url = parse_url(&brand, not_null("url", u)?)?;
    }
    if let Some(p) = &patch.price {
        (row.price_amount, row.price_currency) = parse_price(not_null("price", p)?)?;
    }
    if let Some(rate) = patch.commission_bps {
        row.commission_bps = rate.map(|r| bps_field("commission_bps", r)).transpose()?;
    }
    if let Some(img) = patch.image_url {
        row.image_url = parse_image(img)?;
    }
    if let Some(a) = &patch.active {
        row.active = *not_null("active", a)?;
    }
    if row == before {
        // Nothing to change (no known field, or the same values): nothing is written.
        return json::ok(&product(row));
    }
    row.updated_at = now_ms();
    store::products::update(&db, &row, row.commission_bps != before.commission_bps).await?;
    link_cache::put_product(&store::kv(env)?, &row.id, &cache_record(&brand, &row))
        .await
        .map_err(|e| ApiError::saved_late("the product's change", e))?;
    json::ok(&product(row))
}

pub async fn list(req: Request, env: &Env) -> ApiResult<Response> {
    let brand = auth::require_brand(&req, env).await?;
    let page_req = page::keyset(&query_pairs(&req))?;
    let rows = store::products::list_for_brand(&store::db(env)?, &brand.id, &page_req).await?;
    json::ok(&page::page(rows, &page_req, |p| (p.created_at, p.id.clone()), product))
}

/// `GET /api/showcase?brand=&q=`: public.
pub async fn showcase(req: Request, env: &Env) -> ApiResult<Response> {
    let pairs = query_pairs(&req);
    let page_req = page::keyset(&pairs)?;
    let brand = query_value(&pairs, "brand").filter(|b| !b.is_empty());
    let q = query_value(&pairs, "q").map(str::trim);
    if q.is_some_and(|q| q.chars().count() > 200) {
        return Err(ApiError::invalid("q is over 200 characters"));
    }
    if q.is_some_and(|q| find_control(q).is_some()) {
        return Err(ApiError::invalid("q has a control character"));
    }
    let rows = store::products::showcase(&store::db(env)?, brand, q, &page_req).await?;
    json::ok(&page::page(rows, &page_req, |r| (r.product.created_at, r.product.id.clone()), showcase_item))
}
