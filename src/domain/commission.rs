//! Rate precedence, per-line commission and refund proration. Integer arithmetic only:
//! every product is taken in `i128` so no input below [`MAX_AMOUNT`] can overflow, and
//! every result is checked back under [`MAX_AMOUNT`] (D1 stores numbers as doubles).

use super::money::MAX_AMOUNT;
use std::fmt;

/// Basis points: 1250 is 12.5 %.
pub type Bps = u32;
/// 100 %: no commission may exceed the sale it is paid on.
pub const MAX_BPS: u32 = 10_000;

/// Why a line's commission cannot be computed: the order is malformed or out of range, so
/// callers answer it as invalid input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommissionError {
    /// A price, quantity, discount or base below zero.
    Negative,
    /// The line's discount is larger than `unit_price × quantity`.
    DiscountExceedsGross,
    /// A result (or input) above `money::MAX_AMOUNT`.
    TooLarge,
    /// A rate above [`MAX_BPS`].
    RateTooHigh,
    /// A remaining quantity larger than the line's quantity.
    QuantityExceedsLine,
}

impl fmt::Display for CommissionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CommissionError::Negative => "amounts and quantities must not be negative",
            CommissionError::DiscountExceedsGross => "a line's discount must not exceed unit_price × quantity",
            CommissionError::TooLarge => "amount is too large",
            CommissionError::RateTooHigh => "commission rate must be at most 10000 basis points",
            CommissionError::QuantityExceedsLine => "quantity exceeds the line's quantity",
        })
    }
}

impl std::error::Error for CommissionError {}

/// Every rate that may apply to one creator and one product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
pub struct RateInputs {
    /// The brand's collaboration rate for this creator on this product.
    pub targeted_product: Option<Bps>,
    /// The brand's collaboration rate for this creator on all its products.
    pub targeted_all: Option<Bps>,
    /// The product's own open rate.
    pub product: Option<Bps>,
    /// The brand's open default.
    pub brand_default: Bps,
}

/// The rate that applies: most specific first. A targeted rate is a deal the brand made
/// with this creator, so it wins over the open rate even when it is lower.
pub fn effective_rate(r: &RateInputs) -> Bps {
    r.targeted_product.or(r.targeted_all).unwrap_or_else(|| open_rate(r.product, r.brand_default))
}

/// The rate any creator gets without a deal: the product's, else the brand default.
pub fn open_rate(product: Option<Bps>, brand_default: Bps) -> Bps {
    product.unwrap_or(brand_default)
}

fn checked_amount(v: i128) -> Result<i64, CommissionError> {
    if v < 0 {
        return Err(CommissionError::Negative);
    }
    if v > i128::from(MAX_AMOUNT) {
        return Err(CommissionError::TooLarge);
    }
    Ok(v as i64)
}

/// Commissionable base of a line: `unit_price × quantity − discount`. Tax and shipping are
/// never part of it (the caller never passes them). A discount larger than the gross is a
/// malformed order, so it is an error rather than clamped to zero.
pub fn line_base(unit_price: i64, quantity: i64, discount: i64) -> Result<i64, CommissionError> {
    if unit_price < 0 || quantity < 0 || discount < 0 {
        return Err(CommissionError::Negative);
    }
    let gross = i128::from(unit_price) * i128::from(quantity);
    let discount = i128::from(discount);
    if discount > gross {
        return Err(CommissionError::DiscountExceedsGross);
    }
    checked_amount(gross - discount)
}

/// `floor(base × rate / 10000)`: commission is rounded down to the minor unit, so the
/// brand is never charged a fraction it did not owe.
pub fn commission_on(base: i64, rate_bps: Bps) -> Result<i64, CommissionError> {
    if base < 0 {
        return Err(CommissionError::Negative);
    }
    if base > MAX_AMOUNT {
        return Err(CommissionError::TooLarge);
    }
    if rate_bps > MAX_BPS {
        return Err(CommissionError::RateTooHigh);
    }
    // Both operands are non-negative, so integer division is the floor.
    checked_amount(i128::from(base) * i128::from(rate_bps) / i128::from(MAX_BPS))
}

