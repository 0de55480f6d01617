//! The one HMAC-SHA256 check every scheme shares, plus the hex/base64 decoding they need.
//! Kept in one place so no scheme grows its own (possibly non-constant-time) comparison.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// True when HMAC-SHA256 over the concatenation of `parts` under `key` equals any of
/// `candidates`. Each comparison is constant-time and length-checked (`verify_slice`),
/// so a truncated or empty candidate simply fails.
pub(super) fn matches_any<'c>(key: &[u8], parts: &[&[u8]], candidates: impl IntoIterator<Item = &'c [u8]>) -> bool {
    // HMAC accepts keys of any length; the error branch is unreachable but not unwrapped.
    let Ok(mut mac) = HmacSha256::new_from_slice(key) else {
        return false;
    };
    for part in parts {
        mac.update(part);
    }
    candidates.into_iter().any(|candidate| mac.clone().verify_slice(candidate).is_ok())
}

/// HMAC-SHA256 over the concatenation of `parts`: the events we send, and tests' fixtures.
pub(super) fn sign(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    // HMAC accepts keys of any length: the error branch is unreachable, and yields no tag.
    let Ok(mut mac) = HmacSha256::new_from_slice(key) else {
        return Vec::new();
    };
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().to_vec()
}

/// Standard (padded) base64; `None` when it is not valid base64.
pub(super) fn decode_base64(s: &str) -> Option<Vec<u8>> {
    STANDARD.decode(s).ok()
}

pub(super) fn encode_base64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_any_accepts_only_the_exact_tag() {
        let tag = sign(b"key", &[b"a", b"bc"]);
        // Parts are concatenated: "a" + "bc" signs the same bytes as "abc".
        assert!(matches_any(b"key", &[b"abc"], [tag.as_slice()]));
        assert!(matches_any(b"key", &[b"abc"], [&b"nope"[..], tag.as_slice()]));
        assert!(!matches_any(b"key", &[b"abc"], [&tag[..31]]));
        assert!(!matches_any(b"key", &[b"abc"], [&[][..]]));
        assert!(!matches_any(b"other", &[b"abc"], [tag.as_slice()]));
        assert!(!matches_any(b"key", &[b"abc"], std::iter::empty()));
    }
}
