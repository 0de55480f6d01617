//! Dashboard sessions: a key exchanged for an `HttpOnly` cookie, the cookie in place of the
//! key, same-origin writes, sign-out, and the rate limits on sign-ins and on writes.

use crate::common::{app, local_d1, new_brand, new_creator, new_product, unique, Resp};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU32, Ordering};

/// A client IP of its own for each test: sign-ins are limited per IP.
fn fresh_ip() -> String {
    static N: AtomicU32 = AtomicU32::new(1);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let salt = std::process::id() % 200;
    format!("10.{}.{}.{}", 1 + salt, n / 250, 1 + n % 250)
}

fn sign_in(api_key: &str, ip: &str) -> Resp {
    let body = serde_json::to_vec(&json!({ "api_key": api_key })).unwrap();
    app().send(
        "POST",
        "/api/sessions",
        None,
        &[("content-type", "application/json"), ("cf-connecting-ip", ip)],
        Some(&body),
    )
}

/// The `ae_session=…` pair of a sign-in's `set-cookie`.
fn cookie_of(r: &Resp) -> String {
    let set = r.header("set-cookie").unwrap_or_else(|| panic!("no set-cookie: {:?}", r.headers));
    set.split(';').next().unwrap().trim().to_string()
}

/// A request carrying the cookie (and `origin`, when given) instead of a key.
fn with_cookie(method: &str, path: &str, cookie: &str, origin: Option<&str>, body: Option<&Value>) -> Resp {
    let mut headers = vec![("cookie", cookie), ("content-type", "application/json")];
    if let Some(o) = origin {
        headers.push(("origin", o));
    }
    let bytes = body.map(|b| serde_json::to_vec(b).unwrap());
    app().send(method, path, None, &headers, bytes.as_deref())
}

#[test]
fn a_key_becomes_a_strict_http_only_cookie_that_works_in_its_place() {
    let creator = new_creator();
    let r = sign_in(&creator.api_key, &fresh_ip());
    let me = r.expect(201);
    assert_eq!(me, json!({ "role": "creator", "id": creator.id, "name": creator.handle }));
    let set = r.header("set-cookie").unwrap();
    for part in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        assert!(set.split(';').any(|p| p.trim() == part), "{part} missing in {set}");
    }
    let cookie = cookie_of(&r);
    assert!(cookie.starts_with("ae_session=") && cookie.len() > 40, "{cookie}");
    assert!(!r.body.contains(&creator.api_key) && !set.contains(&creator.api_key), "the key must not come back");
    // The cookie in place of the key, on reads.
    assert_eq!(with_cookie("GET", "/api/me", &cookie, None, None).expect(200), me);
    with_cookie("GET", "/api/links", &cookie, None, None).expect(200);
    // The role stays the key's: a creator's cookie is no brand.
    with_cookie("GET", "/api/products", &cookie, None, None).expect_error(403, "forbidden");
}

#[test]
fn the_admin_and_brands_sign_in_too_and_me_answers_for_keys() {
    let brand = new_brand(json!({}));
    let b = sign_in(&brand.api_key, &fresh_ip()).expect(201);
    assert_eq!((b["role"].as_str(), b["id"].as_str()), (Some("brand"), Some(brand.id.as_str())));
    assert!(b["name"].as_str().is_some_and(|n| n.starts_with("Brand ")), "{b}");
    let a = sign_in(app().admin().unwrap(), &fresh_ip()).expect(201);
    assert_eq!(a, json!({ "role": "admin", "id": null, "name": "admin" }));
    assert_eq!(app().get("/api/me", Some(&brand.api_key)).expect(200), b);
    app().get("/api/me", None).expect_error(401, "unauthorized");
    app().get("/api/me", Some("ae_ck_nothing")).expect_error(401, "unauthorized");
}

