//! The work on one batch of fixture customers, done on a worker thread while the file is still
//! being read (`load.rs`): each customer is parsed, stored compactly (`store.rs`), its
//! filtered and looked-up fields are read into columns, it is made in both generations (the
//! refusals of [`Generations::customer`]) with its budget checked against its association type
//! and against the budget operations, and its records, as one batch, against the list
//! operations. The batches come back to be put in file order (`intake.rs`).
//!
//! Why threads: a million customers are a few microseconds each of parsing and schema checks,
//! and the customers are independent. Each batch is parsed and dropped on the thread that
//! checks it: memory allocated on one thread and freed on another cost more than the threads
//! gained when the parsing and the checks ran on two.

use super::column::Column;
use super::fixtures::Generations;
use super::respond;
use super::store::{Encoded, Encoder, Names};
use crate::spec::{Lookup, MatchKind, OperationId, Spec, MAX_VIOLATIONS_PER_BODY};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};

/// Customers in a batch: every record of a batch is checked against a list operation's schema
/// in one body, which [`crate::spec::ResponseSchema::validate`] judges whole (it judges longer
/// arrays by their first elements); a batch is a couple of hundred kilobytes of text.
pub(super) const BATCH: usize = MAX_VIOLATIONS_PER_BODY;

/// Where in the checks of one customer a refusal comes from. A file is refused for its first
/// refused customer and, within a customer, for the earliest of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Stage {
    /// Its members: `budget`, `v2` and `v2.budget` objects, no old field set again in `v2`.
    Shape,
    /// Its id: present and not another customer's.
    Key,
    /// A budget exactly when its association type has one.
    Eligibility,
    /// Its budgets against the budget operations' response schemas.
    Budget,
}

/// A refused customer: its position, the stage, the member at fault and why.
pub(super) type Refused = (usize, Stage, String, String);

/// A field path and what is wrong there.
pub(super) type Violation = (String, String);

/// The indexes the filters of a field need.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Needs {
    /// An exact-match or time-range filter.
    pub sorted: bool,
    /// A substring filter.
    pub bigrams: bool,
}

/// What is read from every customer, from the contract: the filtered and looked-up fields.
#[derive(Debug)]
pub(super) struct Plan {
    /// The fields, in a stable order.
    pub fields: Vec<String>,
    /// What each field's filters need.
    pub needs: Vec<Needs>,
    /// For a new-generation name, the field it replaces (when that is also read): the two
    /// share one column while every customer has the same value under both.
    pub alias: Vec<Option<usize>>,
    /// The field that identifies a customer (unique).
    pub key: usize,
    /// The budget lookup, whose eligible association types have budgets.
    pub lookup: Option<Lookup>,
    /// How a record becomes a customer.
    pub generations: Generations,
}

impl Plan {
    /// The plan for `spec`.
    pub(super) fn new(spec: &Spec) -> Plan {
        let lookup = spec
            .operation(OperationId::BudgetV1)
            .parameters
            .iter()
            .find_map(|p| p.lookup.clone());
        let key_field = lookup.as_ref().map_or("customer_id", |l| l.field.as_str());
        let mut wanted: BTreeMap<String, Needs> = BTreeMap::new();
        wanted.entry(key_field.to_string()).or_default();
        for op in spec.operations() {
            for param in &op.parameters {
                if let Some(filter) = &param.filter {
                    let needs = wanted.entry(filter.field.clone()).or_default();
                    match filter.kind {
                        MatchKind::Substring => needs.bigrams = true,
                        MatchKind::Equals | MatchKind::AtOrAfter | MatchKind::AtOrBefore => {
                            needs.sorted = true
                        }
                    }
                }
                if let Some(lookup) = &param.lookup {
                    wanted.entry(lookup.field.clone()).or_default();
                    for field in lookup.eligible.keys() {
                        wanted.entry(field.clone()).or_default();
                    }
                }
            }
        }
        let replaced: HashMap<String, String> = spec
            .operation(OperationId::CustomersV2)
            .record_replacements(spec)
            .into_iter()
            .map(|(name, replaces)| (name, replaces.field))
            .collect();
        let fields: Vec<String> = wanted.keys().cloned().collect();
        let alias_of = |name: &String| {
            replaced
                .get(name)
                .filter(|old| *old != name)
                .and_then(|old| fields.iter().position(|n| n == old))
        };
        // No chains: an alias names a field that is no alias itself.
        let alias = fields
            .iter()
            .map(|name| alias_of(name).filter(|target| alias_of(&fields[*target]).is_none()))
            .collect();
        Plan {
            key: fields.iter().position(|n| n == key_field).unwrap_or(0),
            needs: wanted.into_values().collect(),
            alias,
            fields,
            lookup,
            generations: Generations::new(spec),
        }
    }
}

