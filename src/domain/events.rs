//! Outgoing events: their types, who may subscribe to which, the endpoint URLs we send to
//! (no SSRF: https to a named host, or the local receiver a developer runs), when a failed
//! delivery is tried again, and the body every attempt sends.

use super::https_url::{HttpsUrl, MAX_URL_LEN};
use super::text::find_control;

/// Every type, in the order the contract lists them.
pub const TYPES: &[&str] = &[
    "order.attributed",
    "commission.created",
    "commission.approved",
    "commission.reversed",
    "payout.created",
    "payout.paid",
    "ping",
];

/// Attempts of one event at one endpoint, the first included.
pub const MAX_ATTEMPTS: u32 = 5;
/// An endpoint whose last this many events all failed is switched off.
pub const DEACTIVATE_AFTER: i64 = 20;
/// How long an attempt waits for an answer.
pub const TIMEOUT_MS: u32 = 10_000;
/// The first retry's delay unless `WEBHOOK_RETRY_BASE_MS` says otherwise.
pub const DEFAULT_RETRY_BASE_MS: u64 = 30_000;

/// `events` of a new endpoint as stored: `*` for all (absent), else ` a b ` (each known,
/// at least one, repeats dropped) so that SQL finds a type with `instr(events, ' t ')`.
pub fn subscription(events: Option<&[String]>) -> Result<String, String> {
    let Some(events) = events else { return Ok("*".into()) };
    if events.is_empty() {
        return Err("events must name at least one type (leave it out for all)".into());
    }
    let mut stored = String::from(" ");
    for e in events {
        if !TYPES.contains(&e.as_str()) {
            return Err(format!("unknown event type {e:?}: one of {}", TYPES.join(", ")));
        }
        if !stored.contains(&format!(" {e} ")) {
            stored.push_str(e);
            stored.push(' ');
        }
    }
    Ok(stored)
}

/// The stored subscription as the API shows it: the types, all of them for `*`.
pub fn subscribed(stored: &str) -> Vec<&str> {
    if stored == "*" {
        return TYPES.to_vec();
    }
    stored.split(' ').filter(|t| !t.is_empty()).collect()
}

/// Checks an endpoint URL: https to a named host (no IP, credentials or port but 443), at
/// most 2,048 characters; or, when `allow_local_http` (`ALLOW_HTTP_WEBHOOKS=true`, local
/// development and tests), exactly `http://127.0.0.1:<port>/…` or `http://localhost:<port>/…`.
/// Returns the URL as we send to it.
pub fn endpoint_url(url: &str, allow_local_http: bool) -> Result<String, &'static str> {
    if url.len() > MAX_URL_LEN {
        return Err("url must be at most 2048 characters");
    }
    if find_control(url).is_some() || url.contains([' ', '\\']) {
        return Err("url must not hold spaces, backslashes or control characters");
    }
    if let Some(rest) = url.strip_prefix("http://") {
        if !allow_local_http {
            return Err("url must use https");
        }
        let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let authority = &rest[..host_end];
        let local = ["127.0.0.1:", "localhost:"]
            .iter()
            .filter_map(|h| authority.strip_prefix(h))
            .any(|port| !port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit()));
        if !local {
            return Err("url over http must be http://127.0.0.1:<port>/ or http://localhost:<port>/");
        }
        return Ok(if host_end == rest.len() { format!("{url}/") } else { url.to_string() });
    }
    match HttpsUrl::parse(url) {
        Ok(u) => Ok(u.into_string()),
        Err(super::https_url::UrlError::Credentials) => Err("url must not contain a username or password"),
        Err(super::https_url::UrlError::IpHost) => Err("url host must be a domain name, not an IP address"),
        Err(super::https_url::UrlError::Port) => Err("url must use the default https port"),
        Err(super::https_url::UrlError::NotHttps) => Err("url must use https"),
        Err(_) => Err("url must be an https URL"),
    }
}

/// The delay before attempt `attempt + 1` after attempt `attempt` failed: `base`, then
/// doubling (1 s, 2 s, 4 s, 8 s with the tests' 1,000 ms), in whole seconds as queues take it.
pub fn retry_delay_secs(base_ms: u64, attempt: u32) -> u32 {
    let ms = base_ms.saturating_mul(1u64 << attempt.saturating_sub(1).min(20));
    u32::try_from(ms.div_ceil(1000)).unwrap_or(u32::MAX).clamp(1, 12 * 3600)
}

