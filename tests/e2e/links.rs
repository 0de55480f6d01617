//! A creator's links: `POST/GET /api/links`, `DELETE /api/links/{code}`,
//! `GET /api/links/{code}/stats`; codes, aliases, tenancy, roles, paging.

use crate::common::*;
use serde_json::{json, Value};

fn links(c: &Creator, query: &str) -> Value {
    app().get(&format!("/api/links{query}"), Some(&c.api_key)).expect(200)
}

fn codes(list: &Value) -> Vec<String> {
    list["items"].as_array().expect("items").iter().map(|i| i["code"].as_str().unwrap().to_string()).collect()
}

fn product() -> (Brand, Value) {
    let b = new_brand(json!({}));
    let p = new_product(&b, json!({}));
    (b, p)
}

fn post_link(c: &Creator, body: Value) -> Resp {
    app().post("/api/links", Some(&c.api_key), &body)
}

/// An alias nobody else in this run has: `[A-Za-z0-9_-]`, `len` characters (≥ 3).
fn fresh_alias(len: usize) -> String {
    let u = unique("").replace(|c: char| !c.is_ascii_alphanumeric(), "");
    let mut s = format!("Al-{u}_");
    while s.len() < len {
        s.push_str(&u);
    }
    s.truncate(len);
    s
}

#[test]
fn a_creator_links_any_showcased_product_without_a_deal() {
    let (_, p) = product();
    let c = new_creator();
    let v = post_link(&c, json!({"product_id": p["id"]})).expect(201);
    let id = v["id"].as_str().unwrap();
    assert!(id.starts_with("ln_"), "{id}");
    let code = v["code"].as_str().unwrap();
    assert!(code.len() >= 7 && code.bytes().all(|b| b.is_ascii_alphanumeric()), "random base62 ≥ 7: {code}");
    assert_eq!(v["short_url"], format!("{}/{code}", app().base));
    assert_eq!(v["destination"], p["url"]);
    assert_eq!(v["product_id"], p["id"]);
    assert!(v.get("live_session_id").is_some_and(Value::is_null), "{v}");
    // It redirects at once.
    let r = visit("GET", code, &browser_ua(&unique("first")), None);
    assert_eq!(r.status, 302, "{r:?}");
    assert!(r.header("location").unwrap().starts_with(p["url"].as_str().unwrap()));
}

#[test]
fn random_codes_are_distinct_and_unguessable_in_shape() {
    let (_, p) = product();
    let c = new_creator();
    let mut seen = std::collections::HashSet::new();
    for _ in 0..8 {
        let v = post_link(&c, json!({"product_id": p["id"]})).expect(201);
        let code = v["code"].as_str().unwrap().to_string();
        assert!(code.len() >= 7 && code.bytes().all(|b| b.is_ascii_alphanumeric()), "{code}");
        assert!(seen.insert(code), "codes repeat");
    }
    // Several links to one product by one creator are fine; all listed.
    assert_eq!(links(&c, "")["items"].as_array().unwrap().len(), 8);
}

#[test]
fn an_alias_becomes_the_code_and_codes_are_case_sensitive() {
    let (_, p) = product();
    let c = new_creator();
    let alias = fresh_alias(16);
    let v = post_link(&c, json!({"product_id": p["id"], "alias": alias})).expect(201);
    assert_eq!(v["code"], alias.as_str());
    assert_eq!(v["short_url"], format!("{}/{alias}", app().base));
    let ua = browser_ua(&unique("alias"));
    assert_eq!(visit("GET", &alias, &ua, None).status, 302);
    // Another case is another code: unknown until someone takes it.
    let lower = alias.to_ascii_lowercase();
    visit("GET", &lower, &ua, None).expect_error(404, "not_found");
    let (_, p2) = product();
    let w = post_link(&c, json!({"product_id": p2["id"], "alias": lower})).expect(201);
    assert_eq!(w["code"], lower.as_str());
    let r = visit("GET", &lower, &ua, None);
    assert!(r.header("location").unwrap().starts_with(p2["url"].as_str().unwrap()), "{r:?}");
    let r = visit("GET", &alias, &ua, None);
    assert!(r.header("location").unwrap().starts_with(p["url"].as_str().unwrap()), "{r:?}");
}

#[test]
fn alias_lengths_from_3_to_64_are_accepted() {
    let (_, p) = product();
    let c = new_creator();
    // Three characters: random, so runs and parallel tests don't collide.
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    const ALPHA: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let three: String = (0..3).map(|i| ALPHA[((nanos / 62u128.pow(i)) % 62) as usize] as char).collect();
    for alias in [three, fresh_alias(64), "a_b-C".to_string() + &unique("")] {
        let v = post_link(&c, json!({"product_id": p["id"], "alias": alias})).expect(201);
        assert_eq!(v["code"], alias.as_str());
    }
}

