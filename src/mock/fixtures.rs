//! The mock's data: customers (with budgets for the association types that have them) and the
//! AICC tenant. Loaded (`load.rs`) from the embedded `data/fixtures.json` or a `--fixtures`
//! file, and checked against the response schemas so the mock can never serve data that breaks
//! the contract.
//!
//! Each customer is held once, as its fixture record (`store.rs`); the records of both API
//! generations and the budgets are derived from it when an answer needs them, by the same code
//! that checked them at load. The fields the contract filters and looks up are also held as
//! columns with their indexes (`column.rs`).

use super::column::{Bigrams, Column, Keys, Sorted};
use super::store::{Raw, Records};
use crate::spec::{OperationId, Replaces, Spec};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::OnceLock;

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

/// How a fixture record becomes a [`Customer`]: the renames of the new generation's records and
/// budgets (`x-replaces`), read from the schemas once.
#[derive(Debug, Clone)]
pub(super) struct Generations {
    customer_renames: Vec<(String, Replaces)>,
    budget_renames: Vec<(String, Replaces)>,
}

impl Generations {
    /// The renames of `spec`.
    pub(super) fn new(spec: &Spec) -> Generations {
        let renames = |op: OperationId| spec.operation(op).record_replacements(spec);
        Generations {
            customer_renames: renames(OperationId::CustomersV2),
            budget_renames: renames(OperationId::BudgetV2),
        }
    }

    /// The customer a fixture record describes; `Err` is (the member at fault, relative to the
    /// record, and what is wrong with it).
    pub(super) fn customer(&self, record: Map<String, Value>) -> Result<Customer, Refusal> {
        let Parts {
            info,
            extra,
            budget,
            budget_extra,
        } = self.split(record)?;
        let info_v2 = successor(&self.customer_renames, &info, extra);
        let budget_v2 = budget
            .as_ref()
            .map(|b| successor(&self.budget_renames, b, budget_extra));
        Ok(Customer {
            info,
            info_v2,
            budget,
            budget_v2,
        })
    }

    /// The members of a fixture record by generation, as [`Generations::customer`] reads them.
    pub(super) fn split(&self, mut info: Map<String, Value>) -> Result<Parts, Refusal> {
        let budget = take_object(&mut info, "budget").map_err(|m| ("budget".into(), m))?;
        let mut extra = take_object(&mut info, "v2")
            .map_err(|m| ("v2".into(), m))?
            .unwrap_or_default();
        let budget_extra = take_object(&mut extra, "budget")
            .map_err(|m| ("v2.budget".into(), m))?
            .unwrap_or_default();
        // A `v2` field may only add what the old record cannot say: a field both generations
        // have comes from the old record, so one customer never has two values.
        for (op, renames, extra, at) in [
            (
                OperationId::CustomersV2,
                &self.customer_renames,
                &extra,
                "v2",
            ),
            (
                OperationId::BudgetV2,
                &self.budget_renames,
                &budget_extra,
                "v2.budget",
            ),
        ] {
            if let Some((name, replaces)) =
                renames.iter().find(|(name, _)| extra.contains_key(name))
            {
                return Err((
                    format!("{at}.{name}"),
                    format!(
                        "is {op}'s name for `{}`; set it there, once for both generations",
                        replaces.field
                    ),
                ));
            }
        }
        Ok(Parts {
            info,
            extra,
            budget,
            budget_extra,
        })
    }

    /// The new generation's record, made from the old one without copying its values (for a
    /// record that is only checked): as [`Generations::customer`] makes it.
    pub(super) fn new_record(
        &self,
        info: Map<String, Value>,
        extra: Map<String, Value>,
    ) -> Map<String, Value> {
        successor_from(&self.customer_renames, info, extra)
    }

    /// The new generation's budget, made from the old one without copying its values.
    pub(super) fn new_budget(
        &self,
        budget: Map<String, Value>,
        extra: Map<String, Value>,
    ) -> Map<String, Value> {
        successor_from(&self.budget_renames, budget, extra)
    }
}

