//! PC004 `response_schema_conformance`: the body matches the documented table of its status.
//! Each schema violation becomes a finding whose category follows the failing keyword.

use super::context::{doc_label, ResponseContext};
use super::finding::{Category, Finding};
use super::policy::Toggle;
use crate::spec::{DocRef, SchemaViolation, Spec};
use serde_json::Value;

const NAME: &str = "response_schema_conformance";

/// The category of a violated keyword.
pub fn category_of(violation: &SchemaViolation) -> Category {
    match violation.keyword.as_str() {
        "required" => Category::MissingField,
        "additionalProperties" | "unevaluatedProperties" => Category::UnexpectedField,
        "type" if violation.instance_is_null => Category::NullHandling,
        "maxLength" | "minLength" => Category::FieldLength,
        "enum" | "const" => Category::Enum,
        "pattern" | "format" => Category::Format,
        _ => Category::Type,
    }
}

/// `/customer_info_list/3/corp_name` as `body.customer_info_list[3].corp_name`, with the property
/// a `required` or `additionalProperties` violation names appended.
pub fn location_of(violation: &SchemaViolation) -> String {
    let mut location = String::from("body");
    let segments = violation
        .instance_path
        .split('/')
        .skip(1)
        .filter(|s| !s.is_empty())
        .map(|s| s.replace("~1", "/").replace("~0", "~"));
    for segment in segments.chain(violation.property.clone()) {
        if segment.chars().all(|c| c.is_ascii_digit()) {
            location.push_str(&format!("[{segment}]"));
        } else {
            location.push('.');
            location.push_str(&segment);
        }
    }
    location
}

/// The `x-doc` of the field a location points at, following `$ref`s, `properties` and `items`.
pub fn field_doc(spec: &Spec, file: &str, schema: &Value, location: &str) -> Option<DocRef> {
    let mut node = spec.flatten(file, schema);
    let mut doc = node.get("x-doc").cloned();
    let path = location.strip_prefix("body").unwrap_or(location);
    for segment in path.split(['.', '[']).filter(|s| !s.is_empty()) {
        let next = if segment.ends_with(']') {
            node.get("items")
        } else {
            node.get("properties").and_then(|p| p.get(segment))
        };
        let Some(next) = next else { break };
        node = spec.flatten(file, next);
        if let Some(found) = node.get("x-doc") {
            doc = Some(found.clone());
        }
    }
    doc.and_then(|d| serde_json::from_value(d).ok())
}

/// Runs the check.
pub fn check(ctx: &ResponseContext) -> Vec<Finding> {
    let Some(response) = ctx.op.response(ctx.exchange.status) else {
        return Vec::new(); // An undocumented status is status_code_conformance's finding.
    };
    response
        .validate(&ctx.exchange.body)
        .into_iter()
        .filter(|v| {
            ctx.policies.unknown_fields == Toggle::Strict
                || category_of(v) != Category::UnexpectedField
        })
        .map(|violation| {
            let location = location_of(&violation);
            let doc = field_doc(ctx.spec, &response.file, &response.schema, &location);
            ctx.finding(
                NAME,
                category_of(&violation),
                location,
                format!("{} ({})", describe_rule(&violation), response.file),
                violation.message.clone(),
                doc.as_ref().map(doc_label),
            )
        })
        .collect()
}

fn describe_rule(violation: &SchemaViolation) -> String {
    match violation.keyword.as_str() {
        "required" => "a documented mandatory field".into(),
        "additionalProperties" => "only documented fields".into(),
        keyword => format!("the documented `{keyword}`"),
    }
}
