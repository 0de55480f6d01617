//! A brand's products (`POST/PATCH/GET /api/products`), the public showcase and targeted
//! collaboration rates (`PUT /api/collaborations/{creator_id}`).

use crate::common::*;
use serde_json::{json, Value};

fn product_body(brand: &Brand, extra: Value) -> Value {
    let sku = unique("SKU-");
    let mut body = json!({
        "sku": sku,
        "title": "Linen shirt",
        "url": format!("https://{}/products/{sku}", brand.domain),
        "price": {"amount": 4999, "currency": "USD"},
    });
    merge(&mut body, extra);
    body
}

fn products(brand: &Brand, query: &str) -> Value {
    app().get(&format!("/api/products{query}"), Some(&brand.api_key)).expect(200)
}

fn ids(list: &Value) -> Vec<String> {
    list["items"].as_array().expect("items").iter().map(|i| i["id"].as_str().unwrap().to_string()).collect()
}

fn showcase(query: &str) -> Value {
    let v = app().get(&format!("/api/showcase{query}"), None).expect(200);
    assert!(v["items"].is_array(), "{v}");
    assert!(v.get("next_cursor").is_some(), "next_cursor is never omitted: {v}");
    v
}

// ---------------------------------------------------------------------------------------
// Products

#[test]
fn brand_creates_a_product() {
    let b = new_brand(json!({}));
    let body = product_body(
        &b,
        json!({"commission_bps": 1500, "image_url": "https://cdn.example/img/1.jpg", "title": "  Linen shirt  "}),
    );
    let v = app().post("/api/products", Some(&b.api_key), &body).expect(201);
    let id = v["id"].as_str().unwrap();
    assert!(id.starts_with("pr_"), "{id}");
    assert_eq!(v["brand_id"], b.id.as_str());
    assert_eq!(v["sku"], body["sku"]);
    assert_eq!(v["title"], "Linen shirt");
    assert_eq!(v["url"], body["url"]);
    assert_eq!(v["price"], json!({"amount": 4999, "currency": "USD"}));
    assert_eq!(v["commission_bps"], 1500);
    assert_eq!(v["image_url"], "https://cdn.example/img/1.jpg");
    assert_eq!(v["active"], true);
    // Optional fields absent: null, never omitted.
    let w = app().post("/api/products", Some(&b.api_key), &product_body(&b, json!({}))).expect(201);
    assert!(w.get("commission_bps").is_some_and(Value::is_null), "{w}");
    assert!(w.get("image_url").is_some_and(Value::is_null), "{w}");
    // Newest first in the brand's list.
    assert_eq!(ids(&products(&b, "")), vec![w["id"].as_str().unwrap(), id]);
}

#[test]
fn money_is_integer_minor_units_in_any_iso_currency() {
    let b = new_brand(json!({}));
    for (amount, currency) in [(0, "USD"), (1500, "JPY"), (12345, "KWD"), (999, "EUR")] {
        let v = app()
            .post(
                "/api/products",
                Some(&b.api_key),
                &product_body(&b, json!({"price": {"amount": amount, "currency": currency}})),
            )
            .expect(201);
        assert_eq!(v["price"], json!({"amount": amount, "currency": currency}));
    }
}

#[test]
fn product_url_must_be_https_on_a_brand_domain() {
    let b = new_brand(json!({}));
    let other = new_brand(json!({}));
    let d = &b.domain;
    for url in [
        format!("http://{d}/p"),
        format!("ftp://{d}/p"),
        format!("javascript:alert(1)//{d}"),
        format!("//{d}/p"),
        format!("/{d}/p"),
        format!("{d}/p"),
        format!("https://{d}:8443/p"),
        format!("https://user:pw@{d}/p"),
        format!("https://{d}@evil.example/p"),
        format!("https://{d}.evil.example/p"),
        format!("https://evil{d}/p"),
        format!("https://evil.example/?u=https://{d}/"),
        format!("https://evil.example/#{d}"),
        format!("https://{}/p", other.domain),
        "https://127.0.0.1/p".to_string(),
        "https://[::1]/p".to_string(),
        format!("https://{d}/p q"),
        format!("https://{d}/p\n"),
        format!("https://{d}\\evil.example/p"),
        format!("https://{d}/p\\q"),
        format!("https://www_x.{d}/p"),
        format!("https://{d}./p"),
        format!("https:/{d}/p"),
        format!("https://{d}/100%"),
        String::new(),
    ] {
        let r = app().post("/api/products", Some(&b.api_key), &product_body(&b, json!({"url": url})));
        assert_eq!(r.status, 422, "{url:?}: {}", r.body);
        r.expect_error(422, "validation_failed");
    }
    assert_eq!(products(&b, ""), json!({"items": [], "next_cursor": null}), "nothing written");
    // Its own host, a subdomain, any letter case and the explicit default port are fine.
    for (url, stored) in [
        (format!("https://{d}/p?a=1#x"), format!("https://{d}/p?a=1#x")),
        (format!("https://shop.{d}/p"), format!("https://shop.{d}/p")),
        (format!("https://{}/P", d.to_ascii_uppercase()), format!("https://{d}/P")),
        (format!("https://{d}:443/p"), format!("https://{d}/p")),
        (format!("HTTPS://{d}/a/../p/./caf\u{e9}?q=\u{fc}\"#f"), format!("https://{d}/p/caf%C3%A9?q=%C3%BC%22#f")),
    ] {
        let v = app().post("/api/products", Some(&b.api_key), &product_body(&b, json!({"url": url}))).expect(201);
        assert_eq!(v["url"], stored.as_str());
    }
}

