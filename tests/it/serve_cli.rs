//! `partner-conformance serve` as a user runs it: the banner, a documented call, and a clean stop
//! on SIGTERM and SIGINT.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Served {
    child: Child,
    banner: Vec<String>,
    base: String,
}

fn serve(env: &[(&str, &str)]) -> Served {
    let mut command = Command::new(env!("CARGO_BIN_EXE_partner-conformance"));
    command
        .args(["serve", "--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env_remove("HUAWEICLOUD_TOKEN")
        .env_remove("AICC_TOKEN")
        .env_remove("HUAWEICLOUD_SDK_AK")
        .env_remove("HUAWEICLOUD_SDK_SK");
    for (k, v) in env {
        command.env(k, v);
    }
    let mut child = command.spawn().expect("binary starts");
    let stdout = child.stdout.take().unwrap();
    let mut banner = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        let done = line.starts_with("stop with");
        banner.push(line);
        if done {
            break;
        }
    }
    let base = banner[0]
        .rsplit(' ')
        .next()
        .expect("address on the first line")
        .to_string();
    Served {
        child,
        banner,
        base,
    }
}

fn stop(mut served: Served, signal: &str) {
    let status = Command::new("kill")
        .args([signal, &served.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = served.child.try_wait().unwrap() {
            assert!(status.success(), "exit status {status}");
            return;
        }
        assert!(
            Instant::now() < deadline,
            "serve did not stop after {signal}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn value_of<'a>(banner: &'a [String], name: &str) -> Option<&'a str> {
    banner.iter().find_map(|l| {
        l.strip_prefix(&format!("{name}="))
            .map(|rest| rest.split_whitespace().next().unwrap_or_default())
    })
}

#[test]
fn serve_prints_address_and_generated_token_and_stops_on_sigterm() {
    let served = serve(&[]);
    assert!(
        served.base.starts_with("http://127.0.0.1:"),
        "{:?}",
        served.banner
    );
    let token = value_of(&served.banner, "HUAWEICLOUD_TOKEN")
        .expect("generated token printed")
        .to_string();
    let partner = served.banner[1]
        .strip_prefix("partner_id: ")
        .unwrap()
        .to_string();
    let url = format!(
        "{}/v1.0/{partner}/partner/customer-mgr/detail?page_size=2",
        served.base
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (status, body) = runtime.block_on(async {
        let response = reqwest::Client::new()
            .get(&url)
            .header("Content-Type", "application/json")
            .header("X-Auth-Token", &token)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    });
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"error_code\":\"CBC.0000\""), "{body}");
    stop(served, "-TERM");
}

#[test]
fn serve_never_prints_a_secret_from_the_environment_and_stops_on_sigint() {
    let secret = "tok-from-env-1f9e8d7c";
    let served = serve(&[
        ("HUAWEICLOUD_TOKEN", secret),
        ("HUAWEICLOUD_SDK_SK", "sk-from-env-2a3b4c"),
    ]);
    let all = served.banner.join("\n");
    assert!(
        !all.contains(secret) && !all.contains("sk-from-env"),
        "{all}"
    );
    assert!(
        all.contains("HUAWEICLOUD_TOKEN: (taken from the environment"),
        "{all}"
    );
    stop(served, "-INT");
}

#[test]
fn serve_with_a_bad_fixtures_file_exits_2_naming_the_file() {
    let dir = crate::fixtures::tempdir();
    let path = dir.join("broken.json");
    std::fs::write(&path, "{\"partner_id\": 5}").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_partner-conformance"))
        .args(["serve", "--addr", "127.0.0.1:0", "--fixtures"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("broken.json") && stderr.contains("line 1"),
        "{stderr}"
    );
}

#[test]
fn serve_stops_on_sigterm_while_a_client_holds_half_a_header() {
    use std::io::{Read, Write};
    let served = serve(&[]);
    let address = served.base.trim_start_matches("http://").to_string();
    let mut held = std::net::TcpStream::connect(&address).unwrap();
    held.write_all(b"GET /v1.0/x/partner/customer-mgr/detail HTTP/1.1\r\nHost: x\r\nX-Partial: ")
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    stop(served, "-TERM");
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "serve took {:?} to stop",
        started.elapsed()
    );
    // The held connection was closed, not kept.
    held.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut rest = Vec::new();
    let _ = held.read_to_end(&mut rest);
}

#[test]
fn serve_closes_a_connection_whose_header_never_completes() {
    use std::io::{Read, Write};
    let served = serve(&[]);
    let address = served.base.trim_start_matches("http://").to_string();
    let mut held = std::net::TcpStream::connect(&address).unwrap();
    held.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").unwrap();
    held.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let started = Instant::now();
    let mut rest = Vec::new();
    let closed = held.read_to_end(&mut rest).is_ok();
    assert!(closed, "the connection was still open after 30 s");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    stop(served, "-TERM");
}
