//! Self-referral holds: an order whose buyer is the attributed creator (their own email,
//! in any case) writes its commissions `held`; the approval job passes them by; the brand
//! releases (pending again, then approved) or rejects (reversed) them, once.

use crate::common::receiver::{Received, Receiver};
use crate::common::sign::headers;
use crate::common::{app, new_brand, new_link, new_product, unique, Brand};
use serde_json::{json, Value};

struct Shop {
    brand: Brand,
    creator_key: String,
    code: String,
    sku: String,
}

fn approve() {
    app().get("/__scheduled?cron=*/15+*+*+*+*", None);
}

/// A brand with no hold days, a creator whose email is `email`, and the creator's link.
fn shop(email: &str) -> Shop {
    let brand = new_brand(json!({ "hold_days": 0 }));
    let product = new_product(&brand, json!({ "commission_bps": 1000 }));
    let creator =
        app().post("/api/creators", app().admin(), &json!({ "handle": unique("h"), "email": email })).expect(201);
    let creator_key = creator["api_key"].as_str().unwrap().to_string();
    let c = crate::common::Creator {
        id: creator["id"].as_str().unwrap().to_string(),
        handle: creator["handle"].as_str().unwrap().to_string(),
        api_key: creator_key.clone(),
    };
    let link = new_link(&c, product["id"].as_str().unwrap());
    Shop {
        brand,
        creator_key,
        code: link["code"].as_str().unwrap().to_string(),
        sku: product["sku"].as_str().unwrap().to_string(),
    }
}

impl Shop {
    /// A click, then a paid order of 2 × 10.00 through it, bought by `customer_email`.
    fn order(&self, customer_email: Option<&str>) -> Value {
        let r = app().send(
            "GET",
            &format!("/{}", self.code),
            None,
            &[("user-agent", &unique("Mozilla/5.0 (iPhone) "))],
            None,
        );
        let loc = r.header("location").expect("a redirect");
        let click = loc.split(['?', '&']).find_map(|kv| kv.strip_prefix("aff_click=")).unwrap().to_string();
        let mut event = json!({
            "id": unique("evt_"), "type": "order.paid", "order_id": unique("o-"), "click_id": click,
            "currency": "USD", "items": [{ "sku": self.sku, "quantity": 2, "unit_price": 1000 }],
        });
        if let Some(e) = customer_email {
            event["customer_email"] = json!(e);
        }
        let body = serde_json::to_vec(&event).unwrap();
        let signed = headers("standard", &self.brand.webhook_secret, None, &unique("msg_"), &body);
        let mut hs: Vec<(&str, &str)> = signed.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        hs.push(("content-type", "application/json"));
        app().send("POST", &format!("/webhooks/{}", self.brand.id), None, &hs, Some(&body)).expect(200)
    }

    fn decide(&self, id: &str, decision: &str, key: &str) -> crate::common::Resp {
        app().post(&format!("/api/commissions/{id}/{decision}"), Some(key), &json!({}))
    }

