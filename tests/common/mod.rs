//! The end-to-end harness: a client for the worker that `npm test` started under
//! `wrangler dev`, and helpers that let each test make its own data (no shared fixtures,
//! so tests don't depend on each other's order).

#![allow(dead_code)]

pub mod raw;
pub mod receiver;
pub mod sign;
pub mod spec;

use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

/// The running worker. `npm test` sets `AE_BASE_URL` and `AE_ADMIN_TOKEN`; without them
/// every test fails (a missing server is a failure, never a skip).
pub struct App {
    pub base: String,
    pub admin_token: String,
    agent: ureq::Agent,
}

/// A response, whatever its status.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.body))
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    /// Asserts the status and, for errors, the contract's error shape; returns the JSON.
    #[track_caller]
    pub fn expect(&self, status: u16) -> Value {
        assert_eq!(self.status, status, "unexpected status; body: {}", self.body);
        if self.body.is_empty() {
            return Value::Null;
        }
        let v = self.json();
        if status >= 400 {
            assert_error_shape(&v);
        }
        v
    }
    /// Asserts an error status with the given error code.
    #[track_caller]
    pub fn expect_error(&self, status: u16, code: &str) -> Value {
        let v = self.expect(status);
        assert_eq!(v["error"]["code"], code, "body: {}", self.body);
        v
    }
}

#[track_caller]
pub fn assert_error_shape(v: &Value) {
    let err = v.get("error").unwrap_or_else(|| panic!("no `error` object in {v}"));
    assert!(err["code"].as_str().is_some_and(|c| !c.is_empty()), "error.code in {v}");
    assert!(err["message"].as_str().is_some_and(|m| !m.is_empty()), "error.message in {v}");
}

pub fn app() -> &'static App {
    static APP: OnceLock<App> = OnceLock::new();
    APP.get_or_init(|| {
        let base = std::env::var("AE_BASE_URL")
            .expect("AE_BASE_URL is not set: the end-to-end tests need the worker; run them with `npm test`");
        let admin_token = std::env::var("AE_ADMIN_TOKEN").expect("AE_ADMIN_TOKEN is not set");
        let agent = ureq::AgentBuilder::new().redirects(0).timeout(Duration::from_secs(30)).build();
        App { base: base.trim_end_matches('/').to_string(), admin_token, agent }
    })
}

/// The path of an absolute URL, without its query or fragment.
pub fn path_only(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let path = rest.find('/').map_or("/", |i| &rest[i..]);
    path.split(['?', '#']).next().unwrap_or(path)
}

/// A unique suffix for names, handles, skus and aliases made by tests.
pub fn unique(prefix: &str) -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{prefix}{:x}{}", nanos % 0xffff_ffff_ffff, N.fetch_add(1, Ordering::Relaxed))
}

