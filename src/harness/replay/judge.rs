//! What became of each stored finding when its request is sent again. "Fixed" is a claim CI acts
//! on, so it is made only when the new answer conforms: no per-response check finds anything in
//! it (the status among them: the answer is a documented one for what the request calls for). A
//! target that now answers everything with 400 has not fixed a wrong field type; it changed.

use super::{RunManifest, StoredFinding, StoredRequest};
use crate::checks::{self, CheckKind, CheckSelection, Recorder, StatefulContext, WalkCache};
use crate::client::{HttpClient, PreparedRequest};
use crate::spec::OperationId;
use serde::Serialize;
use std::path::PathBuf;

/// What replay says of one stored finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplayVerdict {
    /// The same check still finds the same category at the same location.
    StillHolds,
    /// It no longer does, and the answer now passes every per-response check.
    Fixed,
    /// It no longer does, but the answer breaks something else: not fixed.
    Changed {
        /// What the new answer breaks.
        now: Vec<StoredFinding>,
    },
    /// A stateful check: one request cannot tell; rerun its trial.
    RerunTrial,
    /// The request got no usable answer: nothing can be said.
    Transport,
}

impl ReplayVerdict {
    /// The word printed for it.
    pub fn label(&self) -> &'static str {
        match self {
            ReplayVerdict::StillHolds => "still holds",
            ReplayVerdict::Fixed => "fixed",
            ReplayVerdict::Changed { .. } => "changed",
            ReplayVerdict::RerunTrial => "rerun trial",
            ReplayVerdict::Transport => "no answer",
        }
    }
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
/// under the run's policies, with every per-response check.
pub async fn replay(
    client: &HttpClient,
    manifest: &RunManifest,
    requests: &[(PathBuf, StoredRequest)],
) -> Vec<ReplayLine> {
    let policies = manifest.policies;
    // The run's checks: a check it excluded must not turn a replayed answer into a finding. An
    // unknown name (a newer or edited run directory) falls back to every check.
    let selection = CheckSelection::new(&manifest.checks, &[]).unwrap_or_default();
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
            coverage: &recorder,
            trial: stored.trial.clone(),
            rule: crate::spec::RuleId::valid_request(stored.request.operation),
            position: None,
        };
        let request = for_target(
            &stored.request,
            &manifest.partner_id,
            &client.target().partner_id,
        );
        let answered = ctx.send(&request, &stored.expectation).await.is_some();
        // Judged like the run judged: a position read otherwise is drift only when held strictly.
        let now: Vec<StoredFinding> = recorder
            .take()
            .findings
            .iter()
            .filter(|f| f.is_drift_under(policies.positions))
            .map(StoredFinding::of)
            .collect();
        for finding in &stored.findings {
            lines.push(ReplayLine {
                file: path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                operation: stored.request.operation,
                finding: finding.clone(),
                verdict: judge(finding, answered.then_some(now.as_slice())),
                trial: stored.trial.clone(),
            });
        }
    }
    lines
}

/// The verdict on `finding` given the findings of the new answer (`None`: no usable answer).
pub fn judge(finding: &StoredFinding, now: Option<&[StoredFinding]>) -> ReplayVerdict {
    // One request cannot show what a walk or a comparison of two generations showed.
    let stateful = checks::check_info(&finding.check)
        .is_some_and(|c| matches!(c.kind(), CheckKind::Stateful | CheckKind::Migration));
    let Some(now) = now.filter(|_| !stateful) else {
        return if stateful {
            ReplayVerdict::RerunTrial
        } else {
            ReplayVerdict::Transport
        };
    };
    if now.iter().any(|f| f.same_place(finding)) {
        ReplayVerdict::StillHolds
    } else if now.is_empty() {
        ReplayVerdict::Fixed
    } else {
        ReplayVerdict::Changed { now: now.to_vec() }
    }
}

/// The exit code of a replay: 1 when a finding still holds or its answer broke something else,
/// else 3 when a request got no usable answer (its finding cannot be called fixed), else 2 when
/// no finding could be judged at all (all name a trial to rerun: 0 would read as "fixed"), else
/// 0.
pub fn exit_code(lines: &[ReplayLine]) -> i32 {
    let any = |f: fn(&ReplayVerdict) -> bool| lines.iter().any(|l| f(&l.verdict));
    if any(|v| matches!(v, ReplayVerdict::StillHolds | ReplayVerdict::Changed { .. })) {
        crate::exit::DRIFT
    } else if any(|v| *v == ReplayVerdict::Transport) {
        crate::exit::TARGET_UNUSABLE
    } else if !any(|v| *v == ReplayVerdict::Fixed) {
        crate::exit::NOTHING_CHECKED
    } else {
        crate::exit::SUCCESS
    }
}

