//! Standard Webhooks (Svix): `webhook-id`, `webhook-timestamp`, and `webhook-signature:
//! v1,<b64>[ v1,<b64>…]` (space separated). Each v1 = base64(HMAC-SHA256(
//! "{id}.{timestamp}.{raw body}", base64-decode of the secret after `whsec_`)).
//! Only `v1,` entries are HMAC; `v1a,` (ed25519) and unknown versions are ignored.
//! Svix's own `svix-*` header names are accepted as aliases.

use super::{mac, optional, HeaderLookup, Secret, Verified, VerifyError};

pub(super) const ID: &str = "webhook-id";
pub(super) const TIMESTAMP: &str = "webhook-timestamp";
pub(super) const SIGNATURE: &str = "webhook-signature";

/// The spec rejects timestamps more than five minutes away, in either direction.
const TOLERANCE_SECS: i64 = 300;

pub(super) fn verify<H: HeaderLookup + ?Sized>(
    headers: &H,
    body: &[u8],
    secret: &Secret,
    now_secs: i64,
) -> Result<Verified, VerifyError> {
    let id = header(headers, ID, "svix-id")?;
    let timestamp = header(headers, TIMESTAMP, "svix-timestamp")?;
    let signature = header(headers, SIGNATURE, "svix-signature")?;
    let ts = timestamp.parse::<i64>().map_err(|_| VerifyError::Malformed(TIMESTAMP))?;
    let key = decode_secret(secret.secret).ok_or(VerifyError::Malformed("webhook secret"))?;

    let candidates: Vec<Vec<u8>> =
        signature.split(' ').filter_map(|entry| entry.strip_prefix("v1,")).filter_map(mac::decode_base64).collect();
    let prefix = format!("{id}.{ts}.");
    let signed = [prefix.as_bytes(), body];
    if !mac::matches_any(&key, &signed, candidates.iter().map(Vec::as_slice)) {
        return Err(VerifyError::Mismatch);
    }
    // Checked after the signature, so `Stale` only ever describes an authentic message.
    let skew = now_secs.saturating_sub(ts);
    if !(-TOLERANCE_SECS..=TOLERANCE_SECS).contains(&skew) {
        return Err(VerifyError::Stale);
    }
    Ok(Verified { delivery_id: Some(id) })
}

/// The `webhook-signature` of an event we send: `v1,` + base64(HMAC-SHA256(key,
/// "{id}.{timestamp}.{body}")). `None` when the secret is not `whsec_` + base64.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> Option<String> {
    let key = decode_secret(secret)?;
    let prefix = format!("{id}.{timestamp}.");
    Some(format!("v1,{}", mac::encode_base64(&mac::sign(&key, &[prefix.as_bytes(), body.as_bytes()]))))
}

fn header<H: HeaderLookup + ?Sized>(headers: &H, name: &'static str, alias: &str) -> Result<String, VerifyError> {
    optional(headers, name).or_else(|| optional(headers, alias)).ok_or(VerifyError::Missing(name))
}

