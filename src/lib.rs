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

use worker::{console_error, event, Context, Env, Request, Response, Result, ScheduleContext, ScheduledEvent};

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

/// The cron trigger (and `GET /__scheduled` under `wrangler dev --test-scheduled`):
/// approves commissions whose hold has passed.
#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    install_panic_hook();
    let approved = match store::db(&env) {
        Ok(db) => store::orders::approve_due(&db, clock::now_ms()).await,
        Err(e) => Err(e.into()),
    };
    if let Err(e) = approved {
        console_error!("approval job failed: {}", e.message);
    }
}
