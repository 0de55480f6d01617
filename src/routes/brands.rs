//! `POST /api/brands` (admin) and `PUT /api/collaborations/{creator_id}` (brand).

use crate::clock::now_ms;
use crate::domain::destination::{valid_click_param, Domain};
use crate::domain::ids::{self, prefix};
use crate::domain::money::Currency;
use crate::http::json::keep;
use crate::http::{auth, bps_field, json, origin, text_field, ApiError, ApiResult};
use crate::store::{self, brands::BrandRow};
use crate::webhooks::{self, Scheme};
use base64::Engine;
use serde::Serialize;
use worker::{Env, Request, Response};

struct NewBrand {
    name: String,
    domains: Vec<String>,
    currency: String,
    default_commission_bps: u32,
    attribution_window_days: Option<u32>,
    hold_days: Option<u32>,
    click_param: Option<String>,
    webhook_scheme: String,
    webhook_secret: Option<String>,
    webhook_app_key: Option<String>,
}

impl NewBrand {
    fn read(b: &json::Body) -> ApiResult<NewBrand> {
        let mut failed = None;
        let body = NewBrand {
            name: keep(&mut failed, b.text("name")),
            domains: keep(&mut failed, b.texts("domains")),
            currency: keep(&mut failed, b.text("currency")),
            default_commission_bps: keep(&mut failed, b.uint("default_commission_bps")),
            attribution_window_days: keep(&mut failed, b.opt_uint("attribution_window_days")),
            hold_days: keep(&mut failed, b.opt_uint("hold_days")),
            click_param: keep(&mut failed, b.opt_text("click_param")),
            webhook_scheme: keep(&mut failed, b.text("webhook_scheme")),
            webhook_secret: keep(&mut failed, b.opt_text("webhook_secret")),
            webhook_app_key: keep(&mut failed, b.opt_text("webhook_app_key")),
        };
        failed.map_or(Ok(body), Err)
    }
}

#[derive(Serialize)]
struct Created {
    id: String,
    api_key: String,
    webhook_secret: String,
    webhook_url: String,
    name: String,
    domains: Vec<String>,
    currency: String,
    default_commission_bps: u32,
    attribution_window_days: u32,
    hold_days: u32,
    click_param: String,
    webhook_scheme: Scheme,
}

const MAX_DOMAINS: usize = 20;

pub async fn create(mut req: Request, env: &Env) -> ApiResult<Response> {
    auth::require_admin(&req, env).await?;
    let body = NewBrand::read(&json::body(&mut req).await?)?;

    let name = text_field("name", &body.name, 200)?;
    if body.domains.is_empty() || body.domains.len() > MAX_DOMAINS {
        return Err(ApiError::invalid(format!("domains must list 1 to {MAX_DOMAINS} hostnames")));
    }
    let domains = body
        .domains
        .iter()
        .map(|d| Domain::parse(d).map(Domain::into_string))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ApiError::invalid(format!("domains: {e}")))?;
    let currency = Currency::parse(&body.currency)
        .ok_or_else(|| ApiError::invalid(format!("unknown currency `{}`", body.currency)))?;
    let default_commission_bps = bps_field("default_commission_bps", body.default_commission_bps)?;
    let attribution_window_days = body.attribution_window_days.unwrap_or(30);
    if !(1..=365).contains(&attribution_window_days) {
        return Err(ApiError::invalid("attribution_window_days must be from 1 to 365"));
    }
    let hold_days = body.hold_days.unwrap_or(30);
    if hold_days > 365 {
        return Err(ApiError::invalid("hold_days must be from 0 to 365"));
    }
    let click_param = body.click_param.unwrap_or_else(|| "aff_click".to_string());
    if !valid_click_param(&click_param) {
        return Err(ApiError::invalid("click_param must be 1-64 of [A-Za-z0-9_]"));
    }
    let scheme = Scheme::parse(&body.webhook_scheme).ok_or_else(|| {
        ApiError::invalid("webhook_scheme must be one of shopify, woocommerce, stripe, standard, tiktok")
    })?;
    let app_key = body.webhook_app_key.as_deref().map(|k| text_field("webhook_app_key", k, 512)).transpose()?;
    if scheme == Scheme::TikTok && app_key.is_none() {
        return Err(ApiError::invalid("webhook_app_key is required for the tiktok scheme"));
    }
    let webhook_secret = match body.webhook_secret.as_deref() {
        Some(s) => check_secret(scheme, text_field("webhook_secret", s, 512)?)?,
        None => webhooks::generate_secret(scheme, &ids::random_bytes::<32>().map_err(ApiError::internal)?),
    };

    let api_key = ids::new_api_key(prefix::KEY_BRAND).map_err(ApiError::internal)?;
    let row = BrandRow {
        id: ids::new_id(prefix::BRAND).map_err(ApiError::internal)?,
        name,
        domains: serde_json::to_string(&domains).map_err(ApiError::internal)?,
        currency: currency.to_string(),
        default_commission_bps,
        attribution_window_days,
        hold_days,
        click_param,
        webhook_scheme: scheme,
        webhook_secret,
        webhook_app_key: app_key,
        created_at: now_ms(),
    };
    store::brands::insert(&store::db(env)?, &row, &ids::hash_key(&api_key)).await?;
    json::created(&Created {
        webhook_url: format!("{}/webhooks/{}", origin(&req, env), row.id),
        id: row.id,
        api_key,
        webhook_secret: row.webhook_secret,
        name: row.name,
        domains,
        currency: row.currency,
        default_commission_bps,
        attribution_window_days,
        hold_days,
        click_param: row.click_param,
        webhook_scheme: row.webhook_scheme,
    })
}

