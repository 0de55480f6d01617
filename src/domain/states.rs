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
            /// The stored name, as a statement binds it.
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
    SessionState {
        /// On air.
        Live => "live",
        /// Ended for good: it never goes live again.
        Ended => "ended",
    }
}

state_enum! {
    /// Whether an order was attributed to a creator's click when it arrived.
    OrderStatus {
        /// A creator's click or code attributed it.
        Attributed => "attributed",
        /// Nobody earns on it; its lines are kept all the same.
        Unattributed => "unattributed",
    }
}

state_enum! {
    /// Which rule attributed an order (`domain::attribution::attribute`).
    Method {
        /// The order's click: a human one, on this brand's link, within the window.
        Click => "click",
        /// One of the order's codes, an active code of this brand.
        Code => "code",
        /// No rule applied: the order is unattributed.
        None => "none",
    }
}

state_enum! {
    /// What later events did to an order.
    OrderState {
        /// Paid, and perhaps refunded in part.
        Paid => "paid",
        /// Every unit of every line refunded.
        Refunded => "refunded",
        /// Cancelled: the commission of every unit not yet refunded is taken back.
        Cancelled => "cancelled",
    }
}

state_enum! {
    /// A ledger entry's state. A commission is `pending` until its hold passes, then
    /// `approved` (and `paid` once paid out); take-backs are born `reversed`, and a pending
    /// commission refunded in full becomes `reversed`.
    EntryState {
        /// Within its hold: a refund reverses it.
        Pending => "pending",
        /// Past its hold, owed to the creator; never edited again, so a refund claws back.
        Approved => "approved",
        /// A take-back, or a pending commission refunded in full.
        Reversed => "reversed",
        /// Approved, then paid out to the creator.
        Paid => "paid",
    }
}

state_enum! {
    /// What a ledger entry is: the commission of a line, or a (negative) take-back of it.
    EntryKind {
        /// What a line earned.
        Commission => "commission",
        /// Taken back from a pending commission.
        Reversal => "reversal",
        /// Taken back from an approved one, which is never edited.
        Clawback => "clawback",
    }
}

state_enum! {
    /// A payout: made `pending`, `paid` once the brand says it sent the money.
    PayoutState {
        /// Made; the brand has not yet said it sent the money.
        Pending => "pending",
        /// The brand says it sent the money.
        Paid => "paid",
    }
}

state_enum! {
    /// A hold on a commission: open, then decided once by the brand.
    HoldState {
        /// Open: the approval job passes the commission by.
        Held => "held",
        /// Released: the commission is pending again, its hold days counting from then.
        Released => "released",
        /// Rejected: a reversal took the commission back.
        Rejected => "rejected",
    }
}

/// Why a commission is held: the order's buyer is the attributed creator (their own email).
pub const SELF_REFERRAL: &str = "self_referral";

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
