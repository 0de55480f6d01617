//! A live session in the contract's shape: as its creator sees it, and the public view that
//! the feed answers and the viewers' page renders.

use super::products::{showcase_item, ShowcaseItem};
use crate::domain::attribution::format_rfc3339_ms;
use crate::domain::money::format_price;
use crate::domain::states::SessionState;
use crate::domain::stream::Stream;
use crate::store::live::{LiveRow, PinRow, PublicLiveRow};
use serde::Serialize;

/// A session as its creator sees it.
#[derive(Serialize)]
pub struct SessionOut {
    id: String,
    creator_id: String,
    title: String,
    state: SessionState,
    starts_at: Option<String>,
    created_at: String,
    ended_at: Option<String>,
    share_url: String,
    stream_url: Option<String>,
}

pub fn share_url(origin: &str, id: &str) -> String {
    format!("{origin}/live/{id}")
}

pub fn render_session(s: LiveRow, origin: &str) -> SessionOut {
    SessionOut {
        share_url: share_url(origin, &s.id),
        starts_at: s.starts_at.map(format_rfc3339_ms),
        created_at: format_rfc3339_ms(s.created_at),
        ended_at: s.ended_at.map(format_rfc3339_ms),
        stream_url: s.stream_url,
        id: s.id,
        creator_id: s.creator_id,
        title: s.title,
        state: s.state,
    }
}

/// The public view of a session: the feed's JSON and what the page renders.
#[derive(Serialize, Clone)]
pub struct LiveView {
    pub id: String,
    pub title: String,
    pub creator: CreatorRef,
    pub state: SessionState,
    pub starts_at: Option<String>,
    pub created_at: String,
    pub ended_at: Option<String>,
    pub share_url: String,
    pub stream_url: Option<String>,
    /// How the page plays `stream_url`.
    pub stream: Option<StreamOut>,
    pub pins: Vec<PinOut>,
}

/// A stream as the page plays it (`domain::stream`).
#[derive(Serialize, Clone)]
pub struct StreamOut {
    pub kind: &'static str,
    pub player_url: String,
    /// What the page's policy must allow for it.
    #[serde(skip)]
    pub origin: String,
}

/// A pin's running flash deal.
#[derive(Serialize, Clone)]
pub struct DealOut {
    pub code: String,
    pub ends_at: String,
}

#[derive(Serialize, Clone)]
pub struct CreatorRef {
    pub id: String,
    pub handle: String,
}

#[derive(Serialize, Clone)]
pub struct PinOut {
    pub product: ShowcaseItem,
    pub short_url: String,
    pub pinned_at: String,
    /// The price as the page shows it (`$19.99`, `¥500`), so the page's refresh script
    /// formats exactly like the server without a currency table of its own.
    pub price_display: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deal: Option<DealOut>,
}

pub fn render_pin(p: PinRow, origin: &str) -> PinOut {
    let product = showcase_item(p.showcase);
    PinOut {
        price_display: format_price(&product.price),
        product,
        short_url: format!("{origin}/{}", p.code),
        pinned_at: format_rfc3339_ms(p.pinned_at),
        deal: p.deal.map(|(code, ends_at)| DealOut { code, ends_at: format_rfc3339_ms(ends_at) }),
    }
}

pub fn view(row: PublicLiveRow, pins: Vec<PinRow>, origin: &str) -> LiveView {
    let s = row.session;
    LiveView {
        share_url: share_url(origin, &s.id),
        creator: CreatorRef { id: s.creator_id, handle: row.creator_handle },
        starts_at: s.starts_at.map(format_rfc3339_ms),
        created_at: format_rfc3339_ms(s.created_at),
        ended_at: s.ended_at.map(format_rfc3339_ms),
        pins: pins.into_iter().map(|p| render_pin(p, origin)).collect(),
        stream: s.stream_url.as_deref().and_then(Stream::parse).map(|st| StreamOut {
            kind: st.kind(),
            player_url: st.player_url(),
            origin: st.origin(),
        }),
        stream_url: s.stream_url,
        id: s.id,
        title: s.title,
        state: s.state,
    }
}
