//! Payouts and CSV exports, end to end: approved net balances paid out once, however many
//! calls race; marked paid once; clawbacks netted into the next payout; exports a real CSV
//! reader reads back exactly.

use crate::common::{app, new_creator, new_product, unique, Creator};
use crate::webhooks::{shop, Shop};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

fn approve() {
    app().get("/__scheduled?cron=*/15+*+*+*+*", None);
}

/// A program without a hold: its commissions approve at the next approval run.
fn program() -> Shop {
    shop("standard", json!({ "hold_days": 0 }))
}

/// Registers a code of the program for `c`; returns it.
fn code_for(s: &Shop, c: &Creator) -> String {
    let code = format!("P{}", &unique("")[..10]).to_uppercase();
    app().post("/api/codes", Some(&s.brand.api_key), &json!({ "creator_id": c.id, "code": code })).expect(201);
    code
}

/// An order of `units` × 100.00 of `sku` carrying `code`: 1250 per unit at the shop's 12.5 %.
fn sale(s: &Shop, sku: &str, code: &str, units: i64) -> String {
    let order = unique("order-");
    let mut ev = s.paid(&order, None, json!([{ "sku": sku, "quantity": units, "unit_price": 10000 }]));
    ev["discount_codes"] = json!([code]);
    let v = s.deliver(&unique("dlv_"), &ev).expect(200);
    assert_eq!(v["status"], "attributed", "{v}");
    order
}

fn pay(s: &Shop, body: Value) -> Vec<Value> {
    let v = app().post("/api/payouts", Some(&s.brand.api_key), &body).expect(201);
    v["items"].as_array().cloned().unwrap_or_else(|| panic!("{v}"))
}

fn usd(earnings: &Value) -> Value {
    earnings["totals"].as_array().and_then(|t| t.iter().find(|t| t["currency"] == "USD").cloned()).unwrap_or(json!({}))
}

fn of<'a>(payouts: &'a [Value], c: &Creator) -> &'a Value {
    payouts.iter().find(|p| p["creator_id"] == c.id.as_str()).unwrap_or_else(|| panic!("no payout for {}", c.id))
}