#[test]
fn bad_and_reserved_aliases_are_422_and_write_nothing() {
    let (_, p) = product();
    let c = new_creator();
    let long = "a".repeat(65);
    for alias in [
        "ab",
        "",
        &long,
        "has space",
        "sl/ash",
        "dot.ted",
        "per%cent",
        "qu?ery",
        "hash#",
        "émoji",
        "tab\there",
        // Route words, in any case.
        "api",
        "API",
        "Api",
        "live",
        "LIVE",
        "webhooks",
        "health",
        "Health",
    ] {
        let r = post_link(&c, json!({"product_id": p["id"], "alias": alias}));
        assert_eq!(r.status, 422, "alias {alias:?}: {}", r.body);
        r.expect_error(422, "validation_failed");
    }
    post_link(&c, json!({"product_id": p["id"], "alias": 123})).expect_error(422, "validation_failed");
    assert_eq!(links(&c, ""), json!({"items": [], "next_cursor": null}), "nothing written");
    // The route words still answer as routes.
    app().get("/health", None).expect(200);
}

#[test]
fn a_taken_alias_is_409_for_anyone() {
    let (_, p) = product();
    let c = new_creator();
    let d = new_creator();
    let alias = fresh_alias(20);
    post_link(&c, json!({"product_id": p["id"], "alias": alias})).expect(201);
    post_link(&c, json!({"product_id": p["id"], "alias": alias})).expect_error(409, "conflict");
    post_link(&d, json!({"product_id": p["id"], "alias": alias})).expect_error(409, "conflict");
    assert_eq!(codes(&links(&c, "")), vec![alias.clone()]);
    assert_eq!(links(&d, ""), json!({"items": [], "next_cursor": null}));
    // The first link still goes where it went.
    let r = visit("GET", &alias, &browser_ua(&unique("taken")), None);
    assert!(r.header("location").unwrap().starts_with(p["url"].as_str().unwrap()));
}

#[test]
fn one_alias_claimed_concurrently_is_won_once() {
    let (_, p) = product();
    let alias = fresh_alias(24);
    let creators: Vec<Creator> = (0..4).map(|_| new_creator()).collect();
    let threads: Vec<_> = creators
        .iter()
        .cloned()
        .map(|c| {
            let body = json!({"product_id": p["id"], "alias": alias});
            std::thread::spawn(move || app().post("/api/links", Some(&c.api_key), &body))
        })
        .collect();
    let results: Vec<Resp> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let won: Vec<_> = results.iter().filter(|r| r.status == 201).collect();
    assert_eq!(won.len(), 1, "{results:?}");
    for r in results.iter().filter(|r| r.status != 201) {
        r.expect_error(409, "conflict");
    }
    let owners: usize = creators.iter().map(|c| links(c, "")["items"].as_array().unwrap().len()).sum();
    assert_eq!(owners, 1, "exactly one link was written");
}

#[test]
fn linking_what_is_not_showcased_is_refused() {
    let (b, p) = product();
    let c = new_creator();
    post_link(&c, json!({"product_id": "pr_nosuchproduct000000000"})).expect_error(404, "not_found");
    app()
        .patch(&format!("/api/products/{}", p["id"].as_str().unwrap()), Some(&b.api_key), &json!({"active": false}))
        .expect(200);
    // A withdrawn product exists but is not linkable: the request is refused as invalid.
    post_link(&c, json!({"product_id": p["id"]})).expect_error(422, "validation_failed");
    post_link(&c, json!({"product_id": p["id"], "live_session_id": "ls_nosuchsession00000000"}))
        .expect_error(404, "not_found");
    assert_eq!(links(&c, ""), json!({"items": [], "next_cursor": null}), "nothing written");
}

#[test]
fn wrong_shapes_are_422_malformed_400_oversized_413() {
    let (_, p) = product();
    let c = new_creator();
    for body in [
        json!({}),
        json!({"product_id": 5}),
        json!({"product_id": null}),
        json!([p["id"]]),
        json!({"product_id": p["id"], "live_session_id": 3}),
    ] {
        post_link(&c, body).expect_error(422, "validation_failed");
    }
    for raw in [&b"{"[..], b"product_id=1", b"{\"product_id\": \"x\"} trailing"] {
        app()
            .send("POST", "/api/links", Some(&c.api_key), &[("content-type", "application/json")], Some(raw))
            .expect_error(400, "invalid_json");
    }
    let big = json!({"product_id": p["id"], "alias": "x".repeat(64 * 1024 + 1)});
    post_link(&c, big).expect_error(413, "payload_too_large");
    assert_eq!(links(&c, ""), json!({"items": [], "next_cursor": null}), "nothing written");
}

#[test]
fn link_routes_are_for_creators_only() {
    let (b, p) = product();
    let c = new_creator();
    let l = new_link(&c, p["id"].as_str().unwrap());
    let code = l["code"].as_str().unwrap();
    let body = json!({"product_id": p["id"]});
    for key in [Some(b.api_key.as_str()), app().admin()] {
        app().post("/api/links", key, &body).expect_error(403, "forbidden");
        app().get("/api/links", key).expect_error(403, "forbidden");
        app().delete(&format!("/api/links/{code}"), key).expect_error(403, "forbidden");
        app().get(&format!("/api/links/{code}/stats"), key).expect_error(403, "forbidden");
    }
    for key in [None, Some("ae_ck_nope"), Some("x")] {
        app().post("/api/links", key, &body).expect_error(401, "unauthorized");
        app().get("/api/links", key).expect_error(401, "unauthorized");
        app().delete(&format!("/api/links/{code}"), key).expect_error(401, "unauthorized");
        app().get(&format!("/api/links/{code}/stats"), key).expect_error(401, "unauthorized");
    }
    let list = links(&c, "");
    assert_eq!(codes(&list), vec![code.to_string()], "nothing written");
    assert_eq!(list["items"][0]["active"], true, "not disabled");
    assert_eq!(visit("GET", code, &browser_ua(&unique("roles")), None).status, 302);
}

