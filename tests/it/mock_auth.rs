//! Authentication at the mock: tokens per operation, SDK-HMAC-SHA256 signatures verified exactly,
//! the gateway's 401 shape, and credentials generated when the environment has none.

use crate::support::{read, Answer, Mock};
use partner_conformance::mock::{CredentialSource, Credentials, AK_ENV, SK_ENV};
use partner_conformance::signing::{self, SignableRequest};
use partner_conformance::spec::{ErrorRole, OperationId, Spec};

const CUSTOMERS: OperationId = OperationId::CustomersV1;

#[tokio::test]
async fn missing_or_wrong_tokens_get_the_gateway_401() {
    let mock = Mock::start().await;
    let path = mock.path(CUSTOMERS, "");
    let aicc_token = mock.token(OperationId::AiccTenant);
    for headers in [
        vec![],
        vec![("X-Auth-Token", "not-the-token")],
        vec![("X-Auth-Token", aicc_token.as_str())],
    ] {
        let answer = mock.get(&path, &headers).await;
        mock.assert_documented(CUSTOMERS, &answer, ErrorRole::Unauthenticated);
        assert!(answer.body["request_id"]
            .as_str()
            .is_some_and(|id| id.len() == 32));
    }
    let aicc = mock.path(OperationId::AiccTenant, "");
    let answer = mock
        .get(&aicc, &[("X-Auth-Token", &mock.token(CUSTOMERS))])
        .await;
    mock.assert_documented(OperationId::AiccTenant, &answer, ErrorRole::Unauthenticated);
    assert!(
        answer.body.is_string(),
        "AICC's 401 body is a string: {:?}",
        answer.body
    );
}

/// Changes a signed request after signing: its headers and its query string.
type Spoiler = dyn FnOnce(&mut Vec<(String, String)>, &mut String);

/// Signs a GET the way the official SDK does (Content-Type and Host signed) and sends it,
/// optionally spoiling one part after signing.
async fn signed_get(
    mock: &Mock,
    query: &[(&str, &str)],
    now: chrono::DateTime<chrono::Utc>,
    spoil: impl FnOnce(&mut Vec<(String, String)>, &mut String),
) -> Answer {
    let path = mock.path(CUSTOMERS, "");
    let host = mock.server.addr().to_string();
    let query: Vec<(String, String)> = query
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let headers = vec![
        ("Content-Type".to_string(), "application/json".to_string()),
        ("Host".to_string(), host),
    ];
    let request = SignableRequest {
        method: "GET",
        path: &path,
        query: &query,
        headers: &headers,
        body: b"",
    };
    let ak = mock.credentials.get(AK_ENV).unwrap().expose().to_string();
    let sk = mock.credentials.get(SK_ENV).unwrap().expose().to_string();
    let signed = signing::sign(&request, &ak, &sk, now);
    let mut sent_headers = signed.headers.clone();
    let mut query_string = signed.query_string.clone();
    spoil(&mut sent_headers, &mut query_string);
    let mut url = format!("{}{path}", mock.server.base_url());
    if !query_string.is_empty() {
        url = format!("{url}?{query_string}");
    }
    let mut builder = mock.client.get(url);
    for (name, value) in &sent_headers {
        if !name.eq_ignore_ascii_case("host") {
            builder = builder.header(name.as_str(), value.as_str());
        }
    }
    read(builder.send().await.expect("loopback")).await
}

#[tokio::test]
async fn a_correctly_signed_request_is_accepted() {
    let mock = Mock::start().await;
    let query = [
        ("corp_name", "信息"),
        ("page_size", "5"),
        ("label", "Tag~_.-!*'()"),
    ];
    let answer = signed_get(&mock, &query[..2], chrono::Utc::now(), |_, _| {}).await;
    mock.assert_documented(CUSTOMERS, &answer, ErrorRole::Success);
    let answer = signed_get(&mock, &[], chrono::Utc::now(), |_, _| {}).await;
    mock.assert_documented(CUSTOMERS, &answer, ErrorRole::Success);
}

#[tokio::test]
async fn tampered_signatures_dates_headers_and_queries_are_rejected() {
    let mock = Mock::start().await;
    let query = [("page_size", "5")];
    let now = chrono::Utc::now();
    let stale = now - chrono::Duration::minutes(20);
    let answer = signed_get(&mock, &query, stale, |_, _| {}).await;
    mock.assert_documented(CUSTOMERS, &answer, ErrorRole::Unauthenticated);
    let spoilers: Vec<Box<Spoiler>> = vec![
        Box::new(|headers, _| {
            let auth = headers
                .iter_mut()
                .find(|(n, _)| n == "Authorization")
                .unwrap();
            let last = auth.1.pop().unwrap();
            auth.1.push(if last == '0' { '1' } else { '0' });
        }),
        Box::new(|headers, _| {
            let date = headers.iter_mut().find(|(n, _)| n == "X-Sdk-Date").unwrap();
            date.1 = (chrono::Utc::now() - chrono::Duration::seconds(5))
                .format("%Y%m%dT%H%M%SZ")
                .to_string();
        }),
        Box::new(|headers, _| {
            let ct = headers
                .iter_mut()
                .find(|(n, _)| n == "Content-Type")
                .unwrap();
            ct.1 = "text/plain".into();
        }),
        Box::new(|headers, _| {
            let auth = headers
                .iter_mut()
                .find(|(n, _)| n == "Authorization")
                .unwrap();
            auth.1 = auth.1.replace("content-type;", "");
        }),
        Box::new(|_, query| *query = "page_size=6".into()),
    ];
    for spoil in spoilers {
        let answer = signed_get(&mock, &query, now, spoil).await;
        mock.assert_documented(CUSTOMERS, &answer, ErrorRole::Unauthenticated);
    }
}

#[test]
fn credentials_are_generated_when_the_environment_has_none() {
    let spec = Spec::embedded().unwrap();
    let (generated, sources) = Credentials::from_lookup(&spec, |_| None);
    let names: Vec<_> = sources
        .iter()
        .map(|s| match s {
            CredentialSource::Generated(name) => name.as_str(),
            CredentialSource::Environment(name) => panic!("{name} was not set"),
        })
        .collect();
    for name in ["HUAWEICLOUD_TOKEN", "AICC_TOKEN", AK_ENV, SK_ENV] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
        assert!(generated.get(name).unwrap().expose().len() >= 20);
    }
    let again = Credentials::random(&spec);
    assert_ne!(
        generated.get("HUAWEICLOUD_TOKEN").unwrap().expose(),
        again.get("HUAWEICLOUD_TOKEN").unwrap().expose(),
        "no fixed secret"
    );
    let (from_env, sources) = Credentials::from_lookup(&spec, |name| {
        (name == "HUAWEICLOUD_TOKEN").then(|| "from-env".to_string())
    });
    assert_eq!(
        from_env.get("HUAWEICLOUD_TOKEN").unwrap().expose(),
        "from-env"
    );
    assert!(sources.contains(&CredentialSource::Environment("HUAWEICLOUD_TOKEN".into())));
    assert!(
        !format!("{from_env:?}").contains("from-env"),
        "Debug redacts secrets"
    );
}
