//! The mock's documented behaviour over loopback HTTP: one test per behaviour of issue #2 item 4.

use crate::support::Mock;
use partner_conformance::spec::{parse_time, ErrorRole, OperationId, PagingRole, ParamLocation};
use serde_json::Value;
use std::collections::HashSet;

const CUSTOMERS: OperationId = OperationId::CustomersV1;
const BUDGET: OperationId = OperationId::BudgetV1;
const AICC: OperationId = OperationId::AiccTenant;

fn field<'a>(record: &'a Value, name: &str) -> Option<&'a str> {
    record.get(name).and_then(Value::as_str)
}

fn ids(records: &[Value]) -> Vec<String> {
    records
        .iter()
        .map(|r| field(r, "customer_id").unwrap().to_string())
        .collect()
}

fn count(answer: &crate::support::Answer) -> u64 {
    answer.body["count"].as_u64().expect("count")
}

#[tokio::test]
async fn documented_example_request_is_answered_with_the_success_envelope() {
    let mock = Mock::start().await;
    let path = mock.path(CUSTOMERS, "");
    let token = mock.token(CUSTOMERS);
    let answer = mock
        .get(
            &path,
            &[
                ("Content-Type", "application/json"),
                ("X-Auth-Token", &token),
            ],
        )
        .await;
    mock.assert_documented(CUSTOMERS, &answer, ErrorRole::Success);
    assert_eq!(answer.body["error_msg"], "success");
    assert_eq!(count(&answer), mock.fixtures.customers.len() as u64);
}

#[tokio::test]
async fn absent_page_size_uses_the_documented_default() {
    let mock = Mock::start().await;
    let op = mock.spec.operation(CUSTOMERS);
    let default = op
        .paging_parameter(PagingRole::PageSize)
        .and_then(|p| p.default())
        .and_then(Value::as_u64)
        .unwrap() as usize;
    for query in ["", "page_size=", "page_size=null", "page_no=&page_size="] {
        let answer = mock.call(CUSTOMERS, query).await;
        assert_eq!(Mock::records(&answer).len(), default, "query {query:?}");
    }
    let answer = mock.call(CUSTOMERS, "page_size=%22%22").await;
    mock.assert_documented(CUSTOMERS, &answer, ErrorRole::InvalidParameter);
}

#[tokio::test]
async fn page_size_bounds_come_from_the_schema() {
    let mock = Mock::start().await;
    let param = mock
        .spec
        .operation(CUSTOMERS)
        .paging_parameter(PagingRole::PageSize)
        .unwrap()
        .clone();
    let (min, max) = (
        param.limit("minimum").unwrap(),
        param.limit("maximum").unwrap(),
    );
    let at_max = mock.call(CUSTOMERS, &format!("page_size={max}")).await;
    assert_eq!(Mock::records(&at_max).len(), max as usize);
    let at_min = mock.call(CUSTOMERS, &format!("page_size={min}")).await;
    assert_eq!(Mock::records(&at_min).len(), min as usize);
    for bad in [
        format!("{}", max + 1),
        format!("{}", min - 1),
        "abc".into(),
        "1.5".into(),
        "-3".into(),
    ] {
        let answer = mock.call(CUSTOMERS, &format!("page_size={bad}")).await;
        mock.assert_documented(CUSTOMERS, &answer, ErrorRole::InvalidParameter);
    }
}

#[tokio::test]
async fn walking_every_page_returns_every_customer_once() {
    let mock = Mock::start().await;
    let total = mock.fixtures.customers.len();
    let mut seen = Vec::new();
    for page in 1.. {
        let answer = mock
            .call(CUSTOMERS, &format!("page_no={page}&page_size=37"))
            .await;
        assert_eq!(
            count(&answer),
            total as u64,
            "count is the total on every page"
        );
        let records = Mock::records(&answer);
        if records.is_empty() {
            break;
        }
        assert!(records.len() == 37 || seen.len() + records.len() == total);
        seen.extend(ids(&records));
    }
    let unique: HashSet<_> = seen.iter().collect();
    assert_eq!(seen.len(), total);
    assert_eq!(unique.len(), total);
    let answer = mock.call(CUSTOMERS, "page_no=0").await;
    mock.assert_documented(CUSTOMERS, &answer, ErrorRole::InvalidParameter);
}

