//! `POST /api/brands` (admin): what it returns once, defaults, validation, roles.

use crate::common::*;
use base64::Engine;
use serde_json::{json, Value};

fn brand_body(extra: Value) -> Value {
    let mut body = json!({
        "name": unique("Brand "),
        "domains": [format!("{}.example", unique("shop"))],
        "currency": "USD",
        "default_commission_bps": 1000,
        "webhook_scheme": "standard",
    });
    merge(&mut body, extra);
    body
}

pub fn sha256_hex(s: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(s.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn is_base62(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

#[test]
fn admin_creates_a_brand_and_gets_its_key_and_webhook_details_once() {
    let body = brand_body(json!({}));
    let r = app().post("/api/brands", app().admin(), &body);
    assert_eq!(r.header("content-type"), Some("application/json; charset=utf-8"));
    let v = r.expect(201);
    let id = v["id"].as_str().expect("id");
    assert!(id.starts_with("br_") && is_base62(&id[3..]), "{id}");
    let key = v["api_key"].as_str().expect("api_key");
    assert!(key.len() >= 32, "a key long enough to be unguessable: {key}");
    // A generated standard secret: `whsec_` + base64 of 32 random bytes.
    let secret = v["webhook_secret"].as_str().expect("webhook_secret");
    let raw = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_").expect("whsec_ prefix"))
        .expect("base64");
    assert_eq!(raw.len(), 32);
    assert_eq!(v["webhook_url"], format!("{}/webhooks/{id}", app().base));

    // The key works on the brand's routes, and is never shown again (nor its hash).
    let list = app().get("/api/products", Some(key)).expect(200);
    assert_eq!(list, json!({"items": [], "next_cursor": null}));
    let hash = sha256_hex(key);
    let domain = body["domains"][0].as_str().unwrap();
    let p = app().post(
        "/api/products",
        Some(key),
        &json!({"sku": "K1", "title": "t", "url": format!("https://{domain}/x"), "price": {"amount": 1, "currency": "USD"}}),
    );
    let listed = app().get("/api/products", Some(key));
    let shown = app().get(&format!("/api/showcase?brand={id}"), None);
    for r in [&p, &listed, &shown] {
        assert!(r.status < 300, "{r:?}");
        assert!(!r.body.contains(key) && !r.body.contains(&hash), "key or its hash leaked: {}", r.body);
    }

    // Another brand gets other ids, keys and secrets.
    let w = app().post("/api/brands", app().admin(), &brand_body(json!({}))).expect(201);
    assert_ne!(w["id"], v["id"]);
    assert_ne!(w["api_key"], v["api_key"]);
    assert_ne!(w["webhook_secret"], v["webhook_secret"]);
}

#[test]
fn a_webhook_secret_the_platform_issued_is_kept() {
    let given = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let v = app().post("/api/brands", app().admin(), &brand_body(json!({"webhook_secret": given}))).expect(201);
    assert_eq!(v["webhook_secret"], given);
    let v = app()
        .post(
            "/api/brands",
            app().admin(),
            &brand_body(json!({"webhook_scheme": "shopify", "webhook_secret": "shpss_0123456789abcdef"})),
        )
        .expect(201);
    assert_eq!(v["webhook_secret"], "shpss_0123456789abcdef");
}

#[test]
fn every_scheme_is_accepted_and_tiktok_needs_an_app_key() {
    for scheme in ["shopify", "woocommerce", "stripe", "standard"] {
        let v = app().post("/api/brands", app().admin(), &brand_body(json!({"webhook_scheme": scheme}))).expect(201);
        assert!(!v["webhook_secret"].as_str().unwrap_or("").is_empty(), "{scheme}: {v}");
    }
    app()
        .post("/api/brands", app().admin(), &brand_body(json!({"webhook_scheme": "tiktok"})))
        .expect_error(422, "validation_failed");
    app()
        .post(
            "/api/brands",
            app().admin(),
            &brand_body(json!({"webhook_scheme": "tiktok", "webhook_app_key": "tt-app-key-1"})),
        )
        .expect(201);
}

#[test]
fn wrong_shapes_and_ranges_are_422() {
    let long_name = "n".repeat(201);
    let bad: Vec<(&str, Value)> = vec![
        ("missing name", json!({"name": null})),
        ("empty name", json!({"name": "  "})),
        ("name over 200", json!({"name": long_name})),
        ("name not a string", json!({"name": 7})),
        ("no domains", json!({"domains": []})),
        ("domains not a list", json!({"domains": "shop.example"})),
        ("domain with scheme", json!({"domains": ["https://shop.example"]})),
        ("domain with path", json!({"domains": ["shop.example/x"]})),
        ("domain with port", json!({"domains": ["shop.example:8443"]})),
        ("single label", json!({"domains": ["localhost"]})),
        ("ip address", json!({"domains": ["127.0.0.1"]})),
        ("unknown currency", json!({"currency": "XYZ"})),
        ("currency not a code", json!({"currency": "dollars"})),
        ("negative rate", json!({"default_commission_bps": -1})),
        ("rate over 100 %", json!({"default_commission_bps": 10001})),
        ("fractional rate", json!({"default_commission_bps": 12.5})),
        ("rate as string", json!({"default_commission_bps": "1000"})),
        ("window 0", json!({"attribution_window_days": 0})),
        ("window 366", json!({"attribution_window_days": 366})),
        ("negative hold", json!({"hold_days": -1})),
        ("hold 366", json!({"hold_days": 366})),
        ("click param with space", json!({"click_param": "aff click"})),
        ("click param with &", json!({"click_param": "a&b=c"})),
        ("empty click param", json!({"click_param": ""})),
        ("unknown scheme", json!({"webhook_scheme": "paypal"})),
        ("missing scheme", json!({"webhook_scheme": null})),
        ("standard secret not base64", json!({"webhook_secret": "whsec_***"})),
        ("body not an object", json!(["x"])),
    ];
    for (what, extra) in bad {
        let body = if extra.is_array() {
            extra
        } else {
            let mut b = brand_body(json!({}));
            for (k, v) in extra.as_object().unwrap() {
                if v.is_null() {
                    b.as_object_mut().unwrap().remove(k);
                } else {
                    b[k] = v.clone();
                }
            }
            b
        };
        let r = app().post("/api/brands", app().admin(), &body);
        assert_eq!(r.status, 422, "{what}: {}", r.body);
        r.expect_error(422, "validation_failed");
    }
}

#[test]
fn malformed_json_is_400_and_an_oversized_body_413() {
    for raw in [&b"{not json"[..], b"", b"{\"name\": \"x\",", b"\xff\xfe"] {
        app()
            .send("POST", "/api/brands", app().admin(), &[("content-type", "application/json")], Some(raw))
            .expect_error(400, "invalid_json");
    }
    let big = brand_body(json!({"name": "x".repeat(64 * 1024)}));
    app().post("/api/brands", app().admin(), &big).expect_error(413, "payload_too_large");
}

#[test]
fn only_the_admin_creates_brands() {
    let brand = new_brand(json!({}));
    let creator = new_creator();
    let body = brand_body(json!({}));
    app().post("/api/brands", None, &body).expect_error(401, "unauthorized");
    app().post("/api/brands", Some("not-the-token"), &body).expect_error(401, "unauthorized");
    app().post("/api/brands", Some(&format!("{}x", app().admin_token)), &body).expect_error(401, "unauthorized");
    app()
        .post("/api/brands", Some("ae_bk_0000000000000000000000000000000000000000000"), &body)
        .expect_error(401, "unauthorized");
    app().post("/api/brands", Some(&brand.api_key), &body).expect_error(403, "forbidden");
    app().post("/api/brands", Some(&creator.api_key), &body).expect_error(403, "forbidden");
    // Another scheme word is no bearer key at all.
    let bytes = serde_json::to_vec(&body).unwrap();
    let basic = format!("Basic {}", app().admin_token);
    app()
        .send(
            "POST",
            "/api/brands",
            None,
            &[("authorization", &basic), ("content-type", "application/json")],
            Some(&bytes),
        )
        .expect_error(401, "unauthorized");
    // Auth is checked before the body is read: a bad body from nobody is still 401.
    app()
        .send("POST", "/api/brands", None, &[("content-type", "application/json")], Some(b"{oops"))
        .expect_error(401, "unauthorized");
}

#[test]
fn the_bearer_scheme_word_is_case_insensitive() {
    let bytes = serde_json::to_vec(&brand_body(json!({}))).unwrap();
    for scheme in ["bearer", "BEARER", "BeArEr"] {
        let auth = format!("{scheme} {}", app().admin_token);
        app()
            .send(
                "POST",
                "/api/brands",
                None,
                &[("authorization", &auth), ("content-type", "application/json")],
                Some(&bytes),
            )
            .expect(201);
    }
}

#[test]
fn brand_domains_are_case_insensitive_and_cover_subdomains() {
    let host = format!("{}.Example", unique("Shop"));
    let b = new_brand(json!({"domains": [host.clone(), "second-brand-domain.example"]}));
    let lower = host.to_ascii_lowercase();
    for url in [
        format!("https://{host}/a"),
        format!("https://{lower}/b"),
        format!("https://www.{lower}/c"),
        format!("https://eu.store.{lower}/d"),
        "https://second-brand-domain.example/e".to_string(),
    ] {
        let p = new_product(&b, json!({"url": url}));
        let stored = url::Url::parse(p["url"].as_str().unwrap()).unwrap();
        assert!(stored.host_str().unwrap().ends_with(".example"), "{p}");
        assert_eq!(stored.host_str().unwrap(), stored.host_str().unwrap().to_ascii_lowercase());
    }
    app()
        .post(
            "/api/products",
            Some(&b.api_key),
            &json!({"sku": "x", "title": "t", "url": format!("https://evil{lower}/x"), "price": {"amount": 1, "currency": "USD"}}),
        )
        .expect_error(422, "validation_failed");
}
