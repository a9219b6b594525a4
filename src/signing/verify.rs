//! Server side: parse the `Authorization` header and verify a received request.

use chrono::{DateTime, Duration, Utc};

use super::canonical::{
    canonical_request, format_sdk_date, header_name_is, parse_sdk_date, signature, string_to_sign,
    strip_header_value, SignableRequest, ALGORITHM, HEADER_CONTENT_SHA256,
};

/// Clock skew the API gateway tolerates between `X-Sdk-Date` and its own clock.
pub const MAX_SKEW_MINUTES: i64 = 15;

/// Upper bound on the number of names accepted in `SignedHeaders`, so hostile input cannot make
/// verification quadratic in the size of a huge header value.
const MAX_SIGNED_HEADERS: usize = 64;

/// Longest piece of client-supplied text echoed in an error message.
const MAX_ECHO_CHARS: usize = 24;

/// The gateway's tolerance ([`MAX_SKEW_MINUTES`]) as a `Duration`, for passing to [`verify`].
pub fn default_max_skew() -> Duration {
    Duration::minutes(MAX_SKEW_MINUTES)
}

/// Why a request failed verification. Messages are lowercase fragments and never contain the
/// SK or a signature; client-supplied text is truncated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// No `Authorization` header.
    #[error("missing authorization header")]
    MissingAuthorization,
    /// The `Authorization` header is not `ALG Access=.., SignedHeaders=.., Signature=..`.
    #[error("malformed authorization header: {0}")]
    MalformedAuthorization(String),
    /// The algorithm is not `SDK-HMAC-SHA256` (holds the name, or a placeholder if it is odd).
    #[error("unsupported signing algorithm: {0}")]
    UnsupportedAlgorithm(String),
    /// `secret_for` knows no SK for the access key.
    #[error("unknown access key")]
    UnknownAccessKey,
    /// A header listed in `SignedHeaders` is not in the request.
    #[error("signed header missing from request: {0}")]
    MissingSignedHeader(String),
    /// `host` is not listed in `SignedHeaders`.
    #[error("host is not a signed header")]
    HostNotSigned,
    /// `x-sdk-date` is not listed in `SignedHeaders`.
    #[error("x-sdk-date is not a signed header")]
    DateNotSigned,
    /// A signed header (or the `X-Sdk-Content-Sha256` header) occurs more than once, so its
    /// value is ambiguous.
    #[error("header sent more than once: {0}")]
    DuplicateHeader(String),
    /// `X-Sdk-Content-Sha256` is present but not signed; it would replace the body hash, so an
    /// unsigned one would let the body be swapped.
    #[error("x-sdk-content-sha256 is present but not signed")]
    ContentHashNotSigned,
    /// `X-Sdk-Date` is not `yyyymmddThhmmssZ`.
    #[error("invalid x-sdk-date (expected yyyymmddThhmmssZ): {0}")]
    BadDate(String),
    /// `X-Sdk-Date` is further than the allowed skew from the server clock.
    #[error(
        "signature expired: signature time {}, server time {}, allowed skew {}s",
        show_date(.signed_at),
        show_date(.server_time),
        .max_skew.num_seconds()
    )]
    DateSkew {
        /// Time in `X-Sdk-Date`.
        signed_at: DateTime<Utc>,
        /// The verifier's `now`.
        server_time: DateTime<Utc>,
        /// The tolerance that was exceeded.
        max_skew: Duration,
    },
    /// The recomputed signature differs from the one presented.
    #[error("signature does not match")]
    SignatureMismatch,
}

/// The three parts of an `Authorization: SDK-HMAC-SHA256 ...` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedAuthorization {
    /// Always [`ALGORITHM`] (anything else is rejected while parsing).
    pub algorithm: String,
    /// The AK from `Access=`.
    pub access_key: String,
    /// Names from `SignedHeaders=`, in the order given (lower-case, non-empty tokens).
    pub signed_headers: Vec<String>,
    /// The 64 lowercase hex digits from `Signature=`.
    pub signature: String,
}

/// What a successfully verified request was signed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The AK that signed the request.
    pub access_key: String,
    /// The signed header names, as listed in the `Authorization` header.
    pub signed_headers: Vec<String>,
    /// The `X-Sdk-Date` time.
    pub signed_at: DateTime<Utc>,
}

fn show_date(t: &DateTime<Utc>) -> String {
    format_sdk_date(*t)
}

/// Masks an access key for logs: its first 4 characters followed by `***`.
pub fn mask_access_key(ak: &str) -> String {
    let prefix: String = ak.chars().take(4).collect();
    format!("{prefix}***")
}

/// Truncates and sanitises client-supplied text before it goes into an error message.
fn echo(text: &str) -> String {
    let mut out: String = text
        .chars()
        .take(MAX_ECHO_CHARS)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if text.chars().nth(MAX_ECHO_CHARS).is_some() {
        out.push('…');
    }
    out
}

