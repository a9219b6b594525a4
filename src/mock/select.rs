//! Record selection for list operations: the `x-filter` rules and the `x-paging` parameters.
//!
//! The documented match (`matches_with`) decides every answer. The indexes of the fixtures
//! (`column.rs`) only narrow the records it is asked about: the filter whose index names the
//! fewest candidates drives, and when its index is exact (an equal value, a time range, a
//! two-character substring) and no other filter is in effect, the page is cut from the index
//! without reading a record. A selection deviation (a drift or reading in `SelectOptions`)
//! changes what matches, so it reads every record, as the mock did before it had indexes.

use super::column::{Column, Position};
use super::fixtures::{Field, Fixtures};
use super::validate::{Accepted, ParamValue};
use crate::spec::{is_canonical_time, CaseRule, Filter, MatchKind, Operation, PagingRole};
use serde_json::Value;
use std::borrow::Cow;

/// One page of matching records and the total number of matches.
#[derive(Debug)]
pub struct Page {
    /// Positions, in the fixtures, of the records on the requested page.
    pub positions: Vec<usize>,
    /// Every record that matched the filters.
    pub total: usize,
}

/// Deviations from the documented selection, for drift injection. The default is none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SelectOptions {
    /// Substring filters match prefixes only.
    pub prefix_only: bool,
    /// Case-sensitive filters ignore case.
    pub ignore_case: bool,
    /// Time bounds are exclusive.
    pub exclusive_bounds: bool,
    /// Exact-match filters are ignored.
    pub ignore_equals: bool,
    /// Page numbers are read as 0-based.
    pub zero_based_pages: bool,
    /// Record offsets are read as 1-based, so every page starts one record early.
    pub one_based_offsets: bool,
    /// The page size used when none was sent, instead of the documented default.
    pub default_page_size: Option<u64>,
    /// The total is the number of records on the page.
    pub count_page_only: bool,
    /// Seconds added to a record's time before a time bound compares it (a reading in which
    /// the range filters a time the record does not show).
    pub time_offset_seconds: i64,
}

impl SelectOptions {
    /// Whether records match as documented (the paging deviations aside), so the indexes,
    /// built for the documented match, may narrow the records to judge.
    fn documented_match(&self) -> bool {
        !self.prefix_only
            && !self.ignore_case
            && !self.exclusive_bounds
            && !self.ignore_equals
            && self.time_offset_seconds == 0
    }
}

/// A filter in effect: its rule, its value and the field it reads (with its indexes).
type ActiveFilter<'a> = (&'a Filter, &'a ParamValue, Option<&'a Field>);

/// Applies every filter in effect, then cuts the requested page.
pub fn select(
    op: &Operation,
    fixtures: &Fixtures,
    accepted: &Accepted,
    options: &SelectOptions,
) -> Page {
    // The filters in effect, each with the field it reads.
    let filters: Vec<ActiveFilter<'_>> = op
        .value_parameters()
        .filter_map(|param| {
            let filter = param.filter.as_ref()?;
            let value = accepted.values.get(&param.name)?;
            Some((filter, value, fixtures.field(&filter.field)))
        })
        .collect();
    let number = paging_value(op, accepted, PagingRole::PageNumber).unwrap_or(1);
    let mut size = paging_value(op, accepted, PagingRole::PageSize).unwrap_or(u64::MAX);
    if let (Some(size_param), Some(forced)) = (
        op.paging_parameter(PagingRole::PageSize),
        options.default_page_size,
    ) {
        if accepted.defaulted.contains(&size_param.name) {
            size = forced;
        }
    }
    let first = if options.zero_based_pages {
        number
    } else {
        number.saturating_sub(1)
    };
    let skip = match op.paging_parameter(PagingRole::RecordOffset) {
        Some(_) => {
            let offset = paging_value(op, accepted, PagingRole::RecordOffset).unwrap_or(0);
            if options.one_based_offsets {
                offset.saturating_sub(1)
            } else {
                offset
            }
        }
        None => first.saturating_mul(size),
    };
    let skip = usize::try_from(skip).unwrap_or(usize::MAX);
    let take = usize::try_from(size).unwrap_or(usize::MAX);
    let narrowed = if options.documented_match() {
        narrow(&filters, fixtures.customers.len())
    } else {
        None
    };
    let walk = Walk {
        fixtures,
        options,
        skip,
        take,
    };
    let mut page = match narrowed {
        Some((candidates, covered)) => {
            let checks: Vec<_> = filters
                .iter()
                .enumerate()
                .filter(|(i, _)| !covered.contains(i))
                .map(|(_, f)| *f)
                .collect();
            walk.run(candidates.iter().map(|p| *p as usize), &checks)
        }
        None => walk.run(0..fixtures.customers.len(), &filters),
    };
    if options.count_page_only {
        page.total = page.positions.len();
    }
    page
}