    /// The brand's view of one of its commissions.
    fn entry(&self, id: &str) -> Value {
        let all = app().get("/api/commissions", Some(&self.brand.api_key)).expect(200);
        all["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("{id} not in {all}"))
    }
}

#[test]
fn a_self_referral_is_held_past_the_approval_job_then_released_and_approved() {
    let s = shop("Maya.Self@Example.com");
    let v = s.order(Some("  maya.self@EXAMPLE.com "));
    assert_eq!(v["status"], "attributed", "{v}");
    let entry = &v["commissions"][0];
    assert_eq!((entry["state"].as_str(), entry["reason"].as_str()), (Some("held"), Some("self_referral")), "{v}");
    let id = entry["id"].as_str().unwrap();
    // The creator sees it held too; the approval job passes it by.
    let mine = app().get("/api/me/commissions", Some(&s.creator_key)).expect(200);
    assert_eq!(mine["items"][0]["state"], "held", "{mine}");
    approve();
    assert_eq!(s.entry(id)["state"], "held");
    // Only this brand decides: another brand's key is 404, the creator's 403.
    let other = new_brand(json!({}));
    s.decide(id, "release", &other.api_key).expect_error(404, "not_found");
    s.decide(id, "release", &s.creator_key).expect_error(403, "forbidden");
    s.decide("cm_nothing", "release", &s.brand.api_key).expect_error(404, "not_found");
    // Released: pending again (its hold days count from now: 0 here), then approved.
    let released = s.decide(id, "release", &s.brand.api_key).expect(200);
    assert_eq!((released["state"].as_str(), released["reason"].as_str()), (Some("pending"), None), "{released}");
    assert_eq!(s.decide(id, "release", &s.brand.api_key).expect(200)["state"], "pending", "again: the same");
    s.decide(id, "reject", &s.brand.api_key).expect_error(409, "conflict");
    approve();
    assert_eq!(s.entry(id)["state"], "approved");
}

#[test]
fn a_rejected_self_referral_is_reversed_once() {
    let s = shop("reject.me@example.com");
    let v = s.order(Some("REJECT.ME@example.com"));
    let id = v["commissions"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(v["commissions"][0]["amount"]["amount"], 200);
    let rejected = s.decide(&id, "reject", &s.brand.api_key).expect(200);
    assert_eq!((rejected["state"].as_str(), rejected["reason"].as_str()), (Some("reversed"), None), "{rejected}");
    // Again: the same answer, and still one reversal taking back the whole 2.00.
    assert_eq!(s.decide(&id, "reject", &s.brand.api_key).expect(200)["state"], "reversed");
    s.decide(&id, "release", &s.brand.api_key).expect_error(409, "conflict");
    approve();
    let all = app().get("/api/commissions", Some(&s.brand.api_key)).expect(200);
    let items = all["items"].as_array().unwrap();
    let reversals: Vec<&Value> = items.iter().filter(|e| e["kind"] == "reversal").collect();
    assert_eq!(reversals.len(), 1, "{all}");
    assert_eq!(reversals[0]["amount"]["amount"], -200, "{all}");
    assert_eq!(s.entry(&id)["state"], "reversed");
    let earnings = app().get("/api/me/earnings", Some(&s.creator_key)).expect(200);
    let usd = &earnings["totals"][0];
    assert_eq!(
        (usd["pending"].as_i64(), usd["approved"].as_i64(), usd["reversed"].as_i64()),
        (Some(0), Some(0), Some(200)),
        "{earnings}"
    );
}

#[test]
fn another_buyer_or_no_email_is_not_held_and_cannot_be_decided() {
    let s = shop("creator.own@example.com");
    for email in [Some("someone.else@example.com"), None, Some("not an email")] {
        let v = s.order(email);
        let entry = &v["commissions"][0];
        assert_eq!((entry["state"].as_str(), entry["reason"].as_str()), (Some("pending"), None), "{email:?}: {v}");
        let id = entry["id"].as_str().unwrap();
        s.decide(id, "release", &s.brand.api_key).expect_error(409, "conflict");
        s.decide(id, "reject", &s.brand.api_key).expect_error(409, "conflict");
    }
}

/// The brand's endpoint hears both outcomes: `commission.reversed` for a rejection (the
/// reversal), `commission.approved` once a released one is approved; nothing is approved
/// while the hold is open.
#[test]
fn outgoing_events_report_both_outcomes() {
    let s = shop("events.self@example.com");
    let r = Receiver::start();
    app()
        .post(
            "/api/webhook-endpoints",
            Some(&s.brand.api_key),
            &json!({ "url": r.url, "events": ["commission.approved", "commission.reversed"] }),
        )
        .expect(201);
    let kept = s.order(Some("events.self@example.com"))["commissions"][0]["id"].as_str().unwrap().to_string();
    let dropped = s.order(Some("events.self@example.com"))["commissions"][0]["id"].as_str().unwrap().to_string();
    approve();
    let subject = |e: &Received| e.json()["data"]["id"].as_str().unwrap_or("").to_string();
    s.decide(&dropped, "reject", &s.brand.api_key).expect(200);
    let seen = r.wait(20, |seen| seen.iter().any(|e| e.json()["type"] == "commission.reversed"));
    let reversed: Vec<&Received> = seen.iter().filter(|e| e.json()["type"] == "commission.reversed").collect();
    assert_eq!(reversed.len(), 1, "{:?}", seen.iter().map(|e| e.body.clone()).collect::<Vec<_>>());
    assert_eq!(reversed[0].json()["data"]["kind"], "reversal");
    assert_eq!(reversed[0].json()["data"]["amount"]["amount"], -200);
    assert!(!seen.iter().any(|e| e.json()["type"] == "commission.approved"), "approved while held");
    s.decide(&kept, "release", &s.brand.api_key).expect(200);
    approve();
    let seen = r.wait(20, |seen| seen.iter().any(|e| e.json()["type"] == "commission.approved"));
    let approved: Vec<String> =
        seen.iter().filter(|e| e.json()["type"] == "commission.approved").map(subject).collect();
    assert_eq!(approved, vec![kept.clone()], "only the released one is approved");
}
