//! Tests for the signing module, driven by the vectors generated with the real Python SDK
//! (`tests/data/sign_vectors.json`, produced by `sign_vectors.py`).

use super::*;
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde::Deserialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

const VECTORS_JSON: &str = include_str!("../../tests/data/sign_vectors.json");

/// Number of vectors in the file; every one of them must be checked.
const EXPECTED_VECTORS: usize = 17;

#[derive(Deserialize)]
struct VectorFile {
    algorithm: String,
    credentials: Credentials,
    fixed_x_sdk_date: String,
    vectors: Vec<Vector>,
}

#[derive(Deserialize)]
struct Credentials {
    ak: String,
    sk: String,
}

#[derive(Deserialize)]
struct Vector {
    id: String,
    input: Input,
    output: Output,
    #[serde(default)]
    doc_expected_canonical_request_sha256_hex: Option<String>,
    #[serde(default)]
    doc_canonical_hash_matches: Option<bool>,
}

#[derive(Deserialize)]
struct Input {
    method: String,
    scheme: String,
    host: String,
    resource_path: String,
    query_params: Vec<QueryParam>,
    headers: Map<String, Value>,
    body_utf8: Option<Value>,
    body_sha256_hex: Option<String>,
}

#[derive(Deserialize)]
struct QueryParam {
    key: String,
    value: Value,
    python_type: String,
}

#[derive(Deserialize)]
struct Output {
    canonical_request: String,
    canonical_request_sha256_hex: String,
    string_to_sign: String,
    signed_headers: String,
    signature: String,
    authorization: String,
    request_uri: String,
    url: String,
    headers_after_signing: Map<String, Value>,
    headers_added_by_sdk: Map<String, Value>,
    headers_changed_by_sdk: Map<String, Value>,
    non_ascii_header_wire_bytes_hex: Map<String, Value>,
}

fn load() -> &'static VectorFile {
    static FILE: OnceLock<VectorFile> = OnceLock::new();
    FILE.get_or_init(|| {
        serde_json::from_str(VECTORS_JSON).expect("tests/data/sign_vectors.json parses")
    })
}

fn s(v: &Value) -> String {
    v.as_str().expect("string value in vector").to_string()
}

/// Python `str()` of a query value as the SDK renders it (bools as `true`/`false`).
fn py_str(v: &Value) -> String {
    match v {
        Value::String(x) => x.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) if n.is_i64() || n.is_u64() => n.to_string(),
        other => panic!("query value of unexpected JSON type: {other}"),
    }
}

/// Headers are handed to the HTTP library as the latin-1 decoding of their UTF-8 bytes, so the
/// JSON shows that decoding; map it back to the bytes on the wire.
fn wire_bytes(latin1: &str) -> Vec<u8> {
    latin1
        .chars()
        .map(|c| u8::try_from(u32::from(c)).expect("latin-1 char"))
        .collect()
}

/// Headers that the SDK's credentials layer adds *before* calling the signer.
const CREDENTIAL_HEADERS: &[&str] = &["X-Domain-Id", "X-Project-Id", "X-Security-Token"];
/// Headers that the signer itself adds (and so must come out of our `sign`).
const SIGNER_HEADERS: &[&str] = &[
    "Host",
    "Authorization",
    "X-Sdk-Date",
    "X-Sdk-Content-Sha256",
];

/// An owned request, convenient to tamper with.
#[derive(Clone, Debug)]
struct Owned {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Owned {
    fn req(&self) -> SignableRequest<'_> {
        SignableRequest {
            method: &self.method,
            path: &self.path,
            query: &self.query,
            headers: &self.headers,
            body: &self.body,
        }
    }
    fn header(&self, lower: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.to_lowercase() == lower)
            .map(|(_, v)| v.as_str())
    }
    fn set_header(&mut self, lower: &str, value: &str) {
        let slot = self
            .headers
            .iter_mut()
            .find(|(n, _)| n.to_lowercase() == lower)
            .expect("header to replace");
        slot.1 = value.to_string();
    }
    fn remove_header(&mut self, lower: &str) {
        self.headers.retain(|(n, _)| n.to_lowercase() != lower);
    }
    fn auth(&self) -> String {
        self.header("authorization")
            .expect("authorization")
            .to_string()
    }
    fn sdk_date(&self) -> DateTime<Utc> {
        parse_sdk_date(self.header("x-sdk-date").expect("x-sdk-date")).expect("valid date")
    }
}

/// A vector's inputs, ready to sign.
struct Driven {
    host: String,
    unsigned: Owned,
    date: DateTime<Utc>,
}

