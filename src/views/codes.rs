//! A creator code in the contract's shape.

use crate::domain::attribution::format_rfc3339_ms;
use crate::store::codes::CodeRow;
use serde::Serialize;

#[derive(Serialize)]
pub struct CodeOut {
    id: String,
    code: String,
    brand_id: String,
    creator_id: String,
    active: bool,
    created_at: String,
}

pub fn render_code(r: CodeRow) -> CodeOut {
    CodeOut {
        created_at: format_rfc3339_ms(r.created_at),
        id: r.id,
        code: r.code,
        brand_id: r.brand_id,
        creator_id: r.creator_id,
        active: r.active,
    }
}
