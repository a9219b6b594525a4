//! Sending requests: one reqwest client (connection pool shared by every trial), a semaphore
//! bounding requests in flight, an optional rate limit, a whole-request timeout, a cap on body
//! size, no redirects and no decompression; bounded, jittered retries of idempotent requests
//! after transport errors, 429 and 503 (honouring Retry-After); AK/SK signing at send time; and a
//! run-wide request and time budget. Whatever the target does, a send ends as an [`Exchange`] or
//! a [`TransportError`], in bounded time and memory. An answer's headers and body have every form
//! of the run's credentials redacted on receipt, so nothing downstream (checks, ids fed to later
//! requests, quotes in reports) ever holds a credential the target echoed.

use super::request::PreparedRequest;
use super::stop::StopSwitch;
use super::target::{Target, TargetCredentials};
use super::tls::{TlsError, TlsOptions};
use super::transport::{classify, TransportError, TransportKind};
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
    /// Requests per second at most (`None`: unthrottled, as for loopback targets).
    pub rate: Option<f64>,
    /// Retries of an idempotent request after a transport error, 429 or 503.
    pub retries: u32,
    /// Longest Retry-After honoured; a longer one ends the retries.
    pub max_retry_after: Duration,
    /// Requests the run may send in all (`--max-requests`).
    pub max_requests: Option<u64>,
    /// Time the run may take (`--max-duration`).
    pub max_duration: Option<Duration>,
}

impl Limits {
    /// The politeness of a run or a replay: what the user chose (flag or profile), otherwise
    /// unthrottled with 16 in flight on loopback, and 5 requests per second with 2 in flight
    /// against anything else; 10 seconds a request.
    pub fn polite(
        loopback: bool,
        concurrency: Option<crate::settings::Concurrency>,
        rate: Option<crate::settings::Rate>,
        timeout: Option<crate::settings::TimeoutSeconds>,
    ) -> Limits {
        use crate::settings::WholeSetting as _;
        Limits {
            concurrency: concurrency.map_or(if loopback { 16 } else { 2 }, |c| c.get() as usize),
            rate: rate
                .map(|r| r.get())
                .or(if loopback { None } else { Some(5.0) }),
            timeout: Duration::from_secs(timeout.map_or(10, |t| t.get())),
            ..Limits::default()
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            concurrency: 16,
            timeout: Duration::from_secs(10),
            max_body_bytes: 8 << 20,
            rate: None,
            retries: 2,
            max_retry_after: Duration::from_secs(30),
            max_requests: None,
            max_duration: None,
        }
    }
}

/// How many requests went out, and how many of them were retries.
#[derive(Debug, Default)]
struct Counters {
    sent: std::sync::atomic::AtomicU64,
    retried: std::sync::atomic::AtomicU64,
    refused_by_budget: std::sync::atomic::AtomicU64,
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
    /// The body as received, for what parsing into [`Value`] would change: the exact digits of
    /// a decimal amount (see `checks::decimal`).
    pub raw_body: Vec<u8>,
    /// Time from send to last byte.
    pub elapsed: Duration,
    /// Whether the body was not JSON but text, accepted because its status documents a String
    /// body (the AICC errors): `body` then holds the text as a JSON string, and the checks judge
    /// how it was sent (A29). Any other body that is not JSON is a transport problem.
    pub body_is_text: bool,
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

/// The client every trial shares.
#[derive(Debug, Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
    spec: Arc<Spec>,
    target: Arc<Target>,
    credentials: Arc<TargetCredentials>,
    in_flight: Arc<Semaphore>,
    limits: Limits,
    log: Option<Arc<super::request_log::RequestLog>>,
    next_slot: Arc<tokio::sync::Mutex<Instant>>,
    started: Instant,
    counters: Arc<Counters>,
    stop: StopSwitch,
    redactor: Arc<crate::secret::Redactor>,
}

/// What the client sent over a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrafficStats {
    /// Requests that went out, retries included.
    pub sent: u64,
    /// Of those, retries.
    pub retried: u64,
    /// Requests not sent because the budget was spent.
    pub refused_by_budget: u64,
}

