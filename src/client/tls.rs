//! TLS settings of the client: the system's roots by default, an extra CA for a staging
//! endpoint (`--ca-cert`), and certificate checks off only by explicit `--insecure`.
//!
//! The client is rustls (no OpenSSL to install). By default it trusts the union of the
//! machine's CA store (reqwest's `rustls-tls-native-roots`: `/etc/ssl/certs` and friends,
//! `SSL_CERT_FILE`/`SSL_CERT_DIR` when set) and the Mozilla roots compiled in
//! (`rustls-tls-webpki-roots`), so a publicly trusted endpoint works even on a machine without
//! a CA store, and a CA installed in the OS works without `--ca-cert`.

use std::path::{Path, PathBuf};

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
    /// The CA file could not be read, holds no certificate, or holds one rustls cannot use.
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

/// Largest CA file read: a CA bundle is a few hundred KiB; a larger file (or a device that
/// never ends) is a mistaken path, refused before it fills memory.
const MAX_CA_FILE_BYTES: u64 = 16 << 20;

/// Applies the TLS options to a client builder: rustls with the built-in roots (system store
/// plus the compiled-in Mozilla roots) when `built_in_roots` (a client that can only meet plain
/// http on loopback skips reading them), every certificate of `--ca-cert` added as a root, and
/// certificate verification off only for `--insecure`. A CA file that cannot be used fails
/// here, naming the file, rather than as a vague error at the first request.
pub fn configure(
    builder: reqwest::ClientBuilder,
    tls: &TlsOptions,
    built_in_roots: bool,
) -> Result<reqwest::ClientBuilder, TlsError> {
    let mut builder = builder
        .use_rustls_tls()
        .tls_built_in_root_certs(built_in_roots);
    if let Some(path) = &tls.ca_cert {
        for certificate in load_ca_certs(path)? {
            builder = builder.add_root_certificate(certificate);
        }
    }
    if tls.insecure {
        builder = builder.danger_accept_invalid_certs(true);
    }
    Ok(builder)
}

/// Reads every certificate of a PEM file and checks that rustls accepts each as a trust
/// anchor, so a bad file is reported with its name.
fn load_ca_certs(path: &Path) -> Result<Vec<reqwest::Certificate>, TlsError> {
    let fail = |message: String| TlsError::CaCert {
        path: path.display().to_string(),
        message,
    };
    let bytes = crate::files::read_bytes(path, MAX_CA_FILE_BYTES, "a CA certificate file")
        .map_err(|e| fail(format!("cannot read the CA certificate file: {e}")))?;
    let certificates = reqwest::Certificate::from_pem_bundle(&bytes)
        .map_err(|e| fail(format!("not a valid PEM certificate file ({})", cause(&e))))?;
    if certificates.is_empty() {
        return Err(fail(
            "no certificate in it: expected PEM `-----BEGIN CERTIFICATE-----` blocks (convert a \
             DER file with `openssl x509 -inform der -in FILE -out FILE.pem`)"
                .into(),
        ));
    }
    for (index, certificate) in certificates.iter().enumerate() {
        // reqwest parses the DER only when the client is built; a throwaway client with this
        // one root finds a broken certificate now, while the file can still be named.
        reqwest::Client::builder()
            .use_rustls_tls()
            .tls_built_in_root_certs(false)
            .add_root_certificate(certificate.clone())
            .build()
            .map_err(|e| {
                fail(format!(
                    "certificate {} of {} is not a usable CA certificate ({})",
                    index + 1,
                    certificates.len(),
                    cause(&e)
                ))
            })?;
    }
    Ok(certificates)
}

/// A sentence about a certificate the client refused, from the TLS library's error text (its
/// `Debug` names such as `CaUsedAsEndEntity` are not words a user can act on). `ca_cert` is the
/// file given with `--ca-cert`, which the usual mistakes involve.
pub fn describe_certificate_problem(message: &str, ca_cert: Option<&Path>) -> String {
    let given = ca_cert
        .map(|p| {
            format!(
                " (the file given with --ca-cert, {}, does not help)",
                p.display()
            )
        })
        .unwrap_or_default();
    if message.contains("CaUsedAsEndEntity") {
        format!(
            "the server presents a CA certificate (basicConstraints CA:TRUE) as its own \
             certificate, which TLS clients refuse even when that certificate is trusted{given}; \
             give the server a certificate signed by the CA, without CA:TRUE (a self-signed \
             certificate made with `openssl req -x509` has CA:TRUE unless told otherwise), and \
             pass the CA with --ca-cert"
        )
    } else if message.contains("UnknownIssuer") {
        match ca_cert {
            Some(p) => format!(
                "the certificate's issuer is not in {} nor among the system's roots: that file \
                 must hold the CA that signed the server's certificate",
                p.display()
            ),
            None => {
                "the certificate is signed by a CA that is not trusted; for a staging endpoint \
                     with its own CA pass --ca-cert CA.pem"
                    .to_string()
            }
        }
    } else if message.contains("NotValidForName") {
        format!("the certificate is not valid for the host name of the target URL{given}")
    } else if message.contains("NotValidYet") {
        "the certificate is not valid yet (check the clocks of this machine and the server)"
            .to_string()
    } else if message.contains("Expired") {
        format!("the certificate has expired{given}")
    } else if message.contains("InvalidPurpose") || message.contains("EndEntityUsedAsCa") {
        format!("the certificate is not made for a TLS server (its key usage forbids it){given}")
    } else if message.contains("Revoked") {
        "the certificate has been revoked".to_string()
    } else {
        let last = message.rsplit(": ").next().unwrap_or(message);
        format!(
            "{last}. For a staging endpoint with its own CA pass --ca-cert CA.pem; --insecure \
             skips verification (never against production)"
        )
    }
}

