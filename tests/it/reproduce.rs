//! Reproduce lines that work after the run: an embedded-mock run names the `serve` command that
//! brings its mock back on the port its curl lines use, and running both gives the finding's
//! answer again; an AK/SK-signed request is reproduced with `partner-conformance sign`, which the
//! mock's signature check accepts; and no output (of `sign`, of a run's reports) ever holds the
//! SK, a signature or an Authorization value.

use crate::other_data::Served;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_partner-conformance");
const AK: &str = "AKREPRODUCE000000001";
const SK: &str = "sk-reproduce-secret-4c1e9a";
const TOKEN: &str = "reproduce-token-77ab";
/// A reseller customer of the embedded fixtures: it has a budget.
const RESELLER: &str = "c7545e4001240bf320db6b93bcf90b9c";

/// The words of a command line as `sh` splits, expands and unquotes them, with `env` set: how
/// a user's shell reads a reproduce line.
fn shell_words(line: &str, env: &[(&str, &str)]) -> Vec<String> {
    let output = Command::new("sh")
        .arg("-c")
        .arg(format!("set -- {line}; printf '%s\\0' \"$@\""))
        .envs(env.iter().copied())
        .output()
        .expect("sh runs");
    assert!(output.status.success(), "sh could not read {line}");
    String::from_utf8(output.stdout)
        .unwrap()
        .split('\0')
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// A `serve` process started from its command line (`partner-conformance serve ...`), until
/// dropped; the banner is read up to its address.
struct Serve(std::process::Child);

impl Serve {
    fn start(line: &str, env: &[(&str, &str)]) -> Serve {
        let words = shell_words(line, &[]);
        assert_eq!(words[..2], ["partner-conformance", "serve"], "{line}");
        let mut child = Command::new(BIN)
            .args(&words[1..])
            .env_remove("HUAWEICLOUD_SDK_AK")
            .env_remove("HUAWEICLOUD_SDK_SK")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("serve starts");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut banner = Vec::new();
        for line in lines.by_ref() {
            let line = line.unwrap();
            let done = line.starts_with("stop with");
            banner.push(line);
            if done {
                break;
            }
        }
        if !banner.iter().any(|l| l.contains(" listening on ")) {
            let mut stderr = String::new();
            let _ = child.stderr.take().unwrap().read_to_string(&mut stderr);
            panic!("`{line}` did not start: {banner:?} {stderr}");
        }
        std::thread::spawn(move || lines.for_each(drop));
        Serve(child)
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Sends what a curl line says (method, headers, body, URL) with `env` expanded; returns the
/// status and the body.
fn send_curl_line(line: &str, env: &[(&str, &str)]) -> (u16, Value) {
    let words = shell_words(line, env);
    assert_eq!(words[0], "curl", "{line}");
    let (mut method, mut headers, mut body, mut url) = ("GET".to_string(), vec![], None, None);
    let mut words = words[1..].iter();
    while let Some(word) = words.next() {
        match word.as_str() {
            "-sS" | "-i" => {}
            "-X" => method = words.next().unwrap().clone(),
            "-H" => headers.push(words.next().unwrap().clone()),
            "--data-raw" => body = words.next().cloned(),
            other => url = Some(other.to_string()),
        }
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let mut request = client.request(method.parse().unwrap(), url.expect("a URL"));
        for header in headers {
            let (name, value) = header.split_once(':').unwrap();
            request = request.header(name.trim(), value.trim());
        }
        if let Some(body) = body {
            request = request.body(body);
        }
        let answer = crate::support::read(request.send().await.expect("an answer")).await;
        (answer.status, answer.body)
    })
}

/// Runs `partner-conformance sign ...` (a reproduce line, or arguments) with the AK/SK pair
/// (or `sk`) in the environment: exit code, stdout, stderr.
fn sign(words: &[String], sk: &str) -> (i32, String, String) {
    let output = Command::new(BIN)
        .args(words)
        .env("HUAWEICLOUD_SDK_AK", AK)
        .env("HUAWEICLOUD_SDK_SK", sk)
        .output()
        .expect("sign runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn an_embedded_mock_run_names_the_serve_line_that_brings_its_findings_back() {
    let result = crate::run_suite::run(&[
        "--operations",
        "customers_v1",
        "--mock-drift",
        "count-as-string",
        "--seed",
        "5",
        "--cases",
        "8",
    ]);
    assert_eq!(result.code, 1, "{}\n{}", result.stdout, result.stderr);
    let serve = result.report["summary"]["serve"]
        .as_str()
        .expect("summary.serve")
        .to_string();
    assert!(
        serve.starts_with("partner-conformance serve --addr 127.0.0.1:")
            && serve.ends_with(" --drift count-as-string"),
        "{serve}"
    );
    // Once in the human summary, not once per finding.
    assert_eq!(
        result.stdout.matches("partner-conformance serve").count(),
        1,
        "{}",
        result.stdout
    );
    assert!(
        result.stdout.contains(&format!(
            "Reproduce: the embedded mock stopped with this run; {serve} starts the same one"
        )),
        "{}",
        result.stdout
    );
    assert_eq!(
        result.report["summary"]["partner_id"],
        "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
    );
    let finding = result
        .findings()
        .find(|f| f["location"] == "body.count")
        .expect("a finding on body.count");
    assert_eq!(finding["serve"], serve.as_str(), "{finding}");
    let curl = finding["reproduce"].as_str().unwrap();
    let port = serve.split_whitespace().nth(3).unwrap();
    assert!(curl.contains(&format!("'http://{port}/")), "{curl}");
    // The user's steps: export a token, start the line, run the curl line.
    let env = [("HUAWEICLOUD_TOKEN", TOKEN), ("AICC_TOKEN", TOKEN)];
    let _serve = Serve::start(&serve, &env);
    let (status, body) = send_curl_line(curl, &env);
    assert_eq!(status, 200, "{body}");
    assert!(body["count"].is_string(), "the drift again: {body}");
}

#[test]
fn sign_reaches_a_mock_that_checks_the_signature() {
    let served = Served::with_args(
        &[],
        &[("HUAWEICLOUD_SDK_AK", AK), ("HUAWEICLOUD_SDK_SK", SK)],
    );
    let budget = format!(
        "{}/v2/partners/sub-customers/budget?customer_id={RESELLER}",
        served.base
    );
    let words = |extra: &[&str]| -> Vec<String> {
        ["sign"]
            .iter()
            .chain(extra)
            .map(|w| w.to_string())
            .collect()
    };
    let (code, stdout, stderr) = sign(&words(&["GET", &budget]), SK);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("HTTP 200\n"), "{stdout}\n{stderr}");
    assert!(stdout.contains("\"budget_amount\""), "{stdout}");
    let query = format!("{}/v2/partners/sub-customers/query", served.base);
    let (_, stdout, stderr) = sign(
        &words(&[
            "POST",
            &query,
            "-H",
            "Content-Type: application/json",
            "--data-raw",
            "{\"limit\":1}",
        ]),
        SK,
    );
    assert!(stdout.starts_with("HTTP 200\n"), "{stdout}\n{stderr}");
    // The mock does check: another SK is refused.
    let (code, stdout, _) = sign(&words(&["GET", &budget]), "another-secret-key");
    assert_eq!(code, 0);
    assert!(stdout.starts_with("HTTP 401\n"), "{stdout}");
}

/// A loopback server that answers every request with its own head echoed back, in the headers
/// (the Authorization value among them) and in the body; hands each head to the test.
fn echo_server() -> (String, std::sync::mpsc::Receiver<String>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (heads, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut head = String::new();
            let mut authorization = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.strip_prefix("authorization: ") {
                    authorization = v.trim().to_string();
                }
                head.push_str(&line);
            }
            let body = serde_json::json!({ "you_sent": head }).to_string();
            let mut out = stream;
            let _ = write!(
                out,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nAuthorization: {authorization}\r\nX-Echo: {authorization}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = heads.send(head);
        }
    });
    (base, received)
}

