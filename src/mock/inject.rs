//! Where injected drifts act: the query before validation, authorisation and partner checks,
//! record selection, budget lookups, and the answer after it is built. With no drift every
//! function here is the identity.

use super::drift::{Drift, DriftSet};
use super::fixtures::Fixtures;
use super::respond::Answer;
use super::select::SelectOptions;
use super::validate::{Accepted, ParamValue};
use crate::spec::{ErrorRole, MatchKind, Operation, OperationId, PagingRole, ParamLocation, Spec};
use serde_json::Value;

/// Calls answered under the shuffled-records drift.
static SHUFFLE_CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Whether authentication is skipped for `op`.
pub fn skips_auth(drifts: &DriftSet, op: OperationId) -> bool {
    match op {
        OperationId::CustomersV1 => drifts.has(Drift::CredentialsIgnored),
        OperationId::BudgetV1 => drifts.has(Drift::BudgetCredentialsIgnored),
        OperationId::AiccTenant => drifts.has(Drift::AiccCredentialsIgnored),
        OperationId::CustomersV2 => drifts.has(Drift::V2CredentialsIgnored),
        OperationId::BudgetV2 => false,
    }
}

/// Changes what a validated request of the new generation means, as the drifts say: an empty
/// `account_name` becomes a filter for empty names, as the old API read it.
pub fn adjust_accepted(
    drifts: &DriftSet,
    op: &Operation,
    body: Option<&serde_json::Map<String, Value>>,
    accepted: &mut Accepted,
) {
    if op.id != OperationId::CustomersV2 || !drifts.has(Drift::V2EmptyMeansFilter) {
        return;
    }
    let name = "account_name";
    if body.and_then(|b| b.get(name)) == Some(&Value::from("")) {
        accepted
            .values
            .insert(name.to_string(), ParamValue::MatchEmpty);
    }
}

/// Whether another partner's id is accepted.
pub fn skips_partner(drifts: &DriftSet) -> bool {
    drifts.has(Drift::PartnerIgnored)
}

/// Rewrites the decoded query of a list operation before validation.
pub fn rewrite_query(
    drifts: &DriftSet,
    op: &Operation,
    mut query: Vec<(String, String)>,
) -> Vec<(String, String)> {
    if op.id != OperationId::CustomersV1 || drifts.is_empty() {
        return query;
    }
    let size = op.paging_parameter(PagingRole::PageSize);
    for (name, value) in query.iter_mut() {
        let Some(param) = op.parameter(ParamLocation::Query, name) else {
            continue;
        };
        if drifts.has(Drift::PageSizeMaxNotEnforced)
            && Some(param.name.as_str()) == size.map(|p| p.name.as_str())
        {
            if let (Ok(n), Some(max)) = (value.parse::<i64>(), param.limit("maximum")) {
                if n > max {
                    *value = max.to_string();
                }
            }
        }
        let fuzzy = param
            .filter
            .as_ref()
            .is_some_and(|f| f.kind == MatchKind::Substring);
        if drifts.has(Drift::SpacesAccepted) && fuzzy && value.contains(' ') {
            *value = "partner-conformance-drift-no-match".into();
        }
        if drifts.has(Drift::EmptyMeansFilter) && fuzzy && name == "domain_name" && value.is_empty()
        {
            *value = "null".into();
        }
    }
    if drifts.has(Drift::QuotedEmptyAccepted) {
        query.retain(|(name, value)| {
            !(Some(name.as_str()) == size.map(|p| p.name.as_str()) && value == "\"\"")
        });
    }
    query
}

/// The selection deviations of the drifts.
pub fn selection(drifts: &DriftSet) -> SelectOptions {
    SelectOptions {
        prefix_only: drifts.has(Drift::PrefixOnlyFuzzy),
        ignore_case: drifts.has(Drift::CaseInsensitiveLabel),
        exclusive_bounds: drifts.has(Drift::ExclusiveTimeRange),
        ignore_equals: drifts.has(Drift::CooperationTypeIgnored),
        zero_based_pages: drifts.has(Drift::OffByOnePage),
        one_based_offsets: drifts.has(Drift::V2OffByOneOffset),
        default_page_size: drifts.has(Drift::DefaultPageSize20).then_some(20),
        count_page_only: drifts.has(Drift::CountIsPageLength),
        time_offset_seconds: 0,
    }
}

/// Whether `drift` is on and acts on `op` (a drift of budget_v1 leaves budget_v2 alone).
fn acts_on(drifts: &DriftSet, drift: Drift, op: OperationId) -> bool {
    drifts.has(drift) && drift.info().operation == op
}

