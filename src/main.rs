//! `partner-conformance`: parse arguments, call the library, map the outcome to an exit code.

use partner_conformance::cli::{self, Cli};
use partner_conformance::secret::{redact, RedactingStderr};
use tracing_subscriber::EnvFilter;

/// A run allocates and frees small buffers for every request, answer and generated case on two
/// threads at once; mimalloc's per-thread free lists make that markedly cheaper than glibc's
/// allocator (measured by bench/run: the suite's requests per second on loopback).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The credential variables whose values must never be printed.
const SECRET_VARIABLES: &[&str] = &[
    "HUAWEICLOUD_TOKEN",
    "AICC_TOKEN",
    "HUAWEICLOUD_SDK_AK",
    "HUAWEICLOUD_SDK_SK",
];

fn main() {
    let secrets: Vec<String> = SECRET_VARIABLES
        .iter()
        .filter_map(|name| std::env::var(name).ok())
        .filter(|value| !value.is_empty())
        .collect();
    // Logs at every level and panic messages go through the same redaction.
    let writer = RedactingStderr::new(secrets.clone());
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("PARTNER_CONFORMANCE_LOG")
                .unwrap_or_else(|_| EnvFilter::new("warn")),
        )
        .with_writer(move || writer.clone())
        .init();
    let hook_secrets = secrets.clone();
    std::panic::set_hook(Box::new(move |info| {
        eprintln!(
            "partner-conformance panicked (a bug; please report it): {}",
            redact(&info.to_string(), &hook_secrets)
        );
    }));
    let cli = Cli::parse_args();
    let code = match cli::run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {}", redact(&error.to_string(), &secrets));
            error.code()
        }
    };
    std::process::exit(code);
}
