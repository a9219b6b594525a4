//! The paging comparison: page n of size L is offset (n - 1) x L, so equivalent pages of the
//! two generations hold the same customers; and the first page without paging parameters is the
//! same when the documented defaults agree.

use super::helpers::{keys, some};
use super::pair::Pair;
use super::table::Part;
use crate::checks::doc_label;
use crate::checks::walk::Paging;
use crate::checks::walker::largest_page_size;
use crate::client::PreparedRequest;
use crate::outcome::{NotExercised, Reason};
use crate::spec::Operation;
use std::collections::BTreeSet;

/// Pages compared at that size (the first ones).
const PAGES: u64 = 4;

/// Page n of size L is offset (n - 1) x L: the same customers, page by page, and the same
/// first page when neither sends paging parameters (if the documented defaults agree).
pub(super) async fn compare(pair: &Pair<'_, '_>) -> Option<NotExercised> {
    let (Some(old_paging), Some(new_paging)) = (Paging::of(pair.old), Paging::of(pair.new)) else {
        return Some(NotExercised::new(
            Reason::NotApplicable,
            "one of the operations is not a paged list",
        ));
    };
    // The pagination check's small, odd size, valid for both generations.
    let largest = |op: &Operation| largest_page_size(pair.ctx, op.id).unwrap_or(1);
    let size = crate::checks::pagination::odd_page_size(largest(pair.old).min(largest(pair.new)));
    let target = pair.ctx.client.target();
    let old_base = PreparedRequest::new(pair.old, target);
    let new_base = PreparedRequest::new(pair.new, target);
    let position_doc = new_paging.position.doc.as_ref().map(doc_label);
    let (mut agreed, mut compared) = (0, 0);
    for index in 0..PAGES {
        let old_request = old_paging.request(pair.old, &old_base, index, size);
        let new_request = new_paging.request(pair.new, &new_base, index, size);
        let (Some(a), Some(b)) = (
            pair.page(pair.old, &old_request).await,
            pair.page(pair.new, &new_request).await,
        ) else {
            continue;
        };
        compared += 1;
        if same_customers(&a, &b) {
            agreed += 1;
            continue;
        }
        pair.differ(
            new_paging.position.label(),
            (
                format!(
                    "the customers of {}={} {}={size}: {}",
                    old_paging.position.name,
                    old_paging.position_of(index, size),
                    old_paging.size.name,
                    some(&a)
                ),
                format!(
                    "{}={} {}={size} gave {}",
                    new_paging.position.name,
                    new_paging.position_of(index, size),
                    new_paging.size.name,
                    some(&b)
                ),
            ),
            (&old_request, &new_request),
            position_doc.clone(),
        );
    }
    if agreed < compared {
        note_if_reordered(pair).await;
    }
    pair.observe(
        Part::Request,
        new_paging.position.label(),
        format!(
            "{agreed} of {compared} pages of size {size} held the same customers as {}",
            old_paging.position.name
        ),
    );
    if !same_default_page(&old_paging, &new_paging) {
        pair.observe(
            Part::Request,
            new_paging.size.label(),
            "the documented defaults differ; the default pages were not compared",
        );
        return None;
    }
    let (Some(a), Some(b)) = (
        pair.page(pair.old, &old_base).await,
        pair.page(pair.new, &new_base).await,
    ) else {
        return None;
    };
    let defaults_agree = same_customers(&a, &b);
    if !defaults_agree {
        pair.differ(
            new_paging.size.label(),
            (
                format!("the first page without paging parameters: {}", some(&a)),
                some(&b),
            ),
            (&old_base, &new_base),
            new_paging.size.doc.as_ref().map(doc_label),
        );
    }
    pair.observe(
        Part::Request,
        new_paging.size.label(),
        format!(
            "the default page {} the old one ({} records)",
            if defaults_agree {
                "equals"
            } else {
                "differs from"
            },
            b.len()
        ),
    );
    None
}