#[test]
fn approved_net_balances_are_paid_out_once_and_marked_paid_once() {
    let s = program();
    let (anna, ben) = (&s.creator, new_creator());
    let (code_a, code_b) = (code_for(&s, anna), code_for(&s, &ben));
    let first = sale(&s, s.sku(), &code_a, 2);
    sale(&s, s.sku(), &code_a, 1);
    sale(&s, s.sku(), &code_b, 1);

    // Pending commissions are not payable yet.
    assert_eq!(pay(&s, json!({ "currency": "USD" })), Vec::<Value>::new());
    approve();
    let made = pay(&s, json!({ "currency": "USD" }));
    assert_eq!(made.len(), 2, "{made:?}");
    let (pa, pb) = (of(&made, anna).clone(), of(&made, &ben).clone());
    assert_eq!(pa["amount"], json!({ "amount": 3750, "currency": "USD" }));
    assert_eq!((pa["entries"].as_i64(), pa["state"].as_str()), (Some(2), Some("pending")));
    assert_eq!((pa["reference"].clone(), pa["paid_at"].clone()), (Value::Null, Value::Null));
    assert!(pa["id"].as_str().unwrap().starts_with("po_"));
    assert_eq!(pa["brand_id"], s.brand.id.as_str());
    assert_eq!(pb["amount"]["amount"], 1250);
    // Everything payable was taken: a second call makes nothing.
    assert_eq!(pay(&s, json!({ "currency": "USD" })), Vec::<Value>::new());

    // Who sees what.
    let id = pa["id"].as_str().unwrap();
    let path = format!("/api/payouts/{id}");
    assert_eq!(app().get("/api/payouts", Some(&s.brand.api_key)).expect(200)["items"].as_array().unwrap().len(), 2);
    let mine = app().get("/api/me/payouts", Some(&anna.api_key)).expect(200);
    assert_eq!(mine["items"].as_array().unwrap().len(), 1, "{mine}");
    assert_eq!(mine["items"][0]["id"], id);
    let seen = app().get(&path, Some(&anna.api_key)).expect(200);
    let items = seen["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{seen}");
    assert!(items.iter().all(|e| e["payout_id"] == id && e["state"] == "approved"), "{seen}");
    assert_eq!(items.iter().map(|e| e["amount"]["amount"].as_i64().unwrap()).sum::<i64>(), 3750);
    assert_eq!(app().get(&path, Some(&s.brand.api_key)).expect(200)["id"], id);
    app().get(&path, Some(&ben.api_key)).expect_error(404, "not_found");
    app().get(&path, Some(&program().brand.api_key)).expect_error(404, "not_found");
    app().get(&path, app().admin()).expect_error(403, "forbidden");
    assert_eq!(usd(&app().get("/api/me/earnings", Some(&anna.api_key)).expect(200))["approved"], 3750);

    // Marked paid: once; the same call again changes nothing; another reference is a conflict.
    let paid_path = format!("{path}/paid");
    let p = app().post(&paid_path, Some(&s.brand.api_key), &json!({ "reference": "wire-0001" })).expect(200);
    assert_eq!((p["state"].as_str(), p["reference"].as_str()), (Some("paid"), Some("wire-0001")));
    assert!(p["paid_at"].as_str().unwrap().ends_with('Z'));
    let again = app().post(&paid_path, Some(&s.brand.api_key), &json!({ "reference": "wire-0001" })).expect(200);
    assert_eq!(again, p);
    app().post(&paid_path, Some(&s.brand.api_key), &json!({ "reference": "wire-0002" })).expect_error(409, "conflict");
    app().post(&paid_path, Some(&program().brand.api_key), &json!({ "reference": "x" })).expect_error(404, "not_found");
    app().post(&paid_path, Some(&anna.api_key), &json!({ "reference": "x" })).expect_error(403, "forbidden");
    let seen = app().get(&path, Some(&anna.api_key)).expect(200);
    assert!(seen["items"].as_array().unwrap().iter().all(|e| e["state"] == "paid"), "{seen}");
    let t = usd(&app().get("/api/me/earnings", Some(&anna.api_key)).expect(200));
    assert_eq!((t["approved"].as_i64(), t["paid"].as_i64()), (Some(0), Some(3750)), "{t}");
    // Ben's payout is untouched.
    let b = app().get(&format!("/api/payouts/{}", pb["id"].as_str().unwrap()), Some(&ben.api_key)).expect(200);
    assert_eq!(b["state"], "pending");

    // A refund after the payout claws back; the next payout nets it.
    let r = s.refund(&first, "order.refunded", json!([{ "sku": s.sku(), "quantity": 1 }]));
    let v = s.deliver(&unique("dlv_"), &r).expect(200);
    assert_eq!(v["commissions"][0]["kind"], "clawback", "{v}");
    let t = usd(&app().get("/api/me/earnings", Some(&anna.api_key)).expect(200));
    // Every total stays non-negative: the clawback is owed back until a payout nets it.
    assert_eq!(
        (t["approved"].as_i64(), t["owed"].as_i64(), t["paid"].as_i64()),
        (Some(0), Some(1250), Some(3750)),
        "{t}"
    );
    // Owed back as much as earned since: no payout, and nothing owed or approved.
    sale(&s, s.sku(), &code_a, 1);
    approve();
    let t = usd(&app().get("/api/me/earnings", Some(&anna.api_key)).expect(200));
    assert_eq!((t["approved"].as_i64(), t["owed"].as_i64()), (Some(0), Some(0)), "{t}");
    assert_eq!(pay(&s, json!({ "currency": "USD" })), Vec::<Value>::new());
    sale(&s, s.sku(), &code_a, 2);
    approve();
    let next = pay(&s, json!({ "currency": "USD" }));
    assert_eq!(next.len(), 1, "{next:?}");
    assert_eq!((next[0]["amount"]["amount"].as_i64(), next[0]["entries"].as_i64()), (Some(2500), Some(3)));
}

