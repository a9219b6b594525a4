//! The filters comparison: each filter of the new generation that replaces an old one, given
//! the same value in both generations, selects the same customers. Values come from the old
//! walk, so they work against any data set.

use super::helpers::{keys, some};
use super::pair::Pair;
use super::table::Part;
use crate::checks::doc_label;
use crate::checks::walk::Walk;
use crate::checks::walker::{largest_page_size, walk};
use crate::client::PreparedRequest;
use crate::outcome::NotExercised;
use crate::spec::{MatchKind, Operation, Parameter};
use serde_json::Value;
use std::collections::BTreeSet;

/// The filter pairs: each parameter of `new` replacing a filter parameter of `old`, as (old, new).
fn filter_pairs<'o>(old: &'o Operation, new: &'o Operation) -> Vec<(&'o Parameter, &'o Parameter)> {
    new.value_parameters()
        .filter(|p| p.filter.is_some())
        .filter_map(|param| {
            let replaces = param.replaces.as_ref()?;
            let replaced = old
                .value_parameters()
                .find(|p| p.name == replaces.field && p.filter.is_some())?;
            Some((replaced, param))
        })
        .collect()
}

/// Each replaced filter, given the same value in both generations, selects the same
/// customers. Values come from the old walk, so they work against any data set.
pub(super) async fn compare(pair: &Pair<'_, '_>) -> Option<NotExercised> {
    let (old_walk, new_walk) = match pair.walks().await {
        Ok(walks) => walks,
        Err(reason) => return Some(reason),
    };
    new_filters(pair, &new_walk).await;
    let mut ranges: Vec<(&Parameter, &Parameter)> = Vec::new();
    for (old, new) in filter_pairs(pair.old, pair.new) {
        let Some(filter) = &old.filter else { continue };
        let values: Vec<String> = match filter.kind {
            MatchKind::Substring => old_walk
                .records()
                .filter_map(|r| r.get(&filter.field).and_then(Value::as_str))
                .find_map(|v| crate::checks::pieces(v).into_iter().nth(2))
                .into_iter()
                .collect(),
            MatchKind::Equals => new.enum_values().unwrap_or_default(),
            MatchKind::AtOrAfter | MatchKind::AtOrBefore => {
                ranges.push((old, new));
                continue;
            }
        };
        for value in values {
            compare_selection(pair, &old_walk, &[(old, new, value)]).await;
        }
    }
    // Time bounds go in pairs (the old API refuses one alone): the middle half of the times.
    let bound = |kind: MatchKind| {
        ranges
            .iter()
            .find(|(o, _)| o.filter.as_ref().is_some_and(|f| f.kind == kind))
            .copied()
    };
    if let (Some((old_start, new_start)), Some((old_end, new_end))) =
        (bound(MatchKind::AtOrAfter), bound(MatchKind::AtOrBefore))
    {
        // The old records may not carry the time the old range filters on (the association
        // time, A26): the new generation's records of the same customers do.
        let times_in = |walk: &Walk, param: &Parameter| -> Vec<String> {
            let field = param
                .filter
                .as_ref()
                .map(|f| f.field.as_str())
                .unwrap_or("");
            walk.records()
                .filter_map(|r| r.get(field).and_then(Value::as_str).map(str::to_string))
                .collect()
        };
        let mut times = times_in(&old_walk, old_start);
        if times.is_empty() {
            times = times_in(&new_walk, new_start);
        }
        if let Some((lo, hi)) = middle_half(times.iter().map(String::as_str).collect()) {
            compare_selection(
                pair,
                &old_walk,
                &[(old_start, new_start, lo), (old_end, new_end, hi)],
            )
            .await;
        }
    }
    None
}

/// Filters only the new generation has (customer_id): what one value of the walk selects,
/// for the table (their soundness is `run`'s business).
async fn new_filters(pair: &Pair<'_, '_>, new_walk: &Walk) {
    for param in pair.new.value_parameters() {
        let Some(filter) = param.filter.as_ref().filter(|_| param.replaces.is_none()) else {
            continue;
        };
        let Some(value) = new_walk
            .records()
            .find_map(|r| r.get(&filter.field).and_then(Value::as_str))
        else {
            continue;
        };
        let request = PreparedRequest::new(pair.new, pair.ctx.client.target()).with_param(
            pair.new,
            &param.name,
            value,
        );
        if let Some(ids) = pair.page(pair.new, &request).await {
            pair.observe(
                Part::Request,
                param.label(),
                format!("{value:?} selected {} customers", ids.len()),
            );
        }
    }
}

