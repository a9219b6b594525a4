//! PC017 `idempotent_get`: the same GET sent twice gets the same status and body.

use super::context::{doc_label, StatefulContext};
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
