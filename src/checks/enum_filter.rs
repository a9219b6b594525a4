//! PC013 `enum_filter`: an equality filter returns exactly the records of the full walk with
//! that value, for values the target itself holds.

use super::{CheckInfo, DocSource, Runner, Verifies};
use crate::outcome::Category;

use super::support::context::{doc_label, StatefulContext};
use super::support::filters::{filters, judge, no_values, samples, skip_if_empty, Judgement};
use crate::spec::{MatchKind, OperationId};

/// PC013: exact-match filters with every documented (supported) value.
pub async fn enum_filter(ctx: &StatefulContext<'_>, op: OperationId) {
    let Ok(full) = ctx.walk(op).await else { return };
    if skip_if_empty(ctx, &full) {
        return;
    }
    for param in filters(ctx, op, &[MatchKind::Equals]) {
        let Some(filter) = &param.filter else {
            continue;
        };
        let values = param.enum_values().unwrap_or_else(|| {
            samples(&full, &filter.field)
                .into_iter()
                .map(str::to_string)
                .collect()
        });
        if values.is_empty() {
            no_values(ctx, &full, &param, &filter.field);
        }
        for value in values {
            let (a, b) = (value.clone(), value.clone());
            judge(
                ctx,
                &full,
                Judgement {
                    check: "enum_filter",
                    query: vec![(param.name.clone(), value.clone())],
                    field: &filter.field,
                    expected: format!("{} equal to {value:?}", filter.field),
                    sound: Box::new(move |have| MatchKind::Equals.matches(have, &a)),
                    required: Box::new(move |have| MatchKind::Equals.matches(have, &b)),
                    doc: param.doc.as_ref().map(doc_label),
                    by_key: None,
                },
            )
            .await;
        }
    }
}

/// The catalogue entry of this check (listed in [`super::CHECKS`]).
pub static CHECK: CheckInfo = CheckInfo {
    code: "PC013",
    name: "enum_filter",
    categories: &[Category::FilterSemantics],
    summary: "Every record returned under an exact-match filter (cooperationType) has the value, and every record of the walk that has it is returned.",
    reproduce: "Run the curl line and compare the field of each record.",
    rests_on: DocSource::Filters(&[crate::spec::MatchKind::Equals]),
    verifies: &[Verifies::Semantic],
    runner: Runner::Stateful {
        applies: super::is_list,
        walks: super::own_walk,
        run: |ctx, op| Box::pin(enum_filter(ctx, op)),
    },
};
