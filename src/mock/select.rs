//! Record selection for list operations: the `x-filter` rules and the `x-paging` parameters.

use super::fixtures::Customer;
use super::validate::{Accepted, ParamValue};
use crate::spec::{CaseRule, Filter, MatchKind, Operation, PagingRole, ParamLocation};
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
    /// The page size used when none was sent, instead of the documented default.
    pub default_page_size: Option<u64>,
    /// The total is the number of records on the page.
    pub count_page_only: bool,
}

/// Applies every filter in effect, then cuts the requested page.
pub fn select<'a>(
    op: &Operation,
    customers: &'a [Customer],
    accepted: &Accepted,
    options: &SelectOptions,
) -> Page<'a> {
    let matching: Vec<&Customer> = customers
        .iter()
        .filter(|c| matches_all(op, c, accepted, options))
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
    let skip = first.saturating_mul(size);
    let mut total = matching.len();
    let records: Vec<&Customer> = matching
        .into_iter()
        .skip(usize::try_from(skip).unwrap_or(usize::MAX))
        .take(usize::try_from(size).unwrap_or(usize::MAX))
        .collect();
    if options.count_page_only {
        total = records.len();
    }
    Page { records, total }
}

fn paging_value(op: &Operation, accepted: &Accepted, role: PagingRole) -> Option<u64> {
    let param = op.paging_parameter(role)?;
    accepted.value(&param.name).and_then(Value::as_u64)
}

fn matches_all(
    op: &Operation,
    customer: &Customer,
    accepted: &Accepted,
    options: &SelectOptions,
) -> bool {
    op.parameters_in(ParamLocation::Query).all(|param| {
        let (Some(filter), Some(value)) = (&param.filter, accepted.values.get(&param.name)) else {
            return true;
        };
        let field = customer.info.get(&filter.field);
        match value {
            ParamValue::MatchEmpty => match field {
                None | Some(Value::Null) => true,
                Some(Value::String(s)) => s.is_empty(),
                Some(_) => false,
            },
            ParamValue::Value(wanted) => {
                let (Some(have), Some(wanted)) = (field.and_then(Value::as_str), wanted.as_str())
                else {
                    return false;
                };
                matches_with(filter, have, wanted, options)
            }
        }
    })
}

/// A filter match, with the deviations of `options`.
fn matches_with(filter: &Filter, have: &str, wanted: &str, options: &SelectOptions) -> bool {
    match filter.kind {
        MatchKind::Substring if options.prefix_only => have.starts_with(wanted),
        MatchKind::Substring if options.ignore_case && filter.case == CaseRule::Sensitive => {
            have.to_lowercase().contains(&wanted.to_lowercase())
        }
        MatchKind::Equals if options.ignore_equals => true,
        MatchKind::AtOrAfter | MatchKind::AtOrBefore if options.exclusive_bounds => {
            filter.kind.matches(have, wanted) && have != wanted
        }
        kind => kind.matches(have, wanted),
    }
}