#[test]
fn wrong_shapes_are_422_and_write_nothing() {
    let b = new_brand(json!({}));
    let bad: Vec<(&str, Value)> = vec![
        ("negative price", json!({"price": {"amount": -1, "currency": "USD"}})),
        ("fractional price", json!({"price": {"amount": 19.99, "currency": "USD"}})),
        ("price as string", json!({"price": {"amount": "1999", "currency": "USD"}})),
        ("price as a number", json!({"price": 1999})),
        ("unknown currency", json!({"price": {"amount": 1, "currency": "XXY"}})),
        ("lowercase junk currency", json!({"price": {"amount": 1, "currency": "usdollar"}})),
        ("missing currency", json!({"price": {"amount": 1}})),
        ("title over 200", json!({"title": "t".repeat(201)})),
        ("empty title", json!({"title": ""})),
        ("title not a string", json!({"title": ["x"]})),
        ("empty sku", json!({"sku": " "})),
        ("sku over 200", json!({"sku": "s".repeat(201)})),
        ("negative rate", json!({"commission_bps": -5})),
        ("rate over 100 %", json!({"commission_bps": 10001})),
        ("image over http", json!({"image_url": "http://cdn.example/x.jpg"})),
        ("image not a url", json!({"image_url": "x.jpg"})),
        ("image on an IP address", json!({"image_url": "https://127.0.0.1/x.jpg"})),
        ("image with a port", json!({"image_url": "https://cdn.example:8443/x.jpg"})),
    ];
    for (what, extra) in bad {
        let r = app().post("/api/products", Some(&b.api_key), &product_body(&b, extra));
        assert_eq!(r.status, 422, "{what}: {}", r.body);
        r.expect_error(422, "validation_failed");
    }
    for missing in ["sku", "title", "url", "price"] {
        let mut body = product_body(&b, json!({}));
        body.as_object_mut().unwrap().remove(missing);
        app().post("/api/products", Some(&b.api_key), &body).expect_error(422, "validation_failed");
    }
    assert_eq!(products(&b, ""), json!({"items": [], "next_cursor": null}), "nothing written");
    // 200 characters is within the limit; characters, not bytes.
    app().post("/api/products", Some(&b.api_key), &product_body(&b, json!({"title": "t".repeat(200)}))).expect(201);
    let v = app()
        .post("/api/products", Some(&b.api_key), &product_body(&b, json!({"title": "😀".repeat(200)})))
        .expect(201);
    assert_eq!(v["title"], "😀".repeat(200));
    app().post("/api/products", Some(&b.api_key), &product_body(&b, json!({"title": "é".repeat(200)}))).expect(201);
    app()
        .post("/api/products", Some(&b.api_key), &product_body(&b, json!({"title": "😀".repeat(201)})))
        .expect_error(422, "validation_failed");
    assert_eq!(products(&b, "")["items"].as_array().unwrap().len(), 3);
}

