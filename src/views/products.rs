//! A product as its brand sees it, and as creators and the public see it in the showcase.

use crate::domain::attribution::format_rfc3339_ms;
use crate::domain::commission::open_rate;
use crate::domain::money::{Currency, Money};
use crate::store::products::{ProductRow, ShowcaseRow};
use serde::Serialize;

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

pub fn money(amount: i64, currency: &str) -> Money {
    Money::new(amount, Currency::from_stored(currency))
}

pub fn product(p: ProductRow) -> ProductOut {
    ProductOut {
        price: money(p.price_amount, &p.price_currency),
        created_at: format_rfc3339_ms(p.created_at),
        updated_at: format_rfc3339_ms(p.updated_at),
        active: p.active,
        id: p.id,
        brand_id: p.brand_id,
        sku: p.sku,
        title: p.title,
        url: p.url,
        commission_bps: p.commission_bps,
        image_url: p.image_url,
    }
}

pub fn showcase_item(row: ShowcaseRow) -> ShowcaseItem {
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
