//! The readings catalogue (`src/mock/reading.rs`) end to end: the suite run against every other
//! defensible reading of the pages the mock can take. A default run reports no drift (the
//! false-alarm score); where a reading takes the other side of a position, the JSON report shows
//! an observation naming its row, and `--positions strict` turns it into a finding (positions
//! caught); a free reading stays silent even in strict mode. The wire readings are also checked
//! on the wire: gzip only when asked for, chunked framing, `Connection: close`.

use crate::run_suite::{on_two_threads, run, RunResult};
use crate::support::{raw_exchange, Mock};
use partner_conformance::mock::{Reading, ReadingInfo, ReadingSet, Stance, READINGS};
use partner_conformance::spec::OperationId;
use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};

/// The observations of a run's JSON report (the top-level `observations` array).
fn observations(result: &RunResult) -> impl Iterator<Item = &Value> {
    result.report["observations"]
        .as_array()
        .into_iter()
        .flatten()
}

/// One reading's two runs.
struct Scored {
    reading: &'static ReadingInfo,
    default: RunResult,
    strict: RunResult,
}

impl Scored {
    /// Why the default run is not clean, if it is not.
    fn false_alarm(&self) -> Option<String> {
        let findings: Vec<String> = self
            .default
            .findings()
            .map(|f| format!("{} {} at {}", f["check"], f["category"], f["trial"]))
            .collect();
        if self.default.code == 0 && findings.is_empty() {
            return None;
        }
        Some(format!(
            "{}: exit {}, {} findings: {}\n{}",
            self.reading.name,
            self.default.code,
            findings.len(),
            findings
                .iter()
                .take(5)
                .cloned()
                .collect::<Vec<_>>()
                .join("; "),
            self.default.stderr.lines().last().unwrap_or_default()
        ))
    }

    /// Whether an observation of the default run names the reading's row.
    fn observed(&self) -> bool {
        let row = self.reading.rests_on;
        observations(&self.default).any(|o| o["position"].as_str() == row)
    }

    /// Whether the strict run reports the reading as a finding resting on its row.
    fn caught_strict(&self) -> bool {
        let row = self.reading.rests_on;
        self.strict.code == 1
            && self
                .strict
                .findings()
                .any(|f| f["position"].as_str() == row)
    }
}