#[test]
fn a_duplicate_sku_of_the_same_brand_is_409() {
    let b = new_brand(json!({}));
    let first = new_product(&b, json!({"sku": "DUP-1"}));
    app()
        .post("/api/products", Some(&b.api_key), &product_body(&b, json!({"sku": "DUP-1"})))
        .expect_error(409, "conflict");
    assert_eq!(ids(&products(&b, "")), vec![first["id"].as_str().unwrap()]);
    // Another brand may use the same sku.
    let other = new_brand(json!({}));
    new_product(&other, json!({"sku": "DUP-1"}));
    // Renaming another product onto a taken sku is 409 too.
    let second = new_product(&b, json!({"sku": "DUP-2"}));
    let path = format!("/api/products/{}", second["id"].as_str().unwrap());
    app().patch(&path, Some(&b.api_key), &json!({"sku": "DUP-1"})).expect_error(409, "conflict");
}

#[test]
fn malformed_json_is_400_and_oversized_bodies_413() {
    let b = new_brand(json!({}));
    let p = new_product(&b, json!({}));
    let path = format!("/api/products/{}", p["id"].as_str().unwrap());
    for (method, route) in [("POST", "/api/products"), ("PATCH", path.as_str())] {
        app()
            .send(method, route, Some(&b.api_key), &[("content-type", "application/json")], Some(b"{\"title\": }"))
            .expect_error(400, "invalid_json");
        let big = product_body(&b, json!({"title": "x".repeat(65 * 1024)}));
        app().json_req(method, route, Some(&b.api_key), &big).expect_error(413, "payload_too_large");
    }
    let list = products(&b, "");
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["title"], p["title"], "nothing changed");
}

#[test]
fn patch_edits_any_field() {
    let b = new_brand(json!({}));
    let p = new_product(&b, json!({"commission_bps": 700, "image_url": "https://cdn.example/a.png"}));
    let path = format!("/api/products/{}", p["id"].as_str().unwrap());
    let new_url = format!("https://www.{}/v2?ref=x", b.domain);
    let v = app()
        .patch(
            &path,
            Some(&b.api_key),
            &json!({"title": "Renamed", "sku": "NEW-SKU", "url": new_url, "price": {"amount": 1234, "currency": "EUR"}}),
        )
        .expect(200);
    assert_eq!(v["title"], "Renamed");
    assert_eq!(v["sku"], "NEW-SKU");
    assert_eq!(v["url"], new_url.as_str());
    assert_eq!(v["price"], json!({"amount": 1234, "currency": "EUR"}));
    assert_eq!(v["commission_bps"], 700, "fields not sent are kept");
    assert_eq!(v["image_url"], "https://cdn.example/a.png");
    // null clears an optional field; an empty patch changes nothing.
    let v = app().patch(&path, Some(&b.api_key), &json!({"commission_bps": null, "image_url": null})).expect(200);
    assert!(v["commission_bps"].is_null() && v["image_url"].is_null(), "{v}");
    let same = app().patch(&path, Some(&b.api_key), &json!({})).expect(200);
    assert_eq!(same["title"], "Renamed");
    // The list shows what was stored.
    let item = &products(&b, "")["items"][0];
    assert_eq!(item["title"], "Renamed");
    assert_eq!(item["url"], new_url.as_str());
    assert!(item["commission_bps"].is_null());
}

#[test]
fn a_refused_patch_changes_nothing() {
    let b = new_brand(json!({}));
    let p = new_product(&b, json!({"title": "Keep me", "commission_bps": 900}));
    let path = format!("/api/products/{}", p["id"].as_str().unwrap());
    for bad in [
        json!({"title": "Changed", "url": "https://evil.example/p"}),
        json!({"title": "Changed", "price": {"amount": -10, "currency": "USD"}}),
        json!({"title": "Changed", "price": {"amount": 10, "currency": "ZZZ"}}),
        json!({"title": "x".repeat(201)}),
        json!({"title": "Changed", "commission_bps": 20000}),
        json!({"title": "Changed", "active": "no"}),
        json!({"title": "Changed", "url": format!("http://{}/p", b.domain)}),
    ] {
        app().patch(&path, Some(&b.api_key), &bad).expect_error(422, "validation_failed");
    }
    let item = &products(&b, "")["items"][0];
    assert_eq!(item["title"], "Keep me");
    assert_eq!(item["url"], p["url"]);
    assert_eq!(item["price"], p["price"]);
    assert_eq!(item["commission_bps"], 900);
    assert_eq!(item["active"], true);
}