/// The body of an event, the same on every attempt: `{"id", "type", "created_at", "data"}`,
/// `data` being the record as the API shows it (already JSON).
pub fn envelope(id: &str, kind: &str, created_at: &str, data: &str) -> String {
    format!(
        "{{\"id\":{},\"type\":{},\"created_at\":{},\"data\":{data}}}",
        json_str(id),
        json_str(kind),
        json_str(created_at)
    )
}

/// The headers of one attempt, as the JSON object the sender takes.
pub fn headers(id: &str, timestamp: i64, signature: &str) -> String {
    format!(
        "{{\"content-type\":\"application/json\",\"user-agent\":\"affiliate-edge-webhooks/1\",\
         \"webhook-id\":{},\"webhook-timestamp\":\"{timestamp}\",\"webhook-signature\":{}}}",
        json_str(id),
        json_str(signature)
    )
}

/// `s` as a JSON string (quotes, backslashes and control characters escaped).
pub fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscriptions_name_known_types_once() {
        assert_eq!(subscription(None).as_deref(), Ok("*"));
        let list = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let stored = subscription(Some(&list(&["payout.paid", "ping", "payout.paid"]))).unwrap();
        assert_eq!(stored, " payout.paid ping ");
        assert_eq!(subscribed(&stored), vec!["payout.paid", "ping"]);
        assert_eq!(subscribed("*"), TYPES.to_vec());
        assert!(subscription(Some(&[])).is_err());
        assert!(subscription(Some(&list(&["order.created"]))).is_err());
        assert!(subscription(Some(&list(&["payout"]))).is_err());
        assert!(subscription(Some(&list(&["PING"]))).is_err());
    }

    #[test]
    fn endpoint_urls_are_https_or_the_local_receiver() {
        assert_eq!(
            endpoint_url("https://hooks.example.com/in?x=1", false),
            Ok("https://hooks.example.com/in?x=1".into())
        );
        assert_eq!(endpoint_url("HTTPS://Hooks.Example.com", false), Ok("https://hooks.example.com/".into()));
        for bad in [
            "http://hooks.example.com/",
            "https://user:pw@hooks.example.com/",
            "https://127.0.0.1/",
            "https://[::1]/",
            "https://10.0.0.1/",
            "https://hooks.example.com:8443/",
            "ftp://hooks.example.com/",
            "https://hooks.example.com/a b",
            "https://hooks.example.com/\n",
            "hooks.example.com",
            "",
        ] {
            assert!(endpoint_url(bad, false).is_err(), "{bad:?}");
        }
        assert!(endpoint_url(&format!("https://hooks.example.com/{}", "a".repeat(2048)), false).is_err());
        // Local http only when allowed, only to the loopback names, with a port.
        assert!(endpoint_url("http://127.0.0.1:8080/hook", false).is_err());
        assert_eq!(endpoint_url("http://127.0.0.1:8080/hook", true), Ok("http://127.0.0.1:8080/hook".into()));
        assert_eq!(endpoint_url("http://localhost:9", true), Ok("http://localhost:9/".into()));
        for bad in [
            "http://127.0.0.1/hook",
            "http://127.0.0.1:/hook",
            "http://127.0.0.1:123456/",
            "http://127.0.0.2:80/",
            "http://localhost.evil.example:80/",
            "http://user@127.0.0.1:80/",
            "http://169.254.169.254:80/latest",
            "http://127.0.0.1:80@evil.example/",
        ] {
            assert!(endpoint_url(bad, true).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn retries_wait_longer_each_time() {
        assert_eq!((1..=4).map(|a| retry_delay_secs(1000, a)).collect::<Vec<_>>(), vec![1, 2, 4, 8]);
        assert_eq!(retry_delay_secs(30_000, 1), 30);
        assert_eq!(retry_delay_secs(1, 1), 1);
        assert_eq!(retry_delay_secs(u64::MAX, 40), 12 * 3600);
    }

    #[test]
    fn the_body_wraps_the_record() {
        let b = envelope("evt_1", "ping", "2026-01-01T00:00:00.000Z", "{\"a\":1}");
        assert_eq!(b, r#"{"id":"evt_1","type":"ping","created_at":"2026-01-01T00:00:00.000Z","data":{"a":1}}"#);
        let v: serde_json::Value = serde_json::from_str(&envelope("e\"v\\\n", "t", "c", "null")).unwrap();
        assert_eq!(v["id"], "e\"v\\\n");
        let h: serde_json::Value = serde_json::from_str(&headers("evt_1", 17, "v1,a+b/c=")).unwrap();
        assert_eq!((h["webhook-id"].as_str(), h["webhook-timestamp"].as_str()), (Some("evt_1"), Some("17")));
        assert_eq!(h["webhook-signature"], "v1,a+b/c=");
    }
}
