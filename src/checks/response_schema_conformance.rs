//! PC004 `response_schema_conformance`: the body matches the documented table of its status.
//! Each schema violation becomes a finding whose category follows the failing keyword.

use super::{CheckInfo, DocSource, Runner, Verifies};

use super::support::context::{doc_label, ResponseContext};
use super::support::policy::Toggle;
use crate::outcome::{Category, Finding};
use crate::spec::{DocRef, RuleId, SchemaViolation, Spec};
use serde_json::Value;

const NAME: &str = "response_schema_conformance";

/// The category of a violated keyword.
pub fn category_of(violation: &SchemaViolation) -> Category {
    match violation.keyword.as_str() {
        "required" => Category::MissingField,
        "additionalProperties" | "unevaluatedProperties" => Category::UnexpectedField,
        "type" if violation.instance_is_null => Category::NullHandling,
        "maxLength" | "minLength" => Category::FieldLength,
        "enum" | "const" => Category::Enum,
        "pattern" | "format" => Category::Format,
        _ => Category::Type,
    }
}

/// `/customer_info_list/3/corp_name` as `body.customer_info_list[3].corp_name`, with the property
/// a `required` or `additionalProperties` violation names appended.
pub fn location_of(violation: &SchemaViolation) -> String {
    let mut location = String::from("body");
    let segments = violation
        .instance_path
        .split('/')
        .skip(1)
        .filter(|s| !s.is_empty())
        .map(|s| s.replace("~1", "/").replace("~0", "~"));
    for segment in segments.chain(violation.property.clone()) {
        if !segment.is_empty() && segment.chars().all(|c| c.is_ascii_digit()) {
            location.push_str(&format!("[{segment}]"));
        } else if segment.is_empty()
            || segment
                .chars()
                .any(|c| matches!(c, '.' | '[' | ']' | '"' | '\\') || c.is_whitespace())
        {
            // A member named like a path (`customer_info_list[0].telephone`) is quoted, so it
            // never reads as, nor counts against, the documented field it imitates.
            location.push_str(&format!("[{}]", serde_json::Value::from(segment)));
        } else {
            location.push('.');
            location.push_str(&segment);
        }
    }
    location
}

/// The `x-doc` of the field a location points at, following `$ref`s, `properties` and `items`.
pub fn field_doc(spec: &Spec, file: &str, schema: &Value, location: &str) -> Option<DocRef> {
    let mut node = spec.flatten(file, schema);
    let mut doc = node.get("x-doc").cloned();
    let path = location.strip_prefix("body").unwrap_or(location);
    for segment in path.split(['.', '[']).filter(|s| !s.is_empty()) {
        let next = if segment.ends_with(']') {
            node.get("items")
        } else {
            node.get("properties").and_then(|p| p.get(segment))
        };
        let Some(next) = next else { break };
        node = spec.flatten(file, next);
        if let Some(found) = node.get("x-doc") {
            doc = Some(found.clone());
        }
    }
    doc.and_then(|d| serde_json::from_value(d).ok())
}

