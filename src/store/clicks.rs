//! Clicks on their way to D1: the redirect hands each one to a queue (`CLICKS`), and the
//! queue's consumer writes a whole queue batch as one D1 batch, with the roll-ups that stats
//! read.
//!
//! Producer: the redirect makes each click's JSON ([`ClickMsg::to_json`]) and hands it to
//! `src/shim.mjs`, which groups the clicks of one isolate into one queue message (a JSON
//! array of clicks), sent when it holds [`MAX_PER_MESSAGE`] clicks or [`FLUSH_MS`] after its
//! first, inside `waitUntil`. The buffer is JS's so that it outlives a wasm instance reset. A queue takes about 5,000 messages/s; grouping makes one viral link's
//! 10,000 clicks/s about 100 messages/s instead of 10,000 (SCALING.md).
//!
//! Consumer, exactly once although the queue delivers at least once: every click row is
//! inserted with the consumer run's own `ingest` token (a click stored before keeps its
//! token, so a redelivery inserts nothing and counts nothing), and the roll-ups add up only
//! the rows that carry this run's token — in the same D1 batch, a transaction, so a failure
//! anywhere counts nothing and the queue's retry starts over. A placeholder row that an
//! order wrote before its click arrived has no token: the click fills it and counts once.

use super::d1::{text, Stmt};
use super::{Db, StoreResult};

/// Clicks in one queue message, at most (≈ 350 bytes each: well under the 128 KB limit).
pub const MAX_PER_MESSAGE: usize = 100;
/// How long an isolate holds its first click before sending the message.
pub const FLUSH_MS: u32 = 100;
/// Clicks per insert statement: their JSON is one bound parameter (D1 keeps those under
/// 2 MB; 1,000 clicks are ≈ 350 KB).
const CLICKS_PER_STATEMENT: usize = 1_000;

/// A click as it goes through the queue.
pub struct ClickMsg<'a> {
    pub id: &'a str,
    pub link_id: &'a str,
    pub code: &'a str,
    pub creator_id: &'a str,
    pub brand_id: &'a str,
    pub product_id: &'a str,
    pub live_session_id: Option<&'a str>,
    pub created_at: i64,
    pub country: Option<&'a str>,
    pub device: &'a str,
    pub referrer_host: Option<&'a str>,
    /// `""` when no visitor hash could be made (no salt): then never unique.
    pub visitor_hash: &'a str,
    pub is_bot: bool,
}

impl ClickMsg<'_> {
    /// The click as a JSON array, in the order `INSERT_CLICKS` reads it (`$[0]`…`$[12]`).
    /// Written by hand: every field but the country and referrer is our own ASCII, and
    /// serde_json's per-character escaping was ~14 k instructions of each click.
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(400);
        out.push('[');
        for s in [self.id, self.link_id, self.code, self.creator_id, self.brand_id, self.product_id] {
            push_json_str(&mut out, Some(s));
        }
        push_json_str(&mut out, self.live_session_id);
        out.push_str(&self.created_at.to_string());
        out.push(',');
        for s in [self.country, Some(self.device), self.referrer_host, Some(self.visitor_hash)] {
            push_json_str(&mut out, s);
        }
        out.push_str(if self.is_bot { "1]" } else { "0]" });
        out
    }
}

/// `s` as a JSON string (or `null`) and a comma. A text with nothing to escape is copied
/// as it is; anything else goes through serde_json.
fn push_json_str(out: &mut String, s: Option<&str>) {
    match s {
        None => out.push_str("null"),
        Some(s) if json_plain(s.as_bytes()) => {
            out.push('"');
            out.push_str(s);
            out.push('"');
        }
        // Serializing a str can't fail; `null` rather than a broken array if it ever did.
        Some(s) => out.push_str(serde_json::to_string(s).as_deref().unwrap_or("null")),
    }
    out.push(',');
}

/// Whether `s` needs no escaping in a JSON string: no `"`, `\\` or control byte. Eight
/// bytes at a time (the bit tricks of "Bit Twiddling Hacks", exact for "is there such a
/// byte"): it runs over every click's ~330 bytes, and byte by byte it was ~20 instructions
/// each in wasm.
fn json_plain(s: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Some byte of `x` is below `n` (n ≤ 128).
    let below = |x: u64, n: u64| x.wrapping_sub(ONES * n) & !x & HIGH != 0;
    let mut chunks = s.chunks_exact(8);
    for chunk in &mut chunks {
        let Ok(bytes) = <[u8; 8]>::try_from(chunk) else { return false };
        let x = u64::from_le_bytes(bytes);
        if below(x, 0x20) || below(x ^ (ONES * u64::from(b'"')), 1) || below(x ^ (ONES * u64::from(b'\\')), 1) {
            return false;
        }
    }
    chunks.remainder().iter().all(|&b| b >= 0x20 && b != b'"' && b != b'\\')
}

