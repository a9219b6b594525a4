//! Sending requests: one reqwest client (connection pool shared by every trial), a semaphore
//! bounding requests in flight, a whole-request timeout, a cap on body size, no redirects and no
//! decompression. Whatever the target does, a send ends as an [`Exchange`] or a
//! [`TransportError`], in bounded time and memory.

use super::request::PreparedRequest;
use super::target::{Target, TargetCredentials};
use super::tls::{TlsError, TlsOptions};
use crate::spec::Spec;
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// Bounds on one run's traffic.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Time for one request, connect to last body byte.
    pub timeout: Duration,
    /// Largest body read; larger ones are a transport problem.
    pub max_body_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            concurrency: 16,
            timeout: Duration::from_secs(10),
            max_body_bytes: 8 << 20,
        }
    }
}

/// A request and the answer it got.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// What was sent.
    pub request: PreparedRequest,
    /// HTTP status.
    pub status: u16,
    /// Response headers, names lower-case.
    pub headers: Vec<(String, String)>,
    /// The body parsed as JSON.
    pub body: Value,
    /// Time from send to last byte.
    pub elapsed: Duration,
}

impl Exchange {
    /// A response header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why a request got no usable answer. Not drift: the target could not be asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TransportKind {
    /// Connection refused or the host could not be reached.
    Connect,
    /// No complete answer within the timeout.
    Timeout,
    /// The body was larger than the limit.
    BodyTooLarge,
    /// The answer was not HTTP, or broke off (reset, truncated).
    Protocol,
    /// The body is not JSON where JSON is documented.
    NotJson,
    /// Anything else reqwest reports.
    Other,
}

impl TransportKind {
    /// The stable name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            TransportKind::Connect => "connect",
            TransportKind::Timeout => "timeout",
            TransportKind::BodyTooLarge => "body_too_large",
            TransportKind::Protocol => "protocol",
            TransportKind::NotJson => "not_json",
            TransportKind::Other => "other",
        }
    }
}

/// A request that got no usable answer.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{kind:?}: {message}")]
pub struct TransportError {
    /// Classification.
    pub kind: TransportKind,
    /// Details (never containing credentials).
    pub message: String,
    /// The status, when an HTTP head arrived.
    pub status: Option<u16>,
}

/// The client every trial shares.
#[derive(Debug, Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
    spec: Arc<Spec>,
    target: Arc<Target>,
    credentials: Arc<TargetCredentials>,
    in_flight: Arc<Semaphore>,
    limits: Limits,
    log: Option<Arc<std::sync::Mutex<Vec<String>>>>,
}

impl HttpClient {
    /// Builds the client. Fails only if TLS cannot be set up (an unreadable or invalid CA file).
    pub fn new(
        spec: Arc<Spec>,
        target: Arc<Target>,
        credentials: Arc<TargetCredentials>,
        limits: Limits,
        tls: &TlsOptions,
    ) -> Result<Self, TlsError> {
        let builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(limits.timeout)
            .connect_timeout(limits.timeout)
            .pool_max_idle_per_host(limits.concurrency)
            .user_agent(concat!("partner-conformance/", env!("CARGO_PKG_VERSION")));
        let inner = super::tls::configure(builder, tls)?
            .build()
            .map_err(|e| TlsError::Build(e.to_string()))?;
        Ok(HttpClient {
            inner,
            spec,
            target,
            credentials,
            in_flight: Arc::new(Semaphore::new(limits.concurrency.max(1))),
            limits,
            log: None,
        })
    }

    /// Keeps a line (`METHOD path?query`, no host, no credentials) for every request sent, for
    /// `--request-log`.
    pub fn with_request_log(mut self) -> Self {
        self.log = Some(Arc::new(std::sync::Mutex::new(Vec::new())));
        self
    }

