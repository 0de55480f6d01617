//! Who is clicking: bots and link-preview fetchers (redirected, but never counted or
//! attributed), the device class, a privacy-preserving visitor hash for unique counts, and
//! the referrer host.

use sha2::{Digest, Sha256};

/// A repeat click from the same visitor within this window is not a unique click.
pub const UNIQUE_WINDOW_MS: i64 = 3_600_000;

/// Whether a click counts: see [`classify`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisitorClass {
    /// A person, as far as the user agent tells.
    Human,
    /// Redirected, but never counted or attributed.
    Bot,
}

/// `(lowercase substring, class)`, matched case-insensitively, first match wins. Classes:
/// `crawler` (search/AI indexers), `preview` (chat and social apps unfurling a link),
/// `preloader` (in-app browsers fetching ahead of a tap), `http-client` (scripts and
/// libraries), `headless` (automated browsers and auditors).
///
/// No bare `bot` marker: it would flag phones such as CUBOT. The generic tail (`bot/`,
/// `spider`, `crawler`, `+http`) catches well-behaved crawlers not named here. Yandex's own
/// apps say `YandexSearch/` as humans, so Yandex robots are matched by `yandexbot` and the
/// `yandex.com/bots` URL every Yandex robot sends, not by the bare word.
pub const BOT_MARKERS: &[(&str, &str)] = &[
    // Search and AI crawlers.
    ("googlebot", "crawler"),
    ("adsbot-google", "crawler"),
    ("mediapartners-google", "crawler"),
    ("storebot-google", "crawler"),
    ("google-inspectiontool", "crawler"),
    ("googleother", "crawler"),
    ("feedfetcher-google", "crawler"),
    ("bingbot", "crawler"),
    ("msnbot", "crawler"),
    ("yandexbot", "crawler"),
    ("yandex.com/bots", "crawler"),
    ("baiduspider", "crawler"),
    ("duckduckbot", "crawler"),
    ("applebot", "crawler"),
    ("ahrefsbot", "crawler"),
    ("semrushbot", "crawler"),
    ("mj12bot", "crawler"),
    ("dotbot", "crawler"),
    ("petalbot", "crawler"),
    ("bytespider", "crawler"),
    ("gptbot", "crawler"),
    ("chatgpt-user", "crawler"),
    ("oai-searchbot", "crawler"),
    ("claudebot", "crawler"),
    ("perplexitybot", "crawler"),
    ("ccbot", "crawler"),
    ("amazonbot", "crawler"),
    ("ia_archiver", "crawler"),
    // Link previews (unfurlers).
    ("facebookexternalhit", "preview"),
    ("facebookcatalog", "preview"),
    ("meta-externalagent", "preview"),
    ("facebot", "preview"),
    ("twitterbot", "preview"),
    ("slackbot", "preview"),
    ("slack-imgproxy", "preview"),
    ("discordbot", "preview"),
    ("whatsapp", "preview"),
    ("telegrambot", "preview"),
    ("linkedinbot", "preview"),
    ("pinterestbot", "preview"),
    ("redditbot", "preview"),
    ("skypeuripreview", "preview"),
    ("bingpreview", "preview"),
    ("embedly", "preview"),
    ("iframely", "preview"),
    ("vkshare", "preview"),
    ("snap url preview", "preview"),
    ("cardyb", "preview"),
    ("mastodon/", "preview"),
    ("google-pagerenderer", "preview"),
    // In-app browsers that prefetch a landing page before (or without) a tap.
    ("thirdlandingpagefeinfra", "preloader"),
    // Scripts and HTTP libraries.
    ("curl/", "http-client"),
    ("wget/", "http-client"),
    ("python-requests", "http-client"),
    ("python-urllib", "http-client"),
    ("python-httpx", "http-client"),
    ("aiohttp", "http-client"),
    ("go-http-client", "http-client"),
    ("okhttp", "http-client"),
    ("java/", "http-client"),
    ("apache-httpclient", "http-client"),
    ("libwww-perl", "http-client"),
    ("axios/", "http-client"),
    ("node-fetch", "http-client"),
    ("undici", "http-client"),
    ("http.rb/", "http-client"),
    ("guzzlehttp", "http-client"),
    ("scrapy", "http-client"),
    ("postmanruntime", "http-client"),
    // Automated browsers and auditors.
    ("headlesschrome", "headless"),
    ("phantomjs", "headless"),
    ("lighthouse", "headless"),
    ("pagespeed", "headless"),
    ("selenium", "headless"),
    ("puppeteer", "headless"),
    // Generic tails for crawlers not named above.
    ("bot/", "crawler"),
    ("spider", "crawler"),
    ("crawler", "crawler"),
    ("+http", "crawler"),
];

