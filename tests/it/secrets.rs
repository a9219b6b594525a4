//! Secrets never leak: with known values in every credential variable, nothing the run prints or
//! writes (stdout, stderr at the most verbose log level, JSON/JUnit/Markdown/HTML reports, the
//! request log) contains them; reproduce lines name the variables instead.

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
        readings: Default::default(),
    });
    let server = MockServer::start(state, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let dir = crate::fixtures::tempdir();
    let artifacts = [
        ("json", dir.join("r.json")),
        ("junit", dir.join("r.xml")),
        ("markdown", dir.join("r.md")),
        ("html", dir.join("r.html")),
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
    // A signed request is reproduced by `sign`, which reads the keys itself; a token by its
    // variable.
    let variable = if auth == "aksk" {
        "partner-conformance sign "
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

/// A token with characters every encoding the suite uses changes: percent-encoding (`+`, `/`,
/// `=`, space), JSON (`"`, `\`), the curl line's single quotes (`'`) and HTML/XML entities (`&`, `<`).
const ECHOED: &str = "tok+SECRET/4f1d=9a'7c \"2b\\x&<y";

/// Every form of `value` the suite or a target could write: as is, percent-encoded with upper-
/// and lower-case hex, form-encoded (`+` for a space), JSON-escaped, shell-quoted, case-changed,
/// base64-encoded inside a longer text (as in a Basic authorization header), and escaped as
/// HTML/XML entities (the quote as `&#39;`, `&#x27;` or `&apos;`, as the HTML and JUnit reports
/// or a target may write it).
fn forms(value: &str) -> Vec<(&'static str, String)> {
    // RFC 3986 unreserved characters stay, as the suite (and the official SDK) encode.
    const UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    let upper = percent_encoding::utf8_percent_encode(value, UNRESERVED).to_string();
    let lower = upper
        .split('%')
        .enumerate()
        .map(|(i, part)| match i {
            0 => part.to_string(),
            _ => format!("%{}{}", part[..2].to_ascii_lowercase(), &part[2..]),
        })
        .collect::<String>();
    let form: String = value
        .bytes()
        .map(|b| match b {
            b' ' => "+".to_string(),
            b if b.is_ascii_alphanumeric() || b"*-._".contains(&b) => (b as char).to_string(),
            b => format!("%{b:02X}"),
        })
        .collect();
    let json = serde_json::to_string(value).unwrap();
    let mut forms = vec![
        ("raw", value.to_string()),
        ("percent-encoded", upper),
        ("percent-encoded, lower-case hex", lower),
        ("form-encoded", form),
        ("JSON-escaped", json[1..json.len() - 1].to_string()),
        ("shell-quoted", value.replace('\'', "'\\''")),
        ("upper-cased", value.to_uppercase()),
        ("lower-cased", value.to_lowercase()),
        ("base64", {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD.encode(format!("user:{value}"))
        }),
        ("HTML-escaped", html_entities(value, "&#39;")),
        ("HTML-escaped, hex quote", html_entities(value, "&#x27;")),
        ("HTML-escaped, named quote", html_entities(value, "&apos;")),
    ];
    // A GitHub annotation escapes each of these again: `%` as `%25` (so a percent-encoded echo
    // reads `%252B`), line breaks as `%0D`/`%0A`, and in its title `:` and `,` as well.
    let workflow: Vec<(&'static str, String)> = forms
        .iter()
        .flat_map(|(_, form)| [escape_data(form), escape_property(form)])
        .filter(|escaped| forms.iter().all(|(_, f)| f != escaped))
        .map(|escaped| ("workflow-command-escaped", escaped))
        .collect();
    forms.extend(workflow);
    forms
}

/// A GitHub workflow command's message escapes.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A GitHub workflow command's property escapes.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// `value` with `& < > "` as named entities and `'` as `quote`.
fn html_entities(value: &str, quote: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', quote)
}

/// A hostile target echoes the credential it receives: raw as the customer id of the list (which
/// the budget check then sends back in its requests), percent-encoded (upper- and lower-case hex,
/// form-encoded) as error codes and messages, and at the start of a non-JSON body. No form of it
/// reaches output or any file written (reports, request log, run directory, baseline `example`,
/// recordings, replay's output), and the target never gets its echo back in a URL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_echoing_the_token_does_not_make_it_leak() {
    use axum::http::{HeaderMap, StatusCode, Uri};
    use axum::response::IntoResponse;
    let uris = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let seen = Arc::clone(&uris);
    let app = axum::Router::new().fallback(move |uri: Uri, headers: HeaderMap| {
        seen.lock().unwrap().push(uri.to_string());
        async move {
            let token = headers
                .get("x-auth-token")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            let json = |status: StatusCode, body: serde_json::Value| {
                (
                    status,
                    [("content-type", "application/json")],
                    body.to_string(),
                )
                    .into_response()
            };
            let path = uri.path();
            if token.starts_with("aicc") {
                return (StatusCode::OK, format!("{token} is not JSON")).into_response();
            }
            if path.ends_with("/customer-mgr/detail") {
                return json(
                    StatusCode::OK,
                    serde_json::json!({"count": 1, "error_code": "CBC.0000", "error_msg": "success",
                        "customer_info_list": [{"customer_id": token, "cooperation_type": "3"}]}),
                );
            }
            if path.ends_with("/sub-customers/query") {
                return json(
                    StatusCode::OK,
                    serde_json::json!({"count": 1,
                        "customer_infos": [{"customer_id": token, "association_type": "3"}]}),
                );
            }
            // The echoes a target could send; the workflow-command forms are ours to avoid.
            let forms: Vec<_> = forms(&token)
                .into_iter()
                .filter(|(form, _)| *form != "workflow-command-escaped")
                .collect();
            let code = match path {
                p if p.ends_with("/credit") => &forms[1].1,
                p if p.ends_with("/budget") => &forms[2].1,
                _ => &forms[3].1,
            };
            let message: Vec<&str> = forms.iter().map(|(_, f)| f.as_str()).collect();
            json(
                StatusCode::BAD_REQUEST,
                serde_json::json!({"error_code": code, "error_msg": message.join(" ")}),
            )
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let dir = crate::fixtures::tempdir();
    let written = [
        ("json", dir.join("r.json")),
        ("junit", dir.join("r.xml")),
        ("markdown", dir.join("r.md")),
        ("html", dir.join("r.html")),
        ("ctrf", dir.join("r.ctrf.json")),
    ];
    // Inside a GitHub Actions step: the step summary (in `dir`, so searched with every other
    // file) and the annotations on stdout are outputs too.
    let step_summary = dir.join("step-summary.md");
    let mut command = Command::new(env!("CARGO_BIN_EXE_partner-conformance"));
    command
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &step_summary)
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
        .arg("--request-log")
        .arg(dir.join("requests.log"))
        .arg("--write-baseline")
        .arg(dir.join("baseline.toml"))
        .arg("--record")
        .arg(dir.join("recording"))
        .env("HUAWEICLOUD_TOKEN", ECHOED)
        .env("AICC_TOKEN", AICC);
    for (format, path) in &written {
        command
            .arg("--report")
            .arg(format!("{format}={}", path.display()));
    }
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // Replaying the run against the same target quotes its new answers.
    let mut replay = Command::new(env!("CARGO_BIN_EXE_partner-conformance"));
    replay
        .arg("replay")
        .arg(dir.join("run"))
        .args(["--target", &base])
        .env("HUAWEICLOUD_TOKEN", ECHOED)
        .env("AICC_TOKEN", AICC);
    let replayed = tokio::task::spawn_blocking(move || replay.output())
        .await
        .unwrap()
        .unwrap();
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
            "replay stdout".to_string(),
            String::from_utf8_lossy(&replayed.stdout).into_owned(),
        ),
        (
            "replay stderr".to_string(),
            String::from_utf8_lossy(&replayed.stderr).into_owned(),
        ),
    ];
    // Every file the run wrote, wherever it is.
    let mut pending = vec![dir.clone()];
    while let Some(path) = pending.pop() {
        if path.is_dir() {
            pending.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        } else {
            texts.push((
                path.display().to_string(),
                String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned(),
            ));
        }
    }
    let names: Vec<&str> = texts.iter().map(|(n, _)| n.as_str()).collect();
    for expected in [
        "r.json",
        "r.xml",
        "r.md",
        "r.html",
        "r.ctrf.json",
        "step-summary.md",
        "requests.log",
        "baseline.toml",
        "run.json",
        ".snap",
        "-budget_v1.json",
    ] {
        assert!(
            names
                .iter()
                .any(|n| n.ends_with(expected)
                    || (expected.starts_with('.') && n.contains(expected))),
            "no {expected} among {names:?}"
        );
    }
    let json = &texts.iter().find(|(n, _)| n.ends_with("r.json")).unwrap().1;
    assert!(
        json.contains("[REDACTED]"),
        "the echo was quoted, redacted: {json}"
    );
    let html = &texts.iter().find(|(n, _)| n.ends_with("r.html")).unwrap().1;
    assert!(
        html.contains("[REDACTED]"),
        "the HTML report quotes the echo, redacted"
    );
    let stdout = &texts[0].1;
    assert!(
        stdout.lines().any(|l| l.starts_with("::error ")),
        "the findings were annotated: {stdout}"
    );
    let log = &texts
        .iter()
        .find(|(n, _)| n.ends_with("requests.log"))
        .unwrap()
        .1;
    assert!(
        log.lines()
            .any(|l| l.contains("/account-mgr/credit?customer_id=")),
        "the budget check sent the ids it was given: {log}"
    );
    for (what, text) in &texts {
        for (form, value) in forms(ECHOED)
            .into_iter()
            .chain([("AICC token", AICC.to_string())])
        {
            assert!(
                !text.contains(&value),
                "{what} contains the token {form}: {}",
                text.lines()
                    .filter(|l| l.contains(&value))
                    .take(3)
                    .collect::<Vec<_>>()
                    .join("\n")
                    .replace(&value, "<<TOKEN>>")
            );
        }
    }
    // The ids the target gave were not sent back with the credential in them.
    for uri in uris.lock().unwrap().iter() {
        for (form, value) in forms(ECHOED).into_iter().skip(1).take(3) {
            assert!(
                !uri.contains(&value),
                "the target got the token {form} in {uri}"
            );
        }
    }
}
