//! PC001 `status_code_conformance`: the status is documented, and is the one the request calls for.

use super::{CheckInfo, DocSource, Runner, Verifies};

use super::support::context::{doc_label, ResponseContext};
use crate::outcome::{role_name, Expectation};
use crate::outcome::{Category, Finding};
use crate::spec::{ErrorEntry, ErrorRole, Operation, RuleId};
use serde_json::Value;

const NAME: &str = "status_code_conformance";

/// The catalogue entry an answer matches: same status and (where the entry has one) same code.
pub fn observed_entry<'o>(op: &'o Operation, status: u16, body: &Value) -> Option<&'o ErrorEntry> {
    let code = body.get("error_code").and_then(Value::as_str);
    op.errors
        .iter()
        .find(|e| e.status == status && (e.error_code.is_none() || e.error_code.as_deref() == code))
}

/// Whether a success body has no records (the lenient policies accept that instead of an error).
pub fn is_empty_success(op: &Operation, status: u16, body: &Value) -> bool {
    status == op.meta.success_status
        && op
            .list_field()
            .and_then(|f| body.get(f))
            .and_then(Value::as_array)
            .is_none_or(Vec::is_empty)
}

/// Runs the check.
pub fn check(ctx: &ResponseContext) -> Vec<Finding> {
    let op = ctx.op;
    let status = ctx.exchange.status;
    let body = &ctx.exchange.body;
    let documented: Vec<u16> = op.responses().map(|r| r.status).collect();
    let doc = op.errors.first().map(|e| doc_label(&e.doc));
    let finding = |expected: String, observed: String| {
        vec![ctx.finding(
            NAME,
            Category::StatusCode,
            "status",
            expected,
            observed,
            doc.clone(),
        )]
    };
    // The gateway's own answers (no such API, a malformed request) are documented for every
    // BSS operation, at the statuses of their entries; whether this request called for one is
    // judged below.
    let gateway = ctx.spec.gateway_answer(op, status, body).is_some();
    if !documented.contains(&status) && !gateway {
        return finding(
            format!("one of the documented statuses {documented:?}"),
            format!("{status}"),
        )
        .into_iter()
        .map(|f| f.about(RuleId::response(op.id, "status")))
        .collect();
    }
    match ctx.expectation {
        Expectation::Success if status != op.meta.success_status => finding(
            format!(
                "{} ({})",
                op.meta.success_status,
                ctx.expectation.describe()
            ),
            describe_answer(status, body),
        ),
        Expectation::NotInvalid
            if observed_entry(op, status, body)
                .is_some_and(|e| e.role == ErrorRole::InvalidParameter) =>
        {
            finding(
                "a valid request to be accepted".into(),
                describe_answer(status, body),
            )
        }
        Expectation::Role {
            role,
            or_empty_success,
        } => {
            let Some(entry) = ctx.spec.entry_for(op, *role) else {
                return Vec::new();
            };
            let lenient_ok = *or_empty_success && is_empty_success(op, status, body);
            if status == entry.status || lenient_ok {
                Vec::new()
            } else {
                // Which entry answers the situation may itself be a position (A15, A22), and
                // so may which of an entry's statuses (the gateway's 400 for its 414: A32).
                finding(
                    format!(
                        "{} ({} {})",
                        entry.status,
                        role_name(*role),
                        entry.error_code.as_deref().unwrap_or("")
                    ),
                    describe_answer(status, body),
                )
                .into_iter()
                .map(|f| f.resting_on(entry.position.as_ref()))
                .collect()
            }
        }
        _ => Vec::new(),
    }
}

/// `200`, or `400 CBC.0100` when the body carries a code.
fn describe_answer(status: u16, body: &Value) -> String {
    match body.get("error_code").and_then(Value::as_str) {
        Some(code) => format!("{status} {code}"),
        None => format!("{status}"),
    }
}

