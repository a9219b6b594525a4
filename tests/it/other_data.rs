//! The suite on data it has never seen: `scripts/gen-fixtures.py` makes other data sets (another
//! seed and partner, 0 to 250 customers), `serve --fixtures` serves them, and `run --target`
//! against that server reports no drift, saying what it could not exercise and why. Nothing of
//! the embedded mock's data may be assumed on another target.

use partner_conformance::mock::Fixtures;
use partner_conformance::spec::Spec;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_partner-conformance");
/// Another partner than the embedded data's.
const PARTNER: &str = "9f8e7d6c5b4a39281706f5e4d3c2b1a0";
/// Tokens both the server and the run read from the environment.
const TOKENS: [(&str, &str); 2] = [
    ("HUAWEICLOUD_TOKEN", "other-data-bss-token-5d1c"),
    ("AICC_TOKEN", "other-data-aicc-token-7e2f"),
];

/// Runs the generator with `args`; panics with its stderr when it fails.
pub fn generate(args: &[&str]) -> Output {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/gen-fixtures.py");
    let output = Command::new("python3")
        .arg(script)
        .args(args)
        .output()
        .expect("python3 runs");
    output
}

/// A generated fixtures file of `count` customers for [`PARTNER`] with seed 7.
pub fn fixtures_file(dir: &Path, count: u32) -> PathBuf {
    let path = dir.join(format!("fixtures-{count}.json"));
    let count = count.to_string();
    let out = path.to_str().unwrap();
    let output = generate(&[
        "--count",
        &count,
        "--seed",
        "7",
        "--partner-id",
        PARTNER,
        "--out",
        out,
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    path
}

#[test]
fn the_generator_keeps_the_committed_data_and_makes_any_other_set() {
    let dir = crate::fixtures::tempdir();
    let default = dir.join("default.json");
    let output = generate(&["--out", default.to_str().unwrap()]);
    assert!(output.status.success());
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/mock/data/fixtures.json");
    assert!(
        std::fs::read(&default).unwrap() == std::fs::read(committed).unwrap(),
        "the default output differs from the committed src/mock/data/fixtures.json"
    );
    let spec = Spec::embedded().unwrap();
    let embedded = Fixtures::embedded(&spec).unwrap();
    for count in [0, 1, 3, 13] {
        let path = fixtures_file(&dir, count);
        let fixtures =
            Fixtures::from_file(&spec, &path).unwrap_or_else(|e| panic!("{count} customers: {e}"));
        assert_eq!(fixtures.partner_id, PARTNER);
        assert_eq!(fixtures.customers.len(), count as usize);
        // Another seed, other customers: nothing the embedded data holds.
        for customer in &fixtures.customers {
            let id = customer.text("customer_id").unwrap();
            assert!(
                embedded.find_by("customer_id", id).is_none(),
                "{id} is an embedded customer"
            );
        }
    }
    let refused = generate(&["--count", "-1", "--out", "/dev/null"]);
    assert!(!refused.status.success());
    let refused = generate(&["--partner-id", "a/b", "--out", "/dev/null"]);
    assert!(!refused.status.success());
}

/// A `serve --fixtures` process on an ephemeral loopback port, stopped when dropped.
pub struct Served {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The partner the fixtures belong to, from the banner.
    pub partner: String,
}

impl Served {
    /// Serves `fixtures` with the [`TOKENS`] plus `env`.
    pub fn start(fixtures: &Path, env: &[(&str, &str)]) -> Served {
        Served::with_args(&["--fixtures", &fixtures.display().to_string()], env)
    }

    /// `serve` with `args` (`--drift NAME`, `--fixtures FILE`...) and the [`TOKENS`] plus `env`.
    pub fn with_args(args: &[&str], env: &[(&str, &str)]) -> Served {
        let mut command = Command::new(BIN);
        command
            .args(["serve", "--addr", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .env_remove("HUAWEICLOUD_SDK_AK")
            .env_remove("HUAWEICLOUD_SDK_SK")
            .envs(TOKENS)
            .envs(env.iter().copied());
        let mut child = command.spawn().expect("serve starts");
        let stdout = child.stdout.take().unwrap();
        let mut banner = Vec::new();
        let mut lines = BufReader::new(stdout).lines();
        for line in lines.by_ref() {
            let line = line.unwrap();
            let done = line.starts_with("stop with");
            banner.push(line);
            if done {
                break;
            }
        }
        // Keep reading: a closed pipe would end the server at its next line of output.
        std::thread::spawn(move || lines.for_each(drop));
        // `--drift` and `--reading` print a line each before the address.
        let base = banner
            .iter()
            .find(|l| l.contains(" listening on "))
            .and_then(|l| l.rsplit(' ').next())
            .expect("the address in the banner")
            .to_string();
        let partner = banner
            .iter()
            .find_map(|l| l.strip_prefix("partner_id: "))
            .expect("partner id in the banner")
            .to_string();
        assert!(base.starts_with("http://127.0.0.1:"), "{banner:?}");
        Served {
            child,
            base,
            partner,
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `run --target` against `served` with the [`TOKENS`] plus `env`: the exit code, the JSON
/// report and stdout.
pub fn run_against(served: &Served, args: &[&str], env: &[(&str, &str)]) -> (i32, Value, String) {
    command_against("run", served, args, env)
}

/// `migrate --target` against `served`, as [`run_against`].
pub fn migrate_against(
    served: &Served,
    args: &[&str],
    env: &[(&str, &str)],
) -> (i32, Value, String) {
    command_against("migrate", served, args, env)
}

/// `subcommand` (`run` or `migrate`) against `served`, as [`run_against`].
fn command_against(
    subcommand: &str,
    served: &Served,
    args: &[&str],
    env: &[(&str, &str)],
) -> (i32, Value, String) {
    let dir = crate::fixtures::tempdir();
    let report = dir.join("report.json");
    let output = Command::new(BIN)
        .current_dir(&dir)
        .args([
            subcommand,
            "--target",
            &served.base,
            "--partner-id",
            &served.partner,
            "--seed",
            "7",
            "--cases",
            "24",
            "--no-regressions",
            "--no-run-dir",
            "--report",
        ])
        .arg(format!("json={}", report.display()))
        .args(args)
        .env_remove("HUAWEICLOUD_SDK_AK")
        .env_remove("HUAWEICLOUD_SDK_SK")
        .envs(TOKENS)
        .envs(env.iter().copied())
        .output()
        .expect("run starts");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let json = std::fs::read_to_string(&report)
        .map(|text| serde_json::from_str(&text).unwrap())
        .unwrap_or(Value::Null);
    (output.status.code().unwrap_or(-1), json, stdout)
}

/// What a report says was not exercised: (trial, reason, detail), skips and parts alike.
pub fn not_exercised(report: &Value) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for trial in report["trials"].as_array().into_iter().flatten() {
        let name = trial["name"].as_str().unwrap_or_default().to_string();
        let parts = trial["not_exercised"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for gap in std::iter::once(&trial["skip_reason"])
            .filter(|g| !g.is_null())
            .chain(&parts)
        {
            out.push((
                name.clone(),
                gap["reason"].as_str().unwrap_or_default().to_string(),
                gap["detail"].as_str().unwrap_or_default().to_string(),
            ));
        }
    }
    out
}

#[test]
fn a_target_with_other_data_gets_no_finding_and_is_told_what_was_not_exercised() {
    let dir = crate::fixtures::tempdir();
    for count in [0, 1, 3, 250] {
        let served = Served::start(&fixtures_file(&dir, count), &[]);
        assert_eq!(served.partner, PARTNER);
        let (code, report, stdout) = run_against(&served, &[], &[]);
        assert_eq!(
            report["findings"].as_array().map(Vec::len),
            Some(0),
            "{count} customers:\n{stdout}"
        );
        assert_eq!(code, 0, "{count} customers:\n{stdout}");
        let gaps = not_exercised(&report);
        let no_data: Vec<_> = gaps.iter().filter(|(_, r, _)| r == "no_data").collect();
        match count {
            // Nothing to page, filter or look up: every check that needed a customer says so.
            0 => {
                for trial in [
                    "cases::budget_v1::reseller_budget",
                    "cases::budget_v2::referral_customer",
                    "stateful::budget_v2::budget_by_association_type",
                    "stateful::customers_v1::fuzzy_filter",
                    "stateful::customers_v2::time_range_filter",
                ] {
                    assert!(
                        no_data
                            .iter()
                            .any(|(t, _, d)| t == trial && d.contains("0 customers")),
                        "{trial} does not say the target lists 0 customers: {gaps:#?}"
                    );
                }
                assert!(
                    stdout.contains("no_data (no data on the target)"),
                    "{stdout}"
                );
            }
            // One reseller: no referral customer to ask a budget for.
            1 => assert!(
                no_data
                    .iter()
                    .any(|(t, _, _)| t == "cases::budget_v1::referral_customer"),
                "{gaps:#?}"
            ),
            // Every kind of customer, but too few for a second page.
            3 => assert!(
                no_data.iter().all(|(t, _, d)| t.ends_with("::pagination")
                    && d.contains("paging across pages: the target lists 3 customers")),
                "{gaps:#?}"
            ),
            // Enough data for everything.
            _ => assert!(gaps.is_empty(), "{count} customers: {gaps:#?}"),
        }
        // migrate compares what both generations list: with nothing listed it says so.
        if count == 0 {
            let (code, report, stdout) = command_against("migrate", &served, &[], &[]);
            assert_eq!(code, 0, "{stdout}");
            let skipped: Vec<_> = not_exercised(&report)
                .into_iter()
                .filter(|(t, r, d)| {
                    t.starts_with("migrate::") && r == "no_data" && d.contains("0 customers")
                })
                .collect();
            assert_eq!(skipped.len(), 3, "{stdout}");
        }
    }
}