#[test]
fn minimums_and_bad_input() {
    let s = program();
    let code = code_for(&s, &s.creator);
    sale(&s, s.sku(), &code, 1);
    approve();
    let key = Some(s.brand.api_key.as_str());
    for bad in [
        json!({}),
        json!({ "currency": "usd" }),
        json!({ "currency": "XXY" }),
        json!({ "currency": 840 }),
        json!({ "currency": "USD", "minimum": 0 }),
        json!({ "currency": "USD", "minimum": -5 }),
        json!({ "currency": "USD", "minimum": 1.5 }),
        json!({ "currency": "USD", "minimum": "100" }),
        json!({ "currency": "USD", "minimum": 9007199254740992u64 }),
    ] {
        app().post("/api/payouts", key, &bad).expect_error(422, "validation_failed");
    }
    app().post("/api/payouts", Some(&s.creator.api_key), &json!({ "currency": "USD" })).expect_error(403, "forbidden");
    // No balance in that currency, or less than the minimum: 201 with no items, nothing taken.
    assert_eq!(pay(&s, json!({ "currency": "EUR" })), Vec::<Value>::new());
    assert_eq!(pay(&s, json!({ "currency": "USD", "minimum": 1251 })), Vec::<Value>::new());
    let made = pay(&s, json!({ "currency": "USD", "minimum": 1250 }));
    assert_eq!(made.len(), 1);
    let paid = format!("/api/payouts/{}/paid", made[0]["id"].as_str().unwrap());
    for bad in [
        json!({}),
        json!({ "reference": "" }),
        json!({ "reference": "x".repeat(201) }),
        json!({ "reference": "a\u{0}" }),
    ] {
        app().post(&paid, key, &bad).expect_error(422, "validation_failed");
    }
    app().post("/api/payouts/po_nothing/paid", key, &json!({ "reference": "x" })).expect_error(404, "not_found");
    app().get("/api/payouts/po_nothing", key).expect_error(404, "not_found");
    assert_eq!(
        app().get(&format!("/api/payouts/{}", made[0]["id"].as_str().unwrap()), key).expect(200)["state"],
        "pending"
    );
}

