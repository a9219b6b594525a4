//! SDK-HMAC-SHA256 request signing (Huawei Cloud APIG AK/SK), byte-for-byte as the official
//! Python SDK `huaweicloudsdkcore` does it; used by the client to sign and by the mock server to
//! verify.
//!
//! The algorithm, in short:
//!
//! 1. Add `X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD` when `Content-Type` is set and is not JSON/BSON,
//!    `X-Sdk-Date: yyyymmddThhmmssZ` (UTC) and `Host` when they are absent.
//! 2. Signed headers = every header name, lower-cased, except names containing `_`, sorted.
//! 3. Canonical request = `METHOD\nURI\nQUERY\nHEADERS\nSIGNED\nPAYLOAD` where URI is the decoded
//!    path re-encoded per segment with a trailing `/`, QUERY the raw pairs sorted then encoded,
//!    HEADERS `name:trimmed-value\n` per signed header, PAYLOAD the hex SHA-256 of the body (or
//!    the `X-Sdk-Content-Sha256` value, or the empty-string hash for an empty body).
//! 4. String to sign = `SDK-HMAC-SHA256\n<X-Sdk-Date>\n<hex sha256(canonical request)>`.
//! 5. Signature = hex HMAC-SHA256 keyed with the SK bytes (no key derivation), sent as
//!    `Authorization: SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<a;b>, Signature=<hex>`.
//!
//! The query string put on the wire is the canonical query string itself.

mod canonical;
mod sign;
mod verify;

#[cfg(test)]
mod tests;

pub use canonical::{
    authorization_header, canonical_headers, canonical_query_string, canonical_request,
    canonical_uri, format_sdk_date, parse_query_string, parse_sdk_date, payload_hash,
    percent_encode_component, signature, signed_header_names, string_to_sign, strip_header_value,
    SignableRequest, ALGORITHM, EMPTY_PAYLOAD_SHA256, HEADER_AUTHORIZATION, HEADER_CONTENT_SHA256,
    HEADER_HOST, HEADER_X_SDK_DATE, SDK_DATE_FORMAT, UNSIGNED_PAYLOAD,
};
pub use sign::{sign, sign_for_host, Signed};
pub use verify::{
    default_max_skew, mask_access_key, parse_authorization, verify, ParsedAuthorization, Verified,
    VerifyError, MAX_SKEW_MINUTES,
};
