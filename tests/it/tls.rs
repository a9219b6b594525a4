//! TLS trust, end to end: the mock served over TLS on loopback with a certificate from a CA made
//! at test time. The real binary trusts that CA only when told (`--ca-cert`), refuses it
//! otherwise (exit 3, one sentence), skips verification only with `--insecure` (and says so on
//! stderr and in every report), and names a `--ca-cert` file it cannot use (exit 2).

use partner_conformance::mock::{Credentials, Fixtures, MockState};
use partner_conformance::spec::Spec;
use serde_json::Value;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_rustls::rustls;

const TOKEN: &str = "tls-test-huaweicloud-token";
const AICC: &str = "tls-test-aicc-token";

/// The `--insecure` line the CLI prints on stderr.
const INSECURE_WARNING: &str = "warning: --insecure";
/// The note every report carries for an `--insecure` run.
const INSECURE_NOTE: &str = "--insecure: TLS certificates were NOT verified";

/// A CA and a server certificate for 127.0.0.1/localhost signed by it, made fresh per test.
struct Pki {
    ca_pem: String,
    chain: Vec<rustls::pki_types::CertificateDer<'static>>,
    key: rustls::pki_types::PrivateKeyDer<'static>,
}

impl Pki {
    fn generate() -> Pki {
        use rcgen::{
            BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose,
            IsCa, KeyPair, KeyUsagePurpose,
        };
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "partner-conformance test CA");
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();

        let mut params =
            CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, "partner-conformance test server");
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let key = KeyPair::generate().unwrap();
        let leaf = params.signed_by(&key, &ca).unwrap();
        Pki {
            ca_pem: ca.pem(),
            chain: vec![leaf.der().clone(), ca.der().clone()],
            key: rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        }
    }
}

impl Pki {
    /// What `openssl req -x509` makes by default: a self-signed certificate for the server that
    /// is also a CA (basicConstraints CA:TRUE), the usual first try at a staging certificate.
    fn self_signed_ca_as_server() -> Pki {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
        let mut params =
            CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(
            DnType::CommonName,
            "partner-conformance self-signed staging",
        );
        let key = KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        Pki {
            ca_pem: cert.pem(),
            chain: vec![cert.der().clone()],
            key: rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        }
    }
}

/// The project's mock behind TLS on 127.0.0.1: rustls in front of hyper in front of the mock's
/// router, on the test's runtime. TLS handshake failures are kept so a test can tell that the
/// client refused the certificate (not something else).
struct TlsMock {
    addr: SocketAddr,
    partner_id: String,
    handshake_errors: Arc<Mutex<Vec<String>>>,
    shutdown: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl TlsMock {
    async fn start(pki: &Pki) -> TlsMock {
        use hyper_util::rt::TokioIo;
        use hyper_util::service::TowerToHyperService;

        let spec = Spec::embedded().expect("embedded schemas load");
        let fixtures = Fixtures::embedded(&spec).expect("embedded fixtures load");
        let (credentials, _) = Credentials::from_lookup(&spec, |name| match name {
            "HUAWEICLOUD_TOKEN" => Some(TOKEN.to_string()),
            "AICC_TOKEN" => Some(AICC.to_string()),
            _ => None,
        });
        let partner_id = fixtures.partner_id.clone();
        let state = Arc::new(MockState {
            spec,
            credentials,
            fixtures,
            drifts: Default::default(),
            readings: Default::default(),
        });
        let app = partner_conformance::mock::app(state);

        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(pki.chain.clone(), pki.key.clone_key())
            .unwrap();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("loopback bind");
        let addr = listener.local_addr().unwrap();
        let handshake_errors = Arc::new(Mutex::new(Vec::new()));
        let errors = Arc::clone(&handshake_errors);
        let (shutdown, mut stop) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            // Dropped with the accept loop: stopping the server aborts every connection.
            let mut connections = tokio::task::JoinSet::new();
            loop {
                tokio::select! {
                    _ = &mut stop => break,
                    accepted = listener.accept() => {
                        let Ok((tcp, _)) = accepted else { continue };
                        let acceptor = acceptor.clone();
                        let app = app.clone();
                        let errors = Arc::clone(&errors);
                        connections.spawn(async move {
                            let handshake =
                                tokio::time::timeout(Duration::from_secs(5), acceptor.accept(tcp));
                            let stream = match handshake.await {
                                Ok(Ok(stream)) => stream,
                                Ok(Err(e)) => {
                                    errors.lock().unwrap().push(e.to_string());
                                    return;
                                }
                                Err(_) => {
                                    errors.lock().unwrap().push("handshake timed out".into());
                                    return;
                                }
                            };
                            let _ = hyper::server::conn::http1::Builder::new()
                                .serve_connection(
                                    TokioIo::new(stream),
                                    TowerToHyperService::new(app),
                                )
                                .await;
                        });
                    }
                    // Reap finished connections so the set does not grow with the run.
                    Some(_) = connections.join_next(), if !connections.is_empty() => {}
                }
            }
        });
        TlsMock {
            addr,
            partner_id,
            handshake_errors,
            shutdown,
            task,
        }
    }

    fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.addr.port())
    }

    fn handshake_errors(&self) -> Vec<String> {
        self.handshake_errors.lock().unwrap().clone()
    }

    async fn stop(self) {
        let _ = self.shutdown.send(());
        let _ = tokio::time::timeout(Duration::from_secs(5), self.task).await;
    }
}

