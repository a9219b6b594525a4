//! The four comparisons of a migration run, one trial each: customers (the same set, the same
//! mapped fields), paging (page_no/page_size against offset/limit), filters (each replaced filter
//! selects the same customers) and budgets (the same amounts for the same customer).

use super::table::Part;
use super::{Observation, CHECK};
use crate::checks::decimal;
use crate::checks::walk::{walk, Paging, Walk};
use crate::checks::{Category, Expectation, StatefulContext};
use crate::client::PreparedRequest;
use crate::spec::{Change, ErrorRole, MatchKind, Operation, OperationId, Parameter, Replaces};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Page size of the paging comparison: small, and not a divisor of typical totals.
const PAGE_SIZE: u64 = 7;
/// Pages compared at that size.
const PAGES: u64 = 3;
/// Budget-eligible customers whose budgets are compared.
const BUDGETS: usize = 20;
/// Ineligible customers whose refusals are compared.
const REFUSALS: usize = 3;
/// Differing customers named in one observation.
const EXAMPLES: usize = 3;

/// The aspects that apply to a new-generation operation.
pub fn applicable(op: &Operation) -> Vec<&'static str> {
    if op.list_field().is_some() {
        vec!["customers", "paging", "filters"]
    } else if op.value_parameters().any(|p| p.lookup.is_some()) {
        vec!["budgets"]
    } else {
        Vec::new()
    }
}

/// Runs one aspect for `op` (a new-generation operation); returns why it was skipped, if it was.
pub async fn run_aspect(
    ctx: &StatefulContext<'_>,
    op: OperationId,
    aspect: &str,
) -> Option<String> {
    let spec = ctx.spec();
    let new = spec.operation(op);
    let old = spec.operation(new.replaces()?);
    let pair = Pair { ctx, old, new };
    match aspect {
        "customers" => pair.customers().await,
        "paging" => pair.paging().await,
        "filters" => pair.filters().await,
        "budgets" => pair.budgets().await,
        other => Some(format!("unknown migration aspect `{other}`")),
    }
}

/// An old operation and its replacement, compared through one context.
struct Pair<'c, 'a> {
    ctx: &'c StatefulContext<'a>,
    old: &'c Operation,
    new: &'c Operation,
}

/// The customers of one page or walk, by key, in order.
fn keys(walk: &Walk) -> Vec<String> {
    walk.records()
        .filter_map(|r| walk.key_of(r).map(str::to_string))
        .collect()
}