fn malformed(msg: &str) -> VerifyError {
    VerifyError::MalformedAuthorization(msg.to_string())
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Parses `SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<a;b>, Signature=<hex>`: the components
/// may come in any order, separated by commas with optional spaces; each must occur exactly once.
pub fn parse_authorization(value: &str) -> Result<ParsedAuthorization, VerifyError> {
    let value = value.trim_matches(|c| c == ' ' || c == '\t');
    if value.is_empty() {
        return Err(malformed("empty value"));
    }
    let (algorithm, rest) = value.split_once(' ').unwrap_or((value, ""));
    if algorithm != ALGORITHM {
        let shown = if algorithm.len() <= 32
            && algorithm
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        {
            algorithm.to_string()
        } else {
            "(unrecognised token)".to_string()
        };
        return Err(VerifyError::UnsupportedAlgorithm(shown));
    }
    if rest.trim().is_empty() {
        return Err(malformed("no credentials after the algorithm"));
    }

    let (mut access, mut signed, mut sig) = (None, None, None);
    for part in rest.split(',') {
        let part = part.trim_matches(|c| c == ' ' || c == '\t');
        let (key, val) = part
            .split_once('=')
            .ok_or_else(|| malformed("component without '='"))?;
        let slot = match key {
            "Access" => &mut access,
            "SignedHeaders" => &mut signed,
            "Signature" => &mut sig,
            _ => return Err(malformed("unexpected component")),
        };
        if slot.replace(val).is_some() {
            return Err(malformed("repeated component"));
        }
    }
    let access = access.ok_or_else(|| malformed("missing access"))?;
    let signed = signed.ok_or_else(|| malformed("missing signedheaders"))?;
    let sig = sig.ok_or_else(|| malformed("missing signature"))?;

    if access.is_empty() || !access.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(malformed("access must be non-empty printable ascii"));
    }
    let signed_headers: Vec<String> = signed.split(';').map(str::to_string).collect();
    if signed_headers.len() > MAX_SIGNED_HEADERS {
        return Err(malformed("too many signed headers"));
    }
    for name in &signed_headers {
        if name.is_empty() || !name.bytes().all(is_token_byte) {
            return Err(malformed("signed header names must be non-empty tokens"));
        }
        if name.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(malformed("signed header names must be lowercase"));
        }
        if name == "authorization" {
            return Err(malformed("authorization cannot be a signed header"));
        }
    }
    if sig.len() != 64 || !sig.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(malformed("signature must be 64 lowercase hex digits"));
    }
    Ok(ParsedAuthorization {
        algorithm: algorithm.to_string(),
        access_key: access.to_string(),
        signed_headers,
        signature: sig.to_string(),
    })
}

/// All values of the headers whose name equals `lower_name` ignoring ASCII case.
fn header_values<'h>(
    headers: &'h [(String, String)],
    lower_name: &'h str,
) -> impl Iterator<Item = &'h str> + 'h {
    headers
        .iter()
        .filter(move |(name, _)| header_name_is(name, lower_name))
        .map(|(_, value)| value.as_str())
}

/// Verifies a received request: recomputes the canonical request with the `SignedHeaders` from
/// its `Authorization` header, requires `host` and `x-sdk-date` to be signed and the date within
/// `max_skew` of `now` (the gateway allows 15 minutes, see [`default_max_skew`]), looks the SK up
/// with `secret_for` (`None` = unknown AK) and compares signatures in constant time.
///
/// `req.query` must be the decoded pairs of the received query string (see
/// [`super::parse_query_string`]), `req.path` the raw path as received, and `req.headers` must
/// include `Host` (for HTTP/2, the `:authority`). Never panics on hostile input.
pub fn verify(
    req: &SignableRequest,
    secret_for: impl Fn(&str) -> Option<String>,
    now: DateTime<Utc>,
    max_skew: Duration,
) -> Result<Verified, VerifyError> {
    let mut auth_values = header_values(req.headers, "authorization");
    let auth = auth_values
        .next()
        .ok_or(VerifyError::MissingAuthorization)?;
    if auth_values.next().is_some() {
        return Err(malformed("more than one authorization header"));
    }
    let parsed = parse_authorization(auth)?;
    let signed = &parsed.signed_headers;

    if !signed.iter().any(|n| n == "x-sdk-date") {
        return Err(VerifyError::DateNotSigned);
    }
    if !signed.iter().any(|n| n == "host") {
        return Err(VerifyError::HostNotSigned);
    }
    for name in signed {
        match header_values(req.headers, name).count() {
            0 => return Err(VerifyError::MissingSignedHeader(echo(name))),
            1 => {}
            _ => return Err(VerifyError::DuplicateHeader(echo(name))),
        }
    }
    let content_sha = "x-sdk-content-sha256";
    match header_values(req.headers, content_sha).count() {
        0 => {}
        1 if signed.iter().any(|n| n == content_sha) => {}
        1 => return Err(VerifyError::ContentHashNotSigned),
        _ => {
            return Err(VerifyError::DuplicateHeader(
                HEADER_CONTENT_SHA256.to_lowercase(),
            ))
        }
    }

    let raw_date = header_values(req.headers, "x-sdk-date")
        .next()
        .map(strip_header_value)
        .unwrap_or_default();
    let signed_at = parse_sdk_date(raw_date).ok_or_else(|| VerifyError::BadDate(echo(raw_date)))?;
    if (now - signed_at).abs() > max_skew {
        return Err(VerifyError::DateSkew {
            signed_at,
            server_time: now,
            max_skew,
        });
    }

    let sk = secret_for(&parsed.access_key).ok_or(VerifyError::UnknownAccessKey)?;
    let canonical = canonical_request(req, signed);
    let sts = string_to_sign(&format_sdk_date(signed_at), &canonical);
    let expected = signature(&sk, &sts);
    if !constant_time_eq(expected.as_bytes(), parsed.signature.as_bytes()) {
        return Err(VerifyError::SignatureMismatch);
    }
    Ok(Verified {
        access_key: parsed.access_key,
        signed_headers: parsed.signed_headers,
        signed_at,
    })
}

/// Equality whose running time does not depend on where the inputs first differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}