/// Runs the suite against each reading, by default and with `--positions strict`, with `extra`
/// arguments.
fn score(readings: &[&'static ReadingInfo], extra: &[&str]) -> Vec<Scored> {
    on_two_threads(readings, |reading| {
        let base = [
            "--seed",
            "7",
            "--cases",
            "24",
            "--mock-reading",
            reading.name,
        ];
        let default = run(&[&base[..], extra].concat());
        let strict = run(&[&base[..], &["--positions", "strict"], extra].concat());
        Scored {
            reading,
            default,
            strict,
        }
    })
}

/// Asserts what every reading owes and prints the two scores.
fn judge(scored: &[Scored]) {
    let mut problems = Vec::new();
    let alarms: Vec<String> = scored.iter().filter_map(Scored::false_alarm).collect();
    problems.extend(alarms.iter().cloned());
    let positions: Vec<&Scored> = scored
        .iter()
        .filter(|s| s.reading.stance == Stance::Position)
        .collect();
    let caught = positions.iter().filter(|s| s.caught_strict()).count();
    // Every position reading is probed: some trial sends the request whose answer tells the
    // readings apart, so each is observed by default and caught under --positions strict.
    for s in &positions {
        if !s.observed() {
            problems.push(format!(
                "{}: no observation names {:?}",
                s.reading.name, s.reading.rests_on
            ));
        }
        if !s.caught_strict() {
            problems.push(format!(
                "{}: --positions strict reported no finding resting on {:?} (exit {})",
                s.reading.name, s.reading.rests_on, s.strict.code
            ));
        }
    }
    for s in scored.iter().filter(|s| s.reading.stance == Stance::Free) {
        let findings = s.strict.findings().count();
        if s.strict.code != 0 || findings > 0 {
            problems.push(format!(
                "{}: a free choice got {findings} findings under --positions strict (exit {})",
                s.reading.name, s.strict.code
            ));
        }
    }
    let line = format!(
        "readings: {}/{} clean ({} false alarms)\npositions caught strict: {caught}/{}\n",
        scored.len() - alarms.len(),
        scored.len(),
        alarms.len(),
        positions.len(),
    );
    // Written past the test harness's capture so `cargo test` always shows it, next to the
    // mutation score.
    let _ = std::io::stderr().write_all(line.as_bytes());
    assert!(problems.is_empty(), "{line}{}", problems.join("\n"));
}

/// The false-alarm score: no reading of the catalogue gets a finding by default; each position
/// reading is observed by default and caught under `--positions strict`.
#[test]
fn every_reading_is_clean_and_every_position_is_observed() {
    let readings: Vec<&ReadingInfo> = READINGS.iter().collect();
    judge(&score(&readings, &[]));
}

/// The same scores under `--plan coverage`: its fewer generated cases still probe every
/// position, and still raise no false alarm.
#[test]
fn every_reading_is_clean_and_every_position_is_observed_under_the_coverage_plan() {
    let readings: Vec<&ReadingInfo> = READINGS.iter().collect();
    judge(&score(&readings, &["--plan", "coverage"]));
}

/// Every position the contract takes (an `x-position` of schemas/, the row of a `position`
/// scenario of cases/) has a reading.
#[test]
fn every_position_of_the_contract_has_a_reading() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut rows = std::collections::BTreeSet::new();
    for dir in ["schemas", "cases"] {
        collect_positions(&root.join(dir), &mut rows);
    }
    // The vocabulary describes the keywords in prose: only A-numbers are rows.
    rows.retain(|row| row.starts_with('A') && row[1..].parse::<u32>().is_ok());
    assert!(rows.len() >= 20, "{rows:?}");
    let missing: Vec<&String> = rows
        .iter()
        .filter(|row| !READINGS.iter().any(|r| r.rests_on == Some(row.as_str())))
        .collect();
    assert!(missing.is_empty(), "no reading rests on {missing:?}");
}

/// The A-numbers of every `x-position` and every `position` scenario's `ambiguity` under `dir`.
fn collect_positions(dir: &std::path::Path, rows: &mut std::collections::BTreeSet<String>) {
    fn walk(value: &Value, rows: &mut std::collections::BTreeSet<String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::Object(positions)) = map.get("x-position") {
                    rows.extend(
                        positions
                            .values()
                            .filter_map(|v| v.as_str().map(String::from)),
                    );
                }
                if map.get("basis") == Some(&Value::from("position")) {
                    rows.extend(
                        map.get("ambiguity")
                            .and_then(Value::as_str)
                            .map(String::from),
                    );
                }
                if let Some(Value::String(row)) = map.get("position") {
                    rows.insert(row.clone());
                }
                map.values().for_each(|v| walk(v, rows));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, rows)),
            _ => {}
        }
    }
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_positions(&path, rows);
        } else if path.extension().is_some_and(|e| e == "json") {
            let value: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
                .unwrap_or(Value::Null);
            walk(&value, rows);
        }
    }
}

