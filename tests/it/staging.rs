//! Using the suite against staging: replaying the requests behind findings, and profiles from a
//! config file (validated by `config check`, overridden by flags, never holding secrets).

use serde_json::Value;
use std::process::{Command, Output};

fn binary(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_partner-conformance"))
        .args(args)
        .env_remove("HUAWEICLOUD_TOKEN")
        .env_remove("AICC_TOKEN")
        .output()
        .expect("binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn replay_says_which_findings_still_hold() {
    let dir = crate::fixtures::tempdir();
    let run_dir = dir.join("run");
    let run_dir_arg = run_dir.to_str().unwrap();
    let drift = "count-as-string";
    let output = binary(&[
        "run",
        "--no-regressions",
        "--seed",
        "6",
        "--cases",
        "8",
        "--mock-drift",
        drift,
        "--run-dir",
        run_dir_arg,
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stdout).contains("partner-conformance replay"),
        "{}",
        text(&output.stdout)
    );
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(run_dir.join("run.json")).unwrap()).unwrap();
    assert_eq!(manifest["embedded"], true);
    let files = std::fs::read_dir(run_dir.join("requests")).unwrap().count();
    assert!(files > 0);
    // The stored requests hold no credential.
    for entry in std::fs::read_dir(run_dir.join("requests")).unwrap() {
        let body = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        assert!(!body.to_lowercase().contains("x-auth-token"), "{body}");
    }

    // The drift is still there: findings still hold, exit 1.
    let still = binary(&["replay", run_dir_arg, "--mock-drift", drift]);
    assert_eq!(still.status.code(), Some(1), "{}", text(&still.stderr));
    let out = text(&still.stdout);
    assert!(
        out.contains("still holds") && out.contains("body.count"),
        "{out}"
    );

    // Fixed: against the clean mock every per-response finding is fixed, exit 0.
    let fixed = binary(&["replay", run_dir_arg]);
    assert_eq!(fixed.status.code(), Some(0), "{}", text(&fixed.stderr));
    let out = text(&fixed.stdout);
    assert!(
        out.contains("fixed") && !out.lines().any(|l| l.starts_with("still holds")),
        "{out}"
    );

    let missing = binary(&["replay", dir.join("nothing").to_str().unwrap()]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("run.json"));
}

#[test]
fn profiles_fill_unset_flags_and_config_check_validates_without_sending() {
    let dir = crate::fixtures::tempdir();
    let config = dir.join("partner-conformance.toml");
    std::fs::write(
        &config,
        "default_profile = \"local\"\n\n[profiles.local]\nbss_url = \"http://127.0.0.1:9\"\npartner_id = \"p1\"\noperations = [\"aicc_tenant\"]\ntimeout_seconds = 1\nmax_requests = 10\n",
    )
    .unwrap();
    let config_arg = config.to_str().unwrap();
    let check = binary(&["config", "check", "--config", config_arg]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stderr));
    let out = text(&check.stdout);
    assert!(
        out.contains("profile `local`") && out.contains("AICC_TOKEN (NOT SET)"),
        "{out}"
    );

    // The profile points at 127.0.0.1:9 (nothing listens): with the token set, the run is the
    // profile's and ends unusable (exit 3); without it, a usage error names the variable.
    let no_token = binary(&[
        "run",
        "--no-regressions",
        "--no-run-dir",
        "--config",
        config_arg,
    ]);
    assert_eq!(
        no_token.status.code(),
        Some(2),
        "{}",
        text(&no_token.stderr)
    );
    assert!(text(&no_token.stderr).contains("AICC_TOKEN"));
    let output = Command::new(env!("CARGO_BIN_EXE_partner-conformance"))
        .args([
            "run",
            "--no-regressions",
            "--no-run-dir",
            "--config",
            config_arg,
        ])
        .env("AICC_TOKEN", "t")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains("127.0.0.1:9"),
        "{}",
        text(&output.stderr)
    );

    // A flag overrides the profile: --operations customers_v1 needs HUAWEICLOUD_TOKEN instead.
    let overridden = binary(&[
        "run",
        "--no-regressions",
        "--no-run-dir",
        "--config",
        config_arg,
        "--operations",
        "customers_v1",
    ]);
    assert!(
        text(&overridden.stderr).contains("HUAWEICLOUD_TOKEN"),
        "{}",
        text(&overridden.stderr)
    );

    // Secrets are refused, naming the line, never echoing the value.
    std::fs::write(
        &config,
        "[profiles.x]\nbss_url = \"http://127.0.0.1:9\"\ntoken = \"s3cr3t-value\"\n",
    )
    .unwrap();
    let bad = binary(&["config", "check", "--config", config_arg]);
    assert_eq!(bad.status.code(), Some(2));
    let err = text(&bad.stderr);
    assert!(
        err.contains("line 3")
            && err.contains("HUAWEICLOUD_TOKEN")
            && !err.contains("s3cr3t-value"),
        "{err}"
    );
    let unknown = binary(&["run", "--config", config_arg, "--profile", "nope"]);
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn the_example_profile_file_is_valid() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/partner-conformance.toml");
    let output = binary(&["config", "check", "--config", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
}

/// A probe of a position the pages do not decide (A22: which check comes first) is held only
/// against the embedded mock: a real target answering the other way is not reported.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn position_only_probes_accept_any_documented_answer_from_a_real_target() {
    let app = axum::Router::new().fallback(|| async {
        (
            axum::http::StatusCode::FORBIDDEN,
            [("content-type", "application/json;charset=UTF-8")],
            r#"{"error_code": "CBC.0151", "error_msg": "Access denied."}"#,
        )
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let trial = "cases::customers_v1::a22_parameters_checked_before_partner";
    let output = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_partner-conformance"))
            .args([
                "run",
                "--no-regressions",
                "--no-run-dir",
                "--operations",
                "customers_v1",
                "--target",
                &base,
                "--partner-id",
                "p",
                trial,
                "--exact",
            ])
            .env("HUAWEICLOUD_TOKEN", "t")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}\n{}",
        text(&output.stderr)
    );
    assert!(stdout.contains(&format!("test {trial} ... ok")), "{stdout}");
}
