//! Politeness and resilience of the client against loopback servers made to misbehave: retries
//! after 429/503 honour Retry-After and are bounded; only idempotent requests are retried; the
//! rate limit and the concurrency cap hold; AK/SK signing is what the mock verifies.

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::Router;
use partner_conformance::client::{
    HttpClient, Limits, PreparedRequest, Target, TargetCredentials, TransportKind,
};
use partner_conformance::spec::{OperationId, Spec};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A loopback server whose handler sees the number of the request (0-based).
async fn server(
    handler: impl Fn(usize) -> axum::response::Response + Clone + Send + Sync + 'static,
) -> (String, Arc<AtomicUsize>) {
    let count = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&count);
    let app = Router::new().fallback(move || {
        let handler = handler.clone();
        let n = seen.fetch_add(1, Ordering::SeqCst);
        async move { handler(n) }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), count)
}

fn json_ok() -> axum::response::Response {
    let mut headers = HeaderMap::new();
    headers.insert(
        "content-type",
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    (StatusCode::OK, headers, "{\"creditAmount\": 1}").into_response()
}

fn refusal(status: StatusCode, retry_after: Option<&'static str>) -> axum::response::Response {
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    if let Some(value) = retry_after {
        headers.insert("retry-after", HeaderValue::from_static(value));
    }
    (
        status,
        headers,
        "{\"error_code\": \"APIGW.0308\", \"error_msg\": \"throttled\"}",
    )
        .into_response()
}

fn make_client(base: &str, limits: Limits) -> (HttpClient, Arc<Spec>) {
    let spec = Spec::embedded().unwrap();
    let target = Target {
        bss_base: base.into(),
        aicc_base: base.into(),
        partner_id: "p".into(),
        embedded: false,
    };
    let credentials = TargetCredentials::from_lookup(&spec, |_| Some("token".into()));
    let client = HttpClient::new(
        Arc::clone(&spec),
        Arc::new(target),
        Arc::new(credentials),
        limits,
        &Default::default(),
    )
    .unwrap();
    (client, spec)
}

fn budget_request(client: &HttpClient, spec: &Spec) -> PreparedRequest {
    PreparedRequest::new(spec.operation(OperationId::BudgetV1), client.target())
        .with_query("customer_id", "c")
}

#[tokio::test]
async fn a_429_with_retry_after_is_waited_out_and_retried() {
    let (base, count) = server(|n| {
        if n == 0 {
            refusal(StatusCode::TOO_MANY_REQUESTS, Some("1"))
        } else {
            json_ok()
        }
    })
    .await;
    let (client, spec) = make_client(&base, Limits::default());
    let started = Instant::now();
    let answer = tokio::time::timeout(
        Duration::from_secs(10),
        client.send(&budget_request(&client, &spec)),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(answer.status, 200);
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "Retry-After: 1 was not honoured"
    );
    assert_eq!(count.load(Ordering::SeqCst), 2);
    assert_eq!(client.stats().retried, 1);
}

#[tokio::test]
async fn a_503_then_success_is_retried_with_backoff() {
    let (base, count) = server(|n| {
        if n < 2 {
            refusal(StatusCode::SERVICE_UNAVAILABLE, None)
        } else {
            json_ok()
        }
    })
    .await;
    let (client, spec) = make_client(&base, Limits::default());
    let answer = client.send(&budget_request(&client, &spec)).await.unwrap();
    assert_eq!(answer.status, 200);
    assert_eq!(count.load(Ordering::SeqCst), 3);
    assert_eq!(client.stats().retried, 2);
}

#[tokio::test]
async fn retries_are_bounded_and_a_long_retry_after_is_not_waited() {
    let (base, count) = server(|_| refusal(StatusCode::SERVICE_UNAVAILABLE, None)).await;
    let (client, spec) = make_client(
        &base,
        Limits {
            retries: 2,
            ..Limits::default()
        },
    );
    let error = client
        .send(&budget_request(&client, &spec))
        .await
        .unwrap_err();
    assert_eq!(
        error.kind,
        TransportKind::Throttled,
        "throttling is not drift"
    );
    assert_eq!(error.status, Some(503));
    assert_eq!(count.load(Ordering::SeqCst), 3);

    let (base, count) = server(|_| refusal(StatusCode::TOO_MANY_REQUESTS, Some("3600"))).await;
    let (client, spec) = make_client(&base, Limits::default());
    let started = Instant::now();
    let error = client
        .send(&budget_request(&client, &spec))
        .await
        .unwrap_err();
    assert_eq!(error.kind, TransportKind::Throttled);
    assert_eq!(count.load(Ordering::SeqCst), 1);
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn non_idempotent_requests_are_never_retried() {
    let (base, count) = server(|_| refusal(StatusCode::SERVICE_UNAVAILABLE, None)).await;
    let (client, spec) = make_client(&base, Limits::default());
    let mut request = budget_request(&client, &spec);
    request.method = "POST".into();
    let error = client.send(&request).await.unwrap_err();
    assert_eq!(error.kind, TransportKind::Throttled);
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

/// The customers_v2 query is a POST that only reads (`x-operation.read_only`): retried like a GET.
#[tokio::test]
async fn a_read_only_post_is_retried_like_a_get() {
    let (base, count) = server(|n| {
        if n == 0 {
            refusal(StatusCode::SERVICE_UNAVAILABLE, None)
        } else {
            json_ok()
        }
    })
    .await;
    let (client, spec) = make_client(&base, Limits::default());
    let op = spec.operation(OperationId::CustomersV2);
    let request = PreparedRequest::new(op, client.target()).with_param(op, "limit", "3");
    assert_eq!(request.method, "POST");
    let answer = client.send(&request).await.unwrap();
    assert_eq!(answer.status, 200);
    assert_eq!(count.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn transport_errors_are_retried_then_classified() {
    let server = partner_conformance::mock::MockServer::start_fault(
        partner_conformance::mock::Fault::Reset,
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let (client, spec) = make_client(
        &server.base_url(),
        Limits {
            retries: 2,
            ..Limits::default()
        },
    );
    let error = client
        .send(&budget_request(&client, &spec))
        .await
        .unwrap_err();
    assert_eq!(error.kind, TransportKind::Protocol, "{error:?}");
    assert_eq!(client.stats().sent, 3);
    server.stop().await;
}

#[tokio::test]
async fn the_rate_limit_and_the_concurrency_cap_hold() {
    let in_flight = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let (inf, pk) = (Arc::clone(&in_flight), Arc::clone(&peak));
    let app = Router::new().fallback(move || {
        let (inf, pk) = (Arc::clone(&inf), Arc::clone(&pk));
        async move {
            let now = inf.fetch_add(1, Ordering::SeqCst) + 1;
            pk.fetch_max(now, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(50)).await;
            inf.fetch_sub(1, Ordering::SeqCst);
            json_ok()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let (client, spec) = make_client(
        &base,
        Limits {
            concurrency: 2,
            rate: Some(20.0),
            ..Limits::default()
        },
    );
    let started = Instant::now();
    let sends = (0..10).map(|_| {
        let client = client.clone();
        let request = budget_request(&client, &spec);
        async move { client.send(&request).await.unwrap().status }
    });
    let statuses = futures_util::future::join_all(sends).await;
    assert!(statuses.iter().all(|s| *s == 200));
    assert!(
        peak.load(Ordering::SeqCst) <= 2,
        "peak in flight {}",
        peak.load(Ordering::SeqCst)
    );
    // Ten requests at 20 per second need at least 0.45 s (a lower bound only; never an upper one).
    assert!(
        started.elapsed() >= Duration::from_millis(450),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn max_requests_bounds_the_run_and_reports_what_it_covered() {
    let result = crate::run_suite::run(&["--seed", "2", "--cases", "64", "--max-requests", "60"]);
    assert_eq!(result.code, 0, "{}\n{}", result.stdout, result.stderr);
    // The summary counts what the budget counted: the preflight's requests too, which no trial
    // owns, so a CI user reading "60 requests" sees the bound they set.
    let total = result.report["summary"]["requests"].as_u64().unwrap();
    let in_trials: u64 = result.report["trials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["requests"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 60, "{}", result.stdout);
    assert!(
        in_trials < total,
        "the preflight's requests are counted: {in_trials}"
    );
    let notes = result.report["summary"]["notes"].to_string();
    assert!(notes.contains("stopped early"), "{notes}");
    let skipped = result.report["trials"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["outcome"] == "skipped")
        .count();
    assert!(skipped > 0);
    assert_eq!(
        result.report["summary"]["transport_problems"], 0,
        "a spent budget is not a transport problem"
    );
}

#[test]
fn aksk_signed_runs_pass_on_the_mock_and_wrong_keys_are_refused() {
    let result = crate::run_suite::run(&["--seed", "3", "--cases", "16", "--auth", "aksk"]);
    assert_eq!(result.code, 0, "{}", result.stdout);
    let reproduce = result.report["findings"].to_string();
    assert!(!reproduce.contains("Signature=") || reproduce.contains("$HUAWEICLOUD_SDK_SK"));
}
