//! Using the suite against staging: replaying the requests behind findings, and profiles from a
//! config file (validated by `config check`, overridden by flags, never holding secrets).

use axum::response::IntoResponse;
use partner_conformance::mock::{Credentials, Drift, DriftSet, Fixtures, MockState};
use partner_conformance::spec::Spec;
use serde_json::Value;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use tower::ServiceExt;

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

    // Naming a target for a run against the embedded mock is a retarget: refused without
    // --retarget (nothing listens on port 9; nothing is sent either way).
    let elsewhere = binary(&["replay", run_dir_arg, "--target", "http://127.0.0.1:9"]);
    assert_eq!(
        elsewhere.status.code(),
        Some(2),
        "{}",
        text(&elsewhere.stdout)
    );
    assert!(
        text(&elsewhere.stderr).contains("--retarget"),
        "{}",
        text(&elsewhere.stderr)
    );
}

/// The token the mock behind the replay tests accepts.
const TOKEN: &str = "replay-test-token-5c0ffee";

/// What a loopback server saw of one request.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    headers: axum::http::HeaderMap,
}

/// Serves `router` on an ephemeral loopback port; returns its base URL.
async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    base
}

/// The embedded mock's router, accepting [`TOKEN`], with `drifts`.
fn mock_app(drifts: &[Drift]) -> (axum::Router, String) {
    let spec = Spec::embedded().unwrap();
    let fixtures = Fixtures::embedded(&spec).unwrap();
    let partner = fixtures.partner_id.clone();
    let (credentials, _) =
        Credentials::from_lookup(&spec, |n| (n == "HUAWEICLOUD_TOKEN").then(|| TOKEN.into()));
    let state = Arc::new(MockState {
        spec,
        credentials,
        fixtures,
        drifts: DriftSet::new(drifts.iter().copied()),
        readings: Default::default(),
    });
    (partner_conformance::mock::app(state), partner)
}

/// A loopback server that keeps what it receives and passes it to `inner` (404 without one).
async fn recorder(inner: Option<axum::Router>) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let kept = Arc::clone(&seen);
    let router = axum::Router::new().fallback(move |request: axum::extract::Request| {
        kept.lock().unwrap().push(Seen {
            method: request.method().to_string(),
            headers: request.headers().clone(),
        });
        let inner = inner.clone();
        async move {
            match inner {
                Some(inner) => inner.oneshot(request).await.unwrap_or_else(|e| match e {}),
                None => axum::http::StatusCode::NOT_FOUND.into_response(),
            }
        }
    });
    (serve(router).await, seen)
}