#[test]
fn sign_never_prints_a_key_a_signature_or_the_authorization_value() {
    let (base, heads) = echo_server();
    let url = format!("{base}/v2/partners/sub-customers/budget?customer_id=x");
    let (code, stdout, stderr) = sign(&["sign".into(), "GET".into(), url], SK);
    assert_eq!(code, 0, "{stderr}");
    let head = heads.recv().unwrap();
    let authorization = head
        .lines()
        .find_map(|l| l.strip_prefix("authorization: "))
        .expect("the request was signed")
        .trim()
        .to_string();
    let signature = authorization
        .rsplit("Signature=")
        .next()
        .unwrap()
        .to_string();
    assert_eq!(signature.len(), 64, "{authorization}");
    let output = format!("{stdout}\n{stderr}");
    for secret in [SK, AK, signature.as_str(), authorization.as_str()] {
        assert!(!output.contains(secret), "{secret} printed:\n{output}");
    }
    // The echo is there, redacted.
    assert!(stdout.starts_with("HTTP 200\n"), "{stdout}");
    assert!(stdout.contains("authorization: [REDACTED]"), "{stdout}");
    assert!(stdout.contains("x-echo: [REDACTED]"), "{stdout}");
    assert!(stdout.contains("you_sent"), "{stdout}");
}

#[test]
fn an_aksk_run_reproduces_with_sign_lines_and_no_output_holds_a_secret() {
    let aksk = [("HUAWEICLOUD_SDK_AK", AK), ("HUAWEICLOUD_SDK_SK", SK)];
    let served = Served::with_args(&["--drift", "count-as-string"], &aksk);
    let dir = crate::fixtures::tempdir();
    let (json, junit, markdown) = (dir.join("r.json"), dir.join("r.xml"), dir.join("r.md"));
    let output = Command::new(BIN)
        .current_dir(&dir)
        .args([
            "run",
            "--target",
            &served.base,
            "--partner-id",
            &served.partner,
        ])
        .args([
            "--auth",
            "aksk",
            "--operations",
            "customers_v1",
            "--cases",
            "8",
        ])
        .args(["--seed", "5", "--no-regressions", "--no-run-dir"])
        .arg(format!("--report=json={}", json.display()))
        .arg(format!("--report=junit={}", junit.display()))
        .arg(format!("--report=markdown={}", markdown.display()))
        .env_remove("HUAWEICLOUD_TOKEN")
        .env_remove("AICC_TOKEN")
        .envs(aksk)
        .output()
        .expect("run starts");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    );
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let mut everything = format!("{stdout}\n{stderr}");
    for file in [&json, &junit, &markdown] {
        everything.push_str(&std::fs::read_to_string(file).unwrap());
    }
    for secret in [SK, "Signature=", "SDK-HMAC-SHA256 Access"] {
        assert!(!everything.contains(secret), "{secret} in the outputs");
    }
    // A target the user named outlives the run: no serve line.
    assert!(
        report["summary"].get("serve").is_none(),
        "{}",
        report["summary"]
    );
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["location"] == "body.count")
        .expect("a finding on body.count");
    let line = finding["reproduce"].as_str().unwrap();
    assert!(line.starts_with("partner-conformance sign GET '"), "{line}");
    let words = shell_words(line, &[]);
    let (code, stdout, stderr) = sign(&words[1..], SK);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("HTTP 200\n"), "{stdout}\n{stderr}");
    assert!(stdout.contains("\"count\":\""), "the drift again: {stdout}");
}