fn drive(v: &Vector) -> Driven {
    let mut query = Vec::new();
    for p in &v.input.query_params {
        match (p.python_type.as_str(), &p.value) {
            ("str", Value::String(_)) | ("int", Value::Number(_)) | ("bool", Value::Bool(_)) => {
                query.push((p.key.clone(), py_str(&p.value)));
            }
            // The SDK sorts a list value and emits one `key=v` pair per element; sorting
            // all pairs together gives the same order.
            ("list", Value::Array(items)) => {
                query.extend(items.iter().map(|item| (p.key.clone(), py_str(item))));
            }
            (ty, val) => panic!("{}: cannot drive query param of type {ty}: {val}", v.id),
        }
    }
    let mut headers: Vec<(String, String)> = v
        .input
        .headers
        .iter()
        .map(|(k, val)| (k.clone(), s(val)))
        .collect();
    // GlobalCredentials / BasicCredentials add these before the signer runs; they are not in
    // `input.headers`, so take them from the recorded additions.
    for (k, val) in &v.output.headers_added_by_sdk {
        if SIGNER_HEADERS.contains(&k.as_str()) {
            continue;
        }
        assert!(
            CREDENTIAL_HEADERS.contains(&k.as_str()),
            "{}: unexpected header added by the SDK: {k}",
            v.id
        );
        headers.push((k.clone(), s(val)));
    }
    let body = match &v.input.body_utf8 {
        None => Vec::new(),
        Some(Value::String(text)) => text.as_bytes().to_vec(),
        Some(Value::Object(o)) => hex::decode(s(&o["hex"])).expect("hex body"),
        Some(other) => panic!("{}: unexpected body {other}", v.id),
    };
    if let Some(expected) = &v.input.body_sha256_hex {
        assert_eq!(&hex::encode(Sha256::digest(&body)), expected, "{}", v.id);
    }
    let date_raw = v
        .input
        .headers
        .get("X-Sdk-Date")
        .map(s)
        .expect("every vector pins X-Sdk-Date");
    Driven {
        host: v.input.host.clone(),
        date: parse_sdk_date(&date_raw).expect("vector date parses"),
        unsigned: Owned {
            method: v.input.method.clone(),
            path: v.input.resource_path.clone(),
            query,
            headers,
            body,
        },
    }
}

/// The request exactly as the Python SDK sent it (from the vector's outputs), as a server
/// would receive it.
fn received_from_vector(v: &Vector, d: &Driven) -> Owned {
    let query_string = v.output.request_uri.split_once('?').map_or("", |(_, q)| q);
    let headers = v
        .output
        .headers_after_signing
        .iter()
        .map(|(k, val)| {
            let text = String::from_utf8(wire_bytes(&s(val))).expect("utf-8 on the wire");
            (k.clone(), text)
        })
        .collect();
    Owned {
        method: v.input.method.clone(),
        path: v.input.resource_path.clone(),
        query: parse_query_string(query_string),
        headers,
        body: d.unsigned.body.clone(),
    }
}

fn sorted_wire(headers: impl IntoIterator<Item = (String, Vec<u8>)>) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> = headers.into_iter().collect();
    v.sort();
    v
}

/// A time far from every vector's date, to prove an existing X-Sdk-Date wins over `now`.
fn unrelated_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2031, 7, 8, 9, 10, 11).unwrap()
}

#[test]
fn every_vector_matches_the_python_sdk() {
    let file = load();
    assert_eq!(file.algorithm, ALGORITHM);
    assert_eq!(file.vectors.len(), EXPECTED_VECTORS);
    let (ak, sk) = (&file.credentials.ak, &file.credentials.sk);
    let mut checked = 0;
    for v in &file.vectors {
        let id = &v.id;
        let d = drive(v);
        let out = &v.output;
        let signed = sign_for_host(&d.unsigned.req(), &d.host, ak, sk, unrelated_now());

        assert_eq!(signed.canonical_request, out.canonical_request, "{id}");
        assert_eq!(
            hex::encode(Sha256::digest(signed.canonical_request.as_bytes())),
            out.canonical_request_sha256_hex,
            "{id}"
        );
        assert_eq!(signed.string_to_sign, out.string_to_sign, "{id}");
        assert_eq!(signed.signed_headers.join(";"), out.signed_headers, "{id}");
        assert_eq!(signed.signature, out.signature, "{id}");
        assert_eq!(signed.authorization, out.authorization, "{id}");
        assert_eq!(signed.request_uri, out.request_uri, "{id}");
        assert_eq!(
            format!("{}://{}{}", v.input.scheme, d.host, signed.request_uri),
            out.url,
            "{id}"
        );
        assert_eq!(signed.sdk_date, format_sdk_date(d.date), "{id}");

        // Every header sent, byte for byte (order aside).
        let ours = sorted_wire(
            signed
                .headers
                .iter()
                .map(|(k, val)| (k.clone(), val.as_bytes().to_vec())),
        );
        let theirs = sorted_wire(
            out.headers_after_signing
                .iter()
                .map(|(k, val)| (k.clone(), wire_bytes(&s(val)))),
        );
        assert_eq!(ours, theirs, "{id}: headers sent");
        for (k, hexval) in &out.non_ascii_header_wire_bytes_hex {
            let sent = signed.headers.iter().find(|(n, _)| n == k).expect("header");
            assert_eq!(hex::encode(sent.1.as_bytes()), s(hexval), "{id}: {k}");
        }
        for (k, change) in &out.headers_changed_by_sdk {
            let sent = signed.headers.iter().find(|(n, _)| n == k).expect("header");
            assert_eq!(sent.1.as_bytes(), wire_bytes(&s(&change["after"])), "{id}");
        }
        // What the signer added = what the SDK added minus the credentials layer's headers.
        let mut added: Vec<_> = signed.added_headers.clone();
        added.sort();
        let mut expected_added: Vec<(String, String)> = out
            .headers_added_by_sdk
            .iter()
            .filter(|(k, _)| !CREDENTIAL_HEADERS.contains(&k.as_str()))
            .map(|(k, val)| (k.clone(), s(val)))
            .collect();
        expected_added.sort();
        assert_eq!(added, expected_added, "{id}: headers added by the signer");

        // The individual building blocks, fed from the expected values.
        let sent_without_auth: Vec<(String, String)> = signed
            .headers
            .iter()
            .filter(|(k, _)| k != "Authorization")
            .cloned()
            .collect();
        let names = signed_header_names(&sent_without_auth);
        assert_eq!(names.join(";"), out.signed_headers, "{id}");
        let full = Owned {
            headers: sent_without_auth,
            ..d.unsigned.clone()
        };
        assert_eq!(
            canonical_request(&full.req(), &names),
            out.canonical_request,
            "{id}"
        );
        assert_eq!(
            out.string_to_sign.lines().nth(1),
            Some(format_sdk_date(d.date).as_str()),
            "{id}"
        );
        assert_eq!(
            string_to_sign(&format_sdk_date(d.date), &out.canonical_request),
            out.string_to_sign,
            "{id}"
        );
        assert_eq!(signature(sk, &out.string_to_sign), out.signature, "{id}");
        assert_eq!(
            authorization_header(ak, &names, &out.signature),
            out.authorization,
            "{id}"
        );
        assert_eq!(
            canonical_query_string(&d.unsigned.query),
            signed.query_string,
            "{id}"
        );

        // `sign` (no host argument) gives the same result when Host is already a header.
        let mut with_host = d.unsigned.clone();
        with_host.headers.push(("Host".to_string(), d.host.clone()));
        let signed2 = sign(&with_host.req(), ak, sk, unrelated_now());
        assert_eq!(signed2.authorization, out.authorization, "{id}");

        if let Some(doc_hash) = &v.doc_expected_canonical_request_sha256_hex {
            // Huawei's published worked example: only the canonical hash is comparable.
            assert_eq!(&out.canonical_request_sha256_hex, doc_hash, "{id}");
            assert_eq!(v.doc_canonical_hash_matches, Some(true), "{id}");
        }
        checked += 1;
    }
    assert!(
        checked >= EXPECTED_VECTORS,
        "only {checked} vectors checked"
    );
    assert_eq!(
        checked,
        file.vectors.len(),
        "every vector is checked, none skipped"
    );
    // The "fixed" date is the one most vectors use; the doc example uses its own.
    assert!(file
        .vectors
        .iter()
        .any(|v| v.output.string_to_sign.contains(&file.fixed_x_sdk_date)));
}

