//! Runs that must not end green, inputs that must stay bounded, flags validated like their
//! profile keys, and proxies that never see loopback traffic: the CI-trust items, each driven
//! through the binary as a CI job would.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Runs the binary with no credential or proxy from the developer's environment, and kills it
/// after `limit` (a hang is a failure, not a stuck test run).
fn binary(args: &[&str], env: &[(&str, &str)], limit: Duration) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_partner-conformance"));
    command
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for name in [
        "HUAWEICLOUD_TOKEN",
        "AICC_TOKEN",
        "HUAWEICLOUD_SDK_AK",
        "HUAWEICLOUD_SDK_SK",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "NO_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "no_proxy",
    ] {
        command.env_remove(name);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().expect("binary starts");
    let deadline = Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().ok();
            panic!("`{}` did not finish within {limit:?}", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const QUICK: Duration = Duration::from_secs(60);

#[test]
fn a_filter_matching_no_trial_is_not_a_pass() {
    let output = binary(
        &[
            "run",
            "--no-regressions",
            "--no-run-dir",
            "no_such_trial_anywhere",
        ],
        &[],
        QUICK,
    );
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stdout));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("no trial matches the filter `no_such_trial_anywhere`"),
        "{stderr}"
    );
}

#[test]
fn a_config_file_without_a_profile_to_use_is_refused() {
    let dir = crate::fixtures::tempdir();
    let file = dir.join("pc.toml");
    std::fs::write(
        &file,
        "[profiles.staging]\nbss_url = \"https://bss.example.com\"\n",
    )
    .unwrap();
    let output = binary(
        &[
            "run",
            "--no-regressions",
            "--config",
            file.to_str().unwrap(),
        ],
        &[],
        QUICK,
    );
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stdout));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("no default_profile") && stderr.contains("staging"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn recordings_that_are_missing_or_files_are_refused() {
    let dir = crate::fixtures::tempdir();
    let run = |flag: &str, path: &Path| {
        binary(
            &["run", "--no-regressions", flag, path.to_str().unwrap()],
            &[],
            QUICK,
        )
    };
    let refused_saying = |output: Output, words: &str| {
        assert_eq!(output.status.code(), Some(2), "{}", text(&output.stdout));
        assert!(
            text(&output.stderr).contains(words),
            "{}",
            text(&output.stderr)
        );
    };
    let missing = dir.join("no-recordings");
    refused_saying(run("--against-recording", &missing), "--against-recording");
    std::fs::create_dir_all(&missing).unwrap();
    refused_saying(run("--against-recording", &missing), "no recording");
    let file = dir.join("a-file");
    std::fs::write(&file, "x").unwrap();
    refused_saying(run("--record", &file), "not a folder");
    // Recordings that exist but cannot be read compare nothing either: refused, one named.
    let corrupt = dir.join("corrupt");
    std::fs::create_dir_all(&corrupt).unwrap();
    for name in [
        "customers_v1__documented_example.snap",
        "budget_v1__documented_example.snap",
    ] {
        std::fs::write(corrupt.join(name), "garbage").unwrap();
    }
    refused_saying(run("--against-recording", &corrupt), "can be read");
    std::fs::remove_dir_all(&dir).ok();
}

/// Runs started in the same second each get their own run directory: one never replaces
/// another's requests.
#[test]
fn runs_in_the_same_second_keep_their_own_run_directories() {
    let dir = crate::fixtures::tempdir();
    let children: Vec<_> = (0..3)
        .map(|_| {
            std::process::Command::new(env!("CARGO_BIN_EXE_partner-conformance"))
                .current_dir(&dir)
                .args([
                    "run",
                    "--no-regressions",
                    "--cases",
                    "2",
                    "--operations",
                    "customers_v1",
                    "--mock-drift",
                    "wrong-content-type",
                ])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert_eq!(child.wait().unwrap().code(), Some(1));
    }
    let runs = std::fs::read_dir(dir.join("partner-conformance-runs"))
        .unwrap()
        .count();
    assert_eq!(runs, 3, "one run directory per run");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn flags_out_of_range_are_refused_like_profile_keys() {
    for (flag, value) in [
        ("--rate", "1e-300"),
        ("--rate", "0"),
        ("--rate", "-2"),
        ("--rate", "nan"),
        ("--rate", "inf"),
        ("--concurrency", "0"),
        ("--timeout", "0"),
        ("--max-requests", "0"),
        ("--max-duration", "99999999999"),
        ("--test-threads", "0"),
        ("--max-pages", "0"),
        ("--min-coverage", "101"),
        ("--min-coverage", "nan"),
        ("--min-coverage", "budget=50"),
    ] {
        let output = binary(
            &["run", "--no-regressions", "--no-run-dir", flag, value],
            &[],
            QUICK,
        );
        assert_eq!(
            output.status.code(),
            Some(2),
            "{flag} {value}: {}{}",
            text(&output.stdout),
            text(&output.stderr)
        );
        let stderr = text(&output.stderr);
        assert!(!stderr.contains("panicked"), "{flag} {value}: {stderr}");
    }
    // The same words as the profile key.
    let output = binary(&["run", "--concurrency", "0"], &[], QUICK);
    assert!(
        text(&output.stderr).contains("must be from 1 to 1000 (requests in flight)"),
        "{}",
        text(&output.stderr)
    );
}

#[cfg(unix)]
#[test]
fn endless_input_files_are_refused_without_reading_them() {
    if !Path::new("/dev/zero").exists() {
        return;
    }
    let dir = crate::fixtures::tempdir();
    let link = dir.join("baseline.toml");
    std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
    for args in [
        vec!["run", "--no-regressions", "--baseline", "/dev/zero"],
        vec!["run", "--no-regressions", "--fixtures", "/dev/zero"],
        vec!["serve", "--fixtures", "/dev/zero"],
        vec![
            "run",
            "--no-regressions",
            "--baseline",
            link.to_str().unwrap(),
        ],
    ] {
        let output = binary(&args, &[], Duration::from_secs(20));
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            text(&output.stderr).contains("not a regular file"),
            "{args:?}: {}",
            text(&output.stderr)
        );
    }
    // A recording that is a link to /dev/zero: the comparison is not made, and the run ends.
    let recordings = dir.join("recordings");
    std::fs::create_dir_all(&recordings).unwrap();
    std::os::unix::fs::symlink(
        "/dev/zero",
        recordings.join("customers_v1__documented_example.snap"),
    )
    .unwrap();
    let output = binary(
        &[
            "run",
            "--no-regressions",
            "--no-run-dir",
            "--operations",
            "customers_v1",
            "--cases",
            "4",
            "--against-recording",
            recordings.to_str().unwrap(),
        ],
        &[],
        Duration::from_secs(60),
    );
    // The only recording is a device: nothing can be compared, so the run is refused before
    // anything is sent, naming the file, rather than passing.
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains("documented_example.snap: not a regular file"),
        "{}",
        text(&output.stderr)
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// A loopback "proxy" that counts connections and records the first request line of each,
/// answering 502 to all.
fn fake_proxy() -> (String, Arc<AtomicUsize>, Arc<Mutex<Vec<String>>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let lines = Arc::new(Mutex::new(Vec::new()));
    let (c, l) = (Arc::clone(&count), Arc::clone(&lines));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            c.fetch_add(1, Ordering::SeqCst);
            stream.set_read_timeout(Some(Duration::from_secs(2))).ok();
            let mut buf = [0u8; 4096];
            let n = stream.read(&mut buf).unwrap_or(0);
            let head = String::from_utf8_lossy(&buf[..n]);
            l.lock()
                .unwrap()
                .push(head.lines().next().unwrap_or_default().to_string());
            let _ = stream.write_all(
                b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            );
        }
    });
    (format!("http://{addr}"), count, lines)
}

