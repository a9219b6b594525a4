//! PC014 `time_range_filter`: a time-range filter returns exactly the records of the full walk
//! inside the range, for a range taken from the target's own data.

use super::{CheckInfo, DocSource, Runner};
use crate::outcome::Category;

use super::support::context::{doc_label, StatefulContext};
use super::support::filters::{filters, judge, Judgement};
use crate::spec::{parse_time, MatchKind, OperationId};
use serde_json::Value;

/// PC014: a time range over the middle half of the walk's times, and a one-instant range.
pub async fn time_range_filter(ctx: &StatefulContext<'_>, op: OperationId) {
    let Ok(full) = ctx.walk(op).await else { return };
    let params = filters(ctx, op, &[MatchKind::AtOrAfter, MatchKind::AtOrBefore]);
    let start = params.iter().find(|p| {
        p.filter
            .as_ref()
            .is_some_and(|f| f.kind == MatchKind::AtOrAfter)
    });
    let end = params.iter().find(|p| {
        p.filter
            .as_ref()
            .is_some_and(|f| f.kind == MatchKind::AtOrBefore)
    });
    let (Some(start), Some(end)) = (start, end) else {
        return;
    };
    let Some(filter) = &start.filter else { return };
    // Inclusive bounds (A7) and which time the range filters (A26) may be positions.
    let position = start
        .position_of("x-filter.match")
        .or_else(|| start.position_of("x-filter.field"));
    let ctx = &ctx.resting_on(position);
    let mut times: Vec<&str> = full
        .records()
        .filter_map(|r| r.get(&filter.field).and_then(Value::as_str))
        .filter(|t| parse_time(t).is_some())
        .collect();
    times.sort_unstable();
    if times.is_empty() {
        return;
    }
    let n = times.len();
    let ranges = [
        (times[n / 4], times[(3 * n) / 4]),
        (times[n / 2], times[n / 2]),
    ];
    for (lo, hi) in ranges {
        let (lo_a, hi_a, lo_b, hi_b) = (
            lo.to_string(),
            hi.to_string(),
            lo.to_string(),
            hi.to_string(),
        );
        judge(
            ctx,
            &full,
            Judgement {
                check: "time_range_filter",
                query: vec![
                    (start.name.clone(), lo.to_string()),
                    (end.name.clone(), hi.to_string()),
                ],
                field: &filter.field,
                expected: format!("{} within [{lo}, {hi}] (bounds inclusive)", filter.field),
                sound: Box::new(move |have| {
                    MatchKind::AtOrAfter.matches(have, &lo_a)
                        && MatchKind::AtOrBefore.matches(have, &hi_a)
                }),
                required: Box::new(move |have| {
                    MatchKind::AtOrAfter.matches(have, &lo_b)
                        && MatchKind::AtOrBefore.matches(have, &hi_b)
                }),
                doc: start.doc.as_ref().map(doc_label),
            },
        )
        .await;
    }
}

/// The catalogue entry of this check (listed in [`super::CHECKS`]).
pub static CHECK: CheckInfo = CheckInfo {
    code: "PC014",
    name: "time_range_filter",
    categories: &[Category::FilterSemantics],
    summary: "Every record returned under a time range lies within it (bounds inclusive), and every record of the walk within it is returned.",
    reproduce: "Run the curl line and compare each record's time with the bounds.",
    rests_on: DocSource::Filters(&[crate::spec::MatchKind::AtOrAfter, crate::spec::MatchKind::AtOrBefore]),
    runner: Runner::Stateful {
        applies: super::is_list,
        walks: super::own_walk,
        run: |ctx, op| Box::pin(time_range_filter(ctx, op)),
    },
};
