//! Schema-driven request validation: resolves each parameter's wire form through `x-presence`,
//! types the values, validates `{path, query, headers}` against `request.json`, then applies the
//! rules JSON Schema cannot say (`x-requires`, `x-not-after`). No limit is written here.

use crate::spec::{parse_time, Operation, ParamLocation, Parameter, PresenceOutcome, WireForm};
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
/// query pairs, `body` the JSON body object of an operation that has one. `Err` is the detail
/// of the invalid-parameter answer.
pub fn validate(
    op: &Operation,
    path: &[(String, String)],
    query: &[(String, String)],
    headers: &[(String, String)],
    body: Option<&Map<String, Value>>,
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
        let typed = param.typed(form.raw().unwrap_or_default());
        resolve(param, form, typed, &mut accepted, &mut instance_query)?;
    }
    // Body members keep their JSON types: the schema's `type` keyword judges them as sent.
    let mut instance_body = body.cloned().unwrap_or_default();
    for param in op.parameters_in(ParamLocation::Body) {
        let member = body.and_then(|b| b.get(&param.name));
        let form = WireForm::classify_json(member);
        instance_body.remove(&param.name);
        let typed = member.cloned().unwrap_or(Value::Null);
        resolve(param, form, typed, &mut accepted, &mut instance_body)?;
    }
    // Required parameters that were absent and ignored still fail `required` below.
    let mut instance = serde_json::json!({
        "path": to_object(op, ParamLocation::Path, path),
        "query": instance_query,
        "headers": headers.iter().map(|(k, v)| (k.to_ascii_lowercase(), Value::String(v.clone()))).collect::<Map<_, _>>(),
    });
    if op.has_body() {
        instance["body"] = Value::Object(instance_body);
    }
    if let Some(violation) = op.request_violation(&instance) {
        let location = violation
            .instance_path
            .trim_start_matches('/')
            .replace('/', ".");
        return Err(format!("{location}: {}", violation.message));
    }
    check_companions(op, &accepted)?;
    Ok(accepted)
}

/// Applies a parameter's `x-presence` outcome for the form it arrived in: leaves it out, rejects
/// it, records a match-empty filter or the default, or takes `typed` as its value (and puts it
/// in the schema instance `instance`).
fn resolve(
    param: &Parameter,
    form: WireForm<'_>,
    typed: Value,
    accepted: &mut Accepted,
    instance: &mut Map<String, Value>,
) -> Result<(), String> {
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
            instance.insert(param.name.clone(), typed.clone());
            accepted
                .values
                .insert(param.name.clone(), ParamValue::Value(typed));
        }
    }
    Ok(())
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
    for param in op.value_parameters() {
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
