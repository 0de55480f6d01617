use crate::common::app;

#[test]
fn health_touches_d1_and_kv() {
    let v = app().get("/health", None).expect(200);
    // The test worker has a VISITOR_SALT and no PUBLIC_ORIGIN (scripts/test.sh).
    assert_eq!(v, serde_json::json!({"ok": true, "d1": true, "kv": true, "salt": true, "public_origin": false}));
    let r = app().get("/health", None);
    assert_eq!(r.header("content-type"), Some("application/json; charset=utf-8"));
}

#[test]
fn unknown_routes_answer_404_in_the_error_shape() {
    app().get("/api/nope", None).expect_error(404, "not_found");
    let r = app().send("POST", "/health", None, &[], Some(b"{}"));
    r.expect_error(405, "method_not_allowed");
    assert_eq!(r.header("allow"), Some("GET"));
    let r = app().send("DELETE", "/api/products", None, &[], None);
    r.expect_error(405, "method_not_allowed");
    assert_eq!(r.header("allow"), Some("POST, GET"));
}
