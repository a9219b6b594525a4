//! The documented exit codes, and the one place an outcome becomes one: [`RunVerdict::code`]
//! for a run that got as far as a report, [`ExitError::code`] for one that ended in an error.
//! The README's exit-code table describes exactly these.

/// Everything conformed (or the command finished normally).
pub const SUCCESS: i32 = 0;
/// Spec drift was found.
pub const DRIFT: i32 = 1;
/// Usage, configuration, schema or fixture error: nothing was (or could be) checked; or a
/// requested output could not be written, so CI cannot trust what it reads.
pub const USAGE: i32 = 2;
/// The target could not be used: unreachable, or every request failed at transport or auth.
pub const TARGET_UNUSABLE: i32 = 3;
/// The run ended without checking anything (every trial skipped): not a pass. It shares the
/// code of a usage error, whose meaning it has: nothing was checked.
pub const NOTHING_CHECKED: i32 = USAGE;
/// The run held, but verified less of the documentation than a coverage gate asks
/// (`--min-coverage`): green on too little is not green.
pub const COVERAGE_BELOW: i32 = 4;
/// Stopped by SIGINT (Ctrl-C): 128 + 2, what a shell reports for a process the signal killed,
/// so scripts that test for it keep working although the reports were written.
pub const INTERRUPTED_SIGINT: i32 = 130;
/// Stopped by SIGTERM (a CI job cancelled or timed out): 128 + 15, as for SIGINT.
pub const INTERRUPTED_SIGTERM: i32 = 143;

/// A signal that stopped a run before it finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopSignal {
    /// SIGINT, Ctrl-C at a terminal.
    Interrupt,
    /// SIGTERM, what CI runners and `kill` send.
    Terminate,
}

impl StopSignal {
    /// The conventional name, for the reports and stderr.
    pub fn name(self) -> &'static str {
        match self {
            StopSignal::Interrupt => "SIGINT",
            StopSignal::Terminate => "SIGTERM",
        }
    }

    /// The exit code of a run it stopped.
    pub fn code(self) -> i32 {
        match self {
            StopSignal::Interrupt => INTERRUPTED_SIGINT,
            StopSignal::Terminate => INTERRUPTED_SIGTERM,
        }
    }
}

/// What a run that produced a report ended with, as far as its exit code is concerned. Kept as
/// facts rather than a code so that a later event (a report that could not be written) can be
/// added and the code recomputed with the same precedence.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunVerdict {
    /// The signal that stopped the run early, if one did.
    pub interrupted: Option<StopSignal>,
    /// New findings or behaviour changes.
    pub drift: bool,
    /// Every request failed at transport, or the preflight found nothing usable.
    pub target_unusable: bool,
    /// A requested output (report, request log, run directory, baseline, table) was not written.
    pub output_failed: bool,
    /// No trial checked anything (all skipped), or no requirement was verified.
    pub nothing_checked: bool,
    /// A coverage figure fell below its `--min-coverage`.
    pub coverage_below: bool,
}

impl RunVerdict {
    /// The exit code. An interruption comes first (the results are partial, whatever they
    /// show); then drift (the most specific failure); then an unusable target; then a lost
    /// output, which must never leave a run that found nothing at 0 (a CI job would read a
    /// missing or stale report as green); then a run that checked nothing; then a coverage gate
    /// that did not hold.
    pub fn code(&self) -> i32 {
        if let Some(signal) = self.interrupted {
            signal.code()
        } else if self.drift {
            DRIFT
        } else if self.target_unusable {
            TARGET_UNUSABLE
        } else if self.output_failed {
            USAGE
        } else if self.nothing_checked {
            NOTHING_CHECKED
        } else if self.coverage_below {
            COVERAGE_BELOW
        } else {
            SUCCESS
        }
    }
}

/// What an exit code means, in the words every report uses.
pub fn meaning(code: i32) -> &'static str {
    match code {
        SUCCESS => "no drift",
        DRIFT => "drift found",
        USAGE => "usage or configuration error, an output that could not be written, or nothing was checked",
        TARGET_UNUSABLE => "target unusable",
        COVERAGE_BELOW => "no drift, but less of the documentation verified than --min-coverage asks",
        INTERRUPTED_SIGINT => "interrupted by SIGINT; the reports cover what completed",
        INTERRUPTED_SIGTERM => "interrupted by SIGTERM; the reports cover what completed",
        _ => "undocumented exit code",
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interruption_outranks_everything_and_a_lost_output_is_never_success() {
        let drift = RunVerdict {
            drift: true,
            output_failed: true,
            ..RunVerdict::default()
        };
        assert_eq!(drift.code(), DRIFT);
        let interrupted = RunVerdict {
            interrupted: Some(StopSignal::Terminate),
            ..drift
        };
        assert_eq!(interrupted.code(), 143);
        let lost = RunVerdict {
            output_failed: true,
            ..RunVerdict::default()
        };
        assert_eq!(lost.code(), USAGE);
        assert_eq!(RunVerdict::default().code(), SUCCESS);
        let idle = RunVerdict {
            nothing_checked: true,
            ..RunVerdict::default()
        };
        assert_eq!(idle.code(), NOTHING_CHECKED);
        assert_eq!(StopSignal::Interrupt.code(), 130);
        // A coverage gate comes last: drift or nothing checked say more.
        let thin = RunVerdict {
            coverage_below: true,
            ..RunVerdict::default()
        };
        assert_eq!(thin.code(), COVERAGE_BELOW);
        assert_eq!(
            RunVerdict {
                drift: true,
                ..thin
            }
            .code(),
            DRIFT
        );
        assert_eq!(
            RunVerdict {
                nothing_checked: true,
                ..thin
            }
            .code(),
            NOTHING_CHECKED
        );
    }
}
