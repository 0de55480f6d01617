//! Outgoing events, end to end, against a receiver of the test's own on 127.0.0.1: signed
//! as Standard Webhooks (checked by the test's own code), in the order things happened,
//! only to those they concern, retried with the same id and body, and an endpoint that
//! keeps failing switched off.

use crate::common::receiver::{Received, Receiver};
use crate::common::sign::standard_signature_holds;
use crate::common::{app, new_creator, unique, Creator};
use crate::webhooks::{shop, Shop};
use serde_json::{json, Value};
use std::time::Duration;

fn endpoint(key: &str, url: &str, events: Option<Value>) -> Value {
    let mut body = json!({ "url": url });
    if let Some(e) = events {
        body["events"] = e;
    }
    app().post("/api/webhook-endpoints", Some(key), &body).expect(201)
}

fn types(seen: &[Received]) -> Vec<String> {
    seen.iter().map(|r| r.json()["type"].as_str().unwrap_or("?").to_string()).collect()
}

/// Every request is signed with `secret` and its body's id is its `webhook-id`.
fn assert_signed(seen: &[Received], secret: &str) {
    for r in seen {
        let (id, ts, sig) = (r.header("webhook-id"), r.header("webhook-timestamp"), r.header("webhook-signature"));
        let (Some(id), Some(ts), Some(sig)) = (id, ts, sig) else { panic!("unsigned: {:?}", r.headers) };
        assert!(standard_signature_holds(secret, id, ts, &r.body, sig), "bad signature on {}", r.body);
        assert_eq!(r.json()["id"], id);
        assert!(id.starts_with("evt_"), "{id}");
        assert_eq!(r.header("content-type"), Some("application/json"));
    }
}

fn code_for(s: &Shop, c: &Creator) -> String {
    let code = format!("E{}", &unique("")[..10]).to_uppercase();
    app().post("/api/codes", Some(&s.brand.api_key), &json!({ "creator_id": c.id, "code": code })).expect(201);
    code
}

#[test]
fn endpoints_are_made_listed_and_switched_off_by_their_owner() {
    let s = shop("standard", json!({}));
    let r = Receiver::start();
    let e = endpoint(&s.brand.api_key, &r.url, None);
    assert!(e["id"].as_str().unwrap().starts_with("we_"), "{e}");
    let secret = e["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_") && secret.len() == 6 + 44, "{secret}");
    assert_eq!(e["events"].as_array().unwrap().len(), 7);
    assert_eq!((e["active"].as_bool(), e["url"].as_str()), (Some(true), Some(r.url.as_str())));
    let only = endpoint(&s.creator.api_key, &r.url, Some(json!(["commission.created", "payout.paid"])));
    assert_eq!(only["events"], json!(["commission.created", "payout.paid"]));

    let listed = app().get("/api/webhook-endpoints", Some(&s.brand.api_key)).expect(200);
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert_eq!(listed["items"][0]["id"], e["id"]);
    assert!(listed["items"][0].get("secret").is_none(), "the secret is shown once: {listed}");
    let mine = app().get("/api/webhook-endpoints", Some(&s.creator.api_key)).expect(200);
    assert_eq!(mine["items"][0]["id"], only["id"]);
    app().get("/api/webhook-endpoints", app().admin()).expect_error(403, "forbidden");

    let path = format!("/api/webhook-endpoints/{}", e["id"].as_str().unwrap());
    let other = shop("standard", json!({}));
    app().delete(&path, Some(&other.brand.api_key)).expect_error(404, "not_found");
    app().delete(&path, Some(&s.creator.api_key)).expect_error(404, "not_found");
    app().get(&format!("{path}/deliveries"), Some(&other.brand.api_key)).expect_error(404, "not_found");
    app().post(&format!("{path}/test"), Some(&other.brand.api_key), &json!({})).expect_error(404, "not_found");
    let off = app().delete(&path, Some(&s.brand.api_key)).expect(200);
    assert_eq!(off["active"], false);
    assert_eq!(app().delete(&path, Some(&s.brand.api_key)).expect(200)["active"], false);

    for (url, events) in [
        ("http://hooks.example.com/in".to_string(), None),
        ("https://user:pw@hooks.example.com/in".into(), None),
        ("https://127.0.0.1/in".into(), None),
        ("https://hooks.example.com:8443/in".into(), None),
        ("http://169.254.169.254:80/latest".into(), None),
        (format!("https://hooks.example.com/{}", "a".repeat(2040)), None),
        ("ftp://hooks.example.com/".into(), None),
        ("https://hooks.example.com/in".into(), Some(json!(["order.created"]))),
        ("https://hooks.example.com/in".into(), Some(json!([]))),
        ("https://hooks.example.com/in".into(), Some(json!("ping"))),
    ] {
        let mut body = json!({ "url": url });
        if let Some(e) = events {
            body["events"] = e;
        }
        app().post("/api/webhook-endpoints", Some(&s.brand.api_key), &body).expect_error(422, "validation_failed");
    }
    assert_eq!(
        app().get("/api/webhook-endpoints", Some(&s.brand.api_key)).expect(200)["items"].as_array().unwrap().len(),
        1
    );
}

