//! Order webhooks: one signature verifier per scheme and the payload parsers. Pure code.
