//! Live shows: a session's stream (`stream_url`) and pins' flash deals.

use crate::common::{app, new_brand, new_creator, new_product, unique, Brand, Creator};
use serde_json::{json, Value};

fn session_with(c: &Creator, extra: Value) -> Value {
    let mut body = json!({ "title": "Show" });
    crate::common::merge(&mut body, extra);
    app().post("/api/live-sessions", Some(&c.api_key), &body).expect(201)
}

fn id(v: &Value) -> &str {
    v["id"].as_str().expect("id")
}

fn feed(session: &str) -> Value {
    app().get(&format!("/api/live/{session}"), None).expect(200)
}

fn register_code(brand: &Brand, creator: &Creator, code: &str) -> Value {
    app().post("/api/codes", Some(&brand.api_key), &json!({ "creator_id": creator.id, "code": code })).expect(201)
}

/// An RFC 3339 time about `ms` from now (to the second, rounded down).
fn in_ms(ms: i64) -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    crate::common::rfc3339((now + ms).div_euclid(1000))
}

#[test]
fn a_stream_url_is_set_on_create_and_by_patch_and_the_page_plays_it() {
    let c = new_creator();
    let s = session_with(&c, json!({ "stream_url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ" }));
    assert_eq!(s["stream_url"], "https://www.youtube.com/watch?v=dQw4w9WgXcQ");
    let f = feed(id(&s));
    assert_eq!(f["stream"]["kind"], "youtube");
    assert_eq!(
        f["stream"]["player_url"],
        "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1&mute=1&playsinline=1"
    );
    let page = app().get(&format!("/live/{}", id(&s)), None);
    assert_eq!(page.status, 200);
    let csp = page.header("content-security-policy").expect("csp").to_string();
    assert!(csp.ends_with("; frame-src https://www.youtube-nocookie.com"), "{csp}");
    assert!(page.body.contains("data-kind=\"youtube\""), "{}", page.body);

    let path = format!("/api/live-sessions/{}", id(&s));
    let v = app()
        .patch(&path, Some(&c.api_key), &json!({ "stream_url": "https://cdn.example.com/show/index.m3u8" }))
        .expect(200);
    assert_eq!(v["stream_url"], "https://cdn.example.com/show/index.m3u8");
    assert_eq!(v["title"], "Show");
    let page = app().get(&format!("/live/{}", id(&s)), None);
    let csp = page.header("content-security-policy").expect("csp").to_string();
    assert!(
        csp.contains("connect-src 'self' https://cdn.example.com;")
            && csp.contains("media-src https://cdn.example.com blob:"),
        "{csp}"
    );
    assert!(!csp.contains("frame-src"), "{csp}");

    let v = app()
        .patch(&path, Some(&c.api_key), &json!({ "stream_url": "https://www.twitch.tv/maya_live", "title": "New" }))
        .expect(200);
    assert_eq!((v["title"].as_str(), feed(id(&s))["stream"]["kind"].as_str()), (Some("New"), Some("twitch")));
    let v = app().patch(&path, Some(&c.api_key), &json!({ "stream_url": null })).expect(200);
    assert_eq!(v["stream_url"], Value::Null);
    assert_eq!(feed(id(&s))["stream"], Value::Null);
    let page = app().get(&format!("/live/{}", id(&s)), None);
    assert!(!page.header("content-security-policy").unwrap_or("").contains("frame-src"));
    assert!(!page.body.contains("id=\"player\""));
}

