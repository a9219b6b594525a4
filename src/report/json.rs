//! The JSON report: the model as it is, for tools and for reading the findings the human summary
//! leaves out. The main function is [`write_json`].

use super::model::Report;

/// Formats the report as pretty-printed JSON with exactly the top-level keys `summary`,
/// `findings`, `transport` and `trials`, in that order, findings in the order given. It is the
/// model's own `Serialize` output: nothing is added, renamed or dropped here.
pub fn write_json(report: &Report) -> String {
    match serde_json::to_string_pretty(report) {
        Ok(mut text) => {
            text.push('\n');
            text
        }
        // The model has only string keys and plain values, so this cannot happen; if it ever
        // does, the file still parses and says why it is empty instead of holding half a report.
        Err(err) => {
            let message = serde_json::Value::String(format!("cannot serialize report: {err}"));
            format!("{{\n  \"error\": {message}\n}}\n")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::human::fixture::{empty_report, sample_report};
    use super::*;
    use serde_json::Value;

    fn keys(value: &Value) -> Vec<&str> {
        value
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect()
    }

    #[test]
    fn top_level_keys_are_exactly_the_model() {
        let value: Value = serde_json::from_str(&write_json(&sample_report())).unwrap();
        assert_eq!(
            keys(&value),
            [
                "summary",
                "findings",
                "observations",
                "transport",
                "accepted",
                "behaviour_changes",
                "baseline",
                "trials",
                "coverage"
            ]
        );
    }

    #[test]
    fn findings_carry_the_mandated_keys_in_the_given_order() {
        let report = sample_report();
        let value: Value = serde_json::from_str(&write_json(&report)).unwrap();
        let findings = value["findings"].as_array().unwrap();
        assert_eq!(findings.len(), report.findings.len());
        for (json, finding) in findings.iter().zip(&report.findings) {
            for key in [
                "operation",
                "check",
                "category",
                "location",
                "expected",
                "observed",
                "reproduce",
            ] {
                assert!(
                    json.get(key).is_some_and(Value::is_string),
                    "{key} in {json}"
                );
            }
            assert_eq!(json["location"], finding.location.as_str());
        }
        assert_eq!(findings[0]["operation"], "customers_v1");
        assert_eq!(findings[0]["category"], "missing_field");
    }

    #[test]
    fn summary_maps_use_the_string_ids() {
        let value: Value = serde_json::from_str(&write_json(&sample_report())).unwrap();
        assert_eq!(value["summary"]["by_category"]["missing_field"], 3);
        assert_eq!(value["summary"]["by_operation"]["budget_v1"], 1);
        assert_eq!(value["transport"][0]["kind"], "timeout");
        assert_eq!(
            value["trials"][4]["skip_reason"],
            serde_json::json!({"reason": "no_data", "detail": "no fixture for this target"})
        );
    }

    #[test]
    fn empty_report_adds_nothing() {
        let value: Value = serde_json::from_str(&write_json(&empty_report())).unwrap();
        assert_eq!(value["findings"], Value::Array(Vec::new()));
        assert_eq!(value["transport"], Value::Array(Vec::new()));
        assert_eq!(value["trials"], Value::Array(Vec::new()));
        assert_eq!(value["summary"]["notes"], Value::Array(Vec::new()));
        assert_eq!(value["summary"]["findings"], 0);
    }
}
