//! PC020 `migration_consistency`: the catalogue entry of `migrate`'s findings. The comparisons
//! themselves run in `src/migrate` (one per aspect), reporting under this check.

use super::{CheckInfo, DocSource, Runner};
use crate::outcome::Category;

/// The catalogue entry of this check (listed in [`super::CHECKS`]).
pub static CHECK: CheckInfo = CheckInfo {
    code: "PC020",
    name: "migration_consistency",
    categories: &[Category::Consistency],
    summary: "`migrate` only: the new generation lists the same customers as the old one, with equal values in every field x-replaces maps as same or renamed; equivalent pages and filters select the same customers; the same customer's budget has the same amounts (as decimals), unit and currency, and ineligible customers are refused alike. Fields whose meaning changed are notes, not drift.",
    reproduce: "Run both curl lines (old generation first) and compare the field in the finding.",
    rests_on: DocSource::Replacements,
    verifies: &[],
    runner: Runner::Migration,
};
