//! partner-conformance: contract tests and a reference mock for the Huawei Cloud partner customer
//! APIs.
//!
//! The documentation is the contract. [`spec`] loads it from `schemas/` (JSON Schema 2020-12 plus
//! a small x- vocabulary) and compiles validators once. [`mock`] serves the documented behaviour
//! on loopback, validating every request with the same schemas. [`signing`] implements the
//! SDK-HMAC-SHA256 AK/SK signature both sides use, and [`secret`] keeps credentials out of output.
#![warn(missing_docs)]

pub mod baseline;
pub mod build_info;
pub mod checks;
pub mod cli;
pub mod client;
pub mod config;
pub mod exit;
pub mod export;
pub mod files;
pub mod generate;
pub mod harness;
pub mod migrate;
pub mod mock;
pub mod outcome;
pub mod report;
pub mod secret;
pub mod settings;
pub mod signing;
pub mod spec;
pub(crate) mod text;
