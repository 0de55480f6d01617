//! Prefixed random ids, API keys, link codes and the alias rules.
//!
//! Every id comes from `getrandom` (the Workers runtime's CSPRNG): ids are opaque and never
//! sequential, so they reveal no volume and cannot be enumerated.

use sha2::{Digest, Sha256};
use std::fmt;

/// Type prefixes: an id says what it names (`br_…` is a brand), which makes logs readable
/// and lets a route reject an id of the wrong kind before touching storage.
pub mod prefix {
    /// Brands (`br_…`).
    pub const BRAND: &str = "br";
    /// Creators (`cr_…`).
    pub const CREATOR: &str = "cr";
    /// A brand's products (`pr_…`).
    pub const PRODUCT: &str = "pr";
    /// Creators' links (`ln_…`).
    pub const LINK: &str = "ln";
    /// Clicks (`clk_…`); [`click_id`](crate::domain::click_id) ids carry this prefix too.
    pub const CLICK: &str = "clk";
    /// Our row id of an order (`ord_…`), not the store's own order id.
    pub const ORDER: &str = "ord";
    /// Ledger entries: commissions and their take-backs (`cm_…`).
    pub const COMMISSION: &str = "cm";
    /// Live sessions (`ls_…`).
    pub const LIVE_SESSION: &str = "ls";
    /// Registered creator codes (`dc_…`).
    pub const CODE: &str = "dc";
    /// Payouts (`po_…`).
    pub const PAYOUT: &str = "po";
    /// Webhook endpoints of a brand or creator (`we_…`).
    pub const ENDPOINT: &str = "we";
    /// Events sent to webhook endpoints (`evt_…`).
    pub const EVENT: &str = "evt";
    /// One attempt to deliver an event to an endpoint (`dl_…`).
    pub const DELIVERY: &str = "dl";
    /// Brand API keys (`ae_bk_…`).
    pub const KEY_BRAND: &str = "bk";
    /// Creator API keys (`ae_ck_…`).
    pub const KEY_CREATOR: &str = "ck";
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Base62 digits of a 128-bit id: 62^22 > 2^128, so 22 digits hold any value.
const ID_CHARS: usize = 22;
/// Base62 characters of an API key: 43 × log2(62) ≈ 256.03 bits.
const KEY_CHARS: usize = 43;
/// Characters of a generated link code: 8 × log2(62) ≈ 47.6 bits, short but unguessable
/// enough that walking the code space finds nothing.
pub const LINK_CODE_LEN: usize = 8;
/// Bytes at or above this are rejected when mapping to base62: 248 = 4 × 62, so accepting
/// only `0..248` keeps `b % 62` uniform.
const REJECT_FROM: u8 = 248;

/// The random source failed. Callers answer 500: an id we cannot make randomly is never
/// made some other way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdError;

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the random number source is unavailable")
    }
}

impl std::error::Error for IdError {}

/// Bytes drawn from the CSPRNG this many at a time. Each draw is a call out of wasm to
/// `crypto.getRandomValues` with a typed array made for it, which every click's nonce paid;
/// now one click in 32 does.
const POOL_BYTES: usize = 256;

/// Unused bytes of the last draw, handed out once each, in order; a byte handed out is
/// zeroed in the pool, so the pool never holds what an id or key was made of.
struct Pool {
    bytes: [u8; POOL_BYTES],
    used: usize,
}

thread_local! {
    static POOL: std::cell::RefCell<Pool> = const { std::cell::RefCell::new(Pool { bytes: [0; POOL_BYTES], used: POOL_BYTES }) };
}

fn getrandom(buf: &mut [u8]) -> Result<(), IdError> {
    getrandom::getrandom(buf).map_err(|_| IdError)
}

/// Fills `buf` from the platform CSPRNG (through the pool). Returns an error instead of
/// panicking so a failing source becomes a 500, not an aborted isolate.
pub fn fill_random(buf: &mut [u8]) -> Result<(), IdError> {
    if buf.len() > POOL_BYTES {
        return getrandom(buf);
    }
    POOL.with(|pool| {
        let mut pool = pool.try_borrow_mut().map_err(|_| IdError)?;
        if pool.used + buf.len() > POOL_BYTES {
            getrandom(&mut pool.bytes)?;
            pool.used = 0;
        }
        let taken = pool.used..pool.used + buf.len();
        buf.copy_from_slice(&pool.bytes[taken.clone()]);
        pool.bytes[taken].fill(0);
        pool.used += buf.len();
        Ok(())
    })
}

