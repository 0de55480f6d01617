//! A bounded, repeatable hostile-input walk over every route the worker answers (the
//! route table is `src/routes/mod.rs` `dispatch`): wrong types for every field, boundary
//! sizes, control characters, invalid UTF-8, lone surrogates, deep nesting, oversized and
//! non-JSON bodies, other tenants' ids, wrong roles and no key, odd path parameters, bad
//! webhook signatures and — signed properly, so they reach the parser — hostile webhook
//! bodies.
//!
//! Every case must answer a 4xx (never a 5xx, never a 2xx) in the contract's error shape,
//! and the walk as a whole must change nothing visible through the API: the owners' lists,
//! stats and the public showcase and feeds are read before and after and compared.
//!
//! Deterministic: the cases are a fixed list (no randomness); only the names of the data
//! the walk makes are unique per run. Bounded: about 2,500 requests over 4 threads, a few
//! seconds to half a minute (`MAX_REQUESTS` caps it). It prints a summary line:
//! `hostile: N requests, N routes, N 5xx, …` (see it with `--nocapture`).

use crate::common::sign::{headers_at, now_secs};
use crate::common::{app, new_brand, new_creator, new_link, new_product, unique, Brand, Creator};
use crate::webhooks::click_link;
use base64::engine::general_purpose::{STANDARD as B64, URL_SAFE_NO_PAD};
use base64::Engine;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The walk's ceiling, so it stays bounded as cases are added.
const MAX_REQUESTS: usize = 3000;
const THREADS: usize = 4;

// ---------------------------------------------------------------------------------------
// Cases

#[derive(Clone, Copy, PartialEq)]
enum Expect {
    /// A 4xx in the error shape (for HEAD: a 4xx, there is no body).
    Error,
    /// A 4xx HTML page (`GET /live/{id}` of an unknown session is a page for people).
    HtmlError,
}

struct Case {
    /// The route of the table the case is aimed at, e.g. `PATCH /api/products/{id}`.
    route: &'static str,
    /// What is hostile about it.
    what: String,
    method: &'static str,
    path: String,
    key: Option<String>,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    expect: Expect,
}

/// A failed case, with what is needed to reproduce it.
struct Failure {
    case: usize,
    text: String,
}

fn snippet_bytes(b: &[u8], n: usize) -> String {
    let s = String::from_utf8_lossy(b);
    let cut: String = s.chars().take(n).collect();
    if cut.len() < s.len() {
        format!("{cut:?}… ({} bytes)", b.len())
    } else {
        format!("{cut:?}")
    }
}

/// The cases, as a builder that knows the world's ids and keys.
struct Walk<'w> {
    w: &'w World,
    cases: Vec<Case>,
}

/// How a field's hostile values are chosen.
#[derive(Clone, Copy)]
enum Kind {
    /// Free text of at most 200 characters (titles, names, skus).
    Text,
    /// Creator handle: 1–64 of `[A-Za-z0-9_.-]`.
    Handle,
    Email,
    /// ISO 4217 code.
    Currency,
    /// Integer minor units, 0 ..= 2^53 − 1.
    Amount,
    /// Money object `{amount, currency}`.
    Money,
    /// Basis points, 0 ..= 10000.
    Bps,
    /// Days, `lo ..= 365`.
    Days(u32),
    Bool,
    /// A product URL on the domain of brand A (`false`) or brand P (`true`).
    ProductUrl(bool),
    /// An https image URL (any host).
    ImageUrl,
    /// The brand's `domains`.
    Domains,
    /// `webhook_scheme`.
    Scheme,
    ClickParam,
    /// `webhook_secret` of a `standard` brand.
    StandardSecret,
    /// `webhook_app_key` of a `tiktok` brand.
    AppKey,
    /// A link alias.
    Alias,
    /// RFC 3339 time.
    Time,
    /// A creator code: 3–32 of `[A-Za-z0-9_-]`, unique per brand ignoring case.
    Code,
    /// A webhook endpoint's URL: https to a named host (local http is allowed by `npm test`).
    EndpointUrl,
    /// A webhook endpoint's `events`: known types, at least one.
    EventTypes,
    /// An id referring to something (a product, a session): unknown ids.
    Ref,
}

fn s(v: &str) -> String {
    serde_json::to_string(v).unwrap()
}

/// JSON texts of every type but the field's (string ↔ number ↔ bool ↔ array ↔ object).
fn wrong_types(kind: Kind) -> Vec<String> {
    let strings = vec![s("1000"), s(""), s("true")];
    let numbers = vec!["123".to_string(), "-1".into(), "1.5".into()];
    let bools = vec!["true".to_string(), "false".into()];
    let others = vec!["[]".to_string(), "[\"x\"]".into(), "{}".into(), "{\"x\":1}".into()];
    let mut out = others;
    match kind {
        Kind::Amount | Kind::Bps | Kind::Days(_) => {
            out.extend(strings);
            out.extend(bools);
        }
        Kind::Bool => {
            out.extend(strings);
            out.extend(["0".to_string(), "1".into()]);
        }
        Kind::Money => {
            out.retain(|v| v != "{}");
            out.extend(strings);
            out.extend(numbers);
            out.extend(bools);
        }
        Kind::Domains => {
            out.retain(|v| !v.starts_with('['));
            out.extend([s("shop.example")]);
            out.extend(numbers);
            out.extend(bools);
        }
        _ => {
            out.extend(numbers);
            out.extend(bools);
        }
    }
    out
}

/// C0 controls (alone, first, inside), DEL and lone surrogate escapes, as JSON strings.
fn control_texts() -> Vec<String> {
    let mut out: Vec<String> =
        ["\u{0}", "\u{0}abc", "a\u{0}b", "a\tb", "a\nb", "a\rb", "\u{1b}[31m", "\u{1f}", "a\u{7f}"].map(s).to_vec();
    // Raw escapes serde would never write: unpaired surrogates.
    out.extend(["\"\\ud800\"", "\"a\\udc00b\"", "\"\\ud800\\u0041\"", "\"\\udfff\\ud800\""].map(String::from));
    out
}

/// Integers no amount can be: negative, floats, 2^53 and beyond, i64/u64 overflow.
fn bad_amounts() -> Vec<String> {
    [
        "-1",
        "-9223372036854775808",
        "19.99",
        "2.0",
        "1e2",
        "-0.5",
        "9007199254740992",
        "9223372036854775807",
        "9223372036854775808",
        "18446744073709551616",
        "1e400",
        "123456789012345678901234567890",
    ]
    .map(String::from)
    .to_vec()
}

