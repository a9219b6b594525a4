//! The four comparisons of a migration run, one trial each: customers (the same set, the same
//! mapped fields), paging (page_no/page_size against offset/limit), filters (each replaced filter
//! selects the same customers) and budgets (the same amounts for the same customer).

use super::table::Part;
use super::{Observation, CHECK};
use crate::checks::decimal;
use crate::checks::walk::{Paging, Walk};
use crate::checks::walker::{largest_page_size, walk};
use crate::checks::{doc_label, observed_entry, Category, Expectation, StatefulContext};
use crate::client::{Exchange, PreparedRequest};
use crate::spec::{Change, ErrorRole, MatchKind, Operation, OperationId, Parameter, Replaces};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// Pages compared at that size (the first ones).
const PAGES: u64 = 4;
/// Budget-eligible customers whose budgets are compared.
const BUDGETS: usize = 20;
/// Ineligible customers whose refusals are compared.
const REFUSALS: usize = 3;
/// Differing customers named in one observation.
const EXAMPLES: usize = 3;

/// One comparison of a migration run: a trial `migrate::<new operation>::<aspect>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aspect {
    /// The same customers with the same mapped fields.
    Customers,
    /// Page by page, page_no/page_size against offset/limit.
    Paging,
    /// Each replaced filter selects the same customers.
    Filters,
    /// The same customer's budget.
    Budgets,
}

impl fmt::Display for Aspect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Aspect::Customers => "customers",
            Aspect::Paging => "paging",
            Aspect::Filters => "filters",
            Aspect::Budgets => "budgets",
        })
    }
}

/// The aspects that apply to a new-generation operation.
pub fn applicable(op: &Operation) -> Vec<Aspect> {
    if op.list_field().is_some() {
        vec![Aspect::Customers, Aspect::Paging, Aspect::Filters]
    } else if op.value_parameters().any(|p| p.lookup.is_some()) {
        vec![Aspect::Budgets]
    } else {
        Vec::new()
    }
}

/// Runs one aspect for `op` (a new-generation operation); returns why it was skipped, if it was.
pub async fn run_aspect(
    ctx: &StatefulContext<'_>,
    op: OperationId,
    aspect: Aspect,
) -> Option<String> {
    let spec = ctx.spec();
    let new = spec.operation(op);
    let Some(old) = new.replaces() else {
        return Some(format!("{op} replaces no operation"));
    };
    let pair = Pair {
        ctx,
        old: spec.operation(old),
        new,
    };
    match aspect {
        Aspect::Customers => pair.customers().await,
        Aspect::Paging => pair.paging().await,
        Aspect::Filters => pair.filters().await,
        Aspect::Budgets => pair.budgets().await,
    }
}

/// An old operation and its replacement, compared through one context.
struct Pair<'c, 'a> {
    ctx: &'c StatefulContext<'a>,
    old: &'c Operation,
    new: &'c Operation,
}

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
}

/// The keys of a walk, in order.
fn keys(walk: &Walk) -> Vec<String> {
    walk.records()
        .filter_map(|r| walk.key_of(r).map(str::to_string))
        .collect()
}

/// `a`, `b` and `c` (and N more).
fn some<'a>(items: impl IntoIterator<Item = &'a String>) -> String {
    let items: Vec<&String> = items.into_iter().collect();
    let shown: Vec<&str> = items.iter().take(EXAMPLES).map(|s| s.as_str()).collect();
    if items.len() > EXAMPLES {
        format!("{} and {} more", shown.join(", "), items.len() - EXAMPLES)
    } else if shown.is_empty() {
        "none".into()
    } else {
        shown.join(", ")
    }
}

/// A value as the table and findings show it (`absent` when missing).
fn shown(value: Option<&Value>) -> String {
    match value {
        None => "absent".into(),
        Some(v) => {
            let text = v.to_string();
            if text.chars().count() > 80 {
                format!("{}…", text.chars().take(80).collect::<String>())
            } else {
                text
            }
        }
    }
}

/// Whether two record fields hold the same value; a missing field is the same as null.
fn same_value(a: Option<&Value>, b: Option<&Value>) -> bool {
    a.filter(|v| !v.is_null()) == b.filter(|v| !v.is_null())
}

/// The documented code of an answer (`-` when it is none of the catalogue's).
fn code_of(op: &Operation, answer: &Exchange) -> String {
    observed_entry(op, answer.status, &answer.body)
        .and_then(|e| e.error_code.clone())
        .unwrap_or_else(|| "-".into())
}

