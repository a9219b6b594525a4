//! Judging a run's findings against a baseline ([`Baseline::apply`]: accepted, new, resolved,
//! expired), and the baselines a run writes: from its findings, merged into an existing file
//! (upgrading version 1), or pruned of what no longer occurs.

use super::file::{Baseline, Entry};
use super::fingerprint::{fingerprint, legacy_fingerprint};
use crate::checks::Finding;
use chrono::NaiveDate;
use std::collections::{BTreeMap, HashMap, HashSet};

/// The longest `example` written, in characters, so entries stay readable in a diff.
pub(super) const EXAMPLE_MAX_CHARS: usize = 160;

impl Entry {
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

impl Baseline {
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
