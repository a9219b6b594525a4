//! The pure building blocks shared by signing and verification: encodings, the canonical
//! request, the string to sign, the HMAC and the `Authorization` value.

use chrono::{DateTime, NaiveDate, Utc};
use hmac::{Hmac, Mac};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha2::{Digest, Sha256};

/// Algorithm name that opens the `Authorization` value and the string to sign.
pub const ALGORITHM: &str = "SDK-HMAC-SHA256";
/// Hex SHA-256 of the empty string: the payload hash of every request with an empty body.
pub const EMPTY_PAYLOAD_SHA256: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
/// Value of `X-Sdk-Content-Sha256` that the SDK sends for non-JSON/BSON content types; it is
/// then used instead of the body hash, so the body is not covered by the signature.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
/// Header carrying the signing time; must be signed.
pub const HEADER_X_SDK_DATE: &str = "X-Sdk-Date";
/// Header the SDK adds from the endpoint's host when absent; must be signed.
pub const HEADER_HOST: &str = "Host";
/// Header that carries the signature; never itself signed.
pub const HEADER_AUTHORIZATION: &str = "Authorization";
/// Header whose value replaces the body hash when present (and the body is non-empty).
pub const HEADER_CONTENT_SHA256: &str = "X-Sdk-Content-Sha256";
/// `strftime` form of the `X-Sdk-Date` format (always UTC, always 16 characters).
pub const SDK_DATE_FORMAT: &str = "%Y%m%dT%H%M%SZ";

/// Everything except `A-Z a-z 0-9 - _ . ~` is percent-encoded (Python `quote(s, safe='~')`).
const ENCODE_SET: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The parts of an HTTP request that the signature covers.
///
/// The same shape serves the client (before sending) and the server (as received), so both
/// sides compute the canonical request with the same code.
#[derive(Debug, Clone, Copy)]
pub struct SignableRequest<'a> {
    /// HTTP method in any case (it is upper-cased for signing).
    pub method: &'a str,
    /// Resource path as it will be / was sent on the wire (may contain percent-escapes).
    pub path: &'a str,
    /// Query parameters as raw, *decoded* (key, value) pairs, in any order; repeated keys allowed.
    pub query: &'a [(String, String)],
    /// Header (name, value) pairs as they will be / were sent (any case). Includes Host and
    /// X-Sdk-Date when present.
    pub headers: &'a [(String, String)],
    /// Body bytes exactly as sent.
    pub body: &'a [u8],
}

/// Percent-encodes one path segment, query key or query value the way the SDK does: UTF-8,
/// uppercase hex, only `A-Z a-z 0-9 - _ . ~` left as is (space is `%20`, never `+`).
pub fn percent_encode_component(s: &str) -> String {
    utf8_percent_encode(s, ENCODE_SET).to_string()
}

/// Decodes `%XX` escapes leniently (like Python's `unquote`): malformed escapes stay literal
/// text and invalid UTF-8 becomes U+FFFD, so hostile input can never make this fail.
fn percent_decode_lenient(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// Canonical URI: percent-decode the path, split on `/`, re-encode each segment, join with
/// `/`, and append `/` if missing. So `/a/b` and `/a/b/` sign identically and `%2F` inside a
/// segment becomes a separator.
pub fn canonical_uri(path: &str) -> String {
    let decoded = percent_decode_lenient(path);
    let mut out = decoded
        .split('/')
        .map(percent_encode_component)
        .collect::<Vec<_>>()
        .join("/");
    if !out.ends_with('/') {
        out.push('/');
    }
    out
}

/// Canonical query string, which is also exactly what the SDK puts on the wire: pairs sorted by
/// (key, value) on the raw decoded strings (code-point order), then each encoded as
/// `key=value` (an empty value stays `key=`), joined with `&`. Empty query gives `""`.
pub fn canonical_query_string(query: &[(String, String)]) -> String {
    let mut pairs: Vec<(&str, &str)> = query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    // `str` ordering is byte order of UTF-8, which equals code-point order (Python's order).
    pairs.sort_unstable();
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                percent_encode_component(k),
                percent_encode_component(v)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Server-side inverse of [`canonical_query_string`]: splits a raw query string (without the
/// leading `?`) into decoded pairs. `%XX` is decoded leniently, `+` stays a literal `+` (the
/// SDK encodes a space as `%20` and a plus as `%2B`), a segment without `=` is a key with an
/// empty value, and empty segments are skipped.
pub fn parse_query_string(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|seg| !seg.is_empty())
        .map(|seg| {
            let (k, v) = seg.split_once('=').unwrap_or((seg, ""));
            (percent_decode_lenient(k), percent_decode_lenient(v))
        })
        .collect()
}

/// Names of the headers the SDK signs: every header name lower-cased, except names that
/// contain `_`, sorted by code point. Like the SDK, duplicates are not removed.
pub fn signed_header_names(headers: &[(String, String)]) -> Vec<String> {
    let mut names: Vec<String> = headers
        .iter()
        .filter(|(name, _)| !name.contains('_'))
        .map(|(name, _)| name.to_lowercase())
        .collect();
    names.sort_unstable();
    names
}

/// Strips leading/trailing whitespace exactly like Python's `str.strip()` (which, unlike
/// `str::trim`, also strips U+001C..U+001F); inner whitespace is kept. Both the signed and the
/// sent header values are stripped this way.
pub fn strip_header_value(value: &str) -> &str {
    value.trim_matches(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c))
}

/// Whether header `name` is `lower_name` (already lower-case), using the SDK's
/// `name.lower()` comparison. Every header lookup in this module goes through here so that
/// signing, the canonical form and verification can never disagree about which header is meant.
pub(super) fn header_name_is(name: &str, lower_name: &str) -> bool {
    if name.is_ascii() {
        name.eq_ignore_ascii_case(lower_name)
    } else {
        name.to_lowercase() == lower_name
    }
}

/// Value of the header `lower_name` for the canonical form: as in the SDK's name->value map, the
/// last header whose lower-cased name matches wins.
fn last_header_value<'h>(headers: &'h [(String, String)], lower_name: &str) -> Option<&'h str> {
    headers
        .iter()
        .rev()
        .find(|(name, _)| header_name_is(name, lower_name))
        .map(|(_, value)| value.as_str())
}

