//! Pure domain logic: no `worker` types, no I/O. Everything here has native unit tests.

pub mod money;
