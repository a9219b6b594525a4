//! The checks' side of the coverage of the documentation: the whole requirements catalogue (the
//! schemas' rules plus one semantic per stateful check that applies to an operation), which
//! checks verify each requirement, the evidence each needs, and the evidence one exchange gives.
//! Evidence is counted as the run goes (every answer passes here after the per-response checks);
//! the harness turns it into a status per requirement at the end.

use super::selection::CheckSelection;
use crate::checks::{CheckInfo, DocSource, Runner, Verifies, CHECKS};
use crate::outcome::{Evidence, Expectation, Finding};
use crate::spec::{
    DocRef, ErrorRole, FieldCursor, Operation, ParamLocation, Parameter, Requirement,
    ResponseFields, RuleId, Spec, Subject, WireForm,
};
use serde_json::Value;

/// Array elements of one answer walked for the fields they show: a field seen in the first
/// elements is seen; a hostile list of millions costs no more than this.
const MAX_ELEMENTS_WALKED: usize = 64;

/// The kinds of value a field was seen with (bits of a mask): a length or pattern shows only on
/// a string, a bound only on a number.
const STRING: u8 = 1;
/// A JSON number.
const NUMBER: u8 = 2;
/// Anything else (object, array, boolean).
const OTHER: u8 = 4;

/// How deep a body is followed for its fields (the contract nests three levels).
const MAX_DEPTH: usize = 16;

/// The whole catalogue: what `schemas/` states, then one semantic per stateful check that has
/// something to verify on an operation (its summary as the statement, and the documentation
/// it rests on as the quote).
pub fn catalogue(spec: &Spec) -> Vec<Requirement> {
    let mut out = spec.requirements().to_vec();
    let semantics = |op: &Operation| -> Vec<crate::spec::Semantic> {
        CHECKS
            .iter()
            .filter_map(|check| {
                let Runner::Stateful { applies, .. } = check.runner else {
                    return None;
                };
                if !applies(op) {
                    return None;
                }
                let doc = rests_on_doc(op, check.rests_on)?;
                Some((check.name.to_string(), check.summary.to_string(), Some(doc)))
            })
            .collect()
    };
    let semantic: Vec<Requirement> = crate::spec::catalogue(spec, &semantics)
        .into_iter()
        .filter(|r| matches!(r.subject, Subject::Semantic { .. }))
        .collect();
    // In operation order, each operation's semantics after its own rules.
    for requirement in semantic {
        let after = out
            .iter()
            .rposition(|r| r.operation == requirement.operation)
            .map_or(out.len(), |i| i + 1);
        out.insert(after, requirement);
    }
    out
}

/// The documentation a check's statement rests on for an operation; `None` when the operation
/// has nothing of it (a filter check on an operation without filters of its kinds), so the
/// check verifies nothing there.
fn rests_on_doc(op: &Operation, source: DocSource) -> Option<DocRef> {
    let first = |pick: &dyn Fn(&Parameter) -> bool| {
        op.parameters
            .iter()
            .find(|p| pick(p))
            .and_then(|p| p.doc.clone())
    };
    match source {
        DocSource::Operation | DocSource::ErrorCatalogue | DocSource::ResponseFields => {
            Some(op.meta.doc.clone())
        }
        DocSource::Paging => first(&|p| p.paging.is_some()),
        DocSource::Filters(kinds) => {
            first(&|p| p.filter.as_ref().is_some_and(|f| kinds.contains(&f.kind)))
        }
        DocSource::Presence => first(&|p| p.presence.is_some()),
        DocSource::Lookup => first(&|p| p.lookup.is_some()),
        DocSource::Replacements => None,
    }
}

/// The checks whose verdicts a requirement's evidence comes from: excluding all of them leaves
/// it `check_excluded`.
pub fn verifiers(requirement: &Requirement) -> Vec<&'static CheckInfo> {
    CHECKS
        .iter()
        .copied()
        .filter(|c| {
            c.verifies.iter().any(|v| match (v, &requirement.subject) {
                (Verifies::RequestConstraints, Subject::Request { .. })
                | (Verifies::ErrorEntries, Subject::Error { .. })
                | (Verifies::ResponseFields, Subject::Response { .. })
                | (Verifies::ContentType, Subject::ContentType) => true,
                (Verifies::Semantic, Subject::Semantic { check }) => c.name == check,
                _ => false,
            })
        })
        .collect()
}

