//! Findings: drift between a target and the documentation, as data every reporter reads (and
//! the baseline matches), made by the checks.

use crate::spec::OperationId;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The fixed vocabulary of drift categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// An undocumented or unexpected HTTP status.
    StatusCode,
    /// A body error code that is not the documented one.
    ErrorCode,
    /// A Content-Type other than the documented one.
    ContentType,
    /// A documented mandatory field is absent.
    MissingField,
    /// A field the documentation does not have.
    UnexpectedField,
    /// A value of the wrong JSON type (or outside its documented numeric range).
    Type,
    /// A string longer (or shorter) than documented.
    FieldLength,
    /// A value outside its documented set.
    Enum,
    /// A value that breaks its documented format or pattern.
    Format,
    /// Absent / empty / "" / null handled unlike the documentation.
    NullHandling,
    /// A documented default not applied.
    DefaultValue,
    /// Pages that do not add up.
    Pagination,
    /// A filter that selects the wrong records.
    FilterSemantics,
    /// Credentials not enforced as documented.
    Auth,
    /// Answers that disagree with each other.
    Consistency,
}

impl Category {
    /// Every category, in report order.
    pub const ALL: &'static [Category] = &[
        Category::StatusCode,
        Category::ErrorCode,
        Category::ContentType,
        Category::MissingField,
        Category::UnexpectedField,
        Category::Type,
        Category::FieldLength,
        Category::Enum,
        Category::Format,
        Category::NullHandling,
        Category::DefaultValue,
        Category::Pagination,
        Category::FilterSemantics,
        Category::Auth,
        Category::Consistency,
    ];

    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::StatusCode => "status_code",
            Category::ErrorCode => "error_code",
            Category::ContentType => "content_type",
            Category::MissingField => "missing_field",
            Category::UnexpectedField => "unexpected_field",
            Category::Type => "type",
            Category::FieldLength => "field_length",
            Category::Enum => "enum",
            Category::Format => "format",
            Category::NullHandling => "null_handling",
            Category::DefaultValue => "default_value",
            Category::Pagination => "pagination",
            Category::FilterSemantics => "filter_semantics",
            Category::Auth => "auth",
            Category::Consistency => "consistency",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One difference between what the documentation says and what the target did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The operation called.
    pub operation: OperationId,
    /// The check's name (its CLI selector and report label).
    pub check: String,
    /// The check's stable code.
    pub code: String,
    /// Drift category.
    pub category: Category,
    /// The documented rule it violates (what a baseline entry names, with the location).
    pub rule: crate::spec::RuleId,
    /// Where: `status`, `header.content-type`, `body.customer_info_list[3].corp_name`, `query.page_size`...
    pub location: String,
    /// What the documentation says.
    pub expected: String,
    /// What the target did.
    pub observed: String,
    /// A curl command reproducing the request (credentials as `$VARIABLE`).
    pub reproduce: String,
    /// The documentation row the check rests on (null when none applies).
    pub doc: Option<String>,
    /// The trial that found it.
    pub trial: String,
    /// The position (an A-number of `schemas/README.md`) the broken expectation rests on, or
    /// `None` when a documented rule was broken. A finding with a position is an observation,
    /// not drift, unless the run holds positions strictly ([`PositionMode`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<crate::spec::Position>,
    /// For a run against the embedded mock, the `partner-conformance serve` command that starts
    /// the same mock on the port `reproduce` names: the embedded one stops with the run, and
    /// its reproduce line would point at nothing. `None` against any other target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serve: Option<String>,
    /// The request behind the finding and what it called for, kept for `replay` (not part of
    /// the report formats: the reproduce line is).
    #[serde(skip)]
    pub origin: Option<Box<FindingOrigin>>,
}

impl Finding {
    /// The one constructor of a finding: `said` is (location, expected, observed); the
    /// operation and the request kept for `replay` come from `origin`; `code` is the check's
    /// code in the check registry.
    #[expect(clippy::too_many_arguments, reason = "a finding has this many parts")]
    pub fn new(
        check: &str,
        code: &str,
        category: Category,
        rule: crate::spec::RuleId,
        (location, expected, observed): (String, String, String),
        reproduce: String,
        doc: Option<String>,
        trial: &str,
        origin: FindingOrigin,
    ) -> Finding {
        Finding {
            operation: origin.request.operation,
            check: check.to_string(),
            code: code.to_string(),
            category,
            rule,
            location,
            expected,
            observed,
            reproduce,
            doc,
            trial: trial.to_string(),
            position: None,
            serve: None,
            origin: Some(Box::new(origin)),
        }
    }
}