fn blank(ua: Option<&str>) -> Option<&str> {
    ua.map(str::trim).filter(|s| !s.is_empty())
}

/// Why a user agent is not a person, if it is not: a [`BOT_MARKERS`] class, or
/// `http-client` for a missing or blank user agent (every browser sends one).
pub fn bot_class(user_agent: Option<&str>) -> Option<&'static str> {
    let Some(ua) = blank(user_agent) else {
        return Some("http-client");
    };
    let lower = ua.to_ascii_lowercase();
    first_marker(lower.as_bytes()).map(|k| BOT_MARKERS[k].1)
}

/// Needles indexed by their first byte, to learn which of them occur in a haystack in one
/// pass that compares only the needles starting with the byte at hand. `str::contains` per
/// needle sets up a Two-Way searcher each time: ~1,600 instructions a needle, which made
/// bot and device classification the largest cost of a click (~250 k instructions; see
/// BENCHMARKS.md).
struct NeedleIndex<const N: usize> {
    needles: [&'static [u8]; N],
    /// Needle indices ordered by first byte; `by_first[b]` is the (start, length) of byte
    /// `b`'s run in it.
    order: [u8; N],
    by_first: [(u8, u8); 256],
    /// A bit per [`pair_slot`] of each needle's first two bytes: most positions of a user
    /// agent start no needle, and this one lookup says so (the scan was ~30 k instructions
    /// a click before it, ~230 a byte, with the candidates of common first letters tried at
    /// every position).
    pairs: [u64; 16],
}

/// Where the byte pair `(a, b)` falls in [`NeedleIndex`]'s pair filter (1,024 slots; pairs
/// that share a slot only cost a look at the candidates).
const fn pair_slot(a: u8, b: u8) -> usize {
    (a as usize * 31 + b as usize) & 1023
}

impl<const N: usize> NeedleIndex<N> {
    /// `needles`: at most 128, each at least 2 bytes (checked at compile time).
    const fn new(needles: [&'static [u8]; N]) -> Self {
        assert!(N <= 128);
        let mut order = [0u8; N];
        let mut by_first = [(0u8, 0u8); 256];
        let mut pairs = [0u64; 16];
        let (mut n, mut b) = (0, 0);
        while b < 256 {
            let start = n;
            let mut k = 0;
            while k < N {
                assert!(needles[k].len() >= 2);
                let slot = pair_slot(needles[k][0], needles[k][1]);
                pairs[slot / 64] |= 1 << (slot % 64);
                if needles[k][0] as usize == b {
                    order[n] = k as u8;
                    n += 1;
                }
                k += 1;
            }
            by_first[b] = (start as u8, (n - start) as u8);
            b += 1;
        }
        NeedleIndex { needles, order, by_first, pairs }
    }

    /// Bit `k` is set when `needles[k]` occurs in `hay`.
    fn occurring(&self, hay: &[u8]) -> u128 {
        // Two words rather than a u128: wasm shifts a u128 through a library call.
        let mut found = [0u64; 2];
        // A plain index loop: at opt-level "z" an iterator adapter here is a call per byte.
        let mut i = 0;
        while i + 1 < hay.len() {
            let (first, second) = (hay[i], hay[i + 1]);
            let slot = pair_slot(first, second);
            if self.pairs[slot / 64] & (1 << (slot % 64)) != 0 {
                let (start, len) = self.by_first[usize::from(first)];
                for &k in &self.order[usize::from(start)..usize::from(start) + usize::from(len)] {
                    let needle = self.needles[usize::from(k)];
                    let (word, bit) = (usize::from(k / 64), 1u64 << (k % 64));
                    if needle[1] == second && found[word] & bit == 0 && hay[i..].starts_with(needle) {
                        found[word] |= bit;
                    }
                }
            }
            i += 1;
        }
        u128::from(found[0]) | (u128::from(found[1]) << 64)
    }
}

static BOT_INDEX: NeedleIndex<{ BOT_MARKERS.len() }> = NeedleIndex::new({
    let mut out: [&[u8]; BOT_MARKERS.len()] = [b"-"; BOT_MARKERS.len()];
    let mut k = 0;
    while k < out.len() {
        out[k] = BOT_MARKERS[k].0.as_bytes();
        k += 1;
    }
    out
});

/// The index of the first [`BOT_MARKERS`] entry, in list order, that occurs in `lower`.
fn first_marker(lower: &[u8]) -> Option<usize> {
    let found = BOT_INDEX.occurring(lower);
    (found != 0).then(|| found.trailing_zeros() as usize)
}

/// What [`device_class`] looks for, by bit.
const DEVICE_WORDS: [&[u8]; 18] = [
    b"ipad",
    b"tablet",
    b"kindle",
    b"silk/",
    b"playbook",
    b"android",
    b"mobile",
    b"mobi",
    b"iphone",
    b"ipod",
    b"windows phone",
    b"blackberry",
    b"opera mini",
    b"windows nt",
    b"macintosh",
    b"x11",
    b"cros",
    b"linux",
];
static DEVICE_INDEX: NeedleIndex<18> = NeedleIndex::new(DEVICE_WORDS);

/// Human or bot. Bots are still redirected; their clicks are flagged and never attributed.
pub fn classify(user_agent: Option<&str>) -> VisitorClass {
    match bot_class(user_agent) {
        Some(_) => VisitorClass::Bot,
        None => VisitorClass::Human,
    }
}

/// Coarse device class for stats: `mobile`, `tablet`, `desktop`, `bot`, or `unknown` when
/// the user agent is missing or says nothing recognisable. Bots are checked first, since
/// smartphone crawlers imitate mobile browsers.
pub fn device_class(user_agent: Option<&str>) -> &'static str {
    classify_click(user_agent).1
}

/// The bot class and device class of a user agent, lowercasing and scanning it once for
/// each: what a click records.
pub fn classify_click(user_agent: Option<&str>) -> (Option<&'static str>, &'static str) {
    let Some(ua) = blank(user_agent) else {
        return (Some("http-client"), "unknown");
    };
    let lower = ua.to_ascii_lowercase();
    match first_marker(lower.as_bytes()) {
        Some(k) => (Some(BOT_MARKERS[k].1), "bot"),
        None => (None, device_of_lower(lower.as_bytes())),
    }
}

/// The device class of a lowercase user agent that is not a bot's.
fn device_of_lower(lower: &[u8]) -> &'static str {
    let found = DEVICE_INDEX.occurring(lower);
    let has = |k: usize| found & (1 << k) != 0;
    // Bit positions in DEVICE_WORDS.
    let [ipad, tablet, kindle, silk, playbook, android, mobile, mobi, iphone, ipod] =
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map(has);
    let [windows_phone, blackberry, opera_mini, windows_nt, macintosh, x11, cros, linux] =
        [10, 11, 12, 13, 14, 15, 16, 17].map(has);
    if ipad || tablet || kindle || silk || playbook || (android && !mobile) {
        "tablet"
    } else if mobi || iphone || ipod || android || windows_phone || blackberry || opera_mini {
        "mobile"
    } else if windows_nt || macintosh || x11 || cros || linux {
        "desktop"
    } else {
        "unknown"
    }
}