/// Base of the line's `remaining_qty` units, its discount prorated.
///
/// Rounding: the discount kept on the remaining units is
/// `floor(discount × remaining_qty / quantity)`, so the remaining base is
/// `remaining_qty × unit_price − that`. Hence `remaining_qty == quantity` gives exactly
/// [`line_base`] and `0` gives `0`; in between the remaining base may be up to one minor unit
/// higher than the exact fraction (the refunded units carry the rounding of the discount), and
/// it never decreases as `remaining_qty` grows, so reversals are never negative.
pub fn remaining_base(
    unit_price: i64,
    quantity: i64,
    discount: i64,
    remaining_qty: i64,
) -> Result<i64, CommissionError> {
    // Validates prices, quantity and discount as a whole line first.
    line_base(unit_price, quantity, discount)?;
    if remaining_qty < 0 {
        return Err(CommissionError::Negative);
    }
    if remaining_qty > quantity {
        return Err(CommissionError::QuantityExceedsLine);
    }
    if remaining_qty == 0 {
        return Ok(0);
    }
    // quantity ≥ remaining_qty > 0 here, so the division is defined.
    let r = i128::from(remaining_qty);
    let kept_discount = i128::from(discount) * r / i128::from(quantity);
    checked_amount(i128::from(unit_price) * r - kept_discount)
}

