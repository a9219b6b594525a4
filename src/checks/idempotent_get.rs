//! PC017 `idempotent_get`: the same GET sent twice gets the same status and body.

use super::{CheckInfo, DocSource, Runner, Verifies};

use super::support::context::{doc_label, StatefulContext};
use crate::client::PreparedRequest;
use crate::outcome::Category;
use crate::outcome::Expectation;
use crate::spec::OperationId;

const NAME: &str = "idempotent_get";

/// Runs the check on `request` (a GET of `op`).
pub async fn idempotent_get(
    ctx: &StatefulContext<'_>,
    op: OperationId,
    request: PreparedRequest,
    expectation: Expectation,
) {
    let operation = ctx.spec().operation(op);
    if !operation.meta.method.eq_ignore_ascii_case("GET") {
        return;
    }
    let (Some(first), Some(second)) = (
        ctx.send(&request, &expectation).await,
        ctx.send(&request, &expectation).await,
    ) else {
        return;
    };
    let doc = Some(doc_label(&operation.meta.doc));
    if first.status != second.status {
        ctx.report(
            NAME,
            Category::Consistency,
            "status",
            format!("{} again", first.status),
            second.status.to_string(),
            &request,
            doc,
        );
    } else if first.body != second.body {
        ctx.report(
            NAME,
            Category::Consistency,
            "body",
            "the same body as the first time",
            "a different body",
            &request,
            doc,
        );
    }
}

/// The catalogue entry of this check (listed in [`super::CHECKS`]).
pub static CHECK: CheckInfo = CheckInfo {
    code: "PC017",
    name: "idempotent_get",
    categories: &[Category::Consistency],
    summary: "The same GET sent twice gets the same status and the same body.",
    reproduce: "Run the curl line twice and diff the bodies.",
    rests_on: DocSource::Operation,
    verifies: &[Verifies::Semantic],
    runner: Runner::Stateful {
        applies: super::is_get,
        walks: super::no_walk,
        run: |ctx, op| {
            Box::pin(async move {
                let (request, expectation) = super::base_request(ctx, op).await;
                idempotent_get(ctx, op, request, expectation).await;
            })
        },
    },
};
