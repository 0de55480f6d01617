//! The viewers' page of a live session, `GET /live/{id}`: plain server-rendered HTML that
//! reads well on a phone and on a desktop, plus one small inline script that polls the
//! public feed and redraws the pins with DOM APIs (never `innerHTML`).
//!
//! Everything here is pure (no `worker` types) so it is unit-tested natively. Every text and
//! attribute value that comes from storage goes through [`escape_html`]; URLs are emitted
//! only when they are `http(s)` (a `javascript:` URL must never reach an `href` or `src`).
//! The script and the stylesheet are static assets (`/live-page.js`, `/live-page.css`, copied
//! from beside this file by the build): the Content-Security-Policy allows only our own
//! origin's (`'self'`, no `unsafe-inline`), the page stays cacheable (no per-response
//! nonce), and their bytes are not in the wasm.

use super::live::{LiveView, PinOut, StreamOut};
use crate::domain::states::SessionState;
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

/// A link's `href`: a [`web_url`], or a path on this origin (`/Abc1234`; never `//host`
/// or `/\\host`, which browsers read as another host).
pub fn link_url(s: &str) -> Option<&str> {
    let local = s.starts_with('/') && !s.starts_with("//") && !s.starts_with("/\\");
    if local {
        Some(s)
    } else {
        web_url(s)
    }
}

/// The placeholder letter shown where a product image is missing or fails to load.
fn initial(title: &str) -> String {
    title.chars().find(|c| c.is_alphanumeric()).map(|c| c.to_uppercase().collect()).unwrap_or_else(|| "•".into())
}

/// The page's policy: nothing loads but our own stylesheet and script, https images
/// (brands' CDNs) and the feed from our own origin.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src https:; \
     connect-src 'self'; base-uri 'none'; form-action 'none'";

/// The policy of a session's page: [`CONTENT_SECURITY_POLICY`], plus for its stream the one
/// embed origin it frames (`frame-src`), or the HLS playlist's origin it plays from
/// (`media-src`, with `blob:` for the player's media source, and `connect-src`).
pub fn content_security_policy(stream: Option<&StreamOut>) -> String {
    match stream {
        Some(s) if s.kind == "hls" => format!(
            "{}; media-src {o} blob:",
            CONTENT_SECURITY_POLICY.replace("connect-src 'self'", &format!("connect-src 'self' {}", s.origin)),
            o = s.origin
        ),
        Some(s) => format!("{CONTENT_SECURITY_POLICY}; frame-src {}", s.origin),
        None => CONTENT_SECURITY_POLICY.into(),
    }
}

