//! The documented staging path, as a partner's CI takes it: the example pipelines' own
//! `partner-conformance` commands with the example profile, against `serve` on loopback, with
//! only the AK/SK pair and the AICC token in the environment (what both pipelines set).
//!
//! What this machine cannot give is replaced, and only that: the profile's URLs and partner id
//! point at the loopback `serve`, its `ca_cert` line goes (plain HTTP here), and its polite rate
//! is lifted so the test takes seconds, not minutes. Everything else is read from examples/.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

const AK: &str = "pipeline-ak-4c1d";
const SK: &str = "pipeline-sk-9e2f";
const AICC: &str = "pipeline-aicc-7b3a";

/// A `serve` child on an ephemeral loopback port with the pipeline's credentials.
struct Served {
    child: Child,
    base: String,
    partner_id: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve() -> Served {
    let mut child = Command::new(env!("CARGO_BIN_EXE_partner-conformance"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .env_remove("HUAWEICLOUD_TOKEN")
        .env("HUAWEICLOUD_SDK_AK", AK)
        .env("HUAWEICLOUD_SDK_SK", SK)
        .env("AICC_TOKEN", AICC)
        .spawn()
        .expect("serve starts");
    let mut banner = Vec::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        let done = line.starts_with("stop with");
        banner.push(line);
        if done {
            break;
        }
    }
    let base = banner[0].rsplit(' ').next().unwrap().to_string();
    let partner_id = banner[1].strip_prefix("partner_id: ").unwrap().to_string();
    Served {
        child,
        base,
        partner_id,
    }
}

/// The partner-conformance command lines of a pipeline file: a `run: |` block's lines joined
/// at trailing backslashes (GitHub), or a folded `>` scalar's lines of equal indentation
/// (GitLab). Each is split into words as a shell would for these simple lines, with the CI's
/// run-number variable given a fixed value.
fn pipeline_commands(file: &str) -> Vec<Vec<String>> {
    // The pipelines build the tool and put it on PATH.
    const PROGRAM: &str = "partner-conformance";
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let indent = |line: &str| line.len() - line.trim_start().len();
    let mut commands = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if !line.trim_start().starts_with(&format!("{PROGRAM} ")) {
            continue;
        }
        let mut joined = line.trim().to_string();
        for next in &lines[i + 1..] {
            let continued = joined.ends_with('\\');
            if !(continued || (indent(next) == indent(line) && !next.trim().is_empty())) {
                break;
            }
            joined = format!("{} {}", joined.trim_end_matches('\\').trim(), next.trim());
        }
        let joined = joined
            .replace("${{ github.run_number }}", "7")
            .replace("$CI_PIPELINE_IID", "7");
        let words = shell_words(&joined);
        assert_eq!(words[0], PROGRAM, "{joined}");
        commands.push(words[1..].to_vec());
    }
    assert!(
        !commands.is_empty(),
        "no partner-conformance command in {file}"
    );
    commands
}

/// Splits on blanks outside double quotes (the pipelines quote only whole words).
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let (mut word, mut quoted, mut any) = (String::new(), false, false);
    for c in line.chars() {
        match c {
            '"' => (quoted, any) = (!quoted, true),
            c if c.is_whitespace() && !quoted => {
                if any {
                    words.push(std::mem::take(&mut word));
                }
                any = false;
            }
            c => {
                word.push(c);
                any = true;
            }
        }
    }
    if any {
        words.push(word);
    }
    words
}

/// The example profile file with only what loopback cannot honour replaced.
fn loopback_profile(served: &Served) -> String {
    let example = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/partner-conformance.toml"),
    )
    .unwrap();
    let mut out = String::new();
    for line in example.lines() {
        let key = line.split('=').next().unwrap_or_default().trim();
        let replaced = match key {
            "bss_url" | "aicc_url" => format!("{key} = \"{}\"", served.base),
            "partner_id" => format!("partner_id = \"{}\"", served.partner_id),
            "ca_cert" => continue,
            "rate" => "rate = 100000.0".to_string(),
            "concurrency" => "concurrency = 16".to_string(),
            _ => line.to_string(),
        };
        out.push_str(&replaced);
        out.push('\n');
    }
    assert!(out.contains("auth = \"aksk\""), "{out}");
    out
}

