//! A brand's products (`POST/PATCH/GET /api/products`) and the public showcase.

use crate::clock::now_ms;
use crate::domain::attribution::format_rfc3339_ms;
use crate::domain::commission::open_rate;
use crate::domain::destination::{Domain, ProductUrl};
use crate::domain::ids::{self, prefix};
use crate::domain::money::{Currency, Money, MAX_AMOUNT};
use crate::http::page::{self, query_pairs, query_value, PageRequest};
use crate::http::{auth, bps_field, json, text_field, ApiError, ApiResult};
use crate::store::link_cache::{self, ProductRecord};
use crate::store::{self, brands::BrandRow, products::ProductRow};
use serde::{Deserialize, Serialize};
use worker::{Env, Request, Response};

#[derive(Deserialize)]
struct MoneyIn {
    amount: i64,
    currency: String,
}

#[derive(Deserialize)]
struct NewProduct {
    sku: String,
    title: String,
    url: String,
    price: MoneyIn,
    commission_bps: Option<u32>,
    image_url: Option<String>,
}

#[derive(Deserialize)]
struct ProductPatch {
    sku: Option<String>,
    title: Option<String>,
    url: Option<String>,
    price: Option<MoneyIn>,
    #[serde(default, deserialize_with = "json::nullable")]
    commission_bps: Option<Option<u32>>,
    #[serde(default, deserialize_with = "json::nullable")]
    image_url: Option<Option<String>>,
    active: Option<bool>,
}

/// A product as its brand sees it.
#[derive(Serialize)]
pub struct ProductOut {
    id: String,
    brand_id: String,
    sku: String,
    title: String,
    url: String,
    price: Money,
    commission_bps: Option<u32>,
    image_url: Option<String>,
    active: bool,
    created_at: String,
    updated_at: String,
}

/// A product as creators and the public see it: the open rate resolved.
#[derive(Serialize, Clone)]
pub struct ShowcaseItem {
    pub id: String,
    pub brand_id: String,
    pub sku: String,
    pub title: String,
    pub url: String,
    pub price: Money,
    pub image_url: Option<String>,
    pub commission_bps: u32,
}

fn money(amount: i64, currency: &str) -> Money {
    Money::new(amount, Currency::from_stored(currency))
}

fn render(p: ProductRow) -> ProductOut {
    ProductOut {
        price: money(p.price_amount, &p.price_currency),
        created_at: format_rfc3339_ms(p.created_at),
        updated_at: format_rfc3339_ms(p.updated_at),
        active: p.active == 1,
        id: p.id,
        brand_id: p.brand_id,
        sku: p.sku,
        title: p.title,
        url: p.url,
        commission_bps: p.commission_bps,
        image_url: p.image_url,
    }
}

pub fn showcase_item(row: store::products::ShowcaseRow) -> ShowcaseItem {
    let p = row.product;
    ShowcaseItem {
        price: money(p.price_amount, &p.price_currency),
        commission_bps: open_rate(p.commission_bps, row.default_commission_bps),
        id: p.id,
        brand_id: p.brand_id,
        sku: p.sku,
        title: p.title,
        url: p.url,
        image_url: p.image_url,
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

/// Images may live on any https host (CDNs); they are shown, never redirected to.
fn parse_image(url: Option<String>) -> ApiResult<Option<String>> {
    let Some(u) = url.map(|u| u.trim().to_string()).filter(|u| !u.is_empty()) else {
        return Ok(None);
    };
    match url::Url::parse(&u) {
        Ok(p) if p.scheme() == "https" && p.host_str().is_some() && u.len() <= 2048 => Ok(Some(p.to_string())),
        _ => Err(ApiError::invalid("image_url must be an https URL")),
    }
}

fn sku_field(s: &str) -> ApiResult<String> {
    text_field("sku", s, 200)
}

/// The product's KV record, written on every change: one write however many links it has.
async fn refresh_cache(env: &Env, brand: &BrandRow, p: &ProductRow) -> ApiResult<()> {
    let record =
        ProductRecord { active: p.active == 1, click_param: brand.click_param.clone(), destination: p.url.clone() };
    link_cache::put_product(&store::kv(env)?, &p.id, &record).await?;
    Ok(())
}

pub async fn create(mut req: Request, env: &Env) -> ApiResult<Response> {
    let brand = auth::require_brand(&req, env).await?;
    let body: NewProduct = json::body(&mut req).await?;
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
        active: 1,
        created_at: now,
        updated_at: now,
    };
    store::products::insert(&store::db(env)?, &row).await?;
    refresh_cache(env, &brand, &row).await?;
    json::created(&render(row))
}

pub async fn update(mut req: Request, env: &Env, id: &str) -> ApiResult<Response> {
    let brand = auth::require_brand(&req, env).await?;
    let patch: ProductPatch = json::body(&mut req).await?;
    let db = store::db(env)?;
    let mut row =
        store::products::for_brand(&db, &brand.id, id).await?.ok_or_else(|| ApiError::not_found("product"))?;
    if let Some(s) = &patch.sku {
        row.sku = sku_field(s)?;
    }
    if let Some(t) = &patch.title {
        row.title = text_field("title", t, 200)?;
    }
    if let Some(u) = &patch.url {
        row.url = parse_url(&brand, u)?;
    }
    if let Some(p) = &patch.price {
        (row.price_amount, row.price_currency) = parse_price(p)?;
    }
    if let Some(rate) = patch.commission_bps {
        row.commission_bps = rate.map(|r| bps_field("commission_bps", r)).transpose()?;
    }
    if let Some(img) = patch.image_url {
        row.image_url = parse_image(img)?;
    }
    if let Some(a) = patch.active {
        row.active = a.into();
    }
    row.updated_at = now_ms();
    store::products::update(&db, &row).await?;
    refresh_cache(env, &brand, &row).await?;
    json::ok(&render(row))
}

pub async fn list(req: Request, env: &Env) -> ApiResult<Response> {
    let brand = auth::require_brand(&req, env).await?;
    let page_req = PageRequest::parse(&query_pairs(&req.url()?))?;
    let rows = store::products::list_for_brand(&store::db(env)?, &brand.id, &page_req).await?;
    json::ok(&page::page(rows, &page_req, |p| (p.created_at, p.id.clone()), render))
}

/// `GET /api/showcase?brand=&q=`: public.
pub async fn showcase(req: Request, env: &Env) -> ApiResult<Response> {
    let pairs = query_pairs(&req.url()?);
    let page_req = PageRequest::parse(&pairs)?;
    let brand = query_value(&pairs, "brand").filter(|b| !b.is_empty());
    let q = query_value(&pairs, "q").map(str::trim);
    if q.is_some_and(|q| q.chars().count() > 200) {
        return Err(ApiError::invalid("q is over 200 characters"));
    }
    let rows = store::products::showcase(&store::db(env)?, brand, q, &page_req).await?;
    json::ok(&page::page(rows, &page_req, |r| (r.product.created_at, r.product.id.clone()), showcase_item))
}
