//! Replay: every request that produced a finding is stored as a concrete request file (no
//! credential in it) under a run directory; `partner-conformance replay DIR` re-sends them with
//! the credentials of that moment (re-signing AK/SK requests) and says which findings still hold.
//! A proptest seed goes stale when a schema changes; a stored request does not.
//!
//! A run directory is data, not instructions: it may have been edited, or come from somewhere
//! else. [`load`] refuses one that does not validate (`validate`), and the request replay sends
//! takes from it only what a request of the suite varies (operation, parameters, body, which
//! credentials); method and headers are the suite's own, credentials are added by the client, and
//! the target is never read from it (the command names it; see `cli::replay`). [`judge`] says what
//! became of each finding.

mod judge;
mod validate;

pub use judge::{exit_code, replay, ReplayLine, ReplayVerdict};
pub use validate::{same_target, validate};

use crate::checks::{Expectation, Finding, Policies};
use crate::client::PreparedRequest;
use crate::spec::{AuthScheme, Spec};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Version of the run directory format.
pub const RUN_DIR_VERSION: u32 = 1;
/// The manifest file of a run directory.
pub const MANIFEST: &str = "run.json";

/// Largest `run.json` read: `run` writes well under a KiB (URLs, ids, policies, check names).
const MAX_MANIFEST_BYTES: u64 = 1 << 20;
/// Largest stored request read: the request (the oversized request target of A32, just over
/// 8 KiB, is the longest) and its findings, a few KiB each: 4 MiB is far more than `run` writes.
const MAX_STORED_REQUEST_BYTES: u64 = 4 << 20;
/// Most request files a run directory may hold: `run` keeps one per distinct finding (the group
/// the human report collapses to), a few hundred for a target that drifts everywhere. A run
/// directory is data a user may have been handed, so its size is bounded like any input.
const MAX_STORED_REQUESTS: usize = 10_000;

/// What a run directory says about the run that wrote it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunManifest {
    /// Format version.
    pub version: u32,
    /// BSS base URL of the run (the embedded mock's address is meaningless later).
    pub bss_url: String,
    /// AICC base URL.
    pub aicc_url: String,
    /// Partner id used.
    pub partner_id: String,
    /// Whether the run was against the embedded mock.
    pub embedded: bool,
    /// How BSS operations authenticated.
    pub auth: AuthScheme,
    /// When the run ended (UTC, RFC 3339).
    pub created: String,
    /// The seed of the run.
    pub seed: u64,
    /// The policies the findings were judged under (replay judges under the same).
    #[serde(default)]
    pub policies: Policies,
    /// The checks the run had (`--checks`/`--exclude-checks`); replay judges with the same.
    /// Empty (a run directory written before this field) means every check.
    #[serde(default)]
    pub checks: Vec<String>,
}

/// One finding as stored with its request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredFinding {
    /// Check name.
    pub check: String,
    /// Check code.
    pub code: String,
    /// Category.
    pub category: crate::checks::Category,
    /// Location.
    pub location: String,
    /// What the documentation says.
    pub expected: String,
    /// What the target did.
    pub observed: String,
}

impl StoredFinding {
    /// The stored form of a finding.
    pub fn of(finding: &Finding) -> Self {
        StoredFinding {
            check: finding.check.clone(),
            code: finding.code.clone(),
            category: finding.category,
            location: finding.location.clone(),
            expected: finding.expected.clone(),
            observed: finding.observed.clone(),
        }
    }

    /// Whether `other` is the same finding: same check, category and location (what the target
    /// says in it may differ from one answer to the next).
    pub fn same_place(&self, other: &StoredFinding) -> bool {
        self.check == other.check
            && self.category == other.category
            && self.location == other.location
    }
}

/// A request that produced findings.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredRequest {
    /// The trial that sent it.
    pub trial: String,
    /// The request, without credentials.
    pub request: PreparedRequest,
    /// What it called for.
    pub expectation: Expectation,
    /// What it found.
    pub findings: Vec<StoredFinding>,
}

