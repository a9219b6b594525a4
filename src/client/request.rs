//! A request as the suite means it: an operation, raw (decoded) parameter values, extra headers and
//! which credentials to present. Encoding happens once, here, so what is sent and what the
//! reproduce line shows cannot differ.

use super::target::{Target, TargetCredentials};
use crate::spec::{Operation, OperationId, ParamLocation, WireForm};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::{Map, Value};

/// RFC 3986 unreserved characters stay as they are; everything else is percent-encoded (the
/// official SDK encodes the same way).
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Which credentials a request presents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthMode {
    /// The operation's token from the environment.
    Valid,
    /// No credentials at all.
    Missing,
    /// A token that cannot be right.
    Wrong,
    /// The operation's token under `X-Auth_Token` (the spelling of the AICC example) and no
    /// `X-Auth-Token`: whether a server takes it is A19.
    #[serde(rename = "underscore-header")]
    UnderscoreHeader,
}

/// The header name the AICC page's example uses for the token (A19).
pub const UNDERSCORE_TOKEN_HEADER: &str = "X-Auth_Token";

/// One request to send. Holds no credential: those are added (or signed) at send time, so a
/// stored request can be replayed later, and re-signed, with the credentials of that moment.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PreparedRequest {
    /// The operation it calls.
    pub operation: OperationId,
    /// HTTP method.
    pub method: String,
    /// Path parameters as raw values, by name (`partner_id`).
    pub path_params: Vec<(String, String)>,
    /// Whether the path ends with one `/` more than its template (A17).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub trailing_slash: bool,
    /// Query parameters as raw values, in order. Repeats allowed.
    pub query: Vec<(String, String)>,
    /// JSON body members as raw values, in order, for an operation with a body: the text
    /// forms of [`WireForm`] (`""` is the empty string, `null` is JSON null) and values typed
    /// as the parameter's schema says when the body is written ([`PreparedRequest::body_bytes`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub body: Vec<(String, String)>,
    /// A JSON body sent exactly as given instead of `body` (hand-written scenarios that send a
    /// wrong JSON type, which raw values cannot say).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub literal_body: Option<Value>,
    /// Extra headers (not credentials).
    pub headers: Vec<(String, String)>,
    /// Credentials to present.
    pub auth: AuthMode,
}

/// Headers the client writes itself (from the URL, the body and the credentials): a request's
/// own `headers` never supply them, so a hand-written scenario or an edited run directory cannot
/// send a second `X-Auth-Token`, another `Host` or a `Content-Length` that lies about the body.
pub const CLIENT_OWNED_HEADERS: &[&str] = &[
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "x-auth-token",
    "x-auth_token",
];

/// The longest encoded query value a [`PreparedRequest::summary`] shows whole: above any
/// documented parameter at its maximum in multi-byte text.
pub const SUMMARY_VALUE_BYTES: usize = 4096;

/// A token no server will accept; shown as is in reproduce lines.
pub const WRONG_TOKEN: &str = "partner-conformance-wrong-token";
/// A secret key no server will accept, for wrong-credential requests in AK/SK mode.
pub const WRONG_SECRET: &str = "partner-conformance-wrong-secret-key";

