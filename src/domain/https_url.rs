//! The https URLs we store (product pages, images), parsed by our own strict rules: a
//! conservative subset of what the WHATWG URL standard accepts, serialized as the `url` crate
//! serializes it (the differential tests below check both), without that crate's ~22 kB of
//! wasm.
//!
//! Accepted: `https://` (any case); a host of LDH labels, lowercased, that is not an IP
//! address; no credentials; no port but `:443`, which is dropped; a path (dot segments
//! resolved), query and fragment in which `"`, `<`, `>`, `` ` ``, `{`, `}`, `'` and non-ASCII
//! are percent-encoded where the standard encodes them. Refused where the standard would
//! quietly change what the brand typed: whitespace, control characters, `\`, a `%` not
//! followed by two hex digits, a host with `%`, `_`, non-ASCII or an empty label, and
//! anything but exactly `//` after `https:`.

use std::fmt;

/// Longest URL we store: far above real product pages, well below header limits.
pub const MAX_URL_LEN: usize = 2048;
const MAX_HOST_LEN: usize = 253;
const MAX_LABEL_LEN: usize = 63;

/// Why a URL is not one we store; each has its own message for the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlError {
    /// Longer than [`MAX_URL_LEN`], as given or once normalized.
    TooLong,
    /// Not an absolute URL in the subset we accept (see the module doc).
    Invalid,
    /// Scheme other than `https`.
    NotHttps,
    /// Carries a username or password.
    Credentials,
    /// A port other than 443.
    Port,
    /// The host is an IP address.
    IpHost,
    /// The host is not one of the brand's domains or their subdomains.
    HostNotAllowed,
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UrlError::TooLong => "url must be at most 2048 characters",
            UrlError::Invalid => "url is not a valid absolute URL",
            UrlError::NotHttps => "url must use https",
            UrlError::Credentials => "url must not contain a username or password",
            UrlError::Port => "url must use the default https port",
            UrlError::IpHost => "url host must be a domain name, not an IP address",
            UrlError::HostNotAllowed => "url host must be one of the brand's domains or a subdomain of one",
        })
    }
}

impl std::error::Error for UrlError {}

/// An https URL in its normalized serialization (`https://` + host + path, query, fragment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpsUrl {
    serialization: String,
    host_end: usize,
}

const SCHEME_LEN: usize = "https://".len();

impl HttpsUrl {
    /// Checks `s` against the rules of the module doc and normalizes it. Never checks the
    /// host against a brand's domains: [`UrlError::HostNotAllowed`] is not returned here.
    pub fn parse(s: &str) -> Result<HttpsUrl, UrlError> {
        if s.len() > MAX_URL_LEN {
            return Err(UrlError::TooLong);
        }
        // The standard strips, drops or encodes whitespace and control characters and reads
        // `\` as `/`: refusing them keeps what was typed and what we store the same thing.
        if s.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\') {
            return Err(UrlError::Invalid);
        }
        let (scheme, rest) = s.split_once(':').ok_or(UrlError::Invalid)?;
        if !is_scheme(scheme) {
            return Err(UrlError::Invalid);
        }
        if !scheme.eq_ignore_ascii_case("https") {
            return Err(UrlError::NotHttps);
        }
        let rest = rest.strip_prefix("//").ok_or(UrlError::Invalid)?;
        let (authority, tail) = rest.split_at(rest.find(['/', '?', '#']).unwrap_or(rest.len()));
        if authority.contains('@') {
            return Err(UrlError::Credentials);
        }
        if authority.starts_with('[') {
            return Err(UrlError::IpHost);
        }
        let host = match authority.split_once(':') {
            None => authority,
            Some((host, "443")) => host,
            Some(_) => return Err(UrlError::Port),
        };
        let host = host.to_ascii_lowercase();
        if ends_in_number(&host) {
            return Err(UrlError::IpHost);
        }
        if !is_ldh_host(&host) {
            return Err(UrlError::Invalid);
        }

