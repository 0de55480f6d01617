//! `POST /webhooks/{brand_id}`: a brand's store confirms, refunds or cancels an order.
//!
//! Order of work: brand → body (1 MiB) → WooCommerce ping → signature over the raw bytes
//! (nothing is parsed before it passes) → payload → one batch of reads → the ledger plan
//! (pure, `domain::ledger`) → one batch of writes, a transaction.

use crate::clock::now_ms;
use crate::domain::attribution::{attribute, ClickFacts, CodeFacts, Evidence};
use crate::domain::click_id::{self, ClickClaim};
use crate::domain::commission::line_base;
use crate::domain::ids::{self, prefix};
use crate::domain::ledger::{plan_paid, plan_refund, Earner, RateLock, Refund};
use crate::domain::states::{EntryKind, EntryState, Method, OrderState, OrderStatus, SELF_REFERRAL};
use crate::http::json::{self, WEBHOOK_BODY_LIMIT};
use crate::http::{ApiError, ApiResult};
use crate::store::brands::BrandRow;
use crate::store::orders::{self, EntryRow, NewOrder, NewTakeBack, Outcome, PaidQuery, Writes};
use crate::store::{self, Db};
use crate::views::ledger::{order_attribution, render_entry, render_entry_of, AttributionOut, CommissionOut};
use crate::webhooks::{self, EventKind, OrderEvent, PayloadError, Scheme, Secret};
use serde::Serialize;
use worker::{worker_sys, Env, Request, Response};

#[derive(Serialize)]
struct Answer {
    status: &'static str,
    order_id: String,
    commissions: Vec<CommissionOut>,
    /// Whose the order is and why (`null` for an order we never stored).
    attribution: Option<AttributionOut>,
    /// This delivery wrote events (someone listens): they go out after the answer.
    #[serde(skip)]
    events: bool,
}

/// The answer of a delivery, its entries carrying the order's `attribution`.
fn answer(status: &'static str, order_id: &str, entries: Vec<EntryRow>, attribution: Option<AttributionOut>) -> Answer {
    let commissions = entries.into_iter().map(|e| render_entry_of(e, attribution.clone())).collect();
    Answer { status, order_id: order_id.to_string(), commissions, attribution, events: false }
}

fn payload_error(e: PayloadError) -> ApiError {
    match e {
        PayloadError::NotJson(m) => ApiError::bad_json(m),
        PayloadError::Invalid(m) => ApiError::invalid(m),
    }
}

/// How many times a delivery is replanned when its write batch was refused by a guard.
/// Concurrent refunds commute (see `take_back`), so only a refund planned on units that a
/// concurrent one took last (an over-refund) is replanned; each replan finds fewer units
/// left, so it settles in a step or two.
const ATTEMPTS: usize = 8;

pub async fn receive(mut req: Request, env: &Env, ctx: &worker_sys::Context, brand_id: &str) -> ApiResult<Response> {
    let db = store::db(env)?;
    let brand = store::brands::by_id(&db, brand_id).await?.ok_or_else(|| ApiError::not_found("brand"))?;
    let body = json::read_body(&mut req, WEBHOOK_BODY_LIMIT).await?;
    let headers = |name: &str| req.headers().get(name).ok().flatten();
    let scheme = brand.webhook_scheme;
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

    // A signed click id says which click it is, so the order attributes before (or without)
    // the click's row; a forged or altered one says nothing.
    let claim = event
        .click_id
        .as_deref()
        .zip(crate::http::click_secret(env))
        .and_then(|(id, secret)| click_id::verify(secret.as_bytes(), id));
    for _ in 0..ATTEMPTS {
        let step = match event.kind {
            EventKind::Paid => paid(&db, &brand, &event, &delivery_id, claim.as_ref()).await?,
            EventKind::Refunded | EventKind::Cancelled => take_back(&db, &brand, &event, &delivery_id).await?,
        };
        if let Some(a) = step {
            if a.events {
                store::events::drain_after_response(ctx, env, now_ms());
            }
            return json::ok(&a);
        }
    }
    Err(ApiError::conflict("the order kept changing under this delivery; retry it"))
}

