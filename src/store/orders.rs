//! Orders, their lines, webhook deliveries and the commission ledger.
//!
//! A webhook costs three D1 round trips after the brand lookup: one batch of reads, one
//! batch of writes (a transaction), and nothing else. Idempotency is the schema's:
//! UNIQUE (brand, delivery id) and UNIQUE (brand, order id) make a second copy fail the
//! whole write batch, however the copies race.

use super::d1::{batch, int, opt_int, opt_text, text, D1Error, FromRow, Param, Row, Stmt};
use super::Keyset;
use super::{events, Db};
use super::{StoreError, StoreResult};
use crate::domain::click_id::ClickClaim;
use crate::domain::commission::RateInputs;
use crate::domain::ledger::{LineItem, ProductRate, StoredCommission, StoredLine};
use crate::domain::states::{EntryKind, EntryState, Method, OrderState, OrderStatus};
use crate::webhooks::EventKind;

row! {
    /// What a delivery finds already stored.
    #[derive(Debug)]
    pub struct Seen {
        pub delivery_seen: bool,
        pub order_row_id: Option<String>,
        pub order_status: Option<OrderStatus>,
    }
}

row! {
    /// A click as attribution needs it: its stored row, or what a genuine signed click id says
    /// of a click whose row the queue has not written yet (`stored` false).
    #[derive(Debug, Clone)]
    pub struct ClickRow {
        pub id: String,
        pub link_id: String,
        pub stored: bool,
        pub brand_id: String,
        pub creator_id: String,
        pub product_id: String,
        pub live_session_id: Option<String>,
        pub rate_bps: u32,
        pub created_at: i64,
        pub is_bot: bool,
        pub code: String,
    }
}

row! {
    struct ProductRateRow {
        /// The candidate creator these rates are for (`None`: no candidate).
        creator_id: Option<String>,
        product_id: String,
        sku: String,
        targeted_product: Option<u32>,
        targeted_all: Option<u32>,
        product: Option<u32>,
        brand_default: u32,
        /// The candidate's own email is the order's customer email.
        self_referral: bool,
    }
}

row! {
    /// One of the brand's codes that an order carries (any case).
    #[derive(Debug, Clone)]
    pub struct CodeMatch {
        pub id: String,
        pub code: String,
        pub creator_id: String,
        pub active: bool,
        /// The live session whose flash deal ran this code at the order's time.
        pub live_session_id: Option<String>,
    }
}

/// What a paid order needs to read, in one round trip.
pub struct PaidReads {
    pub seen: Seen,
    pub click: Option<ClickRow>,
    /// The brand's codes among the order's.
    pub codes: Vec<CodeMatch>,
    /// The order's products with their rates for each candidate creator (the click's,
    /// and the creators of the active codes), since which one wins is decided after.
    rates: Vec<(Option<String>, ProductRate)>,
    /// The candidate creators whose own email is the order's customer email.
    pub self_referrers: Vec<String>,
}

impl PaidReads {
    /// The order's products at the rates that stand for `creator` (any rates without one:
    /// nothing earns then).
    pub fn products_for(&self, creator: Option<&str>) -> Vec<ProductRate> {
        let mut out: Vec<ProductRate> = Vec::new();
        for (c, p) in &self.rates {
            let mine = creator.is_none() || c.as_deref() == creator;
            if mine && !out.iter().any(|o| o.product_id == p.product_id) {
                out.push(p.clone());
            }
        }
        out
    }
}

const SEEN_SQL: &str =
    "SELECT EXISTS (SELECT 1 FROM webhook_deliveries WHERE brand_id = ?1 AND delivery_id = ?2) AS delivery_seen, \
     (SELECT id FROM orders WHERE brand_id = ?1 AND external_id = ?3) AS order_row_id, \
     (SELECT status FROM orders WHERE brand_id = ?1 AND external_id = ?3) AS order_status";

/// The click an order names: its stored row, else — for a genuine signed id (`claim`) — the
/// click as its link and the rates in force at its time make it (`?1` id, `?2` time,
/// `?3` bot flag, `?4` link id).
const CLICK_SQL: &str = concat!(
    "SELECT id, link_id, 1 AS stored, brand_id, creator_id, product_id, live_session_id, rate_bps, created_at, \
     is_bot, code FROM clicks WHERE id = ?1 \
     UNION ALL SELECT ?1, l.id, 0, l.brand_id, l.creator_id, l.product_id, l.live_session_id, ",
    super::rates::rate_at!("l.brand_id", "l.creator_id", "l.product_id", "CAST(?2 AS INTEGER)"),
    ", CAST(?2 AS INTEGER), CAST(?3 AS INTEGER), l.code FROM links l \
     WHERE l.id = ?4 AND NOT EXISTS (SELECT 1 FROM clicks WHERE id = ?1)"
);