        let mut out = String::with_capacity(s.len() + 8);
        out.push_str("https://");
        out.push_str(&host);
        let host_end = out.len();
        let (before_fragment, fragment) = match tail.split_once('#') {
            Some((b, f)) => (b, Some(f)),
            None => (tail, None),
        };
        let (path, query) = match before_fragment.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (before_fragment, None),
        };
        push_path(&mut out, path)?;
        if let Some(q) = query {
            out.push('?');
            push_encoded(&mut out, q, |b| matches!(b, b'"' | b'<' | b'>' | b'\''))?;
        }
        if let Some(f) = fragment {
            out.push('#');
            push_encoded(&mut out, f, |b| matches!(b, b'"' | b'<' | b'>' | b'`'))?;
        }
        if out.len() > MAX_URL_LEN {
            return Err(UrlError::TooLong);
        }
        Ok(HttpsUrl { serialization: out, host_end })
    }

    /// The host: lowercase LDH labels.
    pub fn host(&self) -> &str {
        &self.serialization[SCHEME_LEN..self.host_end]
    }

    /// The normalized serialization.
    pub fn as_str(&self) -> &str {
        &self.serialization
    }

    /// The normalized serialization, to store.
    pub fn into_string(self) -> String {
        self.serialization
    }
}

/// `ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`: what the standard reads as a scheme, so
/// that `javascript:…` is "not https" rather than "not a URL".
fn is_scheme(s: &str) -> bool {
    let mut bytes = s.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
}

