//! PC012 `fuzzy_filter`, PC013 `enum_filter`, PC014 `time_range_filter`: a filter returns only
//! matching records (soundness) and every matching record of the full walk (completeness). The
//! values tried are taken from the walk itself, so they work against any data set.

use super::context::{doc_label, StatefulContext};
use super::walk::Walk;
use super::walker::walk;
use crate::outcome::Category;
use crate::spec::{parse_time, CaseRule, MatchKind, OperationId, Parameter};
use serde_json::Value;
use std::collections::HashSet;

/// How records are judged under one filtered query.
struct Judgement<'a> {
    check: &'static str,
    query: Vec<(String, String)>,
    field: &'a str,
    expected: String,
    /// A returned record is acceptable.
    sound: Box<dyn Fn(&str) -> bool + Send + Sync + 'a>,
    /// A record of the full walk must be returned.
    required: Box<dyn Fn(&str) -> bool + Send + Sync + 'a>,
    doc: Option<String>,
}

/// Walks the filtered result and reports unsound and missing records.
async fn judge(ctx: &StatefulContext<'_>, full: &Walk, judgement: Judgement<'_>) {
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

fn filters(ctx: &StatefulContext<'_>, op: OperationId, kinds: &[MatchKind]) -> Vec<Parameter> {
    ctx.spec()
        .operation(op)
        .value_parameters()
        .filter(|p| p.filter.as_ref().is_some_and(|f| kinds.contains(&f.kind)))
        .cloned()
        .collect()
}

/// Prefix, middle and suffix pieces of a value, without spaces.
pub fn pieces(value: &str) -> Vec<String> {
    let chars: Vec<char> = value.chars().collect();
    let n = chars.len();
    if n == 0 {
        return Vec::new();
    }
    let k = n.min(3);
    let mut out = vec![
        chars[..k].iter().collect::<String>(),
        chars[n - k..].iter().collect(),
    ];
    if n >= 4 {
        out.push(chars[n / 2 - 1..n / 2 + 1].iter().collect());
    }
    out.retain(|p: &String| !p.contains(' ') && !p.is_empty());
    out.dedup();
    out
}

/// Up to three records spread over the walk that have a non-empty value in `field`.
fn samples<'w>(full: &'w Walk, field: &str) -> Vec<&'w str> {
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

/// Swaps the case of ASCII letters (`VipGold` → `vIPgOLD`).
fn swap_case(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_uppercase() {
                c.to_ascii_lowercase()
            } else {
                c.to_ascii_uppercase()
            }
        })
        .collect()
}

/// PC012: fuzzy filters with prefix, middle and suffix pieces of real values; for case-sensitive
/// filters, also the case-swapped piece.
pub async fn fuzzy_filter(ctx: &StatefulContext<'_>, op: OperationId) {
    let Ok(full) = ctx.walk(op).await else { return };
    for param in filters(ctx, op, &[MatchKind::Substring]) {
        let Some(filter) = &param.filter else {
            continue;
        };
        let doc = param.doc.as_ref().map(doc_label);
        let mut tried = HashSet::new();
        for value in samples(&full, &filter.field) {
            for piece in pieces(value) {
                let mut variants = vec![piece.clone()];
                if filter.case == CaseRule::Sensitive && swap_case(&piece) != piece {
                    variants.push(swap_case(&piece));
                }
                for wanted in variants {
                    if !tried.insert(wanted.clone()) {
                        continue;
                    }
                    let case = filter.case;
                    let sound_wanted = wanted.clone();
                    let required_wanted = wanted.clone();
                    judge(
                        ctx,
                        &full,
                        Judgement {
                            check: "fuzzy_filter",
                            query: vec![(param.name.clone(), wanted.clone())],
                            field: &filter.field,
                            expected: match case {
                                CaseRule::Sensitive => format!(
                                    "{} containing {wanted:?} (case-sensitive)",
                                    filter.field
                                ),
                                CaseRule::Unspecified => {
                                    format!("{} containing {wanted:?}", filter.field)
                                }
                            },
                            sound: Box::new(move |have| match case {
                                CaseRule::Sensitive => have.contains(&sound_wanted),
                                CaseRule::Unspecified => {
                                    have.to_lowercase().contains(&sound_wanted.to_lowercase())
                                }
                            }),
                            required: Box::new(move |have| have.contains(&required_wanted)),
                            doc: doc.clone(),
                        },
                    )
                    .await;
                }
            }
        }
    }
}

/// PC013: exact-match filters with every documented (supported) value.
pub async fn enum_filter(ctx: &StatefulContext<'_>, op: OperationId) {
    let Ok(full) = ctx.walk(op).await else { return };
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
                },
            )
            .await;
        }
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_are_prefix_suffix_and_middle_without_spaces() {
        assert_eq!(pieces("priya_aperture000"), vec!["pri", "000", "pe"]);
        assert_eq!(pieces("信息技术"), vec!["信息技", "息技术", "息技"]);
        assert_eq!(pieces("ab"), vec!["ab"]);
        assert!(pieces("a b").is_empty());
        assert!(pieces("").is_empty());
    }

    #[test]
    fn swaps_ascii_case() {
        assert_eq!(swap_case("VipGold-1"), "vIPgOLD-1");
    }
}
