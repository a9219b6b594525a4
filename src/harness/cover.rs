//! The coverage plan (`--plan coverage`). Off loopback every request costs the target's
//! patience, and most of a full run's generated cases verify again what a few already verified.
//! So, before anything is sent, each generated trial's cases (the same ones, from the same seed,
//! that `--plan full` sends) are reduced to the fewest that together call for everything the
//! whole set calls for: greedy set cover over what each case would show if answered as
//! documented. A valid case shows the request rules [`accepted_rules`] finds in it, the
//! documented values it sends and the position its forms rest on; an invalid case the rule it
//! breaks, the way it breaks it and its position. Scenarios and stateful checks are planned as
//! in the full run: they already adapt to the data the first walk of the target shows.

use crate::checks::support::coverage::accepted_rules;
use crate::client::{PreparedRequest, Target};
use crate::generate::{self, GeneratedCase, Polarity};
use crate::report::PlanSummary;
use crate::settings::PlanMode;
use crate::spec::{Operation, OperationId, Spec};
use std::collections::{BTreeMap, BTreeSet};

/// One generated case: its seed (for replay and the regression store) and the case.
type Case = ([u8; 32], GeneratedCase);

/// The cases each generated trial sends under the coverage plan.
#[derive(Debug, Default)]
pub struct CoverPlan {
    chosen: BTreeMap<(OperationId, Polarity), Vec<Case>>,
    /// Cases the full plan would send, for the run's summary.
    pool: u64,
}

impl CoverPlan {
    /// Chooses the cases of every generated trial of `operations`, from the first `pool` cases
    /// of each (the full plan's `--cases`).
    pub fn new(
        spec: &Spec,
        operations: &[OperationId],
        seed: u64,
        pool: u64,
        target: &Target,
    ) -> CoverPlan {
        let mut plan = CoverPlan::default();
        for &id in operations {
            let op = spec.operation(id);
            for polarity in [Polarity::Valid, Polarity::Invalid] {
                let candidates: Vec<Case> = generate::cases(op, polarity, seed, pool).collect();
                plan.pool += candidates.len() as u64;
                let chosen = cover(candidates, |(_, case)| shows(op, case, target));
                plan.chosen.insert((id, polarity), chosen);
            }
        }
        plan
    }

    /// The cases of one generated trial.
    pub fn cases(&self, op: OperationId, polarity: Polarity) -> &[Case] {
        self.chosen
            .get(&(op, polarity))
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Cases chosen, over every generated trial.
    pub fn chosen(&self) -> u64 {
        self.chosen.values().map(|c| c.len() as u64).sum()
    }

    /// Cases the full plan would have sent.
    pub fn pool(&self) -> u64 {
        self.pool
    }
}

/// The plan's summary before the run: its mode, the generated cases it sends of the full
/// plan's, and the requests expected (`estimates` per trial run, plus `sent` already by the
/// preflight).
pub(super) fn summary(
    spec: &Spec,
    mode: PlanMode,
    cover: Option<&CoverPlan>,
    planned: &[super::PlannedTrial],
    estimates: &[(String, u64)],
    cases: u64,
    sent: u64,
) -> PlanSummary {
    let full: u64 = planned
        .iter()
        .filter_map(|p| match p.kind {
            super::plan::TrialKind::Generated(polarity) => Some(generate::count_cases(
                spec.operation(p.operation),
                polarity,
                cases,
            )),
            _ => None,
        })
        .sum();
    PlanSummary {
        mode,
        generated_cases: cover.map_or(full, CoverPlan::chosen),
        generated_pool: full,
        estimated_requests: sent + estimates.iter().map(|(_, n)| n).sum::<u64>(),
        verified_per_request: 0.0,
    }
}

/// The line a run prints before sending: which plan, how many requests, and how long they take
/// at the rate limit.
pub(super) fn announce(plan: &PlanSummary, rate: Option<f64>) -> String {
    let what = match plan.mode {
        PlanMode::Coverage => {
            "the fewest that call for every rule all of them call for; --plan full sends all"
        }
        PlanMode::Full => "all of them; --plan coverage sends the fewest that call for every rule",
    };
    let eta = rate
        .filter(|r| *r > 0.0)
        .map(|r| {
            let seconds = (plan.estimated_requests as f64 / r).ceil() as u64;
            format!(", {} at {r} requests/s", clock(seconds))
        })
        .unwrap_or_default();
    format!(
        "plan {}: {} of {} generated cases ({what}); about {} requests{eta}",
        plan.mode.as_str(),
        plan.generated_cases,
        plan.generated_pool,
        plan.estimated_requests,
    )
}

/// Minutes and seconds (`4m05s`), or seconds alone under a minute.
fn clock(seconds: u64) -> String {
    if seconds < 60 {
        format!("{seconds}s")
    } else {
        format!("{}m{:02}s", seconds / 60, seconds % 60)
    }
}

/// The summary once the report is known: documented requirements verified per request sent.
pub(super) fn settle(mut plan: PlanSummary, report: &crate::report::Report) -> PlanSummary {
    let sent = report.summary.requests;
    plan.verified_per_request = if sent == 0 {
        0.0
    } else {
        report.coverage.overall.verified as f64 / sent as f64
    };
    plan
}

/// What a case would show if answered as documented: the items of the set cover.
fn shows(op: &Operation, case: &GeneratedCase, target: &Target) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    if let Some(position) = case.position(op) {
        out.insert(format!("position {position:?}"));
    }
    if case.scenario == generate::Scenario::Valid {
        let request = PreparedRequest::with_params(op, target, &case.params);
        out.extend(accepted_rules(op, &request).iter().map(|r| r.to_string()));
        // Each documented value once: a target may mishandle one value of a set.
        for (name, value) in &case.params {
            let documented = op
                .parameters
                .iter()
                .find(|p| p.name == *name)
                .and_then(|p| p.enum_values())
                .is_some_and(|values| values.iter().any(|v| v == value));
            if documented {
                out.insert(format!("{name}={value}"));
            }
        }
    } else {
        out.insert(case.rule(op).to_string());
        out.insert(format!(
            "{} {}",
            case.scenario.describe(),
            case.parameter.as_deref().unwrap_or_default()
        ));
    }
    out
}