#[test]
fn a_brand_never_sees_or_edits_another_brands_products() {
    let a = new_brand(json!({}));
    let b = new_brand(json!({}));
    let pa = new_product(&a, json!({"title": "A's"}));
    let pb = new_product(&b, json!({}));
    assert_eq!(ids(&products(&a, "")), vec![pa["id"].as_str().unwrap()]);
    assert_eq!(ids(&products(&b, "")), vec![pb["id"].as_str().unwrap()]);
    let path = format!("/api/products/{}", pa["id"].as_str().unwrap());
    app().patch(&path, Some(&b.api_key), &json!({"title": "hijacked"})).expect_error(404, "not_found");
    app().patch(&path, Some(&b.api_key), &json!({"active": false})).expect_error(404, "not_found");
    // Same answer as for a product that does not exist at all.
    app()
        .patch("/api/products/pr_doesnotexist00000000000", Some(&b.api_key), &json!({"title": "x"}))
        .expect_error(404, "not_found");
    let item = &products(&a, "")["items"][0];
    assert_eq!(item["title"], "A's");
    assert_eq!(item["active"], true);
}

#[test]
fn product_routes_are_for_brands_only() {
    let b = new_brand(json!({}));
    let c = new_creator();
    let p = new_product(&b, json!({}));
    let path = format!("/api/products/{}", p["id"].as_str().unwrap());
    let body = product_body(&b, json!({}));
    for key in [Some(c.api_key.as_str()), app().admin()] {
        app().post("/api/products", key, &body).expect_error(403, "forbidden");
        app().get("/api/products", key).expect_error(403, "forbidden");
        app().patch(&path, key, &json!({"title": "x"})).expect_error(403, "forbidden");
    }
    for key in [None, Some("ae_bk_wrong"), Some("garbage")] {
        app().post("/api/products", key, &body).expect_error(401, "unauthorized");
        app().get("/api/products", key).expect_error(401, "unauthorized");
        app().patch(&path, key, &json!({"title": "x"})).expect_error(401, "unauthorized");
    }
    let list = products(&b, "");
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "nothing written");
    assert_eq!(list["items"][0]["title"], p["title"]);
}

#[test]
fn product_lists_page_newest_first() {
    let b = new_brand(json!({}));
    let made: Vec<String> = (0..5).map(|_| new_product(&b, json!({}))["id"].as_str().unwrap().to_string()).collect();
    let newest_first: Vec<String> = made.iter().rev().cloned().collect();
    assert_eq!(ids(&products(&b, "")), newest_first);
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let q = match &cursor {
            Some(c) => format!("?limit=2&cursor={c}"),
            None => "?limit=2".to_string(),
        };
        let page = products(&b, &q);
        let got = ids(&page);
        assert!(got.len() <= 2);
        seen.extend(got);
        pages += 1;
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => {
                assert!(page["next_cursor"].is_null());
                break;
            }
        }
        assert!(pages < 10, "paging does not end");
    }
    assert_eq!(seen, newest_first);
    assert_eq!(pages, 3);
    assert_eq!(ids(&products(&b, "?limit=1")), newest_first[..1].to_vec());
    assert_eq!(ids(&products(&b, "?limit=100")), newest_first);
    for bad in ["?limit=0", "?limit=101", "?limit=-1", "?limit=abc", "?limit=1.5", "?cursor=%%%", "?cursor=bm9wZQ"] {
        app().get(&format!("/api/products{bad}"), Some(&b.api_key)).expect_error(422, "validation_failed");
    }
}

// ---------------------------------------------------------------------------------------
// Showcase

#[test]
fn showcase_lists_active_products_with_the_effective_open_rate() {
    let b = new_brand(json!({"default_commission_bps": 800}));
    let own_rate = new_product(&b, json!({"commission_bps": 1250, "image_url": "https://cdn.example/i.jpg"}));
    let default_rate = new_product(&b, json!({"title": "Default rated"}));
    let v = showcase(&format!("?brand={}", b.id));
    assert_eq!(v["next_cursor"], Value::Null);
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{v}");
    // Newest first; the contract's fields with the open rate resolved.
    let d = &items[0];
    assert_eq!(d["id"], default_rate["id"]);
    assert_eq!(d["brand_id"], b.id.as_str());
    assert_eq!(d["sku"], default_rate["sku"]);
    assert_eq!(d["title"], "Default rated");
    assert_eq!(d["url"], default_rate["url"]);
    assert_eq!(d["price"], json!({"amount": 2000, "currency": "USD"}));
    assert!(d.get("image_url").is_some_and(Value::is_null), "{d}");
    assert_eq!(d["commission_bps"], 800, "the brand default");
    let o = &items[1];
    assert_eq!(o["id"], own_rate["id"]);
    assert_eq!(o["commission_bps"], 1250, "the product's own rate");
    assert_eq!(o["image_url"], "https://cdn.example/i.jpg");
    // Public: no key needed, and a key changes nothing.
    let with_key = app().get(&format!("/api/showcase?brand={}", b.id), Some(&b.api_key)).expect(200);
    assert_eq!(with_key, v);
}