#[test]
fn concurrent_payout_calls_put_every_entry_in_exactly_one_payout() {
    let s = program();
    let creators: Vec<Creator> = (0..4).map(|_| new_creator()).collect();
    let mut expected: BTreeMap<String, i64> = BTreeMap::new();
    for (i, c) in creators.iter().enumerate() {
        let code = code_for(&s, c);
        for units in 1..=(i as i64 + 1) {
            sale(&s, s.sku(), &code, units);
            *expected.entry(c.id.clone()).or_default() += units * 1250;
        }
    }
    approve();
    let key = s.brand.api_key.clone();
    let made: Vec<Value> = std::thread::scope(|scope| {
        let calls: Vec<_> = (0..10)
            .map(|_| scope.spawn(|| app().post("/api/payouts", Some(&key), &json!({ "currency": "USD" })).expect(201)))
            .collect();
        calls.into_iter().flat_map(|h| h.join().unwrap()["items"].as_array().cloned().unwrap()).collect()
    });
    // One payout per creator, for exactly the creator's balance.
    let got: BTreeMap<String, i64> = made
        .iter()
        .map(|p| (p["creator_id"].as_str().unwrap().to_string(), p["amount"]["amount"].as_i64().unwrap()))
        .collect();
    assert_eq!(made.len(), creators.len(), "{made:?}");
    assert_eq!(got, expected);
    // Every commission of the brand in exactly one payout.
    let mut in_payouts = Vec::new();
    for p in &made {
        let v = app().get(&format!("/api/payouts/{}", p["id"].as_str().unwrap()), Some(&key)).expect(200);
        in_payouts.extend(v["items"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap().to_string()));
    }
    let all = app().get("/api/commissions?limit=100", Some(&key)).expect(200);
    let ids: BTreeSet<String> =
        all["items"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(in_payouts.len(), ids.len(), "an entry is in two payouts");
    assert_eq!(in_payouts.into_iter().collect::<BTreeSet<_>>(), ids);
}

fn read_csv(body: &str) -> (Vec<String>, Vec<BTreeMap<String, String>>) {
    let mut r = csv::ReaderBuilder::new().has_headers(true).from_reader(body.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows =
        r.records().map(|rec| header.iter().cloned().zip(rec.unwrap().iter().map(str::to_string)).collect()).collect();
    (header, rows)
}

#[test]
fn commissions_and_payouts_export_as_csv_a_real_reader_reads_back() {
    let s = program();
    let tricky = [
        "Tee, \"Classic\" cut",
        "=HYPERLINK(\"https://evil.example\",\"click\")",
        "+1 deal",
        "-40% off; @everyone",
        "naïve 東京 ☕",
    ];
    let code = code_for(&s, &s.creator);
    for title in tricky {
        let p = new_product(&s.brand, json!({ "title": title, "commission_bps": 1000 }));
        sale(&s, p["sku"].as_str().unwrap(), &code, 1);
    }
    let key = Some(s.brand.api_key.as_str());
    let r = app().get("/api/commissions?format=csv", key);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(r.header("content-disposition").unwrap().starts_with("attachment"));
    assert!(r.body.ends_with("\r\n") && r.body.lines().count() == 1 + tricky.len(), "{}", r.body);
    let (header, rows) = read_csv(&r.body);
    for col in ["id", "order_id", "title", "amount", "currency", "attribution_method", "attribution_code", "payout_id"]
    {
        assert!(header.iter().any(|h| h == col), "{col} in {header:?}");
    }
    let titles: BTreeSet<&str> = rows.iter().map(|r| r["title"].as_str()).collect();
    let want: BTreeSet<String> = tricky
        .iter()
        .map(|t| if t.starts_with(['=', '+', '-', '@']) { format!("'{t}") } else { t.to_string() })
        .collect();
    assert_eq!(titles, want.iter().map(String::as_str).collect());
    for row in &rows {
        assert_eq!((row["amount"].as_str(), row["currency"].as_str()), ("1000", "USD"), "{row:?}");
        assert_eq!((row["attribution_method"].as_str(), row["attribution_code"].as_str()), ("code", code.as_str()));
        assert_eq!(row["payout_id"], "");
    }
    // The creator's own export holds the same rows.
    let mine = app().get("/api/me/commissions?format=csv", Some(&s.creator.api_key));
    assert_eq!(read_csv(&mine.body).1.len(), tricky.len());
    // Parts: limit and the cursor header.
    let part = app().get("/api/commissions?format=csv&limit=2", key);
    assert_eq!(read_csv(&part.body).1.len(), 2);
    let cursor = part.header("x-next-cursor").expect("x-next-cursor").to_string();
    let rest = app().get(&format!("/api/commissions?format=csv&limit=10&cursor={cursor}"), key);
    assert_eq!(read_csv(&rest.body).1.len(), tricky.len() - 2);
    assert_eq!(rest.header("x-next-cursor"), None);
    app().get("/api/commissions?format=xml", key).expect_error(422, "validation_failed");
    app().get("/api/commissions?format=csv&limit=10001", key).expect_error(422, "validation_failed");

    // A payout's entries, with the payout's id on each.
    approve();
    let made = pay(&s, json!({ "currency": "USD" }));
    let id = made[0]["id"].as_str().unwrap();
    let r = app().get(&format!("/api/payouts/{id}?format=csv"), Some(&s.creator.api_key));
    assert_eq!(r.header("content-type"), Some("text/csv; charset=utf-8"));
    let (_, rows) = read_csv(&r.body);
    assert_eq!(rows.len(), tricky.len());
    assert!(rows.iter().all(|row| row["payout_id"] == id && row["state"] == "approved"), "{rows:?}");
    let sum: i64 = rows.iter().map(|row| row["amount"].parse::<i64>().unwrap()).sum();
    assert_eq!(json!(sum), made[0]["amount"]["amount"]);
}
