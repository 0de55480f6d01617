//! Strings through the wasm boundary, exactly. Each D1 answer enters the wasm as one JS string
//! (`store/d1.rs`) through wasm-bindgen's `passStringToWasm0`, which `scripts/build.sh` patches:
//! one `TextEncoder.encodeInto` for strings of 32+ UTF-16 units, else wasm-bindgen's copy
//! loop, and its UTF-8 path for anything non-ASCII. (Request bodies enter as bytes.) Product
//! titles of ASCII and non-ASCII text, around and beyond 32 characters, are written, then read
//! back from D1 through `GET /api/products` and `GET /api/showcase`, and compared as strings.

use crate::common::*;
use serde_json::{json, Value};
use std::collections::HashMap;

/// Titles at and around the 32-unit boundary (in UTF-16 units, what the glue's `len` counts,
/// and in characters), ASCII and not, with non-ASCII at the start, the boundary and the end.
/// No control characters, and no leading or trailing spaces (titles are trimmed).
fn titles() -> Vec<String> {
    let ascii = |n: usize| -> String { "abcdefghijklmnopqrstuvwxyz0123456789".chars().cycle().take(n).collect() };
    let mut t = vec![
        "a".to_string(),
        ascii(31),
        ascii(32),
        ascii(33),
        ascii(64),
        ascii(200),
        // JSON escapes in the body, plain text in the title.
        format!("Quote \" backslash \\ slash / {}", ascii(8)),
        // Two-byte UTF-8 (Latin-1 supplement), one UTF-16 unit each.
        "é".repeat(31),
        "é".repeat(32),
        "é".repeat(33),
        "Crème brûlée à la façon de Zoë, naïve".to_string(),
        // Three-byte UTF-8 (CJK), one UTF-16 unit each.
        "漢".repeat(31),
        "漢字かなカナ한국어".repeat(4),
        "東京都渋谷区神南一丁目の限定版スニーカー・ホワイト・二十七センチ".to_string(),
        // Four-byte UTF-8 (emoji), two UTF-16 units each: 15/16/17 emoji are 30/32/34 units.
        "😀".repeat(15),
        "😀".repeat(16),
        "😀".repeat(17),
        "🎧 Wireless earbuds 🎶 with case 🔋🔋 and 3 tips 🇯🇵".to_string(),
        "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝔣𝔯𝔞𝔨𝔱𝔲𝔯 𝔱𝔦𝔱𝔩𝔢 𝔬𝔣 𝔱𝔥𝔦𝔯𝔱𝔶-𝔱𝔴𝔬".to_string(),
        // Combining marks stay as sent (no normalisation): e + U+0301, a + U+0308 + U+0304.
        "e\u{301}".repeat(16),
        "e\u{301}".repeat(17),
        format!("{} a\u{308}\u{304} o\u{302}\u{323}", ascii(30)),
        // Right-to-left scripts.
        "שלום עולם — مرحبا بالعالم — Привет, мир — Γειά σου κόσμε".to_string(),
        // ASCII up to the boundary, then non-ASCII just before, at and after it.
        format!("{}é", ascii(30)),
        format!("{}é", ascii(31)),
        format!("{}é", ascii(32)),
        format!("é{}", ascii(32)),
        format!("{}😀", ascii(31)),
        format!("{}漢{}", ascii(31), ascii(31)),
        // The longest titles allowed: 200 characters, whatever their size in bytes.
        "é".repeat(200),
        "漢".repeat(200),
        "😀".repeat(200),
    ];
    // Mixed sizes in one long string.
    t.push("aé漢😀".repeat(50));
    t
}

fn by_id(list: &Value) -> HashMap<String, String> {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| (i["id"].as_str().expect("id").to_string(), i["title"].as_str().expect("title").to_string()))
        .collect()
}

/// Percent-encodes every byte but unreserved ASCII, for a query string.
fn query_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
fn titles_read_back_exactly_through_products_and_showcase() {
    let b = new_brand(json!({}));
    let titles = titles();
    assert!(titles.len() <= 100, "one page of the lists");
    let mut made = Vec::new();
    for title in &titles {
        let v = new_product(&b, json!({ "title": title }));
        assert_eq!(v["title"].as_str(), Some(title.as_str()), "the create's answer");
        made.push((v["id"].as_str().expect("id").to_string(), title.clone()));
    }

    let own = by_id(&app().get("/api/products?limit=100", Some(&b.api_key)).expect(200));
    let shown = by_id(&app().get(&format!("/api/showcase?brand={}&limit=100", b.id), None).expect(200));
    for (id, title) in &made {
        assert_eq!(own.get(id), Some(title), "GET /api/products, {} chars", title.chars().count());
        assert_eq!(shown.get(id), Some(title), "GET /api/showcase, {} chars", title.chars().count());
    }
    assert_eq!((own.len(), shown.len()), (made.len(), made.len()));
}

#[test]
fn a_non_ascii_title_is_searched_edited_and_limited_by_characters() {
    let b = new_brand(json!({}));
    let word = unique("限定");
    let title = format!("東京の{word}スニーカー・ホワイト・二十七センチ・😀");
    let p = new_product(&b, json!({ "title": title }));
    let id = p["id"].as_str().expect("id");

    // A non-ASCII q (percent-encoded in the URL, decoded in the worker) finds it.
    let found = app().get(&format!("/api/showcase?brand={}&q={}", b.id, query_escape(&word)), None).expect(200);
    assert_eq!(by_id(&found), HashMap::from([(id.to_string(), title.clone())]));

    // PATCH with a new non-ASCII title of 33 characters: answered and read back exactly.
    let edited = format!("{}é", "漢".repeat(32));
    let v = app().patch(&format!("/api/products/{id}"), Some(&b.api_key), &json!({ "title": edited })).expect(200);
    assert_eq!(v["title"].as_str(), Some(edited.as_str()));
    let own = by_id(&app().get("/api/products", Some(&b.api_key)).expect(200));
    assert_eq!(own.get(id), Some(&edited));

    // 200 characters is the limit, counted in characters (not bytes, not UTF-16 units).
    for over in ["é".repeat(201), "漢".repeat(201), "😀".repeat(201)] {
        let body = json!({"sku": unique("SKU-"), "title": over, "url": format!("https://{}/p", b.domain),
            "price": {"amount": 100, "currency": "USD"}});
        app().post("/api/products", Some(&b.api_key), &body).expect_error(422, "validation_failed");
    }
}
