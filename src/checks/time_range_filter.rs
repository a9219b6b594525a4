//! PC014 `time_range_filter`: a time-range filter returns exactly the records of the full walk
//! inside the range, for a range taken from the target's own data. A time the records do not
//! carry (the old API's association time, A26) is taken from the new generation's records of
//! the same customers when the run calls it, and is otherwise not verifiable from the old API
//! alone: the trial says so rather than judging another field.

use super::{CheckInfo, DocSource, Runner, Verifies};
use crate::outcome::{Category, NotExercised, Reason};

use super::support::context::{doc_label, StatefulContext};
use super::support::filters::{filters, judge, skip_if_empty, unkeyed, Judgement};
use super::support::lookup::customers;
use super::support::walk::Walk;
use crate::spec::{parse_time, MatchKind, OperationId};
use serde_json::Value;
use std::collections::HashMap;

/// PC014: a time range over the middle half of the walk's times, and a one-instant range.
pub async fn time_range_filter(ctx: &StatefulContext<'_>, op: OperationId) {
    let Ok(full) = ctx.walk(op).await else { return };
    let params = filters(ctx, op, &[MatchKind::AtOrAfter, MatchKind::AtOrBefore]);
    let bound = |kind: MatchKind| {
        params
            .iter()
            .find(|p| p.filter.as_ref().is_some_and(|f| f.kind == kind))
    };
    let (Some(start), Some(end)) = (bound(MatchKind::AtOrAfter), bound(MatchKind::AtOrBefore))
    else {
        return;
    };
    let Some(filter) = &start.filter else { return };
    if skip_if_empty(ctx, &full) {
        return;
    }
    // The filtered time, from the records or, when they do not carry it, from the operation
    // of the other generation that shows it for the same customers.
    let by_key = match shown_elsewhere(ctx, &full, &filter.field).await {
        Ok(by_key) => by_key,
        Err(gap) => {
            ctx.recorder.skip(gap);
            return;
        }
    };
    let (field, source) = match &by_key {
        Some((_, other)) => (
            format!(
                "{} (as {other} lists it for the same customer)",
                filter.field
            ),
            *other,
        ),
        None => (filter.field.clone(), op),
    };
    let by_key = by_key.map(|(values, _)| values);
    // Inclusive bounds (A7) and which time the range filters (A26) may be positions: judged by
    // the other generation's time, a difference first says the two times are not one (A26).
    let (field_position, bounds_position) = (
        start.position_of("x-filter.field"),
        start.position_of("x-filter.match"),
    );
    let position = if by_key.is_some() {
        field_position.or(bounds_position)
    } else {
        bounds_position.or(field_position)
    };
    let ctx = &ctx.resting_on(position);
    // Times from elsewhere reach the records through their keys.
    if let (Some(_), Some(gap)) = (&by_key, unkeyed(&full)) {
        ctx.recorder.skip(gap);
        return;
    }
    let mut times: Vec<&str> = full
        .records()
        .filter_map(|r| match &by_key {
            Some(values) => full
                .key_of(r)
                .and_then(|k| values.get(k))
                .map(String::as_str),
            None => r.get(&filter.field).and_then(Value::as_str),
        })
        .collect();
    let shown = times.len();
    times.retain(|t| parse_time(t).is_some());
    times.sort_unstable();
    if times.is_empty() {
        let (reason, detail) = if shown == 0 {
            (
                Reason::NoData,
                format!(
                    "none of the {} {op} lists has a value in {field}",
                    customers(full.records().count())
                ),
            )
        } else {
            (
                Reason::BrokenByFinding,
                format!("none of the {shown} values of {} that {source} sent is a time in the documented format", filter.field),
            )
        };
        ctx.recorder.skip(NotExercised::new(reason, detail));
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
                expected: format!("{field} within [{lo}, {hi}] (bounds inclusive)"),
                sound: Box::new(move |have| {
                    MatchKind::AtOrAfter.matches(have, &lo_a)
                        && MatchKind::AtOrBefore.matches(have, &hi_a)
                }),
                required: Box::new(move |have| {
                    MatchKind::AtOrAfter.matches(have, &lo_b)
                        && MatchKind::AtOrBefore.matches(have, &hi_b)
                }),
                doc: start.doc.as_ref().map(doc_label),
                by_key: by_key.as_ref(),
            },
        )
        .await;
    }
}

/// The filtered field by record key, with the operation that shows it, when the records of
/// `full` do not carry it (the old API filters on the association time, which only the new
/// generation's records show, A26): `Ok(None)` when they do carry it, and why not verifiable
/// when no other operation of the run can show it.
async fn shown_elsewhere(
    ctx: &StatefulContext<'_>,
    full: &Walk,
    field: &str,
) -> Result<Option<(HashMap<String, String>, OperationId)>, NotExercised> {
    let spec = ctx.spec();
    let carries = |op: OperationId| {
        spec.operation(op)
            .record_properties(spec)
            .iter()
            .any(|(name, _)| name == field)
    };
    if carries(full.op) {
        return Ok(None);
    }
    let unverifiable = |why: String| {
        NotExercised::new(
            Reason::NotObservable,
            format!(
                "{} records do not carry {field}, the time this range filters on, so it is not verifiable from {} alone: {why}",
                full.op, full.op
            ),
        )
    };
    let Some(other) = spec
        .operations()
        .iter()
        .find(|o| o.replaces() == Some(full.op) && o.list_field().is_some() && carries(o.id))
        .map(|o| o.id)
    else {
        return Err(unverifiable("no other operation lists it".into()));
    };
    if !ctx.walks.in_run(other) {
        return Err(unverifiable(format!(
            "{other}, which lists it for the same customers, is not among the operations of this run (not selected, or refused or missing on the target)"
        )));
    }
    let walk = ctx.walk(other).await.map_err(|e| {
        unverifiable(format!(
            "{other}, which lists it, could not be walked ({e})"
        ))
    })?;
    let values: HashMap<String, String> = walk
        .records()
        .filter_map(|r| {
            let time = r.get(field).and_then(Value::as_str)?;
            Some((walk.key_of(r)?.to_string(), time.to_string()))
        })
        .collect();
    Ok(Some((values, other)))
}

/// The catalogue entry of this check (listed in [`super::CHECKS`]).
pub static CHECK: CheckInfo = CheckInfo {
    code: "PC014",
    name: "time_range_filter",
    categories: &[Category::FilterSemantics],
    summary: "Every record returned under a time range lies within it (bounds inclusive), and every record of the walk within it is returned.",
    reproduce: "Run the curl line and compare each record's time with the bounds.",
    rests_on: DocSource::Filters(&[crate::spec::MatchKind::AtOrAfter, crate::spec::MatchKind::AtOrBefore]),
    verifies: &[Verifies::Semantic],
    runner: Runner::Stateful {
        applies: super::is_list,
        walks: super::own_walk,
        run: |ctx, op| Box::pin(time_range_filter(ctx, op)),
    },
};
