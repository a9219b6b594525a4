//! What a run could not exercise, as every writer shows it: the skipped trials and the parts of
//! trials left out, grouped by their reason from the fixed list ([`Reason`]), so a green run
//! against a target with little data says what it did not verify instead of reading as full
//! coverage. The writers format the groups; the grouping is here once.

use super::model::{Report, TrialRecord};
use crate::outcome::{NotExercised, Reason};
use std::collections::BTreeMap;

/// `1 trial`, `2 trials` (the human writer's plural imports this file, so it is not used here).
fn count(n: usize, noun: &str) -> String {
    match n {
        1 => format!("1 {noun}"),
        n => format!("{n} {noun}s"),
    }
}

/// One thing not exercised: in which trial, whether it was the whole trial, and why.
#[derive(Debug, Clone, Copy)]
pub(super) struct Gap<'a> {
    /// The trial.
    pub trial: &'a str,
    /// The whole trial was skipped (otherwise a part of it was left out).
    pub whole: bool,
    /// The reason and its sentence.
    pub item: &'a NotExercised,
}

/// Every gap of one trial: its skip, then the parts it left out.
fn of_trial(trial: &TrialRecord) -> impl Iterator<Item = Gap<'_>> {
    let whole = trial.skip_reason.iter().map(move |item| Gap {
        trial: &trial.name,
        whole: true,
        item,
    });
    let parts = trial.not_exercised.iter().map(move |item| Gap {
        trial: &trial.name,
        whole: false,
        item,
    });
    whole.chain(parts)
}

/// The gaps of a report by reason, reasons in [`Reason::ALL`] order, trials in run order.
pub(super) fn by_reason(report: &Report) -> Vec<(Reason, Vec<Gap<'_>>)> {
    let mut groups: BTreeMap<Reason, Vec<Gap<'_>>> = BTreeMap::new();
    for gap in report.trials.iter().flat_map(of_trial) {
        groups.entry(gap.item.reason).or_default().push(gap);
    }
    groups.into_iter().collect()
}

/// How many of each reason a report holds, for the summary.
pub fn counts(trials: &[TrialRecord]) -> BTreeMap<Reason, u64> {
    let mut counts = BTreeMap::new();
    for gap in trials.iter().flat_map(of_trial) {
        *counts.entry(gap.item.reason).or_default() += 1;
    }
    counts
}

/// The heading of the section ("3 trials skipped, 2 parts left out"), or `None` when
/// everything planned was exercised.
pub(super) fn heading(report: &Report) -> Option<String> {
    let gaps: Vec<Gap<'_>> = report.trials.iter().flat_map(of_trial).collect();
    if gaps.is_empty() {
        return None;
    }
    let whole = gaps.iter().filter(|g| g.whole).count();
    let parts = gaps.len() - whole;
    let mut said = Vec::new();
    if whole > 0 {
        said.push(format!("{} skipped", count(whole, "trial")));
    }
    if parts > 0 {
        said.push(format!("{} of trials left out", count(parts, "part")));
    }
    Some(format!("Not exercised: {}", said.join(", ")))
}

/// One line for a gap: the trial, `(part)` when only a part was left out, and the sentence.
pub(super) fn line(gap: &Gap<'_>) -> String {
    let part = if gap.whole { "" } else { " (part)" };
    format!("{}{part}: {}", gap.trial, gap.item.detail)
}

/// The lines of one reason's gaps, those with the same sentence (every trial of an operation
/// whose credential was refused) folded into one line with how many and the first trial.
pub(super) fn folded_lines(gaps: &[Gap<'_>]) -> Vec<String> {
    let mut folded: Vec<(&str, Vec<&Gap<'_>>)> = Vec::new();
    for gap in gaps {
        match folded.iter_mut().find(|(d, _)| *d == gap.item.detail) {
            Some((_, same)) => same.push(gap),
            None => folded.push((&gap.item.detail, vec![gap])),
        }
    }
    folded
        .into_iter()
        .map(|(detail, same)| match same.as_slice() {
            [one] => line(one),
            [first, ..] => format!(
                "{detail} ({}, the first {})",
                count(same.len(), "trial"),
                first.trial
            ),
            [] => String::new(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::human::fixture::sample_report;

    #[test]
    fn gaps_are_grouped_by_reason_with_whole_trials_and_parts_apart() {
        let mut report = sample_report();
        report.trials[0]
            .not_exercised
            .push(NotExercised::new(Reason::BrokenByFinding, "no ids"));
        let groups = by_reason(&report);
        let reasons: Vec<Reason> = groups.iter().map(|(r, _)| *r).collect();
        assert_eq!(reasons, [Reason::NoData, Reason::BrokenByFinding]);
        assert!(groups[0].1[0].whole);
        assert!(!groups[1].1[0].whole);
        assert!(line(&groups[1].1[0]).ends_with(" (part): no ids"));
        let same = [groups[1].1[0], groups[1].1[0]];
        assert_eq!(
            folded_lines(&same),
            ["no ids (2 trials, the first generated::customers_v1::valid)"]
        );
        assert_eq!(
            heading(&report).unwrap(),
            "Not exercised: 1 trial skipped, 1 part of trials left out"
        );
        assert_eq!(counts(&report.trials)[&Reason::NoData], 1);
        report.trials.iter_mut().for_each(|t| {
            t.skip_reason = None;
            t.not_exercised.clear();
        });
        assert_eq!(heading(&report), None);
    }

    #[test]
    fn every_format_shows_what_was_not_exercised_with_its_reason() {
        let mut report = sample_report();
        report.trials[0].not_exercised.push(NotExercised::new(
            Reason::BrokenByFinding,
            "records carry no customer_id",
        ));
        report.summary.not_exercised = counts(&report.trials);
        let human = crate::report::write_human(&report, false);
        assert!(
            human.contains("Not exercised: 1 trial skipped, 1 part of trials left out"),
            "{human}"
        );
        assert!(human.contains("  no_data (no data on the target): 1\n    ambiguities::page_size_zero: no fixture for this target"), "{human}");
        assert!(
            human.contains(" (part): records carry no customer_id"),
            "{human}"
        );
        let markdown = crate::report::write_markdown(&report);
        assert!(
            markdown.contains("| `broken_by_finding` | `generated::customers_v1::valid` | part | records carry no customer\\_id |"),
            "{markdown}"
        );
        let json: serde_json::Value =
            serde_json::from_str(&crate::report::write_json(&report)).unwrap();
        assert_eq!(json["summary"]["not_exercised"]["no_data"], 1);
        assert_eq!(
            json["trials"][0]["not_exercised"][0]["reason"],
            "broken_by_finding"
        );
        let junit = crate::report::write_junit(&report);
        assert!(
            junit.contains("<property name=\"not_exercised\" value=\"broken_by_finding: records carry no customer_id\"/>"),
            "{junit}"
        );
        assert!(
            junit.contains("<skipped message=\"no_data: no fixture for this target\"/>"),
            "{junit}"
        );
    }
}