/// What a paid order is looked up by.
pub struct PaidQuery<'a> {
    pub brand_id: &'a str,
    pub delivery_id: &'a str,
    pub order_id: &'a str,
    pub click_id: Option<&'a str>,
    pub claim: Option<&'a ClickClaim>,
    pub skus: &'a [&'a str],
    pub codes: &'a [String],
    /// Normalized (`webhooks::event::customer_email`); compared in SQL, never stored.
    pub customer_email: Option<&'a str>,
    /// When the order happened, epoch ms: which flash deal was running then.
    pub order_at: i64,
}

pub async fn read_for_paid(db: &Db, q: &PaidQuery<'_>) -> StoreResult<PaidReads> {
    let PaidQuery { brand_id, delivery_id, order_id, click_id, claim, skus, codes, customer_email, order_at } = *q;
    let skus_json = serde_json::to_string(skus).map_err(|e| StoreError::D1(format!("skus: {e}")))?;
    let codes_json = serde_json::to_string(codes).map_err(|e| StoreError::D1(format!("codes: {e}")))?;
    let statements = [
        Stmt::new(SEEN_SQL, vec![text(brand_id), text(delivery_id), text(order_id)]),
        Stmt::new(
            CLICK_SQL,
            vec![
                opt_text(click_id),
                opt_int(claim.map(|c| c.at)),
                int(claim.is_some_and(|c| c.is_bot).into()),
                opt_text(claim.map(|c| c.link_id.as_str())),
            ],
        ),
        // Rate inputs for each candidate creator: the click's, and those of the order's
        // active codes (`code` is NOCASE: `IN` compares ignoring case).
        Stmt::new(
            "SELECT c.creator_id, p.id AS product_id, p.sku, p.commission_bps AS product, b.default_commission_bps AS brand_default, \
             (SELECT commission_bps FROM collaborations k WHERE k.brand_id = p.brand_id AND k.creator_id = c.creator_id AND k.scope = p.id) AS targeted_product, \
             (SELECT commission_bps FROM collaborations k WHERE k.brand_id = p.brand_id AND k.creator_id = c.creator_id AND k.scope = '') AS targeted_all, \
             COALESCE((SELECT lower(trim(email)) = ?6 FROM creators WHERE id = c.creator_id), 0) AS self_referral \
             FROM products p JOIN brands b ON b.id = p.brand_id \
             LEFT JOIN (SELECT creator_id FROM (SELECT COALESCE((SELECT creator_id FROM clicks WHERE id = ?2), \
               (SELECT creator_id FROM links WHERE id = ?4)) AS creator_id) WHERE creator_id IS NOT NULL \
               UNION SELECT creator_id FROM creator_codes WHERE brand_id = ?1 AND active = 1 \
               AND code IN (SELECT value FROM json_each(?5))) c \
             WHERE p.brand_id = ?1 AND p.sku IN (SELECT value FROM json_each(?3))",
            vec![
                text(brand_id),
                opt_text(click_id),
                text(&skus_json),
                opt_text(claim.map(|c| c.link_id.as_str())),
                text(&codes_json),
                opt_text(customer_email),
            ],
        ),
        Stmt::new(
            "SELECT c.id, c.code, c.creator_id, c.active, (SELECT d.live_session_id FROM live_deals d \
               WHERE d.code_id = c.id AND d.starts_at <= ?3 AND d.ends_at > ?3 ORDER BY d.starts_at DESC LIMIT 1) \
             AS live_session_id FROM creator_codes c WHERE c.brand_id = ?1 AND c.code IN (SELECT value FROM json_each(?2))",
            vec![text(brand_id), text(&codes_json), int(order_at)],
        ),
    ];
    let results = batch(db, &statements).await?;
    let [seen, click, products, codes] = results.as_slice() else {
        return Err(StoreError::D1("read batch answered the wrong number of results".into()));
    };
    let seen = seen.results::<Seen>()?.into_iter().next().ok_or_else(|| StoreError::D1("no seen row".into()))?;
    let click = click.results::<ClickRow>()?.into_iter().next();
    let mut self_referrers = Vec::new();
    let rates = products
        .results::<ProductRateRow>()?
        .into_iter()
        .map(|r| {
            if let (true, Some(c)) = (r.self_referral, &r.creator_id) {
                self_referrers.push(c.clone());
            }
            let rates = RateInputs {
                targeted_product: r.targeted_product,
                targeted_all: r.targeted_all,
                product: r.product,
                brand_default: r.brand_default,
            };
            (r.creator_id, ProductRate { product_id: r.product_id, sku: r.sku, rates })
        })
        .collect();
    Ok(PaidReads { seen, click, codes: codes.results()?, rates, self_referrers })
}