/// Pages that differ because the generations list the same customers in a different order
/// are still a difference for a client mapping page_no to offset; a note says which it is.
async fn note_if_reordered(pair: &Pair<'_, '_>) {
    let Ok((old_walk, new_walk)) = pair.walks().await else {
        return;
    };
    if reordered(&keys(&old_walk), &keys(&new_walk)) {
        pair.note(format!(
            "{} and {} list the same customers in a different order, so equivalent pages hold different customers",
            pair.old.id, pair.new.id
        ));
    }
}

/// Whether two pages hold the same customers, in any order.
fn same_customers(a: &[String], b: &[String]) -> bool {
    a.iter().collect::<BTreeSet<_>>() == b.iter().collect()
}

/// Whether two lists hold the same customers in a different order. Only a true permutation
/// is a different order; a repeated customer is a paging fault.
fn reordered(a: &[String], b: &[String]) -> bool {
    let (a_set, b_set): (BTreeSet<&String>, BTreeSet<&String>) =
        (a.iter().collect(), b.iter().collect());
    let permutation = a_set.len() == a.len() && b_set.len() == b.len() && a_set == b_set;
    a != b && permutation
}

/// Whether the first pages without paging parameters must agree: the documented default
/// sizes are equal and each default position is its generation's first page.
fn same_default_page(old: &Paging<'_>, new: &Paging<'_>) -> bool {
    let defaults = |p: &Paging<'_>| (p.size.default().cloned(), p.position.default().cloned());
    let (old_default, new_default) = (defaults(old), defaults(new));
    old_default.0 == new_default.0
        && old_default.1.and_then(|v| v.as_u64()) == Some(old.position_of(0, 1))
        && new_default.1.and_then(|v| v.as_u64()) == Some(new.position_of(0, 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{OperationId, Parameter, Spec};

    fn ids(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn pages_hold_the_same_customers_in_any_order() {
        assert!(same_customers(&ids(&["a", "b"]), &ids(&["b", "a"])));
        assert!(same_customers(&ids(&[]), &ids(&[])));
        assert!(!same_customers(&ids(&["a", "b"]), &ids(&["a", "c"])));
        assert!(!same_customers(&ids(&["a", "b"]), &ids(&["a"])));
    }

    #[test]
    fn only_a_true_permutation_is_a_different_order() {
        assert!(reordered(&ids(&["a", "b", "c"]), &ids(&["c", "a", "b"])));
        assert!(
            !reordered(&ids(&["a", "b"]), &ids(&["a", "b"])),
            "same order"
        );
        assert!(
            !reordered(&ids(&["a", "b", "b"]), &ids(&["b", "a", "b"])),
            "a repeated customer is a paging fault, not an order"
        );
        assert!(
            !reordered(&ids(&["a", "b"]), &ids(&["b", "c"])),
            "other customers"
        );
    }

    #[test]
    fn default_pages_are_compared_only_when_the_documented_defaults_agree() {
        let spec = Spec::embedded().unwrap();
        let (old, new) = (
            spec.operation(OperationId::CustomersV1),
            spec.operation(OperationId::CustomersV2),
        );
        let (old_paging, new_paging) = (Paging::of(old).unwrap(), Paging::of(new).unwrap());
        // page_no 1 of size 10 is offset 0 of limit 10.
        assert!(same_default_page(&old_paging, &new_paging));
        let with_default = |param: &Parameter, default: u64| {
            let mut param = param.clone();
            param.schema["default"] = default.into();
            param
        };
        let larger = with_default(new_paging.size, 20);
        let size_differs = Paging {
            size: &larger,
            ..Paging::of(new).unwrap()
        };
        assert!(!same_default_page(&old_paging, &size_differs));
        let second = with_default(new_paging.position, 10);
        let not_first = Paging {
            position: &second,
            ..Paging::of(new).unwrap()
        };
        assert!(!same_default_page(&old_paging, &not_first));
    }
}
