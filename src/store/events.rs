//! Outgoing events: the `webhook_endpoints`, the `events` outbox and `event_deliveries`.
//! An event row is written by the same D1 batch as the change it reports (the statements
//! below that the ledger's and the payouts' batches include), and only when someone listens;
//! [`drain_after_response`] then hands new rows to the `EVENTS` queue, whose consumer
//! (`delivery.rs`) sends them. The scheduled job drains what a failed hand-over left.

use super::d1::{all, batch, first, int, opt_text, run, text, Db, Stmt};
use super::{Keyset, Owner, StoreError, StoreResult};
use worker::js_sys::Promise;
use worker::wasm_bindgen::prelude::wasm_bindgen;
use worker::wasm_bindgen_futures::JsFuture;
use worker::{worker_sys, Env};

/// Someone listens to events of brand `?B` or creator `?C` (an SQL condition; the
/// statements below write an event only then).
macro_rules! listened {
    ($b:literal, $c:literal) => {
        concat!(
            "EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.active = 1 AND (w.brand_id = ",
            $b,
            " OR w.creator_id = ",
            $c,
            "))"
        )
    };
}

/// `order.attributed` of order row `?1` of brand `?2`, at `?3` (for the brand only).
pub const ORDER_ATTRIBUTED: &str = concat!(
    "INSERT INTO events (id, type, brand_id, subject_id, created_at) \
     SELECT 'evt_oa_' || substr(?1, 5), 'order.attributed', ?2, ?1, ?3 WHERE ",
    listened!("?2", "NULL")
);

/// `commission.created` of entry `?1` (brand `?2`, creator `?3`), at `?4`.
pub const COMMISSION_CREATED: &str = concat!(
    "INSERT INTO events (id, type, brand_id, creator_id, subject_id, created_at) \
     SELECT 'evt_cc_' || substr(?1, 4), 'commission.created', ?2, ?3, ?1, ?4 WHERE ",
    listened!("?2", "?3")
);

/// `commission.reversed` of take-back `?1` if the batch wrote it, at `?2`.
pub const COMMISSION_REVERSED: &str = concat!(
    "INSERT INTO events (id, type, brand_id, creator_id, subject_id, created_at) \
     SELECT 'evt_cr_' || substr(e.id, 4), 'commission.reversed', e.brand_id, e.creator_id, e.id, ?2 \
     FROM commissions e WHERE e.id = ?1 AND ",
    listened!("e.brand_id", "e.creator_id")
);

/// `commission.approved` of every commission the approval job is about to approve at `?1`
/// (it runs before the job's UPDATE, in the same batch).
pub const COMMISSIONS_APPROVED: &str = concat!(
    "INSERT INTO events (id, type, brand_id, creator_id, subject_id, created_at) \
     SELECT 'evt_ca_' || substr(e.id, 4), 'commission.approved', e.brand_id, e.creator_id, e.id, ?1 \
     FROM commissions e WHERE e.kind = 'commission' AND e.state = 'pending' AND e.approve_after <= ?1 \
       AND NOT EXISTS (SELECT 1 FROM commission_holds h WHERE h.entry_id = e.id AND h.state = 'held') AND ",
    listened!("e.brand_id", "e.creator_id")
);

/// `payout.created` of brand `?1`'s payouts whose ids are the first items of the JSON array
/// `?2`, at `?3`.
pub const PAYOUTS_CREATED: &str = concat!(
    "INSERT INTO events (id, type, brand_id, creator_id, subject_id, created_at) \
     SELECT 'evt_pc_' || substr(po.id, 4), 'payout.created', po.brand_id, po.creator_id, po.id, ?3 \
     FROM payouts po WHERE po.id IN (SELECT json_extract(value, '$[0]') FROM json_each(?2)) AND po.brand_id = ?1 \
     AND ",
    listened!("po.brand_id", "po.creator_id")
);

/// `payout.paid` of payout `?1` of brand `?2` once it is paid, at `?3` (again: no change).
pub const PAYOUT_PAID: &str = concat!(
    "INSERT OR IGNORE INTO events (id, type, brand_id, creator_id, subject_id, created_at) \
     SELECT 'evt_pp_' || substr(po.id, 4), 'payout.paid', po.brand_id, po.creator_id, po.id, ?3 \
     FROM payouts po WHERE po.id = ?1 AND po.brand_id = ?2 AND po.state = 'paid' AND ",
    listened!("po.brand_id", "po.creator_id")
);