/// Runs the check.
pub fn check(ctx: &ResponseContext) -> Vec<Finding> {
    let (status, body) = (ctx.exchange.status, &ctx.exchange.body);
    let Some(response) = ctx.spec.response_for(ctx.op, status, body) else {
        return Vec::new(); // An undocumented status is status_code_conformance's finding.
    };
    let mut seen = std::collections::HashSet::new();
    let text = ctx.exchange.body_is_text.then(|| {
        // A String body that came as text, not as a JSON string: the reading of A29.
        ctx.finding(
            NAME,
            Category::Type,
            "body",
            format!(
                "a JSON string, the body documented as a String ({})",
                response.file
            ),
            "text that is not JSON",
            field_doc(ctx.spec, &response.file, &response.schema, "body")
                .as_ref()
                .map(doc_label),
        )
        .about(RuleId::response_field(ctx.op.id, status, "body", "json"))
        .resting_on(response.position_of("body", "json"))
    });
    // A body nested under a member the table prints as its root (`wrapper.<member>` in the
    // body's `x-position`: AICC's `schema`, A28) is that reading, told once; its inside is then
    // judged like the flat body, so a field missing there is still drift.
    let (body, wrapped) = match unwrap(response, body) {
        Some((inner, member, position)) => {
            let finding = ctx
                .finding(
                    NAME,
                    Category::MissingField,
                    "body",
                    format!(
                        "the documented fields at the top level of the body ({})",
                        response.file
                    ),
                    format!("every field nested under `{member}`"),
                    None,
                )
                .about(RuleId::response_field(
                    ctx.op.id,
                    response.status,
                    "body",
                    "wrapper",
                ))
                .resting_on(Some(position));
            (inner, Some(finding))
        }
        None => (&ctx.exchange.body, None),
    };
    let mut findings: Vec<Finding> = wrapped.into_iter().collect();
    findings.extend(
        response
            .validate(body)
            .into_iter()
            .filter(|v| {
                ctx.policies.unknown_fields == Toggle::Strict
                    || category_of(v) != Category::UnexpectedField
            })
            // One finding per field and category: a time can break both `pattern` and `format`.
            .filter(|v| seen.insert((location_of(v), category_of(v))))
            .map(|violation| {
                let location = location_of(&violation);
                let doc = field_doc(ctx.spec, &response.file, &response.schema, &location);
                let rule = RuleId::response_field(
                    ctx.op.id,
                    response.status,
                    &location,
                    &violation.keyword,
                );
                // The keyword's `x-position`, if the schema says it rests on one; a `required` or
                // `additionalProperties` keyword sits on the object, not on the property it names.
                let holder = location_of(&SchemaViolation {
                    property: None,
                    ..violation.clone()
                });
                // A `required` property may rest on a position of its own (`required.corp_name`).
                let position = violation
                    .property
                    .as_ref()
                    .and_then(|p| {
                        response.position_of(&holder, &format!("{}.{p}", violation.keyword))
                    })
                    .or_else(|| response.position_of(&holder, &violation.keyword))
                    .cloned();
                ctx.finding(
                    NAME,
                    category_of(&violation),
                    location,
                    format!("{} ({})", describe_rule(&violation), response.file),
                    violation.message.clone(),
                    doc.as_ref().map(doc_label),
                )
                .about(rule)
                .resting_on(position.as_ref())
            }),
    );
    findings.extend(text);
    findings
}

/// The inside of a body made of one object member that the schema's `wrapper.<member>`
/// position names, with that member's name and the position.
fn unwrap<'b, 's>(
    response: &'s crate::spec::ResponseSchema,
    body: &'b Value,
) -> Option<(&'b Value, &'s str, &'s crate::spec::Position)> {
    let object = body.as_object().filter(|o| o.len() == 1)?;
    response
        .positions_at("body")?
        .iter()
        .find_map(|(key, position)| {
            let member = key.strip_prefix("wrapper.")?;
            let inner = object.get(member).filter(|v| v.is_object())?;
            Some((inner, member, position))
        })
}

fn describe_rule(violation: &SchemaViolation) -> String {
    match violation.keyword.as_str() {
        "required" => "a documented mandatory field".into(),
        "additionalProperties" => "only documented fields".into(),
        keyword => format!("the documented `{keyword}`"),
    }
}

/// The catalogue entry of this check (listed in [`super::CHECKS`]).
pub static CHECK: CheckInfo = CheckInfo {
    code: "PC004",
    name: "response_schema_conformance",
    categories: &[Category::MissingField, Category::UnexpectedField, Category::Type, Category::FieldLength, Category::Enum, Category::Format, Category::NullHandling],
    summary: "The body matches the documented table of its status: mandatory fields present, no undocumented fields (unless --unknown-fields lenient), JSON types, maximum lengths in characters, enumerations, formats such as the UTC time and the AICC masks.",
    reproduce: "Run the curl line and look at the field named in the finding's location.",
    rests_on: DocSource::ResponseFields,
    verifies: &[Verifies::ResponseFields],
    runner: Runner::PerResponse(check),
};

