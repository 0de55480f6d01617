//! `POST /api/creators` (admin): the key returned once, handles, validation, roles.

use crate::common::*;
use serde_json::json;

#[test]
fn admin_creates_a_creator_and_gets_its_key_once() {
    let handle = unique("maya_");
    let v =
        app().post("/api/creators", app().admin(), &json!({"handle": handle, "email": "maya@example.com"})).expect(201);
    let id = v["id"].as_str().expect("id");
    assert!(id.starts_with("cr_") && id[3..].bytes().all(|b| b.is_ascii_alphanumeric()), "{id}");
    assert_eq!(v["handle"], handle.as_str());
    let key = v["api_key"].as_str().expect("api_key");
    assert!(key.len() >= 32, "{key}");
    // The key works on the creator's routes, and is never shown again (nor its hash).
    assert_eq!(app().get("/api/links", Some(key)).expect(200), json!({"items": [], "next_cursor": null}));
    let b = new_brand(json!({}));
    let p = new_product(&b, json!({}));
    let made = app().post("/api/links", Some(key), &json!({"product_id": p["id"]}));
    assert_eq!(made.status, 201, "{made:?}");
    let code = made.json()["code"].as_str().unwrap().to_string();
    let hash = crate::brands::sha256_hex(key);
    for r in [made, app().get("/api/links", Some(key)), app().get(&format!("/api/links/{code}/stats"), Some(key))] {
        assert!(r.status == 200 || r.status == 201, "{r:?}");
        assert!(!r.body.contains(key) && !r.body.contains(&hash), "key or its hash leaked: {}", r.body);
    }
    // Another creator has another key.
    let other = new_creator();
    assert_ne!(other.api_key, key);
    assert_ne!(other.id, id);
}

#[test]
fn email_is_optional() {
    let handle = unique("noemail");
    let v = app().post("/api/creators", app().admin(), &json!({"handle": handle})).expect(201);
    assert_eq!(v["handle"], handle.as_str());
    assert!(v["api_key"].is_string());
}

#[test]
fn a_taken_handle_is_409_ignoring_case() {
    let handle = unique("Dup");
    app().post("/api/creators", app().admin(), &json!({"handle": handle})).expect(201);
    app().post("/api/creators", app().admin(), &json!({"handle": handle})).expect_error(409, "conflict");
    app()
        .post("/api/creators", app().admin(), &json!({"handle": handle.to_ascii_lowercase()}))
        .expect_error(409, "conflict");
}

#[test]
fn wrong_shapes_are_422_and_write_nothing() {
    let handle = unique("shape");
    for body in [
        json!({}),
        json!({"handle": ""}),
        json!({"handle": "has space"}),
        json!({"handle": "émilie"}),
        json!({"handle": "x".repeat(65)}),
        json!({"handle": 42}),
        json!({"handle": handle, "email": "not-an-email"}),
        json!({"handle": handle, "email": 7}),
        json!([handle]),
    ] {
        app().post("/api/creators", app().admin(), &body).expect_error(422, "validation_failed");
    }
    // Nothing was written: the handle of the refused requests is still free.
    app().post("/api/creators", app().admin(), &json!({"handle": handle})).expect(201);
}

#[test]
fn malformed_json_is_400_and_an_oversized_body_413() {
    let handle = unique("big");
    app()
        .send("POST", "/api/creators", app().admin(), &[("content-type", "application/json")], Some(b"{\"handle\":"))
        .expect_error(400, "invalid_json");
    let big = json!({"handle": handle, "email": format!("{}@example.com", "a".repeat(64 * 1024))});
    app().post("/api/creators", app().admin(), &big).expect_error(413, "payload_too_large");
    app().post("/api/creators", app().admin(), &json!({"handle": handle})).expect(201);
}

#[test]
fn only_the_admin_creates_creators() {
    let brand = new_brand(json!({}));
    let creator = new_creator();
    let handle = unique("role");
    let body = json!({"handle": handle});
    app().post("/api/creators", None, &body).expect_error(401, "unauthorized");
    app().post("/api/creators", Some("nope"), &body).expect_error(401, "unauthorized");
    app()
        .post("/api/creators", Some("ae_ck_0000000000000000000000000000000000000000000"), &body)
        .expect_error(401, "unauthorized");
    app().post("/api/creators", Some(&brand.api_key), &body).expect_error(403, "forbidden");
    app().post("/api/creators", Some(&creator.api_key), &body).expect_error(403, "forbidden");
    app().post("/api/creators", app().admin(), &body).expect(201);
}

#[test]
fn a_creator_key_is_not_a_brand_key_and_back() {
    let brand = new_brand(json!({}));
    let creator = new_creator();
    app().get("/api/products", Some(&creator.api_key)).expect_error(403, "forbidden");
    app().get("/api/links", Some(&brand.api_key)).expect_error(403, "forbidden");
    app().get("/api/products", app().admin()).expect_error(403, "forbidden");
    app().get("/api/links", app().admin()).expect_error(403, "forbidden");
    // A key with its role marker swapped names nobody.
    let swapped = creator.api_key.replacen("ae_ck_", "ae_bk_", 1);
    app().get("/api/products", Some(&swapped)).expect_error(401, "unauthorized");
}
