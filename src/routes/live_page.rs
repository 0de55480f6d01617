//! The viewers' page of a live session, `GET /live/{id}`: plain server-rendered HTML that
//! reads well on a phone and on a desktop, plus one small inline script that polls the
//! public feed and redraws the pins with DOM APIs (never `innerHTML`).
//!
//! Everything here is pure (no `worker` types) so it is unit-tested natively. Every text and
//! attribute value that comes from storage goes through [`escape_html`]; URLs are emitted
//! only when they are `http(s)` (a `javascript:` URL must never reach an `href` or `src`).
//! The script and the stylesheet are constants, so the Content-Security-Policy allows them
//! by hash: no `unsafe-inline`, and the page stays cacheable (no per-response nonce).

use super::live::{LiveView, PinOut};
use crate::domain::money::{minor_to_decimal, Money};
use base64::{engine::general_purpose::STANDARD, Engine};
use sha2::{Digest, Sha256};
use std::fmt::Write;

/// Escapes text for HTML element content and for quoted attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `Some(url)` only for absolute `http:`/`https:` URLs: the only kinds we put in an `href`
/// or `src`. Stored URLs are validated on the way in; this is the second lock.
pub fn web_url(s: &str) -> Option<&str> {
    let lower = s.get(..8).map(str::to_ascii_lowercase).unwrap_or_default();
    (lower.starts_with("https://") || lower.starts_with("http://")).then_some(s)
}

/// Symbols that name one currency without doubt for an English reader; anything else is
/// shown with its ISO code (`CHF 12.50`), which is never wrong.
const SYMBOLS: &[(&str, &str)] = &[
    ("USD", "$"),
    ("EUR", "€"),
    ("GBP", "£"),
    ("JPY", "¥"),
    ("CNY", "CN¥"),
    ("INR", "₹"),
    ("KRW", "₩"),
    ("CAD", "CA$"),
    ("AUD", "A$"),
    ("NZD", "NZ$"),
    ("HKD", "HK$"),
    ("MXN", "MX$"),
    ("BRL", "R$"),
    ("TWD", "NT$"),
    ("ILS", "₪"),
    ("VND", "₫"),
    ("PHP", "₱"),
    ("NGN", "₦"),
    ("UAH", "₴"),
];