#[test]
fn loopback_targets_never_go_through_a_proxy_and_real_ones_do() {
    let (proxy, count, lines) = fake_proxy();
    let env = [
        ("HTTP_PROXY", proxy.as_str()),
        ("HTTPS_PROXY", proxy.as_str()),
        ("ALL_PROXY", proxy.as_str()),
        ("http_proxy", proxy.as_str()),
    ];
    let output = binary(
        &[
            "run",
            "--no-regressions",
            "--no-run-dir",
            "--operations",
            "customers_v1",
            "--cases",
            "8",
        ],
        &env,
        QUICK,
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        text(&output.stdout),
        text(&output.stderr)
    );
    assert_eq!(
        count.load(Ordering::SeqCst),
        0,
        "the proxy saw loopback traffic"
    );

    // A real target goes through the proxy the environment names (here it answers 502, so
    // the target is unusable, but the request went where the user pointed it).
    let output = binary(
        &[
            "run",
            "--no-regressions",
            "--no-run-dir",
            "--operations",
            "customers_v1",
            "--target",
            "http://staging.conformance.invalid",
            "--partner-id",
            "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
            "--retries",
            "0",
        ],
        &[
            ("HTTP_PROXY", proxy.as_str()),
            ("HUAWEICLOUD_TOKEN", "proxy-test-token"),
        ],
        QUICK,
    );
    assert_eq!(output.status.code(), Some(3), "{}", text(&output.stderr));
    let seen = lines.lock().unwrap().clone();
    assert!(
        seen.iter()
            .any(|l| l.starts_with("GET http://staging.conformance.invalid/v1.0/")),
        "{seen:?}"
    );
}

