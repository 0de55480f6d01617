//! Money: integer minor units and ISO 4217 currencies. Never a float anywhere.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The largest amount we accept anywhere. D1 binds numbers as JS doubles, so every
/// stored value must stay exactly representable (below 2^53).
pub const MAX_AMOUNT: i64 = (1 << 53) - 1;

/// ISO 4217 codes we accept, with their number of minor-unit digits.
/// Currencies not listed here are rejected (422) rather than guessed at.
const CURRENCIES: &[(&str, u32)] = &[
    ("AED", 2),
    ("ARS", 2),
    ("AUD", 2),
    ("BGN", 2),
    ("BHD", 3),
    ("BRL", 2),
    ("CAD", 2),
    ("CHF", 2),
    ("CLP", 0),
    ("CNY", 2),
    ("COP", 2),
    ("CZK", 2),
    ("DKK", 2),
    ("EGP", 2),
    ("EUR", 2),
    ("GBP", 2),
    ("HKD", 2),
    ("HUF", 2),
    ("IDR", 2),
    ("ILS", 2),
    ("INR", 2),
    ("ISK", 0),
    ("JOD", 3),
    ("JPY", 0),
    ("KRW", 0),
    ("KWD", 3),
    ("MXN", 2),
    ("MYR", 2),
    ("NGN", 2),
    ("NOK", 2),
    ("NZD", 2),
    ("OMR", 3),
    ("PEN", 2),
    ("PHP", 2),
    ("PKR", 2),
    ("PLN", 2),
    ("QAR", 2),
    ("RON", 2),
    ("SAR", 2),
    ("SEK", 2),
    ("SGD", 2),
    ("THB", 2),
    ("TND", 3),
    ("TRY", 2),
    ("TWD", 2),
    ("UAH", 2),
    ("USD", 2),
    ("VND", 0),
    ("ZAR", 2),
];

/// A known ISO 4217 currency code, uppercase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency([u8; 3]);

impl Currency {
    /// ISO 4217's "no currency". Never accepted from input; only shown if storage ever held
    /// a code we no longer know, rather than panicking.
    pub const XXX: Currency = Currency(*b"XXX");

    /// A stored code (validated when written), read back.
    pub fn from_stored(s: &str) -> Currency {
        Currency::parse(s).unwrap_or(Currency::XXX)
    }

    /// Parses a code such as `"USD"`. Case-sensitive: ISO codes are uppercase.
    pub fn parse(s: &str) -> Option<Currency> {
        CURRENCIES
            .iter()
            .find(|(code, _)| *code == s)
            .and_then(|(code, _)| code.as_bytes().try_into().ok().map(Currency))
    }

    /// The three-letter code, as stored and answered.
    pub fn as_str(&self) -> &str {
        // Only ever built from the ASCII table above.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// Number of digits after the decimal point (JPY 0, USD 2, KWD 3).
    pub fn exponent(&self) -> u32 {
        CURRENCIES.iter().find(|(code, _)| code.as_bytes() == self.0).map(|(_, e)| *e).unwrap_or(2)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Currency::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("unknown currency `{s}`")))
    }
}

/// An amount in minor units of a currency: `{"amount": 1999, "currency": "USD"}` is $19.99.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    /// Minor units (cents for USD, yen for JPY); negative for a take-back.
    pub amount: i64,
    /// What the minor units are of.
    pub currency: Currency,
}

impl Money {
    /// `amount` minor units of `currency`; not checked against [`MAX_AMOUNT`].
    pub fn new(amount: i64, currency: Currency) -> Money {
        Money { amount, currency }
    }
}

/// Why [`decimal_to_minor`] refused a decimal string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecimalError {
    /// Not of the form `123`, `123.4`, `-0.50`.
    Malformed,
    /// More fractional digits than the currency has (`1.001` USD) that are not zeros.
    TooPrecise,
    /// Above [`MAX_AMOUNT`].
    TooLarge,
}

/// Converts a decimal string (Shopify's `"19.99"`) to minor units of `currency`, exactly.
/// Trailing zeros past the currency's exponent are accepted (`"1000.00"` JPY is 1000);
/// any other extra digit is an error, never rounded.
pub fn decimal_to_minor(s: &str, currency: Currency) -> Result<i64, DecimalError> {
    let exp = currency.exponent() as usize;
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (int_part, frac_part) = match digits.split_once('.') {
        Some((i, f)) => (i, f),
        None => (digits, ""),
    };
    let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if int_part.is_empty() || !all_digits(int_part) || !all_digits(frac_part) {
        return Err(DecimalError::Malformed);
    }
    if digits.contains('.') && frac_part.is_empty() {
        return Err(DecimalError::Malformed);
    }
    let (kept, extra) = frac_part.split_at(frac_part.len().min(exp));
    if extra.bytes().any(|b| b != b'0') {
        return Err(DecimalError::TooPrecise);
    }
    let mut value: i64 = 0;
    let padded = kept.bytes().chain(std::iter::repeat_n(b'0', exp - kept.len()));
    for b in int_part.bytes().chain(padded) {
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(i64::from(b - b'0')))
            .filter(|v| *v <= MAX_AMOUNT)
            .ok_or(DecimalError::TooLarge)?;
    }
    Ok(if negative { -value } else { value })
}