/// The binary with [`TOKEN`] in the environment, run off the async runtime.
async fn with_token(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_partner-conformance"))
            .args(&args)
            .env("HUAWEICLOUD_TOKEN", TOKEN)
            .env_remove("AICC_TOKEN")
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

/// `run` against `base` for customers_v1, keeping the requests behind findings in `run_dir`.
async fn run_against(base: &str, partner: &str, run_dir: &std::path::Path) -> Output {
    let args = [
        "run",
        "--no-regressions",
        "--seed",
        "6",
        "--cases",
        "8",
        "--operations",
        "customers_v1",
        "--target",
        base,
        "--partner-id",
        partner,
        "--run-dir",
    ];
    let mut args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    args.push(run_dir.display().to_string());
    with_token(args).await
}

fn replay_args(run_dir: &std::path::Path, rest: &[&str]) -> Vec<String> {
    let mut args = vec!["replay".to_string(), run_dir.display().to_string()];
    args.extend(rest.iter().map(|s| s.to_string()));
    args
}

/// Item 7: a target that now answers 400 to everything has fixed nothing. A finding is "fixed"
/// only when the new answer passes every per-response check; otherwise replay says what the
/// answer breaks now, and exits 1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_calls_a_finding_fixed_only_when_the_new_answer_conforms() {
    const DRIFTING: u8 = 0;
    const REFUSING: u8 = 1;
    const CLEAN: u8 = 2;
    let (drifting, partner) = mock_app(&[Drift::CountAsString]);
    let (clean, _) = mock_app(&[]);
    let mode = Arc::new(AtomicU8::new(DRIFTING));
    let current = Arc::clone(&mode);
    let router = axum::Router::new().fallback(move |request: axum::extract::Request| {
        let (drifting, clean) = (drifting.clone(), clean.clone());
        let mode = current.load(Ordering::SeqCst);
        async move {
            let app = match mode {
                DRIFTING => drifting,
                CLEAN => clean,
                _ => {
                    return (
                        axum::http::StatusCode::BAD_REQUEST,
                        [("content-type", "application/json;charset=UTF-8")],
                        r#"{"error_code": "CBC.0100", "error_msg": "Invalid parameter."}"#,
                    )
                        .into_response()
                }
            };
            app.oneshot(request).await.unwrap_or_else(|e| match e {})
        }
    });
    let base = serve(router).await;
    let dir = crate::fixtures::tempdir();
    let run_dir = dir.join("run");
    let run = run_against(&base, &partner, &run_dir).await;
    assert_eq!(run.status.code(), Some(1), "{}", text(&run.stderr));

    mode.store(REFUSING, Ordering::SeqCst);
    let refused = with_token(replay_args(&run_dir, &["--target", &base])).await;
    let out = text(&refused.stdout);
    assert_eq!(
        refused.status.code(),
        Some(1),
        "{out}\n{}",
        text(&refused.stderr)
    );
    assert!(!out.lines().any(|l| l.starts_with("fixed")), "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("changed") && l.contains("body.count")),
        "{out}"
    );
    assert!(
        out.contains("now: [PC001 status_code] status: expected 200")
            && out.contains("observed 400 CBC.0100"),
        "{out}"
    );
    assert!(out.contains(" 0 fixed"), "{out}");

    // Against the same target, fixed for real: every finding fixed, exit 0.
    mode.store(CLEAN, Ordering::SeqCst);
    let fixed = with_token(replay_args(&run_dir, &["--target", &base])).await;
    let out = text(&fixed.stdout);
    assert_eq!(
        fixed.status.code(),
        Some(0),
        "{out}\n{}",
        text(&fixed.stderr)
    );
    assert!(
        out.lines()
            .filter(|l| !l.is_empty())
            .all(|l| l.starts_with("fixed") || l.starts_with("replayed")),
        "{out}"
    );
}