/// What went wrong, from a reqwest error whose own text is only "builder error": its sources.
fn cause(error: &reqwest::Error) -> String {
    let mut parts = Vec::new();
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        parts.push(inner.to_string());
        source = inner.source();
    }
    if parts.is_empty() {
        error.to_string()
    } else {
        parts.join(": ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh file under the system temp dir with `contents`.
    fn temp_file(name: &str, contents: &[u8]) -> PathBuf {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "partner-conformance-tls-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }

    fn ca_pem(name: &str) -> String {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        let key = rcgen::KeyPair::generate().unwrap();
        params.self_signed(&key).unwrap().pem()
    }

    fn options(path: &Path) -> TlsOptions {
        TlsOptions {
            ca_cert: Some(path.to_path_buf()),
            insecure: false,
        }
    }

    fn ca_cert_error(path: &Path) -> (String, String) {
        match configure(reqwest::Client::builder(), &options(path), true) {
            Err(TlsError::CaCert { path, message }) => (path, message),
            Err(other) => panic!("expected TlsError::CaCert, got {other:?}"),
            Ok(_) => panic!("{} was accepted", path.display()),
        }
    }

    #[test]
    fn a_missing_file_is_named() {
        let path = std::env::temp_dir().join("partner-conformance-no-such-ca.pem");
        let (named, message) = ca_cert_error(&path);
        assert_eq!(named, path.display().to_string());
        assert!(message.contains("cannot read"), "{message}");
        let shown = TlsError::CaCert {
            path: named,
            message,
        }
        .to_string();
        assert!(shown.starts_with(&path.display().to_string()), "{shown}");
    }

    #[test]
    fn a_file_without_a_certificate_is_named() {
        for (name, contents) in [
            ("empty.pem", &b""[..]),
            ("text.pem", b"not a certificate\n"),
            (
                "key-only.pem",
                b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
            ),
        ] {
            let path = temp_file(name, contents);
            let (named, message) = ca_cert_error(&path);
            assert_eq!(named, path.display().to_string());
            assert!(message.contains("no certificate"), "{name}: {message}");
        }
    }

    #[test]
    fn a_broken_certificate_is_named() {
        for (name, contents, expected) in [
            (
                "bad-base64.pem",
                &b"-----BEGIN CERTIFICATE-----\n!!!not base64!!!\n-----END CERTIFICATE-----\n"[..],
                "not a valid PEM",
            ),
            (
                "bad-der.pem",
                b"-----BEGIN CERTIFICATE-----\nAAECAwQF\n-----END CERTIFICATE-----\n",
                "certificate 1 of 1 is not a usable CA certificate",
            ),
        ] {
            let path = temp_file(name, contents);
            let (named, message) = ca_cert_error(&path);
            assert_eq!(named, path.display().to_string(), "{name}: {message}");
            assert!(message.contains(expected), "{name}: {message}");
        }
    }

    #[test]
    fn every_certificate_of_a_bundle_is_trusted() {
        let bundle = format!("{}{}", ca_pem("first CA"), ca_pem("second CA"));
        let path = temp_file("bundle.pem", bundle.as_bytes());
        assert_eq!(load_ca_certs(&path).unwrap().len(), 2);
        configure(reqwest::Client::builder(), &options(&path), true)
            .unwrap()
            .build()
            .expect("a client trusting the bundle builds");
    }

    #[test]
    fn defaults_and_insecure_build() {
        for insecure in [false, true] {
            let tls = TlsOptions {
                ca_cert: None,
                insecure,
            };
            configure(reqwest::Client::builder(), &tls, true)
                .unwrap()
                .build()
                .expect("the client builds with the system roots");
        }
    }
}