fn keystore(ak: &str, sk: &str) -> impl Fn(&str) -> Option<String> {
    let (ak, sk) = (ak.to_string(), sk.to_string());
    move |candidate: &str| (candidate == ak).then(|| sk.clone())
}

/// Signed requests for every vector: the Python SDK's own output, and ours.
fn received_requests() -> Vec<(String, Owned, DateTime<Utc>)> {
    let file = load();
    let mut out = Vec::new();
    for v in &file.vectors {
        let d = drive(v);
        out.push((
            format!("{} (python)", v.id),
            received_from_vector(v, &d),
            d.date,
        ));
        let signed = sign_for_host(
            &d.unsigned.req(),
            &d.host,
            &file.credentials.ak,
            &file.credentials.sk,
            unrelated_now(),
        );
        let ours = Owned {
            query: parse_query_string(&signed.query_string),
            headers: signed.headers.clone(),
            ..d.unsigned.clone()
        };
        out.push((format!("{} (rust)", v.id), ours, d.date));
    }
    out
}

fn check(o: &Owned, now: DateTime<Utc>) -> Result<Verified, VerifyError> {
    let file = load();
    verify(
        &o.req(),
        keystore(&file.credentials.ak, &file.credentials.sk),
        now,
        default_max_skew(),
    )
}

/// Re-signs `o` over exactly `names` (to isolate one rule from a signature mismatch).
fn resign_with(o: &Owned, names: &[String]) -> Owned {
    let file = load();
    let canonical = canonical_request(&o.req(), names);
    let sts = string_to_sign(&format_sdk_date(o.sdk_date()), &canonical);
    let sig = signature(&file.credentials.sk, &sts);
    let mut out = o.clone();
    out.set_header(
        "authorization",
        &authorization_header(&file.credentials.ak, names, &sig),
    );
    out
}

#[test]
fn verify_accepts_every_vector() {
    let reqs = received_requests();
    assert_eq!(reqs.len(), 2 * EXPECTED_VECTORS);
    let file = load();
    for (id, o, date) in &reqs {
        let ok = check(o, *date).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(ok.access_key, file.credentials.ak, "{id}");
        assert_eq!(ok.signed_at, *date, "{id}");
        assert!(ok.signed_headers.iter().any(|n| n == "host"), "{id}");
        // The gateway's window is inclusive at exactly 15 minutes either way.
        for delta in [Duration::minutes(15), Duration::minutes(-15)] {
            assert!(check(o, *date + delta).is_ok(), "{id}");
        }
    }
}