/// Cutting a page from candidate positions in fixture order.
struct Walk<'a> {
    fixtures: &'a Fixtures,
    options: &'a SelectOptions,
    skip: usize,
    take: usize,
}

impl Walk<'_> {
    /// One pass over `candidates` judging each by `checks`: count every match, keep only the
    /// requested page. With nothing to judge, the page is cut without a pass.
    fn run(
        &self,
        mut candidates: impl ExactSizeIterator<Item = usize>,
        checks: &[ActiveFilter<'_>],
    ) -> Page {
        if checks.is_empty() {
            let total = candidates.len();
            let first = match self.skip.checked_sub(1) {
                Some(before) => candidates.nth(before).map(|_| ()),
                None => Some(()),
            };
            let positions = match first {
                Some(()) => candidates.take(self.take).collect(),
                None => Vec::new(),
            };
            return Page { positions, total };
        }
        let mut total = 0;
        let mut positions = Vec::new();
        for i in candidates {
            let matches = checks.iter().all(|(filter, value, field)| {
                matches_one(filter, value, field.map(|f| &f.column), i, self)
            });
            if matches {
                if total >= self.skip && positions.len() < self.take {
                    positions.push(i);
                }
                total += 1;
            }
        }
        Page { positions, total }
    }
}

/// Candidates holding every match of the filters, in fixture order, and the filters (by index
/// in `filters`) those candidates match exactly; `None` when no filter in effect has an index
/// that applies. `total` is the number of customers.
///
/// The index naming the fewest candidates drives; each other exact index is intersected with
/// them when that costs less than judging every candidate against its filter.
fn narrow<'a>(
    filters: &[ActiveFilter<'a>],
    total: usize,
) -> Option<(Cow<'a, [Position]>, Vec<usize>)> {
    let mut options = indexed(filters);
    options.sort_by_key(|o| o.list.len());
    let mut options = options.into_iter();
    let first = options.next()?;
    let mut covered = first.covered;
    let mut candidates = match first.by_value {
        true => Cow::Owned(in_fixture_order(&first.list, total)),
        false => first.list,
    };
    for other in options {
        let cost = other.list.len() + total / WORD;
        if other.covered.is_empty() || cost >= JUDGE_COST * candidates.len() {
            continue;
        }
        let marked = marked(&other.list, total);
        candidates.to_mut().retain(|p| {
            marked
                .get(*p as usize / WORD)
                .is_some_and(|w| w & (1 << (*p as usize % WORD)) != 0)
        });
        covered.extend(other.covered);
    }
    Some((candidates, covered))
}

/// How many bits of a bitmap of candidates cost about as much as judging one candidate
/// against a filter (measured: a bit is set or tested in a nanosecond or two, a judgement
/// reads the column and compares in about twenty).
const JUDGE_COST: usize = 12;

/// Bits in a word of a bitmap of positions.
const WORD: usize = u64::BITS as usize;

/// The candidates one index names for the filters in effect.
struct Indexed<'a> {
    /// Positions holding every match of `covered` (all of them if `covered` is empty).
    list: Cow<'a, [Position]>,
    /// Whether `list` is in value order rather than fixture order.
    by_value: bool,
    /// The filters, by index, that `list` matches exactly.
    covered: Vec<usize>,
}

