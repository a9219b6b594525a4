//! Baselines: drift that is already known and accepted on purpose, so that a CI run against a
//! staging endpoint fails only on *new* drift.
//!
//! `run --write-baseline FILE` stores the findings of a run; `run --baseline FILE` accepts them on
//! later runs. A finding is matched by its [`fingerprint`], never by its message text, so a
//! baseline survives changes of wording, of the data the target returns and of the generated
//! values a run sends.
//!
//! # Fingerprint (part of file format version 2)
//!
//! Five parts separated by single spaces:
//!
//! ```text
//! <operation> <check> <category> <rule> <location>
//! customers_v1 response_schema_conformance type customers_v1.response.200.customer_info_list.corp_name.type body.customer_info_list[*].corp_name
//! customers_v1 status_code_conformance status_code customers_v1.query.page_size.maximum status
//! ```
//!
//! - `operation`: the operation id (`customers_v1`, `budget_v1`, ...);
//! - `check`: the check's name (`response_schema_conformance`, `fuzzy_filter`, ...);
//! - `category`: the drift category's snake_case name (`type`, `filter_semantics`, ...);
//! - `rule`: the documented rule violated, a [`RuleId`]: what was broken, not only where, so
//!   accepting "another partner's id answered 200" never accepts "page_size=101 answered 200";
//! - `location`: the finding's location, normalised: every array index `[digits]` becomes
//!   `[*]`, every quoted value (`"..."` or `'...'`) becomes `*` (`query.domain_name="abc"` →
//!   `query.domain_name=*`), any whitespace becomes `_`, and an empty location is written `-`.
//!
//! What the documentation expects and what the target did are *not* part of it, nor is any
//! generated value or seed: one entry accepts every finding with the same fingerprint,
//! whatever the values involved, and a run with another seed finds the same fingerprints.
//!
//! Version 1 files (fingerprints without the rule) still load, with a warning: each of their
//! entries accepts every drift of its check and place. `--write-baseline` onto such a file
//! rewrites it as version 2, turning each entry into the specific fingerprints it matched in
//! that run (reason, expiry and example kept).
//!
//! # File format (TOML, version 2)
//!
//! ```toml
//! # partner-conformance baseline: drift accepted on purpose. Review changes to it like code.
//! # ...
//! version = 2
//!
//! [[accepted]]
//! fingerprint = "customers_v1 response_schema_conformance type customers_v1.response.200.count.type body.count"
//! reason = "BSS sends count as a string; ticket PARTNER-123"
//! expires = 2027-03-31
//! example = "expected the documented `type` (customers_v1/response.200.json); observed value is not of type \"integer\""
//! ```
//!
//! - `version` (required) is [`BASELINE_VERSION`] (or 1, read as said above);
//! - each `[[accepted]]` table is one [`Entry`]: `fingerprint` is required; `reason` (free text),
//!   `expires` (a TOML local date; a `"YYYY-MM-DD"` string is read too) and `example` (the first
//!   finding seen, for the reviewer; never used for matching) are optional;
//! - any other key is an error, as are two entries with the same fingerprint, so a typo never
//!   silently accepts nothing or everything.
//!
//! An entry with `expires` accepts its findings up to and including that day and not after it.
//! [`Baseline::to_toml`] writes entries sorted by fingerprint so that diffs in a pull request
//! stay small. Comments other than the generated header are not kept when the file is rewritten:
//! put the explanation in `reason`.

use crate::checks::{Category, Finding};
use crate::spec::{OperationId, RuleId};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;
use std::path::Path;
use toml::Spanned;

/// The file format version this build writes; it also reads version 1 (see the module
/// documentation), and refuses any other rather than half understand it.
pub const BASELINE_VERSION: u32 = 2;
/// The version whose fingerprints have no rule.
const LEGACY_VERSION: u32 = 1;

/// The longest `example` written, in characters, so entries stay readable in a diff.
const EXAMPLE_MAX_CHARS: usize = 160;

/// The comment block at the top of every written file: the file is read by reviewers who may
/// never have seen this module.
const HEADER: &str = "\
# partner-conformance baseline: drift accepted on purpose. Review changes to it like code.
# Each entry accepts every finding with the same fingerprint,
# \"<operation> <check> <category> <rule> <location>\" (array indices as [*], quoted values as *).
# Optional per entry: reason, expires (a date; accepted up to and including that day), example.
# Remove an entry once fixed (`run --prune-baseline` drops those that no longer occur).
";