#[test]
fn a_bad_stream_url_is_refused_and_changes_nothing() {
    let c = new_creator();
    let s = session_with(&c, json!({ "stream_url": "https://youtu.be/dQw4w9WgXcQ" }));
    let path = format!("/api/live-sessions/{}", id(&s));
    for bad in [
        json!("javascript:alert(1)"),
        json!("https://www.youtube.com/watch?v=\"><script>alert(1)</script>"),
        json!("https://cdn.example.com/a.m3u8\"><img src=x onerror=alert(1)>"),
        json!("http://cdn.example.com/a.m3u8"),
        json!("https://cdn.example.com/a.mp4"),
        json!("https://vimeo.com/1234"),
        json!(format!("https://cdn.example.com/{}.m3u8", "a".repeat(2100))),
        json!(42),
    ] {
        let e =
            app().patch(&path, Some(&c.api_key), &json!({ "stream_url": bad })).expect_error(422, "validation_failed");
        assert!(e["error"]["message"].as_str().unwrap().contains("stream_url"), "{e}");
        app()
            .post("/api/live-sessions", Some(&c.api_key), &json!({ "title": "x", "stream_url": bad }))
            .expect_error(422, "validation_failed");
    }
    app().patch(&path, Some(&c.api_key), &json!({ "title": null })).expect_error(422, "validation_failed");
    let f = feed(id(&s));
    assert_eq!(f["stream_url"], "https://youtu.be/dQw4w9WgXcQ");
    assert_eq!(f["title"], "Show");
    assert!(!app().get(&format!("/live/{}", id(&s)), None).body.contains("<script>alert"));
    // Another creator's session is not theirs to change.
    let other = new_creator();
    app().patch(&path, Some(&other.api_key), &json!({ "stream_url": null })).expect_error(404, "not_found");
    assert_eq!(feed(id(&s))["stream_url"], "https://youtu.be/dQw4w9WgXcQ");
}

/// A brand, a product, a creator with a code of that brand, and the creator's session.
struct Deal {
    brand: Brand,
    product: Value,
    creator: Creator,
    code: String,
    session: String,
}

fn deal_setup(scheme: &str) -> Deal {
    let brand = new_brand(json!({ "webhook_scheme": scheme }));
    let product = new_product(&brand, json!({ "commission_bps": 1000 }));
    let creator = new_creator();
    let code = format!("LIVE{}", &unique("")[..8]).replace(['-', '_'], "");
    register_code(&brand, &creator, &code);
    let session = session_with(&creator, json!({}))["id"].as_str().unwrap().to_string();
    Deal { brand, product, creator, code, session }
}

impl Deal {
    fn pin(&self, deal: Value) -> crate::common::Resp {
        app().post(
            &format!("/api/live-sessions/{}/pins", self.session),
            Some(&self.creator.api_key),
            &json!({ "product_id": self.product["id"], "deal": deal }),
        )
    }
}

#[test]
fn a_flash_deal_shows_on_the_pin_and_refuses_codes_that_are_not_the_creators_own() {
    let d = deal_setup("standard");
    // Another creator's code of the same brand, and the creator's own code of another brand.
    let rival = new_creator();
    let rival_code = format!("RIV{}", &unique("")[..8]).replace(['-', '_'], "");
    register_code(&d.brand, &rival, &rival_code);
    let other_brand = new_brand(json!({}));
    let elsewhere = format!("ELS{}", &unique("")[..8]).replace(['-', '_'], "");
    register_code(&other_brand, &d.creator, &elsewhere);
    let soon = in_ms(60_000);
    for (deal, what) in [
        (json!({ "code": rival_code, "ends_at": soon }), "deal.code"),
        (json!({ "code": elsewhere, "ends_at": soon }), "deal.code"),
        (json!({ "code": "NOSUCHCODE", "ends_at": soon }), "deal.code"),
        (json!({ "code": d.code, "ends_at": in_ms(-1000) }), "deal.ends_at"),
        (json!({ "code": d.code, "ends_at": in_ms(25 * 3_600_000) }), "deal.ends_at"),
        (json!({ "code": d.code, "ends_at": "tomorrow" }), "deal.ends_at"),
        (json!({ "code": d.code }), "deal.ends_at"),
        (json!("SUMMER"), "deal"),
    ] {
        let e = d.pin(deal.clone()).expect_error(422, "validation_failed");
        assert!(e["error"]["message"].as_str().unwrap().contains(what), "{deal}: {e}");
    }
    assert_eq!(feed(&d.session)["pins"], json!([]), "a refused pin pins nothing");

    let v = d.pin(json!({ "code": d.code.to_lowercase(), "ends_at": soon })).expect(201);
    assert_eq!(v["deal"]["code"], d.code.as_str(), "{v}");
    let pin = &feed(&d.session)["pins"][0];
    assert_eq!(pin["deal"]["code"], d.code.as_str());
    assert!(pin["deal"]["ends_at"].as_str().unwrap().ends_with('Z'));
    let page = app().get(&format!("/live/{}", d.session), None).body;
    assert!(page.contains(&format!("Code <strong>{}</strong>", d.code)), "{page}");
    // Pinning again without a deal ends it.
    d.pin(json!(null)).expect(200);
    assert_eq!(feed(&d.session)["pins"][0].get("deal"), None);
}

