//! One documented response status of an operation: its schema file, compiled once at load.

use super::violation::SchemaViolation;
use jsonschema::Validator;
use serde_json::Value;

/// The violations one answer is judged by, at most. A hostile body of millions of wrong
/// elements or undocumented keys (within the size bound) would otherwise cost a finding, and
/// its memory and time, per element; past this many, more violations only repeat a pattern the
/// first already show (the reports group findings by location pattern anyway).
pub const MAX_VIOLATIONS_PER_BODY: usize = 300;

/// `value` with every array cut to its first `keep + 1` elements (one more than kept, so a rule
/// on the length still sees it is longer); borrowed when no array is that long.
fn pruned(value: &Value, keep: usize) -> std::borrow::Cow<'_, Value> {
    fn long(value: &Value, keep: usize) -> bool {
        match value {
            Value::Array(items) => items.len() > keep + 1 || items.iter().any(|v| long(v, keep)),
            Value::Object(members) => members.values().any(|v| long(v, keep)),
            _ => false,
        }
    }
    fn cut(value: &Value, keep: usize) -> Value {
        match value {
            Value::Array(items) => items.iter().take(keep + 1).map(|v| cut(v, keep)).collect(),
            Value::Object(members) => Value::Object(
                members
                    .iter()
                    .map(|(k, v)| (k.clone(), cut(v, keep)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
    if long(value, keep) {
        std::borrow::Cow::Owned(cut(value, keep))
    } else {
        std::borrow::Cow::Borrowed(value)
    }
}

/// A violation's instance path with array indices as `*`: the rule it breaks, whichever record.
fn pattern(instance_path: &str) -> String {
    instance_path
        .split('/')
        .map(|s| {
            if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
                "*"
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

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
    /// At most [`MAX_VIOLATIONS_PER_BODY`]: more only repeat what the first show.
    /// Arrays longer than that are judged by their first elements: a hostile list of millions
    /// of wrong elements would otherwise cost memory and time per element.
    /// Undocumented members take at most a third of the slots, so a body full of them (a
    /// reading this suite observes, A14) cannot crowd out a documented rule's violation.
    pub fn validate(&self, body: &Value) -> Vec<SchemaViolation> {
        let pruned = pruned(body, MAX_VIOLATIONS_PER_BODY);
        // Most answers conform. `is_valid` judges them without what `iter_errors` carries
        // along (error iterators, instance paths); a body that breaks a rule is judged twice,
        // once to find that out and once for its violations.
        if self.validator.is_valid(pruned.as_ref()) {
            return Vec::new();
        }
        let mut unexpected = 0;
        let mut out: Vec<SchemaViolation> = self
            .validator
            .iter_errors(pruned.as_ref())
            .flat_map(|e| SchemaViolation::from_error_each(&e, MAX_VIOLATIONS_PER_BODY))
            .filter(|v| {
                if v.keyword != "additionalProperties" {
                    return true;
                }
                unexpected += 1;
                unexpected <= MAX_VIOLATIONS_PER_BODY / 3
            })
            .take(MAX_VIOLATIONS_PER_BODY)
            .collect();
        // Cut: the slots went to violations that repeat (the same rule on every record, which a
        // baseline may accept). Every other documented rule the body breaks still gets its
        // first violation, so a new drift is never hidden behind known ones.
        if Self::was_cut(out.len()) {
            let mut kinds: std::collections::HashSet<(String, String)> = out
                .iter()
                .map(|v| (pattern(&v.instance_path), v.keyword.clone()))
                .collect();
            let first_of_each: Vec<SchemaViolation> = self
                .validator
                .iter_errors(pruned.as_ref())
                .map(|e| SchemaViolation::from_error(&e))
                .filter(|v| v.keyword != "additionalProperties")
                .filter(|v| kinds.insert((pattern(&v.instance_path), v.keyword.clone())))
                .take(MAX_VIOLATIONS_PER_BODY)
                .collect();
            out.extend(first_of_each);
        }
        out
    }

    /// Whether `validate` had to stop before judging all of `body` (it returned as many
    /// violations as it keeps): the fields after the cut were not judged, so they do not count
    /// as verified.
    pub fn was_cut(violations: usize) -> bool {
        violations >= MAX_VIOLATIONS_PER_BODY
    }

    /// Whether [`ResponseSchema::validate`] finds nothing, without building the violations: the
    /// fast answer for a body that is expected to conform (the mock's fixtures, a million
    /// records at load).
    pub fn is_valid(&self, body: &Value) -> bool {
        self.validator
            .is_valid(pruned(body, MAX_VIOLATIONS_PER_BODY).as_ref())
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

#[cfg(test)]
mod tests {
    use crate::spec::{OperationId, Spec};
    use serde_json::{json, Map, Value};

    fn record_with(extra: usize) -> Value {
        let mut record: Map<String, Value> = serde_json::from_value(json!({
            "customer_id": "c1", "domain_name": "d1", "corp_name": "corp"
        }))
        .unwrap();
        for i in 0..extra {
            record.insert(format!("undocumented_{i}"), Value::from(i));
        }
        Value::Object(record)
    }

    #[test]
    fn undocumented_keys_cannot_crowd_out_a_documented_violation_nor_grow_quadratically() {
        let spec = Spec::embedded().unwrap();
        let response = spec
            .operation(OperationId::CustomersV1)
            .response(200)
            .unwrap();
        let mut second = record_with(0);
        second["telephone"] = Value::from(13_900_000_000u64);
        let body = json!({
            "error_code": "CBC.0000", "error_msg": "success", "count": 2,
            "customer_info_list": [record_with(4000), second]
        });
        let violations = response.validate(&body);
        assert!(
            violations
                .iter()
                .any(|v| v.keyword == "type" && v.instance_path.ends_with("/1/telephone")),
            "{violations:?}"
        );
        let unexpected = violations
            .iter()
            .filter(|v| v.keyword == "additionalProperties")
            .count();
        assert!(unexpected <= super::super::violation::MAX_UNEXPECTED_PER_OBJECT + 1);
        // Each message names its own key, not the 4000 others.
        assert!(violations.iter().all(|v| v.message.chars().count() < 400));
        let last = violations
            .iter()
            .rfind(|v| v.keyword == "additionalProperties")
            .unwrap();
        assert!(last.message.contains("more unexpected members"), "{last:?}");
    }

    #[test]
    fn a_body_cut_at_the_limit_still_shows_each_rule_it_breaks_once() {
        let spec = Spec::embedded().unwrap();
        let response = spec
            .operation(OperationId::CustomersV1)
            .response(200)
            .unwrap();
        let long = "x".repeat(200);
        let records: Vec<Value> = (0..100)
            .map(|i| {
                let mut r = json!({
                    "customer_id": long, "domain_name": long, "corp_name": long, "label": long
                });
                if i >= 80 {
                    r["telephone"] = Value::from(i);
                }
                r
            })
            .collect();
        let body = json!({
            "error_code": "CBC.0000", "error_msg": "success", "count": 100,
            "customer_info_list": records
        });
        let violations = response.validate(&body);
        assert!(super::ResponseSchema::was_cut(violations.len()));
        assert!(
            violations
                .iter()
                .any(|v| v.keyword == "type" && v.instance_path.ends_with("/telephone")),
            "{}",
            violations.len()
        );
    }
}