/// The evidence a request constraint needs to count as verified: the refusal of a request
/// breaking it (when the generator can break it, `breakable` from
/// [`crate::generate::breakable`]) and the acceptance of a request at its edge (when a client
/// can send one). Empty: nothing a client can send shows it.
pub fn request_needs(
    parameter: &Parameter,
    keyword: &str,
    breakable: &[(String, String)],
) -> Vec<Evidence> {
    let mut needs = Vec::new();
    if breakable
        .iter()
        .any(|(name, k)| *name == parameter.name && k == keyword)
    {
        needs.push(Evidence::Refused);
    }
    let value_parameter = matches!(
        parameter.location,
        ParamLocation::Query | ParamLocation::Body
    );
    let accepted = match keyword {
        // The edge: a value at the bound. The run's own partner id and token are what they
        // are; only parameters a generator fills can be sent at an edge.
        "minimum" | "maximum" => value_parameter,
        // A length bound of a parameter with a documented set is reached only if one of its
        // values has that length; otherwise the set is the rule that binds.
        "maxLength" | "minLength" => {
            value_parameter
                && parameter.enum_values().is_none_or(|values| {
                    let bound = parameter.limit(keyword);
                    values
                        .iter()
                        .any(|v| Some(v.chars().count() as i64) == bound)
                })
        }
        "type" | "enum" | "pattern" | "format" | "required" => true,
        other => match other.strip_prefix("x-presence.") {
            Some(form) => form_is_accepted(parameter, form),
            None => false,
        },
    };
    if accepted {
        needs.push(Evidence::Accepted);
    }
    needs
}

/// Whether a valid request may use a wire form: one the documentation does not refuse, and,
/// where the form is taken as a value, one whose value is valid.
fn form_is_accepted(parameter: &Parameter, form: &str) -> bool {
    use crate::spec::PresenceOutcome;
    let Some(presence) = parameter.presence.as_ref() else {
        return false;
    };
    let Some(form) = WireForm::NON_VALUES.into_iter().find(|f| f.name() == form) else {
        return false;
    };
    match presence.outcome(form) {
        PresenceOutcome::Reject => false,
        PresenceOutcome::Value => parameter
            .validator()
            .is_some_and(|v| v.is_valid(&parameter.typed(form.raw().unwrap_or_default()))),
        _ => true,
    }
}

/// Whether a finding is about a requirement: the same id, or a statement of it (a stateful
/// check's findings name their statement under the check's semantic).
pub fn is_about(finding: &Finding, requirement: &RuleId) -> bool {
    let rule = finding.rule.as_str();
    let id = requirement.as_str();
    rule == id
        || rule
            .strip_prefix(id)
            .is_some_and(|rest| rest.starts_with('.'))
}

