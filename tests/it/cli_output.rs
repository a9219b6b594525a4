//! What the tool prints about itself and around the trials (issue #16, items 3, 6 and 7): every
//! report names the build and the contract (version, git commit, schemas hash) and `--version`
//! prints them; `completions SHELL` prints a script; `run --help` shows no libtest no-op flag;
//! `--format json` leaves stdout as JSON lines; the progress line appears on a terminal (a
//! pseudo-terminal made with util-linux `script`) and nowhere else.

use crate::run_suite::run;
use serde_json::Value;
use std::process::Command;

fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_partner-conformance"));
    command
        .env_remove("HUAWEICLOUD_TOKEN")
        .env_remove("AICC_TOKEN")
        .env_remove("CI");
    command
}

/// The commit `build.rs` records: `git rev-parse --short HEAD` of this checkout, when it is one.
fn checkout_commit() -> Option<String> {
    let dir = env!("CARGO_MANIFEST_DIR");
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(args)
            .current_dir(dir)
            .output()
            .ok()?;
        let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
        (out.status.success() && !text.is_empty()).then_some(text)
    };
    let top = git(&["rev-parse", "--show-toplevel"])?;
    let same = std::fs::canonicalize(top).ok()? == std::fs::canonicalize(dir).ok()?;
    same.then(|| git(&["rev-parse", "--short", "HEAD"]))?
}

#[test]
fn every_report_records_the_version_the_commit_and_the_schemas_hash() {
    let dir = crate::fixtures::tempdir();
    let junit = dir.join("report.xml");
    let result = run(&[
        "--seed",
        "3",
        "--cases",
        "4",
        "--operations",
        "budget_v1",
        "--report",
        &format!("junit={}", junit.display()),
    ]);
    assert_eq!(result.code, 0, "{}\n{}", result.stdout, result.stderr);
    let tool = &result.report["summary"]["tool"];
    assert_eq!(tool["version"], env!("CARGO_PKG_VERSION"), "{tool}");
    let hash = partner_conformance::spec::embedded_sha256();
    assert_eq!(hash.len(), 64);
    assert!(hash.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(tool["schemas_sha256"], hash.as_str(), "{tool}");
    match checkout_commit() {
        Some(commit) => assert_eq!(tool["commit"], commit.as_str(), "{tool}"),
        // A tarball or a machine without git: recorded as unknown, not invented.
        None => assert_eq!(tool["commit"], Value::Null, "{tool}"),
    }
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains(&format!(
            r#"<property name="tool_version" value="{}"/>"#,
            env!("CARGO_PKG_VERSION")
        )),
        "{xml}"
    );
    assert!(
        xml.contains(&format!(
            r#"<property name="schemas_sha256" value="{hash}"/>"#
        )),
        "{xml}"
    );
    // The human summary: one short line.
    let line = format!("partner-conformance {} (", env!("CARGO_PKG_VERSION"));
    let shown: Vec<&str> = result
        .stdout
        .lines()
        .filter(|l| l.starts_with(&line))
        .collect();
    assert_eq!(shown.len(), 1, "{}", result.stdout);
    assert!(shown[0].contains(&format!("schemas sha256 {}", &hash[..12])));
}

#[test]
fn version_prints_the_version_the_commit_and_the_schemas_hash() {
    let output = binary().arg("--version").output().unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.starts_with(&format!(
            "partner-conformance {}\n",
            env!("CARGO_PKG_VERSION")
        )),
        "{text}"
    );
    let hash = partner_conformance::spec::embedded_sha256();
    assert!(
        text.contains(&format!("\nschemas sha256: {hash}")),
        "{text}"
    );
    match checkout_commit() {
        Some(commit) => assert!(text.contains(&format!("\ncommit: {commit}\n")), "{text}"),
        None => assert!(text.contains("\ncommit: unknown"), "{text}"),
    }
}