/// Runs the binary in `dir` with the pipeline's environment: AK/SK and the AICC token only.
fn run_in(dir: &Path, args: &[String]) -> Output {
    run_with(dir, args, None)
}

/// [`run_in`], inside a GitHub Actions step whose summary file is `summary` when given.
fn run_with(dir: &Path, args: &[String], summary: Option<&Path>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_partner-conformance"));
    match summary {
        Some(summary) => command
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_STEP_SUMMARY", summary),
        None => command
            .env_remove("GITHUB_ACTIONS")
            .env_remove("GITHUB_STEP_SUMMARY"),
    };
    command
        .args(args)
        .current_dir(dir)
        .env_remove("HUAWEICLOUD_TOKEN")
        .env_remove("HTTP_PROXY")
        .env_remove("HTTPS_PROXY")
        .env_remove("http_proxy")
        .env_remove("https_proxy")
        .env("HUAWEICLOUD_SDK_AK", AK)
        .env("HUAWEICLOUD_SDK_SK", SK)
        .env("AICC_TOKEN", AICC)
        .env("CI", "true")
        .output()
        .expect("binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A checkout of a partner's repository: `ci/partner-conformance.toml` from the example.
fn partner_repo(served: &Served) -> PathBuf {
    let dir = crate::fixtures::tempdir();
    std::fs::create_dir_all(dir.join("ci")).unwrap();
    std::fs::write(
        dir.join("ci/partner-conformance.toml"),
        loopback_profile(served),
    )
    .unwrap();
    dir
}

#[test]
fn the_example_pipelines_pass_against_serve_with_aksk_only() {
    let served = serve();
    for file in ["examples/github-actions.yml", "examples/gitlab-ci.yml"] {
        let dir = partner_repo(&served);
        let check = run_in(
            &dir,
            &["config", "check", "--config", "ci/partner-conformance.toml"].map(String::from),
        );
        assert_eq!(check.status.code(), Some(0), "{}", text(&check.stderr));
        let described = text(&check.stdout);
        assert!(
            described.contains("HUAWEICLOUD_SDK_AK (set), HUAWEICLOUD_SDK_SK (set)"),
            "{described}"
        );
        // On GitHub the tool writes the step summary itself: no step of the pipeline does.
        let text_of =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).unwrap();
        assert!(
            !text_of
                .lines()
                .any(|l| l.contains("GITHUB_STEP_SUMMARY") && !l.trim_start().starts_with('#')),
            "{file} writes the step summary"
        );
        let summary = dir.join("step-summary.md");
        let github = file.contains("github");
        let commands = pipeline_commands(file);
        for command in &commands {
            let output = run_with(&dir, command, github.then_some(summary.as_path()));
            let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
            assert_eq!(
                output.status.code(),
                Some(0),
                "{file}: {command:?}\n{stdout}\n{stderr}"
            );
            // The example profile's baseline does not exist yet: nothing accepted, said so.
            if command[0] == "run" {
                assert!(stdout.contains("does not exist yet"), "{stdout}");
            }
            for (i, word) in command.iter().enumerate() {
                if word == "--report" {
                    let path = command[i + 1].split_once('=').unwrap().1;
                    assert!(dir.join(path).is_file(), "{file}: {path} not written");
                }
            }
        }
        if github {
            let written = std::fs::read_to_string(&summary).unwrap();
            assert_eq!(
                written.matches("### partner-conformance: ").count(),
                commands.len(),
                "one summary per step: {written}"
            );
        }
        std::fs::remove_dir_all(&dir).ok();
    }
}

#[test]
fn aksk_only_with_the_auth_flag_runs_and_the_profile_baseline_is_created() {
    let served = serve();
    let dir = partner_repo(&served);
    let base = served.base.clone();
    let args = |extra: &[&str]| -> Vec<String> { extra.iter().map(|s| s.to_string()).collect() };

    // The flag path: --target and --auth aksk, no HUAWEICLOUD_TOKEN anywhere.
    let flagged = run_in(
        &dir,
        &args(&[
            "run",
            "--target",
            &base,
            "--partner-id",
            &served.partner_id,
            "--auth",
            "aksk",
            "--cases",
            "8",
            "--no-run-dir",
        ]),
    );
    assert_eq!(
        flagged.status.code(),
        Some(0),
        "{}\n{}",
        text(&flagged.stdout),
        text(&flagged.stderr)
    );

    // The profile names ci/baseline.toml, which does not exist: --write-baseline creates it,
    // and the next run reads it.
    let profile = [
        "--config",
        "ci/partner-conformance.toml",
        "--profile",
        "staging",
    ];
    let mut write = args(&["run", "--cases", "8", "--no-run-dir"]);
    write.extend(args(&profile));
    write.extend(args(&["--write-baseline", "ci/baseline.toml"]));
    let written = run_in(&dir, &write);
    assert_eq!(written.status.code(), Some(0), "{}", text(&written.stderr));
    assert!(dir.join("ci/baseline.toml").is_file());
    let mut again = args(&["run", "--cases", "8", "--no-run-dir", "--prune-baseline"]);
    again.extend(args(&profile));
    let again = run_in(&dir, &again);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
    assert!(
        !text(&again.stdout).contains("does not exist yet"),
        "{}",
        text(&again.stdout)
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_profile_can_list_the_new_operations() {
    let served = serve();
    let dir = partner_repo(&served);
    let config = dir.join("ci/partner-conformance.toml");
    let mut text_of = std::fs::read_to_string(&config).unwrap();
    text_of = text_of.replacen(
        "auth = \"aksk\"",
        "auth = \"aksk\"\noperations = [\"customers_v2\", \"budget_v2\"]",
        1,
    );
    std::fs::write(&config, text_of).unwrap();
    let check = run_in(
        &dir,
        &["config", "check", "--config", "ci/partner-conformance.toml"].map(String::from),
    );
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stderr));
    assert!(
        text(&check.stdout).contains("customers_v2, budget_v2"),
        "{}",
        text(&check.stdout)
    );
    let run = run_in(
        &dir,
        &[
            "run",
            "--config",
            "ci/partner-conformance.toml",
            "--cases",
            "8",
            "--no-run-dir",
        ]
        .map(String::from),
    );
    let stdout = text(&run.stdout);
    assert_eq!(run.status.code(), Some(0), "{stdout}{}", text(&run.stderr));
    assert!(stdout.contains("2 operations"), "{stdout}");
    std::fs::remove_dir_all(&dir).ok();
}

/// The pipelines clone the tool into the partner's repository; a partner whose repository is a
/// Cargo workspace must still be able to build it there (the tool is a workspace of its own).
#[test]
fn the_tool_builds_inside_a_partners_cargo_workspace() {
    let outer = tempfile::tempdir().unwrap();
    std::fs::write(
        outer.path().join("Cargo.toml"),
        "[workspace]\nmembers = []\nresolver = \"2\"\n",
    )
    .unwrap();
    let tool = outer.path().join(".partner-conformance");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // The manifest as it is, with empty files where it names its targets.
    for file in [
        "Cargo.toml",
        "Cargo.lock",
        "src/lib.rs",
        "src/main.rs",
        "tests/cases.rs",
        "tests/it/main.rs",
    ] {
        let to = tool.join(file);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        match file.starts_with("Cargo") {
            true => std::fs::copy(root.join(file), &to).map(drop).unwrap(),
            false => std::fs::write(&to, "").unwrap(),
        }
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--no-deps",
            "--offline",
            "--format-version",
            "1",
        ])
        .current_dir(&tool)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let root_of = |path: &Path| path.canonicalize().unwrap();
    assert_eq!(
        root_of(Path::new(metadata["workspace_root"].as_str().unwrap())),
        root_of(&tool)
    );
}