#[test]
fn showcase_follows_edits_and_withdrawals_at_once() {
    let b = new_brand(json!({"default_commission_bps": 500}));
    let p = new_product(&b, json!({}));
    let path = format!("/api/products/{}", p["id"].as_str().unwrap());
    let q = format!("?brand={}", b.id);
    assert_eq!(showcase(&q)["items"].as_array().unwrap().len(), 1);
    app().patch(&path, Some(&b.api_key), &json!({"commission_bps": 2000, "title": "New"})).expect(200);
    let item = &showcase(&q)["items"][0];
    assert_eq!(item["commission_bps"], 2000);
    assert_eq!(item["title"], "New");
    app().patch(&path, Some(&b.api_key), &json!({"commission_bps": null})).expect(200);
    assert_eq!(showcase(&q)["items"][0]["commission_bps"], 500);
    app().patch(&path, Some(&b.api_key), &json!({"active": false})).expect(200);
    assert_eq!(showcase(&q), json!({"items": [], "next_cursor": null}));
    // Withdrawn, but still the brand's: its own list shows it inactive.
    assert_eq!(products(&b, "")["items"][0]["active"], false);
    app().patch(&path, Some(&b.api_key), &json!({"active": true})).expect(200);
    assert_eq!(showcase(&q)["items"].as_array().unwrap().len(), 1);
}

#[test]
fn showcase_filters_by_brand_and_searches_title_and_sku() {
    let b = new_brand(json!({}));
    let other = new_brand(json!({}));
    let word = unique("zebra");
    let t = new_product(&b, json!({"title": format!("Striped {word} tee")}));
    let s = new_product(&b, json!({"sku": format!("{word}-SKU")}));
    new_product(&b, json!({"title": "Plain"}));
    let o = new_product(&other, json!({"title": format!("{word} too")}));
    let found = ids(&showcase(&format!("?brand={}&q={word}", b.id)));
    assert_eq!(found, vec![s["id"].as_str().unwrap(), t["id"].as_str().unwrap()]);
    // Without a brand, every brand's matches.
    let all = ids(&showcase(&format!("?q={}", word.to_uppercase())));
    assert_eq!(all, vec![o["id"].as_str().unwrap(), s["id"].as_str().unwrap(), t["id"].as_str().unwrap()]);
    // LIKE wildcards in q are literal characters.
    assert_eq!(ids(&showcase(&format!("?brand={}&q=%25", b.id))), Vec::<String>::new());
    assert_eq!(ids(&showcase(&format!("?brand={}&q=_", b.id))).len(), 0);
    assert_eq!(ids(&showcase(&format!("?brand={}&q=", b.id))).len(), 3, "an empty q matches all");
    // The query is form-decoded: `+` is a space, `%XX` a byte.
    assert_eq!(ids(&showcase(&format!("?brand={}&q=Striped+{word}", b.id))), vec![t["id"].as_str().unwrap()]);
    assert_eq!(ids(&showcase(&format!("?brand={}&q=%53triped%20{word}", b.id))), vec![t["id"].as_str().unwrap()]);
    app().get(&format!("/api/showcase?q={}", "q".repeat(201)), None).expect_error(422, "validation_failed");
}

#[test]
fn showcase_of_an_unknown_brand_is_empty() {
    assert_eq!(showcase("?brand=br_nosuchbrand0000000000000"), json!({"items": [], "next_cursor": null}));
}

#[test]
fn showcase_pages_newest_first() {
    let b = new_brand(json!({}));
    let made: Vec<String> = (0..3).map(|_| new_product(&b, json!({}))["id"].as_str().unwrap().to_string()).collect();
    let first = showcase(&format!("?brand={}&limit=2", b.id));
    assert_eq!(ids(&first), vec![made[2].clone(), made[1].clone()]);
    let cursor = first["next_cursor"].as_str().expect("a next page");
    let second = showcase(&format!("?brand={}&limit=2&cursor={cursor}", b.id));
    assert_eq!(ids(&second), vec![made[0].clone()]);
    assert!(second["next_cursor"].is_null());
    for bad in ["limit=0", "limit=101", "limit=x", "cursor=~~"] {
        app().get(&format!("/api/showcase?brand={}&{bad}", b.id), None).expect_error(422, "validation_failed");
    }
}

