//! WooCommerce: `X-WC-Webhook-Signature` = base64(HMAC-SHA256(raw body, secret as UTF-8)).
//! No timestamp is signed and WooCommerce never retries; `X-WC-Webhook-Delivery-ID`
//! still dedupes deliveries replayed by hand or by a proxy.

use super::{HeaderLookup, Secret, Verified, VerifyError};

pub(super) const SIGNATURE: &str = "X-WC-Webhook-Signature";
pub(super) const DELIVERY_ID: &str = "X-WC-Webhook-Delivery-ID";

pub(super) fn verify<H: HeaderLookup + ?Sized>(
    headers: &H,
    body: &[u8],
    secret: &Secret,
) -> Result<Verified, VerifyError> {
    super::shopify::verify_body_signature(headers, body, secret, SIGNATURE, DELIVERY_ID)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = br#"{"id":"evt_test","object":"event"}"#;
    const SIG: &str = "3p0WYWlVxV1Y7TvDAugaWL04wQceioflfweSGbDIzyU=";
    const SECRET: Secret<'static> = Secret { secret: "woo_test_secret", app_key: None };

    #[test]
    fn regression_vector_verifies_with_delivery_id() {
        let headers = [("x-wc-webhook-signature", SIG), ("x-wc-webhook-delivery-id", "7f3a")];
        assert_eq!(verify(&headers, BODY, &SECRET).unwrap().delivery_id.as_deref(), Some("7f3a"));
    }

    #[test]
    fn must_fail_cases() {
        let wrong_secret = Secret { secret: "woo_test_secreT", app_key: None };
        assert_eq!(verify(&[(SIGNATURE, SIG)], BODY, &wrong_secret), Err(VerifyError::Mismatch));

        let mut changed = BODY.to_vec();
        *changed.last_mut().unwrap() = b' ';
        assert_eq!(verify(&[(SIGNATURE, SIG)], &changed, &SECRET), Err(VerifyError::Mismatch));

        let none: [(&str, &str); 0] = [];
        assert_eq!(verify(&none, BODY, &SECRET), Err(VerifyError::Missing(SIGNATURE)));
        assert!(verify(&[(SIGNATURE, &SIG[..20])], BODY, &SECRET).is_err());
        // The ping body is not signed: without a signature header it never verifies.
        assert_eq!(verify(&none, b"webhook_id=1", &SECRET), Err(VerifyError::Missing(SIGNATURE)));
    }
}
