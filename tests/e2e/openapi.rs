//! `openapi.yaml` against the worker: the routes of one are the routes of the other, the
//! worker serves it, and the validator every test's bodies go through (`common::spec`)
//! refuses what the spec does not say.

use crate::common::{app, spec};
use serde_json::json;
use std::collections::BTreeSet;

/// `(METHOD, /a/{}/b)`: a route with its parameters' names left out.
type Route = (String, String);

fn normalized(path: &str) -> String {
    path.split('/').map(|s| if s.starts_with('{') { "{}" } else { s }).collect::<Vec<_>>().join("/")
}

/// The routes `src/routes/mod.rs`'s `dispatch` answers, read from its match arms
/// (`["api", "links", code] => on!(req.method(), Get => …, Delete => …)`), plus the ones
/// answered before it: the redirect (`lib.rs`) and the static assets (`build/assets`).
fn worker_routes() -> BTreeSet<Route> {
    let source =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/routes/mod.rs")).expect("routes/mod.rs");
    let start = source.find("match segments.as_slice() {").expect("dispatch's match");
    let end = source[start..].find("_ => Err(").expect("dispatch's fallback arm") + start;
    let table = &source[start..end];
    let mut routes = BTreeSet::new();
    let mut arms = 0;
    // Every arm starts with `[` at the start of a line; its methods are the words before `=>`
    // inside `on!(…)`.
    let starts: Vec<usize> = table.match_indices("\n        [").map(|(i, _)| i + 9).collect();
    for (n, &at) in starts.iter().enumerate() {
        let arm = &table[at..starts.get(n + 1).copied().unwrap_or(table.len())];
        let pattern = &arm[1..arm.find(']').expect("an arm's closing ]")];
        let Some(on) = arm.find("on!(req.method(),") else { continue };
        arms += 1;
        let path: String = pattern
            .split(',')
            .map(str::trim)
            .map(|s| if s.starts_with('"') { s.trim_matches('"').to_string() } else { "{}".to_string() })
            .map(|s| format!("/{s}"))
            .collect();
        let body = &arm[on + "on!(req.method(),".len()..];
        for clause in body.split(',') {
            let Some((methods, _)) = clause.split_once("=>") else { continue };
            for m in methods.split('|').map(str::trim).filter(|m| !m.is_empty()) {
                assert!(m.chars().all(|c| c.is_ascii_alphabetic()), "cannot read the method {m:?} of {pattern}");
                routes.insert((m.to_uppercase(), path.clone()));
            }
        }
    }
    assert!(arms >= 30, "read only {arms} arms of dispatch: has its layout changed?");
    routes.insert(("GET".to_string(), "/{}".to_string()));
    routes.insert(("HEAD".to_string(), "/{}".to_string()));
    // The routes the JS entry answers itself, each marked `// route: METHOD /path`.
    let shim = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/shim.mjs")).expect("shim.mjs");
    for line in shim.lines().filter_map(|l| l.trim().strip_prefix("// route: ")) {
        let (method, path) = line.split_once(' ').expect("// route: METHOD /path");
        routes.insert((method.to_string(), normalized(path)));
    }
    // Every file the build puts in the assets folder is a GET route (`x.html` at `/x`); the
    // files of a folder (the dashboard's pages, `app/x.html` at `/app/x`) are `/app/{}`.
    for (folder, name) in asset_files() {
        let path = match folder {
            Some(folder) => format!("/{folder}/{{}}"),
            None => format!("/{name}"),
        };
        routes.insert(("GET".to_string(), path));
    }
    routes
}

/// `(folder, name without .html)` of every file in `build/assets` (one level of folders).
fn asset_files() -> Vec<(Option<String>, String)> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/build/assets");
    let mut files = Vec::new();
    for entry in std::fs::read_dir(root).expect("build/assets") {
        let entry = entry.expect("an asset");
        let name = entry.file_name().into_string().expect("a UTF-8 asset name");
        if entry.file_type().expect("a file type").is_dir() {
            for inner in std::fs::read_dir(entry.path()).expect("an assets folder") {
                let inner = inner.expect("an asset").file_name().into_string().expect("a UTF-8 asset name");
                files.push((Some(name.clone()), inner.trim_end_matches(".html").to_string()));
            }
        } else if name != "_headers" {
            files.push((None, name.trim_end_matches(".html").to_string()));
        }
    }
    files
}

