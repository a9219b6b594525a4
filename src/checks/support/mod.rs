//! What the checks share and are not checks themselves: what a check sees ([`context`]), walks
//! of list operations ([`walk`], [`walker`]), ids for lookups from the target's own list
//! ([`lookup`]), decimal amounts, run policies, the check selection and `explain`. Kept apart
//! so that listing `src/checks/` lists the catalogue.

pub mod context;
pub mod coverage;
pub mod decimal;
pub mod explain;
pub mod filters;
pub mod lookup;
pub mod policy;
pub mod selection;
#[cfg(test)]
pub mod testing;
pub mod walk;
pub mod walker;