/// Every index that applies to the filters in effect.
fn indexed<'a>(filters: &[ActiveFilter<'a>]) -> Vec<Indexed<'a>> {
    let mut options = Vec::new();
    // Filters already folded into a time range.
    let mut in_range = vec![false; filters.len()];
    for (i, (filter, value, field)) in filters.iter().enumerate() {
        let (Some(field), Some(text)) = (field, wanted(value)) else {
            continue;
        };
        let option = |list: Cow<'a, [Position]>, by_value: bool, covered: Vec<usize>| Indexed {
            list,
            by_value,
            covered,
        };
        match filter.kind {
            MatchKind::Substring => {
                if let Some((list, exact)) = field.bigrams.as_ref().and_then(|b| b.candidates(text))
                {
                    let covered = if exact { vec![i] } else { Vec::new() };
                    options.push(option(Cow::Borrowed(list), false, covered));
                }
            }
            MatchKind::Equals => {
                if let Some(keys) = &field.keys {
                    let found = keys.find(&field.column, text);
                    let list = found.and_then(|p| Position::try_from(p).ok());
                    options.push(option(
                        Cow::Owned(list.into_iter().collect()),
                        false,
                        vec![i],
                    ));
                } else if let Some(sorted) = &field.sorted {
                    let list = sorted.equal(&field.column, text);
                    options.push(option(Cow::Borrowed(list), false, vec![i]));
                }
            }
            MatchKind::AtOrAfter | MatchKind::AtOrBefore => {
                let (Some(sorted), true) = (&field.sorted, field.times) else {
                    continue;
                };
                if in_range[i] {
                    continue;
                }
                // Every time bound on this field at once: the latest lower bound and the
                // earliest upper bound.
                let (mut low, mut high, mut covered) = (None, None, Vec::new());
                let mut usable = true;
                for (j, (other, value, _)) in filters.iter().enumerate() {
                    if other.field != filter.field
                        || !matches!(other.kind, MatchKind::AtOrAfter | MatchKind::AtOrBefore)
                    {
                        continue;
                    }
                    match wanted(value).filter(|t| is_canonical_time(t)) {
                        Some(t) if other.kind == MatchKind::AtOrAfter => {
                            low = low.max(Some(t));
                        }
                        Some(t) => high = Some(high.map_or(t, |h: &str| h.min(t))),
                        None => usable = false,
                    }
                    in_range[j] = true;
                    covered.push(j);
                }
                if usable {
                    let list = sorted.between(&field.column, low, high);
                    options.push(option(Cow::Borrowed(list), true, covered));
                }
            }
        }
    }
    options
}

/// A bitmap of `total` customers with `positions` set.
fn marked(positions: &[Position], total: usize) -> Vec<u64> {
    let mut marked = vec![0u64; total.div_ceil(WORD)];
    for p in positions {
        let p = *p as usize;
        if let Some(word) = marked.get_mut(p / WORD) {
            *word |= 1 << (p % WORD);
        }
    }
    marked
}

/// Positions in fixture order: marked in a bitmap of every customer, then read in order (one
/// pass over `total` bits and the positions, where sorting them cost a comparison per position
/// and a logarithm more).
fn in_fixture_order(positions: &[Position], total: usize) -> Vec<Position> {
    let marked = marked(positions, total);
    let mut ordered = Vec::with_capacity(positions.len());
    for (w, word) in marked.iter().enumerate() {
        let mut bits = *word;
        while bits != 0 {
            let bit = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            if let Ok(p) = Position::try_from(w * WORD + bit) {
                ordered.push(p);
            }
        }
    }
    ordered
}

/// The text a filter wants, when it wants one.
fn wanted(value: &ParamValue) -> Option<&str> {
    match value {
        ParamValue::Value(Value::String(text)) => Some(text.as_str()),
        _ => None,
    }
}

fn paging_value(op: &Operation, accepted: &Accepted, role: PagingRole) -> Option<u64> {
    let param = op.paging_parameter(role)?;
    accepted.value(&param.name).and_then(Value::as_u64)
}

/// Whether record `i` passes one filter, reading its column when the field has one.
fn matches_one(
    filter: &Filter,
    value: &ParamValue,
    column: Option<&Column>,
    i: usize,
    walk: &Walk<'_>,
) -> bool {
    // A field the contract does not filter has no column (a schemas directory other than the
    // one the fixtures were loaded with): the customer is made to read it.
    let customer;
    let have: Option<&str> = match column {
        Some(column) => column.get(i),
        None => {
            customer = walk.fixtures.customers.get(i);
            customer.as_ref().and_then(|c| c.text(&filter.field))
        }
    };
    match value {
        // Null, absent or empty: a non-string value would have a column entry of None too,
        // which the fixtures' schema check rules out for filtered fields.
        ParamValue::MatchEmpty => have.is_none_or(str::is_empty),
        ParamValue::Value(wanted) => match (have, wanted.as_str()) {
            (Some(have), Some(wanted)) => matches_with(filter, have, wanted, walk.options),
            _ => false,
        },
    }
}