#[test]
fn verify_rejects_tampering() {
    let mut unsigned_payload_vectors = 0;
    for (id, o, date) in &received_requests() {
        let date = *date;
        let auth = o.auth();

        // Tampered signature (last and first hex digit).
        for pos in [auth.len() - 1, auth.len() - 64] {
            let mut t = o.clone();
            let mut bytes = auth.clone().into_bytes();
            bytes[pos] = if bytes[pos] == b'0' { b'1' } else { b'0' };
            t.set_header("authorization", &String::from_utf8(bytes).unwrap());
            assert_eq!(check(&t, date), Err(VerifyError::SignatureMismatch), "{id}");
        }

        // Every signed header's value changed.
        let parsed = parse_authorization(&auth).unwrap();
        for name in &parsed.signed_headers {
            let mut t = o.clone();
            let old = t.header(name).unwrap().to_string();
            let new = if name == "x-sdk-date" {
                format_sdk_date(date + Duration::seconds(1))
            } else {
                format!("{old}x")
            };
            t.set_header(name, &new);
            assert_eq!(
                check(&t, date),
                Err(VerifyError::SignatureMismatch),
                "{id}: {name}"
            );
        }

        // Query value changed / parameter added.
        if let Some(first) = o.query.first() {
            let mut t = o.clone();
            t.query[0].1 = format!("{}x", first.1);
            assert_eq!(check(&t, date), Err(VerifyError::SignatureMismatch), "{id}");
        }
        let mut t = o.clone();
        t.query.push(("extra".into(), "1".into()));
        assert_eq!(check(&t, date), Err(VerifyError::SignatureMismatch), "{id}");

        // Path changed (but not just a trailing slash, which signs identically).
        let mut t = o.clone();
        t.path.push('x');
        assert_eq!(check(&t, date), Err(VerifyError::SignatureMismatch), "{id}");

        // Method changed.
        let mut t = o.clone();
        t.method = if o.method == "GET" { "POST" } else { "GET" }.into();
        assert_eq!(check(&t, date), Err(VerifyError::SignatureMismatch), "{id}");

        // Body changed. With UNSIGNED-PAYLOAD the body is, by design, not covered.
        let mut t = o.clone();
        t.body.push(b'x');
        if o.header("x-sdk-content-sha256") == Some(UNSIGNED_PAYLOAD) {
            unsigned_payload_vectors += 1;
            assert!(check(&t, date).is_ok(), "{id}: unsigned payload");
        } else {
            assert_eq!(check(&t, date), Err(VerifyError::SignatureMismatch), "{id}");
        }

        // Outside the 15-minute window, either way.
        for delta in [
            Duration::seconds(15 * 60 + 1),
            Duration::seconds(-15 * 60 - 1),
        ] {
            match check(o, date + delta) {
                Err(VerifyError::DateSkew {
                    signed_at,
                    server_time,
                    max_skew,
                }) => {
                    assert_eq!(signed_at, date);
                    assert_eq!(server_time, date + delta);
                    assert_eq!(max_skew, Duration::minutes(15));
                }
                other => panic!("{id}: expected DateSkew, got {other:?}"),
            }
        }

        // x-sdk-date (or host) left out of SignedHeaders, otherwise correctly signed.
        let without = |drop: &str| -> Vec<String> {
            parsed
                .signed_headers
                .iter()
                .filter(|n| *n != drop)
                .cloned()
                .collect()
        };
        let t = resign_with(o, &without("x-sdk-date"));
        assert_eq!(check(&t, date), Err(VerifyError::DateNotSigned), "{id}");
        let t = resign_with(o, &without("host"));
        assert_eq!(check(&t, date), Err(VerifyError::HostNotSigned), "{id}");

        // Unknown AK: the key store knows nobody.
        let r = verify(&o.req(), |_| None, date, default_max_skew());
        assert_eq!(r, Err(VerifyError::UnknownAccessKey), "{id}");

        // Wrong algorithm names.
        let rest = auth.strip_prefix(ALGORITHM).unwrap();
        for alg in [
            "SDK-HMAC-SM3",
            "V11-HMAC-SHA256",
            "sdk-hmac-sha256",
            "AWS4-HMAC-SHA256",
        ] {
            let mut t = o.clone();
            t.set_header("authorization", &format!("{alg}{rest}"));
            assert_eq!(
                check(&t, date),
                Err(VerifyError::UnsupportedAlgorithm(alg.to_string())),
                "{id}"
            );
        }

        // Malformed Authorization shapes.
        let sig = &parsed.signature;
        let ak = &parsed.access_key;
        let sh = parsed.signed_headers.join(";");
        let shapes = [
            String::new(),
            "   ".to_string(),
            ALGORITHM.to_string(),
            format!("{ALGORITHM} "),
            format!("{ALGORITHM} Access={ak}, SignedHeaders={sh}"),
            format!("{ALGORITHM} Access={ak}, Signature={sig}"),
            format!("{ALGORITHM} SignedHeaders={sh}, Signature={sig}"),
            format!("{ALGORITHM} Access={ak}, Access={ak}, SignedHeaders={sh}, Signature={sig}"),
            format!("{ALGORITHM} Access={ak}, SignedHeaders={sh}, Signature={sig}, Extra=1"),
            format!("{ALGORITHM} Access={ak}, SignedHeaders={sh}, Signature"),
            format!("{ALGORITHM} Access={ak}; SignedHeaders={sh}; Signature={sig}"),
            format!("{ALGORITHM} Access=, SignedHeaders={sh}, Signature={sig}"),
            format!("{ALGORITHM} Access={ak}, SignedHeaders=, Signature={sig}"),
            format!("{ALGORITHM} Access={ak}, SignedHeaders={sh};, Signature={sig}"),
            format!("{ALGORITHM} Access={ak}, SignedHeaders=host;;x-sdk-date, Signature={sig}"),
            format!(
                "{ALGORITHM} Access={ak}, SignedHeaders={}, Signature={sig}",
                sh.to_uppercase()
            ),
            format!("{ALGORITHM} Access={ak}, SignedHeaders={sh};authorization, Signature={sig}"),
            format!(
                "{ALGORITHM} Access={ak}, SignedHeaders={sh}, Signature={}",
                &sig[1..]
            ),
            format!("{ALGORITHM} Access={ak}, SignedHeaders={sh}, Signature={sig}0"),
            format!(
                "{ALGORITHM} Access={ak}, SignedHeaders={sh}, Signature={}",
                sig.to_uppercase()
            ),
            format!(
                "{ALGORITHM} Access={ak}, SignedHeaders={sh}, Signature={}",
                "g".repeat(64)
            ),
            format!("{ALGORITHM} access={ak}, signedheaders={sh}, signature={sig}"),
            format!("{ALGORITHM} Access={ak},, SignedHeaders={sh}, Signature={sig}"),
            format!("{ALGORITHM} Access=A K, SignedHeaders={sh}, Signature={sig}"),
        ];
        for shape in &shapes {
            let mut t = o.clone();
            t.set_header("authorization", shape);
            assert!(
                matches!(check(&t, date), Err(VerifyError::MalformedAuthorization(_))),
                "{id}: {shape:?} gave {:?}",
                check(&t, date)
            );
        }

        // Two Authorization headers.
        let mut t = o.clone();
        t.headers.push(("authorization".into(), auth.clone()));
        assert!(matches!(
            check(&t, date),
            Err(VerifyError::MalformedAuthorization(_))
        ));

        // No Authorization header.
        let mut t = o.clone();
        t.remove_header("authorization");
        assert_eq!(
            check(&t, date),
            Err(VerifyError::MissingAuthorization),
            "{id}"
        );

        // A signed header missing from the request / sent twice.
        let mut t = o.clone();
        t.remove_header("content-type");
        assert_eq!(
            check(&t, date),
            Err(VerifyError::MissingSignedHeader("content-type".into())),
            "{id}"
        );
        let mut t = o.clone();
        t.headers.push(("HOST".into(), "evil.example.com".into()));
        assert_eq!(
            check(&t, date),
            Err(VerifyError::DuplicateHeader("host".into())),
            "{id}"
        );

        // An unparseable X-Sdk-Date (correctly signed, so only the date rule can fail).
        let mut t = o.clone();
        t.set_header("x-sdk-date", "2024-01-02T03:04:05Z");
        let names = parsed.signed_headers.clone();
        let file = load();
        let canonical = canonical_request(&t.req(), &names);
        let sts = string_to_sign("2024-01-02T03:04:05Z", &canonical);
        let good = signature(&file.credentials.sk, &sts);
        t.set_header(
            "authorization",
            &authorization_header(&file.credentials.ak, &names, &good),
        );
        assert_eq!(
            check(&t, date),
            Err(VerifyError::BadDate("2024-01-02T03:04:05Z".into())),
            "{id}"
        );
    }
    // One vector (python + rust request) uses UNSIGNED-PAYLOAD.
    assert_eq!(unsigned_payload_vectors, 2);
}

