//! The reproduce line of a finding: a curl command that sends the same request, with every
//! credential written as its environment variable and never as its value; for an AK/SK-signed
//! request, the `partner-conformance sign` command that signs it when it is run.

use super::request::PreparedRequest;
use super::target::{Target, TargetCredentials};
use crate::spec::Operation;

/// A command reproducing `request` against `target`: curl, with credentials as `$VARIABLE`; or
/// `partner-conformance sign` for a request signed with AK/SK (see [`sign_line`]).
pub fn curl_line(
    request: &PreparedRequest,
    op: &Operation,
    target: &Target,
    credentials: &TargetCredentials,
) -> String {
    if request.signable() && credentials.signs(op) {
        return sign_line(request, op, target);
    }
    let mut parts = vec!["curl".to_string(), "-sS".into(), "-i".into()];
    if request.method != "GET" {
        parts.push("-X".into());
        parts.push(request.method.clone());
    }
    for (name, value) in request.extra_headers() {
        parts.push("-H".into());
        parts.push(single_quote(&format!("{name}: {value}")));
    }
    if let Some((name, value, variable)) = request.credential_header(op, credentials) {
        parts.push("-H".into());
        match variable {
            Some(variable) => parts.push(format!("\"{name}: ${variable}\"")),
            None => parts.push(single_quote(&format!("{name}: {value}"))),
        }
    }
    push_body(&mut parts, request, op);
    parts.push(single_quote(&request.url(op, target)));
    parts.join(" ")
}

/// The line of an AK/SK-signed request: a signature is bound to a time and is a credential
/// while it lasts, so no line can carry one. `partner-conformance sign` signs it at send time
/// with `$HUAWEICLOUD_SDK_AK`/`$HUAWEICLOUD_SDK_SK` and never prints it.
fn sign_line(request: &PreparedRequest, op: &Operation, target: &Target) -> String {
    let mut parts = vec![
        "partner-conformance".to_string(),
        "sign".into(),
        request.method.clone(),
        single_quote(&request.url(op, target)),
    ];
    for (name, value) in request.extra_headers() {
        parts.push("-H".into());
        parts.push(single_quote(&format!("{name}: {value}")));
    }
    push_body(&mut parts, request, op);
    parts.join(" ")
}

/// The body as `--data-raw`, with a Content-Type when none is on the line yet.
fn push_body(parts: &mut Vec<String>, request: &PreparedRequest, op: &Operation) {
    if let Some(body) = request.body_json(op) {
        if !has_content_type(parts) {
            parts.push("-H".into());
            parts.push(single_quote("Content-Type: application/json"));
        }
        parts.push("--data-raw".into());
        parts.push(single_quote(&body.to_string()));
    }
}

/// Whether a Content-Type header is already on the line.
fn has_content_type(parts: &[String]) -> bool {
    parts
        .iter()
        .any(|p| p.to_ascii_lowercase().starts_with("'content-type:"))
}

/// Quotes for a POSIX shell: one word, whatever `text` holds.
pub fn shell_quote(text: &str) -> String {
    single_quote(text)
}

/// Quotes for a POSIX shell.
fn single_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{OperationId, Spec};

    #[test]
    fn credentials_are_variables_never_values() {
        let spec = Spec::embedded().unwrap();
        let op = spec.operation(OperationId::CustomersV1);
        let target = Target {
            bss_base: "http://127.0.0.1:9".into(),
            aicc_base: "http://127.0.0.1:9".into(),
            partner_id: "p'1".into(),
            embedded: false,
        };
        let credentials = TargetCredentials::from_lookup(&spec, |name| {
            (name == "HUAWEICLOUD_TOKEN").then(|| "super-secret-token".to_string())
        });
        let request = PreparedRequest::new(op, &target).with_query("corp_name", "王 & co");
        let line = curl_line(&request, op, &target, &credentials);
        assert!(!line.contains("super-secret-token"), "{line}");
        assert!(
            line.contains("\"X-Auth-Token: $HUAWEICLOUD_TOKEN\""),
            "{line}"
        );
        assert!(line.contains("corp_name=%E7%8E%8B%20%26%20co"), "{line}");
        assert!(line.contains("/v1.0/p%271/partner"), "{line}");
    }

    #[test]
    fn the_underscore_header_and_the_trailing_slash_show_as_sent() {
        let spec = Spec::embedded().unwrap();
        let target = Target {
            bss_base: "http://127.0.0.1:9".into(),
            aicc_base: "http://127.0.0.1:9".into(),
            partner_id: "p1".into(),
            embedded: false,
        };
        let credentials = TargetCredentials::from_lookup(&spec, |name| {
            (name == "AICC_TOKEN").then(|| "super-secret-aicc".to_string())
        });
        let aicc = spec.operation(OperationId::AiccTenant);
        let mut request = PreparedRequest::new(aicc, &target);
        request.auth = crate::client::AuthMode::UnderscoreHeader;
        let line = curl_line(&request, aicc, &target, &credentials);
        assert!(!line.contains("super-secret-aicc"), "{line}");
        assert!(line.contains("\"X-Auth_Token: $AICC_TOKEN\""), "{line}");
        assert!(!line.contains("X-Auth-Token"), "{line}");
        let budget = spec.operation(OperationId::BudgetV1);
        let mut request = PreparedRequest::new(budget, &target).with_query("customer_id", "c");
        request.trailing_slash = true;
        let line = curl_line(&request, budget, &target, &credentials);
        assert!(
            line.contains("/account-mgr/credit/?customer_id=c'"),
            "{line}"
        );
    }

    #[test]
    fn a_signed_request_is_a_sign_command_without_any_secret() {
        let spec = Spec::embedded().unwrap();
        let target = Target {
            bss_base: "http://127.0.0.1:9".into(),
            aicc_base: "http://127.0.0.1:9".into(),
            partner_id: "p1".into(),
            embedded: false,
        };
        let credentials = TargetCredentials::from_lookup(&spec, |name| match name {
            "HUAWEICLOUD_SDK_AK" => Some("AK-VALUE-0001".to_string()),
            "HUAWEICLOUD_SDK_SK" => Some("SK-VALUE-0002".to_string()),
            _ => None,
        })
        .with_bss_auth(crate::spec::AuthScheme::Aksk);
        let op = spec.operation(OperationId::CustomersV2);
        let request = PreparedRequest::new(op, &target).with_param(op, "limit", "2");
        let line = curl_line(&request, op, &target, &credentials);
        assert!(
            line.starts_with("partner-conformance sign POST 'http://127.0.0.1:9/v2/partners/sub-customers/query'"),
            "{line}"
        );
        assert!(line.contains("--data-raw '{\"limit\":2}'"), "{line}");
        for secret in [
            "AK-VALUE-0001",
            "SK-VALUE-0002",
            "Authorization",
            "Signature",
        ] {
            assert!(!line.contains(secret), "{secret} in {line}");
        }
    }
}
