//! Creator codes and attribution that explains itself, end to end.

use crate::common::{app, new_creator, unique, Creator};
use crate::webhooks::{shop, Shop};
use serde_json::{json, Value};

fn register(s: &Shop, creator: &Creator, code: &str) -> Value {
    let body = json!({ "creator_id": creator.id, "code": code });
    app().post("/api/codes", Some(&s.brand.api_key), &body).expect(201)
}

fn one_item(s: &Shop) -> Value {
    json!([{ "sku": s.sku(), "quantity": 1, "unit_price": 10000 }])
}

/// Delivers an `order.paid` with `codes` (and `click_id`), returning the webhook's answer.
fn order_with(s: &Shop, click_id: Option<&str>, codes: Value, extra: Value) -> Value {
    let mut ev = s.paid(&unique("order-"), click_id, one_item(s));
    ev["discount_codes"] = codes;
    crate::common::merge(&mut ev, extra);
    s.deliver(&unique("dlv_"), &ev).expect(200)
}

#[test]
fn codes_are_registered_listed_per_role_and_deactivated() {
    let s = shop("standard", json!({}));
    let anna = new_creator();
    let code = format!("Anna{}", &unique("")[..6]);
    let c = register(&s, &anna, &code);
    assert!(c["id"].as_str().unwrap().starts_with("dc_"), "{c}");
    assert_eq!((c["code"].as_str(), c["active"].as_bool()), (Some(code.as_str()), Some(true)));
    assert_eq!((c["brand_id"].as_str(), c["creator_id"].as_str()), (Some(s.brand.id.as_str()), Some(anna.id.as_str())));
    assert!(c["created_at"].as_str().unwrap().ends_with('Z'));

    // Taken ignoring case, by anyone.
    let other = new_creator();
    let upper = json!({ "creator_id": other.id, "code": code.to_uppercase() });
    app().post("/api/codes", Some(&s.brand.api_key), &upper).expect_error(409, "conflict");
    // Another brand may register the same word for its own store.
    let s2 = shop("standard", json!({}));
    register(&s2, &other, &code);

    let brand_list = app().get("/api/codes", Some(&s.brand.api_key)).expect(200);
    assert_eq!(brand_list["items"].as_array().unwrap().len(), 1, "{brand_list}");
    let mine = app().get("/api/codes", Some(&anna.api_key)).expect(200);
    assert_eq!(mine["items"][0]["id"], c["id"]);
    assert_eq!(mine["next_cursor"], Value::Null);
    let theirs = app().get("/api/codes", Some(&other.api_key)).expect(200);
    assert_eq!(theirs["items"].as_array().unwrap().len(), 1);
    assert_eq!(theirs["items"][0]["brand_id"], s2.brand.id.as_str());

    let id = c["id"].as_str().unwrap();
    // Another tenant's code is not found; a creator may not deactivate.
    app().delete(&format!("/api/codes/{id}"), Some(&s2.brand.api_key)).expect_error(404, "not_found");
    app().delete(&format!("/api/codes/{id}"), Some(&anna.api_key)).expect_error(403, "forbidden");
    let off = app().delete(&format!("/api/codes/{id}"), Some(&s.brand.api_key)).expect(200);
    assert_eq!(off["active"], false);
    app().delete(&format!("/api/codes/{id}"), Some(&s.brand.api_key)).expect(200);
    // Deactivated is still never handed to another creator.
    app().post("/api/codes", Some(&s.brand.api_key), &upper).expect_error(409, "conflict");
    assert_eq!(app().get("/api/codes", Some(&anna.api_key)).expect(200)["items"][0]["active"], false);
}

#[test]
fn bad_codes_are_refused_and_change_nothing() {
    let s = shop("standard", json!({}));
    let anna = new_creator();
    for bad in [json!("ab"), json!("x".repeat(33)), json!("sum mer"), json!("SÜMMER"), json!(5), json!(null)] {
        let body = json!({ "creator_id": anna.id, "code": bad });
        app().post("/api/codes", Some(&s.brand.api_key), &body).expect_error(422, "validation_failed");
    }
    let body = json!({ "creator_id": "cr_nobody", "code": "GOODCODE" });
    app().post("/api/codes", Some(&s.brand.api_key), &body).expect_error(404, "not_found");
    app().post("/api/codes", Some(&anna.api_key), &json!({ "creator_id": anna.id, "code": "GOODCODE" })).expect(403);
    app().get("/api/codes", app().admin()).expect(403);
    assert_eq!(app().get("/api/codes", Some(&s.brand.api_key)).expect(200)["items"], json!([]));
}