/// Whether a target reading a position otherwise is drift (`--positions`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum PositionMode {
    /// A position read otherwise is an observation: reported in a section of its own, never a
    /// failure. The default against any target but the unmodified embedded mock.
    #[default]
    Observe,
    /// A position read otherwise is a finding, like a broken documented rule. The default
    /// against the unmodified embedded mock, which implements every position.
    Strict,
}

impl PositionMode {
    /// The spelling on the command line and in profiles.
    pub fn as_str(self) -> &'static str {
        match self {
            PositionMode::Observe => "observe",
            PositionMode::Strict => "strict",
        }
    }
}

/// Splits findings into drift and observations under `mode`.
pub fn split_observations(
    findings: Vec<Finding>,
    mode: PositionMode,
) -> (Vec<Finding>, Vec<Finding>) {
    findings.into_iter().partition(|f| f.is_drift_under(mode))
}

/// What makes findings "of one kind": the reports collapse them into one block, the run
/// directory keeps one request for them, and a trial keeps a bounded number of them.
pub type GroupKey = (OperationId, Category, String, String);

impl Finding {
    /// Its kind: operation, category, check and location with array indices as `[*]`.
    pub fn group_key(&self) -> GroupKey {
        (
            self.operation,
            self.category,
            self.check.clone(),
            location_pattern(&self.location),
        )
    }

    /// The same finding resting on `position` (when it is `Some`): the expectation it broke is a
    /// reading this suite chose, not a documented rule.
    pub fn resting_on(mut self, position: Option<&crate::spec::Position>) -> Finding {
        if let Some(position) = position {
            self.position = Some(position.clone());
        }
        self
    }

    /// Whether this finding is drift under `mode`: a documented rule broken always is; a
    /// position only when positions are held strictly.
    pub fn is_drift_under(&self, mode: PositionMode) -> bool {
        self.position.is_none() || mode == PositionMode::Strict
    }

    /// The same finding about another rule: per-response checks that judge the answer itself
    /// (a field's type, the Content-Type) rather than what the request tested say which.
    /// The position of the request's rule does not carry over: say the new rule's with
    /// [`Finding::resting_on`].
    pub fn about(mut self, rule: crate::spec::RuleId) -> Finding {
        self.rule = rule;
        self.position = None;
        self
    }
}

/// The concrete request of a finding and the answer it called for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingOrigin {
    /// The request, without credentials.
    pub request: crate::client::PreparedRequest,
    /// What the request called for.
    pub expectation: super::Expectation,
}

/// The length of an array element selector after its `[`, through the `]`: an index (`3]`) or a
/// record key (`customer_id=abc]`, used by `migrate`). Locations that differ only in selectors
/// are the same place for grouping and baselines.
pub fn element_selector_len(after_bracket: &str) -> Option<usize> {
    let end = after_bracket.find(']')?;
    let inside = &after_bracket[..end];
    let index = !inside.is_empty() && inside.bytes().all(|b| b.is_ascii_digit());
    let key = inside.split_once('=').is_some_and(|(name, value)| {
        !name.is_empty()
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            && !value.is_empty()
            && !value.contains('[')
    });
    (index || key).then_some(end + 1)
}

/// The pattern of a location, by which findings are of one kind (the reports' blocks, the
/// recorder's bound) and baseline fingerprints match: array indices and record selectors as
/// `[*]`, quoted values as `*`, whitespace as `_`, so `body.customer_info_list[3].corp_name` and
/// `...[7].corp_name`, or `query.domain_name="a"` and `="b"`, are one place.
pub fn location_pattern(location: &str) -> String {
    let mut out = String::with_capacity(location.len());
    let mut rest = location;
    while let Some(c) = rest.chars().next() {
        let after = &rest[c.len_utf8()..];
        match c {
            '[' => {
                if let Some(len) = element_selector_len(after) {
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
