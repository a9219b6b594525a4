//! Transport problems: why a request got no usable answer ([`TransportKind`]), as opposed to an
//! answer that drifts from the documentation. Not drift: the target could not be asked, so these
//! are reported apart from findings. Here too is how a reqwest error is classified, so that a
//! certificate problem, a refused connection and a timeout each get the kind (and the fix) they
//! need.

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
    /// Not sent: the run's `--max-requests` or `--max-duration` budget is spent.
    Budget,
    /// The TLS handshake failed: the target's certificate is not trusted.
    Tls,
    /// Still 429 or 503 after the retries: the target is throttling or unavailable.
    Throttled,
    /// Not sent, or given up in flight, because the run was stopped (SIGINT, SIGTERM): neither
    /// an answer nor a problem of the target.
    Interrupted,
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
            TransportKind::Budget => "budget",
            TransportKind::Tls => "tls",
            TransportKind::Throttled => "throttled",
            TransportKind::Interrupted => "interrupted",
            TransportKind::Other => "other",
        }
    }

    /// Whether the request never got to the target on the run's own account (its budget was
    /// spent, or it was stopped): the trial was cut short, the target did nothing wrong.
    pub fn is_cut_short(self) -> bool {
        matches!(self, TransportKind::Budget | TransportKind::Interrupted)
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

/// Classifies a reqwest error as the transport problem it is, with its whole chain of causes
/// in the message.
pub(super) fn classify(error: reqwest::Error) -> TransportError {
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
    // A certificate the client does not trust is its own kind: retrying cannot help, and the
    // user's fix (--ca-cert) differs from that of an unreachable host.
    let kind = if message.contains("certificate") {
        TransportKind::Tls
    } else {
        kind
    };
    TransportError {
        kind,
        message,
        status: None,
    }
}