async fn duplicate(db: &Db, brand: &BrandRow, order_id: &str) -> ApiResult<Option<Answer>> {
    let entries = orders::entries_of_order(db, &brand.id, order_id).await?;
    let order = orders::order_of_brand(db, &brand.id, order_id).await?;
    let commissions = entries.into_iter().map(render_entry).collect();
    let attribution = order.as_ref().map(order_attribution);
    Ok(Some(Answer { status: "duplicate", order_id: order_id.to_string(), commissions, attribution, events: false }))
}

/// `order.paid`: attribute and write the order, its lines and their commissions.
/// `None` asks the caller to try again.
async fn paid(
    db: &Db,
    brand: &BrandRow,
    event: &OrderEvent,
    delivery_id: &str,
    claim: Option<&ClickClaim>,
) -> ApiResult<Option<Answer>> {
    let skus: Vec<&str> = event.items.iter().map(|i| i.sku.as_str()).collect();
    let now = now_ms();
    let occurred_at = event.occurred_at_ms.unwrap_or(now);
    let query = PaidQuery {
        brand_id: &brand.id,
        delivery_id,
        order_id: &event.order_id,
        click_id: event.click_id.as_deref(),
        claim,
        skus: &skus,
        codes: &event.codes,
        customer_email: event.customer_email.as_deref(),
        order_at: occurred_at,
    };
    let reads = orders::read_for_paid(db, &query).await?;
    if reads.seen.delivery_seen || reads.seen.order_row_id.is_some() {
        return duplicate(db, brand, &event.order_id).await;
    }
    let registered: Vec<CodeFacts<'_>> =
        reads.codes.iter().map(|c| CodeFacts { code: &c.code, active: c.active }).collect();
    let decision = attribute(&Evidence {
        brand_id: &brand.id,
        window_days: brand.attribution_window_days,
        order_at: occurred_at,
        click_id: event.click_id.as_deref(),
        click: reads.click.as_ref().map(|c| ClickFacts {
            brand_id: &c.brand_id,
            link_code: &c.code,
            is_bot: c.is_bot,
            created_at: c.created_at,
        }),
        codes: &event.codes,
        registered: &registered,
    });
    let click = reads.click.as_ref().filter(|_| decision.method == Method::Click);
    let code = decision.code.and_then(|i| reads.codes.get(i)).filter(|_| decision.method == Method::Code);
    let creator_id = click.map(|c| c.creator_id.as_str()).or(code.map(|c| c.creator_id.as_str()));
    // A click locks the rate of its product at the click's time; a code has no click, so
    // every line earns at the rates that stand now.
    let lock = click.map(|c| RateLock { product_id: c.product_id.clone(), rate_bps: c.rate_bps });
    let products = reads.products_for(creator_id);
    let earner = match (&lock, decision.method) {
        (Some(lock), _) => Earner::Click(lock),
        (None, Method::Code) => Earner::AtCurrentRates,
        (None, _) => Earner::Nobody,
    };
    let lines = plan_paid(&event.items, &products, earner).map_err(|e| ApiError::invalid(e.to_string()))?;
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
    if let Some(c) = click.filter(|c| !c.stored) {
        writes.click_placeholder(c);
    }
    // A click's session, or the session whose flash deal ran the winning code then.
    let live_session_id =
        click.and_then(|c| c.live_session_id.as_deref()).or(code.and_then(|c| c.live_session_id.as_deref()));
    let why = match code.and_then(|c| c.live_session_id.as_deref()) {
        Some(session) => format!("{}, during the flash deal of live session {session}", decision.reason),
        None => decision.reason,
    };
    let link_code = click.map(|c| c.code.as_str());
    writes.order(&NewOrder {
        row_id: &order_row_id,
        brand_id: &brand.id,
        external_id: &event.order_id,
        click_id: click.map(|c| c.id.as_str()),
        code_id: code.map(|c| c.id.as_str()),
        creator_id,
        link_code,
        live_session_id,
        currency,
        gmv,
        status: if creator_id.is_some() { OrderStatus::Attributed } else { OrderStatus::Unattributed },
        method: decision.method,
        reason: &why,
        occurred_at,
        created_at: now,
    });
    let approve_after = now + i64::from(brand.hold_days) * crate::domain::attribution::DAY_MS;
    // A creator buying through their own link or code: the commissions are written held.
    let held = creator_id.filter(|c| reads.self_referrers.iter().any(|r| r == c)).map(|_| SELF_REFERRAL);
    let mut written = Vec::new();
    for l in &lines {
        writes.line(&order_row_id, l.line_no, &l.item, l.product_id.as_deref());
        let (Some(creator_id), Some(earned)) = (creator_id, &l.earned) else { continue };
        let id = ids::new_id(prefix::COMMISSION).map_err(ApiError::internal)?;
        let entry = EntryRow {
            id,
            order_id: event.order_id.clone(),
            brand_id: brand.id.clone(),
            creator_id: creator_id.to_string(),
            link_code: link_code.map(str::to_string),
            live_session_id: live_session_id.map(str::to_string),
            sku: l.item.sku.clone(),
            quantity: l.item.quantity,
            rate_bps: earned.rate_bps,
            base: earned.base,
            amount: earned.amount,
            currency: currency.to_string(),
            state: EntryState::Pending,
            kind: EntryKind::Commission,
            created_at: now,
            method: None,
            attributed_click: None,
            attributed_code: None,
            reason: None,
            title: None,
            payout_id: None,
            hold: held.map(str::to_string),
        };
        writes.commission(&entry, &order_row_id, l.line_no, approve_after);
        if let Some(reason) = held {
            writes.hold(&entry.id, reason, now);
        }
        written.push(entry);
    }
    let attribution = AttributionOut {
        method: decision.method,
        click_id: click.map(|c| c.id.clone()),
        code: code.map(|c| c.code.clone()),
        reason: why.clone(),
    };
    match orders::commit(db, writes).await? {
        Outcome::Written(_, events) => {
            let status = if creator_id.is_some() { "attributed" } else { "unattributed" };
            Ok(Some(Answer { events, ..answer(status, &event.order_id, written, Some(attribution)) }))
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
        return Ok(Some(answer("unattributed", &event.order_id, Vec::new(), None)));
    };
    let units: Vec<(String, i64)> = event.refund_items.iter().map(|r| (r.sku.clone(), r.quantity)).collect();
    let refund = match event.kind {
        EventKind::Cancelled => Refund::Everything,
        _ => Refund::Units(&units),
    };
    // Which lines give up how many units, planned on what was read; what each take-back
    // is worth is computed in the write batch from the line as stored then (see
    // `store::orders::TAKE_BACK_SQL`), so concurrent refunds of one order commute.
    let plan = plan_refund(&order.lines, refund).map_err(|e| ApiError::invalid(e.to_string()))?;
    let now = now_ms();
    let mut writes = Writes::default();
    writes.delivery(&brand.id, delivery_id, &event.order_id, event.kind, now);
    let creator_id =
        order.creator_id.as_deref().ok_or_else(|| ApiError::internal("attributed order without a creator"))?;
    let link_code = order.link_code.as_deref();
    for s in &plan.steps {
        writes.refund_units(&order.row_id, s.line_no, s.to - s.from);
    }
    for t in &plan.take_backs {
        let id = ids::new_id(prefix::COMMISSION).map_err(ApiError::internal)?;
        writes.take_back(&NewTakeBack {
            id: &id,
            order_row_id: &order.row_id,
            line_no: t.line_no,
            brand_id: &brand.id,
            creator_id,
            link_code,
            live_session_id: order.live_session_id.as_deref(),
            currency: &order.currency,
            parent_id: &t.parent_id,
            event_key: delivery_id,
            quantity: t.quantity,
            created_at: now,
        });
        writes.close_if_refunded(&t.parent_id, &order.row_id, t.line_no);
    }
    if event.kind == EventKind::Cancelled {
        writes.order_state(&order.row_id, OrderState::Cancelled);
    } else if !plan.steps.is_empty() {
        writes.refunded_order_state(&order.row_id);
    }
    match orders::commit(db, writes).await? {
        Outcome::Written(mut written, events) => {
            for e in &mut written {
                e.order_id.clone_from(&event.order_id);
            }
            let attribution = AttributionOut {
                method: order.method,
                click_id: order.click_id.clone(),
                code: order.attributed_code.clone(),
                reason: order.reason.clone(),
            };
            Ok(Some(Answer { events, ..answer("reversed", &event.order_id, written, Some(attribution)) }))
        }
        Outcome::Duplicate => duplicate(db, brand, &event.order_id).await,
        Outcome::Raced => Ok(None),
    }
}