/// The stable identity of a finding, used to match it against baseline entries: operation,
/// check, category, the rule violated and normalised location (see the module documentation).
/// Expected and observed text are left out on purpose, since they carry generated values and
/// wording that change from run to run.
pub fn fingerprint(finding: &Finding) -> String {
    format!(
        "{} {} {} {} {}",
        finding.operation.as_str(),
        finding.check,
        finding.category.as_str(),
        finding.rule,
        normalise_location(&finding.location)
    )
}

/// The version 1 fingerprint of a finding (no rule), which version 1 entries match.
fn legacy_fingerprint(finding: &Finding) -> String {
    format!(
        "{} {} {} {}",
        finding.operation.as_str(),
        finding.check,
        finding.category.as_str(),
        normalise_location(&finding.location)
    )
}

/// The location part of a fingerprint: indices as `[*]`, quoted values as `*`, whitespace as
/// `_`, empty as `-`. Idempotent, which is how [`Baseline::parse`] tells a hand-written location
/// that could never match.
fn normalise_location(location: &str) -> String {
    let mut out = String::with_capacity(location.len());
    let mut rest = location;
    while let Some(c) = rest.chars().next() {
        let after = &rest[c.len_utf8()..];
        match c {
            '[' => {
                if let Some(len) = crate::checks::element_selector_len(after) {
                    out.push_str("[*]");
                    rest = &after[len..];
                    continue;
                }
                out.push('[');
            }
            '"' | '\'' => {
                if let Some(len) = quoted_len(after, c) {
                    out.push('*');
                    rest = &after[len..];
                    continue;
                }
                out.push(c);
            }
            c if c.is_whitespace() => out.push('_'),
            c => out.push(c),
        }
        rest = after;
    }
    if out.is_empty() {
        out.push('-');
    }
    out
}

/// The length of a quoted value's body plus its closing quote (`abc"` for `"abc"`), honouring
/// backslash escapes; `None` when the quote is never closed (then it is not a quoted value).
fn quoted_len(after_open: &str, quote: char) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in after_open.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == quote {
            return Some(i + c.len_utf8());
        }
    }
    None
}

/// Why a fingerprint can never match a finding, or `None` when it is well formed. Catching
/// this when the file is read keeps a typo from silently accepting nothing.
fn fingerprint_problem(fingerprint: &str, version: u32) -> Option<String> {
    let parts: Vec<&str> = fingerprint.split(' ').collect();
    let (operation, check, category, rule, location) = match (version, parts.as_slice()) {
        (LEGACY_VERSION, [operation, check, category, location]) => {
            (operation, check, category, None, location)
        }
        (BASELINE_VERSION, [operation, check, category, rule, location]) => {
            (operation, check, category, Some(rule), location)
        }
        _ => {
            let form = if version == LEGACY_VERSION {
                "4: \"<operation> <check> <category> <location>\""
            } else {
                "5: \"<operation> <check> <category> <rule> <location>\""
            };
            return Some(format!(
                "{:?} has {} space-separated parts; a version {version} fingerprint has {form}",
                fingerprint,
                parts.len()
            ));
        }
    };
    if let Some(rule) = rule {
        if RuleId::parse(rule).is_none_or(|id| !id.as_str().starts_with(&format!("{operation}."))) {
            return Some(format!(
                "rule `{rule}` in {fingerprint:?} is not a rule id of {operation} \
                 (such as `{operation}.query.page_size.maximum`)"
            ));
        }
    }
    if let Err(err) = operation.parse::<OperationId>() {
        return Some(format!("{err} in {fingerprint:?}"));
    }
    if check.is_empty()
        || !check
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Some(format!(
            "check name {check:?} in {fingerprint:?} is not a snake_case check name"
        ));
    }
    if !Category::ALL.iter().any(|c| c.as_str() == *category) {
        let known: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
        return Some(format!(
            "unknown category `{category}` in {fingerprint:?} (known: {})",
            known.join(", ")
        ));
    }
    let normalised = normalise_location(location);
    if normalised != *location {
        return Some(format!(
            "location `{location}` in {fingerprint:?} is not normalised and would never match; \
             write `{normalised}`"
        ));
    }
    None
}

