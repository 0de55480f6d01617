//! Rates as versions (`rate_versions`): every change of a rate is a new row with the time it
//! took effect, so the rate lock of a click is the rate that stood at the click's time,
//! decided after the fact (by the queue's consumer, or by an order that names the click
//! before its row is written) instead of being looked up on the click path.

use super::d1::{int, opt_int, text, Stmt};

/// A new version of one level: `creator_id` `""` for an open rate, `scope` `""` for all
/// products (both `""`: the brand default); `bps` `None` clears the level from `at` on. Two
/// changes in one millisecond: the later stands.
pub fn version(brand_id: &str, creator_id: &str, scope: &str, at: i64, bps: Option<u32>) -> Stmt {
    Stmt::new(
        "INSERT OR REPLACE INTO rate_versions (brand_id, creator_id, scope, effective_from, commission_bps) \
         VALUES (?, ?, ?, ?, ?)",
        vec![text(brand_id), text(creator_id), text(scope), int(at), opt_int(bps.map(i64::from))],
    )
}

/// One level's rate at `$at`: its latest version then (NULL: none, or cleared).
macro_rules! rate_level {
    ($brand:expr, $creator:expr, $scope:expr, $at:expr) => {
        concat!(
            "(SELECT v.commission_bps FROM rate_versions v WHERE v.brand_id = ",
            $brand,
            " AND v.creator_id = ",
            $creator,
            " AND v.scope = ",
            $scope,
            " AND v.effective_from <= ",
            $at,
            " ORDER BY v.effective_from DESC LIMIT 1)"
        )
    };
}
pub(crate) use rate_level;

/// The rate that stood at time `$at` for a creator and product, by the precedence of
/// `domain::commission::effective_rate` over `rate_versions` (the latest version of each
/// level at `$at`; a NULL version means the level has no rate from then on), else the
/// brand's default as it is now. The arguments are SQL expressions as string literals; the
/// result is one literal, built at compile time.
macro_rules! rate_at {
    ($brand:expr, $creator:expr, $product:expr, $at:expr) => {
        concat!(
            "COALESCE(",
            $crate::store::rates::rate_level!($brand, $creator, $product, $at),
            ", ",
            $crate::store::rates::rate_level!($brand, $creator, "''", $at),
            ", ",
            $crate::store::rates::rate_level!($brand, "''", $product, $at),
            ", ",
            $crate::store::rates::rate_level!($brand, "''", "''", $at),
            ", (SELECT default_commission_bps FROM brands WHERE id = ",
            $brand,
            "))"
        )
    };
}
pub(crate) use rate_at;