/// The evidence one exchange gives, after the per-response checks gave `findings` about it:
/// the request's own rule refused or accepted as documented, the response fields it carried,
/// the catalogue entry it answered with and its Content-Type. Only what an enabled check
/// judged counts.
pub fn exchange_evidence(
    spec: &Spec,
    exchange: &crate::client::Exchange,
    expectation: &Expectation,
    rule: &RuleId,
    findings: &[Finding],
    selection: &CheckSelection,
) -> Vec<(RuleId, Evidence)> {
    let mut out = Vec::new();
    let op = spec.operation(exchange.request.operation);
    let status = exchange.status;
    let body = &exchange.body;
    let judged_status = selection.is_enabled("status_code_conformance");
    let status_held = judged_status
        && !findings
            .iter()
            .any(|f| f.check == "status_code_conformance" || f.check == "error_code_conformance");
    let entry = crate::checks::observed_entry(op, status, body);
    if status_held {
        match expectation {
            // The request broke its rule and got the documented refusal.
            Expectation::Role { role, .. }
                if *role == ErrorRole::InvalidParameter
                    && entry.is_some_and(|e| e.role == *role) =>
            {
                out.push((rule.clone(), Evidence::Refused));
            }
            Expectation::Success if status == op.meta.success_status => {
                accepted_evidence(op, &exchange.request, &mut out);
            }
            // A lookup of an id the target may not hold: any documented answer but the
            // invalid-parameter one says the request itself was accepted as valid.
            Expectation::NotInvalid
                if entry.is_some_and(|e| e.role != ErrorRole::InvalidParameter) =>
            {
                accepted_evidence(op, &exchange.request, &mut out);
            }
            _ => {}
        }
        if let Some(entry) = entry {
            let expected_role = match expectation {
                Expectation::Role { role, .. } => Some(*role),
                Expectation::Success | Expectation::NotInvalid => Some(ErrorRole::Success),
                Expectation::Documented => None,
            };
            let called_for = expected_role == Some(entry.role)
                || (matches!(
                    expectation,
                    Expectation::NotInvalid | Expectation::Documented
                ) && entry.role != ErrorRole::InvalidParameter);
            if called_for {
                out.push((RuleId::entry(op.id, entry), Evidence::Answered));
            }
        }
    }
    if selection.is_enabled("content_type_conformance")
        && status == op.meta.success_status
        && !findings
            .iter()
            .any(|f| f.check == "content_type_conformance")
    {
        out.push((RuleId::response(op.id, "content_type"), Evidence::Answered));
    }
    if selection.is_enabled("response_schema_conformance") {
        if let Some(response) = spec.response_for(op, status, body) {
            // An answer whose violations filled every slot was judged only up to the cut: none
            // of its fields counts as verified (the check's findings are few when it was not).
            let schema_findings = findings
                .iter()
                .filter(|f| f.check == "response_schema_conformance")
                .count();
            let cut = schema_findings >= crate::spec::MAX_UNEXPECTED_PER_OBJECT
                && crate::spec::ResponseSchema::was_cut(response.validate(body).len());
            let fields = spec.response_fields(op.id, response.status);
            if !cut {
                let mut seen = vec![0u8; fields.paths.len()];
                if let Some(root) = fields.root() {
                    walk_fields(body, fields, root, &mut seen, 0);
                }
                for (&i, &path) in fields.requirements.iter().zip(&fields.path_of) {
                    let requirement = &spec.requirements()[i];
                    if let Subject::Response { keyword, .. } = &requirement.subject {
                        // A keyword about strings or numbers holds vacuously on other values:
                        // only a value it applies to shows it.
                        let kinds = seen[path];
                        let applies = kinds != 0
                            && match keyword.as_str() {
                                "maxLength" | "minLength" | "pattern" | "format" => {
                                    kinds & STRING != 0
                                }
                                "minimum" | "maximum" | "multipleOf" => kinds & NUMBER != 0,
                                _ => true,
                            };
                        if applies {
                            out.push((requirement.id.clone(), Evidence::Seen));
                        }
                    }
                }
            }
        }
    }
    out
}

/// The request rules a request shows when the target accepts it (its parameters at an edge,
/// in a wire form, or at all): what the coverage plan predicts of a valid case before sending
/// it, from the same code that counts the evidence once it is answered.
pub fn accepted_rules(op: &Operation, request: &crate::client::PreparedRequest) -> Vec<RuleId> {
    let mut out = Vec::new();
    accepted_evidence(op, request, &mut out);
    out.into_iter().map(|(rule, _)| rule).collect()
}

/// Evidence that a request the target accepted carried each of its parameters at an edge, in
/// a wire form, or at all.
fn accepted_evidence(
    op: &Operation,
    request: &crate::client::PreparedRequest,
    out: &mut Vec<(RuleId, Evidence)>,
) {
    for parameter in &op.parameters {
        let raw: Option<&str> = match parameter.location {
            ParamLocation::Query | ParamLocation::Body => request.param(&parameter.name),
            ParamLocation::Path => request
                .path_params
                .iter()
                .find(|(n, _)| *n == parameter.name)
                .map(|(_, v)| v.as_str()),
            // Headers the client sets itself (the token, Content-Type) are always sent.
            ParamLocation::Header => Some(""),
        };
        let form = WireForm::classify(raw);
        if parameter.presence.is_some() {
            if let WireForm::Value(_) = form {
            } else {
                out.push((
                    parameter.rule(op.id, form.presence_keyword()),
                    Evidence::Accepted,
                ));
                continue;
            }
        }
        let Some(raw) = raw else { continue };
        let accepting = parameter.accepting();
        if parameter.required {
            if let Some(rule) = &accepting.required {
                out.push((rule.clone(), Evidence::Accepted));
            }
        }
        out.extend(
            accepting
                .kinds
                .iter()
                .map(|rule| (rule.clone(), Evidence::Accepted)),
        );
        let at = |bound: &Option<(i64, RuleId)>, value: Option<i64>| match (bound, value) {
            (Some((edge, rule)), Some(value)) if *edge == value => Some(rule.clone()),
            _ => None,
        };
        let number = parameter.integer(raw);
        let length = (accepting.max_length.is_some() || accepting.min_length.is_some())
            .then(|| raw.chars().count() as i64);
        for rule in [
            at(&accepting.minimum, number),
            at(&accepting.maximum, number),
            at(&accepting.max_length, length),
            at(&accepting.min_length, length),
        ]
        .into_iter()
        .flatten()
        {
            out.push((rule, Evidence::Accepted));
        }
    }
}

