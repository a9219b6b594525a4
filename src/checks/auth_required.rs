//! PC018 `auth_required`: missing or wrong credentials never get 200 with data; the documented
//! answer is the unauthenticated entry (the gateway's 401).

use super::{CheckInfo, DocSource, Runner, Verifies};

use super::support::context::{doc_label, StatefulContext};
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

/// The catalogue entry of this check (listed in [`super::CHECKS`]).
pub static CHECK: CheckInfo = CheckInfo {
    code: "PC018",
    name: "auth_required",
    categories: &[Category::Auth],
    summary: "A request with missing or wrong credentials never gets 200 with data.",
    reproduce: "Run the curl line: it sends no token, or a wrong one.",
    rests_on: DocSource::Operation,
    verifies: &[Verifies::Semantic],
    runner: Runner::Stateful {
        applies: super::always,
        walks: super::no_walk,
        run: |ctx, op| {
            Box::pin(async move {
                let (request, _) = super::base_request(ctx, op).await;
                auth_required(ctx, op, request).await;
            })
        },
    },
};