impl Kind {
    /// Hostile values of this kind's own type (boundaries, controls, malformed), as JSON.
    fn bad_values(self, w: &World) -> Vec<String> {
        match self {
            Kind::Text => {
                let mut v = vec![s(""), s("   "), s(&"t".repeat(201)), s(&"é".repeat(201)), s(&"x".repeat(30_000))];
                v.extend(control_texts());
                v
            }
            Kind::Handle => {
                let mut v =
                    vec![s(""), s("@"), s("a b"), s(&"h".repeat(65)), s("héllo"), s("<b>x</b>"), s("a/b"), s("a@b")];
                v.extend(control_texts());
                // Taken (handles are unique ignoring case): 409.
                v.push(s(&w.c1.handle.to_ascii_uppercase()));
                v
            }
            Kind::Email => {
                let mut v = vec![s("not-an-email"), s("a b@example.com"), s(&format!("{}@x.example", "e".repeat(260)))];
                v.extend(["a\u{0}@x.example", "a\u{7}b@x.example"].map(s));
                v
            }
            Kind::Currency => {
                let mut v = vec![s(""), s("usd"), s("XXY"), s("US"), s("USDX"), s(" USD"), s("€"), "840".into()];
                v.extend(["U\u{0}D", "\u{0}USD"].map(s));
                v
            }
            Kind::Amount => bad_amounts(),
            Kind::Money => {
                let mut v = vec!["{}".to_string()];
                for a in bad_amounts() {
                    v.push(format!("{{\"amount\":{a},\"currency\":\"USD\"}}"));
                }
                for c in ["", "XXY", "usd", "\u{0}"] {
                    v.push(format!("{{\"amount\":100,\"currency\":{}}}", s(c)));
                }
                for t in ["\"100\"", "null", "true", "[]", "{}"] {
                    v.push(format!("{{\"amount\":{t},\"currency\":\"USD\"}}"));
                }
                v.extend(
                    ["{\"amount\":100}", "{\"currency\":\"USD\"}", "{\"amount\":100,\"currency\":null}"]
                        .map(String::from),
                );
                v
            }
            Kind::Bps => ["-1", "10001", "65536", "4294967296", "9223372036854775808", "1e400", "1.5", "1e3"]
                .map(String::from)
                .to_vec(),
            Kind::Days(lo) => {
                let mut v: Vec<String> =
                    ["366", "-1", "4294967297", "1.5", "1e2", "9223372036854775808"].map(String::from).to_vec();
                if lo > 0 {
                    v.push("0".into());
                }
                v
            }
            Kind::Bool => vec![], // a bool's wrong values are all of other types
            Kind::ProductUrl(of_p) => {
                let d = if of_p { &w.p.domain } else { &w.a.domain };
                let mut v: Vec<String> = [
                    String::new(),
                    format!("http://{d}/p"),
                    format!("https://{}/p", w.b.domain),
                    "https://evil.example/p".into(),
                    "javascript:alert(1)".into(),
                    format!("https://{d}:8443/p"),
                    format!("https://user:pw@{d}/p"),
                    format!("https://{d}.evil.example/p"),
                    format!("//{d}/p"),
                    format!("https://{d}/{}", "a".repeat(2100)),
                    format!("https://{d}/p\u{0}"),
                    format!("https://{d}/p\nx"),
                    "https://[::1]/p".into(),
                ]
                .iter()
                .map(|u| s(u))
                .collect();
                v.push("\"https:\\/\\/evil.example\\/p\"".into());
                v
            }
            Kind::ImageUrl => [
                "http://cdn.example/x.jpg".to_string(),
                "x.jpg".into(),
                "javascript:alert(1)".into(),
                "data:image/png;base64,AAAA".into(),
                "https://".into(),
                format!("https://cdn.example/{}", "a".repeat(2100)),
                "https://cdn.example/x\u{0}.jpg".into(),
            ]
            .iter()
            .map(|u| s(u))
            .collect(),
            Kind::Domains => {
                let many: Vec<String> = (0..21).map(|i| format!("d{i}.example")).collect();
                vec![
                    "[]".into(),
                    json!(["127.0.0.1"]).to_string(),
                    json!(["[::1]"]).to_string(),
                    json!([""]).to_string(),
                    json!(["a b.example"]).to_string(),
                    json!(["shop.example/path"]).to_string(),
                    json!(["https://shop.example"]).to_string(),
                    json!(["shop.example:8443"]).to_string(),
                    json!(["user@shop.example"]).to_string(),
                    json!(["shop\u{0}.example"]).to_string(),
                    json!([format!("{}.example", "a".repeat(300))]).to_string(),
                    json!(many).to_string(),
                    "[1]".into(),
                    "[null]".into(),
                    "[[\"shop.example\"]]".into(),
                ]
            }
            Kind::Scheme => ["", "unknown", "Standard Webhooks", "paypal", "standard\u{0}"].map(s).to_vec(),
            Kind::ClickParam => ["", "a b", &"p".repeat(65), "a=b", "a&b", "é", "a\u{0}"].map(s).to_vec(),
            Kind::StandardSecret => {
                let short = format!("whsec_{}", B64.encode([1u8; 16]));
                ["", "nope", "whsec_short", &short, "whsec_!!!notbase64", "whsec_AAAA\u{0}AAAA"].map(s).to_vec()
            }
            Kind::AppKey => ["", "   ", "key\u{0}", "k\ney"].map(s).to_vec(),
            Kind::Alias => {
                let mut v = vec![
                    s(""),
                    s("ab"),
                    s(&"a".repeat(65)),
                    s("api"),
                    s("API"),
                    s("live"),
                    s("health"),
                    s("webhooks"),
                    s("a b c"),
                    s("héllo"),
                    s("a/b/c"),
                    s("a.b.c"),
                    s("%2F%2F"),
                ];
                v.extend(control_texts());
                // Taken by another creator: 409.
                v.push(s(&w.alias2));
                v
            }
            Kind::Code => {
                let mut v = vec![
                    s(""),
                    s("ab"),
                    s(&"c".repeat(33)),
                    s("SUMMER 10"),
                    s("héllo"),
                    s("a.b.c"),
                    s("a/b/c"),
                    s("%2F%2F"),
                    s("' OR '1'='1"),
                ];
                v.extend(control_texts());
                // Taken in brand A, in another letter case: 409.
                v.push(s(&w.code_a.to_ascii_lowercase()));
                v
            }
            Kind::EndpointUrl => {
                let mut v: Vec<String> = [
                    String::new(),
                    "http://hooks.example.com/in".into(),
                    "https://user:pw@hooks.example.com/in".into(),
                    "https://127.0.0.1/in".into(),
                    "https://[::1]/in".into(),
                    "https://hooks.example.com:8443/in".into(),
                    "http://169.254.169.254:80/latest".into(),
                    "http://127.0.0.1/in".into(),
                    "http://localhost.evil.example:80/".into(),
                    "ftp://hooks.example.com/".into(),
                    "javascript:alert(1)".into(),
                    format!("https://hooks.example.com/{}", "a".repeat(2048)),
                    "https://hooks.example.com/a b".into(),
                ]
                .iter()
                .map(|u| s(u))
                .collect();
                v.extend(control_texts());
                v
            }
            Kind::EventTypes => ["[]", "[\"order.created\"]", "[\"PING\"]", "[\"ping\", 1]", "[null]", "\"ping\""]
                .map(String::from)
                .to_vec(),
            Kind::Time => [
                "",
                "tomorrow",
                "2030-13-01T00:00:00Z",
                "2030-01-01",
                "2030-01-01T25:00:00Z",
                "2030-01-01T00:00:00Z\u{0}",
            ]
            .map(s)
            .to_vec()
            .into_iter()
            .chain(["1700000000".to_string()])
            .collect(),
            Kind::Ref => vec![
                s(""),
                s("pr_doesnotexist0000000000"),
                s("ls_doesnotexist0000000000"),
                s(&"p".repeat(5000)),
                s("\u{0}"),
                s("' OR '1'='1"),
                s("%00"),
            ],
        }
    }
}

/// A field of a JSON body: its pointer, kind and whether `null` is wrong for it.
struct Field {
    pointer: &'static str,
    kind: Kind,
    /// `null` must be refused (a required field, or one that can't be cleared).
    no_null: bool,
    /// Extra hostile values for this field only (JSON texts), with what they are.
    extra: Vec<String>,
}

fn field(pointer: &'static str, kind: Kind, no_null: bool) -> Field {
    Field { pointer, kind, no_null, extra: vec![] }
}

const MARK: &str = "@@hostile@@";

/// Stands for a value that must be unique per request (a sku, a handle, an alias), so that
/// one wrongly accepted case can't turn the cases after it into 409s. Replaced, at the same
/// length, by [`fill`] just before sending.
const UNIQ: &str = "@@uniq@@";

/// `bytes` with every [`UNIQ`] replaced by `with` (8 characters, so lengths stay).
fn fill(bytes: &[u8], with: &str) -> Vec<u8> {
    assert_eq!(with.len(), UNIQ.len());
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    while let Some(i) = rest.windows(UNIQ.len()).position(|w| w == UNIQ.as_bytes()) {
        out.extend_from_slice(&rest[..i]);
        out.extend_from_slice(with.as_bytes());
        rest = &rest[i + UNIQ.len()..];
    }
    out.extend_from_slice(rest);
    out
}

/// Control characters shown escaped, the rest as is.
fn visible(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() }).collect()
}

/// `base` with the value at `pointer` (created if absent) replaced by the raw bytes `raw`.
fn replaced(base: &Value, pointer: &str, raw: &[u8]) -> Vec<u8> {
    let mut v = base.clone();
    let (parent, key) = pointer.rsplit_once('/').expect("pointer");
    let slot = v.pointer_mut(parent).unwrap_or_else(|| panic!("no {parent} in {base}"));
    match slot {
        Value::Object(m) => {
            m.insert(key.to_string(), json!(MARK));
        }
        Value::Array(a) => a[key.parse::<usize>().unwrap()] = json!(MARK),
        _ => panic!("{pointer} in {base}"),
    }
    let text = serde_json::to_string(&v).unwrap();
    let (before, after) = text.split_once(&format!("\"{MARK}\"")).unwrap();
    [before.as_bytes(), raw, after.as_bytes()].concat()
}

/// Bodies that are not a JSON object of the route's shape at all.
fn non_object_bodies() -> Vec<(String, Vec<u8>)> {
    let deep_array = format!("{}{}", "[".repeat(20_000), "]".repeat(20_000));
    let deep_object = format!("{}1{}", "{\"a\":".repeat(6_000), "}".repeat(6_000));
    let mut out: Vec<(String, Vec<u8>)> = [
        ("empty body", ""),
        ("null", "null"),
        ("an array", "[]"),
        ("a number", "123"),
        ("a string", "\"str\""),
        ("true", "true"),
        ("truncated", "{\"a\":"),
        ("form-encoded", "title=x&sku=y"),
        ("xml", "<?xml version=\"1.0\"?><a/>"),
        ("trailing garbage", "{} x"),
        ("two objects", "{}{}"),
        ("single quotes", "{'a':1}"),
        ("comment", "{/* */}"),
        ("NaN", "{\"a\":NaN}"),
    ]
    .into_iter()
    .map(|(w, b)| (w.to_string(), b.as_bytes().to_vec()))
    .collect();
    out.push(("deep array nesting (20000)".into(), deep_array.into_bytes()));
    out.push(("deep object nesting (6000)".into(), deep_object.into_bytes()));
    out.push(("UTF-16 BOM then bytes".into(), vec![0xff, 0xfe, b'{', 0, b'}', 0]));
    out.push(("only invalid bytes".into(), vec![0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1]));
    out
}

/// Invalid UTF-8 as raw bytes inside a JSON string.
fn invalid_utf8() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("lone 0xff", b"\"ab\xffcd\"".to_vec()),
        ("overlong '/'", b"\"\xc0\xaf\"".to_vec()),
        ("UTF-8 encoded surrogate", b"\"\xed\xa0\x80\"".to_vec()),
        ("truncated sequence", b"\"\xe2\x82\"".to_vec()),
        ("code point above U+10FFFF", b"\"\xf4\x90\x80\x80\"".to_vec()),
        ("raw NUL byte", b"\"a\x00b\"".to_vec()),
        ("raw control bytes", b"\"a\x01\x1f\x7fb\"".to_vec()),
    ]
}

/// Odd path parameters (already percent-encoded where they must be).
fn odd_params() -> Vec<String> {
    [
        "%00",
        "%2F",
        "a%2Fb",
        "%2e%2e",
        "..%2F..%2Fhealth",
        "%ff",
        "%C0%AF",
        "%E2%80%AE",
        "%0d%0aSet-Cookie:%20x=y",
        "'%20OR%20'1'='1",
        "%20",
        "*",
        "%25",
    ]
    .iter()
    .map(|p| p.to_string())
    .chain([format!("pr_{}", "z".repeat(2000))])
    .collect()
}

impl<'w> Walk<'w> {
    fn push(
        &mut self,
        route: &'static str,
        what: impl Into<String>,
        method: &'static str,
        path: impl Into<String>,
        key: Option<&str>,
        body: Option<Vec<u8>>,
    ) {
        let headers = if body.is_some() { vec![("content-type".into(), "application/json".into())] } else { vec![] };
        self.cases.push(Case {
            route,
            what: what.into(),
            method,
            path: path.into(),
            key: key.map(str::to_string),
            headers,
            body,
            expect: Expect::Error,
        });
    }

    /// Every field of `base` made hostile in turn, the others kept valid.
    fn fields(
        &mut self,
        route: &'static str,
        method: &'static str,
        path: &str,
        key: &str,
        base: &Value,
        fields: Vec<Field>,
    ) {
        for f in fields {
            let mut values = wrong_types(f.kind);
            if f.no_null {
                values.push("null".into());
            }
            values.extend(f.kind.bad_values(self.w));
            values.extend(f.extra);
            for raw in values {
                let body = replaced(base, f.pointer, raw.as_bytes());
                let shown = visible(&raw.chars().take(60).collect::<String>());
                let what = format!("{}={shown}{}", f.pointer, if raw.chars().count() > 60 { "…" } else { "" });
                self.push(route, what, method, path, Some(key), Some(body));
            }
        }
    }