row! {
    struct StoredLineRow {
        line_no: u32,
        sku: String,
        quantity: i64,
        unit_price: i64,
        discount: i64,
        refunded_quantity: i64,
        commission_id: Option<String>,
        rate_bps: Option<u32>,
        state: Option<EntryState>,
    }
}

/// The order a refund or cancel names, with its lines and their commission entries.
pub struct StoredOrder {
    pub row_id: String,
    pub status: OrderStatus,
    pub creator_id: Option<String>,
    pub link_code: Option<String>,
    pub live_session_id: Option<String>,
    pub currency: String,
    pub method: Method,
    pub click_id: Option<String>,
    pub attributed_code: Option<String>,
    pub reason: String,
    /// Read by a second statement of the same batch.
    pub lines: Vec<StoredLine>,
}

impl FromRow for StoredOrder {
    fn from_row(row: Row<'_>) -> Result<StoredOrder, D1Error> {
        let mut failed = None;
        let order = StoredOrder {
            row_id: row.read("id", &mut failed),
            status: row.read("status", &mut failed),
            creator_id: row.read("creator_id", &mut failed),
            link_code: row.read("link_code", &mut failed),
            live_session_id: row.read("live_session_id", &mut failed),
            currency: row.read("currency", &mut failed),
            method: row.read("method", &mut failed),
            click_id: row.read("click_id", &mut failed),
            attributed_code: row.read("attributed_code", &mut failed),
            reason: row.read("reason", &mut failed),
            lines: Vec::new(),
        };
        failed.map_or(Ok(order), Err)
    }
}

pub async fn read_for_refund(
    db: &Db,
    brand_id: &str,
    delivery_id: &str,
    order_id: &str,
) -> StoreResult<(Seen, Option<StoredOrder>)> {
    let statements = [
        Stmt::new(SEEN_SQL, vec![text(brand_id), text(delivery_id), text(order_id)]),
        Stmt::new(
            "SELECT o.id, o.status, o.creator_id, o.link_code, o.live_session_id, o.currency, o.method, o.click_id, \
             dc.code AS attributed_code, o.reason FROM orders o LEFT JOIN creator_codes dc ON dc.id = o.code_id \
             WHERE o.brand_id = ? AND o.external_id = ?",
            vec![text(brand_id), text(order_id)],
        ),
        Stmt::new(
            "SELECT l.line_no, l.sku, l.quantity, l.unit_price, l.discount, l.refunded_quantity, \
             c.id AS commission_id, c.rate_bps, c.state \
             FROM order_lines l LEFT JOIN commissions c \
               ON c.order_id = l.order_id AND c.line_no = l.line_no AND c.kind = 'commission' \
             WHERE l.order_id = (SELECT id FROM orders WHERE brand_id = ? AND external_id = ?) \
             ORDER BY l.line_no",
            vec![text(brand_id), text(order_id)],
        ),
    ];
    let results = batch(db, &statements).await?;
    let [seen, head, lines] = results.as_slice() else {
        return Err(StoreError::D1("read batch answered the wrong number of results".into()));
    };
    let seen = seen.results::<Seen>()?.into_iter().next().ok_or_else(|| StoreError::D1("no seen row".into()))?;
    let Some(mut order) = head.results::<StoredOrder>()?.into_iter().next() else {
        return Ok((seen, None));
    };
    order.lines = lines
        .results::<StoredLineRow>()?
        .into_iter()
        .map(|r| StoredLine {
            line_no: r.line_no,
            item: LineItem { sku: r.sku, quantity: r.quantity, unit_price: r.unit_price, discount: r.discount },
            refunded_quantity: r.refunded_quantity,
            commission: match (r.commission_id, r.rate_bps, r.state) {
                (Some(id), Some(rate_bps), Some(state)) => Some(StoredCommission { id, rate_bps, state }),
                _ => None,
            },
        })
        .collect();
    Ok((seen, Some(order)))
}

/// Statements of one write batch, built up by the webhook route.
#[derive(Default)]
pub struct Writes {
    pub statements: Vec<Stmt>,
    /// The statements whose rows (ledger entries) the batch answers.
    answered: Vec<usize>,
    /// The statements that write an event (only when someone listens: see `store::events`).
    events: Vec<usize>,
}

