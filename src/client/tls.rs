//! TLS settings of the client: the system's roots by default, an extra CA for a staging
//! endpoint (`--ca-cert`), and certificate checks off only by explicit `--insecure`.

use std::path::PathBuf;

/// How the client trusts servers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsOptions {
    /// A PEM file of extra trusted CA certificates.
    pub ca_cert: Option<PathBuf>,
    /// Accept any certificate (never by default; warned about on stderr and in every report).
    pub insecure: bool,
}

/// Why TLS could not be set up.
#[derive(Debug, Clone, thiserror::Error)]
pub enum TlsError {
    /// The CA file could not be read or holds no certificate.
    #[error("{path}: {message}")]
    CaCert {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// reqwest refused the configuration.
    #[error("failed to build the HTTP client: {0}")]
    Build(String),
}

/// Applies the TLS options to a client builder. (Placeholder: system roots only.)
pub fn configure(
    builder: reqwest::ClientBuilder,
    tls: &TlsOptions,
) -> Result<reqwest::ClientBuilder, TlsError> {
    let _ = tls;
    Ok(builder)
}