/// The kept seeds of a `--regressions` folder: every entry's seed, per file.
fn kept_seeds(dir: &Path) -> std::collections::BTreeSet<String> {
    let mut seeds = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "json") {
            let file: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            for e in file["entries"].as_array().unwrap() {
                seeds.insert(e["seed"].as_str().unwrap().to_string());
            }
        }
    }
    seeds
}

/// A run against the mock drifting so that invalid generated cases fail (and their seeds are
/// kept), in `cwd`, keeping seeds in `regressions` or the default folder.
fn drifted_run(seed: &str, regressions: Option<&Path>, cwd: &Path) -> std::process::Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_partner-conformance"));
    command.args([
        "run",
        "--no-run-dir",
        "--operations",
        "customers_v1",
        "--cases",
        "16",
        "--seed",
        seed,
        "--mock-drift",
        "error-with-http-200",
    ]);
    if let Some(dir) = regressions {
        command.arg("--regressions").arg(dir);
    }
    command
        .current_dir(cwd)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

#[test]
fn concurrent_runs_keep_every_seed_and_leave_whole_files() {
    let dir = crate::fixtures::tempdir();
    let seeds = ["11", "12", "13", "14"];
    // Alone, each run keeps its own seeds.
    let mut expected = std::collections::BTreeSet::new();
    for seed in seeds {
        let own = dir.join(format!("alone-{seed}"));
        assert_eq!(
            drifted_run(seed, Some(&own), &dir).wait().unwrap().code(),
            Some(1)
        );
        let kept = kept_seeds(&own);
        assert!(!kept.is_empty(), "seed {seed} kept nothing");
        expected.extend(kept);
    }
    // Together in one folder, none is lost and every file parses.
    let shared = dir.join("shared");
    let children: Vec<_> = seeds
        .iter()
        .map(|seed| drifted_run(seed, Some(&shared), &dir))
        .collect();
    for mut child in children {
        assert_eq!(child.wait().unwrap().code(), Some(1));
    }
    assert_eq!(kept_seeds(&shared), expected);
    let leftovers: Vec<_> = std::fs::read_dir(&shared)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn kept_seeds_go_to_the_runtime_folder_not_to_the_compiled_cases() {
    let dir = crate::fixtures::tempdir();
    std::fs::create_dir_all(dir.join("cases")).unwrap();
    let status = drifted_run("3", None, &dir).wait().unwrap();
    assert_eq!(status.code(), Some(1));
    assert_eq!(std::fs::read_dir(dir.join("cases")).unwrap().count(), 0);
    assert!(!kept_seeds(&dir.join("partner-conformance-runs/regressions")).is_empty());
    // That folder, and tool caches, are kept out of version control.
    let ignore =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(".gitignore")).unwrap();
    assert!(ignore.lines().any(|l| l == "partner-conformance-runs/"));
    assert!(ignore.lines().any(|l| l == ".schemathesis/"));
    std::fs::remove_dir_all(&dir).ok();
}

