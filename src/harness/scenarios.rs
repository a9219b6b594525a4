//! Hand-written scenarios from `cases/`: the documented example requests, each documented error,
//! and one probe per decided ambiguity. One JSON file each, checked against
//! `cases/case.schema.json`; embedded at build time so the binary runs anywhere.

use crate::checks::Expectation;
use crate::client::{AuthMode, PreparedRequest, Target};
use crate::spec::{ErrorRole, OperationId, Spec};
use include_dir::{include_dir, Dir};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

static EMBEDDED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/cases");

/// The schema every case file must satisfy.
pub const CASE_SCHEMA: &str = "case.schema.json";

/// The request of a scenario.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioRequest {
    /// Query parameters as raw (unencoded) name/value pairs, in order; repeats allowed.
    #[serde(default)]
    pub query: Vec<(String, String)>,
    /// The JSON body, sent exactly as written (wrong types included).
    #[serde(default)]
    pub body: Option<serde_json::Map<String, Value>>,
    /// Extra headers.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// `valid`, `missing`, `wrong` or `underscore-header` (the token under `X-Auth_Token`).
    #[serde(default = "default_auth")]
    pub auth: String,
    /// `own`, `other` or a literal partner id.
    #[serde(default = "default_partner")]
    pub partner_id: String,
    /// Whether the path ends with one `/` more than its template (A17).
    #[serde(default)]
    pub trailing_slash: bool,
    /// `uri`: the request target is made longer than the limit of A32 (the mock's
    /// [`crate::mock::MAX_URI_BYTES`]) with an undocumented query parameter.
    #[serde(default)]
    pub oversize: Option<Oversize>,
}

/// What a scenario makes larger than the gateway's limits (A32).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Oversize {
    /// The request target (path and query).
    Uri,
}

/// The undocumented query parameter that carries an oversized request target (A20: unknown
/// parameters are ignored, so only the size can make the request fail).
const OVERSIZE_PARAMETER: &str = "oversize";

fn default_auth() -> String {
    "valid".into()
}

fn default_partner() -> String {
    "own".into()
}

/// Where a scenario's expected answer comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Basis {
    /// A page row states it: another answer is drift.
    Documented,
    /// This suite's reading of an ambiguity: another answer is an observation unless positions
    /// are held strictly.
    Position,
}

/// One scenario file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// What it shows.
    pub description: String,
    /// The documentation it comes from (seed file and table, or an ambiguity id).
    pub doc: String,
    /// The operation.
    pub operation: OperationId,
    /// The request.
    pub request: ScenarioRequest,
    /// The answer it calls for: `success`, `not-invalid`, `documented`, or an `x-errors` role.
    pub expect: String,
    /// Whether the expected answer is documented or a position (`basis` in the file).
    pub basis: Basis,
    /// The ambiguity of `schemas/README.md` it probes or rests on, if any.
    #[serde(default)]
    pub ambiguity: Option<crate::spec::Position>,
    /// A value the request takes from the target's own data, so the scenario means the same on
    /// every target: none, or which kind of customer its lookup parameter names.
    #[serde(default)]
    pub discover: Option<Discover>,
    /// The policy (`fuzzy-spaces`, `unsupported-enum`) that, when lenient, also accepts a success
    /// with no records.
    #[serde(default)]
    pub relaxed_by: Option<String>,
    /// File name without extension (filled in at load).
    #[serde(skip)]
    pub name: String,
    /// Path relative to `cases/` (filled in at load).
    #[serde(skip)]
    pub file: String,
}

/// Which record a scenario's lookup parameter (`x-lookup`) names, found in the target's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Discover {
    /// A customer whose association type has budgets.
    EligibleCustomer,
    /// A customer whose association type has none.
    IneligibleCustomer,
}

impl Discover {
    /// Whether the customer must be eligible for the lookup.
    pub fn eligible(self) -> bool {
        self == Discover::EligibleCustomer
    }
}

/// A scenario file that could not be used.
#[derive(Debug, thiserror::Error)]
#[error("cases/{file}: {message}")]
pub struct ScenarioError {
    /// File relative to `cases/`.
    pub file: String,
    /// What is wrong.
    pub message: String,
}

impl Scenario {
    /// The position its expected answer rests on, when it is not documented.
    pub fn position(&self) -> Option<&crate::spec::Position> {
        match self.basis {
            Basis::Position => self.ambiguity.as_ref(),
            Basis::Documented => None,
        }
    }

    /// What the scenario calls for under the run's policies.
    pub fn expectation_under(
        &self,
        policies: &crate::checks::Policies,
    ) -> Result<Expectation, ScenarioError> {
        use crate::checks::Toggle;
        let relaxed = match self.relaxed_by.as_deref() {
            Some("fuzzy-spaces") => policies.fuzzy_spaces == Toggle::Lenient,
            Some("unsupported-enum") => policies.unsupported_enum == Toggle::Lenient,
            _ => false,
        };
        Ok(match self.expectation()? {
            Expectation::Role { role, .. } if relaxed => Expectation::Role {
                role,
                or_empty_success: true,
            },
            other => other,
        })
    }