/// The catalogue entry of this check (listed in [`super::CHECKS`]).
pub static CHECK: CheckInfo = CheckInfo {
    code: "PC001",
    name: "status_code_conformance",
    categories: &[Category::StatusCode],
    summary: "The HTTP status is one the operation documents, and the one the request calls for: a valid request is never refused as invalid, a request that breaks one documented constraint gets the documented invalid-parameter status.",
    reproduce: "Run the finding's curl line and compare the status with the operation's Returned Values table.",
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

    const OP: OperationId = OperationId::CustomersV1;

    #[test]
    fn quiet_on_the_documented_answers() {
        let spec = spec();
        let p = Policies::default();
        let ok = answer(&spec, OP, 200, customers_success());
        assert!(run(&spec, check, &ok, &Expectation::Success, &p).is_empty());
        let invalid = answer(
            &spec,
            OP,
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
        let not_owned = answer(
            &spec,
            OperationId::BudgetV1,
            403,
            json!({"error_code": "CBC.0150", "error_msg": "x"}),
        );
        assert!(run(&spec, check, &not_owned, &Expectation::NotInvalid, &p).is_empty());
    }

    #[test]
    fn fires_on_undocumented_or_unexpected_statuses() {
        let spec = spec();
        let p = Policies::default();
        let teapot = answer(&spec, OP, 418, json!({}));
        let found = run(&spec, check, &teapot, &Expectation::Documented, &p);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].category, Category::StatusCode);
        assert_eq!(found[0].location, "status");
        let accepted = answer(&spec, OP, 200, customers_success());
        assert_eq!(
            run(
                &spec,
                check,
                &accepted,
                &Expectation::role(ErrorRole::InvalidParameter),
                &p
            )
            .len(),
            1
        );
        let refused = answer(
            &spec,
            OP,
            400,
            json!({"error_code": "CBC.0100", "error_msg": "x"}),
        );
        assert_eq!(
            run(&spec, check, &refused, &Expectation::Success, &p).len(),
            1
        );
        let budget_refused = answer(
            &spec,
            OperationId::BudgetV1,
            400,
            json!({"error_code": "CBC.0100", "error_msg": "x"}),
        );
        assert_eq!(
            run(&spec, check, &budget_refused, &Expectation::NotInvalid, &p).len(),
            1
        );
    }

    #[test]
    fn lenient_expectations_accept_an_empty_success() {
        let spec = spec();
        let p = Policies::default();
        let empty = answer(
            &spec,
            OP,
            200,
            json!({"count": 0, "error_code": "CBC.0000", "error_msg": "success", "customer_info_list": []}),
        );
        let lenient = Expectation::Role {
            role: ErrorRole::InvalidParameter,
            or_empty_success: true,
        };
        assert!(run(&spec, check, &empty, &lenient, &p).is_empty());
        assert_eq!(
            run(
                &spec,
                check,
                &empty,
                &Expectation::role(ErrorRole::InvalidParameter),
                &p
            )
            .len(),
            1
        );
    }

    #[test]
    fn the_gateway_answers_for_every_bss_operation() {
        let spec = spec();
        let p = Policies::default();
        let malformed = Expectation::role(ErrorRole::MalformedRequest);
        let body = |code: &str| json!({"error_code": code, "error_msg": "x"});
        let refused = answer(&spec, OP, 400, body("APIGW.0201"));
        assert!(run(&spec, check, &refused, &malformed, &p).is_empty());
        // 414 is one of the entry's documented statuses; that 400 is expected is A32.
        let too_long = answer(&spec, OP, 414, body("APIGW.0201"));
        let found = run(&spec, check, &too_long, &malformed, &p);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].position.as_ref().map(|p| p.as_str()), Some("A32"));
        // No such API answers a request that called for a success: a finding about the request
        // (whose position, if any, it takes), not an undocumented status.
        let unknown = answer(&spec, OP, 404, body("APIGW.0101"));
        let found = run(&spec, check, &unknown, &Expectation::Success, &p);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].expected.starts_with("200"),
            "{}",
            found[0].expected
        );
        // Another code at 414, or the gateway's code where no gateway answers: undocumented.
        for (op, status, code) in [
            (OP, 414, "CBC.0100"),
            (OperationId::AiccTenant, 404, "APIGW.0101"),
        ] {
            let other = answer(&spec, op, status, body(code));
            let found = run(&spec, check, &other, &Expectation::Documented, &p);
            assert_eq!(found.len(), 1, "{op} {status} {code}");
        }
    }
}