/// A request the stop switch turned away or gave up: not a problem of the target.
fn interrupted(message: String) -> TransportError {
    TransportError {
        kind: TransportKind::Interrupted,
        message,
        status: None,
    }
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
        // No reqwest-wide timeout: `exchange` bounds the whole request, connect to last body
        // byte, itself, and a second timer per request would only cost. The connect timeout
        // stays: it costs a timer per new connection, not per request, and names a connection
        // that cannot be made as such.
        let builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(limits.timeout)
            .pool_max_idle_per_host(limits.concurrency)
            .user_agent(concat!("partner-conformance/", env!("CARGO_PKG_VERSION")));
        let builder = super::proxy::with_proxies(builder)?;
        let inner = super::tls::configure(builder, tls, target.needs_tls_roots())?
            .build()
            .map_err(|e| TlsError::Build(e.to_string()))?;
        Ok(HttpClient {
            inner,
            spec,
            target,
            in_flight: Arc::new(Semaphore::new(limits.concurrency.max(1))),
            limits,
            log: None,
            next_slot: Arc::new(tokio::sync::Mutex::new(Instant::now())),
            started: Instant::now(),
            counters: Arc::new(Counters::default()),
            stop: StopSwitch::default(),
            redactor: Arc::new(crate::secret::Redactor::new(credentials.secret_values())),
            credentials,
        })
    }

    /// Lets `stop` end this client's traffic (see [`StopSwitch`]): the harness flips it when the
    /// run is interrupted.
    pub fn with_stop(mut self, stop: StopSwitch) -> Self {
        self.stop = stop;
        self
    }

    /// The switch that stops this client's traffic.
    pub fn stop_switch(&self) -> &StopSwitch {
        &self.stop
    }

    /// What went out so far.
    pub fn stats(&self) -> TrafficStats {
        use std::sync::atomic::Ordering::Relaxed;
        TrafficStats {
            sent: self.counters.sent.load(Relaxed),
            retried: self.counters.retried.load(Relaxed),
            refused_by_budget: self.counters.refused_by_budget.load(Relaxed),
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Takes one request from the run's budget; `Err` says which budget is spent. Atomic, so
    /// concurrent sends never exceed `--max-requests`.
    fn reserve(&self) -> Result<(), String> {
        use std::sync::atomic::Ordering::Relaxed;
        if let Some(max) = self.limits.max_duration {
            if self.started.elapsed() >= max {
                return Err(format!("--max-duration {}s reached", max.as_secs()));
            }
        }
        let max = self.limits.max_requests.unwrap_or(u64::MAX);
        self.counters
            .sent
            .fetch_update(Relaxed, Relaxed, |sent| (sent < max).then_some(sent + 1))
            .map(|_| ())
            .map_err(|_| format!("--max-requests {max} reached"))
    }

    /// Waits for the next slot of the rate limit, if there is one.
    async fn pace(&self) {
        let Some(rate) = self.limits.rate.filter(|r| *r > 0.0) else {
            return;
        };
        let interval = Duration::from_secs_f64(1.0 / rate);
        let slot = {
            let mut next = self.next_slot.lock().await;
            let slot = (*next).max(Instant::now());
            *next = slot + interval;
            slot
        };
        tokio::time::sleep_until(slot.into()).await;
    }

    /// Keeps a line (`METHOD path?query`, no host, no credentials) for every request sent, for
    /// `--request-log`.
    pub fn with_request_log(mut self) -> Self {
        self.log = Some(Arc::new(super::request_log::RequestLog::default()));
        self
    }

    /// The logged requests, sorted (concurrency makes the sending order vary; the set does not),
    /// or why the log is incomplete.
    pub fn request_log(&self) -> Option<Result<super::request_log::SortedLines, String>> {
        Some(self.log.as_ref()?.sorted())
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

    /// Sends a request and reads the whole answer within the limits, retrying an idempotent
    /// request after a transport error, 429 or 503 (waiting Retry-After when the target gives
    /// one, else a jittered backoff), at most `retries` times.
    pub async fn send(&self, request: &PreparedRequest) -> Result<Exchange, TransportError> {
        use std::sync::atomic::Ordering::Relaxed;
        let idempotent = matches!(request.method.as_str(), "GET" | "HEAD")
            || self.spec.operation(request.operation).meta.read_only;
        let mut attempt = 0;
        loop {
            if self.stop.is_stopped() {
                return Err(interrupted(self.stop.refusal()));
            }
            if let Err(reason) = self.reserve() {
                self.counters.refused_by_budget.fetch_add(1, Relaxed);
                return Err(TransportError {
                    kind: TransportKind::Budget,
                    message: format!("not sent: {reason}"),
                    status: None,
                });
            }
            // A stop while waiting for the rate limit's slot: the request was never sent.
            let stopped = tokio::select! {
                biased;
                () = self.stop.stopped() => true,
                () = self.pace() => false,
            };
            if stopped {
                self.counters.sent.fetch_sub(1, Relaxed);
                return Err(interrupted(self.stop.refusal()));
            }
            if attempt > 0 {
                self.counters.retried.fetch_add(1, Relaxed);
            }
            let result = self.attempt(request).await;
            let retry_after = match &result {
                Ok(exchange) if matches!(exchange.status, 429 | 503) => {
                    Some(exchange.header("retry-after").map(str::to_string))
                }
                Err(e)
                    if matches!(
                        e.kind,
                        TransportKind::Connect | TransportKind::Timeout | TransportKind::Protocol
                    ) =>
                {
                    Some(None)
                }
                Err(e)
                    if e.kind == TransportKind::NotJson && matches!(e.status, Some(429 | 503)) =>
                {
                    Some(None)
                }
                _ => None,
            };
            let Some(retry_after) =
                retry_after.filter(|_| idempotent && attempt < self.limits.retries)
            else {
                return throttled(result, attempt);
            };
            let wait = match retry_after.as_deref().map(parse_retry_after) {
                Some(Some(wait)) if wait > self.limits.max_retry_after => {
                    return throttled(result, attempt)
                }
                Some(Some(wait)) => wait,
                _ => backoff(attempt),
            };
            // No retry after a stop: the last outcome stands.
            let stopped = tokio::select! {
                biased;
                () = self.stop.stopped() => true,
                () = tokio::time::sleep(wait) => false,
            };
            if stopped {
                return throttled(result, attempt);
            }
            attempt += 1;
        }
    }

    /// One attempt: sign if needed, send, read the body within the limits.
    async fn attempt(&self, request: &PreparedRequest) -> Result<Exchange, TransportError> {
        // Waiting for a free slot is not being in flight: a stop meanwhile means not sent.
        let permit = tokio::select! {
            biased;
            () = self.stop.stopped() => None,
            permit = self.in_flight.acquire() => Some(permit),
        };
        let _permit = match permit {
            None => {
                self.counters
                    .sent
                    .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
                return Err(interrupted(self.stop.refusal()));
            }
            Some(permit) => permit.map_err(|_| TransportError {
                kind: TransportKind::Other,
                message: "the client was shut down".into(),
                status: None,
            })?,
        };
        // In flight from here: a stop lets it finish, until the grace is over.
        tokio::select! {
            biased;
            () = self.stop.abandoning() => Err(interrupted(self.stop.given_up())),
            result = self.exchange(request) => result,
        }
    }

    /// Sends one request and reads its whole answer within the limits.
    async fn exchange(&self, request: &PreparedRequest) -> Result<Exchange, TransportError> {
        let op = self.spec.operation(request.operation);
        let (url, signed_headers) = self.signed_url_and_headers(request, op);
        if let Some(log) = &self.log {
            log.push(format!(
                "{} {:?} {}",
                request.auth_label(),
                request.extra_headers().collect::<Vec<_>>(),
                request.summary(op)
            ));
        }
        let method =
            reqwest::Method::from_bytes(request.method.as_bytes()).unwrap_or(reqwest::Method::GET);
        let mut builder = self.inner.request(method, &url);
        if let Some(body) = request.body_bytes(op) {
            builder = builder.body(body);
        }
        match signed_headers {
            Some(headers) => {
                for (name, value) in headers {
                    // reqwest sends Host from the URL, the same authority that was signed.
                    if !name.eq_ignore_ascii_case("host") {
                        builder = builder.header(name.as_str(), value.as_str());
                    }
                }
            }
            None => {
                for (name, value) in request.extra_headers() {
                    builder = builder.header(name.as_str(), value.as_str());
                }
                if op.has_body()
                    && !request
                        .extra_headers()
                        .any(|(n, _)| header_is(n, "content-type"))
                {
                    builder = builder.header("Content-Type", "application/json");
                }
                if let Some((name, value, _)) = request.credential_header(op, &self.credentials) {
                    builder = builder.header(name, value);
                }
            }
        }
        let started = Instant::now();
        let sent = tokio::time::timeout(self.limits.timeout, async {
            let mut response = builder.send().await.map_err(classify)?;
            let status = response.status().as_u16();
            let headers: Vec<(String, String)> = response
                .headers()
                .iter()
                .map(|(n, v)| {
                    let value = String::from_utf8_lossy(v.as_bytes());
                    (n.as_str().to_string(), self.redactor.redact(&value))
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
        // What the target echoed of the credentials goes no further than this.
        // Kept as read unless a credential had to be cut out (no copy of every answer).
        let redacted = match self.redactor.redact_bytes(&body) {
            std::borrow::Cow::Owned(redacted) => Some(redacted),
            std::borrow::Cow::Borrowed(_) => None,
        };
        let raw_body = redacted.unwrap_or(body);
        if let Some(values) = too_many_values(&raw_body) {
            return Err(TransportError {
                kind: TransportKind::BodyTooLarge,
                message: format!(
                    "the body holds over {values} JSON values, more than any documented answer (a page is a few thousand): not parsed"
                ),
                status: Some(status),
            });
        }
        let (body, body_is_text) = match parse_json(&raw_body) {
            Ok(body) => (body, false),
            Err(message) => match documented_text(op, status, &raw_body) {
                Some(text) => (Value::String(text), true),
                None => {
                    return Err(TransportError {
                        kind: TransportKind::NotJson,
                        message,
                        status: Some(status),
                    })
                }
            },
        };
        Ok(Exchange {
            request: request.clone(),
            status,
            headers,
            body,
            raw_body,
            elapsed: started.elapsed(),
            body_is_text,
        })
    }
}

impl HttpClient {
    /// The URL and, for an AK/SK-signed request, the full signed header list. A signed request's
    /// query goes on the wire as the canonical query string, as the official SDK sends it.
    fn signed_url_and_headers(
        &self,
        request: &PreparedRequest,
        op: &crate::spec::Operation,
    ) -> (String, Option<Vec<(String, String)>>) {
        let url = request.url(op, &self.target);
        if !request.signable() || !self.credentials.signs(op) {
            return (url, None);
        }
        let Some((ak, sk)) = self.credentials.aksk() else {
            return (url, None);
        };
        let sk = match request.auth {
            super::AuthMode::Wrong => super::request::WRONG_SECRET,
            _ => sk.expose(),
        };
        let base = self.target.base_for(op);
        // Sign the Host that will be sent: reqwest lower-cases the host and drops a default port.
        let host = match reqwest::Url::parse(base) {
            Ok(url) => match (url.host_str(), url.port()) {
                (Some(host), Some(port)) => format!("{host}:{port}"),
                (Some(host), None) => host.to_string(),
                _ => String::new(),
            },
            Err(_) => String::new(),
        };
        let path = request.path(op);
        let mut headers: Vec<(String, String)> = request.extra_headers().cloned().collect();
        if !headers.iter().any(|(n, _)| header_is(n, "content-type")) {
            // The SDK sends and signs Content-Type on body-less GETs too.
            headers.push(("Content-Type".into(), "application/json".into()));
        }
        let body = request.body_bytes(op).unwrap_or_default();
        let signable = crate::signing::SignableRequest {
            method: &request.method,
            path: &path,
            query: &request.query,
            headers: &headers,
            body: &body,
        };
        let signed =
            crate::signing::sign_for_host(&signable, &host, ak.expose(), sk, chrono::Utc::now());
        let mut url = format!("{base}{path}");
        if !signed.query_string.is_empty() {
            url.push('?');
            url.push_str(&signed.query_string);
        }
        (url, Some(signed.headers))
    }
}

/// Whether a header name is `name` (header names are case-insensitive).
fn header_is(header: &str, name: &str) -> bool {
    header.eq_ignore_ascii_case(name)
}

/// A 429 or 503 that outlived the retries is throttling or unavailability, not an answer to
/// judge against the documentation: it becomes a transport problem.
fn throttled(
    result: Result<Exchange, TransportError>,
    retries: u32,
) -> Result<Exchange, TransportError> {
    match result {
        Ok(exchange) if matches!(exchange.status, 429 | 503) => Err(TransportError {
            kind: TransportKind::Throttled,
            message: format!(
                "{} after {retries} retries (Retry-After: {})",
                exchange.status,
                exchange.header("retry-after").unwrap_or("none")
            ),
            status: Some(exchange.status),
        }),
        other => other,
    }
}

/// Parses a Retry-After value: seconds, or an HTTP date.
fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = date.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

/// First backoff ceiling; each retry doubles it.
const BACKOFF_BASE_MS: u64 = 120;

/// Exponential backoff with full jitter: up to 120 ms, 240 ms, 480 ms...
fn backoff(attempt: u32) -> Duration {
    let ceiling = BACKOFF_BASE_MS.saturating_mul(1 << attempt.min(10));
    Duration::from_millis(rand::random_range(0..=ceiling))
}

/// The text of a body that is not JSON, when its status documents a String body (A29): UTF-8,
/// not empty. `None` for any other body, which stays a transport problem.
fn documented_text(op: &crate::spec::Operation, status: u16, bytes: &[u8]) -> Option<String> {
    let documented = op.response(status)?.documents_a_string();
    let text = std::str::from_utf8(bytes).ok()?;
    (documented && !text.is_empty()).then(|| text.to_string())
}

/// JSON values (elements and members) a body may hold before it is refused unparsed. A
/// documented answer holds a page of records, a few thousand values; a hostile body of millions
/// of one-byte elements (under the size bound) would take hundreds of megabytes once parsed,
/// per request in flight.
const MAX_JSON_VALUES: usize = 250_000;

/// `Some(MAX_JSON_VALUES)` when a body has more separators (`,` and `:` outside strings) than
/// that: counted in one pass over the bytes, before anything is allocated.
fn too_many_values(bytes: &[u8]) -> Option<usize> {
    let (mut in_string, mut escaped, mut separators) = (false, false, 0usize);
    for &b in bytes {
        match (in_string, escaped, b) {
            (true, true, _) => escaped = false,
            (true, false, b'\\') => escaped = true,
            (true, false, b'"') => in_string = false,
            (true, false, _) => {}
            (false, _, b'"') => in_string = true,
            (false, _, b',' | b':') => separators += 1,
            _ => {}
        }
        if separators > MAX_JSON_VALUES {
            return Some(MAX_JSON_VALUES);
        }
    }
    None
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

#[cfg(test)]
mod tests {
    use super::documented_text;
    use crate::spec::{OperationId, Spec};

    #[test]
    fn a_body_of_millions_of_values_is_refused_before_parsing() {
        let huge = format!("[{}0]", "0,".repeat(super::MAX_JSON_VALUES + 1));
        assert!(super::too_many_values(huge.as_bytes()).is_some());
        let page = format!("{{\"list\": [{}0]}}", "{\"a\": \"x,y:z\"},".repeat(100));
        assert_eq!(super::too_many_values(page.as_bytes()), None);
        // Separators inside strings do not count.
        let text = format!("\"{}\"", ",".repeat(super::MAX_JSON_VALUES + 5));
        assert_eq!(super::too_many_values(text.as_bytes()), None);
    }

    #[test]
    fn only_a_documented_string_body_may_come_as_text() {
        let spec = Spec::embedded().unwrap();
        let aicc = spec.operation(OperationId::AiccTenant);
        let sentence = b"Unauthorized operation.";
        assert_eq!(
            documented_text(aicc, 401, sentence).as_deref(),
            Some("Unauthorized operation.")
        );
        assert_eq!(documented_text(aicc, 200, sentence), None);
        assert_eq!(documented_text(aicc, 401, b""), None);
        assert_eq!(documented_text(aicc, 401, &[0xff, 0xfe]), None);
        let customers = spec.operation(OperationId::CustomersV1);
        assert_eq!(documented_text(customers, 401, sentence), None);
        assert_eq!(documented_text(customers, 418, sentence), None);
    }
}
