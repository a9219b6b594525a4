//! The mock's fixtures: what the embedded data set must contain, replacement with `--fixtures`,
//! and clear errors for a bad file.

use crate::support::Mock;
use partner_conformance::mock::Fixtures;
use partner_conformance::spec::{OperationId, Spec};
use serde_json::Value;
use std::collections::BTreeSet;

#[test]
fn embedded_fixtures_cover_what_the_checks_need() {
    let spec = Spec::embedded().unwrap();
    let fixtures = Fixtures::embedded(&spec).unwrap();
    let customers = &fixtures.customers;
    assert!(customers.len() >= 200, "{} customers", customers.len());
    let types: BTreeSet<_> = customers
        .iter()
        .filter_map(|c| c.text("cooperation_type"))
        .collect();
    let supported = spec
        .operation(OperationId::CustomersV1)
        .parameter(
            partner_conformance::spec::ParamLocation::Query,
            "cooperationType",
        )
        .unwrap()
        .enum_values()
        .unwrap();
    for value in &supported {
        assert!(
            types.contains(value.as_str()),
            "no customer of association type {value}"
        );
    }
    assert!(customers
        .iter()
        .any(|c| c.info.get("corp_name") == Some(&Value::Null)));
    assert!(customers.iter().any(|c| c
        .text("corp_name")
        .is_some_and(|n| n.chars().any(|ch| ('\u{4e00}'..='\u{9fff}').contains(&ch)))));
    assert!(customers.iter().any(|c| c
        .text("corp_name")
        .is_some_and(|n| n.is_ascii() && !n.is_empty())));
    let years: BTreeSet<_> = customers
        .iter()
        .filter_map(|c| c.text("start_time"))
        .map(|t| &t[..4])
        .collect();
    assert!(years.len() >= 5, "association times spread over {years:?}");
    assert!(customers.iter().filter(|c| c.budget.is_some()).count() >= 20);

    // A value exactly at each documented maximum length, counted in characters.
    let op = spec.operation(OperationId::CustomersV1);
    let response = op.response(200).unwrap();
    let record = spec.flatten(&response.file, &response.schema["$defs"]["CustomerInfo"]);
    for (name, property) in record["properties"].as_object().unwrap() {
        let property = spec.flatten(&response.file, property);
        // An enum's values fix the length; only free text can sit at its maximum.
        let Some(max) = property.get("maxLength").and_then(Value::as_u64) else {
            continue;
        };
        if property.get("enum").is_some() {
            continue;
        }
        assert!(
            customers.iter().any(|c| c
                .text(name)
                .is_some_and(|v| v.chars().count() as u64 == max)),
            "no {name} of exactly {max} characters"
        );
    }
    assert!(
        customers.iter().any(|c| c
            .text("corp_name")
            .is_some_and(|v| v.len() > v.chars().count() * 2)),
        "a multi-byte value at the maximum"
    );
}

#[tokio::test]
async fn a_fixtures_file_replaces_the_embedded_data() {
    let spec = Spec::embedded().unwrap();
    let dir = tempdir();
    let path = dir.join("fixtures.json");
    let text = serde_json::json!({
        "partner_id": "p1",
        "customers": [
            {"customer_id": "c1", "domain_name": "only-one", "corp_name": null, "cooperation_type": "1"},
            {"customer_id": "c2", "domain_name": "reseller", "corp_name": "R", "cooperation_type": "3",
             "budget": {"creditAmount": 10.5, "usedAmount": 0, "measureId": 1, "currency": "USD"}}
        ],
        "aicc_tenant": {"mobilePhone": "13800001234", "company": "Example Co", "customerName": "li",
            "email": "person@example.com", "vdn": "1", "createDate": 0, "tenantSpaceStatus": "1",
            "portalUrl": "https://example.com/"}
    });
    std::fs::write(&path, text.to_string()).unwrap();
    let fixtures = Fixtures::from_file(&spec, &path).unwrap();
    let mock = Mock::start_with(spec, fixtures).await;
    let answer = mock.call(OperationId::CustomersV1, "").await;
    assert_eq!(answer.body["count"], 2);
    assert_eq!(
        mock.call(OperationId::BudgetV1, "customer_id=c2")
            .await
            .body["creditAmount"],
        10.5
    );
}

#[test]
fn bad_fixtures_name_the_file_and_the_field() {
    let spec = Spec::embedded().unwrap();
    let cases = [
        ("{\"partner_id\": \"p\",\n \"customers\": [}", "line 2"),
        (
            r#"{"partner_id":"p","customers":[{"customer_id":"c","domain_name":"d","corp_name":null,"telephone":"012345678901234567890"}],"aicc_tenant":{}}"#,
            "customers[0].telephone",
        ),
        (
            r#"{"partner_id":"p","customers":[{"customer_id":"c","domain_name":"d","corp_name":null},{"customer_id":"c","domain_name":"e","corp_name":null}],"aicc_tenant":{}}"#,
            "duplicate",
        ),
        (
            r#"{"partner_id":"p","customers":[{"customer_id":"c","domain_name":"d","corp_name":null,"cooperation_type":"3"}],"aicc_tenant":{}}"#,
            "customers[0].budget",
        ),
        (
            r#"{"partner_id":"p","customers":[],"aicc_tenant":{"vdn":"1"}}"#,
            "aicc_tenant",
        ),
        (
            r#"{"partner_id":"p","customers":[],"aicc_tenant":{},"extra":1}"#,
            "unknown field",
        ),
        (
            r#"{"partner_id":"p","customers":[{"customer_id":"c","domain_name":"d","corp_name":null,"v2":{"account_name":"other"}}],"aicc_tenant":{}}"#,
            "customers[0].v2.account_name: is customers_v2's name for `domain_name`",
        ),
        (
            r#"{"partner_id":"p","customers":[{"customer_id":"c","domain_name":"d","corp_name":null,"v2":{"email":7}}],"aicc_tenant":{}}"#,
            "customers[0].email (customers_v2)",
        ),
        (
            r#"{"partner_id":"p","customers":[{"customer_id":"c","domain_name":"d","corp_name":null,"v2":[]}],"aicc_tenant":{}}"#,
            "customers[0].v2: must be an object",
        ),
    ];
    for (text, expected) in cases {
        let error = Fixtures::parse(&spec, "my-fixtures.json", text)
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("my-fixtures.json: "), "{error}");
        assert!(error.contains(expected), "{expected:?} not in {error}");
    }
}

/// A fresh directory under the target dir (no extra crate for one helper).
pub fn tempdir() -> std::path::PathBuf {
    let base = std::env::temp_dir().join(format!(
        "partner-conformance-test-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::create_dir_all(&base).unwrap();
    base
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}
