//! Stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>…]`, each v1 =
//! hex(HMAC-SHA256("{t}.{raw body}", the whole `whsec_…` string as UTF-8)). Several v1
//! entries appear while a secret is being rolled; any one may match. `v0` (test-mode
//! legacy) and unknown entries are ignored. The delivery id is the event `id` in the body.

use super::{mac, required, HeaderLookup, Secret, Verified, VerifyError};

pub(super) const SIGNATURE: &str = "Stripe-Signature";

/// Stripe's own libraries reject events signed more than five minutes ago.
const TOLERANCE_SECS: i64 = 300;

pub(super) fn verify<H: HeaderLookup + ?Sized>(
    headers: &H,
    body: &[u8],
    secret: &Secret,
    now_secs: i64,
) -> Result<Verified, VerifyError> {
    let header = required(headers, SIGNATURE)?;
    let mut timestamp = None;
    let mut has_v1 = false;
    let mut candidates = Vec::new();
    for entry in header.split(',') {
        let Some((key, value)) = entry.split_once('=') else {
            continue;
        };
        match key.trim() {
            "t" if timestamp.is_none() => {
                let t = value.trim().parse::<i64>().map_err(|_| VerifyError::Malformed(SIGNATURE))?;
                timestamp = Some(t);
            }
            "v1" => {
                has_v1 = true;
                // A v1 that is not hex cannot match; the others still may.
                candidates.extend(crate::domain::hex::decode(value.trim()));
            }
            _ => {}
        }
    }
    let t = timestamp.ok_or(VerifyError::Malformed(SIGNATURE))?;
    if !has_v1 {
        return Err(VerifyError::Malformed(SIGNATURE));
    }
    let prefix = format!("{t}.");
    let signed = [prefix.as_bytes(), body];
    if !mac::matches_any(secret.secret.as_bytes(), &signed, candidates.iter().map(Vec::as_slice)) {
        return Err(VerifyError::Mismatch);
    }
    // Checked after the signature, so `Stale` only ever describes an authentic event.
    let age = now_secs.saturating_sub(t);
    if !(-TOLERANCE_SECS..=TOLERANCE_SECS).contains(&age) {
        return Err(VerifyError::Stale);
    }
    Ok(Verified { delivery_id: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = br#"{"id":"evt_test","object":"event"}"#;
    const HEADER: &str = "t=1700000000,v1=8042376f6ca064adbe037642a718227dfd59047137eb49497a54c49eb0cfb724";
    const V1: &str = "8042376f6ca064adbe037642a718227dfd59047137eb49497a54c49eb0cfb724";
    const NOW: i64 = 1_700_000_000;
    const SECRET: Secret<'static> = Secret { secret: "whsec_test_secret", app_key: None };

    fn check(header: &str, body: &[u8], now: i64) -> Result<Verified, VerifyError> {
        verify(&[("stripe-signature", header)], body, &SECRET, now)
    }

    #[test]
    fn regression_vector_verifies() {
        assert_eq!(check(HEADER, BODY, NOW), Ok(Verified { delivery_id: None }));
        // Within the window on both sides.
        assert!(check(HEADER, BODY, NOW + 300).is_ok());
        assert!(check(HEADER, BODY, NOW - 300).is_ok());
        // Spaces after commas are tolerated.
        assert!(check(&format!("t=1700000000, v1={V1}"), BODY, NOW).is_ok());
    }

    #[test]
    fn any_v1_may_match_and_v0_is_ignored() {
        let wrong = "0".repeat(64);
        assert!(check(&format!("t=1700000000,v1={wrong},v1={V1}"), BODY, NOW).is_ok());
        assert!(check(&format!("t=1700000000,v1=zz,v1={V1},v0={wrong}"), BODY, NOW).is_ok());
        assert_eq!(check(&format!("t=1700000000,v0={V1}"), BODY, NOW), Err(VerifyError::Malformed(SIGNATURE)));
        assert_eq!(check(&format!("t=1700000000,v1={wrong}"), BODY, NOW), Err(VerifyError::Mismatch));
    }

    #[test]
    fn must_fail_cases() {
        let wrong_secret = Secret { secret: "whsec_other", app_key: None };
        assert_eq!(verify(&[(SIGNATURE, HEADER)], BODY, &wrong_secret, NOW), Err(VerifyError::Mismatch));

        let mut changed = BODY.to_vec();
        changed[10] = b'X';
        assert_eq!(check(HEADER, &changed, NOW), Err(VerifyError::Mismatch));

        // Stale and future timestamps.
        assert_eq!(check(HEADER, BODY, NOW + 301), Err(VerifyError::Stale));
        assert_eq!(check(HEADER, BODY, NOW - 301), Err(VerifyError::Stale));
        // The timestamp is signed: moving it to "now" breaks the signature.
        assert_eq!(check(&format!("t=1700000400,v1={V1}"), BODY, NOW + 400), Err(VerifyError::Mismatch));

        let none: [(&str, &str); 0] = [];
        assert_eq!(verify(&none, BODY, &SECRET, NOW), Err(VerifyError::Missing(SIGNATURE)));
        assert_eq!(check(&format!("v1={V1}"), BODY, NOW), Err(VerifyError::Malformed(SIGNATURE)));
        assert_eq!(check("t=soon,v1=00", BODY, NOW), Err(VerifyError::Malformed(SIGNATURE)));
        assert_eq!(check("t=1700000000", BODY, NOW), Err(VerifyError::Malformed(SIGNATURE)));
        assert_eq!(check("t=1700000000,v1=", BODY, NOW), Err(VerifyError::Mismatch));
        assert_eq!(check(&HEADER[..HEADER.len() - 2], BODY, NOW), Err(VerifyError::Mismatch));
        assert_eq!(check(&HEADER[..HEADER.len() - 1], BODY, NOW), Err(VerifyError::Mismatch));
        assert_eq!(check(&format!("t=-9223372036854775808,v1={V1}"), BODY, i64::MAX), Err(VerifyError::Mismatch));
    }

    #[test]
    fn extreme_timestamps_do_not_overflow() {
        let t = i64::MIN;
        let sig = crate::domain::hex::encode(&mac::sign(SECRET.secret.as_bytes(), &[format!("{t}.").as_bytes(), BODY]));
        assert_eq!(check(&format!("t={t},v1={sig}"), BODY, i64::MAX), Err(VerifyError::Stale));
        let t = i64::MAX;
        let sig = crate::domain::hex::encode(&mac::sign(SECRET.secret.as_bytes(), &[format!("{t}.").as_bytes(), BODY]));
        assert_eq!(check(&format!("t={t},v1={sig}"), BODY, i64::MIN), Err(VerifyError::Stale));
    }
}
