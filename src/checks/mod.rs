//! The checks: one file per check, named after it, each exporting its catalogue entry `CHECK`
//! (code, name, categories, what it verifies, and how it runs); [`CHECKS`] is the one list, which
//! planning, execution, `list checks` and `explain` read. What the checks share lives in
//! [`support`], so listing this folder lists the catalogue. See `src/checks/README.md` for how to
//! add one.

mod auth_required;
mod budget_by_association_type;
mod content_type_conformance;
mod default_page_size;
mod enum_filter;
mod error_code_conformance;
mod fuzzy_filter;
mod idempotent_get;
mod mandatory_field_null;
mod migration_consistency;
mod not_found_empty_list;
pub(crate) mod pagination;
mod response_schema_conformance;
mod status_code_conformance;
pub mod support;
mod time_range_filter;
mod wire_forms;

pub use crate::outcome::Expectation;
pub use crate::outcome::{element_selector_len, Category, Finding, FindingOrigin};
pub use default_page_size::record_keys;
pub use fuzzy_filter::pieces;
pub use status_code_conformance::observed_entry;
pub use support::context::{
    doc_label, Recorded, Recorder, Reproduce, ResponseContext, StatefulContext,
};
pub use support::explain::explain;
pub use support::policy::{EmptyFilterPolicy, NotFoundPolicy, NullPolicy, Policies, Toggle};
pub use support::selection::{CheckSelection, UnknownCheck};
pub use support::walk::{Walk, WalkCache, WalkError};
pub use support::walker::base_request;
pub use support::{decimal, walk, walker};

use crate::spec::{Operation, OperationId, Spec};
use futures_util::future::BoxFuture;

/// Where the documentation a check rests on is found in `schemas/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocSource {
    /// The operation's error catalogue (`x-errors`).
    ErrorCatalogue,
    /// The operation row (`x-operation.x-doc`).
    Operation,
    /// The response field tables.
    ResponseFields,
    /// The paging parameters (`x-paging`).
    Paging,
    /// Parameters with `x-filter` of the given kinds.
    Filters(&'static [crate::spec::MatchKind]),
    /// Parameters with `x-presence`.
    Presence,
    /// Parameters with `x-lookup`.
    Lookup,
    /// Fields and parameters with `x-replaces`.
    Replacements,
}

/// Which requirements of the coverage catalogue (`crate::spec::Requirement`) a check's verdicts
/// are evidence for: what the coverage reads to say a requirement is `check_excluded`, and what
/// `explain` lists under a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verifies {
    /// Request constraints: a request breaking one refused as documented, one at its edge
    /// accepted.
    RequestConstraints,
    /// The error catalogue's entries, each answered where its situation calls for it.
    ErrorEntries,
    /// The constraints of response fields, on the values seen.
    ResponseFields,
    /// The Content-Type of the operation's answers.
    ContentType,
    /// The semantic of its own name (`<op>.semantic.<check>`), for a stateful check.
    Semantic,
}

/// Whether a check looks at single answers or drives requests of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckKind {
    /// Runs on every answer the run gets.
    PerResponse,
    /// Runs as a trial of its own against list operations or operations with lookups.
    Stateful,
    /// Runs in `migrate`, comparing an operation with the one it replaces.
    Migration,
}

/// How a check runs: the one place execution looks, so a check cannot be listed without a way
/// to run it (a test holds every entry to that).
#[derive(Clone, Copy)]
pub enum Runner {
    /// Looks at every answer of the run.
    PerResponse(fn(&ResponseContext) -> Vec<Finding>),
    /// Drives requests of its own, as a trial per operation it applies to.
    Stateful {
        /// Whether the operation has what the check verifies (a list, a lookup...).
        applies: fn(&Operation) -> bool,
        /// The operation whose full walk the check needs first, if any: when that walk
        /// failed, the trial is skipped with the walk's error rather than shown as passed.
        walks: fn(&Spec, &Operation) -> Option<OperationId>,
        /// The check itself.
        run: for<'a> fn(&'a StatefulContext<'a>, OperationId) -> BoxFuture<'a, ()>,
    },
    /// Reports the comparisons `migrate` runs (in `src/migrate`).
    Migration,
}

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Runner::PerResponse(_) => "PerResponse",
            Runner::Stateful { .. } => "Stateful",
            Runner::Migration => "Migration",
        })
    }
}

/// The catalogue entry of a check.
#[derive(Debug)]
pub struct CheckInfo {
    /// Stable code, `PC` and three digits.
    pub code: &'static str,
    /// Name: CLI selector, report label and the name of its file.
    pub name: &'static str,
    /// Categories its findings use.
    pub categories: &'static [Category],
    /// What it verifies, one paragraph.
    pub summary: &'static str,
    /// What to look at when it fires and how to reproduce.
    pub reproduce: &'static str,
    /// The documentation it rests on.
    pub rests_on: DocSource,
    /// The requirements its verdicts are evidence for.
    pub verifies: &'static [Verifies],
    /// How it runs.
    pub runner: Runner,
}

impl CheckInfo {
    /// The function of a per-response check (for tests that run one check by its entry).
    #[cfg(test)]
    pub(crate) fn runner_per_response(&self) -> fn(&ResponseContext) -> Vec<Finding> {
        match self.runner {
            Runner::PerResponse(check) => check,
            _ => unreachable!("{} is not a per-response check", self.name),
        }
    }

