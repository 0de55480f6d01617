//! Webhook endpoints and their delivery attempts in the contract's shape.

use crate::domain::attribution::format_rfc3339_ms;
use crate::domain::events::subscribed;
use crate::store::events::{DeliveryRow, EndpointRow};
use serde::Serialize;

#[derive(Serialize)]
pub struct EndpointOut {
    id: String,
    url: String,
    events: Vec<String>,
    /// Shown once, when the endpoint is made.
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
    active: bool,
    created_at: String,
}

pub fn render_endpoint(e: EndpointRow, with_secret: bool) -> EndpointOut {
    EndpointOut {
        events: subscribed(&e.events).into_iter().map(str::to_string).collect(),
        created_at: format_rfc3339_ms(e.created_at),
        secret: with_secret.then_some(e.secret),
        id: e.id,
        url: e.url,
        active: e.active,
    }
}

#[derive(Serialize)]
pub struct DeliveryOut {
    id: String,
    event_id: String,
    #[serde(rename = "type")]
    kind: String,
    attempt: i64,
    status_code: Option<i64>,
    ok: bool,
    created_at: String,
}

pub fn render_delivery(d: DeliveryRow) -> DeliveryOut {
    DeliveryOut {
        created_at: format_rfc3339_ms(d.created_at),
        id: d.id,
        event_id: d.event_id,
        kind: d.kind,
        attempt: d.attempt,
        status_code: d.status_code,
        ok: d.ok,
    }
}
