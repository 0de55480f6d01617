//! The one domain event every accepted payload becomes, and the field validators the
//! payload parsers share (so canonical and Shopify input obey the same limits).

use crate::domain::money::{Currency, MAX_AMOUNT};
use serde_json::{Map, Value};
use std::fmt;

/// Longest accepted `order_id`, `sku`, `click_id` or event id, in characters: the
/// contract's limit for titles, keeping stored strings bounded.
pub const MAX_ID_CHARS: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    Paid,
    Refunded,
    Cancelled,
}

impl EventKind {
    /// The canonical `type` value.
    pub fn as_str(&self) -> &'static str {
        match self {
            EventKind::Paid => "order.paid",
            EventKind::Refunded => "order.refunded",
            EventKind::Cancelled => "order.cancelled",
        }
    }
}

/// An order event, whatever the payload format it came in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderEvent {
    /// The body's delivery id: `tts_notification_id` when present, else the canonical
    /// `id`. `None` for native Shopify, whose delivery id is a header ([`super::Verified`]).
    pub delivery_id: Option<String>,
    pub kind: EventKind,
    /// The brand's own order id.
    pub order_id: String,
    pub click_id: Option<String>,
    /// The discount codes the order carries, trimmed, in the store's order, each once
    /// (compared ignoring case); attribution falls back to them without a click.
    pub codes: Vec<String>,
    pub currency: Currency,
    /// The order's lines (in minor units of `currency`); may be empty on refund/cancel.
    pub items: Vec<LineItem>,
    /// What this event refunds (not a running total). Empty on paid/cancelled; on a
    /// refund, empty means no line was refunded (e.g. a shipping-only refund).
    pub refund_items: Vec<RefundItem>,
    /// When the order happened, epoch ms; `None` means "use the arrival time".
    pub occurred_at_ms: Option<i64>,
    /// The buyer's email, trimmed and lowercased, to be compared with the attributed
    /// creator's (a self-referral is held); never stored. `None` when absent or not an email.
    pub customer_email: Option<String>,
}

/// A customer email as orders carry it, normalized for comparison (trimmed, ASCII
/// lowercase); anything that is not a plausible address is no email rather than an error:
/// an order is never refused for it.
pub fn customer_email(v: Option<&serde_json::Value>) -> Option<String> {
    let e = v?.as_str()?.trim();
    let plausible =
        (3..=254).contains(&e.len()) && e.contains('@') && !e.chars().any(|c| c.is_whitespace() || c.is_control());
    plausible.then(|| e.to_ascii_lowercase())
}

/// One order line. Invariant (checked by the parsers): all fields are in
/// `0..=MAX_AMOUNT` and `discount <= unit_price * quantity <= MAX_AMOUNT`.
pub use crate::domain::ledger::LineItem;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundItem {
    pub sku: String,
    pub quantity: i64,
}

/// Why a verified body was still rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayloadError {
    /// Not JSON at all (→ 400 `invalid_json`).
    NotJson(String),
    /// JSON of the wrong shape, type or range; the message names the field (→ 422).
    Invalid(String),
}

impl PayloadError {
    /// The contract's status for this error.
    pub fn status(&self) -> u16 {
        match self {
            PayloadError::NotJson(_) => 400,
            PayloadError::Invalid(_) => 422,
        }
    }

    pub fn message(&self) -> &str {
        match self {
            PayloadError::NotJson(m) | PayloadError::Invalid(m) => m,
        }
    }
}

impl fmt::Display for PayloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for PayloadError {}

pub(super) fn invalid(msg: impl Into<String>) -> PayloadError {
    PayloadError::Invalid(msg.into())
}

/// Parses the body as a JSON object: not JSON → `NotJson`, another JSON value → `Invalid`.
pub(super) fn parse_object(body: &[u8]) -> Result<Map<String, Value>, PayloadError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(invalid("body must be a JSON object")),
        Err(e) => Err(PayloadError::NotJson(format!("body is not JSON: {e}"))),
    }
}

/// `obj[key]`, treating JSON `null` as absent.
pub(super) fn field<'v>(obj: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    obj.get(key).filter(|v| !v.is_null())
}

/// A JSON integer in `0..=MAX_AMOUNT`. Floats (`19.99`, even `2.0`) are refused: money
/// and quantities are integers in this API.
pub(super) fn amount(value: &Value, name: &str) -> Result<i64, PayloadError> {
    value
        .as_i64()
        .filter(|n| (0..=MAX_AMOUNT).contains(n))
        .ok_or_else(|| invalid(format!("{name} must be an integer from 0 to {MAX_AMOUNT}")))
}

/// A non-empty string of at most [`MAX_ID_CHARS`] characters.
pub(super) fn id_string(value: &Value, name: &str) -> Result<String, PayloadError> {
    match value.as_str() {
        Some(s) if crate::domain::text::find_control(s).is_some() => {
            Err(invalid(format!("{name} must not hold control characters")))
        }
        Some(s) if !s.is_empty() && s.chars().count() <= MAX_ID_CHARS => Ok(s.to_string()),
        Some("") => Err(invalid(format!("{name} must not be empty"))),
        Some(_) => Err(invalid(format!("{name} must be at most {MAX_ID_CHARS} characters"))),
        None => Err(invalid(format!("{name} must be a string"))),
    }
}

/// Like [`id_string`], but also takes a non-negative JSON integer, as platforms that use
/// numeric ids (Shopify orders, TikTok notifications) send them.
pub(super) fn id_string_or_number(value: &Value, name: &str) -> Result<String, PayloadError> {
    match value.as_u64() {
        Some(n) => Ok(n.to_string()),
        None if value.is_string() => id_string(value, name),
        None => Err(invalid(format!("{name} must be a string or a non-negative integer"))),
    }
}