/// Item 10: replay trusts nothing in the run directory that decides where credentials go or what
/// is sent besides the request's parameters. Without --target (or a profile) a run against a real
/// target is not replayed at all; a target other than the run's needs --retarget; an edited
/// method or header is refused before anything is sent; what is sent carries the suite's own
/// method, Host and one credential.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_sends_credentials_only_where_its_command_line_says() {
    let (app, partner) = mock_app(&[Drift::CountAsString]);
    let (target, at_target) = recorder(Some(app)).await;
    let (elsewhere, at_elsewhere) = recorder(None).await;
    let dir = crate::fixtures::tempdir();
    let run_dir = dir.join("run");
    let run = run_against(&target, &partner, &run_dir).await;
    assert_eq!(run.status.code(), Some(1), "{}", text(&run.stderr));
    at_target.lock().unwrap().clear();
    let nothing_sent = |what: &str| {
        assert!(
            at_target.lock().unwrap().is_empty(),
            "{what}: the target got requests"
        );
        assert!(
            at_elsewhere.lock().unwrap().is_empty(),
            "{what}: another host got requests"
        );
    };
    let refused = |output: &Output, says: &str| {
        assert_eq!(output.status.code(), Some(2), "{}", text(&output.stdout));
        assert!(
            text(&output.stderr).contains(says),
            "{}",
            text(&output.stderr)
        );
    };

    // The run directory alone never names where credentials go.
    let no_target = with_token(replay_args(&run_dir, &[])).await;
    refused(&no_target, "never to a URL read from the run directory");
    nothing_sent("replay without --target");

    // An edited bss_url is not followed, and does not match the named target.
    let manifest_path = run_dir.join("run.json");
    let manifest = std::fs::read_to_string(&manifest_path).unwrap();
    let mut edited: Value = serde_json::from_str(&manifest).unwrap();
    edited["bss_url"] = Value::from(elsewhere.as_str());
    edited["aicc_url"] = Value::from(elsewhere.as_str());
    std::fs::write(&manifest_path, edited.to_string()).unwrap();
    refused(
        &with_token(replay_args(&run_dir, &[])).await,
        "never to a URL",
    );
    refused(
        &with_token(replay_args(&run_dir, &["--target", &target])).await,
        "--retarget",
    );
    nothing_sent("edited bss_url");
    std::fs::write(&manifest_path, &manifest).unwrap();

    // Another target than the run's: only with --retarget.
    refused(
        &with_token(replay_args(&run_dir, &["--target", &elsewhere])).await,
        "--retarget",
    );
    nothing_sent("another target");

    // Stored headers and method are the suite's, not the file's: an edited one is refused.
    let file = std::fs::read_dir(run_dir.join("requests"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .min()
        .unwrap();
    let stored = std::fs::read_to_string(&file).unwrap();
    let edits: [(&str, Value); 5] = [
        ("headers", serde_json::json!([["Host", "evil.example"]])),
        ("headers", serde_json::json!([["X-Auth-Token", "stolen"]])),
        ("headers", serde_json::json!([["Content-Length", "0"]])),
        (
            "headers",
            serde_json::json!([["X-Forwarded-Host", "evil.example"]]),
        ),
        ("method", Value::from("DELETE")),
    ];
    for (key, value) in edits {
        let mut request: Value = serde_json::from_str(&stored).unwrap();
        request["request"][key] = value.clone();
        std::fs::write(&file, request.to_string()).unwrap();
        let output = with_token(replay_args(&run_dir, &["--target", &target])).await;
        refused(&output, &file.display().to_string());
        nothing_sent(&format!("{key} {value}"));
    }
    std::fs::write(&file, &stored).unwrap();

    // The target named on the command line, or by a profile, gets the requests: the suite's
    // method, its own Host, exactly one credential.
    let replayed = with_token(replay_args(&run_dir, &["--target", &target])).await;
    assert_eq!(
        replayed.status.code(),
        Some(1),
        "{}",
        text(&replayed.stderr)
    );
    let config = dir.join("partner-conformance.toml");
    std::fs::write(
        &config,
        format!("[profiles.staging]\nbss_url = \"{target}\"\npartner_id = \"{partner}\"\n"),
    )
    .unwrap();
    let config = config.display().to_string();
    let profiled = with_token(replay_args(
        &run_dir,
        &["--config", &config, "--profile", "staging"],
    ))
    .await;
    assert_eq!(
        profiled.status.code(),
        Some(1),
        "{}",
        text(&profiled.stderr)
    );
    let seen = at_target.lock().unwrap().clone();
    assert!(!seen.is_empty());
    let authority = target.trim_start_matches("http://");
    for request in &seen {
        assert_eq!(request.method, "GET");
        let tokens: Vec<_> = request.headers.get_all("x-auth-token").iter().collect();
        assert_eq!(tokens, [TOKEN], "{:?}", request.headers);
        let hosts: Vec<_> = request.headers.get_all("host").iter().collect();
        assert_eq!(hosts, [authority], "{:?}", request.headers);
    }
    assert!(at_elsewhere.lock().unwrap().is_empty());

    // --retarget sends to the other target, and says so.
    let retargeted = with_token(replay_args(
        &run_dir,
        &["--target", &elsewhere, "--retarget"],
    ))
    .await;
    assert!(
        text(&retargeted.stderr).contains("--retarget"),
        "{}",
        text(&retargeted.stderr)
    );
    assert_ne!(retargeted.status.code(), Some(0));
    assert!(!at_elsewhere.lock().unwrap().is_empty());
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

/// A probe of a position the pages do not decide (A22: which check comes first) is an
/// observation against a real target answering the other way, not drift: the trial passes, the
/// run exits 0, and the observation names the position.
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
    assert!(
        stdout.contains("How this target reads what the documentation leaves open")
            && stdout.contains("A22 customers_v1 status"),
        "{stdout}"
    );
}
