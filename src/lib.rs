pub mod domain;
pub mod webhooks;
