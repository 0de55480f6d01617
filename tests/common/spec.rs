//! The OpenAPI document (`openapi.yaml`, built to `build/assets/openapi.json`) as the e2e
//! suite uses it: every JSON body a test receives is validated against the schema the spec
//! gives for its route and status, so the worker and the spec cannot drift apart unnoticed.

use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// The spec as JSON, read once. `npm test` builds it before the e2e suite runs.
pub fn document() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/build/assets/openapi.json");
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("{path}: {e} (`npm run build` makes it from openapi.yaml)"));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: not JSON: {e}"))
    })
}

/// The methods an OpenAPI path item may hold.
pub const METHODS: [&str; 7] = ["get", "put", "post", "delete", "patch", "head", "options"];

/// Every `(METHOD, /path/{template})` the spec documents.
pub fn operations() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (path, item) in document()["paths"].as_object().into_iter().flatten() {
        for m in METHODS {
            if item.get(m).is_some() {
                out.push((m.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

/// The spec's path template for a concrete path (no query): the one whose literal segments
/// match, the most literal first (`/api/links` before `/{code}`).
pub fn template_of(path: &str) -> Option<&'static str> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    document()["paths"]
        .as_object()?
        .keys()
        .filter_map(|template| {
            let parts: Vec<&str> = template.trim_matches('/').split('/').collect();
            let fits = parts.len() == segments.len()
                && parts.iter().zip(&segments).all(|(p, s)| (p.starts_with('{') && !s.is_empty()) || p == s);
            fits.then(|| (parts.iter().filter(|p| !p.starts_with('{')).count(), template.as_str()))
        })
        .max_by_key(|(literal, _)| *literal)
        .map(|(_, t)| t)
}

/// Follows a `$ref` inside the document.
fn deref(v: &'static Value) -> &'static Value {
    match v.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix('#')) {
        Some(pointer) => document().pointer(pointer).unwrap_or_else(|| panic!("openapi: dangling $ref #{pointer}")),
        None => v,
    }
}

/// The JSON schema of a response, or why there is none.
fn response_schema(method: &str, template: Option<&str>, status: u16) -> Result<&'static Value, String> {
    let error = document().pointer("/components/schemas/Error").ok_or("openapi: no Error schema")?;
    let Some(template) = template else {
        // A path the spec does not have: only "no such route" may answer it.
        return if status == 404 {
            Ok(error)
        } else {
            Err(format!("the worker answered {status} on a path the spec does not have"))
        };
    };
    let Some(op) = document()["paths"][template].get(method.to_lowercase()) else {
        return if status == 405 {
            Ok(error)
        } else {
            Err(format!("{method} {template} is not in the spec (answered {status})"))
        };
    };
    let responses = &op["responses"];
    let response = responses.get(status.to_string()).or_else(|| responses.get("default"));
    let Some(response) = response else {
        return Err(format!("{method} {template}: status {status} is not documented"));
    };
    deref(response)
        .pointer("/content/application~1json/schema")
        .ok_or_else(|| format!("{method} {template}: status {status} documents no JSON body"))
}

/// Validates a JSON body received for `method path` with `status`; the error lists every
/// place where the body and the spec disagree.
pub fn check(method: &str, path: &str, status: u16, body: &Value) -> Result<(), String> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<jsonschema::Validator>>>> = OnceLock::new();
    let template = template_of(path);
    let schema = response_schema(method, template, status)?;
    let key = format!("{method} {template:?} {status}");
    let validator = {
        let mut cache = CACHE.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
        match cache.get(&key) {
            Some(v) => v.clone(),
            None => {
                // The schema sits beside the document's components, so `#/components/…`
                // references resolve as they do in the spec itself.
                let root = json!({
                    "$schema": "https://json-schema.org/draft/2020-12/schema",
                    "components": document()["components"],
                    "allOf": [schema],
                });
                let v = jsonschema::options()
                    .with_draft(jsonschema::Draft::Draft202012)
                    .should_validate_formats(true)
                    .build(&root)
                    .map_err(|e| format!("openapi: the schema of {key} does not compile: {e}"))?;
                let v = Arc::new(v);
                cache.insert(key.clone(), v.clone());
                v
            }
        }
    };
    let errors: Vec<String> =
        validator.iter_errors(body).map(|e| format!("at {}: {e}", e.instance_path())).take(10).collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!("{method} {path} → {status}: the body does not match openapi.yaml:\n  {}", errors.join("\n  ")))
    }
}