/// Checks the codes of an order (`name[i]` are their strings, as found) against the bounds
/// of `domain::codes`: trimmed, empty ones dropped, repeats (any case) kept once.
pub(super) fn order_codes<'v>(
    found: impl Iterator<Item = Option<&'v str>>,
    name: &str,
) -> Result<Vec<String>, PayloadError> {
    use crate::domain::codes::{same_code, MAX_ORDER_CODES, MAX_ORDER_CODE_CHARS};
    let mut codes: Vec<String> = Vec::new();
    for (i, code) in found.enumerate() {
        let code = code.ok_or_else(|| invalid(format!("{name}[{i}] must be a string")))?;
        if crate::domain::text::find_control(code).is_some() {
            return Err(invalid(format!("{name}[{i}] must not hold control characters")));
        }
        let code = code.trim();
        if code.chars().count() > MAX_ORDER_CODE_CHARS {
            return Err(invalid(format!("{name}[{i}] must be at most {MAX_ORDER_CODE_CHARS} characters")));
        }
        if !code.is_empty() && !codes.iter().any(|c| same_code(c, code)) {
            codes.push(code.to_string());
        }
    }
    if codes.len() > MAX_ORDER_CODES {
        return Err(invalid(format!("{name} must hold at most {MAX_ORDER_CODES} codes")));
    }
    Ok(codes)
}

/// The most units one order line may have: it keeps the refund arithmetic in 64 bits
/// (`store::orders::TAKE_BACK_SQL`), and no real order comes near it.
pub const MAX_QUANTITY: i64 = i32::MAX as i64;

/// Builds a line after checking that `unit_price × quantity` fits and covers `discount`,
/// so the commission base is never negative or beyond [`MAX_AMOUNT`].
pub(super) fn line_item(
    sku: String,
    quantity: i64,
    unit_price: i64,
    discount: i64,
    name: &str,
) -> Result<LineItem, PayloadError> {
    if quantity > MAX_QUANTITY {
        return Err(invalid(format!("{name}.quantity must be at most {MAX_QUANTITY}")));
    }
    let gross = unit_price
        .checked_mul(quantity)
        .filter(|g| *g <= MAX_AMOUNT)
        .ok_or_else(|| invalid(format!("{name}: unit_price × quantity exceeds {MAX_AMOUNT}")))?;
    if discount > gross {
        return Err(invalid(format!("{name}.discount exceeds unit_price × quantity")));
    }
    Ok(LineItem { sku, quantity, unit_price, discount })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn amounts_are_non_negative_integers_in_range() {
        assert_eq!(amount(&json!(0), "q"), Ok(0));
        assert_eq!(amount(&json!(MAX_AMOUNT), "q"), Ok(MAX_AMOUNT));
        for bad in [json!(-1), json!(19.99), json!(2.0), json!("5"), json!(MAX_AMOUNT + 1), json!(u64::MAX)] {
            assert!(matches!(amount(&bad, "q"), Err(PayloadError::Invalid(m)) if m.starts_with("q ")), "{bad}");
        }
    }

    #[test]
    fn ids_are_bounded_strings() {
        assert_eq!(id_string(&json!("a"), "x"), Ok("a".into()));
        assert_eq!(id_string(&json!("é".repeat(200)), "x"), Ok("é".repeat(200)));
        assert!(id_string(&json!("a".repeat(201)), "x").is_err());
        assert!(id_string(&json!(""), "x").is_err());
        assert!(id_string(&json!(5), "x").is_err());
        assert_eq!(id_string_or_number(&json!(820982911946154500u64), "x"), Ok("820982911946154500".into()));
        assert!(id_string_or_number(&json!(-5), "x").is_err());
        assert!(id_string_or_number(&json!(1.5), "x").is_err());
    }

    #[test]
    fn errors_map_to_contract_statuses() {
        assert_eq!(PayloadError::NotJson("x".into()).status(), 400);
        assert_eq!(invalid("items[0].sku must not be empty").status(), 422);
        assert_eq!(parse_object(b"[1]"), Err(invalid("body must be a JSON object")));
        assert!(matches!(parse_object(b"{"), Err(PayloadError::NotJson(_))));
        assert!(matches!(parse_object(b"webhook_id=1"), Err(PayloadError::NotJson(_))));
    }

    #[test]
    fn order_codes_are_trimmed_strings_kept_once() {
        let codes = |v: &[Option<&str>]| order_codes(v.iter().copied(), "discount_codes");
        assert_eq!(
            codes(&[Some(" SUMMER10 "), Some("summer10"), Some(""), Some("b")]),
            Ok(vec!["SUMMER10".into(), "b".into()])
        );
        assert_eq!(codes(&[None]), Err(invalid("discount_codes[0] must be a string")));
        assert!(codes(&[Some("a\u{0}b")]).is_err());
        assert!(codes(&[Some(&"x".repeat(65))]).is_err());
        let many: Vec<String> = (0..21).map(|i| format!("c{i}")).collect();
        assert!(order_codes(many.iter().map(|s| Some(s.as_str())), "d").is_err());
    }

    #[test]
    fn lines_must_cover_their_discount_and_fit() {
        assert!(line_item("a".into(), 2, 500, 1000, "items[0]").is_ok());
        assert!(line_item("a".into(), 2, 500, 1001, "items[0]").is_err());
        assert!(line_item("a".into(), MAX_AMOUNT, 2, 0, "items[0]").is_err());
        assert!(line_item("a".into(), 0, 0, 0, "items[0]").is_ok());
        assert!(line_item("a".into(), MAX_QUANTITY, 0, 0, "items[0]").is_ok());
        assert!(line_item("a".into(), MAX_QUANTITY + 1, 0, 0, "items[0]").is_err());
    }
}