/// A batch of customers as the file has them: their text, back to back.
#[derive(Debug, Default)]
pub(super) struct Job {
    /// The batch's place among the batches.
    pub sequence: usize,
    /// The position of its first customer in the file.
    pub first: usize,
    /// The customers' JSON text.
    pub text: Vec<u8>,
    /// Where each customer's text ends.
    pub ends: Vec<usize>,
}

/// A batch of customers worked on.
#[derive(Debug, Default)]
pub(super) struct Done {
    /// The batch's place among the batches.
    pub sequence: usize,
    /// A customer that is not a JSON object: the file is read again exactly, for its error.
    pub unparsed: bool,
    /// The records, stored.
    pub records: Encoded,
    /// Each field of the plan: the customers' values.
    pub columns: Vec<Column>,
    /// The first customer refused here (a repeated id is found when batches are put together).
    pub refused: Option<Refused>,
    /// The first violation of customers_v1's records, then of customers_v2's.
    pub violation: [Option<Violation>; 2],
}

/// The two list operations whose records are checked, in the order their errors are reported.
const GENERATIONS: [OperationId; 2] = [OperationId::CustomersV1, OperationId::CustomersV2];

/// Works on one batch.
pub(super) fn work(spec: &Spec, plan: &Plan, names: &Names, job: Job) -> Done {
    let mut done = Done {
        sequence: job.sequence,
        columns: vec![Column::default(); plan.fields.len()],
        ..Done::default()
    };
    let mut encoder = Encoder::new(names);
    let mut infos = Vec::with_capacity(job.ends.len());
    let mut extras = Vec::with_capacity(job.ends.len());
    let mut start = 0;
    for (k, end) in job.ends.iter().enumerate() {
        let text = &job.text[start..*end];
        start = *end;
        let Ok(record) = serde_json::from_slice::<Map<String, Value>>(text) else {
            done.unparsed = true;
            return done;
        };
        let i = job.first + k;
        encoder.push(&record);
        if let Err((stage, at, message)) = take(plan, &mut done.columns, &record) {
            refuse(&mut done.refused, (i, stage, at, message));
        }
        match plan.generations.split(record) {
            Err((at, message)) => refuse(&mut done.refused, (i, Stage::Shape, at, message)),
            Ok(parts) => {
                if let Err((at, message)) =
                    check_budgets(spec, plan, parts.budget, parts.budget_extra)
                {
                    refuse(&mut done.refused, (i, Stage::Budget, at, message));
                }
                infos.push(parts.info);
                extras.push(parts.extra);
            }
        }
    }
    done.records = encoder.take();
    // After a refusal the file is refused: its records' violations do not matter, nor do the
    // new generation's once the old one's records break their schema.
    if done.refused.is_none() {
        let (violation, infos) = check_records(spec, 0, job.first, infos);
        done.violation[0] = violation;
        if done.violation[0].is_none() {
            let records = infos
                .into_iter()
                .zip(extras)
                .map(|(info, extra)| plan.generations.new_record(info, extra))
                .collect();
            done.violation[1] = check_records(spec, 1, job.first, records).0;
        }
    }
    done
}

/// Keeps the earlier of two refusals.
fn refuse(first: &mut Option<Refused>, refused: Refused) {
    if first
        .as_ref()
        .is_none_or(|f| (refused.0, refused.1) < (f.0, f.1))
    {
        *first = Some(refused);
    }
}

