//! application/x-www-form-urlencoded decoding (query strings), as the WHATWG URL standard
//! and the `url` crate's `form_urlencoded::parse` do it: our own, so that the `url` crate
//! stays out of the wasm.

/// The name/value pairs of `query` (no leading `?`): split on `&`, empty pieces skipped, each
/// split at its first `=` (a missing value is `""`), then [`decode`]d.
pub fn parse(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|piece| !piece.is_empty())
        .map(|piece| {
            let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
            (decode(name), decode(value))
        })
        .collect()
}

/// One name or value: `+` is a space, `%XX` a byte; a `%` not followed by two hex digits is
/// kept as it is, and bytes that are not UTF-8 become U+FFFD.
pub fn decode(s: &str) -> String {
    if !s.contains(['+', '%']) {
        return s.to_string();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => match (bytes.get(i + 1).and_then(hex_digit), bytes.get(i + 2).and_then(hex_digit)) {
                (Some(hi), Some(lo)) => {
                    out.push(hi << 4 | lo);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

fn hex_digit(b: &u8) -> Option<u8> {
    (*b as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn splits_pairs() {
        assert_eq!(parse("a=1&b=2"), p(&[("a", "1"), ("b", "2")]));
        assert_eq!(parse("&&a=1&&"), p(&[("a", "1")]));
        assert_eq!(parse("flag&x="), p(&[("flag", ""), ("x", "")]));
        assert_eq!(parse("a=b=c"), p(&[("a", "b=c")]));
        assert_eq!(parse("=v"), p(&[("", "v")]));
        assert_eq!(parse(""), p(&[]));
        assert_eq!(parse("a=1&a=2"), p(&[("a", "1"), ("a", "2")]));
    }

    #[test]
    fn decodes_plus_and_percent() {
        assert_eq!(decode("a+b%20c"), "a b c");
        assert_eq!(decode("%2B"), "+");
        assert_eq!(decode("aff%5Fclick"), "aff_click");
        assert_eq!(decode("caf%C3%A9"), "café");
        assert_eq!(decode("caf%c3%a9"), "café");
        assert_eq!(decode("%26%3D"), "&=");
    }

    #[test]
    fn keeps_bad_percent_sequences_and_replaces_bad_utf8() {
        assert_eq!(decode("100%"), "100%");
        assert_eq!(decode("%zz%4"), "%zz%4");
        assert_eq!(decode("%%41"), "%A");
        assert_eq!(decode("%FF"), "\u{FFFD}");
        assert_eq!(decode("a%C3"), "a\u{FFFD}");
        assert_eq!(decode("%E2%82"), "\u{FFFD}");
        assert_eq!(decode("é"), "é");
    }

    /// Same answer as the `url` crate for every input of a corpus built from the characters
    /// that matter, and for a deterministic spread of random strings over them.
    #[test]
    fn agrees_with_the_url_crate() {
        let reference = |q: &str| -> Vec<(String, String)> {
            url::form_urlencoded::parse(q.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
        };
        let fixed = [
            "",
            "a",
            "a=",
            "=",
            "&",
            "a=1&b=2",
            "a+b=c+d",
            "%",
            "%2",
            "%zz",
            "%2g",
            "%41%42",
            "%c3%a9",
            "%C3%A9=%E2%82%AC",
            "%C3",
            "%C3%28",
            "%F0%9F%92%A9",
            "%ED%A0%80",
            "%FF%FE",
            "é=ü",
            "a%3Db=c%26d",
            "++",
            "%2B+%2b",
            "a==b",
        ];
        for q in fixed {
            assert_eq!(parse(q), reference(q), "{q:?}");
        }
        let alphabet = ["a", "B", "0", "=", "&", "+", "%", "2", "F", "C3", "A9", "e", "f", "é", " ", "ff", "8", "%E2"];
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..5_000 {
            let mut q = String::new();
            for _ in 0..(seed % 17) {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                q.push_str(alphabet[(seed >> 33) as usize % alphabet.len()]);
            }
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            assert_eq!(parse(&q), reference(&q), "{q:?}");
        }
    }
}