/// The shortest Standard Webhooks key we accept: the spec's secrets are 24 to 64 bytes.
const MIN_STANDARD_KEY: usize = 24;

/// A secret the store's platform issued (already a text field: bounded, no control
/// characters); for Standard Webhooks one that can verify: `whsec_` + base64 of at least
/// 24 bytes (the key is what the base64 decodes to).
fn check_secret(scheme: Scheme, s: String) -> ApiResult<String> {
    if scheme == Scheme::Standard {
        let key = s.strip_prefix("whsec_").and_then(|b64| base64::engine::general_purpose::STANDARD.decode(b64).ok());
        if key.is_none_or(|k| k.len() < MIN_STANDARD_KEY) {
            return Err(ApiError::invalid(format!(
                "a standard webhook_secret is `whsec_` followed by base64 of at least {MIN_STANDARD_KEY} bytes"
            )));
        }
    }
    Ok(s)
}

struct Collaboration {
    commission_bps: u32,
    product_id: Option<String>,
}

impl Collaboration {
    fn read(b: &json::Body) -> ApiResult<Collaboration> {
        Ok(Collaboration { commission_bps: b.uint("commission_bps")?, product_id: b.opt_text("product_id")? })
    }
}

#[derive(Serialize)]
struct CollaborationOut {
    brand_id: String,
    creator_id: String,
    product_id: Option<String>,
    commission_bps: u32,
}

/// `PUT /api/collaborations/{creator_id}`: a targeted rate for one creator.
pub async fn set_collaboration(mut req: Request, env: &Env, creator_id: &str) -> ApiResult<Response> {
    let brand = auth::require_brand(&req, env).await?;
    let body = Collaboration::read(&json::body(&mut req).await?)?;
    let rate = bps_field("commission_bps", body.commission_bps)?;
    let db = store::db(env)?;
    if store::creators::by_id(&db, creator_id).await?.is_none() {
        return Err(ApiError::not_found("creator"));
    }
    if let Some(pid) = &body.product_id {
        if store::products::for_brand(&db, &brand.id, pid).await?.is_none() {
            return Err(ApiError::not_found("product"));
        }
    }
    store::products::set_collaboration(&db, &brand.id, creator_id, body.product_id.as_deref(), rate, now_ms()).await?;
    json::ok(&CollaborationOut {
        brand_id: brand.id,
        creator_id: creator_id.to_string(),
        product_id: body.product_id,
        commission_bps: rate,
    })
}