/// Substrings at the start, middle and end of a fixture value all find it, every record returned
/// contains the substring, and every fixture containing it is returned.
#[tokio::test]
async fn fuzzy_filters_match_prefix_middle_and_suffix() {
    let mock = Mock::start().await;
    let sample: Vec<char> = "priya_aperture000".chars().collect();
    assert!(mock
        .fixtures
        .customers
        .iter()
        .any(|c| c.text("domain_name") == Some("priya_aperture000")));
    for part in [&sample[..5], &sample[6..12], &sample[12..]] {
        let part: String = part.iter().collect();
        let answer = mock
            .call(CUSTOMERS, &format!("domain_name={part}&page_size=100"))
            .await;
        let records = Mock::records(&answer);
        assert!(records
            .iter()
            .all(|r| field(r, "domain_name").unwrap().contains(&part)));
        let expected = mock
            .fixtures
            .customers
            .iter()
            .filter(|c| c.text("domain_name").is_some_and(|d| d.contains(&part)))
            .count();
        assert_eq!(count(&answer), expected as u64, "{part}");
        assert!(ids(&records).contains(&"c7545e4001240bf320db6b93bcf90b9c".to_string()));
    }
    // Multi-byte text is matched by characters.
    let answer = mock
        .call(CUSTOMERS, "corp_name=%E4%BF%A1%E6%81%AF&page_size=100")
        .await;
    let records = Mock::records(&answer);
    assert!(!records.is_empty());
    assert!(records
        .iter()
        .all(|r| field(r, "corp_name").unwrap().contains("信息")));
}

#[tokio::test]
async fn fuzzy_values_with_spaces_are_rejected() {
    let mock = Mock::start().await;
    for query in [
        "domain_name=a%20b",
        "corp_name=Acme%20Globex",
        "label=V%20IP",
    ] {
        let answer = mock.call(CUSTOMERS, query).await;
        mock.assert_documented(CUSTOMERS, &answer, ErrorRole::InvalidParameter);
    }
}

#[tokio::test]
async fn label_matching_is_case_sensitive() {
    let mock = Mock::start().await;
    let upper = Mock::records(&mock.call(CUSTOMERS, "label=VIP&page_size=100").await);
    let lower = Mock::records(&mock.call(CUSTOMERS, "label=vip&page_size=100").await);
    assert!(!upper.is_empty() && !lower.is_empty());
    assert!(upper
        .iter()
        .all(|r| field(r, "label").unwrap().contains("VIP")));
    assert!(lower
        .iter()
        .all(|r| field(r, "label").unwrap().contains("vip")));
    let upper: HashSet<_> = ids(&upper).into_iter().collect();
    assert!(ids(&lower).iter().all(|id| !upper.contains(id)));
}

/// Absent and empty are "no filter"; `""` and null select records whose field is null or empty.
#[tokio::test]
async fn absent_empty_quoted_and_null_filters_follow_the_documented_semantics() {
    let mock = Mock::start().await;
    let total = mock.fixtures.customers.len() as u64;
    let empty_corp = mock
        .fixtures
        .customers
        .iter()
        .filter(|c| c.text("corp_name").is_none_or(str::is_empty))
        .count() as u64;
    assert!(empty_corp > 1);
    assert_eq!(count(&mock.call(CUSTOMERS, "corp_name=").await), total);
    assert_eq!(
        count(&mock.call(CUSTOMERS, "corp_name=null").await),
        empty_corp
    );
    assert_eq!(
        count(&mock.call(CUSTOMERS, "corp_name=%22%22").await),
        empty_corp
    );
    let answer = mock.call(CUSTOMERS, "corp_name=null&page_size=100").await;
    assert!(Mock::records(&answer)
        .iter()
        .all(|r| field(r, "corp_name").is_none_or(str::is_empty)));
    let no_label = mock
        .fixtures
        .customers
        .iter()
        .filter(|c| c.text("label").is_none())
        .count() as u64;
    assert_eq!(count(&mock.call(CUSTOMERS, "label=null").await), no_label);
    assert_eq!(count(&mock.call(CUSTOMERS, "label=").await), total);
}

