//! Hostile HTTP input: every item gets a 4xx in a documented error shape (or, for bytes hyper
//! refuses before the mock sees them, a 4xx from hyper), never a panic, a hang or a 5xx; the mock
//! keeps serving afterwards.

use crate::support::{raw_exchange, Mock};
use partner_conformance::mock::{MAX_HEADERS, MAX_HEADER_BYTES, MAX_URI_BYTES};
use partner_conformance::spec::{ErrorRole, OperationId};

const CUSTOMERS: OperationId = OperationId::CustomersV1;

fn status_of(raw: &str) -> u16 {
    raw.split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {raw:?}"))
}

async fn still_serving(mock: &Mock) {
    let answer = mock.call(CUSTOMERS, "page_size=1").await;
    assert_eq!(answer.status, 200, "the mock stopped serving");
}

fn assert_gateway_refusal(mock: &Mock, answer: &crate::support::Answer) {
    let entry = mock
        .spec
        .gateway_error(ErrorRole::MalformedRequest)
        .unwrap();
    assert_eq!(answer.status, entry.status, "{:?}", answer.body);
    assert_eq!(
        answer.body["error_code"],
        entry.error_code.as_deref().unwrap()
    );
}

#[tokio::test]
async fn an_overlong_url_is_refused_in_the_gateway_shape() {
    let mock = Mock::start().await;
    let answer = mock
        .call(
            CUSTOMERS,
            &format!("domain_name={}", "a".repeat(MAX_URI_BYTES)),
        )
        .await;
    assert_gateway_refusal(&mock, &answer);
    still_serving(&mock).await;
}

#[tokio::test]
async fn invalid_percent_encoding_and_non_utf8_are_invalid_parameters() {
    let mock = Mock::start().await;
    for query in [
        "label=%ZZ",
        "label=%E4%BF",
        "label=%C3%28",
        "%FF=1",
        "corp_name=%",
    ] {
        let answer = mock.call(CUSTOMERS, query).await;
        mock.assert_documented(CUSTOMERS, &answer, ErrorRole::InvalidParameter);
    }
    still_serving(&mock).await;
}

#[tokio::test]
async fn raw_non_utf8_bytes_in_the_request_line_get_a_4xx() {
    let mock = Mock::start().await;
    let mut request =
        b"GET /v1.0/x/partner/customer-mgr/detail?label=\xff\xfe HTTP/1.1\r\n".to_vec();
    request.extend_from_slice(b"Host: 127.0.0.1\r\nConnection: close\r\n\r\n");
    let raw = raw_exchange(mock.server.addr(), &request).await;
    let status = status_of(&raw);
    assert!((400..500).contains(&status), "{raw}");
    let mut request =
        b"GET /v1.0/x/partner/customer-mgr/detail HTTP/1.1\r\nHost: 127.0.0.1\r\n".to_vec();
    request.extend_from_slice(b"X-Auth-Token: \xff\xfe\xfd\r\nConnection: close\r\n\r\n");
    let raw = raw_exchange(mock.server.addr(), &request).await;
    let status = status_of(&raw);
    assert!((400..500).contains(&status), "{raw}");
    still_serving(&mock).await;
}

#[tokio::test]
async fn repeated_parameters_are_invalid() {
    let mock = Mock::start().await;
    for query in [
        "page_no=1&page_no=2",
        "label=a&label=a",
        "cooperationType=1&cooperationType=3",
    ] {
        let answer = mock.call(CUSTOMERS, query).await;
        mock.assert_documented(CUSTOMERS, &answer, ErrorRole::InvalidParameter);
    }
}

#[tokio::test]
async fn huge_headers_and_header_floods_are_refused() {
    let mock = Mock::start().await;
    let path = mock.path(CUSTOMERS, "");
    let token = mock.token(CUSTOMERS);
    let big = "x".repeat(MAX_HEADER_BYTES + 1);
    let answer = mock
        .get(&path, &[("X-Auth-Token", &token), ("X-Big", &big)])
        .await;
    assert_gateway_refusal(&mock, &answer);
    let flood = |n: usize| -> Vec<String> { (0..n).map(|i| format!("X-Flood-{i}")).collect() };
    let names = flood(MAX_HEADERS + 1);
    let mut headers: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "1")).collect();
    headers.push(("X-Auth-Token", &token));
    let answer = mock.get(&path, &headers).await;
    assert_gateway_refusal(&mock, &answer);
    // Past hyper's own limit the connection layer answers before the mock: still a 4xx.
    let names = flood(500);
    let headers: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "1")).collect();
    let answer = mock.get(&path, &headers).await;
    assert!((400..500).contains(&answer.status), "{}", answer.status);
    let huge = "y".repeat(1 << 20);
    let answer = mock.get(&path, &[("X-Huge", huge.as_str())]).await;
    assert!((400..500).contains(&answer.status), "{}", answer.status);
    still_serving(&mock).await;
}

#[tokio::test]
async fn garbage_that_is_not_http_does_not_hurt_the_mock() {
    let mock = Mock::start().await;
    let raw = raw_exchange(
        mock.server.addr(),
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n",
    )
    .await;
    assert!(
        raw.is_empty() || (400..500).contains(&status_of(&raw)),
        "{raw}"
    );
    still_serving(&mock).await;
}

/// JSON bodies of customers_v2 that are not a usable object: not JSON, not UTF-8, not an object,
/// nested past any parser's patience, or over the body limit. Each is a 4xx in a documented
/// shape, and the mock keeps serving.
#[tokio::test]
async fn hostile_json_bodies_are_refused_in_a_documented_shape() {
    let mock = Mock::start().await;
    let op = OperationId::CustomersV2;
    let nested = "[".repeat(200_000);
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        ("not JSON", b"{offset: 1".to_vec()),
        ("not UTF-8", b"{\"account_name\": \"\xff\xfe\"}".to_vec()),
        ("an array", b"[1, 2]".to_vec()),
        ("a string", b"\"offset\"".to_vec()),
        ("200,000 open brackets", nested.into_bytes()),
        (
            "a duplicate key with a bad value",
            b"{\"limit\": 5, \"limit\": \"x\"}".to_vec(),
        ),
    ];
    for (what, body) in bodies {
        let answer = mock.post(op, body).await;
        mock.assert_documented(op, &answer, ErrorRole::InvalidParameter);
        assert!(
            answer.body["error_msg"].as_str().unwrap().contains("body"),
            "{what}: {:?}",
            answer.body
        );
    }
    let huge = vec![b' '; partner_conformance::mock::MAX_BODY_BYTES + 1];
    let answer = mock.post(op, huge).await;
    assert_gateway_refusal(&mock, &answer);
    still_serving(&mock).await;
}