/// The peak resident memory of a run of the binary, in KiB, read from /proc while it runs
/// (Linux only: `None` elsewhere).
fn peak_memory_kib(args: &[&str]) -> Option<u64> {
    if !Path::new("/proc/self/status").exists() {
        return None;
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_partner-conformance"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let status = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        if let Ok(text) = std::fs::read_to_string(&status) {
            for line in text.lines() {
                if let Some(rest) = line.strip_prefix("VmHWM:") {
                    let kib: u64 = rest
                        .trim()
                        .trim_end_matches("kB")
                        .trim()
                        .parse()
                        .unwrap_or(0);
                    peak = peak.max(kib);
                }
            }
        }
        if let Some(exit) = child.try_wait().unwrap() {
            assert!(exit.code().is_some(), "{args:?}");
            return Some(peak);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn generated_cases_are_made_as_they_are_sent() {
    // Ten million cases with a budget of 40 requests: made one by one, the run sends its 40
    // and stops, in bounded time and memory (made up front, they took minutes and gigabytes).
    let started = Instant::now();
    let peak = peak_memory_kib(&[
        "run",
        "--no-regressions",
        "--no-run-dir",
        "--operations",
        "customers_v1",
        "--cases",
        "10000000",
        "--max-requests",
        "40",
        "--exact",
        "generated::customers_v1::valid",
    ]);
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
    if let Some(peak) = peak {
        assert!(peak < 200 * 1024, "peak memory {peak} KiB");
    }
}

/// Found by the adversarial pass: selections and inputs that left nothing to check ended green.
/// Found by an adversarial pass: a previous report near the 64 MiB bound, most of it findings,
/// took 710 MiB to compare with, since all of it was parsed into a JSON tree. Only the coverage
/// is read now; a list of requirements longer than any catalogue is refused while it is read.
#[test]
fn a_large_previous_report_is_compared_in_bounded_memory() {
    let dir = crate::fixtures::tempdir();
    let previous = dir.join("previous.json");
    // Small values cost most as a JSON tree: over a hundred bytes each for 8 bytes of text.
    let findings = vec!["{\"a\":1}"; 8_000_000].join(",");
    let report = format!(
        "{{\"findings\":[{findings}],\"coverage\":{{\"overall\":{{\"percent\":100.0}},\"requirements\":[{{\"id\":\"customers_v1.query.page_size.maximum\",\"status\":\"verified\"}}]}}}}"
    );
    assert!(report.len() > 60 << 20, "{}", report.len());
    std::fs::write(&previous, report).unwrap();
    let previous_arg = previous.display().to_string();
    let args = [
        "run",
        "--no-regressions",
        "--no-run-dir",
        "--operations",
        "customers_v1",
        "--cases",
        "1",
        "--compare-coverage",
        &previous_arg,
    ];
    if let Some(peak) = peak_memory_kib(&args) {
        // The file is read whole (64 MiB at most) beside the run's own memory.
        eprintln!("peak memory comparing with a 60 MiB report: {peak} KiB");
        assert!(peak < 256 * 1024, "peak memory {peak} KiB");
    }
    let compared = binary(&args, &[], Duration::from_secs(120));
    assert_eq!(
        compared.status.code(),
        Some(0),
        "{}",
        text(&compared.stderr)
    );
    // Far more requirements than any catalogue: refused, with the bound named.
    let many: Vec<String> = (0..30_000)
        .map(|i| format!("{{\"id\":\"made.up.rule{i}\",\"status\":\"verified\"}}"))
        .collect();
    std::fs::write(
        &previous,
        format!(
            "{{\"coverage\":{{\"overall\":{{\"percent\":1}},\"requirements\":[{}]}}}}",
            many.join(",")
        ),
    )
    .unwrap();
    let refused = binary(&args, &[], Duration::from_secs(60));
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        text(&refused.stderr).contains("more requirements than any catalogue of this tool"),
        "{}",
        text(&refused.stderr)
    );
}

#[test]
fn selections_that_leave_nothing_to_check_are_not_a_pass() {
    let run = |args: &[&str]| {
        let mut all = vec!["run", "--no-regressions", "--no-run-dir"];
        all.extend_from_slice(args);
        binary(&all, &[], QUICK)
    };
    // A repeated POST proves nothing about idempotence: the trial is not planned.
    let post = run(&["stateful::customers_v2::idempotent_get", "--exact"]);
    assert_eq!(post.status.code(), Some(2), "{}", text(&post.stdout));
    // A budget of one request, spent by the preflight: nothing checked.
    let budget = run(&["--max-requests", "1"]);
    assert_eq!(budget.status.code(), Some(2), "{}", text(&budget.stdout));
    // A check that applies to none of the chosen operations.
    let checks = run(&["--operations", "aicc_tenant", "--checks", "PC012"]);
    assert_eq!(checks.status.code(), Some(2), "{}", text(&checks.stdout));
    assert!(
        text(&checks.stderr).contains("apply to none of the selected operations"),
        "{}",
        text(&checks.stderr)
    );
    // Recordings of another operation only, and one folder both recorded and compared.
    let dir = crate::fixtures::tempdir();
    let recordings = dir.join("rec");
    let recorded = run(&[
        "--operations",
        "aicc_tenant",
        "--record",
        recordings.to_str().unwrap(),
    ]);
    assert_eq!(
        recorded.status.code(),
        Some(0),
        "{}",
        text(&recorded.stderr)
    );
    let other = run(&[
        "--operations",
        "customers_v1",
        "--against-recording",
        recordings.to_str().unwrap(),
    ]);
    assert_eq!(other.status.code(), Some(2), "{}", text(&other.stdout));
    let same = run(&[
        "--operations",
        "aicc_tenant",
        "--against-recording",
        recordings.to_str().unwrap(),
        "--record",
        recordings.to_str().unwrap(),
    ]);
    assert_eq!(same.status.code(), Some(2), "{}", text(&same.stdout));
    // Thousands of trial threads are refused, not started.
    let threads = run(&["--test-threads", "4294967296"]);
    assert_eq!(threads.status.code(), Some(2), "{}", text(&threads.stderr));
    std::fs::remove_dir_all(&dir).ok();
}

#[cfg(unix)]
#[test]
fn a_pipe_given_as_an_input_file_is_refused_not_waited_on() {
    let dir = crate::fixtures::tempdir();
    let fifo = dir.join("baseline.toml");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        return;
    }
    let output = binary(
        &[
            "run",
            "--no-regressions",
            "--baseline",
            fifo.to_str().unwrap(),
        ],
        &[],
        Duration::from_secs(20),
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("not a regular file"),
        "{}",
        text(&output.stderr)
    );
    // Nor as an output: opening a pipe nobody reads would block the run, signals included.
    let report = format!("json={}", fifo.display());
    for args in [
        vec![
            "run",
            "--no-regressions",
            "--no-run-dir",
            "--report",
            report.as_str(),
        ],
        vec![
            "run",
            "--no-regressions",
            "--no-run-dir",
            "--request-log",
            fifo.to_str().unwrap(),
        ],
    ] {
        let output = binary(&args, &[], Duration::from_secs(20));
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            text(&output.stderr).contains("named pipe"),
            "{}",
            text(&output.stderr)
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn replay_that_could_judge_nothing_is_not_a_pass() {
    let dir = crate::fixtures::tempdir();
    let run_dir = dir.join("run");
    let first = binary(
        &[
            "run",
            "--no-regressions",
            "--operations",
            "customers_v1",
            "--cases",
            "8",
            "--exact",
            "stateful::customers_v1::fuzzy_filter",
            "--mock-drift",
            "prefix-only-fuzzy",
            "--run-dir",
            run_dir.to_str().unwrap(),
        ],
        &[],
        QUICK,
    );
    assert_eq!(first.status.code(), Some(1), "{}", text(&first.stdout));
    let replayed = binary(
        &[
            "replay",
            run_dir.to_str().unwrap(),
            "--mock-drift",
            "prefix-only-fuzzy",
        ],
        &[],
        QUICK,
    );
    assert_eq!(
        replayed.status.code(),
        Some(2),
        "{}",
        text(&replayed.stdout)
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// A target answering a body of millions of one-byte JSON values (under the size bound) costs
/// bounded memory: the body is refused unparsed and the run ends classified, not after
/// gigabytes of findings.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_of_millions_of_values_is_refused_unparsed() {
    let mut body = String::from("{\"count\":3000000,\"customer_info_list\":[");
    body.push_str(&"0,".repeat(2_999_999));
    body.push_str("0]}");
    let app = axum::Router::new().fallback(move || {
        let body = body.clone();
        async move { ([("content-type", "application/json;charset=UTF-8")], body) }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let output = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_partner-conformance"))
            .args([
                "run",
                "--no-regressions",
                "--no-run-dir",
                "--operations",
                "customers_v1",
                "--cases",
                "4",
                "--target",
                &base,
                "--partner-id",
                "p",
            ])
            .env("HUAWEICLOUD_TOKEN", "t-ci-trust-0001")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(output.status.code(), Some(3), "{}", text(&output.stdout));
    assert!(
        text(&output.stderr).contains("JSON values"),
        "{}",
        text(&output.stderr)
    );
}

/// A copy of the contract's `schemas/` in `dir`, for a test to spoil.
pub fn schemas_copy(dir: &Path) -> std::path::PathBuf {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let target = to.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                copy(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), target).unwrap();
            }
        }
    }
    let copied = dir.join("schemas");
    copy(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas"),
        &copied,
    );
    copied
}

/// `--schemas` naming what is not a schemas directory ends at once with exit 2 and the path,
/// instead of a walk without end: `/dev` (its `fd` link leads into /proc, and the walk never
/// ended), a link to a folder (out of the tree, or a loop), a pipe, thousands of files, or files
/// too large together.
#[cfg(unix)]
#[test]
fn a_schemas_directory_is_read_within_bounds() {
    use partner_conformance::spec::Spec;
    if Path::new("/dev/fd").exists() {
        let started = Instant::now();
        let output = binary(
            &[
                "run",
                "--no-regressions",
                "--no-run-dir",
                "--schemas",
                "/dev",
            ],
            &[],
            Duration::from_secs(30),
        );
        assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
        assert!(
            text(&output.stderr).contains("failed to load schemas from /dev: failed to read /dev/"),
            "{}",
            text(&output.stderr)
        );
        eprintln!("--schemas /dev refused in {:?}", started.elapsed());
    }
    let dir = crate::fixtures::tempdir();
    let error = |schemas: &Path| Spec::from_dir(schemas).unwrap_err().to_string();
    // A link to a folder is not followed: here, a loop back to the root.
    let looped = schemas_copy(&dir.join("looped"));
    std::os::unix::fs::symlink("..", looped.join("common/up")).unwrap();
    let message = error(&looped);
    assert!(
        message.contains("common/up: a symbolic link to a folder, which is not followed"),
        "{message}"
    );
    // A pipe, even one not named .json, is not part of a contract.
    let piped = schemas_copy(&dir.join("piped"));
    let made = Command::new("mkfifo")
        .arg(piped.join("notes"))
        .status()
        .is_ok_and(|s| s.success());
    if made {
        let message = error(&piped);
        assert!(
            message.contains("schemas/notes: not a regular file"),
            "{message}"
        );
    }
    // Thousands of files: refused before they are all visited.
    let crowded = schemas_copy(&dir.join("crowded"));
    std::fs::create_dir_all(crowded.join("common/many")).unwrap();
    for i in 0..5000 {
        std::fs::write(crowded.join(format!("common/many/{i}.txt")), "").unwrap();
    }
    let message = error(&crowded);
    assert!(
        message.contains("more than 4096 files and folders: not a schemas directory"),
        "{message}"
    );
    // Files each within their bound but too large together: refused by their sizes, unread
    // (sparse files, so the test writes nothing to disk).
    let heavy = schemas_copy(&dir.join("heavy"));
    for i in 0..9 {
        let file = std::fs::File::create(heavy.join(format!("common/big{i}.json"))).unwrap();
        file.set_len(4 << 20).unwrap();
    }
    let message = error(&heavy);
    assert!(message.contains("bytes together"), "{message}");
    // The intact copy still loads.
    assert!(Spec::from_dir(&schemas_copy(&dir.join("intact"))).is_ok());
    std::fs::remove_dir_all(&dir).ok();
}

/// Inputs over their bound are refused by their size, before they are read: a `--fixtures`
/// file over its 1 GiB bound (a 300 MB one, read whole then refused, once cost 300 MB of memory
/// and more to parse; fixtures are streamed now, and a million customers are 523 MB) and the
/// files of a run directory given to `replay` (read without any bound before).
#[cfg(unix)]
#[test]
fn oversized_fixtures_and_run_directory_files_are_refused_unread() {
    let dir = crate::fixtures::tempdir();
    // Sparse: the test writes nothing to disk, and the bytes would be NULs if read.
    let fixtures = dir.join("fixtures.json");
    std::fs::File::create(&fixtures)
        .unwrap()
        .set_len((1 << 30) + 1)
        .unwrap();
    let fixtures = fixtures.to_str().unwrap();
    let started = Instant::now();
    for args in [
        vec!["run", "--no-regressions", "--fixtures", fixtures],
        vec!["serve", "--addr", "127.0.0.1:0", "--fixtures", fixtures],
    ] {
        let output = binary(&args, &[], Duration::from_secs(30));
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            text(&output.stderr)
                .contains("larger than 1073741824 bytes, the most read for a fixtures file"),
            "{args:?}: {}",
            text(&output.stderr)
        );
    }
    eprintln!("1 GiB fixtures refused twice in {:?}", started.elapsed());
    if let Some(peak) = peak_memory_kib(&["run", "--no-regressions", "--fixtures", fixtures]) {
        eprintln!("peak memory refusing them: {peak} KiB");
        assert!(peak < 64 * 1024, "peak memory {peak} KiB");
    }
    // A run directory: a manifest that is a device, a request file over its bound.
    let run_dir = dir.join("run");
    let first = binary(
        &[
            "run",
            "--no-regressions",
            "--operations",
            "customers_v1",
            "--cases",
            "4",
            "--checks",
            "response_schema_conformance",
            "--mock-drift",
            "count-as-string",
            "--run-dir",
            run_dir.to_str().unwrap(),
        ],
        &[],
        QUICK,
    );
    assert_eq!(first.status.code(), Some(1), "{}", text(&first.stderr));
    let manifest = run_dir.join("run.json");
    let kept = std::fs::read(&manifest).unwrap();
    std::fs::remove_file(&manifest).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &manifest).unwrap();
    let replayed = binary(&["replay", run_dir.to_str().unwrap()], &[], QUICK);
    assert_eq!(replayed.status.code(), Some(2));
    assert!(
        text(&replayed.stderr).contains("run.json: not a regular file"),
        "{}",
        text(&replayed.stderr)
    );
    std::fs::remove_file(&manifest).unwrap();
    std::fs::write(&manifest, kept).unwrap();
    std::fs::File::create(run_dir.join("requests/9999-customers_v1.json"))
        .unwrap()
        .set_len(5 << 20)
        .unwrap();
    let replayed = binary(&["replay", run_dir.to_str().unwrap()], &[], QUICK);
    assert_eq!(replayed.status.code(), Some(2));
    assert!(
        text(&replayed.stderr).contains(
            "9999-customers_v1.json: larger than 4194304 bytes, the most read for a stored request"
        ),
        "{}",
        text(&replayed.stderr)
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// `replay` judges with the checks the run had (`checks` in run.json): an answer that breaks
/// only a check the run left out does not turn a fixed finding into "changed". Here the run
/// checked only response schemas (count sent as a string); the replayed answers have the count
/// right but a wrong Content-Type, which content_type_conformance would flag.
#[test]
fn replay_judges_with_the_checks_of_the_run() {
    let dir = crate::fixtures::tempdir();
    let run_dir = dir.join("run");
    let first = binary(
        &[
            "run",
            "--no-regressions",
            "--operations",
            "customers_v1",
            "--cases",
            "4",
            "--checks",
            "response_schema_conformance",
            "--mock-drift",
            "count-as-string",
            "--run-dir",
            run_dir.to_str().unwrap(),
        ],
        &[],
        QUICK,
    );
    assert_eq!(first.status.code(), Some(1), "{}", text(&first.stderr));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run_dir.join("run.json")).unwrap()).unwrap();
    assert_eq!(
        manifest["checks"],
        serde_json::json!(["response_schema_conformance"])
    );
    let replay = || {
        binary(
            &[
                "replay",
                run_dir.to_str().unwrap(),
                "--mock-drift",
                "wrong-content-type",
            ],
            &[],
            QUICK,
        )
    };
    let replayed = replay();
    let stdout = text(&replayed.stdout);
    assert_eq!(replayed.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("fixed        customers_v1 [PC004 type] body.count"),
        "{stdout}"
    );
    assert!(!stdout.contains("PC003"), "{stdout}");
    // The same run directory judged with every check (as one written before the field was):
    // the Content-Type is then a finding, and the count's fix is only a change.
    let mut every = manifest.clone();
    every["checks"] = serde_json::json!([]);
    std::fs::write(run_dir.join("run.json"), every.to_string()).unwrap();
    let replayed = replay();
    let stdout = text(&replayed.stdout);
    assert_eq!(replayed.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("now: [PC003 content_type]"), "{stdout}");
    std::fs::remove_dir_all(&dir).ok();
}

