//! Live shopping: sessions, pins, the public page and feed, session stats.

use crate::common::{app, eventually, new_brand, new_creator, new_product, Creator};
use serde_json::{json, Value};

const PHONE_UA: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 \
    (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

fn new_session(c: &Creator, title: &str) -> Value {
    app().post("/api/live-sessions", Some(&c.api_key), &json!({ "title": title })).expect(201)
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().expect("id").to_string()
}

fn pin(c: &Creator, session: &str, product: &str) -> crate::common::Resp {
    app().post(&format!("/api/live-sessions/{session}/pins"), Some(&c.api_key), &json!({ "product_id": product }))
}

fn feed(session: &str) -> Value {
    app().get(&format!("/api/live/{session}"), None).expect(200)
}

fn feed_titles(session: &str) -> Vec<String> {
    feed(session)["pins"]
        .as_array()
        .expect("pins")
        .iter()
        .map(|p| p["product"]["title"].as_str().expect("title").to_string())
        .collect()
}

fn page(session: &str) -> crate::common::Resp {
    app().get(&format!("/live/{session}"), None)
}

/// The path of a short URL (the tests talk to the worker through its base URL).
fn path_of(short_url: &str) -> String {
    let after_scheme = short_url.split_once("://").map(|(_, r)| r).unwrap_or(short_url);
    format!("/{}", after_scheme.split_once('/').map(|(_, p)| p).unwrap_or(""))
}

#[test]
fn a_session_is_created_with_its_share_url_and_listed() {
    let c = new_creator();
    let v = app()
        .post(
            "/api/live-sessions",
            Some(&c.api_key),
            &json!({ "title": "  Friday drop  ", "starts_at": "2030-01-02T03:04:05Z" }),
        )
        .expect(201);
    let id = id_of(&v);
    assert!(id.starts_with("ls_"), "{v}");
    assert_eq!(v["share_url"], format!("{}/live/{id}", app().base));
    assert_eq!(v["title"], "Friday drop");
    assert_eq!(v["state"], "live");
    assert_eq!(v["starts_at"], "2030-01-02T03:04:05.000Z");
    assert_eq!(v["ended_at"], Value::Null);
    assert!(v["created_at"].as_str().is_some_and(|t| t.len() == 24 && t.ends_with('Z')), "{v}");

    let second = new_session(&c, "Second show");
    assert_eq!(second["starts_at"], Value::Null);
    let list = app().get("/api/live-sessions", Some(&c.api_key)).expect(200);
    let ids: Vec<&str> = list["items"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec![second["id"].as_str().unwrap(), id.as_str()]);
    assert_eq!(list["next_cursor"], Value::Null);
    let page1 = app().get("/api/live-sessions?limit=1", Some(&c.api_key)).expect(200);
    assert_eq!(page1["items"].as_array().unwrap().len(), 1);
    let cursor = page1["next_cursor"].as_str().expect("cursor");
    let page2 = app().get(&format!("/api/live-sessions?limit=1&cursor={cursor}"), Some(&c.api_key)).expect(200);
    assert_eq!(page2["items"][0]["id"], id.as_str());

    let one = app().get(&format!("/api/live-sessions/{id}"), Some(&c.api_key)).expect(200);
    assert_eq!(one["title"], "Friday drop");
    // Another creator's list doesn't show it.
    let other = new_creator();
    let theirs = app().get("/api/live-sessions", Some(&other.api_key)).expect(200);
    assert_eq!(theirs["items"], json!([]));
}

#[test]
fn bad_session_input_is_refused() {
    let c = new_creator();
    let post = |body: Value| app().post("/api/live-sessions", Some(&c.api_key), &body);
    post(json!({ "title": "" })).expect_error(422, "validation_failed");
    post(json!({ "title": "   " })).expect_error(422, "validation_failed");
    post(json!({ "title": "x".repeat(201) })).expect_error(422, "validation_failed");
    post(json!({ "title": 5 })).expect_error(422, "validation_failed");
    post(json!({})).expect_error(422, "validation_failed");
    post(json!({ "title": "ok", "starts_at": "tomorrow" })).expect_error(422, "validation_failed");
    let at_limit = post(json!({ "title": "é".repeat(200) })).expect(201);
    assert_eq!(at_limit["title"].as_str().unwrap().chars().count(), 200);
    app()
        .send(
            "POST",
            "/api/live-sessions",
            Some(&c.api_key),
            &[("content-type", "application/json")],
            Some(b"{\"title\":"),
        )
        .expect_error(400, "invalid_json");

    let brand = new_brand(json!({}));
    app().post("/api/live-sessions", Some(&brand.api_key), &json!({ "title": "x" })).expect_error(403, "forbidden");
    app().post("/api/live-sessions", app().admin(), &json!({ "title": "x" })).expect_error(403, "forbidden");
    app().post("/api/live-sessions", None, &json!({ "title": "x" })).expect_error(401, "unauthorized");
    app().get("/api/live-sessions", Some(&brand.api_key)).expect_error(403, "forbidden");

    let s = id_of(&new_session(&c, "Pins"));
    pin(&c, &s, "pr_doesnotexist").expect_error(404, "not_found");
    app()
        .post(&format!("/api/live-sessions/{s}/pins"), Some(&c.api_key), &json!({ "product": "x" }))
        .expect_error(422, "validation_failed");
    app()
        .send("POST", &format!("/api/live-sessions/{s}/pins"), Some(&c.api_key), &[], Some(b"not json"))
        .expect_error(400, "invalid_json");
    app()
        .post(&format!("/api/live-sessions/{s}/pins"), Some(&brand.api_key), &json!({ "product_id": "pr_x" }))
        .expect_error(403, "forbidden");
}

#[test]
fn pins_show_newest_first_escaped_on_the_page_and_in_the_feed() {
    let brand = new_brand(json!({}));
    let evil = new_product(
        &brand,
        json!({ "title": "<script>alert(1)</script> & Co", "image_url": "https://picsum.photos/400?a=1&b=2",
                "price": {"amount": 129900, "currency": "USD"} }),
    );
    let plain = new_product(&brand, json!({ "title": "Plain mug", "price": {"amount": 500, "currency": "JPY"} }));
    let c = new_creator();
    let s = id_of(&new_session(&c, "Friday <b>drop</b> & more"));

    let first = pin(&c, &s, evil["id"].as_str().unwrap()).expect(201);
    assert_eq!(first["product"]["id"], evil["id"]);
    assert_eq!(first["live_session_id"], s.as_str());
    let evil_short = first["short_url"].as_str().expect("short_url").to_string();
    assert!(evil_short.starts_with(&app().base), "{first}");
    let second = pin(&c, &s, plain["id"].as_str().unwrap()).expect(201);
    let plain_short = second["short_url"].as_str().unwrap().to_string();
    assert_eq!(feed_titles(&s), vec!["Plain mug", "<script>alert(1)</script> & Co"]);

    // The feed's shape.
    let f = feed(&s);
    assert_eq!(f["id"], s.as_str());
    assert_eq!(f["title"], "Friday <b>drop</b> & more");
    assert_eq!(f["state"], "live");
    assert_eq!(f["creator"], json!({ "id": c.id, "handle": c.handle }));
    let p0 = &f["pins"][0];
    assert_eq!(p0["short_url"], plain_short.as_str());
    assert_eq!(p0["product"]["price"], json!({ "amount": 500, "currency": "JPY" }));
    for field in ["id", "brand_id", "sku", "title", "url", "price", "image_url", "commission_bps"] {
        assert!(p0["product"].get(field).is_some(), "product.{field} in {p0}");
    }
    assert!(p0["pinned_at"].as_str().is_some_and(|t| t.ends_with('Z')), "{p0}");
    assert!(f["pins"][0]["pinned_at"].as_str() > f["pins"][1]["pinned_at"].as_str());

    // The link is the session's: made once, tagged with the session.
    let links = app().get("/api/links", Some(&c.api_key)).expect(200);
    let session_links: Vec<&Value> =
        links["items"].as_array().unwrap().iter().filter(|l| l["live_session_id"] == s.as_str()).collect();
    assert_eq!(session_links.len(), 2, "{links}");

    // Re-pinning moves it to the top and reuses its link.
    let again = pin(&c, &s, evil["id"].as_str().unwrap()).expect(200);
    assert_eq!(again["short_url"], evil_short.as_str());
    assert_eq!(feed_titles(&s), vec!["<script>alert(1)</script> & Co", "Plain mug"]);
    let links = app().get("/api/links", Some(&c.api_key)).expect(200);
    assert_eq!(links["items"].as_array().unwrap().iter().filter(|l| l["live_session_id"] == s.as_str()).count(), 2);

    // The page: HTML, escaped, newest first, buy buttons through the session's links.
    let r = page(&s);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    let csp = r.header("content-security-policy").expect("csp");
    assert!(
        csp.contains("default-src 'none'") && csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    let html = &r.body;
    assert!(html.starts_with("<!doctype html>"));
    assert!(html.contains("name=\"viewport\""));
    assert!(!html.contains("<script>alert(1)"), "raw title in page");
    assert!(!html.contains("<b>drop</b>"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co"));
    assert!(html.contains("Friday &lt;b&gt;drop&lt;/b&gt; &amp; more"));
    assert!(html.contains("src=\"https://picsum.photos/400?a=1&amp;b=2\""), "image src escaped");
    // Buy links are paths on this origin (no PUBLIC_ORIGIN in the test worker): a cached
    // page never carries a request's Host.
    let path = |short: &str| short.rsplit('/').next().map(|code| format!("href=\"/{code}\"")).unwrap();
    assert!(html.contains(&path(&evil_short)), "{html}");
    assert!(html.contains(&path(&plain_short)));
    assert!(html.contains("$1,299.00") && html.contains("¥500"));
    assert!(html.find("&lt;script&gt;alert(1)").unwrap() < html.find("Plain mug").unwrap(), "newest pin first");
    assert!(html.contains(&format!("/api/live/{s}")), "the page polls its feed");
    assert!(!html.contains("innerHTML"));
    let head = app().send("HEAD", &format!("/live/{s}"), None, &[], None);
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-type"), Some("text/html; charset=utf-8"));
    let feed_resp = app().get(&format!("/api/live/{s}"), None);
    assert_eq!(feed_resp.header("content-type"), Some("application/json; charset=utf-8"));
    assert_eq!(feed_resp.header("access-control-allow-origin"), Some("*"));
}

#[test]
fn a_click_through_a_pinned_link_counts_for_the_session() {
    let brand = new_brand(json!({}));
    let product = new_product(&brand, json!({}));
    let c = new_creator();
    let s = id_of(&new_session(&c, "Clicks"));
    let pinned = pin(&c, &s, product["id"].as_str().unwrap()).expect(201);
    let short = pinned["short_url"].as_str().unwrap();
    let code = pinned["code"].as_str().unwrap();

    let stats_path = format!("/api/live-sessions/{s}/stats");
    let zero = app().get(&stats_path, Some(&c.api_key)).expect(200);
    assert_eq!(zero, json!({ "clicks": 0, "orders": 0, "gmv": [], "commission": [] }));

    // A bot's click is redirected but never counted.
    let bot = app().send("GET", &path_of(short), None, &[("user-agent", "curl/8.5.0")], None);
    assert_eq!(bot.status, 302);
    let human = app().send("GET", &path_of(short), None, &[("user-agent", PHONE_UA)], None);
    assert_eq!(human.status, 302, "{}", human.body);
    let location = human.header("location").expect("location");
    assert!(
        location.starts_with(&format!("https://{}/", brand.domain)) && location.contains("aff_click=clk_"),
        "{location}"
    );

    let link_stats = format!("/api/links/{code}/stats");
    let both = |v: &Value| v["clicks"] == 1 && v["bot_clicks"] == 1;
    let v = eventually(|| app().get(&link_stats, Some(&c.api_key)).expect(200), both);
    assert!(both(&v), "both clicks were recorded: {v}");
    let v = app().get(&stats_path, Some(&c.api_key)).expect(200);
    assert_eq!(v, json!({ "clicks": 1, "orders": 0, "gmv": [], "commission": [] }));
}

#[test]
fn unpinning_takes_the_product_off_the_page() {
    let brand = new_brand(json!({}));
    let keep = new_product(&brand, json!({ "title": "Keeper" }));
    let drop = new_product(&brand, json!({ "title": "Dropped item" }));
    let c = new_creator();
    let s = id_of(&new_session(&c, "Unpin"));
    pin(&c, &s, keep["id"].as_str().unwrap()).expect(201);
    let dropped = pin(&c, &s, drop["id"].as_str().unwrap()).expect(201);
    assert_eq!(feed_titles(&s), vec!["Dropped item", "Keeper"]);

    let path = format!("/api/live-sessions/{s}/pins/{}", drop["id"].as_str().unwrap());
    let v = app().delete(&path, Some(&c.api_key)).expect(200);
    assert_eq!(v["pinned"], false);
    assert_eq!(feed_titles(&s), vec!["Keeper"]);
    let html = page(&s).body;
    assert!(html.contains("Keeper") && !html.contains("Dropped item"));
    app().delete(&path, Some(&c.api_key)).expect_error(404, "not_found");

    // The link keeps working for whoever already has it; pinning again reuses it.
    let r =
        app().send("GET", &path_of(dropped["short_url"].as_str().unwrap()), None, &[("user-agent", PHONE_UA)], None);
    assert_eq!(r.status, 302);
    let again = pin(&c, &s, drop["id"].as_str().unwrap()).expect(201);
    assert_eq!(again["short_url"], dropped["short_url"]);
    assert_eq!(feed_titles(&s), vec!["Dropped item", "Keeper"]);
}

#[test]
fn an_ended_session_says_so_and_still_lists_its_products() {
    let brand = new_brand(json!({}));
    let product = new_product(&brand, json!({ "title": "Encore lamp" }));
    let other = new_product(&brand, json!({}));
    let c = new_creator();
    let s = id_of(&new_session(&c, "Ending"));
    let pinned = pin(&c, &s, product["id"].as_str().unwrap()).expect(201);
    assert!(page(&s).body.contains(">Live<"));

    let ended = app().post(&format!("/api/live-sessions/{s}/end"), Some(&c.api_key), &json!({})).expect(200);
    assert_eq!(ended["state"], "ended");
    let ended_at = ended["ended_at"].as_str().expect("ended_at").to_string();
    let again = app().post(&format!("/api/live-sessions/{s}/end"), Some(&c.api_key), &json!({})).expect(200);
    assert_eq!(again["ended_at"], ended_at.as_str(), "ending twice keeps the first ended_at");

    let f = feed(&s);
    assert_eq!(f["state"], "ended");
    assert_eq!(f["ended_at"], ended_at.as_str());
    assert_eq!(feed_titles(&s), vec!["Encore lamp"]);
    let r = page(&s);
    assert_eq!(r.status, 200);
    assert!(r.body.contains(">Ended<") && r.body.contains("Encore lamp"));
    assert!(r.body.contains(&format!("href=\"/{}\"", pinned["code"].as_str().unwrap())));

    pin(&c, &s, other["id"].as_str().unwrap()).expect_error(409, "conflict");
    pin(&c, &s, product["id"].as_str().unwrap()).expect_error(409, "conflict");
    // Links can't be attached to an ended session either.
    app()
        .post("/api/links", Some(&c.api_key), &json!({ "product_id": other["id"], "live_session_id": s }))
        .expect_error(409, "conflict");
    // The buy button still works.
    let r = app().send("GET", &path_of(pinned["short_url"].as_str().unwrap()), None, &[("user-agent", PHONE_UA)], None);
    assert_eq!(r.status, 302);
}

#[test]
fn another_creators_session_is_404_to_everything() {
    let brand = new_brand(json!({}));
    let product = new_product(&brand, json!({}));
    let pid = product["id"].as_str().unwrap();
    let owner = new_creator();
    let intruder = new_creator();
    let s = id_of(&new_session(&owner, "Mine"));
    pin(&owner, &s, pid).expect(201);

    let key = Some(intruder.api_key.as_str());
    pin(&intruder, &s, pid).expect_error(404, "not_found");
    app().delete(&format!("/api/live-sessions/{s}/pins/{pid}"), key).expect_error(404, "not_found");
    app().post(&format!("/api/live-sessions/{s}/end"), key, &json!({})).expect_error(404, "not_found");
    app().get(&format!("/api/live-sessions/{s}/stats"), key).expect_error(404, "not_found");
    app().get(&format!("/api/live-sessions/{s}"), key).expect_error(404, "not_found");
    app().post("/api/links", key, &json!({ "product_id": pid, "live_session_id": s })).expect_error(404, "not_found");
    // Nothing changed.
    let f = feed(&s);
    assert_eq!(f["state"], "live");
    assert_eq!(f["pins"].as_array().unwrap().len(), 1);

    // A brand key is the wrong role.
    app().get(&format!("/api/live-sessions/{s}/stats"), Some(&brand.api_key)).expect_error(403, "forbidden");
}

#[test]
fn unknown_sessions_404_and_withdrawn_products_422() {
    app().get("/api/live/ls_doesnotexist", None).expect_error(404, "not_found");
    app().get("/api/live/whatever", None).expect_error(404, "not_found");
    let r = page("ls_doesnotexist");
    assert_eq!(r.status, 404);
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(r.body.contains("doesn&#39;t exist"));
    let c = new_creator();
    for path in ["/api/live-sessions/ls_nope/stats", "/api/live-sessions/ls_nope"] {
        app().get(path, Some(&c.api_key)).expect_error(404, "not_found");
    }
    app().post("/api/live-sessions/ls_nope/end", Some(&c.api_key), &json!({})).expect_error(404, "not_found");
    pin(&c, "ls_nope", "pr_x").expect_error(404, "not_found");
    app().send("PUT", "/api/live-sessions", Some(&c.api_key), &[], None).expect_error(405, "method_not_allowed");

    // An inactive product can't be pinned; withdrawing a pinned one takes it off the page.
    let brand = new_brand(json!({}));
    let gone = new_product(&brand, json!({}));
    let later = new_product(&brand, json!({ "title": "Withdrawn later" }));
    let s = id_of(&new_session(&c, "Withdrawals"));
    app()
        .patch(
            &format!("/api/products/{}", gone["id"].as_str().unwrap()),
            Some(&brand.api_key),
            &json!({ "active": false }),
        )
        .expect(200);
    pin(&c, &s, gone["id"].as_str().unwrap()).expect_error(422, "validation_failed");
    pin(&c, &s, later["id"].as_str().unwrap()).expect(201);
    assert_eq!(feed_titles(&s), vec!["Withdrawn later"]);
    app()
        .patch(
            &format!("/api/products/{}", later["id"].as_str().unwrap()),
            Some(&brand.api_key),
            &json!({ "active": false }),
        )
        .expect(200);
    assert!(feed_titles(&s).is_empty());
    assert!(page(&s).body.contains("No products pinned yet"));
}

#[test]
fn an_order_through_a_session_link_counts_for_the_session_and_carries_it() {
    let brand = new_brand(json!({ "webhook_scheme": "standard" }));
    let product = new_product(&brand, json!({ "commission_bps": 1000, "price": {"amount": 2500, "currency": "USD"} }));
    let creator = new_creator();
    let session = id_of(&new_session(&creator, "Friday drop"));
    pin(&creator, &session, product["id"].as_str().unwrap()).expect(201);
    let short_url = feed(&session)["pins"][0]["short_url"].as_str().unwrap().to_string();
    let code = path_of(&short_url).trim_start_matches('/').to_string();
    let clk = crate::webhooks::click_link(&creator, &code, PHONE_UA);

    let order_id = crate::common::unique("live-order-");
    let event = json!({
        "id": crate::common::unique("evt_"), "type": "order.paid", "order_id": order_id, "click_id": clk,
        "currency": "USD", "items": [{ "sku": product["sku"], "quantity": 2, "unit_price": 2500, "discount": 0 }],
    });
    let body = serde_json::to_vec(&event).unwrap();
    let signed = crate::common::sign::headers("standard", &brand.webhook_secret, None, "msg_live_1", &body);
    let hs: Vec<(&str, &str)> = signed.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let v = app().send("POST", &format!("/webhooks/{}", brand.id), None, &hs, Some(&body)).expect(200);
    assert_eq!(v["status"], "attributed", "{v}");
    assert_eq!(v["commissions"][0]["live_session_id"], session.as_str());
    assert_eq!(v["commissions"][0]["amount"]["amount"], 500);

    let stats = app().get(&format!("/api/live-sessions/{session}/stats"), Some(&creator.api_key)).expect(200);
    assert_eq!(stats["clicks"], 1);
    assert_eq!(stats["orders"], 1);
    assert_eq!(stats["gmv"], json!([{ "amount": 5000, "currency": "USD" }]));
    assert_eq!(stats["commission"], json!([{ "amount": 500, "currency": "USD" }]));
    let orders = app().get("/api/orders", Some(&brand.api_key)).expect(200);
    assert_eq!(orders["items"][0]["live_session_id"], session.as_str());
}

/// The viewer page in a real browser (Debian's Chromium, headless; `npm test` installs it):
/// the inline script runs under the page's CSP, polls the feed and renders the pins.
#[test]
fn the_page_works_in_a_real_browser() {
    let chromium =
        std::env::var("AE_CHROMIUM").expect("AE_CHROMIUM is not set: `npm test` installs Chromium for this test");
    let brand = new_brand(json!({}));
    let product = new_product(&brand, json!({ "title": "Fizz <b>&</b> Pop" }));
    let c = new_creator();
    let session = id_of(&new_session(&c, "Browser check"));
    pin(&c, &session, product["id"].as_str().unwrap()).expect(201);

    let profile = std::env::temp_dir().join(crate::common::unique("ae-chromium-"));
    let out = std::process::Command::new(&chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=390,844",
            "--virtual-time-budget=15000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("{}/live/{session}", app().base))
        .output()
        .expect("chromium runs");
    let _ = std::fs::remove_dir_all(&profile);
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "chromium failed: {}", String::from_utf8_lossy(&out.stderr));
    assert!(dom.contains("data-synced=\"1\""), "the page script never synced with the feed:\n{dom}");
    assert!(dom.contains("Fizz &lt;b&gt;&amp;&lt;/b&gt; Pop"), "the title is shown as text:\n{dom}");
    assert!(!dom.contains("<b>&amp;</b>"), "no markup from the title reached the DOM");
    let short = feed(&session)["pins"][0]["short_url"].as_str().unwrap().to_string();
    let path = short.rsplit('/').next().map(|code| format!("/{code}")).unwrap();
    // Redrawn by the script from the feed, still a path on this origin.
    assert!(dom.contains(&format!("href=\"{path}\"")), "the buy button goes through the short link:\n{dom}");
    assert!(!dom.contains(&format!("href=\"{short}\"")), "no absolute link in the page:\n{dom}");
}
