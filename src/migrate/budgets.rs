//! The budgets comparison: the same customer's budget in both generations (equal amounts as
//! decimals from the text the server sent, unit and currency), and the same refusal for
//! customers whose association type has no budget.

use super::helpers::{field_doc, same_value, shown};
use super::pair::Pair;
use super::table::Part;
use crate::checks::{decimal, doc_label, observed_entry, Expectation};
use crate::client::{Exchange, PreparedRequest};
use crate::spec::{ErrorRole, Operation, OperationId};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Budget-eligible customers whose budgets are compared.
const BUDGETS: usize = 20;
/// Ineligible customers whose refusals are compared.
const REFUSALS: usize = 3;

/// The documented code of an answer (`-` when it is none of the catalogue's).
fn code_of(op: &Operation, answer: &Exchange) -> String {
    observed_entry(op, answer.status, &answer.body)
        .and_then(|e| e.error_code.clone())
        .unwrap_or_else(|| "-".into())
}

/// The same customer's budget in both generations: equal amounts (as decimals, from the
/// text the server sent), unit and currency; and the same refusal for customers whose
/// association type has no budget.
pub(super) async fn compare(pair: &Pair<'_, '_>) -> Option<String> {
    let (Some(new_param), Some(old_param)) = (
        pair.new.value_parameters().find(|p| p.lookup.is_some()),
        pair.old.value_parameters().find(|p| p.lookup.is_some()),
    ) else {
        return Some("no customer lookup parameter".into());
    };
    let Some(lookup) = new_param.lookup.as_ref() else {
        return Some("no customer lookup parameter".into());
    };
    let Ok(source) = lookup.source.parse::<OperationId>() else {
        return Some(format!(
            "x-lookup.source `{}` is no operation",
            lookup.source
        ));
    };
    let walk = match pair.ctx.walk(source).await {
        Ok(walk) => walk,
        Err(e) => return Some(format!("the customer walk could not be made: {e}")),
    };
    let (mut eligible, mut ineligible) = (Vec::new(), Vec::new());
    for record in walk.records() {
        let Some(id) = record.get(&lookup.field).and_then(Value::as_str) else {
            continue;
        };
        let ok = lookup.eligible.iter().all(|(field, values)| {
            record
                .get(field)
                .and_then(Value::as_str)
                .is_some_and(|v| values.iter().any(|ok| ok == v))
        });
        if ok && eligible.len() < BUDGETS {
            eligible.push(id.to_string());
        } else if !ok && ineligible.len() < REFUSALS {
            ineligible.push(id.to_string());
        }
    }
    let target = pair.ctx.client.target();
    let requests = |id: &str| {
        (
            PreparedRequest::new(pair.old, target).with_param(pair.old, &old_param.name, id),
            PreparedRequest::new(pair.new, target).with_param(pair.new, &new_param.name, id),
        )
    };
    let fields = pair.new_fields();
    let replacements = pair.new.record_replacements(pair.ctx.spec());
    let is_decimal = |name: &str| {
        fields
            .iter()
            .any(|(n, s)| n == name && s.get("x-decimal") == Some(&Value::Bool(true)))
    };
    let param_doc = new_param.doc.as_ref().map(doc_label);
    let mut equal: BTreeMap<&str, usize> = BTreeMap::new();
    let mut present: BTreeMap<&str, usize> = BTreeMap::new();
    let mut compared = 0;
    for id in &eligible {
        let (old_request, new_request) = requests(id);
        let (Some(a), Some(b)) = (
            pair.ctx.send(&old_request, &Expectation::Success).await,
            pair.ctx.send(&new_request, &Expectation::Success).await,
        ) else {
            continue;
        };
        let ok = (
            a.status == pair.old.meta.success_status,
            b.status == pair.new.meta.success_status,
        );
        match ok {
            (true, true) => {}
            (false, false) => continue, // Both refused: the status checks report it.
            (true, false) => {
                pair.differ(
                    new_param.label(),
                    (
                        format!(
                            "{}: customer {id}'s budget, as {} gives it",
                            pair.new.meta.success_status, pair.old.id
                        ),
                        format!("{} {}", b.status, code_of(pair.new, &b)),
                    ),
                    (&old_request, &new_request),
                    param_doc.clone(),
                );
                continue;
            }
            (false, true) if pair.refuses_partner(a.status) => {
                return Some(pair.partner_refused(a.status));
            }
            (false, true) => {
                pair.differ(
                    new_param.label(),
                    (
                        format!(
                            "the refusal {} gives customer {id} ({} {})",
                            pair.old.id,
                            a.status,
                            code_of(pair.old, &a)
                        ),
                        format!("{}: a budget", b.status),
                    ),
                    (&old_request, &new_request),
                    param_doc.clone(),
                );
                continue;
            }
        }
        if compared == 0 {
            pair.observe_gone_fields(&a.body, &b.body, "budget");
            pair.observe_path_parameters();
        }
        compared += 1;
        let (old_text, new_text) = (
            decimal::members(&a.raw_body).unwrap_or_default(),
            decimal::members(&b.raw_body).unwrap_or_default(),
        );
        for (name, _) in &fields {
            if b.body.get(name).is_some() {
                *present.entry(name.as_str()).or_default() += 1;
            }
        }
        for (name, replaces) in &replacements {
            let (x, y) = (a.body.get(&replaces.field), b.body.get(name));
            let agree = if is_decimal(name) {
                match (old_text.get(&replaces.field), new_text.get(name)) {
                    (Some(x), Some(y)) => {
                        decimal::same_amount(x.get(), y.get()).unwrap_or_else(|| x.get() == y.get())
                    }
                    (None, None) => true,
                    _ => false,
                }
            } else {
                same_value(x, y)
            };
            if agree {
                *equal.entry(name.as_str()).or_default() += 1;
                continue;
            }
            pair.differ(
                format!("body.{name}"),
                (
                    format!(
                        "{} (= {} of {} for customer {id})",
                        shown(x),
                        replaces.field,
                        pair.old.id
                    ),
                    shown(y),
                ),
                (&old_request, &new_request),
                field_doc(&fields, name),
            );
        }
    }
    for (name, replaces) in &replacements {
        let n = equal.get(name.as_str()).copied().unwrap_or(0);
        let how = if is_decimal(name) { " as decimals" } else { "" };
        pair.observe(
            Part::Response,
            name.clone(),
            format!(
                "equal to {}{how} for {n} of {compared} customers",
                replaces.field
            ),
        );
    }
    for (name, _) in &fields {
        if !replacements.iter().any(|(n, _)| n == name) {
            let n = present.get(name.as_str()).copied().unwrap_or(0);
            pair.observe(
                Part::Response,
                name.clone(),
                format!("present in {n} of {compared} budgets"),
            );
        }
    }
    let mut refusals_agree = 0;
    let mut refusal_codes = BTreeSet::new();
    for id in &ineligible {
        let (old_request, new_request) = requests(id);
        let refusal = Expectation::role(ErrorRole::AssociationTypeNotAllowed);
        let (Some(a), Some(b)) = (
            pair.ctx.send(&old_request, &refusal).await,
            pair.ctx.send(&new_request, &refusal).await,
        ) else {
            continue;
        };
        let role = |op: &Operation, answer: &Exchange| {
            observed_entry(op, answer.status, &answer.body).map(|e| e.role)
        };
        let (x, y) = (role(pair.old, &a), role(pair.new, &b));
        // Agreement is the same documented refusal; two budgets are not "refused alike".
        if x.is_some_and(|r| r != ErrorRole::Success) && x == y {
            refusals_agree += 1;
            let (old_code, new_code) = (code_of(pair.old, &a), code_of(pair.new, &b));
            if a.status == b.status && old_code == new_code {
                continue;
            }
            refusal_codes.insert(format!(
                "{} {} {old_code} → {} {} {new_code}",
                pair.old.id, a.status, pair.new.id, b.status
            ));
            continue;
        }
        pair.differ(
            new_param.label(),
            (
                format!(
                    "the answer {} gives customer {id}: {} {}",
                    pair.old.id,
                    a.status,
                    code_of(pair.old, &a)
                ),
                format!("{} {}", b.status, code_of(pair.new, &b)),
            ),
            (&old_request, &new_request),
            param_doc.clone(),
        );
    }
    pair.observe(
        Part::Request,
        new_param.label(),
        format!(
            "{compared} budgets of eligible customers compared; {refusals_agree} of {} ineligible customers refused alike{}",
            ineligible.len(),
            if refusal_codes.is_empty() {
                String::new()
            } else {
                format!(
                    " (the refusal changed: {})",
                    refusal_codes.into_iter().collect::<Vec<_>>().join("; ")
                )
            }
        ),
    );
    None
}
