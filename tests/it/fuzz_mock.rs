//! A fuzz target for the mock's request parsing and validation, as a proptest: arbitrary request
//! targets (raw bytes, percent-encoded or not), methods and header values go through the router
//! with no socket. The mock must never panic, and must answer with a status its contract
//! documents (the operation's catalogue, or the gateway's) and a JSON body. `FUZZ_CASES` sets the
//! number of random cases (CI runs more); the corpus in `tests/data/fuzz/` is replayed first, and
//! proptest keeps failing seeds in `tests/data/fuzz/mock-regressions.txt`.

use axum::body::Body;
use axum::http::{Method, Request};
use partner_conformance::mock::{app, Credentials, Fixtures, MockState};
use partner_conformance::spec::{ErrorRole, Spec};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use std::collections::BTreeSet;
use std::sync::Arc;
use tower::ServiceExt;

struct Target {
    state: Arc<MockState>,
    runtime: tokio::runtime::Runtime,
    token: String,
    statuses: BTreeSet<u16>,
}

fn target() -> Target {
    let spec = Spec::embedded().unwrap();
    let fixtures = Fixtures::embedded(&spec).unwrap();
    let credentials = Credentials::random(&spec);
    let token = credentials
        .get("HUAWEICLOUD_TOKEN")
        .unwrap()
        .expose()
        .to_string();
    let mut statuses: BTreeSet<u16> = spec
        .operations()
        .iter()
        .flat_map(|op| op.responses().map(|r| r.status))
        .collect();
    for role in [ErrorRole::NoSuchApi, ErrorRole::MalformedRequest] {
        statuses.insert(spec.gateway_error(role).unwrap().status);
    }
    let state = Arc::new(MockState {
        spec,
        credentials,
        fixtures,
        drifts: Default::default(),
        readings: Default::default(),
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    Target {
        state,
        runtime,
        token,
        statuses,
    }
}

/// Sends one request through the router; `None` when `http` itself refuses to build it (such
/// bytes never reach a server either).
fn send(target: &Target, method: &Method, uri: &str, header: &[u8]) -> Option<(u16, Vec<u8>)> {
    send_body(target, method, uri, header, Vec::new())
}

/// [`send`] with a request body.
fn send_body(
    target: &Target,
    method: &Method,
    uri: &str,
    header: &[u8],
    body: Vec<u8>,
) -> Option<(u16, Vec<u8>)> {
    let mut builder = Request::builder()
        .method(method.clone())
        .uri(uri)
        .header("x-auth-token", target.token.as_str());
    if let Ok(value) = axum::http::HeaderValue::from_bytes(header) {
        builder = builder.header("x-fuzz", value);
    }
    let request = builder.body(Body::from(body)).ok()?;
    let router = app(Arc::clone(&target.state));
    target.runtime.block_on(async move {
        let response = router.oneshot(request).await.ok()?;
        let status = response.status().as_u16();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .ok()?;
        Some((status, bytes.to_vec()))
    })
}

fn judge(
    target: &Target,
    method: &Method,
    uri: &str,
    answer: Option<(u16, Vec<u8>)>,
) -> Result<(), TestCaseError> {
    let Some((status, body)) = answer else {
        return Ok(());
    };
    prop_assert!(
        target.statuses.contains(&status),
        "undocumented status {status} for {uri}"
    );
    if method == Method::HEAD {
        return Ok(()); // An answer to HEAD has no body by definition.
    }
    prop_assert!(
        serde_json::from_slice::<serde_json::Value>(&body).is_ok(),
        "body is not JSON for {uri}: {}",
        String::from_utf8_lossy(&body)
    );
    Ok(())
}

#[test]
fn the_corpus_gets_documented_answers() {
    let target = target();
    let corpus = include_str!("../data/fuzz/corpus.txt");
    let mut sent = 0;
    for line in corpus
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let answer = send(&target, &Method::GET, line, b"");
        assert!(answer.is_some(), "{line} was not sent");
        judge(&target, &Method::GET, line, answer).unwrap();
        sent += 1;
    }
    assert!(sent >= 10);
}

/// One piece of a request target: visible ASCII, a percent escape of any byte, or a reserved
/// character.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9_.~-]{1,8}",
        any::<u8>().prop_map(|b| format!("%{b:02X}")),
        prop::sample::select(vec![
            "&", "=", "?", "/", "%", "+", "#", ";", ":", "@", "!", "*", "'", "(", ")", ",", "\"\"",
            "null"
        ])
        .prop_map(str::to_string),
        prop::sample::select(vec![
            "page_no=",
            "page_size=",
            "label=",
            "corp_name=",
            "domain_name=",
            "cooperationType=",
            "cooperationTimeStart=",
            "cooperationTimeEnd=",
            "customer_id="
        ])
        .prop_map(str::to_string),
    ]
}

