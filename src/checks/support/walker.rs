//! Walking a list operation page by page through a [`StatefulContext`]: the run's shared walk
//! of each list ([`StatefulContext::walk`]), walks with filters, and the base request of an
//! operation. The data a walk yields, and its cache, are in [`super::walk`].

use super::context::StatefulContext;
use super::walk::{ListShape, Page, Walk, WalkError};
use crate::client::PreparedRequest;
use crate::outcome::Expectation;
use crate::spec::{OperationId, PagingRole};
use serde_json::Value;
use std::sync::Arc;

impl StatefulContext<'_> {
    /// The full walk of a list operation at its largest page size, computed once per run.
    pub async fn walk(&self, op: OperationId) -> Result<Arc<Walk>, WalkError> {
        self.walks
            .get(op, |max_pages| async move {
                let size = largest_page_size(self, op).ok_or(WalkError::NotAList(op))?;
                walk(self, op, size, &[], max_pages).await
            })
            .await
    }
}

/// The documented maximum page size of a list operation.
pub fn largest_page_size(ctx: &StatefulContext<'_>, op: OperationId) -> Option<u64> {
    let param = ctx
        .spec()
        .operation(op)
        .paging_parameter(PagingRole::PageSize)?;
    param.limit("maximum").and_then(|n| u64::try_from(n).ok())
}

/// Fetches pages of `op` with `page_size` and extra query parameters until a short page or
/// `max_pages`.
pub async fn walk(
    ctx: &StatefulContext<'_>,
    op: OperationId,
    page_size: u64,
    extra: &[(String, String)],
    max_pages: u64,
) -> Result<Walk, WalkError> {
    let spec = ctx.spec();
    let operation = spec.operation(op);
    let Some(ListShape { paging, list, key }) = ListShape::of(spec, operation) else {
        return Err(WalkError::NotAList(op));
    };
    let count_field = operation.count_field();
    let mut pages = Vec::new();
    let mut complete = false;
    let mut base = PreparedRequest::new(operation, ctx.client.target());
    for (k, v) in extra {
        base = base.with_param(operation, k, v);
    }
    for index in 0..max_pages {
        let page_no = index + 1;
        let request = paging.request(operation, &base, index, page_size);
        let exchange = ctx
            .send(&request, &Expectation::Success)
            .await
            .ok_or(WalkError::Transport(page_no))?;
        if exchange.status != operation.meta.success_status {
            return Err(WalkError::Status {
                page: page_no,
                status: exchange.status,
            });
        }
        // One more record than asked for shows the size was ignored; a hostile page of millions
        // is not kept whole.
        let records: Vec<Value> = exchange
            .body
            .get(list)
            .and_then(Value::as_array)
            .map(|all| {
                all.iter()
                    .take(
                        usize::try_from(page_size)
                            .unwrap_or(usize::MAX)
                            .saturating_add(1),
                    )
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        let count = count_field
            .and_then(|f| exchange.body.get(f))
            .and_then(Value::as_u64);
        let short = (records.len() as u64) < page_size;
        // A page longer than asked for means the size was ignored; going on could fetch the
        // whole list on every page. The walk stops there, incomplete (the pagination check
        // reports the page).
        let overlong = (records.len() as u64) > page_size;
        pages.push(Page {
            request,
            count,
            records,
        });
        if short {
            complete = true;
            break;
        }
        if overlong {
            break;
        }
    }
    Ok(Walk {
        op,
        page_size,
        pages,
        complete,
        key,
    })
}

/// A valid request of `op` whose answer does not depend on chance: for a lookup operation, an
/// id of an eligible record from the source walk ([`super::lookup::valid_request`]); a probe id,
/// answered with any documented non-invalid answer, when the walk has none.
pub async fn base_request(
    sctx: &StatefulContext<'_>,
    op: OperationId,
) -> (PreparedRequest, Expectation) {
    if let Ok(request) = super::lookup::valid_request(sctx, op).await {
        return (request, Expectation::Success);
    }
    let operation = sctx.spec().operation(op);
    let mut request = PreparedRequest::new(operation, sctx.client.target());
    if let Some(param) = operation.value_parameters().find(|p| p.lookup.is_some()) {
        request = request.with_param(operation, &param.name, "partner-conformance-probe");
    }
    (request, Expectation::NotInvalid)
}
