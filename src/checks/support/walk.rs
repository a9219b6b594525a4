//! What a walk of every page of a list operation yields (pages, records, why it failed), how a
//! list names its pages ([`Paging`]), and the run's cache of unfiltered walks, shared by the
//! stateful checks (pagination, filter completeness, budgets). Bounded by `--max-pages`. The
//! walking itself, which sends requests, is in `walker.rs`.

use crate::client::PreparedRequest;
use crate::outcome::{NotExercised, Reason};
use crate::spec::{Operation, OperationId, PagingRole, Parameter};
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

impl WalkError {
    /// What a check that needed this walk could not exercise, and why: a page that did not
    /// succeed was judged (and reported) by the per-response checks, so an earlier finding
    /// broke the walk; a transport problem is reported apart.
    pub fn not_exercised(&self, op: OperationId) -> NotExercised {
        let detail = format!("the full walk of {op} failed ({self})");
        match self {
            WalkError::NotAList(_) => NotExercised::new(Reason::NotApplicable, detail),
            WalkError::Transport(_) => NotExercised::new(Reason::NoUsableAnswer, detail),
            WalkError::Status { .. } => NotExercised::new(Reason::BrokenByFinding, detail),
        }
    }
}

/// A walk computed once, or why it could not be.
type WalkCell = Arc<OnceCell<Result<Arc<Walk>, WalkError>>>;

/// The unfiltered walks of a run, one per list operation.
#[derive(Debug)]
pub struct WalkCache {
    max_pages: u64,
    cells: Mutex<HashMap<OperationId, WalkCell>>,
    operations: Option<Vec<OperationId>>,
}

impl WalkCache {
    /// A cache whose walks stop after `max_pages` pages.
    pub fn new(max_pages: u64) -> Self {
        WalkCache {
            max_pages,
            cells: Mutex::new(HashMap::new()),
            operations: None,
        }
    }

    /// Names the operations the run selected. A check that could use another operation's walk
    /// to verify more (the other generation's view of the same customers) does so only for
    /// these, so `--operations` keeps a target's missing API out of the run; a lookup's source
    /// is walked regardless, since the lookup cannot be called without its ids.
    pub fn with_operations(mut self, operations: &[OperationId]) -> Self {
        self.operations = Some(operations.to_vec());
        self
    }

    /// Whether the run selected `op` (every operation, unless [`Self::with_operations`] said).
    pub fn in_run(&self, op: OperationId) -> bool {
        self.operations.as_ref().is_none_or(|ops| ops.contains(&op))
    }

    /// The page bound.
    pub fn max_pages(&self) -> u64 {
        self.max_pages
    }

    /// The walk of `op`, made by `fetch` (given the page bound) on first use and shared by
    /// every later caller, whichever trial asks first.
    pub async fn get<F, Fut>(&self, op: OperationId, fetch: F) -> Result<Arc<Walk>, WalkError>
    where
        F: FnOnce(u64) -> Fut,
        Fut: std::future::Future<Output = Result<Walk, WalkError>>,
    {
        let cell = {
            let mut cells = self.cells.lock().unwrap_or_else(|e| e.into_inner());
            Arc::clone(cells.entry(op).or_default())
        };
        cell.get_or_init(|| async { fetch(self.max_pages).await.map(Arc::new) })
            .await
            .clone()
    }
}

/// How a list operation names a page: a 1-based page number (the old API) or a 0-based record
/// offset (the new one), with the page-size parameter that goes with it.
#[derive(Debug, Clone, Copy)]
pub struct Paging<'a> {
    /// The page number or record offset parameter.
    pub position: &'a Parameter,
    /// The page size parameter.
    pub size: &'a Parameter,
    /// Whether `position` is a record offset.
    pub by_offset: bool,
}

/// A paged list operation's shape: its paging parameters, the field holding its records and the
/// key naming each record. Whatever pages through a list needs all three, or cannot run.
pub struct ListShape<'a> {
    /// The paging parameters.
    pub paging: Paging<'a>,
    /// The body field holding the records.
    pub list: &'a str,
    /// The record field naming each record.
    pub key: String,
}

impl<'a> ListShape<'a> {
    /// The shape of `op`, when it is a paged list with a record key.
    pub fn of(spec: &crate::spec::Spec, op: &'a Operation) -> Option<ListShape<'a>> {
        Some(ListShape {
            paging: Paging::of(op)?,
            list: op.list_field()?,
            key: op.record_key(spec)?,
        })
    }
}

impl<'a> Paging<'a> {
    /// The paging parameters of `op`, when it is a paged list.
    pub fn of(op: &'a Operation) -> Option<Paging<'a>> {
        let size = op.paging_parameter(PagingRole::PageSize)?;
        match op.paging_parameter(PagingRole::PageNumber) {
            Some(position) => Some(Paging {
                position,
                size,
                by_offset: false,
            }),
            None => Some(Paging {
                position: op.paging_parameter(PagingRole::RecordOffset)?,
                size,
                by_offset: true,
            }),
        }
    }

    /// The value of the position parameter for the page at 0-based `index` of `page_size`.
    pub fn position_of(&self, index: u64, page_size: u64) -> u64 {
        // The documented minimum is the first position; without one, pages count from 1 and
        // offsets from 0.
        let first = self
            .position
            .limit("minimum")
            .and_then(|n| u64::try_from(n).ok())
            .unwrap_or(if self.by_offset { 0 } else { 1 });
        if self.by_offset {
            first + index.saturating_mul(page_size)
        } else {
            first + index
        }
    }

    /// The request for page `index` of `page_size`, on top of `base`.
    pub fn request(
        &self,
        op: &Operation,
        base: &PreparedRequest,
        index: u64,
        page_size: u64,
    ) -> PreparedRequest {
        base.clone()
            .with_param(
                op,
                &self.position.name,
                &self.position_of(index, page_size).to_string(),
            )
            .with_param(op, &self.size.name, &page_size.to_string())
    }
}
