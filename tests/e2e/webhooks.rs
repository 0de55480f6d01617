//! Signed order webhooks, attribution and the commission ledger, end to end.

use crate::common::sign::{headers, headers_at, now_secs};
use crate::common::{
    app, eventually, link_stats, new_brand, new_creator, new_link, new_product, unique, Brand, Creator, Resp,
};
use serde_json::{json, Value};

/// A brand with one product and a creator's link to it.
pub(crate) struct Shop {
    pub(crate) brand: Brand,
    pub(crate) creator: Creator,
    pub(crate) product: Value,
    pub(crate) link: Value,
    scheme: String,
    app_key: Option<String>,
}

pub(crate) fn shop(scheme: &str, extra: Value) -> Shop {
    let mut brand_fields = json!({ "webhook_scheme": scheme, "hold_days": 30 });
    let app_key = (scheme == "tiktok").then(|| unique("app"));
    if let Some(k) = &app_key {
        brand_fields["webhook_app_key"] = json!(k);
    }
    crate::common::merge(&mut brand_fields, extra);
    let brand = new_brand(brand_fields);
    let product = new_product(&brand, json!({ "commission_bps": 1250 }));
    let creator = new_creator();
    let link = new_link(&creator, product["id"].as_str().unwrap());
    Shop { brand, creator, product, link, scheme: scheme.to_string(), app_key }
}

impl Shop {
    pub(crate) fn sku(&self) -> &str {
        self.product["sku"].as_str().unwrap()
    }
    pub(crate) fn code(&self) -> &str {
        self.link["code"].as_str().unwrap()
    }

    /// A human click through the link; returns its click id once it is recorded.
    pub(crate) fn click(&self) -> String {
        click_link(&self.creator, self.code(), &unique("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Test/"))
    }

    pub(crate) fn deliver(&self, delivery_id: &str, body: &Value) -> Resp {
        let bytes = serde_json::to_vec(body).unwrap();
        self.deliver_raw(delivery_id, &bytes, &[])
    }

    pub(crate) fn deliver_raw(&self, delivery_id: &str, body: &[u8], extra: &[(&str, &str)]) -> Resp {
        let signed = headers(&self.scheme, &self.brand.webhook_secret, self.app_key.as_deref(), delivery_id, body);
        let mut hs: Vec<(&str, &str)> = signed.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        hs.push(("content-type", "application/json"));
        hs.extend_from_slice(extra);
        app().send("POST", &format!("/webhooks/{}", self.brand.id), None, &hs, Some(body))
    }

    pub(crate) fn paid(&self, order_id: &str, click_id: Option<&str>, items: Value) -> Value {
        let id = unique("evt_");
        let mut ev = json!({
            "id": id, "type": "order.paid", "order_id": order_id, "currency": "USD", "items": items,
        });
        if let Some(c) = click_id {
            ev["click_id"] = json!(c);
        }
        if self.scheme == "tiktok" {
            ev["tts_notification_id"] = json!(unique("tts_"));
        }
        ev
    }

    pub(crate) fn refund(&self, order_id: &str, kind: &str, refund_items: Value) -> Value {
        let mut ev = json!({
            "id": unique("evt_"), "type": kind, "order_id": order_id, "currency": "USD", "items": [],
            "refund": { "items": refund_items },
        });
        if self.scheme == "tiktok" {
            ev["tts_notification_id"] = json!(unique("tts_"));
        }
        ev
    }

    pub(crate) fn earnings(&self) -> Value {
        app().get("/api/me/earnings", Some(&self.creator.api_key)).expect(200)
    }

    pub(crate) fn orders(&self) -> Value {
        app().get("/api/orders", Some(&self.brand.api_key)).expect(200)
    }
}

