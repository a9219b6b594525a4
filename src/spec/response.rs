//! One documented response status of an operation: its schema file, compiled once at load.

use super::violation::SchemaViolation;
use jsonschema::Validator;
use serde_json::Value;

/// The schema of one documented response status, compiled.
#[derive(Debug)]
pub struct ResponseSchema {
    /// HTTP status.
    pub status: u16,
    /// File relative to `schemas/`.
    pub file: String,
    /// The schema document.
    pub schema: Value,
    /// The compiled schema.
    pub(super) validator: Validator,
    /// The positions its fields rest on, by field path and keyword (`x-position`).
    pub(super) positions: std::collections::BTreeMap<String, super::KeywordPositions>,
}

impl ResponseSchema {
    /// Every violation of this schema by `body`.
    pub fn validate(&self, body: &Value) -> Vec<SchemaViolation> {
        self.validator
            .iter_errors(body)
            .flat_map(|e| SchemaViolation::from_error_each(&e))
            .collect()
    }

    /// The position a keyword of the field at a finding's location rests on
    /// (`body.customer_info_list[3].corp_name`, `pattern`), or `None` when it is documented.
    pub fn position_of(&self, location: &str, keyword: &str) -> Option<&super::Position> {
        self.positions
            .get(&super::rule::field_path(location))?
            .get(keyword)
    }

    /// Every `x-position` of the field at a location (`body` for the whole body).
    pub fn positions_at(&self, location: &str) -> Option<&super::KeywordPositions> {
        self.positions.get(&super::rule::field_path(location))
    }

    /// Whether the documented body is a String (`"type": "string"`, the AICC errors): a body
    /// that is not JSON can still be judged against it (A29).
    pub fn documents_a_string(&self) -> bool {
        self.schema.get("type").and_then(Value::as_str) == Some("string")
    }

    /// The documented example bodies (`examples`).
    pub fn examples(&self) -> &[Value] {
        self.schema
            .get("examples")
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice)
    }
}
