//! What a run found, as plain data at the bottom of the crate: findings, what a request called
//! for, transport problems, behaviour changes and what `migrate` saw. The checks and the
//! harness produce these; the reports, the baseline and replay read them. Nothing here imports
//! the layers that produce or present them, so results travel up without being copied.

mod change;
mod expectation;
mod finding;
mod migration;
mod transport;

pub use change::BehaviourChange;
pub use expectation::{role_name, Expectation};
pub use finding::{
    element_selector_len, location_pattern, split_observations, Category, Finding, FindingOrigin,
    GroupKey, PositionMode,
};
pub use migration::{MigrationEvidence, Part};
pub use transport::TransportProblem;