#[test]
fn completions_bash_prints_a_completion_script() {
    let output = binary().args(["completions", "bash"]).output().unwrap();
    assert!(output.status.success());
    let script = String::from_utf8(output.stdout).unwrap();
    // clap_complete spells the function with `__` for the `-` of the name.
    assert!(script.starts_with("_partner__conformance() {"), "{script}");
    assert!(
        script.contains("complete -F _partner__conformance"),
        "{script}"
    );
    // The subcommands and run's flags are completed.
    assert!(script.contains("--test-threads") && script.contains("completions"));
    let unknown = binary().args(["completions", "cmd.exe"]).output().unwrap();
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn run_help_lists_no_libtest_no_op_flag() {
    let output = binary().args(["run", "--help"]).output().unwrap();
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    let flags: Vec<&str> = help
        .split(|c: char| c.is_whitespace() || c == ',' || c == '[' || c == ']')
        .filter(|w| w.starts_with('-'))
        .collect();
    for no_op in [
        "--nocapture",
        "--show-output",
        "--test",
        "--bench",
        "--ignored",
        "--include-ignored",
        "-Z",
    ] {
        assert!(!flags.contains(&no_op), "{no_op} in run --help:\n{help}");
    }
    for kept in [
        "--exact",
        "--skip",
        "--list",
        "--test-threads",
        "--format",
        "--quiet",
    ] {
        assert!(
            flags.contains(&kept),
            "{kept} missing from run --help:\n{help}"
        );
    }
    // Hidden, not refused: `cargo test` habits keep working.
    let listed = binary()
        .args(["run", "--list", "--nocapture", "--operations", "budget_v1"])
        .output()
        .unwrap();
    assert!(listed.status.success(), "{listed:?}");
}

#[test]
fn format_json_leaves_stdout_as_json_lines() {
    let result = run(&[
        "--seed",
        "3",
        "--cases",
        "4",
        "--operations",
        "budget_v1",
        "--format",
        "json",
    ]);
    assert_eq!(result.code, 0, "{}\n{}", result.stdout, result.stderr);
    let lines: Vec<&str> = result.stdout.lines().filter(|l| !l.is_empty()).collect();
    assert!(lines.len() > 2, "{}", result.stdout);
    for line in &lines {
        let event: Result<Value, _> = serde_json::from_str(line);
        assert!(
            event.is_ok(),
            "not JSON on stdout: {line}\n{}",
            result.stdout
        );
    }
    assert!(result.stdout.contains(r#""type": "suite""#));
    // The human summary went to stderr.
    assert!(result.stderr.contains("No drift: "), "{}", result.stderr);
    assert!(result.stderr.contains("exit code 0: no drift"));
}

/// The progress line, as `partner-conformance run` draws it on a terminal.
const PROGRESS: &str = " · trials ";

#[test]
fn progress_shows_on_a_terminal_and_nowhere_else() {
    // Without a terminal (stderr a pipe): nothing of it.
    let piped = run(&["--seed", "3", "--cases", "4", "--operations", "budget_v1"]);
    assert_eq!(piped.code, 0, "{}", piped.stderr);
    assert!(!piped.stderr.contains(PROGRESS), "{}", piped.stderr);
    assert!(!piped.stdout.contains(PROGRESS), "{}", piped.stdout);

    if Command::new("script").arg("--version").output().is_err() {
        // .ci/run checks that `script` is there: in CI this test never skips.
        assert!(
            std::env::var_os("CI").is_none(),
            "util-linux `script` is needed for the pseudo-terminal test"
        );
        eprintln!("skipped: util-linux `script` is not installed, so no pseudo-terminal");
        return;
    }
    let dir = crate::fixtures::tempdir();
    let bin = env!("CARGO_BIN_EXE_partner-conformance");
    let line = format!(
        "'{bin}' run --seed 3 --cases 64 --operations customers_v1,budget_v1 --test-threads 1 \
         --no-regressions --no-run-dir --report json='{}'",
        dir.join("report.json").display()
    );
    let output = Command::new("script")
        .args(["-q", "-e", "-c", &line, "/dev/null"])
        .env_remove("CI")
        .env_remove("HUAWEICLOUD_TOKEN")
        .env_remove("AICC_TOKEN")
        .env("TERM", "xterm")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{text}");
    let re_line = text
        .split(['\r', '\n'])
        .find(|l| l.contains(PROGRESS) && l.contains("% · ") && l.contains(" · requests "))
        .unwrap_or_else(|| panic!("no progress line on the terminal:\n{text}"));
    // `[====>    ] 47% · trials 3/30 · requests 120/260 · ETA 1s · generated::...`
    let after_trials = re_line.split(PROGRESS).nth(1).unwrap();
    let (done, total) = after_trials
        .split_whitespace()
        .next()
        .and_then(|t| t.split_once('/'))
        .unwrap();
    let (done, total): (u64, u64) = (done.parse().unwrap(), total.parse().unwrap());
    assert!(total > 0 && done <= total, "{re_line}");
    assert!(re_line.contains("ETA "), "{re_line}");
}
