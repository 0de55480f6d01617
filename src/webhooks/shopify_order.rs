//! Native Shopify webhook payloads (REST Order and Refund JSON), so a Shopify store can
//! point its webhooks here without a translation layer. Prices are decimal strings in the
//! shop currency (`currency`, `shop_money`), converted exactly; presentment amounts are
//! ignored so every figure of an order is in one currency.

use super::event::{
    amount, field, id_string, id_string_or_number, invalid, line_item, order_codes, parse_object, EventKind, LineItem,
    OrderEvent, PayloadError, RefundItem, MAX_ID_CHARS,
};
use crate::domain::attribution::parse_rfc3339_ms;
use crate::domain::form;
use crate::domain::money::{decimal_to_minor, Currency, DecimalError, MAX_AMOUNT};
use serde_json::{Map, Value};

/// Parses a Shopify delivery by its `X-Shopify-Topic`: `orders/paid` and
/// `orders/cancelled` carry an Order, `refunds/create` a Refund. Other topics are `Invalid`
/// (subscribe only to these). The delivery id is the `X-Shopify-Webhook-Id` header, so
/// `delivery_id` is `None` here. `click_param` is the brand's click query parameter.
pub fn parse_shopify(topic: &str, body: &[u8], click_param: &str) -> Result<OrderEvent, PayloadError> {
    let kind = match topic.trim() {
        "orders/paid" => EventKind::Paid,
        "orders/cancelled" => EventKind::Cancelled,
        "refunds/create" => EventKind::Refunded,
        other => {
            let shown: String = other.chars().take(64).collect();
            return Err(invalid(format!(
                "X-Shopify-Topic `{shown}` is not supported (orders/paid, orders/cancelled, refunds/create)"
            )));
        }
    };
    let obj = parse_object(body)?;
    match kind {
        EventKind::Refunded => parse_refund(&obj),
        EventKind::Paid | EventKind::Cancelled => parse_order(kind, &obj, click_param),
    }
}

fn parse_order(kind: EventKind, obj: &Map<String, Value>, click_param: &str) -> Result<OrderEvent, PayloadError> {
    let order_id = id_string_or_number(field(obj, "id").ok_or_else(|| invalid("id is required"))?, "id")?;
    let currency = field(obj, "currency")
        .and_then(Value::as_str)
        .and_then(Currency::parse)
        .ok_or_else(|| invalid("currency must be a supported ISO 4217 code such as \"USD\""))?;

    let items = match field(obj, "line_items") {
        Some(Value::Array(lines)) => parse_lines(lines, currency)?,
        Some(_) => return Err(invalid("line_items must be an array")),
        None if kind == EventKind::Paid => return Err(invalid("line_items is required")),
        None => Vec::new(),
    };

    let click_id = note_attribute(obj, click_param)
        .or_else(|| field(obj, "landing_site").and_then(Value::as_str).and_then(|s| landing_click(s, click_param)));
    // `discount_codes: [{"code", "amount", "type"}]`.
    let codes = match field(obj, "discount_codes") {
        Some(Value::Array(list)) => order_codes(
            list.iter().map(|d| d.as_object().and_then(|d| field(d, "code")).and_then(Value::as_str)),
            "discount_codes.code",
        )?,
        Some(_) => return Err(invalid("discount_codes must be a list of objects with a code")),
        None => Vec::new(),
    };

    Ok(OrderEvent {
        delivery_id: None,
        kind,
        order_id,
        click_id,
        codes,
        currency,
        items,
        refund_items: Vec::new(),
        occurred_at_ms: occurred_at(obj)?,
        customer_email: super::event::customer_email(
            field(obj, "email")
                .or_else(|| field(obj, "customer").and_then(Value::as_object).and_then(|c| field(c, "email"))),
        ),
    })
}

