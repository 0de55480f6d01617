//! What a panic does in the worker.

/// Chains `console_error_panic_hook` in front of the hook `worker` installs (which marks the
/// instance for re-initialisation), once per isolate.
pub fn install_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            console_error_panic_hook::hook(info);
            previous(info);
        }));
    });
}