#[test]
fn an_orders_events_reach_the_brand_and_its_creator_signed_and_in_order() {
    let s = shop("standard", json!({ "hold_days": 0 }));
    let (brand_rx, creator_rx, other_rx) = (Receiver::start(), Receiver::start(), Receiver::start());
    let brand_secret = endpoint(&s.brand.api_key, &brand_rx.url, None)["secret"].as_str().unwrap().to_string();
    let creator_secret = endpoint(&s.creator.api_key, &creator_rx.url, None)["secret"].as_str().unwrap().to_string();
    let other = new_creator();
    endpoint(&other.api_key, &other_rx.url, None);
    let code = code_for(&s, &s.creator);

    let order = unique("order-");
    let mut ev = s.paid(&order, None, json!([{ "sku": s.sku(), "quantity": 2, "unit_price": 10000 }]));
    ev["discount_codes"] = json!([code]);
    let answer = s.deliver(&unique("dlv_"), &ev).expect(200);
    let commission_id = answer["commissions"][0]["id"].as_str().unwrap().to_string();
    let seen = brand_rx.wait(20, |s| s.len() >= 2);
    assert_eq!(types(&seen), ["order.attributed", "commission.created"]);
    let attributed = seen[0].json();
    assert_eq!(
        (attributed["data"]["order_id"].as_str(), attributed["data"]["status"].as_str()),
        (Some(order.as_str()), Some("attributed"))
    );
    assert_eq!(attributed["data"]["attribution"]["code"], code.as_str());
    assert!(attributed["created_at"].as_str().unwrap().ends_with('Z'));
    let created = seen[1].json();
    assert_eq!(created["data"]["id"], commission_id.as_str());
    assert_eq!(created["data"]["amount"], json!({ "amount": 2500, "currency": "USD" }));
    assert_eq!(created["data"]["state"], "pending");

    // Approved at the approval run; a refund after it claws back: commission.reversed.
    app().get("/__scheduled?cron=*/15+*+*+*+*", None);
    let seen = brand_rx.wait(20, |s| s.len() >= 3);
    assert_eq!(types(&seen)[2], "commission.approved");
    assert_eq!(seen[2].json()["data"]["state"], "approved");
    let refund = s.refund(&order, "order.refunded", json!([{ "sku": s.sku(), "quantity": 1 }]));
    s.deliver(&unique("dlv_"), &refund).expect(200);
    let seen = brand_rx.wait(20, |s| s.len() >= 4);
    assert_eq!(types(&seen)[3], "commission.reversed");
    let reversed = seen[3].json();
    assert_eq!(
        (reversed["data"]["kind"].as_str(), reversed["data"]["amount"]["amount"].as_i64()),
        (Some("clawback"), Some(-1250))
    );

    // A payout, and marking it paid.
    let made = app().post("/api/payouts", Some(&s.brand.api_key), &json!({ "currency": "USD" })).expect(201);
    let payout = made["items"][0]["id"].as_str().unwrap().to_string();
    app()
        .post(&format!("/api/payouts/{payout}/paid"), Some(&s.brand.api_key), &json!({ "reference": "wire-9" }))
        .expect(200);
    let seen = brand_rx.wait(20, |s| s.len() >= 6);
    assert_eq!(&types(&seen)[4..], ["payout.created", "payout.paid"]);
    assert_eq!(seen[5].json()["data"]["reference"], "wire-9");
    assert_eq!(seen[4].json()["data"]["amount"]["amount"], 1250);
    assert_signed(&seen, &brand_secret);

    // The creator hears of its commissions and payouts, never of the order itself.
    let mine = creator_rx.wait(20, |s| s.len() >= 5);
    assert_eq!(
        types(&mine),
        ["commission.created", "commission.approved", "commission.reversed", "payout.created", "payout.paid"]
    );
    assert_signed(&mine, &creator_secret);
    // Replaying the order and the refund reports nothing again; another creator hears nothing.
    s.deliver(&unique("dlv_"), &ev).expect(200);
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(brand_rx.seen().len(), 6, "{:?}", types(&brand_rx.seen()));
    assert_eq!(other_rx.seen().len(), 0);
}

