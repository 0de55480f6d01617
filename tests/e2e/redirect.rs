//! `GET /{code}` and `HEAD /{code}`: the 302, its headers, click ids, bots, unique
//! visitors, 404/410, and the open-redirect tricks that must not move the Location.

use crate::common::*;
use serde_json::{json, Value};

/// A fresh brand (with `brand_extra`), a product at `path` on its domain, a creator and a link.
struct Setup {
    brand: Brand,
    creator: Creator,
    product: Value,
    code: String,
}

fn setup_with(brand_extra: Value, path_and_query: &str) -> Setup {
    let brand = new_brand(brand_extra);
    let product = new_product(&brand, json!({ "url": format!("https://{}{path_and_query}", brand.domain) }));
    let creator = new_creator();
    let link = new_link(&creator, product["id"].as_str().unwrap());
    let code = link["code"].as_str().unwrap().to_string();
    Setup { brand, creator, product, code }
}

fn setup() -> Setup {
    setup_with(json!({}), "/products/tee?variant=1")
}

fn location(r: &Resp) -> url::Url {
    let loc = r.header("location").unwrap_or_else(|| panic!("no Location: {r:?}"));
    url::Url::parse(loc).unwrap_or_else(|e| panic!("Location {loc:?} is not a URL: {e}"))
}

/// The click id of a redirect to `expected` (the stored destination) with `param` appended
/// after the destination's own query; asserts everything else of the Location.
#[track_caller]
fn click_id(r: &Resp, destination: &str, param: &str) -> String {
    assert_eq!(r.status, 302, "expected a redirect: {r:?}");
    let loc = r.header("location").expect("Location");
    let (base, frag) = match destination.split_once('#') {
        Some((b, f)) => (b.to_string(), format!("#{f}")),
        None => (destination.to_string(), String::new()),
    };
    let sep = if base.contains('?') { '&' } else { '?' };
    let prefix = format!("{base}{sep}{param}=");
    assert!(loc.starts_with(&prefix), "Location {loc} should start with {prefix}");
    assert!(loc.ends_with(&frag), "Location {loc} should end with {frag:?}");
    let id = &loc[prefix.len()..loc.len() - frag.len()];
    assert!(id.starts_with("clk_") && id.len() > 4, "click id {id:?} in {loc}");
    assert!(id[4..].bytes().all(|b| b.is_ascii_alphanumeric()), "click id {id:?}");
    id.to_string()
}

/// The Location of `r`, when it is a redirect, goes to the brand's own https host.
#[track_caller]
fn assert_stays_on(r: &Resp, domain: &str, what: &str) {
    match r.status {
        302 => {
            let loc = location(r);
            assert_eq!(loc.scheme(), "https", "{what}: {r:?}");
            assert_eq!(loc.host_str(), Some(domain), "{what}: {r:?}");
            assert_eq!(loc.port(), None, "{what}: {r:?}");
            assert_eq!(loc.username(), "", "{what}: {r:?}");
            // (The click id is random base32 and may spell "evil" by chance: left out.)
            let raw = r.header("location").unwrap();
            let outside_click: Vec<&str> = raw.split(['?', '&']).filter(|p| !p.starts_with("aff_click=")).collect();
            assert!(!outside_click.concat().contains("evil"), "{what}: {r:?}");
        }
        404 => assert!(r.header("location").is_none(), "{what}: {r:?}"),
        s => panic!("{what}: unexpected status {s}: {r:?}"),
    }
}

#[test]
fn get_redirects_302_with_a_fresh_click_id_and_the_contract_headers() {
    let s = setup_with(json!({}), "/products/tee?variant=1&color=red#reviews");
    let dest = s.product["url"].as_str().unwrap();
    assert_eq!(dest, format!("https://{}/products/tee?variant=1&color=red#reviews", s.brand.domain));
    let ua = browser_ua(&unique("fresh"));
    let r1 = visit("GET", &s.code, &ua, None);
    assert_eq!(r1.header("cache-control"), Some("private, no-store"));
    assert_eq!(r1.header("referrer-policy"), Some("no-referrer-when-downgrade"));
    let id1 = click_id(&r1, dest, "aff_click");
    let r2 = visit("GET", &s.code, &ua, None);
    let id2 = click_id(&r2, dest, "aff_click");
    assert_ne!(id1, id2, "every click gets its own id");
    // The destination's own query survives as pairs, the click param is added once.
    let loc = location(&r1);
    let pairs: Vec<(String, String)> = loc.query_pairs().map(|(k, v)| (k.into(), v.into())).collect();
    assert_eq!(
        pairs,
        vec![("variant".into(), "1".into()), ("color".into(), "red".into()), ("aff_click".into(), id1.clone())]
    );
    assert_eq!(loc.fragment(), Some("reviews"));
}