/// One accepted fingerprint: the unit a reviewer approves in a pull request. (The serde derives
/// are for reports such as JSON output; the file itself is read by [`Baseline::parse`] and
/// written by [`Baseline::to_toml`], which keep `expires` a TOML date.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// What it accepts: every finding whose [`fingerprint`] is this string.
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

    /// A new entry for `finding`, with no reason or expiry yet: those are the reviewer's to add.
    fn from_finding(finding: &Finding) -> Entry {
        Entry {
            fingerprint: fingerprint(finding),
            reason: None,
            expires: None,
            example: Some(example_of(finding)),
        }
    }
}

/// `expected ...; observed ...` on one line, cut to [`EXAMPLE_MAX_CHARS`] characters. Credentials
/// are redacted before the cut: a cut value would no longer be recognised as one.
fn example_of(finding: &Finding) -> String {
    let text = crate::secret::redact_registered(&format!(
        "expected {}; observed {}",
        finding.expected, finding.observed
    ));
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= EXAMPLE_MAX_CHARS {
        return one_line;
    }
    let mut cut: String = one_line.chars().take(EXAMPLE_MAX_CHARS - 1).collect();
    cut.push('…');
    cut
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
fn toml_string(s: &str) -> String {
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
            if let Some(line) = line_text(text, span.start) {
                message.push_str(&format!(" (in `{line}`)"));
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
        let mut first_line: HashMap<String, String> = HashMap::new();
        let mut entries = Vec::with_capacity(raw.accepted.len());
        for (i, raw_entry) in raw.accepted.into_iter().enumerate() {
            let key = format!("accepted[{}]", i + 1);
            let span = raw_entry.fingerprint.span();
            let fingerprint = raw_entry.fingerprint.into_inner();
            if let Some(problem) = fingerprint_problem(&fingerprint, version) {
                return Err(error(Some(span), format!("`{key}.fingerprint`: {problem}")));
            }
            let here = line_column(text, span.start);
            if let Some(first) = first_line.get(&fingerprint) {
                return Err(error(
                    Some(span),
                    format!(
                        "`{key}.fingerprint`: duplicate fingerprint {fingerprint:?} \
                         (first at {first}); keep one entry"
                    ),
                ));
            }
            first_line.insert(fingerprint.clone(), here);
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

    /// A baseline accepting exactly `findings`: one entry per fingerprint, sorted, its example
    /// taken from the first finding with that fingerprint.
    pub fn from_findings(findings: &[Finding]) -> Baseline {
        let mut by_fingerprint: BTreeMap<String, Entry> = BTreeMap::new();
        for finding in findings {
            by_fingerprint
                .entry(fingerprint(finding))
                .or_insert_with(|| Entry::from_finding(finding));
        }
        Baseline {
            entries: by_fingerprint.into_values().collect(),
            legacy: false,
        }
    }

    /// `--write-baseline` onto an existing file: every existing entry kept as it is (reason,
    /// expiry and example are the reviewer's), new fingerprints added, sorted. Entries that no
    /// longer occur stay; dropping them is [`Baseline::pruned`]'s job. A version 1 baseline is
    /// upgraded: each entry becomes the version 2 fingerprints it matched among `findings`,
    /// keeping its reason, expiry and example; an entry that matched nothing cannot be
    /// upgraded and is left out ([`Baseline::not_upgraded`] lists those).
    pub fn merged_with(&self, findings: &[Finding]) -> Baseline {
        let mut by_fingerprint: BTreeMap<String, Entry> = if self.legacy {
            let by_legacy: HashMap<&str, &Entry> = self
                .entries
                .iter()
                .map(|e| (e.fingerprint.as_str(), e))
                .collect();
            findings
                .iter()
                .filter_map(|f| {
                    let old = by_legacy.get(legacy_fingerprint(f).as_str())?;
                    let fingerprint = fingerprint(f);
                    Some((
                        fingerprint.clone(),
                        Entry {
                            fingerprint,
                            ..(*old).clone()
                        },
                    ))
                })
                .collect()
        } else {
            self.entries
                .iter()
                .map(|e| (e.fingerprint.clone(), e.clone()))
                .collect()
        };
        for entry in Baseline::from_findings(findings).entries {
            by_fingerprint
                .entry(entry.fingerprint.clone())
                .or_insert(entry);
        }
        Baseline {
            entries: by_fingerprint.into_values().collect(),
            legacy: false,
        }
    }

    /// The version 1 entries that matched none of `findings`, which an upgrade by
    /// [`Baseline::merged_with`] leaves out; empty for a version 2 baseline.
    pub fn not_upgraded(&self, findings: &[Finding]) -> Vec<&Entry> {
        if !self.legacy {
            return Vec::new();
        }
        let matched: HashSet<String> = findings.iter().map(legacy_fingerprint).collect();
        self.entries
            .iter()
            .filter(|e| !matched.contains(&e.fingerprint))
            .collect()
    }

    /// Judges each finding against the baseline on `today` (the caller's local date): accepted
    /// by an active entry, or new. Also lists entries that matched nothing (resolved) and
    /// entries past their date that still match (expired; their findings count as new).
    pub fn apply(&self, findings: &[Finding], today: NaiveDate) -> Applied {
        let index: HashMap<&str, usize> = self
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.fingerprint.as_str(), i))
            .collect();
        let mut matched = vec![false; self.entries.len()];
        let verdicts = findings
            .iter()
            .map(|finding| {
                let key = if self.legacy {
                    legacy_fingerprint(finding)
                } else {
                    fingerprint(finding)
                };
                let Some(&i) = index.get(key.as_str()) else {
                    return Verdict::New;
                };
                matched[i] = true;
                let entry = &self.entries[i];
                if entry.is_active(today) {
                    Verdict::Accepted {
                        reason: entry.reason.clone(),
                    }
                } else {
                    Verdict::New
                }
            })
            .collect();
        let mut resolved = Vec::new();
        let mut expired = Vec::new();
        for (entry, matched) in self.entries.iter().zip(matched) {
            if !matched {
                resolved.push(entry.clone());
            } else if !entry.is_active(today) {
                expired.push(entry.clone());
            }
        }
        Applied {
            verdicts,
            resolved,
            expired,
        }
    }

    /// `--prune-baseline`: the baseline without the entries `applied` found resolved, so fixed
    /// drift cannot come back unnoticed.
    pub fn pruned(&self, applied: &Applied) -> Baseline {
        let resolved: HashSet<&str> = applied
            .resolved
            .iter()
            .map(|e| e.fingerprint.as_str())
            .collect();
        Baseline {
            entries: self
                .entries
                .iter()
                .filter(|e| !resolved.contains(e.fingerprint.as_str()))
                .cloned()
                .collect(),
            legacy: self.legacy,
        }
    }
}

/// What the baseline says about one finding: the report and the exit code follow from it.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Not accepted (no entry, or its entry expired): fails the run.
    New,
    /// Accepted by an active entry; `reason` is the entry's, for the report.
    Accepted {
        /// The entry's reason, if it has one.
        reason: Option<String>,
    },
}

