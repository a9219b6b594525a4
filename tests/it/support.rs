//! A mock on an ephemeral loopback port, a client that carries the right token, and assertions on
//! documented answers. Tests only ever talk to 127.0.0.1.

use partner_conformance::mock::{Credentials, Fixtures, MockServer, MockState, ReadingSet};
use partner_conformance::spec::{ErrorRole, OperationId, Spec};
use serde_json::Value;
use std::sync::Arc;

/// A running mock and what a test needs to call it.
pub struct Mock {
    pub server: MockServer,
    pub spec: Arc<Spec>,
    pub credentials: Credentials,
    pub fixtures: Fixtures,
    pub client: reqwest::Client,
}

/// One answer, read whole.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Value,
}

impl Mock {
    pub async fn start() -> Mock {
        let spec = Spec::embedded().expect("embedded schemas load");
        let fixtures = Fixtures::embedded(&spec).expect("embedded fixtures load");
        Mock::start_with(spec, fixtures).await
    }

    pub async fn start_with(spec: Arc<Spec>, fixtures: Fixtures) -> Mock {
        Mock::start_state(spec, fixtures, ReadingSet::default()).await
    }

    /// A mock taking other readings of the pages (`serve --reading`), data readings included.
    pub async fn start_reading(readings: ReadingSet) -> Mock {
        let spec = Spec::embedded().expect("embedded schemas load");
        let fixtures = Fixtures::load(&spec, None, &readings).expect("reading fixtures load");
        Mock::start_state(spec, fixtures, readings).await
    }

    async fn start_state(spec: Arc<Spec>, fixtures: Fixtures, readings: ReadingSet) -> Mock {
        let credentials = Credentials::random(&spec);
        let state = Arc::new(MockState {
            spec: Arc::clone(&spec),
            credentials: credentials.clone(),
            fixtures: fixtures.clone(),
            drifts: Default::default(),
            readings,
        });
        let server = MockServer::start(state, "127.0.0.1:0".parse().unwrap())
            .await
            .expect("mock binds loopback");
        Mock {
            server,
            spec,
            credentials,
            fixtures,
            client: reqwest::Client::new(),
        }
    }

    pub fn token(&self, op: OperationId) -> String {
        let env = &self.spec.operation(op).meta.token_env;
        self.credentials.get(env).unwrap().expose().to_string()
    }

    /// The operation's path with the fixtures' partner id, plus `?query` when not empty.
    pub fn path(&self, op: OperationId, query: &str) -> String {
        let path = self
            .spec
            .operation(op)
            .meta
            .path
            .replace("{partner_id}", &self.fixtures.partner_id);
        if query.is_empty() {
            path
        } else {
            format!("{path}?{query}")
        }
    }

    /// GET with the operation's token.
    pub async fn call(&self, op: OperationId, query: &str) -> Answer {
        let path = self.path(op, query);
        self.get(&path, &[("X-Auth-Token", &self.token(op))]).await
    }

    /// GET a raw path and query with the given headers.
    pub async fn get(&self, path_and_query: &str, headers: &[(&str, &str)]) -> Answer {
        let mut request = self
            .client
            .get(format!("{}{path_and_query}", self.server.base_url()));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        read(request.send().await.expect("loopback request")).await
    }

    /// POST raw body bytes to an operation's path with its token and a JSON Content-Type.
    pub async fn post(&self, op: OperationId, body: impl Into<reqwest::Body>) -> Answer {
        let request = self
            .client
            .post(format!("{}{}", self.server.base_url(), self.path(op, "")))
            .header("Content-Type", "application/json")
            .header("X-Auth-Token", self.token(op))
            .body(body);
        read(request.send().await.expect("loopback request")).await
    }

    /// The customers of a successful customers_v1 answer.
    pub fn records(answer: &Answer) -> Vec<Value> {
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        answer.body["customer_info_list"]
            .as_array()
            .expect("customer_info_list is a list")
            .clone()
    }

    /// Asserts a documented answer: the status and code of the catalogue entry for `role`, a body
    /// valid against that status's schema, and the documented Content-Type.
    pub fn assert_documented(&self, op: OperationId, answer: &Answer, role: ErrorRole) {
        let operation = self.spec.operation(op);
        let entry = operation
            .error_for(role)
            .unwrap_or_else(|| panic!("{op} has no {role:?} entry"));
        assert_eq!(answer.status, entry.status, "{:?}", answer.body);
        if let Some(code) = &entry.error_code {
            assert_eq!(
                answer.body["error_code"],
                Value::from(code.as_str()),
                "{:?}",
                answer.body
            );
        }
        self.assert_valid(op, answer);
    }

    /// Asserts the body is valid against the documented schema of its status and the
    /// Content-Type is the documented one.
    pub fn assert_valid(&self, op: OperationId, answer: &Answer) {
        let operation = self.spec.operation(op);
        let schema = operation
            .response(answer.status)
            .unwrap_or_else(|| panic!("{op} documents no {} response", answer.status));
        let violations = schema.validate(&answer.body);
        assert!(violations.is_empty(), "{violations:?} in {:?}", answer.body);
        assert_eq!(
            answer.content_type.as_deref(),
            Some(operation.meta.content_type.as_str())
        );
    }
}

pub async fn read(response: reqwest::Response) -> Answer {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let text = response.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or(Value::String(format!("<not JSON> {text}")));
    Answer {
        status,
        content_type,
        body,
    }
}

/// Sends raw bytes to the server and returns the raw answer (for input no HTTP client would send).
pub async fn raw_exchange(addr: std::net::SocketAddr, request: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.write_all(request).await.expect("write");
    let mut out = Vec::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        stream.read_to_end(&mut out),
    )
    .await;
    assert!(read.is_ok(), "the mock did not answer within 5 s");
    String::from_utf8_lossy(&out).into_owned()
}
