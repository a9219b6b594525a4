//! PC003 `content_type_conformance`: the documented Content-Type, media type and charset compared
//! case-insensitively (`application/json; charset=utf-8` is the same header).
//!
//! The media type is documented (every example is JSON). The charset parameter is not a rule
//! of the pages: where the operation's examples carry one, a different or missing charset rests
//! on the position `x-operation.x-position.content_type` names (A27); where they carry none,
//! any charset is accepted (nothing the pages do not mention is drift). A String body sent as
//! text (the AICC errors) has another media type by that reading: it rests on the status
//! schema's `x-position.content_type` (A29). The gateway's own answers are held to the media
//! type of their entry.

use super::{CheckInfo, DocSource, Runner, Verifies};

use super::support::context::{doc_label, ResponseContext};
use crate::outcome::{Category, Finding};
use crate::spec::RuleId;

const NAME: &str = "content_type_conformance";

/// Splits a Content-Type into its media type and charset, lower-cased.
fn parts(value: &str) -> (String, Option<String>) {
    let mut pieces = value.split(';');
    let media = pieces
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let charset = pieces.find_map(|p| {
        let (key, value) = p.split_once('=')?;
        (key.trim().eq_ignore_ascii_case("charset"))
            .then(|| value.trim().trim_matches('"').to_ascii_lowercase())
    });
    (media, charset)
}

/// Runs the check.
pub fn check(ctx: &ResponseContext) -> Vec<Finding> {
    let observed = ctx.exchange.header("content-type");
    // An entry answered by the gateway documents only its media type.
    let (status, body) = (ctx.exchange.status, &ctx.exchange.body);
    let entry = super::status_code_conformance::observed_entry(ctx.op, status, body)
        .or_else(|| ctx.spec.gateway_answer(ctx.op, status, body));
    if let Some(media) = entry.and_then(|e| e.content_type.as_deref()) {
        if observed.is_some_and(|o| parts(o).0 == media) {
            return Vec::new();
        }
        return vec![ctx
            .finding(
                NAME,
                Category::ContentType,
                "header.content-type",
                media.to_string(),
                observed.unwrap_or("(no Content-Type)"),
                entry.map(|e| doc_label(&e.doc)),
            )
            .about(RuleId::response(ctx.op.id, "content_type"))];
    }
    let documented = &ctx.op.meta.content_type;
    let (media, charset) = parts(documented);
    let seen = observed.map(parts);
    let position = match &seen {
        // A String body sent as text (A29): its media type rests on the same position.
        Some((seen_media, _)) if *seen_media != media && ctx.exchange.body_is_text => ctx
            .op
            .response(status)
            .and_then(|r| r.position_of("body", "content_type")),
        Some((seen_media, _)) if *seen_media != media => None,
        None => None,
        Some((_, seen_charset)) if charset.is_none() || *seen_charset == charset => {
            return Vec::new()
        }
        Some(_) => ctx.op.meta.positions.get("content_type"),
    };
    vec![ctx
        .finding(
            NAME,
            Category::ContentType,
            "header.content-type",
            documented.clone(),
            observed.unwrap_or("(no Content-Type)"),
            Some(doc_label(&ctx.op.meta.doc)),
        )
        .about(RuleId::response(ctx.op.id, "content_type"))
        .resting_on(position)]
}

/// The catalogue entry of this check (listed in [`super::CHECKS`]).
pub static CHECK: CheckInfo = CheckInfo {
    code: "PC003",
    name: "content_type_conformance",
    categories: &[Category::ContentType],
    summary: "The Content-Type header has the documented media type; where the operation's examples carry a charset (UTF-8), another or none is an observation of position A27 (a finding with --positions strict). Compared case-insensitively.",
    reproduce: "Run the curl line (it prints headers with -i) and read Content-Type.",
    rests_on: DocSource::Operation,
    verifies: &[Verifies::ContentType],
    runner: Runner::PerResponse(check),
};

#[cfg(test)]
mod tests {
    use super::parts;

    #[test]
    fn compares_media_type_and_charset_only() {
        assert_eq!(
            parts("application/json;charset=UTF-8"),
            parts("Application/JSON; charset=\"utf-8\"")
        );
        assert_ne!(
            parts("application/json"),
            parts("application/json;charset=UTF-8")
        );
        assert_ne!(
            parts("text/html;charset=UTF-8"),
            parts("application/json;charset=UTF-8")
        );
    }
}

#[cfg(test)]
mod check_tests {
    use super::check;
    use crate::checks::support::testing::{answer, customers_success, run, spec};
    use crate::checks::{Category, Expectation, Policies};
    use crate::spec::OperationId;

    #[test]
    fn fires_on_another_media_type_or_none_and_stays_quiet_on_the_documented_one() {
        let spec = spec();
        let p = Policies::default();
        let mut exchange = answer(&spec, OperationId::CustomersV1, 200, customers_success());
        assert!(run(&spec, check, &exchange, &Expectation::Success, &p).is_empty());
        exchange.headers = vec![(
            "content-type".into(),
            "application/json; charset=utf-8".into(),
        )];
        assert!(run(&spec, check, &exchange, &Expectation::Success, &p).is_empty());
        exchange.headers = vec![("content-type".into(), "text/html;charset=UTF-8".into())];
        let found = run(&spec, check, &exchange, &Expectation::Success, &p);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].category, Category::ContentType);
        exchange.headers.clear();
        assert_eq!(
            run(&spec, check, &exchange, &Expectation::Success, &p)[0].observed,
            "(no Content-Type)"
        );
    }

    #[test]
    fn a_charset_is_a_position_where_documented_and_never_drift_where_not() {
        let spec = spec();
        let p = Policies::default();
        let mut old = answer(&spec, OperationId::CustomersV1, 200, customers_success());
        old.headers = vec![("content-type".into(), "application/json".into())];
        let found = run(&spec, check, &old, &Expectation::Success, &p);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].position.as_ref().map(|p| p.as_str()), Some("A27"));
        let body = serde_json::json!({"count": 0, "customer_infos": []});
        let mut new = answer(&spec, OperationId::CustomersV2, 200, body);
        for value in [
            "application/json",
            "application/json;charset=UTF-8",
            "application/json; charset=iso-8859-1",
        ] {
            new.headers = vec![("content-type".into(), value.into())];
            assert!(
                run(&spec, check, &new, &Expectation::Success, &p).is_empty(),
                "{value}"
            );
        }
        new.headers = vec![("content-type".into(), "text/plain".into())];
        let found = run(&spec, check, &new, &Expectation::Success, &p);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].position, None, "another media type is drift");
    }

    #[test]
    fn a_string_body_sent_as_text_rests_its_media_type_on_a29() {
        let spec = spec();
        let p = Policies::default();
        let sentence = serde_json::json!("Unauthorized operation.");
        let mut text = answer(&spec, OperationId::AiccTenant, 401, sentence);
        text.headers = vec![("content-type".into(), "text/plain;charset=UTF-8".into())];
        text.body_is_text = true;
        let found = run(&spec, check, &text, &Expectation::Documented, &p);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].position.as_ref().map(|p| p.as_str()), Some("A29"));
        // The same media type on a JSON string is not that reading: drift.
        text.body_is_text = false;
        let found = run(&spec, check, &text, &Expectation::Documented, &p);
        assert_eq!(found[0].position, None);
    }
}