#[tokio::test]
async fn cooperation_type_filters_and_rejects_what_is_not_supported() {
    let mock = Mock::start().await;
    let param = mock
        .spec
        .operation(CUSTOMERS)
        .parameter(ParamLocation::Query, "cooperationType")
        .unwrap()
        .clone();
    for value in param.enum_values().unwrap() {
        let answer = mock
            .call(CUSTOMERS, &format!("cooperationType={value}&page_size=100"))
            .await;
        let expected = mock
            .fixtures
            .customers
            .iter()
            .filter(|c| c.text("cooperation_type") == Some(value.as_str()))
            .count();
        assert!(expected > 0);
        assert_eq!(count(&answer), expected as u64);
        assert!(Mock::records(&answer)
            .iter()
            .all(|r| field(r, "cooperation_type") == Some(value.as_str())));
    }
    assert_eq!(
        count(&mock.call(CUSTOMERS, "cooperationType=").await),
        mock.fixtures.customers.len() as u64
    );
    let mut rejected: Vec<String> = param.unsupported.clone();
    rejected.extend(["%22%22".into(), "null".into(), "4".into(), "13".into()]);
    for value in rejected {
        let answer = mock
            .call(CUSTOMERS, &format!("cooperationType={value}"))
            .await;
        mock.assert_documented(CUSTOMERS, &answer, ErrorRole::InvalidParameter);
    }
}

#[tokio::test]
async fn time_range_selects_inclusive_bounds() {
    let mock = Mock::start().await;
    let (start, end) = ("2019-05-06T08:05:01Z", "2021-01-01T00:00:00Z");
    let answer = mock
        .call(
            CUSTOMERS,
            &format!("cooperationTimeStart={start}&cooperationTimeEnd={end}&page_size=100"),
        )
        .await;
    let (lo, hi) = (parse_time(start).unwrap(), parse_time(end).unwrap());
    let expected = mock
        .fixtures
        .customers
        .iter()
        .filter(|c| {
            let t = parse_time(c.text("start_time").unwrap()).unwrap();
            lo <= t && t <= hi
        })
        .count();
    assert!(expected > 10);
    assert_eq!(count(&answer), expected as u64);
    for record in Mock::records(&answer) {
        let t = parse_time(field(&record, "start_time").unwrap()).unwrap();
        assert!(lo <= t && t <= hi);
    }
    // A range of one second around a fixture's own time finds it: both bounds are inclusive.
    let own = mock.fixtures.customers[0]
        .text("start_time")
        .unwrap()
        .to_string();
    let answer = mock
        .call(
            CUSTOMERS,
            &format!("cooperationTimeStart={own}&cooperationTimeEnd={own}"),
        )
        .await;
    assert!(count(&answer) >= 1);
    // Colons percent-encoded, as the SDK sends them, mean the same.
    let encoded = own.replace(':', "%3A");
    let again = mock
        .call(
            CUSTOMERS,
            &format!("cooperationTimeStart={encoded}&cooperationTimeEnd={encoded}"),
        )
        .await;
    assert_eq!(count(&again), count(&answer));
}