/// `secs` since the epoch as RFC 3339 UTC (Howard Hinnant's civil-from-days).
pub fn rfc3339(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

impl App {
    /// Sends a request with optional bearer key and raw body and extra headers.
    pub fn send(
        &self,
        method: &str,
        path: &str,
        key: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Resp {
        let url = if path.starts_with("http") { path.to_string() } else { format!("{}{path}", self.base) };
        let mut req = self.agent.request(method, &url);
        if let Some(k) = key {
            req = req.set("authorization", &format!("Bearer {k}"));
        }
        for (k, v) in headers {
            req = req.set(k, v);
        }
        let result = match body {
            Some(b) => req.send_bytes(b),
            None => req.call(),
        };
        let resp = match result {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{method} {url}: transport error: {e}"),
        };
        let status = resp.status();
        let headers: Vec<(String, String)> = resp
            .headers_names()
            .into_iter()
            .filter_map(|n| resp.header(&n).map(|v| (n.clone(), v.to_string())))
            .collect();
        let body = resp.into_string().unwrap_or_default();
        let json_body =
            headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("content-type") && v.starts_with("application/json"));
        if json_body && !body.is_empty() {
            let value: Value = serde_json::from_str(&body)
                .unwrap_or_else(|e| panic!("{method} {url}: content-type is JSON but the body is not ({e}): {body}"));
            if let Err(e) = spec::check(method, path_only(&url), status, &value) {
                panic!("{e}\nbody: {body}");
            }
        }
        Resp { status, headers, body }
    }

    pub fn get(&self, path: &str, key: Option<&str>) -> Resp {
        self.send("GET", path, key, &[], None)
    }
    pub fn delete(&self, path: &str, key: Option<&str>) -> Resp {
        self.send("DELETE", path, key, &[], None)
    }
    pub fn post(&self, path: &str, key: Option<&str>, body: &Value) -> Resp {
        self.json_req("POST", path, key, body)
    }
    pub fn patch(&self, path: &str, key: Option<&str>, body: &Value) -> Resp {
        self.json_req("PATCH", path, key, body)
    }
    pub fn put(&self, path: &str, key: Option<&str>, body: &Value) -> Resp {
        self.json_req("PUT", path, key, body)
    }
    pub fn json_req(&self, method: &str, path: &str, key: Option<&str>, body: &Value) -> Resp {
        let bytes = serde_json::to_vec(body).expect("serialize");
        self.send(method, path, key, &[("content-type", "application/json")], Some(&bytes))
    }
    pub fn admin(&self) -> Option<&str> {
        Some(&self.admin_token)
    }
}

/// A brand made through the API, with what the creation returned once.
#[derive(Debug, Clone)]
pub struct Brand {
    pub id: String,
    pub api_key: String,
    pub webhook_secret: String,
    pub domain: String,
}

/// A creator made through the API.
#[derive(Debug, Clone)]
pub struct Creator {
    pub id: String,
    pub handle: String,
    pub api_key: String,
}

/// Creates a brand; `extra` fields override the defaults (scheme `standard`, USD, 10 %).
pub fn new_brand(extra: Value) -> Brand {
    let domain = format!("{}.example", unique("shop"));
    let mut body = json!({
        "name": unique("Brand "),
        "domains": [domain],
        "currency": "USD",
        "default_commission_bps": 1000,
        "webhook_scheme": "standard",
    });
    merge(&mut body, extra);
    let domain = body["domains"][0].as_str().unwrap_or(&domain).to_string();
    let v = app().post("/api/brands", app().admin(), &body).expect(201);
    Brand {
        id: v["id"].as_str().expect("id").to_string(),
        api_key: v["api_key"].as_str().expect("api_key").to_string(),
        webhook_secret: v["webhook_secret"].as_str().expect("webhook_secret").to_string(),
        domain,
    }
}

pub fn new_creator() -> Creator {
    let handle = unique("creator");
    let v = app().post("/api/creators", app().admin(), &json!({ "handle": handle })).expect(201);
    Creator {
        id: v["id"].as_str().expect("id").to_string(),
        handle,
        api_key: v["api_key"].as_str().expect("api_key").to_string(),
    }
}

/// Creates a product of `brand`; `extra` overrides (price 2000 USD, sku unique).
pub fn new_product(brand: &Brand, extra: Value) -> Value {
    let sku = unique("SKU-");
    let mut body = json!({
        "sku": sku,
        "title": "Test product",
        "url": format!("https://{}/products/{sku}?variant=1", brand.domain),
        "price": {"amount": 2000, "currency": "USD"},
    });
    merge(&mut body, extra);
    app().post("/api/products", Some(&brand.api_key), &body).expect(201)
}

/// Creates a link for `creator` to `product_id`; returns the link JSON.
pub fn new_link(creator: &Creator, product_id: &str) -> Value {
    app().post("/api/links", Some(&creator.api_key), &json!({ "product_id": product_id })).expect(201)
}

/// Polls `f` every 100 ms for up to ~12 s (a click goes through the queue: its batch waits
/// up to 1 s locally) until `done` holds, and returns the last value
/// (whether or not it holds: the caller asserts). For what the worker writes after the
/// response (`wait_until`), such as clicks.
pub fn eventually<T>(f: impl FnMut() -> T, done: impl Fn(&T) -> bool) -> T {
    eventually_for(Duration::from_secs(12), f, done)
}

/// [`eventually`] with another bound.
pub fn eventually_for<T>(bound: Duration, mut f: impl FnMut() -> T, done: impl Fn(&T) -> bool) -> T {
    let deadline = std::time::Instant::now() + bound;
    loop {
        let v = f();
        if done(&v) || std::time::Instant::now() >= deadline {
            return v;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `GET /api/links/{code}/stats` as the link's owner; asserts 200.
#[track_caller]
pub fn link_stats(creator: &Creator, code: &str) -> Value {
    app().get(&format!("/api/links/{code}/stats"), Some(&creator.api_key)).expect(200)
}

/// Polls the link's stats until `done` holds (up to ~3 s), then waits a little longer and
/// reads them once more, so that a click written late (one that should not have been
/// written at all) still shows. Returns the final stats.
#[track_caller]
pub fn settled_stats(creator: &Creator, code: &str, done: impl Fn(&Value) -> bool) -> Value {
    let v = eventually(|| link_stats(creator, code), |v| done(v));
    assert!(done(&v), "stats of {code} never reached the expected state: {v}");
    std::thread::sleep(Duration::from_millis(300));
    link_stats(creator, code)
}

/// A browser user agent made unique by `tag`, so each test is its own visitor.
pub fn browser_ua(tag: &str) -> String {
    format!(
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15 t{tag}"
    )
}

/// Follows nothing: `GET /{code}` (or `HEAD`) with the given user agent and, when given,
/// the `cf-connecting-ip` that the worker hashes with the user agent for unique visitors.
pub fn visit(method: &str, code: &str, ua: &str, ip: Option<&str>) -> Resp {
    let mut headers = vec![("user-agent", ua)];
    if let Some(ip) = ip {
        headers.push(("cf-connecting-ip", ip));
    }
    app().send(method, &format!("/{code}"), None, &headers, None)
}

/// Sends `head` (request line and headers, without the blank line) byte for byte over a
/// new TCP connection, so that nothing (no client URL normalisation) touches the path or
/// the `Host` header. Adds `Connection: close` and the blank line.
pub fn raw_request(head: &str) -> Resp {
    use std::io::{Read, Write};
    let addr = app().base.trim_start_matches("http://").to_string();
    let mut s = std::net::TcpStream::connect(&addr).expect("connect to the worker");
    s.set_read_timeout(Some(Duration::from_secs(30))).ok();
    let req = format!("{}\r\nConnection: close\r\n\r\n", head.trim_end());
    s.write_all(req.as_bytes()).expect("write request");
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).expect("read response");
    let text = String::from_utf8_lossy(&buf).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    let headers =
        lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_string(), v.trim().to_string())).collect();
    Resp { status, headers, body: body.to_string() }
}

pub fn merge(base: &mut Value, extra: Value) {
    if let (Some(b), Value::Object(e)) = (base.as_object_mut(), extra) {
        for (k, v) in e {
            b.insert(k, v);
        }
    }
}

/// Runs wrangler's CLI against the state directory `npm test` gives the worker
/// (`AE_STATE_DIR`). The worker holds the same SQLite files, so a busy store (SQLite's
/// `SQLITE_BUSY`, or the local KV answering 500 while the worker writes) is waited for and
/// the command run again, up to ten times; the commands run here are idempotent.
fn local_wrangler(args: &[&str]) -> std::process::Output {
    let state = std::env::var("AE_STATE_DIR").expect("AE_STATE_DIR is not set: run the tests with `npm test`");
    let node = std::env::var("AE_NODE").expect("AE_NODE is not set: run the tests with `npm test`");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/node_modules/wrangler/bin/wrangler.js");
    for attempt in 1.. {
        let out = std::process::Command::new(&node)
            .arg(script)
            .args(args)
            .args(["--local", "--persist-to", &state])
            .env("WRANGLER_SEND_METRICS", "false")
            .env("CI", "true")
            .output()
            .expect("run wrangler");
        let said = format!("{}{}", String::from_utf8_lossy(&out.stderr), String::from_utf8_lossy(&out.stdout));
        let busy = said.contains("SQLITE_BUSY") || said.contains("failed: 500");
        if out.status.success() || !busy || attempt == 10 {
            assert!(out.status.success(), "wrangler {args:?}: {}", String::from_utf8_lossy(&out.stderr));
            return out;
        }
        std::thread::sleep(Duration::from_millis(200 * attempt));
    }
    unreachable!("the loop returns")
}

/// The worker's local KV, through wrangler's CLI: for tests of what happens when KV lacks a
/// record.
pub mod local_kv {
    fn wrangler(args: &[&str]) -> std::process::Output {
        let mut all = vec!["kv", "key"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--binding", "LINKS"]);
        super::local_wrangler(&all)
    }

    pub fn delete(key: &str) {
        wrangler(&["delete", key]);
    }

    /// The value under `key`, if any.
    pub fn get(key: &str) -> Option<String> {
        let out = wrangler(&["get", key, "--text"]);
        let text = String::from_utf8_lossy(&out.stdout).trim_end_matches('\n').to_string();
        (!text.is_empty() && text != "Value not found").then_some(text)
    }
}

/// The worker's local D1, through wrangler's CLI: for rows no route writes (a release-1
/// click).
pub mod local_d1 {
    fn run(sql: &str, json: bool) -> std::process::Output {
        let mut args = vec!["d1", "execute", "DB", "--command", sql];
        if json {
            args.push("--json");
        }
        super::local_wrangler(&args)
    }

    pub fn execute(sql: &str) {
        run(sql, false);
    }

    /// The rows `sql` reads.
    pub fn query(sql: &str) -> Vec<serde_json::Value> {
        let out = run(sql, true);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("wrangler d1 execute --json: {e}: {}", String::from_utf8_lossy(&out.stdout)));
        v[0]["results"].as_array().cloned().unwrap_or_default()
    }
}
