//! HTTP/1.1 written byte for byte over a TCP socket to the worker, for requests that an
//! HTTP client would refuse to send or would "fix": two `Host` headers, a foreign `Host`,
//! raw bytes in the request line. The response is read to the end (`Connection: close`) and
//! a chunked body is decoded.

use super::{app, Resp};
use std::io::{Read, Write};
use std::time::Duration;

/// The worker's `host:port`.
pub fn authority() -> String {
    app().base.trim_start_matches("http://").trim_end_matches('/').to_string()
}

/// Sends `head` (the request line and header lines, CRLF-separated, without the blank line)
/// and `body`, adding `Content-Length` when there is a body, `Connection: close` and the
/// blank line. Nothing else is added: not even `Host`.
pub fn send(head: &str, body: Option<&[u8]>) -> Resp {
    let mut req = head.trim_end().as_bytes().to_vec();
    if let Some(b) = body {
        req.extend_from_slice(format!("\r\nContent-Length: {}", b.len()).as_bytes());
    }
    req.extend_from_slice(b"\r\nConnection: close\r\n\r\n");
    if let Some(b) = body {
        req.extend_from_slice(b);
    }
    send_bytes(&req)
}

/// Sends `bytes` as they are and reads the whole response.
pub fn send_bytes(bytes: &[u8]) -> Resp {
    let mut s = std::net::TcpStream::connect(authority()).expect("connect to the worker");
    s.set_read_timeout(Some(Duration::from_secs(30))).ok();
    s.write_all(bytes).expect("write request");
    let mut buf = Vec::new();
    // A server may close the connection without reading everything: keep what came.
    let _ = s.read_to_end(&mut buf);
    parse(&buf).unwrap_or_else(|| panic!("no HTTP response to {:?}: got {:?}", snippet(bytes), snippet(&buf)))
}

fn snippet(b: &[u8]) -> String {
    let s = String::from_utf8_lossy(b);
    s.chars().take(300).collect()
}

fn parse(buf: &[u8]) -> Option<Resp> {
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&buf[..end]).to_string();
    let raw_body = &buf[end + 4..];
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_string(), v.trim().to_string())).collect();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.to_ascii_lowercase().contains("chunked"));
    let body = if chunked { dechunk(raw_body) } else { raw_body.to_vec() };
    Some(Resp { status, headers, body: String::from_utf8_lossy(&body).to_string() })
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = b.windows(2).position(|w| w == b"\r\n") {
        let size_text = String::from_utf8_lossy(&b[..eol]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16).unwrap_or(0);
        b = &b[eol + 2..];
        if size == 0 || size > b.len() {
            out.extend_from_slice(&b[..size.min(b.len())]);
            break;
        }
        out.extend_from_slice(&b[..size]);
        b = b.get(size + 2..).unwrap_or(&[]);
    }
    out
}