/// The outcome of [`Baseline::apply`]: everything the report needs about the baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    /// One verdict per finding, in the order the findings were given.
    pub verdicts: Vec<Verdict>,
    /// Entries that matched no finding: the drift seems fixed and the entry can be pruned.
    pub resolved: Vec<Entry>,
    /// Entries past their `expires` day that still match findings (which count as new).
    pub expired: Vec<Entry>,
}

impl Applied {
    /// How many findings are new: a run with any fails.
    pub fn new_count(&self) -> usize {
        self.verdicts
            .iter()
            .filter(|v| matches!(v, Verdict::New))
            .count()
    }

    /// How many findings the baseline accepted: reported, but not failing the run.
    pub fn accepted_count(&self) -> usize {
        self.verdicts.len() - self.new_count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(location: &str, category: Category, expected: &str, observed: &str) -> Finding {
        Finding {
            operation: OperationId::CustomersV1,
            check: "response_schema_conformance".into(),
            code: "PC004".into(),
            category,
            rule: crate::spec::RuleId::response_field(
                OperationId::CustomersV1,
                200,
                location,
                "type",
            ),
            location: location.into(),
            expected: expected.into(),
            observed: observed.into(),
            reproduce: "curl -sS http://127.0.0.1:1/".into(),
            doc: None,
            trial: "generated::customers_v1::valid".into(),
            origin: None,
        }
    }

    fn count_as_string() -> Finding {
        finding(
            "body.count",
            Category::Type,
            "the documented `type` (customers_v1/response.200.json)",
            "value is not of type \"integer\"",
        )
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    fn parse_err(text: &str) -> BaselineError {
        Baseline::parse("ci/baseline.toml", text).expect_err("should be refused")
    }

    #[test]
    fn fingerprint_normalises_indices_and_quoted_values() {
        let f = finding(
            "body.customer_info_list[3].corp_name",
            Category::Format,
            "x",
            "y",
        );
        assert_eq!(
            fingerprint(&f),
            "customers_v1 response_schema_conformance format \
             customers_v1.response.200.customer_info_list.corp_name.type \
             body.customer_info_list[*].corp_name"
        );
        assert_eq!(
            normalise_location("body.a[10].b[0][2]"),
            "body.a[*].b[*][*]"
        );
        assert_eq!(
            normalise_location(r#"query.domain_name="a\"b c""#),
            "query.domain_name=*"
        );
        assert_eq!(normalise_location("query.x='v'&y"), "query.x=*&y");
        assert_eq!(
            normalise_location("body.records[customer_id]"),
            "body.records[customer_id]"
        );
        assert_eq!(normalise_location("body.a b"), "body.a_b");
        assert_eq!(normalise_location(""), "-");
        assert_eq!(normalise_location("body.o\"clock"), "body.o\"clock");
        for loc in ["body.a[1]", "q=\"v\"", "a b", "", "[x]", "x[12"] {
            let once = normalise_location(loc);
            assert_eq!(normalise_location(&once), once, "idempotent for {loc:?}");
        }
    }

    #[test]
    fn fingerprint_ignores_expected_and_observed() {
        let a = finding("body.list[1].x", Category::Type, "one", "seed 1 value");
        let b = finding(
            "body.list[7].x",
            Category::Type,
            "two",
            "seed 9 other value",
        );
        assert_eq!(fingerprint(&a), fingerprint(&b));
        let c = finding("body.list[1].x", Category::Format, "one", "seed 1 value");
        assert_ne!(fingerprint(&a), fingerprint(&c));
        assert!(fingerprint_problem(&fingerprint(&a), BASELINE_VERSION).is_none());
    }

    #[test]
    fn from_findings_to_toml_parse_round_trips() {
        let long = "x".repeat(500);
        let findings = vec![
            count_as_string(),
            finding("body.list[0].name", Category::Format, "a\nb", &long),
            finding("body.list[5].name", Category::Format, "other", "other"),
        ];
        let baseline = Baseline::from_findings(&findings);
        assert_eq!(baseline.entries.len(), 2, "one entry per fingerprint");
        let list = &baseline.entries[0];
        assert_eq!(
            list.fingerprint,
            "customers_v1 response_schema_conformance format customers_v1.response.200.list.name.type \
             body.list[*].name"
        );
        let example = list.example.as_deref().unwrap_or_default();
        assert!(
            example.starts_with("expected a b; observed xxx"),
            "{example}"
        );
        assert_eq!(example.chars().count(), EXAMPLE_MAX_CHARS);

        let mut reviewed = baseline.clone();
        reviewed.entries[1].reason = Some("BSS sends \"count\" as a string; PARTNER-123".into());
        reviewed.entries[1].expires = Some(date(2027, 3, 31));
        let text = reviewed.to_toml();
        assert!(text.starts_with("# partner-conformance baseline"), "{text}");
        assert!(text.contains("expires = 2027-03-31\n"), "{text}");
        let parsed = Baseline::parse("b.toml", &text).expect("own output parses");
        assert_eq!(parsed, reviewed);
        assert_eq!(parsed.to_toml(), text, "writing is stable");
    }

    #[test]
    fn parses_the_documented_sample() {
        let text = r#"
version = 1

[[accepted]]
fingerprint = "customers_v1 response_schema_conformance type body.count"
reason = "BSS sends count as a string; ticket PARTNER-123"
expires = 2027-03-31
# first seen: expected the documented `type`; observed value is not of type "integer"

[[accepted]]
fingerprint = "budget_v1 fuzzy_filter filter_semantics body.records"
expires = "2026-01-02"
"#;
        let parsed = Baseline::parse("b.toml", text).expect("sample parses");
        assert_eq!(parsed.entries.len(), 2);
        assert_eq!(parsed.entries[0].expires, Some(date(2027, 3, 31)));
        assert_eq!(parsed.entries[1].expires, Some(date(2026, 1, 2)));
        assert_eq!(parsed.entries[1].reason, None);
        let empty = Baseline::parse("b.toml", "version = 1\n").expect("no entries is fine");
        assert!(empty.entries.is_empty());
    }

    #[test]
    fn merged_with_keeps_reasons_and_adds_new_fingerprints() {
        let mut existing = Baseline::from_findings(&[count_as_string()]);
        existing.entries[0].reason = Some("known".into());
        existing.entries[0].expires = Some(date(2027, 1, 1));
        existing.entries.push(Entry {
            fingerprint: "aicc_tenant auth_required auth aicc_tenant.semantic.auth_required status"
                .into(),
            reason: Some("gone but kept".into()),
            expires: None,
            example: None,
        });
        let findings = [
            finding("body.count", Category::Type, "changed", "wording"),
            finding("header.content-type", Category::ContentType, "a", "b"),
        ];
        let merged = existing.merged_with(&findings);
        let fps: Vec<&str> = merged
            .entries
            .iter()
            .map(|e| e.fingerprint.as_str())
            .collect();
        assert_eq!(
            fps,
            [
                "aicc_tenant auth_required auth aicc_tenant.semantic.auth_required status",
                "customers_v1 response_schema_conformance content_type \
                 customers_v1.response.200.header.content-type.type header.content-type",
                "customers_v1 response_schema_conformance type customers_v1.response.200.count.type \
                 body.count",
            ]
        );
        assert_eq!(
            merged.entries[2], existing.entries[0],
            "existing entry unchanged"
        );
        assert_eq!(merged.entries[0].reason.as_deref(), Some("gone but kept"));
        assert_eq!(merged.entries[1].reason, None);
        let reread = Baseline::parse("b.toml", &merged.to_toml()).expect("parses");
        assert_eq!(reread, merged);
    }

    #[test]
    fn apply_accepts_known_and_flags_new_and_resolved() {
        let mut baseline = Baseline::from_findings(&[count_as_string()]);
        baseline.entries[0].reason = Some("PARTNER-123".into());
        baseline.entries.push(Entry {
            fingerprint: "budget_v1 pagination pagination body.records".into(),
            reason: None,
            expires: None,
            example: None,
        });
        let findings = [
            count_as_string(),
            finding("body.list[2].x", Category::Enum, "a", "b"),
            finding("body.count", Category::Type, "other text", "other"),
        ];
        let applied = baseline.apply(&findings, date(2026, 6, 1));
        assert_eq!(
            applied.verdicts,
            [
                Verdict::Accepted {
                    reason: Some("PARTNER-123".into())
                },
                Verdict::New,
                Verdict::Accepted {
                    reason: Some("PARTNER-123".into())
                },
            ]
        );
        assert_eq!(applied.new_count(), 1);
        assert_eq!(applied.accepted_count(), 2);
        assert_eq!(applied.resolved, [baseline.entries[1].clone()]);
        assert!(applied.expired.is_empty());
    }

    #[test]
    fn apply_accepts_through_the_expiry_day_and_not_after() {
        let mut baseline = Baseline::from_findings(&[count_as_string()]);
        baseline.entries[0].expires = Some(date(2027, 3, 31));
        let findings = [count_as_string()];

        let on_the_day = baseline.apply(&findings, date(2027, 3, 31));
        assert_eq!(on_the_day.verdicts, [Verdict::Accepted { reason: None }]);
        assert!(on_the_day.expired.is_empty());

        let day_after = baseline.apply(&findings, date(2027, 4, 1));
        assert_eq!(day_after.verdicts, [Verdict::New]);
        assert_eq!(day_after.new_count(), 1);
        assert_eq!(day_after.expired, baseline.entries);
        assert!(day_after.resolved.is_empty(), "still occurs: not resolved");

        let gone = baseline.apply(&[], date(2027, 4, 1));
        assert_eq!(
            gone.resolved, baseline.entries,
            "expired and gone: resolved"
        );
        assert!(gone.expired.is_empty());
    }

    #[test]
    fn pruned_drops_resolved_entries_only() {
        let status = finding("status", Category::StatusCode, "200", "500");
        let mut baseline = Baseline::from_findings(&[count_as_string(), status.clone()]);
        for entry in &mut baseline.entries {
            if entry.fingerprint == fingerprint(&status) {
                entry.expires = Some(date(2020, 1, 1));
            }
        }
        // `status` still occurs (its entry expired); `body.count` no longer does.
        let findings = [finding("status", Category::StatusCode, "200", "502")];
        let applied = baseline.apply(&findings, date(2026, 1, 1));
        assert_eq!(applied.resolved.len(), 1);
        assert_eq!(applied.expired.len(), 1);
        let pruned = baseline.pruned(&applied);
        assert_eq!(
            pruned.entries, applied.expired,
            "expired but occurring: kept"
        );
        let again = pruned.apply(&findings, date(2026, 1, 1));
        assert!(again.resolved.is_empty());
        assert_eq!(again.new_count(), 1);
    }

    #[test]
    fn invalid_toml_names_file_and_line() {
        let err = parse_err("version = 1\n\n[[accepted]]\nfingerprint = \"unterminated\n");
        assert_eq!(err.file, "ci/baseline.toml");
        assert!(err.location.starts_with("line 4 column"), "{err}");
        let text = err.to_string();
        assert!(
            text.starts_with("ci/baseline.toml: line 4 column"),
            "{text}"
        );
        assert!(!text.contains('\n'), "one line: {text:?}");
    }

    #[test]
    fn an_entry_accepts_only_the_rule_it_names() {
        let mut other_partner = finding("status", Category::StatusCode, "403", "200");
        other_partner.check = "status_code_conformance".into();
        other_partner.rule = RuleId::case(OperationId::CustomersV1, "a15_other_partner");
        let mut page_size = other_partner.clone();
        page_size.rule = RuleId::parameter(
            OperationId::CustomersV1,
            crate::spec::ParamLocation::Query,
            "page_size",
            "maximum",
        );
        page_size.observed = "200 for page_size=101 (seed 7)".into();
        let baseline = Baseline::from_findings(std::slice::from_ref(&other_partner));
        let applied = baseline.apply(
            &[other_partner.clone(), page_size.clone()],
            date(2026, 1, 1),
        );
        assert_eq!(applied.verdicts[0], Verdict::Accepted { reason: None });
        assert_eq!(
            applied.verdicts[1],
            Verdict::New,
            "another rule is not accepted"
        );
        // The same drift under another seed has the same fingerprint.
        let mut again = page_size.clone();
        again.observed = "200 for page_size=180 (seed 8)".into();
        assert_eq!(fingerprint(&again), fingerprint(&page_size));
        assert!(!fingerprint(&page_size).contains("seed"));
    }

    #[test]
    fn version_1_files_load_match_coarsely_and_upgrade_on_write() {
        let text = "version = 1\n[[accepted]]\nfingerprint = \"customers_v1 response_schema_conformance type body.count\"\nreason = \"known\"\n\n[[accepted]]\nfingerprint = \"customers_v1 response_schema_conformance type body.gone\"\n";
        let legacy = Baseline::parse("b.toml", text).expect("version 1 loads");
        assert!(legacy.legacy);
        let count = count_as_string();
        let applied = legacy.apply(std::slice::from_ref(&count), date(2026, 1, 1));
        assert!(matches!(applied.verdicts[0], Verdict::Accepted { .. }));
        let upgraded = legacy.merged_with(std::slice::from_ref(&count));
        assert!(!upgraded.legacy);
        assert_eq!(upgraded.entries.len(), 1);
        assert_eq!(upgraded.entries[0].fingerprint, fingerprint(&count));
        assert_eq!(upgraded.entries[0].reason.as_deref(), Some("known"));
        let dropped: Vec<&str> = legacy
            .not_upgraded(std::slice::from_ref(&count))
            .iter()
            .map(|e| e.fingerprint.as_str())
            .collect();
        assert_eq!(
            dropped,
            ["customers_v1 response_schema_conformance type body.gone"]
        );
        let text = upgraded.to_toml();
        assert!(text.contains("version = 2\n"), "{text}");
        assert_eq!(
            Baseline::parse("b.toml", &text).expect("reads back"),
            upgraded
        );
        // A version 2 file must name the rule.
        let err =
            parse_err("version = 2\n[[accepted]]\nfingerprint = \"customers_v1 c type body\"\n");
        assert!(err.message.contains("has 4 space-separated parts"), "{err}");
    }

    #[test]
    fn other_version_is_refused_at_its_line() {
        let err = parse_err("# header\nversion = 3\n");
        assert_eq!(err.location, "line 2 column 11", "{err}");
        assert!(err.message.contains("`version`"), "{err}");
        assert!(err.message.contains("version 3"), "{err}");
        assert!(
            err.to_string().starts_with("ci/baseline.toml: line 2"),
            "{err}"
        );
        let missing = parse_err("[[accepted]]\nfingerprint = \"a b c d\"\n");
        assert_eq!(missing.location, "top level", "{missing}");
        assert!(missing.message.contains("`version`"), "{missing}");
    }

    #[test]
    fn unknown_key_is_refused_by_name_and_line() {
        let text = "version = 1\n\n[[accepted]]\nfingerprint = \"customers_v1 status_code_conformance status_code status\"\nreasn = \"typo\"\n";
        let err = parse_err(text);
        assert!(err.location.starts_with("line 5 column 1"), "{err}");
        assert!(err.message.contains("`reasn`"), "{err}");
        let top = parse_err("version = 1\nentries = []\n");
        assert!(top.location.starts_with("line 2"), "{top}");
        assert!(top.message.contains("`entries`"), "{top}");
    }

    #[test]
    fn duplicate_fingerprint_is_refused_at_the_second() {
        let entry = "[[accepted]]\nfingerprint = \"customers_v1 status_code_conformance status_code status\"\n";
        let text = format!("version = 1\n\n{entry}\n{entry}");
        let err = parse_err(&text);
        assert_eq!(err.location, "line 7 column 15", "{err}");
        assert!(err.message.contains("`accepted[2].fingerprint`"), "{err}");
        assert!(err.message.contains("duplicate"), "{err}");
        assert!(err.message.contains("first at line 4"), "{err}");
    }

    #[test]
    fn malformed_fingerprints_are_refused_with_key_and_line() {
        let at = |fp: &str| {
            let text = format!(
                "version = 1\n[[accepted]]\nfingerprint = {}\n",
                toml_string(fp)
            );
            let err = parse_err(&text);
            assert_eq!(err.location, "line 3 column 15", "{err}");
            assert!(err.message.contains("`accepted[1].fingerprint`"), "{err}");
            err.message
        };
        let bad_category = at("customers_v1 response_schema_conformance typ body.count");
        assert!(
            bad_category.contains("unknown category `typ`"),
            "{bad_category}"
        );
        assert!(at("customers_v1 body.count").contains("4"));
        assert!(at("customers_v9 c type body").contains("customers_v9"));
        assert!(at("customers_v1 Check type body").contains("check name"));
        let unnormalised = at("customers_v1 c type body.a[3].b");
        assert!(unnormalised.contains("body.a[*].b"), "{unnormalised}");
    }

    #[test]
    fn bad_expiry_is_refused_with_key_and_line() {
        let text = "version = 1\n[[accepted]]\nfingerprint = \"customers_v1 c type body\"\nexpires = 2027-02-30\n";
        let err = parse_err(text);
        assert!(err.location.starts_with("line 4"), "{err}");
        let text = "version = 1\n[[accepted]]\nfingerprint = \"customers_v1 c type body\"\nexpires = 2027-02-03T10:00:00\n";
        let err = parse_err(text);
        assert!(err.message.contains("`accepted[1].expires`"), "{err}");
        assert!(err.location.starts_with("line 4"), "{err}");
    }

    #[test]
    fn load_and_save_name_the_file() {
        let dir = std::env::temp_dir().join(format!("baseline-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("baseline.toml");
        let err = Baseline::load(&path).expect_err("missing");
        assert!(err.to_string().contains("baseline.toml"), "{err}");
        assert!(err.message.contains("no such baseline file"), "{err}");
        let baseline = Baseline::from_findings(&[count_as_string()]);
        baseline.save(&path).expect("save");
        assert_eq!(Baseline::load(&path).expect("load"), baseline);
        std::fs::remove_dir_all(&dir).expect("clean up");
    }
}
