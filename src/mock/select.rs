//! Record selection for list operations: the `x-filter` rules and the `x-paging` parameters.

use super::fixtures::{Customer, Fixtures};
use super::validate::{Accepted, ParamValue};
use crate::spec::{CaseRule, Filter, MatchKind, Operation, PagingRole};
use serde_json::Value;

/// One page of matching records and the total number of matches.
#[derive(Debug)]
pub struct Page<'a> {
    /// Records on the requested page.
    pub records: Vec<&'a Customer>,
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

/// A filter in effect: its rule, its value and the column of the field it reads.
type ActiveFilter<'a> = (&'a Filter, &'a ParamValue, Option<&'a [Option<Box<str>>]>);

/// Applies every filter in effect, then cuts the requested page.
pub fn select<'a>(
    op: &Operation,
    fixtures: &'a Fixtures,
    accepted: &Accepted,
    options: &SelectOptions,
) -> Page<'a> {
    let customers = &fixtures.customers;
    // The filters in effect, each with the column of the field it reads.
    let filters: Vec<ActiveFilter<'_>> = op
        .value_parameters()
        .filter_map(|param| {
            let filter = param.filter.as_ref()?;
            let value = accepted.values.get(&param.name)?;
            Some((filter, value, fixtures.column(&filter.field)))
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
    // One pass: count every match, keep only the requested page.
    let mut total = 0;
    let mut records: Vec<&Customer> = Vec::new();
    let matching = customers
        .iter()
        .enumerate()
        .filter(|(i, c)| {
            filters
                .iter()
                .all(|(filter, value, column)| matches_one(filter, value, *column, *i, c, options))
        })
        .map(|(_, c)| c);
    for customer in matching {
        if total >= skip && records.len() < take {
            records.push(customer);
        }
        total += 1;
    }
    if options.count_page_only {
        total = records.len();
    }
    Page { records, total }
}

fn paging_value(op: &Operation, accepted: &Accepted, role: PagingRole) -> Option<u64> {
    let param = op.paging_parameter(role)?;
    accepted.value(&param.name).and_then(Value::as_u64)
}

/// Whether record `i` passes one filter, reading its column when the field has one.
fn matches_one(
    filter: &Filter,
    value: &ParamValue,
    column: Option<&[Option<Box<str>>]>,
    i: usize,
    customer: &Customer,
    options: &SelectOptions,
) -> bool {
    let have: Option<&str> = match column {
        Some(column) => column.get(i).and_then(|v| v.as_deref()),
        None => customer.text(&filter.field),
    };
    match value {
        // Null, absent or empty: a non-string value would have a column entry of None too,
        // which the fixtures' schema check rules out for filtered fields.
        ParamValue::MatchEmpty => have.is_none_or(str::is_empty),
        ParamValue::Value(wanted) => match (have, wanted.as_str()) {
            (Some(have), Some(wanted)) => matches_with(filter, have, wanted, options),
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