impl Pair<'_, '_> {
    fn observe(&self, part: Part, field: impl Into<String>, showed: impl Into<String>) {
        self.ctx.recorder.observe(Observation {
            operation: self.new.id,
            part,
            field: field.into(),
            showed: showed.into(),
        });
    }

    fn note(&self, note: String) {
        self.ctx.recorder.note(format!("migrate: {note}"));
    }

    /// A consistency finding about `new_request`, reproduced by both requests.
    fn differ(
        &self,
        location: String,
        (expected, observed): (String, String),
        (old_request, new_request): (&PreparedRequest, &PreparedRequest),
        doc: Option<String>,
    ) {
        self.ctx.report_pair(
            CHECK,
            Category::Consistency,
            location,
            expected,
            observed,
            old_request,
            new_request,
            doc,
        );
    }

    /// Both full walks, or why they could not be made.
    async fn walks(&self) -> Result<(std::sync::Arc<Walk>, std::sync::Arc<Walk>), String> {
        let old = self.ctx.walk(self.old.id).await;
        let new = self.ctx.walk(self.new.id).await;
        match (old, new) {
            (Ok(old), Ok(new)) => Ok((old, new)),
            (Err(crate::checks::WalkError::Status { status, .. }), _)
                if self.refuses_partner(status) =>
            {
                Err(self.partner_refused(status))
            }
            (Err(e), _) | (_, Err(e)) => Err(format!("a full walk could not be made: {e}")),
        }
    }

    /// Whether a status of the old operation is its documented refusal of the partner id.
    fn refuses_partner(&self, status: u16) -> bool {
        self.old
            .error_for(ErrorRole::PartnerMismatch)
            .is_some_and(|e| e.status == status)
    }

    /// The skip reason when the old generation refuses the partner id.
    fn partner_refused(&self, status: u16) -> String {
        format!(
            "{} answered {status}, its refusal of the partner id: check --partner-id (nothing can be compared)",
            self.old.id
        )
    }

    /// The record field schemas of the new operation, once.
    fn new_fields(&self) -> Vec<(String, Value)> {
        self.new.record_properties(self.ctx.spec())
    }

