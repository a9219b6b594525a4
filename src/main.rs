//! `partner-conformance`: parse arguments, call the library, map the outcome to an exit code.

use clap::Parser;
use partner_conformance::cli::{self, Cli};
use tracing_subscriber::EnvFilter;

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("PARTNER_CONFORMANCE_LOG")
                .unwrap_or_else(|_| EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let code = match cli::run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            error.code()
        }
    };
    std::process::exit(code);
}
