//! GitHub Actions output: when a run happens in a GitHub Actions step (`GITHUB_ACTIONS=true`),
//! the Markdown report goes to the step's summary (appended to the file `GITHUB_STEP_SUMMARY`
//! names) and each group of findings becomes one `::error` annotation, so drift shows on the run
//! page without anyone opening a log. GitHub shows at most [`MAX_ANNOTATIONS`] error
//! annotations per step: the most severe groups are annotated, the summary counts the others.
//!
//! Annotations are workflow commands printed as lines; the runner reads them on stdout and on
//! stderr alike. They go to stdout, except under `--format json`, where stdout carries JSON
//! events only and they go to stderr. Every value is redacted before it is escaped, and the line
//! is redacted again once escaped (the redactor knows percent-encoded forms, which is what the
//! workflow-command escapes are).
//!
//! The entry points are [`Actions::from_env`], [`Actions::write_summary`] and
//! [`Actions::annotate`], which the publisher (`emit.rs`) calls for every run that writes
//! reports: finished, failed or interrupted.

use super::human::severity_rank;
use super::model::Report;
use crate::checks::Finding;
use crate::outcome::GroupKey;
use std::collections::HashMap;
use std::io::Write as _;
use std::path::PathBuf;

/// Error annotations GitHub shows for one step; further ones are dropped by GitHub, so they are
/// counted in the summary instead of printed.
pub const MAX_ANNOTATIONS: usize = 10;

/// The most a step summary file may already hold before ours is added: GitHub refuses a step
/// summary over 1 MiB, and reading an unbounded file is refused on principle.
const MAX_EXISTING_SUMMARY: u64 = 1 << 20;

/// Where GitHub Actions output goes, read from the step's environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actions {
    /// The step summary file (`GITHUB_STEP_SUMMARY`), when the runner gave one.
    pub summary: Option<PathBuf>,
    /// Annotations on stderr (`--format json`: stdout is for JSON events) instead of stdout.
    pub annotations_to_stderr: bool,
}

impl Actions {
    /// `Some` inside a GitHub Actions step (`GITHUB_ACTIONS=true`), `None` elsewhere: nothing of
    /// this module happens outside one.
    pub fn from_env(annotations_to_stderr: bool) -> Option<Actions> {
        Self::from_lookup(|name| std::env::var_os(name), annotations_to_stderr)
    }

    /// [`Actions::from_env`] over any environment, for tests.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<std::ffi::OsString>,
        annotations_to_stderr: bool,
    ) -> Option<Actions> {
        if lookup("GITHUB_ACTIONS").as_deref() != Some("true".as_ref()) {
            return None;
        }
        let summary = lookup("GITHUB_STEP_SUMMARY")
            .filter(|path| !path.is_empty())
            .map(PathBuf::from);
        Some(Actions {
            summary,
            annotations_to_stderr,
        })
    }

    /// Appends the step summary: the whole previous content stays, ours follows, and the file is
    /// replaced atomically and redacted ([`crate::secret::write_file`]). No summary file, no
    /// write.
    pub fn write_summary(&self, report: &Report) -> std::io::Result<()> {
        let Some(path) = &self.summary else {
            return Ok(());
        };
        let mut text = match std::fs::metadata(path) {
            Ok(meta) if meta.len() > MAX_EXISTING_SUMMARY => {
                return Err(std::io::Error::other(format!(
                    "the step summary already holds {} bytes, more than GitHub shows ({MAX_EXISTING_SUMMARY})",
                    meta.len()
                )))
            }
            Ok(_) => std::fs::read_to_string(path)?,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(error) => return Err(error),
        };
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&step_summary(report));
        crate::secret::write_file(path, &text)
    }

    /// Prints the annotations (see [`annotations`]). A closed stream is not an error of the run.
    pub fn annotate(&self, report: &Report) {
        let lines = annotations(report);
        if lines.is_empty() {
            return;
        }
        let text: String = lines.iter().map(|line| format!("{line}\n")).collect();
        let _ = if self.annotations_to_stderr {
            std::io::stderr().lock().write_all(text.as_bytes())
        } else {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes()).and_then(|()| out.flush())
        };
    }
}

/// What the step summary gets: the Markdown report, then how many finding groups were left
/// without an annotation.
pub fn step_summary(report: &Report) -> String {
    let mut text = super::write_markdown(report);
    let left = finding_groups(report).len().saturating_sub(MAX_ANNOTATIONS);
    if left > 0 {
        text.push_str(&format!(
            "\n{left} more finding {} not annotated (GitHub shows {MAX_ANNOTATIONS} annotations per step): every finding is in the report above and in the JSON report.\n",
            if left == 1 { "group" } else { "groups" }
        ));
    }
    text
}

/// One group of findings as the human summary collapses them: the first finding shown and how
/// many the group holds.
struct Group<'a> {
    first: &'a Finding,
    count: usize,
}

/// The finding groups, most severe first (then by operation and location), each with its size.
fn finding_groups(report: &Report) -> Vec<Group<'_>> {
    let mut sorted: Vec<&Finding> = report.findings.iter().collect();
    sorted.sort_by_cached_key(|f| {
        (
            severity_rank(f.category),
            f.operation,
            crate::outcome::location_pattern(&f.location),
        )
    });
    let mut counts: HashMap<GroupKey, usize> = HashMap::new();
    for finding in &sorted {
        *counts.entry(finding.group_key()).or_default() += 1;
    }
    super::distinct_findings(sorted)
        .into_iter()
        .map(|first| Group {
            first,
            count: counts.get(&first.group_key()).copied().unwrap_or(1),
        })
        .collect()
}