/// KV without the link's or the product's record (evicted, or a miss still cached): the
/// redirect comes from D1, the click is recorded, and KV holds both records again after.
#[test]
fn a_kv_miss_redirects_from_d1_records_the_click_and_refills_kv() {
    let s = setup();
    let dest = s.product["url"].as_str().unwrap();
    let (link_key, product_key) =
        (format!("link:{}", s.code), format!("product:{}", s.product["id"].as_str().unwrap()));
    let stored_link = local_kv::get(&link_key).expect("the link's record is in KV once the link exists");
    let stored_product = local_kv::get(&product_key).expect("the product's record is in KV once it exists");

    local_kv::delete(&link_key);
    assert_eq!(local_kv::get(&link_key), None);
    click_id(&visit("GET", &s.code, &browser_ua(&unique("miss-link")), None), dest, "aff_click");
    assert_eq!(eventually(|| local_kv::get(&link_key), Option::is_some), Some(stored_link));

    local_kv::delete(&product_key);
    click_id(&visit("GET", &s.code, &browser_ua(&unique("miss-product")), None), dest, "aff_click");
    assert_eq!(eventually(|| local_kv::get(&product_key), Option::is_some), Some(stored_product));

    let stats = settled_stats(&s.creator, &s.code, |v| v["clicks"] == 2);
    assert_eq!(stats["clicks"], 2, "{stats}");
}

#[test]
fn destination_without_query_gets_the_param_as_its_query() {
    let s = setup_with(json!({}), "/p/plain");
    let r = visit("GET", &s.code, &browser_ua(&unique("plain")), None);
    let id = click_id(&r, &format!("https://{}/p/plain", s.brand.domain), "aff_click");
    assert_eq!(r.header("location").unwrap(), format!("https://{}/p/plain?aff_click={id}", s.brand.domain));
}

#[test]
fn the_brands_click_param_is_used_and_replaces_a_stale_one() {
    let s = setup_with(json!({"click_param": "ref"}), "/p/1?ref=old&size=m");
    let r = visit("GET", &s.code, &browser_ua(&unique("param")), None);
    assert_eq!(r.status, 302, "{r:?}");
    let loc = location(&r);
    let pairs: Vec<(String, String)> = loc.query_pairs().map(|(k, v)| (k.into(), v.into())).collect();
    assert_eq!(pairs.len(), 2, "{loc}");
    assert_eq!(pairs[0], ("size".into(), "m".into()));
    assert_eq!(pairs[1].0, "ref");
    assert!(pairs[1].1.starts_with("clk_"), "{loc}");
    assert!(!loc.as_str().contains("aff_click"), "{loc}");
}