#[test]
fn unsigned_content_hash_header_cannot_replace_the_body_hash() {
    // Without the ContentHashNotSigned rule an attacker could swap a JSON body and add an
    // unsigned `X-Sdk-Content-Sha256: <hash of the original body>`: the canonical request would
    // still match. Show that it would match, and that verify refuses it.
    let (id, o, date) = received_requests()
        .into_iter()
        .find(|(id, _, _)| id == "new_customers_post_json_body (python)")
        .expect("vector present");
    let original_hash = hex::encode(Sha256::digest(&o.body));
    let mut t = o.clone();
    t.body = br#"{"account_name":"evil"}"#.to_vec();
    t.headers
        .push(("X-Sdk-Content-Sha256".into(), original_hash.clone()));
    let names = parse_authorization(&o.auth()).unwrap().signed_headers;
    assert_eq!(
        canonical_request(&t.req(), &names),
        canonical_request(&o.req(), &names),
        "{id}"
    );
    assert_eq!(check(&t, date), Err(VerifyError::ContentHashNotSigned));
    // Sent twice (even if one copy is signed) is ambiguous.
    let mut t2 = o.clone();
    t2.headers
        .push(("X-Sdk-Content-Sha256".into(), original_hash.clone()));
    t2.headers
        .push(("x-sdk-content-sha256".into(), original_hash));
    assert!(matches!(
        check(&t2, date),
        Err(VerifyError::DuplicateHeader(_))
    ));
}

