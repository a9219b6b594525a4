//! PC016 `not_found_empty_list`: a query that matches no customer gets 200, count 0 and an empty
//! list (the Chinese page; `--not-found-body any` also accepts the English "nothing is returned").

use super::{CheckInfo, DocSource, Runner, Verifies};

use super::support::context::{doc_label, StatefulContext};
use super::support::policy::NotFoundPolicy;
use crate::client::PreparedRequest;
use crate::outcome::Category;
use crate::outcome::Expectation;
use crate::spec::{MatchKind, OperationId};
use serde_json::Value;

const NAME: &str = "not_found_empty_list";

/// A value no record of the walk contains (so the query must match nothing).
fn absent_value(taken: &[&str]) -> String {
    (0u32..)
        .map(|i| format!("pcnomatch{i}q"))
        .find(|candidate| !taken.iter().any(|t| t.contains(candidate.as_str())))
        .unwrap_or_else(|| "pcnomatchq".into())
}

/// Runs the check on `op`.
pub async fn not_found_empty_list(ctx: &StatefulContext<'_>, op: OperationId) {
    let spec = ctx.spec();
    let operation = spec.operation(op);
    let Some(param) = operation.value_parameters().find(|p| {
        p.filter
            .as_ref()
            .is_some_and(|f| f.kind == MatchKind::Substring)
    }) else {
        return;
    };
    let Some(filter) = &param.filter else { return };
    let walk = ctx.walk(op).await.ok();
    let taken: Vec<&str> = walk
        .as_deref()
        .map(|w| {
            w.records()
                .filter_map(|r| r.get(&filter.field).and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default();
    let value = absent_value(&taken);
    let request = PreparedRequest::new(operation, ctx.client.target()).with_param(
        operation,
        &param.name,
        &value,
    );
    let Some(answer) = ctx.send(&request, &Expectation::Success).await else {
        return;
    };
    if answer.status != operation.meta.success_status {
        return; // status_code_conformance reports it.
    }
    let doc = Some(doc_label(&operation.meta.doc));
    let report = |category, location: String, expected: &str, observed: String| {
        ctx.report(
            NAME,
            category,
            location,
            expected,
            observed,
            &request,
            doc.clone(),
        );
    };
    if let Some(list) = operation.list_field() {
        match answer.body.get(list) {
            None | Some(Value::Null) if ctx.policies.not_found == NotFoundPolicy::EmptyList => {
                // "Nothing is returned" (EN) or an empty list (ZH): the schema names the position.
                let location = format!("body.{list}");
                let position = operation
                    .response(answer.status)
                    .and_then(|r| r.position_of(&location, "x-list-of-records"));
                ctx.resting_on(position).report(
                    NAME,
                    Category::MissingField,
                    location,
                    "an empty list when nothing matches",
                    "no list",
                    &request,
                    doc.clone(),
                )
            }
            Some(Value::Array(records)) if !records.is_empty() => report(
                Category::FilterSemantics,
                format!("body.{list}"),
                "no records: the value matches no customer",
                format!("{} records", records.len()),
            ),
            _ => {}
        }
    }
    if let Some(count) = operation.count_field() {
        match answer.body.get(count).and_then(Value::as_u64) {
            Some(0) | None => {}
            Some(n) => report(
                Category::FilterSemantics,
                format!("body.{count}"),
                "0",
                n.to_string(),
            ),
        }
    }
}

/// The catalogue entry of this check (listed in [`super::CHECKS`]).
pub static CHECK: CheckInfo = CheckInfo {
    code: "PC016",
    name: "not_found_empty_list",
    categories: &[Category::StatusCode, Category::MissingField, Category::FilterSemantics],
    summary: "A query that matches no customer gets 200 with count 0 and an empty list (--not-found-body any also accepts an absent list).",
    reproduce: "Run the curl line: it filters on a name no customer has.",
    rests_on: DocSource::Operation,
    verifies: &[Verifies::Semantic],
    runner: Runner::Stateful {
        applies: super::is_list,
        walks: super::no_walk,
        run: |ctx, op| Box::pin(not_found_empty_list(ctx, op)),
    },
};

#[cfg(test)]
mod tests {
    use super::absent_value;

    #[test]
    fn finds_a_value_nobody_has() {
        assert_eq!(absent_value(&["x"]), "pcnomatch0q");
        assert_eq!(absent_value(&["pcnomatch0q-taken"]), "pcnomatch1q");
    }
}
