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

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::checks::walk::Page;
    use crate::client::{PreparedRequest, Target};
    use crate::spec::{OperationId, Spec};
    use serde_json::json;

    /// A one-page walk of `op` holding `records`, keyed by customer_id.
    pub(in crate::migrate) fn walk_of(op: OperationId, records: Vec<Value>) -> Walk {
        let spec = Spec::embedded().unwrap();
        let target = Target {
            bss_base: "http://127.0.0.1:9".into(),
            aicc_base: "http://127.0.0.1:9".into(),
            partner_id: "p".into(),
            embedded: false,
        };
        Walk {
            op,
            page_size: 10,
            pages: vec![Page {
                request: PreparedRequest::new(spec.operation(op), &target),
                count: Some(records.len() as u64),
                records,
            }],
            complete: true,
            key: "customer_id".into(),
        }
    }

    #[test]
    fn examples_name_three_then_count_the_rest() {
        let ids = |n: usize| (0..n).map(|i| format!("c{i}")).collect::<Vec<_>>();
        assert_eq!(some(&ids(0)), "none");
        assert_eq!(some(&ids(3)), "c0, c1, c2");
        assert_eq!(some(&ids(5)), "c0, c1, c2 and 2 more");
    }

    #[test]
    fn values_are_shown_as_json_and_cut_at_80_characters() {
        assert_eq!(shown(None), "absent");
        assert_eq!(shown(Some(&json!("x"))), "\"x\"");
        assert_eq!(shown(Some(&Value::Null)), "null");
        let long = shown(Some(&json!("长".repeat(100))));
        assert_eq!(long.chars().count(), 81);
        assert!(long.ends_with('…'));
    }

    #[test]
    fn a_missing_field_is_the_same_as_null() {
        assert!(same_value(None, Some(&Value::Null)));
        assert!(same_value(Some(&json!(1)), Some(&json!(1))));
        assert!(!same_value(Some(&json!(1)), Some(&json!("1"))));
        assert!(!same_value(None, Some(&json!(""))));
    }

    #[test]
    fn a_field_documentation_row_comes_from_its_x_doc() {
        let spec = Spec::embedded().unwrap();
        let fields = spec
            .operation(OperationId::CustomersV2)
            .record_properties(&spec);
        let (name, _) = fields
            .iter()
            .find(|(_, schema)| schema.get("x-doc").is_some())
            .expect("a documented record field");
        assert!(field_doc(&fields, name).is_some_and(|label| label.contains(" · ")));
        assert_eq!(field_doc(&fields, "no_such_field"), None);
    }

    #[test]
    fn a_walk_keys_its_records_in_order() {
        let walk = walk_of(
            OperationId::CustomersV1,
            vec![
                json!({"customer_id": "b"}),
                json!({"domain_name": "no key"}),
                json!({"customer_id": "a"}),
                json!({"customer_id": "b"}),
            ],
        );
        assert_eq!(keys(&walk), ["b", "a", "b"]);
    }
}
