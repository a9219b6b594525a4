//! Request generation from the contract. proptest strategies are built from each operation's
//! request schema and x- semantics, never from limits typed in Rust: valid requests (boundary
//! lengths, multi-byte text, paired parameters, the allowed absent/empty forms) and requests
//! that break exactly one documented constraint. Every case records why it exists
//! ([`Scenario`]); the same seed gives the same cases.

mod case;
mod draw;
mod scenario;
mod union;
mod values;

pub use case::{
    breakable, case_seed, cases, count_cases, generate, shrink, CaseStrategy, GeneratedCase,
    Polarity,
};
pub use scenario::Scenario;
