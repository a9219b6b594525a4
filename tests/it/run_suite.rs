//! `partner-conformance run` end to end, as a user runs it: against the clean embedded mock (no
//! findings, exit 0), against each stateful check's drift (it fires) and the clean mock (it stays
//! quiet), the mutation score over the whole drift catalogue, determinism of a seed, and exit
//! codes. Each run is a subprocess reading only loopback.

use partner_conformance::mock::{SeenBy, DRIFTS};
use serde_json::Value;
use std::collections::BTreeSet;
use std::io::Write;
use std::process::{Command, Output};

/// A finished run: exit code, JSON report, stdout and stderr.
pub struct RunResult {
    pub code: i32,
    pub report: Value,
    pub stdout: String,
    pub stderr: String,
}

impl RunResult {
    pub fn categories(&self) -> BTreeSet<String> {
        self.findings()
            .map(|f| f["category"].as_str().unwrap().to_string())
            .collect()
    }

    pub fn findings(&self) -> impl Iterator<Item = &Value> {
        self.report["findings"].as_array().into_iter().flatten()
    }
}

/// Runs the binary with `args` plus a JSON report and no regression files.
pub fn run(args: &[&str]) -> RunResult {
    command("run", args)
}

/// Runs `migrate` like [`run`].
pub fn migrate(args: &[&str]) -> RunResult {
    command("migrate", args)
}