    /// Per-response, stateful or migration, from how it runs.
    pub fn kind(&self) -> CheckKind {
        match self.runner {
            Runner::PerResponse(_) => CheckKind::PerResponse,
            Runner::Stateful { .. } => CheckKind::Stateful,
            Runner::Migration => CheckKind::Migration,
        }
    }
}

/// Every check, in code order: the only list of them.
pub static CHECKS: &[&CheckInfo] = &[
    &status_code_conformance::CHECK,
    &error_code_conformance::CHECK,
    &content_type_conformance::CHECK,
    &response_schema_conformance::CHECK,
    &mandatory_field_null::CHECK,
    &pagination::CHECK,
    &default_page_size::CHECK,
    &fuzzy_filter::CHECK,
    &enum_filter::CHECK,
    &time_range_filter::CHECK,
    &wire_forms::CHECK,
    &not_found_empty_list::CHECK,
    &idempotent_get::CHECK,
    &auth_required::CHECK,
    &budget_by_association_type::CHECK,
    &migration_consistency::CHECK,
];

/// Runs every enabled per-response check on one exchange.
pub fn check_response(ctx: &ResponseContext, selection: &CheckSelection) -> Vec<Finding> {
    CHECKS
        .iter()
        .filter(|c| selection.is_enabled(c.name))
        .flat_map(|c| match c.runner {
            Runner::PerResponse(check) => check(ctx),
            _ => Vec::new(),
        })
        .collect()
}

/// A check by name or code.
pub fn check_info(name_or_code: &str) -> Option<&'static CheckInfo> {
    CHECKS
        .iter()
        .copied()
        .find(|c| c.name == name_or_code || c.code.eq_ignore_ascii_case(name_or_code))
}

/// The catalogue entry of a check name used in code (panics only on a typo in this crate,
/// caught by the registry test).
pub(crate) fn info(name: &str) -> &'static CheckInfo {
    check_info(name).unwrap_or_else(|| unreachable!("check `{name}` is not in CHECKS"))
}

// When a stateful check applies, and which walk it needs: shared by the entries.

/// Applies to list operations.
fn is_list(op: &Operation) -> bool {
    op.list_field().is_some()
}

/// Applies to operations with parameters whose absent, empty, `""` and null forms are documented.
fn has_presence(op: &Operation) -> bool {
    op.parameters.iter().any(|p| p.presence.is_some())
}

/// Applies to operations looking up a record by an id another operation lists.
fn has_lookup(op: &Operation) -> bool {
    op.parameters.iter().any(|p| p.lookup.is_some())
}

/// Applies to operations called with GET (a repeated POST proves nothing about idempotence).
fn is_get(op: &Operation) -> bool {
    op.meta.method.eq_ignore_ascii_case("GET")
}

/// Applies to every operation.
fn always(_: &Operation) -> bool {
    true
}

/// Needs the operation's own full walk.
fn own_walk(_: &Spec, op: &Operation) -> Option<OperationId> {
    Some(op.id)
}

/// Needs no walk before it starts.
fn no_walk(_: &Spec, _: &Operation) -> Option<OperationId> {
    None
}

/// Needs the walk of the operation its lookup takes ids from.
fn lookup_walk(_: &Spec, op: &Operation) -> Option<OperationId> {
    op.parameters
        .iter()
        .find_map(|p| p.lookup.as_ref())
        .and_then(|l| l.source.parse::<OperationId>().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_and_names_are_unique_and_well_formed() {
        let codes: HashSet<_> = CHECKS.iter().map(|c| c.code).collect();
        let names: HashSet<_> = CHECKS.iter().map(|c| c.name).collect();
        assert_eq!(codes.len(), CHECKS.len());
        assert_eq!(names.len(), CHECKS.len());
        for check in CHECKS {
            assert!(
                check.code.starts_with("PC") && check.code.len() == 5,
                "{}",
                check.code
            );
            assert!(!check.categories.is_empty());
        }
    }

    #[test]
    fn every_check_has_a_runner_and_the_file_of_its_name() {
        for check in CHECKS {
            let file = format!(
                "{}/src/checks/{}.rs",
                env!("CARGO_MANIFEST_DIR"),
                check.name
            );
            assert!(std::path::Path::new(&file).is_file(), "{file}");
            let source = std::fs::read_to_string(&file).unwrap();
            assert!(
                source.contains(&format!("code: \"{}\"", check.code)),
                "{file}"
            );
            // A stateful check is planned only where it applies, so each must apply somewhere.
            if let Runner::Stateful { applies, .. } = check.runner {
                let spec = crate::spec::Spec::embedded().unwrap();
                assert!(
                    spec.operations().iter().any(applies),
                    "{} applies to no operation",
                    check.name
                );
            }
        }
        // Nothing in the folder but the checks, mod.rs and their support.
        let dir = format!("{}/src/checks", env!("CARGO_MANIFEST_DIR"));
        for entry in std::fs::read_dir(dir).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            let stem = name.trim_end_matches(".rs");
            assert!(
                ["mod.rs", "support", "README.md"].contains(&name.as_str())
                    || CHECKS.iter().any(|c| c.name == stem),
                "src/checks/{name} is neither a check nor its support"
            );
        }
    }

    #[test]
    fn every_category_is_used_by_some_check() {
        for category in Category::ALL {
            assert!(
                CHECKS.iter().any(|c| c.categories.contains(category)),
                "{category} has no check"
            );
        }
    }
}
