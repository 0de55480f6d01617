//! `?format=`: whether a read answers JSON (the default) or a CSV export.

use super::page::query_value;
use super::{ApiError, ApiResult};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Format {
    Json,
    Csv,
}

impl Format {
    pub fn of(pairs: &[(String, String)]) -> ApiResult<Format> {
        match query_value(pairs, "format") {
            None | Some("") | Some("json") => Ok(Format::Json),
            Some("csv") => Ok(Format::Csv),
            Some(_) => Err(ApiError::invalid("format must be json or csv")),
        }
    }
}
