//! The checks. Each has a stable code and a name that is also its CLI selector (`--checks`,
//! `--exclude-checks`) and report label; [`CHECKS`] is the catalogue `explain` and `list checks`
//! print. Per-response checks look at one exchange; stateful checks drive several requests.
//! Each lives in its own file with the tests that make it fire and stay quiet.

mod auth_required;
mod budget_link;
mod content_type;
mod context;
pub mod decimal;
mod default_value;
mod error_code;
mod explain;
mod idempotent;
mod list_filters;
mod mandatory_null;
mod not_found;
pub(crate) mod pagination;
mod policy;
mod response_schema;
mod selection;
mod status_code;
#[cfg(test)]
mod testing;
pub mod walk;
pub mod walker;
mod wire_forms;

pub use crate::outcome::Expectation;
pub use crate::outcome::{element_selector_len, Category, Finding, FindingOrigin};
pub use auth_required::auth_required;
pub use budget_link::budget_by_association_type;
pub use context::{doc_label, Recorded, Recorder, ResponseContext, StatefulContext};
pub use default_value::default_page_size;
pub use explain::explain;
pub use idempotent::idempotent_get;
pub use list_filters::{enum_filter, fuzzy_filter, pieces, time_range_filter};
pub use not_found::not_found_empty_list;
pub use pagination::pagination;
pub use policy::{NotFoundPolicy, NullPolicy, Policies, Toggle};
pub use selection::{CheckSelection, UnknownCheck};
pub use status_code::observed_entry;
pub use walk::{Walk, WalkCache, WalkError};
pub use walker::base_request;
pub use wire_forms::wire_forms;

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

/// The catalogue entry of a check.
#[derive(Debug)]
pub struct CheckInfo {
    /// Stable code, `PC` and three digits.
    pub code: &'static str,
    /// Name: CLI selector and report label.
    pub name: &'static str,
    /// Categories its findings use.
    pub categories: &'static [Category],
    /// What it verifies, one paragraph.
    pub summary: &'static str,
    /// What to look at when it fires and how to reproduce.
    pub reproduce: &'static str,
    /// The documentation it rests on.
    pub rests_on: DocSource,
    /// Per-response or stateful.
    pub kind: CheckKind,
}

use crate::spec::MatchKind;
use Category as C;

