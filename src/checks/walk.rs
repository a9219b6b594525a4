//! Walking every page of a list operation. The unfiltered walk is computed once per run and
//! shared by the stateful checks (pagination, filter completeness, budgets); filtered walks are
//! made on demand. Bounded by `--max-pages`.

use super::context::StatefulContext;
use super::expect::Expectation;
use crate::client::PreparedRequest;
use crate::spec::{OperationId, PagingRole};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

/// One page as it came back.
#[derive(Debug, Clone)]
pub struct Page {
    /// The request that fetched it.
    pub request: PreparedRequest,
    /// The count field of the page.
    pub count: Option<u64>,
    /// The records.
    pub records: Vec<Value>,
}

/// Every page of one query, in order.
#[derive(Debug, Clone)]
pub struct Walk {
    /// The list operation.
    pub op: OperationId,
    /// The page size used.
    pub page_size: u64,
    /// The pages fetched, the last one empty or short when the walk is complete.
    pub pages: Vec<Page>,
    /// Whether the last page was reached within `--max-pages`.
    pub complete: bool,
    /// The record key field (`x-record-key`).
    pub key: String,
}

impl Walk {
    /// Every record of every page, in order.
    pub fn records(&self) -> impl Iterator<Item = &Value> {
        self.pages.iter().flat_map(|p| p.records.iter())
    }

    /// The key of a record.
    pub fn key_of<'v>(&self, record: &'v Value) -> Option<&'v str> {
        record.get(&self.key).and_then(Value::as_str)
    }

    /// The count the first page reported.
    pub fn total(&self) -> Option<u64> {
        self.pages.first().and_then(|p| p.count)
    }
}

/// Why a walk could not be made.
#[derive(Debug, Clone, thiserror::Error)]
pub enum WalkError {
    /// The operation is not a paged list in the contract.
    #[error("{0} is not a paged list operation")]
    NotAList(OperationId),
    /// A page failed at transport (recorded as a transport problem).
    #[error("page {0} could not be fetched (transport problem)")]
    Transport(u64),
    /// A page did not succeed.
    #[error("page {page} answered {status}")]
    Status {
        /// Page number.
        page: u64,
        /// Status seen.
        status: u16,
    },
}

/// A walk computed once, or why it could not be.
type WalkCell = Arc<OnceCell<Result<Arc<Walk>, WalkError>>>;

/// The unfiltered walks of a run, one per list operation.
#[derive(Debug)]
pub struct WalkCache {
    max_pages: u64,
    cells: Mutex<HashMap<OperationId, WalkCell>>,
}

impl WalkCache {
    /// A cache whose walks stop after `max_pages` pages.
    pub fn new(max_pages: u64) -> Self {
        WalkCache {
            max_pages,
            cells: Mutex::new(HashMap::new()),
        }
    }

    /// The page bound.
    pub fn max_pages(&self) -> u64 {
        self.max_pages
    }

    /// The unfiltered walk of `op` at its largest page size, made on first use.
    pub async fn get(
        &self,
        ctx: &StatefulContext<'_>,
        op: OperationId,
    ) -> Result<Arc<Walk>, WalkError> {
        let cell = {
            let mut cells = self.cells.lock().unwrap_or_else(|e| e.into_inner());
            Arc::clone(cells.entry(op).or_default())
        };
        cell.get_or_init(|| async {
            let size = largest_page_size(ctx, op).ok_or(WalkError::NotAList(op))?;
            walk(ctx, op, size, &[], self.max_pages).await.map(Arc::new)
        })
        .await
        .clone()
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
    let (Some(number), Some(size), Some(list), Some(key)) = (
        operation.paging_parameter(PagingRole::PageNumber),
        operation.paging_parameter(PagingRole::PageSize),
        operation.list_field(),
        operation.record_key(spec),
    ) else {
        return Err(WalkError::NotAList(op));
    };
    let first = number
        .limit("minimum")
        .and_then(|n| u64::try_from(n).ok())
        .unwrap_or(1);
    let count_field = operation.count_field();
    let mut pages = Vec::new();
    let mut complete = false;
    for page_no in first..first + max_pages {
        let mut request = PreparedRequest::new(operation, ctx.client.target());
        for (k, v) in extra {
            request = request.with_query(k, v);
        }
        request = request
            .with_query(&number.name, &page_no.to_string())
            .with_query(&size.name, &page_size.to_string());
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
        let records = exchange
            .body
            .get(list)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let count = count_field
            .and_then(|f| exchange.body.get(f))
            .and_then(Value::as_u64);
        let short = (records.len() as u64) < page_size;
        pages.push(Page {
            request,
            count,
            records,
        });
        if short {
            complete = true;
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
