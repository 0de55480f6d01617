//! Creator codes: a discount code that exists in a brand's store, registered as one
//! creator's, so an order that carries it is that creator's even without a click.

use std::fmt;

/// The shortest code a brand may register, in bytes (codes are ASCII).
pub const MIN_LEN: usize = 3;
/// The longest code a brand may register, in bytes (codes are ASCII).
pub const MAX_LEN: usize = 32;
/// How many distinct codes one order may carry: stores apply a handful, and the bound keeps the
/// reason sentence and the lookup small. An order with more is refused.
pub const MAX_ORDER_CODES: usize = 20;
/// How many characters each code of an order may have; an order with a longer one is
/// refused.
pub const MAX_ORDER_CODE_CHARS: usize = 64;

/// A code as registered: 3–32 of `[A-Za-z0-9_-]`, kept as typed. Codes are compared
/// ignoring ASCII case (`SUMMER10` is `summer10`), as stores apply them; the schema's
/// `COLLATE NOCASE` makes that the uniqueness rule too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatorCode(String);

/// A code outside the registration rule: 3–32 of `[A-Za-z0-9_-]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeError;

impl fmt::Display for CodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "code must be {MIN_LEN} to {MAX_LEN} characters of A-Z, a-z, 0-9, `_` and `-`")
    }
}

impl CreatorCode {
    /// Checks a code a brand registers. Kept exactly as typed: no trimming, no case change.
    pub fn parse(s: &str) -> Result<CreatorCode, CodeError> {
        let ok = (MIN_LEN..=MAX_LEN).contains(&s.len())
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if ok {
            Ok(CreatorCode(s.to_string()))
        } else {
            Err(CodeError)
        }
    }

    /// The code as the brand typed it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether two codes are the same code: equal ignoring ASCII case, never by substring.
pub fn same_code(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_short_words_of_a_safe_alphabet() {
        for ok in ["abc", "SUMMER10", "anna_b-2", &"x".repeat(32)] {
            assert_eq!(CreatorCode::parse(ok).map(|c| c.as_str().to_string()), Ok(ok.to_string()));
        }
        for bad in ["", "ab", &"x".repeat(33), "sum mer", "sümmer", "a%20b", " abc", "abc\n", "a.b.c"] {
            assert_eq!(CreatorCode::parse(bad), Err(CodeError), "{bad:?}");
        }
    }

    #[test]
    fn codes_compare_ignoring_case_and_never_by_substring() {
        assert!(same_code("SUMMER10", "summer10"));
        assert!(!same_code("SUMMER10", "SUMMER1"));
        assert!(!same_code("SUMMER10", "SUMMER100"));
    }
}
