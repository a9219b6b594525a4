//! PC019 `budget_by_association_type`: ids found by the list operation feed the lookup operation
//! (budgets). Customers of an eligible association type get a budget; the others get the
//! documented association-type error; none is "not yours".

use super::{CheckInfo, DocSource, Runner, Verifies};

use super::status_code_conformance::observed_entry;
use super::support::context::{doc_label, StatefulContext};
use super::support::lookup;
use crate::client::PreparedRequest;
use crate::outcome::Category;
use crate::outcome::Expectation;
use crate::spec::{ErrorRole, OperationId};
use serde_json::Value;
use std::collections::BTreeMap;

const NAME: &str = "budget_by_association_type";

/// How many customers of each association type are tried.
const PER_TYPE: usize = 3;

/// Runs the check on `op` (an operation with an `x-lookup` parameter).
pub async fn budget_by_association_type(ctx: &StatefulContext<'_>, op: OperationId) {
    let spec = ctx.spec();
    let operation = spec.operation(op);
    let Some(param) = operation.value_parameters().find(|p| p.lookup.is_some()) else {
        return;
    };
    let Some(lookup) = &param.lookup else { return };
    let Ok(source) = lookup.source.parse::<OperationId>() else {
        return;
    };
    let Ok(walk) = ctx.walk(source).await else {
        return;
    };
    let doc = param.doc.as_ref().map(doc_label);
    // Group ids by the value of each field that decides eligibility.
    let mut groups: BTreeMap<Vec<String>, Vec<String>> = BTreeMap::new();
    for record in walk.records() {
        let Some(id) = record.get(&lookup.field).and_then(Value::as_str) else {
            continue;
        };
        let signature: Vec<String> = lookup
            .eligible
            .keys()
            .map(|field| {
                record
                    .get(field)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            })
            .collect();
        let group = groups.entry(signature).or_default();
        if group.len() < PER_TYPE {
            group.push(id.to_string());
        }
    }
    let eligibility = |signature: &Vec<String>| {
        lookup
            .eligible
            .values()
            .zip(signature)
            .all(|(allowed, value)| allowed.contains(value))
    };
    // Each kind is tried on a customer the target lists, or said to be missing.
    let kinds: Vec<bool> = groups.keys().map(eligibility).collect();
    let missing: Vec<_> = [true, false]
        .into_iter()
        .filter(|kind| !kinds.contains(kind))
        .map(|kind| lookup::none_of_kind(&walk, lookup, kind))
        .collect();
    if groups.is_empty() {
        if let Some(first) = missing.into_iter().next() {
            ctx.recorder.skip(first);
        }
        return;
    }
    for gap in missing {
        ctx.recorder.not_exercised(gap);
    }
    for (signature, ids) in groups {
        let eligible = eligibility(&signature);
        let expectation = if eligible {
            Expectation::Success
        } else {
            Expectation::role(ErrorRole::AssociationTypeNotAllowed)
        };
        for id in ids {
            let request = PreparedRequest::new(operation, ctx.client.target()).with_param(
                operation,
                &param.name,
                &id,
            );
            let Some(answer) = ctx.send(&request, &expectation).await else {
                continue;
            };
            if observed_entry(operation, answer.status, &answer.body)
                .is_some_and(|e| e.role == ErrorRole::CustomerNotOwned)
            {
                ctx.report(
                    NAME,
                    Category::Consistency,
                    param.label(),
                    format!("a customer listed by {source} to be the partner's"),
                    format!(
                        "{} {}",
                        answer.status,
                        answer
                            .body
                            .get("error_code")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                    ),
                    &request,
                    doc.clone(),
                );
            }
        }
    }
}

/// The catalogue entry of this check (listed in [`super::CHECKS`]).
pub static CHECK: CheckInfo = CheckInfo {
    code: "PC019",
    name: "budget_by_association_type",
    categories: &[Category::StatusCode, Category::ErrorCode, Category::Consistency],
    summary: "Customer ids found by the list operation feed the budget operation: customers of an association type with budgets get one, the others get the documented association-type error.",
    reproduce: "Run the curl line with a customer_id taken from Query Customers.",
    rests_on: DocSource::Lookup,
    verifies: &[Verifies::Semantic],
    runner: Runner::Stateful {
        applies: super::has_lookup,
        walks: super::lookup_walk,
        run: |ctx, op| Box::pin(budget_by_association_type(ctx, op)),
    },
};
