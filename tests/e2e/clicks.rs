//! Clicks through the queue: orders that attribute before the click's row exists, signed
//! click ids, and the roll-ups that timeseries and breakdown read.

use crate::common::sign::headers;
use crate::common::{
    app, eventually, link_stats, new_brand, new_creator, new_link, new_product, unique, Brand, Creator,
};
use serde_json::{json, Value};

struct Shop {
    brand: Brand,
    creator: Creator,
    product: Value,
    code: String,
    link_id: String,
}

fn shop() -> Shop {
    let brand = new_brand(json!({ "hold_days": 30 }));
    let product = new_product(&brand, json!({ "commission_bps": 1250 }));
    let creator = new_creator();
    let link = new_link(&creator, product["id"].as_str().unwrap());
    let (code, link_id) = (link["code"].as_str().unwrap().to_string(), link["id"].as_str().unwrap().to_string());
    Shop { brand, creator, product, code, link_id }
}

impl Shop {
    /// A click's id, straight from the 302: nothing waits for the queue.
    fn click_now(&self, ua: &str) -> String {
        self.click_with(&[("user-agent", ua)])
    }

    /// A click of one visitor (user agent and IP), its id from the 302.
    fn click_from(&self, ua: &str, ip: &str) -> String {
        self.click_with(&[("user-agent", ua), ("cf-connecting-ip", ip)])
    }

    fn click_with(&self, headers: &[(&str, &str)]) -> String {
        let r = app().send("GET", &format!("/{}", self.code), None, headers, None);
        assert_eq!(r.status, 302, "{}", r.body);
        let loc = r.header("location").expect("location");
        loc.split(['?', '&']).find_map(|kv| kv.strip_prefix("aff_click=")).expect("click id").to_string()
    }

    fn order(&self, click_id: &str) -> Value {
        let sku = self.product["sku"].as_str().unwrap();
        let body = serde_json::to_vec(&json!({
            "id": unique("evt_"), "type": "order.paid", "order_id": unique("o-"), "click_id": click_id,
            "currency": "USD", "items": [{ "sku": sku, "quantity": 2, "unit_price": 1000 }],
        }))
        .unwrap();
        let signed = headers("standard", &self.brand.webhook_secret, None, &unique("msg_"), &body);
        let mut hs: Vec<(&str, &str)> = signed.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        hs.push(("content-type", "application/json"));
        app().send("POST", &format!("/webhooks/{}", self.brand.id), None, &hs, Some(&body)).expect(200)
    }
}

const HUMAN: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148";

/// The order comes right after the click, before its row can have left the queue, and the
/// brand lowers the rate in between: the order still attributes, at the rate that stood
/// when the click happened (the click id says the time; the rate versions say the rate).
#[test]
fn an_order_right_after_its_click_attributes_at_the_rate_of_the_click() {
    let s = shop();
    let clk = s.click_now(&unique(HUMAN));
    let id = s.product["id"].as_str().unwrap();
    app().patch(&format!("/api/products/{id}"), Some(&s.brand.api_key), &json!({ "commission_bps": 100 })).expect(200);
    let v = s.order(&clk);
    assert_eq!(v["status"], "attributed", "{v}");
    // 2 × 1000 at the click's 12.5 %, not the 1 % that stands now.
    assert_eq!(v["commissions"][0]["amount"]["amount"], 250, "{v}");
    assert_eq!(v["commissions"][0]["rate_bps"], 1250, "{v}");
    // The click still arrives and counts once; the order keeps pointing at it.
    let stats = eventually(|| link_stats(&s.creator, &s.code), |st| st["clicks"] == 1 && st["orders"] == 1);
    assert_eq!((stats["clicks"].as_i64(), stats["orders"].as_i64()), (Some(1), Some(1)), "{stats}");
    // A click after the change locks the new rate.
    let later = s.click_now(&unique(HUMAN));
    assert_eq!(s.order(&later)["commissions"][0]["rate_bps"], 100);
}

