//! The coverage of the documentation: the requirements catalogue holds every documented cell,
//! error and semantic; the embedded mock verifies every documented requirement; each
//! `not_exercised` reason comes from its cause; a target without data says so and fails a
//! coverage gate.

use crate::other_data::{fixtures_file, run_against, Served};
use crate::run_suite::run;
use partner_conformance::checks::support::coverage::catalogue;
use partner_conformance::spec::{Spec, Subject};
use serde_json::Value;
use std::collections::BTreeSet;

/// The record tables of the pages and the list field of the success body that holds them.
const RECORD_TABLES: &[(&str, &str)] = &[
    ("CustomerInfo", "customer_info_list"),
    ("CustomerInformation", "customer_infos"),
];

#[test]
fn the_catalogue_has_an_entry_for_every_documented_cell_error_and_semantic() {
    let spec = Spec::embedded().unwrap();
    let list = catalogue(&spec);
    let ids: BTreeSet<String> = list.iter().map(|r| r.id.to_string()).collect();
    let tsv = include_str!("../data/documented-fields.tsv");
    let mut cells = 0;
    for line in tsv.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (op, place, field) = (cols[0], cols[1], cols[2]);
        let prefix = match place {
            "path" | "query" | "body" => format!("{op}.{place}.{field}"),
            "headers" => format!("{op}.header.{field}"),
            response if response.starts_with("response.") => format!("{op}.{response}.{field}"),
            table => {
                let list_field = RECORD_TABLES
                    .iter()
                    .find(|(t, _)| *t == table)
                    .unwrap_or_else(|| panic!("unknown table {table}"))
                    .1;
                format!("{op}.response.200.{list_field}.{field}")
            }
        };
        let has = |keyword: &str| ids.contains(&format!("{prefix}.{keyword}"));
        let any = ids.iter().any(|id| id.starts_with(&format!("{prefix}.")));
        for (column, keyword) in [
            (3, "type"),
            (4, "maxLength"),
            (5, "minimum"),
            (6, "maximum"),
        ] {
            if cols[column] != "-" {
                cells += 1;
                assert!(
                    has(keyword),
                    "{line}: no requirement {prefix}.{keyword} for the `{}` cell",
                    cols[column]
                );
            }
        }
        cells += 1;
        match cols[7] {
            "yes" => assert!(has("required"), "{line}: no {prefix}.required"),
            // Optional: a request parameter's absent form where the pages give the forms, and
            // otherwise the field's own rules (an optional field has no rule of presence).
            _ => assert!(
                has("x-presence.absent") || any,
                "{line}: no requirement under {prefix}"
            ),
        }
    }
    assert!(cells > 200, "{cells} cells");
    // Every documented error of every operation, and one semantic per stateful check that
    // applies.
    for op in spec.operations() {
        for entry in &op.errors {
            assert!(
                list.iter().any(|r| r.operation == op.id
                    && matches!(&r.subject, Subject::Error { status, code, .. }
                        if *status == entry.status && *code == entry.error_code)),
                "{} {} {:?} has no requirement",
                op.id,
                entry.status,
                entry.error_code
            );
        }
    }
    for id in [
        "customers_v1.semantic.pagination",
        "customers_v1.semantic.default_page_size",
        "customers_v1.semantic.fuzzy_filter",
        "customers_v1.semantic.wire_forms",
        "customers_v1.semantic.not_found_empty_list",
        "customers_v1.semantic.auth_required",
        "customers_v2.semantic.time_range_filter",
        "budget_v1.semantic.budget_by_association_type",
        "customers_v1.query.page_size.x-presence.null",
        "customers_v1.query.page_size.x-presence.quoted-empty",
        "customers_v1.response.content_type",
    ] {
        assert!(ids.contains(id), "{id} missing");
    }
    // Every requirement quotes the English page; the old customers page also has a Chinese one.
    for requirement in &list {
        assert!(
            requirement.doc.is_some(),
            "{} quotes nothing",
            requirement.id
        );
    }
    assert!(list
        .iter()
        .any(|r| r.id.as_str() == "customers_v1.query.page_size.maximum"
            && r.doc.as_ref().is_some_and(|d| d.zh.is_some())));
}

/// The coverage entries of a report with a status, by id.
fn with_status<'a>(report: &'a Value, status: &str) -> Vec<&'a Value> {
    report["coverage"]["requirements"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["status"] == status)
        .collect()
}

