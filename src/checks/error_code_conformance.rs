//! PC002 `error_code_conformance`: the body's error_code is documented for its status and is the
//! one the situation calls for.

use super::{CheckInfo, DocSource, Runner, Verifies};

use super::support::context::{doc_label, ResponseContext};
use crate::outcome::Expectation;
use crate::outcome::{Category, Finding};
use serde_json::Value;

const NAME: &str = "error_code_conformance";

/// Runs the check.
pub fn check(ctx: &ResponseContext) -> Vec<Finding> {
    let op = ctx.op;
    let status = ctx.exchange.status;
    let body = &ctx.exchange.body;
    let mut entries: Vec<_> = op.errors.iter().filter(|e| e.status == status).collect();
    entries.extend(ctx.spec.gateway_answer(op, status, body));
    let coded: Vec<&str> = entries
        .iter()
        .filter_map(|e| e.error_code.as_deref())
        .collect();
    let observed = body.get("error_code");
    let observed_text = observed.map_or_else(|| "no error_code".to_string(), |v| v.to_string());
    let finding = |expected: String, doc: Option<String>| {
        vec![ctx.finding(
            NAME,
            Category::ErrorCode,
            "body.error_code",
            expected,
            observed_text.clone(),
            doc,
        )]
    };
    if status == op.meta.success_status {
        // A success carries the documented success code, or no code where none is documented.
        return match (coded.first(), observed) {
            (Some(code), Some(Value::String(seen))) if seen == code => Vec::new(),
            (Some(code), _) => {
                finding(code.to_string(), entries.first().map(|e| doc_label(&e.doc)))
            }
            (None, None) => Vec::new(),
            (None, Some(_)) => finding(
                "no error_code in a successful answer (returned only on failure)".into(),
                op.response(status)
                    .and_then(|r| r.schema.pointer("/properties/error_code/x-doc"))
                    .and_then(|d| serde_json::from_value(d.clone()).ok())
                    .map(|d| doc_label(&d)),
            ),
        };
    }
    if coded.is_empty() {
        return Vec::new(); // Undocumented status or a bare-string body: other checks speak.
    }
    let seen = observed.and_then(Value::as_str);
    if let Expectation::Role { role, .. } = ctx.expectation {
        if let Some(entry) = ctx.spec.entry_for(op, *role).filter(|e| e.status == status) {
            if let Some(code) = &entry.error_code {
                if !seen.is_some_and(|s| entry.has_code(s)) {
                    // Which code answers the situation may itself be a position (A15).
                    return finding(code.clone(), Some(doc_label(&entry.doc)))
                        .into_iter()
                        .map(|f| f.resting_on(entry.position.as_ref()))
                        .collect();
                }
                return Vec::new();
            }
        }
    }
    match seen {
        Some(code) if entries.iter().any(|e| e.has_code(code)) => Vec::new(),
        _ => finding(
            format!("one of {coded:?} for status {status}"),
            entries.first().map(|e| doc_label(&e.doc)),
        ),
    }
}

/// The catalogue entry of this check (listed in [`super::CHECKS`]).
pub static CHECK: CheckInfo = CheckInfo {
    code: "PC002",
    name: "error_code_conformance",
    categories: &[Category::ErrorCode],
    summary: "The body's error_code is the one the catalogue documents for the status (and the one the situation calls for); a success carries the documented success code or none.",
    reproduce: "Run the curl line and compare error_code with the Returned Values table.",
    rests_on: DocSource::ErrorCatalogue,
    verifies: &[Verifies::RequestConstraints, Verifies::ErrorEntries],
    runner: Runner::PerResponse(check),
};

#[cfg(test)]
mod tests {
    use super::check;
    use crate::checks::support::testing::{answer, customers_success, run, spec};
    use crate::checks::{Category, Expectation, Policies};
    use crate::spec::{ErrorRole, OperationId};
    use serde_json::json;

    #[test]
    fn quiet_on_documented_codes() {
        let spec = spec();
        let p = Policies::default();
        let ok = answer(&spec, OperationId::CustomersV1, 200, customers_success());
        assert!(run(&spec, check, &ok, &Expectation::Success, &p).is_empty());
        let budget_ok = answer(
            &spec,
            OperationId::BudgetV1,
            200,
            json!({"creditAmount": 1}),
        );
        assert!(run(&spec, check, &budget_ok, &Expectation::Success, &p).is_empty());
        let invalid = answer(
            &spec,
            OperationId::BudgetV1,
            400,
            json!({"error_code": "CBC.0100", "error_msg": "x"}),
        );
        assert!(run(
            &spec,
            check,
            &invalid,
            &Expectation::role(ErrorRole::InvalidParameter),
            &p
        )
        .is_empty());
    }

    #[test]
    fn fires_on_wrong_missing_or_unexpected_codes() {
        let spec = spec();
        let p = Policies::default();
        let mut wrong_success = customers_success();
        wrong_success["error_code"] = json!("0");
        let found = run(
            &spec,
            check,
            &answer(&spec, OperationId::CustomersV1, 200, wrong_success),
            &Expectation::Success,
            &p,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].category, Category::ErrorCode);
        assert_eq!(found[0].location, "body.error_code");
        let undocumented = answer(
            &spec,
            OperationId::CustomersV1,
            400,
            json!({"error_code": "CBC.0101", "error_msg": "x"}),
        );
        assert_eq!(
            run(&spec, check, &undocumented, &Expectation::Documented, &p).len(),
            1
        );
        // 403 CBC.0151 is documented for budgets, but the situation called for CBC.0150.
        let other = answer(
            &spec,
            OperationId::BudgetV1,
            403,
            json!({"error_code": "CBC.0151", "error_msg": "x"}),
        );
        assert_eq!(
            run(
                &spec,
                check,
                &other,
                &Expectation::role(ErrorRole::CustomerNotOwned),
                &p
            )
            .len(),
            1
        );
        let code_on_success = answer(
            &spec,
            OperationId::BudgetV1,
            200,
            json!({"error_code": "CBC.0000", "creditAmount": 1}),
        );
        assert_eq!(
            run(&spec, check, &code_on_success, &Expectation::Success, &p).len(),
            1
        );
    }

    #[test]
    fn a_gateway_code_is_documented_for_a_bss_operation_but_not_for_its_errors() {
        let spec = spec();
        let p = Policies::default();
        let gateway = json!({"error_code": "APIGW.0201", "error_msg": "x"});
        let refused = answer(&spec, OperationId::CustomersV1, 400, gateway.clone());
        let malformed = Expectation::role(ErrorRole::MalformedRequest);
        assert!(run(&spec, check, &refused, &malformed, &p).is_empty());
        assert!(run(&spec, check, &refused, &Expectation::Documented, &p).is_empty());
        // An invalid parameter still calls for the operation's own code.
        let invalid = Expectation::role(ErrorRole::InvalidParameter);
        assert_eq!(run(&spec, check, &refused, &invalid, &p).len(), 1);
    }
}