/// The kinds of value (`STRING`, `NUMBER`, `OTHER`) each named field path of a body holds, when
/// not null, into `seen` (by index in `fields.paths`; `body` for the body itself), as the
/// catalogue names response fields. Only members that are named fields or lead to one are
/// followed (and at most [`MAX_ELEMENTS_WALKED`] elements of an array), so a hostile body of long
/// or many undocumented keys costs nothing here.
fn walk_fields(
    value: &Value,
    fields: &ResponseFields,
    at: FieldCursor,
    seen: &mut [u8],
    depth: usize,
) {
    if value.is_null() || depth > MAX_DEPTH {
        return;
    }
    if let Some(path) = fields.path_at(at) {
        seen[path] |= match value {
            Value::String(_) => STRING,
            Value::Number(_) => NUMBER,
            _ => OTHER,
        };
    }
    match value {
        Value::Object(map) => {
            // A key with a dot is no segment of a path: the tree has no such child.
            for (key, child) in map {
                if let Some(next) = fields.child(at, key) {
                    walk_fields(child, fields, next, seen, depth + 1);
                }
            }
        }
        Value::Array(items) => {
            for item in items.iter().take(MAX_ELEMENTS_WALKED) {
                walk_fields(item, fields, at, seen, depth + 1);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stateful_check_that_applies_is_a_semantic_of_the_catalogue() {
        let spec = Spec::embedded().unwrap();
        let list = catalogue(&spec);
        let ids: Vec<&str> = list.iter().map(|r| r.id.as_str()).collect();
        assert!(ids.contains(&"customers_v1.semantic.pagination"), "{ids:?}");
        assert!(ids.contains(&"budget_v1.semantic.budget_by_association_type"));
        assert!(!ids.contains(&"budget_v1.semantic.pagination"));
        for requirement in &list {
            assert!(
                !verifiers(requirement).is_empty(),
                "{} has no check verifying it",
                requirement.id
            );
        }
    }

    /// The paths `walk_fields` saw in `body` among `known`, with their kinds.
    fn walked(known: &[&str], body: &Value) -> Vec<(String, u8)> {
        let fields = ResponseFields::new(
            known
                .iter()
                .enumerate()
                .map(|(i, path)| (i, path.to_string()))
                .collect(),
        );
        let mut seen = vec![0u8; fields.paths.len()];
        walk_fields(body, &fields, fields.root().unwrap(), &mut seen, 0);
        fields
            .paths
            .iter()
            .zip(seen)
            .filter(|(_, kinds)| *kinds != 0)
            .map(|(path, kinds)| (path.clone(), kinds))
            .collect()
    }

    #[test]
    fn the_walk_of_a_body_follows_only_documented_fields() {
        let known = [
            "body",
            "count",
            "customer_info_list",
            "customer_info_list.corp_name",
        ];
        // Long, deep and wide undocumented keys cost nothing; a dotted key is no path.
        let long = "k".repeat(100_000);
        let mut deep = serde_json::json!({"leaf": 1});
        for _ in 0..14 {
            deep = serde_json::json!({ long.clone(): deep });
        }
        let body = serde_json::json!({
            "count": 3,
            "undocumented": deep,
            "customer_info_list.corp_name": "spoof",
            "customer_info_list": [{"corp_name": null}, {"corp_name": "x", "extra": {"a": 1}}],
            // Prefixes of a documented path that are not a parent of it.
            "customer_info_lis": {"corp_name": "no"},
            "customer_info_list-": {"corp_name": "no"}
        });
        let seen = walked(&known, &body);
        assert_eq!(
            seen,
            [
                ("body".to_string(), OTHER),
                ("count".to_string(), NUMBER),
                ("customer_info_list".to_string(), OTHER),
                ("customer_info_list.corp_name".to_string(), STRING)
            ]
        );
        let nulls = serde_json::json!({"customer_info_list": [{"corp_name": null}]});
        let seen = walked(&known, &nulls);
        assert!(
            !seen
                .iter()
                .any(|(p, _)| p == "customer_info_list.corp_name"),
            "{seen:?}"
        );
        // Past MAX_DEPTH nothing is followed, however the path is named.
        let mut nested = serde_json::json!("leaf");
        for _ in 0..MAX_DEPTH + 2 {
            nested = serde_json::json!({ "a": nested });
        }
        let deepest = vec!["a"; MAX_DEPTH + 2].join(".");
        let seen = walked(&["body", &deepest], &nested);
        assert_eq!(seen, [("body".to_string(), OTHER)]);
    }
}