#[cfg(test)]
mod tests {
    use super::check;
    use crate::checks::support::testing::{answer, customers_success, run, spec};
    use crate::checks::{Category, Expectation, Policies, Toggle};
    use crate::spec::OperationId;
    use serde_json::json;

    fn categories(body: serde_json::Value, policies: &Policies) -> Vec<(Category, String)> {
        let spec = spec();
        let exchange = answer(&spec, OperationId::CustomersV1, 200, body);
        run(&spec, check, &exchange, &Expectation::Success, policies)
            .into_iter()
            .map(|f| (f.category, f.location))
            .collect()
    }

    #[test]
    fn a_member_named_like_a_path_is_quoted_and_breaks_no_documented_rule() {
        let spec = spec();
        let mut body = customers_success();
        body["customer_info_list[0].telephone"] = json!(12);
        let exchange = answer(&spec, OperationId::CustomersV1, 200, body);
        let strict = Policies {
            unknown_fields: Toggle::Strict,
            ..Policies::default()
        };
        let findings = run(&spec, check, &exchange, &Expectation::Success, &strict);
        assert!(!findings.is_empty());
        for f in &findings {
            assert_eq!(
                f.location, "body[\"customer_info_list[0].telephone\"]",
                "{f:?}"
            );
            assert!(!f.rule.as_str().contains("telephone"), "{}", f.rule);
        }
    }

    #[test]
    fn quiet_on_the_documented_example() {
        let spec = spec();
        let op = spec.operation(OperationId::CustomersV1);
        let example = op.response(200).unwrap().examples()[0].clone();
        assert!(categories(example, &Policies::default()).is_empty());
        assert!(categories(customers_success(), &Policies::default()).is_empty());
    }

