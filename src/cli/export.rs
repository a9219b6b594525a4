//! `export`: the contract in a form other tools read.

use super::load_spec;
use crate::exit::ExitError;
use anyhow::Context;
use std::path::PathBuf;

/// `export` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum ExportWhat {
    /// An OpenAPI 3.1 document generated from schemas/ (for Schemathesis, Prism, Postman, code generators).
    Openapi {
        /// Write here instead of stdout.
        #[arg(long, value_name = "PATH")]
        out: Option<PathBuf>,
        /// A schemas/ directory replacing the embedded contract.
        #[arg(long, value_name = "DIR")]
        schemas: Option<PathBuf>,
    },
}

/// `export`: writes what was asked for to `--out` or stdout.
pub(super) fn run(what: ExportWhat) -> Result<i32, ExitError> {
    let ExportWhat::Openapi { out, schemas } = what;
    let spec = load_spec(schemas.as_ref())?;
    let text = serde_json::to_string_pretty(&crate::export::openapi(&spec))
        .map_err(|e| ExitError::Usage(e.into()))?
        + "\n";
    match out {
        Some(path) => std::fs::write(&path, text)
            .with_context(|| format!("failed to write {}", path.display()))
            .map_err(ExitError::Usage)?,
        None => print!("{text}"),
    }
    Ok(crate::exit::SUCCESS)
}