/// The standard's "ends in a number": such a host is read as IPv4 (`1.2.3.4`, `0x7f.1`,
/// `2130706433`, `1.2.3.4.`), or refused when it isn't one.
pub(super) fn ends_in_number(host: &str) -> bool {
    let mut labels = host.rsplit('.');
    let mut last = labels.next().unwrap_or("");
    if last.is_empty() {
        match labels.next() {
            Some(l) => last = l,
            None => return false,
        }
    }
    (!last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()))
        || last.strip_prefix("0x").is_some_and(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Lowercase letters, digits and inner hyphens, 1 to 63 per label, at most 253 in all; an
/// `xn--` label must be Punycode that IDNA accepts.
fn is_ldh_host(host: &str) -> bool {
    (1..=MAX_HOST_LEN).contains(&host.len())
        && host.split('.').all(|label| {
            (1..=MAX_LABEL_LEN).contains(&label.len())
                && label.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.strip_prefix("xn--").is_none_or(valid_punycode)
        })
}

/// Whether `encoded` (an `xn--` label's rest) decodes as Punycode (RFC 3492, with the
/// `idna` crate's overflow checks) to characters that the `url` crate's IDNA, as built here
/// (no Unicode tables), lets through; stricter than it where unsure.
fn valid_punycode(encoded: &str) -> bool {
    // A trailing `-` would leave only ASCII (IDNA refuses that); one at the start nothing.
    if encoded.ends_with('-') {
        return false;
    }
    let (basic, digits) = match encoded.rfind('-') {
        Some(0) => return false,
        Some(p) => (&encoded[..p], &encoded[p + 1..]),
        None => ("", encoded),
    };
    let mut decoded: Vec<char> = basic.chars().collect();
    let (mut code_point, mut bias, mut i) = (0x80u32, 72u32, 0u32);
    let mut digits = digits.bytes();
    while let Some(mut byte) = digits.next() {
        let (previous_i, mut weight, mut k) = (i, 1u32, BASE);
        loop {
            let digit = match byte {
                b'a'..=b'z' => u32::from(byte - b'a'),
                b'0'..=b'9' => u32::from(byte - b'0') + 26,
                _ => return false,
            };
            let Some(next_i) = digit.checked_mul(weight).and_then(|p| i.checked_add(p)) else { return false };
            i = next_i;
            let t = if k <= bias {
                T_MIN
            } else if k >= bias + T_MAX {
                T_MAX
            } else {
                k - bias
            };
            if digit < t {
                break;
            }
            let Some(w) = weight.checked_mul(BASE - t) else { return false };
            weight = w;
            k += BASE;
            let Some(b) = digits.next() else { return false };
            byte = b;
        }
        let length = decoded.len() as u32 + 1;
        bias = adapt(i - previous_i, length, previous_i == 0);
        let Some(cp) = code_point.checked_add(i / length) else { return false };
        code_point = cp;
        i %= length;
        let Some(c) = char::from_u32(code_point) else { return false };
        decoded.insert(i as usize, c);
        i += 1;
    }
    // IDNA refuses U+FFFD and a joiner without a preceding virama; without Unicode tables
    // we refuse every joiner, and controls and spaces too.
    !decoded.is_empty()
        && decoded
            .iter()
            .all(|&c| !(c.is_control() || c.is_whitespace() || matches!(c, '\u{FFFD}' | '\u{200C}' | '\u{200D}')))
}

// RFC 3492's parameters for Punycode.
const BASE: u32 = 36;
const T_MIN: u32 = 1;
const T_MAX: u32 = 26;
const SKEW: u32 = 38;
const DAMP: u32 = 700;

/// RFC 3492's bias adaptation.
fn adapt(delta: u32, num_points: u32, first_time: bool) -> u32 {
    let mut delta = if first_time { delta / DAMP } else { delta / 2 };
    delta += delta / num_points;
    let mut k = 0;
    while delta > ((BASE - T_MIN) * T_MAX) / 2 {
        delta /= BASE - T_MIN;
        k += BASE;
    }
    k + ((BASE - T_MIN + 1) * delta) / (delta + SKEW)
}

/// The path with dot segments resolved, as the standard does (`/a/../b` → `/b`, `/a/.` →
/// `/a/`, also for `%2e`); an empty path is `/`.
fn push_path(out: &mut String, path: &str) -> Result<(), UrlError> {
    let Some(path) = path.strip_prefix('/') else {
        out.push('/');
        return Ok(());
    };
    let start = out.len();
    let mut segments = path.split('/').peekable();
    while let Some(segment) = segments.next() {
        let last = segments.peek().is_none();
        let segment_start = out.len();
        out.push('/');
        push_encoded(out, segment, |b| matches!(b, b'"' | b'<' | b'>' | b'`' | b'{' | b'}'))?;
        let written = &out[segment_start + 1..];
        let dots = if written == "." || written.eq_ignore_ascii_case("%2e") {
            1
        } else if ["..", ".%2e", "%2e.", "%2e%2e"].iter().any(|d| written.eq_ignore_ascii_case(d)) {
            2
        } else {
            0
        };
        if dots > 0 {
            out.truncate(segment_start);
            if dots == 2 {
                let parent = out[start..].rfind('/').map_or(start, |p| start + p);
                out.truncate(parent);
            }
            if last {
                out.push('/');
            }
        }
    }
    Ok(())
}

/// `s` percent-encoded: the bytes `encode` names and every non-ASCII byte as `%XX`; a `%`
/// must already start an escape.
fn push_encoded(out: &mut String, s: &str, encode: impl Fn(u8) -> bool) -> Result<(), UrlError> {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let bytes = s.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'%'
            && !(bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
        {
            return Err(UrlError::Invalid);
        }
        if !b.is_ascii() || encode(b) {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        } else {
            out.push(b as char);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> String {
        HttpsUrl::parse(s).unwrap_or_else(|e| panic!("{s:?}: {e}")).into_string()
    }

    fn err(s: &str) -> UrlError {
        HttpsUrl::parse(s).unwrap_err()
    }

    #[test]
    fn normalizes_like_the_standard() {
        assert_eq!(ok("https://shop.example"), "https://shop.example/");
        assert_eq!(ok("HTTPS://SHOP.Example:443/P?Q=1#F"), "https://shop.example/P?Q=1#F");
        assert_eq!(ok("https://shop.example?x"), "https://shop.example/?x");
        assert_eq!(ok("https://shop.example#x"), "https://shop.example/#x");
        assert_eq!(ok("https://shop.example/?#"), "https://shop.example/?#");
        assert_eq!(ok("https://shop.example/a/../b/./c/."), "https://shop.example/b/c/");
        assert_eq!(ok("https://shop.example/a/%2E%2e/b/%2e"), "https://shop.example/b/");
        assert_eq!(ok("https://shop.example/../../x/.."), "https://shop.example/");
        assert_eq!(ok("https://shop.example//x"), "https://shop.example//x");
        assert_eq!(
            ok("https://shop.example/caf\u{e9}?q=\u{fc}#\u{e9}"),
            "https://shop.example/caf%C3%A9?q=%C3%BC#%C3%A9"
        );
        assert_eq!(
            ok("https://shop.example/{\"<>`}?'\"<>`{}#'\"<>`{}"),
            "https://shop.example/%7B%22%3C%3E%60%7D?%27%22%3C%3E`{}#'%22%3C%3E%60{}"
        );
        assert_eq!(ok("https://shop.example/%2F%2Fevil.com?%2f"), "https://shop.example/%2F%2Fevil.com?%2f");
        assert_eq!(ok("https://xn--bcher-kva.example/"), "https://xn--bcher-kva.example/");
        assert_eq!(HttpsUrl::parse("https://WWW.Shop.example:443/x").unwrap().host(), "www.shop.example");
    }

    #[test]
    fn refuses_what_is_outside_the_subset() {
        for (input, e) in [
            ("", UrlError::Invalid),
            ("shop.example/x", UrlError::Invalid),
            ("//shop.example/x", UrlError::Invalid),
            ("1https://shop.example/", UrlError::Invalid),
            ("http://shop.example/", UrlError::NotHttps),
            ("javascript:alert(1)", UrlError::NotHttps),
            ("https:shop.example/", UrlError::Invalid),
            ("https:/shop.example/", UrlError::Invalid),
            ("https:///shop.example/", UrlError::Invalid),
            ("https://", UrlError::Invalid),
            ("https://@shop.example/", UrlError::Credentials),
            ("https://u:p@shop.example/", UrlError::Credentials),
            ("https://shop.example:/", UrlError::Port),
            ("https://shop.example:0443/", UrlError::Port),
            ("https://shop.example:8443/", UrlError::Port),
            ("https://shop.example:x/", UrlError::Port),
            ("https://[::1]/", UrlError::IpHost),
            ("https://1.2.3.4/", UrlError::IpHost),
            ("https://1.2.3.4./", UrlError::IpHost),
            ("https://0x7f.1/", UrlError::IpHost),
            ("https://shop.0x/", UrlError::IpHost),
            ("https://2130706433/", UrlError::IpHost),
            ("https://shop_x.example/", UrlError::Invalid),
            ("https://shop%2eexample/", UrlError::Invalid),
            ("https://b\u{fc}cher.example/", UrlError::Invalid),
            ("https://shop.example./", UrlError::Invalid),
            ("https://shop..example/", UrlError::Invalid),
            ("https://-shop.example/", UrlError::Invalid),
            ("https://shop-.example/", UrlError::Invalid),
            ("https://xn--zz-.example/", UrlError::Invalid),
            ("https://xn---abc.example/", UrlError::Invalid),
            ("https://shop.example\\evil.com/", UrlError::Invalid),
            ("https://shop.example/a\\b", UrlError::Invalid),
            ("https://shop.example/a b", UrlError::Invalid),
            ("https://shop.example/\u{85}", UrlError::Invalid),
            ("https://shop.example/\u{a0}", UrlError::Invalid),
            ("https://shop.example/100%", UrlError::Invalid),
            ("https://shop.example/?q=%zz", UrlError::Invalid),
            ("https://shop.example/#%4", UrlError::Invalid),
        ] {
            assert_eq!(HttpsUrl::parse(input), Err(e), "{input:?}");
        }
        assert_eq!(err(&format!("https://{}.example/", "a".repeat(64))), UrlError::Invalid);
        assert_eq!(err(&format!("https://{}example/", "a.".repeat(127))), UrlError::Invalid);
        assert_eq!(err(&format!("https://shop.example/{}", "a".repeat(MAX_URL_LEN))), UrlError::TooLong);
        assert_eq!(err(&format!("https://shop.example/{}", "\u{e9}".repeat(400))), UrlError::TooLong);
    }

    #[test]
    fn punycode_labels_must_decode() {
        for good in ["xn--bcher-kva", "xn--ls8h", "xn--mnchen-3ya", "xn--fiqs8s", "xn--80ak6aa92e"] {
            assert!(valid_punycode(&good[4..]), "{good}");
        }
        // `9` ends the input in mid-number; `zzzzzzzzzzzz` overflows; `a` decodes to U+0080,
        // a control character.
        for bad in ["xn--9", "xn--zzzzzzzzzzzzzzz", "xn--a", "xn--ab-c-"] {
            assert!(!valid_punycode(&bad[4..]), "{bad}");
        }
    }

    /// Every `xn--` label we take, the `url` crate's IDNA takes too (and keeps as it is).
    #[test]
    fn punycode_agrees_with_the_url_crate() {
        let alphabet = b"abcdefghijklmnopqrstuvwxyz0123456789-";
        let mut seed: u64 = 0x1234_5678_9abc_def1;
        let mut accepted = 0;
        for _ in 0..20_000 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            let len = 1 + (seed >> 60) as usize % 10;
            let label: String =
                (0..len).map(|j| alphabet[(seed >> (j * 5)) as usize % alphabet.len()] as char).collect();
            accepted += same_as_url_crate(&format!("https://xn--{label}.example/")) as usize;
        }
        assert!(accepted > 1_000, "only {accepted} accepted");
    }

    /// A URL we accept is one the `url` crate accepts, with the same serialization and host.
    fn same_as_url_crate(input: &str) -> bool {
        let Ok(ours) = HttpsUrl::parse(input) else {
            return false;
        };
        let theirs = url::Url::parse(input).unwrap_or_else(|e| panic!("{input:?}: we accept, url refuses: {e}"));
        assert_eq!(ours.as_str(), theirs.as_str(), "{input:?}");
        assert_eq!(Some(ours.host()), theirs.host_str(), "{input:?}");
        assert!(matches!(theirs.host(), Some(url::Host::Domain(_))), "{input:?}");
        assert_eq!((theirs.scheme(), theirs.username(), theirs.password(), theirs.port()), ("https", "", None, None));
        true
    }

    #[test]
    fn agrees_with_the_url_crate_on_a_corpus() {
        let schemes = ["https", "HTTPS", "hTTps", "http", "ftp"];
        let hosts = [
            "shop.example",
            "SHOP.Example",
            "a-b.shop.example",
            "1.shop.example",
            "r3---sn-abc.example",
            "ab--cd.example",
            "localhost",
            "xn--bcher-kva.example",
            "XN--BCHER-KVA.example",
            "xn--ls8h.example",
            "xn--a.example",
            "xn--zz.example",
            "xn--80ak6aa92e.example",
            "xn--ab-.example",
            "shop.123",
            "shop.0x1f",
            "0x7f.1",
            "a_b.example",
            "-a.example",
            "a..b",
            "a.b.",
            "%61.example",
            "b\u{fc}cher.example",
            "[::1]",
            "127.0.0.1",
            "u@shop.example",
            "",
        ];
        let ports = ["", ":443", ":0443", ":", ":8443"];
        let paths = [
            "",
            "/",
            "/a/b",
            "/a/../b",
            "/a/./b/",
            "/..",
            "/a/..",
            "/a/.",
            "/a/%2e%2E/b",
            "/%2e/x",
            "/.%2E/x",
            "/%2e./x/..",
            "//x",
            "/caf\u{e9}",
            "/%7Euser/",
            "/a%zz",
            "/\"<>`{}|^[]",
            "/;a=1,b!$&'()*+@:",
            "/a\\b",
            "/\u{1f4a9}",
        ];
        let queries = ["", "?", "?a=1&b=2", "?q=\u{fc}", "?'\"<>`{}|^\\", "?a=%zz", "?%2F%2Fevil.com", "??/..#"];
        let fragments = ["", "#", "#frag", "#a?b#c", "#\"<>`{}'", "#\u{e9}", "#%"];
        let mut accepted = 0;
        for scheme in schemes {
            for host in hosts {
                for port in ports {
                    for path in paths {
                        accepted += same_as_url_crate(&format!("{scheme}://{host}{port}{path}?x=1#y")) as usize;
                    }
                }
            }
        }
        for path in paths {
            for query in queries {
                for fragment in fragments {
                    accepted += same_as_url_crate(&format!("https://shop.example{path}{query}{fragment}")) as usize;
                }
            }
        }
        // Each ASCII character and a few others in every part.
        let chars = (' '..='~').chain(['\u{7f}', '\u{80}', '\u{a0}', '\u{e9}', '\u{200b}', '\u{feff}', '\u{1f4a9}']);
        for c in chars {
            for input in [
                format!("https://sh{c}op.example/"),
                format!("https://shop.example/a{c}b"),
                format!("https://shop.example/{c}"),
                format!("https://shop.example/?a{c}b"),
                format!("https://shop.example/#a{c}b"),
                format!("https:/{c}/shop.example/"),
                format!("https:{c}//shop.example/"),
            ] {
                accepted += same_as_url_crate(&input) as usize;
            }
        }
        assert!(accepted > 2_000, "only {accepted} accepted");
    }

    /// Random strings over the characters that matter, after `https://`: a deterministic
    /// spread, so a failure reproduces.
    #[test]
    fn agrees_with_the_url_crate_on_random_inputs() {
        let alphabet = [
            "a", "Z", "0", "9", "-", ".", "..", "/", "//", "?", "#", "%", "%2e", "%2E", "%41", "%zz", ":", ":443", "@",
            "[", "]", "\\", "_", "~", "'", "\"", "<", ">", "`", "{", "}", "|", "^", "&", "=", "+", "\u{e9}", "xn--",
            "0x", "shop", "example", " ", "\t",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) as usize
        };
        let mut accepted = 0;
        for _ in 0..30_000 {
            let mut input = String::from("https://");
            if next() % 2 == 0 {
                input.push_str("shop.example");
            }
            for _ in 0..next() % 12 {
                input.push_str(alphabet[next() % alphabet.len()]);
            }
            accepted += same_as_url_crate(&input) as usize;
        }
        assert!(accepted > 2_000, "only {accepted} accepted");
    }
}