fn path() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("/v1.0/0a1b2c3d4e5f60718293a4b5c6d7e8f9/partner/customer-mgr/detail".to_string()),
        Just("/v1.0/0a1b2c3d4e5f60718293a4b5c6d7e8f9/partner/account-mgr/credit".to_string()),
        Just("/rest/oma/softwareconsole/tenant/querytenantbasic".to_string()),
        prop::collection::vec(piece(), 0..4)
            .prop_map(|p| format!("/v1.0/{}/partner/customer-mgr/detail", p.concat())),
        prop::collection::vec(piece(), 0..6).prop_map(|p| format!("/{}", p.concat())),
    ]
}

fn cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(512)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct("tests/data/fuzz/mock-regressions.txt"))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn arbitrary_requests_never_crash_the_mock(
        path in path(),
        query in prop::collection::vec(piece(), 0..12),
        header in prop::collection::vec(any::<u8>(), 0..64),
        method in prop::sample::select(vec![Method::GET, Method::POST, Method::HEAD, Method::DELETE]),
    ) {
        thread_local! {
            static TARGET: Target = target();
        }
        let uri = if query.is_empty() { path } else { format!("{path}?{}", query.concat()) };
        TARGET.with(|target| {
            let answer = send(target, &method, &uri, &header);
            judge(target, &method, &uri, answer)
        })?;
    }
}

/// A JSON value a hostile client might put in a customers_v2 body member.
fn member_value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|n| format!("{n:e}")),
        "[a-zA-Z0-9 _.~:%-]{0,70}".prop_map(|s| format!("{s:?}")),
        "\\PC{0,20}".prop_map(|s| serde_json::Value::String(s).to_string()),
        prop::sample::select(vec![
            "null",
            "true",
            "\"\"",
            "\"\\\"\\\"\"",
            "[]",
            "{}",
            "[[[[[[1]]]]]]",
            "99999999999999999999999999",
            "-0",
            "1e400",
            "\"2019-05-06T08:05:01Z\"",
        ])
        .prop_map(str::to_string),
    ]
}

/// Bodies for customers_v2: objects of documented and undocumented members, and raw bytes.
fn body() -> impl Strategy<Value = Vec<u8>> {
    let name = prop::sample::select(vec![
        "account_name",
        "customer",
        "offset",
        "limit",
        "label",
        "association_type",
        "associated_on_begin",
        "associated_on_end",
        "customer_id",
        "indirect_partner_id",
        "x",
    ]);
    prop_oneof![
        4 => prop::collection::vec((name, member_value()), 0..8).prop_map(|members| {
            let inner: Vec<String> = members.iter().map(|(n, v)| format!("\"{n}\":{v}")).collect();
            format!("{{{}}}", inner.join(",")).into_bytes()
        }),
        1 => prop::collection::vec(any::<u8>(), 0..256),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases() / 4,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct("tests/data/fuzz/mock-body-regressions.txt"))),
        ..ProptestConfig::default()
    })]

    /// The JSON body of customers_v2: whatever arrives, a documented status and a JSON answer.
    #[test]
    fn arbitrary_bodies_never_crash_the_mock(body in body()) {
        thread_local! {
            static TARGET: Target = target();
        }
        let uri = "/v2/partners/sub-customers/query";
        TARGET.with(|target| {
            let answer = send_body(target, &Method::POST, uri, b"", body);
            judge(target, &Method::POST, uri, answer)
        })?;
    }
}
