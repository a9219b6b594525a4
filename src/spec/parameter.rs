//! Request parameters as the contract documents them: where each travels, the type its text is
//! read as, and its x- semantics (presence, filter, paging, lookup, replacement), read from an
//! operation's `request.json`.

use super::vocabulary::{DocRef, Filter, Lookup, PagingRole, Presence, Replaces};
use super::{OperationId, RuleId};
use jsonschema::Validator;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

/// Where a request parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ParamLocation {
    /// A `{name}` segment of the path.
    Path,
    /// The query string.
    Query,
    /// A request header (names are lower-case).
    Header,
    /// A member of the JSON request body.
    Body,
}

impl ParamLocation {
    /// The name used in locations of findings and in the request instance (`path`, `query`, `headers`).
    pub fn as_str(self) -> &'static str {
        match self {
            ParamLocation::Path => "path",
            ParamLocation::Query => "query",
            ParamLocation::Header => "headers",
            ParamLocation::Body => "body",
        }
    }
}

/// The JSON type a parameter's text is read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    /// Taken as text.
    String,
    /// Parsed as a whole number (digits with an optional leading `-`).
    Integer,
}

/// One documented request parameter with its x- semantics, read from `request.json`.
#[derive(Debug, Clone)]
pub struct Parameter {
    /// Parameter name as sent.
    pub name: String,
    /// Path, query or header.
    pub location: ParamLocation,
    /// Mandatory per the documentation.
    pub required: bool,
    /// JSON type.
    pub ty: ParamType,
    /// The property schema with `$ref`s merged in, for generators and messages.
    pub schema: Value,
    /// Absent / empty / "" / null semantics.
    pub presence: Option<Presence>,
    /// Record filter.
    pub filter: Option<Filter>,
    /// Pagination role.
    pub paging: Option<PagingRole>,
    /// Parameters that must come with this one.
    pub requires: Vec<String>,
    /// A parameter this one must not be later than.
    pub not_after: Option<String>,
    /// The record this parameter names.
    pub lookup: Option<Lookup>,
    /// Documented values that are not supported.
    pub unsupported: Vec<String>,
    /// The old operation's parameter this one replaces.
    pub replaces: Option<Replaces>,
    /// Documentation reference.
    pub doc: Option<DocRef>,
    /// Which of its keywords rest on a position rather than a documented rule (`x-position`).
    pub positions: super::KeywordPositions,
    /// JSON pointer of the property inside `request.json`.
    pub pointer: String,
    /// [`Parameter::validator`], compiled the first time it is asked for: generators and the
    /// coverage of every answer ask for it, and compiling a schema costs more than using it.
    /// Shared by the clones of a parameter (a case strategy clones them), so one compile serves
    /// the run.
    pub(super) validator: Arc<OnceLock<Option<Validator>>>,
    /// The ids of its rules by keyword (its schema's keywords, `required`, and each wire form's
    /// `x-presence.<form>`), made once: the coverage of the documentation names some of them
    /// for every answer a run gets.
    pub(super) rules: Arc<BTreeMap<String, RuleId>>,
    /// The rules an accepted request shows of it, by keyword, made once: the coverage reads
    /// them for every answer a run gets.
    pub(super) accepting: Arc<Accepting>,
}

/// The rules of one parameter that a request carrying it shows when the target accepts it:
/// `required` (when [`Parameter::required`] says it is), each of `type`, `enum`, `pattern` and
/// `format` its schema has, and each bound (`minimum`, `maximum`, `maxLength`, `minLength`)
/// with the value at its edge.
#[derive(Debug)]
pub struct Accepting {
    /// The rule `required`.
    pub required: Option<RuleId>,
    /// `type`, `enum`, `pattern`, `format`: those its schema has, in that order.
    pub kinds: Vec<RuleId>,
    /// `minimum`: the bound and the rule.
    pub minimum: Option<(i64, RuleId)>,
    /// `maximum`: the bound and the rule.
    pub maximum: Option<(i64, RuleId)>,
    /// `maxLength`: the bound and the rule.
    pub max_length: Option<(i64, RuleId)>,
    /// `minLength`: the bound and the rule.
    pub min_length: Option<(i64, RuleId)>,
}

impl Accepting {
    /// Read from the parameter's rule ids (see [`rule_ids`]) and its schema.
    pub(super) fn new(rules: &BTreeMap<String, RuleId>, schema: &Value) -> Accepting {
        // `rule_ids` made an id for every keyword of the schema and for `required`.
        let rule = |keyword: &str| rules.get(keyword).cloned();
        let bound = |keyword: &str| schema_limit(schema, keyword).zip(rule(keyword));
        Accepting {
            required: rule("required"),
            kinds: ["type", "enum", "pattern", "format"]
                .into_iter()
                .filter(|keyword| schema.get(keyword).is_some())
                .filter_map(rule)
                .collect(),
            minimum: bound("minimum"),
            maximum: bound("maximum"),
            max_length: bound("maxLength"),
            min_length: bound("minLength"),
        }
    }
}

