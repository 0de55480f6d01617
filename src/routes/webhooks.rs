//! `POST /webhooks/{brand_id}`: a brand's store confirms, refunds or cancels an order.
//!
//! Order of work: brand → body (1 MiB) → WooCommerce ping → signature over the raw bytes
//! (nothing is parsed before it passes) → payload → one batch of reads → the ledger plan
//! (pure, `domain::ledger`) → one batch of writes, a transaction.

use crate::clock::now_ms;
use crate::domain::attribution::within_window;
use crate::domain::commission::line_base;
use crate::domain::ids::{self, prefix};
use crate::domain::ledger::{plan_paid, plan_refund, RateLock, Refund, TakeBackKind};
use crate::domain::states::{EntryKind, EntryState, OrderState, OrderStatus};
use crate::http::json::{self, WEBHOOK_BODY_LIMIT};
use crate::http::{ApiError, ApiResult};
use crate::store::brands::BrandRow;
use crate::store::orders::{self, EntryRow, LedgerKeys, NewOrder, Outcome, Writes};
use crate::store::{self, Db};
use crate::views::ledger::{render_entry, CommissionOut};
use crate::webhooks::{self, EventKind, OrderEvent, PayloadError, Scheme, Secret};
use serde::Serialize;
use worker::{Env, Request, Response};

#[derive(Serialize)]
struct Answer {
    status: &'static str,
    order_id: String,
    commissions: Vec<CommissionOut>,
}

fn answer(status: &'static str, order_id: &str, entries: Vec<EntryRow>) -> Answer {
    Answer { status, order_id: order_id.to_string(), commissions: entries.into_iter().map(render_entry).collect() }
}

fn payload_error(e: PayloadError) -> ApiError {
    match e {
        PayloadError::NotJson(m) => ApiError::bad_json(m),
        PayloadError::Invalid(m) => ApiError::invalid(m),
    }
}

/// How many times a delivery is replanned when a concurrent one moved the same order.
const ATTEMPTS: usize = 3;

pub async fn receive(mut req: Request, env: &Env, brand_id: &str) -> ApiResult<Response> {
    let db = store::db(env)?;
    let brand = store::brands::by_id(&db, brand_id).await?.ok_or_else(|| ApiError::not_found("brand"))?;
    let body = json::read_body(&mut req, WEBHOOK_BODY_LIMIT).await?;
    let headers = |name: &str| req.headers().get(name).ok().flatten();
    let scheme = Scheme::parse(&brand.webhook_scheme).ok_or_else(|| ApiError::internal("stored scheme unknown"))?;
    if scheme == Scheme::WooCommerce && webhooks::is_woocommerce_ping(&headers, &body) {
        return json::ok(&serde_json::json!({ "status": "ping" }));
    }
    let secret = Secret { secret: &brand.webhook_secret, app_key: brand.webhook_app_key.as_deref() };
    let verified = webhooks::verify(scheme, &headers, &body, &secret, now_ms() / 1000)
        .map_err(|e| ApiError::new(401, "invalid_signature", e.to_string()))?;

    let event = match (scheme, headers("x-shopify-topic")) {
        (Scheme::Shopify, Some(topic)) => webhooks::parse_shopify(&topic, &body, &brand.click_param),
        _ => webhooks::parse_canonical(&body),
    }
    .map_err(payload_error)?;
    // The scheme's delivery id, else the body's; a payload with neither dedupes per order
    // and event type.
    let delivery_id = verified
        .delivery_id
        .or_else(|| event.delivery_id.clone())
        .unwrap_or_else(|| format!("{}:{}", event.kind.as_str(), event.order_id));

    for _ in 0..ATTEMPTS {
        let step = match event.kind {
            EventKind::Paid => paid(&db, &brand, &event, &delivery_id).await?,
            EventKind::Refunded | EventKind::Cancelled => take_back(&db, &brand, &event, &delivery_id).await?,
        };
        if let Some(a) = step {
            return json::ok(&a);
        }
    }
    Err(ApiError::conflict("the order kept changing under this delivery; retry it"))
}

