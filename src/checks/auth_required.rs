//! PC018 `auth_required`: missing or wrong credentials never get 200 with data; the documented
//! answer is the unauthenticated entry (the gateway's 401).

use super::context::{doc_label, StatefulContext};
use crate::client::{AuthMode, PreparedRequest};
use crate::outcome::Category;
use crate::outcome::Expectation;
use crate::spec::{ErrorRole, OperationId};

const NAME: &str = "auth_required";

/// Runs the check on `request` (a request of `op` that succeeds with valid credentials).
pub async fn auth_required(ctx: &StatefulContext<'_>, op: OperationId, request: PreparedRequest) {
    let operation = ctx.spec().operation(op);
    let doc = operation
        .error_for(ErrorRole::Unauthenticated)
        .map(|e| doc_label(&e.doc));
    for mode in [AuthMode::Missing, AuthMode::Wrong] {
        let mut request = request.clone();
        request.auth = mode;
        let Some(answer) = ctx
            .send(&request, &Expectation::role(ErrorRole::Unauthenticated))
            .await
        else {
            continue;
        };
        if (200..300).contains(&answer.status) {
            let what = match mode {
                AuthMode::Missing => "no credentials",
                _ => "a wrong token",
            };
            ctx.report(
                NAME,
                Category::Auth,
                "status",
                format!("a refusal of a request with {what}"),
                format!("{} with data", answer.status),
                &request,
                doc.clone(),
            );
        }
    }
}
