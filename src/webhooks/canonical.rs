//! The contract's canonical order event (any scheme; the only format for non-Shopify).
//! Validated field by field so a 422 names what is wrong; unknown fields are ignored so
//! platforms can send extra data.

use super::event::{
    amount, field, id_string, id_string_or_number, invalid, line_item, order_codes, parse_object, EventKind, LineItem,
    OrderEvent, PayloadError, RefundItem,
};
use crate::domain::attribution::parse_rfc3339_ms;
use crate::domain::money::Currency;
use serde_json::{Map, Value};

/// Parses `{"id", "type", "order_id", "click_id"?, "discount_codes"?, "currency", "items": [...],
/// "refund": {"items": [...]}?, "occurred_at"?}` plus TikTok's `tts_notification_id`.
///
/// - The delivery id is `tts_notification_id` when present, else `id`; one is required,
///   since without it a retried refund could not be recognised.
/// - `items` is required (possibly empty) for `order.paid`, optional otherwise.
/// - For `order.refunded`, `refund.items` names what this event refunds; when `refund` is
///   absent the event's `items` are taken as the refunded lines (a full refund stated as
///   the order's lines); with neither, the event is rejected rather than guessed at.
pub fn parse_canonical(body: &[u8]) -> Result<OrderEvent, PayloadError> {
    let obj = parse_object(body)?;

    let tts_id =
        field(&obj, "tts_notification_id").map(|v| id_string_or_number(v, "tts_notification_id")).transpose()?;
    let event_id = field(&obj, "id").map(|v| id_string(v, "id")).transpose()?;
    let delivery_id = tts_id.or(event_id).ok_or_else(|| invalid("id is required"))?;

    let kind = match field(&obj, "type").and_then(Value::as_str) {
        Some("order.paid") => EventKind::Paid,
        Some("order.refunded") => EventKind::Refunded,
        Some("order.cancelled") => EventKind::Cancelled,
        _ => return Err(invalid("type must be one of order.paid, order.refunded, order.cancelled")),
    };

    let order_id = id_string(field(&obj, "order_id").ok_or_else(|| invalid("order_id is required"))?, "order_id")?;

    // An empty click id is "no click", not an error: stores often send "" for unset fields.
    let click_id = match field(&obj, "click_id") {
        Some(Value::String(s)) if s.is_empty() => None,
        Some(v) => Some(id_string(v, "click_id")?),
        None => None,
    };

    let codes = match field(&obj, "discount_codes") {
        Some(Value::Array(list)) => order_codes(list.iter().map(Value::as_str), "discount_codes")?,
        Some(_) => return Err(invalid("discount_codes must be a list of strings")),
        None => Vec::new(),
    };

    let currency = field(&obj, "currency")
        .and_then(Value::as_str)
        .and_then(Currency::parse)
        .ok_or_else(|| invalid("currency must be a supported ISO 4217 code such as \"USD\""))?;

    let items = match field(&obj, "items") {
        Some(v) => parse_items(v)?,
        None if kind == EventKind::Paid => return Err(invalid("items is required for order.paid")),
        None => Vec::new(),
    };

    let refund_items = match field(&obj, "refund") {
        Some(Value::Object(refund)) => parse_refund_items(refund)?,
        Some(_) => return Err(invalid("refund must be an object")),
        None if kind == EventKind::Refunded && field(&obj, "items").is_some() => {
            items.iter().map(|i| RefundItem { sku: i.sku.clone(), quantity: i.quantity }).collect()
        }
        None if kind == EventKind::Refunded => return Err(invalid("refund.items is required for order.refunded")),
        None => Vec::new(),
    };

    let occurred_at_ms = match field(&obj, "occurred_at") {
        Some(v) => Some(
            v.as_str()
                .and_then(parse_rfc3339_ms)
                .ok_or_else(|| invalid("occurred_at must be an RFC 3339 timestamp"))?,
        ),
        None => None,
    };

    Ok(OrderEvent {
        delivery_id: Some(delivery_id),
        kind,
        order_id,
        click_id,
        codes,
        currency,
        items,
        refund_items,
        occurred_at_ms,
        customer_email: super::event::customer_email(field(&obj, "customer_email")),
    })
}