#[test]
fn a_creator_never_sees_or_touches_another_creators_links() {
    let (_, p) = product();
    let owner = new_creator();
    let other = new_creator();
    let l = new_link(&owner, p["id"].as_str().unwrap());
    let code = l["code"].as_str().unwrap();
    let mine = new_link(&other, p["id"].as_str().unwrap());
    assert_eq!(codes(&links(&other, "")), vec![mine["code"].as_str().unwrap().to_string()]);
    app().get(&format!("/api/links/{code}/stats"), Some(&other.api_key)).expect_error(404, "not_found");
    app().delete(&format!("/api/links/{code}"), Some(&other.api_key)).expect_error(404, "not_found");
    // Same answers as for a code that does not exist.
    app().get("/api/links/NoSuchCode1/stats", Some(&other.api_key)).expect_error(404, "not_found");
    app().delete("/api/links/NoSuchCode1", Some(&other.api_key)).expect_error(404, "not_found");
    // Untouched.
    assert_eq!(links(&owner, "")["items"][0]["active"], true);
    assert_eq!(visit("GET", code, &browser_ua(&unique("tenant")), None).status, 302);
}

#[test]
fn the_owner_disables_a_link() {
    let (_, p) = product();
    let c = new_creator();
    let l = new_link(&c, p["id"].as_str().unwrap());
    let code = l["code"].as_str().unwrap();
    let v = app().delete(&format!("/api/links/{code}"), Some(&c.api_key)).expect(200);
    assert_eq!(v["code"], code);
    assert_eq!(v["active"], false);
    let item = &links(&c, "")["items"][0];
    assert_eq!(item["code"], code);
    assert_eq!(item["active"], false);
    visit("GET", code, &browser_ua(&unique("off")), None).expect_error(410, "gone");
    // Again: still disabled, not an error. Its stats stay readable.
    app().delete(&format!("/api/links/{code}"), Some(&c.api_key)).expect(200);
    link_stats(&c, code);
}

#[test]
fn stats_start_at_zero_in_the_contract_shape() {
    let (_, p) = product();
    let c = new_creator();
    let l = new_link(&c, p["id"].as_str().unwrap());
    let v = link_stats(&c, l["code"].as_str().unwrap());
    assert_eq!(v["clicks"], 0);
    assert_eq!(v["unique_clicks"], 0);
    assert_eq!(v["bot_clicks"], 0);
    assert_eq!(v["orders"], 0);
    assert_eq!(v["commission"], json!([]));
}

#[test]
fn link_lists_page_newest_first() {
    let (_, p) = product();
    let c = new_creator();
    let made: Vec<String> =
        (0..5).map(|_| new_link(&c, p["id"].as_str().unwrap())["code"].as_str().unwrap().to_string()).collect();
    let newest_first: Vec<String> = made.iter().rev().cloned().collect();
    let all = links(&c, "");
    assert_eq!(codes(&all), newest_first);
    assert!(all["next_cursor"].is_null());
    let item = &all["items"][0];
    for field in ["id", "code", "short_url", "destination", "product_id"] {
        assert!(item[field].is_string(), "{field} in {item}");
    }
    assert!(item.get("live_session_id").is_some_and(Value::is_null));
    let first = links(&c, "?limit=2");
    assert_eq!(codes(&first), newest_first[..2].to_vec());
    let c1 = first["next_cursor"].as_str().expect("next page");
    let second = links(&c, &format!("?limit=2&cursor={c1}"));
    assert_eq!(codes(&second), newest_first[2..4].to_vec());
    let c2 = second["next_cursor"].as_str().expect("next page");
    let third = links(&c, &format!("?limit=2&cursor={c2}"));
    assert_eq!(codes(&third), newest_first[4..].to_vec());
    assert!(third["next_cursor"].is_null());
    for bad in ["?limit=0", "?limit=101", "?limit=ten", "?cursor=***"] {
        app().get(&format!("/api/links{bad}"), Some(&c.api_key)).expect_error(422, "validation_failed");
    }
}

#[test]
fn edits_to_the_product_show_in_the_links_destination() {
    let (b, p) = product();
    let c = new_creator();
    let l = new_link(&c, p["id"].as_str().unwrap());
    let new_url = format!("https://{}/moved", b.domain);
    app()
        .patch(&format!("/api/products/{}", p["id"].as_str().unwrap()), Some(&b.api_key), &json!({"url": new_url}))
        .expect(200);
    let item = &links(&c, "")["items"][0];
    assert_eq!(item["code"], l["code"]);
    assert_eq!(item["destination"], new_url.as_str());
}
