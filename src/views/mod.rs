//! The contract's shapes: stored rows as the API answers them in JSON, and the live page in
//! HTML. Pure (rows in, serializable values or markup out): every route renders through
//! here, so no route imports another to borrow its shapes.

pub mod codes;
pub mod endpoints;
pub mod exports;
pub mod ledger;
pub mod links;
pub mod live;
pub mod live_page;
pub mod payouts;
pub mod products;
