//! Wall-clock time inside the worker, in epoch milliseconds.

pub fn now_ms() -> i64 {
    worker::js_sys::Date::now() as i64
}
