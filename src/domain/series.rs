//! The buckets of a timeseries: which hours or days `?interval=&from=&to=` asks for, aligned
//! to UTC, at most [`MAX_BUCKETS`] of them.

/// 31 days of hours.
pub const MAX_BUCKETS: i64 = 744;
const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;

/// The size of a timeseries' buckets, as `?interval=` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interval {
    /// UTC hours; 24 of them by default.
    Hour,
    /// UTC days; 30 of them by default.
    Day,
}

impl Interval {
    /// The interval `?interval=` names (`hour` or `day`); `None` for anything else.
    pub fn parse(s: &str) -> Option<Interval> {
        match s {
            "hour" => Some(Interval::Hour),
            "day" => Some(Interval::Day),
            _ => None,
        }
    }

    /// The name `?interval=` takes, and answers carry.
    pub fn as_str(self) -> &'static str {
        match self {
            Interval::Hour => "hour",
            Interval::Day => "day",
        }
    }

    /// A bucket's length, ms.
    pub fn ms(self) -> i64 {
        match self {
            Interval::Hour => HOUR_MS,
            Interval::Day => DAY_MS,
        }
    }
}

/// `[from, to)` in whole buckets of `size` ms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    /// The first bucket's start, epoch ms, aligned to `size`.
    pub from: i64,
    /// The end, exclusive, epoch ms, aligned to `size`.
    pub to: i64,
    /// A bucket's length, ms ([`Interval::ms`]).
    pub size: i64,
}

/// The buckets asked for: `from` rounded down and `to` rounded up to the interval (`to`
/// defaults to now, `from` to 24 hours or 30 days before `to`).
pub fn range(interval: Interval, from: Option<i64>, to: Option<i64>, now: i64) -> Result<Range, String> {
    let size = interval.ms();
    let to = to.unwrap_or(now);
    let to = to.div_euclid(size) * size + if to.rem_euclid(size) == 0 { 0 } else { size };
    let default_span = match interval {
        Interval::Hour => 24,
        Interval::Day => 30,
    };
    let from = from.map_or(to - default_span * size, |f| f.div_euclid(size) * size);
    if from >= to {
        return Err("from must be before to".into());
    }
    if (to - from) / size > MAX_BUCKETS {
        return Err(format!("at most {MAX_BUCKETS} buckets: narrow from–to or use a longer interval"));
    }
    Ok(Range { from, to, size })
}

impl Range {
    /// Each bucket's start, oldest first.
    pub fn starts(self) -> impl Iterator<Item = i64> {
        (0..(self.to - self.from) / self.size).map(move |i| self.from + i * self.size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_764_000_000_000; // 2025-11-24T16:00:00Z

    #[test]
    fn ranges_align_to_the_interval_and_default_sensibly() {
        let r = range(Interval::Hour, None, None, T + 1).unwrap();
        assert_eq!((r.to, r.from, r.starts().count()), (T + HOUR_MS, T + HOUR_MS - 24 * HOUR_MS, 24));
        let r = range(Interval::Day, Some(T + 5), Some(T + DAY_MS), 0).unwrap();
        assert_eq!(r.from % DAY_MS, 0);
        assert_eq!(r.starts().collect::<Vec<_>>(), vec![r.from, r.from + DAY_MS]);
        assert_eq!(range(Interval::Hour, Some(T), Some(T), 0).map(|r| r.starts().count()).ok(), None);
    }

    #[test]
    fn too_many_buckets_or_a_backwards_range_is_refused() {
        assert!(range(Interval::Hour, Some(T - MAX_BUCKETS * HOUR_MS), Some(T), 0).is_ok());
        assert!(range(Interval::Hour, Some(T - (MAX_BUCKETS + 1) * HOUR_MS), Some(T), 0).is_err());
        assert!(range(Interval::Day, Some(T + DAY_MS), Some(T), 0).is_err());
        assert_eq!(Interval::parse("week"), None);
    }
}
