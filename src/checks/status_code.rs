//! PC001 `status_code_conformance`: the status is documented, and is the one the request calls for.

use super::context::{doc_label, ResponseContext};
use super::expect::{role_name, Expectation};
use super::finding::{Category, Finding};
use crate::spec::{ErrorEntry, ErrorRole, Operation};
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
    if !documented.contains(&status) {
        return finding(
            format!("one of the documented statuses {documented:?}"),
            format!("{status}"),
        );
    }
    match ctx.expectation {
        Expectation::Success if status != op.meta.success_status => finding(
            format!(
                "{} ({})",
                op.meta.success_status,
                ctx.expectation.describe()
            ),
            describe_answer(op, status, body),
        ),
        Expectation::NotInvalid
            if observed_entry(op, status, body)
                .is_some_and(|e| e.role == ErrorRole::InvalidParameter) =>
        {
            finding(
                "a valid request to be accepted".into(),
                describe_answer(op, status, body),
            )
        }
        Expectation::Role {
            role,
            or_empty_success,
        } => {
            let Some(entry) = op.error_for(*role) else {
                return Vec::new();
            };
            let lenient_ok = *or_empty_success && is_empty_success(op, status, body);
            if status == entry.status || lenient_ok {
                Vec::new()
            } else {
                finding(
                    format!(
                        "{} ({} {})",
                        entry.status,
                        role_name(*role),
                        entry.error_code.as_deref().unwrap_or("")
                    ),
                    describe_answer(op, status, body),
                )
            }
        }
        _ => Vec::new(),
    }
}

/// `200`, or `400 CBC.0100` when the body carries a code.
fn describe_answer(_op: &Operation, status: u16, body: &Value) -> String {
    match body.get("error_code").and_then(Value::as_str) {
        Some(code) => format!("{status} {code}"),
        None => format!("{status}"),
    }
}