/// Greedy set cover: repeatedly the candidate showing the most not yet shown, the earliest on a
/// tie (so a seed plans the same cases every time), until every item some candidate shows is
/// shown. Candidates keep their order in the result.
fn cover<T>(candidates: Vec<T>, shows: impl Fn(&T) -> BTreeSet<String>) -> Vec<T> {
    let sets: Vec<BTreeSet<String>> = candidates.iter().map(&shows).collect();
    let mut uncovered: BTreeSet<&String> = sets.iter().flatten().collect();
    let mut picked = BTreeSet::new();
    while !uncovered.is_empty() {
        let best = sets
            .iter()
            .enumerate()
            .filter(|(i, _)| !picked.contains(i))
            .map(|(i, set)| (set.iter().filter(|s| uncovered.contains(s)).count(), i))
            .max_by_key(|&(gain, i)| (gain, std::cmp::Reverse(i)));
        let Some((gain, index)) = best.filter(|&(gain, _)| gain > 0) else {
            break;
        };
        debug_assert!(gain > 0);
        for item in &sets[index] {
            uncovered.remove(item);
        }
        picked.insert(index);
    }
    candidates
        .into_iter()
        .enumerate()
        .filter(|(i, _)| picked.contains(i))
        .map(|(_, c)| c)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cover_keeps_the_fewest_candidates_showing_everything_in_their_order() {
        let candidates = vec!["a", "ab", "bc", "c", "d"];
        let chosen = cover(candidates, |c| c.chars().map(String::from).collect());
        assert_eq!(chosen, vec!["ab", "bc", "d"]);
        // Equal gains: the earliest.
        let chosen = cover(vec!["x", "x", "y"], |c| [c.to_string()].into());
        assert_eq!(chosen, vec!["x", "y"]);
        assert!(cover(Vec::<&str>::new(), |_| BTreeSet::new()).is_empty());
    }

    #[test]
    fn the_coverage_plan_is_a_small_subset_of_the_full_plan_and_shows_all_it_shows() {
        let spec = Spec::embedded().unwrap();
        let target = Target {
            bss_base: "http://127.0.0.1:1".into(),
            aicc_base: "http://127.0.0.1:1".into(),
            partner_id: "partner".into(),
            embedded: false,
        };
        let plan = CoverPlan::new(&spec, OperationId::ALL, 1, 256, &target);
        assert!(
            plan.chosen() * 4 < plan.pool(),
            "{} of {}",
            plan.chosen(),
            plan.pool()
        );
        for &id in OperationId::ALL {
            let op = spec.operation(id);
            for polarity in [Polarity::Valid, Polarity::Invalid] {
                let full: Vec<Case> = generate::cases(op, polarity, 1, 256).collect();
                let chosen = plan.cases(id, polarity);
                assert!(chosen.iter().all(|c| full.contains(c)));
                let all: BTreeSet<String> = full
                    .iter()
                    .flat_map(|(_, c)| shows(op, c, &target))
                    .collect();
                let some: BTreeSet<String> = chosen
                    .iter()
                    .flat_map(|(_, c)| shows(op, c, &target))
                    .collect();
                assert_eq!(all, some, "{id} {polarity:?}");
            }
        }
    }
}