async fn duplicate(db: &Db, brand: &BrandRow, order_id: &str) -> ApiResult<Option<Answer>> {
    let entries = orders::entries_of_order(db, &brand.id, order_id).await?;
    Ok(Some(answer("duplicate", order_id, entries)))
}

/// `order.paid`: attribute and write the order, its lines and their commissions.
/// `None` asks the caller to try again.
async fn paid(db: &Db, brand: &BrandRow, event: &OrderEvent, delivery_id: &str) -> ApiResult<Option<Answer>> {
    let skus: Vec<&str> = event.items.iter().map(|i| i.sku.as_str()).collect();
    let reads =
        orders::read_for_paid(db, &brand.id, delivery_id, &event.order_id, event.click_id.as_deref(), &skus).await?;
    if reads.seen.delivery_seen || reads.seen.order_row_id.is_some() {
        return duplicate(db, brand, &event.order_id).await;
    }
    let now = now_ms();
    let occurred_at = event.occurred_at_ms.unwrap_or(now);
    // A human click on one of this brand's links, within the window after it.
    let click = reads.click.filter(|c| {
        c.brand_id == brand.id && !c.is_bot && within_window(c.created_at, occurred_at, brand.attribution_window_days)
    });
    let lock = click.as_ref().map(|c| RateLock { product_id: c.product_id.clone(), rate_bps: c.rate_bps });
    let lines =
        plan_paid(&event.items, &reads.products, lock.as_ref()).map_err(|e| ApiError::invalid(e.to_string()))?;
    let mut gmv: i64 = 0;
    for l in &lines {
        gmv = line_base(l.item.unit_price, l.item.quantity, l.item.discount)
            .ok()
            .and_then(|b| gmv.checked_add(b))
            .filter(|g| *g <= crate::domain::money::MAX_AMOUNT)
            .ok_or_else(|| ApiError::invalid("order total is out of range"))?;
    }

    let order_row_id = ids::new_id(prefix::ORDER).map_err(ApiError::internal)?;
    let currency = event.currency.as_str();
    let mut writes = Writes::default();
    writes.delivery(&brand.id, delivery_id, &event.order_id, event.kind, now);
    writes.order(&NewOrder {
        row_id: &order_row_id,
        brand_id: &brand.id,
        external_id: &event.order_id,
        click_id: click.as_ref().map(|c| c.id.as_str()),
        creator_id: click.as_ref().map(|c| c.creator_id.as_str()),
        link_code: click.as_ref().map(|c| c.code.as_str()),
        live_session_id: click.as_ref().and_then(|c| c.live_session_id.as_deref()),
        currency,
        gmv,
        status: if click.is_some() { OrderStatus::Attributed } else { OrderStatus::Unattributed },
        occurred_at,
        created_at: now,
    });
    let approve_after = now + i64::from(brand.hold_days) * crate::domain::attribution::DAY_MS;
    let mut written = Vec::new();
    for l in &lines {
        writes.line(&order_row_id, l.line_no, &l.item, l.product_id.as_deref());
        let (Some(c), Some(earned)) = (&click, &l.earned) else { continue };
        let id = ids::new_id(prefix::COMMISSION).map_err(ApiError::internal)?;
        let entry = EntryRow {
            id,
            order_id: event.order_id.clone(),
            brand_id: brand.id.clone(),
            creator_id: c.creator_id.clone(),
            link_code: c.code.clone(),
            live_session_id: c.live_session_id.clone(),
            sku: l.item.sku.clone(),
            quantity: l.item.quantity,
            rate_bps: earned.rate_bps,
            base: earned.base,
            amount: earned.amount,
            currency: currency.to_string(),
            state: EntryState::Pending,
            kind: EntryKind::Commission,
            created_at: now,
        };
        writes.entry(
            &entry,
            &LedgerKeys {
                order_row_id: &order_row_id,
                line_no: l.line_no,
                parent_id: None,
                event_key: "",
                approve_after: Some(approve_after),
            },
        );
        written.push(entry);
    }
    match orders::commit(db, writes).await? {
        Outcome::Written => {
            let status = if click.is_some() { "attributed" } else { "unattributed" };
            Ok(Some(answer(status, &event.order_id, written)))
        }
        Outcome::Duplicate => duplicate(db, brand, &event.order_id).await,
        Outcome::Raced => Ok(None),
    }
}