/// A price for people: `$1,299.00`, `¥500`, `KWD 1.234`, with thousands separated.
pub fn format_price(m: &Money) -> String {
    let decimal = minor_to_decimal(m.amount, m.currency);
    let (sign, unsigned) = match decimal.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", decimal.as_str()),
    };
    let (int_part, frac) = match unsigned.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (unsigned, None),
    };
    let mut grouped = String::with_capacity(int_part.len() + int_part.len() / 3);
    for (i, c) in int_part.chars().enumerate() {
        if i > 0 && (int_part.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if let Some(f) = frac {
        grouped.push('.');
        grouped.push_str(f);
    }
    let code = m.currency.as_str();
    match SYMBOLS.iter().find(|(c, _)| *c == code) {
        Some((_, symbol)) => format!("{sign}{symbol}{grouped}"),
        None => format!("{sign}{code}\u{a0}{grouped}"),
    }
}

/// The placeholder letter shown where a product image is missing or fails to load.
fn initial(title: &str) -> String {
    title.chars().find(|c| c.is_alphanumeric()).map(|c| c.to_uppercase().collect()).unwrap_or_else(|| "•".into())
}

const STYLE: &str = r#"
:root{color-scheme:light dark;--bg:#f5f5f7;--card:#fff;--ink:#17171c;--muted:#5c5c69;--line:#e3e3e9;--ph:#ebebf0;--accent:#d61f5b;--accent-ink:#fff}
@media (prefers-color-scheme:dark){:root{--bg:#101014;--card:#1b1b22;--ink:#f2f2f5;--muted:#a3a3b1;--line:#2d2d37;--ph:#262630;--accent:#ff4d85;--accent-ink:#16040a}}
*{box-sizing:border-box}
[hidden]{display:none!important}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--ink);font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
.wrap{max-width:1080px;margin:0 auto;padding:20px 16px 32px}
header{margin-bottom:20px}
.state{display:inline-flex;align-items:center;gap:7px;margin:0 0 10px;padding:4px 11px;border-radius:999px;background:var(--accent);color:var(--accent-ink);font-size:13px;font-weight:700;letter-spacing:.06em;text-transform:uppercase}
.state::before{content:"";width:8px;height:8px;border-radius:50%;background:currentColor}
.state.ended{background:var(--line);color:var(--muted)}
h1{margin:0;font-size:clamp(23px,5.5vw,34px);line-height:1.2;overflow-wrap:anywhere}
.by{margin:6px 0 0;color:var(--muted)}
.note,.empty{margin:0 0 16px;padding:12px 14px;border-radius:12px;background:var(--card);border:1px solid var(--line);color:var(--muted)}
.pins{list-style:none;margin:0;padding:0;display:grid;gap:12px}
.pin{display:grid;grid-template-columns:104px minmax(0,1fr);grid-template-rows:1fr auto;grid-template-areas:"media info" "media buy";gap:8px 14px;padding:12px;background:var(--card);border:1px solid var(--line);border-radius:16px}
.media{grid-area:media;position:relative;align-self:start;aspect-ratio:1/1;border-radius:12px;overflow:hidden;background:var(--ph);display:flex;align-items:center;justify-content:center}
.ph{font-size:34px;font-weight:700;color:var(--muted);user-select:none}
.media img{position:absolute;inset:0;width:100%;height:100%;object-fit:cover}
.info{grid-area:info;min-width:0}
.tag{display:inline-block;margin:0 0 4px;padding:1px 8px;border-radius:6px;background:var(--ph);color:var(--accent);font-size:12px;font-weight:700;letter-spacing:.04em;text-transform:uppercase}
.name{margin:0;font-size:16px;font-weight:600;line-height:1.3;overflow-wrap:anywhere;display:-webkit-box;-webkit-box-orient:vertical;-webkit-line-clamp:3;line-clamp:3;overflow:hidden}
.price{margin:4px 0 0;font-size:18px;font-weight:700;font-variant-numeric:tabular-nums}
.buy{grid-area:buy;align-self:end;display:flex;align-items:center;justify-content:center;min-height:44px;padding:10px 16px;border-radius:12px;background:var(--accent);color:var(--accent-ink);font-weight:700;text-decoration:none}
.buy:hover{filter:brightness(1.08)}
.buy:focus-visible{outline:3px solid var(--ink);outline-offset:2px}
footer{margin-top:28px;color:var(--muted);font-size:13px}
@media (min-width:640px){
.wrap{padding:32px 24px 40px}
.pins{grid-template-columns:repeat(auto-fill,minmax(230px,1fr));gap:18px}
.pin{grid-template-columns:minmax(0,1fr);grid-template-rows:auto 1fr auto;grid-template-areas:"media" "info" "buy";padding:14px}
.ph{font-size:56px}
}
"#;

/// Polls the feed and redraws. Data only ever reaches the DOM through `textContent`,
/// `href`/`src` (after an http(s) check) and `setAttribute`, never as markup.
const SCRIPT: &str = r#"
(function () {
  "use strict";
  var me = document.currentScript;
  var feed = me && me.getAttribute("data-feed");
  var list = document.getElementById("pins");
  var empty = document.getElementById("empty");
  var state = document.getElementById("state");
  var note = document.getElementById("note");
  var title = document.getElementById("title");
  if (!feed || !list) return;
  var handle = me.getAttribute("data-handle") || "";
  function web(u) { return typeof u === "string" && /^https?:\/\//i.test(u) ? u : null; }
  function guard(img) {
    img.addEventListener("error", function () { img.hidden = true; });
    if (img.complete && !img.naturalWidth) img.hidden = true;
  }
  Array.prototype.forEach.call(list.querySelectorAll("img"), guard);
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function initial(t) {
    var m = String(t || "").match(/[\p{L}\p{N}]/u);
    return m ? m[0].toUpperCase() : "\u2022";
  }
  function card(p, latest) {
    var name = String(p.product.title);
    var li = el("li", "pin");
    var media = el("div", "media");
    var ph = el("span", "ph", initial(name));
    ph.setAttribute("aria-hidden", "true");
    media.appendChild(ph);
    var src = web(p.product.image_url);
    if (src) {
      var img = el("img");
      img.alt = "";
      img.loading = "lazy";
      img.decoding = "async";
      img.referrerPolicy = "no-referrer";
      guard(img);
      img.src = src;
      media.appendChild(img);
    }
    var info = el("div", "info");
    if (latest) info.appendChild(el("p", "tag", "Just pinned"));
    info.appendChild(el("h2", "name", name));
    info.appendChild(el("p", "price", p.price_display));
    li.appendChild(media);
    li.appendChild(info);
    var href = web(p.short_url);
    if (href) {
      var a = el("a", "buy", "Buy now");
      a.href = href;
      a.rel = "nofollow noopener";
      a.target = "_blank";
      a.setAttribute("aria-label", "Buy " + name);
      li.appendChild(a);
    }
    return li;
  }
  var last = "";
  function render(v) {
    var sig = JSON.stringify([v.title, v.state, v.pins]);
    if (sig === last) return;
    last = sig;
    var live = v.state === "live";
    title.textContent = v.title;
    document.title = v.title + " \u00b7 @" + handle + (live ? " is live" : "");
    state.textContent = live ? "Live" : "Ended";
    state.className = live ? "state" : "state ended";
    note.hidden = live;
    var items = v.pins.map(function (p, i) { return card(p, live && i === 0); });
    while (list.firstChild) list.removeChild(list.firstChild);
    items.forEach(function (li) { list.appendChild(li); });
    empty.hidden = items.length > 0;
  }
  var failures = 0;
  function later(ms) { setTimeout(tick, ms); }
  function tick() {
    if (document.hidden) { later(4000); return; }
    fetch(feed, { headers: { accept: "application/json" }, cache: "no-store", credentials: "omit" })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
      .then(function (v) {
        failures = 0;
        render(v);
        // Marks the page as in sync with the feed (browser tests and monitors read it).
        document.documentElement.setAttribute("data-synced", "1");
        later(v.state === "live" ? 4000 : 30000);
      })
      .catch(function () { failures += 1; later(Math.min(60000, 4000 * Math.pow(2, failures))); });
  }
  later(4000);
})();
"#;

fn sha256_source(s: &str) -> String {
    format!("'sha256-{}'", STANDARD.encode(Sha256::digest(s.as_bytes())))
}

/// The page's policy: nothing loads but our own stylesheet and script (by hash), https
/// images (brands' CDNs) and the feed from our own origin.
pub fn content_security_policy() -> String {
    format!(
        "default-src 'none'; script-src {}; style-src {}; img-src https:; connect-src 'self'; \
         base-uri 'none'; form-action 'none'",
        sha256_source(SCRIPT),
        sha256_source(STYLE)
    )
}

fn head(out: &mut String, title: &str, description: &str) {
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{t}</title>\n<meta name=\"description\" content=\"{d}\">\n\
         <meta property=\"og:title\" content=\"{t}\">\n<meta property=\"og:description\" content=\"{d}\">\n\
         <style>{STYLE}</style>\n</head>\n",
        t = escape_html(title),
        d = escape_html(description),
    );
}

fn pin_item(out: &mut String, p: &PinOut, latest: bool) {
    let name = &p.product.title;
    out.push_str("<li class=\"pin\">\n<div class=\"media\">");
    let _ = write!(out, "<span class=\"ph\" aria-hidden=\"true\">{}</span>", escape_html(&initial(name)));
    if let Some(src) = p.product.image_url.as_deref().and_then(web_url) {
        let _ = write!(
            out,
            "<img src=\"{}\" alt=\"\" loading=\"lazy\" decoding=\"async\" referrerpolicy=\"no-referrer\">",
            escape_html(src)
        );
    }
    out.push_str("</div>\n<div class=\"info\">");
    if latest {
        out.push_str("<p class=\"tag\">Just pinned</p>");
    }
    let _ = writeln!(
        out,
        "<h2 class=\"name\">{}</h2><p class=\"price\">{}</p></div>",
        escape_html(name),
        escape_html(&p.price_display)
    );
    if let Some(href) = web_url(&p.short_url) {
        let _ = writeln!(
            out,
            "<a class=\"buy\" href=\"{}\" rel=\"nofollow noopener\" target=\"_blank\" aria-label=\"Buy {}\">Buy now</a>",
            escape_html(href),
            escape_html(name)
        );
    }
    out.push_str("</li>\n");
}

/// The whole page for a session, newest pin first (the order of `v.pins`).
pub fn render_page(v: &LiveView) -> String {
    let live = v.state == "live";
    let handle = &v.creator.handle;
    let mut out = String::with_capacity(8 * 1024 + v.pins.len() * 600);
    let page_title =
        if live { format!("{} · @{handle} is live", v.title) } else { format!("{} · @{handle}", v.title) };
    head(&mut out, &page_title, &format!("Shop the products @{handle} pins during the live show."));
    out.push_str("<body>\n<div class=\"wrap\">\n<header>\n");
    let _ = write!(
        out,
        "<p class=\"{}\" id=\"state\">{}</p>\n<h1 id=\"title\">{}</h1>\n<p class=\"by\">with @{}</p>\n</header>\n<main>\n",
        if live { "state" } else { "state ended" },
        if live { "Live" } else { "Ended" },
        escape_html(&v.title),
        escape_html(handle),
    );
    let _ = writeln!(
        out,
        "<p class=\"note\" id=\"note\"{}>This live show has ended. The products below are still available.</p>",
        if live { " hidden" } else { "" }
    );
    let _ = writeln!(
        out,
        "<p class=\"empty\" id=\"empty\"{}>No products pinned yet. They appear here as soon as @{} pins them.</p>",
        if v.pins.is_empty() { "" } else { " hidden" },
        escape_html(handle)
    );
    out.push_str("<ol class=\"pins\" id=\"pins\">\n");
    for (i, p) in v.pins.iter().enumerate() {
        pin_item(&mut out, p, live && i == 0);
    }
    out.push_str("</ol>\n</main>\n");
    let _ = write!(
        out,
        "<footer>Links on this page are affiliate links: @{} may earn a commission on what you buy. \
         Prices and stock are the shop&#39;s.</footer>\n</div>\n",
        escape_html(handle)
    );
    let _ = write!(
        out,
        "<script data-feed=\"/api/live/{}\" data-handle=\"{}\">{SCRIPT}</script>\n</body>\n</html>\n",
        escape_html(&v.id),
        escape_html(handle)
    );
    out
}

/// The page for an unknown session.
pub fn render_not_found() -> String {
    let mut out = String::with_capacity(4 * 1024);
    head(&mut out, "Live show not found", "This live show does not exist.");
    out.push_str(
        "<body>\n<div class=\"wrap\">\n<header>\n<p class=\"state ended\">Not found</p>\n\
         <h1>This live show doesn&#39;t exist</h1>\n\
         <p class=\"by\">Check the link you were given: it may have a typo.</p>\n</header>\n</div>\n</body>\n</html>\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::money::Currency;
    use crate::routes::live::CreatorRef;
    use crate::routes::products::ShowcaseItem;

    fn usd(amount: i64) -> Money {
        Money::new(amount, Currency::parse("USD").unwrap())
    }

    fn pin(id: &str, title: &str, image: Option<&str>, short_url: &str) -> PinOut {
        let price = usd(129_900);
        PinOut {
            product: ShowcaseItem {
                id: id.into(),
                brand_id: "br_1".into(),
                sku: "SKU-1".into(),
                title: title.into(),
                url: "https://shop.example/p".into(),
                price,
                image_url: image.map(str::to_string),
                commission_bps: 1000,
            },
            short_url: short_url.into(),
            pinned_at: "2026-01-01T00:00:00.000Z".into(),
            price_display: format_price(&price),
        }
    }

    fn session(state: &str, pins: Vec<PinOut>) -> LiveView {
        LiveView {
            id: "ls_abc".into(),
            title: "Friday <b>drop</b> & \"more\"".into(),
            creator: CreatorRef { id: "cr_1".into(), handle: "maya".into() },
            state: state.into(),
            starts_at: None,
            created_at: "2026-01-01T00:00:00.000Z".into(),
            ended_at: None,
            share_url: "https://ae.example/live/ls_abc".into(),
            pins,
        }
    }

    #[test]
    fn escapes_markup_ampersands_and_quotes() {
        assert_eq!(escape_html("<script>alert(1)</script> & Co"), "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co");
        assert_eq!(escape_html(r#"a"b'c"#), "a&quot;b&#39;c");
        assert_eq!(escape_html("&amp;"), "&amp;amp;");
        assert_eq!(escape_html("plain ünïcode ✓"), "plain ünïcode ✓");
    }

    #[test]
    fn only_web_urls_reach_attributes() {
        assert_eq!(web_url("https://x.example/a"), Some("https://x.example/a"));
        assert_eq!(web_url("HTTP://x.example"), Some("HTTP://x.example"));
        for bad in ["javascript:alert(1)", "JaVaScRiPt:x", "data:text/html,x", "//x.example", "", "https:/x", "ftp://x"]
        {
            assert_eq!(web_url(bad), None, "{bad}");
        }
    }

    #[test]
    fn prices_format_for_their_currency() {
        assert_eq!(format_price(&usd(1999)), "$19.99");
        assert_eq!(format_price(&usd(129_900)), "$1,299.00");
        assert_eq!(format_price(&usd(5)), "$0.05");
        assert_eq!(format_price(&usd(123_456_789)), "$1,234,567.89");
        assert_eq!(format_price(&Money::new(500, Currency::parse("JPY").unwrap())), "¥500");
        assert_eq!(format_price(&Money::new(1_234_567, Currency::parse("JPY").unwrap())), "¥1,234,567");
        assert_eq!(format_price(&Money::new(1234, Currency::parse("KWD").unwrap())), "KWD\u{a0}1.234");
        assert_eq!(format_price(&Money::new(1250, Currency::parse("EUR").unwrap())), "€12.50");
        assert_eq!(format_price(&usd(-550)), "-$5.50");
    }

    #[test]
    fn the_page_escapes_every_text_and_attribute() {
        let evil = "<script>alert(1)</script> & Co";
        let v = session(
            "live",
            vec![pin("pr_1", evil, Some("https://img.example/a.png?x=1&y=\"2\""), "https://ae.example/Ab3_x\"><b>")],
        );
        let html = render_page(&v);
        assert!(!html.contains("<script>alert(1)"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co"));
        assert!(!html.contains("<b>drop</b>"));
        assert!(html.contains("Friday &lt;b&gt;drop&lt;/b&gt; &amp; &quot;more&quot;"));
        assert!(html.contains("src=\"https://img.example/a.png?x=1&amp;y=&quot;2&quot;\""));
        assert!(html.contains("href=\"https://ae.example/Ab3_x&quot;&gt;&lt;b&gt;\""));
        assert!(html.contains("aria-label=\"Buy &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co\""));
        // The only <script> element is ours.
        assert_eq!(html.matches("<script").count(), 1);
    }

    #[test]
    fn unsafe_urls_are_dropped_not_rendered() {
        let v = session("live", vec![pin("pr_1", "Mug", Some("javascript:alert(1)"), "javascript:alert(2)")]);
        let html = render_page(&v);
        assert!(!html.to_ascii_lowercase().contains("javascript:alert"), "{html}");
        assert!(!html.contains("<img"));
        assert!(!html.contains("class=\"buy\""));
    }

    #[test]
    fn pins_render_in_the_given_order_with_prices_and_buy_links() {
        let v = session(
            "live",
            vec![
                pin("pr_new", "Newest thing", Some("https://img.example/n.jpg"), "https://ae.example/NEW1234"),
                pin("pr_old", "Older thing", None, "https://ae.example/OLD1234"),
            ],
        );
        let html = render_page(&v);
        let (new_at, old_at) = (html.find("Newest thing").unwrap(), html.find("Older thing").unwrap());
        assert!(new_at < old_at);
        assert!(html.contains("href=\"https://ae.example/NEW1234\""));
        assert!(html.contains("href=\"https://ae.example/OLD1234\""));
        assert!(html.contains("$1,299.00"));
        assert_eq!(html.matches("Just pinned</p>").count(), 1);
        assert!(html.find("Just pinned</p>").unwrap() < new_at);
        // No image: the placeholder letter stands in.
        assert!(html.contains("<span class=\"ph\" aria-hidden=\"true\">O</span></div>"));
        assert!(html.contains("class=\"state\" id=\"state\">Live<"));
        assert!(html.contains("id=\"empty\" hidden"));
        assert!(html.contains("id=\"note\" hidden"));
        assert!(html.contains("data-feed=\"/api/live/ls_abc\""));
    }

    #[test]
    fn an_ended_session_still_lists_its_products() {
        let v = session("ended", vec![pin("pr_1", "Still here", None, "https://ae.example/Abc1234")]);
        let html = render_page(&v);
        assert!(html.contains("class=\"state ended\" id=\"state\">Ended<"));
        assert!(html.contains("Still here"));
        assert!(html.contains("href=\"https://ae.example/Abc1234\""));
        assert!(html.contains("<p class=\"note\" id=\"note\">This live show has ended"));
        assert!(!html.contains("Just pinned</p>"));
    }

    #[test]
    fn an_empty_session_says_so() {
        let html = render_page(&session("live", vec![]));
        assert!(html.contains("<p class=\"empty\" id=\"empty\">No products pinned yet"));
        assert!(!html.contains("<li"));
    }

    #[test]
    fn placeholders_use_the_first_letter_or_digit() {
        assert_eq!(initial("<script>x"), "S");
        assert_eq!(initial("été"), "É");
        assert_eq!(initial("  9 lives"), "9");
        assert_eq!(initial("***"), "•");
    }

    #[test]
    fn the_policy_allows_exactly_our_script_and_style() {
        let csp = content_security_policy();
        assert!(csp.starts_with("default-src 'none'; "));
        assert!(!csp.contains("unsafe-inline"));
        assert_eq!(csp.matches("'sha256-").count(), 2);
        // The hashes cover exactly what the page embeds.
        let html = render_page(&session("live", vec![]));
        assert!(html.contains(&format!("<style>{STYLE}</style>")));
        assert!(html.contains(&format!("{SCRIPT}</script>")));
        assert!(!SCRIPT.contains("innerHTML"));
    }
}