/// A finished run of the binary: exit code, stderr and the reports it wrote.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    json: Value,
    markdown: String,
    junit: String,
}

impl Run {
    fn context(&self) -> String {
        format!(
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Runs `partner-conformance run` against the TLS mock with the mock's tokens, small and
/// bounded (`--cases 4 --timeout 5`), writing JSON, Markdown and JUnit reports. The machine's
/// own CA store is what it is; `SSL_CERT_FILE`/`SSL_CERT_DIR` are cleared so only `env` sets them.
async fn run(mock: &TlsMock, extra: &[&str]) -> Run {
    run_with_env(mock, extra, &[]).await
}

/// [`run`] with extra environment variables.
async fn run_with_env(mock: &TlsMock, extra: &[&str], env: &[(&str, &Path)]) -> Run {
    let dir = crate::fixtures::tempdir();
    let (json, markdown, junit) = (dir.join("r.json"), dir.join("r.md"), dir.join("r.xml"));
    let mut command = Command::new(env!("CARGO_BIN_EXE_partner-conformance"));
    command
        .args(["run", "--no-regressions", "--cases", "4", "--timeout", "5"])
        .args(["--test-threads", "2"])
        .args(["--target", &mock.url(), "--partner-id", &mock.partner_id])
        .arg("--report")
        .arg(format!("json={}", json.display()))
        .arg("--report")
        .arg(format!("markdown={}", markdown.display()))
        .arg("--report")
        .arg(format!("junit={}", junit.display()))
        .args(extra)
        .env("HUAWEICLOUD_TOKEN", TOKEN)
        .env("AICC_TOKEN", AICC)
        .env_remove("HUAWEICLOUD_SDK_AK")
        .env_remove("HUAWEICLOUD_SDK_SK")
        .env_remove("SSL_CERT_FILE")
        .env_remove("SSL_CERT_DIR");
    for (name, value) in env {
        command.env(name, value);
    }
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .expect("binary runs");
    let read = |path: &Path| std::fs::read_to_string(path).unwrap_or_default();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        json: serde_json::from_str(&read(&json)).unwrap_or(Value::Null),
        markdown: read(&markdown),
        junit: read(&junit),
    }
}

/// Writes the test CA to a PEM file in a fresh temp dir.
fn write_ca(pki: &Pki) -> PathBuf {
    let path = crate::fixtures::tempdir().join("test-ca.pem");
    std::fs::write(&path, &pki.ca_pem).unwrap();
    path
}

fn findings(run: &Run) -> usize {
    run.json["findings"].as_array().map_or(usize::MAX, Vec::len)
}

fn notes(run: &Run) -> Vec<String> {
    run.json["summary"]["notes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n.as_str().map(str::to_string))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_staging_ca_given_with_ca_cert_is_trusted() {
    let pki = Pki::generate();
    let mock = TlsMock::start(&pki).await;
    let ca = write_ca(&pki);
    let run = run(&mock, &["--ca-cert", ca.to_str().unwrap()]).await;
    let handshake_errors = mock.handshake_errors();
    mock.stop().await;
    assert_eq!(run.code, 0, "{}", run.context());
    assert_eq!(findings(&run), 0, "{}", run.context());
    assert_eq!(run.json["summary"]["transport_problems"], 0);
    assert!(
        run.json["transport"].as_array().is_none_or(Vec::is_empty),
        "{}",
        run.json["transport"]
    );
    assert!(handshake_errors.is_empty(), "{handshake_errors:?}");
    assert!(!run.stderr.contains(INSECURE_WARNING), "{}", run.stderr);
    assert!(
        !notes(&run).iter().any(|n| n.contains("--insecure")),
        "{:?}",
        notes(&run)
    );
}

/// The default trusts the machine's CA store: a CA installed there (here through
/// `SSL_CERT_FILE`, which the native store loader reads instead of `/etc/ssl/certs`) works
/// without `--ca-cert`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ca_in_the_system_store_is_trusted_by_default() {
    let pki = Pki::generate();
    let mock = TlsMock::start(&pki).await;
    let ca = write_ca(&pki);
    let run = run_with_env(&mock, &[], &[("SSL_CERT_FILE", &ca)]).await;
    let handshake_errors = mock.handshake_errors();
    mock.stop().await;
    assert_eq!(run.code, 0, "{}", run.context());
    assert_eq!(findings(&run), 0, "{}", run.context());
    assert_eq!(run.json["summary"]["transport_problems"], 0);
    assert!(handshake_errors.is_empty(), "{handshake_errors:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_ca_is_refused_with_one_sentence() {
    let pki = Pki::generate();
    let mock = TlsMock::start(&pki).await;
    let run = run(&mock, &[]).await;
    let handshake_errors = mock.handshake_errors();
    let url = mock.url();
    mock.stop().await;
    assert_eq!(run.code, 3, "{}", run.context());
    let errors: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("error:"))
        .collect();
    assert_eq!(errors.len(), 1, "{}", run.context());
    // One sentence that names the certificate and points at --ca-cert.
    let sentence = errors[0];
    assert!(sentence.contains("--ca-cert"), "{sentence}");
    assert!(sentence.contains(&url), "{sentence}");
    assert!(sentence.contains("TLS"), "{sentence}");
    assert!(
        sentence.contains("certificate"),
        "the sentence does not say the certificate was the problem: {sentence}"
    );
    // The client, not the server, gave up: it did not trust the certificate.
    assert!(!handshake_errors.is_empty(), "the server saw no handshake");
    assert!(
        handshake_errors
            .iter()
            .all(|e| e.contains("UnknownCA") || e.contains("BadCertificate")),
        "{handshake_errors:?}"
    );
    let kinds: Vec<&str> = run.json["transport"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["kind"].as_str())
        .collect();
    assert!(!kinds.is_empty(), "no transport problem reported");
    assert!(kinds.iter().all(|k| *k == "tls"), "{kinds:?}");
    // A certificate that is not trusted is not retried: one handshake per operation.
    assert_eq!(handshake_errors.len(), kinds.len(), "{handshake_errors:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn insecure_accepts_any_certificate_and_says_so_everywhere() {
    let pki = Pki::generate();
    let mock = TlsMock::start(&pki).await;
    let run = run(&mock, &["--insecure"]).await;
    mock.stop().await;
    assert_eq!(run.code, 0, "{}", run.context());
    assert_eq!(findings(&run), 0, "{}", run.context());
    assert!(run.stderr.contains(INSECURE_WARNING), "{}", run.stderr);
    assert!(
        notes(&run).iter().any(|n| n.contains(INSECURE_NOTE)),
        "summary.notes: {:?}",
        notes(&run)
    );
    assert!(
        run.stdout.contains(INSECURE_NOTE),
        "human report: {}",
        run.stdout
    );
    assert!(run.markdown.contains(INSECURE_NOTE), "{}", run.markdown);
}

/// The JUnit writer does not print the run's notes yet (`src/report/junit.rs`), so a CI test
/// view of an `--insecure` run does not say that certificates were not checked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn insecure_is_noted_in_the_junit_report() {
    let pki = Pki::generate();
    let mock = TlsMock::start(&pki).await;
    let run = run(&mock, &["--insecure"]).await;
    mock.stop().await;
    assert_eq!(run.code, 0, "{}", run.context());
    assert!(run.junit.contains(INSECURE_NOTE), "{}", run.junit);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_ca_cert_file_is_a_usage_error_naming_it() {
    let pki = Pki::generate();
    let mock = TlsMock::start(&pki).await;
    let missing = crate::fixtures::tempdir().join("no-such-ca.pem");
    let run = run(&mock, &["--ca-cert", missing.to_str().unwrap()]).await;
    let handshake_errors = mock.handshake_errors();
    mock.stop().await;
    assert_eq!(run.code, 2, "{}", run.context());
    assert!(
        run.stderr.contains(missing.to_str().unwrap()),
        "{}",
        run.context()
    );
    assert!(handshake_errors.is_empty(), "nothing should have been sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_self_signed_ca_certificate_given_with_ca_cert_is_explained_in_words() {
    let pki = Pki::self_signed_ca_as_server();
    let mock = TlsMock::start(&pki).await;
    let ca = write_ca(&pki);
    let run = run(&mock, &["--ca-cert", ca.to_str().unwrap()]).await;
    mock.stop().await;
    assert_eq!(run.code, 3, "{}", run.context());
    let sentence = run
        .stderr
        .lines()
        .find(|l| l.starts_with("error:"))
        .unwrap_or_default()
        .to_string();
    assert!(
        sentence.contains("CA:TRUE") && sentence.contains("--ca-cert"),
        "{sentence}"
    );
    assert!(
        !sentence.contains("OtherError") && !sentence.contains("CaUsedAsEndEntity"),
        "{sentence}"
    );
}