    /// Bodies broken as a whole, invalid UTF-8 in `text_field`, and a body 1 byte over the
    /// API limit (valid JSON otherwise, padded).
    #[allow(clippy::too_many_arguments)] // a route's request as its parts, like `push`
    fn bodies(
        &mut self,
        route: &'static str,
        method: &'static str,
        path: &str,
        key: &str,
        base: &Value,
        text: &str,
        limit: usize,
    ) {
        for (what, body) in non_object_bodies() {
            self.push(route, what, method, path, Some(key), Some(body));
        }
        for (what, raw) in invalid_utf8() {
            self.push(
                route,
                format!("{text}: invalid UTF-8 ({what})"),
                method,
                path,
                Some(key),
                Some(replaced(base, text, &raw)),
            );
        }
        let nested = format!("{}\"x\"{}", "[".repeat(3000), "]".repeat(3000));
        self.push(
            route,
            format!("{text}: nested 3000 deep"),
            method,
            path,
            Some(key),
            Some(replaced(base, text, nested.as_bytes())),
        );
        self.push(
            route,
            format!("body of {} bytes", limit + 1),
            method,
            path,
            Some(key),
            Some(padded(base, limit + 1)),
        );
    }

    /// No key, keys that match nobody, and valid keys of the wrong roles, each with a valid
    /// body: refused (401/403) and nothing written.
    fn auth(&mut self, route: &'static str, method: &'static str, path: &str, allowed: Role, body: Option<&Value>) {
        let body = body.map(|b| serde_json::to_vec(b).unwrap());
        let w = self.w;
        let garbage = [
            ("no key", None),
            ("unknown brand-shaped key", Some(format!("ae_bk_{}", "A".repeat(43)))),
            ("unknown creator-shaped key", Some(format!("ae_ck_{}", "A".repeat(43)))),
            ("admin token with one more character", Some(format!("{}x", app().admin_token))),
            ("brand key less its last character", Some(w.a.api_key[..w.a.api_key.len() - 1].to_string())),
            ("garbage key", Some("' OR 1=1 --".to_string())),
        ];
        for (what, key) in garbage {
            self.push(route, what, method, path, key.as_deref(), body.clone());
        }
        // Other schemes and shapes of the header itself.
        for value in [
            format!("Basic {}", B64.encode(format!("admin:{}", app().admin_token))),
            "Bearer".to_string(),
            format!("Token {}", w.a.api_key),
            format!("Bearer {} {}", w.a.api_key, w.c1.api_key),
        ] {
            let mut hs = vec![("authorization".to_string(), value.clone())];
            if body.is_some() {
                hs.push(("content-type".into(), "application/json".into()));
            }
            self.cases.push(Case {
                route,
                what: format!("authorization: {}", value.chars().take(24).collect::<String>()),
                method,
                path: path.into(),
                key: None,
                headers: hs,
                body: body.clone(),
                expect: Expect::Error,
            });
        }
        for (role, key) in
            [(Role::Admin, app().admin_token.as_str()), (Role::Brand, &w.a.api_key), (Role::Creator, &w.c1.api_key)]
        {
            if role != allowed {
                self.push(route, format!("{role:?} key (wrong role)"), method, path, Some(key), body.clone());
            }
        }
    }

    /// Paging parameters that must be refused (422).
    fn paging(&mut self, route: &'static str, path: &str, key: Option<&str>) {
        let sep = if path.contains('?') { '&' } else { '?' };
        let not_a_cursor = URL_SAFE_NO_PAD.encode("notanumber:pr_x");
        for q in [
            "limit=0".to_string(),
            "limit=101".into(),
            "limit=-1".into(),
            "limit=abc".into(),
            "limit=1.5".into(),
            "limit=1e2".into(),
            "limit=99999999999999999999".into(),
            "limit=%00".into(),
            "cursor=!!!".into(),
            "cursor=%00".into(),
            format!("cursor={not_a_cursor}"),
            format!("cursor={}", "A".repeat(3000)),
        ] {
            self.push(route, q.clone(), "GET", format!("{path}{sep}{q}"), key, None);
        }
    }

