//! A live session's video: a YouTube or Twitch live URL, or an HLS playlist, and the one
//! player URL the viewers' page loads for it. Parsed strictly: a URL that is not plainly one
//! of these is refused, never rewritten, so nothing a creator types reaches the page but a
//! video id, a channel name or a checked https URL.

use super::https_url::HttpsUrl;

/// Where the show plays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stream {
    /// A YouTube video or live id (11 of `[A-Za-z0-9_-]`).
    YouTube(String),
    /// A Twitch channel name.
    Twitch(String),
    /// An https `.m3u8` playlist, as [`HttpsUrl`] normalizes it.
    Hls(String),
}

/// What a refused `stream_url` is told.
pub const STREAM_ERROR: &str = "stream_url must be an https YouTube or Twitch live URL, or an https HLS (.m3u8) URL";

/// Characters a stream URL may hold: RFC 3986's unreserved, reserved and `%`, less the
/// quote, which an attribute could close on.
fn plain(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&()*+,;=%".contains(&b))
}

fn token(s: &str, min: usize, max: usize, extra: u8) -> Option<String> {
    ((min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == extra))
        .then(|| s.to_string())
}

fn youtube_id(s: &str) -> Option<String> {
    token(s, 11, 11, b'-')
}

impl Stream {
    /// Reads a `stream_url`: `youtube.com/watch?v=`, `/live/`, `/embed/`, `youtu.be/`;
    /// `twitch.tv/{channel}`; or any https host's path ending in `.m3u8`.
    pub fn parse(s: &str) -> Option<Stream> {
        if !plain(s) {
            return None;
        }
        let url = HttpsUrl::parse(s).ok()?;
        let rest = &url.as_str()["https://".len() + url.host().len()..];
        let rest = rest.split('#').next().unwrap_or("");
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let host = url.host().strip_prefix("www.").or(url.host().strip_prefix("m.")).unwrap_or(url.host());
        match host {
            "youtube.com" => {
                let id = match path.trim_end_matches('/') {
                    "/watch" => query.split('&').find_map(|kv| kv.strip_prefix("v=")),
                    p => p.strip_prefix("/live/").or(p.strip_prefix("/embed/")),
                };
                id.and_then(youtube_id).map(Stream::YouTube)
            }
            "youtu.be" => youtube_id(path.trim_start_matches('/')).map(Stream::YouTube),
            "twitch.tv" => token(path.trim_matches('/'), 3, 25, b'_').map(Stream::Twitch),
            _ if path.ends_with(".m3u8") => Some(Stream::Hls(url.into_string())),
            _ => None,
        }
    }

    /// `youtube`, `twitch` or `hls`: how the page plays it.
    pub fn kind(&self) -> &'static str {
        match self {
            Stream::YouTube(_) => "youtube",
            Stream::Twitch(_) => "twitch",
            Stream::Hls(_) => "hls",
        }
    }

    /// The player's URL: the platform's official embed (YouTube's privacy-enhanced one;
    /// Twitch's takes `&parent=` the page's host, which the page adds), or the playlist.
    pub fn player_url(&self) -> String {
        match self {
            Stream::YouTube(id) => format!("{YOUTUBE_EMBED}/embed/{id}?autoplay=1&mute=1&playsinline=1"),
            Stream::Twitch(channel) => format!("{TWITCH_EMBED}/?channel={channel}&muted=true"),
            Stream::Hls(url) => url.clone(),
        }
    }

    /// The origin the page must allow for it: a frame's, or the playlist's host.
    pub fn origin(&self) -> String {
        match self {
            Stream::YouTube(_) => YOUTUBE_EMBED.into(),
            Stream::Twitch(_) => TWITCH_EMBED.into(),
            Stream::Hls(url) => url.splitn(4, '/').take(3).collect::<Vec<_>>().join("/"),
        }
    }
}

/// The embeds' origins: the only frames a live page may hold.
pub const YOUTUBE_EMBED: &str = "https://www.youtube-nocookie.com";
/// See [`YOUTUBE_EMBED`].
pub const TWITCH_EMBED: &str = "https://player.twitch.tv";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_kinds_and_their_players() {
        let yt = Stream::YouTube("dQw4w9WgXcQ".into());
        for s in [
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            "https://youtube.com/watch?feature=x&v=dQw4w9WgXcQ",
            "https://m.youtube.com/live/dQw4w9WgXcQ?si=abc",
            "https://www.youtube.com/embed/dQw4w9WgXcQ",
            "https://youtu.be/dQw4w9WgXcQ",
            "HTTPS://WWW.YOUTUBE.COM/watch?v=dQw4w9WgXcQ",
        ] {
            assert_eq!(Stream::parse(s), Some(yt.clone()), "{s}");
        }
        assert_eq!(
            yt.player_url(),
            "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1&mute=1&playsinline=1"
        );
        let tw = Stream::parse("https://www.twitch.tv/some_channel/").unwrap();
        assert_eq!(tw, Stream::Twitch("some_channel".into()));
        assert_eq!(tw.player_url(), "https://player.twitch.tv/?channel=some_channel&muted=true");
        let hls = Stream::parse("https://cdn.example.com/live/show.m3u8?token=a1").unwrap();
        assert_eq!(hls, Stream::Hls("https://cdn.example.com/live/show.m3u8?token=a1".into()));
        assert_eq!(hls.origin(), "https://cdn.example.com");
        assert_eq!(hls.kind(), "hls");
    }

    #[test]
    fn anything_else_is_refused() {
        for s in [
            "",
            "http://www.youtube.com/watch?v=dQw4w9WgXcQ",
            "javascript:alert(1)//.m3u8",
            "https://www.youtube.com/watch?v=dQw4w9WgXc",
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ\"><script>alert(1)</script>",
            "https://cdn.example.com/a.m3u8\"><script>alert(1)</script>",
            "https://cdn.example.com/a.m3u8'onload='x",
            "https://cdn.example.com/a<b>.m3u8",
            "https://cdn.example.com/a.mp4",
            "https://127.0.0.1/a.m3u8",
            "https://user:pw@cdn.example.com/a.m3u8",
            "https://www.twitch.tv/a/b",
            "https://www.twitch.tv/",
            "https://vimeo.com/123",
            "https://evil.example/?x=.m3u8",
            "https://www.youtube.com.evil.example/watch?v=dQw4w9WgXcQ",
        ] {
            assert_eq!(Stream::parse(s), None, "{s}");
        }
    }
}