#[test]
fn bad_sign_ins_are_refused_and_open_nothing() {
    let ip = fresh_ip();
    let r = sign_in("ae_ck_not-a-key", &ip);
    r.expect_error(401, "unauthorized");
    assert!(r.header("set-cookie").is_none());
    let send = |body: &[u8]| {
        app().send(
            "POST",
            "/api/sessions",
            None,
            &[("content-type", "application/json"), ("cf-connecting-ip", &ip)],
            Some(body),
        )
    };
    send(b"{}").expect_error(422, "validation_failed");
    send(br#"{"api_key": 7}"#).expect_error(422, "validation_failed");
    send(b"not json").expect_error(400, "invalid_json");
    // A page of another origin cannot sign a visitor in under its own key (login CSRF),
    // whatever the body's content type.
    let creator = new_creator();
    let body = serde_json::to_vec(&json!({ "api_key": creator.api_key })).unwrap();
    for ct in ["application/json", "text/plain"] {
        let r = app().send(
            "POST",
            "/api/sessions",
            None,
            &[("content-type", ct), ("cf-connecting-ip", &ip), ("origin", "https://evil.example")],
            Some(&body),
        );
        r.expect_error(403, "forbidden");
        assert!(r.header("set-cookie").is_none());
    }
    let own = app().send(
        "POST",
        "/api/sessions",
        None,
        &[("content-type", "application/json"), ("cf-connecting-ip", &ip), ("origin", &app().base)],
        Some(&body),
    );
    own.expect(201);
    // A cookie that names no session.
    with_cookie("GET", "/api/me", "ae_session=ae_ss_forged", None, None).expect_error(401, "unauthorized");
}

#[test]
fn a_cookie_write_needs_this_origin_and_a_foreign_one_changes_nothing() {
    let brand = new_brand(json!({}));
    let creator = new_creator();
    let product = new_product(&brand, json!({}));
    let cookie = cookie_of(&sign_in(&creator.api_key, &fresh_ip()));
    let body = json!({ "product_id": product["id"] });
    let count = || app().get("/api/links", Some(&creator.api_key)).expect(200)["items"].as_array().unwrap().len();
    for origin in [Some("https://evil.example"), Some("null"), None] {
        with_cookie("POST", "/api/links", &cookie, origin, Some(&body)).expect_error(403, "forbidden");
    }
    assert_eq!(count(), 0, "a refused write changed something");
    with_cookie("POST", "/api/links", &cookie, Some(&app().base), Some(&body)).expect(201);
    assert_eq!(count(), 1);
    // A bearer key needs no origin (servers call the API, not browsers).
    app().post("/api/links", Some(&creator.api_key), &body).expect(201);
}

#[test]
fn sign_out_ends_the_session_for_good() {
    let creator = new_creator();
    let cookie = cookie_of(&sign_in(&creator.api_key, &fresh_ip()));
    with_cookie("GET", "/api/me", &cookie, None, None).expect(200);
    // From another origin, sign-out is refused too (it is a write).
    with_cookie("DELETE", "/api/sessions", &cookie, Some("https://evil.example"), None).expect_error(403, "forbidden");
    with_cookie("GET", "/api/me", &cookie, None, None).expect(200);
    let out = with_cookie("DELETE", "/api/sessions", &cookie, Some(&app().base), None);
    assert_eq!(out.status, 204, "{}", out.body);
    let cleared = out.header("set-cookie").unwrap();
    assert!(cleared.starts_with("ae_session=;") && cleared.contains("Max-Age=0"), "{cleared}");
    with_cookie("GET", "/api/me", &cookie, None, None).expect_error(401, "unauthorized");
    with_cookie("GET", "/api/links", &cookie, None, None).expect_error(401, "unauthorized");
    // Again: nothing left to end, the same answer.
    assert_eq!(with_cookie("DELETE", "/api/sessions", &cookie, Some(&app().base), None).status, 204);
}

#[test]
fn sessions_are_stored_as_hashes_only() {
    let creator = new_creator();
    let cookie = cookie_of(&sign_in(&creator.api_key, &fresh_ip()));
    let token = cookie.trim_start_matches("ae_session=");
    let rows = local_d1::query(&format!(
        "SELECT s.token_hash FROM sessions s JOIN creators c ON c.api_key_hash = s.creator_key_hash WHERE c.id = '{}'",
        creator.id
    ));
    assert_eq!(rows.len(), 1, "{rows:?}");
    let stored = rows[0]["token_hash"].as_str().unwrap();
    use sha2::Digest;
    let hash: String = sha2::Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(stored, hash);
    assert_ne!(stored, token);
    let all = local_d1::query("SELECT token_hash FROM sessions");
    assert!(all.iter().all(|r| r["token_hash"].as_str() != Some(token)), "a token is stored in clear");
}

/// Sends `attempt(n)` for n = 1, 2, … until one answers 429; returns that n. Cloudflare's
/// limiter (and wrangler's) counts in windows aligned to the clock, so the limit may be
/// reached once within a window or after one boundary: between `limit + 1` and
/// `2 * limit + 1` attempts.
fn attempts_until_429(limit: u32, attempt: impl Fn(u32) -> Resp) -> u32 {
    for n in 1..=2 * limit + 1 {
        let r = attempt(n);
        if r.status == 429 {
            let v = r.expect_error(429, "rate_limited");
            assert!(
                r.header("retry-after").is_some_and(|s| s.parse::<u32>().is_ok_and(|s| (1..=60).contains(&s))),
                "{:?} {v}",
                r.headers
            );
            assert!(n > limit, "429 after only {n} attempts (limit {limit})");
            return n;
        }
    }
    panic!("no 429 within {} attempts (limit {limit})", 2 * limit + 1);
}

#[test]
fn sign_ins_past_ten_a_minute_from_one_ip_are_429_and_other_ips_are_not() {
    let ip = fresh_ip();
    let creator = new_creator();
    attempts_until_429(10, |_| {
        let r = sign_in("ae_ck_guess", &ip);
        assert!(matches!(r.status, 401 | 429), "{}", r.body);
        r
    });
    // Past the limit even the right key is not checked from that IP.
    sign_in(&creator.api_key, &ip).expect_error(429, "rate_limited");
    // Another IP signs in.
    sign_in(&creator.api_key, &fresh_ip()).expect(201);
}

#[test]
fn writes_past_600_a_minute_of_one_key_are_429_and_change_nothing_reads_and_others_go_on() {
    let brand = new_brand(json!({}));
    let other = new_brand(json!({}));
    // Refused writes (422: no fields) count too, and change nothing.
    let sku = unique("sku-");
    let n = attempts_until_429(600, |_| {
        let r = app().post("/api/products", Some(&brand.api_key), &json!({ "sku": sku }));
        assert!(matches!(r.status, 422 | 429), "{}", r.body);
        r
    });
    assert!(n > 600);
    let valid = json!({ "sku": sku, "title": "Mug", "url": format!("https://{}/p/mug", brand.domain), "price": { "amount": 900, "currency": "USD" } });
    app().post("/api/products", Some(&brand.api_key), &valid).expect_error(429, "rate_limited");
    let listed = app().get("/api/products", Some(&brand.api_key)).expect(200);
    assert_eq!(listed["items"], json!([]), "a limited write changed something");
    new_product(&other, json!({}));
}