/// A fixture record's members by generation.
#[derive(Debug)]
pub(super) struct Parts {
    /// The old record.
    pub info: Map<String, Value>,
    /// Fields only the new record has.
    pub extra: Map<String, Value>,
    /// The old budget.
    pub budget: Option<Map<String, Value>>,
    /// Fields only the new budget has.
    pub budget_extra: Map<String, Value>,
}

/// [`successor`], taking the old record's values instead of copying them (a value two new
/// fields take is copied for all but the last).
fn successor_from(
    renames: &[(String, Replaces)],
    mut old: Map<String, Value>,
    extra: Map<String, Value>,
) -> Map<String, Value> {
    let mut record = Map::with_capacity(renames.len() + extra.len());
    for (k, (name, replaces)) in renames.iter().enumerate() {
        let again = renames[k + 1..]
            .iter()
            .any(|(_, later)| later.field == replaces.field);
        let value = match again {
            true => old.get(&replaces.field).cloned(),
            false => old.remove(&replaces.field),
        };
        if let Some(value) = value {
            record.insert(name.clone(), value);
        }
    }
    record.extend(extra);
    record
}

impl Generations {
    /// What [`Customer::text`] says of the customer `record` describes, read from the record
    /// itself, without making the customer (a million customers are indexed this way at load).
    /// A record [`Generations::customer`] refuses may read otherwise; its refusal comes first.
    pub(super) fn text_of<'r>(
        &self,
        record: &'r Map<String, Value>,
        field: &str,
    ) -> Option<&'r str> {
        // The old record is the fixture record without the members of the new generation and
        // the budget; the new record has the old fields under their new names, then `v2`.
        let split_off = |name: &str| name == "budget" || name == "v2";
        if !split_off(field) {
            if let Some(value) = record.get(field) {
                return value.as_str();
            }
        }
        let extra = record.get("v2").and_then(Value::as_object);
        if let Some(value) = extra
            .filter(|_| field != "budget")
            .and_then(|e| e.get(field))
        {
            return value.as_str();
        }
        let (_, replaces) = self
            .customer_renames
            .iter()
            .find(|(name, _)| name == field)?;
        if split_off(&replaces.field) {
            return None;
        }
        record.get(&replaces.field).and_then(Value::as_str)
    }
}

/// A member of a fixture record that cannot be served, and why.
pub(super) type Refusal = (String, String);

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

/// Encoded members, by name.
type Members<'a> = Vec<(&'a str, Raw<'a>)>;

/// The members left once each of `names` is taken out, in the order a `Map` has them after
/// [`take_object`] (its `remove` moves the last member into the place of the removed one), and
/// the members taken.
fn take_members<'a>(
    mut members: Members<'a>,
    names: &[&str],
) -> (Members<'a>, Vec<Option<Raw<'a>>>) {
    let taken = names
        .iter()
        .map(|name| {
            let at = members.iter().position(|(n, _)| n == name)?;
            Some(members.swap_remove(at).1)
        })
        .collect();
    (members, taken)
}

/// Encoded members, decoded.
fn decoded(members: Members<'_>) -> Map<String, Value> {
    members
        .into_iter()
        .map(|(name, raw)| (name.to_string(), raw.decode()))
        .collect()
}

/// [`successor`] of encoded members.
fn successor_of(
    renames: &[(String, Replaces)],
    old: &Members<'_>,
    extra: Members<'_>,
) -> Map<String, Value> {
    let mut record: Map<String, Value> = renames
        .iter()
        .filter_map(|(name, replaces)| {
            let (_, raw) = old.iter().find(|(n, _)| *n == replaces.field)?;
            Some((name.clone(), raw.decode()))
        })
        .collect();
    record.extend(decoded(extra));
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

/// Every customer, in the stable order pages are cut from. Held as fixture records; a
/// [`Customer`] is made when asked for.
#[derive(Clone)]
pub struct Customers {
    records: Records,
    generations: Generations,
    /// Every customer made once, for [`Customers::iter`].
    all: OnceLock<Vec<Customer>>,
}

impl std::fmt::Debug for Customers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Customers")
            .field("records", &self.records)
            .finish_non_exhaustive()
    }
}