/// Lines without a sku (custom items, tips) can never match a product, so they are
/// skipped rather than failing the whole order.
fn parse_lines(lines: &[Value], currency: Currency) -> Result<Vec<LineItem>, PayloadError> {
    let mut items = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let name = format!("line_items[{i}]");
        let line = line.as_object().ok_or_else(|| invalid(format!("{name} must be an object")))?;
        let Some(sku) = sku(line, &name)? else {
            continue;
        };
        let quantity = amount(
            field(line, "quantity").ok_or_else(|| invalid(format!("{name}.quantity is required")))?,
            &format!("{name}.quantity"),
        )?;
        let unit_price = money(field(line, "price"), currency, &format!("{name}.price"))?;
        let mut discount: i64 = 0;
        if let Some(allocations) = field(line, "discount_allocations") {
            let allocations = allocations
                .as_array()
                .ok_or_else(|| invalid(format!("{name}.discount_allocations must be an array")))?;
            for (j, allocation) in allocations.iter().enumerate() {
                let an = format!("{name}.discount_allocations[{j}].amount");
                let value = allocation.as_object().and_then(|a| field(a, "amount"));
                discount = discount
                    .checked_add(money(value, currency, &an)?)
                    .filter(|d| *d <= MAX_AMOUNT)
                    .ok_or_else(|| invalid(format!("{name}.discount_allocations exceed {MAX_AMOUNT}")))?;
            }
        }
        items.push(line_item(sku, quantity, unit_price, discount, &name)?);
    }
    Ok(items)
}

fn parse_refund(obj: &Map<String, Value>) -> Result<OrderEvent, PayloadError> {
    let order_id =
        id_string_or_number(field(obj, "order_id").ok_or_else(|| invalid("order_id is required"))?, "order_id")?;
    let lines: &[Value] = match field(obj, "refund_line_items") {
        Some(Value::Array(lines)) => lines,
        Some(_) => return Err(invalid("refund_line_items must be an array")),
        None => &[],
    };

    let mut refund_items = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let name = format!("refund_line_items[{i}]");
        let line = line.as_object().ok_or_else(|| invalid(format!("{name} must be an object")))?;
        let sku = match field(line, "line_item") {
            Some(Value::Object(item)) => sku(item, &format!("{name}.line_item"))?,
            _ => None,
        };
        let Some(sku) = sku else { continue };
        let quantity = amount(
            field(line, "quantity").ok_or_else(|| invalid(format!("{name}.quantity is required")))?,
            &format!("{name}.quantity"),
        )?;
        refund_items.push(RefundItem { sku, quantity });
    }

    Ok(OrderEvent {
        delivery_id: None,
        kind: EventKind::Refunded,
        order_id,
        click_id: None,
        codes: Vec::new(),
        currency: refund_currency(obj, lines)?,
        items: Vec::new(),
        refund_items,
        occurred_at_ms: occurred_at(obj)?,
        customer_email: None,
    })
}

/// A Refund has no top-level currency: take the shop currency of its line subtotals,
/// else its transactions'. Guessing a default would book money in the wrong currency.
fn refund_currency(obj: &Map<String, Value>, lines: &[Value]) -> Result<Currency, PayloadError> {
    let from_lines =
        lines.iter().filter_map(|line| line.pointer("/subtotal_set/shop_money/currency_code").and_then(Value::as_str));
    let transactions = field(obj, "transactions").and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
    let from_transactions = transactions.iter().filter_map(|t| t.get("currency").and_then(Value::as_str));
    match from_lines.chain(from_transactions).next() {
        Some(code) => Currency::parse(code)
            .ok_or_else(|| invalid(format!("refund currency `{code}` is not a supported ISO 4217 code"))),
        None => Err(invalid("refund currency missing (no subtotal_set or transactions currency)")),
    }
}

/// A line's sku; `None` when null or blank.
fn sku(line: &Map<String, Value>, name: &str) -> Result<Option<String>, PayloadError> {
    match field(line, "sku") {
        None => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(v) => id_string(v, &format!("{name}.sku")).map(Some),
    }
}