/// Claims up to 100 events not yet handed to the queue (or handed over more than an hour
/// ago and still not done: a hand-over that failed after the claim), oldest first.
const DRAIN_SQL: &str = "UPDATE events SET enqueued_at = ?1 WHERE rowid IN (SELECT rowid FROM events \
     WHERE done_at IS NULL AND (enqueued_at IS NULL OR enqueued_at < ?2) ORDER BY rowid LIMIT 100) \
     RETURNING rowid AS seq, id";
const STALE_MS: i64 = 3_600_000;

#[wasm_bindgen(
    wasm_bindgen = ::worker::wasm_bindgen,
    js_sys = ::worker::js_sys,
    // env.DB and env.EVENTS: the bindings of wrangler.toml.
    inline_js = "export function events_drain(ctx, env, sql, now, stale) {
  const db = env.DB, queue = env.EVENTS;
  const run = async () => {
    if (db === undefined || queue === undefined) return;
    const { results } = await db.prepare(sql).bind(now, stale).all();
    results.sort((a, b) => a.seq - b.seq);
    if (results.length > 0) await queue.sendBatch(results.map((r) => ({ body: r.id })));
  };
  const done = run().catch((e) => console.error('events not queued yet (the scheduled job will): ' + e));
  if (ctx) ctx.waitUntil(done);
  return done;
}
export async function post_event(url, headers, body, timeout) {
  try {
    const r = await fetch(url, { method: 'POST', headers: JSON.parse(headers), body, redirect: 'manual',
      signal: AbortSignal.timeout(timeout) });
    await r.body?.cancel();
    return r.status;
  } catch (e) { return 0; }
}"
)]
extern "C" {
    fn events_drain(ctx: Option<&worker_sys::Context>, env: &Env, sql: &str, now: f64, stale: f64) -> Promise;
    fn post_event(url: &str, headers: &str, body: &str, timeout: u32) -> Promise;
}

/// Hands new events to the queue after the response (nothing to do costs one D1 call).
pub fn drain_after_response(ctx: &worker_sys::Context, env: &Env, now: i64) {
    let _ = events_drain(Some(ctx), env, DRAIN_SQL, now as f64, (now - STALE_MS) as f64);
}

/// The same, awaited (the scheduled job).
pub async fn drain(env: &Env, now: i64) {
    let _ = JsFuture::from(events_drain(None, env, DRAIN_SQL, now as f64, (now - STALE_MS) as f64)).await;
}

/// POSTs `body` with `headers` (a JSON object): the status, or 0 for no answer within
/// `timeout_ms` or no connection. Redirects are not followed (they answer 3xx, a failure).
pub async fn post(url: &str, headers: &str, body: &str, timeout_ms: u32) -> u16 {
    let status = JsFuture::from(post_event(url, headers, body, timeout_ms)).await;
    status.ok().and_then(|v| v.as_f64()).map_or(0, |s| s as u16)
}

row! {
    #[derive(Debug, Clone)]
    pub struct EndpointRow {
        pub id: String,
        pub brand_id: Option<String>,
        pub creator_id: Option<String>,
        pub url: String,
        pub events: String,
        pub secret: String,
        pub active: bool,
        pub created_at: i64,
    }
}

macro_rules! endpoint_columns {
    () => {
        "SELECT w.id, w.brand_id, w.creator_id, w.url, w.events, w.secret, w.active, w.created_at \
         FROM webhook_endpoints w "
    };
}

pub async fn insert_endpoint(db: &Db, e: &EndpointRow) -> StoreResult<()> {
    run(
        db,
        "INSERT INTO webhook_endpoints (id, brand_id, creator_id, url, events, secret, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?)",
        &[
            text(&e.id),
            opt_text(e.brand_id.as_deref()),
            opt_text(e.creator_id.as_deref()),
            text(&e.url),
            text(&e.events),
            text(&e.secret),
            int(e.created_at),
        ],
    )
    .await
    .map(drop)
}