/// A take-back to compute and write ([`Writes::take_back`]).
pub struct NewTakeBack<'a> {
    pub id: &'a str,
    pub order_row_id: &'a str,
    pub line_no: u32,
    pub brand_id: &'a str,
    pub creator_id: &'a str,
    pub link_code: Option<&'a str>,
    pub live_session_id: Option<&'a str>,
    pub currency: &'a str,
    /// The commission it takes from.
    pub parent_id: &'a str,
    /// The delivery's id: one take-back per line and delivery (UNIQUE).
    pub event_key: &'a str,
    /// Units refunded.
    pub quantity: i64,
    pub created_at: i64,
}

/// Writes the take-back of units just refunded, computing it from the line as the batch
/// finds it, so that concurrent refunds commute. (D1 binds a JS number as REAL: the one
/// bound number in the arithmetic is cast to INTEGER, or `/` would not be the floor.) It is `domain::commission::
/// reversal_for_refund` in SQL, exactly:
/// - remaining base of `n` units: `u·n − floor(d·n / q)`, the floor taken as
///   `(d / q)·n + ((d % q)·n) / q` so that no product overflows 64 bits (`u·q ≤ MAX_AMOUNT`,
///   `d ≤ u·q`, `q ≤ MAX_QUANTITY`);
/// - commission on a base `b`: `floor(b · bps / 10000)`, as `(b / 10000)·bps +
///   ((b % 10000)·bps) / 10000` (every operand is non-negative: `/` is the floor);
/// - the take-back: the commission on what remained before (`q − refunded + take`) less the
///   commission on what remains (`q − refunded`), negative; a clawback when the parent is no
///   longer pending. Nothing is written for a parent already reversed.
pub const TAKE_BACK_SQL: &str = "WITH n AS (\
       SELECT l.order_id, l.line_no, l.sku, l.unit_price AS u, l.quantity AS q, l.discount AS d, \
         l.quantity - l.refunded_quantity + CAST(?11 AS INTEGER) AS before_n, l.quantity - l.refunded_quantity AS after_n, \
         p.id AS parent_id, p.rate_bps AS bps, p.state AS parent_state \
       FROM order_lines l JOIN commissions p ON p.id = ?9 AND p.order_id = l.order_id AND p.line_no = l.line_no \
       WHERE l.order_id = ?2 AND l.line_no = ?3 AND p.state <> 'reversed'), \
     b AS (SELECT *, \
         u * before_n - ((d / q) * before_n + ((d % q) * before_n) / q) AS before_b, \
         u * after_n - ((d / q) * after_n + ((d % q) * after_n) / q) AS after_b FROM n) \
     INSERT INTO commissions (id, order_id, line_no, brand_id, creator_id, link_code, live_session_id, sku, \
       quantity, rate_bps, base, amount, currency, state, kind, parent_id, event_key, approve_after, created_at) \
     SELECT ?1, order_id, line_no, ?4, ?5, ?6, ?7, sku, ?11, bps, after_b - before_b, \
       ((after_b / 10000) * bps + ((after_b % 10000) * bps) / 10000) \
         - ((before_b / 10000) * bps + ((before_b % 10000) * bps) / 10000), \
       ?8, 'reversed', CASE parent_state WHEN 'pending' THEN 'reversal' ELSE 'clawback' END, parent_id, ?10, NULL, ?12 \
     FROM b WHERE true \
     RETURNING id, '' AS order_id, brand_id, creator_id, link_code, live_session_id, sku, quantity, rate_bps, base, \
       amount, currency, state, kind, created_at, NULL AS method, NULL AS attributed_click, NULL AS attributed_code, \
       NULL AS reason, NULL AS title, NULL AS payout_id, NULL AS hold";

pub struct NewOrder<'a> {
    pub row_id: &'a str,
    pub brand_id: &'a str,
    pub external_id: &'a str,
    pub click_id: Option<&'a str>,
    pub code_id: Option<&'a str>,
    pub creator_id: Option<&'a str>,
    pub link_code: Option<&'a str>,
    pub live_session_id: Option<&'a str>,
    pub currency: &'a str,
    pub gmv: i64,
    pub status: OrderStatus,
    pub method: Method,
    pub reason: &'a str,
    pub occurred_at: i64,
    pub created_at: i64,
}

impl Writes {
    fn push(&mut self, sql: &'static str, params: Vec<Param>) {
        self.statements.push(Stmt::new(sql, params));
    }

    fn push_event(&mut self, sql: &'static str, params: Vec<Param>) {
        self.events.push(self.statements.len());
        self.push(sql, params);
    }