/// A whole-number keyword of a parameter's schema (`maximum`, `maxLength`).
fn schema_limit(schema: &Value, keyword: &str) -> Option<i64> {
    schema.get(keyword).and_then(Value::as_i64)
}

/// The ids of a parameter's rules, by keyword (see [`Parameter::rule`]).
pub(super) fn rule_ids(
    op: OperationId,
    location: ParamLocation,
    name: &str,
    schema: &Value,
) -> BTreeMap<String, RuleId> {
    let keywords = schema
        .as_object()
        .into_iter()
        .flat_map(|map| map.keys().map(String::as_str))
        .chain(["required"])
        .chain(
            super::WireForm::NON_VALUES
                .iter()
                .chain([&super::WireForm::Value("")])
                .map(|form| form.presence_keyword()),
        );
    keywords
        .map(|keyword| {
            (
                keyword.to_string(),
                RuleId::parameter(op, location, name, keyword),
            )
        })
        .collect()
}

impl Parameter {
    /// The rules a request carrying it shows when the target accepts it (see [`Accepting`]).
    pub fn accepting(&self) -> &Accepting {
        &self.accepting
    }

    /// Raw parameter text read as a whole number, as [`Parameter::typed`] reads it: `None` for a
    /// String parameter or text that is not one.
    pub fn integer(&self, raw: &str) -> Option<i64> {
        let digits = raw.strip_prefix('-').unwrap_or(raw);
        let whole = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
        match self.ty {
            ParamType::Integer if whole => raw.parse().ok(),
            _ => None,
        }
    }

    /// The id of the rule `keyword` of this parameter of `op`: the one made with the spec
    /// when the keyword is one of its own, else made now.
    pub fn rule(&self, op: OperationId, keyword: &str) -> RuleId {
        self.rules
            .get(keyword)
            .cloned()
            .unwrap_or_else(|| RuleId::parameter(op, self.location, &self.name, keyword))
    }

    /// The position a keyword of this parameter rests on (`maximum`, `x-presence.null`), or
    /// `None` when it is documented.
    pub fn position_of(&self, keyword: &str) -> Option<&super::Position> {
        self.positions.get(keyword)
    }

    /// Where it is in findings and tables: `query.page_no`, `body.offset`, `path.partner_id`.
    pub fn label(&self) -> String {
        format!("{}.{}", self.location.as_str(), self.name)
    }

    /// The schema's `default`, if any.
    pub fn default(&self) -> Option<&Value> {
        self.schema.get("default")
    }

    /// A numeric keyword of the merged schema (`maxLength`, `minimum`...).
    pub fn limit(&self, keyword: &str) -> Option<i64> {
        schema_limit(&self.schema, keyword)
    }

    /// Reads raw parameter text as the documented type. Text that is not a whole number stays a
    /// string for an Integer parameter, so the schema's `type` keyword reports it.
    pub fn typed(&self, raw: &str) -> Value {
        match self.integer(raw) {
            Some(n) => Value::from(n),
            None => Value::String(raw.to_string()),
        }
    }

    /// Whether the schema uses the documented UTC time type (`format: date-time`).
    pub fn is_time(&self) -> bool {
        self.schema.get("format").and_then(Value::as_str) == Some("date-time")
    }

    /// A validator of this parameter's own schema (formats asserted), for generators that must
    /// know whether a candidate value breaks the contract.
    pub fn validator(&self) -> Option<&Validator> {
        self.validator
            .get_or_init(|| {
                let mut schema = self.schema.clone();
                if let Some(object) = schema.as_object_mut() {
                    object.retain(|k, _| !k.starts_with("x-") && k != "$id");
                }
                jsonschema::draft202012::options()
                    .should_validate_formats(true)
                    .build(&schema)
                    .ok()
            })
            .as_ref()
    }

    /// The `enum` values, when the parameter has one.
    pub fn enum_values(&self) -> Option<Vec<String>> {
        self.schema
            .get("enum")
            .and_then(Value::as_array)
            .map(|values| {
                values
                    .iter()
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                    .collect()
            })
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Spec, WireForm};
    use super::*;

    #[test]
    fn a_parameters_rule_ids_are_the_ones_rule_id_makes() {
        let spec = Spec::embedded().unwrap();
        for op in spec.operations() {
            for p in &op.parameters {
                let mut keywords: Vec<&str> = p
                    .schema
                    .as_object()
                    .unwrap()
                    .keys()
                    .map(String::as_str)
                    .collect();
                for form in WireForm::NON_VALUES
                    .into_iter()
                    .chain([WireForm::Value("")])
                {
                    keywords.push(form.presence_keyword());
                }
                // Made with the spec, or (a keyword it does not have) made when asked.
                keywords.push("required");
                keywords.push("x-not-a-keyword");
                for keyword in keywords {
                    assert_eq!(
                        p.rule(op.id, keyword),
                        RuleId::parameter(op.id, p.location, &p.name, keyword)
                    );
                }
            }
        }
    }
}
