//! PC010 `pagination`: the pages of a list add up. Two walks with different page sizes must agree
//! on the total and on the set of records; within a walk, every page reports the same count, every
//! page but the last is full, and no record appears twice.

use super::{CheckInfo, DocSource, Runner, Verifies};

use super::support::context::{doc_label, StatefulContext};
use super::support::filters::unkeyed;
use super::support::walk::{Paging, Walk};
use super::support::walker::walk;
use crate::client::PreparedRequest;
use crate::outcome::{Category, NotExercised, Reason};
use crate::spec::{OperationId, PagingRole};
use std::collections::{BTreeSet, HashSet};

const NAME: &str = "pagination";

/// A second, small page size that does not divide typical totals evenly.
pub(crate) fn odd_page_size(largest: u64) -> u64 {
    7.min(largest.max(1))
}

/// Runs the check on `op`.
pub async fn pagination(ctx: &StatefulContext<'_>, op: OperationId) {
    let Ok(full) = ctx.walk(op).await else {
        return; // A failed walk is reported by the requests that failed.
    };
    let operation = ctx.spec().operation(op);
    let doc = operation
        .paging_parameter(PagingRole::PageSize)
        .and_then(|p| p.doc.as_ref())
        .map(doc_label);
    check_walk(ctx, &full, doc.clone());
    let small_size = odd_page_size(full.page_size);
    gaps(ctx, &full, small_size);
    let pages_needed = full.total().unwrap_or(0) / small_size + 2;
    if let Ok(small) = walk(
        ctx,
        op,
        small_size,
        &[],
        pages_needed.min(ctx.walks.max_pages()),
    )
    .await
    {
        check_walk(ctx, &small, doc.clone());
        compare_walks(ctx, &full, &small, doc.clone());
    }
    past_the_end(ctx, &full, doc).await;
}

/// What the walk cannot show: totals that are not numbers, records without their key, or too
/// few records for a second page.
fn gaps(ctx: &StatefulContext<'_>, full: &Walk, small_size: u64) {
    let operation = ctx.spec().operation(full.op);
    let first = full.pages.first();
    if let (Some(field), Some(page)) = (operation.count_field(), first) {
        if page.count.is_none() {
            ctx.recorder.not_exercised(NotExercised::new(
                Reason::BrokenByFinding,
                format!("the totals: body.{field} of {} is not a number, so it was not compared with the records", full.op),
            ));
        }
    }
    if let Some(gap) = unkeyed(full) {
        ctx.recorder.not_exercised(gap);
    }
    let listed = full.records().count() as u64;
    if listed <= small_size {
        ctx.recorder.not_exercised(NotExercised::new(
            Reason::NoData,
            format!(
                "paging across pages: the target lists {} ({}), not more than one page of {small_size}",
                super::support::lookup::customers(listed as usize),
                full.op
            ),
        ));
    }
}

/// Counts, page sizes and duplicates within one walk.
fn check_walk(ctx: &StatefulContext<'_>, walk: &Walk, doc: Option<String>) {
    let Some(first) = walk.pages.first() else {
        return;
    };
    let list = list_location(ctx, walk);
    let mut seen = HashSet::new();
    for (i, page) in walk.pages.iter().enumerate() {
        let report = |location: String, expected: String, observed: String| {
            ctx.report(
                NAME,
                Category::Pagination,
                location,
                expected,
                observed,
                &page.request,
                doc.clone(),
            );
        };
        if page.count != first.count {
            report(
                "body.count".into(),
                format!("the same total on every page ({:?})", first.count),
                format!("{:?} on page {}", page.count, i + 1),
            );
        }
        let last = i + 1 == walk.pages.len();
        if !last && page.records.len() as u64 != walk.page_size {
            report(
                list.clone(),
                format!("{} records (a full page)", walk.page_size),
                format!("{} records on page {}", page.records.len(), i + 1),
            );
        }
        if page.records.len() as u64 > walk.page_size {
            report(
                list.clone(),
                format!("at most {} records", walk.page_size),
                format!("{} records", page.records.len()),
            );
        }
        for record in &page.records {
            if let Some(key) = walk.key_of(record) {
                if !seen.insert(key.to_string()) {
                    report(
                        format!("{list}[*].{}", walk.key),
                        "each record once across all pages".into(),
                        format!("`{key}` again on page {}", i + 1),
                    );
                }
            }
        }
    }
    if walk.complete {
        let walked = walk.records().count() as u64;
        if let Some(total) = first.count {
            if total != walked {
                ctx.report(
                    NAME,
                    Category::Pagination,
                    "body.count",
                    format!("count equal to the records of all pages ({walked})"),
                    format!("{total}"),
                    &first.request,
                    doc,
                );
            }
        }
    }
}

