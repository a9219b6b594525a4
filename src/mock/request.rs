//! The raw request as the mock sees it, before any operation logic: bounded in size, headers as
//! text, the query string decoded strictly. Hostile input stops here with a reason, never a panic.

use axum::body::Bytes;
use axum::http::request::Parts;
use percent_encoding::percent_decode_str;

/// Longest request target (path and query) the mock reads. The longest documented request, every
/// parameter at its maximum in multi-byte text, is a few kilobytes.
pub const MAX_URI_BYTES: usize = 8192;
/// Most header bytes (names and values) the mock reads.
pub const MAX_HEADER_BYTES: usize = 16384;
/// Most header lines the mock reads.
pub const MAX_HEADERS: usize = 64;
/// Largest body the mock reads (the documented operations send none).
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// A request that passed the size and encoding limits.
#[derive(Debug, Clone)]
pub struct IncomingRequest {
    /// Method, upper-case.
    pub method: String,
    /// Path as sent (percent-escapes kept).
    pub path: String,
    /// Query string as sent, without `?`.
    pub raw_query: Option<String>,
    /// Headers (lower-case names) in arrival order.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Bytes,
}

impl IncomingRequest {
    /// Checks the limits and turns the request head into text.
    pub fn from_parts(parts: &Parts, body: Bytes) -> Result<IncomingRequest, String> {
        let target_len = parts.uri.path_and_query().map_or(0, |pq| pq.as_str().len());
        if target_len > MAX_URI_BYTES {
            return Err(format!(
                "request URI too large: {target_len} bytes (limit {MAX_URI_BYTES})"
            ));
        }
        if parts.headers.len() > MAX_HEADERS {
            return Err(format!(
                "too many headers: {} (limit {MAX_HEADERS})",
                parts.headers.len()
            ));
        }
        let header_bytes: usize = parts
            .headers
            .iter()
            .map(|(n, v)| n.as_str().len() + v.len())
            .sum();
        if header_bytes > MAX_HEADER_BYTES {
            return Err(format!(
                "request headers too large: {header_bytes} bytes (limit {MAX_HEADER_BYTES})"
            ));
        }
        let mut headers = Vec::with_capacity(parts.headers.len());
        for (name, value) in &parts.headers {
            let text = std::str::from_utf8(value.as_bytes())
                .map_err(|_| format!("header `{name}` is not UTF-8 text"))?;
            headers.push((name.as_str().to_string(), text.to_string()));
        }
        Ok(IncomingRequest {
            method: parts.method.as_str().to_string(),
            path: parts.uri.path().to_string(),
            raw_query: parts.uri.query().map(str::to_string),
            headers,
            body,
        })
    }

    /// The last value of a header (names compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .rev()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The query string decoded into (key, value) pairs, in order.
    pub fn query_pairs(&self) -> Result<Vec<(String, String)>, String> {
        decode_query(self.raw_query.as_deref().unwrap_or(""))
    }
}

/// Decodes a query string strictly: every `%` must start a two-digit hex escape and the result must
/// be UTF-8. `+` is a literal plus (RFC 3986), as the official SDK encodes a space as `%20`.
pub fn decode_query(raw: &str) -> Result<Vec<(String, String)>, String> {
    let mut pairs = Vec::new();
    for piece in raw.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = piece.split_once('=').unwrap_or((piece, ""));
        let key = decode_component(key)?;
        let value = decode_component(value).map_err(|e| format!("parameter `{key}`: {e}"))?;
        pairs.push((key, value));
    }
    Ok(pairs)
}

/// Percent-decodes one component strictly (see [`decode_query`]).
pub fn decode_component(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'%' {
            let ok = bytes.len() > i + 2
                && bytes[i + 1].is_ascii_hexdigit()
                && bytes[i + 2].is_ascii_hexdigit();
            if !ok {
                return Err("invalid percent-encoding".into());
            }
        }
    }
    percent_decode_str(text)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| "percent-decodes to bytes that are not UTF-8".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_strictly() {
        assert_eq!(
            decode_query("a=%E7%8E%8B&b=&c&d=1+2").unwrap(),
            vec![
                ("a".into(), "王".into()),
                ("b".into(), "".into()),
                ("c".into(), "".into()),
                ("d".into(), "1+2".into())
            ]
        );
        assert!(decode_query("a=%zz").is_err());
        assert!(decode_query("a=%4").is_err());
        assert!(decode_query("a=%C3%28").is_err());
        assert!(decode_query("%FF=1").is_err());
    }
}
