//! The reproduce line of a finding: a curl command that sends the same request, with every
//! credential written as its environment variable and never as its value.

use super::request::PreparedRequest;
use super::target::{Target, TargetCredentials};
use crate::spec::Operation;

/// A curl command reproducing `request` against `target`; credentials appear as `$VARIABLE`.
pub fn curl_line(
    request: &PreparedRequest,
    op: &Operation,
    target: &Target,
    credentials: &TargetCredentials,
) -> String {
    let mut parts = vec!["curl".to_string(), "-sS".into(), "-i".into()];
    if request.method != "GET" {
        parts.push("-X".into());
        parts.push(request.method.clone());
    }
    for (name, value) in request.extra_headers() {
        parts.push("-H".into());
        parts.push(single_quote(&format!("{name}: {value}")));
    }
    if request.signable() && credentials.signs(op) {
        // A signature is bound to a time and expires; the line shows its shape, not a value.
        if !request
            .extra_headers()
            .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
        {
            parts.push("-H".into());
            parts.push(single_quote("Content-Type: application/json"));
        }
        parts.push("-H".into());
        parts.push("\"X-Sdk-Date: $(date -u +%Y%m%dT%H%M%SZ)\"".into());
        parts.push("-H".into());
        parts.push(format!(
            "\"Authorization: SDK-HMAC-SHA256 Access=${}, SignedHeaders=content-type;host;x-sdk-date, Signature=<SDK-HMAC-SHA256 with ${}; or use partner-conformance replay>\"",
            super::AK_ENV,
            super::SK_ENV
        ));
    } else if let Some((name, value, variable)) = request.credential_header(op, credentials) {
        parts.push("-H".into());
        match variable {
            Some(variable) => parts.push(format!("\"{name}: ${variable}\"")),
            None => parts.push(single_quote(&format!("{name}: {value}"))),
        }
    }
    if let Some(body) = request.body_json(op) {
        if !has_content_type(&parts) {
            parts.push("-H".into());
            parts.push(single_quote("Content-Type: application/json"));
        }
        parts.push("--data-raw".into());
        parts.push(single_quote(&body.to_string()));
    }
    parts.push(single_quote(&request.url(op, target)));
    parts.join(" ")
}

/// Whether a Content-Type header is already on the line.
fn has_content_type(parts: &[String]) -> bool {
    parts
        .iter()
        .any(|p| p.to_ascii_lowercase().starts_with("'content-type:"))
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
}