#[test]
fn a_code_attributes_an_order_without_a_click_at_the_rates_that_stand() {
    let s = shop("standard", json!({}));
    let anna = new_creator();
    let code = format!("SUMMER{}", &unique("")[..6]);
    register(&s, &anna, &code);
    // A targeted rate for the code's creator applies (there is no click to lock one).
    let rate = json!({ "commission_bps": 2000 });
    app().put(&format!("/api/collaborations/{}", anna.id), Some(&s.brand.api_key), &rate).expect(200);

    let v = order_with(&s, None, json!([format!("  {}  ", code.to_lowercase())]), json!({}));
    assert_eq!(v["status"], "attributed", "{v}");
    let a = &v["attribution"];
    assert_eq!(a["method"], "code");
    assert_eq!(a["code"], code.as_str());
    assert_eq!(a["click_id"], Value::Null);
    assert_eq!(a["reason"], format!("code {code} is an active code of this brand"));
    let c = &v["commissions"][0];
    assert_eq!((c["creator_id"].as_str(), c["rate_bps"].as_i64()), (Some(anna.id.as_str()), Some(2000)));
    assert_eq!(c["amount"], json!({ "amount": 2000, "currency": "USD" }));
    assert_eq!(c["link_code"], Value::Null);
    assert_eq!(c["attribution"]["method"], "code");

    // The brand's orders and the creator's records carry the decision.
    let order = &s.orders()["items"][0];
    assert_eq!(order["attribution"], v["attribution"], "{order}");
    assert_eq!(order["creator_id"], anna.id.as_str());
    let mine = app().get("/api/me/commissions", Some(&anna.api_key)).expect(200);
    assert_eq!(mine["items"][0]["attribution"]["code"], code.as_str());

    // A refund of a code-attributed order takes its commission back.
    let refund =
        s.refund(v["order_id"].as_str().unwrap(), "order.refunded", json!([{ "sku": s.sku(), "quantity": 1 }]));
    let r = s.deliver(&unique("dlv_"), &refund).expect(200);
    assert_eq!(r["status"], "reversed", "{r}");
    assert_eq!(r["commissions"][0]["amount"]["amount"], -2000);
    assert_eq!(r["attribution"]["method"], "code");
}

#[test]
fn a_genuine_click_wins_over_another_creators_code() {
    let s = shop("standard", json!({}));
    let other = new_creator();
    let code = format!("OTHER{}", &unique("")[..6]);
    register(&s, &other, &code);
    let clk = s.click();
    let v = order_with(&s, Some(&clk), json!([code]), json!({}));
    assert_eq!(v["attribution"]["method"], "click", "{v}");
    assert_eq!(v["attribution"]["click_id"], clk.as_str());
    assert_eq!(v["attribution"]["code"], Value::Null);
    assert_eq!(v["commissions"][0]["creator_id"], s.creator.id.as_str());
    let reason = v["attribution"]["reason"].as_str().unwrap();
    assert!(reason.starts_with(&format!("click {clk} on link {} was less than a day before", s.code())), "{reason}");
    assert!(reason.ends_with(&format!("; a click wins over code {code}")), "{reason}");
}

