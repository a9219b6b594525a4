//! The customers comparison: every customer of one generation is in the other, with equal
//! mapped fields (fields whose documented meaning changed are noted, not compared), the same
//! total, and what each generation's own fields show.

use super::helpers::{field_doc, same_value, shown, some};
use super::pair::Pair;
use super::table::Part;
use crate::checks::walk::Walk;
use crate::checks::Expectation;
use crate::client::PreparedRequest;
use crate::outcome::{Agreement, DifferenceExample, NotExercised};
use crate::spec::{Change, Replaces};
use serde_json::Value;
use std::collections::BTreeMap;

/// The records of a walk by key, with the request of the page each was on.
struct Keyed<'w> {
    records: BTreeMap<String, (&'w Value, &'w PreparedRequest)>,
}

impl<'w> Keyed<'w> {
    fn of(walk: &'w Walk) -> Self {
        let mut records = BTreeMap::new();
        for page in &walk.pages {
            for record in &page.records {
                if let Some(key) = walk.key_of(record) {
                    records.insert(key.to_string(), (record, &page.request));
                }
            }
        }
        Keyed { records }
    }

    /// Keys here that `other` lacks.
    fn missing_from(&self, other: &Keyed<'_>) -> Vec<String> {
        self.records
            .keys()
            .filter(|k| !other.records.contains_key(*k))
            .cloned()
            .collect()
    }

    /// Keys here that `other` has too, in key order.
    fn in_both(&self, other: &Keyed<'_>) -> Vec<&String> {
        self.records
            .keys()
            .filter(|k| other.records.contains_key(*k))
            .collect()
    }
}