#[tokio::test]
async fn time_bounds_must_be_paired_ordered_and_well_formed() {
    let mock = Mock::start().await;
    let good = "2019-05-06T08:05:01Z";
    let bad_queries = [
        format!("cooperationTimeStart={good}"),
        format!("cooperationTimeEnd={good}"),
        format!("cooperationTimeStart=2020-01-01T00:00:00Z&cooperationTimeEnd={good}"),
        format!("cooperationTimeStart=&cooperationTimeEnd={good}"),
        format!("cooperationTimeStart=null&cooperationTimeEnd={good}"),
        format!("cooperationTimeStart=%22%22&cooperationTimeEnd={good}"),
        format!("cooperationTimeStart=2019-05-06%2008:05:01&cooperationTimeEnd={good}"),
        format!("cooperationTimeStart=2019-05-06T24:00:00Z&cooperationTimeEnd={good}"),
        format!("cooperationTimeStart=2019-05-06T08:05:01%2B08:00&cooperationTimeEnd={good}"),
        format!("cooperationTimeStart=2019-05-06T08:05:01.000Z&cooperationTimeEnd={good}"),
        format!("cooperationTimeStart=2019-13-06T08:05:01Z&cooperationTimeEnd={good}"),
        "cooperationTimeStart=2019-02-30T08:05:01Z&cooperationTimeEnd=2019-03-01T00:00:00Z"
            .to_string(),
        format!("cooperationTimeStart={good}&cooperationTimeEnd=2019-02-30T08:05:01Z"),
    ];
    for query in bad_queries {
        let answer = mock.call(CUSTOMERS, &query).await;
        mock.assert_documented(CUSTOMERS, &answer, ErrorRole::InvalidParameter);
    }
}

#[tokio::test]
async fn no_match_gives_200_and_an_empty_list() {
    let mock = Mock::start().await;
    let answer = mock
        .call(CUSTOMERS, "domain_name=nobody-has-this-name")
        .await;
    mock.assert_documented(CUSTOMERS, &answer, ErrorRole::Success);
    assert_eq!(count(&answer), 0);
    assert_eq!(answer.body["customer_info_list"], Value::Array(vec![]));
    let past_the_end = mock.call(CUSTOMERS, "page_no=1000").await;
    assert_eq!(Mock::records(&past_the_end).len(), 0);
    assert_eq!(count(&past_the_end), mock.fixtures.customers.len() as u64);
}

#[tokio::test]
async fn invalid_parameters_give_400_cbc_0100() {
    let mock = Mock::start().await;
    let op = mock.spec.operation(CUSTOMERS);
    let max = |name: &str| {
        op.parameter(ParamLocation::Query, name)
            .unwrap()
            .limit("maxLength")
            .unwrap() as usize
    };
    let queries = [
        format!("domain_name={}", "a".repeat(max("domain_name") + 1)),
        format!("corp_name={}", "%E5%8D%8E".repeat(max("corp_name") + 1)),
        format!("label={}", "x".repeat(max("label") + 1)),
        "page_no=abc".to_string(),
        "page_size=10&page_size=20".to_string(),
    ];
    for query in queries {
        let answer = mock.call(CUSTOMERS, &query).await;
        mock.assert_documented(CUSTOMERS, &answer, ErrorRole::InvalidParameter);
    }
    // Exactly at the maximum, counted in characters (three bytes each here), is accepted.
    let at_max = format!("corp_name={}", "%E5%8D%8E".repeat(max("corp_name")));
    assert_eq!(mock.call(CUSTOMERS, &at_max).await.status, 200);
    // Parameters that are not documented are ignored.
    assert_eq!(mock.call(CUSTOMERS, "unknown=1").await.status, 200);
}

