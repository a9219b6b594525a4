//! The documented exit codes, and the one place an error becomes one.

/// Everything conformed (or the command finished normally).
pub const SUCCESS: i32 = 0;
/// Spec drift was found.
pub const DRIFT: i32 = 1;
/// Usage, configuration, schema or fixture error: nothing was (or could be) checked.
pub const USAGE: i32 = 2;
/// The target could not be used: unreachable, or every request failed at transport or auth.
pub const TARGET_UNUSABLE: i32 = 3;
/// The run ended without checking anything (every trial skipped): not a pass. It shares the
/// code of a usage error, whose meaning it has: nothing was checked.
pub const NOTHING_CHECKED: i32 = USAGE;

/// An error that ends the program, with the exit code it maps to.
#[derive(Debug, thiserror::Error)]
pub enum ExitError {
    /// Bad arguments, config, schemas or fixtures.
    #[error("{0:#}")]
    Usage(anyhow::Error),
    /// The target cannot be used.
    #[error("{0:#}")]
    TargetUnusable(anyhow::Error),
}

impl ExitError {
    /// The process exit code for this error.
    pub fn code(&self) -> i32 {
        match self {
            ExitError::Usage(_) => USAGE,
            ExitError::TargetUnusable(_) => TARGET_UNUSABLE,
        }
    }
}