/// `body.<list field>` of the walked operation, for finding locations.
fn list_location(ctx: &StatefulContext<'_>, walk: &Walk) -> String {
    let list = ctx
        .spec()
        .operation(walk.op)
        .list_field()
        .unwrap_or("records");
    format!("body.{list}")
}

/// Two complete walks must hold the same set of records.
fn compare_walks(ctx: &StatefulContext<'_>, a: &Walk, b: &Walk, doc: Option<String>) {
    if !(a.complete && b.complete) {
        return;
    }
    let keys = |w: &Walk| -> BTreeSet<String> {
        w.records()
            .filter_map(|r| w.key_of(r))
            .map(str::to_string)
            .collect()
    };
    let (ka, kb) = (keys(a), keys(b));
    if ka != kb {
        let missing: Vec<_> = ka.difference(&kb).take(3).cloned().collect();
        let extra: Vec<_> = kb.difference(&ka).take(3).cloned().collect();
        let request = &b.pages[0].request;
        ctx.report(
            NAME,
            Category::Pagination,
            list_location(ctx, b),
            format!(
                "the same {} records with page size {} as with {}",
                ka.len(),
                b.page_size,
                a.page_size
            ),
            format!(
                "{} records; missing e.g. {missing:?}, extra e.g. {extra:?}",
                kb.len()
            ),
            request,
            doc,
        );
    }
}

/// A page past the end is empty but still reports the total.
async fn past_the_end(ctx: &StatefulContext<'_>, walk: &Walk, doc: Option<String>) {
    let Some(last) = walk.pages.last().filter(|_| walk.complete) else {
        return;
    };
    if last.records.is_empty() {
        return; // The walk already fetched the empty page past the end.
    }
    let operation = ctx.spec().operation(walk.op);
    let (Some(paging), Some(list)) = (Paging::of(operation), operation.list_field()) else {
        return;
    };
    let base = PreparedRequest::new(operation, ctx.client.target());
    let request = paging.request(operation, &base, walk.pages.len() as u64, walk.page_size);
    let Some(exchange) = ctx.send(&request, &super::Expectation::Success).await else {
        return;
    };
    let records = exchange
        .body
        .get(list)
        .and_then(serde_json::Value::as_array)
        .map_or(0, Vec::len);
    if exchange.status == operation.meta.success_status && records != 0 {
        ctx.report(
            NAME,
            Category::Pagination,
            format!("body.{list}"),
            "no records on the page after the last",
            format!("{records} records"),
            &request,
            doc,
        );
    }
}

/// The catalogue entry of this check (listed in [`super::CHECKS`]).
pub static CHECK: CheckInfo = CheckInfo {
    code: "PC010",
    name: "pagination",
    categories: &[Category::Pagination],
    summary: "A walk of every page (bounded by --max-pages) adds up: count is the total on every page, each page is full but the last, no record appears twice, none is skipped, and the union of the pages is the unfiltered set.",
    reproduce: "Request page_no=1,2,... with the page size in the finding and compare the ids.",
    rests_on: DocSource::Paging,
    verifies: &[Verifies::Semantic],
    runner: Runner::Stateful {
        applies: super::is_list,
        walks: super::own_walk,
        run: |ctx, op| Box::pin(pagination(ctx, op)),
    },
};

#[cfg(test)]
mod tests {
    use super::odd_page_size;

    #[test]
    fn the_second_page_size_is_small_and_valid() {
        assert_eq!(odd_page_size(100), 7);
        assert_eq!(odd_page_size(3), 3);
        assert_eq!(odd_page_size(0), 1);
    }
}