/// The `::error` lines for the first [`MAX_ANNOTATIONS`] finding groups, escaped and redacted.
pub fn annotations(report: &Report) -> Vec<String> {
    finding_groups(report)
        .iter()
        .take(MAX_ANNOTATIONS)
        .map(annotation)
        .collect()
}

/// One group as a workflow command: the title names where, the message says what.
fn annotation(group: &Group<'_>) -> String {
    let f = group.first;
    let r = crate::secret::redact_registered;
    let title = format!(
        "partner-conformance: {} {} at {}",
        f.operation,
        f.category,
        r(&f.location)
    );
    let more = match group.count {
        1 => String::new(),
        n => format!(" (and {} more like it)", n - 1),
    };
    let message = format!(
        "[{} {}] {}{more}\nexpected: {}\nobserved: {}\nreproduce: {}",
        r(&f.code),
        r(&f.check),
        r(&f.location),
        r(&f.expected),
        r(&f.observed),
        r(&f.reproduce)
    );
    let line = format!(
        "::error title={}::{}",
        escape_property(&title),
        escape_data(&message)
    );
    r(&line)
}

/// A workflow command's message: `%`, carriage return and line feed percent-encoded, as the
/// runner decodes them.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A workflow command's property value: as [`escape_data`], and `:` and `,`, which end a value.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::super::human::fixture::{empty_report, finding, sample_report};
    use super::*;
    use crate::checks::Category;
    use crate::spec::OperationId;
    use std::ffi::OsString;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn only_a_github_actions_step_turns_it_on() {
        assert_eq!(Actions::from_lookup(env(&[]), false), None);
        let summary = [("GITHUB_STEP_SUMMARY", "/tmp/s.md")];
        assert_eq!(Actions::from_lookup(env(&summary), false), None);
        let off = [("GITHUB_ACTIONS", "false"), summary[0]];
        assert_eq!(Actions::from_lookup(env(&off), false), None);
        let on = [("GITHUB_ACTIONS", "true"), summary[0]];
        assert_eq!(
            Actions::from_lookup(env(&on), true),
            Some(Actions {
                summary: Some(PathBuf::from("/tmp/s.md")),
                annotations_to_stderr: true
            })
        );
        let no_file = Actions::from_lookup(env(&[("GITHUB_ACTIONS", "true")]), false).unwrap();
        assert_eq!(no_file.summary, None);
        no_file.write_summary(&sample_report()).unwrap();
    }

    #[test]
    fn escapes_follow_the_workflow_command_rules() {
        assert_eq!(escape_data("100%\r\nok: a,b"), "100%25%0D%0Aok: a,b");
        assert_eq!(
            escape_property("100%\r\nok: a,b"),
            "100%25%0D%0Aok%3A a%2Cb"
        );
        // `%` first, so an escape is never escaped again.
        assert_eq!(escape_data("%0A"), "%250A");
    }

    #[test]
    fn one_annotation_per_group_most_severe_first_and_capped() {
        let lines = annotations(&sample_report());
        assert!(!lines.is_empty());
        assert!(lines.iter().all(|l| l.starts_with("::error title=")));
        assert!(lines.iter().all(|l| !l.contains('\n')));
        assert!(lines[0].contains("auth"), "{}", lines[0]);

        let mut report = empty_report();
        report.findings = (0..15)
            .flat_map(|i| {
                (0..3).map(move |j| {
                    finding(
                        OperationId::BudgetV1,
                        "response_schema",
                        Category::Enum,
                        &format!("body.f{i}[{j}].state"),
                        "unknown",
                        "t",
                    )
                })
            })
            .collect();
        let lines = annotations(&report);
        assert_eq!(lines.len(), MAX_ANNOTATIONS);
        assert!(lines[0].contains("(and 2 more like it)"), "{}", lines[0]);
        assert!(
            lines[0].contains("title=partner-conformance%3A budget_v1 enum at body.f"),
            "{}",
            lines[0]
        );
        let summary = step_summary(&report);
        assert!(
            summary.contains("\n5 more finding groups not annotated"),
            "{summary}"
        );
        assert!(!step_summary(&empty_report()).contains("not annotated"));
    }

    #[test]
    fn a_registered_secret_leaves_no_escaped_form_in_an_annotation() {
        // Characters every escape changes: `%`, a line break, `:` and `,`.
        let secret = "zq%SEC\nRET,9:gh-annot";
        crate::secret::register([secret]);
        let mut report = empty_report();
        let mut f = finding(
            OperationId::CustomersV1,
            "response_schema",
            Category::Type,
            &format!("body.{secret}"),
            &format!("echo {secret}"),
            "t",
        );
        f.expected = serde_json::to_string(secret).unwrap();
        report.findings = vec![f];
        let lines = annotations(&report);
        assert_eq!(lines.len(), 1);
        let json = serde_json::to_string(secret).unwrap();
        for form in [
            secret.to_string(),
            escape_data(secret),
            escape_property(secret),
            json[1..json.len() - 1].to_string(),
            escape_data(&json[1..json.len() - 1]),
        ] {
            assert!(!lines[0].contains(&form), "{form:?} in {}", lines[0]);
        }
        assert!(lines[0].contains("[REDACTED]"), "{}", lines[0]);
    }

    #[test]
    fn the_summary_is_appended() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.md");
        std::fs::write(&path, "earlier step").unwrap();
        let actions = Actions {
            summary: Some(path.clone()),
            annotations_to_stderr: false,
        };
        actions.write_summary(&sample_report()).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("earlier step\n### partner-conformance: "),
            "{text}"
        );
    }
}
