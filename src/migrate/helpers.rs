//! Small pure helpers the comparisons share: how a value, a list of examples and a field's
//! documentation row are shown in findings and in the table, when two record values count as
//! the same, and the keys of a walk.

use crate::checks::doc_label;
use crate::checks::walk::Walk;
use serde_json::Value;

/// Differing customers named in one observation.
const EXAMPLES: usize = 3;

/// The keys of a walk, in order.
pub(super) fn keys(walk: &Walk) -> Vec<String> {
    walk.records()
        .filter_map(|r| walk.key_of(r).map(str::to_string))
        .collect()
}

/// `a`, `b` and `c` (and N more).
pub(super) fn some<'a>(items: impl IntoIterator<Item = &'a String>) -> String {
    let items: Vec<&String> = items.into_iter().collect();
    let shown: Vec<&str> = items.iter().take(EXAMPLES).map(|s| s.as_str()).collect();
    if items.len() > EXAMPLES {
        format!("{} and {} more", shown.join(", "), items.len() - EXAMPLES)
    } else if shown.is_empty() {
        "none".into()
    } else {
        shown.join(", ")
    }
}

/// A value as the table and findings show it (`absent` when missing).
pub(super) fn shown(value: Option<&Value>) -> String {
    match value {
        None => "absent".into(),
        Some(v) => {
            let text = v.to_string();
            if text.chars().count() > 80 {
                format!("{}…", text.chars().take(80).collect::<String>())
            } else {
                text
            }
        }
    }
}

/// Whether two record fields hold the same value; a missing field is the same as null.
pub(super) fn same_value(a: Option<&Value>, b: Option<&Value>) -> bool {
    a.filter(|v| !v.is_null()) == b.filter(|v| !v.is_null())
}

/// The documentation row of a record field, for findings.
pub(super) fn field_doc(fields: &[(String, Value)], field: &str) -> Option<String> {
    fields
        .iter()
        .find(|(name, _)| name == field)
        .and_then(|(_, schema)| {
            serde_json::from_value::<crate::spec::DocRef>(schema.get("x-doc")?.clone()).ok()
        })
        .map(|doc| doc_label(&doc))
}
