//! Signing webhook deliveries the way each platform does (see
//! shared/reference/webhook-signatures.md), written independently of the worker's verifiers.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

fn hmac(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn now_secs() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// Headers for a delivery of `body` under `scheme`. `delivery_id` goes where the scheme
/// carries one in a header; `app_key` is TikTok's.
pub fn headers(
    scheme: &str,
    secret: &str,
    app_key: Option<&str>,
    delivery_id: &str,
    body: &[u8],
) -> Vec<(String, String)> {
    headers_at(scheme, secret, app_key, delivery_id, body, now_secs())
}

pub fn headers_at(
    scheme: &str,
    secret: &str,
    app_key: Option<&str>,
    delivery_id: &str,
    body: &[u8],
    ts: i64,
) -> Vec<(String, String)> {
    let h = |k: &str, v: String| (k.to_string(), v);
    match scheme {
        "shopify" => vec![
            h("X-Shopify-Hmac-Sha256", B64.encode(hmac(secret.as_bytes(), &[body]))),
            h("X-Shopify-Webhook-Id", delivery_id.to_string()),
        ],
        "woocommerce" => vec![
            h("X-WC-Webhook-Signature", B64.encode(hmac(secret.as_bytes(), &[body]))),
            h("X-WC-Webhook-Delivery-ID", delivery_id.to_string()),
        ],
        "stripe" => {
            let t = ts.to_string();
            let sig = hex(&hmac(secret.as_bytes(), &[t.as_bytes(), b".", body]));
            vec![h("Stripe-Signature", format!("t={t},v1={sig}"))]
        }
        "standard" => {
            let key = B64.decode(secret.trim_start_matches("whsec_")).expect("standard secret is base64");
            let t = ts.to_string();
            let sig = B64.encode(hmac(&key, &[delivery_id.as_bytes(), b".", t.as_bytes(), b".", body]));
            vec![
                h("webhook-id", delivery_id.to_string()),
                h("webhook-timestamp", t),
                h("webhook-signature", format!("v1,{sig}")),
            ]
        }
        "tiktok" => {
            let key = app_key.expect("tiktok needs the app key");
            vec![h("Authorization", hex(&hmac(secret.as_bytes(), &[key.as_bytes(), body])))]
        }
        other => panic!("unknown scheme {other}"),
    }
}

/// Whether `signature` (`v1,<b64> …`) signs `id.timestamp.body` under a Standard Webhooks
/// `secret`: the check a receiver of our events makes, written without the worker's code.
pub fn standard_signature_holds(secret: &str, id: &str, timestamp: &str, body: &str, signature: &str) -> bool {
    let Ok(key) = B64.decode(secret.trim_start_matches("whsec_")) else { return false };
    let want = B64.encode(hmac(&key, &[id.as_bytes(), b".", timestamp.as_bytes(), b".", body.as_bytes()]));
    signature.split(' ').any(|s| s.strip_prefix("v1,") == Some(want.as_str()))
}