/// Canonical headers block: `name:stripped-value\n` for each signed name, in the given order.
/// A signed name with no matching header contributes `name:` (the caller should reject that
/// case before verifying). Mirrors the SDK's `'\n'.join(...) + '\n'`, so an empty list gives `"\n"`.
pub fn canonical_headers(headers: &[(String, String)], signed_headers: &[String]) -> String {
    if signed_headers.is_empty() {
        return "\n".to_string();
    }
    let mut out = String::new();
    for name in signed_headers {
        let value = last_header_value(headers, name).map_or("", strip_header_value);
        out.push_str(name);
        out.push(':');
        out.push_str(value);
        out.push('\n');
    }
    out
}

/// Payload hash line of the canonical request: an empty body always gives
/// [`EMPTY_PAYLOAD_SHA256`]; otherwise a non-empty `X-Sdk-Content-Sha256` header (first match,
/// any case, stripped) is used verbatim; otherwise the lowercase hex SHA-256 of the body.
pub fn payload_hash(headers: &[(String, String)], body: &[u8]) -> String {
    if body.is_empty() {
        return EMPTY_PAYLOAD_SHA256.to_string();
    }
    let declared = headers
        .iter()
        .find(|(name, _)| header_name_is(name, "x-sdk-content-sha256"))
        .map(|(_, value)| strip_header_value(value))
        .filter(|value| !value.is_empty());
    match declared {
        // The SDK reads this value after replacing every header value with the ISO-8859-1
        // decoding of its UTF-8 bytes, so a non-ASCII value is re-expanded byte by byte.
        Some(value) => value.bytes().map(char::from).collect(),
        None => sha256_hex(body),
    }
}

/// The canonical request the signature is computed over, for the given signed header names
/// (normally [`signed_header_names`] on the client, the `SignedHeaders` list on the server).
pub fn canonical_request(req: &SignableRequest, signed_headers: &[String]) -> String {
    format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        req.method.to_uppercase(),
        canonical_uri(req.path),
        canonical_query_string(req.query),
        canonical_headers(req.headers, signed_headers),
        signed_headers.join(";"),
        payload_hash(req.headers, req.body)
    )
}

/// String to sign: algorithm, the `X-Sdk-Date` value and the hex SHA-256 of the canonical
/// request, separated by `\n`.
pub fn string_to_sign(sdk_date: &str, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{sdk_date}\n{}",
        sha256_hex(canonical_request.as_bytes())
    )
}

/// Lowercase hex HMAC-SHA256 of the string to sign, keyed directly with the SK's UTF-8 bytes
/// (no key derivation, unlike AWS SigV4).
pub fn signature(sk: &str, string_to_sign: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(sk.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC-SHA256 accepts keys of any length"),
    };
    mac.update(string_to_sign.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The `Authorization` header value:
/// `SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<a;b;c>, Signature=<hex>`.
pub fn authorization_header(ak: &str, signed_headers: &[String], signature: &str) -> String {
    format!(
        "{ALGORITHM} Access={ak}, SignedHeaders={}, Signature={signature}",
        signed_headers.join(";")
    )
}

/// Formats a time as an `X-Sdk-Date` value (`yyyymmddThhmmssZ`, UTC).
pub fn format_sdk_date(t: DateTime<Utc>) -> String {
    t.format(SDK_DATE_FORMAT).to_string()
}

/// Parses an `X-Sdk-Date` value strictly: exactly `yyyymmddThhmmssZ` (16 ASCII characters) and a
/// real calendar date/time; anything else is `None`.
pub fn parse_sdk_date(value: &str) -> Option<DateTime<Utc>> {
    let b = value.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let mut n = 0u32;
        for &c in &b[range] {
            if !c.is_ascii_digit() {
                return None;
            }
            n = n * 10 + u32::from(c - b'0');
        }
        Some(n)
    };
    let year = i32::try_from(digits(0..4)?).ok()?;
    let date = NaiveDate::from_ymd_opt(year, digits(4..6)?, digits(6..8)?)?;
    let time = date.and_hms_opt(digits(9..11)?, digits(11..13)?, digits(13..15)?)?;
    Some(time.and_utc())
}

/// Lowercase hex SHA-256.
pub(super) fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}