#[test]
fn head_answers_like_get_but_records_no_click() {
    let s = setup();
    let dest = s.product["url"].as_str().unwrap();
    let ua = browser_ua(&unique("head"));
    for _ in 0..3 {
        let h = visit("HEAD", &s.code, &ua, Some("198.51.100.10"));
        assert_eq!(h.header("cache-control"), Some("private, no-store"));
        assert_eq!(h.header("referrer-policy"), Some("no-referrer-when-downgrade"));
        click_id(&h, dest, "aff_click");
        assert!(h.body.is_empty());
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(link_stats(&s.creator, &s.code)["clicks"], 0, "HEAD records nothing");
    // One GET afterwards is the only click.
    click_id(&visit("GET", &s.code, &ua, Some("198.51.100.10")), dest, "aff_click");
    let st = settled_stats(&s.creator, &s.code, |v| v["clicks"] == 1);
    assert_eq!(st["clicks"], 1, "{st}");
    assert_eq!(st["unique_clicks"], 1, "{st}");
    assert_eq!(st["bot_clicks"], 0, "{st}");
}

#[test]
fn head_of_unknown_and_disabled_links_answers_like_get() {
    let s = setup();
    let ua = browser_ua(&unique("head410"));
    assert_eq!(visit("HEAD", "NoSuchCode9", &ua, None).status, 404);
    app().delete(&format!("/api/links/{}", s.code), Some(&s.creator.api_key)).expect(200);
    assert_eq!(visit("HEAD", &s.code, &ua, None).status, 410);
}

#[test]
fn human_clicks_count_and_unique_means_one_per_visitor_per_hour() {
    let s = setup();
    let ua_a = browser_ua(&unique("visA"));
    let ua_b = browser_ua(&unique("visB"));
    let ip_1 = "203.0.113.41";
    let ip_2 = "203.0.113.42";
    let dest = s.product["url"].as_str().unwrap();
    let mut expected = 0;
    let mut click = |ua: &str, ip: &str| {
        click_id(&visit("GET", &s.code, ua, Some(ip)), dest, "aff_click");
        expected += 1;
        let n = expected;
        // One at a time: the next click is judged against this one once it is written.
        let v = eventually(|| link_stats(&s.creator, &s.code), |v| v["clicks"] == n);
        assert_eq!(v["clicks"], n, "{v}");
    };
    click(&ua_a, ip_1);
    click(&ua_a, ip_1); // the same visitor again: not unique
    click(&ua_b, ip_1); // another browser: another visitor
    click(&ua_a, ip_2); // another address: another visitor
    click(&ua_b, ip_1); // repeat
    let st = settled_stats(&s.creator, &s.code, |v| v["clicks"] == 5);
    assert_eq!(st["clicks"], 5, "{st}");
    assert_eq!(st["unique_clicks"], 3, "{st}");
    assert_eq!(st["bot_clicks"], 0, "{st}");
    assert_eq!(st["orders"], 0, "{st}");
    assert_eq!(st["commission"], json!([]), "{st}");
}

#[test]
fn rapid_repeat_clicks_by_one_visitor_are_one_unique_click() {
    let s = setup();
    let ua = browser_ua(&unique("rapid"));
    for _ in 0..4 {
        assert_eq!(visit("GET", &s.code, &ua, Some("203.0.113.77")).status, 302);
    }
    let st = settled_stats(&s.creator, &s.code, |v| v["clicks"] == 4);
    assert_eq!(st["clicks"], 4, "{st}");
    assert_eq!(st["unique_clicks"], 1, "a double tap is one visitor: {st}");
}

#[test]
fn concurrent_clicks_by_one_visitor_are_one_unique_click() {
    let s = setup();
    let ua = browser_ua(&unique("burst"));
    let threads: Vec<_> = (0..6)
        .map(|_| {
            let (code, ua) = (s.code.clone(), ua.clone());
            std::thread::spawn(move || visit("GET", &code, &ua, Some("203.0.113.99")).status)
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), 302);
    }
    let st = settled_stats(&s.creator, &s.code, |v| v["clicks"] == 6);
    assert_eq!(st["clicks"], 6, "{st}");
    assert_eq!(st["unique_clicks"], 1, "a burst from one visitor is one unique click: {st}");
}

const BOTS: &[&str] = &[
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "meta-externalagent/1.1 (+https://developers.facebook.com/docs/sharing/webmasters/crawler)",
    "Twitterbot/1.0",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "WhatsApp/2.23.20.0 A",
    "TelegramBot (like TwitterBot)",
    "Mozilla/5.0 (Linux; Android 12; SM-G991B Build/SP1A.210812.016; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/104.0.5112.97 Mobile Safari/537.36 musical_ly_2023205030 JsSdk/1.0 NetType/WIFI Channel/googleplay AppName/musical_ly app_version/32.5.3 ByteLocale/en ByteFullLocale/en Region/US BytedanceWebview/d8a21c6 ThirdLandingPageFeInfra",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "curl/8.4.0",
    "Wget/1.21.4",
    "python-requests/2.31.0",
    "Go-http-client/2.0",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36",
];