    pub fn delivery(&mut self, brand_id: &str, delivery_id: &str, order_id: &str, kind: EventKind, now: i64) {
        let kind = match kind {
            EventKind::Paid => "paid",
            EventKind::Refunded => "refunded",
            EventKind::Cancelled => "cancelled",
        };
        self.push(
            "INSERT INTO webhook_deliveries (brand_id, delivery_id, order_id, kind, received_at) VALUES (?,?,?,?,?)",
            vec![text(brand_id), text(delivery_id), text(order_id), text(kind), int(now)],
        );
    }

    /// The row of a click the queue has not written yet, so that the order can name it (a
    /// foreign key): the queue's consumer fills it in and counts it, once.
    pub fn click_placeholder(&mut self, c: &ClickRow) {
        self.push(
            "INSERT OR IGNORE INTO clicks (id, link_id, code, creator_id, brand_id, product_id, live_session_id, \
             rate_bps, created_at, device, visitor_hash, is_bot, is_unique) VALUES (?,?,?,?,?,?,?,?,?,'unknown','',?,0)",
            vec![
                text(&c.id),
                text(&c.link_id),
                text(&c.code),
                text(&c.creator_id),
                text(&c.brand_id),
                text(&c.product_id),
                opt_text(c.live_session_id.as_deref()),
                int(c.rate_bps.into()),
                int(c.created_at),
                int(c.is_bot.into()),
            ],
        );
    }

    pub fn order(&mut self, o: &NewOrder<'_>) {
        self.push(
            "INSERT INTO orders (id, brand_id, external_id, click_id, code_id, creator_id, link_code, live_session_id, \
             currency, gmv, status, occurred_at, created_at, method, reason) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            vec![
                text(o.row_id),
                text(o.brand_id),
                text(o.external_id),
                opt_text(o.click_id),
                opt_text(o.code_id),
                opt_text(o.creator_id),
                opt_text(o.link_code),
                opt_text(o.live_session_id),
                text(o.currency),
                int(o.gmv),
                text(o.status.as_str()),
                int(o.occurred_at),
                int(o.created_at),
                text(o.method.as_str()),
                text(o.reason),
            ],
        );
        if o.status == OrderStatus::Attributed {
            self.push_event(events::ORDER_ATTRIBUTED, vec![text(o.row_id), text(o.brand_id), int(o.created_at)]);
        }
    }

    pub fn line(&mut self, order_row_id: &str, line_no: u32, item: &LineItem, product_id: Option<&str>) {
        self.push(
            "INSERT INTO order_lines (order_id, line_no, sku, product_id, quantity, unit_price, discount) \
             VALUES (?,?,?,?,?,?,?)",
            vec![
                text(order_row_id),
                int(line_no.into()),
                text(&item.sku),
                opt_text(product_id),
                int(item.quantity),
                int(item.unit_price),
                int(item.discount),
            ],
        );
    }

    /// Writes a line's commission `e` (the record the webhook also answers with), pending
    /// until `approve_after`. Take-backs are written by [`Writes::take_back`].
    pub fn commission(&mut self, e: &EntryRow, order_row_id: &str, line_no: u32, approve_after: i64) {
        self.push(
            "INSERT INTO commissions (id, order_id, line_no, brand_id, creator_id, link_code, live_session_id, sku, \
             quantity, rate_bps, base, amount, currency, state, kind, parent_id, event_key, approve_after, created_at) \
             VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,NULL,'',?,?)",
            vec![
                text(&e.id),
                text(order_row_id),
                int(line_no.into()),
                text(&e.brand_id),
                text(&e.creator_id),
                opt_text(e.link_code.as_deref()),
                opt_text(e.live_session_id.as_deref()),
                text(&e.sku),
                int(e.quantity),
                int(e.rate_bps.into()),
                int(e.base),
                int(e.amount),
                text(&e.currency),
                text(e.state.as_str()),
                text(e.kind.as_str()),
                int(approve_after),
                int(e.created_at),
            ],
        );
        self.push_event(
            events::COMMISSION_CREATED,
            vec![text(&e.id), text(&e.brand_id), text(&e.creator_id), int(e.created_at)],
        );
    }

    /// Holds the commission `entry_id` (written just before in the batch) for `reason`: the
    /// approval job passes it by until the brand releases it.
    pub fn hold(&mut self, entry_id: &str, reason: &str, now: i64) {
        self.push(
            "INSERT INTO commission_holds (entry_id, reason, state, created_at) VALUES (?, ?, 'held', ?)",
            vec![text(entry_id), text(reason), int(now)],
        );
    }

    /// Refunds `take` more units of a line. It adds to what is stored when the batch runs,
    /// so concurrent refunds of one line add up in any order (they commute); only an
    /// over-refund (past the line's quantity) fails, by the CHECK on `refunded_quantity`,
    /// and rolls the batch back to be replanned on what is stored then.
    pub fn refund_units(&mut self, order_row_id: &str, line_no: u32, take: i64) {
        self.push(
            "UPDATE order_lines SET refunded_quantity = refunded_quantity + CAST(?1 AS INTEGER) \
             WHERE order_id = ?2 AND line_no = ?3",
            vec![int(take), text(order_row_id), int(line_no.into())],
        );
    }

    /// The take-back of the `t.quantity` units that [`Writes::refund_units`] refunded just
    /// before it in the batch, computed by [`TAKE_BACK_SQL`] from the line as stored then:
    /// its amount, and whether it is a reversal (parent pending) or a clawback (approved).
    /// Its row is answered ([`Outcome::Written`]).
    pub fn take_back(&mut self, t: &NewTakeBack<'_>) {
        self.answered.push(self.statements.len());
        self.push(
            TAKE_BACK_SQL,
            vec![
                text(t.id),
                text(t.order_row_id),
                int(t.line_no.into()),
                text(t.brand_id),
                text(t.creator_id),
                opt_text(t.link_code),
                opt_text(t.live_session_id),
                text(t.currency),
                text(t.parent_id),
                text(t.event_key),
                int(t.quantity),
                int(t.created_at),
            ],
        );
        self.push_event(events::COMMISSION_REVERSED, vec![text(t.id), int(t.created_at)]);
    }

    /// Closes a pending commission as `reversed` once its line is wholly refunded (after the
    /// batch's take-backs, which read its state first).
    pub fn close_if_refunded(&mut self, parent_id: &str, order_row_id: &str, line_no: u32) {
        self.push(
            "UPDATE commissions SET state = 'reversed' WHERE id = ?1 AND state = 'pending' AND EXISTS \
             (SELECT 1 FROM order_lines WHERE order_id = ?2 AND line_no = ?3 AND refunded_quantity = quantity)",
            vec![text(parent_id), text(order_row_id), int(line_no.into())],
        );
    }

    /// After a refund: the order is `refunded` once every unit of every line is, as stored
    /// when the batch runs (a cancelled order stays cancelled).
    pub fn refunded_order_state(&mut self, order_row_id: &str) {
        self.push(
            "UPDATE orders SET state = 'refunded' WHERE id = ?1 AND state = 'paid' AND NOT EXISTS \
             (SELECT 1 FROM order_lines WHERE order_id = ?1 AND refunded_quantity < quantity)",
            vec![text(order_row_id)],
        );
    }

    pub fn order_state(&mut self, order_row_id: &str, state: OrderState) {
        self.push("UPDATE orders SET state = ? WHERE id = ?", vec![text(state.as_str()), text(order_row_id)]);
    }
}

