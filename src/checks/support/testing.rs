//! Canned exchanges for the per-response checks' tests: each check gets one answer where it
//! fires and one where it stays quiet.

use super::context::ResponseContext;
use super::policy::Policies;
use crate::client::{Exchange, PreparedRequest, Target};
use crate::outcome::Expectation;
use crate::outcome::Finding;
use crate::spec::{OperationId, Spec};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// The embedded contract.
pub fn spec() -> Arc<Spec> {
    Spec::embedded().expect("embedded schemas")
}

/// An answer of `op` with the documented Content-Type.
pub fn answer(spec: &Spec, op: OperationId, status: u16, body: Value) -> Exchange {
    let operation = spec.operation(op);
    let target = Target {
        bss_base: "http://127.0.0.1:9".into(),
        aicc_base: "http://127.0.0.1:9".into(),
        partner_id: "p".into(),
        embedded: false,
    };
    Exchange {
        request: PreparedRequest::new(operation, &target),
        status,
        headers: vec![("content-type".into(), operation.meta.content_type.clone())],
        raw_body: body.to_string().into_bytes(),
        body,
        elapsed: Duration::ZERO,
        body_is_text: false,
    }
}

/// Runs one per-response check on an exchange.
pub fn run(
    spec: &Spec,
    check: fn(&ResponseContext) -> Vec<Finding>,
    exchange: &Exchange,
    expectation: &Expectation,
    policies: &Policies,
) -> Vec<Finding> {
    let ctx = ResponseContext {
        spec,
        op: spec.operation(exchange.request.operation),
        exchange,
        expectation,
        policies,
        reproduce: &super::context::Reproduce::new(|| "curl ...".to_string()),
        trial: "test",
        rule: &crate::spec::RuleId::valid_request(exchange.request.operation),
        position: None,
    };
    check(&ctx)
}

/// A documented customers_v1 success with one record.
pub fn customers_success() -> Value {
    serde_json::json!({
        "count": 1,
        "error_code": "CBC.0000",
        "error_msg": "success",
        "customer_info_list": [{
            "customer_id": "7ff331de7af7457d8331de0bfe7a42b7",
            "corp_name": null,
            "domain_name": "mingcheng",
            "start_time": "2018-10-11T02:28:34Z",
            "cooperation_type": "1"
        }]
    })
}
