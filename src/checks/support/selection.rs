//! `--checks` / `--exclude-checks`: which checks run. Names and codes are both accepted; an
//! unknown one is a usage error that suggests the nearest name.

use crate::checks::CHECKS;
use std::collections::BTreeSet;

/// The enabled checks, by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckSelection {
    enabled: BTreeSet<&'static str>,
}

/// A `--checks` value that names no check.
#[derive(Debug, Clone, thiserror::Error)]
#[error("unknown check `{given}`{hint} (see `partner-conformance list checks`)")]
pub struct UnknownCheck {
    given: String,
    hint: String,
}

impl Default for CheckSelection {
    fn default() -> Self {
        CheckSelection {
            enabled: CHECKS.iter().map(|c| c.name).collect(),
        }
    }
}

impl CheckSelection {
    /// Every check, or only `include` when it is not empty, minus `exclude`.
    pub fn new(include: &[String], exclude: &[String]) -> Result<Self, UnknownCheck> {
        let resolve = |given: &String| {
            crate::checks::check_info(given)
                .map(|c| c.name)
                .ok_or_else(|| UnknownCheck {
                    given: given.clone(),
                    hint: crate::text::suggest(
                        given,
                        &CHECKS.iter().map(|c| c.name).collect::<Vec<_>>(),
                    )
                    .map(|n| format!(" (did you mean `{n}`?)"))
                    .unwrap_or_default(),
                })
        };
        let mut enabled: BTreeSet<&'static str> = if include.is_empty() {
            CHECKS.iter().map(|c| c.name).collect()
        } else {
            include.iter().map(resolve).collect::<Result<_, _>>()?
        };
        for name in exclude {
            enabled.remove(resolve(name)?);
        }
        Ok(CheckSelection { enabled })
    }

    /// The enabled checks' names, in name order: what a run directory stores so `replay` judges
    /// with the checks the run had.
    pub fn names(&self) -> Vec<String> {
        self.enabled.iter().map(|n| n.to_string()).collect()
    }

    /// Whether a check (by name) runs.
    pub fn is_enabled(&self, name: &str) -> bool {
        self.enabled.contains(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selects_by_name_or_code_and_excludes() {
        let s = CheckSelection::new(&["pagination".into(), "PC001".into()], &[]).unwrap();
        assert!(s.is_enabled("pagination") && s.is_enabled("status_code_conformance"));
        assert!(!s.is_enabled("fuzzy_filter"));
        let s = CheckSelection::new(&[], &["fuzzy_filter".into()]).unwrap();
        assert!(!s.is_enabled("fuzzy_filter") && s.is_enabled("pagination"));
    }

    #[test]
    fn unknown_names_suggest_the_nearest() {
        let error = CheckSelection::new(&["paginaton".into()], &[])
            .unwrap_err()
            .to_string();
        assert!(error.contains("did you mean `pagination`"), "{error}");
    }
}
