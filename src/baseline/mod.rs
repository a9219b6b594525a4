//! Baselines: drift that is already known and accepted on purpose, so that a CI run against a
//! staging endpoint fails only on *new* drift.
//!
//! `run --write-baseline FILE` stores the findings of a run; `run --baseline FILE` accepts them on
//! later runs. A finding is matched by its [`fingerprint()`], never by its message text, so a
//! baseline survives changes of wording, of the data the target returns and of the generated
//! values a run sends.
//!
//! # Fingerprint (part of file format version 2)
//!
//! Five parts separated by single spaces:
//!
//! ```text
//! <operation> <check> <category> <rule> <location>
//! customers_v1 response_schema_conformance type customers_v1.response.200.customer_info_list.corp_name.type body.customer_info_list[*].corp_name
//! customers_v1 status_code_conformance status_code customers_v1.query.page_size.maximum status
//! ```
//!
//! - `operation`: the operation id (`customers_v1`, `budget_v1`, ...);
//! - `check`: the check's name (`response_schema_conformance`, `fuzzy_filter`, ...);
//! - `category`: the drift category's snake_case name (`type`, `filter_semantics`, ...);
//! - `rule`: the documented rule violated, a [`RuleId`](crate::spec::RuleId): what was broken,
//!   not only where, so accepting "another partner's id answered 200" never accepts
//!   "page_size=101 answered 200";
//! - `location`: the finding's location, normalised: every array index `[digits]` becomes
//!   `[*]`, every quoted value (`"..."` or `'...'`) becomes `*` (`query.domain_name="abc"` →
//!   `query.domain_name=*`), any whitespace becomes `_`, and an empty location is written `-`.
//!
//! What the documentation expects and what the target did are *not* part of it, nor is any
//! generated value or seed: one entry accepts every finding with the same fingerprint,
//! whatever the values involved, and a run with another seed finds the same fingerprints.
//!
//! Version 1 files (fingerprints without the rule) still load, with a warning: each of their
//! entries accepts every drift of its check and place. `--write-baseline` onto such a file
//! rewrites it as version 2, turning each entry into the specific fingerprints it matched in
//! that run (reason, expiry and example kept).
//!
//! # File format (TOML, version 2)
//!
//! ```toml
//! # partner-conformance baseline: drift accepted on purpose. Review changes to it like code.
//! # ...
//! version = 2
//!
//! [[accepted]]
//! fingerprint = "customers_v1 response_schema_conformance type customers_v1.response.200.count.type body.count"
//! reason = "BSS sends count as a string; ticket PARTNER-123"
//! expires = 2027-03-31
//! example = "expected the documented `type` (customers_v1/response.200.json); observed value is not of type \"integer\""
//! ```
//!
//! - `version` (required) is [`BASELINE_VERSION`] (or 1, read as said above);
//! - each `[[accepted]]` table is one [`Entry`]: `fingerprint` is required; `reason` (free text),
//!   `expires` (a TOML local date; a `"YYYY-MM-DD"` string is read too) and `example` (the first
//!   finding seen, for the reviewer; never used for matching) are optional;
//! - any other key is an error, as are two entries with the same fingerprint, so a typo never
//!   silently accepts nothing or everything.
//!
//! An entry with `expires` accepts its findings up to and including that day and not after it.
//! [`Baseline::to_toml`] writes entries sorted by fingerprint so that diffs in a pull request
//! stay small. Comments other than the generated header are not kept when the file is rewritten:
//! put the explanation in `reason`.
//!
//! # Where things are
//!
//! - `fingerprint`: a finding's [`fingerprint()`] (and the version 1 one), location normalising,
//!   and the checks of a hand-written fingerprint;
//! - `file`: [`Entry`], [`Baseline`] and the TOML file: load, parse, write, save;
//! - `apply`: judging findings against a baseline ([`Verdict`], [`Applied`]), and building,
//!   merging and pruning baselines from a run's findings.

mod apply;
mod file;
mod fingerprint;
#[cfg(test)]
mod tests;

pub use apply::{Applied, Verdict};
pub use file::{Baseline, BaselineError, Entry};
pub use fingerprint::{fingerprint, BASELINE_VERSION};