/// The clicks of `?1` (a JSON array of messages, each an array of clicks as
/// [`ClickMsg::to_json`] writes them) as rows with named columns, and each one's hour.
macro_rules! clicks_of_messages {
    () => {
        "WITH k AS (SELECT json_extract(c.value, '$[0]') AS id, json_extract(c.value, '$[1]') AS link_id, \
         json_extract(c.value, '$[2]') AS code, json_extract(c.value, '$[3]') AS creator_id, \
         json_extract(c.value, '$[4]') AS brand_id, json_extract(c.value, '$[5]') AS product_id, \
         json_extract(c.value, '$[6]') AS live_session_id, json_extract(c.value, '$[7]') AS created_at, \
         json_extract(c.value, '$[8]') AS country, json_extract(c.value, '$[9]') AS device, \
         json_extract(c.value, '$[10]') AS referrer_host, json_extract(c.value, '$[11]') AS visitor_hash, \
         json_extract(c.value, '$[12]') AS is_bot, \
         json_extract(c.value, '$[7]') - json_extract(c.value, '$[7]') % 3600000 AS hour \
         FROM json_each(?1) m, json_each(m.value) c) "
    };
}

/// Claims each human click's (link, visitor, hour) for it, if no other click has it yet:
/// the first click of a visitor in an hour is the unique one, whatever order the queue
/// delivers them in.
const CLAIM_VISITORS: &str = concat!(
    clicks_of_messages!(),
    "INSERT OR IGNORE INTO click_visitors (link_id, visitor_hash, hour, click_id) \
     SELECT link_id, visitor_hash, hour, id FROM k WHERE is_bot = 0 AND visitor_hash <> ''"
);

/// A visitor's clicks on one link beyond this many within a minute are bot clicks (a flood).
pub const FLOOD_CLICKS: u32 = 10;

/// Inserts the clicks of `?1` with this run's token `?2`; a click already stored keeps its
/// row (and its token), a placeholder is filled. The rate lock comes from the rate versions
/// at the click's time: nothing on the click path looks a rate up.
///
/// A click is a flood click, stored as a bot click, when [`FLOOD_CLICKS`] clicks of the same
/// visitor on the same link in the minute up to it are stored already or come before it in
/// this run (by time, then id): each click is decided once, when it is first stored, and a
/// redelivered one keeps its row; D1 runs one batch at a time, so concurrent runs cannot
/// both count the same minute short. The work per click is bounded whatever the flood's
/// size (a click farm is what this is for): at most 10 index entries of stored clicks, and
/// the run's own clicks counted once by windows over the visitor's clicks.
const INSERT_CLICKS: &str = concat!(
    clicks_of_messages!(),
    ", n AS (SELECT DISTINCT * FROM k WHERE NOT EXISTS (SELECT 1 FROM clicks s WHERE s.id = k.id AND s.ingest IS NOT NULL)), \
     f AS (SELECT n.*, is_bot = 1 OR (visitor_hash <> '' AND \
       (SELECT COUNT(*) FROM (SELECT 1 FROM clicks s WHERE s.link_id = n.link_id AND s.visitor_hash = n.visitor_hash \
         AND s.visitor_hash <> '' AND s.created_at BETWEEN n.created_at - 60000 AND n.created_at \
         AND s.ingest IS NOT NULL LIMIT 10)) + ",
    // The run's clicks before this one in its minute: those from a minute before to its
    // time, less its peers (the same millisecond) that come after it by id.
    "COUNT(*) OVER (w RANGE BETWEEN 60000 PRECEDING AND CURRENT ROW) \
       - COUNT(*) OVER (PARTITION BY link_id, visitor_hash, created_at) \
       + ROW_NUMBER() OVER (PARTITION BY link_id, visitor_hash, created_at ORDER BY id) - 1",
    " >= 10) AS bot FROM n WINDOW w AS (PARTITION BY link_id, visitor_hash ORDER BY created_at)) ",
    "INSERT INTO clicks (id, link_id, code, creator_id, brand_id, product_id, live_session_id, rate_bps, \
     created_at, country, device, referrer_host, visitor_hash, is_bot, is_unique, ingest) \
     SELECT id, link_id, code, creator_id, brand_id, product_id, live_session_id, ",
    super::rates::rate_at!("k.brand_id", "k.creator_id", "k.product_id", "k.created_at"),
    ", created_at, country, device, referrer_host, visitor_hash, bot, \
     bot = 0 AND EXISTS (SELECT 1 FROM click_visitors v WHERE v.link_id = k.link_id \
       AND v.visitor_hash = k.visitor_hash AND v.hour = k.hour AND v.click_id = k.id), ?2 \
     FROM f k WHERE true \
     ON CONFLICT (id) DO UPDATE SET country = excluded.country, device = excluded.device, \
     referrer_host = excluded.referrer_host, visitor_hash = excluded.visitor_hash, is_bot = excluded.is_bot, \
     is_unique = excluded.is_unique, ingest = excluded.ingest WHERE clicks.ingest IS NULL"
);