impl Customers {
    /// The customers `records` describe, made by `generations`.
    pub(super) fn new(records: Records, generations: Generations) -> Customers {
        Customers {
            records,
            generations,
            all: OnceLock::new(),
        }
    }

    /// How many customers there are.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether there are none (the partner of a data reading may have no customer).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The customer at `index` in the stable order, made from its record.
    pub fn get(&self, index: usize) -> Option<Customer> {
        self.generations.customer(self.records.get(index)?).ok()
    }

    /// Every customer, made once and kept on first use: for tests and small data sets that
    /// want plain references. It holds every customer in both generations, about 8 KiB each;
    /// the request path never calls it and reads single records with [`Customers::get`].
    pub fn iter(&self) -> std::slice::Iter<'_, Customer> {
        self.all
            .get_or_init(|| (0..self.len()).filter_map(|i| self.get(i)).collect())
            .iter()
    }
}

impl std::ops::Index<usize> for Customers {
    type Output = Customer;

    /// The customer at `index`, from the customers [`Customers::iter`] keeps (panics past the
    /// end, like a slice).
    fn index(&self, index: usize) -> &Customer {
        &self.iter().as_slice()[index]
    }
}

impl<'a> IntoIterator for &'a Customers {
    type Item = &'a Customer;
    type IntoIter = std::slice::Iter<'a, Customer>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// A filtered or looked-up field: its values and the indexes its filters use.
#[derive(Debug, Clone, Default)]
pub(super) struct Field {
    /// Every customer's value.
    pub column: Column,
    /// By value, when the field has an exact-match or time-range filter.
    pub sorted: Option<Sorted>,
    /// By pairs of characters, when the field has a substring filter.
    pub bigrams: Option<Bigrams>,
    /// By unique value, when the field is looked up.
    pub keys: Option<Keys>,
    /// Whether every value is a documented time in its fixed-width form, so that `sorted`
    /// orders the values as instants.
    pub times: bool,
}

/// The mock's whole data set.
#[derive(Debug, Clone)]
pub struct Fixtures {
    /// The partner the data belongs to; other partner ids get the partner-mismatch error.
    pub partner_id: String,
    /// Customers in a stable order (the order pages are cut from).
    pub customers: Customers,
    /// The AICC tenant, unmasked; the mock masks it as `x-mask` says.
    pub aicc_tenant: Map<String, Value>,
    /// The filtered and looked-up fields, by name; a field and its new-generation name share
    /// one entry when every customer has the same value under both.
    fields: HashMap<String, usize>,
    /// What `fields` points at.
    columns: Vec<Field>,
}

impl Fixtures {
    /// Assembles checked data; `load.rs` is the only caller.
    pub(super) fn assemble(
        partner_id: String,
        customers: Customers,
        aicc_tenant: Map<String, Value>,
        fields: HashMap<String, usize>,
        columns: Vec<Field>,
    ) -> Fixtures {
        Fixtures {
            partner_id,
            customers,
            aicc_tenant,
            fields,
            columns,
        }
    }

    /// A filtered or looked-up field of every customer, with its indexes (`None` for other
    /// fields).
    pub(super) fn field(&self, name: &str) -> Option<&Field> {
        self.fields.get(name).and_then(|i| self.columns.get(*i))
    }

    /// The position of the customer whose `field` equals `value` (for `x-lookup` fields).
    pub fn position_by(&self, field: &str, value: &str) -> Option<usize> {
        match self.field(field) {
            Some(Field {
                column,
                keys: Some(keys),
                ..
            }) => keys.find(column, value),
            Some(f) => (0..f.column.len()).find(|i| f.column.get(*i) == Some(value)),
            None => (0..self.customers.len()).find(|i| {
                self.customers
                    .get(*i)
                    .is_some_and(|c| c.text(field) == Some(value))
            }),
        }
    }

    /// The customer whose `field` equals `value` (for `x-lookup` fields).
    pub fn find_by(&self, field: &str, value: &str) -> Option<Customer> {
        self.customers.get(self.position_by(field, value)?)
    }