/// A filter match, with the deviations of `options`.
fn matches_with(filter: &Filter, have: &str, wanted: &str, options: &SelectOptions) -> bool {
    match filter.kind {
        MatchKind::Substring if options.prefix_only => have.starts_with(wanted),
        MatchKind::Substring if options.ignore_case && filter.case == CaseRule::Sensitive => {
            have.to_lowercase().contains(&wanted.to_lowercase())
        }
        MatchKind::Equals if options.ignore_equals => true,
        MatchKind::AtOrAfter | MatchKind::AtOrBefore if options.time_offset_seconds != 0 => {
            let shifted = crate::spec::parse_time(have).map(|t| {
                (t + chrono::Duration::seconds(options.time_offset_seconds))
                    .format("%Y-%m-%dT%H:%M:%SZ")
                    .to_string()
            });
            shifted
                .is_some_and(|have| matches_with(filter, &have, wanted, &SelectOptions::default()))
        }
        MatchKind::AtOrAfter | MatchKind::AtOrBefore if options.exclusive_bounds => {
            filter.kind.matches(have, wanted) && have != wanted
        }
        kind => kind.matches(have, wanted),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{OperationId, Spec};
    use std::collections::BTreeMap;

    /// What `select` must answer, judging every customer with the documented match.
    fn judged(op: &Operation, fixtures: &Fixtures, accepted: &Accepted) -> Vec<usize> {
        let customers: Vec<_> = fixtures.customers.iter().collect();
        (0..customers.len())
            .filter(|i| {
                op.value_parameters().all(|param| {
                    let (Some(filter), Some(value)) =
                        (&param.filter, accepted.values.get(&param.name))
                    else {
                        return true;
                    };
                    let have = customers[*i].text(&filter.field);
                    match value {
                        ParamValue::MatchEmpty => have.is_none_or(str::is_empty),
                        ParamValue::Value(wanted) => match (have, wanted.as_str()) {
                            (Some(have), Some(wanted)) => filter.kind.matches(have, wanted),
                            _ => false,
                        },
                    }
                })
            })
            .collect()
    }

    /// Filter values drawn from the customers: pieces of their names of one to four
    /// characters, their association types and ids, times around theirs, an empty-value filter.
    fn values(fixtures: &Fixtures, filter: &Filter, seed: usize) -> ParamValue {
        let customers: Vec<_> = fixtures.customers.iter().collect();
        let customer = customers[(seed * 7919) % customers.len()];
        let text = customer.text(&filter.field).unwrap_or("none");
        if seed.is_multiple_of(11) {
            return ParamValue::MatchEmpty;
        }
        let wanted = match filter.kind {
            MatchKind::Substring => {
                let chars: Vec<char> = text.chars().collect();
                let length = (1 + seed % 4).min(chars.len());
                let start = (seed / 4) % (chars.len() - length + 1).max(1);
                chars[start..start + length].iter().collect()
            }
            MatchKind::Equals => text.to_string(),
            MatchKind::AtOrAfter | MatchKind::AtOrBefore => {
                let start = customers[(seed * 104_729) % customers.len()];
                start.text("start_time").unwrap_or_default().to_string()
            }
        };
        ParamValue::Value(Value::String(wanted))
    }

    #[test]
    fn indexes_answer_as_judging_every_customer_does() {
        let spec = Spec::embedded().unwrap();
        let fixtures = Fixtures::embedded(&spec).unwrap();
        for id in [OperationId::CustomersV1, OperationId::CustomersV2] {
            let op = spec.operation(id);
            let filtered: Vec<_> = op
                .value_parameters()
                .filter(|p| p.filter.is_some())
                .collect();
            for seed in 0..600 {
                // One to three filters at once.
                let mut values = BTreeMap::new();
                for k in 0..=(seed % 3) {
                    let param = filtered[(seed * 31 + k * 17) % filtered.len()];
                    let filter = param.filter.as_ref().unwrap();
                    values.insert(
                        param.name.clone(),
                        self::values(&fixtures, filter, seed + k),
                    );
                }
                let accepted = Accepted {
                    values,
                    defaulted: Default::default(),
                };
                let page = select(op, &fixtures, &accepted, &SelectOptions::default());
                let expected = judged(op, &fixtures, &accepted);
                assert_eq!(page.total, expected.len(), "{id} {:?}", accepted.values);
                assert_eq!(page.positions, expected, "{id} {:?}", accepted.values);
            }
        }
    }
}