/// The answer to a budget lookup of an unknown customer.
pub fn unknown_customer_role(drifts: &DriftSet, op: OperationId) -> ErrorRole {
    if acts_on(drifts, Drift::BudgetUnknownCustomer500, op) {
        ErrorRole::AssociationTypeNotAllowed
    } else {
        ErrorRole::CustomerNotOwned
    }
}

/// The role answering an eligible customer's budget instead of the budget, under a drift.
pub fn eligible_customer_role(drifts: &DriftSet, op: OperationId) -> Option<ErrorRole> {
    acts_on(drifts, Drift::BudgetResellerNotOwned, op).then_some(ErrorRole::CustomerNotOwned)
}

/// A budget served for a customer whose association type has none (only under a drift): the
/// first fixture budget, so its shape stays documented.
pub fn budget_for_ineligible(
    drifts: &DriftSet,
    fixtures: &Fixtures,
    op: OperationId,
) -> Option<Value> {
    if !acts_on(drifts, Drift::BudgetForReferral, op) {
        return None;
    }
    (0..fixtures.customers.len())
        .find_map(|i| fixtures.budget(i, op))
        .map(Value::Object)
}

/// Changes a built answer as the drifts say; `spec` gives the documented values a drift breaks.
pub fn after(drifts: &DriftSet, spec: &Spec, op: &Operation, answer: &mut Answer) {
    if drifts.is_empty() {
        return;
    }
    match op.id {
        OperationId::CustomersV1 => customers_answer(drifts, spec, op, answer),
        OperationId::BudgetV1 => budget_answer(drifts, spec, answer),
        OperationId::AiccTenant => aicc_answer(drifts, answer),
        OperationId::CustomersV2 => customers_v2_answer(drifts, op, answer),
        OperationId::BudgetV2 => budget_v2_answer(drifts, answer),
    }
}

fn first_record<'a>(
    op: &Operation,
    body: &'a mut Value,
) -> Option<&'a mut serde_json::Map<String, Value>> {
    body.get_mut(op.list_field()?)?
        .as_array_mut()?
        .first_mut()?
        .as_object_mut()
}

fn customers_answer(drifts: &DriftSet, spec: &Spec, op: &Operation, answer: &mut Answer) {
    if drifts.has(Drift::WrongContentType) {
        answer.content_type = "text/html;charset=UTF-8".into();
    }
    match answer.role {
        Some(ErrorRole::InvalidParameter) => {
            if drifts.has(Drift::UndocumentedErrorCode) {
                answer.body["error_code"] = Value::from("CBC.0101");
            }
            if drifts.has(Drift::ErrorWithHttp200) {
                answer.status = op.meta.success_status;
            }
        }
        Some(_) => {}
        None => success_record_drifts(drifts, spec, op, &mut answer.body),
    }
    if answer.role.is_some() && drifts.has(Drift::MissingErrorMsg) {
        if let Some(body) = answer.body.as_object_mut() {
            body.remove("error_msg");
        }
    }
}

/// A keyword of a field of the operation's records, as the response table documents it.
fn record_keyword(spec: &Spec, op: &Operation, field: &str, keyword: &str) -> Option<Value> {
    op.record_properties(spec)
        .into_iter()
        .find(|(name, _)| name == field)
        .and_then(|(_, schema)| schema.get(keyword).cloned())
}

