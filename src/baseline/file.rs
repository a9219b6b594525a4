//! The baseline file: [`Entry`] and [`Baseline`], and the TOML they are read from and written
//! to (see the module documentation of [`super`] for the format). Reading refuses anything it
//! would have to guess about, naming the file, the line and the key.

use super::fingerprint::{fingerprint_problem, BASELINE_VERSION, LEGACY_VERSION};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;
use toml::Spanned;

/// The comment block at the top of every written file: the file is read by reviewers who may
/// never have seen this module.
const HEADER: &str = "\
# partner-conformance baseline: drift accepted on purpose. Review changes to it like code.
# Each entry accepts every finding with the same fingerprint,
# \"<operation> <check> <category> <rule> <location>\" (array indices as [*], quoted values as *).
# Optional per entry: reason, expires (a date; accepted up to and including that day), example.
# Remove an entry once fixed (`run --prune-baseline` drops those that no longer occur).
";

/// One accepted fingerprint: the unit a reviewer approves in a pull request. (The serde derives
/// are for reports such as JSON output; the file itself is read by [`Baseline::parse`] and
/// written by [`Baseline::to_toml`], which keep `expires` a TOML date.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// What it accepts: every finding whose [`fingerprint`](super::fingerprint()) is this string.
    pub fingerprint: String,
    /// Why the drift is accepted (a ticket, a decision); shown in reports next to the finding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The last day the entry accepts findings, so accepted drift cannot be forgotten.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<NaiveDate>,
    /// The first finding seen (`expected ...; observed ...`), for the reviewer; never matched on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<String>,
}

impl Entry {
    /// Whether the entry still accepts findings on `today`: it does through its `expires` day.
    pub fn is_active(&self, today: NaiveDate) -> bool {
        self.expires.is_none_or(|last| today <= last)
    }
}

/// A baseline file that could not be read, parsed or written; says which file and where, so
/// the person editing it can go straight to the line.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {location}: {message}")]
pub struct BaselineError {
    /// The file, as given.
    pub file: String,
    /// `line L column C`; `top level` for a missing top-level key; what was being done
    /// (`read`, `write`) for file errors.
    pub location: String,
    /// What is wrong, naming the key (`accepted[2].fingerprint`) where there is one.
    pub message: String,
}

/// The accepted drift: a list of entries, at most one per fingerprint.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Baseline {
    /// The entries, in file order when parsed and by fingerprint when built here.
    pub entries: Vec<Entry>,
    /// Read from a version 1 file: its fingerprints have no rule, so each entry accepts every
    /// drift of its check and place until the file is rewritten.
    pub legacy: bool,
}

/// The file as written, with spans for error messages; converted to [`Baseline`] after checks.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    version: Spanned<i64>,
    #[serde(default)]
    accepted: Vec<RawEntry>,
}

/// One `[[accepted]]` table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    fingerprint: Spanned<String>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    expires: Option<Spanned<toml::Value>>,
    #[serde(default)]
    example: Option<String>,
}

/// Characters of a key quoted in a parse error.
const MAX_KEY_QUOTED: usize = 40;

/// `line L column C` (both from 1) of a byte offset in `text`, as the config file's errors say it.
fn line_column(text: &str, offset: usize) -> String {
    let (line, column) = crate::text::line_column(text, offset);
    format!("line {line} column {column}")
}

/// The trimmed text of the line holding byte `offset`, cut to 80 characters; `None` when blank.
fn line_text(text: &str, offset: usize) -> Option<String> {
    let offset = offset.min(text.len());
    let start = text.get(..offset)?.rfind('\n').map_or(0, |i| i + 1);
    let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let line = text[start..end].trim();
    if line.is_empty() {
        return None;
    }
    if line.chars().count() <= 80 {
        return Some(line.to_string());
    }
    Some(line.chars().take(79).chain(['…']).collect())
}

/// An `expires` value as a date: a TOML local date, or a `"YYYY-MM-DD"` string.
fn expiry_date(value: &toml::Value) -> Result<NaiveDate, String> {
    const HINT: &str = "expected a date such as 2027-03-31";
    match value {
        toml::Value::Datetime(dt) => match (dt.date, dt.time, dt.offset) {
            (Some(d), None, None) => {
                NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
                    .ok_or_else(|| format!("{dt} is not a calendar date"))
            }
            _ => Err(format!("{HINT}, found {dt} (a date only, no time)")),
        },
        toml::Value::String(s) => {
            NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| format!("{HINT}, found {s:?}"))
        }
        other => Err(format!("{HINT}, found `{other}` ({})", other.type_str())),
    }
}

/// `s` as a TOML basic string, written here rather than by the toml crate so the file's bytes
/// do not change with its version.
pub(super) fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `date` as a TOML local date (a quoted string outside the years TOML can write, which
/// [`Baseline::parse`] also reads).
fn toml_date(date: NaiveDate) -> String {
    if (0..=9999).contains(&date.year()) {
        format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day())
    } else {
        toml_string(&date.format("%Y-%m-%d").to_string())
    }
}

/// Largest baseline file read: tens of thousands of entries, far more than any review reads.
const MAX_BASELINE_BYTES: u64 = 16 << 20;