/// A Shopify decimal string (`"19.99"`) in exact minor units; never via a float.
fn money(value: Option<&Value>, currency: Currency, name: &str) -> Result<i64, PayloadError> {
    let s = value
        .and_then(Value::as_str)
        .ok_or_else(|| invalid(format!("{name} must be a decimal string such as \"19.99\"")))?;
    match decimal_to_minor(s, currency) {
        Ok(v) if v >= 0 => Ok(v),
        Ok(_) => Err(invalid(format!("{name} must not be negative"))),
        Err(DecimalError::TooPrecise) => Err(invalid(format!("{name} has more decimals than {currency} allows"))),
        Err(DecimalError::TooLarge) => Err(invalid(format!("{name} exceeds {MAX_AMOUNT} minor units"))),
        Err(DecimalError::Malformed) => Err(invalid(format!("{name} must be a decimal string such as \"19.99\""))),
    }
}

/// The click id from the cart attribute named like the brand's click parameter (the
/// storefront script copies it there at checkout).
fn note_attribute(obj: &Map<String, Value>, click_param: &str) -> Option<String> {
    field(obj, "note_attributes")?
        .as_array()?
        .iter()
        .filter(|a| a.get("name").and_then(Value::as_str).map(str::trim) == Some(click_param))
        .find_map(|a| a.get("value").and_then(Value::as_str).and_then(click_value))
}

/// The click parameter of `landing_site`, the first URL the buyer landed on; Shopify
/// gives it relative (`/products/x?aff_click=clk_abc`) but sometimes absolute. Either way
/// the query is what follows the first `?`, up to a `#`.
fn landing_click(landing_site: &str, click_param: &str) -> Option<String> {
    let before_fragment = landing_site.split('#').next().unwrap_or("");
    let (_, query) = before_fragment.split_once('?')?;
    let (_, value) = form::parse(query).into_iter().find(|(k, _)| k == click_param)?;
    click_value(&value)
}

/// A usable click id: non-blank and bounded; anything else is treated as no click.
fn click_value(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty() && s.chars().count() <= MAX_ID_CHARS).then(|| s.to_string())
}