    #[test]
    fn each_kind_of_violation_gets_its_category_and_location() {
        let p = Policies::default();
        let edit = |f: &dyn Fn(&mut serde_json::Value)| {
            let mut body = customers_success();
            f(&mut body);
            categories(body, &p)
        };
        let record = "body.customer_info_list[0]";
        assert_eq!(
            edit(&|b| b["customer_info_list"][0]["corp_name"] = json!("长".repeat(129))),
            vec![(Category::FieldLength, format!("{record}.corp_name"))]
        );
        assert_eq!(
            edit(&|b| {
                b["customer_info_list"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("customer_id");
            }),
            vec![(Category::MissingField, format!("{record}.customer_id"))]
        );
        assert_eq!(
            edit(&|b| b["customer_info_list"][0]["xaccount_id"] = json!("x")),
            vec![(Category::UnexpectedField, format!("{record}.xaccount_id"))]
        );
        // Two undocumented fields are two findings: accepting one must not accept the other.
        assert_eq!(
            edit(&|b| {
                b["customer_info_list"][0]["xaccount_id"] = json!("x");
                b["customer_info_list"][0]["yaccount_id"] = json!("y");
            }),
            vec![
                (Category::UnexpectedField, format!("{record}.xaccount_id")),
                (Category::UnexpectedField, format!("{record}.yaccount_id"))
            ]
        );
        assert_eq!(
            edit(&|b| b["count"] = json!("1")),
            vec![(Category::Type, "body.count".to_string())]
        );
        assert_eq!(
            edit(&|b| b["customer_info_list"][0]["domain_name"] = json!(null)),
            vec![(Category::NullHandling, format!("{record}.domain_name"))]
        );
        assert_eq!(
            edit(&|b| b["customer_info_list"][0]["cooperation_type"] = json!("4")),
            vec![(Category::Enum, format!("{record}.cooperation_type"))]
        );
        assert_eq!(
            edit(&|b| b["customer_info_list"][0]["start_time"] = json!("2018-10-11 02:28:34")),
            vec![(Category::Format, format!("{record}.start_time"))]
        );
    }

    #[test]
    fn a_body_nested_under_the_tables_root_is_one_observation_and_its_inside_is_judged() {
        let spec = spec();
        let op = OperationId::AiccTenant;
        let example = spec.operation(op).response(200).unwrap().examples()[0].clone();
        let p = Policies::default();
        let judge = |body| {
            run(
                &spec,
                check,
                &answer(&spec, op, 200, body),
                &Expectation::Success,
                &p,
            )
        };
        assert!(judge(example.clone()).is_empty());
        let nested = judge(json!({ "schema": example.clone() }));
        assert_eq!(nested.len(), 1, "{nested:?}");
        assert_eq!(nested[0].position.as_ref().map(|p| p.as_str()), Some("A28"));
        let mut partial = example.clone();
        partial.as_object_mut().unwrap().remove("portalUrl");
        let found = judge(json!({ "schema": partial }));
        assert!(
            found
                .iter()
                .any(|f| f.location == "body.portalUrl" && f.position.is_none()),
            "a field missing inside is still drift: {found:?}"
        );
        // Another member, or more than one, is no such reading.
        let other = judge(json!({ "data": example }));
        assert!(other
            .iter()
            .all(|f| f.position.as_ref().map(|p| p.as_str()) != Some("A28")));
    }

    #[test]
    fn lenient_unknown_fields_are_accepted() {
        let mut body = customers_success();
        body["customer_info_list"][0]["xaccount_id"] = json!("x");
        let lenient = Policies {
            unknown_fields: Toggle::Lenient,
            ..Policies::default()
        };
        assert!(categories(body, &lenient).is_empty());
    }

    #[test]
    fn findings_carry_the_documentation_row_and_mask_values() {
        let spec = spec();
        let mut body = customers_success();
        body["customer_info_list"][0]["telephone"] = json!("secret-looking-value-123456789");
        let exchange = answer(&spec, OperationId::CustomersV1, 200, body);
        let found = run(
            &spec,
            check,
            &exchange,
            &Expectation::Success,
            &Policies::default(),
        );
        assert_eq!(
            found[0].doc.as_deref(),
            Some("000_5988f763b3fa1be5.txt · Table 1 CustomerInfo · telephone")
        );
        assert!(
            !found[0].observed.contains("secret-looking-value"),
            "{}",
            found[0].observed
        );
    }

    #[test]
    fn a_string_body_sent_as_text_is_a_finding_resting_on_a29() {
        let spec = spec();
        let p = Policies::default();
        let mut text = answer(
            &spec,
            OperationId::AiccTenant,
            502,
            json!("The business fails."),
        );
        assert!(run(&spec, check, &text, &Expectation::Documented, &p).is_empty());
        text.body_is_text = true;
        let found = run(&spec, check, &text, &Expectation::Documented, &p);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].location, "body");
        assert_eq!(found[0].position.as_ref().map(|p| p.as_str()), Some("A29"));
        // A JSON object where a String is documented is another matter: drift.
        let object = answer(&spec, OperationId::AiccTenant, 502, json!({"msg": "x"}));
        let found = run(&spec, check, &object, &Expectation::Documented, &p);
        assert!(found.iter().all(|f| f.position.is_none()), "{found:?}");
    }

    #[test]
    fn a_gateway_answer_is_judged_by_the_gateway_schema() {
        let spec = spec();
        let p = Policies::default();
        let body = json!({"error_code": "APIGW.0201", "error_msg": "API request error.",
                          "request_id": "0123456789abcdef0123456789abcdef"});
        for status in [400, 414] {
            let refused = answer(&spec, OperationId::CustomersV1, status, body.clone());
            assert!(
                run(&spec, check, &refused, &Expectation::Documented, &p).is_empty(),
                "{status}"
            );
        }
    }
}