#[test]
fn bots_and_link_previews_are_redirected_but_flagged() {
    let s = setup();
    let dest = s.product["url"].as_str().unwrap();
    for ua in BOTS {
        let r = visit("GET", &s.code, ua, Some("192.0.2.9"));
        assert_eq!(r.status, 302, "{ua} must still be redirected: {r:?}");
        click_id(&r, dest, "aff_click");
        assert_eq!(r.header("cache-control"), Some("private, no-store"), "{ua}");
    }
    let n = BOTS.len();
    let st = settled_stats(&s.creator, &s.code, |v| v["bot_clicks"] == n);
    assert_eq!(st["bot_clicks"], n, "{st}");
    assert_eq!(st["clicks"], 0, "bots are not human clicks: {st}");
    assert_eq!(st["unique_clicks"], 0, "{st}");
}

#[test]
fn in_app_browsers_are_people_not_bots() {
    let s = setup();
    let uas = [
        // Instagram, TikTok (a tap, not the preloader) and Facebook in-app browsers.
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 300.0.0.16.111 (iPhone14,5; iOS 17_1; en_US; en; scale=3.00; 1170x2532; 514327624)",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 musical_ly_32.5.0 JsSdk/2.0 NetType/WIFI Channel/App Store ByteLocale/en Region/US ByteFullLocale/en isDarkMode/0 WKWebView/1 BytedanceWebview/d8a21c6",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/440.0.0.33.116;FBBV/541347224;FBDV/iPhone14,5;FBMD/iPhone;FBSN/iOS;FBSV/17.1;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5]",
    ];
    for ua in uas {
        assert_eq!(visit("GET", &s.code, ua, Some("203.0.113.5")).status, 302);
    }
    let st = settled_stats(&s.creator, &s.code, |v| v["clicks"] == 3);
    assert_eq!(st["clicks"], 3, "{st}");
    assert_eq!(st["unique_clicks"], 3, "{st}");
    assert_eq!(st["bot_clicks"], 0, "{st}");
}

#[test]
fn unknown_codes_are_404_and_codes_are_case_sensitive() {
    let s = setup();
    let ua = browser_ua(&unique("404"));
    for code in ["Zz9Yy8Xx7W", "abc", "a-b_c", "x".repeat(64).as_str()] {
        visit("GET", code, &ua, None).expect_error(404, "not_found");
    }
    // Shapes that can never be a code are 404 too.
    for path in ["ab", "a.b.c", "has%20space", &"y".repeat(65)] {
        visit("GET", path, &ua, None).expect_error(404, "not_found");
    }
    let swapped: String = s
        .code
        .chars()
        .map(|c| if c.is_ascii_lowercase() { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() })
        .collect();
    if swapped != s.code {
        visit("GET", &swapped, &ua, None).expect_error(404, "not_found");
    }
    assert_eq!(visit("GET", &s.code, &ua, None).status, 302);
}

/// How late a change may reach the redirect locally (the contract: 10 s; the worker keeps a
/// hot link's records in memory for 5 s).
const STALE_BOUND: std::time::Duration = std::time::Duration::from_secs(10);

