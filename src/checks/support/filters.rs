//! What the three filter checks share: a filtered walk judged against the full one, for
//! soundness (only matching records) and completeness (every matching record), and values
//! sampled from the target's own data, so the checks work against any data set.

use super::context::StatefulContext;
use super::walk::Walk;
use super::walker::walk;
use crate::outcome::Category;
use crate::spec::{MatchKind, OperationId, Parameter};
use serde_json::Value;
use std::collections::HashSet;

/// How records are judged under one filtered query.
pub(crate) struct Judgement<'a> {
    pub(crate) check: &'static str,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) field: &'a str,
    pub(crate) expected: String,
    /// A returned record is acceptable.
    pub(crate) sound: Box<dyn Fn(&str) -> bool + Send + Sync + 'a>,
    /// A record of the full walk must be returned.
    pub(crate) required: Box<dyn Fn(&str) -> bool + Send + Sync + 'a>,
    pub(crate) doc: Option<String>,
}

/// Walks the filtered result and reports unsound and missing records.
pub(crate) async fn judge(ctx: &StatefulContext<'_>, full: &Walk, judgement: Judgement<'_>) {
    let Ok(filtered) = walk(
        ctx,
        full.op,
        full.page_size,
        &judgement.query,
        ctx.walks.max_pages(),
    )
    .await
    else {
        return;
    };
    let list = ctx
        .spec()
        .operation(full.op)
        .list_field()
        .unwrap_or("records")
        .to_string();
    let mut returned = HashSet::new();
    let mut index = 0;
    for page in &filtered.pages {
        for record in &page.records {
            if let Some(key) = filtered.key_of(record) {
                returned.insert(key.to_string());
            }
            let value = record
                .get(judgement.field)
                .and_then(Value::as_str)
                .unwrap_or("");
            if !(judgement.sound)(value) {
                ctx.report(
                    judgement.check,
                    Category::FilterSemantics,
                    format!("body.{list}[{index}].{}", judgement.field),
                    judgement.expected.clone(),
                    format!("{value:?}"),
                    &page.request,
                    judgement.doc.clone(),
                );
            }
            index += 1;
        }
    }
    if !(full.complete && filtered.complete) {
        return;
    }
    let missing: Vec<&str> = full
        .records()
        .filter(|r| {
            (judgement.required)(r.get(judgement.field).and_then(Value::as_str).unwrap_or(""))
        })
        .filter_map(|r| full.key_of(r))
        .filter(|key| !returned.contains(*key))
        .collect();
    if let (Some(first), Some(page)) = (missing.first(), filtered.pages.first()) {
        ctx.report(
            judgement.check,
            Category::FilterSemantics,
            format!("body.{list}"),
            format!(
                "every record with {} ({} in the full list)",
                judgement.expected,
                missing.len() + returned.len()
            ),
            format!(
                "{} matching records not returned, e.g. `{first}`",
                missing.len()
            ),
            &page.request,
            judgement.doc.clone(),
        );
    }
}

/// The value parameters of `op` whose filter is of one of `kinds`.
pub(crate) fn filters(
    ctx: &StatefulContext<'_>,
    op: OperationId,
    kinds: &[MatchKind],
) -> Vec<Parameter> {
    ctx.spec()
        .operation(op)
        .value_parameters()
        .filter(|p| p.filter.as_ref().is_some_and(|f| kinds.contains(&f.kind)))
        .cloned()
        .collect()
}

/// Up to three records spread over the walk that have a non-empty value in `field`.
pub(crate) fn samples<'w>(full: &'w Walk, field: &str) -> Vec<&'w str> {
    let values: Vec<&str> = full
        .records()
        .filter_map(|r| r.get(field).and_then(Value::as_str))
        .filter(|v| !v.is_empty())
        .collect();
    let mut out: Vec<&str> = [0, values.len() / 2, values.len().saturating_sub(1)]
        .iter()
        .filter_map(|i| values.get(*i).copied())
        .collect();
    out.dedup();
    out
}
