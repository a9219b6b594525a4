//! How an answer goes on the wire: the JSON text, its Content-Type, and the representation
//! choices the readings make that no page mentions (key order, gzip when the client accepts it,
//! chunked framing, `Connection: close`, extra headers), plus the AICC's plain-text errors (A29)
//! and the gateway's own statuses for oversized requests (A32). With no reading taken the bytes
//! are exactly what [`super::respond::json`] sends.

use super::reading::{Reading, ReadingSet};
use super::respond::{self, Answer};
use crate::spec::OperationId;
use axum::body::{Body, Bytes};
use axum::http::{header, HeaderName, HeaderValue};
use axum::response::Response;
use serde_json::Value;

/// What the wire readings need to know of the request.
#[derive(Debug, Clone, Copy, Default)]
pub struct Asked<'a> {
    /// The operation answered, when one was routed.
    pub op: Option<OperationId>,
    /// The request's `Accept-Encoding`.
    pub accept_encoding: Option<&'a str>,
}

/// The HTTP response for `answer` under the readings.
pub fn render(readings: &ReadingSet, asked: Asked<'_>, answer: Answer) -> Response {
    if readings.is_empty() {
        return respond::json(answer.status, &answer.content_type, &answer.body);
    }
    let on = |reading: Reading| match asked.op {
        Some(op) => readings.acts_on(reading, op),
        None => readings.has(reading),
    };
    let mut content_type = answer.content_type.clone();
    let text = match &answer.body {
        Value::String(sentence) if answer.role.is_some() && on(Reading::AiccTextErrors) => {
            content_type = format!("text/plain;{}", charset_of(&content_type));
            sentence.clone()
        }
        body if on(Reading::KeysShuffled) => shuffled(body.clone()).to_string(),
        body => body.to_string(),
    };
    let mut response = respond::json(answer.status, &content_type, &Value::Null);
    let mut bytes = text.into_bytes();
    let headers = response.headers_mut();
    if on(Reading::GzipWhenAccepted) {
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        if asked.accept_encoding.is_some_and(accepts_gzip) {
            bytes = gzip(&bytes);
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
    }
    if on(Reading::ConnectionClose) {
        headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    if on(Reading::ExtraHeaders) {
        let request_id = hex::encode(rand::random::<[u8; 16]>());
        for (name, value) in [
            ("server", "partner-conformance-mock".to_string()),
            ("x-request-id", request_id),
            ("cache-control", "no-store".to_string()),
            ("strict-transport-security", "max-age=31536000".to_string()),
            ("x-frame-options", "DENY".to_string()),
        ] {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.insert(HeaderName::from_static(name), value);
            }
        }
    }
    headers.remove(header::CONTENT_LENGTH);
    *response.body_mut() = if on(Reading::Chunked) {
        // A stream of unknown length goes out chunked; two chunks at least.
        let half = bytes.len() / 2;
        let tail = bytes.split_off(half);
        let chunks = [bytes, tail]
            .into_iter()
            .map(|c| Ok::<_, std::io::Error>(Bytes::from(c)));
        Body::from_stream(futures_util::stream::iter(chunks))
    } else {
        Body::from(bytes)
    };
    response
}

/// The status the gateway uses for an oversized request under the A32 reading: 414 for a URI,
/// 413 for a body (`None`: the catalogue's own status).
pub fn oversize_status(readings: &ReadingSet, uri_too_long: bool, body: bool) -> Option<u16> {
    if !readings.has(Reading::OversizeStatusCodes) {
        return None;
    }
    match (uri_too_long, body) {
        (true, _) => Some(414),
        (false, true) => Some(413),
        _ => None,
    }
}

/// The `charset=…` parameter of a Content-Type (`charset=UTF-8` when it has none).
fn charset_of(content_type: &str) -> String {
    content_type
        .split(';')
        .map(str::trim)
        .find(|p| p.to_ascii_lowercase().starts_with("charset="))
        .unwrap_or("charset=UTF-8")
        .to_string()
}

/// Every object of `value` with its keys in a fresh random order.
fn shuffled(value: Value) -> Value {
    use rand::seq::SliceRandom;
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.shuffle(&mut rand::rng());
            Value::Object(entries.into_iter().map(|(k, v)| (k, shuffled(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(shuffled).collect()),
        other => other,
    }
}

/// Whether an `Accept-Encoding` value accepts gzip (RFC 9110: a listed coding, or `*`, with a
/// q-value above 0).
fn accepts_gzip(accept: &str) -> bool {
    accept.split(',').any(|item| {
        let mut parts = item.split(';').map(str::trim);
        let coding = parts.next().unwrap_or_default().to_ascii_lowercase();
        let q = parts
            .find_map(|p| p.strip_prefix("q=").or_else(|| p.strip_prefix("Q=")))
            .and_then(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        matches!(coding.as_str(), "gzip" | "x-gzip" | "*") && q > 0.0
    })
}

/// `data` as a gzip member (RFC 1952) of stored deflate blocks (RFC 1951, BTYPE 00): valid gzip
/// every client inflates, with no compression library.
fn gzip(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    let mut blocks = data.chunks(usize::from(u16::MAX)).peekable();
    if blocks.peek().is_none() {
        out.extend([1, 0, 0, 0xff, 0xff]);
    }
    while let Some(block) = blocks.next() {
        out.push(u8::from(blocks.peek().is_none()));
        let len = u16::try_from(block.len()).unwrap_or(u16::MAX);
        out.extend(len.to_le_bytes());
        out.extend((!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    out.extend(crc32(data).to_le_bytes());
    // ISIZE is the length modulo 2^32: the truncation is the format.
    out.extend((data.len() as u32).to_le_bytes());
    out
}

/// CRC-32 (IEEE 802.3, reflected), bit by bit: answers are small.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for byte in data {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_is_a_stored_member_with_the_right_trailer() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        let packed = gzip(b"{\"a\":1}");
        assert_eq!(&packed[..3], &[0x1f, 0x8b, 8]);
        assert_eq!(packed[10], 1, "one final stored block");
        assert_eq!(&packed[15..22], b"{\"a\":1}");
        assert_eq!(&packed[packed.len() - 4..], &7u32.to_le_bytes());
    }

    #[test]
    fn gzip_is_sent_only_when_accepted() {
        assert!(accepts_gzip("gzip, deflate"));
        assert!(accepts_gzip("br;q=1.0, *;q=0.5"));
        assert!(!accepts_gzip("gzip;q=0"));
        assert!(!accepts_gzip("identity"));
    }

    #[test]
    fn shuffling_keeps_every_member() {
        let body = serde_json::json!({"a": 1, "b": [{"c": 2, "d": 3}], "e": null});
        assert_eq!(shuffled(body.clone()), body);
    }
}