/// The reason of one requirement, when it was not exercised.
fn reason_of<'a>(report: &'a Value, id: &str) -> &'a str {
    report["coverage"]["requirements"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["id"] == id)
        .and_then(|r| r["reason"]["reason"].as_str())
        .unwrap_or("")
}

#[test]
fn the_embedded_mock_verifies_every_documented_requirement() {
    let outcome = run(&["--seed", "11"]);
    assert_eq!(outcome.code, 0, "{}", outcome.stdout);
    let overall = &outcome.report["coverage"]["overall"];
    assert!(overall["documented"].as_u64().unwrap() > 300, "{overall}");
    assert_eq!(overall["verified"], overall["documented"], "{overall}");
    let missing: Vec<&Value> = with_status(&outcome.report, "not_exercised")
        .into_iter()
        .filter(|r| r["counted"] == true)
        .collect();
    assert!(missing.is_empty(), "{missing:#?}");
    // What no client can provoke is listed, outside the figure.
    assert_eq!(
        reason_of(&outcome.report, "customers_v1.error.500.CBC_0999"),
        "not_provokable"
    );
}

#[test]
fn a_target_without_customers_says_what_it_could_not_show_and_fails_the_gate() {
    let dir = crate::fixtures::tempdir();
    let served = Served::start(&fixtures_file(&dir, 0), &[]);
    let (code, report, stdout) = run_against(&served, &[], &[]);
    assert_eq!(code, 0, "{stdout}");
    // Every rule that needs a customer to show it: the record fields, the filters, the
    // budgets.
    for id in [
        "customers_v1.response.200.customer_info_list.corp_name.maxLength",
        "customers_v1.semantic.fuzzy_filter",
        "customers_v2.semantic.time_range_filter",
        "budget_v1.response.200.creditAmount.type",
        "budget_v1.semantic.budget_by_association_type",
    ] {
        assert_eq!(reason_of(&report, id), "no_data", "{id}");
    }
    // The rules a target without data still shows were verified.
    assert_eq!(
        reason_of(&report, "customers_v1.query.page_size.maximum"),
        "",
        "{stdout}"
    );
    let overall = &report["coverage"]["overall"];
    assert!(overall["percent"].as_f64().unwrap() < 95.0, "{overall}");
    assert!(
        overall["not_exercised"]["no_data"].as_u64().unwrap() > 50,
        "{overall}"
    );
    // The gate: exit 4, naming each figure below it.
    let (code, report, stdout) = run_against(&served, &["--min-coverage", "95"], &[]);
    assert_eq!(code, 4, "{stdout}");
    let below = report["coverage"]["gate"]["below"].to_string();
    assert!(
        below.contains("overall") && below.contains("customers_v1"),
        "{below}"
    );
    assert_eq!(report["summary"]["exit_code"], 4);
    // A minimum the run reaches passes; one operation can have its own.
    let (code, _, stdout) = run_against(
        &served,
        &["--min-coverage", "50", "--min-coverage", "aicc_tenant=100"],
        &[],
    );
    assert_eq!(code, 0, "{stdout}");
}

