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

/// HMAC-SHA256 over the concatenation of `parts`; tests use it to sign their own fixtures.
#[cfg(test)]
pub(super) fn sign(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut mac = HmacSha256::new_from_slice(key).expect("any key length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().to_vec()
}

/// Decodes hex of either case; `None` on odd length or a non-hex digit.
pub(super) fn decode_hex(s: &str) -> Option<Vec<u8>> {
    let bytes = s.as_bytes();
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    bytes.chunks_exact(2).map(|pair| Some((nibble(pair[0])? << 4) | nibble(pair[1])?)).collect()
}

fn nibble(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Lowercase hex, the form Stripe and TikTok sign with.
pub(super) fn encode_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
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
    fn hex_round_trips_and_rejects_garbage() {
        assert_eq!(encode_hex(&[0x00, 0xab, 0xff]), "00abff");
        assert_eq!(decode_hex("00abFF"), Some(vec![0x00, 0xab, 0xff]));
        assert_eq!(decode_hex("abc"), None);
        assert_eq!(decode_hex("zz"), None);
        assert_eq!(decode_hex(""), Some(vec![]));
    }

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
