//! Record selection for list operations: the `x-filter` rules and the `x-paging` parameters.

use super::fixtures::Customer;
use super::validate::{Accepted, ParamValue};
use crate::spec::{Operation, PagingRole, ParamLocation};
use serde_json::Value;

/// One page of matching records and the total number of matches.
#[derive(Debug)]
pub struct Page<'a> {
    /// Records on the requested page.
    pub records: Vec<&'a Customer>,
    /// Every record that matched the filters.
    pub total: usize,
}

/// Applies every filter in effect, then cuts the requested page.
pub fn select<'a>(op: &Operation, customers: &'a [Customer], accepted: &Accepted) -> Page<'a> {
    let matching: Vec<&Customer> = customers
        .iter()
        .filter(|c| matches_all(op, c, accepted))
        .collect();
    let number = paging_value(op, accepted, PagingRole::PageNumber).unwrap_or(1);
    let size = paging_value(op, accepted, PagingRole::PageSize).unwrap_or(u64::MAX);
    let skip = number.saturating_sub(1).saturating_mul(size);
    let total = matching.len();
    let records = matching
        .into_iter()
        .skip(usize::try_from(skip).unwrap_or(usize::MAX))
        .take(usize::try_from(size).unwrap_or(usize::MAX))
        .collect();
    Page { records, total }
}

fn paging_value(op: &Operation, accepted: &Accepted, role: PagingRole) -> Option<u64> {
    let param = op.paging_parameter(role)?;
    accepted.value(&param.name).and_then(Value::as_u64)
}

fn matches_all(op: &Operation, customer: &Customer, accepted: &Accepted) -> bool {
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
                filter.kind.matches(have, wanted)
            }
        }
    })
}
