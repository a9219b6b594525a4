//! Records a lookup operation can be called with (`x-lookup`), taken from the target's own list:
//! customers whose association type has budgets (eligible) or has none (ineligible). A budget
//! call for a customer the target does not list proves nothing, so when the list holds no
//! customer of the kind needed, what needed one is not exercised, with the reason
//! [`Reason::NoData`] and a sentence saying what the target lists.

use super::context::StatefulContext;
use super::walk::Walk;
use crate::client::PreparedRequest;
use crate::outcome::{NotExercised, Reason};
use crate::spec::{Lookup, OperationId};
use serde_json::Value;

/// `1 customer`, `3 customers`: how the sentences of what was not exercised count the list.
pub fn customers(n: usize) -> String {
    match n {
        1 => "1 customer".into(),
        n => format!("{n} customers"),
    }
}

/// Whether `record` is of a kind the lookup operation answers with a record (its association
/// type has budgets).
pub fn is_eligible(lookup: &Lookup, record: &Value) -> bool {
    lookup.eligible.iter().all(|(field, values)| {
        record
            .get(field)
            .and_then(Value::as_str)
            .is_some_and(|v| values.iter().any(|ok| ok == v))
    })
}

/// The kind in words: `cooperation_type 3` (eligible) or `cooperation_type other than 3`.
pub fn describe(lookup: &Lookup, eligible: bool) -> String {
    let connective = if eligible { " or " } else { " nor " };
    let rule = lookup
        .eligible
        .iter()
        .map(|(field, values)| {
            let values = values.join(connective);
            match eligible {
                true => format!("{field} {values}"),
                false => format!("{field} other than {values}"),
            }
        })
        .collect::<Vec<_>>()
        .join(" and ");
    if rule.is_empty() {
        "any association type".into()
    } else {
        rule
    }
}

/// The ids of the walk's records of one kind, in list order.
pub fn ids<'w>(walk: &'w Walk, lookup: &'w Lookup, eligible: bool) -> Vec<&'w str> {
    walk.records()
        .filter(|r| is_eligible(lookup, r) == eligible)
        .filter_map(|r| r.get(&lookup.field).and_then(Value::as_str))
        .collect()
}

/// Why nothing of one kind could be exercised: what the source list holds.
pub fn none_of_kind(walk: &Walk, lookup: &Lookup, eligible: bool) -> NotExercised {
    let listed = walk.records().count();
    let detail = if listed == 0 {
        format!("the target lists 0 customers ({})", walk.op)
    } else {
        let keyed = walk
            .records()
            .filter(|r| r.get(&lookup.field).and_then(Value::as_str).is_some())
            .count();
        if keyed == 0 {
            return NotExercised::new(
                Reason::BrokenByFinding,
                format!(
                    "the {} {} lists carry no {} to look up",
                    customers(listed),
                    walk.op,
                    lookup.field
                ),
            );
        }
        format!(
            "the target lists {} ({}), none with {}",
            customers(listed),
            walk.op,
            describe(lookup, eligible)
        )
    };
    NotExercised::new(Reason::NoData, detail)
}

/// An id of one kind from the target's own list, `preferred` when the list holds it with that
/// kind (a scenario's own value), else the first; or why there is none.
pub async fn pick(
    ctx: &StatefulContext<'_>,
    lookup: &Lookup,
    eligible: bool,
    preferred: Option<&str>,
) -> Result<String, NotExercised> {
    let source = lookup.source.parse::<OperationId>().map_err(|_| {
        NotExercised::new(
            Reason::NotApplicable,
            format!("x-lookup.source `{}` is no operation", lookup.source),
        )
    })?;
    let walk = ctx
        .walk(source)
        .await
        .map_err(|e| e.not_exercised(source))?;
    let ids = ids(&walk, lookup, eligible);
    preferred
        .and_then(|p| ids.iter().find(|id| **id == p))
        .or(ids.first())
        .map(|id| id.to_string())
        .ok_or_else(|| none_of_kind(&walk, lookup, eligible))
}

/// A valid request of `op` whose answer does not depend on chance: for a lookup operation, the
/// id of an eligible customer from the target's own list; or why there is none.
pub async fn valid_request(
    ctx: &StatefulContext<'_>,
    op: OperationId,
) -> Result<PreparedRequest, NotExercised> {
    let operation = ctx.spec().operation(op);
    let request = PreparedRequest::new(operation, ctx.client.target());
    let Some((param, lookup)) = operation
        .value_parameters()
        .find_map(|p| p.lookup.as_ref().map(|l| (p, l)))
    else {
        return Ok(request);
    };
    let id = pick(ctx, lookup, true, None).await?;
    Ok(request.with_param(operation, &param.name, &id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Spec;
    use serde_json::json;

    fn budget_lookup() -> Lookup {
        let spec = Spec::embedded().unwrap();
        spec.operation(OperationId::BudgetV1)
            .parameters
            .iter()
            .find_map(|p| p.lookup.clone())
            .unwrap()
    }

    fn walk(records: Vec<Value>) -> Walk {
        Walk {
            op: OperationId::CustomersV1,
            page_size: 100,
            pages: vec![super::super::walk::Page {
                request: crate::client::PreparedRequest::new(
                    Spec::embedded()
                        .unwrap()
                        .operation(OperationId::CustomersV1),
                    &crate::client::Target {
                        bss_base: "http://127.0.0.1:1".into(),
                        aicc_base: "http://127.0.0.1:1".into(),
                        partner_id: "p".into(),
                        embedded: false,
                    },
                ),
                count: Some(records.len() as u64),
                records,
            }],
            complete: true,
            key: "customer_id".into(),
        }
    }

    #[test]
    fn kinds_are_told_apart_and_an_empty_list_says_so() {
        let lookup = budget_lookup();
        assert_eq!(describe(&lookup, true), "cooperation_type 3");
        assert_eq!(describe(&lookup, false), "cooperation_type other than 3");
        let reseller = json!({"customer_id": "r1", "cooperation_type": "3"});
        let referral = json!({"customer_id": "f1", "cooperation_type": "1"});
        let both = walk(vec![referral.clone(), reseller.clone()]);
        assert_eq!(ids(&both, &lookup, true), ["r1"]);
        assert_eq!(ids(&both, &lookup, false), ["f1"]);
        let empty = none_of_kind(&walk(Vec::new()), &lookup, true);
        assert_eq!(empty.reason, Reason::NoData);
        assert_eq!(empty.detail, "the target lists 0 customers (customers_v1)");
        let one = none_of_kind(&walk(vec![reseller]), &lookup, false);
        assert_eq!(
            one.detail,
            "the target lists 1 customer (customers_v1), none with cooperation_type other than 3"
        );
        let unkeyed = none_of_kind(&walk(vec![json!({"customerId": "x"})]), &lookup, true);
        assert_eq!(unkeyed.reason, Reason::BrokenByFinding);
    }
}