#[test]
fn a_failed_attempt_is_retried_later_with_the_same_id_and_body() {
    let s = shop("standard", json!({}));
    let r = Receiver::start();
    r.answer(&[500]);
    let e = endpoint(&s.brand.api_key, &r.url, Some(json!(["ping"])));
    let id = e["id"].as_str().unwrap();
    let sent = app().post(&format!("/api/webhook-endpoints/{id}/test"), Some(&s.brand.api_key), &json!({})).expect(202);
    assert_eq!(sent["type"], "ping");
    let seen = r.wait(30, |s| s.len() >= 2);
    assert_eq!(seen.len(), 2, "one failure, then the retry");
    assert_eq!(seen[0].header("webhook-id"), seen[1].header("webhook-id"));
    assert_eq!(seen[0].header("webhook-id"), sent["id"].as_str());
    assert_eq!(seen[0].body, seen[1].body);
    assert_eq!(seen[1].json()["data"]["endpoint_id"], id);
    assert!(seen[1].at - seen[0].at >= Duration::from_millis(900), "retried after {:?}", seen[1].at - seen[0].at);
    assert_signed(&seen, e["secret"].as_str().unwrap());
    let log = crate::common::eventually(
        || app().get(&format!("/api/webhook-endpoints/{id}/deliveries"), Some(&s.brand.api_key)).expect(200),
        |v| v["items"].as_array().is_some_and(|i| i.len() >= 2),
    );
    let items = log["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{log}");
    // Newest first.
    assert_eq!(
        (items[0]["attempt"].as_i64(), items[0]["status_code"].as_i64(), items[0]["ok"].as_bool()),
        (Some(2), Some(200), Some(true))
    );
    assert_eq!(
        (items[1]["attempt"].as_i64(), items[1]["status_code"].as_i64(), items[1]["ok"].as_bool()),
        (Some(1), Some(500), Some(false))
    );
    assert!(items.iter().all(|d| d["type"] == "ping" && d["event_id"] == sent["id"]));
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(r.seen().len(), 2, "a delivered event is not sent again");
}

#[test]
fn an_endpoint_whose_last_20_events_failed_is_switched_off() {
    let s = shop("standard", json!({}));
    let r = Receiver::start();
    r.always(503);
    let e = endpoint(&s.brand.api_key, &r.url, None);
    let id = e["id"].as_str().unwrap();
    for _ in 0..20 {
        app().post(&format!("/api/webhook-endpoints/{id}/test"), Some(&s.brand.api_key), &json!({})).expect(202);
    }
    // Five attempts each (1 s, 2 s, 4 s, 8 s apart), then the endpoint is off.
    let off = crate::common::eventually_for(
        Duration::from_secs(60),
        || app().get("/api/webhook-endpoints", Some(&s.brand.api_key)).expect(200),
        |v| v["items"][0]["active"] == false,
    );
    assert_eq!(off["items"][0]["active"], false, "{off}");
    let log =
        app().get(&format!("/api/webhook-endpoints/{id}/deliveries?limit=100"), Some(&s.brand.api_key)).expect(200);
    let items = log["items"].as_array().unwrap();
    assert_eq!(items.len(), 100, "20 events × 5 attempts");
    assert!(items.iter().all(|d| d["ok"] == false && d["status_code"] == 503));
    assert_eq!(r.seen().len(), 100);
}

#[test]
fn an_endpoint_is_tried_five_times_at_most_even_when_another_joins_later() {
    let s = shop("standard", json!({}));
    let (first, later) = (Receiver::start(), Receiver::start());
    first.always(503);
    later.always(503);
    endpoint(&s.brand.api_key, &first.url, Some(json!(["order.attributed"])));
    let code = code_for(&s, &s.creator);
    let mut ev = s.paid(&unique("order-"), None, json!([{ "sku": s.sku(), "quantity": 1, "unit_price": 1000 }]));
    ev["discount_codes"] = json!([code]);
    s.deliver(&unique("dlv_"), &ev).expect(200);
    // The second endpoint joins after the first has been tried twice: the event then goes
    // on for it (its own five attempts), never with a sixth attempt at the first.
    first.wait(10, |s| s.len() >= 2);
    endpoint(&s.brand.api_key, &later.url, Some(json!(["order.attributed"])));
    later.wait(60, |s| s.len() >= 5);
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(first.seen().len(), 5, "the first endpoint");
    assert_eq!(later.seen().len(), 5, "the later endpoint");
    let id = first.seen()[0].header("webhook-id").map(str::to_string);
    assert!(later.seen().iter().all(|r| r.header("webhook-id").map(str::to_string) == id));
}
