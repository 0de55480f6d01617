//! End-to-end tests over HTTP against the real worker in `wrangler dev` (see `npm test`).

#[path = "../common/mod.rs"]
mod common;

mod health;
mod webhooks;
mod live;