/// Every reason an order is not attributed, once each, as the brand reads it.
#[test]
fn every_decision_says_why() {
    let s = shop("standard", json!({}));
    let anna = new_creator();
    let dead = format!("DEAD{}", &unique("")[..6]);
    let c = register(&s, &anna, &dead);
    app().delete(&format!("/api/codes/{}", c["id"].as_str().unwrap()), Some(&s.brand.api_key)).expect(200);
    // Another brand's code and another brand's click.
    let s2 = shop("standard", json!({}));
    let foreign = format!("FOREIGN{}", &unique("")[..6]);
    register(&s2, &anna, &foreign);
    let foreign_clk = s2.click();
    let clk = s.click();
    let r = app().send("GET", &format!("/{}", s.code()), None, &[("user-agent", "facebookexternalhit/1.1")], None);
    let bot_clk = r.header("location").unwrap().split("aff_click=").nth(1).unwrap().to_string();
    let in_41_days = {
        let t = std::time::SystemTime::now() + std::time::Duration::from_secs(41 * 86_400);
        let secs = t.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        crate::common::rfc3339(secs)
    };

    let cases = [
        (None, json!([]), json!({}), "the order carries no click id and no code".to_string()),
        (None, json!(["NOSUCH1"]), json!({}), "code NOSUCH1 is not registered".to_string()),
        (None, json!([dead.to_lowercase()]), json!({}), format!("code {dead} is deactivated")),
        (None, json!([foreign]), json!({}), format!("code {foreign} is not registered")),
        (Some(bot_clk.clone()), json!([]), json!({}), format!("click {bot_clk} was a bot click")),
        (Some(foreign_clk.clone()), json!([]), json!({}), format!("click {foreign_clk} was on another brand's link")),
        (
            Some(clk.clone()),
            json!([]),
            json!({ "occurred_at": in_41_days }),
            format!("click {clk} was 41 days before the order; the window is 30 days"),
        ),
        (
            Some("clk_forged".to_string()),
            json!([]),
            json!({}),
            "click clk_forged is not a click of ours (unknown, forged or altered)".to_string(),
        ),
    ];
    for (click, codes, extra, why) in cases {
        let v = order_with(&s, click.as_deref(), codes, extra);
        assert_eq!(v["status"], "unattributed", "{why}: {v}");
        assert_eq!(v["attribution"]["method"], "none");
        assert_eq!(v["attribution"]["reason"], why.as_str());
        assert_eq!(v["commissions"], json!([]));
        assert_eq!(s.orders()["items"][0]["attribution"]["reason"], why.as_str(), "listed with the order");
    }
}

#[test]
fn a_native_shopify_order_is_attributed_by_its_discount_code() {
    let s = shop("shopify", json!({}));
    let anna = new_creator();
    let code = format!("TIKTOK{}", &unique("")[..6]);
    register(&s, &anna, &code);
    let order_id = unique("").bytes().fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64)) % 9_000_000_000_000;
    let body = json!({
        "id": order_id, "currency": "USD",
        "discount_codes": [{ "code": code.to_lowercase(), "amount": "5.00", "type": "fixed_amount" }],
        "line_items": [{ "sku": s.sku(), "quantity": 1, "price": "50.00", "discount_allocations": [{"amount": "5.00"}] }],
    });
    let bytes = serde_json::to_vec(&body).unwrap();
    let v = s.deliver_raw(&unique("shp_"), &bytes, &[("X-Shopify-Topic", "orders/paid")]).expect(200);
    assert_eq!(v["attribution"]["method"], "code", "{v}");
    assert_eq!(v["commissions"][0]["creator_id"], anna.id.as_str());
    // (5000 − 500) × 12.5 % = 562.5 → 562
    assert_eq!(v["commissions"][0]["amount"]["amount"], 562);
    // The same order again is a duplicate and says the same.
    let again = s.deliver_raw(&unique("shp_"), &bytes, &[("X-Shopify-Topic", "orders/paid")]).expect(200);
    assert_eq!(again["status"], "duplicate");
    assert_eq!(again["attribution"], v["attribution"]);
}

#[test]
fn malformed_discount_codes_are_422_and_store_nothing() {
    let s = shop("standard", json!({}));
    let order = unique("order-");
    for bad in [json!("SUMMER10"), json!([5]), json!([{ "code": "X" }]), json!(["a\u{0}b"]), json!(["x".repeat(65)])] {
        let mut ev = s.paid(&order, None, one_item(&s));
        ev["discount_codes"] = bad.clone();
        s.deliver(&unique("dlv_"), &ev).expect_error(422, "validation_failed");
    }
    assert_eq!(s.orders()["items"], json!([]));
    // The order itself is still new when it comes right.
    let mut ev = s.paid(&order, None, one_item(&s));
    ev["discount_codes"] = json!(["SUMMER10"]);
    assert_eq!(s.deliver(&unique("dlv_"), &ev).expect(200)["status"], "unattributed");
}

#[test]
fn codes_are_matched_whole_never_by_substring() {
    let s = shop("standard", json!({}));
    let anna = new_creator();
    let code = format!("ANNA{}", &unique("")[..6]);
    register(&s, &anna, &code);
    for near in [format!("{code}X"), code[..code.len() - 1].to_string(), format!("X{code}")] {
        let v = order_with(&s, None, json!([near]), json!({}));
        assert_eq!(v["attribution"]["method"], "none", "{near}: {v}");
    }
}