/// Adds this run's clicks (`?1`, the token) to the per-link-and-hour counters.
const ROLL_UP_HOURS: &str = "INSERT INTO link_hourly (link_id, hour, clicks, unique_clicks, bot_clicks) \
     SELECT link_id, created_at - created_at % 3600000, SUM(is_bot = 0), SUM(is_unique), SUM(is_bot) \
     FROM clicks WHERE ingest = ?1 GROUP BY 1, 2 \
     ON CONFLICT (link_id, hour) DO UPDATE SET clicks = clicks + excluded.clicks, \
     unique_clicks = unique_clicks + excluded.unique_clicks, bot_clicks = bot_clicks + excluded.bot_clicks";

/// Adds this run's human clicks to one dimension's counters (`$key` a column expression).
macro_rules! roll_up_dim {
    ($dim:literal, $key:literal) => {
        concat!(
            "INSERT INTO link_dims (link_id, dim, key, clicks) SELECT link_id, '",
            $dim,
            "', ",
            $key,
            ", COUNT(*) FROM clicks WHERE ingest = ?1 AND is_bot = 0 GROUP BY 1, 3 \
             ON CONFLICT (link_id, dim, key) DO UPDATE SET clicks = clicks + excluded.clicks"
        )
    };
}

const ROLL_UP_DIMS: [&str; 3] = [
    roll_up_dim!("country", "COALESCE(country, '')"),
    roll_up_dim!("device", "device"),
    roll_up_dim!("referrer", "COALESCE(referrer_host, '')"),
];

/// The statements that store one consumer run (`token`) of queue messages (`bodies`, each a
/// JSON array of clicks as [`ClickMsg::to_json`] makes them): two per 1,000 clicks, four
/// roll-ups, however many clicks.
pub fn ingest_statements(bodies: &[&str], token: &str) -> Vec<Stmt> {
    let mut statements = Vec::new();
    for chunk in bodies.chunks(CLICKS_PER_STATEMENT / MAX_PER_MESSAGE) {
        let messages = format!("[{}]", chunk.join(","));
        statements.push(Stmt::new(CLAIM_VISITORS, vec![text(&messages)]));
        statements.push(Stmt::new(INSERT_CLICKS, vec![text(&messages), text(token)]));
    }
    for sql in std::iter::once(ROLL_UP_HOURS).chain(ROLL_UP_DIMS) {
        statements.push(Stmt::new(sql, vec![text(token)]));
    }
    statements
}

/// One consumer run's D1 batch (a transaction) as JSON, `[[sql, params], ...]`, for the
/// shim to run: the consumer, like the redirect, leaves the I/O to JS (no Rust future).
pub fn ingest_batch_json(bodies: &[&str], token: &str) -> StoreResult<String> {
    serde_json::to_string(&ingest_statements(bodies, token)).map_err(|e| super::StoreError::D1(e.to_string()))
}

/// Raw click rows deleted per statement, and statements per run of the scheduled job (D1
/// allows 1,000 queries per invocation; the job stays far below).
const PRUNE_CHUNK: i64 = 1_000;
const PRUNE_CHUNKS: usize = 20;
/// How long a unique-visitor claim is needed: its hour, and an hour of queue delay.
const VISITOR_CLAIM_MS: i64 = 2 * 3_600_000;