#[test]
fn canonical_uri_rules() {
    assert_eq!(canonical_uri("/a/b"), "/a/b/");
    assert_eq!(canonical_uri("/a/b/"), "/a/b/");
    assert_eq!(canonical_uri("/a%2Fb"), "/a/b/");
    assert_eq!(canonical_uri("/a%2fb/c"), "/a/b/c/");
    assert_eq!(canonical_uri("/a b"), "/a%20b/");
    assert_eq!(canonical_uri("/a%20b"), "/a%20b/");
    assert_eq!(canonical_uri("/!*'()"), "/%21%2A%27%28%29/");
    assert_eq!(canonical_uri("/%21%2A%27%28%29"), "/%21%2A%27%28%29/");
    assert_eq!(canonical_uri("/a-b_c.d~e"), "/a-b_c.d~e/");
    assert_eq!(canonical_uri("/:@+&=$,;"), "/%3A%40%2B%26%3D%24%2C%3B/");
    assert_eq!(canonical_uri("/王"), "/%E7%8E%8B/");
    assert_eq!(canonical_uri("/%e7%8e%8b"), "/%E7%8E%8B/");
    assert_eq!(canonical_uri(""), "/");
    assert_eq!(canonical_uri("/"), "/");
    assert_eq!(canonical_uri("//"), "//");
    assert_eq!(canonical_uri("a"), "a/");
    // Bad escapes stay literal (and the `%` is then encoded), invalid UTF-8 becomes U+FFFD.
    assert_eq!(canonical_uri("/a%zz"), "/a%25zz/");
    assert_eq!(canonical_uri("/%"), "/%25/");
    assert_eq!(canonical_uri("/%4"), "/%254/");
    assert_eq!(canonical_uri("/%ff"), "/%EF%BF%BD/");
    assert_eq!(canonical_uri("/%E4%B8"), "/%EF%BF%BD/");
    // The vector's path.
    assert_eq!(
        canonical_uri("/v1.0/part%20ner:01@x!/partner/account-mgr/credit"),
        "/v1.0/part%20ner%3A01%40x%21/partner/account-mgr/credit/"
    );
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn trailing_slash_and_encoded_slash_sign_identically() {
    let file = load();
    let (ak, sk) = (&file.credentials.ak, &file.credentials.sk);
    let now = Utc.with_ymd_and_hms(2024, 1, 2, 3, 4, 5).unwrap();
    let q = pairs(&[("x", "1")]);
    let h = pairs(&[("Host", "h.example.com")]);
    let sig = |path: &str| {
        let req = SignableRequest {
            method: "get",
            path,
            query: &q,
            headers: &h,
            body: b"",
        };
        sign(&req, ak, sk, now)
    };
    let a = sig("/a/b");
    assert_eq!(a.signature, sig("/a/b/").signature);
    assert_eq!(a.signature, sig("/a%2Fb").signature);
    assert_ne!(a.signature, sig("/a/c").signature);
    // The path sent is unchanged; only the canonical form differs.
    assert_eq!(sig("/a/b/").request_uri, "/a/b/?x=1");
    assert_eq!(a.request_uri, "/a/b?x=1");
    assert!(a.canonical_request.starts_with("GET\n/a/b/\nx=1\n"));
}

#[test]
fn canonical_query_rules() {
    assert_eq!(canonical_query_string(&[]), "");
    assert_eq!(
        canonical_query_string(&pairs(&[("q", "é"), ("q", "a"), ("q", "~"), ("b", "")])),
        "b=&q=a&q=~&q=%C3%A9"
    );
    assert_eq!(
        canonical_query_string(&pairs(&[("k", "a b+c!*'()")])),
        "k=a%20b%2Bc%21%2A%27%28%29"
    );
    assert_eq!(
        canonical_query_string(&pairs(&[("a b", "x&y=z/?#%")])),
        "a%20b=x%26y%3Dz%2F%3F%23%25"
    );
    // Keys sort by code point too: "A" < "a" < "é".
    assert_eq!(
        canonical_query_string(&pairs(&[("é", "1"), ("a", "1"), ("A", "1")])),
        "A=1&a=1&%C3%A9=1"
    );
    // Round trip through the server-side parser.
    let q = pairs(&[("k", "王小明 test"), ("e", ""), ("p", "A&B=C/D?E+F%G#H")]);
    let mut back = parse_query_string(&canonical_query_string(&q));
    let mut orig = q.clone();
    back.sort();
    orig.sort();
    assert_eq!(back, orig);
    assert_eq!(
        parse_query_string("a=1&&b&c=%zz&d=x+y&=v"),
        pairs(&[("a", "1"), ("b", ""), ("c", "%zz"), ("d", "x+y"), ("", "v")])
    );
}

#[test]
fn header_rules() {
    let headers = pairs(&[
        ("X-Auth_Token", "secret"),
        ("Content-Type", " application/json\t"),
        ("host", "h"),
        ("X-B", "  inner   spaces  "),
        ("X-A", "\u{1c}py-strip\u{1f}"),
    ]);
    let names = signed_header_names(&headers);
    assert_eq!(names, ["content-type", "host", "x-a", "x-b"]);
    assert_eq!(
        canonical_headers(&headers, &names),
        "content-type:application/json\nhost:h\nx-a:py-strip\nx-b:inner   spaces\n"
    );
    assert_eq!(canonical_headers(&headers, &[]), "\n");
    assert_eq!(strip_header_value(" \t\u{a0}x y\u{3000}\r\n"), "x y");
}

#[test]
fn payload_hash_rules() {
    let none: Vec<(String, String)> = Vec::new();
    let unsigned = pairs(&[("x-sdk-content-sha256", " UNSIGNED-PAYLOAD ")]);
    let empty_decl = pairs(&[("X-Sdk-Content-Sha256", "")]);
    assert_eq!(payload_hash(&none, b""), EMPTY_PAYLOAD_SHA256);
    // Empty body is checked first.
    assert_eq!(payload_hash(&unsigned, b""), EMPTY_PAYLOAD_SHA256);
    assert_eq!(payload_hash(&unsigned, b"x"), UNSIGNED_PAYLOAD);
    let body_hash = hex::encode(Sha256::digest(b"{}"));
    assert_eq!(payload_hash(&none, b"{}"), body_hash);
    assert_eq!(payload_hash(&empty_decl, b"{}"), body_hash);
    // Non-ASCII declared value: the SDK uses the latin-1 view of its UTF-8 bytes.
    assert_eq!(
        payload_hash(&pairs(&[("X-Sdk-Content-Sha256", "é")]), b"x"),
        "\u{c3}\u{a9}"
    );
}

#[test]
fn sign_adds_headers_like_the_sdk() {
    let now = Utc.with_ymd_and_hms(2024, 1, 2, 3, 4, 5).unwrap();
    let q: Vec<(String, String)> = Vec::new();
    let run = |headers: &[(String, String)], body: &[u8]| {
        let req = SignableRequest {
            method: "POST",
            path: "/p",
            query: &q,
            headers,
            body,
        };
        sign_for_host(&req, "h.example.com", "AK", "SK", now)
    };
    let names = |signed: &Signed| {
        signed
            .added_headers
            .iter()
            .map(|(k, _)| k.clone())
            .collect::<Vec<_>>()
    };

    let octet = run(&pairs(&[("Content-Type", "text/plain")]), b"abc");
    assert_eq!(
        names(&octet),
        [
            "X-Sdk-Content-Sha256",
            "X-Sdk-Date",
            "Host",
            "Authorization"
        ]
    );
    assert!(octet.canonical_request.ends_with("\nUNSIGNED-PAYLOAD"));
    assert_eq!(octet.sdk_date, "20240102T030405Z");

    for ct in ["application/json;charset=UTF-8", "application/bson", ""] {
        let s = run(&pairs(&[("Content-Type", ct)]), b"abc");
        assert_eq!(names(&s), ["X-Sdk-Date", "Host", "Authorization"], "{ct}");
    }
    // The SDK looks up "Content-Type" with that exact spelling only.
    let lower = run(&pairs(&[("content-type", "text/plain")]), b"abc");
    assert_eq!(names(&lower), ["X-Sdk-Date", "Host", "Authorization"]);

    // Existing X-Sdk-Date (any case) and Host are honoured; Authorization is replaced.
    let given = run(
        &pairs(&[
            ("x-sdk-date", "20200101T000000Z"),
            ("HOST", "other"),
            ("authorization", "stale"),
        ]),
        b"",
    );
    assert_eq!(names(&given), ["Authorization"]);
    assert_eq!(given.sdk_date, "20200101T000000Z");
    assert_eq!(given.signed_headers, ["host", "x-sdk-date"]);
    assert_eq!(
        given
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("authorization"))
            .count(),
        1
    );

    // An unparseable X-Sdk-Date is signed verbatim (stripped) so negative tests can send it.
    let bad = run(&pairs(&[("X-Sdk-Date", " yesterday ")]), b"");
    assert_eq!(bad.sdk_date, "yesterday");
    assert!(bad
        .string_to_sign
        .starts_with("SDK-HMAC-SHA256\nyesterday\n"));

    // Without a host argument and without a Host header, no Host is invented, and the
    // verifier then refuses the request.
    let req = SignableRequest {
        method: "GET",
        path: "/p",
        query: &q,
        headers: &[],
        body: b"",
    };
    let no_host = sign(&req, "AK", "SK", now);
    assert_eq!(no_host.signed_headers, ["x-sdk-date"]);
    let received = SignableRequest {
        headers: &no_host.headers,
        ..req
    };
    let r = verify(&received, |_| Some("SK".into()), now, default_max_skew());
    assert_eq!(r, Err(VerifyError::HostNotSigned));
}