impl Baseline {
    /// Reads and checks the baseline at `path`; a missing file is an error (naming it). A run
    /// whose baseline does not exist yet does not call this: it starts from an empty baseline
    /// with a note, which accepts nothing and so cannot turn anything green.
    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let file = path.display().to_string();
        let text = crate::files::read_text(path, MAX_BASELINE_BYTES, "a baseline file").map_err(
            |err| BaselineError {
                file: file.clone(),
                location: "read".into(),
                message: match err {
                    crate::files::ReadError::NotFound => {
                        "no such baseline file (create one with `run --write-baseline`)".into()
                    }
                    err => format!("cannot read the baseline: {err}"),
                },
            },
        )?;
        Baseline::parse(&file, &text)
    }

    /// Parses baseline text; `file` only names it in errors. Refuses anything it would have to
    /// guess about: bad TOML, another version, unknown keys, duplicate or malformed fingerprints,
    /// bad dates.
    pub fn parse(file: &str, text: &str) -> Result<Baseline, BaselineError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let error = |span: Option<Range<usize>>, message: String| BaselineError {
            file: file.to_string(),
            location: span.map_or_else(|| "line 1".into(), |s| line_column(text, s.start)),
            message,
        };
        let raw: RawFile = toml::from_str(text).map_err(|err| {
            let mut message = err.message().trim().replace('\n', "; ");
            // The toml crate's messages do not always name the key: quote the line instead
            // (unless the error is about the whole document, such as a missing `version`).
            let span = err
                .span()
                .filter(|s| !(s.start == 0 && (s.end == 0 || s.end >= text.len())));
            let Some(span) = span else {
                return BaselineError {
                    file: file.to_string(),
                    location: "top level".into(),
                    message,
                };
            };
            // Only the key of the line, never its value: a file given by mistake (an env file,
            // /proc/self/environ) must not have its secrets printed.
            if let Some(line) = line_text(text, span.start) {
                let key: String = line
                    .split('=')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .chars()
                    .take(MAX_KEY_QUOTED)
                    .collect();
                if !key.is_empty() && key.len() < line.trim().len() {
                    message.push_str(&format!(" (at key `{key}`)"));
                }
            }
            error(Some(span), message)
        })?;
        let version = match u32::try_from(*raw.version.get_ref()) {
            Ok(v @ (LEGACY_VERSION | BASELINE_VERSION)) => v,
            _ => {
                return Err(error(
                    Some(raw.version.span()),
                    format!(
                        "`version`: unsupported baseline version {} (this build reads versions \
                         {LEGACY_VERSION} and {BASELINE_VERSION})",
                        raw.version.get_ref(),
                    ),
                ))
            }
        };
        // The offset of each fingerprint's first entry; turned into a line only for the error
        // (computing it for every entry rescans the file each time: quadratic in its size).
        let mut first_line: HashMap<String, usize> = HashMap::new();
        let mut entries = Vec::with_capacity(raw.accepted.len());
        for (i, raw_entry) in raw.accepted.into_iter().enumerate() {
            let key = format!("accepted[{}]", i + 1);
            let span = raw_entry.fingerprint.span();
            let fingerprint = raw_entry.fingerprint.into_inner();
            if let Some(problem) = fingerprint_problem(&fingerprint, version) {
                return Err(error(Some(span), format!("`{key}.fingerprint`: {problem}")));
            }
            if let Some(first) = first_line.get(&fingerprint) {
                let first = line_column(text, *first);
                return Err(error(
                    Some(span),
                    format!(
                        "`{key}.fingerprint`: duplicate fingerprint {fingerprint:?} \
                         (first at {first}); keep one entry"
                    ),
                ));
            }
            first_line.insert(fingerprint.clone(), span.start);
            let expires = match raw_entry.expires {
                None => None,
                Some(value) => Some(
                    expiry_date(value.get_ref())
                        .map_err(|e| error(Some(value.span()), format!("`{key}.expires`: {e}")))?,
                ),
            };
            entries.push(Entry {
                fingerprint,
                reason: raw_entry.reason,
                expires,
                example: raw_entry.example,
            });
        }
        Ok(Baseline {
            entries,
            legacy: version == LEGACY_VERSION,
        })
    }

    /// The file text: header comments, `version`, then the entries sorted by fingerprint so
    /// diffs stay stable.
    pub fn to_toml(&self) -> String {
        let mut out = String::from(HEADER);
        let version = if self.legacy {
            LEGACY_VERSION
        } else {
            BASELINE_VERSION
        };
        out.push_str(&format!("version = {version}\n"));
        let mut entries: Vec<&Entry> = self.entries.iter().collect();
        entries.sort_by(|a, b| a.fingerprint.cmp(&b.fingerprint));
        for entry in entries {
            out.push_str("\n[[accepted]]\n");
            out.push_str(&format!(
                "fingerprint = {}\n",
                toml_string(&entry.fingerprint)
            ));
            if let Some(reason) = &entry.reason {
                out.push_str(&format!("reason = {}\n", toml_string(reason)));
            }
            if let Some(expires) = entry.expires {
                out.push_str(&format!("expires = {}\n", toml_date(expires)));
            }
            if let Some(example) = &entry.example {
                out.push_str(&format!("example = {}\n", toml_string(example)));
            }
        }
        out
    }

    /// Writes [`Baseline::to_toml`] to `path` through a temporary file in the same directory
    /// (see [`crate::files::write_atomic`]), so an interrupted run or a full disk never
    /// leaves half a baseline behind, nor a stray temporary file.
    pub fn save(&self, path: &Path) -> Result<(), BaselineError> {
        let file = path.display().to_string();
        let fail = |message: String| BaselineError {
            file: file.clone(),
            location: "write".into(),
            message,
        };
        crate::secret::write_file(path, &self.to_toml())
            .map_err(|err| fail(format!("cannot write the baseline: {err}")))
    }
}