impl PreparedRequest {
    /// A request for `op` with the target's partner id and valid credentials.
    pub fn new(op: &Operation, target: &Target) -> Self {
        let path_params = op
            .meta
            .path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| {
                let value = if name == "partner_id" {
                    target.partner_id.clone()
                } else {
                    String::new()
                };
                (name.to_string(), value)
            })
            .collect();
        PreparedRequest {
            operation: op.id,
            method: op.meta.method.clone(),
            path_params,
            trailing_slash: false,
            query: Vec::new(),
            body: Vec::new(),
            literal_body: None,
            headers: Vec::new(),
            auth: AuthMode::Valid,
        }
    }

    /// The request's own headers that are sent: all but [`CLIENT_OWNED_HEADERS`].
    pub fn extra_headers(&self) -> impl Iterator<Item = &(String, String)> {
        self.headers.iter().filter(|(name, _)| {
            !CLIENT_OWNED_HEADERS
                .iter()
                .any(|owned| name.eq_ignore_ascii_case(owned))
        })
    }

    /// Adds a query parameter.
    pub fn with_query(mut self, name: &str, value: &str) -> Self {
        self.query.push((name.to_string(), value.to_string()));
        self
    }

    /// Adds a parameter where the operation documents it: a JSON body member for a body
    /// parameter, the query string otherwise (undocumented names go to the query).
    pub fn with_param(mut self, op: &Operation, name: &str, value: &str) -> Self {
        if op.parameter(ParamLocation::Body, name).is_some() {
            self.body.push((name.to_string(), value.to_string()));
        } else {
            self.query.push((name.to_string(), value.to_string()));
        }
        self
    }

    /// A request of `op` with these parameters, each where the operation carries it (the one
    /// way a generated case becomes a request, for sending it and for planning it).
    pub fn with_params<'p>(
        op: &Operation,
        target: &Target,
        params: impl IntoIterator<Item = &'p (String, String)>,
    ) -> Self {
        params
            .into_iter()
            .fold(Self::new(op, target), |request, (name, value)| {
                request.with_param(op, name, value)
            })
    }

    /// The raw value of a parameter, wherever it travels.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .chain(&self.body)
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The parameters in the request, query first, then body.
    pub fn params(&self) -> impl Iterator<Item = &(String, String)> {
        self.query.iter().chain(&self.body)
    }

    /// The JSON body as sent, for an operation that documents one (`None` otherwise): every
    /// body member in order, typed by its parameter's schema.
    pub fn body_json(&self, op: &Operation) -> Option<Value> {
        if !op.has_body() {
            return None;
        }
        if let Some(literal) = &self.literal_body {
            return Some(literal.clone());
        }
        let members = self.body.iter().map(|(name, raw)| {
            let value = match WireForm::classify(Some(raw)) {
                WireForm::Null => Value::Null,
                WireForm::Empty => Value::String(String::new()),
                _ => op
                    .parameter(ParamLocation::Body, name)
                    .map_or_else(|| Value::String(raw.clone()), |p| p.typed(raw)),
            };
            (name.clone(), value)
        });
        Some(Value::Object(members.collect::<Map<String, Value>>()))
    }

    /// The body bytes as sent (compact JSON), for an operation that documents a body.
    pub fn body_bytes(&self, op: &Operation) -> Option<Vec<u8>> {
        self.body_json(op).map(|body| body.to_string().into_bytes())
    }

    /// The path with parameters substituted and encoded.
    pub fn path(&self, op: &Operation) -> String {
        let mut out = String::new();
        self.push_path(op, &mut out);
        out
    }

    /// Appends [`Self::path`] to `out`: every request builds its URL, so in one buffer.
    fn push_path(&self, op: &Operation, out: &mut String) {
        for (i, segment) in op.meta.path.split('/').enumerate() {
            if i > 0 {
                out.push('/');
            }
            match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => {
                    if let Some((_, value)) = self.path_params.iter().find(|(n, _)| n == name) {
                        out.extend(utf8_percent_encode(value, COMPONENT));
                    }
                }
                None => out.push_str(segment),
            }
        }
        if self.trailing_slash {
            out.push('/');
        }
    }

    /// The encoded query string, in the request's order (empty when there is none).
    pub fn query_string(&self) -> String {
        let mut out = String::new();
        self.push_query(&mut out);
        out
    }

    /// Appends [`Self::query_string`] to `out`.
    fn push_query(&self, out: &mut String) {
        for (i, (key, value)) in self.query.iter().enumerate() {
            if i > 0 {
                out.push('&');
            }
            out.extend(utf8_percent_encode(key, COMPONENT));
            out.push('=');
            out.extend(utf8_percent_encode(value, COMPONENT));
        }
    }

    /// The full URL against a target.
    pub fn url(&self, op: &Operation, target: &Target) -> String {
        let mut url = String::from(target.base_for(op));
        self.push_path(op, &mut url);
        if !self.query.is_empty() {
            url.push('?');
            self.push_query(&mut url);
        }
        url
    }

    /// The credential header to send: (name, value, the variable it came from).
    pub fn credential_header<'c>(
        &self,
        op: &'c Operation,
        credentials: &TargetCredentials,
    ) -> Option<(&'static str, String, Option<&'c str>)> {
        match self.auth {
            AuthMode::Missing => None,
            AuthMode::Wrong => Some(("X-Auth-Token", WRONG_TOKEN.to_string(), None)),
            AuthMode::Valid | AuthMode::UnderscoreHeader => {
                let name = match self.auth {
                    AuthMode::UnderscoreHeader => UNDERSCORE_TOKEN_HEADER,
                    _ => "X-Auth-Token",
                };
                credentials.token(&op.meta.token_env).map(|t| {
                    (
                        name,
                        t.expose().to_string(),
                        Some(op.meta.token_env.as_str()),
                    )
                })
            }
        }
    }

    /// The environment variable of the credential this request is meant to present but would go
    /// out without: its mode sends the operation's token (`valid`, `underscore-header`), the run
    /// has no such token, and the request is not signed instead (a token under `X-Auth_Token`
    /// when only the AK/SK pair is set). Sent anyway it would be a request without credentials,
    /// and its answer (a 401) would pass a probe of the mode while proving nothing about it.
    pub fn missing_credential<'o>(
        &self,
        op: &'o Operation,
        credentials: &TargetCredentials,
    ) -> Option<&'o str> {
        let presents_token = matches!(self.auth, AuthMode::Valid | AuthMode::UnderscoreHeader);
        let signed = self.signable() && credentials.signs(op) && credentials.aksk().is_some();
        (presents_token && !signed && self.credential_header(op, credentials).is_none())
            .then_some(op.meta.token_env.as_str())
    }

    /// `valid`, `missing`, `wrong` or `underscore-header`: which credentials the request
    /// presents.
    pub fn auth_label(&self) -> &'static str {
        match self.auth {
            AuthMode::Valid => "valid",
            AuthMode::Missing => "missing",
            AuthMode::Wrong => "wrong",
            AuthMode::UnderscoreHeader => "underscore-header",
        }
    }

    /// Whether the request is signed when the target's credentials sign `op` (AK/SK): every
    /// mode but no credentials at all and a token under the example's header name.
    pub fn signable(&self) -> bool {
        !matches!(self.auth, AuthMode::Missing | AuthMode::UnderscoreHeader)
    }

    /// A compact description for trial output (`GET ...?page_size=3`, `POST ... {"limit":3}`).
    /// A query value longer than [`SUMMARY_VALUE_BYTES`] once encoded (an oversized request
    /// target, A32) is shown by its start and length.
    pub fn summary(&self, op: &Operation) -> String {
        let query = self
            .query
            .iter()
            .map(|(k, v)| {
                let value = encode(v);
                if value.len() <= SUMMARY_VALUE_BYTES {
                    return format!("{}={value}", encode(k));
                }
                let start: String = value.chars().take(16).collect();
                format!("{}={start}…({} bytes)", encode(k), value.len())
            })
            .collect::<Vec<_>>()
            .join("&");
        let mut out = if query.is_empty() {
            format!("{} {}", self.method, self.path(op))
        } else {
            format!("{} {}?{query}", self.method, self.path(op))
        };
        if let Some(body) = self.body_json(op) {
            out.push(' ');
            out.push_str(&body.to_string());
        }
        out
    }
}