    /// Every customer in both generations, with equal mapped fields.
    async fn customers(&self) -> Option<String> {
        let (old_walk, new_walk) = match self.walks().await {
            Ok(walks) => walks,
            Err(reason) => return Some(reason),
        };
        let (old_list, new_list) = (
            self.old.list_field().unwrap_or_default(),
            self.new.list_field().unwrap_or_default(),
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
                (&only_old, &old_records, self.old.id, self.new.id),
                (&only_new, &new_records, self.new.id, self.old.id),
            ];
            for (ids, listed, by, not_by) in sides {
                for id in ids {
                    let request = listed.records[id].1;
                    let (old_request, new_request) = if by == self.old.id {
                        (request, &new_walk.pages[0].request)
                    } else {
                        (&old_walk.pages[0].request, request)
                    };
                    self.differ(
                        format!("body.{new_list}[{key}={id}]"),
                        (
                            format!("the same customers in {} and {}", self.old.id, self.new.id),
                            format!("customer {id}: listed by {by}, not by {not_by}"),
                        ),
                        (old_request, new_request),
                        None,
                    );
                }
            }
        } else {
            self.note(format!(
                "the walk of {} or {} stopped at --max-pages: only customers seen in both are compared, and none is reported missing",
                self.old.id, self.new.id
            ));
        }
        let both: Vec<&String> = old_records
            .records
            .keys()
            .filter(|k| new_records.records.contains_key(*k))
            .collect();
        self.observe(
            Part::Response,
            format!("{new_list}[].{key}"),
            if only_old.is_empty() && only_new.is_empty() {
                format!("the same {} customers in both generations", both.len())
            } else {
                format!(
                    "{} in both; only in {}: {}; only in {}: {}",
                    both.len(),
                    self.old.id,
                    only_old.len(),
                    self.new.id,
                    only_new.len()
                )
            },
        );
        let listed = new_walk.records().count();
        let twice = listed - new_records.records.len();
        self.observe(
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
        self.observe_envelope(&old_walk, &new_walk).await;
        if let (Some(old_count), Some(new_count), Some(count)) =
            (old_walk.total(), new_walk.total(), self.new.count_field())
        {
            self.observe(
                Part::Response,
                count,
                format!("{}: {old_count}, {}: {new_count}", self.old.id, self.new.id),
            );
            if old_count != new_count {
                self.differ(
                    format!("body.{count}"),
                    (
                        format!("{old_count}, the total of {}", self.old.id),
                        new_count.to_string(),
                    ),
                    (&old_walk.pages[0].request, &new_walk.pages[0].request),
                    None,
                );
            }
        }
        let fields = self.new_fields();
        let replacements = self.new.record_replacements(self.ctx.spec());
        for (name, replaces) in &replacements {
            let differing: Vec<&String> = both
                .iter()
                .copied()
                .filter(|id| {
                    let a = old_records.records[*id].0.get(&replaces.field);
                    let b = new_records.records[*id].0.get(name);
                    !same_value(a, b)
                })
                .collect();
            let label = format!("{new_list}[].{name}");
            let total = both.len();
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
                self.note(format!(
                    "{}.{} → {}.{name} changed meaning ({}): {showed}",
                    self.old.id,
                    replaces.field,
                    self.new.id,
                    replaces.note.as_deref().unwrap_or("see the table")
                ));
                self.observe(Part::Response, label, showed);
                continue;
            }
            if differing.is_empty() {
                self.observe(
                    Part::Response,
                    label,
                    format!("equal for all {total} customers"),
                );
                continue;
            }
            self.observe(
                Part::Response,
                label,
                format!(
                    "differs for {} of {total} customers ({})",
                    differing.len(),
                    some(differing.iter().copied())
                ),
            );
            let doc = field_doc(&fields, name);
            for id in differing {
                let (a, old_request) = old_records.records[id];
                let (b, new_request) = new_records.records[id];
                self.differ(
                    format!("body.{new_list}[{key}={id}].{name}"),
                    (
                        format!(
                            "{} (= {old_list}.{} of {})",
                            shown(a.get(&replaces.field)),
                            replaces.field,
                            self.old.id
                        ),
                        shown(b.get(name)),
                    ),
                    (old_request, new_request),
                    doc.clone(),
                );
            }
        }
        self.observe_new_and_gone(&fields, &old_records, &new_records, &replacements);
        None
    }

    /// The old success body's own fields (beside the list) that the new one dropped, and the
    /// old path parameters: what the first page of each generation shows of them.
    async fn observe_envelope(&self, old_walk: &Walk, new_walk: &Walk) {
        let (Some(old_page), Some(new_page)) = (old_walk.pages.first(), new_walk.pages.first())
        else {
            return;
        };
        let (Some(a), Some(b)) = (
            self.ctx
                .send(&old_page.request, &Expectation::Success)
                .await,
            self.ctx
                .send(&new_page.request, &Expectation::Success)
                .await,
        ) else {
            return;
        };
        self.observe_gone_fields(&a.body, &b.body, "success body");
        self.observe_path_parameters();
    }

    /// The old path parameters no new parameter replaces (the partner id).
    fn observe_path_parameters(&self) {
        for param in self.old.parameters_in(crate::spec::ParamLocation::Path) {
            if !self
                .new
                .parameters
                .iter()
                .any(|p| p.replaces.as_ref().is_some_and(|r| r.field == param.name))
            {
                self.observe(
                    Part::Request,
                    param.label(),
                    format!(
                        "in every {} request path; {} has no path parameter for it",
                        self.old.id, self.new.id
                    ),
                );
            }
        }
    }

    /// For each top-level field of the old success body that no new field replaces: whether
    /// the old and the new `what` carried it.
    fn observe_gone_fields(&self, old_body: &Value, new_body: &Value, what: &str) {
        let replaced: Vec<String> = self
            .new
            .response(self.new.meta.success_status)
            .and_then(|r| r.schema.get("properties"))
            .and_then(Value::as_object)
            .map(|p| {
                p.values()
                    .filter_map(|s| {
                        serde_json::from_value::<Replaces>(s.get("x-replaces")?.clone()).ok()
                    })
                    .map(|r| r.field)
                    .collect()
            })
            .unwrap_or_default();
        let old_fields = self
            .old
            .response(self.old.meta.success_status)
            .and_then(|r| r.schema.get("properties"))
            .and_then(Value::as_object)
            .map(|p| p.keys().cloned().collect::<Vec<_>>())
            .unwrap_or_default();
        for name in old_fields.iter().filter(|n| !replaced.contains(n)) {
            let had = |body: &Value| match body.get(name) {
                Some(v) => format!("carried {}", shown(Some(v))),
                None => "did not carry it".to_string(),
            };
            self.observe(
                Part::Response,
                name.clone(),
                format!(
                    "the old {what} {}; the new {what} {}",
                    had(old_body),
                    had(new_body)
                ),
            );
        }
    }

    /// How often the new generation's own fields appear, and whether gone fields are still sent.
    fn observe_new_and_gone(
        &self,
        fields: &[(String, Value)],
        old_records: &Keyed<'_>,
        new_records: &Keyed<'_>,
        replacements: &[(String, Replaces)],
    ) {
        let (old_list, new_list) = (
            self.old.list_field().unwrap_or_default(),
            self.new.list_field().unwrap_or_default(),
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
                self.observe(
                    Part::Response,
                    format!("{new_list}[].{name}"),
                    format!("present in {} of {total} records", count(new_records, name)),
                );
            }
        }
        for (name, _) in self.old.record_properties(self.ctx.spec()) {
            if !replacements.iter().any(|(_, r)| r.field == name) {
                self.observe(
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

    /// The customer ids of one request's answer, or `None` when it did not succeed.
    async fn page(&self, op: &Operation, request: &PreparedRequest) -> Option<Vec<String>> {
        let answer = self.ctx.send(request, &Expectation::Success).await?;
        if answer.status != op.meta.success_status {
            return None;
        }
        let key = op.record_key(self.ctx.spec())?;
        Some(
            answer
                .body
                .get(op.list_field()?)
                .and_then(Value::as_array)
                .map(|records| {
                    records
                        .iter()
                        .filter_map(|r| r.get(&key).and_then(Value::as_str).map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
        )
    }

    /// Page n of size L is offset (n - 1) x L: the same customers, page by page, and the same
    /// first page when neither sends paging parameters (if the documented defaults agree).
    async fn paging(&self) -> Option<String> {
        let (Some(old_paging), Some(new_paging)) = (Paging::of(self.old), Paging::of(self.new))
        else {
            return Some("one of the operations is not a paged list".into());
        };
        // The pagination check's small, odd size, valid for both generations.
        let largest = |op: &Operation| largest_page_size(self.ctx, op.id).unwrap_or(1);
        let size =
            crate::checks::pagination::odd_page_size(largest(self.old).min(largest(self.new)));
        let target = self.ctx.client.target();
        let old_base = PreparedRequest::new(self.old, target);
        let new_base = PreparedRequest::new(self.new, target);
        let position_doc = new_paging.position.doc.as_ref().map(doc_label);
        let (mut agreed, mut compared) = (0, 0);
        for index in 0..PAGES {
            let old_request = old_paging.request(self.old, &old_base, index, size);
            let new_request = new_paging.request(self.new, &new_base, index, size);
            let (Some(a), Some(b)) = (
                self.page(self.old, &old_request).await,
                self.page(self.new, &new_request).await,
            ) else {
                continue;
            };
            compared += 1;
            let (a_set, b_set): (BTreeSet<&String>, BTreeSet<&String>) =
                (a.iter().collect(), b.iter().collect());
            if a_set == b_set {
                agreed += 1;
                continue;
            }
            self.differ(
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
            self.note_if_reordered().await;
        }
        self.observe(
            Part::Request,
            new_paging.position.label(),
            format!(
                "{agreed} of {compared} pages of size {size} held the same customers as {}",
                old_paging.position.name
            ),
        );
        // The first pages without paging parameters agree only if the documented defaults do.
        let defaults = |p: &Paging<'_>| (p.size.default().cloned(), p.position.default().cloned());
        let (old_default, new_default) = (defaults(&old_paging), defaults(&new_paging));
        let same_documented_page = old_default.0 == new_default.0
            && old_default.1.and_then(|v| v.as_u64()) == Some(old_paging.position_of(0, 1))
            && new_default.1.and_then(|v| v.as_u64()) == Some(new_paging.position_of(0, 1));
        if !same_documented_page {
            self.observe(
                Part::Request,
                new_paging.size.label(),
                "the documented defaults differ; the default pages were not compared",
            );
            return None;
        }
        let (Some(a), Some(b)) = (
            self.page(self.old, &old_base).await,
            self.page(self.new, &new_base).await,
        ) else {
            return None;
        };
        let defaults_agree = a.iter().collect::<BTreeSet<_>>() == b.iter().collect();
        if !defaults_agree {
            self.differ(
                new_paging.size.label(),
                (
                    format!("the first page without paging parameters: {}", some(&a)),
                    some(&b),
                ),
                (&old_base, &new_base),
                new_paging.size.doc.as_ref().map(doc_label),
            );
        }
        self.observe(
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
    async fn note_if_reordered(&self) {
        let Ok((old_walk, new_walk)) = self.walks().await else {
            return;
        };
        let (a, b) = (keys(&old_walk), keys(&new_walk));
        let (a_set, b_set): (BTreeSet<&String>, BTreeSet<&String>) =
            (a.iter().collect(), b.iter().collect());
        // Only a true permutation is a different order; a repeated customer is a paging fault.
        let permutation = a_set.len() == a.len() && b_set.len() == b.len() && a_set == b_set;
        if a != b && permutation {
            self.note(format!(
                "{} and {} list the same customers in a different order, so equivalent pages hold different customers",
                self.old.id, self.new.id
            ));
        }
    }

    /// The filter pairs: each new parameter replacing an old filter parameter.
    fn filter_pairs(&self) -> Vec<(&Parameter, &Parameter)> {
        self.new
            .value_parameters()
            .filter(|p| p.filter.is_some())
            .filter_map(|new| {
                let replaces = new.replaces.as_ref()?;
                let old = self
                    .old
                    .value_parameters()
                    .find(|p| p.name == replaces.field && p.filter.is_some())?;
                Some((old, new))
            })
            .collect()
    }

    /// Each replaced filter, given the same value in both generations, selects the same
    /// customers. Values come from the old walk, so they work against any data set.
    async fn filters(&self) -> Option<String> {
        let (old_walk, new_walk) = match self.walks().await {
            Ok(walks) => walks,
            Err(reason) => return Some(reason),
        };
        self.new_filters(&new_walk).await;
        let mut ranges: Vec<(&Parameter, &Parameter)> = Vec::new();
        for (old, new) in self.filter_pairs() {
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
                self.compare_selection(&old_walk, &[(old, new, value)])
                    .await;
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
            let field = old_start
                .filter
                .as_ref()
                .map(|f| f.field.clone())
                .unwrap_or_default();
            let mut times: Vec<&str> = old_walk
                .records()
                .filter_map(|r| r.get(&field).and_then(Value::as_str))
                .collect();
            times.sort_unstable();
            if !times.is_empty() {
                let n = times.len();
                let (lo, hi) = (times[n / 4].to_string(), times[(3 * n) / 4].to_string());
                self.compare_selection(
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
    async fn new_filters(&self, new_walk: &Walk) {
        for param in self.new.value_parameters() {
            let Some(filter) = param.filter.as_ref().filter(|_| param.replaces.is_none()) else {
                continue;
            };
            let Some(value) = new_walk
                .records()
                .find_map(|r| r.get(&filter.field).and_then(Value::as_str))
            else {
                continue;
            };
            let request = PreparedRequest::new(self.new, self.ctx.client.target()).with_param(
                self.new,
                &param.name,
                value,
            );
            if let Some(ids) = self.page(self.new, &request).await {
                self.observe(
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
        &self,
        old_walk: &Walk,
        values: &[(&Parameter, &Parameter, String)],
    ) {
        let max_pages = self.ctx.walks.max_pages();
        let old_extra: Vec<(String, String)> = values
            .iter()
            .map(|(o, _, v)| (o.name.clone(), v.clone()))
            .collect();
        let new_extra: Vec<(String, String)> = values
            .iter()
            .map(|(_, n, v)| (n.name.clone(), v.clone()))
            .collect();
        let new_page_size = largest_page_size(self.ctx, self.new.id).unwrap_or(old_walk.page_size);
        let shown_values = values
            .iter()
            .map(|(_, n, v)| format!("{}={v}", n.name))
            .collect::<Vec<_>>()
            .join(" ");
        let (a, b) = match (
            walk(
                self.ctx,
                self.old.id,
                old_walk.page_size,
                &old_extra,
                max_pages,
            )
            .await,
            walk(self.ctx, self.new.id, new_page_size, &new_extra, max_pages).await,
        ) {
            (Ok(a), Ok(b)) if a.complete && b.complete => (a, b),
            (Ok(_), Ok(_)) => {
                self.note(format!(
                    "{shown_values}: a filtered walk stopped at --max-pages; not compared"
                ));
                return;
            }
            (Err(e), _) | (_, Err(e)) => {
                self.note(format!("{shown_values}: not compared ({e})"));
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
            self.observe(
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
        self.differ(
            first_new.label(),
            (
                format!(
                    "the {} customers {} selects with the equivalent filter",
                    a_keys.len(),
                    self.old.id
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

    /// The same customer's budget in both generations: equal amounts (as decimals, from the
    /// text the server sent), unit and currency; and the same refusal for customers whose
    /// association type has no budget.
    async fn budgets(&self) -> Option<String> {
        let (Some(new_param), Some(old_param)) = (
            self.new.value_parameters().find(|p| p.lookup.is_some()),
            self.old.value_parameters().find(|p| p.lookup.is_some()),
        ) else {
            return Some("no customer lookup parameter".into());
        };
        let Some(lookup) = new_param.lookup.as_ref() else {
            return Some("no customer lookup parameter".into());
        };
        let Ok(source) = lookup.source.parse::<OperationId>() else {
            return Some(format!(
                "x-lookup.source `{}` is no operation",
                lookup.source
            ));
        };
        let walk = match self.ctx.walk(source).await {
            Ok(walk) => walk,
            Err(e) => return Some(format!("the customer walk could not be made: {e}")),
        };
        let (mut eligible, mut ineligible) = (Vec::new(), Vec::new());
        for record in walk.records() {
            let Some(id) = record.get(&lookup.field).and_then(Value::as_str) else {
                continue;
            };
            let ok = lookup.eligible.iter().all(|(field, values)| {
                record
                    .get(field)
                    .and_then(Value::as_str)
                    .is_some_and(|v| values.iter().any(|ok| ok == v))
            });
            if ok && eligible.len() < BUDGETS {
                eligible.push(id.to_string());
            } else if !ok && ineligible.len() < REFUSALS {
                ineligible.push(id.to_string());
            }
        }
        let target = self.ctx.client.target();
        let requests = |id: &str| {
            (
                PreparedRequest::new(self.old, target).with_param(self.old, &old_param.name, id),
                PreparedRequest::new(self.new, target).with_param(self.new, &new_param.name, id),
            )
        };
        let fields = self.new_fields();
        let replacements = self.new.record_replacements(self.ctx.spec());
        let is_decimal = |name: &str| {
            fields
                .iter()
                .any(|(n, s)| n == name && s.get("x-decimal") == Some(&Value::Bool(true)))
        };
        let param_doc = new_param.doc.as_ref().map(doc_label);
        let mut equal: BTreeMap<&str, usize> = BTreeMap::new();
        let mut present: BTreeMap<&str, usize> = BTreeMap::new();
        let mut compared = 0;
        for id in &eligible {
            let (old_request, new_request) = requests(id);
            let (Some(a), Some(b)) = (
                self.ctx.send(&old_request, &Expectation::Success).await,
                self.ctx.send(&new_request, &Expectation::Success).await,
            ) else {
                continue;
            };
            let ok = (
                a.status == self.old.meta.success_status,
                b.status == self.new.meta.success_status,
            );
            match ok {
                (true, true) => {}
                (false, false) => continue, // Both refused: the status checks report it.
                (true, false) => {
                    self.differ(
                        new_param.label(),
                        (
                            format!(
                                "{}: customer {id}'s budget, as {} gives it",
                                self.new.meta.success_status, self.old.id
                            ),
                            format!("{} {}", b.status, code_of(self.new, &b)),
                        ),
                        (&old_request, &new_request),
                        param_doc.clone(),
                    );
                    continue;
                }
                (false, true) if self.refuses_partner(a.status) => {
                    return Some(self.partner_refused(a.status));
                }
                (false, true) => {
                    self.differ(
                        new_param.label(),
                        (
                            format!(
                                "the refusal {} gives customer {id} ({} {})",
                                self.old.id,
                                a.status,
                                code_of(self.old, &a)
                            ),
                            format!("{}: a budget", b.status),
                        ),
                        (&old_request, &new_request),
                        param_doc.clone(),
                    );
                    continue;
                }
            }
            if compared == 0 {
                self.observe_gone_fields(&a.body, &b.body, "budget");
                self.observe_path_parameters();
            }
            compared += 1;
            let (old_text, new_text) = (
                decimal::members(&a.raw_body).unwrap_or_default(),
                decimal::members(&b.raw_body).unwrap_or_default(),
            );
            for (name, _) in &fields {
                if b.body.get(name).is_some() {
                    *present.entry(name.as_str()).or_default() += 1;
                }
            }
            for (name, replaces) in &replacements {
                let (x, y) = (a.body.get(&replaces.field), b.body.get(name));
                let agree = if is_decimal(name) {
                    match (old_text.get(&replaces.field), new_text.get(name)) {
                        (Some(x), Some(y)) => decimal::same_amount(x.get(), y.get())
                            .unwrap_or_else(|| x.get() == y.get()),
                        (None, None) => true,
                        _ => false,
                    }
                } else {
                    same_value(x, y)
                };
                if agree {
                    *equal.entry(name.as_str()).or_default() += 1;
                    continue;
                }
                self.differ(
                    format!("body.{name}"),
                    (
                        format!(
                            "{} (= {} of {} for customer {id})",
                            shown(x),
                            replaces.field,
                            self.old.id
                        ),
                        shown(y),
                    ),
                    (&old_request, &new_request),
                    field_doc(&fields, name),
                );
            }
        }
        for (name, replaces) in &replacements {
            let n = equal.get(name.as_str()).copied().unwrap_or(0);
            let how = if is_decimal(name) { " as decimals" } else { "" };
            self.observe(
                Part::Response,
                name.clone(),
                format!(
                    "equal to {}{how} for {n} of {compared} customers",
                    replaces.field
                ),
            );
        }
        for (name, _) in &fields {
            if !replacements.iter().any(|(n, _)| n == name) {
                let n = present.get(name.as_str()).copied().unwrap_or(0);
                self.observe(
                    Part::Response,
                    name.clone(),
                    format!("present in {n} of {compared} budgets"),
                );
            }
        }
        let mut refusals_agree = 0;
        let mut refusal_codes = BTreeSet::new();
        for id in &ineligible {
            let (old_request, new_request) = requests(id);
            let refusal = Expectation::role(ErrorRole::AssociationTypeNotAllowed);
            let (Some(a), Some(b)) = (
                self.ctx.send(&old_request, &refusal).await,
                self.ctx.send(&new_request, &refusal).await,
            ) else {
                continue;
            };
            let role = |op: &Operation, answer: &Exchange| {
                observed_entry(op, answer.status, &answer.body).map(|e| e.role)
            };
            let (x, y) = (role(self.old, &a), role(self.new, &b));
            // Agreement is the same documented refusal; two budgets are not "refused alike".
            if x.is_some_and(|r| r != ErrorRole::Success) && x == y {
                refusals_agree += 1;
                let (old_code, new_code) = (code_of(self.old, &a), code_of(self.new, &b));
                if a.status == b.status && old_code == new_code {
                    continue;
                }
                refusal_codes.insert(format!(
                    "{} {} {old_code} → {} {} {new_code}",
                    self.old.id, a.status, self.new.id, b.status
                ));
                continue;
            }
            self.differ(
                new_param.label(),
                (
                    format!(
                        "the answer {} gives customer {id}: {} {}",
                        self.old.id,
                        a.status,
                        code_of(self.old, &a)
                    ),
                    format!("{} {}", b.status, code_of(self.new, &b)),
                ),
                (&old_request, &new_request),
                param_doc.clone(),
            );
        }
        self.observe(
            Part::Request,
            new_param.label(),
            format!(
                "{compared} budgets of eligible customers compared; {refusals_agree} of {} ineligible customers refused alike{}",
                ineligible.len(),
                if refusal_codes.is_empty() {
                    String::new()
                } else {
                    format!(
                        " (the refusal changed: {})",
                        refusal_codes.into_iter().collect::<Vec<_>>().join("; ")
                    )
                }
            ),
        );
        None
    }
}

/// The documentation row of a record field, for findings.
fn field_doc(fields: &[(String, Value)], field: &str) -> Option<String> {
    fields
        .iter()
        .find(|(name, _)| name == field)
        .and_then(|(_, schema)| {
            serde_json::from_value::<crate::spec::DocRef>(schema.get("x-doc")?.clone()).ok()
        })
        .map(|doc| doc_label(&doc))
}