/// Deletes raw click rows that can no longer attribute (older than their brand's window plus
/// 7 days; a click an order names is kept, the order points at it), and unique-visitor
/// claims of past hours, in bounded chunks. Roll-ups stay. Returns the click rows deleted.
pub async fn prune(db: &Db, now: i64) -> StoreResult<usize> {
    let mut deleted = 0;
    for _ in 0..PRUNE_CHUNKS {
        let n = super::d1::run(
            db,
            "DELETE FROM clicks WHERE id IN (SELECT c.id FROM clicks c JOIN brands b ON b.id = c.brand_id \
             WHERE c.created_at < ?1 - (b.attribution_window_days + 7) * 86400000 AND c.ingest IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.click_id = c.id) LIMIT ?2)",
            &[super::d1::int(now), super::d1::int(PRUNE_CHUNK)],
        )
        .await?;
        deleted += n;
        if (n as i64) < PRUNE_CHUNK {
            break;
        }
    }
    for _ in 0..PRUNE_CHUNKS {
        let n = super::d1::run(
            db,
            "DELETE FROM click_visitors WHERE (link_id, visitor_hash, hour) IN \
             (SELECT link_id, visitor_hash, hour FROM click_visitors WHERE hour < ?1 LIMIT ?2)",
            &[super::d1::int(now - VISITOR_CLAIM_MS), super::d1::int(PRUNE_CHUNK * 10)],
        )
        .await?;
        if (n as i64) < PRUNE_CHUNK * 10 {
            break;
        }
    }
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flood_threshold_in_the_sql_is_the_constant() {
        assert!(INSERT_CLICKS.contains(&format!(">= {FLOOD_CLICKS}) AS bot")), "{INSERT_CLICKS}");
        // The count reads the partial index's condition, so SQLite can use it.
        assert!(INSERT_CLICKS.contains("s.visitor_hash <> ''"));
    }

    #[test]
    fn a_click_serializes_in_the_order_the_insert_reads_it() {
        let c = ClickMsg {
            id: "clk_1",
            link_id: "ln_1",
            code: "abc12345",
            creator_id: "cr_1",
            brand_id: "br_1",
            product_id: "pr_1",
            live_session_id: None,
            created_at: 1_700_000_000_000,
            country: Some("US"),
            device: "mobile",
            referrer_host: None,
            visitor_hash: "ff",
            is_bot: false,
        };
        assert_eq!(
            c.to_json(),
            r#"["clk_1","ln_1","abc12345","cr_1","br_1","pr_1",null,1700000000000,"US","mobile",null,"ff",0]"#
        );
        // What serde_json writes for the same tuple, escapes included.
        let odd = ClickMsg {
            live_session_id: Some("ls_1"),
            country: Some("\"q\"\\\u{1}é"),
            referrer_host: Some("t.co"),
            created_at: -5,
            is_bot: true,
            ..c
        };
        for m in [&c, &odd] {
            let tuple = (
                m.id,
                m.link_id,
                m.code,
                m.creator_id,
                m.brand_id,
                m.product_id,
                m.live_session_id,
                m.created_at,
                m.country,
                m.device,
                m.referrer_host,
                m.visitor_hash,
                i64::from(m.is_bot),
            );
            assert_eq!(m.to_json(), serde_json::to_string(&tuple).unwrap());
        }
        assert!(INSERT_CLICKS.contains("'$[12]'") && !INSERT_CLICKS.contains("'$[13]'"));
        assert!(INSERT_CLICKS.contains("rate_versions") && CLAIM_VISITORS.contains("click_visitors"));
    }

    #[test]
    fn plain_json_text_is_told_exactly() {
        // Every byte value at every position of a 19-byte text (two words and a tail).
        for b in 0..=255u8 {
            for at in 0..19 {
                let mut text = *b"abcdefghijklmnopqrs";
                text[at] = b;
                let plain = b >= 0x20 && b != b'"' && b != b'\\';
                assert_eq!(json_plain(&text), plain, "byte {b:#x} at {at}");
            }
        }
        assert!(json_plain(b"") && json_plain("é €".as_bytes()));
    }

    #[test]
    fn a_run_is_two_statements_per_thousand_clicks_and_four_roll_ups() {
        let bodies = vec!["[]"; 25];
        let s = ingest_statements(&bodies, "ing_1");
        assert_eq!(s.len(), 3 * 2 + 4);
        assert!(s[0].params == vec![text(&format!("[{}]", ["[]"; 10].join(",")))]);
    }
}