#[test]
fn each_reason_comes_from_its_cause() {
    // Selections: a check excluded, an operation not selected; what no client provokes.
    let selected = run(&[
        "--seed",
        "7",
        "--cases",
        "24",
        "--operations",
        "customers_v1",
        "--exclude-checks",
        "response_schema_conformance",
    ]);
    assert_eq!(selected.code, 0, "{}", selected.stdout);
    let report = &selected.report;
    assert_eq!(
        reason_of(report, "customers_v1.response.200.count.type"),
        "check_excluded"
    );
    assert_eq!(
        reason_of(report, "budget_v1.query.customer_id.maxLength"),
        "operation_not_selected"
    );
    assert_eq!(
        reason_of(report, "customers_v1.error.500.CBC_0999"),
        "not_provokable"
    );
    // The old API's time range filters on a time its records do not show; without the new
    // API in the run, it cannot be judged.
    assert_eq!(
        reason_of(report, "customers_v1.semantic.time_range_filter"),
        "not_observable"
    );
    // Outside the figure: neither an unselected operation nor a 500 counts.
    let counted = |id: &str| {
        report["coverage"]["requirements"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .map(|r| r["counted"].clone())
    };
    assert_eq!(
        counted("budget_v1.query.customer_id.maxLength"),
        Some(Value::Bool(false))
    );
    assert_eq!(
        counted("customers_v1.error.500.CBC_0999"),
        Some(Value::Bool(false))
    );
    assert_eq!(
        counted("customers_v1.response.200.count.type"),
        Some(Value::Bool(true))
    );
    // Excluded and not selected: the figure says so.
    let overall = &report["coverage"]["overall"];
    assert!(
        overall["not_exercised"]["check_excluded"].as_u64().unwrap() > 10,
        "{overall}"
    );

    // A request budget spent first.
    let cut = run(&["--seed", "7", "--max-requests", "40"]);
    let cut_short: Vec<&Value> = with_status(&cut.report, "not_exercised")
        .into_iter()
        .filter(|r| r["reason"]["reason"] == "budget_cut")
        .collect();
    assert!(!cut_short.is_empty(), "{}", cut.stdout);

    // An earlier finding broke what a semantic needs.
    let broken = run(&[
        "--seed",
        "7",
        "--cases",
        "8",
        "--operations",
        "customers_v1",
        "--mock-drift",
        "count-as-string",
    ]);
    assert_eq!(broken.code, 1, "{}", broken.stdout);
    assert_eq!(
        reason_of(&broken.report, "customers_v1.semantic.pagination"),
        "broken_by_finding"
    );
    // The finding itself: the requirement it violates.
    let violated: Vec<&str> = with_status(&broken.report, "violated")
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert!(
        violated.contains(&"customers_v1.response.200.count.type"),
        "{violated:?}"
    );

    // A refused credential, and an operation the target does not serve.
    let dir = crate::fixtures::tempdir();
    let served = Served::start(&fixtures_file(&dir, 3), &[]);
    let (code, report, stdout) = run_against(
        &served,
        &[],
        &[("AICC_TOKEN", "a-token-the-target-refuses")],
    );
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(
        reason_of(&report, "aicc_tenant.response.200.company.required"),
        "credential_refused"
    );
    let nowhere = format!("{}/no-such-prefix", served.base);
    let (code, report, stdout) = run_against(&served, &["--aicc-target", &nowhere], &[]);
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(
        reason_of(&report, "aicc_tenant.response.200.company.required"),
        "operation_missing",
        "{stdout}"
    );
    assert!(stdout.contains("aicc_tenant was not run"), "{stdout}");
    // A target that gives no usable answer at all: exit 3, and every rule says why.
    let dead = run(&[
        "--seed",
        "7",
        "--mock-fault",
        "reset",
        "--operations",
        "customers_v1",
    ]);
    assert_eq!(dead.code, 3, "{}", dead.stdout);
    assert_eq!(
        reason_of(&dead.report, "customers_v1.query.page_size.maximum"),
        "no_usable_answer",
        "{}",
        dead.report["coverage"]
    );
}

#[test]
fn a_comparison_names_the_rules_a_previous_run_verified_and_this_one_did_not() {
    let dir = crate::fixtures::tempdir();
    let full = run(&["--seed", "7", "--cases", "24"]);
    assert_eq!(full.code, 0, "{}", full.stdout);
    let previous = dir.join("previous.json");
    std::fs::write(&previous, full.report.to_string()).unwrap();
    let previous_arg = previous.display().to_string();
    let narrow = run(&[
        "--seed",
        "7",
        "--cases",
        "24",
        "--operations",
        "customers_v1",
        "--compare-coverage",
        &previous_arg,
    ]);
    assert_eq!(narrow.code, 0, "{}", narrow.stdout);
    let compared = &narrow.report["coverage"]["compared"];
    let lost: Vec<&str> = compared["lost"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l["id"].as_str())
        .collect();
    assert!(
        lost.contains(&"budget_v1.query.customer_id.maxLength"),
        "{lost:?}"
    );
    // Each lost rule says why: its operation was not selected (customers_v1's time range is
    // judged by the association times customers_v2 lists).
    for entry in compared["lost"].as_array().unwrap() {
        let reason = entry["reason"]["reason"].as_str().unwrap_or("");
        assert!(
            ["operation_not_selected", "not_observable"].contains(&reason),
            "{entry}"
        );
    }
    assert_eq!(compared["gained"], 0);
    // A file that is not a report of this tool is refused before anything is sent.
    let bogus = dir.join("bogus.json");
    std::fs::write(&bogus, "{\"summary\": {}}").unwrap();
    let refused = run(&["--compare-coverage", &bogus.display().to_string()]);
    assert_eq!(refused.code, 2, "{}", refused.stdout);
    // Made-up ids are counted, not listed; a file of far more than any catalogue is refused.
    let mut edited = full.report.clone();
    let list = edited["coverage"]["requirements"].as_array_mut().unwrap();
    for i in 0..3 {
        list.push(serde_json::json!({"id": format!("made.up.rule{i}"), "status": "verified"}));
    }
    std::fs::write(&previous, edited.to_string()).unwrap();
    let counted = run(&[
        "--seed",
        "7",
        "--cases",
        "24",
        "--compare-coverage",
        &previous_arg,
    ]);
    let compared = &counted.report["coverage"]["compared"];
    assert_eq!(compared["not_in_catalogue"], 3, "{compared}");
    assert_eq!(
        compared["lost"].as_array().map(Vec::len),
        Some(0),
        "{compared}"
    );
    let many: Vec<Value> = (0..30_000)
        .map(|i| serde_json::json!({"id": format!("made.up.rule{i}"), "status": "verified"}))
        .collect();
    edited["coverage"]["requirements"] = Value::Array(many);
    std::fs::write(&previous, edited.to_string()).unwrap();
    let refused = run(&["--compare-coverage", &previous_arg]);
    assert_eq!(refused.code, 2, "{}", refused.stdout);
    // A minimum for an operation the run does not select is a usage error, before sending.
    let unselected = run(&[
        "--operations",
        "aicc_tenant",
        "--min-coverage",
        "customers_v1=90",
    ]);
    assert_eq!(unselected.code, 2, "{}", unselected.stdout);
    assert_eq!(unselected.report, Value::Null);
}

#[test]
fn a_wrong_answer_to_a_whole_request_violates_the_entry_it_called_for() {
    // Findings about a scenario or a valid generated request name the request; the coverage
    // counts them against the catalogue entry the request called for.
    let drifted = run(&[
        "--seed",
        "7",
        "--cases",
        "8",
        "--operations",
        "customers_v1",
        "--mock-drift",
        "success-code-changed",
    ]);
    assert_eq!(drifted.code, 1, "{}", drifted.stdout);
    let violated: Vec<&str> = with_status(&drifted.report, "violated")
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert!(
        violated.contains(&"customers_v1.error.200.CBC_0000"),
        "{violated:?}"
    );
    let overall = &drifted.report["coverage"]["overall"];
    assert!(overall["violated"].as_u64().unwrap() > 0, "{overall}");
}

/// A proxy in front of `upstream` that answers every path starting with `missing` as the API
/// gateway answers an API that is not deployed (404 `APIGW.0101`) and forwards the rest, one
/// request per connection. Returns its base URL.
pub(crate) fn gateway_without(upstream: &str, missing: &'static str) -> String {
    use std::io::{BufRead, BufReader, Read, Write};
    let upstream = upstream.trim_start_matches("http://").to_string();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let upstream = upstream.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut head = Vec::new();
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let lower = line.to_ascii_lowercase();
                    if let Some(v) = lower.strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                    if lower.starts_with("connection:") {
                        continue;
                    }
                    if line == "\r\n" {
                        break;
                    }
                    head.push(line);
                }
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                let path = head[0].split(' ').nth(1).unwrap_or("").to_string();
                let mut out = stream;
                if path.starts_with(missing) {
                    let body = r#"{"error_msg":"The API does not exist or has not been published in the environment","error_code":"APIGW.0101","request_id":"0123456789abcdef0123456789abcdef"}"#;
                    let _ = write!(
                        out,
                        "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    return;
                }
                let Ok(mut up) = std::net::TcpStream::connect(&upstream) else {
                    return;
                };
                let mut request = head.concat();
                request.push_str("Connection: close\r\n\r\n");
                let _ = up.write_all(request.as_bytes());
                let _ = up.write_all(&body);
                let mut answer = Vec::new();
                let _ = up.read_to_end(&mut answer);
                let _ = out.write_all(&answer);
            });
        }
    });
    base
}

#[test]
fn a_staging_with_only_the_old_apis_is_not_drift_and_says_what_is_missing() {
    let dir = crate::fixtures::tempdir();
    let mut through = Served::start(&fixtures_file(&dir, 3), &[]);
    through.base = gateway_without(&through.base, "/v2/");
    let (code, report, stdout) = run_against(&through, &[], &[]);
    // The old API's time range is judged by the new API's association times; without the new
    // API it says so instead of reporting the gateway's 404 as drift.
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(
        reason_of(&report, "customers_v2.semantic.pagination"),
        "operation_missing"
    );
    assert_eq!(
        reason_of(&report, "customers_v1.semantic.time_range_filter"),
        "not_observable"
    );
    let (code, _, stdout) = run_against(&through, &["--min-coverage", "90"], &[]);
    assert_eq!(code, 4, "{stdout}");
}
