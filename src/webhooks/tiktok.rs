//! TikTok Shop: `Authorization` (no `Bearer`) = lowercase hex of
//! HMAC-SHA256(app_key + raw body, app secret as UTF-8). Nothing time-related is signed;
//! the delivery id is `tts_notification_id` in the body, so the header gives none.

use super::{mac, required, HeaderLookup, Secret, Verified, VerifyError};

pub(super) const SIGNATURE: &str = "Authorization";

pub(super) fn verify<H: HeaderLookup + ?Sized>(
    headers: &H,
    body: &[u8],
    secret: &Secret,
) -> Result<Verified, VerifyError> {
    // The app key is part of the signed bytes; a brand stored without one cannot verify.
    let app_key = secret.app_key.filter(|k| !k.is_empty()).ok_or(VerifyError::Malformed("webhook_app_key"))?;
    let signature = required(headers, SIGNATURE)?;
    let tag = crate::domain::hex::decode(&signature).ok_or(VerifyError::Malformed(SIGNATURE))?;
    if !mac::matches_any(secret.secret.as_bytes(), &[app_key.as_bytes(), body], [tag.as_slice()]) {
        return Err(VerifyError::Mismatch);
    }
    Ok(Verified { delivery_id: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = br#"{"id":"evt_test","object":"event"}"#;
    const SIG: &str = "81c8db1ab2d9e827abb55c26e637a4d6a4dc5a9253739b11e99c9472584c746a";
    const SECRET: Secret<'static> = Secret { secret: "tts_app_secret", app_key: Some("tts_app_key") };

    #[test]
    fn regression_vector_verifies() {
        assert_eq!(verify(&[("authorization", SIG)], BODY, &SECRET), Ok(Verified { delivery_id: None }));
    }

    #[test]
    fn must_fail_cases() {
        let wrong_key = Secret { secret: "tts_app_secret", app_key: Some("other_key") };
        assert_eq!(verify(&[(SIGNATURE, SIG)], BODY, &wrong_key), Err(VerifyError::Mismatch));
        let wrong_secret = Secret { secret: "tts_other", app_key: Some("tts_app_key") };
        assert_eq!(verify(&[(SIGNATURE, SIG)], BODY, &wrong_secret), Err(VerifyError::Mismatch));
        let no_key = Secret { secret: "tts_app_secret", app_key: None };
        assert_eq!(verify(&[(SIGNATURE, SIG)], BODY, &no_key), Err(VerifyError::Malformed("webhook_app_key")));

        let mut changed = BODY.to_vec();
        changed[0] = b'[';
        assert_eq!(verify(&[(SIGNATURE, SIG)], &changed, &SECRET), Err(VerifyError::Mismatch));

        let none: [(&str, &str); 0] = [];
        assert_eq!(verify(&none, BODY, &SECRET), Err(VerifyError::Missing(SIGNATURE)));
        assert_eq!(verify(&[(SIGNATURE, &SIG[..62])], BODY, &SECRET), Err(VerifyError::Mismatch));
        assert_eq!(verify(&[(SIGNATURE, &SIG[..63])], BODY, &SECRET), Err(VerifyError::Malformed(SIGNATURE)));
        let bearer = format!("Bearer {SIG}");
        assert!(verify(&[(SIGNATURE, bearer.as_str())], BODY, &SECRET).is_err());
    }
}