/// `a`, `b` and `c` (and N more).
fn some(items: &[String]) -> String {
    let shown: Vec<&str> = items.iter().take(EXAMPLES).map(String::as_str).collect();
    if items.len() > EXAMPLES {
        format!("{} and {} more", shown.join(", "), items.len() - EXAMPLES)
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

/// Whether two field values are the same: amounts as decimals, anything else as JSON, a
/// missing field the same as null.
fn same(schema_decimal: bool, a: Option<&Value>, b: Option<&Value>) -> bool {
    let a = a.filter(|v| !v.is_null());
    let b = b.filter(|v| !v.is_null());
    match (a, b) {
        (Some(a), Some(b)) if schema_decimal => decimal::same_amount(a, b).unwrap_or(a == b),
        (a, b) => a == b,
    }
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

    /// A consistency finding about `new_request`, reproduced by both requests.
    fn differ(
        &self,
        location: String,
        expected: String,
        observed: String,
        old_request: &PreparedRequest,
        new_request: &PreparedRequest,
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

    fn list(&self, op: &Operation) -> String {
        op.list_field().unwrap_or("records").to_string()
    }

    /// Both full walks, or why they could not be made.
    async fn walks(&self) -> Result<(std::sync::Arc<Walk>, std::sync::Arc<Walk>), String> {
        let old = self.ctx.walk(self.old.id).await;
        let new = self.ctx.walk(self.new.id).await;
        match (old, new) {
            (Ok(old), Ok(new)) => Ok((old, new)),
            (Err(e), _) | (_, Err(e)) => Err(format!("a full walk could not be made: {e}")),
        }
    }

    /// Every customer in both generations, with equal mapped fields.
    async fn customers(&self) -> Option<String> {
        let (old_walk, new_walk) = match self.walks().await {
            Ok(walks) => walks,
            Err(reason) => return Some(reason),
        };
        if !old_walk.complete || !new_walk.complete {
            self.ctx.recorder.note(format!(
                "migrate: the walk of {} or {} stopped at --max-pages; only the customers seen are compared",
                self.old.id, self.new.id
            ));
        }
        let spec = self.ctx.spec();
        let (old_list, new_list) = (self.list(self.old), self.list(self.new));
        let old_records: BTreeMap<String, &Value> = old_walk
            .records()
            .filter_map(|r| Some((old_walk.key_of(r)?.to_string(), r)))
            .collect();
        let new_records: BTreeMap<String, &Value> = new_walk
            .records()
            .filter_map(|r| Some((new_walk.key_of(r)?.to_string(), r)))
            .collect();
        let old_request = &old_walk.pages[0].request;
        let new_request = &new_walk.pages[0].request;
        let only_in = |a: &BTreeMap<String, &Value>, b: &BTreeMap<String, &Value>| -> Vec<String> {
            a.keys().filter(|k| !b.contains_key(*k)).cloned().collect()
        };
        let only_old = only_in(&old_records, &new_records);
        let only_new = only_in(&new_records, &old_records);
        let key = new_walk.key.clone();
        let listed = |id: &String, listed_by: OperationId, missing_from: OperationId| {
            format!("customer {id}: listed by {listed_by}, not by {missing_from}")
        };
        for id in &only_old {
            self.differ(
                format!("body.{new_list}[{key}={id}]"),
                format!("every customer {} lists", self.old.id),
                listed(id, self.old.id, self.new.id),
                old_request,
                new_request,
                None,
            );
        }
        for id in &only_new {
            self.differ(
                format!("body.{new_list}[{key}={id}]"),
                format!("only the customers {} lists", self.old.id),
                listed(id, self.new.id, self.old.id),
                old_request,
                new_request,
                None,
            );
        }
        let both: Vec<&String> = old_records
            .keys()
            .filter(|k| new_records.contains_key(*k))
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
        self.observe(
            Part::Response,
            new_list.clone(),
            format!(
                "{} records in {} pages",
                new_records.len(),
                new_walk.pages.len()
            ),
        );
        if let (Some(old_count), Some(new_count)) = (old_walk.total(), new_walk.total()) {
            let count = self.new.count_field().unwrap_or("count");
            self.observe(
                Part::Response,
                count,
                format!("{}: {old_count}, {}: {new_count}", self.old.id, self.new.id),
            );
            if old_count != new_count {
                self.differ(
                    format!("body.{count}"),
                    format!("{old_count}, the total of {}", self.old.id),
                    new_count.to_string(),
                    old_request,
                    new_request,
                    None,
                );
            }
        }
        let replacements = self.new.record_replacements(spec);
        for (name, replaces) in &replacements {
            let decimal_field = self.is_decimal(name);
            let differing: Vec<(String, Option<&Value>, Option<&Value>)> = both
                .iter()
                .filter_map(|id| {
                    let a = old_records[*id].get(&replaces.field);
                    let b = new_records[*id].get(name);
                    (!same(decimal_field, a, b)).then(|| ((*id).clone(), a, b))
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
                self.ctx.recorder.note(format!(
                    "migrate: {}.{} → {}.{name} changed meaning ({}): {showed}",
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
            let ids: Vec<String> = differing.iter().map(|(id, _, _)| id.clone()).collect();
            self.observe(
                Part::Response,
                label,
                format!(
                    "differs for {} of {total} customers ({})",
                    differing.len(),
                    some(&ids)
                ),
            );
            for (id, a, b) in differing {
                self.differ(
                    format!("body.{new_list}[{key}={id}].{name}"),
                    format!(
                        "{} (= {}.{} of {})",
                        shown(a),
                        old_list,
                        replaces.field,
                        self.old.id
                    ),
                    shown(b),
                    old_request,
                    new_request,
                    self.field_doc(name),
                );
            }
        }
        self.observe_new_and_gone(&new_records, &old_records, &replacements);
        None
    }

    /// How often the new generation's own fields appear, and whether gone fields are still sent.
    fn observe_new_and_gone(
        &self,
        new_records: &BTreeMap<String, &Value>,
        old_records: &BTreeMap<String, &Value>,
        replacements: &[(String, Replaces)],
    ) {
        let spec = self.ctx.spec();
        let (old_list, new_list) = (self.list(self.old), self.list(self.new));
        let total = new_records.len();
        for (name, _) in self.new.record_properties(spec) {
            if replacements.iter().any(|(n, _)| *n == name) {
                continue;
            }
            let present = new_records
                .values()
                .filter(|r| r.get(&name).is_some())
                .count();
            self.observe(
                Part::Response,
                format!("{new_list}[].{name}"),
                format!("present in {present} of {total} records"),
            );
        }
        for (name, _) in self.old.record_properties(spec) {
            if replacements.iter().any(|(_, r)| r.field == name) {
                continue;
            }
            let still = new_records
                .values()
                .filter(|r| r.get(&name).is_some())
                .count();
            let before = old_records
                .values()
                .filter(|r| r.get(&name).is_some())
                .count();
            self.observe(
                Part::Response,
                format!("{old_list}[].{name}"),
                format!("in {before} old records; in {still} of {total} new records"),
            );
        }
    }

    fn is_decimal(&self, field: &str) -> bool {
        self.new
            .record_properties(self.ctx.spec())
            .iter()
            .any(|(name, schema)| {
                name == field && schema.get("x-decimal") == Some(&Value::Bool(true))
            })
    }

    fn field_doc(&self, field: &str) -> Option<String> {
        self.new
            .record_properties(self.ctx.spec())
            .into_iter()
            .find(|(name, _)| name == field)
            .and_then(|(_, schema)| {
                serde_json::from_value::<crate::spec::DocRef>(schema.get("x-doc")?.clone()).ok()
            })
            .map(|doc| crate::checks::doc_label(&doc))
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
    /// first page when neither sends paging parameters.
    async fn paging(&self) -> Option<String> {
        let (Some(old_paging), Some(new_paging)) = (Paging::of(self.old), Paging::of(self.new))
        else {
            return Some("one of the operations is not a paged list".into());
        };
        let target = self.ctx.client.target();
        let old_base = PreparedRequest::new(self.old, target);
        let new_base = PreparedRequest::new(self.new, target);
        let mut agreed = 0;
        let mut compared = 0;
        for index in 0..=PAGES {
            let old_request = old_paging.request(self.old, &old_base, index, PAGE_SIZE);
            let new_request = new_paging.request(self.new, &new_base, index, PAGE_SIZE);
            let (Some(a), Some(b)) = (
                self.page(self.old, &old_request).await,
                self.page(self.new, &new_request).await,
            ) else {
                continue;
            };
            compared += 1;
            if a == b {
                agreed += 1;
                continue;
            }
            self.differ(
                crate::checks::walk::Paging::location(new_paging.position),
                format!(
                    "the customers of {}={} {}={PAGE_SIZE}: {}",
                    old_paging.position.name,
                    old_paging.position_of(index, PAGE_SIZE),
                    old_paging.size.name,
                    some(&a)
                ),
                format!(
                    "{}={} {}={PAGE_SIZE} gave {}",
                    new_paging.position.name,
                    new_paging.position_of(index, PAGE_SIZE),
                    new_paging.size.name,
                    some(&b)
                ),
                &old_request,
                &new_request,
                new_paging
                    .position
                    .doc
                    .as_ref()
                    .map(crate::checks::doc_label),
            );
        }
        let (Some(a), Some(b)) = (
            self.page(self.old, &old_base).await,
            self.page(self.new, &new_base).await,
        ) else {
            return None;
        };
        let defaults_agree = a == b;
        if !defaults_agree {
            self.differ(
                crate::checks::walk::Paging::location(new_paging.size),
                format!("the first page without paging parameters: {}", some(&a)),
                some(&b),
                &old_base,
                &new_base,
                new_paging.size.doc.as_ref().map(crate::checks::doc_label),
            );
        }
        self.observe(
            Part::Request,
            crate::checks::walk::Paging::location(new_paging.position),
            format!(
                "{agreed} of {compared} pages of size {PAGE_SIZE} held the same customers as {}",
                old_paging.position.name
            ),
        );
        self.observe(
            Part::Request,
            crate::checks::walk::Paging::location(new_paging.size),
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
        let pairs = self.filter_pairs();
        let mut ranges: Vec<(&Parameter, &Parameter)> = Vec::new();
        for (old, new) in &pairs {
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
        let start = ranges.iter().find(|(o, _)| {
            o.filter
                .as_ref()
                .is_some_and(|f| f.kind == MatchKind::AtOrAfter)
        });
        let end = ranges.iter().find(|(o, _)| {
            o.filter
                .as_ref()
                .is_some_and(|f| f.kind == MatchKind::AtOrBefore)
        });
        if let (Some((old_start, new_start)), Some((old_end, new_end))) = (start, end) {
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
                    format!("{}.{}", param.location.as_str(), param.name),
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
        let page_size = old_walk.page_size;
        let max_pages = self.ctx.walks.max_pages();
        let old_extra: Vec<(String, String)> = values
            .iter()
            .map(|(o, _, v)| (o.name.clone(), v.clone()))
            .collect();
        let new_page_size =
            crate::checks::walk::largest_page_size(self.ctx, self.new.id).unwrap_or(page_size);
        let new_extra: Vec<(String, String)> = values
            .iter()
            .map(|(_, n, v)| (n.name.clone(), v.clone()))
            .collect();
        let (Ok(a), Ok(b)) = (
            walk(self.ctx, self.old.id, page_size, &old_extra, max_pages).await,
            walk(self.ctx, self.new.id, new_page_size, &new_extra, max_pages).await,
        ) else {
            return;
        };
        let (a_keys, b_keys): (BTreeSet<String>, BTreeSet<String>) = (
            keys(&a).into_iter().collect(),
            keys(&b).into_iter().collect(),
        );
        let shown_values = values
            .iter()
            .map(|(_, n, v)| format!("{}={v}", n.name))
            .collect::<Vec<_>>()
            .join(" ");
        let (_, first_new, _) = &values[0];
        let label = format!("{}.{}", first_new.location.as_str(), first_new.name);
        if a_keys == b_keys {
            for (_, new, value) in values {
                self.observe(
                    Part::Request,
                    format!("{}.{}", new.location.as_str(), new.name),
                    format!("{value:?}: the same {} customers", a_keys.len()),
                );
            }
            return;
        }
        let missing: Vec<String> = a_keys.difference(&b_keys).cloned().collect();
        let extra: Vec<String> = b_keys.difference(&a_keys).cloned().collect();
        for (_, new, value) in values {
            self.observe(
                Part::Request,
                format!("{}.{}", new.location.as_str(), new.name),
                format!(
                    "{value:?}: {} customers in the old, {} in the new generation",
                    a_keys.len(),
                    b_keys.len()
                ),
            );
        }
        let old_request = &a.pages[0].request;
        let new_request = &b.pages[0].request;
        self.differ(
            label,
            format!(
                "the {} customers {} selects with the equivalent filter",
                a_keys.len(),
                self.old.id
            ),
            format!(
                "{shown_values} selected {} (missing: {}; extra: {})",
                b_keys.len(),
                if missing.is_empty() {
                    "none".into()
                } else {
                    some(&missing)
                },
                if extra.is_empty() {
                    "none".into()
                } else {
                    some(&extra)
                }
            ),
            old_request,
            new_request,
            first_new.doc.as_ref().map(crate::checks::doc_label),
        );
    }

    /// The same customer's budget in both generations: equal amounts (as decimals), unit and
    /// currency; and the same refusal for customers whose association type has no budget.
    async fn budgets(&self) -> Option<String> {
        let (Some(new_param), Some(old_param)) = (
            self.new.value_parameters().find(|p| p.lookup.is_some()),
            self.old.value_parameters().find(|p| p.lookup.is_some()),
        ) else {
            return Some("no customer lookup parameter".into());
        };
        let lookup = new_param.lookup.as_ref()?;
        let source: OperationId = lookup.source.parse().ok()?;
        let walk = match self.ctx.walk(source).await {
            Ok(walk) => walk,
            Err(e) => return Some(format!("the customer walk could not be made: {e}")),
        };
        let mut eligible = Vec::new();
        let mut ineligible = Vec::new();
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
        let replacements = self.new.record_replacements(self.ctx.spec());
        let mut equal: BTreeMap<String, usize> = BTreeMap::new();
        let mut compared = 0;
        for id in &eligible {
            let old_request =
                PreparedRequest::new(self.old, target).with_param(self.old, &old_param.name, id);
            let new_request =
                PreparedRequest::new(self.new, target).with_param(self.new, &new_param.name, id);
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
            if ok != (true, true) {
                if ok.0 != ok.1 {
                    self.differ(
                        format!("{}.{}", new_param.location.as_str(), new_param.name),
                        format!(
                            "{}: customer {id}'s budget, as {} answers ({})",
                            b.status, self.old.id, a.status
                        ),
                        format!("{} {}", b.status, shown(b.body.get("error_code"))),
                        &old_request,
                        &new_request,
                        new_param.doc.as_ref().map(crate::checks::doc_label),
                    );
                }
                continue;
            }
            compared += 1;
            for (name, replaces) in &replacements {
                let decimal_field = self.is_decimal(name);
                let (x, y) = (a.body.get(&replaces.field), b.body.get(name));
                if same(decimal_field, x, y) {
                    *equal.entry(name.clone()).or_default() += 1;
                    continue;
                }
                self.differ(
                    format!("body.{name}"),
                    format!(
                        "{} (= {} of {} for customer {id})",
                        shown(x),
                        replaces.field,
                        self.old.id
                    ),
                    shown(y),
                    &old_request,
                    &new_request,
                    self.field_doc(name),
                );
            }
        }
        for (name, replaces) in &replacements {
            let n = equal.get(name).copied().unwrap_or(0);
            let how = if self.is_decimal(name) {
                " as decimals"
            } else {
                ""
            };
            self.observe(
                Part::Response,
                name.clone(),
                format!(
                    "equal to {}{how} for {n} of {compared} customers",
                    replaces.field
                ),
            );
        }
        for (name, _) in self.new.record_properties(self.ctx.spec()) {
            if !replacements.iter().any(|(n, _)| *n == name) {
                self.observe(Part::Response, name, format!("{compared} budgets compared"));
            }
        }
        let mut refusals_agree = 0;
        for id in &ineligible {
            let old_request =
                PreparedRequest::new(self.old, target).with_param(self.old, &old_param.name, id);
            let new_request =
                PreparedRequest::new(self.new, target).with_param(self.new, &new_param.name, id);
            let refusal = Expectation::role(ErrorRole::AssociationTypeNotAllowed);
            let (Some(a), Some(b)) = (
                self.ctx.send(&old_request, &refusal).await,
                self.ctx.send(&new_request, &refusal).await,
            ) else {
                continue;
            };
            let role = |op: &Operation, status: u16, body: &Value| {
                crate::checks::observed_entry(op, status, body).map(|e| e.role)
            };
            let (x, y) = (
                role(self.old, a.status, &a.body),
                role(self.new, b.status, &b.body),
            );
            if x == y {
                refusals_agree += 1;
            } else {
                self.differ(
                    format!("{}.{}", new_param.location.as_str(), new_param.name),
                    format!(
                        "the refusal {} gives customer {id} ({} {})",
                        self.old.id,
                        a.status,
                        shown(a.body.get("error_code"))
                    ),
                    format!("{} {}", b.status, shown(b.body.get("error_code"))),
                    &old_request,
                    &new_request,
                    new_param.doc.as_ref().map(crate::checks::doc_label),
                );
            }
        }
        self.observe(
            Part::Request,
            format!("{}.{}", new_param.location.as_str(), new_param.name),
            format!(
                "{compared} budgets of eligible customers compared; {refusals_agree} of {} ineligible customers refused alike",
                ineligible.len()
            ),
        );
        None
    }
}
