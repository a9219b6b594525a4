//! Which comparisons a migration makes and how one is run: an [`Aspect`] is one trial
//! `migrate::<new operation>::<aspect>`, dispatched to the file that makes that comparison.

use super::pair::Pair;
use super::{budgets, customers, filters, paging};
use crate::checks::StatefulContext;
use crate::outcome::{NotExercised, Reason};
use crate::spec::{Operation, OperationId};
use std::fmt;

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

/// Runs one aspect for `op` (a new-generation operation); returns why it was not exercised, if
/// it was not.
pub async fn run_aspect(
    ctx: &StatefulContext<'_>,
    op: OperationId,
    aspect: Aspect,
) -> Option<NotExercised> {
    let spec = ctx.spec();
    let new = spec.operation(op);
    let Some(old) = new.replaces() else {
        return Some(NotExercised::new(
            Reason::NotApplicable,
            format!("{op} replaces no operation"),
        ));
    };
    let pair = Pair {
        ctx,
        old: spec.operation(old),
        new,
    };
    match aspect {
        Aspect::Customers => customers::compare(&pair).await,
        Aspect::Paging => paging::compare(&pair).await,
        Aspect::Filters => filters::compare(&pair).await,
        Aspect::Budgets => budgets::compare(&pair).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Spec;

    #[test]
    fn lists_get_three_comparisons_and_lookups_one() {
        let spec = Spec::embedded().unwrap();
        let applicable = |op| applicable(spec.operation(op));
        assert_eq!(
            applicable(OperationId::CustomersV2),
            [Aspect::Customers, Aspect::Paging, Aspect::Filters]
        );
        assert_eq!(applicable(OperationId::BudgetV2), [Aspect::Budgets]);
        assert_eq!(applicable(OperationId::AiccTenant), []);
        let names: Vec<String> = [
            Aspect::Customers,
            Aspect::Paging,
            Aspect::Filters,
            Aspect::Budgets,
        ]
        .iter()
        .map(Aspect::to_string)
        .collect();
        assert_eq!(names, ["customers", "paging", "filters", "budgets"]);
    }
}