    /// The record `op` serves for the customer at `position`: as [`Customers::get`] makes it,
    /// decoding only the members that record shows (a page of records is most of the work of a
    /// list answer).
    pub fn record(&self, position: usize, op: OperationId) -> Option<Map<String, Value>> {
        let members = self.customers.records.raw(position)?.members()?;
        let (info, taken) = take_members(members, &["budget", "v2"]);
        match op {
            OperationId::CustomersV2 => {
                let extra = taken[1].and_then(Raw::members).unwrap_or_default();
                let (extra, _) = take_members(extra, &["budget"]);
                let renames = &self.customers.generations.customer_renames;
                Some(successor_of(renames, &info, extra))
            }
            _ => Some(decoded(info)),
        }
    }

    /// The budget `op` serves for the customer at `position`, when it has one.
    pub fn budget(&self, position: usize, op: OperationId) -> Option<Map<String, Value>> {
        let members = self.customers.records.raw(position)?.members()?;
        let (_, taken) = take_members(members, &["budget", "v2"]);
        let budget = taken[0]?.members()?;
        match op {
            OperationId::BudgetV2 => {
                let extra = taken[1].and_then(Raw::members).unwrap_or_default();
                let (_, taken) = take_members(extra, &["budget"]);
                let extra = taken[0].and_then(Raw::members).unwrap_or_default();
                let renames = &self.customers.generations.budget_renames;
                Some(successor_of(renames, &budget, extra))
            }
            _ => Some(decoded(budget)),
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::ParamLocation;

    /// Every field the contract filters or looks up, in both generations, and a few others.
    fn fields(spec: &Spec) -> Vec<String> {
        let mut fields: Vec<String> = spec
            .operations()
            .iter()
            .flat_map(|op| op.parameters.iter())
            .filter(|p| p.location != ParamLocation::Path)
            .filter_map(|p| {
                let filter = p.filter.as_ref().map(|f| f.field.clone());
                filter.or_else(|| p.lookup.as_ref().map(|l| l.field.clone()))
            })
            .collect();
        fields.extend(
            [
                "email",
                "customer_level",
                "telephone",
                "budget",
                "v2",
                "nothing",
            ]
            .map(String::from),
        );
        fields
    }

    /// The embedded fixtures with the first customer's budget and `v2` moved to the front of
    /// its record, so taking them out reorders the rest.
    fn reordered(spec: &Spec) -> Fixtures {
        let mut raw: Value = serde_json::from_str(EMBEDDED).unwrap();
        let first = raw["customers"][0].as_object_mut().unwrap();
        let mut moved = Map::new();
        for key in ["v2", "budget"] {
            moved.insert(key.into(), first.remove(key).unwrap());
        }
        moved.extend(std::mem::take(first));
        *first = moved;
        Fixtures::parse(spec, "reordered", &raw.to_string()).unwrap()
    }

    #[test]
    fn a_record_read_in_place_is_the_customer_made_from_it() {
        let spec = Spec::embedded().unwrap();
        for fixtures in [Fixtures::embedded(&spec).unwrap(), reordered(&spec)] {
            let generations = &fixtures.customers.generations;
            for i in 0..fixtures.customers.len() {
                let customer = fixtures.customers.get(i).unwrap();
                let record = fixtures.customers.records.get(i).unwrap();
                for field in fields(&spec) {
                    assert_eq!(generations.text_of(&record, &field), customer.text(&field));
                }
                for op in [OperationId::CustomersV1, OperationId::CustomersV2] {
                    let served = fixtures.record(i, op).unwrap();
                    // Compared as text: the order of members is part of the answer.
                    let made = Value::Object(customer.record(op).clone()).to_string();
                    assert_eq!(Value::Object(served).to_string(), made, "{i} {op}");
                }
                for op in [OperationId::BudgetV1, OperationId::BudgetV2] {
                    let served = fixtures.budget(i, op).map(|b| Value::Object(b).to_string());
                    let made = customer
                        .budget_for(op)
                        .map(|b| Value::Object(b.clone()).to_string());
                    assert_eq!(served, made, "{i} {op}");
                }
            }
        }
    }
}