fn success_record_drifts(drifts: &DriftSet, spec: &Spec, op: &Operation, body: &mut Value) {
    let list = op.list_field().unwrap_or_default().to_string();
    let count = op.count_field().unwrap_or_default().to_string();
    if drifts.has(Drift::SuccessCodeChanged) {
        body["error_code"] = Value::from("0");
    }
    if drifts.has(Drift::CountAsString) {
        let text = body[&count].to_string();
        body[&count] = Value::String(text);
    }
    let empty = body
        .get(&list)
        .and_then(Value::as_array)
        .is_some_and(Vec::is_empty);
    if drifts.has(Drift::NotFoundListAbsent) && empty {
        if let Some(object) = body.as_object_mut() {
            object.remove(&list);
        }
    }
    if let Some(records) = body.get_mut(&list).and_then(Value::as_array_mut) {
        for record in records.iter_mut().filter_map(Value::as_object_mut) {
            if drifts.has(Drift::RenamedCustomerId) {
                if let Some(id) = record.remove("customer_id") {
                    record.insert("customerId".into(), id);
                }
            }
            if drifts.has(Drift::UndocumentedRecordField) {
                record.insert("customer_level".into(), Value::from("V1"));
            }
            if drifts.has(Drift::TimeWithOffset) {
                if let Some(Value::String(time)) = record.get_mut("start_time") {
                    *time = time.replace('Z', "+08:00");
                }
            }
        }
        if drifts.has(Drift::ShuffledRecords) && records.len() > 1 {
            // Consecutive calls always differ: the shift cycles through 1..len.
            let call = SHUFFLE_CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let shift = 1 + call % (records.len() - 1);
            records.rotate_left(shift);
        }
    }
    if let Some(record) = first_record(op, body) {
        if drifts.has(Drift::OverlongCorpName) {
            let max = record_keyword(spec, op, "corp_name", "maxLength")
                .and_then(|v| v.as_u64())
                .unwrap_or(0) as usize;
            record.insert("corp_name".into(), Value::String("长".repeat(max + 1)));
        }
        if drifts.has(Drift::NullDomainName) {
            record.insert("domain_name".into(), Value::Null);
        }
        if drifts.has(Drift::UndocumentedCooperationType) {
            // One past the highest value the response table lists ("2" is listed: not drift).
            let listed = record_keyword(spec, op, "cooperation_type", "enum");
            let next = listed
                .iter()
                .filter_map(Value::as_array)
                .flatten()
                .filter_map(|v| v.as_str()?.parse::<u32>().ok())
                .max()
                .map_or(0, |m| m + 1);
            record.insert("cooperation_type".into(), Value::String(next.to_string()));
        }
    }
}

fn budget_answer(drifts: &DriftSet, spec: &Spec, answer: &mut Answer) {
    if answer.role.is_some() {
        return;
    }
    let Some(body) = answer.body.as_object_mut() else {
        return;
    };
    if drifts.has(Drift::BudgetAmountAsString) {
        if let Some(amount) = body.get("creditAmount").cloned() {
            body.insert("creditAmount".into(), Value::String(amount.to_string()));
        }
    }
    if drifts.has(Drift::BudgetCurrencyUnknown) {
        body.insert("currency".into(), Value::from("EUR"));
    }
    if drifts.has(Drift::BudgetExtraField) {
        body.insert("budget_type".into(), Value::from("MONTHLY"));
    }
    if drifts.has(Drift::BudgetErrorCodeOnSuccess) {
        let code = spec
            .operation(OperationId::CustomersV1)
            .error_for(ErrorRole::Success)
            .and_then(|e| e.error_code.clone())
            .unwrap_or_default();
        body.insert("error_code".into(), Value::String(code));
    }
}

fn customers_v2_answer(drifts: &DriftSet, op: &Operation, answer: &mut Answer) {
    if answer.role.is_some() || !drifts.has(Drift::V2RenamedAccountName) {
        return;
    }
    let list = op.list_field().unwrap_or_default().to_string();
    if let Some(records) = answer.body.get_mut(&list).and_then(Value::as_array_mut) {
        for record in records.iter_mut().filter_map(Value::as_object_mut) {
            if let Some(name) = record.remove("account_name") {
                record.insert("accountName".into(), name);
            }
        }
    }
}

fn budget_v2_answer(drifts: &DriftSet, answer: &mut Answer) {
    if answer.role.is_some() || !drifts.has(Drift::V2BudgetDiffers) {
        return;
    }
    // The budget, not the used amount: the budget page warns that the used amount "may have
    // certain deviation and latency", so a difference there is not drift.
    let Some(used) = answer.body.get_mut("budget_amount") else {
        return;
    };
    if let Some(amount) = crate::checks::decimal::of(used) {
        let cent = rust_decimal::Decimal::new(1, 2);
        *used = crate::checks::decimal::to_json(amount + cent);
    }
}

fn aicc_answer(drifts: &DriftSet, answer: &mut Answer) {
    if drifts.has(Drift::AiccEncodedContentType) {
        answer.content_type = answer.content_type.replace(';', "%3B");
    }
    if answer.role == Some(ErrorRole::Unauthenticated) && drifts.has(Drift::Aicc401AsObject) {
        let text = answer.body.clone();
        answer.body = serde_json::json!({ "error": text });
        return;
    }
    if answer.role.is_some() {
        return;
    }
    let Some(body) = answer.body.as_object_mut() else {
        return;
    };
    if drifts.has(Drift::AiccUnmaskedPhone) {
        body.insert("mobilePhone".into(), Value::from("15312340991"));
    }
    if drifts.has(Drift::AiccCreateDateString) {
        if let Some(date) = body.get("createDate").cloned() {
            body.insert("createDate".into(), Value::String(date.to_string()));
        }
    }
    if drifts.has(Drift::AiccMissingPortalUrl) {
        body.remove("portalUrl");
    }
}