/// `N` bytes from the platform CSPRNG.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], IdError> {
    let mut buf = [0u8; N];
    fill_random(&mut buf)?;
    Ok(buf)
}

/// A fresh id such as `br_3kTMd9vQ2xLpA7bN0cYeZf`: the prefix, `_`, and 16 random bytes
/// written as exactly 22 base62 digits (a bijective encoding, so no bias).
pub fn new_id(prefix: &str) -> Result<String, IdError> {
    let digits = encode_base62(random_bytes::<16>()?);
    let mut out = String::with_capacity(prefix.len() + 1 + ID_CHARS);
    out.push_str(prefix);
    out.push('_');
    // Only bytes from BASE62: ASCII.
    out.extend(digits.iter().map(|&b| b as char));
    Ok(out)
}

/// Fixed-width (22 digit, zero-padded) base62 of a 128-bit big-endian number, by long
/// division on 32-bit limbs: wasm has no 128-bit division, and the library routine it
/// would call instead cost more than the rest of the click id (every click makes one).
fn encode_base62(bytes: [u8; 16]) -> [u8; ID_CHARS] {
    let mut limbs = [0u32; 4];
    for (limb, chunk) in limbs.iter_mut().zip(bytes.chunks_exact(4)) {
        *limb = u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
    }
    let mut digits = [b'0'; ID_CHARS];
    for slot in digits.iter_mut().rev() {
        let mut rem = 0u64;
        for limb in limbs.iter_mut() {
            let cur = (rem << 32) | u64::from(*limb);
            *limb = (cur / 62) as u32; // < 2^32 since rem < 62
            rem = cur % 62;
        }
        *slot = BASE62[rem as usize];
    }
    digits
}

/// `len` uniformly random base62 characters, by rejection sampling bytes ≥ 248.
fn random_base62(len: usize) -> Result<String, IdError> {
    let mut out = String::with_capacity(len);
    let mut pool = [0u8; 64];
    while out.len() < len {
        fill_random(&mut pool)?;
        for &b in pool.iter().filter(|&&b| b < REJECT_FROM) {
            if out.len() == len {
                break;
            }
            out.push(BASE62[(b % 62) as usize] as char);
        }
    }
    Ok(out)
}

/// A fresh API key such as `ae_bk_<43 base62>` (≥ 256 bits). Shown once, then only its
/// [`hash_key`] is stored. The `ae_` marker makes leaked keys easy to find by secret scanners.
pub fn new_api_key(role_prefix: &str) -> Result<String, IdError> {
    let body = random_base62(KEY_CHARS)?;
    Ok(format!("ae_{role_prefix}_{body}"))
}

/// Lowercase hex SHA-256 of a key: what storage holds and what lookups compare. Keys carry
/// 256 random bits, so an unsalted fast hash is enough (nothing to brute-force).
pub fn hash_key(key: &str) -> String {
    super::hex::encode(&Sha256::digest(key.as_bytes()))
}

/// A fresh short-link code: 8 uniformly random base62 characters. Redrawn in the
/// (≈ 1 in 10^14) case it spells a route word such as `webhooks`.
pub fn new_link_code() -> Result<String, IdError> {
    loop {
        let code = random_base62(LINK_CODE_LEN)?;
        if !is_reserved(&code) {
            return Ok(code);
        }
    }
}

fn is_reserved(s: &str) -> bool {
    RESERVED_CODES.iter().any(|r| r.eq_ignore_ascii_case(s))
}

/// First path segments the router owns, so no link code may take them. Compared
/// case-insensitively: `/API` should not become someone's link either.
pub const RESERVED_CODES: &[&str] = &[
    "api",
    "live",
    "webhooks",
    "webhook",
    "health",
    "t.js",
    "__scheduled",
    "admin",
    "static",
    "assets",
    "favicon.ico",
    "robots.txt",
    "www",
    "app",
    "dashboard",
    "login",
    "_",
];

const CODE_MIN: usize = 3;
const CODE_MAX: usize = 64;

fn is_code_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// Cheap shape check for the redirect path: `[A-Za-z0-9_-]{3,64}`. Anything else cannot be
/// a code, so it is a 404 without a KV read.
pub fn looks_like_code(s: &str) -> bool {
    (CODE_MIN..=CODE_MAX).contains(&s.len()) && s.bytes().all(is_code_byte)
}

