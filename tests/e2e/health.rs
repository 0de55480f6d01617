use crate::common::app;

#[test]
fn health_touches_d1_and_kv() {
    let v = app().get("/health", None).expect(200);
    assert_eq!(v, serde_json::json!({"ok": true, "d1": true, "kv": true}));
    let r = app().get("/health", None);
    assert_eq!(r.header("content-type"), Some("application/json; charset=utf-8"));
}

#[test]
fn unknown_routes_answer_404_in_the_error_shape() {
    app().get("/api/nope", None).expect_error(404, "not_found");
    app().send("POST", "/health", None, &[], Some(b"{}")).expect_error(405, "method_not_allowed");
}