#[test]
fn sign_then_verify_round_trip_with_odd_inputs() {
    let now = Utc.with_ymd_and_hms(2025, 6, 7, 8, 9, 10).unwrap();
    let q = pairs(&[("z", "2"), ("a", "x y"), ("a", ""), ("ü", "✓")]);
    let h = pairs(&[
        ("Content-Type", "application/octet-stream"),
        ("X-Meta", "  中文  "),
        ("X-Under_Score", "unsigned"),
    ]);
    let req = SignableRequest {
        method: "put",
        path: "/v1/%E7%8E%8B/a b/",
        query: &q,
        headers: &h,
        body: b"\x00\x01\xff",
    };
    let signed = sign_for_host(&req, "h:8443", "AKID", "sk-1", now);
    assert!(signed
        .request_uri
        .starts_with("/v1/%E7%8E%8B/a b/?a=&a=x%20y&z=2&%C3%BC="));
    let received_query = parse_query_string(&signed.query_string);
    let received = SignableRequest {
        method: "PUT",
        query: &received_query,
        headers: &signed.headers,
        ..req
    };
    let keys = |ak: &str| (ak == "AKID").then(|| "sk-1".to_string());
    let ok = verify(&received, keys, now, default_max_skew()).expect("verifies");
    assert_eq!(ok.access_key, "AKID");
    // The unsigned `_` header can change freely.
    let mut h2 = signed.headers.clone();
    h2.iter_mut().find(|(k, _)| k == "X-Under_Score").unwrap().1 = "changed".into();
    let received2 = SignableRequest {
        headers: &h2,
        ..received
    };
    assert!(verify(&received2, keys, now, default_max_skew()).is_ok());
}

#[test]
fn errors_never_contain_the_sk_or_the_signature() {
    let file = load();
    let sk = file.credentials.sk.clone();
    let t = Utc.with_ymd_and_hms(2024, 1, 2, 3, 4, 5).unwrap();
    let mut errors = vec![
        VerifyError::MissingAuthorization,
        VerifyError::MalformedAuthorization("x".into()),
        VerifyError::UnsupportedAlgorithm("X".into()),
        VerifyError::UnknownAccessKey,
        VerifyError::MissingSignedHeader("host".into()),
        VerifyError::HostNotSigned,
        VerifyError::DateNotSigned,
        VerifyError::DuplicateHeader("host".into()),
        VerifyError::ContentHashNotSigned,
        VerifyError::BadDate("x".into()),
        VerifyError::DateSkew {
            signed_at: t,
            server_time: t,
            max_skew: default_max_skew(),
        },
        VerifyError::SignatureMismatch,
    ];
    // Errors produced from requests that smuggle the SK into every client-controlled slot.
    let mut signatures = Vec::new();
    for (_, o, date) in received_requests() {
        let auth = o.auth();
        let parsed = parse_authorization(&auth).unwrap();
        signatures.push(parsed.signature.clone());
        let rest = auth.strip_prefix(ALGORITHM).unwrap();
        let variants = [
            format!("{sk}{rest}"),
            format!("{sk} {sk}"),
            format!("{ALGORITHM} Access={sk}, SignedHeaders={sk}, Signature={sk}"),
            format!("{ALGORITHM} {sk}={sk}"),
            format!(
                "{ALGORITHM} Access=x, SignedHeaders=host;x-sdk-date;{}, Signature={}",
                sk.to_lowercase(),
                parsed.signature
            ),
        ];
        for v in &variants {
            let mut t = o.clone();
            t.set_header("authorization", v);
            errors.push(check(&t, date).unwrap_err());
        }
        let mut t = o.clone();
        t.set_header("x-sdk-date", &sk);
        errors.push(check(&t, date).unwrap_err());
        let mut t = o.clone();
        t.body.push(b'!');
        if let Err(e) = check(&t, date) {
            errors.push(e);
        }
        errors.push(check(&o, date + Duration::hours(1)).unwrap_err());
    }
    assert!(errors.len() > 100);
    assert_eq!(
        errors[10].to_string(),
        "signature expired: signature time 20240102T030405Z, \
         server time 20240102T030405Z, allowed skew 900s"
    );
    let odd_alg = parse_authorization(&format!("{sk} Access=x")).unwrap_err();
    assert_eq!(
        odd_alg.to_string(),
        "unsupported signing algorithm: (unrecognised token)"
    );
    // Client-supplied text is echoed truncated (here: the SK smuggled in as X-Sdk-Date).
    assert!(errors.contains(&VerifyError::BadDate(format!("{}…", &sk[..24]))));
    for e in &errors {
        let text = e.to_string();
        assert!(!text.contains(&sk), "{text}");
        assert!(!text.contains(&sk[..25]), "{text}");
        for sig in &signatures {
            assert!(!text.contains(sig.as_str()), "{text}");
        }
        assert!(text.starts_with(|c: char| c.is_ascii_lowercase()), "{text}");
    }
}