/// Appends a customer's fields to the batch's columns and checks its id is there and its
/// budget is there exactly when its association type has one.
fn take(
    plan: &Plan,
    columns: &mut [Column],
    record: &Map<String, Value>,
) -> Result<(), (Stage, String, String)> {
    let text = |field: &str| plan.generations.text_of(record, field);
    for (field, column) in plan.fields.iter().zip(columns.iter_mut()) {
        column
            .push(text(field))
            .map_err(|m| (Stage::Key, field.clone(), m))?;
    }
    let key = &plan.fields[plan.key];
    if text(key).is_none() {
        return Err((Stage::Key, key.clone(), "is missing".into()));
    }
    let Some(lookup) = &plan.lookup else {
        return Ok(());
    };
    let eligible = lookup
        .eligible
        .iter()
        .all(|(field, values)| text(field).is_some_and(|v| values.iter().any(|ok| ok == v)));
    // A budget that is not an object is refused first, by its shape.
    let budget = matches!(record.get("budget"), Some(Value::Object(_)));
    let wrong = match (budget, eligible) {
        (false, true) => "is missing: this customer's association type has budgets",
        (true, false) => "is not allowed: this customer's association type has no budget",
        _ => return Ok(()),
    };
    Err((Stage::Eligibility, "budget".into(), wrong.into()))
}

/// Checks a customer's budget, in both generations, against the budget operations' response
/// schemas.
fn check_budgets(
    spec: &Spec,
    plan: &Plan,
    budget: Option<Map<String, Value>>,
    extra: Map<String, Value>,
) -> Result<(), Violation> {
    let Some(budget) = budget else {
        return Ok(());
    };
    let check = |op: OperationId, body: &Value| {
        let status = spec.operation(op).meta.success_status;
        check_against(spec, op, status, body)
            .map_err(|(path, message)| (format!("budget ({op}){path}"), message))
    };
    let body = Value::Object(budget);
    check(OperationId::BudgetV1, &body)?;
    let Value::Object(budget) = body else {
        return Ok(());
    };
    let body = Value::Object(plan.generations.new_budget(budget, extra));
    check(OperationId::BudgetV2, &body)
}

/// Checks records of generation `g` (customers from position `first` on) by wrapping them in
/// one documented success body of its list operation: the first violation, named by customer,
/// and the records back.
pub(super) fn check_records(
    spec: &Spec,
    g: usize,
    first: usize,
    records: Vec<Map<String, Value>>,
) -> (Option<Violation>, Vec<Map<String, Value>>) {
    let id = GENERATIONS[g];
    let op = spec.operation(id);
    let count = first + records.len();
    let list_field = op.list_field().unwrap_or_default();
    let body = respond::list_body(op, records, count);
    let violation = check_against(spec, id, op.meta.success_status, &body)
        .err()
        .map(|(path, message)| (named(&path, list_field, first, id), message));
    let records = match body {
        Value::Object(mut body) => match body.remove(list_field) {
            Some(Value::Array(records)) => records
                .into_iter()
                .filter_map(|record| match record {
                    Value::Object(record) => Some(record),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    (violation, records)
}

/// A pointer into a list body as the customer it names (`customers[7].telephone
/// (customers_v1)`); other pointers as they are.
fn named(path: &str, list_field: &str, first: usize, id: OperationId) -> String {
    let customer = |i: &str| match i.parse::<usize>() {
        Ok(i) => (first + i).to_string(),
        Err(_) => i.to_string(),
    };
    match path.strip_prefix(&format!("/{list_field}/")) {
        Some(rest) => match rest.split_once('/') {
            Some((i, field)) => format!("customers[{}].{field} ({id})", customer(i)),
            None => format!("customers[{}] ({id})", customer(rest)),
        },
        None => path.to_string(),
    }
}

/// Validates `body` against an operation's response schema; the first violation as (pointer,
/// message).
pub(super) fn check_against(
    spec: &Spec,
    op: OperationId,
    status: u16,
    body: &Value,
) -> Result<(), Violation> {
    let Some(schema) = spec.operation(op).response(status) else {
        return Err((
            String::new(),
            format!("{op} documents no {status} response"),
        ));
    };
    if schema.is_valid(body) {
        return Ok(());
    }
    match schema.validate(body).into_iter().next() {
        None => Ok(()),
        Some(v) => Err((
            v.instance_path,
            format!("breaks {} ({}): {}", schema.file, v.keyword, v.message),
        )),
    }
}