/// Visits `code` until `changed` holds, for at most [`STALE_BOUND`]; every answer before
/// then must still be the old one (`old`). Returns the first changed answer.
#[track_caller]
fn changed_within_bound(code: &str, ua: &str, old: impl Fn(&Resp) -> bool, changed: impl Fn(&Resp) -> bool) -> Resp {
    let start = std::time::Instant::now();
    loop {
        let r = visit("GET", code, ua, None);
        if changed(&r) {
            return r;
        }
        assert!(old(&r), "neither the old nor the new answer: {r:?}");
        assert!(start.elapsed() < STALE_BOUND, "the change did not reach the redirect within {STALE_BOUND:?}: {r:?}");
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
}

#[test]
fn a_disabled_link_is_410_within_the_bound() {
    let s = setup();
    let ua = browser_ua(&unique("gone"));
    assert_eq!(visit("GET", &s.code, &ua, None).status, 302);
    app().delete(&format!("/api/links/{}", s.code), Some(&s.creator.api_key)).expect(200);
    let r = changed_within_bound(&s.code, &ua, |r| r.status == 302, |r| r.status == 410);
    r.expect_error(410, "gone");
    assert!(r.header("location").is_none());
    // And it stays gone.
    visit("GET", &s.code, &ua, None).expect_error(410, "gone");
}

#[test]
fn withdrawing_a_product_is_410_within_the_bound_and_restoring_it_redirects_again() {
    let s = setup();
    let ua = browser_ua(&unique("withdraw"));
    let pid = s.product["id"].as_str().unwrap();
    let dest = s.product["url"].as_str().unwrap();
    click_id(&visit("GET", &s.code, &ua, None), dest, "aff_click");
    let p = app().patch(&format!("/api/products/{pid}"), Some(&s.brand.api_key), &json!({"active": false})).expect(200);
    assert_eq!(p["active"], false);
    let r = changed_within_bound(&s.code, &ua, |r| r.status == 302, |r| r.status == 410);
    r.expect_error(410, "gone");
    assert!(r.header("location").is_none());
    assert_eq!(visit("HEAD", &s.code, &ua, None).status, 410);
    app().patch(&format!("/api/products/{pid}"), Some(&s.brand.api_key), &json!({"active": true})).expect(200);
    let r = changed_within_bound(&s.code, &ua, |r| r.status == 410, |r| r.status == 302);
    click_id(&r, dest, "aff_click");
}

#[test]
fn editing_the_product_url_moves_the_redirect_within_the_bound() {
    let s = setup();
    let ua = browser_ua(&unique("edit"));
    let pid = s.product["id"].as_str().unwrap();
    let old_url = s.product["url"].as_str().unwrap();
    click_id(&visit("GET", &s.code, &ua, None), old_url, "aff_click");
    let new_url = format!("https://www.{}/new-page?utm_source=x", s.brand.domain);
    let p = app().patch(&format!("/api/products/{pid}"), Some(&s.brand.api_key), &json!({"url": new_url})).expect(200);
    assert_eq!(p["url"], new_url.as_str());
    let goes_to = |url: &str| {
        let prefix = url.to_string();
        move |r: &Resp| r.status == 302 && r.header("location").is_some_and(|l| l.starts_with(&prefix))
    };
    let r = changed_within_bound(&s.code, &ua, goes_to(old_url), goes_to(&new_url));
    click_id(&r, &new_url, "aff_click");
    // A refused edit (another host) leaves the redirect where it was.
    app()
        .patch(&format!("/api/products/{pid}"), Some(&s.brand.api_key), &json!({"url": "https://evil.example/x"}))
        .expect_error(422, "validation_failed");
    click_id(&visit("GET", &s.code, &ua, None), &new_url, "aff_click");
}

#[test]
fn request_query_cannot_change_the_destination() {
    let s = setup();
    let dest = s.product["url"].as_str().unwrap();
    let ua = browser_ua(&unique("query"));
    for q in [
        "url=https://evil.example/",
        "redirect=https%3A%2F%2Fevil.example",
        "next=//evil.example",
        "destination=http://evil.example&to=evil.example",
        "aff_click=https://evil.example/",
        "aff_click=clk_attacker",
        "host=evil.example&scheme=http",
        "@evil.example",
        "%0d%0aLocation:%20https://evil.example",
    ] {
        let r = visit("GET", &format!("{}?{q}", s.code), &ua, None);
        assert_stays_on(&r, &s.brand.domain, q);
        let id = click_id(&r, dest, "aff_click");
        assert_ne!(id, "clk_attacker", "{q}");
        assert_eq!(r.headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case("location")).count(), 1, "{q}");
    }
}