/// Walks both generations under one set of equivalent filter values and compares the
/// customers selected.
async fn compare_selection(
    pair: &Pair<'_, '_>,
    old_walk: &Walk,
    values: &[(&Parameter, &Parameter, String)],
) {
    let max_pages = pair.ctx.walks.max_pages();
    let old_extra: Vec<(String, String)> = values
        .iter()
        .map(|(o, _, v)| (o.name.clone(), v.clone()))
        .collect();
    let new_extra: Vec<(String, String)> = values
        .iter()
        .map(|(_, n, v)| (n.name.clone(), v.clone()))
        .collect();
    let new_page_size = largest_page_size(pair.ctx, pair.new.id).unwrap_or(old_walk.page_size);
    let shown_values = values
        .iter()
        .map(|(_, n, v)| format!("{}={v}", n.name))
        .collect::<Vec<_>>()
        .join(" ");
    let (a, b) = match (
        walk(
            pair.ctx,
            pair.old.id,
            old_walk.page_size,
            &old_extra,
            max_pages,
        )
        .await,
        walk(pair.ctx, pair.new.id, new_page_size, &new_extra, max_pages).await,
    ) {
        (Ok(a), Ok(b)) if a.complete && b.complete => (a, b),
        (Ok(_), Ok(_)) => {
            pair.note(format!(
                "{shown_values}: a filtered walk stopped at --max-pages; not compared"
            ));
            return;
        }
        (Err(e), _) | (_, Err(e)) => {
            pair.note(format!("{shown_values}: not compared ({e})"));
            return;
        }
    };
    let (a_keys, b_keys): (BTreeSet<String>, BTreeSet<String>) = (
        keys(&a).into_iter().collect(),
        keys(&b).into_iter().collect(),
    );
    let same = a_keys == b_keys;
    // Values sent together (a time range) are shown together in each of their rows.
    let sent = values
        .iter()
        .map(|(_, _, v)| format!("{v:?}"))
        .collect::<Vec<_>>()
        .join(" with ");
    for (_, new, _) in values {
        pair.observe(
            Part::Request,
            new.label(),
            if same {
                format!("{sent}: the same {} customers", a_keys.len())
            } else {
                format!(
                    "{sent}: {} customers in the old, {} in the new generation",
                    a_keys.len(),
                    b_keys.len()
                )
            },
        );
    }
    if same {
        return;
    }
    let first_new = values[0].1;
    pair.differ(
        first_new.label(),
        (
            format!(
                "the {} customers {} selects with the equivalent filter",
                a_keys.len(),
                pair.old.id
            ),
            format!(
                "{shown_values} selected {} (missing: {}; extra: {})",
                b_keys.len(),
                some(a_keys.difference(&b_keys)),
                some(b_keys.difference(&a_keys))
            ),
        ),
        (&a.pages[0].request, &b.pages[0].request),
        first_new.doc.as_ref().map(doc_label),
    );
}

/// The bounds of the middle half of some times (the first and third quartile), so a range
/// filter selects some customers and leaves others out; `None` when there are none.
fn middle_half(mut times: Vec<&str>) -> Option<(String, String)> {
    times.sort_unstable();
    if times.is_empty() {
        return None;
    }
    let n = times.len();
    Some((times[n / 4].to_string(), times[(3 * n) / 4].to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{OperationId, Spec};

    #[test]
    fn a_time_range_spans_the_middle_half() {
        let times = vec!["t7", "t1", "t5", "t3", "t0", "t6", "t2", "t4"];
        assert_eq!(middle_half(times), Some(("t2".into(), "t6".into())));
        assert_eq!(middle_half(vec!["t0"]), Some(("t0".into(), "t0".into())));
        assert_eq!(middle_half(Vec::new()), None);
    }

    #[test]
    fn filters_pair_with_the_old_filter_they_replace() {
        let spec = Spec::embedded().unwrap();
        let pairs = filter_pairs(
            spec.operation(OperationId::CustomersV1),
            spec.operation(OperationId::CustomersV2),
        );
        let names: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(old, new)| (old.name.as_str(), new.name.as_str()))
            .collect();
        // customer_id filters only the new generation; offset and limit replace paging, not
        // filters: neither is a pair.
        assert_eq!(
            names,
            [
                ("domain_name", "account_name"),
                ("corp_name", "customer"),
                ("label", "label"),
                ("cooperationType", "association_type"),
                ("cooperationTimeStart", "associated_on_begin"),
                ("cooperationTimeEnd", "associated_on_end"),
            ]
        );
    }
}
