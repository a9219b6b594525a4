//! Reports: the model ([`Report`]) and one writer per format. Writers only format; what a run
//! found is decided before they are called. Formats: a human summary on stdout, JSON, JUnit XML
//! (findings as `<failure>`, transport problems as `<error>`), Markdown for pull requests, a
//! self-contained HTML page (`html/`: one file, no network, folded findings, coverage matrix) and
//! CTRF JSON (one test per trial). Inside GitHub Actions, [`github`] also writes the step summary
//! and the `::error` annotations.
//! [`emit`] gets them onto disk: checked before the run, written atomically, none lost for
//! another's failure.

mod coverage;
mod ctrf;
pub mod emit;
mod fit;
pub mod github;
mod html;
mod human;
mod json;
mod junit;
mod markdown;
mod migration;
mod model;
mod not_exercised;
mod observations;
mod text;

pub use ctrf::write_ctrf;
pub use html::{group_label as html_group_label, write_html};
pub use human::{distinct_findings, write_human};
pub use json::write_json;
pub use junit::write_junit;
pub use markdown::write_markdown;
pub use migration::migration_table;
pub use model::{
    AcceptedFinding, BaselineEntryNote, BaselineSummary, BehaviourChange, PlanSummary, Report,
    Summary, TransportProblem, TrialOutcome, TrialRecord,
};
pub use not_exercised::counts as not_exercised_counts;
pub(crate) use text::plural;

use std::path::PathBuf;
use std::str::FromStr;

/// A `--report FORMAT=PATH` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRequest {
    /// Which writer.
    pub format: ReportFormat,
    /// Where to write.
    pub path: PathBuf,
}

/// Machine-readable report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// `{"summary": ..., "findings": [...]}`.
    Json,
    /// JUnit XML.
    Junit,
    /// Markdown for a pull-request comment.
    Markdown,
    /// One self-contained HTML page, readable offline and as a CI artifact.
    Html,
    /// Common Test Report Format JSON (<https://ctrf.io>).
    Ctrf,
}

impl FromStr for ReportRequest {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (format, path) = s.split_once('=').ok_or_else(|| {
            format!("`{s}` is not FORMAT=PATH (formats: json, junit, markdown, html, ctrf)")
        })?;
        let format = match format {
            "json" => ReportFormat::Json,
            "junit" => ReportFormat::Junit,
            "markdown" | "md" => ReportFormat::Markdown,
            "html" => ReportFormat::Html,
            "ctrf" => ReportFormat::Ctrf,
            other => {
                return Err(format!(
                    "unknown report format `{other}` (json, junit, markdown, html, ctrf)"
                ))
            }
        };
        if path.is_empty() {
            return Err(format!("`{s}` has no path after `=`"));
        }
        Ok(ReportRequest {
            format,
            path: PathBuf::from(path),
        })
    }
}

/// The writer of `format`.
pub fn renderer(format: ReportFormat) -> emit::Render {
    match format {
        ReportFormat::Json => write_json,
        ReportFormat::Junit => write_junit,
        ReportFormat::Markdown => write_markdown,
        ReportFormat::Html => write_html,
        ReportFormat::Ctrf => write_ctrf,
    }
}

/// Writes one requested report file, atomically and with every registered secret redacted
/// (see [`crate::secret::write_file`]).
pub fn write_file(request: &ReportRequest, report: &Report) -> std::io::Result<()> {
    crate::secret::write_file(&request.path, &renderer(request.format)(report))
}
