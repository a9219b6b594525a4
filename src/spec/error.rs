//! Errors met while loading `schemas/`: each names the file and, where it can, the JSON pointer.

use std::path::PathBuf;

/// Why the contract could not be loaded. Every variant names the file it is about, so a user who
/// edited a schema sees where to look without a stack trace.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// A schema file or directory could not be read.
    #[error("failed to read {path}: {error}")]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// The underlying error, part of the message (not a `source`, which an error chain would
        /// print a second time).
        error: std::io::Error,
    },
    /// A file is not JSON.
    #[error("{file}:{line}:{column}: invalid JSON: {message}")]
    Json {
        /// File relative to `schemas/`.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What serde_json said.
        message: String,
    },
    /// A file is JSON but breaks a rule of the contract (meta-schema, x- vocabulary, layout).
    #[error("{file}: {pointer}: {message}")]
    Invalid {
        /// File relative to `schemas/`.
        file: String,
        /// JSON pointer inside the file ("" for the whole document).
        pointer: String,
        /// What is wrong, as a lowercase fragment.
        message: String,
    },
}

impl SpecError {
    /// Shorthand for [`SpecError::Invalid`].
    pub fn invalid(
        file: impl Into<String>,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        SpecError::Invalid {
            file: file.into(),
            pointer: pointer.into(),
            message: message.into(),
        }
    }
}