/// Why a creator's chosen alias cannot be a link code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AliasError {
    /// Shorter than 3 or longer than 64 characters.
    Length,
    /// A character outside `[A-Za-z0-9_-]`.
    Charset,
    /// A word the router uses (`api`, `live`, …).
    Reserved,
}

impl fmt::Display for AliasError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AliasError::Length => "alias must be 3 to 64 characters long",
            AliasError::Charset => "alias may only contain letters, digits, `_` and `-`",
            AliasError::Reserved => "alias is a reserved word; choose another",
        })
    }
}

impl std::error::Error for AliasError {}

/// A creator-chosen link code (`summer-sale`). Case-sensitive once stored; only the
/// reserved-word check ignores case.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Alias(String);

impl Alias {
    /// Checks a creator's chosen code; a non-ASCII one is a [`AliasError::Charset`] whatever
    /// its length.
    pub fn parse(s: &str) -> Result<Alias, AliasError> {
        if !(CODE_MIN..=CODE_MAX).contains(&s.len()) {
            // Byte length; a non-ASCII string fails the charset check either way, so
            // report the more useful error for it.
            if !s.is_ascii() {
                return Err(AliasError::Charset);
            }
            return Err(AliasError::Length);
        }
        if !s.bytes().all(is_code_byte) {
            return Err(AliasError::Charset);
        }
        if is_reserved(s) {
            return Err(AliasError::Reserved);
        }
        Ok(Alias(s.to_owned()))
    }