/// `processed_at`, else `created_at`; present but unparseable is an error, not "now".
fn occurred_at(obj: &Map<String, Value>) -> Result<Option<i64>, PayloadError> {
    for key in ["processed_at", "created_at"] {
        if let Some(v) = field(obj, key) {
            return v
                .as_str()
                .and_then(parse_rfc3339_ms)
                .map(Some)
                .ok_or_else(|| invalid(format!("{key} must be an RFC 3339 timestamp")));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn usd() -> Currency {
        Currency::parse("USD").unwrap()
    }

    /// An excerpt of a real `orders/paid` payload (REST Admin API 2024-01 shape).
    fn order() -> Value {
        json!({
            "id": 820982911946154508u64,
            "admin_graphql_api_id": "gid://shopify/Order/820982911946154508",
            "name": "#1001",
            "currency": "USD",
            "presentment_currency": "EUR",
            "created_at": "2024-01-15T10:29:00-05:00",
            "processed_at": "2024-01-15T10:30:00-05:00",
            "financial_status": "paid",
            "total_price": "47.97",
            "total_tax": "3.99",
            "landing_site": "/products/tee?utm_source=ig&aff_click=clk_landing",
            "note_attributes": [
                {"name": "gift_note", "value": "hi"},
                {"name": "aff_click", "value": "clk_note"}
            ],
            "line_items": [
                {
                    "id": 866550311766439020u64,
                    "sku": "TEE-1",
                    "quantity": 2,
                    "price": "19.99",
                    "price_set": {"shop_money": {"amount": "19.99", "currency_code": "USD"},
                                  "presentment_money": {"amount": "18.50", "currency_code": "EUR"}},
                    "discount_allocations": [
                        {"amount": "1.00", "discount_application_index": 0},
                        {"amount": "0.29", "discount_application_index": 1}
                    ],
                    "tax_lines": [{"price": "3.20", "rate": 0.08}]
                },
                {"id": 1, "sku": null, "quantity": 1, "price": "5.00", "title": "Gift wrap"},
                {"id": 2, "sku": "", "quantity": 1, "price": "1.00", "title": "Tip"},
                {"id": 3, "sku": "MUG-1", "quantity": 1, "price": "8.00", "discount_allocations": []}
            ],
            "shipping_lines": [{"price": "4.99"}]
        })
    }

    fn with(mut base: Value, key: &str, value: Value) -> Value {
        base[key] = value;
        base
    }

    fn parse(topic: &str, v: &Value) -> Result<OrderEvent, PayloadError> {
        parse_shopify(topic, v.to_string().as_bytes(), "aff_click")
    }

    fn invalid_msg(topic: &str, v: &Value) -> String {
        match parse(topic, v) {
            Err(PayloadError::Invalid(m)) => m,
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn the_customer_email_is_the_orders_else_its_customers_normalized() {
        let mut v = order();
        if let Some(o) = v.as_object_mut() {
            o.remove("email");
            o.remove("contact_email");
        }
        let only_customer = with(v.clone(), "customer", json!({ "email": " Maya@Example.COM " }));
        assert_eq!(parse("orders/paid", &only_customer).unwrap().customer_email.as_deref(), Some("maya@example.com"));
        let both = with(only_customer, "email", json!("Buyer@Shop.example"));
        assert_eq!(parse("orders/paid", &both).unwrap().customer_email.as_deref(), Some("buyer@shop.example"));
        // Not an address: no email, and the order still parses.
        let odd = with(v.clone(), "email", json!("nobody"));
        assert_eq!(parse("orders/paid", &odd).unwrap().customer_email, None);
        assert_eq!(parse("orders/paid", &v).unwrap().customer_email, None);
    }

    #[test]
    fn discount_codes_come_from_their_code_fields() {
        let v =
            with(order(), "discount_codes", json!([{"code": "SUMMER10", "amount": "5.00", "type": "fixed_amount"}]));
        assert_eq!(parse("orders/paid", &v).unwrap().codes, vec!["SUMMER10".to_string()]);
        for bad in [json!(["SUMMER10"]), json!([{"code": 5}]), json!("SUMMER10")] {
            assert!(parse("orders/paid", &with(order(), "discount_codes", bad.clone())).is_err(), "{bad}");
        }
    }

    #[test]
    fn paid_order_parses_exactly() {
        let e = parse("orders/paid", &order()).unwrap();
        assert_eq!(e.delivery_id, None);
        assert_eq!(e.kind, EventKind::Paid);
        assert_eq!(e.order_id, "820982911946154508");
        assert_eq!(e.currency, usd());
        assert_eq!(e.click_id.as_deref(), Some("clk_note"));
        assert_eq!(
            e.items,
            vec![
                // 19.99 is 1999 exactly; discounts 1.00 + 0.29 (0.29 is inexact as f64).
                LineItem { sku: "TEE-1".into(), quantity: 2, unit_price: 1999, discount: 129 },
                LineItem { sku: "MUG-1".into(), quantity: 1, unit_price: 800, discount: 0 },
            ]
        );
        assert!(e.refund_items.is_empty());
        // processed_at wins over created_at: 2024-01-15T15:30:00Z.
        assert_eq!(e.occurred_at_ms, Some(1_705_332_600_000));
    }

    #[test]
    fn click_id_falls_back_to_landing_site() {
        let v = with(order(), "note_attributes", json!([{"name": "aff_click", "value": ""}]));
        assert_eq!(parse("orders/paid", &v).unwrap().click_id.as_deref(), Some("clk_landing"));
        let v = with(order(), "note_attributes", Value::Null);
        assert_eq!(parse("orders/paid", &v).unwrap().click_id.as_deref(), Some("clk_landing"));

        for (landing, expected) in [
            ("/?aff_click=clk_a", Some("clk_a")),
            ("/products/x?aff_click=clk%5Fb&utm=1#reviews", Some("clk_b")),
            ("https://shop.example/p?x=1&aff_click=clk_c", Some("clk_c")),
            ("/products/x?aff_clicks=clk_d", None),
            ("/products/x?aff_click=", None),
            ("/products/x", None),
            ("", None),
            ("http://[::1", None),
            ("/products/x#top?aff_click=clk_e", None),
            ("?aff_click=clk_f", Some("clk_f")),
        ] {
            let v = with(with(order(), "note_attributes", json!([])), "landing_site", json!(landing));
            assert_eq!(parse("orders/paid", &v).unwrap().click_id.as_deref(), expected, "{landing}");
        }
        let v = with(with(order(), "note_attributes", json!([])), "landing_site", Value::Null);
        assert_eq!(parse("orders/paid", &v).unwrap().click_id, None);

        // The brand's own parameter name is the one looked for.
        let e = parse_shopify("orders/paid", order().to_string().as_bytes(), "ref").unwrap();
        assert_eq!(e.click_id, None);
        let v = with(order(), "note_attributes", json!([{"name": "ref", "value": " clk_r "}]));
        let e = parse_shopify("orders/paid", v.to_string().as_bytes(), "ref").unwrap();
        assert_eq!(e.click_id.as_deref(), Some("clk_r"));
    }

    #[test]
    fn jpy_prices_have_no_minor_unit() {
        let v = json!({
            "id": 450789469, "currency": "JPY", "created_at": "2024-03-01T09:00:00+09:00",
            "line_items": [{"sku": "KIT-1", "quantity": 3, "price": "1000",
                            "discount_allocations": [{"amount": "150.00"}]}]
        });
        let e = parse("orders/paid", &v).unwrap();
        assert_eq!(e.currency.as_str(), "JPY");
        assert_eq!(e.items, vec![LineItem { sku: "KIT-1".into(), quantity: 3, unit_price: 1000, discount: 150 }]);
        assert_eq!(e.occurred_at_ms, Some(1_709_251_200_000));
        let v = with(v, "line_items", json!([{"sku": "K", "quantity": 1, "price": "1000.5"}]));
        assert!(invalid_msg("orders/paid", &v).starts_with("line_items[0].price"));
    }

    #[test]
    fn cancelled_order_parses() {
        let e = parse("orders/cancelled", &order()).unwrap();
        assert_eq!(e.kind, EventKind::Cancelled);
        assert_eq!(e.items.len(), 2);
        let mut v = order();
        v.as_object_mut().unwrap().remove("line_items");
        assert!(parse("orders/cancelled", &v).unwrap().items.is_empty());
        assert!(invalid_msg("orders/paid", &v).starts_with("line_items"));
    }

    fn refund() -> Value {
        json!({
            "id": 509562969,
            "order_id": 820982911946154508u64,
            "created_at": "2024-01-20T12:00:00-05:00",
            "processed_at": null,
            "note": "Damaged",
            "restock": true,
            "refund_line_items": [
                {
                    "id": 104689539, "quantity": 1, "line_item_id": 866550311766439020u64,
                    "restock_type": "return",
                    "subtotal": 19.99,
                    "subtotal_set": {"shop_money": {"amount": "19.99", "currency_code": "USD"},
                                     "presentment_money": {"amount": "18.50", "currency_code": "EUR"}},
                    "line_item": {"id": 866550311766439020u64, "sku": "TEE-1", "quantity": 2, "price": "19.99"}
                },
                {"id": 2, "quantity": 1, "line_item_id": 1, "line_item": {"id": 1, "sku": null, "price": "5.00"}}
            ],
            "transactions": [{"id": 1, "kind": "refund", "amount": "18.70", "currency": "EUR"}]
        })
    }

    #[test]
    fn refund_parses_items_and_shop_currency() {
        let e = parse("refunds/create", &refund()).unwrap();
        assert_eq!(e.kind, EventKind::Refunded);
        assert_eq!(e.order_id, "820982911946154508");
        assert_eq!(e.delivery_id, None);
        assert_eq!(e.click_id, None);
        // The shop currency of the subtotal wins over the transaction's.
        assert_eq!(e.currency, usd());
        assert!(e.items.is_empty());
        assert_eq!(e.refund_items, vec![RefundItem { sku: "TEE-1".into(), quantity: 1 }]);
        assert_eq!(e.occurred_at_ms, Some(1_705_770_000_000));
    }

    #[test]
    fn refund_currency_falls_back_to_transactions_else_fails() {
        let v = with(refund(), "refund_line_items", json!([]));
        let e = parse("refunds/create", &v).unwrap();
        assert_eq!(e.currency.as_str(), "EUR");
        assert!(e.refund_items.is_empty());

        let v = with(v, "transactions", json!([]));
        assert!(invalid_msg("refunds/create", &v).contains("refund currency missing"));
        let v = with(refund(), "transactions", json!([{"currency": "XXX"}]));
        assert_eq!(parse("refunds/create", &v).unwrap().currency, usd());
        let v = with(with(refund(), "refund_line_items", json!([])), "transactions", json!([{"currency": "XXX"}]));
        assert!(invalid_msg("refunds/create", &v).contains("XXX"));
    }

    #[test]
    fn invalid_orders_name_their_field() {
        let cases: Vec<(Value, &str)> = vec![
            (with(order(), "id", Value::Null), "id"),
            (with(order(), "id", json!(-1)), "id"),
            (with(order(), "currency", json!("ZZZ")), "currency"),
            (with(order(), "currency", Value::Null), "currency"),
            (with(order(), "line_items", json!({})), "line_items"),
            (with(order(), "line_items", json!([{"sku": "A", "quantity": 1, "price": 19.99}])), "line_items[0].price"),
            (
                with(order(), "line_items", json!([{"sku": "A", "quantity": 1, "price": "19.999"}])),
                "line_items[0].price",
            ),
            (
                with(order(), "line_items", json!([{"sku": "A", "quantity": 1, "price": "-1.00"}])),
                "line_items[0].price",
            ),
            (with(order(), "line_items", json!([{"sku": "A", "quantity": 1, "price": "1e3"}])), "line_items[0].price"),
            (
                with(order(), "line_items", json!([{"sku": "A", "quantity": -1, "price": "1.00"}])),
                "line_items[0].quantity",
            ),
            (with(order(), "line_items", json!([{"sku": "A", "price": "1.00"}])), "line_items[0].quantity"),
            (
                with(
                    order(),
                    "line_items",
                    json!([{"sku": "A", "quantity": 1, "price": "1.00",
                "discount_allocations": [{"amount": "2.00"}]}]),
                ),
                "line_items[0].discount",
            ),
            (
                with(
                    order(),
                    "line_items",
                    json!([{"sku": "A", "quantity": 1, "price": "1.00",
                "discount_allocations": [{"amount": 0.5}]}]),
                ),
                "line_items[0].discount_allocations[0].amount",
            ),
            (
                with(order(), "line_items", json!([{"sku": "x".repeat(201), "quantity": 1, "price": "1.00"}])),
                "line_items[0].sku",
            ),
            (with(order(), "line_items", json!([{"sku": 5, "quantity": 1, "price": "1.00"}])), "line_items[0].sku"),
            (with(order(), "line_items", json!(["TEE-1"])), "line_items[0]"),
            (with(order(), "processed_at", json!("last tuesday")), "processed_at"),
        ];
        for (v, field) in cases {
            let msg = invalid_msg("orders/paid", &v);
            assert!(msg.starts_with(field), "{field}: {msg}");
        }
        assert!(invalid_msg("refunds/create", &with(refund(), "order_id", Value::Null)).starts_with("order_id"));
        let bad_qty = with(refund(), "refund_line_items", json!([{"quantity": -2, "line_item": {"sku": "A"}}]));
        assert!(invalid_msg("refunds/create", &bad_qty).starts_with("refund_line_items[0].quantity"));
    }

    #[test]
    fn topic_and_body_errors() {
        let msg = invalid_msg("orders/create", &order());
        assert!(msg.contains("orders/create"), "{msg}");
        assert!(parse("", &order()).is_err());
        assert!(matches!(parse_shopify("orders/paid", b"not json", "aff_click"), Err(PayloadError::NotJson(_))));
        assert_eq!(parse_shopify("orders/paid", b"[]", "aff_click").unwrap_err().status(), 422);
    }
}