/// The HMAC key is the base64 after `whsec_` (the prefix is optional, as in the
/// reference libraries); padding may be omitted.
fn decode_secret(secret: &str) -> Option<Vec<u8>> {
    let b64 = secret.strip_prefix("whsec_").unwrap_or(secret).trim();
    let padded = format!("{b64}{}", "=".repeat((4 - b64.len() % 4) % 4));
    mac::decode_base64(b64).or_else(|| mac::decode_base64(&padded))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: Secret<'static> = Secret { secret: "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD", app_key: None };
    const MSG_ID: &str = "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk";
    const TS: &str = "1649367553";
    const NOW: i64 = 1_649_367_553;
    const BODY: &[u8] = br#"{"email":"test@example.com","username":"test_user"}"#;
    const SIG: &str = "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=";

    fn check(signature: &str, body: &[u8], now: i64) -> Result<Verified, VerifyError> {
        let headers = [(ID, MSG_ID), (TIMESTAMP, TS), (SIGNATURE, signature)];
        verify(&headers, body, &SECRET, now)
    }

    #[test]
    fn what_we_sign_is_the_official_vector() {
        let body = std::str::from_utf8(BODY).unwrap();
        assert_eq!(sign(SECRET.secret, MSG_ID, NOW, body).as_deref(), Some(SIG));
        assert_eq!(sign("whsec_!!!", MSG_ID, NOW, body), None);
    }

    #[test]
    fn official_vector_verifies_with_delivery_id() {
        assert_eq!(check(SIG, BODY, NOW), Ok(Verified { delivery_id: Some(MSG_ID.to_string()) }));
        assert!(check(SIG, BODY, NOW + 300).is_ok());
        assert!(check(SIG, BODY, NOW - 300).is_ok());
        let svix = [("svix-id", MSG_ID), ("svix-timestamp", TS), ("svix-signature", SIG)];
        assert!(verify(&svix, BODY, &SECRET, NOW).is_ok());
    }

    #[test]
    fn any_v1_may_match_and_others_are_ignored() {
        let wrong = "v1,R3PTzyfHASBKHH98a7yexTwaJ4yNIcGhFQc1yuN+BPU=";
        assert!(check(&format!("{wrong} {SIG}"), BODY, NOW).is_ok());
        assert!(check(&format!("v1a,AAAA v1, v2,xyz {SIG}"), BODY, NOW).is_ok());
        // The same bytes under another version label are not a v1 signature.
        let v1a = SIG.replacen("v1,", "v1a,", 1);
        assert_eq!(check(&v1a, BODY, NOW), Err(VerifyError::Mismatch));
    }

    #[test]
    fn must_fail_cases() {
        assert_eq!(check("v1,R3PTzyfHASBKHH98a7yexTwaJ4yNIcGhFQc1yuN+BPU=", BODY, NOW), Err(VerifyError::Mismatch));
        assert_eq!(check("v1,", BODY, NOW), Err(VerifyError::Mismatch));
        assert_eq!(check("v1,not-base64!", BODY, NOW), Err(VerifyError::Mismatch));
        assert_eq!(check(&SIG[..SIG.len() - 4], BODY, NOW), Err(VerifyError::Mismatch));
        assert_eq!(check(&SIG[..SIG.len() - 1], BODY, NOW), Err(VerifyError::Mismatch));

        let mut changed = BODY.to_vec();
        changed[2] = b'E';
        assert_eq!(check(SIG, &changed, NOW), Err(VerifyError::Mismatch));

        // More than five minutes old or ahead.
        assert_eq!(check(SIG, BODY, NOW + 301), Err(VerifyError::Stale));
        assert_eq!(check(SIG, BODY, NOW - 301), Err(VerifyError::Stale));

        // The id and timestamp are signed.
        let other_id = [(ID, "msg_other"), (TIMESTAMP, TS), (SIGNATURE, SIG)];
        assert_eq!(verify(&other_id, BODY, &SECRET, NOW), Err(VerifyError::Mismatch));
        let other_ts = [(ID, MSG_ID), (TIMESTAMP, "1649367554"), (SIGNATURE, SIG)];
        assert_eq!(verify(&other_ts, BODY, &SECRET, NOW), Err(VerifyError::Mismatch));

        // Missing headers, each named.
        let no_id = [(TIMESTAMP, TS), (SIGNATURE, SIG)];
        assert_eq!(verify(&no_id, BODY, &SECRET, NOW), Err(VerifyError::Missing(ID)));
        let no_ts = [(ID, MSG_ID), (SIGNATURE, SIG)];
        assert_eq!(verify(&no_ts, BODY, &SECRET, NOW), Err(VerifyError::Missing(TIMESTAMP)));
        let no_sig = [(ID, MSG_ID), (TIMESTAMP, TS)];
        assert_eq!(verify(&no_sig, BODY, &SECRET, NOW), Err(VerifyError::Missing(SIGNATURE)));
        let bad_ts = [(ID, MSG_ID), (TIMESTAMP, "yesterday"), (SIGNATURE, SIG)];
        assert_eq!(verify(&bad_ts, BODY, &SECRET, NOW), Err(VerifyError::Malformed(TIMESTAMP)));

        let wrong_secret = Secret { secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", app_key: None };
        let headers = [(ID, MSG_ID), (TIMESTAMP, TS), (SIGNATURE, SIG)];
        assert_eq!(verify(&headers, BODY, &wrong_secret, NOW), Err(VerifyError::Mismatch));
        let broken_secret = Secret { secret: "whsec_!!!", app_key: None };
        assert_eq!(verify(&headers, BODY, &broken_secret, NOW), Err(VerifyError::Malformed("webhook secret")));
    }

    #[test]
    fn secret_prefix_and_padding_are_optional() {
        let bare = Secret { secret: "C2FVsBQIhrscChlQIMV+b5sSYspob7oD", app_key: None };
        let headers = [(ID, MSG_ID), (TIMESTAMP, TS), (SIGNATURE, SIG)];
        assert!(verify(&headers, BODY, &bare, NOW).is_ok());
        assert_eq!(decode_secret("whsec_AAE"), Some(vec![0, 1]));
    }
}
