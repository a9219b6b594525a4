//! PC011 `default_page_size`: with no paging parameters the first page has the documented default
//! size and the same records as the explicit defaults.

use super::{CheckInfo, DocSource, Runner, Verifies};

use super::support::context::{doc_label, StatefulContext};
use super::support::walk::ListShape;
use crate::client::PreparedRequest;
use crate::outcome::Category;
use crate::outcome::{Expectation, NotExercised, Reason};
use crate::spec::OperationId;
use serde_json::Value;

const NAME: &str = "default_page_size";

/// The keys of the records of a list answer, sorted: the documentation states no order, so
/// "the same records" means the same set.
pub fn record_keys(body: &Value, list: &str, key: &str) -> Vec<String> {
    let mut keys: Vec<String> = body
        .get(list)
        .and_then(Value::as_array)
        .map(|records| {
            records
                .iter()
                .filter_map(|r| r.get(key).and_then(Value::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    keys.sort();
    keys
}

/// Runs the check on `op`.
pub async fn default_page_size(ctx: &StatefulContext<'_>, op: OperationId) {
    let spec = ctx.spec();
    let operation = spec.operation(op);
    let Some(ListShape { paging, list, key }) = ListShape::of(spec, operation) else {
        return;
    };
    let (size, number) = (paging.size, paging.position);
    let (Some(default_size), Some(default_number)) = (
        size.default().and_then(Value::as_u64),
        number.default().and_then(Value::as_u64),
    ) else {
        return;
    };
    let doc = size.doc.as_ref().map(doc_label);
    let implicit = PreparedRequest::new(operation, ctx.client.target());
    let explicit = implicit
        .clone()
        .with_param(operation, &number.name, &default_number.to_string())
        .with_param(operation, &size.name, &default_size.to_string());
    let (Some(a), Some(b)) = (
        ctx.send(&implicit, &Expectation::Success).await,
        ctx.send(&explicit, &Expectation::Success).await,
    ) else {
        return;
    };
    if a.status != operation.meta.success_status || b.status != operation.meta.success_status {
        return; // status_code_conformance reports it.
    }
    let count = operation
        .count_field()
        .and_then(|f| Some((f, a.body.get(f)?)));
    let total = count.and_then(|(_, c)| c.as_u64());
    if let (Some((field, _)), None) = (count, total) {
        ctx.recorder.not_exercised(NotExercised::new(
            Reason::BrokenByFinding,
            format!("the size of the default page: body.{field} is not a number, so the total it is bounded by is unknown"),
        ));
    }
    if total == Some(0) {
        ctx.recorder.skip(NotExercised::new(
            Reason::NoData,
            format!("the target lists 0 customers ({op})"),
        ));
        return;
    }
    let records = a
        .body
        .get(list)
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    let got = record_keys(&a.body, list, &key);
    if let Some(total) = total {
        let expected = default_size.min(total);
        if records as u64 != expected {
            ctx.report(
                NAME,
                Category::DefaultValue,
                size.label(),
                format!(
                    "{expected} records (documented default {} = {default_size})",
                    size.name
                ),
                format!("{records} records"),
                &implicit,
                doc.clone(),
            );
            return;
        }
    }
    if records > 0 && got.is_empty() {
        ctx.recorder.not_exercised(NotExercised::new(
            Reason::BrokenByFinding,
            format!("the records of the default page: none carries its key {key}, so they cannot be compared with an explicit default"),
        ));
        return;
    }
    let explicit_keys = record_keys(&b.body, list, &key);
    if got != explicit_keys {
        ctx.report(
            NAME,
            Category::DefaultValue,
            number.label(),
            format!(
                "the records of {}={default_number}&{}={default_size}",
                number.name, size.name
            ),
            format!(
                "{} different records",
                got.iter().filter(|k| !explicit_keys.contains(k)).count()
            ),
            &implicit,
            doc,
        );
    }
}

/// The catalogue entry of this check (listed in [`super::CHECKS`]).
pub static CHECK: CheckInfo = CheckInfo {
    code: "PC011",
    name: "default_page_size",
    categories: &[Category::DefaultValue],
    summary: "With page_size absent (and page_no absent) the first page has the documented default number of records and the same records as an explicit default.",
    reproduce: "Request with no paging parameters, then with page_size=<default>, and compare.",
    rests_on: DocSource::Paging,
    verifies: &[Verifies::Semantic],
    runner: Runner::Stateful {
        applies: super::is_list,
        walks: super::no_walk,
        run: |ctx, op| Box::pin(default_page_size(ctx, op)),
    },
};
