//! Click ids that attribute by themselves. A click is written to D1 after it has gone
//! through a queue, so an order may name a click whose row isn't there yet. The id carries
//! what attribution needs — the link, the click's time, whether it was a bot — under an
//! HMAC with a secret (`CLICK_SECRET`), so the webhook can attribute it exactly and a forged
//! or altered id attributes nothing.
//!
//! `clk_` + base32(payload ‖ tag) (RFC 4648's alphabet in lowercase, unpadded: ids stay
//! alphanumeric, like every other id), 87 characters after the prefix:
//! payload = version (1) ‖ flags (1: bit 0 bot) ‖ click time, ms (6, big-endian) ‖ nonce (8)
//! ‖ the link id's 22 characters after `ln_`; tag = the first 16 bytes of
//! HMAC-SHA256(secret, payload). Release 1's ids (`clk_` + 22 base62 characters) are not of
//! this form: they attribute through their stored row, as before.

use hmac::{Hmac, Mac};
use sha2::Sha256;

const VERSION: u8 = 1;
const LINK_CHARS: usize = 22;
const PAYLOAD: usize = 1 + 1 + 6 + 8 + LINK_CHARS;
const TAG: usize = 16;
const BOT: u8 = 1;

/// What a genuine click id says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClickClaim {
    /// The clicked link (`ln_…`).
    pub link_id: String,
    /// When the click happened, epoch ms.
    pub at: i64,
    /// Whether the click was classified as a bot's when it was made.
    pub is_bot: bool,
}

/// The HMAC of one secret, keyed once: keying hashes the secret's two padded blocks, half
/// of a click id's SHA-256 work, so the redirect keeps one signer per isolate and each id
/// hashes only its payload.
#[derive(Clone)]
pub struct Signer(Hmac<Sha256>);

impl Signer {
    /// `None` for an empty secret: nothing is signed or verified without one.
    pub fn new(secret: &[u8]) -> Option<Signer> {
        if secret.is_empty() {
            return None;
        }
        Hmac::<Sha256>::new_from_slice(secret).ok().map(Signer)
    }

    fn tag(&self, payload: &[u8]) -> Hmac<Sha256> {
        let mut mac = self.0.clone();
        mac.update(payload);
        mac
    }

    /// The id of a click on `link_id` at `at` (epoch ms) with a fresh random `nonce`. `None`
    /// for a link id not of our form (`ln_` + 22 characters) or a time out of range.
    pub fn sign(&self, link_id: &str, at: i64, is_bot: bool, nonce: [u8; 8]) -> Option<String> {
        let link = link_id.strip_prefix("ln_").filter(|l| l.len() == LINK_CHARS && l.is_ascii())?;
        let time = u64::try_from(at).ok().filter(|t| *t < 1 << 48)?;
        let mut bytes = Vec::with_capacity(PAYLOAD + TAG);
        bytes.push(VERSION);
        bytes.push(if is_bot { BOT } else { 0 });
        bytes.extend_from_slice(&time.to_be_bytes()[2..]);
        bytes.extend_from_slice(&nonce);
        bytes.extend_from_slice(link.as_bytes());
        let tag = self.tag(&bytes).finalize().into_bytes();
        bytes.extend_from_slice(&tag[..TAG]);
        Some(base32("clk_", &bytes))
    }

    /// What `id` says, if it is a genuine id of this form signed with this secret (the tag
    /// is compared in constant time). `None` for anything else: another form, an altered or
    /// forged id, another secret.
    pub fn verify(&self, id: &str) -> Option<ClickClaim> {
        let bytes = unbase32(id.strip_prefix("clk_")?)?;
        if bytes.len() != PAYLOAD + TAG || bytes[0] != VERSION {
            return None;
        }
        let (payload, claimed) = bytes.split_at(PAYLOAD);
        self.tag(payload).verify_truncated_left(claimed).ok()?;
        let mut time = [0u8; 8];
        time[2..].copy_from_slice(&payload[2..8]);
        let link = std::str::from_utf8(&payload[16..]).ok()?;
        Some(ClickClaim {
            link_id: format!("ln_{link}"),
            at: i64::try_from(u64::from_be_bytes(time)).ok()?,
            is_bot: payload[1] & BOT != 0,
        })
    }
}