/// The customers among `ids` (keys of both generations) whose old field and new field do not
/// hold the same value (a missing field is the same as null).
fn differing<'k>(
    ids: &[&'k String],
    (old, old_field): (&Keyed<'_>, &str),
    (new, new_field): (&Keyed<'_>, &str),
) -> Vec<&'k String> {
    ids.iter()
        .copied()
        .filter(|id| {
            let a = old.records[*id].0.get(old_field);
            let b = new.records[*id].0.get(new_field);
            !same_value(a, b)
        })
        .collect()
}

/// Every customer in both generations, with equal mapped fields.
pub(super) async fn compare(pair: &Pair<'_, '_>) -> Option<NotExercised> {
    let (old_walk, new_walk) = match pair.walks().await {
        Ok(walks) => walks,
        Err(reason) => return Some(reason),
    };
    let (old_list, new_list) = (
        pair.old.list_field().unwrap_or_default(),
        pair.new.list_field().unwrap_or_default(),
    );
    let (old_records, new_records) = (Keyed::of(&old_walk), Keyed::of(&new_walk));
    let key = new_walk.key.clone();
    let complete = old_walk.complete && new_walk.complete;
    let (only_old, only_new) = (
        old_records.missing_from(&new_records),
        new_records.missing_from(&old_records),
    );
    if complete {
        let sides = [
            (&only_old, &old_records, pair.old.id, pair.new.id),
            (&only_new, &new_records, pair.new.id, pair.old.id),
        ];
        for (ids, listed, by, not_by) in sides {
            for id in ids {
                let request = listed.records[id].1;
                let (old_request, new_request) = if by == pair.old.id {
                    (request, &new_walk.pages[0].request)
                } else {
                    (&old_walk.pages[0].request, request)
                };
                pair.differ(
                    format!("body.{new_list}[{key}={id}]"),
                    (
                        format!("the same customers in {} and {}", pair.old.id, pair.new.id),
                        format!("customer {id}: listed by {by}, not by {not_by}"),
                    ),
                    (old_request, new_request),
                    None,
                );
            }
        }
    } else {
        pair.note(format!(
            "the walk of {} or {} stopped at --max-pages: only customers seen in both are compared, and none is reported missing",
            pair.old.id, pair.new.id
        ));
    }
    let both = old_records.in_both(&new_records);
    pair.observe(
        Part::Response,
        format!("{new_list}[].{key}"),
        if only_old.is_empty() && only_new.is_empty() {
            format!("the same {} customers in both generations", both.len())
        } else {
            format!(
                "{} in both; only in {}: {}; only in {}: {}",
                both.len(),
                pair.old.id,
                only_old.len(),
                pair.new.id,
                only_new.len()
            )
        },
    );
    let listed = new_walk.records().count();
    let twice = listed - new_records.records.len();
    pair.observe(
        Part::Response,
        new_list,
        format!(
            "{listed} records in {} page(s){}{}",
            new_walk.pages.len(),
            if twice > 0 {
                format!(", {twice} of them a customer already listed")
            } else {
                String::new()
            },
            if complete {
                ""
            } else {
                " (the walk stopped at --max-pages: the list is longer)"
            }
        ),
    );
    observe_envelope(pair, &old_walk, &new_walk).await;
    if let (Some(old_count), Some(new_count), Some(count)) =
        (old_walk.total(), new_walk.total(), pair.new.count_field())
    {
        pair.observe(
            Part::Response,
            count,
            format!("{}: {old_count}, {}: {new_count}", pair.old.id, pair.new.id),
        );
        if old_count != new_count {
            pair.differ(
                format!("body.{count}"),
                (
                    format!("{old_count}, the total of {}", pair.old.id),
                    new_count.to_string(),
                ),
                (&old_walk.pages[0].request, &new_walk.pages[0].request),
                None,
            );
        }
    }
    let fields = pair.new_fields();
    let replacements = pair.new.record_replacements(pair.ctx.spec());
    for (name, replaces) in &replacements {
        let differing = differing(&both, (&old_records, &replaces.field), (&new_records, name));
        let label = format!("{new_list}[].{name}");
        let total = both.len();
        let agreement = Agreement {
            compared: total as u64,
            differing: differing.len() as u64,
            example: differing.first().map(|id| DifferenceExample {
                old: shown(old_records.records[id.as_str()].0.get(&replaces.field)),
                new: shown(new_records.records[id.as_str()].0.get(name)),
            }),
        };
        if replaces.change == Change::ChangedMeaning {
            let showed = if differing.is_empty() {
                format!("equal to {} for all {total} customers", replaces.field)
            } else {
                format!(
                    "differs from {} for {} of {total} customers (the documented meaning changed)",
                    replaces.field,
                    differing.len()
                )
            };
            pair.note(format!(
                "{}.{} → {}.{name} changed meaning ({}): {showed}",
                pair.old.id,
                replaces.field,
                pair.new.id,
                replaces.note.as_deref().unwrap_or("see the table")
            ));
            pair.observe_agreement(label, showed, agreement);
            continue;
        }
        if differing.is_empty() {
            pair.observe_agreement(label, format!("equal for all {total} customers"), agreement);
            continue;
        }
        pair.observe_agreement(
            label,
            format!(
                "differs for {} of {total} customers ({})",
                differing.len(),
                some(differing.iter().copied())
            ),
            agreement,
        );
        let doc = field_doc(&fields, name);
        for id in differing {
            let (a, old_request) = old_records.records[id];
            let (b, new_request) = new_records.records[id];
            pair.differ(
                format!("body.{new_list}[{key}={id}].{name}"),
                (
                    format!(
                        "{} (= {old_list}.{} of {})",
                        shown(a.get(&replaces.field)),
                        replaces.field,
                        pair.old.id
                    ),
                    shown(b.get(name)),
                ),
                (old_request, new_request),
                doc.clone(),
            );
        }
    }
    observe_new_and_gone(pair, &fields, &old_records, &new_records, &replacements);
    None
}

/// The old success body's own fields (beside the list) that the new one dropped, and the
/// old path parameters: what the first page of each generation shows of them.
async fn observe_envelope(pair: &Pair<'_, '_>, old_walk: &Walk, new_walk: &Walk) {
    let (Some(old_page), Some(new_page)) = (old_walk.pages.first(), new_walk.pages.first()) else {
        return;
    };
    let (Some(a), Some(b)) = (
        pair.ctx
            .send(&old_page.request, &Expectation::Success)
            .await,
        pair.ctx
            .send(&new_page.request, &Expectation::Success)
            .await,
    ) else {
        return;
    };
    pair.observe_gone_fields(&a.body, &b.body, "success body");
    pair.observe_path_parameters();
}

/// How often the new generation's own fields appear, and whether gone fields are still sent.
fn observe_new_and_gone(
    pair: &Pair<'_, '_>,
    fields: &[(String, Value)],
    old_records: &Keyed<'_>,
    new_records: &Keyed<'_>,
    replacements: &[(String, Replaces)],
) {
    let (old_list, new_list) = (
        pair.old.list_field().unwrap_or_default(),
        pair.new.list_field().unwrap_or_default(),
    );
    let total = new_records.records.len();
    let count = |records: &Keyed<'_>, name: &str| {
        records
            .records
            .values()
            .filter(|(r, _)| r.get(name).is_some())
            .count()
    };
    for (name, _) in fields {
        if !replacements.iter().any(|(n, _)| n == name) {
            pair.observe(
                Part::Response,
                format!("{new_list}[].{name}"),
                format!("present in {} of {total} records", count(new_records, name)),
            );
        }
    }
    for (name, _) in pair.old.record_properties(pair.ctx.spec()) {
        if !replacements.iter().any(|(_, r)| r.field == name) {
            pair.observe(
                Part::Response,
                format!("{old_list}[].{name}"),
                format!(
                    "in {} old records; in {} of {total} new records",
                    count(old_records, &name),
                    count(new_records, &name)
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::helpers::tests::walk_of;
    use super::*;
    use crate::spec::OperationId;
    use serde_json::json;

    #[test]
    fn customers_are_matched_by_key() {
        let old = walk_of(
            OperationId::CustomersV1,
            vec![
                json!({"customer_id": "a"}),
                json!({"customer_id": "b"}),
                json!({"domain_name": "no key: not a customer"}),
            ],
        );
        let new = walk_of(
            OperationId::CustomersV2,
            vec![json!({"customer_id": "c"}), json!({"customer_id": "b"})],
        );
        let (old, new) = (Keyed::of(&old), Keyed::of(&new));
        assert_eq!(old.records.len(), 2);
        assert_eq!(old.missing_from(&new), ["a"]);
        assert_eq!(new.missing_from(&old), ["c"]);
        assert_eq!(old.in_both(&new), ["b"]);
    }

    #[test]
    fn mapped_fields_differ_only_in_value() {
        let old = walk_of(
            OperationId::CustomersV1,
            vec![
                json!({"customer_id": "same", "domain_name": "x"}),
                json!({"customer_id": "null-and-absent", "domain_name": null}),
                json!({"customer_id": "changed", "domain_name": "x"}),
                json!({"customer_id": "gone", "domain_name": "x"}),
            ],
        );
        let new = walk_of(
            OperationId::CustomersV2,
            vec![
                json!({"customer_id": "same", "account_name": "x"}),
                json!({"customer_id": "null-and-absent"}),
                json!({"customer_id": "changed", "account_name": "y"}),
                json!({"customer_id": "gone"}),
            ],
        );
        let (old, new) = (Keyed::of(&old), Keyed::of(&new));
        let both = old.in_both(&new);
        let differ = differing(&both, (&old, "domain_name"), (&new, "account_name"));
        assert_eq!(differ, ["changed", "gone"]);
    }
}