#[tokio::test]
async fn a_partner_id_that_is_not_the_callers_gives_403() {
    let mock = Mock::start().await;
    let token = mock.token(CUSTOMERS);
    for op in [CUSTOMERS, BUDGET] {
        let path = mock
            .path(op, "customer_id=c7545e4001240bf320db6b93bcf90b9c")
            .replace(
                &mock.fixtures.partner_id,
                "ffffffffffffffffffffffffffffffff",
            );
        let answer = mock.get(&path, &[("X-Auth-Token", &token)]).await;
        mock.assert_documented(op, &answer, ErrorRole::PartnerMismatch);
    }
    let too_long = mock
        .path(CUSTOMERS, "")
        .replace(&mock.fixtures.partner_id, &"p".repeat(65));
    let answer = mock.get(&too_long, &[("X-Auth-Token", &token)]).await;
    mock.assert_documented(CUSTOMERS, &answer, ErrorRole::InvalidParameter);
}

#[tokio::test]
async fn budgets_are_served_for_resellers_only() {
    let mock = Mock::start().await;
    let reseller = mock
        .fixtures
        .customers
        .iter()
        .find(|c| c.budget.is_some())
        .unwrap();
    let referral = mock
        .fixtures
        .customers
        .iter()
        .find(|c| c.budget.is_none())
        .unwrap();
    let id = |c: &partner_conformance::mock::Customer| c.text("customer_id").unwrap().to_string();
    let answer = mock
        .call(BUDGET, &format!("customer_id={}", id(reseller)))
        .await;
    mock.assert_valid(BUDGET, &answer);
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body, Value::Object(reseller.budget.clone().unwrap()));
    let answer = mock
        .call(BUDGET, &format!("customer_id={}", id(referral)))
        .await;
    mock.assert_documented(BUDGET, &answer, ErrorRole::AssociationTypeNotAllowed);
    let answer = mock.call(BUDGET, "customer_id=not-my-customer").await;
    mock.assert_documented(BUDGET, &answer, ErrorRole::CustomerNotOwned);
    for query in [
        "",
        "customer_id=",
        "customer_id=null",
        &format!("customer_id={}", "c".repeat(65)),
    ] {
        let answer = mock.call(BUDGET, query).await;
        mock.assert_documented(BUDGET, &answer, ErrorRole::InvalidParameter);
    }
}

#[tokio::test]
async fn aicc_fields_are_masked_as_documented() {
    let mock = Mock::start().await;
    let answer = mock.call(AICC, "").await;
    assert_eq!(answer.status, 200);
    mock.assert_valid(AICC, &answer);
    for (name, raw) in &mock.fixtures.aicc_tenant {
        let masked = &answer.body[name];
        let has_mask = mock
            .spec
            .operation(AICC)
            .response(200)
            .unwrap()
            .schema
            .pointer(&format!("/properties/{name}/x-mask"))
            .is_some();
        assert_eq!(masked != raw, has_mask, "{name}: {raw} -> {masked}");
    }
    assert_eq!(answer.body["mobilePhone"], "153****0991");
    // No documented query parameter: whatever is in the query string is not read.
    assert_eq!(mock.call(AICC, "junk=%ZZ").await.status, 200);
    assert_eq!(answer.body["email"], "sunk****@huawei.com");
}

#[tokio::test]
async fn every_answer_has_the_documented_content_type() {
    let mock = Mock::start().await;
    for (op, query) in [
        (CUSTOMERS, ""),
        (CUSTOMERS, "page_size=0"),
        (BUDGET, "customer_id=x"),
        (AICC, ""),
    ] {
        let answer = mock.call(op, query).await;
        assert_eq!(
            answer.content_type.as_deref(),
            Some(mock.spec.operation(op).meta.content_type.as_str())
        );
    }
    let unknown = mock.get("/v2/nothing-here", &[]).await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.body["error_code"], "APIGW.0101");
}

#[tokio::test]
async fn a_trailing_slash_selects_the_same_operation() {
    let mock = Mock::start().await;
    let path = format!("{}/", mock.path(CUSTOMERS, ""));
    let answer = mock
        .get(&path, &[("X-Auth-Token", &mock.token(CUSTOMERS))])
        .await;
    mock.assert_documented(CUSTOMERS, &answer, ErrorRole::Success);
}
