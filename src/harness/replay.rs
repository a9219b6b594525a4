//! Replay: every request that produced a finding is stored as a concrete request file (no
//! credential in it) under a run directory; `partner-conformance replay DIR` re-sends them with
//! the credentials of that moment (re-signing AK/SK requests) and says which findings still hold.
//! A proptest seed goes stale when a schema changes; a stored request does not.

use crate::checks::{
    self, CheckKind, CheckSelection, Expectation, Finding, Policies, Recorder, StatefulContext,
    WalkCache,
};
use crate::client::{HttpClient, PreparedRequest, Target};
use crate::spec::AuthScheme;
use crate::spec::OperationId;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Version of the run directory format.
pub const RUN_DIR_VERSION: u32 = 1;
/// The manifest file of a run directory.
pub const MANIFEST: &str = "run.json";

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
        let entry = StoredFinding {
            check: finding.check.clone(),
            code: finding.code.clone(),
            category: finding.category,
            location: finding.location.clone(),
            expected: finding.expected.clone(),
            observed: finding.observed.clone(),
        };
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

/// Loads a run directory; errors name the file.
pub fn load(dir: &Path) -> Result<(RunManifest, Vec<(PathBuf, StoredRequest)>), String> {
    let manifest_path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&manifest_path).map_err(|e| {
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
    let mut files: Vec<PathBuf> = std::fs::read_dir(&requests_dir)
        .map_err(|e| format!("{}: {e}", requests_dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut requests = Vec::with_capacity(files.len());
    for path in files {
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
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
    Ok((manifest, requests))
}

/// What replay says of one stored finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplayVerdict {
    /// The same check still finds the same category at the same location.
    StillHolds,
    /// It no longer does.
    Fixed,
    /// A stateful check: one request cannot tell; rerun its trial.
    RerunTrial,
    /// The request got no usable answer.
    Transport,
}

/// One line of a replay.
#[derive(Debug, Clone, Serialize)]
pub struct ReplayLine {
    /// The request file.
    pub file: String,
    /// The operation.
    pub operation: OperationId,
    /// The stored finding.
    pub finding: StoredFinding,
    /// What replay says.
    pub verdict: ReplayVerdict,
    /// The trial to rerun for stateful findings.
    pub trial: String,
}

/// Re-sends every stored request against `client`'s target and judges each stored finding
/// under the run's policies.
pub async fn replay(
    client: &HttpClient,
    manifest: &RunManifest,
    requests: &[(PathBuf, StoredRequest)],
) -> Vec<ReplayLine> {
    let policies = manifest.policies;
    let selection = CheckSelection::default();
    let walks = WalkCache::new(1);
    let mut lines = Vec::new();
    for (path, stored) in requests {
        let recorder = Recorder::default();
        let ctx = StatefulContext {
            client,
            policies: &policies,
            selection: &selection,
            walks: &walks,
            recorder: &recorder,
            trial: stored.trial.clone(),
        };
        let mut request = stored.request.clone();
        // The partner id of the replay target, unless the request was about another partner.
        for (name, value) in request.path_params.iter_mut() {
            if name == "partner_id"
                && stored
                    .request
                    .path_params
                    .iter()
                    .any(|(n, v)| n == name && v == value)
            {
                *value = client.target().partner_id.clone();
            }
        }
        let answered = ctx.send(&request, &stored.expectation).await.is_some();
        let now = recorder.take().findings;
        for finding in &stored.findings {
            // One request cannot show what a walk or a comparison of two generations showed.
            let stateful = checks::check_info(&finding.check)
                .is_some_and(|c| matches!(c.kind, CheckKind::Stateful | CheckKind::Migration));
            let verdict = if stateful {
                ReplayVerdict::RerunTrial
            } else if !answered {
                ReplayVerdict::Transport
            } else if now.iter().any(|f| {
                f.check == finding.check
                    && f.category == finding.category
                    && f.location == finding.location
            }) {
                ReplayVerdict::StillHolds
            } else {
                ReplayVerdict::Fixed
            };
            lines.push(ReplayLine {
                file: path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                operation: stored.request.operation,
                finding: finding.clone(),
                verdict,
                trial: stored.trial.clone(),
            });
        }
    }
    lines
}

/// The target of a replay from the manifest, when no `--target` overrides it.
pub fn manifest_target(manifest: &RunManifest) -> Target {
    Target {
        bss_base: manifest.bss_url.clone(),
        aicc_base: manifest.aicc_url.clone(),
        partner_id: manifest.partner_id.clone(),
        embedded: manifest.embedded,
    }
}
