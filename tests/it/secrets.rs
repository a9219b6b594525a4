//! Secrets never leak: with known values in every credential variable, nothing the run prints or
//! writes (stdout, stderr at the most verbose log level, JSON/JUnit/Markdown reports, the request
//! log) contains them; reproduce lines name the variables instead.

use partner_conformance::mock::{Credentials, Drift, DriftSet, Fixtures, MockServer, MockState};
use partner_conformance::spec::Spec;
use std::process::Command;
use std::sync::Arc;

const TOKEN: &str = "tok-SECRET-4f1d9a7c2b";
const AICC: &str = "aicc-SECRET-8e2c6b1f0a";
const AK: &str = "AKSECRET0123456789ZZ";
const SK: &str = "sk-SECRET-0c9b8a7d6e5f4a3b2c1d";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_credential_value_appears_in_any_output_or_artifact() {
    for auth in ["token", "aksk"] {
        check_no_leak("run", auth).await;
    }
}

/// `migrate` quotes two generations and writes a table: none of it leaks either.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_leaks_no_credential_value() {
    for auth in ["token", "aksk"] {
        check_no_leak("migrate", auth).await;
    }
}

async fn check_no_leak(subcommand: &str, auth: &str) {
    let spec = Spec::embedded().unwrap();
    let fixtures = Fixtures::embedded(&spec).unwrap();
    let lookup = |name: &str| match name {
        "HUAWEICLOUD_TOKEN" => Some(TOKEN.to_string()),
        "AICC_TOKEN" => Some(AICC.to_string()),
        "HUAWEICLOUD_SDK_AK" => Some(AK.to_string()),
        "HUAWEICLOUD_SDK_SK" => Some(SK.to_string()),
        _ => None,
    };
    let (credentials, _) = Credentials::from_lookup(&spec, lookup);
    // Drifts make findings (with reproduce lines) on every operation.
    let state = Arc::new(MockState {
        spec: Arc::clone(&spec),
        credentials,
        fixtures: fixtures.clone(),
        drifts: DriftSet::new([
            Drift::CountAsString,
            Drift::BudgetCurrencyUnknown,
            Drift::AiccMissingPortalUrl,
            Drift::CredentialsIgnored,
            Drift::V2OffByOneOffset,
            Drift::V2BudgetDiffers,
        ]),
    });
    let server = MockServer::start(state, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let dir = crate::fixtures::tempdir();
    let artifacts = [
        ("json", dir.join("r.json")),
        ("junit", dir.join("r.xml")),
        ("markdown", dir.join("r.md")),
    ];
    let log = dir.join("requests.log");
    let table = dir.join("table.md");
    let mut command = Command::new(env!("CARGO_BIN_EXE_partner-conformance"));
    if subcommand == "migrate" {
        command.arg("migrate").arg("--table").arg(&table);
    } else {
        command.arg("run");
    }
    command
        .args([
            "--no-regressions",
            "--cases",
            "16",
            "--auth",
            auth,
            "--target",
            &server.base_url(),
            "--partner-id",
            &fixtures.partner_id,
        ])
        .arg("--request-log")
        .arg(&log)
        .arg("--run-dir")
        .arg(dir.join("run"))
        .env("HUAWEICLOUD_TOKEN", TOKEN)
        .env("AICC_TOKEN", AICC)
        .env("HUAWEICLOUD_SDK_AK", AK)
        .env("HUAWEICLOUD_SDK_SK", SK)
        .env("PARTNER_CONFORMANCE_LOG", "trace")
        .env("RUST_LOG", "trace");
    for (format, path) in &artifacts {
        command
            .arg("--report")
            .arg(format!("{format}={}", path.display()));
    }
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap();
    server.stop().await;
    assert_eq!(
        output.status.code(),
        Some(1),
        "drift expected: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    let mut texts = vec![
        (
            "stdout".to_string(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        ),
        (
            "stderr".to_string(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        ),
        (
            "request log".to_string(),
            std::fs::read_to_string(&log).unwrap(),
        ),
    ];
    for (format, path) in &artifacts {
        texts.push((format.to_string(), std::fs::read_to_string(path).unwrap()));
    }
    if subcommand == "migrate" {
        texts.push(("table".into(), std::fs::read_to_string(&table).unwrap()));
    }
    // The stored requests for `replay` too.
    for entry in std::fs::read_dir(dir.join("run").join("requests")).unwrap() {
        let path = entry.unwrap().path();
        texts.push((
            path.display().to_string(),
            std::fs::read_to_string(&path).unwrap(),
        ));
    }
    for (what, text) in &texts {
        assert!(!text.is_empty(), "{what} is empty");
        for secret in [TOKEN, AICC, AK, SK] {
            assert!(!text.contains(secret), "{what} contains a credential value");
        }
    }
    let json = &texts.iter().find(|(w, _)| w == "json").unwrap().1;
    let variable = if auth == "aksk" {
        "$HUAWEICLOUD_SDK_AK"
    } else {
        "$HUAWEICLOUD_TOKEN"
    };
    assert!(json.contains(variable), "reproduce lines name {variable}");
    if subcommand == "run" {
        assert!(
            json.contains("$AICC_TOKEN"),
            "reproduce lines name the AICC variable"
        );
    }
}

#[test]
fn credentials_are_never_accepted_on_the_command_line() {
    let output = Command::new(env!("CARGO_BIN_EXE_partner-conformance"))
        .args(["run", "--token", TOKEN])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--token"), "{stderr}");
    assert!(!stderr.contains(TOKEN), "the refused value is not echoed");
}

/// A hostile target echoes the credential it receives into what the suite quotes (an error code,
/// the start of a non-JSON body): reports and output still never contain it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_echoing_the_token_does_not_make_it_leak() {
    use axum::http::HeaderMap;
    let app = axum::Router::new().fallback(|headers: HeaderMap| async move {
        let token = headers
            .get("x-auth-token")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        if token.starts_with("aicc") {
            (axum::http::StatusCode::OK, format!("{token} is not JSON")).into_response()
        } else {
            let body =
                serde_json::json!({"error_code": token, "error_msg": format!("bad {token}")});
            (
                axum::http::StatusCode::BAD_REQUEST,
                [("content-type", "application/json")],
                body.to_string(),
            )
                .into_response()
        }
    });
    use axum::response::IntoResponse;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let dir = crate::fixtures::tempdir();
    let report = dir.join("r.json");
    let mut command = Command::new(env!("CARGO_BIN_EXE_partner-conformance"));
    command
        .args([
            "run",
            "--no-regressions",
            "--cases",
            "4",
            "--target",
            &base,
            "--partner-id",
            "p",
        ])
        .arg("--run-dir")
        .arg(dir.join("run"))
        .arg("--report")
        .arg(format!("json={}", report.display()))
        .env("HUAWEICLOUD_TOKEN", TOKEN)
        .env("AICC_TOKEN", AICC);
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap();
    let mut texts = vec![
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        std::fs::read_to_string(&report).unwrap_or_default(),
    ];
    if let Ok(entries) = std::fs::read_dir(dir.join("run").join("requests")) {
        for entry in entries {
            texts.push(std::fs::read_to_string(entry.unwrap().path()).unwrap());
        }
    }
    assert!(
        texts[2].contains("[REDACTED]"),
        "the echo was quoted, redacted: {}",
        texts[2]
    );
    for text in &texts {
        assert!(
            !text.contains(TOKEN) && !text.contains(AICC),
            "a credential leaked: {}",
            text.replace(TOKEN, "<<TOKEN>>")
                .replace(AICC, "<<AICC>>")
                .lines()
                .filter(|l| l.contains("<<"))
                .take(3)
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}
