//! The data readings: other data sets a conformant partner may hold (0, 1, 3 or 250 customers,
//! names at their maximum in multi-byte characters, no optional field, no resellers), made from
//! the fixtures the mock would otherwise serve. Each variant goes through [`Fixtures::parse`],
//! so it is checked against the response schemas like any fixtures file: a reading can change
//! what the partner holds, never make it break the contract.

use super::fixtures::{FixtureError, Fixtures, EMBEDDED, EMBEDDED_NAME};
use super::reading::{Layer, Reading, ReadingSet};
use crate::spec::{OperationId, Spec};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::path::Path;

/// How many customers the largest data reading holds.
const MANY: usize = 250;

impl Fixtures {
    /// The fixtures a mock serves: the embedded data or `file`, changed by the data readings.
    pub fn load(
        spec: &Spec,
        file: Option<&Path>,
        readings: &ReadingSet,
    ) -> Result<Fixtures, FixtureError> {
        load(spec, file, readings)
    }
}

/// See [`Fixtures::load`].
fn load(spec: &Spec, file: Option<&Path>, readings: &ReadingSet) -> Result<Fixtures, FixtureError> {
    let data: Vec<Reading> = readings
        .iter()
        .filter(|r| r.info().layer == Layer::Data)
        .collect();
    if data.is_empty() {
        return match file {
            Some(path) => Fixtures::from_file(spec, path),
            None => Fixtures::embedded(spec),
        };
    }
    let (name, text): (String, Cow<'static, str>) = match file {
        Some(path) => {
            let (name, text) = super::load::read_text(path)?;
            (name, Cow::Owned(text))
        }
        None => (EMBEDDED_NAME.to_string(), Cow::Borrowed(EMBEDDED)),
    };
    let failure = |message: String| FixtureError {
        file: name.clone(),
        location: "reading".into(),
        message,
    };
    let mut raw: Map<String, Value> =
        serde_json::from_str(&text).map_err(|e| failure(format!("not a JSON object: {e}")))?;
    let mut customers: Vec<Map<String, Value>> = raw
        .remove("customers")
        .and_then(|c| serde_json::from_value(c).ok())
        .unwrap_or_default();
    for reading in &data {
        change(spec, *reading, &mut customers).map_err(|m| failure(format!("{reading}: {m}")))?;
    }
    raw.insert(
        "customers".into(),
        Value::Array(customers.into_iter().map(Value::Object).collect()),
    );
    let names: Vec<String> = data.iter().map(ToString::to_string).collect();
    let label = format!("{name} under reading {}", names.join(", "));
    Fixtures::parse(spec, &label, &Value::Object(raw).to_string())
}

/// Applies one data reading to the raw customers of a fixtures file.
fn change(
    spec: &Spec,
    reading: Reading,
    customers: &mut Vec<Map<String, Value>>,
) -> Result<(), String> {
    match reading {
        Reading::Customers0 => customers.clear(),
        Reading::Customers1 => customers.truncate(1),
        Reading::Customers3 => customers.truncate(3),
        Reading::Customers250 => grow(spec, customers, MANY)?,
        Reading::NamesAtMaximum => names_at_maximum(spec, customers),
        Reading::OptionalFieldsAbsent => optional_fields_absent(spec, customers),
        Reading::NoResellers => no_resellers(spec, customers)?,
        _ => {}
    }
    Ok(())
}

/// The flattened record schema of an operation (the body itself for a single-record answer).
fn record_schema(spec: &Spec, op: OperationId) -> Value {
    let op = spec.operation(op);
    let Some(success) = op.response(op.meta.success_status) else {
        return Value::Null;
    };
    let body = spec.flatten(&success.file, &success.schema);
    match op.list_field() {
        Some(list) => body
            .pointer(&format!("/properties/{list}/items"))
            .map(|items| spec.flatten(&success.file, items))
            .unwrap_or_default(),
        None => body,
    }
}

/// The `required` names of a schema.
fn required(schema: &Value) -> Vec<String> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

/// The record key field of customers_v1 (`x-record-key`).
fn key_field(spec: &Spec) -> String {
    let op = spec.operation(OperationId::CustomersV1);
    op.record_key(spec).unwrap_or_default()
}

/// Adds copies of the existing customers, under new ids and names, until there are `count`.
fn grow(spec: &Spec, customers: &mut Vec<Map<String, Value>>, count: usize) -> Result<(), String> {
    if customers.is_empty() && count > 0 {
        return Err("no customer to copy".into());
    }
    let key = key_field(spec);
    let record = record_schema(spec, OperationId::CustomersV1);
    let name_field = "domain_name";
    let max = record
        .pointer(&format!("/properties/{name_field}/maxLength"))
        .and_then(Value::as_u64)
        .map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX));
    let original = customers.len();
    for i in original..count {
        let mut copy = customers[i % original].clone();
        let id = hex::encode(Sha256::digest(format!("reading-customer-{i}")));
        let id_max = record
            .pointer(&format!("/properties/{key}/maxLength"))
            .and_then(Value::as_u64)
            .map_or(id.len(), |n| usize::try_from(n).unwrap_or(id.len()));
        copy.insert(
            key.clone(),
            Value::String(id.chars().take(id_max).collect()),
        );
        if let Some(name) = copy.get(name_field).and_then(Value::as_str) {
            let suffix = format!("-copy{i}");
            let kept = max.saturating_sub(suffix.chars().count());
            let renamed: String = name.chars().take(kept).chain(suffix.chars()).collect();
            copy.insert(name_field.into(), Value::String(renamed));
        }
        customers.push(copy);
    }
    Ok(())
}

