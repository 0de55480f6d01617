//! A tracked link in the contract's shape.

use crate::domain::attribution::format_rfc3339_ms;
use crate::store::links::LinkRow;
use serde::Serialize;

#[derive(Serialize)]
pub struct LinkOut {
    pub id: String,
    pub code: String,
    pub short_url: String,
    pub destination: String,
    pub product_id: String,
    pub live_session_id: Option<String>,
    pub active: bool,
    pub created_at: String,
}

pub fn render(l: LinkRow, origin: &str) -> LinkOut {
    LinkOut {
        short_url: format!("{origin}/{}", l.code),
        created_at: format_rfc3339_ms(l.created_at),
        active: l.active,
        id: l.id,
        code: l.code,
        destination: l.destination,
        product_id: l.product_id,
        live_session_id: l.live_session_id,
    }
}
