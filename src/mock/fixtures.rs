//! The mock's data: customers (with budgets for the association types that have them) and the
//! AICC tenant. Loaded from the embedded `data/fixtures.json` or a `--fixtures` file, and checked
//! against the response schemas so the mock can never serve data that breaks the contract.

use super::respond;
use crate::spec::{OperationId, Replaces, Spec};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// The fixtures compiled into the binary.
pub(super) const EMBEDDED: &str = include_str!("data/fixtures.json");
/// The name shown in errors about the embedded fixtures.
pub(super) const EMBEDDED_NAME: &str = "src/mock/data/fixtures.json";

/// Why a fixtures file was refused: names the file and the offending field.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {location}: {message}")]
pub struct FixtureError {
    /// The fixtures file.
    pub file: String,
    /// Field or line:column.
    pub location: String,
    /// What is wrong.
    pub message: String,
}

/// One customer in both API generations: the old CustomerInfo record and the new
/// CustomerInformation record derived from it (the same customer, so `migrate` has something to
/// agree with), plus, for budget-eligible customers, the budget in both shapes.
#[derive(Debug, Clone)]
pub struct Customer {
    /// CustomerInfo fields exactly as customers_v1 serves them.
    pub info: Map<String, Value>,
    /// CustomerInformation fields as customers_v2 serves them: the old fields under the names
    /// `x-replaces` gives, plus the fixture's `v2` fields.
    pub info_v2: Map<String, Value>,
    /// The budget_v1 body, when the customer has one.
    pub budget: Option<Map<String, Value>>,
    /// The budget_v2 body, when the customer has one.
    pub budget_v2: Option<Map<String, Value>>,
}

impl Customer {
    /// A string field of the record, looked up in the old record then the new one (`None` when
    /// absent or null). Fields both generations share carry the same value.
    pub fn text(&self, field: &str) -> Option<&str> {
        self.info
            .get(field)
            .or_else(|| self.info_v2.get(field))
            .and_then(Value::as_str)
    }

    /// The record an operation serves for this customer.
    pub fn record(&self, op: OperationId) -> &Map<String, Value> {
        match op {
            OperationId::CustomersV2 => &self.info_v2,
            _ => &self.info,
        }
    }

    /// The budget body an operation serves for this customer.
    pub fn budget_for(&self, op: OperationId) -> Option<&Map<String, Value>> {
        match op {
            OperationId::BudgetV2 => self.budget_v2.as_ref(),
            _ => self.budget.as_ref(),
        }
    }
}

/// The record of the new generation for a record of the old one: every field of `renames`
/// (the new operation's `x-replaces`) under its new name, then `extra` (fields only the new
/// generation has).
fn successor(
    renames: &[(String, Replaces)],
    old: &Map<String, Value>,
    extra: Map<String, Value>,
) -> Map<String, Value> {
    let mut record: Map<String, Value> = renames
        .iter()
        .filter_map(|(name, replaces)| Some((name.clone(), old.get(&replaces.field)?.clone())))
        .collect();
    record.extend(extra);
    record
}

/// Takes an optional object member out of a fixture map; `Err` names what is wrong.
fn take_object(
    map: &mut Map<String, Value>,
    key: &str,
) -> Result<Option<Map<String, Value>>, String> {
    match map.remove(key) {
        None => Ok(None),
        Some(Value::Object(object)) => Ok(Some(object)),
        Some(_) => Err("must be an object".into()),
    }
}

/// The mock's whole data set.
#[derive(Debug, Clone)]
pub struct Fixtures {
    /// The partner the data belongs to; other partner ids get the partner-mismatch error.
    pub partner_id: String,
    /// Customers in a stable order (the order pages are cut from).
    pub customers: Vec<Customer>,
    /// The AICC tenant, unmasked; the mock masks it as `x-mask` says.
    pub aicc_tenant: Map<String, Value>,
    /// Filtered and looked-up fields as columns, so selection scans contiguous memory instead of
    /// one map per record (the mock stays fast at 100,000 customers).
    columns: HashMap<String, Vec<Option<Box<str>>>>,
    /// Lookup field values to record positions.
    keys: HashMap<String, HashMap<Box<str>, usize>>,
}

impl Fixtures {
    /// A text field of every customer, in order, when the field is filtered or looked up by the
    /// contract (`None` for other fields).
    pub fn column(&self, field: &str) -> Option<&[Option<Box<str>>]> {
        self.columns.get(field).map(Vec::as_slice)
    }

    /// The customer whose `field` equals `value` (for `x-lookup` fields).
    pub fn find_by(&self, field: &str, value: &str) -> Option<&Customer> {
        match self.keys.get(field) {
            Some(index) => index.get(value).map(|&i| &self.customers[i]),
            None => self.customers.iter().find(|c| c.text(field) == Some(value)),
        }
    }