#[test]
fn list_readings_names_each_reading_and_its_row() {
    let output = Command::new(env!("CARGO_BIN_EXE_partner-conformance"))
        .args(["list", "readings"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    for reading in READINGS {
        let line = text
            .lines()
            .find(|l| l.split_whitespace().next() == Some(reading.name))
            .unwrap_or_else(|| panic!("{} is not listed:\n{text}", reading.name));
        assert!(line.contains(reading.rests_on.unwrap_or("-")), "{line}");
        assert!(line.contains(reading.stance.as_str()), "{line}");
    }
    let typo = Command::new(env!("CARGO_BIN_EXE_partner-conformance"))
        .args(["serve", "--reading", "chunkd"])
        .output()
        .unwrap();
    assert_eq!(typo.status.code(), Some(2));
    let error = String::from_utf8_lossy(&typo.stderr);
    assert!(error.contains("did you mean `chunked`?"), "{error}");
}

/// The wire readings act on the wire: gzip only for a client that accepts it, chunked framing
/// without a Content-Length, and `Connection: close` with the connection closed.
#[tokio::test]
async fn wire_readings_honour_the_request() {
    let mock = Mock::start_reading(ReadingSet::new([
        Reading::GzipWhenAccepted,
        Reading::Chunked,
        Reading::ConnectionClose,
        Reading::ExtraHeaders,
    ]))
    .await;
    let path = mock.path(OperationId::CustomersV1, "page_size=2");
    let token = mock.token(OperationId::CustomersV1);
    let head = |extra: &str| {
        format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Auth-Token: {token}\r\n{extra}\r\n")
    };
    // The suite's client sends no Accept-Encoding: the body must come as it is.
    let plain = raw_exchange(mock.server.addr(), head("").as_bytes()).await;
    let lower = plain.to_ascii_lowercase();
    assert!(lower.starts_with("http/1.1 200"), "{plain}");
    assert!(!lower.contains("content-encoding"), "{plain}");
    assert!(lower.contains("transfer-encoding: chunked"), "{plain}");
    assert!(!lower.contains("content-length"), "{plain}");
    assert!(lower.contains("connection: close"), "{plain}");
    assert!(lower.contains("x-request-id: "), "{plain}");
    assert!(plain.contains("\"customer_info_list\""), "{plain}");

    // A client that accepts gzip gets gzip, which an independent inflater reads back as JSON.
    let response = reqwest::Client::new()
        .get(format!("{}{path}", mock.server.base_url()))
        .header("X-Auth-Token", &token)
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-encoding"], "gzip");
    let packed = response.bytes().await.unwrap();
    let mut python = Command::new("python3")
        .args([
            "-c",
            "import gzip,sys; sys.stdout.buffer.write(gzip.decompress(sys.stdin.buffer.read()))",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    python.stdin.take().unwrap().write_all(&packed).unwrap();
    let inflated = python.wait_with_output().unwrap();
    assert!(inflated.status.success());
    let body: Value = serde_json::from_slice(&inflated.stdout).unwrap();
    assert_eq!(body["customer_info_list"].as_array().unwrap().len(), 2);
}

/// The readings beyond an operation's own logic (the path, the token header's name, the
/// gateway's size limits, the AICC errors' framing) do what the catalogue says on the wire, so
/// the probes of A17, A19, A32 and A29 (`cases/ambiguities/`, the AICC token scenarios) have
/// something to find.
#[tokio::test]
async fn edge_readings_act_as_described() {
    let mock = Mock::start_reading(ReadingSet::new([
        Reading::TrailingSlashRefused,
        Reading::UnderscoreTokenHeader,
        Reading::OversizeStatusCodes,
        Reading::AiccTextErrors,
    ]))
    .await;
    let op = OperationId::CustomersV1;
    let path = mock.path(op, "");
    let token = mock.token(op);
    let slash = mock
        .get(&format!("{path}/"), &[("X-Auth-Token", &token)])
        .await;
    assert_eq!(slash.status, 404, "{:?}", slash.body);
    let underscore = mock.get(&path, &[("X-Auth_Token", &token)]).await;
    assert_eq!(underscore.status, 200, "{:?}", underscore.body);
    let long = format!(
        "{path}?label={}",
        "a".repeat(partner_conformance::mock::MAX_URI_BYTES)
    );
    let refused = mock.get(&long, &[("X-Auth-Token", &token)]).await;
    assert_eq!(refused.status, 414, "{:?}", refused.body);
    let aicc = mock.path(OperationId::AiccTenant, "");
    let response = reqwest::get(format!("{}{aicc}", mock.server.base_url()))
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    let text = response.text().await.unwrap();
    assert!(!text.starts_with('"'), "{text}");
}