/// Percent-encodes one component.
pub fn encode(text: &str) -> String {
    utf8_percent_encode(text, COMPONENT).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Spec;

    fn target() -> Target {
        Target {
            bss_base: "http://127.0.0.1:9".into(),
            aicc_base: "http://127.0.0.1:9".into(),
            partner_id: "p".into(),
            embedded: true,
        }
    }

    #[test]
    fn the_url_is_base_encoded_path_and_query_in_order() {
        let spec = Spec::embedded().unwrap();
        let op = spec.operation(OperationId::CustomersV1);
        let mut request = PreparedRequest::new(op, &target());
        request.path_params = vec![("partner_id".into(), "a b/ü".into())];
        request.query = vec![
            ("page_size".into(), "10".into()),
            ("".into(), "".into()),
            ("corp_name".into(), "信息 &=+%".into()),
            ("page_size".into(), "-_.~".into()),
        ];
        let path = op.meta.path.replace("{partner_id}", "a%20b%2F%C3%BC");
        let query = "page_size=10&=&corp_name=%E4%BF%A1%E6%81%AF%20%26%3D%2B%25&page_size=-_.~";
        assert_eq!(request.path(op), path);
        assert_eq!(request.query_string(), query);
        assert_eq!(
            request.url(op, &target()),
            format!("http://127.0.0.1:9{path}?{query}")
        );
        // A trailing slash, no query, and a path parameter not given (left empty).
        request.trailing_slash = true;
        request.query.clear();
        request.path_params.clear();
        let bare = op.meta.path.replace("{partner_id}", "");
        assert_eq!(
            request.url(op, &target()),
            format!("http://127.0.0.1:9{bare}/")
        );
    }
}