fn command(subcommand: &str, args: &[&str]) -> RunResult {
    let dir = crate::fixtures::tempdir();
    let report = dir.join("report.json");
    let output: Output = Command::new(env!("CARGO_BIN_EXE_partner-conformance"))
        .arg(subcommand)
        .args(["--no-regressions", "--no-run-dir", "--test-threads", "2"])
        .arg("--report")
        .arg(format!("json={}", report.display()))
        .args(args)
        .env_remove("HUAWEICLOUD_TOKEN")
        .env_remove("AICC_TOKEN")
        .output()
        .expect("binary runs");
    let text = std::fs::read_to_string(&report).unwrap_or_else(|_| "null".into());
    RunResult {
        code: output.status.code().unwrap_or(-1),
        report: serde_json::from_str(&text).unwrap_or(Value::Null),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Maps `f` over `items` on two threads (the machine has two cores), keeping the order.
pub fn on_two_threads<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(items.len().div_ceil(2).max(1))
            .map(|chunk| scope.spawn(move || chunk.iter().map(f).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    })
}

#[test]
fn the_clean_mock_conforms() {
    let result = run(&["--seed", "11", "--cases", "64"]);
    assert_eq!(result.code, 0, "{}\n{}", result.stdout, result.stderr);
    assert_eq!(result.findings().count(), 0, "{}", result.stdout);
    assert_eq!(result.report["summary"]["transport_problems"], 0);
    assert!(result.stdout.contains("No drift"), "{}", result.stdout);
    let trials = result.report["trials"].as_array().unwrap();
    assert!(trials.len() >= 20, "{} trials", trials.len());
    for name in [
        "generated::customers_v1::valid",
        "generated::customers_v1::invalid",
        "stateful::customers_v1::pagination",
        "stateful::budget_v1::budget_by_association_type",
    ] {
        assert!(trials.iter().any(|t| t["name"] == name), "no trial {name}");
    }
}

/// Each stateful check stays quiet on the clean mock and fires on the drift it exists for.
#[test]
fn every_stateful_check_fires_on_its_drift_and_stays_quiet_otherwise() {
    let pairs = [
        ("pagination", "count-is-page-length"),
        ("pagination", "off-by-one-page"),
        ("default_page_size", "default-page-size-20"),
        ("fuzzy_filter", "prefix-only-fuzzy"),
        ("fuzzy_filter", "case-insensitive-label"),
        ("enum_filter", "cooperation-type-ignored"),
        ("time_range_filter", "exclusive-time-range"),
        ("wire_forms", "empty-means-filter"),
        ("wire_forms", "quoted-empty-accepted"),
        ("not_found_empty_list", "not-found-list-absent"),
        ("idempotent_get", "shuffled-records"),
        ("auth_required", "credentials-ignored"),
        ("budget_by_association_type", "budget-for-referral"),
        ("budget_by_association_type", "budget-reseller-not-owned"),
    ];
    let checks: BTreeSet<&str> = pairs.iter().map(|(c, _)| *c).collect();
    let list = checks.iter().copied().collect::<Vec<_>>().join(",");
    // Positions held strictly: this is about each check firing, whatever its rule rests on.
    let clean = run(&[
        "--seed",
        "3",
        "--cases",
        "8",
        "--checks",
        &list,
        "--positions",
        "strict",
    ]);
    assert_eq!(clean.findings().count(), 0, "{}", clean.stdout);
    for (check, drift) in pairs {
        // The per-response checks judge the answers the stateful check provokes.
        let with = format!("{check},status_code_conformance");
        let result = run(&[
            "--seed",
            "3",
            "--cases",
            "8",
            "--checks",
            &with,
            "--mock-drift",
            drift,
            "--positions",
            "strict",
        ]);
        let trial = result.report["trials"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| {
                t["name"]
                    .as_str()
                    .is_some_and(|n| n.ends_with(&format!("::{check}")))
            })
            .unwrap_or_else(|| panic!("no trial for {check}"))
            .clone();
        assert_eq!(
            trial["outcome"], "drift",
            "{check} did not fire on {drift}:\n{}",
            result.stdout
        );
        assert_eq!(result.code, 1);
    }
}

/// The mutation score: the suite finds every drift of the catalogue with its expected category,
/// and nothing on the clean mock. Each drift is served as a target is (`serve --drift NAME`, the
/// suite's default mode against any target): a drift that breaks a documented rule is caught as
/// a finding; one that breaks a position (`position` in the catalogue) is an observation naming
/// that position, and caught with `--positions strict`.
#[test]
fn mutation_score_over_the_whole_drift_catalogue() {
    mutation_score(&[], "");
}

/// The same score under `--plan coverage` (the default off loopback), whose generated cases are
/// the fewest of the full plan's that call for every rule: fewer requests, not fewer catches.
#[test]
fn mutation_score_under_the_coverage_plan() {
    mutation_score(&["--plan", "coverage"], " under --plan coverage");
}

/// Serves each drift of the catalogue and runs against it with `extra` arguments; asserts that
/// every one is caught and prints the score, labelled with `label`.
fn mutation_score(extra: &[&str], label: &str) {
    use crate::other_data::{migrate_against, run_against, Served};
    let clean = run(&[&["--seed", "7", "--cases", "24"], extra].concat());
    assert_eq!(clean.findings().count(), 0, "clean mock: {}", clean.stdout);
    let categories_of = |report: &Value| -> BTreeSet<String> {
        report["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| f["category"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let results: Vec<(String, String, BTreeSet<String>, Option<String>)> =
        on_two_threads(DRIFTS, |d| {
            let served = Served::with_args(&["--drift", d.name], &[]);
            let against = |args: &[&str]| match d.seen_by {
                SeenBy::Run => run_against(&served, &[args, extra].concat(), &[]),
                SeenBy::Migrate => migrate_against(&served, args, &[]),
            };
            let (code, report, stdout) = against(&[]);
            let mut found = categories_of(&report);
            let mut problem = report.is_null().then(|| {
                let tail: String = stdout.lines().rev().take(5).collect::<Vec<_>>().join(" | ");
                format!("no report (exit {code}): {tail}")
            });
            if let Some(position) = d.position {
                // Observed, not failed, by default; then held strictly.
                let named = report["observations"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|o| o["position"] == position);
                if !named || found.contains(d.category.as_str()) {
                    problem = Some(format!(
                        "default mode: observation naming {position}: {named}, findings {found:?}"
                    ));
                }
                found = categories_of(&against(&["--positions", "strict"]).1);
            }
            (
                d.name.to_string(),
                d.category.as_str().to_string(),
                found,
                problem,
            )
        });
    let missed: Vec<String> = results
        .iter()
        .filter(|(_, expected, found, problem)| !found.contains(expected) || problem.is_some())
        .map(|(name, expected, found, problem)| {
            format!("{name}: expected {expected}, found {found:?} {problem:?}")
        })
        .collect();
    let positions = DRIFTS.iter().filter(|d| d.position.is_some()).count();
    let missed_positions = DRIFTS
        .iter()
        .filter(|d| {
            d.position.is_some()
                && missed
                    .iter()
                    .any(|m| m.starts_with(&format!("{}:", d.name)))
        })
        .count();
    let documented = results.len() - positions;
    let line = format!(
        "mutation score{label}: {}/{documented} documented drifts caught as served targets in the default mode, {}/{positions} position drifts observed by default and caught with --positions strict; 0 findings on the clean mock\n",
        documented - (missed.len() - missed_positions),
        positions - missed_positions,
    );
    // Written past the test harness's capture so `cargo test` always shows it.
    let _ = std::io::stderr().write_all(line.as_bytes());
    assert!(missed.is_empty(), "{line}missed:\n{}", missed.join("\n"));
    let categories: BTreeSet<&String> = results.iter().flat_map(|(_, _, found, _)| found).collect();
    assert!(
        categories.len() >= 15,
        "drifted runs found only {categories:?}"
    );
}

#[test]
fn one_seed_gives_identical_requests() {
    let dir = crate::fixtures::tempdir();
    let (a, b) = (dir.join("a.log"), dir.join("b.log"));
    for log in [&a, &b] {
        let result = run(&[
            "--seed",
            "99",
            "--cases",
            "32",
            "--request-log",
            log.to_str().unwrap(),
        ]);
        assert_eq!(result.code, 0, "{}", result.stdout);
    }
    let (a, b) = (
        std::fs::read_to_string(a).unwrap(),
        std::fs::read_to_string(b).unwrap(),
    );
    assert!(
        a.lines().count() > 100,
        "{} requests logged",
        a.lines().count()
    );
    assert_eq!(a, b);
    let c = crate::fixtures::tempdir().join("c.log");
    run(&[
        "--seed",
        "100",
        "--cases",
        "32",
        "--request-log",
        c.to_str().unwrap(),
    ]);
    assert_ne!(
        a,
        std::fs::read_to_string(c).unwrap(),
        "another seed gives other requests"
    );
}

#[test]
fn usage_errors_exit_2_and_an_unreachable_target_exits_3() {
    let result = run(&["--checks", "paginaton"]);
    assert_eq!(result.code, 2);
    assert!(
        result.stderr.contains("did you mean `pagination`"),
        "{}",
        result.stderr
    );
    let result = run(&["--operations", "customers"]);
    assert_eq!(result.code, 2);
    let result = run(&["--target", "http://127.0.0.1:9", "--partner-id", "p"]);
    assert_eq!(
        result.code, 2,
        "no credentials in the environment: {}",
        result.stderr
    );
    assert!(
        result.stderr.contains("HUAWEICLOUD_TOKEN"),
        "{}",
        result.stderr
    );
    // A port nothing listens on: exit 3 with one sentence.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let output = Command::new(env!("CARGO_BIN_EXE_partner-conformance"))
        .args([
            "run",
            "--no-regressions",
            "--target",
            &format!("http://127.0.0.1:{port}"),
            "--partner-id",
            "p",
        ])
        .env("HUAWEICLOUD_TOKEN", "t")
        .env("AICC_TOKEN", "t")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("could not reach the target"), "{stderr}");
}

#[test]
fn list_and_filters_work_like_libtest() {
    let output = Command::new(env!("CARGO_BIN_EXE_partner-conformance"))
        .args(["run", "--no-regressions", "--list"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let listed = String::from_utf8_lossy(&output.stdout);
    assert!(
        listed.contains("stateful::customers_v1::pagination: test"),
        "{listed}"
    );
    let result = run(&[
        "--cases",
        "4",
        "stateful::customers_v1::pagination",
        "--exact",
    ]);
    let trials: Vec<_> = result.report["trials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].clone())
        .collect();
    assert_eq!(
        trials,
        vec![Value::from("stateful::customers_v1::pagination")]
    );
    let result = run(&[
        "--cases",
        "4",
        "--operations",
        "aicc_tenant",
        "--skip",
        "auth_required",
    ]);
    let names: Vec<String> = result.report["trials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect();
    assert!(
        names
            .iter()
            .all(|n| n.contains("aicc_tenant") && !n.contains("auth_required")),
        "{names:?}"
    );
}

/// Fields the new generation gained over time are accepted, not flagged: a fixture whose v2
/// records and budgets carry fields no table lists still conforms (the old operations, whose
/// tables are closed, are not affected: those fields live only in the `v2` part).
#[test]
fn fields_added_to_the_new_generation_are_accepted() {
    let dir = crate::fixtures::tempdir();
    let path = dir.join("fixtures.json");
    let mut data: Value =
        serde_json::from_str(include_str!("../../src/mock/data/fixtures.json")).unwrap();
    for customer in data["customers"].as_array_mut().unwrap() {
        let v2 = customer["v2"].as_object_mut().unwrap();
        v2.insert("partner_note".into(), Value::from("added later"));
        if let Some(budget) = v2.get_mut("budget") {
            budget["valid_until"] = Value::from("2027-01-01T00:00:00Z");
        }
    }
    std::fs::write(&path, data.to_string()).unwrap();
    let fixtures = path.display().to_string();
    let result = run(&[
        "--operations",
        "customers_v2,budget_v2",
        "--cases",
        "16",
        "--fixtures",
        &fixtures,
    ]);
    assert_eq!(result.code, 0, "{}", result.stdout);
    assert_eq!(result.findings().count(), 0, "{}", result.stdout);
}

/// `--empty-filter any` takes the other reading of A1: a target reading `""` and null in a fuzzy
/// filter as no filter is a finding when held strictly to the default, and quiet under the switch.
#[test]
fn the_empty_filter_switch_chooses_what_a1_expects() {
    let args = [
        "--seed",
        "3",
        "--cases",
        "4",
        "--operations",
        "customers_v1",
        "--checks",
        "wire_forms",
        "--positions",
        "strict",
        "--mock-reading",
        "quoted-empty-is-no-filter",
    ];
    let held = run(&args);
    assert!(
        held.findings().any(|f| f["check"] == "wire_forms"),
        "{}",
        held.stdout
    );
    let switched = run(&[&args[..], &["--empty-filter", "any"]].concat());
    assert_eq!(switched.findings().count(), 0, "{}", switched.stdout);
    assert_eq!(switched.code, 0);
}
