//! Pure domain logic: no `worker` types, no I/O. Everything here has native unit tests.
#![warn(missing_docs)]

pub mod attribution;
pub mod click_id;
pub mod codes;
pub mod commission;
pub mod csv;
pub mod destination;
pub mod events;
pub mod form;
pub mod hex;
pub mod https_url;
pub mod ids;
pub mod ledger;
pub mod money;
pub mod series;
pub mod states;
pub mod stream;
pub mod text;
pub mod visitor;