/// Commission to take back for a refund of `newly_refunded_qty` units of a line of which
/// `already_refunded_qty` were refunded before: the line's commission on what remained before
/// minus the commission on what remains after. Non-negative.
///
/// A refund larger than what remains is capped (a repeated or over-stated refund takes back
/// nothing more). Because each refund is a difference of commissions on remaining bases, the
/// amounts telescope: over any sequence of partial refunds that together cover every unit, the
/// total reversed equals exactly `commission_on(line_base(..), rate)`.
pub fn reversal_for_refund(
    unit_price: i64,
    quantity: i64,
    discount: i64,
    rate_bps: Bps,
    already_refunded_qty: i64,
    newly_refunded_qty: i64,
) -> Result<i64, CommissionError> {
    if already_refunded_qty < 0 || newly_refunded_qty < 0 {
        return Err(CommissionError::Negative);
    }
    // Validate the line and the rate even when nothing is left to reverse.
    commission_on(line_base(unit_price, quantity, discount)?, rate_bps)?;
    let before = quantity - already_refunded_qty.min(quantity);
    let after = before - newly_refunded_qty.min(before);
    let c_before = commission_on(remaining_base(unit_price, quantity, discount, before)?, rate_bps)?;
    let c_after = commission_on(remaining_base(unit_price, quantity, discount, after)?, rate_bps)?;
    // remaining_base is monotone in the quantity and commission_on in the base, so this is
    // ≥ 0; `max` only guards the invariant.
    Ok((c_before - c_after).max(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targeted_product_rate_wins() {
        let r = RateInputs {
            targeted_product: Some(500),
            targeted_all: Some(2000),
            product: Some(3000),
            brand_default: 1000,
        };
        assert_eq!(effective_rate(&r), 500);
    }

    #[test]
    fn targeted_all_beats_open_rates_even_when_lower() {
        let r = RateInputs { targeted_all: Some(100), product: Some(3000), brand_default: 1000, ..Default::default() };
        assert_eq!(effective_rate(&r), 100);
        // A targeted zero is still a deal and still wins.
        let r = RateInputs { targeted_all: Some(0), product: Some(3000), brand_default: 1000, ..Default::default() };
        assert_eq!(effective_rate(&r), 0);
    }

    #[test]
    fn open_rate_is_product_then_brand_default() {
        let r = RateInputs { product: Some(1500), brand_default: 1000, ..Default::default() };
        assert_eq!(effective_rate(&r), 1500);
        let r = RateInputs { brand_default: 1000, ..Default::default() };
        assert_eq!(effective_rate(&r), 1000);
        assert_eq!(open_rate(Some(0), 1000), 0);
        assert_eq!(open_rate(None, 750), 750);
    }

    #[test]
    fn commission_rounds_down() {
        assert_eq!(commission_on(999, 1250), Ok(124)); // 124.875
        assert_eq!(commission_on(1999, 1000), Ok(199)); // 199.9
        assert_eq!(commission_on(7, 1), Ok(0));
        assert_eq!(commission_on(10_000, 1), Ok(1));
        assert_eq!(commission_on(1999, MAX_BPS), Ok(1999));
    }

    #[test]
    fn zero_rate_and_zero_price_earn_nothing() {
        assert_eq!(commission_on(123_456, 0), Ok(0));
        assert_eq!(line_base(0, 5, 0), Ok(0));
        assert_eq!(commission_on(line_base(0, 5, 0).unwrap(), 1250), Ok(0));
        assert_eq!(line_base(1000, 0, 0), Ok(0));
    }

    #[test]
    fn commission_rejects_bad_inputs() {
        assert_eq!(commission_on(-1, 1000), Err(CommissionError::Negative));
        assert_eq!(commission_on(100, 10_001), Err(CommissionError::RateTooHigh));
        assert_eq!(commission_on(MAX_AMOUNT + 1, 1), Err(CommissionError::TooLarge));
    }

    #[test]
    fn line_base_subtracts_discount_and_validates() {
        assert_eq!(line_base(1999, 3, 500), Ok(5497));
        assert_eq!(line_base(1999, 3, 5997), Ok(0));
        assert_eq!(line_base(1999, 3, 5998), Err(CommissionError::DiscountExceedsGross));
        assert_eq!(line_base(-1, 3, 0), Err(CommissionError::Negative));
        assert_eq!(line_base(1, -3, 0), Err(CommissionError::Negative));
        assert_eq!(line_base(1, 3, -1), Err(CommissionError::Negative));
        assert_eq!(line_base(0, 0, 1), Err(CommissionError::DiscountExceedsGross));
    }

    #[test]
    fn huge_values_do_not_overflow() {
        assert_eq!(line_base(MAX_AMOUNT, 1, 0), Ok(MAX_AMOUNT));
        assert_eq!(line_base(MAX_AMOUNT, 2, 0), Err(CommissionError::TooLarge));
        // i64::MAX × i64::MAX would overflow i64; in i128 it is just too large.
        assert_eq!(line_base(i64::MAX, i64::MAX, 0), Err(CommissionError::TooLarge));
        // A gross above the limit is fine when the discount brings it back under.
        assert_eq!(line_base(MAX_AMOUNT, 2, MAX_AMOUNT), Ok(MAX_AMOUNT));
        // MAX_AMOUNT × 10000 overflows i64 but not i128.
        assert_eq!(commission_on(MAX_AMOUNT, MAX_BPS), Ok(MAX_AMOUNT));
        assert_eq!(commission_on(MAX_AMOUNT, 1250), Ok(MAX_AMOUNT / 8)); // 2^53-1 / 8, floored
        assert_eq!(
            reversal_for_refund(MAX_AMOUNT / 3, 3, 7, 9999, 0, 3),
            commission_on(line_base(MAX_AMOUNT / 3, 3, 7).unwrap(), 9999)
        );
    }

    #[test]
    fn jpy_style_small_numbers() {
        // ¥500 × 1 at 3 % = 15; ¥99 at 5 % = 4.95 → 4.
        assert_eq!(commission_on(line_base(500, 1, 0).unwrap(), 300), Ok(15));
        assert_eq!(commission_on(line_base(99, 1, 0).unwrap(), 500), Ok(4));
        assert_eq!(commission_on(line_base(1, 1, 0).unwrap(), 9999), Ok(0));
    }

    #[test]
    fn remaining_base_endpoints_are_exact() {
        for (p, q, d) in [(1999, 3, 500), (1000, 7, 1), (1, 1, 1), (333, 9, 2996), (0, 4, 0)] {
            assert_eq!(remaining_base(p, q, d, q), line_base(p, q, d), "{p} {q} {d}");
            assert_eq!(remaining_base(p, q, d, 0), Ok(0));
        }
        assert_eq!(remaining_base(0, 0, 0, 0), Ok(0));
    }

    #[test]
    fn remaining_base_prorates_discount_rounding_it_down() {
        // 3 × 1000 with 100 off: 2 left keep floor(100×2/3) = 66 of the discount.
        assert_eq!(remaining_base(1000, 3, 100, 2), Ok(2000 - 66));
        assert_eq!(remaining_base(1000, 3, 100, 1), Ok(1000 - 33));
        // Evenly divisible discounts prorate exactly.
        assert_eq!(remaining_base(1000, 4, 400, 1), Ok(900));
        assert_eq!(remaining_base(1000, 3, 0, 4), Err(CommissionError::QuantityExceedsLine));
        assert_eq!(remaining_base(1000, 3, 0, -1), Err(CommissionError::Negative));
        assert_eq!(remaining_base(1000, 3, 3001, 1), Err(CommissionError::DiscountExceedsGross));
    }

    #[test]
    fn remaining_base_is_monotone() {
        for (p, q, d) in [(7, 13, 90), (1, 10, 9), (1000, 6, 5999), (3, 3, 8)] {
            let mut prev = 0;
            for r in 0..=q {
                let b = remaining_base(p, q, d, r).unwrap();
                assert!(b >= prev, "{p} {q} {d} {r}");
                prev = b;
            }
        }
    }

    #[test]
    fn sequential_partial_refunds_sum_to_the_whole_commission() {
        let cases = [
            (1999_i64, 7_i64, 333_i64, 1250_u32, vec![1_i64, 2, 1, 3]),
            (999, 3, 0, 1250, vec![1, 1, 1]),
            (10_001, 11, 1_234, 777, vec![5, 6]),
            (1, 9, 8, 9999, vec![2, 2, 2, 2, 1]),
            (500, 2, 1, 300, vec![2]),
        ];
        for (p, q, d, rate, refunds) in cases {
            let full = commission_on(line_base(p, q, d).unwrap(), rate).unwrap();
            let mut already = 0;
            let mut total = 0;
            for n in refunds {
                let rev = reversal_for_refund(p, q, d, rate, already, n).unwrap();
                assert!(rev >= 0);
                total += rev;
                already += n;
            }
            assert_eq!(already, q);
            assert_eq!(total, full, "{p} {q} {d} {rate}");
        }
    }

    #[test]
    fn partial_refund_reverses_the_refunded_share() {
        // 3 × 1000 at 10 %: commission 300. Refunding 1 takes back 100.
        assert_eq!(reversal_for_refund(1000, 3, 0, 1000, 0, 1), Ok(100));
        // With a 100 discount: before 2900 → 290; after 2 left base 1934 → 193; back 97.
        assert_eq!(reversal_for_refund(1000, 3, 100, 1000, 0, 1), Ok(97));
    }

    #[test]
    fn over_and_repeated_refunds_take_back_nothing_more() {
        let full = commission_on(line_base(1999, 2, 0).unwrap(), 1000).unwrap();
        assert_eq!(reversal_for_refund(1999, 2, 0, 1000, 0, 5), Ok(full));
        assert_eq!(reversal_for_refund(1999, 2, 0, 1000, 2, 1), Ok(0));
        assert_eq!(reversal_for_refund(1999, 2, 0, 1000, 9, 9), Ok(0));
        assert_eq!(reversal_for_refund(1999, 2, 0, 1000, 1, 0), Ok(0));
        assert_eq!(reversal_for_refund(1999, 2, 0, 1000, -1, 1), Err(CommissionError::Negative));
        assert_eq!(reversal_for_refund(1999, 2, 0, 20_000, 0, 1), Err(CommissionError::RateTooHigh));
    }
}