/// Stores the requests of `findings` (one file per distinct request), with every secret value
/// redacted from what the target sent. Returns how many.
pub fn save(
    dir: &Path,
    manifest: &RunManifest,
    findings: &[Finding],
    secrets: &[String],
) -> std::io::Result<usize> {
    let requests_dir = dir.join("requests");
    std::fs::create_dir_all(&requests_dir)?;
    crate::secret::write_file(
        &dir.join(MANIFEST),
        &(serde_json::to_string_pretty(manifest).unwrap_or_default() + "\n"),
    )?;
    let mut stored: Vec<StoredRequest> = Vec::new();
    for finding in findings {
        let Some(origin) = &finding.origin else {
            continue;
        };
        let entry = StoredFinding::of(finding);
        match stored
            .iter_mut()
            .find(|s| s.request == origin.request && s.expectation == origin.expectation)
        {
            Some(existing) => {
                if !existing.findings.contains(&entry) {
                    existing.findings.push(entry);
                }
            }
            None => stored.push(StoredRequest {
                trial: finding.trial.clone(),
                request: origin.request.clone(),
                expectation: origin.expectation.clone(),
                findings: vec![entry],
            }),
        }
    }
    for (i, request) in stored.iter().enumerate() {
        let name = format!("{:04}-{}.json", i + 1, request.request.operation);
        let text = serde_json::to_string_pretty(request).unwrap_or_default() + "\n";
        crate::secret::write_file(
            &requests_dir.join(name),
            &crate::secret::redact(&text, secrets),
        )?;
    }
    Ok(stored.len())
}

/// Loads a run directory and validates it against the contract (`validate`); errors name the
/// file. The requests come back with the method and headers the suite itself sends for them.
pub fn load(
    dir: &Path,
    spec: &Spec,
) -> Result<(RunManifest, Vec<(PathBuf, StoredRequest)>), String> {
    let manifest_path = dir.join(MANIFEST);
    let text = crate::files::read_text(&manifest_path, MAX_MANIFEST_BYTES, "a run manifest")
        .map_err(|e| {
            format!(
                "{}: {e} (is this a run directory?)",
                manifest_path.display()
            )
        })?;
    let manifest: RunManifest = serde_json::from_str(&text).map_err(|e| {
        format!(
            "{}: line {} column {}: {e}",
            manifest_path.display(),
            e.line(),
            e.column()
        )
    })?;
    if manifest.version != RUN_DIR_VERSION {
        return Err(format!(
            "{}: version {} (this build reads {RUN_DIR_VERSION})",
            manifest_path.display(),
            manifest.version
        ));
    }
    let requests_dir = dir.join("requests");
    let mut files: Vec<PathBuf> = Vec::new();
    for entry in
        std::fs::read_dir(&requests_dir).map_err(|e| format!("{}: {e}", requests_dir.display()))?
    {
        let path = entry
            .map_err(|e| format!("{}: {e}", requests_dir.display()))?
            .path();
        if path.extension().is_some_and(|x| x == "json") {
            if files.len() == MAX_STORED_REQUESTS {
                return Err(format!(
                    "{}: more than {MAX_STORED_REQUESTS} request files; `run` keeps one per distinct finding",
                    requests_dir.display()
                ));
            }
            files.push(path);
        }
    }
    files.sort();
    let mut requests = Vec::with_capacity(files.len());
    for path in files {
        let text = crate::files::read_text(&path, MAX_STORED_REQUEST_BYTES, "a stored request")
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let request: StoredRequest = serde_json::from_str(&text).map_err(|e| {
            format!(
                "{}: line {} column {}: {e}",
                path.display(),
                e.line(),
                e.column()
            )
        })?;
        requests.push((path, request));
    }
    validate(spec, &manifest, &mut requests)?;
    Ok((manifest, requests))
}
