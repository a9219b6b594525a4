//! `partner-conformance migrate` end to end: against the clean mock both generations agree (exit
//! 0, the table printed and written, every mapped field observed); with the mock drifted in the
//! new generation only, each difference is a `consistency` finding carrying both requests.

use crate::run_suite::{migrate, RunResult};

fn consistency(result: &RunResult) -> Vec<&serde_json::Value> {
    result
        .findings()
        .filter(|f| f["category"] == "consistency")
        .collect()
}

#[test]
fn both_generations_of_the_clean_mock_agree_and_the_table_is_printed() {
    let dir = crate::fixtures::tempdir();
    let table = dir.join("table.md");
    let table_arg = table.display().to_string();
    let markdown = dir.join("report.md");
    let markdown_arg = format!("markdown={}", markdown.display());
    let result = migrate(&["--table", &table_arg, "--report", &markdown_arg]);
    assert_eq!(result.code, 0, "{}\n{}", result.stdout, result.stderr);
    assert_eq!(result.findings().count(), 0, "{}", result.stdout);
    let written = std::fs::read_to_string(&table).unwrap();
    assert!(result.stdout.contains(written.trim()), "{}", result.stdout);
    // The Markdown report, for a pull request or a change request, carries the table too.
    let report = std::fs::read_to_string(&markdown).unwrap();
    assert!(report.contains("#### Migration table"), "{report}");
    assert!(
        report.contains("| request | `query.page_no` | `body.offset` |"),
        "{report}"
    );
    // The header a change request needs: what, for whom, when, with which build, and the verdict.
    for line in [
        "| Target | embedded mock (http://127.0.0.1:",
        "| Partner | `0a1b2c3d4e5f60718293a4b5c6d7e8f9` |",
        "| Seed | ",
        "| Tool | partner-conformance ",
        "| Verdict | ready: ",
    ] {
        assert!(written.contains(line), "missing {line}\n{written}");
    }
    let date = result.report["summary"]["started"].as_str().unwrap();
    assert!(written.contains(&format!("| Date | {date} |")), "{written}");
    for row in [
        "| response | `customer_info_list[].domain_name` | `customer_infos[].account_name` | renamed | same: 240 of 240 |  | equal for all 240 customers |",
        "| request | `query.page_no` | `body.offset` | changed meaning |",
        "| response | `creditAmount` | `budget_amount` | renamed | same: 20 of 20 | Double became BigDecimal | equal to creditAmount as decimals for all 20 customers |",
        "| response | — | `customer_infos[].email` | new |",
        "| request | `path.partner_id` | — | gone |",
    ] {
        assert!(written.contains(row), "missing row {row}\n{written}");
    }
    // The documented meaning change is a note, not drift.
    let notes = result.report["summary"]["notes"].to_string();
    assert!(
        notes.contains("start_time → customers_v2.associated_on changed meaning"),
        "{notes}"
    );
    // Every compared row says what the target showed, and the JSON report carries the table.
    let rows = result.report["migration"].as_array().unwrap();
    let unobserved: Vec<&serde_json::Value> = rows
        .iter()
        .filter(|r| r["change"] != "gone" && r["change"] != "new" && r["showed"].is_null())
        .collect();
    assert!(unobserved.is_empty(), "{unobserved:?}");
}

#[test]
fn drift_in_the_new_generation_only_is_reported_as_consistency() {
    let cases = [
        (
            "v2-renamed-account-name",
            "account_name",
            "customer_info_list.domain_name",
        ),
        ("v2-off-by-one-offset", "body.offset", "page_no=2"),
        ("v2-budget-differs", "body.budget_amount", "creditAmount"),
    ];
    let results =
        crate::run_suite::on_two_threads(&cases, |(drift, _, _)| migrate(&["--mock-drift", drift]));
    for ((drift, location, expected), result) in cases.iter().zip(results) {
        assert_eq!(result.code, 1, "{drift}: {}", result.stdout);
        let found = consistency(&result);
        let hit = found.iter().find(|f| {
            f["location"].as_str().unwrap().contains(location)
                && f["expected"].as_str().unwrap().contains(expected)
        });
        let hit = hit
            .unwrap_or_else(|| panic!("{drift}: no consistency finding at {location}: {found:?}"));
        assert_eq!(hit["check"], "migration_consistency");
        assert!(hit["operation"].as_str().unwrap().ends_with("_v2"), "{hit}");
        // Both requests reproduce it: the old generation's first, then the new one's.
        let reproduce: Vec<&str> = hit["reproduce"].as_str().unwrap().lines().collect();
        assert_eq!(reproduce.len(), 2, "{drift}: {reproduce:?}");
        assert!(reproduce[0].contains("/v1.0/"), "{reproduce:?}");
        assert!(reproduce[1].contains("/v2/"), "{reproduce:?}");
    }
}

/// A walk cut short by --max-pages is not evidence that customers are missing: nothing is
/// reported, and a note says what was compared.
#[test]
fn a_truncated_walk_reports_no_missing_customers() {
    let result = migrate(&["--max-pages", "1"]);
    assert_eq!(result.code, 0, "{}", result.stdout);
    assert_eq!(result.findings().count(), 0, "{}", result.stdout);
    let notes = result.report["summary"]["notes"].to_string();
    assert!(notes.contains("stopped at --max-pages"), "{notes}");
}