fn head(out: &mut String, title: &str, description: &str) {
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{t}</title>\n<meta name=\"description\" content=\"{d}\">\n\
         <meta property=\"og:title\" content=\"{t}\">\n<meta property=\"og:description\" content=\"{d}\">\n\
         <link rel=\"stylesheet\" href=\"/live-page.css\">\n</head>\n",
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
    let _ = write!(
        out,
        "<h2 class=\"name\">{}</h2><p class=\"price\">{}</p>",
        escape_html(name),
        escape_html(&p.price_display)
    );
    if let Some(d) = &p.deal {
        let _ = write!(
            out,
            "<p class=\"deal\" data-ends=\"{}\">Code <strong>{}</strong> <span class=\"left\">live deal</span></p>",
            escape_html(&d.ends_at),
            escape_html(&d.code)
        );
    }
    out.push_str("</div>\n");
    if let Some(href) = link_url(&p.short_url) {
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
    let live = v.state == SessionState::Live;
    let handle = &v.creator.handle;
    let mut out = String::with_capacity(8 * 1024 + v.pins.len() * 600);
    let page_title =
        if live { format!("{} · @{handle} is live", v.title) } else { format!("{} · @{handle}", v.title) };
    head(&mut out, &page_title, &format!("Shop the products @{handle} pins during the live show."));
    out.push_str("<body>\n<div class=\"wrap\">\n<header>\n");
    let _ = write!(
        out,
        "<p class=\"{}\" id=\"state\">{}</p>\n<h1 id=\"title\">{}</h1>\n<p class=\"by\">with @{}</p>\n</header>\n<main class=\"show{}\">\n",
        if live { "state" } else { "state ended" },
        if live { "Live" } else { "Ended" },
        escape_html(&v.title),
        escape_html(handle),
        if v.stream.is_some() { " has-stream" } else { "" },
    );
    if let Some(s) = &v.stream {
        let _ = writeln!(
            out,
            "<section class=\"stage\"><div class=\"player\" id=\"player\" data-kind=\"{}\" data-src=\"{}\"></div></section>",
            s.kind,
            escape_html(&s.player_url)
        );
    }
    out.push_str("<section class=\"shelf\">\n");
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
    out.push_str("</ol>\n</section>\n</main>\n");
    let _ = write!(
        out,
        "<footer>Links on this page are affiliate links: @{} may earn a commission on what you buy. \
         Prices and stock are the shop&#39;s.</footer>\n</div>\n",
        escape_html(handle)
    );
    let _ = write!(
        out,
        "<script src=\"/live-page.js\" data-feed=\"/api/live/{}\" data-handle=\"{}\"></script>\n</body>\n</html>\n",
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
    use crate::domain::money::{format_price, Currency, Money};
    use crate::domain::states::SessionState;
    use crate::views::live::CreatorRef;
    use crate::views::products::ShowcaseItem;

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
            deal: None,
        }
    }

    fn session(state: SessionState, pins: Vec<PinOut>) -> LiveView {
        LiveView {
            id: "ls_abc".into(),
            title: "Friday <b>drop</b> & \"more\"".into(),
            creator: CreatorRef { id: "cr_1".into(), handle: "maya".into() },
            state,
            starts_at: None,
            created_at: "2026-01-01T00:00:00.000Z".into(),
            ended_at: None,
            share_url: "https://ae.example/live/ls_abc".into(),
            stream_url: None,
            stream: None,
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
    fn links_may_also_be_paths_on_this_origin() {
        assert_eq!(link_url("/Abc1234"), Some("/Abc1234"));
        assert_eq!(link_url("https://x.example/a"), Some("https://x.example/a"));
        for bad in ["//evil.example/x", "/\\evil.example", "javascript:alert(1)", "Abc1234", ""] {
            assert_eq!(link_url(bad), None, "{bad}");
        }
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
    fn the_page_escapes_every_text_and_attribute() {
        let evil = "<script>alert(1)</script> & Co";
        let v = session(
            SessionState::Live,
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
        let v =
            session(SessionState::Live, vec![pin("pr_1", "Mug", Some("javascript:alert(1)"), "javascript:alert(2)")]);
        let html = render_page(&v);
        assert!(!html.to_ascii_lowercase().contains("javascript:alert"), "{html}");
        assert!(!html.contains("<img"));
        assert!(!html.contains("class=\"buy\""));
    }

    #[test]
    fn pins_render_in_the_given_order_with_prices_and_buy_links() {
        let v = session(
            SessionState::Live,
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
        let v = session(SessionState::Ended, vec![pin("pr_1", "Still here", None, "https://ae.example/Abc1234")]);
        let html = render_page(&v);
        assert!(html.contains("class=\"state ended\" id=\"state\">Ended<"));
        assert!(html.contains("Still here"));
        assert!(html.contains("href=\"https://ae.example/Abc1234\""));
        assert!(html.contains("<p class=\"note\" id=\"note\">This live show has ended"));
        assert!(!html.contains("Just pinned</p>"));
    }

    #[test]
    fn a_stream_and_a_deal_render_and_the_policy_allows_only_their_origin() {
        use crate::views::live::DealOut;
        let mut p = pin("pr_1", "Mug", None, "/Abc1234");
        p.deal = Some(DealOut { code: "MAYA10".into(), ends_at: "2026-01-01T01:00:00.000Z".into() });
        let mut v = session(SessionState::Live, vec![p]);
        v.stream = Some(StreamOut {
            kind: "youtube",
            player_url: "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1&mute=1".into(),
            origin: "https://www.youtube-nocookie.com".into(),
        });
        let html = render_page(&v);
        assert!(html.contains("<main class=\"show has-stream\">"));
        assert!(html.contains("data-kind=\"youtube\" data-src=\"https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1&amp;mute=1\""));
        assert!(html.contains("<p class=\"deal\" data-ends=\"2026-01-01T01:00:00.000Z\">Code <strong>MAYA10</strong>"));
        let csp = content_security_policy(v.stream.as_ref());
        assert!(csp.ends_with("; frame-src https://www.youtube-nocookie.com"), "{csp}");
        let hls = StreamOut {
            kind: "hls",
            player_url: "https://cdn.example/a.m3u8".into(),
            origin: "https://cdn.example".into(),
        };
        let csp = content_security_policy(Some(&hls));
        assert!(
            csp.contains("connect-src 'self' https://cdn.example;")
                && csp.ends_with("; media-src https://cdn.example blob:"),
            "{csp}"
        );
        assert!(!csp.contains("frame-src"));
        assert_eq!(content_security_policy(None), CONTENT_SECURITY_POLICY);
    }

    #[test]
    fn an_empty_session_says_so() {
        let html = render_page(&session(SessionState::Live, vec![]));
        assert!(html.contains("<p class=\"empty\" id=\"empty\">No products pinned yet"));
        assert!(!html.contains("<li class=\"pin\""));
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
        let csp = CONTENT_SECURITY_POLICY;
        assert!(csp.starts_with("default-src 'none'; "));
        assert!(!csp.contains("unsafe-inline"));
        assert!(csp.contains("script-src 'self';") && csp.contains("style-src 'self';"), "{csp}");
        let html = render_page(&session(SessionState::Live, vec![]));
        assert!(html.contains("<link rel=\"stylesheet\" href=\"/live-page.css\">"));
        assert!(html.contains("<script src=\"/live-page.js\" data-feed=\"/api/live/"));
        // What the page loads exists beside this file (the build copies it to the assets).
        assert!(!include_str!("live_page.js").contains("innerHTML"));
        assert!(include_str!("live_page.css").contains("body"));
    }
}
