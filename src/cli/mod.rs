//! Command-line interface: argument definitions and the commands they run.
//!
//! This file holds the command line as a whole ([`Cli`], [`Command`]) and sends each command to
//! its own file: `run` (also `migrate`), `replay`, `serve`, `sign`, `list` (also `explain`),
//! `export` and `config`. The flags that `run` and `replay` share are defined once: where requests go and how
//! TLS is checked in [`TargetArgs`], the config file and profile in [`ProfileArgs`].

use crate::exit::ExitError;
use crate::spec::Spec;
use anyhow::Context;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use std::path::PathBuf;
use std::sync::Arc;

mod config;
mod export;
mod libtest;
mod list;
mod replay;
mod run;
mod serve;
mod sign;
mod target;

pub use config::{ConfigAction, ProfileArgs};
pub use export::ExportWhat;
pub use libtest::LibtestArgs;
pub use list::{list, ListWhat};
pub use replay::ReplayArgs;
pub use run::{MigrateArgs, RunArgs};
pub use serve::ServeArgs;
pub use sign::SignArgs;
pub use target::TargetArgs;

/// Contract tests and a reference mock for the Huawei Cloud partner customer APIs.
#[derive(Debug, Parser)]
#[command(name = "partner-conformance", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the conformance suite (against the embedded mock unless --target is given).
    Run(Box<RunArgs>),
    /// Compare each new API with the old one it replaces, for one partner (against the embedded
    /// mock unless --target is given); prints the migration table.
    Migrate(Box<MigrateArgs>),
    /// Serve the documented APIs on loopback: the reference mock.
    Serve(ServeArgs),
    /// Explain a check (what it verifies, the documentation it rests on, how to reproduce) or a
    /// requirement of the coverage catalogue (its quotes and the checks that verify it).
    Explain {
        /// Check code (PC012) or name (fuzzy_filter), or a requirement id
        /// (customers_v1.query.page_size.maximum; see `list requirements`).
        check: String,
    },
    /// Re-send the requests behind the findings of a run and say which findings still hold.
    Replay(ReplayArgs),
    /// Send one request signed with AK/SK (HUAWEICLOUD_SDK_AK/SK from the environment) and print
    /// the answer; the signature is never printed. Reports write AK/SK reproduce lines this way.
    Sign(SignArgs),
    /// Work with the config file of profiles.
    Config {
        /// What to do.
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// Export the contract for other tools.
    Export {
        /// What to export.
        #[command(subcommand)]
        what: ExportWhat,
    },
    /// List checks, operations, drifts, faults, readings or requirements.
    List {
        /// What to list.
        #[arg(value_enum)]
        what: ListWhat,
    },
    /// Print a completion script for SHELL on stdout (e.g. `completions bash >
    /// ~/.local/share/bash-completion/completions/partner-conformance`).
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

impl Cli {
    /// Parses the process's arguments like [`Parser::parse`], with a `--version` that also
    /// names the git commit and the schemas hash ([`crate::build_info::ToolInfo`]): the
    /// derive's `version` can only hold text known at compile time, and the hash is not.
    pub fn parse_args() -> Cli {
        let version = crate::build_info::VERSION;
        let short = match crate::build_info::commit() {
            Some(commit) => format!("{version} ({commit})"),
            None => version.to_string(),
        };
        let mut command = Cli::command().version(short.leak() as &'static str);
        // The long version holds the embedded schemas' hash: only `--version` prints it, so a
        // command that loads no embedded contract (`sign`, `list`, `config`) does not hash.
        if std::env::args_os().any(|arg| arg == "--version") {
            let info = crate::build_info::ToolInfo::embedded();
            command = command.long_version(info.long_version().leak() as &'static str);
        }
        let mut matches = command.get_matches();
        Cli::from_arg_matches_mut(&mut matches).unwrap_or_else(|e| e.exit())
    }
}

/// Runs a parsed command line; returns the exit code.
pub fn run(cli: Cli) -> Result<i32, ExitError> {
    match cli.command {
        Command::Run(args) => run::run(*args, None),
        Command::Migrate(args) => {
            let MigrateArgs { table, run } = *args;
            run::run(run, Some(table))
        }
        Command::Serve(args) => serve::run(args),
        Command::Explain { check } => list::explain(&check),
        Command::Replay(args) => replay::run(args),
        Command::Sign(args) => sign::run(args),
        Command::Export { what } => export::run(what),
        Command::Config { action } => config::run(action),
        Command::List { what } => list::run(what),
        Command::Completions { shell } => completions(shell),
    }
}

/// `completions SHELL`: the script, written whole or not at all. clap_complete panics on a
/// failed write, so it writes to memory; a closed pipe (`| head`) is not an error.
fn completions(shell: clap_complete::Shell) -> Result<i32, ExitError> {
    use std::io::Write as _;
    let mut script = Vec::new();
    clap_complete::generate(
        shell,
        &mut Cli::command(),
        "partner-conformance",
        &mut script,
    );
    match std::io::stdout().write_all(&script) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(ExitError::Usage(
            anyhow::anyhow!("failed to write the completion script: {e}"),
        )),
        _ => Ok(crate::exit::SUCCESS),
    }
}

/// Loads the contract from a directory or the embedded copy.
pub fn load_spec(dir: Option<&PathBuf>) -> Result<Arc<Spec>, ExitError> {
    match dir {
        Some(dir) => Spec::from_dir(dir)
            .map(Arc::new)
            .with_context(|| format!("failed to load schemas from {}", dir.display())),
        None => Spec::embedded().context("failed to load the embedded schemas"),
    }
    .map_err(ExitError::Usage)
}

/// Whether an environment variable is set to something (an empty value counts as unset).
fn env_is_set(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| !v.is_empty())
}
