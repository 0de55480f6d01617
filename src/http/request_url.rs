//! The request's URL as the runtime hands it over (already serialized by its URL parser),
//! read as a string: workers-rs's `Request::url()` parses it again with the `url` crate,
//! which would bring ~22 kB of wasm back. Never call that.

use crate::domain::form;
use worker::Request;

/// The decoded name/value pairs of the request's query.
pub fn query_pairs(req: &Request) -> Vec<(String, String)> {
    form::parse(query_of(&req.inner().url()))
}

/// The origin the request came to: `scheme://host[:port]`; empty if the URL has no authority.
pub fn origin(req: &Request) -> String {
    origin_of(&req.inner().url())
}

/// The text after the first `?`, up to a `#`; empty without one.
fn query_of(url: &str) -> &str {
    let before_fragment = url.split('#').next().unwrap_or("");
    before_fragment.split_once('?').map_or("", |(_, q)| q)
}

/// The scheme and host (and port, which the runtime leaves out when it is the default) of an
/// absolute URL, without any userinfo.
fn origin_of(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return String::new();
    };
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if scheme.is_empty() || host_port.is_empty() {
        return String::new();
    }
    format!("{scheme}://{host_port}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_is_between_the_first_question_mark_and_the_fragment() {
        assert_eq!(query_of("https://a.example/p?x=1&y=2"), "x=1&y=2");
        assert_eq!(query_of("https://a.example/p?x=1?y#z?w"), "x=1?y");
        assert_eq!(query_of("https://a.example/p#z?w"), "");
        assert_eq!(query_of("https://a.example/p"), "");
        assert_eq!(query_of("https://a.example/p?"), "");
        assert_eq!(form::parse(query_of("http://localhost:8787/api/links?limit=5&cursor=a%2Bb+c")).len(), 2);
    }

    #[test]
    fn origins_match_the_url_crate() {
        for url in [
            "https://go.example.com/api/links?x=1",
            "http://localhost:8787/api/links",
            "http://127.0.0.1:8787",
            "https://go.example.com?x",
            "https://go.example.com#f",
            "https://u:p@go.example.com:8443/x",
            "http://[::1]:8787/x",
        ] {
            let theirs = url::Url::parse(url).unwrap().origin().ascii_serialization();
            assert_eq!(origin_of(url), theirs, "{url}");
        }
        assert_eq!(origin_of("not a url"), "");
        assert_eq!(origin_of("https:///x"), "");
    }
}
