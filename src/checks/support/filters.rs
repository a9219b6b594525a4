//! What the three filter checks share: a filtered walk judged against the full one, for
//! soundness (only matching records) and completeness (every matching record), and values
//! sampled from the target's own data, so the checks work against any data set.

use super::context::StatefulContext;
use super::walk::Walk;
use super::walker::walk;
use crate::outcome::{Category, NotExercised, Reason};
use crate::spec::{MatchKind, OperationId, Parameter};
use serde_json::Value;
use std::collections::{HashMap, HashSet};

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
    /// The value of `field` by record key, when the records do not carry the field and another
    /// operation shows it for the same records (the other generation's association time);
    /// records it does not name are not judged.
    pub(crate) by_key: Option<&'a HashMap<String, String>>,
}

impl Judgement<'_> {
    /// The value a record is judged by: its own field, or the one [`Self::by_key`] gives it
    /// (`None` then when it names no such record).
    fn value_of<'r>(&'r self, walk: &Walk, record: &'r Value) -> Option<&'r str> {
        match self.by_key {
            Some(values) => walk
                .key_of(record)
                .and_then(|k| values.get(k))
                .map(String::as_str),
            None => Some(record.get(self.field).and_then(Value::as_str).unwrap_or("")),
        }
    }
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
            let Some(value) = judgement.value_of(&filtered, record) else {
                index += 1;
                continue;
            };
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
        ctx.recorder.not_exercised(NotExercised::new(
            Reason::BudgetCut,
            format!(
                "completeness of {} (every matching record returned): a walk stopped at --max-pages {}",
                judgement.check,
                ctx.walks.max_pages()
            ),
        ));
        return;
    }
    if let Some(gap) = unkeyed(full) {
        ctx.recorder.not_exercised(gap);
        return;
    }
    let missing: Vec<&str> = full
        .records()
        .filter(|r| {
            judgement
                .value_of(full, r)
                .is_some_and(|v| (judgement.required)(v))
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

/// Why records of a walk cannot be told apart, when none carries its key: which records a
/// filter left out cannot be judged (the finding about the missing key is reported on its own).
pub(crate) fn unkeyed(full: &Walk) -> Option<NotExercised> {
    let listed = full.records().count();
    (listed > 0 && full.records().all(|r| full.key_of(r).is_none())).then(|| {
        NotExercised::new(
            Reason::BrokenByFinding,
            format!(
                "none of the {listed} records {} lists carries its key {}, so which records an answer left out cannot be told",
                full.op, full.key
            ),
        )
    })
}

/// Skips the trial when the walk holds no record: nothing can be filtered, paged or compared.
/// Returns whether it did.
pub(crate) fn skip_if_empty(ctx: &StatefulContext<'_>, full: &Walk) -> bool {
    let empty = full.records().next().is_none();
    if empty {
        ctx.recorder.skip(NotExercised::new(
            Reason::NoData,
            format!("the target lists 0 customers ({})", full.op),
        ));
    }
    empty
}

/// Notes a filter no record gives a value to try: the target's data has none in its field.
pub(crate) fn no_values(ctx: &StatefulContext<'_>, full: &Walk, param: &Parameter, field: &str) {
    ctx.recorder.not_exercised(NotExercised::new(
        Reason::NoData,
        format!(
            "{}: none of the {} {} lists has a value in {field} to filter by",
            param.name,
            super::lookup::customers(full.records().count()),
            full.op
        ),
    ));
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