    /// Odd values of one path parameter (`{}` in `template`), with `key` and `body`.
    fn params(
        &mut self,
        route: &'static str,
        method: &'static str,
        template: &str,
        key: Option<&str>,
        body: Option<&Value>,
        expect: Expect,
    ) {
        for p in odd_params() {
            if expect == Expect::HtmlError && p.contains("%2e") {
                continue; // the client resolves `/live/..` to `/`: not this route
            }
            let body = body.map(|b| serde_json::to_vec(b).unwrap());
            let shown: String = p.chars().take(40).collect();
            self.push(route, format!("path param {shown}"), method, template.replace("{}", &p), key, body);
            self.cases.last_mut().unwrap().expect = expect;
        }
    }
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Role {
    Admin,
    Brand,
    Creator,
}

/// `base` padded with an ignored field to exactly `len` bytes.
fn padded(base: &Value, len: usize) -> Vec<u8> {
    let mut v = base.clone();
    v["padding"] = json!("");
    let overhead = serde_json::to_vec(&v).unwrap().len();
    v["padding"] = json!("x".repeat(len - overhead));
    let out = serde_json::to_vec(&v).unwrap();
    assert_eq!(out.len(), len);
    out
}

// ---------------------------------------------------------------------------------------
// The world the walk runs against, and what the API shows of it

struct World {
    a: Brand,
    b: Brand,
    /// Brand A's products: two active, one withdrawn.
    pa1: String,
    pa1_sku: String,
    pa2: String,
    pa_off: String,
    /// Brand B's product.
    pb: String,
    /// Brand P, whose product pp the walk PATCHes (apart from brand A, so that a wrongly
    /// accepted PATCH and a wrongly accepted POST can't meet on a sku), and the sku of its
    /// other product.
    p: Brand,
    pp: String,
    pp_other_sku: String,
    c1: Creator,
    c2: Creator,
    /// c1's links: to pa1, a disabled one, one to the withdrawn product.
    l1: String,
    l1_off: String,
    l1_withdrawn: String,
    /// c2's link (to pb) and its alias.
    l2: String,
    alias2: String,
    /// c1's live session (pa1 pinned) and an ended one; c2's session (pb pinned).
    s1: String,
    s1_ended: String,
    s2: String,
    /// Brand A's code of c1 (upper case), and brand B's code of c2.
    code_a: String,
    code_a_id: String,
    code_b_id: String,
    /// Brand B's webhook endpoint.
    we_b: String,
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_string()
}

fn setup() -> World {
    let a = new_brand(json!({ "hold_days": 30 }));
    let b = new_brand(json!({}));
    let p1 = new_product(&a, json!({ "commission_bps": 1200 }));
    let (pa1, pa1_sku) = (id(&p1), p1["sku"].as_str().unwrap().to_string());
    let pa2 = id(&new_product(&a, json!({ "image_url": "https://cdn.example/a.jpg" })));
    let pa_off = id(&new_product(&a, json!({})));
    let pb = id(&new_product(&b, json!({})));
    let p = new_brand(json!({}));
    let pp = id(&new_product(&p, json!({ "image_url": "https://cdn.example/p.jpg", "commission_bps": 800 })));
    let pp_other_sku = new_product(&p, json!({}))["sku"].as_str().unwrap().to_string();
    let c1 = new_creator();
    let c2 = new_creator();
    let l1 = new_link(&c1, &pa1)["code"].as_str().unwrap().to_string();
    let l1_off = new_link(&c1, &pa2)["code"].as_str().unwrap().to_string();
    app().delete(&format!("/api/links/{l1_off}"), Some(&c1.api_key)).expect(200);
    let l1_withdrawn = new_link(&c1, &pa_off)["code"].as_str().unwrap().to_string();
    app().patch(&format!("/api/products/{pa_off}"), Some(&a.api_key), &json!({ "active": false })).expect(200);
    let alias2 = unique("walk-");
    let l2 = app().post("/api/links", Some(&c2.api_key), &json!({ "product_id": pb, "alias": alias2 })).expect(201)
        ["code"]
        .as_str()
        .unwrap()
        .to_string();
    let session = |c: &Creator, title: &str| {
        id(&app().post("/api/live-sessions", Some(&c.api_key), &json!({ "title": title })).expect(201))
    };
    let s1 = session(&c1, "Walk show");
    let s1_ended = session(&c1, "Walk show, ended");
    let s2 = session(&c2, "Other show");
    let pin = |c: &Creator, s: &str, p: &str| {
        app().post(&format!("/api/live-sessions/{s}/pins"), Some(&c.api_key), &json!({ "product_id": p })).expect(201);
    };
    pin(&c1, &s1, &pa1);
    pin(&c1, &s1_ended, &pa1);
    pin(&c2, &s2, &pb);
    app().post(&format!("/api/live-sessions/{s1_ended}/end"), Some(&c1.api_key), &json!({})).expect(200);
    let code_a = unique("WALKA").to_ascii_uppercase().replace(|c: char| !c.is_ascii_alphanumeric(), "");
    let code = |b: &Brand, c: &Creator, code: &str| {
        id(&app().post("/api/codes", Some(&b.api_key), &json!({ "creator_id": c.id, "code": code })).expect(201))
    };
    let code_a_id = code(&a, &c1, &code_a);
    let code_b_id = code(&b, &c2, &unique("WALKB").replace(|c: char| !c.is_ascii_alphanumeric(), ""));
    let we_b = id(&app()
        .post("/api/webhook-endpoints", Some(&b.api_key), &json!({ "url": "https://hooks.example.com/walk" }))
        .expect(201));
    World {
        we_b,
        a,
        b,
        pa1,
        pa1_sku,
        pa2,
        pa_off,
        pb,
        p,
        pp,
        pp_other_sku,
        c1,
        c2,
        l1,
        l1_off,
        l1_withdrawn,
        l2,
        alias2,
        s1,
        s1_ended,
        s2,
        code_a,
        code_a_id,
        code_b_id,
    }
}

/// Everything the owners and the public can read of the world.
fn snapshot(w: &World) -> Vec<(String, String)> {
    let mut reads: Vec<(String, Option<&str>)> = Vec::new();
    for b in [&w.a, &w.b, &w.p] {
        for p in [
            "/api/products?limit=100",
            "/api/orders?limit=100",
            "/api/commissions?limit=100",
            "/api/codes?limit=100",
            "/api/payouts?limit=100",
            "/api/webhook-endpoints?limit=100",
        ] {
            reads.push((p.to_string(), Some(&b.api_key)));
        }
        reads.push((format!("/api/showcase?brand={}&limit=100", b.id), None));
    }
    for (c, codes, sessions) in
        [(&w.c1, vec![&w.l1, &w.l1_off, &w.l1_withdrawn], vec![&w.s1, &w.s1_ended]), (&w.c2, vec![&w.l2], vec![&w.s2])]
    {
        for p in [
            "/api/links?limit=100",
            "/api/live-sessions?limit=100",
            "/api/me/earnings",
            "/api/me/commissions?limit=100",
            "/api/codes?limit=100",
            "/api/me/payouts?limit=100",
            "/api/webhook-endpoints?limit=100",
        ] {
            reads.push((p.to_string(), Some(&c.api_key)));
        }
        for code in codes {
            reads.push((format!("/api/links/{code}/stats"), Some(&c.api_key)));
        }
        for s in sessions {
            reads.push((format!("/api/live-sessions/{s}"), Some(&c.api_key)));
            reads.push((format!("/api/live-sessions/{s}/stats"), Some(&c.api_key)));
            reads.push((format!("/api/live/{s}"), None));
        }
    }
    reads.push((format!("/api/webhook-endpoints/{}/deliveries", w.we_b), Some(&w.b.api_key)));
    reads
        .into_iter()
        .map(|(path, key)| {
            let r = app().get(&path, key);
            assert_eq!(r.status, 200, "snapshot read {path}: {}", r.body);
            (path, r.body)
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Webhooks: signed the way a `standard` store signs

fn signed(brand: &Brand, delivery_id: &str, body: &[u8], ts: i64) -> Vec<(String, String)> {
    let mut hs = headers_at("standard", &brand.webhook_secret, None, delivery_id, body, ts);
    hs.push(("content-type".into(), "application/json".into()));
    hs
}

// ---------------------------------------------------------------------------------------
// The valid bodies the walk breaks, one field at a time

/// A valid body for every body route. [`validate`] sends a twin of each (same shape, its
/// own unique names) before the walk, so a case fails only for what it breaks.
struct Bases {
    brand: Value,
    tiktok: Value,
    creator: Value,
    product: Value,
    /// A patch of pa2 where every field differs from what pa2 holds.
    patch: Value,
    collab: Value,
    /// A link to brand B's product (any creator may link any showcased product).
    link: Value,
    /// The same in c1's live session.
    session_link: Value,
    session: Value,
    pin: Value,
    /// Brand A registers a code for c2.
    code: Value,
    /// Brand A's payouts (nothing is payable: 201 with no items).
    payout: Value,
    /// A webhook endpoint of brand A (the local receiver form `npm test` allows).
    endpoint: Value,
    /// An `order.paid` event of brand A (`n` numbers its ids).
    order: fn(&World, usize) -> Value,
}

fn order_event(w: &World, n: usize) -> Value {
    json!({
        "id": format!("evt_walk_{n}"), "type": "order.paid", "order_id": format!("walk-{}-{n}", w.a.id),
        "currency": "USD", "occurred_at": "2030-01-01T00:00:00Z",
        "items": [{ "sku": w.pa1_sku, "quantity": 2, "unit_price": 1000, "discount": 100 }],
    })
}

fn bases(w: &World, twin: bool) -> Bases {
    let sku = format!("WALK-{UNIQ}");
    let psku = unique("WALK-P-");
    let brand = json!({
        "name": if twin { "Walk brand twin" } else { "Walk brand" },
        "domains": [format!("{}.example", unique("walk"))], "currency": "USD",
        "default_commission_bps": 1000, "attribution_window_days": 30, "hold_days": 30, "click_param": "aff_click",
        "webhook_scheme": "standard",
    });
    let mut tiktok = brand.clone();
    tiktok["domains"] = json!([format!("{}.example", unique("walk"))]);
    tiktok["webhook_scheme"] = json!("tiktok");
    tiktok["webhook_app_key"] = json!("app-key-1");
    Bases {
        brand,
        tiktok,
        creator: json!({ "handle": format!("walker{UNIQ}"), "email": "walker@example.com" }),
        product: json!({
            "sku": sku, "title": "Walk product", "url": format!("https://{}/p/{sku}", w.a.domain),
            "price": {"amount": 1500, "currency": "USD"}, "commission_bps": 900, "image_url": "https://cdn.example/w.jpg",
        }),
        patch: json!({
            "sku": psku, "title": if twin { "Walked twin" } else { "Walked" },
            "url": format!("https://{}/walked{}", w.p.domain, if twin { "-twin" } else { "" }),
            "price": {"amount": if twin { 888 } else { 777 }, "currency": if twin { "GBP" } else { "EUR" }},
            "commission_bps": if twin { 4321 } else { 1234 },
            "image_url": format!("https://cdn.example/walked{}.jpg", if twin { "-twin" } else { "" }),
            "active": twin,
        }),
        collab: json!({ "commission_bps": 1500, "product_id": w.pa1 }),
        link: json!({ "product_id": w.pb, "alias": format!("walk-l-{UNIQ}") }),
        session_link: json!({ "product_id": w.pb, "live_session_id": w.s1, "alias": format!("walk-s-{UNIQ}") }),
        session: json!({ "title": "Walk session", "starts_at": "2030-01-02T03:04:05Z" }),
        pin: json!({ "product_id": w.pa2 }),
        code: json!({ "creator_id": w.c2.id, "code": format!("WALK{UNIQ}") }),
        payout: json!({ "currency": "USD", "minimum": 1, "note": UNIQ }),
        endpoint: json!({ "url": format!("http://127.0.0.1:9/walk-{UNIQ}"), "events": ["payout.paid"] }),
        order: order_event,
    }
}

/// Sends the twins of the bases: each must be accepted, or the walk would prove nothing.
fn validate(w: &World) {
    let t = bases(w, true);
    let (admin, brand, creator) = (app().admin(), Some(w.a.api_key.as_str()), Some(w.c1.api_key.as_str()));
    let send = |what: &str, method: &str, path: &str, key: Option<&str>, body: &Value| {
        let u = unique("t");
        let bytes = fill(&serde_json::to_vec(body).unwrap(), &u[u.len() - 8..]);
        let r = app().send(method, path, key, &[("content-type", "application/json")], Some(&bytes));
        assert!((200..300).contains(&r.status), "the walk's base for {what} is not valid: {} {}", r.status, r.body);
    };
    send("POST /api/brands", "POST", "/api/brands", admin, &t.brand);
    send("POST /api/brands (tiktok)", "POST", "/api/brands", admin, &t.tiktok);
    send("POST /api/creators", "POST", "/api/creators", admin, &t.creator);
    send("POST /api/products", "POST", "/api/products", brand, &t.product);
    let p_key = Some(w.p.api_key.as_str());
    send("PATCH /api/products/{id}", "PATCH", &format!("/api/products/{}", w.pp), p_key, &t.patch);
    send("PUT /api/collaborations/{id}", "PUT", &format!("/api/collaborations/{}", w.c1.id), brand, &t.collab);
    send("POST /api/links", "POST", "/api/links", creator, &t.link);
    send("POST /api/links (in a session)", "POST", "/api/links", creator, &t.session_link);
    send("POST /api/live-sessions", "POST", "/api/live-sessions", creator, &t.session);
    send("POST /api/live-sessions/{id}/pins", "POST", &format!("/api/live-sessions/{}/pins", w.s1), creator, &t.pin);
    send("POST /api/codes", "POST", "/api/codes", brand, &t.code);
    send("POST /api/payouts", "POST", "/api/payouts", brand, &t.payout);
    send("POST /api/webhook-endpoints", "POST", "/api/webhook-endpoints", brand, &t.endpoint);
    let ev = serde_json::to_vec(&(t.order)(w, 0)).unwrap();
    let hs = signed(&w.a, "msg_walk_0", &ev, now_secs());
    let hs: Vec<(&str, &str)> = hs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = app().send("POST", &format!("/webhooks/{}", w.a.id), None, &hs, Some(&ev));
    assert_eq!(r.status, 200, "the walk's base for POST /webhooks/{{brand_id}} is not valid: {}", r.body);
}

// ---------------------------------------------------------------------------------------
// The cases of every route

fn cases(w: &World) -> Vec<Case> {
    let mut k = Walk { w, cases: Vec::new() };
    let b = bases(w, false);
    let admin_token = app().admin_token.clone();
    let (admin, brand, creator) = (admin_token.as_str(), w.a.api_key.as_str(), w.c1.api_key.as_str());
    let limit = 64 * 1024;

    // GET /health: nothing to send it but other methods.
    for m in ["POST", "PUT", "PATCH", "DELETE"] {
        k.push("GET /health", format!("{m} /health"), m, "/health", None, Some(b"{}".to_vec()));
    }

    // POST /api/brands (admin)
    k.fields(
        "POST /api/brands",
        "POST",
        "/api/brands",
        admin,
        &b.brand,
        vec![
            field("/name", Kind::Text, true),
            field("/domains", Kind::Domains, true),
            field("/domains/0", Kind::Text, true),
            field("/currency", Kind::Currency, true),
            field("/default_commission_bps", Kind::Bps, true),
            field("/attribution_window_days", Kind::Days(1), false),
            field("/hold_days", Kind::Days(0), false),
            field("/click_param", Kind::ClickParam, false),
            field("/webhook_scheme", Kind::Scheme, true),
            field("/webhook_secret", Kind::StandardSecret, false),
        ],
    );
    k.fields(
        "POST /api/brands",
        "POST",
        "/api/brands",
        admin,
        &b.tiktok,
        vec![field("/webhook_app_key", Kind::AppKey, true)],
    );
    k.bodies("POST /api/brands", "POST", "/api/brands", admin, &b.brand, "/name", limit);
    k.auth("POST /api/brands", "POST", "/api/brands", Role::Admin, Some(&b.brand));

    // POST /api/creators (admin)
    k.fields(
        "POST /api/creators",
        "POST",
        "/api/creators",
        admin,
        &b.creator,
        vec![field("/handle", Kind::Handle, true), field("/email", Kind::Email, false)],
    );
    k.bodies("POST /api/creators", "POST", "/api/creators", admin, &b.creator, "/handle", limit);
    k.auth("POST /api/creators", "POST", "/api/creators", Role::Admin, Some(&b.creator));

    // POST /api/products (brand); a sku of another product of the brand is 409.
    let product_fields = |patch: bool| {
        let taken_sku = s(if patch { &w.pp_other_sku } else { &w.pa1_sku });
        let mut v = vec![
            Field { extra: vec![taken_sku], ..field("/sku", Kind::Text, true) },
            field("/title", Kind::Text, true),
            field("/url", Kind::ProductUrl(patch), true),
            field("/price", Kind::Money, true),
            field("/price/amount", Kind::Amount, true),
            field("/price/currency", Kind::Currency, true),
            field("/commission_bps", Kind::Bps, false),
            field("/image_url", Kind::ImageUrl, false),
        ];
        if patch {
            v.push(field("/active", Kind::Bool, true));
        }
        v
    };
    k.fields("POST /api/products", "POST", "/api/products", brand, &b.product, product_fields(false));
    k.bodies("POST /api/products", "POST", "/api/products", brand, &b.product, "/title", limit);
    k.auth("POST /api/products", "POST", "/api/products", Role::Brand, Some(&b.product));

    // GET /api/products (brand)
    k.paging("GET /api/products", "/api/products", Some(brand));
    k.auth("GET /api/products", "GET", "/api/products", Role::Brand, None);

    // PATCH /api/products/{id} (brand P): `null` is refused for every field that can't be
    // cleared (only commission_bps and image_url can).
    let pp_path = format!("/api/products/{}", w.pp);
    let p_key = w.p.api_key.as_str();
    let route = "PATCH /api/products/{id}";
    k.fields(route, "PATCH", &pp_path, p_key, &b.patch, product_fields(true));
    k.bodies(route, "PATCH", &pp_path, p_key, &b.patch, "/title", limit);
    k.auth(route, "PATCH", &pp_path, Role::Brand, Some(&b.patch));
    k.params(route, "PATCH", "/api/products/{}", Some(p_key), Some(&b.patch), Expect::Error);
    // Another brand's product (brand A's key on P's and B's): 404, never touched.
    k.push(
        route,
        "another brand's product",
        "PATCH",
        &pp_path,
        Some(brand),
        Some(serde_json::to_vec(&b.patch).unwrap()),
    );
    let pb_path = format!("/api/products/{}", w.pb);
    k.push(
        route,
        "another brand's product",
        "PATCH",
        &pb_path,
        Some(brand),
        Some(serde_json::to_vec(&b.patch).unwrap()),
    );
    k.push(route, "another brand's product, empty patch", "PATCH", &pb_path, Some(brand), Some(b"{}".to_vec()));

    // GET /api/showcase (public)
    k.paging("GET /api/showcase", &format!("/api/showcase?brand={}", w.a.id), None);
    for q in [format!("q={}", "q".repeat(201)), format!("q={}", "%C3%A9".repeat(201))] {
        k.push("GET /api/showcase", "q over 200 characters", "GET", format!("/api/showcase?{q}"), None, None);
    }

    // PUT /api/collaborations/{creator_id} (brand); another brand's product is 404.
    let collab_path = format!("/api/collaborations/{}", w.c1.id);
    let route = "PUT /api/collaborations/{creator_id}";
    k.fields(
        route,
        "PUT",
        &collab_path,
        brand,
        &b.collab,
        vec![
            field("/commission_bps", Kind::Bps, true),
            Field { extra: vec![s(&w.pb)], ..field("/product_id", Kind::Ref, false) },
        ],
    );
    k.bodies(route, "PUT", &collab_path, brand, &b.collab, "/product_id", limit);
    k.auth(route, "PUT", &collab_path, Role::Brand, Some(&b.collab));
    k.params(route, "PUT", "/api/collaborations/{}", Some(brand), Some(&b.collab), Expect::Error);

    // POST /api/links (creator): a withdrawn product (422), another creator's session
    // (404), an ended session (409), a taken alias (409).
    k.fields(
        "POST /api/links",
        "POST",
        "/api/links",
        creator,
        &b.link,
        vec![
            Field { extra: vec![s(&w.pa_off)], ..field("/product_id", Kind::Ref, true) },
            field("/alias", Kind::Alias, false),
        ],
    );
    let session_field = Field { extra: vec![s(&w.s2), s(&w.s1_ended)], ..field("/live_session_id", Kind::Ref, false) };
    k.fields("POST /api/links", "POST", "/api/links", creator, &b.session_link, vec![session_field]);
    k.bodies("POST /api/links", "POST", "/api/links", creator, &b.link, "/alias", limit);
    k.auth("POST /api/links", "POST", "/api/links", Role::Creator, Some(&b.link));

    // GET /api/links (creator)
    k.paging("GET /api/links", "/api/links", Some(creator));
    k.auth("GET /api/links", "GET", "/api/links", Role::Creator, None);

    // DELETE /api/links/{code} (owner): another creator's link, odd codes.
    let route = "DELETE /api/links/{code}";
    k.push(route, "another creator's link", "DELETE", format!("/api/links/{}", w.l2), Some(creator), None);
    k.push(
        route,
        "another creator's link, upper case",
        "DELETE",
        format!("/api/links/{}", w.l2.to_ascii_uppercase()),
        Some(creator),
        None,
    );
    k.params(route, "DELETE", "/api/links/{}", Some(creator), None, Expect::Error);
    k.auth(route, "DELETE", &format!("/api/links/{}", w.l1), Role::Creator, None);

    // GET /api/links/{code}/stats (owner)
    let route = "GET /api/links/{code}/stats";
    k.push(route, "another creator's link", "GET", format!("/api/links/{}/stats", w.l2), Some(creator), None);
    k.params(route, "GET", "/api/links/{}/stats", Some(creator), None, Expect::Error);
    k.auth(route, "GET", &format!("/api/links/{}/stats", w.l1), Role::Creator, None);

    // GET /api/links/{code}/timeseries and /breakdown (owner, release 2): another creator's
    // link, odd codes, wrong roles, and every kind of bad query parameter.
    for (route, tail) in
        [("GET /api/links/{code}/timeseries", "timeseries"), ("GET /api/links/{code}/breakdown", "breakdown?by=device")]
    {
        k.push(route, "another creator's link", "GET", format!("/api/links/{}/{tail}", w.l2), Some(creator), None);
        k.params(route, "GET", &format!("/api/links/{{}}/{tail}"), Some(creator), None, Expect::Error);
        k.auth(route, "GET", &format!("/api/links/{}/{tail}", w.l1), Role::Creator, None);
    }
    let route = "GET /api/links/{code}/timeseries";
    for q in [
        // (an empty `interval=` is the default, like an empty `cursor=`)
        "interval=week",
        "interval=HOUR",
        "interval=hour%00",
        "from=yesterday",
        "from=2026-13-01T00:00:00Z",
        "to=1700000000000",
        "from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z",
        "interval=hour&from=2000-01-01T00:00:00Z&to=2026-01-01T00:00:00Z",
        "interval=day&from=0001-01-01T00:00:00Z",
    ] {
        k.push(route, "a bad query", "GET", format!("/api/links/{}/timeseries?{q}", w.l1), Some(creator), None);
    }
    let route = "GET /api/links/{code}/breakdown";
    for q in ["", "by=", "by=os", "by=COUNTRY", "by=country%00", "by[]=country"] {
        k.push(route, "a bad query", "GET", format!("/api/links/{}/breakdown?{q}", w.l1), Some(creator), None);
    }

    // The ledger's lists: GET /api/me/earnings, /api/me/commissions (creator);
    // GET /api/orders, /api/commissions (brand).
    k.auth("GET /api/me/earnings", "GET", "/api/me/earnings", Role::Creator, None);
    k.paging("GET /api/me/commissions", "/api/me/commissions", Some(creator));
    k.auth("GET /api/me/commissions", "GET", "/api/me/commissions", Role::Creator, None);
    k.paging("GET /api/orders", "/api/orders", Some(brand));
    k.auth("GET /api/orders", "GET", "/api/orders", Role::Brand, None);
    k.paging("GET /api/commissions", "/api/commissions", Some(brand));
    k.auth("GET /api/commissions", "GET", "/api/commissions", Role::Brand, None);

    // POST /api/live-sessions (creator)
    let route = "POST /api/live-sessions";
    k.fields(
        route,
        "POST",
        "/api/live-sessions",
        creator,
        &b.session,
        vec![field("/title", Kind::Text, true), field("/starts_at", Kind::Time, false)],
    );
    k.bodies(route, "POST", "/api/live-sessions", creator, &b.session, "/title", limit);
    k.auth(route, "POST", "/api/live-sessions", Role::Creator, Some(&b.session));

    // GET /api/live-sessions (creator)
    k.paging("GET /api/live-sessions", "/api/live-sessions", Some(creator));
    k.auth("GET /api/live-sessions", "GET", "/api/live-sessions", Role::Creator, None);

    // GET /api/live-sessions/{id} (owner)
    let route = "GET /api/live-sessions/{id}";
    k.push(route, "another creator's session", "GET", format!("/api/live-sessions/{}", w.s2), Some(creator), None);
    k.params(route, "GET", "/api/live-sessions/{}", Some(creator), None, Expect::Error);
    k.auth(route, "GET", &format!("/api/live-sessions/{}", w.s1), Role::Creator, None);

    // PATCH /api/live-sessions/{id} (owner): streams that are not a YouTube, Twitch or HLS
    // URL, a null title, another creator's session.
    let route = "PATCH /api/live-sessions/{id}";
    let one = format!("/api/live-sessions/{}", w.s1);
    let change = json!({ "title": "Changed by the walk", "stream_url": "https://www.twitch.tv/walk_show" });
    for (what, body) in [
        (
            "script in stream_url",
            json!({ "stream_url": "https://www.youtube.com/watch?v=\"><script>alert(1)</script>" }),
        ),
        ("javascript: stream_url", json!({ "stream_url": "javascript:alert(1)//.m3u8" })),
        ("http stream_url", json!({ "stream_url": "http://cdn.example/a.m3u8" })),
        ("stream_url a number", json!({ "stream_url": 7 })),
        ("null title", json!({ "title": null })),
        ("title a list", json!({ "title": ["x"] })),
    ] {
        k.push(route, what, "PATCH", one.clone(), Some(creator), Some(serde_json::to_vec(&body).unwrap()));
    }
    k.push(
        route,
        "another creator's session",
        "PATCH",
        format!("/api/live-sessions/{}", w.s2),
        Some(creator),
        Some(serde_json::to_vec(&change).unwrap()),
    );
    k.params(route, "PATCH", "/api/live-sessions/{}", Some(creator), Some(&change), Expect::Error);
    k.auth(route, "PATCH", &one, Role::Creator, Some(&change));

    // POST /api/live-sessions/{id}/pins (owner): a withdrawn product (422), another
    // creator's session (404), an ended session (409).
    let route = "POST /api/live-sessions/{id}/pins";
    let pins = format!("/api/live-sessions/{}/pins", w.s1);
    k.fields(
        route,
        "POST",
        &pins,
        creator,
        &b.pin,
        vec![Field { extra: vec![s(&w.pa_off)], ..field("/product_id", Kind::Ref, true) }],
    );
    k.bodies(route, "POST", &pins, creator, &b.pin, "/product_id", limit);
    k.auth(route, "POST", &pins, Role::Creator, Some(&b.pin));
    k.params(route, "POST", "/api/live-sessions/{}/pins", Some(creator), Some(&b.pin), Expect::Error);
    let pin_body = Some(serde_json::to_vec(&b.pin).unwrap());
    k.push(
        route,
        "another creator's session",
        "POST",
        format!("/api/live-sessions/{}/pins", w.s2),
        Some(creator),
        pin_body.clone(),
    );
    k.push(
        route,
        "an ended session",
        "POST",
        format!("/api/live-sessions/{}/pins", w.s1_ended),
        Some(creator),
        pin_body,
    );

    // DELETE /api/live-sessions/{id}/pins/{product_id} (owner)
    let route = "DELETE /api/live-sessions/{id}/pins/{product_id}";
    k.push(
        route,
        "another creator's session and pin",
        "DELETE",
        format!("/api/live-sessions/{}/pins/{}", w.s2, w.pb),
        Some(creator),
        None,
    );
    k.push(
        route,
        "a product not pinned",
        "DELETE",
        format!("/api/live-sessions/{}/pins/{}", w.s1, w.pa_off),
        Some(creator),
        None,
    );
    k.push(
        route,
        "another brand's product",
        "DELETE",
        format!("/api/live-sessions/{}/pins/{}", w.s1, w.pb),
        Some(creator),
        None,
    );
    k.params(route, "DELETE", &format!("/api/live-sessions/{{}}/pins/{}", w.pa1), Some(creator), None, Expect::Error);
    k.params(route, "DELETE", &format!("/api/live-sessions/{}/pins/{{}}", w.s1), Some(creator), None, Expect::Error);
    k.auth(route, "DELETE", &format!("/api/live-sessions/{}/pins/{}", w.s1, w.pa1), Role::Creator, None);

    // POST /api/live-sessions/{id}/end (owner): another creator's session stays live.
    let route = "POST /api/live-sessions/{id}/end";
    k.push(
        route,
        "another creator's session",
        "POST",
        format!("/api/live-sessions/{}/end", w.s2),
        Some(creator),
        Some(b"{}".to_vec()),
    );
    k.params(route, "POST", "/api/live-sessions/{}/end", Some(creator), None, Expect::Error);
    k.auth(route, "POST", &format!("/api/live-sessions/{}/end", w.s1), Role::Creator, None);

    // GET /api/live-sessions/{id}/stats (owner)
    let route = "GET /api/live-sessions/{id}/stats";
    k.push(
        route,
        "another creator's session",
        "GET",
        format!("/api/live-sessions/{}/stats", w.s2),
        Some(creator),
        None,
    );
    k.params(route, "GET", "/api/live-sessions/{}/stats", Some(creator), None, Expect::Error);
    k.auth(route, "GET", &format!("/api/live-sessions/{}/stats", w.s1), Role::Creator, None);

    // GET /api/live/{id} (public feed); GET|HEAD /live/{id} (public page: an HTML 404).
    k.params("GET /api/live/{id}", "GET", "/api/live/{}", None, None, Expect::Error);
    k.push("GET /api/live/{id}", "unknown session", "GET", "/api/live/ls_doesnotexist0000000000", None, None);
    k.params("GET|HEAD /live/{id}", "GET", "/live/{}", None, None, Expect::HtmlError);
    k.params("GET|HEAD /live/{id}", "HEAD", "/live/{}", None, None, Expect::HtmlError);

    // GET|HEAD /{code} (public): odd and unknown codes, a disabled link and a withdrawn
    // product (410, and no click), other methods (405).
    let route = "GET|HEAD /{code}";
    k.params(route, "GET", "/{}", None, None, Expect::Error);
    k.params(route, "HEAD", "/{}", None, None, Expect::Error);
    let mut codes = vec![
        ("unknown code", "Zz9NoSuchCode".to_string()),
        ("disabled link", w.l1_off.clone()),
        ("link to a withdrawn product", w.l1_withdrawn.clone()),
        ("a code of 65 characters", "c".repeat(65)),
    ];
    if w.l1.to_ascii_lowercase() != w.l1 {
        codes.push(("a live link in other letter case", w.l1.to_ascii_lowercase()));
    }
    for (what, code) in codes {
        for m in ["GET", "HEAD"] {
            k.push(route, what, m, format!("/{code}"), None, None);
            k.cases.last_mut().unwrap().headers.push(("user-agent".into(), "Mozilla/5.0 (X11; Linux) Walk".into()));
        }
    }
    for m in ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"] {
        let body = matches!(m, "POST" | "PUT" | "PATCH").then(|| b"{}".to_vec());
        k.push(route, format!("{m} on a live link"), m, format!("/{}", w.l1), None, body);
    }

    // POST /api/codes (brand): unknown creators (404), bad and taken codes.
    let route = "POST /api/codes";
    k.fields(
        route,
        "POST",
        "/api/codes",
        brand,
        &b.code,
        vec![
            Field { extra: vec![s("cr_doesnotexist0000000000")], ..field("/creator_id", Kind::Ref, true) },
            field("/code", Kind::Code, true),
        ],
    );
    k.bodies(route, "POST", "/api/codes", brand, &b.code, "/code", limit);
    k.auth(route, "POST", "/api/codes", Role::Brand, Some(&b.code));

    // GET /api/codes (brand or creator: the admin is neither)
    let route = "GET /api/codes";
    k.paging(route, "/api/codes", Some(brand));
    k.paging(route, "/api/codes", Some(creator));
    k.push(route, "admin token (neither role)", "GET", "/api/codes", Some(admin), None);
    k.push(route, "no key", "GET", "/api/codes", None, None);

    // DELETE /api/codes/{id} (brand): another brand's code stays active.
    let route = "DELETE /api/codes/{id}";
    k.push(route, "another brand's code", "DELETE", format!("/api/codes/{}", w.code_b_id), Some(brand), None);
    k.params(route, "DELETE", "/api/codes/{}", Some(brand), None, Expect::Error);
    k.auth(route, "DELETE", &format!("/api/codes/{}", w.code_a_id), Role::Brand, None);

    // POST /api/payouts (brand); GET /api/payouts (brand), /api/me/payouts (creator);
    // GET /api/payouts/{id} (either side); POST /api/payouts/{id}/paid (brand).
    let route = "POST /api/payouts";
    let minimum = Field { extra: vec!["0".into()], ..field("/minimum", Kind::Amount, false) };
    k.fields(route, "POST", "/api/payouts", brand, &b.payout, vec![field("/currency", Kind::Currency, true), minimum]);
    k.bodies(route, "POST", "/api/payouts", brand, &b.payout, "/currency", limit);
    k.auth(route, "POST", "/api/payouts", Role::Brand, Some(&b.payout));
    k.paging("GET /api/payouts", "/api/payouts", Some(brand));
    k.auth("GET /api/payouts", "GET", "/api/payouts", Role::Brand, None);
    k.paging("GET /api/me/payouts", "/api/me/payouts", Some(creator));
    k.auth("GET /api/me/payouts", "GET", "/api/me/payouts", Role::Creator, None);
    k.params("GET /api/payouts/{id}", "GET", "/api/payouts/{}", Some(brand), None, Expect::Error);
    k.push("GET /api/payouts/{id}", "admin token (neither side)", "GET", "/api/payouts/po_x", Some(admin), None);
    k.push("GET /api/payouts/{id}", "a bad format", "GET", "/api/payouts/po_x?format=xml", Some(brand), None);
    let paid = json!({ "reference": "walk" });
    let route = "POST /api/payouts/{id}/paid";
    k.params(route, "POST", "/api/payouts/{}/paid", Some(brand), Some(&paid), Expect::Error);
    k.fields(route, "POST", "/api/payouts/po_nothing/paid", brand, &paid, vec![field("/reference", Kind::Text, true)]);
    k.auth(route, "POST", "/api/payouts/po_nothing/paid", Role::Brand, Some(&paid));
    for q in ["format=xml", "format=CSV", "format=csv&limit=10001", "format=csv&limit=0"] {
        k.push(
            "GET /api/commissions",
            format!("export {q}"),
            "GET",
            format!("/api/commissions?{q}"),
            Some(brand),
            None,
        );
    }

    // POST|GET /api/webhook-endpoints (brand or creator: the admin is neither); DELETE
    // /api/webhook-endpoints/{id}, POST …/test, GET …/deliveries (owner): brand B's endpoint
    // stays on and gets nothing.
    let route = "POST /api/webhook-endpoints";
    k.fields(
        route,
        "POST",
        "/api/webhook-endpoints",
        brand,
        &b.endpoint,
        vec![field("/url", Kind::EndpointUrl, true), field("/events", Kind::EventTypes, false)],
    );
    k.bodies(route, "POST", "/api/webhook-endpoints", brand, &b.endpoint, "/url", limit);
    let endpoint_body = Some(serde_json::to_vec(&b.endpoint).unwrap());
    k.push(route, "admin token (neither role)", "POST", "/api/webhook-endpoints", Some(admin), endpoint_body.clone());
    k.push(route, "no key", "POST", "/api/webhook-endpoints", None, endpoint_body);
    k.paging("GET /api/webhook-endpoints", "/api/webhook-endpoints", Some(brand));
    k.paging("GET /api/webhook-endpoints", "/api/webhook-endpoints", Some(creator));
    k.push("GET /api/webhook-endpoints", "admin token", "GET", "/api/webhook-endpoints", Some(admin), None);
    for (route, method, tail) in [
        ("DELETE /api/webhook-endpoints/{id}", "DELETE", ""),
        ("POST /api/webhook-endpoints/{id}/test", "POST", "/test"),
        ("GET /api/webhook-endpoints/{id}/deliveries", "GET", "/deliveries"),
    ] {
        let theirs = format!("/api/webhook-endpoints/{}{tail}", w.we_b);
        let body = (method == "POST").then(|| b"{}".to_vec());
        k.push(route, "another brand's endpoint", method, theirs.clone(), Some(brand), body.clone());
        k.push(route, "a creator's key on a brand's endpoint", method, theirs, Some(creator), body);
        k.params(route, method, &format!("/api/webhook-endpoints/{{}}{tail}"), Some(brand), None, Expect::Error);
    }
    k.paging(
        "GET /api/webhook-endpoints/{id}/deliveries",
        &format!("/api/webhook-endpoints/{}/deliveries", w.we_b),
        Some(&w.b.api_key),
    );

    // POST /webhooks/{brand_id} (public, signed)
    webhook_cases(&mut k, &b);

    // Every other method on every route's path, with the right key: 405.
    let paths: Vec<(String, &str, Vec<&str>)> = vec![
        ("/api/brands".into(), admin, vec!["GET", "PUT", "PATCH", "DELETE"]),
        ("/api/creators".into(), admin, vec!["GET", "PUT", "PATCH", "DELETE"]),
        ("/api/products".into(), brand, vec!["PUT", "PATCH", "DELETE"]),
        (pp_path.clone(), p_key, vec!["GET", "POST", "PUT", "DELETE"]),
        ("/api/showcase".into(), brand, vec!["POST", "PUT", "PATCH", "DELETE"]),
        (collab_path.clone(), brand, vec!["GET", "POST", "PATCH", "DELETE"]),
        ("/api/links".into(), creator, vec!["PUT", "PATCH", "DELETE"]),
        (format!("/api/links/{}", w.l1), creator, vec!["GET", "POST", "PUT", "PATCH"]),
        (format!("/api/links/{}/stats", w.l1), creator, vec!["POST", "PUT", "PATCH", "DELETE"]),
        (format!("/webhooks/{}", w.a.id), brand, vec!["GET", "PUT", "PATCH", "DELETE"]),
        ("/api/me/earnings".into(), creator, vec!["POST", "PUT", "PATCH", "DELETE"]),
        ("/api/me/commissions".into(), creator, vec!["POST", "PUT", "PATCH", "DELETE"]),
        ("/api/orders".into(), brand, vec!["POST", "PUT", "PATCH", "DELETE"]),
        ("/api/commissions".into(), brand, vec!["POST", "PUT", "PATCH", "DELETE"]),
        ("/api/live-sessions".into(), creator, vec!["PUT", "PATCH", "DELETE"]),
        (format!("/api/live-sessions/{}", w.s1), creator, vec!["POST", "PUT", "DELETE"]),
        (format!("/api/live-sessions/{}/pins", w.s1), creator, vec!["GET", "PUT", "PATCH", "DELETE"]),
        (format!("/api/live-sessions/{}/pins/{}", w.s1, w.pa1), creator, vec!["GET", "POST", "PUT", "PATCH"]),
        (format!("/api/live-sessions/{}/end", w.s1), creator, vec!["GET", "PUT", "PATCH", "DELETE"]),
        (format!("/api/live-sessions/{}/stats", w.s1), creator, vec!["POST", "PUT", "PATCH", "DELETE"]),
        (format!("/api/live/{}", w.s1), creator, vec!["POST", "PUT", "PATCH", "DELETE"]),
        (format!("/live/{}", w.s1), creator, vec!["POST", "PUT", "PATCH", "DELETE"]),
        ("/api/codes".into(), brand, vec!["PUT", "PATCH", "DELETE"]),
        (format!("/api/codes/{}", w.code_a_id), brand, vec!["GET", "POST", "PUT", "PATCH"]),
        (format!("/t.js?brand={}", w.a.id), brand, vec!["POST", "PUT", "PATCH", "DELETE"]),
        ("/api/payouts".into(), brand, vec!["PUT", "PATCH", "DELETE"]),
        ("/api/payouts/po_x".into(), brand, vec!["POST", "PUT", "PATCH", "DELETE"]),
        ("/api/payouts/po_x/paid".into(), brand, vec!["GET", "PUT", "PATCH", "DELETE"]),
        ("/api/me/payouts".into(), creator, vec!["POST", "PUT", "PATCH", "DELETE"]),
        ("/api/webhook-endpoints".into(), brand, vec!["PUT", "PATCH", "DELETE"]),
        (format!("/api/webhook-endpoints/{}", w.we_b), brand, vec!["GET", "POST", "PUT", "PATCH"]),
        (format!("/api/webhook-endpoints/{}/test", w.we_b), brand, vec!["GET", "PUT", "PATCH", "DELETE"]),
        (format!("/api/webhook-endpoints/{}/deliveries", w.we_b), brand, vec!["POST", "PUT", "PATCH", "DELETE"]),
    ];
    for (path, key, methods) in paths {
        for m in methods {
            let body = matches!(m, "POST" | "PUT" | "PATCH").then(|| b"{}".to_vec());
            k.push("(other methods)", format!("{m} {path}"), m, path.clone(), Some(key), body);
        }
    }
    // Unknown routes.
    for p in ["/api/nope", "/api/products/x/y", "/api/links/x/stats/y", "/api//products", "/webhooks/a/b", "/live"] {
        k.push("(unknown routes)", p, "GET", p, Some(brand), None);
    }
    // Each request its own unique values (fixed width: body lengths stay as built).
    let seed = (now_secs() as u32).wrapping_mul(2_654_435_761);
    for (i, c) in k.cases.iter_mut().enumerate() {
        if let Some(b) = &c.body {
            c.body = Some(fill(b, &format!("{:08x}", seed.wrapping_add(i as u32))));
        }
    }
    k.cases
}

/// Bad signatures, odd brand ids and properly signed hostile bodies.
fn webhook_cases(k: &mut Walk, b: &Bases) {
    let w = k.w;
    let route = "POST /webhooks/{brand_id}";
    let path = format!("/webhooks/{}", w.a.id);
    let now = now_secs();
    // A valid paid order (it would be stored if it got through).
    let order = |n: usize| (b.order)(w, n);
    let mut n = 0;
    let mut next = || {
        n += 1;
        n
    };
    let push = |k: &mut Walk, what: String, path: &str, hs: Vec<(String, String)>, body: Vec<u8>| {
        k.cases.push(Case {
            route,
            what,
            method: "POST",
            path: path.to_string(),
            key: None,
            headers: hs,
            body: Some(body),
            expect: Expect::Error,
        });
    };

    // Signatures that must not verify (401), over a valid order.
    let body = serde_json::to_vec(&order(next())).unwrap();
    let good = |id: &str, b: &[u8], ts: i64| signed(&w.a, id, b, ts);
    let mut bad: Vec<(String, Vec<(String, String)>)> = vec![
        ("no signature headers".into(), vec![("content-type".into(), "application/json".into())]),
        ("another brand's secret".into(), signed(&w.b, "msg_walk_b", &body, now)),
        ("signed for another body".into(), good("msg_walk_o", b"{}", now)),
        ("timestamp 301 s old".into(), good("msg_walk_old", &body, now - 301)),
        ("timestamp 10 min ahead".into(), good("msg_walk_new", &body, now + 600)),
    ];
    let base = good("msg_walk_x", &body, now);
    let with = |name: &str, value: &str| -> Vec<(String, String)> {
        base.iter()
            .map(|(k, v)| if k == name { (k.clone(), value.to_string()) } else { (k.clone(), v.clone()) })
            .collect()
    };
    let sig = base.iter().find(|(k, _)| k == "webhook-signature").unwrap().1.clone();
    for (what, name, value) in [
        ("webhook-id changed after signing", "webhook-id", "msg_walk_y".to_string()),
        ("webhook-timestamp not a number", "webhook-timestamp", "abc".into()),
        ("webhook-timestamp empty", "webhook-timestamp", String::new()),
        ("webhook-timestamp huge", "webhook-timestamp", "99999999999999999999".into()),
        ("webhook-timestamp negative", "webhook-timestamp", "-1".into()),
        ("webhook-signature empty", "webhook-signature", String::new()),
        ("webhook-signature v1, only", "webhook-signature", "v1,".into()),
        ("webhook-signature not base64", "webhook-signature", "v1,!!!!".into()),
        ("webhook-signature other version", "webhook-signature", sig.replacen("v1,", "v2,", 1)),
        ("webhook-signature without version", "webhook-signature", sig.trim_start_matches("v1,").to_string()),
        ("webhook-signature truncated", "webhook-signature", sig[..sig.len() - 4].to_string()),
    ] {
        bad.push((what.into(), with(name, &value)));
    }
    bad.push(("webhook-id missing".into(), base.iter().filter(|(k, _)| k != "webhook-id").cloned().collect()));
    bad.push(("Shopify header instead".into(), vec![("X-Shopify-Hmac-Sha256".into(), B64.encode([0u8; 32]))]));
    for (what, hs) in bad {
        push(k, format!("signature: {what}"), &path, hs, body.clone());
    }
    // Unknown or odd brand ids (404), and brand B's endpoint with A's signature (401).
    for p in odd_params().into_iter().chain(["br_doesnotexist0000000000".to_string()]) {
        let shown: String = p.chars().take(40).collect();
        push(k, format!("brand id {shown}"), &format!("/webhooks/{p}"), good("msg_walk_p", &body, now), body.clone());
    }
    push(
        k,
        "brand B's endpoint, A's signature".into(),
        &format!("/webhooks/{}", w.b.id),
        good("msg_walk_bb", &body, now),
        body.clone(),
    );

    // Signed hostile bodies: each field of the order made wrong in turn.
    let order_fields: Vec<(&str, Vec<String>)> = vec![
        (
            "/id",
            [s(""), s(&"i".repeat(201)), "123".into(), "true".into(), "[]".into(), "{}".into(), "null".into()].to_vec(),
        ),
        (
            "/type",
            ["", "order.unknown", "ORDER.PAID", "order.paid\u{0}"]
                .map(s)
                .into_iter()
                .chain(["1".into(), "null".into(), "[]".into(), "{}".into()])
                .collect(),
        ),
        (
            "/order_id",
            [
                s(""),
                s(&"o".repeat(201)),
                s("\u{0}"),
                s("\u{0}abc"),
                s("a\u{0}b"),
                "123".into(),
                "null".into(),
                "true".into(),
                "[]".into(),
                "{}".into(),
                "\"\\ud800\"".into(),
            ]
            .to_vec(),
        ),
        ("/click_id", ["123", "true", "[]", "{}"].map(String::from).to_vec()),
        (
            "/discount_codes",
            [s("SUMMER10"), "1".into(), "{}".into(), "[1]".into(), "[null]".into(), "[[]]".into(), "[{}]".into()]
                .into_iter()
                .chain([json!([format!("a\u{0}b")]).to_string(), json!(["x".repeat(65)]).to_string()])
                .chain([json!((0..21).map(|i| format!("c{i}")).collect::<Vec<_>>()).to_string()])
                .collect(),
        ),
        (
            "/currency",
            ["", "ZZZ", "usd", "\u{0}"]
                .map(s)
                .into_iter()
                .chain(["840".into(), "null".into(), "[]".into(), "{}".into()])
                .collect(),
        ),
        (
            "/items",
            [
                s("x"),
                "1".into(),
                "{}".into(),
                "null".into(),
                "[1]".into(),
                "[\"x\"]".into(),
                "[null]".into(),
                "[{}]".into(),
                "[[]]".into(),
            ]
            .to_vec(),
        ),
        (
            "/items/0/sku",
            ["1", "null", "\"\"", "[]", "{}", "true"]
                .map(String::from)
                .into_iter()
                .chain([s(&"s".repeat(201)), s("\u{0}")])
                .collect(),
        ),
        (
            "/items/0/quantity",
            wrong_types(Kind::Amount).into_iter().chain(bad_amounts()).chain(["null".into()]).collect(),
        ),
        (
            "/items/0/unit_price",
            wrong_types(Kind::Amount).into_iter().chain(bad_amounts()).chain(["null".into()]).collect(),
        ),
        (
            "/items/0/discount",
            wrong_types(Kind::Amount).into_iter().chain(bad_amounts()).chain(["2001".into()]).collect(),
        ),
        (
            "/occurred_at",
            ["", "yesterday", "2030-13-01T00:00:00Z", "2030-01-01"]
                .map(s)
                .into_iter()
                .chain(["1700000000".into(), "true".into(), "[]".into(), "{}".into()])
                .collect(),
        ),
        ("/refund", ["\"x\"", "1", "[]", "true"].map(String::from).to_vec()),
    ];
    for (pointer, values) in order_fields {
        for raw in values {
            let i = next();
            let body = replaced(&order(i), pointer, raw.as_bytes());
            let shown = visible(&raw.chars().take(50).collect::<String>());
            push(k, format!("signed body {pointer}={shown}"), &path, good(&format!("msg_walk_{i}"), &body, now), body);
        }
    }
    // quantity × unit_price over 2^53 − 1.
    let i = next();
    let mut over = order(i);
    over["items"][0]["quantity"] = json!(1u64 << 40);
    over["items"][0]["unit_price"] = json!(1u64 << 20);
    let body = serde_json::to_vec(&over).unwrap();
    push(
        k,
        "signed body: quantity × unit_price over 2^53".into(),
        &path,
        good(&format!("msg_walk_{i}"), &body, now),
        body,
    );
    // Broken as a whole, invalid UTF-8, nesting, over 1 MiB: each signed.
    let mut broken: Vec<(String, Vec<u8>)> = non_object_bodies();
    for (what, raw) in invalid_utf8() {
        broken.push((format!("/order_id: invalid UTF-8 ({what})"), replaced(&order(next()), "/order_id", &raw)));
    }
    broken.push((
        "/items nested 3000 deep".into(),
        replaced(&order(next()), "/items", format!("{}{}", "[".repeat(3000), "]".repeat(3000)).as_bytes()),
    ));
    broken.push((format!("body of {} bytes", 1024 * 1024 + 1), padded(&order(next()), 1024 * 1024 + 1)));
    for (what, body) in broken {
        let i = next();
        push(k, format!("signed body: {what}"), &path, good(&format!("msg_walk_{i}"), &body, now), body);
    }
}

// ---------------------------------------------------------------------------------------
// Running the walk

/// Sends one case; the failure text when it went wrong.
fn run(agent: &ureq::Agent, c: &Case) -> Result<u16, String> {
    let url = format!("{}{}", app().base, c.path);
    let mut req = agent.request(c.method, &url);
    if let Some(k) = &c.key {
        req = req.set("authorization", &format!("Bearer {k}"));
    }
    for (k, v) in &c.headers {
        req = req.set(k, v);
    }
    let result = match &c.body {
        Some(b) => req.send_bytes(b),
        None => req.call(),
    };
    let resp = match result {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => return Err(format!("transport error: {e}")),
    };
    let status = resp.status();
    let content_type = resp.header("content-type").unwrap_or("").to_string();
    let body = resp.into_string().unwrap_or_else(|e| format!("<unreadable body: {e}>"));
    let shape = || -> Result<(), String> {
        if c.method == "HEAD" {
            return Ok(());
        }
        match c.expect {
            Expect::Error => {
                let v: Value = serde_json::from_str(&body).map_err(|_| "body is not JSON".to_string())?;
                let code_ok = v["error"]["code"].as_str().is_some_and(|s| !s.is_empty());
                let msg_ok = v["error"]["message"].as_str().is_some_and(|s| !s.is_empty());
                (code_ok && msg_ok).then_some(()).ok_or_else(|| "not the error shape".to_string())
            }
            Expect::HtmlError => content_type
                .starts_with("text/html")
                .then_some(())
                .ok_or_else(|| format!("not an HTML page (content-type {content_type:?})")),
        }
    };
    let problem =
        if !(400..500).contains(&status) { Some(format!("status {status}, want a 4xx")) } else { shape().err() };
    match problem {
        None => Ok(status),
        Some(p) => Err(format!("{p}; response {status} {}", snippet_bytes(body.as_bytes(), 240))),
    }
}

/// Every Release-1 route of `dispatch`, each walked with hostile input; with wrong
/// methods, unknown routes and nothing changed visible through the API.
#[test]
fn a_hostile_walk_over_every_route_gets_4xx_in_the_error_shape_and_changes_nothing() {
    let w = setup();
    // A real attributed order on brand A, so the ledgers the walk must not touch aren't empty.
    let clk = click_link(&w.c1, &w.l1, "Mozilla/5.0 (iPhone) Walk-setup");
    let ev = serde_json::to_vec(&json!({
        "id": unique("evt_"), "type": "order.paid", "order_id": unique("walk-real-"), "click_id": clk, "currency": "USD",
        "items": [{ "sku": w.pa1_sku, "quantity": 1, "unit_price": 5000 }],
    }))
    .unwrap();
    let hs = signed(&w.a, &unique("msg_"), &ev, now_secs());
    let hs: Vec<(&str, &str)> = hs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let v = app().send("POST", &format!("/webhooks/{}", w.a.id), None, &hs, Some(&ev)).expect(200);
    assert_eq!(v["status"], "attributed", "{v}");
    validate(&w);

    let cases = cases(&w);
    assert!(cases.len() <= MAX_REQUESTS, "the walk grew to {} requests (bound {MAX_REQUESTS})", cases.len());
    let before = snapshot(&w);

    let started = Instant::now();
    let agent = ureq::AgentBuilder::new().redirects(0).timeout(Duration::from_secs(30)).build();
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::<Failure>::new());
    let statuses = Mutex::new(Vec::<u16>::new());
    std::thread::scope(|scope| {
        for _ in 0..THREADS {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(c) = cases.get(i) else { break };
                match run(&agent, c) {
                    Ok(status) => statuses.lock().unwrap().push(status),
                    Err(text) => failures.lock().unwrap().push(Failure { case: i, text }),
                }
            });
        }
    });
    let elapsed = started.elapsed();
    // Clicks and other writes after the response: give them time to land before reading.
    std::thread::sleep(Duration::from_millis(1500));
    let after = snapshot(&w);

