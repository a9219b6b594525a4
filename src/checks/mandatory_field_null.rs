//! PC005 `mandatory_field_null`: under `--null-policy strict`, fields documented as mandatory are
//! not null even where the documented example shows null (`x-nullable-by-example`).

use super::{CheckInfo, DocSource, Runner};

use super::response_schema_conformance::field_doc;
use super::support::context::{doc_label, ResponseContext};
use super::support::policy::NullPolicy;
use crate::outcome::{Category, Finding};
use crate::spec::{RuleId, Spec};
use serde_json::Value;

const NAME: &str = "mandatory_field_null";

/// Runs the check.
pub fn check(ctx: &ResponseContext) -> Vec<Finding> {
    if ctx.policies.null != NullPolicy::Strict {
        return Vec::new();
    }
    let Some(response) = ctx.op.response(ctx.exchange.status) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let schema = ctx.spec.flatten(&response.file, &response.schema);
    visit(
        ctx.spec,
        &response.file,
        &schema,
        &ctx.exchange.body,
        "body",
        &mut |location| {
            let doc = field_doc(ctx.spec, &response.file, &response.schema, &location);
            let rule =
                RuleId::response_field(ctx.op.id, ctx.exchange.status, &location, "required");
            out.push(
                ctx.finding(
                    NAME,
                    Category::NullHandling,
                    location,
                    "a value (the field is documented as mandatory)",
                    "null",
                    doc.as_ref().map(doc_label),
                )
                .about(rule),
            );
        },
    );
    out
}

/// Calls `report` with the location of every null at an `x-nullable-by-example` field.
fn visit(
    spec: &Spec,
    file: &str,
    schema: &Value,
    value: &Value,
    at: &str,
    report: &mut dyn FnMut(String),
) {
    match value {
        Value::Object(map) => {
            for (name, child) in map {
                let Some(child_schema) = schema.get("properties").and_then(|p| p.get(name)) else {
                    continue;
                };
                let child_schema = spec.flatten(file, child_schema);
                let here = format!("{at}.{name}");
                if child.is_null()
                    && child_schema.get("x-nullable-by-example") == Some(&Value::Bool(true))
                {
                    report(here.clone());
                }
                visit(spec, file, &child_schema, child, &here, report);
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                let item_schema = spec.flatten(file, item_schema);
                for (i, item) in items.iter().enumerate() {
                    visit(
                        spec,
                        file,
                        &item_schema,
                        item,
                        &format!("{at}[{i}]"),
                        report,
                    );
                }
            }
        }
        _ => {}
    }
}

/// The catalogue entry of this check (listed in [`super::CHECKS`]).
pub static CHECK: CheckInfo = CheckInfo {
    code: "PC005",
    name: "mandatory_field_null",
    categories: &[Category::NullHandling],
    summary: "Under --null-policy strict, a field documented as mandatory is not null even where the documented example shows null (corp_name).",
    reproduce: "Run the curl line and look for null values in mandatory fields.",
    rests_on: DocSource::ResponseFields,
    verifies: &[],
    runner: Runner::PerResponse(check),
};

#[cfg(test)]
mod tests {
    use super::check;
    use crate::checks::support::testing::{answer, customers_success, run, spec};
    use crate::checks::{Category, Expectation, NullPolicy, Policies};
    use crate::spec::OperationId;

    #[test]
    fn fires_only_under_the_strict_policy() {
        let spec = spec();
        let exchange = answer(&spec, OperationId::CustomersV1, 200, customers_success());
        assert!(run(
            &spec,
            check,
            &exchange,
            &Expectation::Success,
            &Policies::default()
        )
        .is_empty());
        let strict = Policies {
            null: NullPolicy::Strict,
            ..Policies::default()
        };
        let found = run(&spec, check, &exchange, &Expectation::Success, &strict);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].category, Category::NullHandling);
        assert_eq!(found[0].location, "body.customer_info_list[0].corp_name");
        let mut named = customers_success();
        named["customer_info_list"][0]["corp_name"] = serde_json::json!("Acme");
        let exchange = answer(&spec, OperationId::CustomersV1, 200, named);
        assert!(run(&spec, check, &exchange, &Expectation::Success, &strict).is_empty());
    }
}
