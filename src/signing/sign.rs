//! Client side: sign a request the way `huaweicloudsdkcore`'s `Signer.sign` does.

use chrono::{DateTime, Utc};

use super::canonical::{
    authorization_header, canonical_query_string, canonical_request, format_sdk_date,
    header_name_is, parse_sdk_date, signature, signed_header_names, string_to_sign,
    strip_header_value, SignableRequest, HEADER_AUTHORIZATION, HEADER_CONTENT_SHA256, HEADER_HOST,
    HEADER_X_SDK_DATE, UNSIGNED_PAYLOAD,
};

/// Result of signing: what to send plus every intermediate, so tests and diagnostics can show
/// exactly what was signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    /// Full header list to send, in order, incl. `Authorization`; values stripped as the SDK does
    /// (send non-ASCII values as their raw UTF-8 bytes).
    pub headers: Vec<(String, String)>,
    /// The headers that signing appended (`X-Sdk-Content-Sha256`, `X-Sdk-Date`, `Host` when it
    /// had to add them, and always `Authorization`), in the order they were added.
    pub added_headers: Vec<(String, String)>,
    /// Canonical query string, which is also the query string to send (without `?`).
    pub query_string: String,
    /// Request target to send: the path unchanged, plus `?` and the query string if non-empty.
    pub request_uri: String,
    /// Lower-cased, sorted names that were signed.
    pub signed_headers: Vec<String>,
    /// The `X-Sdk-Date` value used in the string to sign.
    pub sdk_date: String,
    /// The canonical request that was hashed.
    pub canonical_request: String,
    /// The string that was HMAC'ed.
    pub string_to_sign: String,
    /// Lowercase hex signature.
    pub signature: String,
    /// The `Authorization` header value.
    pub authorization: String,
}

/// Signs `req` with `ak`/`sk`. Adds `X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD` where the SDK does,
/// and `X-Sdk-Date` (from `now`) if absent, but cannot add `Host` because the request carries no
/// host: include a `Host` header yourself or use [`sign_for_host`], otherwise a verifier rejects
/// the request as unsigned-host.
///
/// As in the SDK, an existing `X-Sdk-Date` is honoured (if it does not parse as
/// `yyyymmddThhmmssZ` its stripped value is signed verbatim, which lets negative tests send a
/// bad date), and `Content-Type` is looked up with exactly that spelling. Any `Authorization`
/// header already present is dropped and replaced.
pub fn sign(req: &SignableRequest, ak: &str, sk: &str, now: DateTime<Utc>) -> Signed {
    sign_inner(req, None, ak, sk, now)
}

/// Like [`sign`], and also adds `Host: <host>` when no `Host` header is present (the SDK takes it
/// from the endpoint URL, port included when the endpoint has one).
pub fn sign_for_host(
    req: &SignableRequest,
    host: &str,
    ak: &str,
    sk: &str,
    now: DateTime<Utc>,
) -> Signed {
    sign_inner(req, Some(host), ak, sk, now)
}

fn sign_inner(
    req: &SignableRequest,
    host: Option<&str>,
    ak: &str,
    sk: &str,
    now: DateTime<Utc>,
) -> Signed {
    let mut headers: Vec<(String, String)> = req
        .headers
        .iter()
        .filter(|(name, _)| !header_name_is(name, "authorization"))
        .cloned()
        .collect();
    let mut added_headers = Vec::new();

    // Step 2: the SDK looks up "Content-Type" with this exact spelling (Python dict `get`).
    let content_type = headers
        .iter()
        .rev()
        .find(|(name, _)| name == "Content-Type")
        .map(|(_, value)| value.as_str());
    if let Some(ct) = content_type {
        if !ct.is_empty()
            && !ct.starts_with("application/json")
            && !ct.starts_with("application/bson")
        {
            let existing = headers
                .iter_mut()
                .find(|(name, _)| name == HEADER_CONTENT_SHA256);
            match existing {
                Some((_, value)) => *value = UNSIGNED_PAYLOAD.to_string(),
                None => {
                    let header = (
                        HEADER_CONTENT_SHA256.to_string(),
                        UNSIGNED_PAYLOAD.to_string(),
                    );
                    headers.push(header.clone());
                    added_headers.push(header);
                }
            }
        }
    }

    // Step 3: honour an existing X-Sdk-Date (any case, first match), else add one.
    let existing_date = headers
        .iter()
        .find(|(name, _)| header_name_is(name, "x-sdk-date"))
        .map(|(_, value)| value.clone());
    let sdk_date = match existing_date {
        Some(raw) => match parse_sdk_date(&raw) {
            Some(t) => format_sdk_date(t),
            None => strip_header_value(&raw).to_string(),
        },
        None => {
            let value = format_sdk_date(now);
            let header = (HEADER_X_SDK_DATE.to_string(), value.clone());
            headers.push(header.clone());
            added_headers.push(header);
            value
        }
    };

    // Step 4: Host, if absent and known.
    let has_host = headers.iter().any(|(name, _)| header_name_is(name, "host"));
    if let (false, Some(host)) = (has_host, host) {
        let header = (HEADER_HOST.to_string(), host.to_string());
        headers.push(header.clone());
        added_headers.push(header);
    }

    // Steps 5-9.
    let signed_headers = signed_header_names(&headers);
    let to_sign = SignableRequest {
        headers: &headers,
        ..*req
    };
    let canonical = canonical_request(&to_sign, &signed_headers);
    let sts = string_to_sign(&sdk_date, &canonical);
    let sig = signature(sk, &sts);
    let authorization = authorization_header(ak, &signed_headers, &sig);

    // The SDK replaces every header value with its stripped form before sending.
    for (_, value) in headers.iter_mut() {
        let stripped = strip_header_value(value);
        if stripped.len() != value.len() {
            *value = stripped.to_string();
        }
    }
    for (_, value) in added_headers.iter_mut() {
        *value = strip_header_value(value).to_string();
    }
    let auth_header = (HEADER_AUTHORIZATION.to_string(), authorization.clone());
    headers.push(auth_header.clone());
    added_headers.push(auth_header);

    // Step 10: the query sent is the canonical query string.
    let query_string = canonical_query_string(req.query);
    let request_uri = if query_string.is_empty() {
        req.path.to_string()
    } else {
        format!("{}?{}", req.path, query_string)
    };

    Signed {
        headers,
        added_headers,
        query_string,
        request_uri,
        signed_headers,
        sdk_date,
        canonical_request: canonical,
        string_to_sign: sts,
        signature: sig,
        authorization,
    }
}
