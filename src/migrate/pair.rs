//! What every comparison shares: the old operation and its replacement seen through one
//! context, and the ways a comparison reports (table observations, notes, consistency findings
//! carrying both requests), fetches (both full walks, one page of ids) and describes what the
//! new generation dropped.

use super::helpers::shown;
use super::table::Part;
use super::{MigrationEvidence, CHECK};
use crate::checks::walk::Walk;
use crate::checks::{Category, Expectation, StatefulContext};
use crate::client::PreparedRequest;
use crate::outcome::{NotExercised, Reason};
use crate::spec::{ErrorRole, Operation, Replaces};
use serde_json::Value;

/// An old operation and its replacement, compared through one context.
pub(super) struct Pair<'c, 'a> {
    /// The run's context: client, shared walks, recorder of findings and observations.
    pub(super) ctx: &'c StatefulContext<'a>,
    /// The old-generation operation.
    pub(super) old: &'c Operation,
    /// The operation that replaces it.
    pub(super) new: &'c Operation,
}

impl Pair<'_, '_> {
    /// Records what the target showed for one row of the migration table.
    pub(super) fn observe(&self, part: Part, field: impl Into<String>, showed: impl Into<String>) {
        self.ctx.recorder.migration_evidence(MigrationEvidence {
            operation: self.new.id,
            part,
            field: field.into(),
            showed: showed.into(),
            agreement: None,
        });
    }

    /// Records a response field compared record by record: the sentence, and how many of the
    /// records agreed with an example of a difference (the table's "same or differs" cell).
    pub(super) fn observe_agreement(
        &self,
        field: impl Into<String>,
        showed: impl Into<String>,
        agreement: crate::outcome::Agreement,
    ) {
        self.ctx.recorder.migration_evidence(MigrationEvidence {
            operation: self.new.id,
            part: Part::Response,
            field: field.into(),
            showed: showed.into(),
            agreement: Some(agreement),
        });
    }

    /// A note for the report, marked as migrate's.
    pub(super) fn note(&self, note: String) {
        self.ctx.recorder.note(format!("migrate: {note}"));
    }

    /// A consistency finding about `new_request`, reproduced by both requests.
    pub(super) fn differ(
        &self,
        location: String,
        (expected, observed): (String, String),
        (old_request, new_request): (&PreparedRequest, &PreparedRequest),
        doc: Option<String>,
    ) {
        self.ctx.report_pair(
            CHECK,
            Category::Consistency,
            location,
            expected,
            observed,
            old_request,
            new_request,
            doc,
        );
    }

    /// Both full walks, or why they could not be made.
    pub(super) async fn walks(
        &self,
    ) -> Result<(std::sync::Arc<Walk>, std::sync::Arc<Walk>), NotExercised> {
        let old = self.ctx.walk(self.old.id).await;
        let new = self.ctx.walk(self.new.id).await;
        match (old, new) {
            // Nothing listed in either generation: nothing to compare, not an agreement.
            (Ok(old), Ok(new))
                if old.records().next().is_none() && new.records().next().is_none() =>
            {
                Err(NotExercised::new(
                    Reason::NoData,
                    format!(
                        "the target lists 0 customers ({} and {})",
                        self.old.id, self.new.id
                    ),
                ))
            }
            (Ok(old), Ok(new)) => Ok((old, new)),
            (Err(crate::checks::WalkError::Status { status, .. }), _)
                if self.refuses_partner(status) =>
            {
                Err(self.partner_refused(status))
            }
            (Err(e), _) => Err(e.not_exercised(self.old.id)),
            (_, Err(e)) => Err(e.not_exercised(self.new.id)),
        }
    }

    /// Whether a status of the old operation is its documented refusal of the partner id.
    pub(super) fn refuses_partner(&self, status: u16) -> bool {
        self.old
            .error_for(ErrorRole::PartnerMismatch)
            .is_some_and(|e| e.status == status)
    }

    /// The skip reason when the old generation refuses the partner id.
    pub(super) fn partner_refused(&self, status: u16) -> NotExercised {
        NotExercised::new(
            Reason::CredentialRefused,
            format!(
            "{} answered {status}, its refusal of the partner id: check --partner-id (nothing can be compared)",
                self.old.id
            ),
        )
    }

    /// The record field schemas of the new operation, once.
    pub(super) fn new_fields(&self) -> Vec<(String, Value)> {
        self.new.record_properties(self.ctx.spec())
    }

    /// The customer ids of one request's answer, or `None` when it did not succeed.
    pub(super) async fn page(
        &self,
        op: &Operation,
        request: &PreparedRequest,
    ) -> Option<Vec<String>> {
        let answer = self.ctx.send(request, &Expectation::Success).await?;
        if answer.status != op.meta.success_status {
            return None;
        }
        let key = op.record_key(self.ctx.spec())?;
        Some(
            answer
                .body
                .get(op.list_field()?)
                .and_then(Value::as_array)
                .map(|records| {
                    records
                        .iter()
                        .filter_map(|r| r.get(&key).and_then(Value::as_str).map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
        )
    }

    /// The old path parameters no new parameter replaces (the partner id).
    pub(super) fn observe_path_parameters(&self) {
        for param in self.old.parameters_in(crate::spec::ParamLocation::Path) {
            if !self
                .new
                .parameters
                .iter()
                .any(|p| p.replaces.as_ref().is_some_and(|r| r.field == param.name))
            {
                self.observe(
                    Part::Request,
                    param.label(),
                    format!(
                        "in every {} request path; {} has no path parameter for it",
                        self.old.id, self.new.id
                    ),
                );
            }
        }
    }

    /// For each top-level field of the old success body that no new field replaces: whether
    /// the old and the new `what` carried it.
    pub(super) fn observe_gone_fields(&self, old_body: &Value, new_body: &Value, what: &str) {
        let replaced: Vec<String> = self
            .new
            .response(self.new.meta.success_status)
            .and_then(|r| r.schema.get("properties"))
            .and_then(Value::as_object)
            .map(|p| {
                p.values()
                    .filter_map(|s| {
                        serde_json::from_value::<Replaces>(s.get("x-replaces")?.clone()).ok()
                    })
                    .map(|r| r.field)
                    .collect()
            })
            .unwrap_or_default();
        let old_fields = self
            .old
            .response(self.old.meta.success_status)
            .and_then(|r| r.schema.get("properties"))
            .and_then(Value::as_object)
            .map(|p| p.keys().cloned().collect::<Vec<_>>())
            .unwrap_or_default();
        for name in old_fields.iter().filter(|n| !replaced.contains(n)) {
            let had = |body: &Value| match body.get(name) {
                Some(v) => format!("carried {}", shown(Some(v))),
                None => "did not carry it".to_string(),
            };
            self.observe(
                Part::Response,
                name.clone(),
                format!(
                    "the old {what} {}; the new {what} {}",
                    had(old_body),
                    had(new_body)
                ),
            );
        }
    }
}