/// [`Signer::verify`] with `secret`.
pub fn verify(secret: &[u8], id: &str) -> Option<ClickClaim> {
    Signer::new(secret)?.verify(id)
}

const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// `prefix` and then the base32 of `bytes`.
fn base32(prefix: &str, bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(prefix.len() + bytes.len() * 8 / 5 + 1);
    out.extend_from_slice(prefix.as_bytes());
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((acc >> bits) & 31) as usize]);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((acc << (5 - bits)) & 31) as usize]);
    }
    // The prefix and ALPHABET's ASCII: bytes, not chars, pushed (see `hex::encode`).
    String::from_utf8(out).unwrap_or_default()
}

/// The bytes of [`base32`]'s text; `None` for any other character or left-over bits that
/// are not zero (so that each id has exactly one spelling).
fn unbase32(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 5 / 8);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        let v = ALPHABET.iter().position(|&a| a == c)? as u32;
        acc = ((acc << 5) | v) & 0xffff;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    (acc & ((1 << bits) - 1) == 0).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::{self, IdError};

    const LINK: &str = "ln_0123456789ABCDEFGHIJkl";
    const SECRET: &[u8] = b"click-secret";

    /// [`Signer::sign`] with `secret` and a fresh nonce, as the redirect signs.
    fn sign(secret: &[u8], link_id: &str, at: i64, is_bot: bool) -> Result<Option<String>, IdError> {
        let nonce = ids::random_bytes::<8>()?;
        Ok(Signer::new(secret).and_then(|s| s.sign(link_id, at, is_bot, nonce)))
    }

    #[test]
    fn a_signed_id_says_its_link_time_and_bot_flag() {
        let id = sign(SECRET, LINK, 1_764_000_000_123, false).unwrap().unwrap();
        assert_eq!(id.len(), 4 + 87);
        assert!(id.bytes().skip(4).all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()), "{id}");
        assert_eq!(
            verify(SECRET, &id),
            Some(ClickClaim { link_id: LINK.into(), at: 1_764_000_000_123, is_bot: false })
        );
        let bot = sign(SECRET, LINK, 5, true).unwrap().unwrap();
        assert_eq!(verify(SECRET, &bot).map(|c| c.is_bot), Some(true));
        assert_ne!(sign(SECRET, LINK, 5, true).unwrap(), Some(bot), "a nonce makes every id new");
    }

    #[test]
    fn altered_forged_or_foreign_ids_say_nothing() {
        let id = sign(SECRET, LINK, 1_764_000_000_123, false).unwrap().unwrap();
        // Every single-character change anywhere after the prefix.
        for i in 4..id.len() {
            let mut b = id.clone().into_bytes();
            b[i] = if b[i] == b'a' { b'b' } else { b'a' };
            let altered = String::from_utf8(b).unwrap();
            assert_eq!(verify(SECRET, &altered), None, "position {i}");
        }
        assert_eq!(verify(b"another secret", &id), None);
        assert_eq!(verify(b"", &id), None);
        assert_eq!(verify(SECRET, "clk_0123456789abcdefghijkl"), None, "a release-1 id");
        assert_eq!(verify(SECRET, &id[..id.len() - 1]), None);
        assert_eq!(verify(SECRET, "nope"), None);
    }

    #[test]
    fn base32_round_trips_with_one_spelling() {
        for n in 0..60u8 {
            let bytes: Vec<u8> = (0..n).map(|i| i.wrapping_mul(37)).collect();
            assert_eq!(unbase32(&base32("", &bytes)), Some(bytes));
        }
        assert_eq!(base32("", b"foobar"), "mzxw6ytboi");
        assert_eq!(unbase32("mzxw6ytboj"), None, "non-zero left-over bits");
        assert_eq!(unbase32("MZXW"), None);
    }

    #[test]
    fn only_our_link_ids_and_a_secret_sign() {
        assert_eq!(sign(SECRET, "ln_short", 1, false), Ok(None));
        assert_eq!(sign(SECRET, "xx_0123456789ABCDEFGHIJkl", 1, false), Ok(None));
        assert_eq!(sign(b"", LINK, 1, false), Ok(None));
        assert_eq!(sign(SECRET, LINK, -1, false), Ok(None));
    }
}