/// Old budgets served where the new API refuses (a drift of budget_v1 only): the refusals do
/// not agree, and two answers that are not refusals never count as "refused alike".
#[test]
fn a_budget_one_generation_refuses_is_a_consistency_finding() {
    let result = migrate(&["--mock-drift", "budget-for-referral"]);
    assert_eq!(result.code, 1, "{}", result.stdout);
    let found = consistency(&result);
    assert!(
        found
            .iter()
            .any(|f| f["operation"] == "budget_v2" && f["location"] == "query.customer_id"),
        "{found:?}"
    );
    let table = result.report["migration"].to_string();
    assert!(
        table.contains("0 of 3 ineligible customers refused alike"),
        "{table}"
    );
}

/// `migrate` against a loopback mock reached at `base` (the mock's URL, or a path under it),
/// with the mock's token in the environment: exit code, stderr and the JSON report.
async fn migrate_against(
    mock: crate::support::Mock,
    base: String,
    partner_id: &str,
) -> (Option<i32>, String, serde_json::Value) {
    let token = mock.token(partner_conformance::spec::OperationId::CustomersV1);
    let report = crate::fixtures::tempdir().join("report.json");
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_partner-conformance"));
    command
        .args([
            "migrate",
            "--no-regressions",
            "--no-run-dir",
            "--target",
            &base,
        ])
        .args(["--partner-id", partner_id, "--report"])
        .arg(format!("json={}", report.display()))
        .env("HUAWEICLOUD_TOKEN", token);
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap();
    mock.server.stop().await;
    let json = std::fs::read_to_string(&report)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or(serde_json::Value::Null);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code(), stderr, json)
}

/// A partner id the old API refuses is named as the likely cause, and nothing is compared under
/// it (the budget comparison is skipped with the reason).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_partner_id_is_named_not_blamed_on_the_new_api() {
    let mock = crate::support::Mock::start().await;
    let base = mock.server.base_url();
    let (_, stderr, report) = migrate_against(mock, base, "ffffffffffffffffffffffffffffffff").await;
    let notes = report["summary"]["notes"].to_string();
    assert!(
        notes.contains("customers_v1 refused the partner id"),
        "{notes}\n{stderr}"
    );
    let blamed: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == "migration_consistency")
        .collect();
    assert!(blamed.is_empty(), "{blamed:?}");
}

/// A base URL under which no documented API exists (here: a path prefix the mock does not
/// serve) makes the target unusable, with one sentence saying so, not a pile of drift.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_without_the_apis_is_unusable_not_drifted() {
    let mock = crate::support::Mock::start().await;
    let base = format!("{}/elsewhere", mock.server.base_url());
    let partner = mock.fixtures.partner_id.clone();
    let (code, stderr, _) = migrate_against(mock, base, &partner).await;
    assert_eq!(code, Some(3), "{stderr}");
    assert!(
        stderr.contains("answered every selected operation as an API that does not exist"),
        "{stderr}"
    );
}

/// A real difference reads as one in the table: "differs: N of M, e.g. old `x` new `y`", never
/// as "equal … for 0 of 20"; the verdict says the generations differ.
#[test]
fn a_difference_reads_as_differs_with_an_example() {
    let dir = crate::fixtures::tempdir();
    let table = dir.join("table.md");
    let result = migrate(&[
        "--mock-drift",
        "v2-budget-differs",
        "--table",
        &table.display().to_string(),
    ]);
    assert_eq!(result.code, 1, "{}", result.stdout);
    let written = std::fs::read_to_string(&table).unwrap();
    let row = written
        .lines()
        .find(|l| l.starts_with("| response | `creditAmount` | `budget_amount` |"))
        .unwrap_or_else(|| panic!("no budget_amount row\n{written}"));
    assert!(row.contains("| differs: "), "{row}");
    assert!(row.contains(" of 20, e.g. old `"), "{row}");
    assert!(row.contains("` new `"), "{row}");
    assert!(!row.contains("equal to creditAmount"), "{row}");
    assert!(written.contains("| Verdict | differs: "), "{written}");
    let rows = result.report["migration"].as_array().unwrap();
    let budget = rows
        .iter()
        .find(|r| r["new"] == "budget_amount")
        .expect("budget_amount row");
    let agreement = &budget["agreement"];
    assert_eq!(agreement["compared"], 20, "{budget}");
    assert!(agreement["differing"].as_u64().unwrap() > 0, "{budget}");
    assert_ne!(
        agreement["example"]["old"], agreement["example"]["new"],
        "{budget}"
    );
}

/// A staging with only the old APIs is not ready to migrate: exit 3 with one sentence naming
/// the new APIs it lacks, and the table file says "not ready" in its verdict.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_without_the_new_apis_is_not_ready() {
    let mock = crate::support::Mock::start().await;
    let base = crate::coverage::gateway_without(&mock.server.base_url(), "/v2/");
    let partner = mock.fixtures.partner_id.clone();
    let token = mock.token(partner_conformance::spec::OperationId::CustomersV1);
    let dir = crate::fixtures::tempdir();
    let table = dir.join("table.md");
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_partner-conformance"));
    command
        .args(["migrate", "--no-regressions", "--no-run-dir", "--target"])
        .arg(&base)
        .args(["--partner-id", &partner, "--table"])
        .arg(&table)
        .env("HUAWEICLOUD_TOKEN", token);
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap();
    mock.server.stop().await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    let sentences: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(sentences.len(), 1, "{stderr}");
    assert!(
        sentences[0].starts_with("error: not ready to migrate: the target (")
            && sentences[0].contains("customers_v2")
            && sentences[0].contains("budget_v2"),
        "{stderr}"
    );
    let written = std::fs::read_to_string(&table).unwrap();
    assert!(
        written.contains("| Verdict | not ready to migrate: "),
        "{written}"
    );
    assert!(
        written.contains("| response | `creditAmount` | `budget_amount` |"),
        "{written}"
    );
}
