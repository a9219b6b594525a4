//! The migration table: every field of the old generation, its successor, what changed, and what
//! the target showed. Rows come from `x-replaces` in `schemas/`; the last column from the
//! observations of a `migrate` run. Rendered as Markdown a partner can attach to a change request.

use crate::outcome::MigrationEvidence;
pub use crate::outcome::Part;
use crate::spec::{Change, Operation, OperationId, ParamLocation, Replaces, Spec};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt::Write as _;

/// How an old field fares in the new generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RowChange {
    /// Same name, same meaning.
    Same,
    /// New name, same meaning.
    Renamed,
    /// The meaning changed.
    ChangedMeaning,
    /// Only the new generation has it.
    New,
    /// Only the old generation has it.
    Gone,
}

impl RowChange {
    /// The words of the table.
    pub fn label(self) -> &'static str {
        match self {
            RowChange::Same => "same",
            RowChange::Renamed => "renamed",
            RowChange::ChangedMeaning => "changed meaning",
            RowChange::New => "new",
            RowChange::Gone => "gone",
        }
    }
}

impl From<Change> for RowChange {
    fn from(change: Change) -> Self {
        match change {
            Change::Same => RowChange::Same,
            Change::Renamed => RowChange::Renamed,
            Change::ChangedMeaning => RowChange::ChangedMeaning,
        }
    }
}

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MigrationRow {
    /// The old operation.
    pub old_operation: OperationId,
    /// The new operation.
    pub new_operation: OperationId,
    /// Request or response.
    pub part: Part,
    /// The old field (`None` for a new one).
    pub old: Option<String>,
    /// The new field (`None` for a gone one).
    pub new: Option<String>,
    /// What changed.
    pub change: RowChange,
    /// What a migrating partner should know (from `x-replaces.note`).
    pub note: Option<String>,
    /// What the target showed (`None` when the run did not look).
    pub showed: Option<String>,
    /// For a field compared record by record: how many records agreed, and an example of a
    /// difference (`None` when the run did not compare it that way).
    pub agreement: Option<crate::outcome::Agreement>,
}

impl MigrationRow {
    /// The key observations use for this row: the new name, or the old one when gone.
    pub fn key(&self) -> &str {
        self.new.as_deref().or(self.old.as_deref()).unwrap_or("")
    }
}

/// A field of one generation with its label in the table and what it replaces.
struct Field {
    name: String,
    label: String,
    replaces: Option<Replaces>,
}

/// The request parameters a caller sets (path, query, body), labelled `query.name`.
fn request_fields(op: &Operation) -> Vec<Field> {
    op.parameters
        .iter()
        .filter(|p| p.location != ParamLocation::Header)
        .map(|p| Field {
            name: p.name.clone(),
            label: format!("{}.{}", p.location.as_str(), p.name),
            replaces: p.replaces.clone(),
        })
        .collect()
}

/// The success body's fields, then a list operation's record fields (`list[].field`).
fn response_fields(spec: &Spec, op: &Operation) -> Vec<Field> {
    let mut out = Vec::new();
    let Some(success) = op.response(op.meta.success_status) else {
        return out;
    };
    let body = spec.flatten(&success.file, &success.schema);
    let list = op.list_field();
    if let Some(properties) = body.get("properties").and_then(Value::as_object) {
        for (name, schema) in properties {
            out.push(Field {
                name: name.clone(),
                label: name.clone(),
                replaces: replaces_of(schema),
            });
        }
    }
    if let Some(list) = list {
        for (name, schema) in op.record_properties(spec) {
            out.push(Field {
                name: name.clone(),
                label: format!("{list}[].{name}"),
                replaces: replaces_of(&schema),
            });
        }
    }
    out
}

fn replaces_of(schema: &Value) -> Option<Replaces> {
    serde_json::from_value(schema.get("x-replaces")?.clone()).ok()
}

/// Rows for one part: each new field (with what it replaces, or new), then the old fields no
/// new field replaces (gone). Record fields of the old list match record fields of the new.
fn part_rows(
    old: &Operation,
    new: &Operation,
    part: Part,
    old_fields: Vec<Field>,
    new_fields: Vec<Field>,
    observations: &[MigrationEvidence],
) -> Vec<MigrationRow> {
    let mut rows = Vec::new();
    let record = |label: &str| label.contains("[].");
    for field in &new_fields {
        let old_field = field.replaces.as_ref().and_then(|r| {
            old_fields
                .iter()
                .find(|o| o.name == r.field && record(&o.label) == record(&field.label))
        });
        let (old_label, change, note) = match (&field.replaces, old_field) {
            (Some(replaces), Some(old_field)) => (
                Some(old_field.label.clone()),
                RowChange::from(replaces.change),
                replaces.note.clone(),
            ),
            _ => (None, RowChange::New, None),
        };
        rows.push(MigrationRow {
            old_operation: old.id,
            new_operation: new.id,
            part,
            old: old_label,
            new: Some(field.label.clone()),
            change,
            note,
            showed: None,
            agreement: None,
        });
    }
    for field in &old_fields {
        let replaced = rows
            .iter()
            .any(|r| r.old.as_deref() == Some(field.label.as_str()));
        if !replaced {
            rows.push(MigrationRow {
                old_operation: old.id,
                new_operation: new.id,
                part,
                old: Some(field.label.clone()),
                new: None,
                change: RowChange::Gone,
                note: None,
                showed: None,
                agreement: None,
            });
        }
    }
    for row in &mut rows {
        let of_row: Vec<&MigrationEvidence> = observations
            .iter()
            .filter(|o| o.operation == new.id && o.part == part && o.field == row.key())
            .collect();
        if !of_row.is_empty() {
            let seen: Vec<&str> = of_row.iter().map(|o| o.showed.as_str()).collect();
            row.showed = Some(seen.join("; "));
        }
        row.agreement = of_row.iter().find_map(|o| o.agreement.clone());
    }
    rows
}