fn parse_items(value: &Value) -> Result<Vec<LineItem>, PayloadError> {
    let list = value.as_array().ok_or_else(|| invalid("items must be an array"))?;
    list.iter()
        .enumerate()
        .map(|(i, item)| {
            let name = format!("items[{i}]");
            let obj = item.as_object().ok_or_else(|| invalid(format!("{name} must be an object")))?;
            let sku = id_string(required(obj, "sku", &name)?, &format!("{name}.sku"))?;
            let quantity = amount(required(obj, "quantity", &name)?, &format!("{name}.quantity"))?;
            let unit_price = amount(required(obj, "unit_price", &name)?, &format!("{name}.unit_price"))?;
            let discount = match field(obj, "discount") {
                Some(v) => amount(v, &format!("{name}.discount"))?,
                None => 0,
            };
            line_item(sku, quantity, unit_price, discount, &name)
        })
        .collect()
}

fn parse_refund_items(refund: &Map<String, Value>) -> Result<Vec<RefundItem>, PayloadError> {
    let list =
        field(refund, "items").and_then(Value::as_array).ok_or_else(|| invalid("refund.items must be an array"))?;
    list.iter()
        .enumerate()
        .map(|(i, item)| {
            let name = format!("refund.items[{i}]");
            let obj = item.as_object().ok_or_else(|| invalid(format!("{name} must be an object")))?;
            let sku = id_string(required(obj, "sku", &name)?, &format!("{name}.sku"))?;
            let quantity = amount(required(obj, "quantity", &name)?, &format!("{name}.quantity"))?;
            Ok(RefundItem { sku, quantity })
        })
        .collect()
}