    /// The alias, exactly as chosen.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The alias, exactly as chosen, to store as the link's code.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Alias {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn is_base62(s: &str) -> bool {
        s.bytes().all(|b| b.is_ascii_alphanumeric())
    }

    #[test]
    fn pooled_random_bytes_are_never_handed_out_twice() {
        // 16 bytes at a time across many refills, odd sizes that straddle a refill, and a
        // request larger than the pool: no 16-byte draw repeats (a repeat of 128 random
        // bits would mean the pool handed out the same bytes again).
        let mut seen = HashSet::new();
        for _ in 0..2_000 {
            assert!(seen.insert(random_bytes::<16>().unwrap()));
            let _ = random_bytes::<7>().unwrap();
        }
        let big = random_bytes::<1000>().unwrap();
        assert!(big.iter().any(|&b| b != 0));
        POOL.with(|p| {
            let p = p.borrow();
            assert!(p.bytes[..p.used].iter().all(|&b| b == 0), "handed-out bytes are zeroed");
        });
    }

    #[test]
    fn ids_have_prefix_and_22_base62_chars() {
        for p in [prefix::BRAND, prefix::CLICK, prefix::LIVE_SESSION, prefix::ORDER] {
            let id = new_id(p).unwrap();
            let (head, body) = id.split_once('_').unwrap();
            assert_eq!(head, p);
            assert_eq!(body.len(), 22, "{id}");
            assert!(is_base62(body), "{id}");
        }
    }

    #[test]
    fn ids_are_distinct() {
        let ids: HashSet<String> = (0..2000).map(|_| new_id(prefix::CLICK).unwrap()).collect();
        assert_eq!(ids.len(), 2000);
    }

    /// The reference: the same encoding in 128-bit arithmetic.
    fn encode_u128(mut n: u128) -> String {
        let mut digits = [b'0'; ID_CHARS];
        for slot in digits.iter_mut().rev() {
            *slot = BASE62[(n % 62) as usize];
            n /= 62;
        }
        String::from_utf8(digits.to_vec()).unwrap()
    }

    #[test]
    fn limb_division_matches_128_bit_arithmetic() {
        let mut x: u128 = 0x0123_4567_89ab_cdef_fedc_ba98_7654_3210;
        for n in [0, 1, 61, 62, u32::MAX as u128, 1 << 64, (1 << 64) - 1, u128::MAX, u128::MAX - 1].into_iter().chain(
            (0..500).map(|_| {
                x = x.wrapping_mul(0x2360_ed05_1fc6_5da4_4385_df64_9fcc_f645).wrapping_add(0x5851_f42d_4c95_7f2d);
                x
            }),
        ) {
            let got = encode_base62(n.to_be_bytes());
            assert_eq!(std::str::from_utf8(&got).unwrap(), encode_u128(n), "{n:#x}");
        }
    }

    #[test]
    fn base62_encoding_is_fixed_width_and_exact() {
        assert_eq!(encode_u128(0), "0".repeat(22));
        assert_eq!(encode_u128(61), format!("{}z", "0".repeat(21)));
        assert_eq!(encode_u128(62), format!("{}10", "0".repeat(20)));
        let max = encode_u128(u128::MAX);
        assert_eq!(max.len(), 22);
        // Decode back to prove the encoding is lossless for the largest value.
        let back = max.bytes().fold(0u128, |acc, b| {
            let d = BASE62.iter().position(|&c| c == b).unwrap() as u128;
            acc * 62 + d
        });
        assert_eq!(back, u128::MAX);
    }

    #[test]
    fn api_keys_carry_role_and_256_bits() {
        let k = new_api_key(prefix::KEY_BRAND).unwrap();
        let body = k.strip_prefix("ae_bk_").unwrap();
        assert_eq!(body.len(), 43);
        assert!(is_base62(body));
        assert!(new_api_key(prefix::KEY_CREATOR).unwrap().starts_with("ae_ck_"));
        assert_ne!(new_api_key("bk").unwrap(), new_api_key("bk").unwrap());
    }

    #[test]
    fn key_hash_is_lowercase_hex_sha256() {
        assert_eq!(hash_key("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(hash_key(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    #[test]
    fn link_codes_are_8_base62_and_look_like_codes() {
        for _ in 0..200 {
            let c = new_link_code().unwrap();
            assert_eq!(c.len(), 8);
            assert!(is_base62(&c));
            assert!(looks_like_code(&c));
            assert!(Alias::parse(&c).is_ok(), "{c}");
        }
    }

    #[test]
    fn link_code_characters_cover_the_alphabet() {
        // With rejection sampling every base62 char is reachable, including the last ones
        // (`w`..`z`) that a naive `b % 62` over 0..=255 would under-weight.
        let mut seen = HashSet::new();
        for _ in 0..400 {
            seen.extend(new_link_code().unwrap().bytes());
        }
        assert_eq!(seen.len(), 62);
    }

    #[test]
    fn aliases_accept_the_charset() {
        for ok in ["abc", "summer-sale", "Summer_Sale_2026", "a-b", &"x".repeat(64), "API2", "lives"] {
            assert_eq!(Alias::parse(ok).unwrap().as_str(), ok);
        }
        assert_eq!(Alias::parse("MyCode").unwrap().into_string(), "MyCode");
    }

    #[test]
    fn aliases_reject_length_and_charset() {
        assert_eq!(Alias::parse(""), Err(AliasError::Length));
        assert_eq!(Alias::parse("ab"), Err(AliasError::Length));
        assert_eq!(Alias::parse(&"x".repeat(65)), Err(AliasError::Length));
        for bad in ["a b c", "abc/", "a.bc", "ab?c", "abc%20", "caf\u{e9}", "../x", "ab\u{0}c"] {
            assert_eq!(Alias::parse(bad), Err(AliasError::Charset), "{bad:?}");
        }
        assert_eq!(Alias::parse("\u{e9}"), Err(AliasError::Charset));
    }

    #[test]
    fn aliases_reject_route_words_in_any_case() {
        for bad in [
            "api",
            "API",
            "Live",
            "webhooks",
            "WEBHOOK",
            "health",
            "__scheduled",
            "admin",
            "dashboard",
            "login",
            "www",
            "app",
            "static",
            "assets",
        ] {
            assert_eq!(Alias::parse(bad), Err(AliasError::Reserved), "{bad}");
        }
        // `favicon.ico`, `robots.txt` and `_` are caught by the charset/length rules already.
        assert!(Alias::parse("favicon.ico").is_err());
        assert!(Alias::parse("_").is_err());
    }

    #[test]
    fn alias_errors_read_as_api_messages() {
        assert!(AliasError::Length.to_string().contains("3 to 64"));
        assert!(AliasError::Reserved.to_string().contains("reserved"));
        assert!(AliasError::Charset.to_string().contains("letters"));
    }

    #[test]
    fn looks_like_code_is_a_cheap_shape_filter() {
        assert!(looks_like_code("abc"));
        assert!(looks_like_code("Ab3_-x"));
        assert!(!looks_like_code("ab"));
        assert!(!looks_like_code(&"a".repeat(65)));
        assert!(!looks_like_code("favicon.ico"));
        assert!(!looks_like_code("a/b/c"));
        assert!(!looks_like_code(""));
    }
}