/// Tiny deterministic generator for fuzz-style inputs (no extra crates).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn text(&mut self, alphabet: &[&str], max_len: u64) -> String {
        let len = self.next() % (max_len + 1);
        (0..len)
            .map(|_| alphabet[(self.next() % alphabet.len() as u64) as usize])
            .collect()
    }
}

#[test]
fn hostile_input_never_panics() {
    let (_, o, date) = received_requests().remove(0);
    let auth = o.auth();
    let fixed = [
        "\0",
        "SDK-HMAC-SHA256\u{0}Access=x",
        "SDK-HMAC-SHA256 ,,,,",
        "SDK-HMAC-SHA256 ====",
        "SDK-HMAC-SHA256 Access==, SignedHeaders==, Signature==",
        "SDK-HMAC-SHA256 Access=é, SignedHeaders=hé;st, Signature=é",
        "SDK-HMAC-SHA256 Access=ak, SignedHeaders=host;x-sdk-date, Signature=ééééééééééééééééééééééééééééééééé",
        "🦀🦀🦀 🦀=🦀",
        "SDK-HMAC-SHA256\tAccess=x",
        "  SDK-HMAC-SHA256   Access=x ,SignedHeaders=host , Signature=0",
    ];
    let alphabet = [
        "SDK-HMAC-SHA256",
        " ",
        ",",
        ", ",
        "=",
        ";",
        "Access",
        "SignedHeaders",
        "Signature",
        "host",
        "x-sdk-date",
        "a",
        "0",
        "é",
        "王",
        "\u{0}",
        "\t",
        "%",
        "%zz",
        "%E4",
        "🦀",
    ];
    let mut rng = Lcg(0x5eed);
    let mut values: Vec<String> = fixed.iter().map(|s| s.to_string()).collect();
    for _ in 0..3000 {
        values.push(rng.text(&alphabet, 40));
    }
    values.push(format!("{auth}{}", ";host".repeat(5000)));
    values.push("SDK-HMAC-SHA256 ".to_string() + &"Access=x, ".repeat(10_000));
    for v in &values {
        let _ = parse_authorization(v);
        let mut t = o.clone();
        t.set_header("authorization", v);
        assert!(check(&t, date).is_err(), "{v:?}");
    }

    // Garbage paths, queries, dates and header names with a valid Authorization.
    let paths = [
        "",
        "%",
        "%%",
        "%zz/%4",
        "/%ff%fe%00/",
        "/%E4%B8",
        "/\u{0}/é",
        "no-slash",
    ];
    let long_path = "/%".repeat(10_000);
    for path in paths.iter().copied().chain([long_path.as_str()]) {
        let mut t = o.clone();
        t.path = path.to_string();
        assert_eq!(
            check(&t, date),
            Err(VerifyError::SignatureMismatch),
            "{path:?}"
        );
        let _ = canonical_uri(path);
        let _ = parse_query_string(path);
    }
    for _ in 0..500 {
        let mut t = o.clone();
        t.set_header("x-sdk-date", &rng.text(&alphabet, 20));
        assert!(check(&t, date).is_err());
        let mut t = o.clone();
        t.headers
            .push((rng.text(&alphabet, 8), rng.text(&alphabet, 8)));
        t.query
            .push((rng.text(&alphabet, 8), rng.text(&alphabet, 8)));
        assert!(check(&t, date).is_err());
    }
    for d in [
        "",
        "20240102T030405",
        "20241302T030405Z",
        "20240230T030405Z",
        "20240102T250405Z",
        "２0240102T030405Z",
        "20240102t030405z",
    ] {
        assert_eq!(parse_sdk_date(d), None, "{d:?}");
    }
    assert!(parse_sdk_date("20240229T235959Z").is_some());
    // Extreme `now` values must not overflow.
    let _ = check(&o, DateTime::<Utc>::MIN_UTC);
    let _ = check(&o, DateTime::<Utc>::MAX_UTC);
}

#[test]
fn masking_shows_at_most_four_characters() {
    assert_eq!(mask_access_key("AKEXAMPLE0123456789A"), "AKEX***");
    assert_eq!(mask_access_key("AK"), "AK***");
    assert_eq!(mask_access_key("王小明先生"), "王小明先***");
}