#[test]
fn path_tricks_cannot_change_the_destination() {
    let s = setup();
    let code = &s.code;
    let ua = browser_ua(&unique("path"));
    // Paths that are not a code: 404, never a redirect anywhere.
    for path in [
        "//evil.example".to_string(),
        "//evil.example/".to_string(),
        "///evil.example".to_string(),
        "/%2F%2Fevil.example".to_string(),
        "/%2f%2fevil.example".to_string(),
        "/%5C%5Cevil.example".to_string(),
        "/%5Cevil.example".to_string(),
        "/https:%2F%2Fevil.example".to_string(),
        "/https://evil.example".to_string(),
        "//evil.example/%2F..".to_string(),
        "/evil.example%2F".to_string(),
        format!("/{code}%2F%2Fevil.example"),
        format!("/{code}%2Fevil.example"),
        format!("/{code}@evil.example"),
        format!("/{code}%40evil.example"),
        format!("/{code}//evil.example"),
        format!("/{code}/..%2F..%2Fevil.example"),
        format!("/{code}/%2e%2e/evil.example"),
        format!("//evil.example/{code}"),
        format!("/evil.example/{code}"),
        format!("/{code}%00evil.example"),
        format!("/{code}%09"),
    ] {
        let r = app().send("GET", &path, None, &[("user-agent", &ua)], None);
        assert_eq!(r.status, 404, "{path}: {r:?}");
        assert_stays_on(&r, &s.brand.domain, &path);
    }
    // Sent byte for byte, so no client normalises them first. Dot segments and
    // backslashes are resolved the WHATWG way before routing; an absolute-form target
    // names the worker's own route, whatever host it says.
    let dest = s.product["url"].as_str().unwrap();
    for (target, status) in [
        ("/\\evil.example".to_string(), 404),
        ("/\\\\evil.example".to_string(), 404),
        ("//evil.example".to_string(), 404),
        (format!("/{code}\\evil.example"), 404),
        (format!("/{code}/../evil.example"), 404),
        (format!("/\\{code}"), 302),
        (format!("/evil.example/../{code}"), 302),
        (format!("/{code}/./"), 302),
        (format!("http://evil.example/{code}"), 302),
        (format!("https://evil.example/{code}"), 302),
        (format!("//{code}"), 302),
        (format!("/{code}/"), 302),
    ] {
        let r = raw_request(&format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: {ua}"));
        assert_eq!(r.status, status, "{target}: {r:?}");
        assert_stays_on(&r, &s.brand.domain, &target);
        if status == 302 {
            click_id(&r, dest, "aff_click");
        }
    }
}

#[test]
fn request_headers_cannot_change_the_destination() {
    let s = setup();
    let dest = s.product["url"].as_str().unwrap();
    let ua = browser_ua(&unique("hdr"));
    let tricks: &[(&str, &str)] = &[
        ("x-forwarded-host", "evil.example"),
        ("x-forwarded-proto", "http"),
        ("x-forwarded-scheme", "http"),
        ("x-forwarded-port", "8080"),
        ("forwarded", "for=1.2.3.4;host=evil.example;proto=http"),
        ("x-host", "evil.example"),
        ("x-original-url", "//evil.example/"),
        ("x-rewrite-url", "https://evil.example/"),
        ("x-original-host", "evil.example"),
        ("origin", "https://evil.example"),
        ("referer", "https://evil.example/?aff_click=x"),
        ("cf-visitor", "{\"scheme\":\"http\"}"),
    ];
    for (name, value) in tricks {
        let r = app().send("GET", &format!("/{}", s.code), None, &[("user-agent", &ua), (name, value)], None);
        assert_stays_on(&r, &s.brand.domain, name);
        click_id(&r, dest, "aff_click");
    }
    // `Host` itself, byte for byte (an HTTP client would set its own).
    for host in ["evil.example", "evil.example:443", &format!("{}.evil.example", s.brand.domain)] {
        let r = raw_request(&format!("GET /{} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: {ua}", s.code));
        assert_stays_on(&r, &s.brand.domain, host);
        assert_eq!(r.status, 302, "Host: {host}: {r:?}");
        click_id(&r, dest, "aff_click");
    }
    let r = raw_request(&format!(
        "GET /{} HTTP/1.1\r\nHost: evil.example\r\nX-Forwarded-Host: evil.example\r\nX-Forwarded-Proto: http\r\nUser-Agent: {ua}",
        s.code
    ));
    assert_stays_on(&r, &s.brand.domain, "all at once");
    click_id(&r, dest, "aff_click");
}

/// A write through the API empties the hot links of the isolate that made it: under
/// `wrangler dev` (one isolate) a disable shows on the very next click, although the link
/// was just clicked (and so kept in memory).
#[test]
fn a_change_made_through_the_same_isolate_shows_at_once() {
    let s = setup();
    let ua = browser_ua(&unique("hot"));
    for _ in 0..3 {
        assert_eq!(visit("GET", &s.code, &ua, None).status, 302);
    }
    app().delete(&format!("/api/links/{}", s.code), Some(&s.creator.api_key)).expect(200);
    visit("GET", &s.code, &ua, None).expect_error(410, "gone");
}
