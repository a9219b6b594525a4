//! The budgets comparison: the same customer's budget in both generations (equal amounts as
//! decimals from the text the server sent, unit and currency), and the same refusal for
//! customers whose association type has no budget.

use super::helpers::{field_doc, same_value, shown};
use super::pair::Pair;
use super::table::Part;
use crate::checks::{decimal, doc_label, observed_entry, Expectation};
use crate::client::{Exchange, PreparedRequest};
use crate::outcome::{Agreement, DifferenceExample, NotExercised, Reason};
use crate::spec::{ErrorRole, Lookup, Operation, OperationId};
use serde_json::value::RawValue;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Budget-eligible customers whose budgets are compared.
const BUDGETS: usize = 20;
/// Ineligible customers whose refusals are compared.
const REFUSALS: usize = 3;

/// The ids of the customers whose budgets are compared (the first [`BUDGETS`] the lookup
/// allows) and of those whose refusals are (the first [`REFUSALS`] it does not).
fn by_eligibility<'r>(
    records: impl Iterator<Item = &'r Value>,
    lookup: &Lookup,
) -> (Vec<String>, Vec<String>) {
    let (mut eligible, mut ineligible) = (Vec::new(), Vec::new());
    for record in records {
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
    (eligible, ineligible)
}

/// Whether two amounts, as the JSON text each server sent, are the same decimal (`1.5` and
/// `"1.50"` are; text that is no decimal must be equal); both absent agree.
fn same_amount_text(old: Option<&RawValue>, new: Option<&RawValue>) -> bool {
    match (old, new) {
        (Some(x), Some(y)) => {
            decimal::same_amount(x.get(), y.get()).unwrap_or_else(|| x.get() == y.get())
        }
        (None, None) => true,
        _ => false,
    }
}

/// Whether two answers to an ineligible customer are the same documented refusal. Two
/// budgets are not "refused alike", nor are two answers of no documented role.
fn refused_alike(old: Option<ErrorRole>, new: Option<ErrorRole>) -> bool {
    old.is_some_and(|r| r != ErrorRole::Success) && old == new
}

/// The documented code of an answer (`-` when it is none of the catalogue's).
fn code_of(op: &Operation, answer: &Exchange) -> String {
    observed_entry(op, answer.status, &answer.body)
        .and_then(|e| e.error_code.clone())
        .unwrap_or_else(|| "-".into())
}

/// The same customer's budget in both generations: equal amounts (as decimals, from the
/// text the server sent), unit and currency; and the same refusal for customers whose
/// association type has no budget.
pub(super) async fn compare(pair: &Pair<'_, '_>) -> Option<NotExercised> {
    let moot = |detail: String| Some(NotExercised::new(Reason::NotApplicable, detail));
    let (Some(new_param), Some(old_param)) = (
        pair.new.value_parameters().find(|p| p.lookup.is_some()),
        pair.old.value_parameters().find(|p| p.lookup.is_some()),
    ) else {
        return moot("no customer lookup parameter".into());
    };
    let Some(lookup) = new_param.lookup.as_ref() else {
        return moot("no customer lookup parameter".into());
    };
    let Ok(source) = lookup.source.parse::<OperationId>() else {
        return moot(format!(
            "x-lookup.source `{}` is no operation",
            lookup.source
        ));
    };
    let walk = match pair.ctx.walk(source).await {
        Ok(walk) => walk,
        Err(e) => return Some(e.not_exercised(source)),
    };
    let (eligible, ineligible) = by_eligibility(walk.records(), lookup);
    if eligible.is_empty() && ineligible.is_empty() {
        return Some(crate::checks::support::lookup::none_of_kind(
            &walk, lookup, true,
        ));
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
    let mut examples: BTreeMap<&str, DifferenceExample> = BTreeMap::new();
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
                same_amount_text(
                    old_text.get(&replaces.field).map(Box::as_ref),
                    new_text.get(name).map(Box::as_ref),
                )
            } else {
                same_value(x, y)
            };
            if agree {
                *equal.entry(name.as_str()).or_default() += 1;
                continue;
            }
            // The first difference, as the server wrote each value (an amount's own text).
            examples.entry(name.as_str()).or_insert_with(|| {
                let text = |raw: Option<&Box<RawValue>>, value| {
                    raw.map_or_else(|| shown(value), |t| t.get().to_string())
                };
                DifferenceExample {
                    old: text(old_text.get(&replaces.field), x),
                    new: text(new_text.get(name), y),
                }
            });
            if replaces.change == crate::spec::Change::ChangedMeaning {
                // Documented to differ (the used amount "may have certain deviation and
                // latency"): the table counts it, no finding.
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
        let same = equal.get(name.as_str()).copied().unwrap_or(0);
        let how = if is_decimal(name) { " as decimals" } else { "" };
        let field = &replaces.field;
        let showed = if same == compared {
            format!("equal to {field}{how} for all {compared} customers")
        } else if replaces.change == crate::spec::Change::ChangedMeaning {
            format!(
                "differs from {field}{how} for {} of {compared} customers (the documented meaning changed: not a finding)",
                compared - same
            )
        } else {
            format!(
                "differs from {field}{how} for {} of {compared} customers",
                compared - same
            )
        };
        pair.observe_agreement(
            name.clone(),
            showed,
            Agreement {
                compared: compared as u64,
                differing: (compared - same) as u64,
                example: examples.remove(name.as_str()),
            },
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
        if refused_alike(x, y) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_string()).unwrap()
    }

    #[test]
    fn customers_split_by_the_lookup_eligibility_up_to_the_caps() {
        let lookup = Lookup {
            field: "customer_id".into(),
            source: "customers_v2".into(),
            eligible: [("association_type".to_string(), vec!["3".to_string()])].into(),
        };
        let mut records = vec![
            json!({"customer_id": "reseller", "association_type": "3"}),
            json!({"customer_id": "referral", "association_type": "1"}),
            json!({"customer_id": "unknown"}),
            json!({"association_type": "3"}),
        ];
        let (eligible, ineligible) = by_eligibility(records.iter(), &lookup);
        assert_eq!(eligible, ["reseller"]);
        assert_eq!(
            ineligible,
            ["referral", "unknown"],
            "a record without id is skipped"
        );
        records = (0..50)
            .map(|i| {
                let association = if i % 2 == 0 { "3" } else { "1" };
                json!({"customer_id": format!("c{i}"), "association_type": association})
            })
            .collect();
        let (eligible, ineligible) = by_eligibility(records.iter(), &lookup);
        assert_eq!((eligible.len(), ineligible.len()), (BUDGETS, REFUSALS));
        assert_eq!(ineligible, ["c1", "c3", "c5"]);
    }

    #[test]
    fn amounts_agree_as_decimals_of_the_text_sent() {
        let same = |a: &str, b: &str| same_amount_text(Some(&raw(a)), Some(&raw(b)));
        assert!(same("1.5", "\"1.50\""));
        assert!(same("10", "10.00"));
        assert!(!same("1.5", "1.51"));
        assert!(
            same("\"n/a\"", "\"n/a\""),
            "text that is no decimal agrees when equal"
        );
        assert!(!same("\"n/a\"", "\"N/A\""));
        assert!(same_amount_text(None, None));
        assert!(!same_amount_text(Some(&raw("1")), None));
    }

    #[test]
    fn refusals_agree_only_on_the_same_documented_refusal() {
        let refused = Some(ErrorRole::AssociationTypeNotAllowed);
        assert!(refused_alike(refused, refused));
        assert!(!refused_alike(refused, Some(ErrorRole::CustomerNotOwned)));
        assert!(!refused_alike(
            Some(ErrorRole::Success),
            Some(ErrorRole::Success)
        ));
        assert!(!refused_alike(None, None));
    }
}
