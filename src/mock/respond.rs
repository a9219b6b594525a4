//! Building the mock's responses: JSON with the documented Content-Type, error bodies taken
//! from the catalogue entries of `schemas/` (never a code typed in Rust), and the success body of
//! a list operation (which the fixtures check also uses, so data and answers share one shape).

use crate::spec::{ErrorEntry, ErrorRole, Operation, Spec};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

/// A JSON response with a given Content-Type.
pub fn json(status: u16, content_type: &str, body: &Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let content_type = HeaderValue::from_str(content_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/json"));
    // `to_vec` writes straight into the buffer; `to_string` went through `fmt` (a tenth of the
    // time of a page of a hundred records). The bytes are the same.
    let mut response = (status, serde_json::to_vec(body).unwrap_or_default()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, content_type);
    response
}

/// An answer before it becomes an HTTP response, so drift injection can still change it.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// Content-Type header value.
    pub content_type: String,
    /// JSON body.
    pub body: Value,
    /// The catalogue role this answer stands for, for error answers.
    pub role: Option<ErrorRole>,
}

impl Answer {
    /// The documented success of an operation.
    pub fn success(op: &Operation, body: Value) -> Self {
        Answer {
            status: op.meta.success_status,
            content_type: op.meta.content_type.clone(),
            body,
            role: None,
        }
    }
}

/// Where an error entry comes from, which decides its body shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The API gateway: `{error_msg, error_code, request_id}`.
    Gateway,
    /// The backend: `{error_code, error_msg}`, or a bare JSON string where no code is documented.
    Backend,
}

/// The body of a catalogue entry, with an optional detail after the documented message.
pub fn error_body(
    entry: &ErrorEntry,
    detail: Option<&str>,
    origin: Origin,
    limit: Option<usize>,
) -> Value {
    let mut message = entry.message().to_string();
    // A bare-string body is the documented sentence alone; a coded body may say which parameter.
    if let (Some(detail), Some(_)) = (detail, &entry.error_code) {
        message = format!("{}: {detail}", message.trim_end_matches('.'));
    }
    if let Some(limit) = limit {
        if message.chars().count() > limit {
            message = message.chars().take(limit).collect();
        }
    }
    let Some(code) = &entry.error_code else {
        return Value::String(message);
    };
    let mut body = Map::new();
    if origin == Origin::Gateway {
        body.insert("error_msg".into(), Value::String(message));
        body.insert("error_code".into(), Value::String(code.clone()));
        body.insert("request_id".into(), Value::String(request_id()));
    } else {
        body.insert("error_code".into(), Value::String(code.clone()));
        body.insert("error_msg".into(), Value::String(message));
    }
    Value::Object(body)
}

/// The response for a catalogue entry of an operation.
pub fn operation_error(
    spec: &Spec,
    op: &Operation,
    entry: &ErrorEntry,
    detail: Option<&str>,
    origin: Origin,
) -> Answer {
    let limit = op.response(entry.status).and_then(|r| {
        spec.flattened_member(&r.file, &r.schema, "properties")
            .and_then(message_limit)
    });
    Answer {
        status: entry.status,
        content_type: op.meta.content_type.clone(),
        body: error_body(entry, detail, origin, limit),
        role: Some(entry.role),
    }
}

/// The answer of a gateway entry when no operation was matched.
pub fn gateway_error(spec: &Spec, entry: &ErrorEntry, detail: Option<&str>) -> Answer {
    let content_type = spec
        .operations()
        .first()
        .map_or("application/json", |op| op.meta.content_type.as_str());
    Answer {
        status: entry.status,
        content_type: content_type.to_string(),
        body: error_body(entry, detail, Origin::Gateway, None),
        role: Some(entry.role),
    }
}

/// The documented maximum length of `error_msg` among a response schema's properties.
fn message_limit(properties: &Value) -> Option<usize> {
    properties
        .pointer("/error_msg/maxLength")
        .and_then(Value::as_u64)
        .and_then(|n| usize::try_from(n).ok())
}

/// A fresh 32-hex-digit request id, as the gateway sends.
fn request_id() -> String {
    let bytes: [u8; 16] = rand::random();
    hex::encode(bytes)
}

/// A list operation's success body: the envelope the catalogue documents (if any), the total
/// count and the records, under the field names the response schema marks with `x-paging:
/// total-count` and `x-list-of-records`.
pub fn list_body(op: &Operation, records: Vec<Map<String, Value>>, total: usize) -> Value {
    let mut body = Map::new();
    if let Some(count_field) = op.count_field() {
        body.insert(count_field.to_string(), Value::from(total));
    }
    if let Some(success) = op.error_for(ErrorRole::Success) {
        if let Some(code) = &success.error_code {
            body.insert("error_code".into(), Value::String(code.clone()));
            body.insert(
                "error_msg".into(),
                Value::String(success.message().to_string()),
            );
        }
    }
    if let Some(list_field) = op.list_field() {
        body.insert(
            list_field.to_string(),
            Value::Array(records.into_iter().map(Value::Object).collect()),
        );
    }
    Value::Object(body)
}