/// Follows `code` as a human and waits for the click row (it is written after the 302).
pub fn click_link(owner: &Creator, code: &str, ua: &str) -> String {
    let r = app().send("GET", &format!("/{code}"), None, &[("user-agent", ua)], None);
    assert_eq!(r.status, 302, "{}", r.body);
    let location = r.header("location").expect("location").to_string();
    let clk = location
        .split(['?', '&'])
        .find_map(|kv| kv.strip_prefix("aff_click="))
        .expect("click param in location")
        .to_string();
    let counted = |s: &Value| s["clicks"].as_i64().unwrap_or(0) + s["bot_clicks"].as_i64().unwrap_or(0) >= 1;
    let stats = eventually(|| link_stats(owner, code), counted);
    assert!(counted(&stats), "the click was not recorded: {stats}");
    clk
}

fn total(earnings: &Value, currency: &str) -> Value {
    earnings["totals"]
        .as_array()
        .and_then(|ts| ts.iter().find(|t| t["currency"] == currency).cloned())
        .unwrap_or(json!({"currency": currency, "pending": 0, "approved": 0, "reversed": 0, "paid": 0}))
}

fn run_approval() {
    app().get("/__scheduled?cron=*/15+*+*+*+*", None);
}

#[test]
fn a_signed_order_is_attributed_with_the_exact_commission_in_every_scheme() {
    for scheme in ["standard", "stripe", "shopify", "woocommerce", "tiktok"] {
        let s = shop(scheme, json!({}));
        let clk = s.click();
        let order = unique("order-");
        // (1999 × 3 − 500) × 12.5 % = 5497 × 0.125 = 687.125 → 687
        let ev =
            s.paid(&order, Some(&clk), json!([{ "sku": s.sku(), "quantity": 3, "unit_price": 1999, "discount": 500 }]));
        let v = s.deliver(&unique("dlv_"), &ev).expect(200);
        assert_eq!(v["status"], "attributed", "{scheme}: {v}");
        assert_eq!(v["order_id"], order.as_str());
        let c = &v["commissions"][0];
        assert_eq!(c["amount"], json!({"amount": 687, "currency": "USD"}), "{scheme}");
        assert_eq!(c["base"], json!({"amount": 5497, "currency": "USD"}));
        assert_eq!(c["rate_bps"], 1250);
        assert_eq!(c["state"], "pending");
        assert_eq!(c["kind"], "commission");
        assert_eq!(c["creator_id"], s.creator.id.as_str());
        assert_eq!(c["brand_id"], s.brand.id.as_str());
        assert_eq!(c["link_code"], s.code());
        assert_eq!(c["live_session_id"], Value::Null);
        assert!(c["id"].as_str().unwrap().starts_with("cm_"));
        assert_eq!(total(&s.earnings(), "USD")["pending"], 687, "{scheme}");
    }
}

#[test]
fn native_shopify_orders_convert_decimal_prices_exactly() {
    let s = shop("shopify", json!({}));
    let clk = s.click();
    let order_id = 820982911946154500_u64 % 9_000_000_000_000;
    let body = json!({
        "id": order_id,
        "currency": "USD",
        "processed_at": "2099-01-01T00:00:00Z",
        "note_attributes": [{ "name": "aff_click", "value": clk }],
        "landing_site": "/products/x?utm_source=tiktok",
        "line_items": [
            { "sku": s.sku(), "quantity": 1, "price": "0.29", "discount_allocations": [] },
            { "sku": s.sku(), "quantity": 2, "price": "19.99", "discount_allocations": [{"amount": "1.00"}, {"amount": "0.98"}] },
        ],
        "total_tax": "3.10", "shipping_lines": [{"price": "5.00"}]
    });
    let bytes = serde_json::to_vec(&body).unwrap();
    // processed_at far in the future is outside the window: unattributed.
    let r = s.deliver_raw(&unique("shp_"), &bytes, &[("X-Shopify-Topic", "orders/paid")]).expect(200);
    assert_eq!(r["status"], "unattributed");

    let mut body2 = body.clone();
    body2["id"] = json!(order_id + 1);
    body2.as_object_mut().unwrap().remove("processed_at");
    body2["note_attributes"] = json!([]);
    body2["landing_site"] = json!(format!("/products/x?utm_source=tiktok&aff_click={clk}"));
    let bytes = serde_json::to_vec(&body2).unwrap();
    let v = s.deliver_raw(&unique("shp_"), &bytes, &[("X-Shopify-Topic", "orders/paid")]).expect(200);
    assert_eq!(v["status"], "attributed", "{v}");
    assert_eq!(v["order_id"], (order_id + 1).to_string());
    // 0.29 → 29 → 3 (12.5 %, floored); 2 × 19.99 − 1.98 = 38.00 → 3800 → 475. Tax/shipping never count.
    let amounts: Vec<i64> =
        v["commissions"].as_array().unwrap().iter().map(|c| c["amount"]["amount"].as_i64().unwrap()).collect();
    assert_eq!(amounts, vec![3, 475]);
}