/// `order.refunded` / `order.cancelled`: take back the commission of what was refunded.
/// `None` asks the caller to try again.
async fn take_back(db: &Db, brand: &BrandRow, event: &OrderEvent, delivery_id: &str) -> ApiResult<Option<Answer>> {
    let (seen, order) = orders::read_for_refund(db, &brand.id, delivery_id, &event.order_id).await?;
    if seen.delivery_seen {
        return duplicate(db, brand, &event.order_id).await;
    }
    let Some(order) = order.filter(|o| o.status == OrderStatus::Attributed) else {
        return Ok(Some(answer("unattributed", &event.order_id, Vec::new())));
    };
    let units: Vec<(String, i64)> = event.refund_items.iter().map(|r| (r.sku.clone(), r.quantity)).collect();
    let refund = match event.kind {
        EventKind::Cancelled => Refund::Everything,
        _ => Refund::Units(&units),
    };
    let plan = plan_refund(&order.lines, refund).map_err(|e| ApiError::invalid(e.to_string()))?;
    let now = now_ms();
    let mut writes = Writes::default();
    writes.delivery(&brand.id, delivery_id, &event.order_id, event.kind, now);
    for s in &plan.steps {
        writes.refund_step(&order.row_id, s.line_no, s.from, s.to);
    }
    let (creator_id, link_code) = match (&order.creator_id, &order.link_code) {
        (Some(c), Some(l)) => (c.as_str(), l.as_str()),
        _ => return Err(ApiError::internal("attributed order without creator or link")),
    };
    let mut written = Vec::new();
    for t in &plan.take_backs {
        let sku = order.lines.iter().find(|l| l.line_no == t.line_no).map(|l| l.item.sku.as_str()).unwrap_or("");
        let id = ids::new_id(prefix::COMMISSION).map_err(ApiError::internal)?;
        let entry_kind = match t.kind {
            TakeBackKind::Reversal => EntryKind::Reversal,
            TakeBackKind::Clawback => EntryKind::Clawback,
        };
        let entry = EntryRow {
            id,
            order_id: event.order_id.clone(),
            brand_id: brand.id.clone(),
            creator_id: creator_id.to_string(),
            link_code: link_code.to_string(),
            live_session_id: order.live_session_id.clone(),
            sku: sku.to_string(),
            quantity: t.quantity,
            rate_bps: t.rate_bps,
            base: t.base,
            amount: t.amount,
            currency: order.currency.clone(),
            state: EntryState::Reversed,
            kind: entry_kind,
            created_at: now,
        };
        writes.entry(
            &entry,
            &LedgerKeys {
                order_row_id: &order.row_id,
                line_no: t.line_no,
                parent_id: Some(&t.parent_id),
                event_key: delivery_id,
                approve_after: None,
            },
        );
        if t.kind == TakeBackKind::Reversal {
            writes.pending_parent(&t.parent_id, t.closes_parent);
        }
        written.push(entry);
    }
    if event.kind == EventKind::Cancelled {
        writes.order_state(&order.row_id, OrderState::Cancelled);
    } else if !plan.steps.is_empty() && plan.fully_refunded(&order.lines) {
        writes.order_state(&order.row_id, OrderState::Refunded);
    }
    match orders::commit(db, writes).await? {
        Outcome::Written => Ok(Some(answer("reversed", &event.order_id, written))),
        Outcome::Duplicate => duplicate(db, brand, &event.order_id).await,
        Outcome::Raced => Ok(None),
    }
}
