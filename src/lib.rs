//! affiliate-edge: creator-commerce short links, signed order webhooks and an exact
//! commission ledger, as a Cloudflare Worker.
//!
//! Layout: `domain` is pure logic, `webhooks` the pure signature and payload code,
//! `store` every D1/KV access, `routes` the HTTP surfaces, `http` their shared plumbing.

pub mod clock;
pub mod domain;
pub mod http;
pub mod routes;
pub mod store;
pub mod webhooks;

use worker::{event, Context, Env, Request, Response, Result};

/// Chains `console_error_panic_hook` in front of the hook `worker` installs (which marks the
/// instance for re-initialisation), once per isolate.
fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            console_error_panic_hook::hook(info);
            previous(info);
        }));
    });
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> Result<Response> {
    install_panic_hook();
    Ok(routes::dispatch(req, env, ctx).await.unwrap_or_else(|e| e.into_response()))
}