#[test]
fn bad_or_missing_signatures_are_401_and_store_nothing() {
    let s = shop("standard", json!({}));
    let ev = s.paid(&unique("o-"), None, json!([{ "sku": s.sku(), "quantity": 1, "unit_price": 100 }]));
    let body = serde_json::to_vec(&ev).unwrap();
    let path = format!("/webhooks/{}", s.brand.id);
    app().send("POST", &path, None, &[], Some(&body)).expect_error(401, "invalid_signature");
    let mut forged = headers("standard", &s.brand.webhook_secret, None, "msg_1", &body);
    forged[2].1 = "v1,R3PTzyfHASBKHH98a7yexTwaJ4yNIcGhFQc1yuN+BPU=".into();
    let hs: Vec<(&str, &str)> = forged.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app().send("POST", &path, None, &hs, Some(&body)).expect(401);
    // Signed for another body.
    let other = headers("standard", &s.brand.webhook_secret, None, "msg_2", b"{}");
    let hs: Vec<(&str, &str)> = other.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app().send("POST", &path, None, &hs, Some(&body)).expect(401);
    // Stale timestamp (more than 5 minutes old).
    let stale = headers_at("standard", &s.brand.webhook_secret, None, "msg_3", &body, now_secs() - 301);
    let hs: Vec<(&str, &str)> = stale.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app().send("POST", &path, None, &hs, Some(&body)).expect(401);
    assert_eq!(s.orders()["items"], json!([]));
}

#[test]
fn stale_stripe_signatures_are_refused() {
    let s = shop("stripe", json!({}));
    let ev = s.paid(&unique("o-"), None, json!([]));
    let body = serde_json::to_vec(&ev).unwrap();
    let old = headers_at("stripe", &s.brand.webhook_secret, None, "", &body, now_secs() - 400);
    let hs: Vec<(&str, &str)> = old.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app().send("POST", &format!("/webhooks/{}", s.brand.id), None, &hs, Some(&body)).expect(401);
    assert_eq!(s.orders()["items"], json!([]));
}

#[test]
fn bad_input_after_a_valid_signature() {
    let s = shop("standard", json!({}));
    s.deliver_raw(&unique("d"), b"{not json", &[]).expect_error(400, "invalid_json");
    let neg = s.paid(&unique("o-"), None, json!([{ "sku": s.sku(), "quantity": -1, "unit_price": 100 }]));
    s.deliver(&unique("d"), &neg).expect_error(422, "validation_failed");
    let mut cur = s.paid(&unique("o-"), None, json!([]));
    cur["currency"] = json!("ZZZ");
    s.deliver(&unique("d"), &cur).expect(422);
    let float = s.paid(&unique("o-"), None, json!([{ "sku": s.sku(), "quantity": 1, "unit_price": 19.99 }]));
    s.deliver(&unique("d"), &float).expect(422);
    let mut big = s.paid(&unique("o-"), None, json!([]));
    big["padding"] = json!("x".repeat(1024 * 1024 + 10));
    s.deliver(&unique("d"), &big).expect_error(413, "payload_too_large");
    app().send("POST", "/webhooks/br_doesnotexist000000000", None, &[], Some(b"{}")).expect_error(404, "not_found");
    assert_eq!(s.orders()["items"], json!([]));
}