    let mut failures = failures.into_inner().unwrap();
    failures.sort_by_key(|f| f.case);
    let routes: BTreeSet<&str> = cases.iter().map(|c| c.route).filter(|r| !r.starts_with('(')).collect();
    let five_xx = failures.iter().filter(|f| f.text.starts_with("status 5")).count();
    let two_xx = failures.iter().filter(|f| f.text.starts_with("status 2")).count();
    let changed: Vec<String> = before
        .iter()
        .zip(&after)
        .filter(|(b, a)| b.1 != a.1)
        .map(|(b, a)| {
            format!(
                "{}:\n      before {}\n      after  {}",
                b.0,
                snippet_bytes(b.1.as_bytes(), 600),
                snippet_bytes(a.1.as_bytes(), 600)
            )
        })
        .collect();
    println!(
        "hostile: {} requests, {} routes, {} 5xx, {} 2xx/3xx, {} other failures, {} views changed, {:.1} s",
        cases.len(),
        routes.len(),
        five_xx,
        two_xx,
        failures.len() - five_xx - two_xx,
        changed.len(),
        elapsed.as_secs_f64()
    );
    let mut by_route: Vec<(&str, usize)> = Vec::new();
    for f in &failures {
        let r = cases[f.case].route;
        match by_route.iter_mut().find(|(x, _)| *x == r) {
            Some(e) => e.1 += 1,
            None => by_route.push((r, 1)),
        }
    }
    let listed: Vec<String> = failures
        .iter()
        .map(|f| {
            let c = &cases[f.case];
            let body = c.body.as_deref().map(|b| format!(" body {}", snippet_bytes(b, 120))).unwrap_or_default();
            format!(
                "[{}] {}: {} {}{body}\n      → {}",
                c.route,
                c.what,
                c.method,
                snippet_bytes(c.path.as_bytes(), 100),
                f.text
            )
        })
        .collect();
    assert!(
        failures.is_empty() && changed.is_empty(),
        "hostile walk: {} of {} requests failed ({five_xx} 5xx, {two_xx} accepted), by route {by_route:?}; \
         {} views changed.\n  {}\n  changed:\n    {}",
        failures.len(),
        cases.len(),
        changed.len(),
        listed.join("\n  "),
        changed.join("\n    ")
    );
}