/// The values a path parameter of `path` may take, when the spec lists them (`enum`).
fn enum_of(path: &str, parameter: &str) -> Option<Vec<String>> {
    let op = &spec::document()["paths"][path]["get"];
    let p = op["parameters"].as_array()?.iter().find(|p| p["name"] == parameter && p["in"] == "path")?;
    Some(p["schema"]["enum"].as_array()?.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
}

/// A path of the spec with its parameters filled: the first listed value, else a dummy id.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => enum_of(path, name).and_then(|v| v.into_iter().next()).unwrap_or_else(|| "zz_nothing".into()),
            None => s.to_string(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn spec_routes() -> BTreeSet<Route> {
    spec::operations().into_iter().map(|(m, p)| (m, normalized(&p))).collect()
}

#[test]
fn the_spec_has_exactly_the_routes_the_worker_answers() {
    let (worker, spec) = (worker_routes(), spec_routes());
    let undocumented: Vec<_> = worker.difference(&spec).collect();
    let unanswered: Vec<_> = spec.difference(&worker).collect();
    assert!(undocumented.is_empty(), "routes the worker answers that openapi.yaml lacks: {undocumented:?}");
    assert!(unanswered.is_empty(), "routes in openapi.yaml that dispatch does not have: {unanswered:?}");
    // The dashboard's pages are exactly the ones the spec lists, and each is served.
    let pages: BTreeSet<String> =
        asset_files().into_iter().filter(|(f, _)| f.as_deref() == Some("app")).map(|(_, n)| n).collect();
    let listed: BTreeSet<String> =
        enum_of("/app/{page}", "page").expect("/app/{page} lists its pages").into_iter().collect();
    assert_eq!(pages, listed, "build/assets/app against the spec's /app/{{page}}");
    for page in pages {
        let r = app().get(&format!("/app/{page}"), None);
        assert_eq!(r.status, 200, "/app/{page}");
        assert!(r.header("content-type").is_some_and(|c| c.starts_with("text/html")), "/app/{page}: {:?}", r.headers);
    }
}

#[test]
fn every_spec_route_is_answered_by_the_worker() {
    // Unauthenticated and with dummy ids, each answer is an error of the route itself
    // (401, 404 of a record, 422 …), never "no such route" or "not this method".
    for (method, path) in spec::operations() {
        let concrete = concrete(&path);
        let body = matches!(method.as_str(), "POST" | "PUT" | "PATCH").then_some(&b"{}"[..]);
        let r = app().send(&method, &concrete, None, &[("content-type", "application/json")], body);
        assert_ne!(r.status, 405, "{method} {path}: {}", r.body);
        assert!(!(r.status == 404 && r.body.contains("route not found")), "{method} {path} is not routed: {}", r.body);
    }
}

#[test]
fn the_worker_serves_the_spec() {
    let r = app().get("/openapi.json", None);
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").is_some_and(|c| c.starts_with("application/json")), "{:?}", r.headers);
    assert_eq!(&r.json(), spec::document());
    assert_eq!(r.json()["openapi"], "3.1.0");
}

#[test]
fn the_docs_page_is_static_escaped_and_under_a_strict_csp() {
    let r = app().get("/docs", None);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.header("content-type").is_some_and(|c| c.starts_with("text/html")), "{:?}", r.headers);
    let csp = r.header("content-security-policy").expect("a CSP on /docs");
    assert!(csp.contains("default-src 'none'") && !csp.contains("unsafe-inline"), "{csp}");
    assert!(!r.body.contains("<script"), "the page runs no script");
    // Every operation is on the page, and the spec's text is escaped (`<key>` of the auth).
    for (method, path) in spec::operations() {
        assert!(r.body.contains(&format!(">{method}</span> <code>{path}</code>")), "{method} {path} is not on /docs");
    }
    assert!(r.body.contains("Bearer &#60;key&#62;") && !r.body.contains("Bearer <key>"));
    let css = app().get("/docs.css", None);
    assert_eq!(css.status, 200);
    assert!(css.header("content-type").is_some_and(|c| c.starts_with("text/css")), "{:?}", css.headers);
}

#[test]
fn every_response_schema_compiles() {
    for (method, path) in spec::operations() {
        let responses = &spec::document()["paths"][&path][method.to_lowercase()]["responses"];
        for status in responses.as_object().expect("responses").keys() {
            let Ok(code) = status.parse::<u16>() else { continue };
            // Any body: only a schema that does not compile is an error here.
            match spec::check(&method, &normalized(&path).replace("{}", "x"), code, &json!(null)) {
                Err(e) if e.contains("does not compile") || e.contains("dangling") => panic!("{e}"),
                _ => {}
            }
        }
    }
}

#[test]
fn the_validator_refuses_what_the_spec_does_not_say() {
    let good = json!({"clicks": 1, "unique_clicks": 1, "bot_clicks": 0, "orders": 0, "commission": [{"amount": 10, "currency": "USD"}]});
    spec::check("GET", "/api/links/abc/stats", 200, &good).expect("a body as the spec says");
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("orders");
    let mut extra = good.clone();
    extra["surprise"] = json!(1);
    let mut float = good.clone();
    float["commission"][0]["amount"] = json!(10.5);
    let mut negative = good.clone();
    negative["clicks"] = json!(-1);
    for (what, body) in [
        ("a missing field", missing),
        ("an extra field", extra),
        ("float money", float),
        ("a negative count", negative),
    ] {
        assert!(spec::check("GET", "/api/links/abc/stats", 200, &body).is_err(), "{what} passed");
    }
    // Errors take the one error shape, with a documented code.
    spec::check(
        "GET",
        "/api/links/abc/stats",
        404,
        &json!({"error": {"code": "not_found", "message": "link not found"}}),
    )
    .unwrap();
    assert!(
        spec::check("GET", "/api/links/abc/stats", 404, &json!({"error": {"code": "nope", "message": "x"}})).is_err()
    );
    assert!(spec::check("GET", "/api/links/abc/stats", 404, &json!({"message": "x"})).is_err());
    // A status or a route the spec does not have.
    assert!(spec::check("GET", "/api/links/abc/stats", 201, &good).is_err());
    assert!(spec::check("PUT", "/api/links/abc/stats", 200, &good).is_err());
    assert!(spec::check("GET", "/api/nothing/here", 200, &good).is_err());
    // Times are RFC 3339.
    let code = json!({"id": "dc_1", "code": "ABC", "brand_id": "br_1", "creator_id": "cr_1", "active": true, "created_at": "2026-12-02T10:00:00Z"});
    spec::check("POST", "/api/codes", 201, &code).unwrap();
    let mut bad_time = code.clone();
    bad_time["created_at"] = json!("yesterday");
    assert!(spec::check("POST", "/api/codes", 201, &bad_time).is_err());
}