    /// Builds the columns and key indexes the contract's filters and lookups need.
    fn index(&mut self, spec: &Spec) {
        let mut fields: HashSet<String> = HashSet::new();
        let mut lookups: HashSet<String> = HashSet::new();
        for op in spec.operations() {
            for param in &op.parameters {
                if let Some(filter) = &param.filter {
                    fields.insert(filter.field.clone());
                }
                if let Some(lookup) = &param.lookup {
                    lookups.insert(lookup.field.clone());
                    fields.extend(lookup.eligible.keys().cloned());
                }
            }
        }
        for field in fields {
            let column = self
                .customers
                .iter()
                .map(|c| c.text(&field).map(Box::from))
                .collect();
            self.columns.insert(field, column);
        }
        for field in lookups {
            let index = self
                .customers
                .iter()
                .enumerate()
                .filter_map(|(i, c)| c.text(&field).map(|v| (Box::from(v), i)))
                .collect();
            self.keys.insert(field, index);
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFixtures {
    #[serde(default)]
    #[allow(dead_code)]
    description: Option<String>,
    partner_id: String,
    customers: Vec<Map<String, Value>>,
    aicc_tenant: Map<String, Value>,
}

/// Largest fixtures file read: room for the 100,000 customers of the benchmark (46 MB from
/// `scripts/gen-fixtures.py`) and a third more. Every customer is held as two records, about
/// 8 KiB of memory in all (838 MiB at 100,000), so a file several times larger would cost
/// gigabytes once parsed: it is refused by its size, before a byte of it is read.
const MAX_FIXTURES_BYTES: u64 = 64 << 20;

impl Fixtures {
    /// The embedded fixtures.
    pub fn embedded(spec: &Spec) -> Result<Fixtures, FixtureError> {
        Fixtures::parse(spec, EMBEDDED_NAME, EMBEDDED)
    }

    /// Fixtures from a file given with `--fixtures`.
    pub fn from_file(spec: &Spec, path: &Path) -> Result<Fixtures, FixtureError> {
        let (name, text) = Fixtures::read_file(path)?;
        Fixtures::parse(spec, &name, &text)
    }

    /// The name and text of a fixtures file, bounded in size.
    pub(super) fn read_file(path: &Path) -> Result<(String, String), FixtureError> {
        let name = path.display().to_string();
        let text =
            crate::files::read_text(path, MAX_FIXTURES_BYTES, "a fixtures file").map_err(|e| {
                FixtureError {
                    file: name.clone(),
                    location: "file".into(),
                    message: format!("failed to read: {e}"),
                }
            })?;
        Ok((name, text))
    }

    /// Parses and checks fixtures text; `file` names it in errors.
    pub fn parse(spec: &Spec, file: &str, text: &str) -> Result<Fixtures, FixtureError> {
        let error = |location: String, message: String| FixtureError {
            file: file.to_string(),
            location,
            message,
        };
        let raw: RawFixtures = serde_json::from_str(text).map_err(|e| {
            error(
                format!("line {} column {}", e.line(), e.column()),
                e.to_string(),
            )
        })?;
        let mut customers = Vec::with_capacity(raw.customers.len());
        let mut seen = HashSet::new();
        let budget_op = spec.operation(OperationId::BudgetV1);
        let lookup = budget_op.parameters.iter().find_map(|p| p.lookup.clone());
        // Read from the schemas once, not per customer (100,000 customers load in a blink).
        let renames = |op: OperationId| spec.operation(op).record_replacements(spec);
        let (customer_renames, budget_renames) = (
            renames(OperationId::CustomersV2),
            renames(OperationId::BudgetV2),
        );
        for (i, mut info) in raw.customers.into_iter().enumerate() {
            let budget = take_object(&mut info, "budget")
                .map_err(|m| error(format!("customers[{i}].budget"), m))?;
            let mut extra = take_object(&mut info, "v2")
                .map_err(|m| error(format!("customers[{i}].v2"), m))?
                .unwrap_or_default();
            let budget_extra = take_object(&mut extra, "budget")
                .map_err(|m| error(format!("customers[{i}].v2.budget"), m))?
                .unwrap_or_default();
            // A `v2` field may only add what the old record cannot say: a field both
            // generations have comes from the old record, so one customer never has two values.
            for (op, renames, extra, at) in [
                (OperationId::CustomersV2, &customer_renames, &extra, "v2"),
                (
                    OperationId::BudgetV2,
                    &budget_renames,
                    &budget_extra,
                    "v2.budget",
                ),
            ] {
                if let Some((name, replaces)) =
                    renames.iter().find(|(name, _)| extra.contains_key(name))
                {
                    return Err(error(
                        format!("customers[{i}].{at}.{name}"),
                        format!(
                            "is {op}'s name for `{}`; set it there, once for both generations",
                            replaces.field
                        ),
                    ));
                }
            }
            let info_v2 = successor(&customer_renames, &info, extra);
            let budget_v2 = budget
                .as_ref()
                .map(|b| successor(&budget_renames, b, budget_extra));
            let customer = Customer {
                info,
                info_v2,
                budget,
                budget_v2,
            };
            let key_field = lookup.as_ref().map_or("customer_id", |l| l.field.as_str());
            match customer.text(key_field) {
                Some(id) if seen.insert(id.to_string()) => {}
                Some(id) => {
                    return Err(error(
                        format!("customers[{i}].{key_field}"),
                        format!("duplicate id `{id}`"),
                    ))
                }
                None => {
                    return Err(error(
                        format!("customers[{i}].{key_field}"),
                        "is missing".into(),
                    ))
                }
            }
            if let Some(lookup) = &lookup {
                let eligible = lookup.eligible.iter().all(|(field, values)| {
                    customer
                        .text(field)
                        .is_some_and(|v| values.iter().any(|ok| ok == v))
                });
                match (&customer.budget, eligible) {
                    (None, true) => {
                        return Err(error(
                            format!("customers[{i}].budget"),
                            "is missing: this customer's association type has budgets".into(),
                        ))
                    }
                    (Some(_), false) => {
                        return Err(error(
                            format!("customers[{i}].budget"),
                            "is not allowed: this customer's association type has no budget".into(),
                        ))
                    }
                    _ => {}
                }
            }
            for op in [OperationId::BudgetV1, OperationId::BudgetV2] {
                if let Some(budget) = customer.budget_for(op) {
                    let status = spec.operation(op).meta.success_status;
                    check_against(spec, op, status, &Value::Object(budget.clone())).map_err(
                        |(path, msg)| error(format!("customers[{i}].budget ({op}){path}"), msg),
                    )?;
                }
            }
            customers.push(customer);
        }
        let mut fixtures = Fixtures {
            partner_id: raw.partner_id,
            customers,
            aicc_tenant: raw.aicc_tenant,
            columns: HashMap::new(),
            keys: HashMap::new(),
        };
        fixtures.index(spec);
        fixtures
            .check_customers(spec)
            .map_err(|(path, msg)| error(path, msg))?;
        let aicc = spec.operation(OperationId::AiccTenant);
        let masked = Value::Object(fixtures.masked_tenant(spec));
        check_against(
            spec,
            OperationId::AiccTenant,
            aicc.meta.success_status,
            &masked,
        )
        .map_err(|(path, msg)| error(format!("aicc_tenant{path}"), msg))?;
        Ok(fixtures)
    }

    /// Checks every customer, in both generations, by wrapping them all in one documented
    /// success body of each list operation.
    fn check_customers(&self, spec: &Spec) -> Result<(), (String, String)> {
        for id in [OperationId::CustomersV1, OperationId::CustomersV2] {
            let op = spec.operation(id);
            let records = self
                .customers
                .iter()
                .map(|c| c.record(id).clone())
                .collect();
            let body = respond::list_body(op, records, self.customers.len());
            let list = format!("/{}/", op.list_field().unwrap_or_default());
            check_against(spec, id, op.meta.success_status, &body).map_err(|(path, msg)| {
                let path = path
                    .strip_prefix(&list)
                    .map(|rest| match rest.split_once('/') {
                        Some((i, field)) => format!("customers[{i}].{field} ({id})"),
                        None => format!("customers[{rest}] ({id})"),
                    })
                    .unwrap_or(path);
                (path, msg)
            })?;
        }
        Ok(())
    }

    /// The AICC tenant with every `x-mask` field masked.
    pub fn masked_tenant(&self, spec: &Spec) -> Map<String, Value> {
        let op = spec.operation(OperationId::AiccTenant);
        let properties = op
            .response(op.meta.success_status)
            .and_then(|r| r.schema.get("properties"))
            .and_then(Value::as_object);
        let mut out = self.aicc_tenant.clone();
        for (name, value) in out.iter_mut() {
            let mask = properties
                .and_then(|p| p.get(name))
                .and_then(|p| p.get("x-mask"))
                .and_then(|m| serde_json::from_value::<crate::spec::Mask>(m.clone()).ok());
            if let (Some(mask), Some(text)) = (mask, value.as_str()) {
                *value = Value::String(mask.apply(text));
            }
        }
        out
    }
}

/// Validates `body` against an operation's response schema; the first violation as (pointer, message).
fn check_against(
    spec: &Spec,
    op: OperationId,
    status: u16,
    body: &Value,
) -> Result<(), (String, String)> {
    let Some(schema) = spec.operation(op).response(status) else {
        return Err((
            String::new(),
            format!("{op} documents no {status} response"),
        ));
    };
    match schema.validate(body).into_iter().next() {
        None => Ok(()),
        Some(v) => Err((
            v.instance_path,
            format!("breaks {} ({}): {}", schema.file, v.keyword, v.message),
        )),
    }
}
