//! Schema-driven request validation: resolves each parameter's wire form through `x-presence`,
//! types the values, validates `{path, query, headers}` against `request.json`, then applies the
//! rules JSON Schema cannot say (`x-requires`, `x-not-after`). No limit is written here.

use crate::spec::{parse_time, Operation, ParamLocation, PresenceOutcome, WireForm};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// What a parameter means after validation.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    /// A typed value (the documented default where the wire form asked for it).
    Value(Value),
    /// A filter selecting records whose field is null or empty.
    MatchEmpty,
}

/// A request that passed validation: the parameters that take part, by name.
#[derive(Debug, Clone, Default)]
pub struct Accepted {
    /// Parameters in effect (ignored ones are left out).
    pub values: BTreeMap<String, ParamValue>,
    /// Parameters whose value is the documented default (not sent as a value).
    pub defaulted: std::collections::BTreeSet<String>,
}

impl Accepted {
    /// A parameter's typed value, if it is in effect as a value.
    pub fn value(&self, name: &str) -> Option<&Value> {
        match self.values.get(name) {
            Some(ParamValue::Value(v)) => Some(v),
            _ => None,
        }
    }
}

/// Validates a request for `op`. `path` holds the decoded path parameters, `query` the decoded
/// query pairs. `Err` is the detail of the invalid-parameter answer.
pub fn validate(
    op: &Operation,
    path: &[(String, String)],
    query: &[(String, String)],
    headers: &[(String, String)],
) -> Result<Accepted, String> {
    let mut accepted = Accepted::default();
    let mut instance_query = Map::new();
    for param in op.parameters_in(ParamLocation::Query) {
        let mut given = query.iter().filter(|(k, _)| *k == param.name);
        let first = given.next();
        if given.next().is_some() {
            return Err(format!("{} is repeated", param.name));
        }
        let form = WireForm::classify(first.map(|(_, v)| v.as_str()));
        let outcome = match (&param.presence, form) {
            (Some(presence), form) => presence.outcome(form),
            (None, WireForm::Absent) => PresenceOutcome::Ignore,
            (None, _) => PresenceOutcome::Value,
        };
        match outcome {
            PresenceOutcome::Ignore => {}
            PresenceOutcome::Reject => {
                return Err(format!("{} cannot be {}", param.name, form.name()));
            }
            PresenceOutcome::MatchEmpty => {
                accepted
                    .values
                    .insert(param.name.clone(), ParamValue::MatchEmpty);
            }
            PresenceOutcome::Default => match param.default() {
                Some(default) => {
                    accepted
                        .values
                        .insert(param.name.clone(), ParamValue::Value(default.clone()));
                    accepted.defaulted.insert(param.name.clone());
                }
                None => {
                    return Err(format!("{} has no documented default", param.name));
                }
            },
            PresenceOutcome::Value => {
                let raw = form.raw().unwrap_or_default();
                let typed = param.typed(raw);
                instance_query.insert(param.name.clone(), typed.clone());
                accepted
                    .values
                    .insert(param.name.clone(), ParamValue::Value(typed));
            }
        }
    }
    // Required parameters that were absent and ignored still fail `required` below.
    let instance = serde_json::json!({
        "path": to_object(op, ParamLocation::Path, path),
        "query": instance_query,
        "headers": headers.iter().map(|(k, v)| (k.to_ascii_lowercase(), Value::String(v.clone()))).collect::<Map<_, _>>(),
    });
    if let Some(violation) = op.validate_request(&instance).into_iter().next() {
        let location = violation
            .instance_path
            .trim_start_matches('/')
            .replace('/', ".");
        return Err(format!("{location}: {}", violation.message));
    }
    check_companions(op, &accepted)?;
    Ok(accepted)
}

fn to_object(
    op: &Operation,
    location: ParamLocation,
    pairs: &[(String, String)],
) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| {
            let value = op
                .parameter(location, k)
                .map_or_else(|| Value::String(v.clone()), |p| p.typed(v));
            (k.clone(), value)
        })
        .collect()
}

/// `x-requires` (parameters that must come together) and `x-not-after` (range order).
fn check_companions(op: &Operation, accepted: &Accepted) -> Result<(), String> {
    for param in op.parameters_in(ParamLocation::Query) {
        if !accepted.values.contains_key(&param.name) {
            continue;
        }
        for companion in &param.requires {
            if !accepted.values.contains_key(companion) {
                return Err(format!(
                    "{} must be used together with {companion}",
                    param.name
                ));
            }
        }
        if let Some(end_name) = &param.not_after {
            let start = accepted.value(&param.name).and_then(Value::as_str);
            let end = accepted.value(end_name).and_then(Value::as_str);
            if let (Some(start), Some(end)) = (start, end) {
                if parse_time(start) > parse_time(end) {
                    return Err(format!("{} is after {end_name}", param.name));
                }
            }
        }
    }
    Ok(())
}
