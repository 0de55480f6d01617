//! Which rule attributes an order ([`attribute`], the one place it is decided), the
//! attribution window, and RFC 3339 time conversion (JSON speaks RFC 3339, storage speaks
//! epoch milliseconds). No date crate: the civil-calendar arithmetic is a few lines.

use super::codes::same_code;
use super::states::Method;
use std::fmt::Write;

/// Clocks of stores, platforms and our edge disagree a little; an order stamped a few
/// minutes "before" its click is still that click's order.
pub const SKEW_TOLERANCE_MS: i64 = 5 * 60 * 1000;
/// One day in milliseconds (UTC days have no leap seconds in Unix time).
pub const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Whether an order at `order_at_ms` falls in the attribution window of a click at
/// `click_at_ms`: from the click (less the skew tolerance) to `window_days` after it (plus
/// the tolerance), both ends inclusive. Saturating, so absurd inputs cannot wrap around.
pub fn within_window(click_at_ms: i64, order_at_ms: i64, window_days: u32) -> bool {
    let start = click_at_ms.saturating_sub(SKEW_TOLERANCE_MS);
    let end =
        click_at_ms.saturating_add(i64::from(window_days).saturating_mul(DAY_MS)).saturating_add(SKEW_TOLERANCE_MS);
    order_at_ms >= start && order_at_ms <= end
}

/// A click as attribution needs it: its stored row, or what a genuine signed click id says.
#[derive(Debug, Clone, Copy)]
pub struct ClickFacts<'a> {
    /// The brand whose link was clicked; another brand's click never attributes.
    pub brand_id: &'a str,
    /// The clicked link's code, named in the reason sentence.
    pub link_code: &'a str,
    /// A bot's click is recorded but never attributes.
    pub is_bot: bool,
    /// When the click happened, epoch ms.
    pub created_at: i64,
}

/// One of the brand's registered codes that an order carries (any case).
#[derive(Debug, Clone, Copy)]
pub struct CodeFacts<'a> {
    /// As registered.
    pub code: &'a str,
    /// A deactivated code is recognised but attributes nothing.
    pub active: bool,
}

/// Everything the decision looks at.
#[derive(Debug, Clone, Copy)]
pub struct Evidence<'a> {
    /// The brand the order came in for.
    pub brand_id: &'a str,
    /// The brand's attribution window, in days after the click.
    pub window_days: u32,
    /// When the order happened (its `occurred_at`, else its arrival), epoch ms.
    pub order_at: i64,
    /// The click id the order carries.
    pub click_id: Option<&'a str>,
    /// What that id is, when it names a click of ours (stored, or genuinely signed).
    pub click: Option<ClickFacts<'a>>,
    /// The order's codes, trimmed, in the order the store listed them.
    pub codes: &'a [String],
    /// Those of them that this brand registered, active or not.
    pub registered: &'a [CodeFacts<'a>],
}

/// The decision and the sentence that explains it to a brand's support person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribution {
    /// Which rule won, [`Method::None`] when none did.
    pub method: Method,
    /// With [`Method::Code`]: the index in [`Evidence::registered`] of the code that won.
    pub code: Option<usize>,
    /// The explaining sentence; never empty.
    pub reason: String,
}

fn days(ms: i64) -> String {
    match ms / DAY_MS {
        0 => "less than a day".into(),
        1 => "1 day".into(),
        n => format!("{n} days"),
    }
}

/// Why the order's click attributes it, or why not (`Ok` is the winning sentence).
fn judge_click(e: &Evidence<'_>, id: &str) -> Result<String, String> {
    let Some(c) = e.click else {
        return Err(format!("click {id} is not a click of ours (unknown, forged or altered)"));
    };
    if c.brand_id != e.brand_id {
        return Err(format!("click {id} was on another brand's link"));
    }
    if c.is_bot {
        return Err(format!("click {id} was a bot click"));
    }
    let (w, gap) = (e.window_days, e.order_at.saturating_sub(c.created_at));
    if !within_window(c.created_at, e.order_at, w) {
        return Err(if gap < 0 {
            format!("click {id} came after the order")
        } else {
            format!("click {id} was {} before the order; the window is {w} days", days(gap))
        });
    }
    Ok(format!(
        "click {id} on link {} was {} before the order, within the {w}-day window",
        c.link_code,
        days(gap.max(0))
    ))
}

