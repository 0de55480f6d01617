//! Order webhooks: one signature verifier per scheme and the payload parsers. Pure code:
//! no `worker` types and no I/O, so every scheme is tested natively against its vectors.
//!
//! Order of use in the HTTP layer: [`is_woocommerce_ping`] (answer 200, store nothing),
//! then [`verify`] over the raw body (any error → 401), then [`parse_canonical`] or
//! [`parse_shopify`] (→ 400/422 via [`PayloadError::status`]).

pub mod canonical;
pub mod event;
pub mod shopify_order;

mod mac;
mod shopify;
mod standard;
mod stripe;
mod tiktok;
mod woocommerce;

/// Signs an event we send, as Standard Webhooks (the scheme `standard` verifies).
pub use standard::sign as sign_standard;

use std::fmt;

pub use canonical::parse_canonical;
pub use event::{EventKind, LineItem, OrderEvent, PayloadError, RefundItem};
pub use shopify_order::parse_shopify;

/// Request headers as the verifiers see them. The HTTP layer adapts its own header type;
/// matching names case-insensitively is the implementor's job.
pub trait HeaderLookup {
    fn header(&self, name: &str) -> Option<String>;
}

/// Any `Fn(&str) -> Option<String>` is a lookup, so the HTTP layer can pass a closure.
impl<F: Fn(&str) -> Option<String>> HeaderLookup for F {
    fn header(&self, name: &str) -> Option<String> {
        self(name)
    }
}

/// Name/value pairs (tests, fixtures), looked up case-insensitively; first match wins.
impl<N: AsRef<str>, V: AsRef<str>> HeaderLookup for [(N, V)] {
    fn header(&self, name: &str) -> Option<String> {
        self.iter().find(|(n, _)| n.as_ref().eq_ignore_ascii_case(name)).map(|(_, v)| v.as_ref().to_string())
    }
}

impl<N: AsRef<str>, V: AsRef<str>, const K: usize> HeaderLookup for [(N, V); K] {
    fn header(&self, name: &str) -> Option<String> {
        self[..].header(name)
    }
}

impl<N: AsRef<str>, V: AsRef<str>> HeaderLookup for Vec<(N, V)> {
    fn header(&self, name: &str) -> Option<String> {
        self[..].header(name)
    }
}

/// How a brand's platform signs its webhooks (`webhook_scheme` in the contract; stored and
/// answered by the same lowercase name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    Shopify,
    WooCommerce,
    Stripe,
    Standard,
    TikTok,
}

impl Scheme {
    pub const ALL: [Scheme; 5] =
        [Scheme::Shopify, Scheme::WooCommerce, Scheme::Stripe, Scheme::Standard, Scheme::TikTok];

    /// Parses the contract's lowercase name; anything else is `None` (→ 422).
    pub fn parse(s: &str) -> Option<Scheme> {
        Scheme::ALL.into_iter().find(|scheme| scheme.as_str() == s)
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Scheme::Shopify => "shopify",
            Scheme::WooCommerce => "woocommerce",
            Scheme::Stripe => "stripe",
            Scheme::Standard => "standard",
            Scheme::TikTok => "tiktok",
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A brand's webhook credentials. `app_key` is only used (and required) by `tiktok`,
/// which signs `app_key + body`.
#[derive(Debug, Clone, Copy)]
pub struct Secret<'a> {
    pub secret: &'a str,
    pub app_key: Option<&'a str>,
}

/// Why a delivery was rejected. Every variant answers 401; the detail is for logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyError {
    /// A required header is absent or empty (its name).
    Missing(&'static str),
    /// A header (or the stored secret) cannot be parsed (which one).
    Malformed(&'static str),
    /// Well-formed, but no signature matches this body and secret.
    Mismatch,
    /// Authentic, but its signed timestamp is outside the replay window.
    Stale,
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyError::Missing(name) => write!(f, "missing {name} header"),
            VerifyError::Malformed(name) => write!(f, "malformed {name}"),
            VerifyError::Mismatch => f.write_str("signature does not match"),
            VerifyError::Stale => f.write_str("signature timestamp outside the replay window"),
        }
    }
}

impl std::error::Error for VerifyError {}

/// What a successful check learned from the headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The scheme's header delivery id (shopify, woocommerce, standard); `None` for
    /// stripe and tiktok, whose id is in the body (see [`OrderEvent::delivery_id`]).
    pub delivery_id: Option<String>,
}

/// Checks `body` (the raw request bytes, before any parsing) against the scheme's
/// signature headers, in constant time, accepting any one of several signatures.
/// `now_secs` is Unix time, passed in so replay windows are testable.
pub fn verify<H: HeaderLookup + ?Sized>(
    scheme: Scheme,
    headers: &H,
    body: &[u8],
    secret: &Secret,
    now_secs: i64,
) -> Result<Verified, VerifyError> {
    match scheme {
        Scheme::Shopify => shopify::verify(headers, body, secret),
        Scheme::WooCommerce => woocommerce::verify(headers, body, secret),
        Scheme::Stripe => stripe::verify(headers, body, secret, now_secs),
        Scheme::Standard => standard::verify(headers, body, secret, now_secs),
        Scheme::TikTok => tiktok::verify(headers, body, secret),
    }
}

/// A fresh secret in the format the scheme's platform would issue, from 32 random bytes:
/// `whsec_` + base64 for standard and stripe, lowercase hex for the others.
pub fn generate_secret(scheme: Scheme, random: &[u8; 32]) -> String {
    match scheme {
        Scheme::Standard | Scheme::Stripe => format!("whsec_{}", mac::encode_base64(random)),
        Scheme::Shopify | Scheme::WooCommerce | Scheme::TikTok => crate::domain::hex::encode(random),
    }
}