/// The free-text names of a customer record.
const NAMES: &[&str] = &["corp_name", "domain_name", "label"];

/// Sets every free-text name of a record to its maximum length in multi-byte characters.
fn names_at_maximum(spec: &Spec, customers: &mut [Map<String, Value>]) {
    const ALPHABET: &[char] = &[
        '华', '为', '云', '客', '户', '數', '據', '服', '務', 'é', 'ß',
    ];
    let record = record_schema(spec, OperationId::CustomersV1);
    let names: Vec<(&str, usize)> = NAMES
        .iter()
        .filter_map(|name| {
            let max = record.pointer(&format!("/properties/{name}/maxLength"))?;
            Some((*name, usize::try_from(max.as_u64()?).ok()?))
        })
        .collect();
    for (i, customer) in customers.iter_mut().enumerate() {
        for (field, max) in &names {
            let text: String = (0..*max)
                .map(|k| ALPHABET[(i + k * 7) % ALPHABET.len()])
                .collect();
            customer.insert((*field).to_string(), Value::String(text));
        }
    }
}

/// Drops every field the record and budget schemas of either generation do not require; a
/// customer with a budget keeps the field that says it may have one (`x-lookup.eligible`).
fn optional_fields_absent(spec: &Spec, customers: &mut [Map<String, Value>]) {
    let eligible: Vec<String> = spec
        .operation(OperationId::BudgetV1)
        .parameters
        .iter()
        .filter_map(|p| p.lookup.as_ref())
        .flat_map(|l| l.eligible.keys().cloned())
        .collect();
    let keep_v1 = required(&record_schema(spec, OperationId::CustomersV1));
    let keep_v2 = required(&record_schema(spec, OperationId::CustomersV2));
    let keep_budget = required(&record_schema(spec, OperationId::BudgetV1));
    let keep_budget_v2 = required(&record_schema(spec, OperationId::BudgetV2));
    for customer in customers.iter_mut() {
        let budget = customer.remove("budget");
        let v2 = customer.remove("v2");
        let has_budget = budget.is_some();
        customer.retain(|k, _| keep_v1.contains(k) || (has_budget && eligible.contains(k)));
        if let Some(Value::Object(mut budget)) = budget {
            budget.retain(|k, _| keep_budget.contains(k));
            customer.insert("budget".into(), Value::Object(budget));
        }
        if let Some(Value::Object(mut v2)) = v2 {
            let budget = v2.remove("budget");
            v2.retain(|k, _| keep_v2.contains(k));
            if let Some(Value::Object(mut budget)) = budget {
                budget.retain(|k, _| keep_budget_v2.contains(k));
                v2.insert("budget".into(), Value::Object(budget));
            }
            customer.insert("v2".into(), Value::Object(v2));
        }
    }
}

/// Turns every customer whose association type has budgets (`x-lookup.eligible`) into one of
/// the association type the data's other customers have, without a budget.
fn no_resellers(spec: &Spec, customers: &mut [Map<String, Value>]) -> Result<(), String> {
    let lookup = spec
        .operation(OperationId::BudgetV1)
        .parameters
        .iter()
        .find_map(|p| p.lookup.clone())
        .ok_or("budget_v1 has no x-lookup")?;
    for (field, eligible) in &lookup.eligible {
        let is_eligible = |c: &Map<String, Value>| {
            c.get(field)
                .and_then(Value::as_str)
                .is_some_and(|v| eligible.iter().any(|e| e == v))
        };
        let other = customers
            .iter()
            .find(|c| !is_eligible(c))
            .and_then(|c| c.get(field).cloned());
        for customer in customers.iter_mut().filter(|c| is_eligible(c)) {
            let other = other
                .clone()
                .ok_or_else(|| format!("no customer without a budget to copy {field} from"))?;
            customer.insert(field.clone(), other);
            customer.remove("budget");
            if let Some(Value::Object(v2)) = customer.get_mut("v2") {
                v2.remove("budget");
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(reading: Reading) -> Fixtures {
        let spec = Spec::embedded().unwrap();
        load(&spec, None, &ReadingSet::new([reading])).unwrap()
    }

    #[test]
    fn every_data_reading_is_valid_fixtures() {
        assert_eq!(with(Reading::Customers0).customers.len(), 0);
        assert_eq!(with(Reading::Customers1).customers.len(), 1);
        assert_eq!(with(Reading::Customers3).customers.len(), 3);
        assert_eq!(with(Reading::Customers250).customers.len(), MANY);
        let none = with(Reading::NoResellers);
        assert!(none.customers.iter().all(|c| c.budget.is_none()));
        let names = with(Reading::NamesAtMaximum);
        assert!(names.customers[0].text("corp_name").unwrap().len() > 128 * 2);
        let bare = with(Reading::OptionalFieldsAbsent);
        assert!(bare.customers.iter().all(|c| !c.info.contains_key("label")));
    }
}