pub async fn endpoints(db: &Db, owner: Owner<'_>, page: &Keyset) -> StoreResult<Vec<EndpointRow>> {
    let (sql, id) = match owner {
        Owner::Brand(id) => (concat!(endpoint_columns!(), "WHERE w.brand_id = ?1 AND ", keyset_sql!("w")), id),
        Owner::Creator(id) => (concat!(endpoint_columns!(), "WHERE w.creator_id = ?1 AND ", keyset_sql!("w")), id),
    };
    all(db, sql, &page.params(vec![text(id)])).await
}

/// One of `owner`'s endpoints.
pub async fn endpoint(db: &Db, owner: Owner<'_>, id: &str) -> StoreResult<Option<EndpointRow>> {
    let (sql, o) = match owner {
        Owner::Brand(o) => (concat!(endpoint_columns!(), "WHERE w.id = ?1 AND w.brand_id = ?2"), o),
        Owner::Creator(o) => (concat!(endpoint_columns!(), "WHERE w.id = ?1 AND w.creator_id = ?2"), o),
    };
    first(db, sql, &[text(id), text(o)]).await
}

/// Switches one of `owner`'s endpoints off (again: no change).
pub async fn deactivate(db: &Db, owner: Owner<'_>, id: &str) -> StoreResult<Option<EndpointRow>> {
    let sql = match owner {
        Owner::Brand(_) => {
            "UPDATE webhook_endpoints SET active = 0 WHERE id = ?1 AND brand_id = ?2 \
             RETURNING id, brand_id, creator_id, url, events, secret, active, created_at"
        }
        Owner::Creator(_) => {
            "UPDATE webhook_endpoints SET active = 0 WHERE id = ?1 AND creator_id = ?2 \
             RETURNING id, brand_id, creator_id, url, events, secret, active, created_at"
        }
    };
    let (Owner::Brand(o) | Owner::Creator(o)) = owner;
    first(db, sql, &[text(id), text(o)]).await
}

/// A `ping` for endpoint `e`, written and handed to the queue after the response.
pub async fn ping(db: &Db, e: &EndpointRow, event_id: &str, now: i64) -> StoreResult<()> {
    run(
        db,
        "INSERT INTO events (id, type, brand_id, creator_id, endpoint_id, subject_id, created_at) \
         VALUES (?1, 'ping', ?2, ?3, ?4, ?4, ?5)",
        &[text(event_id), opt_text(e.brand_id.as_deref()), opt_text(e.creator_id.as_deref()), text(&e.id), int(now)],
    )
    .await
    .map(drop)
}

row! {
    #[derive(Debug)]
    pub struct DeliveryRow {
        pub id: String,
        pub event_id: String,
        pub kind: String,
        pub attempt: i64,
        pub status_code: Option<i64>,
        pub ok: bool,
        pub created_at: i64,
    }
}

/// An endpoint's delivery attempts, newest first.
pub async fn deliveries(db: &Db, endpoint_id: &str, page: &Keyset) -> StoreResult<Vec<DeliveryRow>> {
    all(
        db,
        concat!(
            "SELECT d.id, d.event_id, ev.type AS kind, d.attempt, d.status_code, d.ok, d.created_at \
             FROM event_deliveries d JOIN events ev ON ev.id = d.event_id WHERE d.endpoint_id = ?1 AND ",
            keyset_sql!("d")
        ),
        &page.params(vec![text(endpoint_id)]),
    )
    .await
}

row! {
    #[derive(Debug)]
    pub struct EventRow {
        pub id: String,
        pub kind: String,
        pub brand_id: Option<String>,
        pub creator_id: Option<String>,
        pub endpoint_id: Option<String>,
        pub subject_id: String,
        pub body: Option<String>,
        pub created_at: i64,
        pub done_at: Option<i64>,
    }
}

pub async fn event(db: &Db, id: &str) -> StoreResult<Option<EventRow>> {
    first(
        db,
        "SELECT id, type AS kind, brand_id, creator_id, endpoint_id, subject_id, body, created_at, done_at \
         FROM events WHERE id = ?",
        &[text(id)],
    )
    .await
}

row! {
    #[derive(Debug)]
    struct Body {
        body: String,
    }
}

