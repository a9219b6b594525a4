//! What a run planned but could not exercise, and why, from one fixed list of reasons. A trial
//! that verified nothing must not read as a pass, and a check that could do only part of its
//! work must say which part it left out: the reports show each with its reason, and the
//! coverage work counts requirements by the same reasons. The main type is [`NotExercised`].

use serde::{Deserialize, Serialize};

/// Why something was not exercised. The list is closed: every skip of the suite carries one of
/// these, and each has a stable snake_case name (its serialized form, in every report) that
/// tools may match on; new reasons are added, never renamed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// `check_excluded`: `--checks` or `--exclude-checks` left the check out of the run.
    CheckExcluded,
    /// `operation_not_selected`: `--operations` left out an operation this needs (the operation
    /// itself, or the one whose data it works on).
    OperationNotSelected,
    /// `operation_missing`: the target answers the operation as an API that does not exist.
    OperationMissing,
    /// `budget_cut`: the run's request or time budget (`--max-requests`, `--max-duration`) was
    /// spent first, or its number of generated cases (`--cases`) did not reach it.
    BudgetCut,
    /// `interrupted`: a signal stopped the run first.
    Interrupted,
    /// `no_data`: the target holds no data to exercise it with ("the target lists 0
    /// customers"); what a check needs is taken from the target, never assumed.
    NoData,
    /// `credential_refused`: the target refused who the run says it is (the configured token or
    /// AK/SK pair of the operation's service, or the partner id), so nothing it answers says
    /// anything about the rules.
    CredentialRefused,
    /// `not_provokable`: no request a client can send provokes it (a 500, a constraint an
    /// operation without parameters cannot break).
    NotProvokable,
    /// `broken_by_finding`: an earlier finding broke what it needs (records without their
    /// documented key, a count that is not a number, times in another format), so it cannot
    /// be judged until that finding is fixed.
    BrokenByFinding,
    /// `not_observable`: the rule is about something the operation's answers do not carry (the
    /// old API filters on an association time its records do not show), so it is not
    /// verifiable from that API alone.
    NotObservable,
    /// `no_usable_answer`: the requests it needed got no usable answer (transport problems,
    /// reported apart).
    NoUsableAnswer,
    /// `recording_unavailable`: the recording it writes (`--record`) or compares with
    /// (`--against-recording`) could not be written or read.
    RecordingUnavailable,
    /// `not_applicable`: the contract gives the operation nothing of what it verifies (no
    /// parameter a generated case could break, no list to page, no operation it replaces).
    NotApplicable,
    /// `credential_missing`: it presents a kind of credential the run was not given (a probe
    /// of how a token travels, in a run that signs with AK/SK only), so what it would send
    /// proves nothing.
    CredentialMissing,
}

impl Reason {
    /// Every reason, in the order reports list them.
    pub const ALL: &'static [Reason] = &[
        Reason::CheckExcluded,
        Reason::OperationNotSelected,
        Reason::OperationMissing,
        Reason::BudgetCut,
        Reason::Interrupted,
        Reason::NoData,
        Reason::CredentialRefused,
        Reason::NotProvokable,
        Reason::BrokenByFinding,
        Reason::NotObservable,
        Reason::NoUsableAnswer,
        Reason::RecordingUnavailable,
        Reason::NotApplicable,
        Reason::CredentialMissing,
    ];

    /// The stable snake_case name, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::CheckExcluded => "check_excluded",
            Reason::OperationNotSelected => "operation_not_selected",
            Reason::OperationMissing => "operation_missing",
            Reason::BudgetCut => "budget_cut",
            Reason::Interrupted => "interrupted",
            Reason::NoData => "no_data",
            Reason::CredentialRefused => "credential_refused",
            Reason::NotProvokable => "not_provokable",
            Reason::BrokenByFinding => "broken_by_finding",
            Reason::NotObservable => "not_observable",
            Reason::NoUsableAnswer => "no_usable_answer",
            Reason::RecordingUnavailable => "recording_unavailable",
            Reason::NotApplicable => "not_applicable",
            Reason::CredentialMissing => "credential_missing",
        }
    }

    /// A few words for people, as the human and Markdown reports head their groups.
    pub fn describe(self) -> &'static str {
        match self {
            Reason::CheckExcluded => "check excluded",
            Reason::OperationNotSelected => "operation not selected",
            Reason::OperationMissing => "operation missing on the target",
            Reason::BudgetCut => "request budget cut",
            Reason::Interrupted => "run interrupted",
            Reason::NoData => "no data on the target",
            Reason::CredentialRefused => "credential refused",
            Reason::NotProvokable => "cannot be provoked by a client",
            Reason::BrokenByFinding => "an earlier finding broke what it needs",
            Reason::NotObservable => "not verifiable from this API alone",
            Reason::NoUsableAnswer => "no usable answer",
            Reason::RecordingUnavailable => "recording unavailable",
            Reason::NotApplicable => "nothing of it in the contract",
            Reason::CredentialMissing => "a credential the run was not given",
        }
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something not exercised: the reason from the fixed list and one sentence on this case
/// ("the target lists 0 customers").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotExercised {
    /// Why, from the fixed list.
    pub reason: Reason,
    /// What exactly, in a sentence.
    pub detail: String,
}

impl NotExercised {
    /// A reason with its sentence.
    pub fn new(reason: Reason, detail: impl Into<String>) -> Self {
        NotExercised {
            reason,
            detail: detail.into(),
        }
    }
}

impl std::fmt::Display for NotExercised {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.reason, self.detail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_serializes_to_its_stable_name_once() {
        let mut names = std::collections::HashSet::new();
        for reason in Reason::ALL {
            let serialized = serde_json::to_value(reason).unwrap();
            assert_eq!(serialized, serde_json::Value::from(reason.as_str()));
            assert!(names.insert(reason.as_str()), "{reason} twice");
            assert!(!reason.describe().is_empty());
        }
        assert_eq!(
            NotExercised::new(Reason::NoData, "the target lists 0 customers").to_string(),
            "no_data: the target lists 0 customers"
        );
    }
}
