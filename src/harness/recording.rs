//! Recorded behaviour: where the documentation is silent or ambiguous, the question is whether a
//! target still behaves as it did. `run --record DIR` stores each scenario's answer (status,
//! Content-Type, body; volatile values redacted) as an insta snapshot file
//! (`<operation>__<scenario>.snap`, the format `cargo insta` reviews); `run --against-recording
//! DIR` compares answers with them and reports each difference as a behaviour change, apart from
//! spec drift.

use crate::client::Exchange;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// What replaces a volatile value in a recording.
const REDACTED_REQUEST_ID: &str = "[request_id]";

/// The recorded form of an answer: status, Content-Type and body, with the gateway's random
/// `request_id` redacted.
pub fn snapshot_value(exchange: &Exchange) -> Value {
    let mut body = exchange.body.clone();
    if let Some(id) = body.get_mut("request_id") {
        *id = Value::from(REDACTED_REQUEST_ID);
    }
    json!({
        "status": exchange.status,
        "content_type": exchange.header("content-type"),
        "body": body,
    })
}

/// The file of a scenario's recording.
pub fn snapshot_path(dir: &Path, operation: &str, scenario: &str) -> PathBuf {
    dir.join(format!("{operation}__{scenario}.snap"))
}

/// Writes a recording in insta's snapshot file format, with every secret value redacted.
pub fn write(
    path: &Path,
    description: &str,
    info: &str,
    value: &Value,
    secrets: &[String],
) -> std::io::Result<()> {
    let body = serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string());
    let header = format!(
        "---\nsource: partner-conformance run --record\ndescription: {}\nexpression: \"{}\"\n---\n",
        yaml_line(description),
        info.replace('\\', "\\\\").replace('"', "\\\"")
    );
    // Atomic (an interrupted run leaves the previous snapshot or the new one, never half) and
    // redacted, as every file written.
    crate::secret::write_file(
        path,
        &crate::secret::redact(&format!("{header}{body}\n"), secrets),
    )
}

/// Largest recording read: one answer of a documented operation is far smaller.
const MAX_RECORDING_BYTES: u64 = 64 << 20;

/// Reads a recording back; `Ok(None)` when there is no file for the scenario.
pub fn read(path: &Path) -> Result<Option<Value>, String> {
    let text = match crate::files::read_text(path, MAX_RECORDING_BYTES, "a recording") {
        Ok(text) => text,
        Err(crate::files::ReadError::NotFound) => return Ok(None),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let body = text
        .strip_prefix("---\n")
        .and_then(|rest| rest.split_once("\n---\n"))
        .map(|(_, body)| body)
        .ok_or_else(|| format!("{}: not an insta snapshot (no --- header)", path.display()))?;
    serde_json::from_str(body).map(Some).map_err(|e| {
        format!(
            "{}: line {} column {}: {e}",
            path.display(),
            e.line() + 1,
            e.column()
        )
    })
}

/// The places where two recorded answers differ (`status`, `content_type`, `body.count`...).
pub fn differences(recorded: &Value, observed: &Value) -> Vec<String> {
    let mut out = Vec::new();
    diff(recorded, observed, String::new(), &mut out);
    out
}

fn diff(a: &Value, b: &Value, at: String, out: &mut Vec<String>) {
    let child = |key: &str| {
        if at.is_empty() {
            key.to_string()
        } else {
            format!("{at}.{key}")
        }
    };
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                match (x.get(key), y.get(key)) {
                    (Some(p), Some(q)) => diff(p, q, child(key), out),
                    _ => out.push(child(key)),
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                diff(p, q, format!("{at}[{i}]"), out);
            }
        }
        _ if a == b => {}
        _ => out.push(if at.is_empty() {
            "(whole answer)".into()
        } else {
            at
        }),
    }
}

/// A description on one YAML line (no line breaks; quoted when it could be misread).
fn yaml_line(text: &str) -> String {
    let flat = text.replace(['\n', '\r'], " ");
    if flat.contains(": ")
        || flat.starts_with(['"', '\'', '[', '{', '&', '*', '!', '|', '>', '%', '@', '`'])
    {
        format!("\"{}\"", flat.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        flat
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_paths_that_differ() {
        let a = json!({"status": 200, "body": {"count": 3, "list": [1, 2], "x": "same"}});
        let b = json!({"status": 200, "body": {"count": 4, "list": [1, 3], "y": 1, "x": "same"}});
        assert_eq!(
            differences(&a, &b),
            vec!["body.count", "body.list[1]", "body.y"]
        );
        assert!(differences(&a, &a).is_empty());
        assert_eq!(
            differences(&json!({"status": 200}), &json!({"status": 400})),
            vec!["status"]
        );
    }

    #[test]
    fn write_then_read_round_trips() {
        let dir = std::env::temp_dir().join(format!("pc-recording-{}", std::process::id()));
        let path = snapshot_path(&dir, "customers_v1", "a1_x");
        let value =
            json!({"status": 200, "content_type": "application/json", "body": {"a": "b: c"}});
        write(
            &path,
            "a: description \"quoted\"",
            "GET /x?y=1",
            &value,
            &[],
        )
        .unwrap();
        assert_eq!(read(&path).unwrap(), Some(value));
        assert_eq!(read(&dir.join("none.snap")).unwrap(), None);
        std::fs::write(&path, "not a snapshot").unwrap();
        assert!(read(&path).unwrap_err().contains("not an insta snapshot"));
        let _ = std::fs::remove_dir_all(dir);
    }
}