/// Hex SHA-256 identifying a visitor for unique counts without storing who they are: the
/// raw IP never leaves this function. Each field is length-prefixed, so `("a", "bc")` and
/// `("ab", "c")` cannot collide. The salt (a secret, rotatable) keeps hashes of the small
/// IPv4 space from being reversed by brute force.
pub fn visitor_hash(salt: &str, ip: &str, user_agent: &str) -> String {
    let mut h = Sha256::new();
    for field in [salt, ip, user_agent] {
        h.update((field.len() as u64).to_be_bytes());
        h.update(field.as_bytes());
    }
    super::hex::encode(&h.finalize())
}

/// The referring site's host, lowercase (`https://WWW.Instagram.com/p/x` → `www.instagram.com`),
/// and nothing else: paths and queries of referrers may carry personal data. Read from
/// `scheme://[userinfo@]host[:port]` (any scheme: Android apps send `android-app://…`);
/// `None` for anything else, and for a host the URL standard would rewrite (escapes,
/// non-ASCII, IPv6, an IPv4 address not in dotted decimal).
pub fn referrer_host(referer: Option<&str>) -> Option<String> {
    let (scheme, rest) = referer?.trim().split_once(':')?;
    let mut scheme = scheme.bytes();
    if !scheme.next()?.is_ascii_alphabetic() || !scheme.all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b)) {
        return None;
    }
    let rest = rest.strip_prefix("//")?;
    let authority = &rest[..rest.bytes().position(|b| matches!(b, b'/' | b'?' | b'#')).unwrap_or(rest.len())];
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = host_port.split_at(host_port.find(':').unwrap_or(host_port.len()));
    let host = host.to_ascii_lowercase();
    let plain = host.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b));
    if host.is_empty() || !plain || (super::https_url::ends_in_number(&host) && !is_dotted_quad(&host)) {
        return None;
    }
    let port = port.strip_prefix(':').unwrap_or("");
    if !(port.bytes().all(|b| b.is_ascii_digit()) && (port.is_empty() || port.parse::<u16>().is_ok())) {
        return None;
    }
    Some(host)
}