fn order_with_code(d: &Deal, code: &str) -> Value {
    let ev = json!({
        "id": unique("evt_"), "type": "order.paid", "order_id": unique("o-"), "currency": "USD",
        "items": [{ "sku": d.product["sku"], "quantity": 1, "unit_price": 10000 }], "discount_codes": [code],
    });
    let body = serde_json::to_vec(&ev).unwrap();
    let signed = crate::common::sign::headers("standard", &d.brand.webhook_secret, None, &unique("msg_"), &body);
    let hs: Vec<(&str, &str)> = signed.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app().send("POST", &format!("/webhooks/{}", d.brand.id), None, &hs, Some(&body)).expect(200)
}

#[test]
fn an_order_with_the_deal_code_during_the_deal_carries_the_session_and_not_after() {
    let d = deal_setup("standard");
    d.pin(json!({ "code": d.code, "ends_at": in_ms(2500) })).expect(201);
    let v = order_with_code(&d, &d.code);
    assert_eq!(v["status"], "attributed", "{v}");
    assert_eq!(v["commissions"][0]["live_session_id"], d.session.as_str(), "{v}");
    assert_eq!(v["commissions"][0]["creator_id"], d.creator.id.as_str());
    assert!(
        v["attribution"]["reason"].as_str().unwrap().contains(&format!("flash deal of live session {}", d.session)),
        "{v}"
    );
    let stats = app().get(&format!("/api/live-sessions/{}/stats", d.session), Some(&d.creator.api_key)).expect(200);
    assert_eq!(stats["orders"], 1);

    std::thread::sleep(std::time::Duration::from_millis(3000));
    assert_eq!(feed(&d.session)["pins"][0].get("deal"), None, "the deal ended by itself");
    let v = order_with_code(&d, &d.code);
    assert_eq!(v["status"], "attributed", "the code still is the creator's: {v}");
    assert_eq!(v["commissions"][0]["live_session_id"], Value::Null, "{v}");
}

#[test]
fn a_shopify_deal_link_applies_the_code_through_the_store_and_stops_when_the_deal_ends() {
    let d = deal_setup("shopify");
    let v = d.pin(json!({ "code": d.code, "ends_at": in_ms(60_000) })).expect(201);
    let code = v["code"].as_str().unwrap().to_string();
    let r = app().send("GET", &format!("/{code}"), None, &[("user-agent", "Mozilla/5.0 (iPhone) Deal/1")], None);
    assert_eq!(r.status, 302, "{}", r.body);
    let loc = r.header("location").unwrap().to_string();
    let url = d.product["url"].as_str().unwrap();
    let host_end = url["https://".len()..].find('/').map_or(url.len(), |i| i + "https://".len());
    let prefix = format!("{}/discount/{}?redirect=%2F", &url[..host_end], d.code).replace("%2F", "/");
    assert!(loc.starts_with(&prefix), "{loc} should start with {prefix}");
    assert!(loc.contains("aff_click%3Dclk_") || loc.contains("%3Dclk_"), "{loc}");

    // Unpinning ends the deal: the link goes straight to the product again.
    app()
        .delete(
            &format!("/api/live-sessions/{}/pins/{}", d.session, d.product["id"].as_str().unwrap()),
            Some(&d.creator.api_key),
        )
        .expect(200);
    let r = app().send("GET", &format!("/{code}"), None, &[("user-agent", "Mozilla/5.0 (iPhone) Deal/2")], None);
    let loc = r.header("location").unwrap().to_string();
    assert!(loc.starts_with(url.split('?').next().unwrap()) && !loc.contains("/discount/"), "{loc}");

    // A standard brand's deal leaves the link as it is (the page shows the code instead).
    let s = deal_setup("standard");
    let code =
        s.pin(json!({ "code": s.code, "ends_at": in_ms(60_000) })).expect(201)["code"].as_str().unwrap().to_string();
    let r = app().send("GET", &format!("/{code}"), None, &[("user-agent", "Mozilla/5.0 (iPhone) Deal/3")], None);
    assert!(!r.header("location").unwrap().contains("/discount/"));
}