/// WooCommerce's unsigned creation ping: a form body `webhook_id=<digits>` and no
/// signature header. It must answer 200 and store nothing, so it is recognised narrowly.
pub fn is_woocommerce_ping<H: HeaderLookup + ?Sized>(headers: &H, body: &[u8]) -> bool {
    if headers.header(woocommerce::SIGNATURE).is_some() {
        return false;
    }
    let Some(digits) = body.strip_prefix(b"webhook_id=") else {
        return false;
    };
    let digits = digits.strip_suffix(b"\n").unwrap_or(digits);
    !digits.is_empty() && digits.len() <= 20 && digits.iter().all(u8::is_ascii_digit)
}

/// A header's trimmed value, or `Missing` when absent or blank.
fn required<H: HeaderLookup + ?Sized>(headers: &H, name: &'static str) -> Result<String, VerifyError> {
    optional(headers, name).ok_or(VerifyError::Missing(name))
}

/// A header's trimmed value; blank counts as absent.
fn optional<H: HeaderLookup + ?Sized>(headers: &H, name: &str) -> Option<String> {
    headers.header(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_are_stored_and_answered_by_their_contract_names() {
        for scheme in Scheme::ALL {
            let name = serde_json::to_value(scheme).ok();
            assert_eq!(name, Some(serde_json::Value::String(scheme.as_str().into())));
            assert_eq!(serde_json::from_value::<Scheme>(serde_json::json!(scheme.as_str())).ok(), Some(scheme));
        }
    }

    #[test]
    fn schemes_parse_and_print() {
        for scheme in Scheme::ALL {
            assert_eq!(Scheme::parse(scheme.as_str()), Some(scheme));
        }
        assert_eq!(Scheme::parse("Shopify"), None);
        assert_eq!(Scheme::parse("svix"), None);
        assert_eq!(Scheme::parse(""), None);
    }

    #[test]
    fn header_lookups_ignore_case() {
        let owned = vec![("X-Thing".to_string(), "1".to_string())];
        assert_eq!(owned.header("x-thing").as_deref(), Some("1"));
        let borrowed = [("x-thing", "2")];
        assert_eq!(borrowed.header("X-THING").as_deref(), Some("2"));
        assert_eq!(borrowed[..].header("x-other"), None);
        let closure = |name: &str| (name == "a").then(|| "3".to_string());
        assert_eq!(closure.header("a").as_deref(), Some("3"));
    }

    #[test]
    fn verify_dispatches_on_scheme() {
        let body = br#"{"id":"evt_test","object":"event"}"#;
        let headers = [("X-WC-Webhook-Signature", "3p0WYWlVxV1Y7TvDAugaWL04wQceioflfweSGbDIzyU=")];
        let secret = Secret { secret: "woo_test_secret", app_key: None };
        assert!(verify(Scheme::WooCommerce, &headers, body, &secret, 0).is_ok());
        assert_eq!(
            verify(Scheme::Shopify, &headers, body, &secret, 0),
            Err(VerifyError::Missing("X-Shopify-Hmac-Sha256"))
        );
    }

    #[test]
    fn generated_secrets_have_the_scheme_format_and_verify() {
        let random = [7u8; 32];
        let standard = generate_secret(Scheme::Standard, &random);
        assert!(standard.starts_with("whsec_"));
        assert_eq!(mac::decode_base64(&standard["whsec_".len()..]), Some(random.to_vec()));
        assert!(generate_secret(Scheme::Stripe, &random).starts_with("whsec_"));
        for scheme in [Scheme::Shopify, Scheme::WooCommerce, Scheme::TikTok] {
            let s = generate_secret(scheme, &random);
            assert_eq!(s.len(), 64);
            assert!(s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        }
        assert_ne!(generate_secret(Scheme::Shopify, &[8u8; 32]), generate_secret(Scheme::Shopify, &random));

        // A generated standard secret signs and verifies end to end.
        let key = mac::decode_base64(&standard["whsec_".len()..]).unwrap();
        let sig = mac::encode_base64(&mac::sign(&key, &[b"msg_1.100.", b"{}"]));
        let headers = [
            ("webhook-id", "msg_1".to_string()),
            ("webhook-timestamp", "100".to_string()),
            ("webhook-signature", format!("v1,{sig}")),
        ];
        let secret = Secret { secret: &standard, app_key: None };
        assert!(verify(Scheme::Standard, &headers, b"{}", &secret, 100).is_ok());
    }

    #[test]
    fn woocommerce_ping_is_recognised_narrowly() {
        let none: [(&str, &str); 0] = [];
        assert!(is_woocommerce_ping(&none, b"webhook_id=42"));
        assert!(!is_woocommerce_ping(&none, b"webhook_id="));
        assert!(!is_woocommerce_ping(&none, b"webhook_id=42&x=1"));
        assert!(!is_woocommerce_ping(&none, br#"{"webhook_id":42}"#));
        assert!(!is_woocommerce_ping(&none, b""));
        let signed = [("x-wc-webhook-signature", "abc=")];
        assert!(!is_woocommerce_ping(&signed, b"webhook_id=42"));
    }

    #[test]
    fn errors_display_for_logs() {
        assert_eq!(VerifyError::Missing("webhook-id").to_string(), "missing webhook-id header");
        assert_eq!(VerifyError::Mismatch.to_string(), "signature does not match");
    }
}
