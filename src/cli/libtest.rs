//! The libtest options `run` and `migrate` take: the ones that do something for this suite
//! (filters, `--exact`, `--skip`, `--list`, `--test-threads`, `--format`, `--quiet`, `--color`,
//! `--logfile`), turned into libtest-mimic's [`libtest_mimic::Arguments`] by [`LibtestArgs::into_libtest`].
//!
//! libtest-mimic's own argument struct also carries flags kept only for compatibility with
//! cargo's harness, which do nothing here (`--nocapture`, `--show-output`, `--test`,
//! `--include-ignored`: no trial is marked ignored) or select nothing (`--ignored`, `--bench`,
//! `-Z`). Flattened as is, they filled `run --help` with options a user would try in vain, so
//! the harmless ones are accepted and hidden, and the others are not accepted at all.

use libtest_mimic::{ColorSetting, FormatSetting};

/// libtest options of `run` (see the module documentation for the ones left out).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct LibtestArgs {
    /// Run only the trials whose names contain FILTER.
    #[arg(value_name = "FILTER")]
    pub filter: Option<String>,
    /// Match FILTER exactly rather than as a substring.
    #[arg(long)]
    pub exact: bool,
    /// Skip the trials whose names contain FILTER (repeatable).
    #[arg(long, value_name = "FILTER")]
    pub skip: Vec<String>,
    /// List the trials instead of running them.
    #[arg(long)]
    pub list: bool,
    /// Trials run at once (1: one after the other, on the main thread).
    #[arg(long, value_name = "N")]
    pub test_threads: Option<usize>,
    /// Output of the trials on stdout: pretty (one line per trial), terse (one character), or
    /// json (one JSON event per line; the human summary then goes to stderr, so stdout stays
    /// machine-readable).
    #[arg(
        long,
        value_enum,
        value_name = "pretty|terse|json",
        conflicts_with = "quiet"
    )]
    pub format: Option<Format>,
    /// One character per trial: --format terse.
    #[arg(short, long)]
    pub quiet: bool,
    /// Colour of the trials' output and of the summary: auto (when stdout is a terminal and not
    /// CI, and NO_COLOR is unset), always or never.
    #[arg(long, value_enum, value_name = "auto|always|never")]
    pub color: Option<Color>,
    /// Write the trials' output to PATH instead of stdout.
    #[arg(long, value_name = "PATH")]
    pub logfile: Option<String>,
    /// No-op, for cargo test habits (output is never captured).
    #[arg(long, hide = true)]
    pub nocapture: bool,
    /// No-op, for cargo test habits (output is never captured).
    #[arg(long, hide = true)]
    pub show_output: bool,
    /// No-op, for cargo test habits (every trial is a test).
    #[arg(long, hide = true)]
    pub test: bool,
    /// No-op, for cargo test habits (no trial is marked ignored).
    #[arg(long, hide = true)]
    pub include_ignored: bool,
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One line per trial.
    Pretty,
    /// One character per trial.
    Terse,
    /// One JSON event per line.
    Json,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Color {
    /// When stdout is a terminal, not in CI, and NO_COLOR is unset.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

impl LibtestArgs {
    /// Whether stdout carries JSON events only, so everything else goes to stderr.
    pub fn json(&self) -> bool {
        self.format == Some(Format::Json)
    }

    /// The same options as libtest-mimic reads them.
    pub fn into_libtest(self) -> libtest_mimic::Arguments {
        libtest_mimic::Arguments {
            filter: self.filter,
            exact: self.exact,
            skip: self.skip,
            list: self.list,
            test_threads: self.test_threads,
            quiet: self.quiet,
            format: self.format.map(|f| match f {
                Format::Pretty => FormatSetting::Pretty,
                Format::Terse => FormatSetting::Terse,
                Format::Json => FormatSetting::Json,
            }),
            color: self.color.map(|c| match c {
                Color::Auto => ColorSetting::Auto,
                Color::Always => ColorSetting::Always,
                Color::Never => ColorSetting::Never,
            }),
            logfile: self.logfile,
            ..libtest_mimic::Arguments::default()
        }
    }
}