#[test]
fn woocommerce_creation_ping_is_answered_and_stores_nothing() {
    let s = shop("woocommerce", json!({}));
    let v = app()
        .send(
            "POST",
            &format!("/webhooks/{}", s.brand.id),
            None,
            &[("content-type", "application/x-www-form-urlencoded")],
            Some(b"webhook_id=15"),
        )
        .expect(200);
    assert_eq!(v, json!({"status": "ping"}));
    assert_eq!(s.orders()["items"], json!([]));
}

#[test]
fn replays_and_the_same_order_under_another_delivery_are_duplicates() {
    let s = shop("standard", json!({}));
    let clk = s.click();
    let order = unique("o-");
    let ev = s.paid(&order, Some(&clk), json!([{ "sku": s.sku(), "quantity": 1, "unit_price": 10000 }]));
    let first = s.deliver("msg_fixed_1", &ev).expect(200);
    assert_eq!(first["status"], "attributed");
    let again = s.deliver("msg_fixed_1", &ev).expect(200);
    assert_eq!(again["status"], "duplicate");
    assert_eq!(again["commissions"].as_array().unwrap().len(), 1, "answers with what exists");
    let other = s.deliver("msg_fixed_2", &ev).expect(200);
    assert_eq!(other["status"], "duplicate");
    let list = app().get("/api/me/commissions", Some(&s.creator.api_key)).expect(200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(total(&s.earnings(), "USD")["pending"], 1250);
}

#[test]
fn twenty_concurrent_copies_make_exactly_one_commission() {
    let s = shop("standard", json!({}));
    let clk = s.click();
    let ev = s.paid(&unique("o-"), Some(&clk), json!([{ "sku": s.sku(), "quantity": 2, "unit_price": 5000 }]));
    let body = serde_json::to_vec(&ev).unwrap();
    let signed = headers("standard", &s.brand.webhook_secret, None, "msg_concurrent", &body);
    let path = format!("/webhooks/{}", s.brand.id);
    let statuses: Vec<(u16, String)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..20)
            .map(|_| {
                scope.spawn(|| {
                    let hs: Vec<(&str, &str)> = signed.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                    let r = app().send("POST", &path, None, &hs, Some(&body));
                    (r.status, r.json()["status"].as_str().unwrap_or("").to_string())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(statuses.iter().all(|(code, _)| *code == 200), "{statuses:?}");
    assert_eq!(statuses.iter().filter(|(_, st)| st == "attributed").count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|(_, st)| st == "duplicate").count(), 19, "{statuses:?}");
    let list = app().get("/api/me/commissions", Some(&s.creator.api_key)).expect(200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(total(&s.earnings(), "USD")["pending"], 1250);
}

#[test]
fn out_of_window_bot_foreign_and_unknown_clicks_do_not_attribute() {
    let s = shop("standard", json!({ "attribution_window_days": 1 }));
    let clk = s.click();
    let item = json!([{ "sku": s.sku(), "quantity": 1, "unit_price": 1000 }]);
    let fmt = |secs: i64| affiliate_edge::domain::attribution::format_rfc3339_ms(secs * 1000);
    // Two days later: past the 1-day window (+5 min tolerance).
    let mut late = s.paid(&unique("o-"), Some(&clk), item.clone());
    late["occurred_at"] = json!(fmt(now_secs() + 2 * 86400));
    assert_eq!(s.deliver(&unique("d"), &late).expect(200)["status"], "unattributed");
    // An hour before the click: not caused by it.
    let mut early = s.paid(&unique("o-"), Some(&clk), item.clone());
    early["occurred_at"] = json!(fmt(now_secs() - 3600));
    assert_eq!(s.deliver(&unique("d"), &early).expect(200)["status"], "unattributed");
    // Within the 5-minute skew tolerance before the click: attributed.
    let mut skew = s.paid(&unique("o-"), Some(&clk), item.clone());
    skew["occurred_at"] = json!(fmt(now_secs() - 120));
    assert_eq!(s.deliver(&unique("d"), &skew).expect(200)["status"], "attributed");
    // Another brand's click.
    let other = shop("standard", json!({}));
    let foreign = other.click();
    let f = s.paid(&unique("o-"), Some(&foreign), item.clone());
    assert_eq!(s.deliver(&unique("d"), &f).expect(200)["status"], "unattributed");
    // A bot's click is redirected but never attributes.
    let r = app().send("GET", &format!("/{}", s.code()), None, &[("user-agent", "facebookexternalhit/1.1")], None);
    let bot_clk = r.header("location").unwrap().split("aff_click=").nth(1).unwrap().to_string();
    let stats = eventually(|| link_stats(&s.creator, s.code()), |v| v["bot_clicks"] == 1);
    assert_eq!(stats["bot_clicks"], 1);
    let b = s.paid(&unique("o-"), Some(&bot_clk), item.clone());
    assert_eq!(s.deliver(&unique("d"), &b).expect(200)["status"], "unattributed");
    // A made-up click id, and none at all.
    let u = s.paid(&unique("o-"), Some("clk_nothere"), item.clone());
    assert_eq!(s.deliver(&unique("d"), &u).expect(200)["status"], "unattributed");
    let n = s.paid(&unique("o-"), None, item);
    let v = s.deliver(&unique("d"), &n).expect(200);
    assert_eq!(v["status"], "unattributed");
    assert_eq!(v["commissions"], json!([]));
    assert_eq!(total(&s.earnings(), "USD")["pending"], 125);
}

#[test]
fn a_valid_click_with_no_known_sku_is_attributed_with_no_commission() {
    let s = shop("standard", json!({}));
    let clk = s.click();
    let ev = s.paid(&unique("o-"), Some(&clk), json!([{ "sku": "NOT-OURS", "quantity": 1, "unit_price": 1000 }]));
    let v = s.deliver(&unique("d"), &ev).expect(200);
    assert_eq!(v["status"], "attributed");
    assert_eq!(v["commissions"], json!([]));
}

#[test]
fn partial_refunds_reverse_the_refunded_units_and_cancel_the_rest() {
    let s = shop("standard", json!({}));
    let clk = s.click();
    let order = unique("o-");
    // 3 × 1000 − 300 = 2700 @ 12.5 % = 337
    let ev =
        s.paid(&order, Some(&clk), json!([{ "sku": s.sku(), "quantity": 3, "unit_price": 1000, "discount": 300 }]));
    assert_eq!(s.deliver(&unique("d"), &ev).expect(200)["commissions"][0]["amount"]["amount"], 337);
    // Refund 1: remaining 2 × 1000 − 200 = 1800 → 225; reversed 112.
    let r1 = s.refund(&order, "order.refunded", json!([{ "sku": s.sku(), "quantity": 1 }]));
    let v = s.deliver(&unique("d"), &r1).expect(200);
    assert_eq!(v["status"], "reversed");
    let c = &v["commissions"][0];
    assert_eq!(c["kind"], "reversal");
    assert_eq!(c["amount"]["amount"], -112);
    assert_eq!(c["quantity"], 1);
    let t = total(&s.earnings(), "USD");
    assert_eq!((t["pending"].as_i64(), t["reversed"].as_i64()), (Some(225), Some(112)));
    // The same delivery again: a duplicate, nothing more taken.
    let d2 = unique("d");
    let r2 = s.refund(&order, "order.refunded", json!([{ "sku": s.sku(), "quantity": 1 }]));
    assert_eq!(s.deliver(&d2, &r2).expect(200)["status"], "reversed");
    assert_eq!(s.deliver(&d2, &r2).expect(200)["status"], "duplicate");
    // Second unit: remaining 1 × 1000 − 100 = 900 → 112; reversed 225 − 112 = 113.
    let t = total(&s.earnings(), "USD");
    assert_eq!((t["pending"].as_i64(), t["reversed"].as_i64()), (Some(112), Some(225)));
    // Cancel: the rest goes.
    let cancel = s.refund(&order, "order.cancelled", json!([]));
    let v = s.deliver(&unique("d"), &cancel).expect(200);
    assert_eq!(v["commissions"][0]["amount"]["amount"], -112);
    let t = total(&s.earnings(), "USD");
    assert_eq!((t["pending"].as_i64(), t["reversed"].as_i64()), (Some(0), Some(337)));
    // Refunding more after everything is gone reverses nothing more.
    let more = s.refund(&order, "order.refunded", json!([{ "sku": s.sku(), "quantity": 3 }]));
    assert_eq!(s.deliver(&unique("d"), &more).expect(200)["commissions"], json!([]));
    assert_eq!(total(&s.earnings(), "USD")["reversed"], 337);
    let orders = s.orders();
    assert_eq!(orders["items"][0]["state"], "cancelled");
    assert_eq!(orders["items"][0]["commission"]["amount"], 0);
}

/// Refunds of one line racing each other commute: each adds its units to what is stored
/// when its write batch runs, and its take-back is computed there (`TAKE_BACK_SQL`). With
/// an awkward line (a discount that doesn't divide, a rate that rounds) the amounts must be
/// exactly those of the same refunds applied one after another by the domain's own
/// `reversal_for_refund`, in whatever order they landed.
#[test]
fn concurrent_refunds_of_one_line_commute_to_the_sequential_amounts() {
    use affiliate_edge::domain::commission::{commission_on, line_base, reversal_for_refund};
    let s = shop("standard", json!({}));
    let clk = s.click();
    let order = unique("o-");
    let (quantity, unit_price, discount, bps) = (7i64, 1999i64, 1234i64, 1250u32);
    let ev = s.paid(
        &order,
        Some(&clk),
        json!([{ "sku": s.sku(), "quantity": quantity, "unit_price": unit_price, "discount": discount }]),
    );
    let full = commission_on(line_base(unit_price, quantity, discount).unwrap(), bps).unwrap();
    assert_eq!(s.deliver(&unique("d"), &ev).expect(200)["commissions"][0]["amount"]["amount"], full);
    let answers: Vec<(u16, Value)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..quantity)
            .map(|_| {
                scope.spawn(|| {
                    let r = s.refund(&order, "order.refunded", json!([{ "sku": s.sku(), "quantity": 1 }]));
                    let v = s.deliver(&unique("d"), &r);
                    (v.status, v.json())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(answers.iter().all(|(code, v)| *code == 200 && v["status"] == "reversed"), "{answers:?}");
    let mut got: Vec<i64> =
        answers.iter().map(|(_, v)| v["commissions"][0]["amount"]["amount"].as_i64().unwrap()).collect();
    let mut want: Vec<i64> =
        (0..quantity).map(|r| -reversal_for_refund(unit_price, quantity, discount, bps, r, 1).unwrap()).collect();
    got.sort_unstable();
    want.sort_unstable();
    assert_eq!(got, want, "{answers:?}");
    assert_eq!(got.iter().sum::<i64>(), -full);
    let t = total(&s.earnings(), "USD");
    assert_eq!((t["pending"].as_i64(), t["reversed"].as_i64()), (Some(0), Some(full)));
    let o = s.orders();
    let row = o["items"].as_array().unwrap().iter().find(|x| x["order_id"] == order.as_str()).unwrap().clone();
    assert_eq!((row["state"].as_str(), row["commission"]["amount"].as_i64()), (Some("refunded"), Some(0)), "{row}");
    // A refund past the line's quantity takes back nothing more.
    let r = s.refund(&order, "order.refunded", json!([{ "sku": s.sku(), "quantity": 1 }]));
    let v = s.deliver(&unique("d"), &r).expect(200);
    assert_eq!(v["commissions"], json!([]), "{v}");
}

#[test]
fn refunds_of_unknown_or_unattributed_orders_are_unattributed() {
    let s = shop("standard", json!({}));
    let r = s.refund("never-seen", "order.refunded", json!([{ "sku": s.sku(), "quantity": 1 }]));
    assert_eq!(s.deliver(&unique("d"), &r).expect(200)["status"], "unattributed");
    let order = unique("o-");
    let ev = s.paid(&order, None, json!([{ "sku": s.sku(), "quantity": 1, "unit_price": 100 }]));
    s.deliver(&unique("d"), &ev).expect(200);
    let c = s.refund(&order, "order.cancelled", json!([]));
    assert_eq!(s.deliver(&unique("d"), &c).expect(200)["status"], "unattributed");
}

#[test]
fn approval_after_the_hold_and_a_clawback_after_approval() {
    let s = shop("standard", json!({ "hold_days": 0 }));
    let held = shop("standard", json!({ "hold_days": 30 }));
    let clk = s.click();
    let held_clk = held.click();
    let order = unique("o-");
    let ev = s.paid(&order, Some(&clk), json!([{ "sku": s.sku(), "quantity": 2, "unit_price": 4000 }]));
    assert_eq!(s.deliver(&unique("d"), &ev).expect(200)["commissions"][0]["amount"]["amount"], 1000);
    let held_ev =
        held.paid(&unique("o-"), Some(&held_clk), json!([{ "sku": held.sku(), "quantity": 1, "unit_price": 800 }]));
    held.deliver(&unique("d"), &held_ev).expect(200);
    run_approval();
    let t = eventually(|| total(&s.earnings(), "USD"), |t| t["approved"] == 1000);
    assert_eq!(t["approved"], 1000, "approved after the hold");
    assert_eq!(total(&held.earnings(), "USD")["pending"], 100, "still on hold");
    // Refund one unit after approval: a clawback; the approved entry is not edited.
    let r = s.refund(&order, "order.refunded", json!([{ "sku": s.sku(), "quantity": 1 }]));
    let v = s.deliver(&unique("d"), &r).expect(200);
    assert_eq!(v["commissions"][0]["kind"], "clawback");
    assert_eq!(v["commissions"][0]["amount"]["amount"], -500);
    let list = app().get("/api/me/commissions", Some(&s.creator.api_key)).expect(200);
    let items = list["items"].as_array().unwrap();
    let original = items.iter().find(|c| c["kind"] == "commission").unwrap();
    assert_eq!(original["state"], "approved");
    assert_eq!(original["amount"]["amount"], 1000);
    let t = total(&s.earnings(), "USD");
    assert_eq!(
        (t["approved"].as_i64(), t["reversed"].as_i64(), t["pending"].as_i64()),
        (Some(500), Some(500), Some(0))
    );
}

#[test]
fn rate_precedence_and_the_clicks_rate_lock() {
    let s = shop("standard", json!({ "default_commission_bps": 1000 }));
    let other = new_product(&s.brand, json!({}));
    let other_sku = other["sku"].as_str().unwrap().to_string();
    // A targeted all-products rate beats the product's open rate, even when lower.
    let pid = s.product["id"].as_str().unwrap();
    app()
        .put(
            &format!("/api/collaborations/{}", s.creator.id),
            Some(&s.brand.api_key),
            &json!({ "commission_bps": 500 }),
        )
        .expect(200);
    let clk = s.click(); // locks 500 for the linked product
                         // Rates change after the click.
    app().patch(&format!("/api/products/{pid}"), Some(&s.brand.api_key), &json!({ "commission_bps": 100 })).expect(200);
    app()
        .put(
            &format!("/api/collaborations/{}", s.creator.id),
            Some(&s.brand.api_key),
            &json!({ "commission_bps": 2000, "product_id": other["id"] }),
        )
        .expect(200);
    let ev = s.paid(
        &unique("o-"),
        Some(&clk),
        json!([
            { "sku": s.sku(), "quantity": 1, "unit_price": 10000 },
            { "sku": other_sku, "quantity": 1, "unit_price": 10000 },
        ]),
    );
    let v = s.deliver(&unique("d"), &ev).expect(200);
    let rates: Vec<i64> =
        v["commissions"].as_array().unwrap().iter().map(|c| c["rate_bps"].as_i64().unwrap()).collect();
    assert_eq!(rates, vec![500, 2000], "linked product keeps the click's rate; others today's targeted rate");
}

#[test]
fn tenants_see_only_their_own_orders_and_commissions() {
    let a = shop("standard", json!({}));
    let b = shop("standard", json!({}));
    let clk = a.click();
    let ev = a.paid(&unique("o-"), Some(&clk), json!([{ "sku": a.sku(), "quantity": 1, "unit_price": 1000 }]));
    a.deliver(&unique("d"), &ev).expect(200);
    assert_eq!(a.orders()["items"].as_array().unwrap().len(), 1);
    assert_eq!(b.orders()["items"], json!([]));
    let bc = app().get("/api/commissions", Some(&b.brand.api_key)).expect(200);
    assert_eq!(bc["items"], json!([]));
    let ac = app().get("/api/commissions", Some(&a.brand.api_key)).expect(200);
    assert_eq!(ac["items"].as_array().unwrap().len(), 1);
    assert_eq!(app().get("/api/me/commissions", Some(&b.creator.api_key)).expect(200)["items"], json!([]));
    assert_eq!(b.earnings(), json!({"totals": []}));
    // Roles: a creator can't read a brand's ledger and vice versa.
    app().get("/api/orders", Some(&a.creator.api_key)).expect_error(403, "forbidden");
    app().get("/api/me/earnings", Some(&a.brand.api_key)).expect_error(403, "forbidden");
    app().get("/api/me/earnings", None).expect_error(401, "unauthorized");
    // Signed with brand A's secret but sent to brand B: refused.
    let body = serde_json::to_vec(&ev).unwrap();
    let hs = headers("standard", &a.brand.webhook_secret, None, "x1", &body);
    let hs: Vec<(&str, &str)> = hs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app().send("POST", &format!("/webhooks/{}", b.brand.id), None, &hs, Some(&body)).expect(401);
}

#[test]
fn jpy_orders_have_no_minor_unit() {
    let s = shop("standard", json!({ "currency": "JPY" }));
    let clk = s.click();
    let ev = {
        let mut e = s.paid(&unique("o-"), Some(&clk), json!([{ "sku": s.sku(), "quantity": 1, "unit_price": 1999 }]));
        e["currency"] = json!("JPY");
        e
    };
    let v = s.deliver(&unique("d"), &ev).expect(200);
    // 1999 × 12.5 % = 249.875 → 249 yen
    assert_eq!(v["commissions"][0]["amount"], json!({"amount": 249, "currency": "JPY"}));
    assert_eq!(total(&s.earnings(), "JPY")["pending"], 249);
}

#[test]
fn native_shopify_refunds_and_cancels_take_back_commission() {
    let s = shop("shopify", json!({}));
    let clk = s.click();
    let order_id: u64 = 5_000_000_000 + (now_secs() as u64 % 1_000_000_000);
    let paid = json!({
        "id": order_id, "currency": "USD",
        "note_attributes": [{ "name": "aff_click", "value": clk }],
        "line_items": [{ "id": 1, "sku": s.sku(), "quantity": 4, "price": "25.00", "discount_allocations": [] }],
    });
    let send = |topic: &str, body: &Value| {
        let bytes = serde_json::to_vec(body).unwrap();
        s.deliver_raw(&unique("shp_"), &bytes, &[("X-Shopify-Topic", topic)]).expect(200)
    };
    // 4 × 25.00 = 10000 @ 12.5 % = 1250
    assert_eq!(send("orders/paid", &paid)["commissions"][0]["amount"]["amount"], 1250);
    let refund = json!({
        "id": 1, "order_id": order_id,
        "refund_line_items": [{
            "id": 1, "quantity": 1, "line_item_id": 1,
            "subtotal_set": { "shop_money": { "amount": "25.00", "currency_code": "USD" } },
            "line_item": { "id": 1, "sku": s.sku(), "quantity": 4, "price": "25.00" },
        }],
    });
    let v = send("refunds/create", &refund);
    assert_eq!(v["status"], "reversed");
    assert_eq!(v["commissions"][0]["amount"]["amount"], -313, "1250 − floor(7500 × 12.5 %) = 1250 − 937");
    let v = send("orders/cancelled", &paid);
    assert_eq!(v["commissions"][0]["amount"]["amount"], -937);
    let t = total(&s.earnings(), "USD");
    assert_eq!((t["pending"].as_i64(), t["reversed"].as_i64()), (Some(0), Some(1250)));
}
