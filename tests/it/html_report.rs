//! The HTML report in a real browser: a run against a drifted embedded mock writes the JSON and
//! the HTML report, headless Chromium opens the page (its script runs, its Content-Security-
//! Policy applies) and prints the DOM, and the page must show what the JSON says: the findings,
//! the trials by outcome and the coverage figures, every group of findings and observations,
//! with no message on the browser's console (a script error or a refused resource).
//!
//! Without Chromium the test prints "skipped" to stderr and passes, unless
//! `PARTNER_CONFORMANCE_REQUIRE_CHROMIUM=1` (CI), which makes it fail.

use partner_conformance::checks::Finding;
use partner_conformance::report::{distinct_findings, html_group_label};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long the browser may take before it is killed: a hung browser fails the test instead of
/// hanging CI. A bound, not a timing assertion.
const BROWSER_LIMIT: Duration = Duration::from_secs(60);

/// Drifts on three operations, of several categories, and a position read otherwise (an
/// observation).
const DRIFTS: &[&str] = &[
    "count-as-string",
    "overlong-corp-name",
    "undocumented-error-code",
    "aicc-missing-portal-url",
    "budget-currency-unknown",
];

#[test]
fn the_html_report_shows_in_a_browser_what_the_json_report_says() {
    let Some(browser) = chromium() else {
        return;
    };
    let dir = crate::fixtures::tempdir();
    let (json_path, html_path) = (dir.join("r.json"), dir.join("r.html"));
    let mut command = Command::new(env!("CARGO_BIN_EXE_partner-conformance"));
    command.args([
        "run",
        "--no-regressions",
        "--no-run-dir",
        "--cases",
        "8",
        "--seed",
        "11",
    ]);
    for drift in DRIFTS {
        command.args(["--mock-drift", drift]);
    }
    let output = command
        .arg("--report")
        .arg(format!("json={}", json_path.display()))
        .arg("--report")
        .arg(format!("html={}", html_path.display()))
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    let (dom, console) = render(&browser, &html_path, &dir);
    assert!(
        dom.contains("data-ready=\"yes\""),
        "the page's script did not run to its end"
    );
    assert!(
        console.is_empty(),
        "the browser's console has messages:\n{}",
        console.join("\n")
    );

    // The counts the page shows are the JSON report's.
    let summary = &json["summary"];
    let findings = json["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    assert_eq!(shown(&dom, "findings"), findings.len().to_string());
    let observations = json["observations"].as_array().unwrap();
    assert!(
        !observations.is_empty(),
        "a drift reads a position otherwise"
    );
    assert_eq!(shown(&dom, "observations"), observations.len().to_string());
    assert_eq!(
        shown(&dom, "transport"),
        json["transport"].as_array().unwrap().len().to_string()
    );
    let trials = json["trials"].as_array().unwrap();
    assert_eq!(shown(&dom, "trials"), trials.len().to_string());
    for outcome in [
        "passed",
        "drift",
        "accepted",
        "changed",
        "observed",
        "transport",
        "skipped",
    ] {
        let expected = summary["trials"][outcome].as_u64().unwrap_or(0);
        assert_eq!(
            shown(&dom, &format!("trials.{outcome}")),
            expected.to_string(),
            "trials {outcome}"
        );
    }
    let overall = &json["coverage"]["overall"];
    assert_eq!(
        shown(&dom, "coverage.verified"),
        overall["verified"].to_string()
    );
    assert_eq!(
        shown(&dom, "coverage.documented"),
        overall["documented"].to_string()
    );
    assert_eq!(shown(&dom, "exit_code"), summary["exit_code"].to_string());

    // Every group of findings and of observations is in the page, with its size.
    for (section, list) in [("finding", findings), ("observation", observations)] {
        let list: Vec<Finding> = list
            .iter()
            .map(|f| serde_json::from_value(f.clone()).unwrap())
            .collect();
        let distinct = distinct_findings(&list);
        let mut total = 0;
        for first in &distinct {
            let label = html_group_label(first);
            let count = list
                .iter()
                .filter(|f| f.group_key() == first.group_key())
                .count();
            total += count;
            let block = format!(
                "class=\"block {section}\" data-group=\"{}\" data-count=\"{count}\"",
                attribute(&label)
            );
            assert!(dom.contains(&block), "no block {block}");
        }
        assert_eq!(total, list.len());
        assert_eq!(
            dom.matches(&format!("class=\"block {section}\"")).count(),
            distinct.len(),
            "one block per group of {section}s"
        );
    }
    // A block opens to the documentation quote in both languages and the curl line.
    assert!(dom.contains("<blockquote lang=\"zh\">"));
    assert!(dom.contains("<pre class=\"curl\">curl "));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The figure the page shows under `data-count="key"`.
pub fn shown(dom: &str, key: &str) -> String {
    let marker = format!("data-count=\"{key}\">");
    let start = dom
        .find(&marker)
        .unwrap_or_else(|| panic!("the page shows no {key}"))
        + marker.len();
    dom[start..].split('<').next().unwrap().to_string()
}

/// An attribute value as the browser serializes it.
fn attribute(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\u{a0}', "&nbsp;")
}

/// Opens `page` in headless Chromium and returns the DOM after its script ran, and the lines
/// the browser logged from the page's console (script errors, refused resources).
fn render(browser: &Path, page: &Path, dir: &Path) -> (String, Vec<String>) {
    let profile = dir.join("browser-profile");
    let (dom_path, log_path) = (dir.join("dom.html"), dir.join("browser.log"));
    let mut command = Command::new(browser);
    command
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.canonicalize().unwrap().display()))
        .stdin(Stdio::null())
        // Files, not pipes: the browser's helper processes may outlive it holding a pipe open.
        .stdout(std::fs::File::create(&dom_path).unwrap())
        .stderr(std::fs::File::create(&log_path).unwrap());
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command.spawn().expect("the browser starts");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > BROWSER_LIMIT {
            kill_group(child.id());
            let _ = child.wait();
            panic!(
                "the browser did not finish within {} s:\n{}",
                BROWSER_LIMIT.as_secs(),
                std::fs::read_to_string(&log_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    // Helpers left behind by the browser go with it.
    kill_group(child.id());
    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
    assert!(status.success(), "the browser failed ({status}):\n{log}");
    let console = log
        .lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("Content Security Policy"))
        .map(str::to_string)
        .collect();
    (std::fs::read_to_string(&dom_path).unwrap(), console)
}

/// Ends the process group `id` leads (the browser and its helpers), if any is left.
fn kill_group(id: u32) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{id}")])
        .stderr(Stdio::null())
        .status();
}

/// Chromium's path, or `None` after printing why the test is skipped; panics instead when
/// `PARTNER_CONFORMANCE_REQUIRE_CHROMIUM=1`.
fn chromium() -> Option<PathBuf> {
    let names = [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ];
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
            .find(|candidate| candidate.is_file())
    });
    match found {
        Some(path) => Some(path),
        None if std::env::var("PARTNER_CONFORMANCE_REQUIRE_CHROMIUM").as_deref() == Ok("1") => {
            panic!("PARTNER_CONFORMANCE_REQUIRE_CHROMIUM=1 but no chromium on PATH: apt-get install chromium")
        }
        None => {
            // Past the test harness's capture, so a skip never passes unseen.
            let line = "html_report: skipped: no chromium (or chromium-browser, google-chrome) on PATH; apt-get install chromium to run it\n";
            let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
            None
        }
    }
}