/// `replay` does not take `"embedded": true` on trust: the embedded mock listens on loopback
/// only, so a run.json saying so beside another host (a real run's directory edited to look
/// like an embedded one) is refused with exit 2, naming run.json, before anything is sent.
#[test]
fn replay_refuses_an_embedded_run_stored_with_a_host_that_is_not_loopback() {
    let dir = crate::fixtures::tempdir();
    let run_dir = dir.join("run");
    let first = binary(
        &[
            "run",
            "--no-regressions",
            "--operations",
            "customers_v1",
            "--cases",
            "4",
            "--checks",
            "response_schema_conformance",
            "--mock-drift",
            "count-as-string",
            "--run-dir",
            run_dir.to_str().unwrap(),
        ],
        &[],
        QUICK,
    );
    assert_eq!(first.status.code(), Some(1), "{}", text(&first.stderr));
    let path = run_dir.join("run.json");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(manifest["embedded"], true);
    // As written (a loopback address), it replays against a fresh mock.
    let replayed = binary(&["replay", run_dir.to_str().unwrap()], &[], QUICK);
    assert_eq!(
        replayed.status.code(),
        Some(0),
        "{}",
        text(&replayed.stdout)
    );
    for (field, url) in [
        ("bss_url", "https://bss-intl.myhuaweicloud.com"),
        ("aicc_url", "http://10.0.0.8:8080"),
        ("bss_url", "http://127.0.0.1.example.com:8080"),
    ] {
        let mut edited = manifest.clone();
        edited[field] = serde_json::Value::from(url);
        std::fs::write(&path, edited.to_string()).unwrap();
        let replayed = binary(&["replay", run_dir.to_str().unwrap()], &[], QUICK);
        assert_eq!(replayed.status.code(), Some(2), "{field}={url}");
        assert!(
            text(&replayed.stderr).contains(&format!(
                "run.json: `embedded: true` with the base URL `{url}`, which is not loopback"
            )),
            "{}",
            text(&replayed.stderr)
        );
        assert!(
            text(&replayed.stdout).is_empty(),
            "{}",
            text(&replayed.stdout)
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_file_given_as_baseline_by_mistake_never_has_its_values_printed() {
    let dir = crate::fixtures::tempdir();
    let env_file = dir.join("ci.env");
    std::fs::write(&env_file, "DEPLOY_TOKEN=hunter2-very-secret\nOTHER=1\n").unwrap();
    let output = binary(
        &[
            "run",
            "--no-regressions",
            "--no-run-dir",
            "--baseline",
            &env_file.display().to_string(),
        ],
        &[],
        QUICK,
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(!stderr.contains("hunter2"), "{stderr}");
    assert!(
        stderr.contains("DEPLOY_TOKEN"),
        "the key helps find the line: {stderr}"
    );
}