/// Every check, in code order.
pub static CHECKS: &[CheckInfo] = &[
    CheckInfo {
        code: "PC001",
        name: "status_code_conformance",
        categories: &[C::StatusCode],
        summary: "The HTTP status is one the operation documents, and the one the request calls for: a valid request is never refused as invalid, a request that breaks one documented constraint gets the documented invalid-parameter status.",
        reproduce: "Run the finding's curl line and compare the status with the operation's Returned Values table.",
        rests_on: DocSource::ErrorCatalogue,
        kind: CheckKind::PerResponse,
    },
    CheckInfo {
        code: "PC002",
        name: "error_code_conformance",
        categories: &[C::ErrorCode],
        summary: "The body's error_code is the one the catalogue documents for the status (and the one the situation calls for); a success carries the documented success code or none.",
        reproduce: "Run the curl line and compare error_code with the Returned Values table.",
        rests_on: DocSource::ErrorCatalogue,
        kind: CheckKind::PerResponse,
    },
    CheckInfo {
        code: "PC003",
        name: "content_type_conformance",
        categories: &[C::ContentType],
        summary: "The Content-Type header is the documented application/json;charset=UTF-8 (media type and charset compared case-insensitively).",
        reproduce: "Run the curl line (it prints headers with -i) and read Content-Type.",
        rests_on: DocSource::Operation,
        kind: CheckKind::PerResponse,
    },
    CheckInfo {
        code: "PC004",
        name: "response_schema_conformance",
        categories: &[C::MissingField, C::UnexpectedField, C::Type, C::FieldLength, C::Enum, C::Format, C::NullHandling],
        summary: "The body matches the documented table of its status: mandatory fields present, no undocumented fields (unless --unknown-fields lenient), JSON types, maximum lengths in characters, enumerations, formats such as the UTC time and the AICC masks.",
        reproduce: "Run the curl line and look at the field named in the finding's location.",
        rests_on: DocSource::ResponseFields,
        kind: CheckKind::PerResponse,
    },
    CheckInfo {
        code: "PC005",
        name: "mandatory_field_null",
        categories: &[C::NullHandling],
        summary: "Under --null-policy strict, a field documented as mandatory is not null even where the documented example shows null (corp_name).",
        reproduce: "Run the curl line and look for null values in mandatory fields.",
        rests_on: DocSource::ResponseFields,
        kind: CheckKind::PerResponse,
    },
    CheckInfo {
        code: "PC010",
        name: "pagination",
        categories: &[C::Pagination],
        summary: "A walk of every page (bounded by --max-pages) adds up: count is the total on every page, each page is full but the last, no record appears twice, none is skipped, and the union of the pages is the unfiltered set.",
        reproduce: "Request page_no=1,2,... with the page size in the finding and compare the ids.",
        rests_on: DocSource::Paging,
        kind: CheckKind::Stateful,
    },
    CheckInfo {
        code: "PC011",
        name: "default_page_size",
        categories: &[C::DefaultValue],
        summary: "With page_size absent (and page_no absent) the first page has the documented default number of records and the same records as an explicit default.",
        reproduce: "Request with no paging parameters, then with page_size=<default>, and compare.",
        rests_on: DocSource::Paging,
        kind: CheckKind::Stateful,
    },
    CheckInfo {
        code: "PC012",
        name: "fuzzy_filter",
        categories: &[C::FilterSemantics],
        summary: "Every record returned under a fuzzy filter contains the value (prefix, middle or suffix; case-sensitive where documented), and every record of the full walk that contains it is returned.",
        reproduce: "Run the curl line and search the returned field for the value.",
        rests_on: DocSource::Filters(&[MatchKind::Substring]),
        kind: CheckKind::Stateful,
    },
    CheckInfo {
        code: "PC013",
        name: "enum_filter",
        categories: &[C::FilterSemantics],
        summary: "Every record returned under an exact-match filter (cooperationType) has the value, and every record of the walk that has it is returned.",
        reproduce: "Run the curl line and compare the field of each record.",
        rests_on: DocSource::Filters(&[MatchKind::Equals]),
        kind: CheckKind::Stateful,
    },
    CheckInfo {
        code: "PC014",
        name: "time_range_filter",
        categories: &[C::FilterSemantics],
        summary: "Every record returned under a time range lies within it (bounds inclusive), and every record of the walk within it is returned.",
        reproduce: "Run the curl line and compare each record's time with the bounds.",
        rests_on: DocSource::Filters(&[MatchKind::AtOrAfter, MatchKind::AtOrBefore]),
        kind: CheckKind::Stateful,
    },
    CheckInfo {
        code: "PC015",
        name: "wire_forms",
        categories: &[C::NullHandling, C::DefaultValue],
        summary: "Each parameter's absent, empty, \"\" and null forms mean what the documentation says: no filter, the default, a filter for empty values, or an invalid parameter.",
        reproduce: "Send the parameter as name=, name=\"\" and name=null and compare with the request without it.",
        rests_on: DocSource::Presence,
        kind: CheckKind::Stateful,
    },
    CheckInfo {
        code: "PC016",
        name: "not_found_empty_list",
        categories: &[C::StatusCode, C::MissingField, C::FilterSemantics],
        summary: "A query that matches no customer gets 200 with count 0 and an empty list (--not-found-body any also accepts an absent list).",
        reproduce: "Run the curl line: it filters on a name no customer has.",
        rests_on: DocSource::Operation,
        kind: CheckKind::Stateful,
    },
    CheckInfo {
        code: "PC017",
        name: "idempotent_get",
        categories: &[C::Consistency],
        summary: "The same GET sent twice gets the same status and the same body.",
        reproduce: "Run the curl line twice and diff the bodies.",
        rests_on: DocSource::Operation,
        kind: CheckKind::Stateful,
    },
    CheckInfo {
        code: "PC018",
        name: "auth_required",
        categories: &[C::Auth],
        summary: "A request with missing or wrong credentials never gets 200 with data.",
        reproduce: "Run the curl line: it sends no token, or a wrong one.",
        rests_on: DocSource::Operation,
        kind: CheckKind::Stateful,
    },
    CheckInfo {
        code: "PC019",
        name: "budget_by_association_type",
        categories: &[C::StatusCode, C::ErrorCode, C::Consistency],
        summary: "Customer ids found by the list operation feed the budget operation: customers of an association type with budgets get one, the others get the documented association-type error.",
        reproduce: "Run the curl line with a customer_id taken from Query Customers.",
        rests_on: DocSource::Lookup,
        kind: CheckKind::Stateful,
    },
    CheckInfo {
        code: "PC020",
        name: "migration_consistency",
        categories: &[C::Consistency],
        summary: "`migrate` only: the new generation lists the same customers as the old one, with equal values in every field x-replaces maps as same or renamed; equivalent pages and filters select the same customers; the same customer's budget has the same amounts (as decimals), unit and currency, and ineligible customers are refused alike. Fields whose meaning changed are notes, not drift.",
        reproduce: "Run both curl lines (old generation first) and compare the field in the finding.",
        rests_on: DocSource::Replacements,
        kind: CheckKind::Migration,
    },
];

/// A per-response check: looks at one exchange.
type ResponseCheck = fn(&ResponseContext) -> Vec<Finding>;

/// The per-response checks, by name; each name is in [`CHECKS`].
const PER_RESPONSE: &[(&str, ResponseCheck)] = &[
    ("status_code_conformance", status_code::check),
    ("error_code_conformance", error_code::check),
    ("content_type_conformance", content_type::check),
    ("response_schema_conformance", response_schema::check),
    ("mandatory_field_null", mandatory_null::check),
];

/// Runs every enabled per-response check on one exchange.
pub fn check_response(ctx: &ResponseContext, selection: &CheckSelection) -> Vec<Finding> {
    PER_RESPONSE
        .iter()
        .filter(|(name, _)| selection.is_enabled(name))
        .flat_map(|(_, check)| check(ctx))
        .collect()
}

/// A check by name or code.
pub fn check_info(name_or_code: &str) -> Option<&'static CheckInfo> {
    CHECKS
        .iter()
        .find(|c| c.name == name_or_code || c.code.eq_ignore_ascii_case(name_or_code))
}

/// The catalogue entry of a check name used in code (panics only on a typo in this crate,
/// caught by the registry test).
pub(crate) fn info(name: &str) -> &'static CheckInfo {
    check_info(name).unwrap_or_else(|| unreachable!("check `{name}` is not in CHECKS"))
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
    fn per_response_checks_are_exactly_the_catalogue_ones() {
        let wired: HashSet<_> = PER_RESPONSE.iter().map(|(n, _)| *n).collect();
        let listed: HashSet<_> = CHECKS
            .iter()
            .filter(|c| c.kind == CheckKind::PerResponse)
            .map(|c| c.name)
            .collect();
        assert_eq!(wired, listed);
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