/// The stored request as sent to the replay target: the run's own partner id becomes the
/// target's, and the "other partner" of a scenario becomes the target's other partner; any other
/// partner id (a literal of a scenario) stays.
pub fn for_target(request: &PreparedRequest, run_partner: &str, partner: &str) -> PreparedRequest {
    let mut request = request.clone();
    let other = crate::harness::other_partner(run_partner);
    for (name, value) in request.path_params.iter_mut() {
        if name == "partner_id" {
            if value == run_partner {
                *value = partner.to_string();
            } else if *value == other {
                *value = crate::harness::other_partner(partner);
            }
        }
    }
    request
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Category;

    fn finding(check: &str, category: Category, location: &str) -> StoredFinding {
        StoredFinding {
            check: check.into(),
            code: checks::check_info(check).unwrap().code.into(),
            category,
            location: location.into(),
            expected: "x".into(),
            observed: "y".into(),
        }
    }

    #[test]
    fn fixed_only_when_the_new_answer_conforms() {
        let stored = finding("response_schema_conformance", Category::Type, "body.count");
        let status = finding("status_code_conformance", Category::StatusCode, "status");
        assert_eq!(judge(&stored, Some(&[])), ReplayVerdict::Fixed);
        assert_eq!(
            judge(&stored, Some(std::slice::from_ref(&stored))),
            ReplayVerdict::StillHolds
        );
        // The type finding is gone because the answer is now a 400: not fixed.
        assert_eq!(
            judge(&stored, Some(std::slice::from_ref(&status))),
            ReplayVerdict::Changed {
                now: vec![status.clone()]
            }
        );
        assert_eq!(judge(&stored, None), ReplayVerdict::Transport);
        let walk = finding("pagination", Category::Pagination, "body");
        assert_eq!(judge(&walk, Some(&[])), ReplayVerdict::RerunTrial);
        assert_eq!(judge(&walk, None), ReplayVerdict::RerunTrial);
    }

    #[test]
    fn exit_codes() {
        let line = |verdict| ReplayLine {
            file: "f".into(),
            operation: OperationId::CustomersV1,
            finding: finding("status_code_conformance", Category::StatusCode, "status"),
            verdict,
            trial: "t".into(),
        };
        let changed = ReplayVerdict::Changed { now: Vec::new() };
        assert_eq!(exit_code(&[line(ReplayVerdict::Fixed)]), 0);
        assert_eq!(exit_code(&[line(ReplayVerdict::Fixed), line(changed)]), 1);
        assert_eq!(
            exit_code(&[line(ReplayVerdict::Fixed), line(ReplayVerdict::Transport)]),
            3
        );
        assert_eq!(
            exit_code(&[
                line(ReplayVerdict::Transport),
                line(ReplayVerdict::StillHolds)
            ]),
            1
        );
        assert_eq!(exit_code(&[line(ReplayVerdict::RerunTrial)]), 2);
        assert_eq!(
            exit_code(&[line(ReplayVerdict::RerunTrial), line(ReplayVerdict::Fixed)]),
            0
        );
    }

    #[test]
    fn partner_ids_follow_the_target() {
        let spec = crate::spec::Spec::embedded().unwrap();
        let op = spec.operation(OperationId::CustomersV1);
        let target = crate::client::Target {
            bss_base: "http://127.0.0.1:9".into(),
            aicc_base: "http://127.0.0.1:9".into(),
            partner_id: "run0".into(),
            embedded: false,
        };
        let own = PreparedRequest::new(op, &target);
        let partner = |r: &PreparedRequest| r.path_params[0].1.clone();
        assert_eq!(partner(&for_target(&own, "run0", "new0")), "new0");
        let mut other = own.clone();
        other.path_params[0].1 = crate::harness::other_partner("run0");
        assert_eq!(
            partner(&for_target(&other, "run0", "new0")),
            crate::harness::other_partner("new0")
        );
        let mut literal = own;
        literal.path_params[0].1 = "literal".into();
        assert_eq!(partner(&for_target(&literal, "run0", "new0")), "literal");
    }
}