/// How a write batch ended.
pub enum Outcome {
    /// Committed; the entries of its [`Writes::take_back`]s as written (`order_id` empty),
    /// and whether it wrote an event (then they are to be handed to the queue).
    Written(Vec<EntryRow>, bool),
    /// A UNIQUE constraint refused it: another copy of this delivery or order got there.
    Duplicate,
    /// A guard refused it: state moved under us (a concurrent refund or approval).
    Raced,
}

pub async fn commit(db: &Db, writes: Writes) -> StoreResult<Outcome> {
    match batch(db, &writes.statements).await {
        Ok(results) => {
            let mut entries = Vec::new();
            for i in writes.answered {
                let rows = results.get(i).ok_or_else(|| StoreError::D1("batch answered too few results".into()))?;
                entries.extend(rows.results::<EntryRow>()?);
            }
            let events = writes.events.iter().any(|&i| results.get(i).is_some_and(|r| r.changes > 0));
            Ok(Outcome::Written(entries, events))
        }
        Err(e) if super::d1::is_unique_violation(&e) => Ok(Outcome::Duplicate),
        Err(e) if e.0.contains("CHECK constraint failed") => Ok(Outcome::Raced),
        Err(e) => Err(e.into()),
    }
}

row! {
    /// A ledger entry as the contract shows it (`order_id` is the brand's own), with its
    /// order's attribution (absent from what a write batch answers: the route adds it).
    #[derive(Debug, Clone)]
    pub struct EntryRow {
        pub id: String,
        pub order_id: String,
        pub brand_id: String,
        pub creator_id: String,
        pub link_code: Option<String>,
        pub live_session_id: Option<String>,
        pub sku: String,
        pub quantity: i64,
        pub rate_bps: u32,
        pub base: i64,
        pub amount: i64,
        pub currency: String,
        pub state: EntryState,
        pub kind: EntryKind,
        pub created_at: i64,
        /// The order's attribution (`None` in what a write batch answers).
        pub method: Option<Method>,
        pub attributed_click: Option<String>,
        pub attributed_code: Option<String>,
        pub reason: Option<String>,
        /// The product's title, when the sku is one of the brand's products (for exports).
        pub title: Option<String>,
        /// The payout the entry is in, if any.
        pub payout_id: Option<String>,
        /// Why the entry is held (`self_referral`), while its hold is open.
        pub hold: Option<String>,
    }
}