    /// What the scenario calls for.
    pub fn expectation(&self) -> Result<Expectation, ScenarioError> {
        let role = |name: &str| serde_json::from_value::<ErrorRole>(Value::String(name.into()));
        match self.expect.as_str() {
            "success" => Ok(Expectation::Success),
            "not-invalid" => Ok(Expectation::NotInvalid),
            "documented" => Ok(Expectation::Documented),
            other => role(other).map(Expectation::role).map_err(|_| ScenarioError {
                file: self.file.clone(),
                message: format!("expect `{other}` is not success, not-invalid, documented or an x-errors role"),
            }),
        }
    }

    /// The request against a target.
    pub fn prepare(&self, spec: &Spec, target: &Target) -> PreparedRequest {
        let op = spec.operation(self.operation);
        let mut request = PreparedRequest::new(op, target);
        for (name, value) in request.path_params.iter_mut() {
            if name == "partner_id" {
                *value = match self.request.partner_id.as_str() {
                    "own" => target.partner_id.clone(),
                    "other" => other_partner(&target.partner_id),
                    literal => literal.to_string(),
                };
            }
        }
        request.query = self.request.query.clone();
        request.literal_body = self.request.body.clone().map(Value::Object);
        request.headers = self.request.headers.clone().into_iter().collect();
        request.auth = match self.request.auth.as_str() {
            "missing" => AuthMode::Missing,
            "wrong" => AuthMode::Wrong,
            "underscore-header" => AuthMode::UnderscoreHeader,
            _ => AuthMode::Valid,
        };
        request.trailing_slash = self.request.trailing_slash;
        if self.request.oversize == Some(Oversize::Uri) {
            // One byte over the limit from the value alone; path and name add the rest.
            let value = "a".repeat(crate::mock::MAX_URI_BYTES + 1);
            request.query.push((OVERSIZE_PARAMETER.into(), value));
        }
        request
    }
}

/// A partner id of the same length that is not `id` (so only ownership, not length, differs).
pub fn other_partner(id: &str) -> String {
    let mut chars: Vec<char> = id.chars().collect();
    match chars.last_mut() {
        Some(last) => *last = if *last == '0' { '1' } else { '0' },
        None => chars.push('0'),
    }
    chars.into_iter().collect()
}

/// Every scenario embedded in the binary, checked against `case.schema.json`, sorted by file.
pub fn load_embedded() -> Result<Vec<Scenario>, ScenarioError> {
    let mut files = Vec::new();
    collect(&EMBEDDED, &mut files);
    load(files)
}

fn collect(dir: &Dir<'static>, out: &mut Vec<(String, String)>) {
    for file in dir.files() {
        let path = file.path().to_string_lossy().replace('\\', "/");
        out.push((path, String::from_utf8_lossy(file.contents()).into_owned()));
    }
    for sub in dir.dirs() {
        collect(sub, out);
    }
}

/// Parses scenario files given as (path relative to `cases/`, text). Regressions and the schema
/// itself are skipped; anything else that is not JSON is ignored.
pub fn load(files: Vec<(String, String)>) -> Result<Vec<Scenario>, ScenarioError> {
    let schema_text = files
        .iter()
        .find(|(p, _)| p == CASE_SCHEMA)
        .map(|(_, t)| t.clone())
        .ok_or_else(|| ScenarioError {
            file: CASE_SCHEMA.into(),
            message: "is missing".into(),
        })?;
    let schema: Value = serde_json::from_str(&schema_text).map_err(|e| ScenarioError {
        file: CASE_SCHEMA.into(),
        message: e.to_string(),
    })?;
    let validator = jsonschema::validator_for(&schema).map_err(|e| ScenarioError {
        file: CASE_SCHEMA.into(),
        message: e.to_string(),
    })?;
    let mut out = Vec::new();
    for (path, text) in files {
        if !path.ends_with(".json") || path == CASE_SCHEMA || path.starts_with("regressions/") {
            continue;
        }
        let error = |message: String| ScenarioError {
            file: path.clone(),
            message,
        };
        let value: Value = serde_json::from_str(&text)
            .map_err(|e| error(format!("line {} column {}: {e}", e.line(), e.column())))?;
        if let Some(v) = validator.iter_errors(&value).next() {
            return Err(error(format!("{}: {}", v.instance_path(), v)));
        }
        let mut scenario: Scenario =
            serde_json::from_value(value).map_err(|e| error(e.to_string()))?;
        scenario.name = path
            .rsplit('/')
            .next()
            .unwrap_or(&path)
            .trim_end_matches(".json")
            .to_string();
        scenario.file = path.clone();
        scenario.expectation()?;
        out.push(scenario);
    }
    out.sort_by(|a, b| (a.operation, &a.name).cmp(&(b.operation, &b.name)));
    Ok(out)
}