// ---------------------------------------------------------------------------------------
// Collaborations

#[test]
fn brand_sets_targeted_rates_for_a_creator() {
    let b = new_brand(json!({}));
    let c = new_creator();
    let p = new_product(&b, json!({}));
    let path = format!("/api/collaborations/{}", c.id);
    let all = app().put(&path, Some(&b.api_key), &json!({"commission_bps": 300})).expect(200);
    assert_eq!(all["creator_id"], c.id.as_str());
    assert_eq!(all["commission_bps"], 300);
    assert!(all.get("product_id").is_some_and(Value::is_null), "{all}");
    let one = app().put(&path, Some(&b.api_key), &json!({"commission_bps": 2500, "product_id": p["id"]})).expect(200);
    assert_eq!(one["product_id"], p["id"]);
    assert_eq!(one["commission_bps"], 2500);
    // Setting it again replaces it (PUT is idempotent), 0 % is a valid targeted rate.
    app().put(&path, Some(&b.api_key), &json!({"commission_bps": 0})).expect(200);
    app().put(&path, Some(&b.api_key), &json!({"commission_bps": 0})).expect(200);
    app().put(&path, Some(&b.api_key), &json!({"commission_bps": 10000, "product_id": p["id"]})).expect(200);
}

#[test]
fn targeted_rates_never_show_in_the_public_showcase() {
    let b = new_brand(json!({"default_commission_bps": 1000}));
    let c = new_creator();
    let p = new_product(&b, json!({}));
    let path = format!("/api/collaborations/{}", c.id);
    app().put(&path, Some(&b.api_key), &json!({"commission_bps": 3000})).expect(200);
    app().put(&path, Some(&b.api_key), &json!({"commission_bps": 100, "product_id": p["id"]})).expect(200);
    let items = showcase(&format!("?brand={}", b.id));
    assert_eq!(items["items"][0]["commission_bps"], 1000, "the open rate: {items}");
}

#[test]
fn collaboration_input_is_checked() {
    let b = new_brand(json!({}));
    let other = new_brand(json!({}));
    let c = new_creator();
    let p = new_product(&b, json!({}));
    let foreign = new_product(&other, json!({}));
    let path = format!("/api/collaborations/{}", c.id);
    for bad in [
        json!({"commission_bps": 10001}),
        json!({"commission_bps": -1}),
        json!({"commission_bps": "500"}),
        json!({"commission_bps": 5.5}),
        json!({}),
        json!({"commission_bps": 500, "product_id": 7}),
    ] {
        app().put(&path, Some(&b.api_key), &bad).expect_error(422, "validation_failed");
    }
    app()
        .send("PUT", &path, Some(&b.api_key), &[("content-type", "application/json")], Some(b"{commission_bps: 1}"))
        .expect_error(400, "invalid_json");
    let big = json!({"commission_bps": 100, "pad": "x".repeat(64 * 1024)});
    app().put(&path, Some(&b.api_key), &big).expect_error(413, "payload_too_large");
    // Unknown creator, unknown product, another brand's product: 404.
    app()
        .put("/api/collaborations/cr_nosuchcreator000000000", Some(&b.api_key), &json!({"commission_bps": 100}))
        .expect_error(404, "not_found");
    app()
        .put(&path, Some(&b.api_key), &json!({"commission_bps": 100, "product_id": "pr_nosuchproduct000000000"}))
        .expect_error(404, "not_found");
    app()
        .put(&path, Some(&b.api_key), &json!({"commission_bps": 100, "product_id": foreign["id"]}))
        .expect_error(404, "not_found");
    // Roles.
    let body = json!({"commission_bps": 100, "product_id": p["id"]});
    app().put(&path, Some(&c.api_key), &body).expect_error(403, "forbidden");
    app().put(&path, app().admin(), &body).expect_error(403, "forbidden");
    app().put(&path, None, &body).expect_error(401, "unauthorized");
    app().put(&path, Some("ae_bk_nope"), &body).expect_error(401, "unauthorized");
    app().send("GET", &path, Some(&b.api_key), &[], None).expect_error(405, "method_not_allowed");
}