/// The attribution rule, in this order: (1) the order's click, when it is a genuine human
/// click on this brand's link within the window; (2) else the first of its codes that is
/// an active code of this brand, compared ignoring case; (3) else nobody.
pub fn attribute(e: &Evidence<'_>) -> Attribution {
    let mut reason = String::new();
    match e.click_id.map(|id| judge_click(e, id)) {
        Some(Ok(why)) => {
            reason = why;
            if let Some(code) = e.codes.first() {
                let _ = write!(reason, "; a click wins over code {code}");
            }
            return Attribution { method: Method::Click, code: None, reason };
        }
        Some(Err(why)) => reason = why,
        None => {}
    }
    let mut misses = Vec::new();
    for code in e.codes {
        match e.registered.iter().position(|r| same_code(r.code, code)) {
            Some(i) if e.registered[i].active => {
                let why = format!("code {} is an active code of this brand", e.registered[i].code);
                let reason = if reason.is_empty() { why } else { format!("{why} ({reason})") };
                return Attribution { method: Method::Code, code: Some(i), reason };
            }
            Some(i) => misses.push(format!("code {} is deactivated", e.registered[i].code)),
            None => misses.push(format!("code {code} is not registered")),
        }
    }
    if e.click_id.is_none() && e.codes.is_empty() {
        reason.push_str("the order carries no click id and no code");
    }
    for m in misses {
        if !reason.is_empty() {
            reason.push_str("; ");
        }
        reason.push_str(&m);
    }
    Attribution { method: Method::None, code: None, reason }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`), valid for any year an i64 count of ms can hold.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400; // 0..=399
    let mp = i64::from((m + 9) % 12); // March = 0
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1; // 0..=365
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // 0..=146096
    era * 146_097 + doe - 719_468
}

/// Inverse of [`days_from_civil`]: (year, month, day).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Reads exactly `n` ASCII digits at `*pos`, advancing it.
fn digits(b: &[u8], pos: &mut usize, n: usize) -> Option<u32> {
    let s = b.get(*pos..*pos + n)?;
    let mut v = 0u32;
    for &c in s {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    *pos += n;
    Some(v)
}

fn eat(b: &[u8], pos: &mut usize, c: u8) -> Option<()> {
    (b.get(*pos) == Some(&c)).then(|| *pos += 1)
}

/// Parses an RFC 3339 timestamp to epoch milliseconds: `2026-11-26T10:00:00Z`, with optional
/// fractional seconds (truncated to the millisecond) and a `Z` or `±hh:mm` offset. The
/// offset is mandatory: a local time without one is ambiguous, so it is rejected. A leap
/// second (`:60`) is read as the first instant of the next minute, as Unix time does.
pub fn parse_rfc3339_ms(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let mut p = 0;
    let year = digits(b, &mut p, 4)?;
    eat(b, &mut p, b'-')?;
    let month = digits(b, &mut p, 2)?;
    eat(b, &mut p, b'-')?;
    let day = digits(b, &mut p, 2)?;
    match b.get(p) {
        Some(b'T' | b't' | b' ') => p += 1,
        _ => return None,
    }
    let hour = digits(b, &mut p, 2)?;
    eat(b, &mut p, b':')?;
    let minute = digits(b, &mut p, 2)?;
    eat(b, &mut p, b':')?;
    let second = digits(b, &mut p, 2)?;

    let mut millis = 0u32;
    if b.get(p) == Some(&b'.') {
        p += 1;
        let start = p;
        while b.get(p).is_some_and(u8::is_ascii_digit) {
            if p - start < 3 {
                millis = millis * 10 + u32::from(b[p] - b'0');
            }
            p += 1;
        }
        let n = p - start;
        if n == 0 {
            return None;
        }
        for _ in n..3 {
            millis *= 10;
        }
    }

    let offset_min: i64 = match b.get(p) {
        Some(b'Z' | b'z') => {
            p += 1;
            0
        }
        Some(&sign @ (b'+' | b'-')) => {
            p += 1;
            let oh = digits(b, &mut p, 2)?;
            eat(b, &mut p, b':')?;
            let om = digits(b, &mut p, 2)?;
            if oh > 23 || om > 59 {
                return None;
            }
            let m = i64::from(oh * 60 + om);
            if sign == b'-' {
                -m
            } else {
                m
            }
        }
        _ => return None,
    };
    if p != b.len() {
        return None;
    }

    let y = i64::from(year);
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(y, month) || hour > 23 || minute > 59 || second > 60
    {
        return None;
    }
    let days = days_from_civil(y, month, day);
    let secs = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second) - offset_min * 60;
    Some(secs * 1000 + i64::from(millis))
}

/// Formats epoch milliseconds as RFC 3339 UTC with millisecond precision:
/// `2026-11-26T10:00:00.000Z`. Fixed width, so stored strings sort as times.
pub fn format_rfc3339_ms(ms: i64) -> String {
    let days = ms.div_euclid(DAY_MS);
    let rem = ms.rem_euclid(DAY_MS);
    let (y, m, d) = civil_from_days(days);
    let secs = rem / 1000;
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z", secs / 3600, secs % 3600 / 60, secs % 60, rem % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = DAY_MS;
    const ORDER_AT: i64 = 1_795_687_200_000;

    fn click(brand: &'static str, is_bot: bool, at: i64) -> Option<ClickFacts<'static>> {
        Some(ClickFacts { brand_id: brand, link_code: "abc1234", is_bot, created_at: at })
    }

    fn decide(
        click_id: Option<&str>,
        c: Option<ClickFacts<'_>>,
        codes: &[&str],
        registered: &[CodeFacts<'_>],
    ) -> Attribution {
        let codes: Vec<String> = codes.iter().map(|s| s.to_string()).collect();
        attribute(&Evidence {
            brand_id: "br_a",
            window_days: 30,
            order_at: ORDER_AT,
            click_id,
            click: c,
            codes: &codes,
            registered,
        })
    }

    const SUMMER: CodeFacts<'static> = CodeFacts { code: "SUMMER10", active: true };
    const OLD: CodeFacts<'static> = CodeFacts { code: "OLD5", active: false };

    #[test]
    fn a_genuine_click_in_the_window_wins_and_says_so() {
        let a = decide(Some("clk_1"), click("br_a", false, ORDER_AT - 3 * DAY), &[], &[]);
        assert_eq!((a.method, a.code), (Method::Click, None));
        assert_eq!(a.reason, "click clk_1 on link abc1234 was 3 days before the order, within the 30-day window");
        let a = decide(Some("clk_1"), click("br_a", false, ORDER_AT - 1000), &[], &[]);
        assert!(a.reason.contains("less than a day before"), "{}", a.reason);
    }

    #[test]
    fn a_click_wins_over_a_code_of_another_creator() {
        let a = decide(Some("clk_1"), click("br_a", false, ORDER_AT - DAY), &["summer10"], &[SUMMER]);
        assert_eq!(a.method, Method::Click);
        assert!(a.reason.ends_with("; a click wins over code summer10"), "{}", a.reason);
    }

    #[test]
    fn each_rejected_click_says_why() {
        let cases = [
            (None, "click clk_1 is not a click of ours (unknown, forged or altered)"),
            (click("br_b", false, ORDER_AT - DAY), "click clk_1 was on another brand's link"),
            (click("br_a", true, ORDER_AT - DAY), "click clk_1 was a bot click"),
            (
                click("br_a", false, ORDER_AT - 41 * DAY),
                "click clk_1 was 41 days before the order; the window is 30 days",
            ),
            (click("br_a", false, ORDER_AT + DAY), "click clk_1 came after the order"),
        ];
        for (c, why) in cases {
            let a = decide(Some("clk_1"), c, &[], &[]);
            assert_eq!((a.method, a.reason.as_str()), (Method::None, why));
        }
    }

    #[test]
    fn a_code_attributes_when_no_click_qualifies() {
        let a = decide(None, None, &["summer10"], &[SUMMER]);
        assert_eq!((a.method, a.code), (Method::Code, Some(0)));
        assert_eq!(a.reason, "code SUMMER10 is an active code of this brand");
        let a = decide(Some("clk_1"), click("br_a", true, ORDER_AT), &["SUMMER10"], &[SUMMER]);
        assert_eq!(a.method, Method::Code);
        assert_eq!(a.reason, "code SUMMER10 is an active code of this brand (click clk_1 was a bot click)");
    }

    #[test]
    fn the_first_active_code_wins_and_the_others_are_explained() {
        let a = decide(None, None, &["NOPE", "old5", "summer10"], &[OLD, SUMMER]);
        assert_eq!((a.method, a.code), (Method::Code, Some(1)));
        let a = decide(None, None, &["NOPE", "old5"], &[OLD]);
        assert_eq!(a.method, Method::None);
        assert_eq!(a.reason, "code NOPE is not registered; code OLD5 is deactivated");
    }

    #[test]
    fn nothing_to_go_on_says_so() {
        let a = decide(None, None, &[], &[]);
        assert_eq!((a.method, a.reason.as_str()), (Method::None, "the order carries no click id and no code"));
        let a = decide(Some("clk_x"), None, &["SUMMER1"], &[]);
        assert_eq!(
            a.reason,
            "click clk_x is not a click of ours (unknown, forged or altered); code SUMMER1 is not registered"
        );
    }

    const T0: i64 = 1_764_151_200_000; // 2025-11-26T10:00:00Z

    #[test]
    fn window_includes_its_edges_and_tolerance() {
        assert!(within_window(T0, T0, 30));
        assert!(within_window(T0, T0 + 30 * DAY_MS, 30));
        assert!(within_window(T0, T0 + 30 * DAY_MS + SKEW_TOLERANCE_MS, 30));
        assert!(!within_window(T0, T0 + 30 * DAY_MS + SKEW_TOLERANCE_MS + 1, 30));
        assert!(within_window(T0, T0 - SKEW_TOLERANCE_MS, 30));
        assert!(!within_window(T0, T0 - SKEW_TOLERANCE_MS - 1, 30));
        assert!(!within_window(T0, T0 - DAY_MS, 30));
    }

    #[test]
    fn window_length_follows_days() {
        assert!(within_window(T0, T0 + DAY_MS, 1));
        assert!(!within_window(T0, T0 + 2 * DAY_MS, 1));
        assert!(within_window(T0, T0 + 365 * DAY_MS, 365));
        assert!(!within_window(T0, T0 + 366 * DAY_MS, 365));
    }

    #[test]
    fn window_never_overflows() {
        assert!(within_window(i64::MAX - 1, i64::MAX, u32::MAX));
        assert!(!within_window(i64::MIN, i64::MAX, 1));
        assert!(within_window(i64::MIN, i64::MIN, 0));
    }

    #[test]
    fn parses_basic_utc() {
        assert_eq!(parse_rfc3339_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339_ms("2025-11-26T10:00:00Z"), Some(T0));
        assert_eq!(parse_rfc3339_ms("2026-11-26T10:00:00Z"), Some(T0 + 365 * DAY_MS));
        assert_eq!(parse_rfc3339_ms("2025-11-26t10:00:00z"), Some(T0));
        assert_eq!(parse_rfc3339_ms("1969-12-31T23:59:59Z"), Some(-1000));
        assert_eq!(parse_rfc3339_ms("2000-03-01T00:00:00Z"), Some(951_868_800_000));
    }

    #[test]
    fn parses_fractions_truncating_to_ms() {
        assert_eq!(parse_rfc3339_ms("2025-11-26T10:00:00.5Z"), Some(T0 + 500));
        assert_eq!(parse_rfc3339_ms("2025-11-26T10:00:00.05Z"), Some(T0 + 50));
        assert_eq!(parse_rfc3339_ms("2025-11-26T10:00:00.123Z"), Some(T0 + 123));
        assert_eq!(parse_rfc3339_ms("2025-11-26T10:00:00.123999999Z"), Some(T0 + 123));
        assert_eq!(parse_rfc3339_ms("2025-11-26T10:00:00.Z"), None);
    }

    #[test]
    fn parses_offsets() {
        assert_eq!(parse_rfc3339_ms("2025-11-26T11:00:00+01:00"), Some(T0));
        assert_eq!(parse_rfc3339_ms("2025-11-26T05:00:00-05:00"), Some(T0));
        assert_eq!(parse_rfc3339_ms("2025-11-26T15:30:00+05:30"), Some(T0));
        assert_eq!(parse_rfc3339_ms("2025-11-26T10:00:00+00:00"), Some(T0));
        assert_eq!(parse_rfc3339_ms("2025-11-26T10:00:00-00:00"), Some(T0));
        // Crossing a day (and year) boundary through the offset.
        assert_eq!(parse_rfc3339_ms("2025-12-31T20:00:00-05:00"), parse_rfc3339_ms("2026-01-01T01:00:00Z"));
        assert_eq!(parse_rfc3339_ms("2025-11-26T10:00:00.250+02:00"), Some(T0 - 2 * 3_600_000 + 250));
    }

    #[test]
    fn leap_years() {
        assert!(parse_rfc3339_ms("2024-02-29T00:00:00Z").is_some());
        assert!(parse_rfc3339_ms("2000-02-29T00:00:00Z").is_some());
        assert_eq!(parse_rfc3339_ms("2025-02-29T00:00:00Z"), None);
        assert_eq!(parse_rfc3339_ms("1900-02-29T00:00:00Z"), None);
        assert_eq!(
            parse_rfc3339_ms("2024-03-01T00:00:00Z").unwrap() - parse_rfc3339_ms("2024-02-28T00:00:00Z").unwrap(),
            2 * DAY_MS
        );
        assert_eq!(
            format_rfc3339_ms(parse_rfc3339_ms("2024-02-29T12:34:56.789Z").unwrap()),
            "2024-02-29T12:34:56.789Z"
        );
    }

    #[test]
    fn leap_second_rolls_over() {
        assert_eq!(parse_rfc3339_ms("2016-12-31T23:59:60Z"), parse_rfc3339_ms("2017-01-01T00:00:00Z"));
        assert_eq!(parse_rfc3339_ms("2016-12-31T23:59:61Z"), None);
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "2025-11-26",
            "2025-11-26T10:00:00",      // no offset
            "2025-11-26T10:00Z",        // no seconds
            "2025-11-26T10:00:00+0100", // offset without colon
            "2025-11-26T10:00:00+1:00",
            "2025-11-26T10:00:00+24:00",
            "2025-11-26T10:00:00+01:60",
            "2025-13-01T00:00:00Z",
            "2025-00-01T00:00:00Z",
            "2025-04-31T00:00:00Z",
            "2025-11-00T00:00:00Z",
            "2025-11-26T24:00:00Z",
            "2025-11-26T10:60:00Z",
            "2025-11-26T10:00:00Zjunk",
            " 2025-11-26T10:00:00Z",
            "25-11-26T10:00:00Z",
            "2025/11/26T10:00:00Z",
            "2025-11-26X10:00:00Z",
            "+2025-11-26T10:00:00Z",
            "2025-11-26T10:00:00.１Z",
            "1764151200000",
        ] {
            assert_eq!(parse_rfc3339_ms(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn formats_utc_with_millis() {
        assert_eq!(format_rfc3339_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_rfc3339_ms(T0), "2025-11-26T10:00:00.000Z");
        assert_eq!(format_rfc3339_ms(T0 + 7), "2025-11-26T10:00:00.007Z");
        assert_eq!(format_rfc3339_ms(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(format_rfc3339_ms(253_402_300_799_999), "9999-12-31T23:59:59.999Z");
    }

    #[test]
    fn round_trips() {
        for s in [
            "1970-01-01T00:00:00.000Z",
            "2026-11-26T10:00:00.000Z",
            "2024-02-29T23:59:59.999Z",
            "2000-01-01T00:00:00.001Z",
            "1900-03-01T12:00:00.000Z",
            "0001-01-01T00:00:00.000Z",
            "2100-12-31T23:59:59.000Z",
        ] {
            assert_eq!(format_rfc3339_ms(parse_rfc3339_ms(s).unwrap()), s);
        }
        // Every day across four years (a full leap cycle) survives both directions.
        let start = parse_rfc3339_ms("2023-01-01T00:00:00Z").unwrap();
        for d in 0..(4 * 366) {
            let ms = start + d * DAY_MS + 12_345;
            assert_eq!(parse_rfc3339_ms(&format_rfc3339_ms(ms)), Some(ms));
        }
    }

    #[test]
    fn civil_conversion_agrees_with_known_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(civil_from_days(11_017), (2000, 3, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        for z in [-800_000, -1, 0, 59, 60, 365, 10_957, 20_000, 2_932_896] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }
}