fn required<'v>(obj: &'v Map<String, Value>, key: &str, parent: &str) -> Result<&'v Value, PayloadError> {
    field(obj, key).ok_or_else(|| invalid(format!("{parent}.{key} is required")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::money::MAX_AMOUNT;
    use serde_json::{json, Value};

    fn paid() -> Value {
        json!({
            "id": "evt_1",
            "type": "order.paid",
            "order_id": "1001",
            "click_id": "clk_abc",
            "currency": "USD",
            "items": [
                {"sku": "TEE-1", "quantity": 2, "unit_price": 1999, "discount": 500},
                {"sku": "MUG-1", "quantity": 1, "unit_price": 1200}
            ],
            "occurred_at": "2026-11-26T10:00:00Z",
            "extra": {"ignored": true}
        })
    }

    fn parse(v: &Value) -> Result<OrderEvent, PayloadError> {
        parse_canonical(v.to_string().as_bytes())
    }

    /// Sets `path` (dot separated, numeric segments index arrays) in a copy of `base`.
    fn with(mut base: Value, path: &str, value: Value) -> Value {
        let mut cur = &mut base;
        for seg in path.split('.') {
            cur = match seg.parse::<usize>() {
                Ok(i) => &mut cur[i],
                Err(_) => &mut cur[seg],
            };
        }
        *cur = value;
        base
    }

    fn invalid_field(v: &Value) -> String {
        match parse(v) {
            Err(PayloadError::Invalid(m)) => m,
            other => panic!("expected Invalid for {v}, got {other:?}"),
        }
    }

    #[test]
    fn the_customer_email_is_read_normalized_and_never_refuses_the_order() {
        let e = parse(&with(paid(), "customer_email", json!("  Maya@Example.com"))).unwrap();
        assert_eq!(e.customer_email.as_deref(), Some("maya@example.com"));
        for odd in [json!("no at sign"), json!("a b@c.d"), json!(7), json!(null)] {
            assert_eq!(parse(&with(paid(), "customer_email", odd)).unwrap().customer_email, None);
        }
        assert_eq!(parse(&paid()).unwrap().customer_email, None);
    }

    #[test]
    fn discount_codes_are_a_list_of_strings() {
        let e = parse(&with(paid(), "discount_codes", json!([" SUMMER10", "anna"]))).unwrap();
        assert_eq!(e.codes, vec!["SUMMER10".to_string(), "anna".to_string()]);
        assert!(parse(&paid()).unwrap().codes.is_empty());
        for bad in [json!("SUMMER10"), json!([5]), json!([{"code": "x"}]), json!({})] {
            assert!(
                matches!(parse(&with(paid(), "discount_codes", bad.clone())), Err(PayloadError::Invalid(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn paid_event_parses() {
        let e = parse(&paid()).unwrap();
        assert_eq!(e.delivery_id.as_deref(), Some("evt_1"));
        assert_eq!(e.kind, EventKind::Paid);
        assert_eq!(e.order_id, "1001");
        assert_eq!(e.click_id.as_deref(), Some("clk_abc"));
        assert_eq!(e.currency, Currency::parse("USD").unwrap());
        assert_eq!(
            e.items,
            vec![
                LineItem { sku: "TEE-1".into(), quantity: 2, unit_price: 1999, discount: 500 },
                LineItem { sku: "MUG-1".into(), quantity: 1, unit_price: 1200, discount: 0 },
            ]
        );
        assert!(e.refund_items.is_empty());
        assert_eq!(e.occurred_at_ms, Some(1_795_687_200_000));
    }

    #[test]
    fn optional_fields_may_be_absent_or_null() {
        let mut v = paid();
        let obj = v.as_object_mut().unwrap();
        obj.remove("click_id");
        obj.remove("occurred_at");
        let e = parse(&v).unwrap();
        assert_eq!((e.click_id, e.occurred_at_ms), (None, None));

        let v = with(with(paid(), "click_id", Value::Null), "occurred_at", Value::Null);
        let e = parse(&v).unwrap();
        assert_eq!((e.click_id, e.occurred_at_ms), (None, None));
        assert_eq!(parse(&with(paid(), "click_id", json!(""))).unwrap().click_id, None);
        assert_eq!(parse(&with(paid(), "items.1.discount", Value::Null)).unwrap().items[1].discount, 0);
        assert!(parse(&with(paid(), "items", json!([]))).unwrap().items.is_empty());
    }

    #[test]
    fn tiktok_notification_id_is_the_delivery_id() {
        let v = with(paid(), "tts_notification_id", json!("7327112393057371910"));
        assert_eq!(parse(&v).unwrap().delivery_id.as_deref(), Some("7327112393057371910"));
        let v = with(paid(), "tts_notification_id", json!(7327112393057371910u64));
        assert_eq!(parse(&v).unwrap().delivery_id.as_deref(), Some("7327112393057371910"));
        let mut v = with(paid(), "tts_notification_id", json!("n1"));
        v.as_object_mut().unwrap().remove("id");
        assert_eq!(parse(&v).unwrap().delivery_id.as_deref(), Some("n1"));
    }

    #[test]
    fn refund_and_cancel_events_parse() {
        let v = json!({
            "id": "evt_2", "type": "order.refunded", "order_id": "1001", "currency": "USD",
            "refund": {"items": [{"sku": "TEE-1", "quantity": 1}]},
            "occurred_at": "2026-11-27T10:00:00.250+01:00"
        });
        let e = parse(&v).unwrap();
        assert_eq!(e.kind, EventKind::Refunded);
        assert!(e.items.is_empty());
        assert_eq!(e.refund_items, vec![RefundItem { sku: "TEE-1".into(), quantity: 1 }]);
        assert_eq!(e.occurred_at_ms, Some(1_795_687_200_000 + 86_400_000 - 3_600_000 + 250));

        // Without `refund`, the lines given are what is refunded.
        let v = with(with(paid(), "type", json!("order.refunded")), "id", json!("evt_3"));
        let e = parse(&v).unwrap();
        assert_eq!(
            e.refund_items,
            vec![RefundItem { sku: "TEE-1".into(), quantity: 2 }, RefundItem { sku: "MUG-1".into(), quantity: 1 },]
        );

        let v = json!({"id": "evt_4", "type": "order.cancelled", "order_id": "1001", "currency": "JPY"});
        let e = parse(&v).unwrap();
        assert_eq!(e.kind, EventKind::Cancelled);
        assert_eq!(e.currency.as_str(), "JPY");
        assert!(e.items.is_empty() && e.refund_items.is_empty());
    }

    #[test]
    fn not_json_is_a_400() {
        for body in [&b""[..], b"{", b"webhook_id=1", b"\xff"] {
            let err = parse_canonical(body).unwrap_err();
            assert!(matches!(err, PayloadError::NotJson(_)), "{err:?}");
            assert_eq!(err.status(), 400);
        }
        assert_eq!(parse_canonical(b"[]").unwrap_err().status(), 422);
        assert_eq!(parse_canonical(b"\"x\"").unwrap_err().status(), 422);
    }

    #[test]
    fn each_validation_failure_names_its_field() {
        let long = "x".repeat(201);
        let cases: Vec<(Value, &str)> = vec![
            (with(paid(), "type", json!("order.shipped")), "type"),
            (with(paid(), "type", json!(null)), "type"),
            (with(paid(), "currency", json!("XYZ")), "currency"),
            (with(paid(), "currency", json!("usd")), "currency"),
            (with(paid(), "currency", json!(null)), "currency"),
            (with(paid(), "order_id", json!("")), "order_id"),
            (with(paid(), "order_id", json!(null)), "order_id"),
            (with(paid(), "order_id", json!(1001)), "order_id"),
            (with(paid(), "order_id", json!(long)), "order_id"),
            (with(paid(), "id", json!(null)), "id"),
            (with(paid(), "id", json!("")), "id"),
            (with(paid(), "click_id", json!(5)), "click_id"),
            (with(paid(), "items", json!(null)), "items"),
            (with(paid(), "items", json!({})), "items"),
            (with(paid(), "items.0", json!("TEE-1")), "items[0]"),
            (with(paid(), "items.0.sku", json!("")), "items[0].sku"),
            (with(paid(), "items.0.sku", json!(null)), "items[0].sku"),
            (with(paid(), "items.1.sku", json!(long)), "items[1].sku"),
            (with(paid(), "items.0.quantity", json!(-1)), "items[0].quantity"),
            (with(paid(), "items.0.quantity", json!(1.5)), "items[0].quantity"),
            (with(paid(), "items.0.quantity", json!("2")), "items[0].quantity"),
            (with(paid(), "items.0.unit_price", json!(19.99)), "items[0].unit_price"),
            (with(paid(), "items.0.unit_price", json!(-1999)), "items[0].unit_price"),
            (with(paid(), "items.0.unit_price", json!(MAX_AMOUNT + 1)), "items[0].unit_price"),
            (with(paid(), "items.0.unit_price", json!(null)), "items[0].unit_price"),
            (with(paid(), "items.0.discount", json!(-5)), "items[0].discount"),
            (with(paid(), "items.0.discount", json!(0.5)), "items[0].discount"),
            (with(paid(), "items.0.discount", json!(3999)), "items[0].discount"),
            (with(with(paid(), "items.1.unit_price", json!(MAX_AMOUNT)), "items.1.quantity", json!(2)), "items[1]"),
            (with(paid(), "refund", json!([])), "refund"),
            (with(paid(), "refund", json!({"items": null})), "refund.items"),
            (with(paid(), "refund", json!({"items": [{"sku": "A", "quantity": -1}]})), "refund.items[0].quantity"),
            (with(paid(), "refund", json!({"items": [{"sku": "", "quantity": 1}]})), "refund.items[0].sku"),
            (with(paid(), "occurred_at", json!("yesterday")), "occurred_at"),
            (with(paid(), "occurred_at", json!("2026-11-26T10:00:00")), "occurred_at"),
            (with(paid(), "occurred_at", json!(1795687200000i64)), "occurred_at"),
        ];
        for (v, field) in cases {
            let msg = invalid_field(&v);
            assert!(msg.starts_with(field), "{field}: {msg}");
        }
        // A single unit at MAX_AMOUNT is fine; the limit is on price × quantity.
        assert!(parse(&with(paid(), "items.1.unit_price", json!(MAX_AMOUNT))).is_ok());

        let mut no_items = paid();
        no_items.as_object_mut().unwrap().remove("items");
        assert!(invalid_field(&no_items).starts_with("items"));
        let refund_without_items = json!({"id": "e", "type": "order.refunded", "order_id": "1", "currency": "USD"});
        assert!(invalid_field(&refund_without_items).starts_with("refund.items"));
    }
}