/// The table of the (old, new) `pairs` compared, request rows then response rows, with what
/// `observations` say the target showed.
pub fn rows(
    spec: &Spec,
    pairs: &[(OperationId, OperationId)],
    observations: &[MigrationEvidence],
) -> Vec<MigrationRow> {
    let mut out = Vec::new();
    for &(old_id, new_id) in pairs {
        let (old, new) = (spec.operation(old_id), spec.operation(new_id));
        out.extend(part_rows(
            old,
            new,
            Part::Request,
            request_fields(old),
            request_fields(new),
            observations,
        ));
        out.extend(part_rows(
            old,
            new,
            Part::Response,
            response_fields(spec, old),
            response_fields(spec, new),
            observations,
        ));
    }
    out
}

/// Escapes a table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// The table as Markdown, one section per pair of operations.
pub fn markdown(rows: &[MigrationRow]) -> String {
    let mut out = String::new();
    let mut pairs: Vec<(OperationId, OperationId)> = Vec::new();
    for row in rows {
        if !pairs.contains(&(row.old_operation, row.new_operation)) {
            pairs.push((row.old_operation, row.new_operation));
        }
    }
    for (old, new) in pairs {
        let _ = writeln!(out, "### {old} → {new}\n");
        out.push_str(
            "| | Old field | New field | Change | Same or differs | Note | What the target showed |\n",
        );
        out.push_str("|---|---|---|---|---|---|---|\n");
        for row in rows
            .iter()
            .filter(|r| r.old_operation == old && r.new_operation == new)
        {
            let part = row.part.as_str();
            let _ = writeln!(
                out,
                "| {part} | {} | {} | {} | {} | {} | {} |",
                row.old.as_deref().map_or("—".into(), |o| format!("`{o}`")),
                row.new.as_deref().map_or("—".into(), |n| format!("`{n}`")),
                row.change.label(),
                row.agreement
                    .as_ref()
                    .map_or("—".into(), |a| cell(&a.cell())),
                cell(row.note.as_deref().unwrap_or("")),
                cell(row.showed.as_deref().unwrap_or("not exercised by migrate")),
            );
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find<'a>(rows: &'a [MigrationRow], new: &str) -> &'a MigrationRow {
        rows.iter()
            .find(|r| r.new.as_deref() == Some(new))
            .unwrap_or_else(|| panic!("no row for {new}"))
    }

    #[test]
    fn rows_follow_x_replaces() {
        let spec = Spec::embedded().unwrap();
        let rows = rows(&spec, &super::super::pairs(&spec, OperationId::ALL), &[]);
        let account = find(&rows, "customer_infos[].account_name");
        assert_eq!(
            account.old.as_deref(),
            Some("customer_info_list[].domain_name")
        );
        assert_eq!(account.change, RowChange::Renamed);
        let associated = find(&rows, "customer_infos[].associated_on");
        assert_eq!(
            associated.old.as_deref(),
            Some("customer_info_list[].start_time")
        );
        assert_eq!(associated.change, RowChange::ChangedMeaning);
        assert_eq!(
            find(&rows, "body.offset").old.as_deref(),
            Some("query.page_no")
        );
        assert_eq!(find(&rows, "customer_infos[].email").change, RowChange::New);
        assert_eq!(
            find(&rows, "budget_amount").old.as_deref(),
            Some("creditAmount")
        );
        let gone: Vec<&str> = rows
            .iter()
            .filter(|r| r.change == RowChange::Gone)
            .filter_map(|r| r.old.as_deref())
            .collect();
        assert!(gone.contains(&"path.partner_id"), "{gone:?}");
        assert!(gone.contains(&"error_code"), "{gone:?}");
        // Every old customers_v1 and budget_v1 field has exactly one row.
        for old in [
            "query.domain_name",
            "customer_info_list[].countryCode",
            "usedAmount",
        ] {
            assert_eq!(
                rows.iter()
                    .filter(|r| r.old.as_deref() == Some(old))
                    .count(),
                1,
                "{old}"
            );
        }
    }

    #[test]
    fn observations_fill_the_last_column() {
        let spec = Spec::embedded().unwrap();
        let observed = [MigrationEvidence {
            operation: OperationId::CustomersV2,
            part: Part::Response,
            field: "customer_infos[].account_name".into(),
            showed: "equal for 3 of 3 customers".into(),
            agreement: Some(crate::outcome::Agreement {
                compared: 3,
                differing: 0,
                example: None,
            }),
        }];
        let pairs = [(OperationId::CustomersV1, OperationId::CustomersV2)];
        let rows = rows(&spec, &pairs, &observed);
        assert!(rows
            .iter()
            .all(|r| r.new_operation == OperationId::CustomersV2));
        let account = find(&rows, "customer_infos[].account_name");
        assert_eq!(
            account.showed.as_deref(),
            Some("equal for 3 of 3 customers")
        );
        let text = markdown(&rows);
        assert!(text.contains("| response | `customer_info_list[].domain_name` | `customer_infos[].account_name` | renamed | same: 3 of 3 |  | equal for 3 of 3 customers |"), "{text}");
        assert!(text.contains("not exercised by migrate"));
    }
}