/// Fixes the event's body (the first attempt's): what is stored afterwards, whoever won.
pub async fn fix_body(db: &Db, id: &str, body: &str) -> StoreResult<String> {
    let row: Option<Body> =
        first(db, "UPDATE events SET body = COALESCE(body, ?2) WHERE id = ?1 RETURNING body", &[text(id), text(body)])
            .await?;
    row.map(|r| r.body).ok_or_else(|| StoreError::D1(format!("event {id} is gone")))
}

row! {
    /// An endpoint an event still has to reach, and how often it was tried there.
    #[derive(Debug)]
    pub struct Target {
        pub id: String,
        pub url: String,
        pub secret: String,
        pub attempts: i64,
    }
}

/// Where `e` still has to go: a ping to its endpoint; else the active endpoints of its
/// brand, and of its creator (commissions and payouts), subscribed to its type, that have
/// not answered it with a 2xx yet and have attempts left.
pub async fn targets(db: &Db, e: &EventRow) -> StoreResult<Vec<Target>> {
    all(
        db,
        "SELECT w.id, w.url, w.secret, \
           (SELECT COUNT(*) FROM event_deliveries d WHERE d.event_id = ?1 AND d.endpoint_id = w.id) AS attempts \
         FROM webhook_endpoints w \
         WHERE CASE WHEN ?5 IS NOT NULL THEN w.id = ?5 \
           ELSE w.active = 1 AND (w.events = '*' OR instr(w.events, ' ' || ?2 || ' ') > 0) \
             AND (w.brand_id = ?3 OR (w.creator_id = ?4 AND ?2 <> 'order.attributed')) END \
           AND NOT EXISTS (SELECT 1 FROM event_deliveries d WHERE d.event_id = ?1 AND d.endpoint_id = w.id AND d.ok = 1) \
           AND (SELECT COUNT(*) FROM event_deliveries d WHERE d.event_id = ?1 AND d.endpoint_id = w.id) < ?6 \
         ORDER BY w.id",
        &[
            text(&e.id),
            text(&e.kind),
            opt_text(e.brand_id.as_deref()),
            opt_text(e.creator_id.as_deref()),
            opt_text(e.endpoint_id.as_deref()),
            int(crate::domain::events::MAX_ATTEMPTS.into()),
        ],
    )
    .await
}

/// One attempt's outcome at one endpoint.
pub struct Attempt<'a> {
    pub id: String,
    pub endpoint_id: &'a str,
    pub attempt: i64,
    pub status: u16,
    pub ok: bool,
    /// The last attempt there: the endpoint's run of failed events grows (or is reset).
    pub last: bool,
}

/// Records the attempts of one round and what they mean for the endpoints, and marks the
/// event done when nothing is left to try: one batch.
pub async fn record(db: &Db, event_id: &str, attempts: &[Attempt<'_>], done: bool, now: i64) -> StoreResult<()> {
    let mut statements = Vec::with_capacity(attempts.len() * 2 + 1);
    for a in attempts {
        let status = if a.status == 0 { super::d1::Param::Null } else { int(a.status.into()) };
        statements.push(Stmt::new(
            "INSERT OR IGNORE INTO event_deliveries (id, event_id, endpoint_id, attempt, status_code, ok, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
            vec![text(&a.id), text(event_id), text(a.endpoint_id), int(a.attempt), status, int(a.ok.into()), int(now)],
        ));
        if a.ok {
            statements.push(Stmt::new(
                "UPDATE webhook_endpoints SET failed_streak = 0 WHERE id = ? AND failed_streak > 0",
                vec![text(a.endpoint_id)],
            ));
        } else if a.last {
            statements.push(Stmt::new(
                "UPDATE webhook_endpoints SET failed_streak = failed_streak + 1, \
                 active = CASE WHEN failed_streak + 1 >= ?2 THEN 0 ELSE active END WHERE id = ?1",
                vec![text(a.endpoint_id), int(crate::domain::events::DEACTIVATE_AFTER)],
            ));
        }
    }
    if done {
        statements.push(Stmt::new("UPDATE events SET done_at = ?2 WHERE id = ?1", vec![text(event_id), int(now)]));
    }
    if statements.is_empty() {
        return Ok(());
    }
    batch(db, &statements).await.map(drop).map_err(StoreError::from)
}
