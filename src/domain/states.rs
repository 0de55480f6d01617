//! The states stored rows move through, spelled as the schema's CHECKs spell them: the
//! serde names (`rename_all = "lowercase"`) are the stored and the answered text, and
//! [`as_str`](SessionState::as_str) is what a statement binds.

use serde::{Deserialize, Serialize};

macro_rules! state_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(rename_all = "lowercase")]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// The state of a stored name; `None` for any other text.
            pub fn parse(s: &str) -> Option<$name> {
                match s {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

state_enum! {
    /// A live session: on air, then ended for good.
    SessionState { Live => "live", Ended => "ended" }
}

state_enum! {
    /// Whether an order was attributed to a creator's click when it arrived.
    OrderStatus { Attributed => "attributed", Unattributed => "unattributed" }
}

state_enum! {
    /// Which rule attributed an order (`domain::attribution::attribute`).
    Method { Click => "click", Code => "code", None => "none" }
}

state_enum! {
    /// What later events did to an order.
    OrderState { Paid => "paid", Refunded => "refunded", Cancelled => "cancelled" }
}

state_enum! {
    /// A ledger entry's state. A commission is `pending` until its hold passes, then
    /// `approved` (and `paid` once paid out); take-backs are born `reversed`, and a pending
    /// commission refunded in full becomes `reversed`.
    EntryState { Pending => "pending", Approved => "approved", Reversed => "reversed", Paid => "paid" }
}

state_enum! {
    /// What a ledger entry is: the commission of a line, or a (negative) take-back of it.
    EntryKind {
        Commission => "commission",
        /// Taken back from a pending commission.
        Reversal => "reversal",
        /// Taken back from an approved one, which is never edited.
        Clawback => "clawback",
    }
}

state_enum! {
    /// A payout: made `pending`, `paid` once the brand says it sent the money.
    PayoutState { Pending => "pending", Paid => "paid" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_names_and_serde_names_agree() {
        fn same<T: Serialize>(v: T, text: &str) {
            assert_eq!(serde_json::to_value(v).ok(), Some(serde_json::Value::String(text.into())));
        }
        for s in [SessionState::Live, SessionState::Ended] {
            same(s, s.as_str());
        }
        for s in [OrderStatus::Attributed, OrderStatus::Unattributed] {
            same(s, s.as_str());
        }
        for s in [Method::Click, Method::Code, Method::None] {
            same(s, s.as_str());
        }
        for s in [OrderState::Paid, OrderState::Refunded, OrderState::Cancelled] {
            same(s, s.as_str());
        }
        for s in [EntryState::Pending, EntryState::Approved, EntryState::Reversed, EntryState::Paid] {
            same(s, s.as_str());
        }
        for s in [EntryKind::Commission, EntryKind::Reversal, EntryKind::Clawback] {
            same(s, s.as_str());
        }
        for s in [PayoutState::Pending, PayoutState::Paid] {
            same(s, s.as_str());
        }
        assert_eq!(serde_json::from_str::<EntryState>("\"approved\"").ok(), Some(EntryState::Approved));
        assert!(serde_json::from_str::<EntryState>("\"settled\"").is_err());
    }
}