/// `a.b.c.d`, each 0–255 in decimal without leading zeros: the one IPv4 form kept as written.
fn is_dotted_quad(host: &str) -> bool {
    let parts: Vec<&str> = host.split('.').collect();
    parts.len() == 4
        && parts.iter().all(|p| {
            (1..=3).contains(&p.len())
                && p.bytes().all(|b| b.is_ascii_digit())
                && (p.len() == 1 || !p.starts_with('0'))
                && p.parse::<u8>().is_ok()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const IPHONE_SAFARI: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1";
    const ANDROID_CHROME: &str = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36";
    const INSTAGRAM: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 300.0.0.16.111 (iPhone14,5; iOS 17_1; en_US; en; scale=3.00; 1170x2532; 514327624)";
    const INSTAGRAM_ANDROID: &str = "Mozilla/5.0 (Linux; Android 13; SM-S918B Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/119.0.6045.163 Mobile Safari/537.36 Instagram 300.0.0.29.110 Android (33/13; 450dpi; 1080x2340; samsung; SM-S918B; dm3q; qcom; en_US; 517981163)";
    const TIKTOK_INAPP: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 musical_ly_32.5.0 JsSdk/2.0 NetType/WIFI Channel/App Store ByteLocale/en Region/US ByteFullLocale/en isDarkMode/0 WKWebView/1 BytedanceWebview/d8a21c6";
    const TIKTOK_PRELOADER: &str = "Mozilla/5.0 (Linux; Android 12; SM-G991B Build/SP1A.210812.016; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/104.0.5112.97 Mobile Safari/537.36 musical_ly_2023205030 JsSdk/1.0 NetType/WIFI Channel/googleplay AppName/musical_ly app_version/32.5.3 ByteLocale/en ByteFullLocale/en Region/US BytedanceWebview/d8a21c6 ThirdLandingPageFeInfra";
    const FACEBOOK_INAPP: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/440.0.0.33.116;FBBV/541347224;FBDV/iPhone14,5;FBMD/iPhone;FBSN/iOS;FBSV/17.1;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5]";
    const CUBOT_PHONE: &str = "Mozilla/5.0 (Linux; Android 11; CUBOT_X30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36";
    const YANDEX_APP: &str = "Mozilla/5.0 (Linux; Android 10; M2006C3MNG) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/112.0.0.0 YaBrowser/23.5.1.106 YandexSearch/23.51 YaApp_Android/23.51 Mobile Safari/537.36";
    const DESKTOP_CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
    const DESKTOP_FIREFOX_MAC: &str =
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.1; rv:120.0) Gecko/20100101 Firefox/120.0";
    const LINUX_FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0";
    const IPAD: &str = "Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1";
    const ANDROID_TABLET: &str = "Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";

    fn assert_class(class: &str, uas: &[&str]) {
        for ua in uas {
            assert_eq!(bot_class(Some(ua)), Some(class), "{ua}");
            assert_eq!(classify(Some(ua)), VisitorClass::Bot, "{ua}");
            assert_eq!(device_class(Some(ua)), "bot", "{ua}");
        }
    }

    #[test]
    fn markers_are_lowercase_with_known_classes() {
        for (marker, class) in BOT_MARKERS {
            assert_eq!(*marker, marker.to_ascii_lowercase(), "{marker}");
            assert!(!marker.is_empty());
            assert!(["crawler", "preview", "preloader", "http-client", "headless"].contains(class), "{class}");
        }
        assert!(!BOT_MARKERS.iter().any(|(m, _)| *m == "bot"));
    }

    #[test]
    fn crawlers() {
        assert_class("crawler", &[
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.71 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
            "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
            "Mozilla/5.0 (compatible; YandexImages/3.0; +http://yandex.com/bots)",
            "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
            "DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)",
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)",
            "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
            "Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)",
            "Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 (compatible; Bytespider; spider-feedback@bytedance.com)",
            "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)",
            "SomeNewCrawler/1.0",
            "ExampleBot/2.0",
            "Mozilla/5.0 (compatible; SomeIndexer/1.0; +https://indexer.example/about)",
        ]);
    }

    #[test]
    fn link_previews() {
        assert_class("preview", &[
            "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
            "facebookcatalog/1.0",
            "meta-externalagent/1.1 (+https://developers.facebook.com/docs/sharing/webmasters/crawler)",
            "Twitterbot/1.0",
            "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
            "Slack-ImgProxy (+https://api.slack.com/robots)",
            "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
            "WhatsApp/2.23.20.0 A",
            "TelegramBot (like TwitterBot)",
            "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
            "Mozilla/5.0 (compatible; Pinterestbot/1.0; +http://www.pinterest.com/bot.html)",
            "Mozilla/5.0 (compatible; redditbot/1.0; +http://www.reddit.com/feedback)",
            "Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5 skype-url-preview@microsoft.com",
            "Mozilla/5.0 (compatible; Embedly/0.2; +http://support.embed.ly/)",
            "Iframely/1.3.1 (+https://iframely.com/docs/about) Atlassian",
            // iMessage's preview fetcher.
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_1) AppleWebKit/601.2.4 (KHTML, like Gecko) Version/9.0.1 Safari/601.2.4 facebookexternalhit/1.1 Facebot Twitterbot/1.0",
        ]);
    }

    #[test]
    fn tiktok_preloader_is_a_bot() {
        assert_class("preloader", &[TIKTOK_PRELOADER]);
    }

    #[test]
    fn http_clients() {
        assert_class(
            "http-client",
            &[
                "curl/8.4.0",
                "Wget/1.21.4",
                "python-requests/2.31.0",
                "Python-urllib/3.11",
                "Go-http-client/2.0",
                "okhttp/4.12.0",
                "Java/17.0.2",
                "libwww-perl/6.72",
                "axios/1.6.2",
                "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)",
            ],
        );
    }

    #[test]
    fn headless_browsers() {
        assert_class("headless", &[
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36",
            "Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) PhantomJS/2.1.1 Safari/538.1",
            "Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Mobile Safari/537.36 Chrome-Lighthouse",
        ]);
    }

    #[test]
    fn missing_or_blank_user_agent_is_a_bot() {
        for ua in [None, Some(""), Some("   ")] {
            assert_eq!(classify(ua), VisitorClass::Bot);
            assert_eq!(bot_class(ua), Some("http-client"));
            assert_eq!(device_class(ua), "unknown");
        }
    }

    #[test]
    fn matching_ignores_case() {
        assert_eq!(classify(Some("GOOGLEBOT/2.1")), VisitorClass::Bot);
        assert_eq!(classify(Some("CuRl/7.0")), VisitorClass::Bot);
    }

    #[test]
    fn real_browsers_are_human() {
        for ua in [
            IPHONE_SAFARI,
            ANDROID_CHROME,
            INSTAGRAM,
            INSTAGRAM_ANDROID,
            TIKTOK_INAPP,
            FACEBOOK_INAPP,
            CUBOT_PHONE,
            YANDEX_APP,
            DESKTOP_CHROME,
            DESKTOP_FIREFOX_MAC,
            LINUX_FIREFOX,
            IPAD,
            ANDROID_TABLET,
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Pinterest for iOS/12.1",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0",
        ] {
            assert_eq!(classify(Some(ua)), VisitorClass::Human, "{ua}");
            assert_eq!(bot_class(Some(ua)), None, "{ua}");
        }
    }

    #[test]
    fn click_classification_agrees_with_the_separate_checks() {
        for ua in [
            IPHONE_SAFARI,
            ANDROID_CHROME,
            INSTAGRAM,
            INSTAGRAM_ANDROID,
            TIKTOK_INAPP,
            TIKTOK_PRELOADER,
            FACEBOOK_INAPP,
            CUBOT_PHONE,
            YANDEX_APP,
            DESKTOP_CHROME,
            "",
            "  ",
            "curl/8.0",
            "Googlebot/2.1",
            "Mozilla/5.0 (iPad; CPU OS 17_1)",
            "Mozilla/5.0 (X11; Linux x86_64)",
            "something else",
        ] {
            assert_eq!(classify_click(Some(ua)), (bot_class(Some(ua)), device_class(Some(ua))), "{ua:?}");
        }
        assert_eq!(classify_click(None), (bot_class(None), device_class(None)));
    }

    #[test]
    fn device_word_bits_are_the_list_positions() {
        let words = [
            "ipad",
            "tablet",
            "kindle",
            "silk/",
            "playbook",
            "android",
            "mobile",
            "mobi",
            "iphone",
            "ipod",
            "windows phone",
            "blackberry",
            "opera mini",
            "windows nt",
            "macintosh",
            "x11",
            "cros",
            "linux",
        ];
        assert_eq!(DEVICE_WORDS.map(|w| std::str::from_utf8(w).unwrap()), words);
    }

    #[test]
    fn device_classes() {
        for ua in [IPHONE_SAFARI, ANDROID_CHROME, INSTAGRAM, INSTAGRAM_ANDROID, TIKTOK_INAPP, CUBOT_PHONE] {
            assert_eq!(device_class(Some(ua)), "mobile", "{ua}");
        }
        for ua in [IPAD, ANDROID_TABLET] {
            assert_eq!(device_class(Some(ua)), "tablet", "{ua}");
        }
        for ua in [DESKTOP_CHROME, DESKTOP_FIREFOX_MAC, LINUX_FIREFOX] {
            assert_eq!(device_class(Some(ua)), "desktop", "{ua}");
        }
        assert_eq!(
            device_class(Some("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)")),
            "bot"
        );
        assert_eq!(device_class(Some("SomeThing")), "unknown");
    }

    #[test]
    fn visitor_hash_is_stable_salted_and_unambiguous() {
        let h = visitor_hash("salt", "203.0.113.7", IPHONE_SAFARI);
        assert_eq!(h.len(), 64);
        assert!(h.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        assert_eq!(h, visitor_hash("salt", "203.0.113.7", IPHONE_SAFARI));
        assert!(!h.contains("203.0.113.7"));
        assert_ne!(h, visitor_hash("salt2", "203.0.113.7", IPHONE_SAFARI));
        assert_ne!(h, visitor_hash("salt", "203.0.113.8", IPHONE_SAFARI));
        assert_ne!(h, visitor_hash("salt", "203.0.113.7", ANDROID_CHROME));
        // Shifting bytes between fields changes the hash (length prefixes).
        assert_ne!(visitor_hash("a", "bc", "d"), visitor_hash("ab", "c", "d"));
        assert_ne!(visitor_hash("", "1.2.3.4", "x"), visitor_hash("1.2.3.4", "", "x"));
        // Known value: sha256 of three (u64 BE length, bytes) frames.
        let mut raw = Vec::new();
        for f in ["s", "1.2.3.4", "ua"] {
            raw.extend_from_slice(&(f.len() as u64).to_be_bytes());
            raw.extend_from_slice(f.as_bytes());
        }
        assert_eq!(visitor_hash("s", "1.2.3.4", "ua"), crate::domain::hex::encode(&Sha256::digest(&raw)));
    }

    #[test]
    fn referrer_hosts() {
        assert_eq!(referrer_host(Some("https://WWW.Instagram.com/p/abc?x=1")), Some("www.instagram.com".into()));
        assert_eq!(referrer_host(Some("https://t.co/")), Some("t.co".into()));
        assert_eq!(referrer_host(Some("http://l.facebook.com:8080/l.php?u=x")), Some("l.facebook.com".into()));
        assert_eq!(referrer_host(Some("android-app://com.Google.android.gm/")), Some("com.google.android.gm".into()));
        assert_eq!(referrer_host(None), None);
        assert_eq!(referrer_host(Some("")), None);
        assert_eq!(referrer_host(Some("not a url")), None);
        assert_eq!(referrer_host(Some("/relative/path")), None);
        assert_eq!(referrer_host(Some("about:blank")), None);
        assert_eq!(referrer_host(Some("file:///etc/passwd")), None);
        assert_eq!(referrer_host(Some(" HTTPS://u:p@Shop.Example.:443?x#y ")), Some("shop.example.".into()));
        assert_eq!(referrer_host(Some("https://10.0.0.1/")), Some("10.0.0.1".into()));
        for none in [
            "http://[2001:DB8::1]:8080/",
            "https://0x7f.1/",
            "https://010.0.0.1/",
            "https://b%C3%BCcher.example/",
            "https://bücher.example/",
        ] {
            assert_eq!(referrer_host(Some(none)), None, "{none}");
        }
        for none in ["https://", "https://:80/", "https:/x.example/", "1http://x.example/", "http://x.example:99999/"] {
            assert_eq!(referrer_host(Some(none)), None, "{none}");
        }
    }

    /// Every host we read is the `url` crate's for the same referrer, lowercased.
    #[test]
    fn referrer_hosts_agree_with_the_url_crate() {
        let mut some = 0;
        for scheme in ["https", "HTTP", "android-app", "ftp", "x+y"] {
            for auth in [
                "www.instagram.com",
                "WWW.Example.COM",
                "u:p@t.co",
                "@t.co",
                "a@b@t.co",
                "t.co:443",
                "t.co:",
                "t.co:x",
                "t.co.",
                "a_b.example",
                "127.0.0.1",
                "127.1",
                "[::1]",
                "[::1]:80",
                "[::ffff:1.2.3.4]",
                "1.2.3.4.5",
                "%41.example",
                "",
                ":80",
                "a b",
                "x-.example",
                "0x10.example",
            ] {
                for tail in ["", "/", "/p?q=1#f", "?q", "#f", "\\x"] {
                    let referer = format!("{scheme}://{auth}{tail}");
                    if let Some(ours) = referrer_host(Some(&referer)) {
                        let theirs = url::Url::parse(&referer).unwrap_or_else(|e| panic!("{referer:?}: {e}"));
                        assert_eq!(
                            Some(ours.as_str()),
                            theirs.host_str().map(str::to_ascii_lowercase).as_deref(),
                            "{referer:?}"
                        );
                        some += 1;
                    }
                }
            }
        }
        assert!(some > 200, "only {some} hosts read");
    }

    #[test]
    fn marker_scan_matches_contains_in_list_order() {
        let naive = |ua: &str| {
            let l = ua.to_ascii_lowercase();
            BOT_MARKERS.iter().position(|(m, _)| l.contains(m))
        };
        let mut uas: Vec<String> = [
            IPHONE_SAFARI,
            ANDROID_CHROME,
            INSTAGRAM,
            INSTAGRAM_ANDROID,
            TIKTOK_INAPP,
            TIKTOK_PRELOADER,
            FACEBOOK_INAPP,
            CUBOT_PHONE,
            YANDEX_APP,
            DESKTOP_CHROME,
            DESKTOP_FIREFOX_MAC,
            "",
            "x",
            "+",
            "bot",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for (m, _) in BOT_MARKERS {
            uas.push(m.to_string());
            uas.push(format!("Mozilla/5.0 ({}) {m}", m.to_uppercase()));
            uas.push(format!("{IPHONE_SAFARI} {m}"));
            uas.push(m[..m.len() - 1].to_string());
        }
        uas.push(format!("{} googlebot", BOT_MARKERS.iter().rev().map(|(m, _)| *m).collect::<Vec<_>>().join(" ")));
        for ua in &uas {
            assert_eq!(first_marker(ua.to_ascii_lowercase().as_bytes()), naive(ua), "{ua:?}");
        }
        for ua in &uas {
            let l = ua.to_ascii_lowercase();
            let found = DEVICE_INDEX.occurring(l.as_bytes());
            for (k, w) in DEVICE_WORDS.iter().enumerate() {
                assert_eq!(found & (1 << k) != 0, l.contains(std::str::from_utf8(w).unwrap()), "{ua:?} {w:?}");
            }
        }
    }
}
