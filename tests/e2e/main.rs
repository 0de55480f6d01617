//! End-to-end tests over HTTP against the real worker in `wrangler dev` (see `npm test`).

#[path = "../common/mod.rs"]
mod common;

mod brands;
mod clicks;
mod codes;
mod creators;
mod events;
mod hardening;
mod health;
mod holds;
mod hostile;
mod links;
mod live;
mod live_show;
mod openapi;
mod payouts;
mod products;
mod redirect;
mod sessions;
mod strings;
mod webhooks;
