//! Positions: where a constraint of `schemas/` rests on a reading this suite chose because the
//! pages are silent or ambiguous (a row of the ambiguity table in `schemas/README.md`, such as
//! `A2`) rather than on a documented rule.
//!
//! The schema says so with `x-position` (keyword → A-number) beside the keyword, an `x-errors`
//! entry with `position`, and `x-operation`'s own `x-position`. A finding about a constraint that
//! rests on a position is an observation against a target that reads the pages otherwise, never
//! drift, unless the run asks for `--positions strict`. Nothing in Rust lists which constraints
//! are positions: they are read from here.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

/// The id of one row of the ambiguity table (`A2`, `A15`): the reading a constraint rests on.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Position(String);

impl Position {
    /// Reads an A-number (`A` and a number without leading zero).
    pub fn parse(text: &str) -> Option<Position> {
        let digits = text.strip_prefix('A')?;
        let ok = !digits.is_empty()
            && !digits.starts_with('0')
            && digits.len() <= 4
            && digits.chars().all(|c| c.is_ascii_digit());
        ok.then(|| Position(text.to_string()))
    }

    /// The A-number as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Position {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Position::parse(&text)
            .ok_or_else(|| format!("`{text}` is not an ambiguity id (A and a number, such as A2)"))
    }
}

impl From<Position> for String {
    fn from(position: Position) -> String {
        position.0
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `x-position` of one schema: which of its keywords rest on which position. Keys are keywords
/// (`maximum`, `pattern`, `x-filter`), an `x-presence` form as `x-presence.null`, or (in
/// `x-operation`) a field of the operation such as `content_type`.
pub type KeywordPositions = BTreeMap<String, Position>;

/// Reads the `x-position` of a schema object (its shape was checked against the vocabulary).
pub(super) fn keyword_positions(schema: &Value) -> KeywordPositions {
    schema
        .get("x-position")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default()
}

/// The positions of a response schema, by field path (`customer_info_list.corp_name`, `body` for
/// the whole body) and keyword, following `$ref`s across files: `resolve` finds a reference's
/// file and target the way the validator does.
pub(super) fn response_positions<'a>(
    file: &str,
    schema: &'a Value,
    resolve: Resolve<'_, 'a>,
) -> BTreeMap<String, KeywordPositions> {
    let mut out = BTreeMap::new();
    walk(file, schema, &mut Vec::new(), 0, resolve, &mut out);
    out
}

/// Finds a reference's file and target: (file of the referring schema, `$ref`) → (file, target).
type Resolve<'f, 'a> = &'f dyn Fn(&str, &str) -> Option<(String, &'a Value)>;

/// How deep `$ref`s and nesting are followed (the contract nests three levels).
const MAX_DEPTH: usize = 16;

fn walk<'a>(
    file: &str,
    node: &'a Value,
    path: &mut Vec<String>,
    depth: usize,
    resolve: Resolve<'_, 'a>,
    out: &mut BTreeMap<String, KeywordPositions>,
) {
    if depth > MAX_DEPTH {
        return;
    }
    let Some(object) = node.as_object() else {
        return;
    };
    if let Some(reference) = object.get("$ref").and_then(Value::as_str) {
        if let Some((target_file, target)) = resolve(file, reference) {
            walk(&target_file, target, path, depth + 1, resolve, out);
        }
    }
    let here = keyword_positions(node);
    if !here.is_empty() {
        let key = if path.is_empty() {
            "body".to_string()
        } else {
            path.join(".")
        };
        out.entry(key).or_default().extend(here);
    }
    for (name, child) in subschemas(object) {
        path.extend(name.cloned());
        walk(file, child, path, depth + 1, resolve, out);
        if name.is_some() {
            path.pop();
        }
    }
}

/// The schemas directly below a schema object, each with the field name it adds to a path:
/// each property (its name), the items of an array and the branches of `allOf`, `anyOf` and
/// `oneOf` (none: they describe the same value). Every walk of a schema tree goes through it, so
/// all of them reach the same fields.
pub(crate) fn subschemas(
    object: &serde_json::Map<String, Value>,
) -> impl Iterator<Item = (Option<&String>, &Value)> {
    let properties = object
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(name, child)| (Some(name), child));
    let items = object.get("items").map(|items| (None, items));
    let branches = ["allOf", "anyOf", "oneOf"]
        .into_iter()
        .filter_map(|combinator| object.get(combinator).and_then(Value::as_array))
        .flatten()
        .map(|child| (None, child));
    properties.chain(items).chain(branches)
}

impl super::Operation {
    /// The position a *valid* request with these parameter values (raw, as sent) rests on, if
    /// any: the first of, parameter by parameter in contract order, the `x-presence.<form>` of
    /// the form it takes (`page_no=null`: A2), `x-presence.value` for a value (a reseller id:
    /// A23), `x-lookup` for a record it names (whether an unknown one is refused as invalid:
    /// A34), `maxLength.unit` for text beyond ASCII (characters or bytes: A8), `alone` when it
    /// is the only parameter filtering its field (one time bound: A33), and the operation's
    /// `query.plus` for a `+` in a query value (A20). A target that refuses such a request reads
    /// the position otherwise; it has not broken a documented rule.
    pub fn values_position(&self, values: &[(String, String)]) -> Option<Position> {
        let value_of = |name: &str| {
            values
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        for parameter in &self.parameters {
            let value = value_of(&parameter.name);
            let form = super::WireForm::classify(value);
            let mut keys = vec![form.presence_keyword().to_string()];
            if let Some(value) = value {
                keys.push("x-lookup".into());
                if !value.is_ascii() {
                    keys.push("maxLength.unit".into());
                }
                let field = parameter.filter.as_ref().map(|f| &f.field);
                let companions = self
                    .parameters
                    .iter()
                    .filter(|p| p.name != parameter.name)
                    .filter(|p| field.is_some() && p.filter.as_ref().map(|f| &f.field) == field)
                    .filter(|p| value_of(&p.name).is_some())
                    .count();
                if field.is_some() && companions == 0 {
                    keys.push("alone".into());
                }
            }
            if let Some(found) = keys.iter().find_map(|k| parameter.position_of(k)) {
                return Some(found.clone());
            }
        }
        let plus = values.iter().any(|(name, value)| {
            value.contains('+')
                && self
                    .parameters
                    .iter()
                    .any(|p| p.name == *name && p.location == super::ParamLocation::Query)
        });
        plus.then(|| self.meta.positions.get("query.plus").cloned())
            .flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ambiguity_id_is_a_and_a_number() {
        assert_eq!(Position::parse("A2").unwrap().as_str(), "A2");
        assert_eq!(Position::parse("A35").unwrap().to_string(), "A35");
        for bad in ["", "A", "A0", "A02", "a2", "B2", "A2x", "A12345"] {
            assert!(Position::parse(bad).is_none(), "{bad}");
        }
        let read: Result<Position, _> = serde_json::from_value(serde_json::json!("A7"));
        assert_eq!(read.unwrap().as_str(), "A7");
        assert!(serde_json::from_value::<Position>(serde_json::json!("7")).is_err());
    }
}
