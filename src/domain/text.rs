//! Text that people type into a field (a title, a name, a sku), and the one rule every
//! such field follows: trimmed, not empty, at most so many characters, and no C0 control
//! character (U+0000–U+001F) or DEL anywhere. None of today's fields needs a tab or a
//! newline, and a NUL is worse than useless: SQLite's `length()` stops at it, so a title
//! of `"\u{0}abc"` measured 0 and failed the schema's CHECK.

use std::fmt;

/// Text that passed [`Text::parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text(String);

/// Why a field's text breaks the rule; its message follows the field's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextError {
    /// Nothing left once trimmed.
    Empty,
    /// Over this many characters once trimmed.
    TooLong(usize),
    /// A control character, at this character position.
    Control(usize),
}

impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TextError::Empty => f.write_str("must not be empty"),
            TextError::TooLong(max) => write!(f, "is over {max} characters"),
            TextError::Control(at) => write!(f, "has a control character at position {at}"),
        }
    }
}

/// A C0 control character or DEL.
pub fn is_control(c: char) -> bool {
    c < ' ' || c == '\u{7f}'
}

/// Where the first control character of `s` is, if it has one.
pub fn find_control(s: &str) -> Option<usize> {
    s.chars().position(is_control)
}

impl Text {
    /// Trims `value` and checks it against the rule, with at most `max` characters.
    pub fn parse(value: &str, max: usize) -> Result<Text, TextError> {
        // Checked before trimming: a leading or trailing tab is refused too, not dropped.
        if let Some(at) = find_control(value) {
            return Err(TextError::Control(at));
        }
        let v = value.trim();
        if v.is_empty() {
            return Err(TextError::Empty);
        }
        if v.chars().count() > max {
            return Err(TextError::TooLong(max));
        }
        Ok(Text(v.to_string()))
    }

    /// The trimmed text.
    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_text_is_trimmed_and_kept() {
        assert_eq!(Text::parse("  Café ☕ 東京  ", 200).map(Text::into_string), Ok("Café ☕ 東京".into()));
        assert_eq!(Text::parse(&"é".repeat(200), 200).map(|t| t.into_string().chars().count()), Ok(200));
    }

    #[test]
    fn empty_long_and_control_text_is_refused() {
        assert_eq!(Text::parse("   ", 200), Err(TextError::Empty));
        assert_eq!(Text::parse(&"é".repeat(201), 200), Err(TextError::TooLong(200)));
        for (s, at) in [
            ("\u{0}", 0),
            ("\u{0}abc", 0),
            ("a\u{0}b", 1),
            ("a\tb", 1),
            ("a\nb", 1),
            ("\u{1f}", 0),
            ("x\u{7f}", 1),
            (" \r", 1),
        ] {
            assert_eq!(Text::parse(s, 200), Err(TextError::Control(at)), "{s:?}");
        }
        // U+0080 and above are text (C1 controls included: they are not stored as NUL).
        assert!(Text::parse("\u{85}x", 200).is_ok());
    }
}
