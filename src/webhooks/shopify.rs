//! Shopify: `X-Shopify-Hmac-Sha256` = base64(HMAC-SHA256(raw body, secret as UTF-8)).
//! Nothing time-related is signed, so there is no replay window; duplicates are caught
//! by the delivery id `X-Shopify-Webhook-Id`, which stays the same on every retry.

use super::{mac, optional, required, HeaderLookup, Secret, Verified, VerifyError};

pub(super) const SIGNATURE: &str = "X-Shopify-Hmac-Sha256";
pub(super) const DELIVERY_ID: &str = "X-Shopify-Webhook-Id";

pub(super) fn verify<H: HeaderLookup + ?Sized>(
    headers: &H,
    body: &[u8],
    secret: &Secret,
) -> Result<Verified, VerifyError> {
    verify_body_signature(headers, body, secret, SIGNATURE, DELIVERY_ID)
}

/// base64(HMAC-SHA256(raw body, secret as UTF-8)) in `signature_header`, with the delivery
/// id in `id_header`: Shopify's scheme, which WooCommerce shares but for the header names.
pub(super) fn verify_body_signature<H: HeaderLookup + ?Sized>(
    headers: &H,
    body: &[u8],
    secret: &Secret,
    signature_header: &'static str,
    id_header: &'static str,
) -> Result<Verified, VerifyError> {
    let signature = required(headers, signature_header)?;
    let tag = mac::decode_base64(&signature).ok_or(VerifyError::Malformed(signature_header))?;
    if !mac::matches_any(secret.secret.as_bytes(), &[body], [tag.as_slice()]) {
        return Err(VerifyError::Mismatch);
    }
    Ok(Verified { delivery_id: optional(headers, id_header) })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = br#"{"id":"evt_test","object":"event"}"#;
    const SIG: &str = "Ur4J5LuO1UwC00cDlmwtg7M7zByxWcu7p7PKEJ7AE+U=";
    const SECRET: Secret<'static> = Secret { secret: "shpss_test_secret", app_key: None };

    #[test]
    fn regression_vector_verifies_with_delivery_id() {
        let headers = [("x-shopify-hmac-sha256", SIG), ("X-Shopify-Webhook-Id", "b54557e4")];
        let verified = verify(&headers, BODY, &SECRET).unwrap();
        assert_eq!(verified.delivery_id.as_deref(), Some("b54557e4"));
        let no_id = [(SIGNATURE, SIG)];
        assert_eq!(verify(&no_id, BODY, &SECRET).unwrap().delivery_id, None);
    }

    #[test]
    fn must_fail_cases() {
        let wrong_secret = Secret { secret: "shpss_other", app_key: None };
        assert_eq!(verify(&[(SIGNATURE, SIG)], BODY, &wrong_secret), Err(VerifyError::Mismatch));

        let mut changed = BODY.to_vec();
        changed[8] ^= 1;
        assert_eq!(verify(&[(SIGNATURE, SIG)], &changed, &SECRET), Err(VerifyError::Mismatch));

        let none: [(&str, &str); 0] = [];
        assert_eq!(verify(&none, BODY, &SECRET), Err(VerifyError::Missing(SIGNATURE)));
        assert_eq!(verify(&[(SIGNATURE, " ")], BODY, &SECRET), Err(VerifyError::Missing(SIGNATURE)));

        // Truncated: invalid base64 padding, or valid base64 of too few bytes.
        assert!(verify(&[(SIGNATURE, &SIG[..SIG.len() - 2])], BODY, &SECRET).is_err());
        assert_eq!(
            verify(&[(SIGNATURE, "Ur4J5LuO1UwC00cDlmwtg7M7zByxWcu7p7PKEJ7A")], BODY, &SECRET),
            Err(VerifyError::Mismatch)
        );
        assert_eq!(verify(&[(SIGNATURE, "not base64!")], BODY, &SECRET), Err(VerifyError::Malformed(SIGNATURE)));
        // Hex of the right MAC is still the wrong encoding.
        let hex = crate::domain::hex::encode(&mac::decode_base64(SIG).unwrap());
        assert!(verify(&[(SIGNATURE, hex.as_str())], BODY, &SECRET).is_err());
    }
}