/// An order's attribution as columns, from `orders o` and `creator_codes dc` (joined on
/// `o.code_id`).
macro_rules! attribution_columns {
    () => {
        "o.method, o.click_id AS attributed_click, dc.code AS attributed_code, o.reason"
    };
}

/// A ledger entry's columns, as [`EntryRow`] reads them, from [`entry_from!`]'s tables.
macro_rules! entry_columns {
    () => {
        concat!(
            "e.id, o.external_id AS order_id, e.brand_id, e.creator_id, e.link_code, e.live_session_id, e.sku, \
             e.quantity, e.rate_bps, e.base, e.amount, e.currency, e.state, e.kind, e.created_at, pr.title, \
             x.payout_id, h.reason AS hold, ",
            attribution_columns!()
        )
    };
}

macro_rules! entry_from {
    () => {
        "FROM commissions e JOIN orders o ON o.id = e.order_id \
         LEFT JOIN creator_codes dc ON dc.id = o.code_id \
         LEFT JOIN products pr ON pr.brand_id = e.brand_id AND pr.sku = e.sku \
         LEFT JOIN payout_entries x ON x.entry_id = e.id \
         LEFT JOIN commission_holds h ON h.entry_id = e.id AND h.state = 'held' AND e.state = 'pending'"
    };
}

const ENTRY_COLUMNS: &str = entry_columns!();
const ENTRY_FROM: &str = entry_from!();

/// Ledger entries of one owner (`owner_column` is a constant: `creator_id` or `brand_id`).
pub async fn entries(db: &Db, owner_column: OwnerColumn, owner_id: &str, page: &Keyset) -> StoreResult<Vec<EntryRow>> {
    let column = owner_column.as_str();
    super::d1::all(
        db,
        &format!("SELECT {ENTRY_COLUMNS} {ENTRY_FROM} WHERE e.{column} = ?1 AND {}", Keyset::sql("e", 2)),
        &page.params(vec![text(owner_id)]),
    )
    .await
}

/// The entries of a payout, oldest first.
pub async fn entries_of_payout(db: &Db, payout_id: &str) -> StoreResult<Vec<EntryRow>> {
    super::d1::all(
        db,
        &format!("SELECT {ENTRY_COLUMNS} {ENTRY_FROM} WHERE x.payout_id = ? ORDER BY e.created_at, e.id"),
        &[text(payout_id)],
    )
    .await
}

/// The entries of one of the brand's orders, by the brand's order id (a duplicate delivery
/// answers with them).
pub async fn entries_of_order(db: &Db, brand_id: &str, external_id: &str) -> StoreResult<Vec<EntryRow>> {
    super::d1::all(
        db,
        &format!(
            "SELECT {ENTRY_COLUMNS} {ENTRY_FROM} \
             WHERE o.brand_id = ? AND o.external_id = ? ORDER BY e.created_at, e.line_no, e.id"
        ),
        &[text(brand_id), text(external_id)],
    )
    .await
}

#[derive(Clone, Copy)]
pub enum OwnerColumn {
    Creator,
    Brand,
}

impl OwnerColumn {
    fn as_str(self) -> &'static str {
        match self {
            OwnerColumn::Creator => "creator_id",
            OwnerColumn::Brand => "brand_id",
        }
    }
}

row! {
    /// A creator's totals per currency, each a non-negative sum. `paid` is what paid payouts
    /// held. Of the rest, a take-back counts in the bucket of the entry it takes from, so
    /// `pending` and `approved` are net; a clawback of a paid commission is owed back until
    /// a payout nets it, so what approved entries leave of it is `owed` (`approved` − `owed`
    /// is the net, exactly, and one of the two is 0). `reversed` is everything taken back.
    #[derive(Debug, serde::Serialize)]
    pub struct Totals {
        pub currency: String,
        pub pending: i64,
        pub approved: i64,
        pub owed: i64,
        pub reversed: i64,
        pub paid: i64,
    }
}