/// Formats minor units for people: `1999` USD → `"19.99"`, `500` JPY → `"500"`.
pub fn minor_to_decimal(amount: i64, currency: Currency) -> String {
    let exp = currency.exponent();
    let sign = if amount < 0 { "-" } else { "" };
    let abs = amount.unsigned_abs();
    if exp == 0 {
        return format!("{sign}{abs}");
    }
    let div = 10u64.pow(exp);
    format!("{sign}{}.{:0width$}", abs / div, abs % div, width = exp as usize)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn cur(s: &str) -> Currency {
        Currency::parse(s).unwrap()
    }

    #[test]
    fn currencies_parse_with_exponents() {
        assert_eq!(cur("USD").exponent(), 2);
        assert_eq!(cur("JPY").exponent(), 0);
        assert_eq!(cur("KWD").exponent(), 3);
        assert_eq!(Currency::parse("usd"), None);
        assert_eq!(Currency::parse("XYZ"), None);
        assert_eq!(Currency::parse(""), None);
    }

    #[test]
    fn decimals_convert_exactly() {
        assert_eq!(decimal_to_minor("19.99", cur("USD")), Ok(1999));
        assert_eq!(decimal_to_minor("0.1", cur("USD")), Ok(10));
        assert_eq!(decimal_to_minor("20", cur("USD")), Ok(2000));
        assert_eq!(decimal_to_minor("0.29", cur("USD")), Ok(29)); // 0.29*100 is 28.999… as f64
        assert_eq!(decimal_to_minor("1000", cur("JPY")), Ok(1000));
        assert_eq!(decimal_to_minor("1000.00", cur("JPY")), Ok(1000));
        assert_eq!(decimal_to_minor("1.234", cur("KWD")), Ok(1234));
        assert_eq!(decimal_to_minor("-5.50", cur("EUR")), Ok(-550));
    }

    #[test]
    fn decimals_reject_what_is_not_exact() {
        assert_eq!(decimal_to_minor("1.999", cur("USD")), Err(DecimalError::TooPrecise));
        assert_eq!(decimal_to_minor("1000.5", cur("JPY")), Err(DecimalError::TooPrecise));
        for bad in ["", ".5", "1.", "1,00", "1e3", "+1", "--1", " 1", "NaN", "1.2.3"] {
            assert_eq!(decimal_to_minor(bad, cur("USD")), Err(DecimalError::Malformed), "{bad}");
        }
        assert_eq!(decimal_to_minor("99999999999999999999", cur("USD")), Err(DecimalError::TooLarge));
    }

    #[test]
    fn minor_units_format_for_people() {
        assert_eq!(minor_to_decimal(1999, cur("USD")), "19.99");
        assert_eq!(minor_to_decimal(5, cur("USD")), "0.05");
        assert_eq!(minor_to_decimal(500, cur("JPY")), "500");
        assert_eq!(minor_to_decimal(1234, cur("KWD")), "1.234");
        assert_eq!(minor_to_decimal(-550, cur("EUR")), "-5.50");
    }

    #[test]
    fn money_serializes_in_the_contract_shape() {
        let m = Money::new(1999, cur("USD"));
        assert_eq!(serde_json::to_string(&m).unwrap(), r#"{"amount":1999,"currency":"USD"}"#);
        let back: Money = serde_json::from_str(r#"{"amount":5,"currency":"JPY"}"#).unwrap();
        assert_eq!(back, Money::new(5, cur("JPY")));
        assert!(serde_json::from_str::<Money>(r#"{"amount":1.5,"currency":"USD"}"#).is_err());
        assert!(serde_json::from_str::<Money>(r#"{"amount":1,"currency":"ZZZ"}"#).is_err());
    }

    fn usd_(amount: i64) -> Money {
        Money::new(amount, Currency::parse("USD").unwrap())
    }

    #[test]
    fn prices_format_for_their_currency() {
        assert_eq!(format_price(&usd_(1999)), "$19.99");
        assert_eq!(format_price(&usd_(129_900)), "$1,299.00");
        assert_eq!(format_price(&usd_(5)), "$0.05");
        assert_eq!(format_price(&usd_(123_456_789)), "$1,234,567.89");
        assert_eq!(format_price(&Money::new(500, Currency::parse("JPY").unwrap())), "¥500");
        assert_eq!(format_price(&Money::new(1_234_567, Currency::parse("JPY").unwrap())), "¥1,234,567");
        assert_eq!(format_price(&Money::new(1234, Currency::parse("KWD").unwrap())), "KWD\u{a0}1.234");
        assert_eq!(format_price(&Money::new(1250, Currency::parse("EUR").unwrap())), "€12.50");
        assert_eq!(format_price(&usd_(-550)), "-$5.50");
    }
}