#[test]
fn an_altered_or_bot_click_id_attributes_nothing() {
    let s = shop();
    let clk = s.click_now(&unique(HUMAN));
    // Every kind of one-character change: in the payload, in the tag, at the end.
    for i in [4, 20, clk.len() / 2, clk.len() - 1] {
        let mut b = clk.clone().into_bytes();
        b[i] = if b[i] == b'a' { b'b' } else { b'a' };
        let altered = String::from_utf8(b).unwrap();
        let v = s.order(&altered);
        assert_eq!(v["status"], "unattributed", "position {i}: {v}");
        assert_eq!(v["commissions"], json!([]));
    }
    // A link preview's click id is genuine but says "bot".
    let bot = s.click_now("facebookexternalhit/1.1");
    assert_eq!(s.order(&bot)["status"], "unattributed");
    // The genuine one still attributes.
    assert_eq!(s.order(&clk)["status"], "attributed");
}

#[test]
fn timeseries_and_breakdown_read_the_roll_ups() {
    let s = shop();
    s.click_now(&unique(HUMAN));
    s.click_now(&unique("Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0 Safari/537.36"));
    s.click_now("Googlebot/2.1 (+http://www.google.com/bot.html)");
    let counted = |st: &Value| st["clicks"] == 2 && st["bot_clicks"] == 1;
    let stats = eventually(|| link_stats(&s.creator, &s.code), counted);
    assert!(counted(&stats), "{stats}");

    let key = Some(s.creator.api_key.as_str());
    let t = app().get(&format!("/api/links/{}/timeseries?interval=hour", s.code), key).expect(200);
    assert_eq!(t["interval"], "hour");
    let items = t["items"].as_array().unwrap();
    assert_eq!(items.len(), 24, "a day of hours by default");
    let now = items.last().unwrap();
    assert_eq!(
        (now["clicks"].as_i64(), now["bot_clicks"].as_i64(), now["orders"].as_i64()),
        (Some(2), Some(1), Some(0))
    );
    assert_eq!(now["unique_clicks"], 2);
    assert!(items.windows(2).all(|w| w[0]["start"].as_str() < w[1]["start"].as_str()), "oldest first");
    assert_eq!(items.iter().map(|i| i["clicks"].as_i64().unwrap()).sum::<i64>(), 2);
    let d = app().get(&format!("/api/links/{}/timeseries", s.code), key).expect(200);
    assert_eq!((d["interval"].as_str(), d["items"].as_array().map(Vec::len)), (Some("day"), Some(30)));

    let b = app().get(&format!("/api/links/{}/breakdown?by=device", s.code), key).expect(200);
    assert_eq!(b["by"], "device");
    let mut devices: Vec<(String, i64)> = b["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["key"].as_str().unwrap_or("").to_string(), i["clicks"].as_i64().unwrap()))
        .collect();
    devices.sort();
    assert_eq!(devices, vec![("desktop".to_string(), 1), ("mobile".to_string(), 1)], "{b}");
    let r = app().get(&format!("/api/links/{}/breakdown?by=referrer", s.code), key).expect(200);
    assert_eq!(r["items"], json!([{ "key": null, "clicks": 2 }]), "no referrer: unknown");

    // Bad parameters, another creator's link, another role.
    for q in ["interval=week", "from=yesterday", "interval=hour&from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z"] {
        app().get(&format!("/api/links/{}/timeseries?{q}", s.code), key).expect_error(422, "validation_failed");
    }
    app().get(&format!("/api/links/{}/breakdown?by=os", s.code), key).expect_error(422, "validation_failed");
    let other = new_creator();
    app().get(&format!("/api/links/{}/timeseries", s.code), Some(&other.api_key)).expect_error(404, "not_found");
    app()
        .get(&format!("/api/links/{}/breakdown?by=device", s.code), Some(&other.api_key))
        .expect_error(404, "not_found");
    app()
        .get(&format!("/api/links/{}/breakdown?by=device", s.code), Some(&s.brand.api_key))
        .expect_error(403, "forbidden");
}

/// Release 1's click ids (random, unsigned) keep attributing through their stored rows, with
/// the rate the row locked.
#[test]
fn a_release_1_click_id_still_attributes_through_its_row() {
    let s = shop();
    let id = format!("clk_{:0<22.22}", unique("R1"));
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis();
    crate::common::local_d1::execute(&format!(
        "INSERT INTO clicks (id, link_id, code, creator_id, brand_id, product_id, rate_bps, created_at, device, \
         visitor_hash, is_bot, is_unique, ingest) VALUES ('{id}', '{}', '{}', '{}', '{}', '{}', 700, {now}, 'mobile', \
         'h', 0, 1, 'release-1')",
        s.link_id,
        s.code,
        s.creator.id,
        s.brand.id,
        s.product["id"].as_str().unwrap(),
    ));
    let v = s.order(&id);
    assert_eq!(v["status"], "attributed", "{v}");
    assert_eq!(v["commissions"][0]["rate_bps"], 700, "the row's rate lock, not today's 1250: {v}");
    // Unknown ids of the old form attribute nothing.
    assert_eq!(s.order("clk_0000000000000000000000")["status"], "unattributed");
}

/// A visitor's clicks on one link beyond 10 within a minute are flood clicks: redirected
/// like any other, stored and counted as bot clicks, never unique, never attributing; the
/// rule holds within one queue batch and across batches, and another visitor is unaffected.
#[test]
fn the_eleventh_click_of_a_visitor_within_a_minute_is_a_bot_click() {
    let s = shop();
    let (ua_a, ua_b, ua_c) = (unique(HUMAN), unique(HUMAN), unique(HUMAN));
    // A: eleven at once (one queue batch, most likely).
    let a: Vec<String> = (0..11).map(|_| s.click_from(&ua_a, "198.51.100.23")).collect();
    // C: ten, stored, then an eleventh (another batch).
    for _ in 0..10 {
        s.click_from(&ua_c, "198.51.100.24");
    }
    eventually(
        || link_stats(&s.creator, &s.code),
        |st| st["clicks"].as_i64().unwrap_or(0) + st["bot_clicks"].as_i64().unwrap_or(0) >= 21,
    );
    s.click_from(&ua_c, "198.51.100.24");
    // B: two clicks, a visitor of its own.
    s.click_from(&ua_b, "198.51.100.23");
    s.click_from(&ua_b, "198.51.100.23");
    let st = eventually(|| link_stats(&s.creator, &s.code), |st| st["bot_clicks"] == 2 && st["clicks"] == 22);
    assert_eq!(
        (st["clicks"].as_i64(), st["bot_clicks"].as_i64(), st["unique_clicks"].as_i64()),
        (Some(22), Some(2), Some(3)),
        "{st}"
    );
    // The flood click attributes nothing; the visitor's tenth still does.
    assert_eq!(s.order(&a[10])["status"], "unattributed");
    assert_eq!(s.order(&a[9])["status"], "attributed");
}

/// Fifteen clicks of one visitor at once: exactly ten humans and five bots, however the
/// queue splits and delivers them.
#[test]
fn a_concurrent_flood_is_counted_exactly() {
    let s = shop();
    let ua = unique(HUMAN);
    let threads: Vec<_> = (0..15)
        .map(|_| {
            let (code, ua) = (s.code.clone(), ua.clone());
            std::thread::spawn(move || {
                app()
                    .send(
                        "GET",
                        &format!("/{code}"),
                        None,
                        &[("user-agent", &ua), ("cf-connecting-ip", "198.51.100.40")],
                        None,
                    )
                    .status
            })
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), 302, "a redirect is never refused for volume");
    }
    let st = eventually(
        || link_stats(&s.creator, &s.code),
        |st| st["clicks"].as_i64().unwrap_or(0) + st["bot_clicks"].as_i64().unwrap_or(0) == 15,
    );
    assert_eq!(
        (st["clicks"].as_i64(), st["bot_clicks"].as_i64(), st["unique_clicks"].as_i64()),
        (Some(10), Some(5), Some(1)),
        "{st}"
    );
}