pub async fn totals(db: &Db, creator_id: &str) -> StoreResult<Vec<Totals>> {
    super::d1::all(
        db,
        "SELECT currency, pending, MAX(net, 0) AS approved, MAX(-net, 0) AS owed, reversed, paid FROM ( \
         SELECT e.currency, \
           COALESCE(SUM(CASE WHEN po.state IS NOT 'paid' AND COALESCE(p.state, e.state) = 'pending' \
             THEN e.amount END), 0) AS pending, \
           COALESCE(SUM(CASE WHEN po.state IS NOT 'paid' AND COALESCE(p.state, e.state) IN ('approved', 'paid') \
             THEN e.amount END), 0) AS net, \
           COALESCE(SUM(CASE WHEN e.kind <> 'commission' THEN -e.amount END), 0) AS reversed, \
           COALESCE(SUM(CASE WHEN po.state = 'paid' THEN e.amount END), 0) AS paid \
         FROM commissions e LEFT JOIN commissions p ON p.id = e.parent_id \
           LEFT JOIN payout_entries x ON x.entry_id = e.id LEFT JOIN payouts po ON po.id = x.payout_id \
         WHERE e.creator_id = ? GROUP BY e.currency) ORDER BY currency",
        &[text(creator_id)],
    )
    .await
}

/// Approves pending commissions whose hold has passed, reporting each (`commission.approved`)
/// in the same batch. Returns how many.
pub async fn approve_due(db: &Db, now: i64) -> StoreResult<usize> {
    let statements = [
        Stmt::new(events::COMMISSIONS_APPROVED, vec![int(now)]),
        Stmt::new(
            "UPDATE commissions SET state = 'approved' \
             WHERE kind = 'commission' AND state = 'pending' AND approve_after <= ? \
             AND NOT EXISTS (SELECT 1 FROM commission_holds h WHERE h.entry_id = commissions.id AND h.state = 'held')",
            vec![int(now)],
        ),
    ];
    let answers = batch(db, &statements).await?;
    Ok(answers.get(1).map_or(0, |a| a.changes))
}

row! {
    /// An order as its brand sees it.
    #[derive(Debug)]
    pub struct OrderRow {
        pub id: String,
        pub external_id: String,
        pub click_id: Option<String>,
        pub creator_id: Option<String>,
        pub link_code: Option<String>,
        pub live_session_id: Option<String>,
        pub currency: String,
        pub gmv: i64,
        pub status: OrderStatus,
        pub state: OrderState,
        pub occurred_at: i64,
        pub created_at: i64,
        pub commission: i64,
        pub method: Method,
        pub attributed_code: Option<String>,
        pub reason: String,
    }
}

const ORDER_SELECT: &str = concat!(
    "SELECT o.id, o.external_id, o.click_id, o.creator_id, o.link_code, o.live_session_id, o.currency, \
     o.gmv, o.status, o.state, o.occurred_at, o.created_at, \
     COALESCE((SELECT SUM(amount) FROM commissions e WHERE e.order_id = o.id), 0) AS commission, \
     o.method, dc.code AS attributed_code, o.reason",
    " FROM orders o LEFT JOIN creator_codes dc ON dc.id = o.code_id WHERE o.brand_id = ?1"
);

pub async fn orders_of_brand(db: &Db, brand_id: &str, page: &Keyset) -> StoreResult<Vec<OrderRow>> {
    let sql = format!("{ORDER_SELECT} AND {}", Keyset::sql("o", 2));
    super::d1::all(db, &sql, &page.params(vec![text(brand_id)])).await
}

/// One of the brand's orders by its own id (a duplicate delivery answers with it).
pub async fn order_of_brand(db: &Db, brand_id: &str, external_id: &str) -> StoreResult<Option<OrderRow>> {
    let sql = format!("{ORDER_SELECT} AND o.external_id = ?2");
    super::d1::first(db, &sql, &[text(brand_id), text(external_id)]).await
}

/// One of the brand's orders by our row id (`ord_…`).
pub async fn order_by_id(db: &Db, brand_id: &str, id: &str) -> StoreResult<Option<OrderRow>> {
    let sql = format!("{ORDER_SELECT} AND o.id = ?2");
    super::d1::first(db, &sql, &[text(brand_id), text(id)]).await
}

/// One ledger entry by id, as the lists show it.
pub async fn entry_by_id(db: &Db, id: &str) -> StoreResult<Option<EntryRow>> {
    super::d1::first(db, &format!("SELECT {ENTRY_COLUMNS} {ENTRY_FROM} WHERE e.id = ?"), &[text(id)]).await
}