    /// The logged requests, sorted (concurrency makes the sending order vary; the set does not).
    pub fn request_log(&self) -> Option<Vec<String>> {
        let log = self.log.as_ref()?;
        let mut lines = log.lock().map(|l| l.clone()).unwrap_or_default();
        lines.sort();
        Some(lines)
    }

    /// The target this client talks to.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// The credentials it presents.
    pub fn credentials(&self) -> &TargetCredentials {
        &self.credentials
    }

    /// The contract.
    pub fn spec(&self) -> &Spec {
        &self.spec
    }

    /// Sends a request and reads the whole answer within the limits.
    pub async fn send(&self, request: &PreparedRequest) -> Result<Exchange, TransportError> {
        let _permit = self.in_flight.acquire().await.map_err(|_| TransportError {
            kind: TransportKind::Other,
            message: "the client was shut down".into(),
            status: None,
        })?;
        let op = self.spec.operation(request.operation);
        let url = request.url(op, &self.target);
        if let Some(log) = &self.log {
            if let Ok(mut lines) = log.lock() {
                lines.push(format!(
                    "{} {:?} {}",
                    request.auth_label(),
                    request.headers,
                    request.summary(op)
                ));
            }
        }
        let method =
            reqwest::Method::from_bytes(request.method.as_bytes()).unwrap_or(reqwest::Method::GET);
        let mut builder = self.inner.request(method, &url);
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        if let Some((name, value, _)) = request.credential_header(op, &self.credentials) {
            builder = builder.header(name, value);
        }
        let started = Instant::now();
        let sent = tokio::time::timeout(self.limits.timeout, async {
            let mut response = builder.send().await.map_err(classify)?;
            let status = response.status().as_u16();
            let headers: Vec<(String, String)> = response
                .headers()
                .iter()
                .map(|(n, v)| {
                    (
                        n.as_str().to_string(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect();
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(|e| {
                let mut error = classify(e);
                error.status = Some(status);
                error
            })? {
                if body.len() + chunk.len() > self.limits.max_body_bytes {
                    return Err(TransportError {
                        kind: TransportKind::BodyTooLarge,
                        message: format!("body larger than {} bytes", self.limits.max_body_bytes),
                        status: Some(status),
                    });
                }
                body.extend_from_slice(&chunk);
            }
            Ok((status, headers, body))
        })
        .await;
        let (status, headers, body) = match sent {
            Ok(result) => result?,
            Err(_) => {
                return Err(TransportError {
                    kind: TransportKind::Timeout,
                    message: format!("no complete answer within {:?}", self.limits.timeout),
                    status: None,
                })
            }
        };
        let body = parse_json(&body).map_err(|message| TransportError {
            kind: TransportKind::NotJson,
            message,
            status: Some(status),
        })?;
        Ok(Exchange {
            request: request.clone(),
            status,
            headers,
            body,
            elapsed: started.elapsed(),
        })
    }
}

/// Parses a body as JSON; an empty body or text is described briefly (never echoed in full).
fn parse_json(bytes: &[u8]) -> Result<Value, String> {
    if bytes.is_empty() {
        return Err("empty body where JSON is documented".into());
    }
    serde_json::from_slice(bytes).map_err(|e| {
        let start: String = String::from_utf8_lossy(&bytes[..bytes.len().min(40)])
            .chars()
            .filter(|c| !c.is_control())
            .collect();
        format!("body is not JSON ({e}); it starts with {start:?}")
    })
}

fn classify(error: reqwest::Error) -> TransportError {
    let kind = if error.is_timeout() {
        TransportKind::Timeout
    } else if error.is_connect() {
        TransportKind::Connect
    } else if error.is_body() || error.is_decode() || error.is_request() {
        TransportKind::Protocol
    } else {
        TransportKind::Other
    };
    // reqwest's message names the URL; without credentials in it (they travel in headers).
    let mut message = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(inner) = source {
        message.push_str(": ");
        message.push_str(&inner.to_string());
        source = inner.source();
    }
    TransportError {
        kind,
        message,
        status: None,
    }
}
