//! The worked-on batches of a fixtures file put back in file order (`load.rs`): records and
//! columns appended, ids checked for uniqueness, and the first refused customer and the first
//! schema violation of each generation kept. Once every customer is in, the columns get their
//! indexes (`column.rs`).

use super::column::{Bigrams, Column, Keys, Sorted};
use super::fixtures::{Customers, Field};
use super::store::{Names, Records};
use super::worker::{Done, Plan, Refused, Stage, Violation};
use crate::spec::is_canonical_time;
use std::collections::{BTreeMap, HashMap};

/// The customers so far, in file order.
pub(super) struct Intake<'p> {
    plan: &'p Plan,
    /// Each field's column; an alias's stays empty while it shares its field's.
    columns: Vec<Column>,
    /// Whether each field is still an alias of the field it replaces.
    aliased: Vec<bool>,
    keys: Keys,
    records: Records,
    /// Batches that came back before the ones ahead of them.
    early: BTreeMap<usize, Done>,
    /// The next batch to put in, and its first customer.
    next: usize,
    count: usize,
    /// A customer that is not a JSON object was met.
    unparsed: bool,
    /// The first refused customer.
    refused: Option<Refused>,
    /// The first violation of each generation's records.
    violation: [Option<Violation>; 2],
}

/// The customers and their indexed fields, by name, once every customer is in.
pub(super) type Taken = (Customers, HashMap<String, usize>, Vec<Field>);

/// Why the customers cannot be served.
#[derive(Debug)]
pub(super) enum Refusal {
    /// A customer is not a JSON object: the file is read again exactly, for its error.
    Unparsed,
    /// The first refused customer.
    Customer(Refused),
    /// The first record breaking its list operation's response schema.
    Schema(Violation),
}

impl<'p> Intake<'p> {
    /// Customers read by `plan`.
    pub(super) fn new(plan: &'p Plan) -> Intake<'p> {
        Intake {
            plan,
            columns: vec![Column::default(); plan.fields.len()],
            aliased: plan.alias.iter().map(Option::is_some).collect(),
            keys: Keys::default(),
            records: Records::default(),
            early: BTreeMap::new(),
            next: 0,
            count: 0,
            unparsed: false,
            refused: None,
            violation: [None, None],
        }
    }

    /// Takes a batch back; it is put in once every batch before it is.
    pub(super) fn put(&mut self, done: Done) {
        self.early.insert(done.sequence, done);
        while let Some(done) = self.early.remove(&self.next) {
            self.next += 1;
            self.append(done);
        }
    }

    /// Puts in the next batch.
    fn append(&mut self, done: Done) {
        // After a refusal or an unreadable customer nothing later matters.
        if self.unparsed || self.refused.is_some() {
            return;
        }
        if done.unparsed {
            self.unparsed = true;
            return;
        }
        let first = self.count;
        let customers = done.columns.first().map_or(0, Column::len);
        self.count += customers;
        self.records.append(done.records);
        let mut refused = done.refused;
        // The fields aliases point at first, so an alias compares with this batch's values.
        let mut order: Vec<usize> = (0..done.columns.len()).collect();
        order.sort_by_key(|f| self.plan.alias[*f].is_some());
        for field in order {
            if let Err(message) = self.append_column(field, &done.columns[field]) {
                let at = self.plan.fields[field].clone();
                keep_first(&mut refused, (first, Stage::Key, at, message));
            }
        }
        // A repeated id, up to the batch's first refused customer.
        let key = self.plan.key;
        let slot = match self.plan.alias[key] {
            Some(alias) if self.aliased[key] => alias,
            _ => key,
        };
        let last = refused.as_ref().map_or(self.count, |r| r.0 + 1);
        for i in first..last {
            if self.keys.insert(&self.columns[slot], i).is_err() {
                let id = self.columns[slot].get(i).unwrap_or_default();
                let message = format!("duplicate id `{id}`");
                let at = self.plan.fields[key].clone();
                keep_first(&mut refused, (i, Stage::Key, at, message));
                break;
            }
        }
        if refused.is_some() {
            self.refused = refused;
            return;
        }
        for (g, violation) in done.violation.into_iter().enumerate() {
            if self.violation[g].is_none() {
                self.violation[g] = violation;
            }
        }
    }

    /// Appends a batch's values of a field, ending an alias when the values differ from those
    /// of the field it replaces. Fields that are aliases come after the fields they alias.
    fn append_column(&mut self, field: usize, batch: &Column) -> Result<(), String> {
        if let (Some(alias), true) = (self.plan.alias[field], self.aliased[field]) {
            let before = self.count - batch.len();
            let target = &self.columns[alias];
            // The target already has this batch: compare the batch's part of it.
            let same = (0..batch.len()).all(|k| target.get(before + k) == batch.get(k));
            if same {
                return Ok(());
            }
            let mut own = Column::default();
            for i in 0..before {
                own.push(target.get(i))?;
            }
            self.columns[field] = own;
            self.aliased[field] = false;
        }
        self.columns[field].append(batch)
    }

    /// Every batch is in: the customers with their fields indexed, or why they cannot be
    /// served.
    pub(super) fn finish(mut self, names: Names) -> Result<Taken, Refusal> {
        if self.unparsed {
            return Err(Refusal::Unparsed);
        }
        if let Some(refused) = self.refused.take() {
            return Err(Refusal::Customer(refused));
        }
        if let Some(violation) = self.violation.iter_mut().find_map(Option::take) {
            return Err(Refusal::Schema(violation));
        }
        // Each field with a column of its own, then the aliases, which share it.
        let plan = self.plan;
        let mut place: Vec<usize> = vec![0; plan.fields.len()];
        let mut columns: Vec<(Field, super::worker::Needs)> = Vec::new();
        let (own, aliases): (Vec<usize>, Vec<usize>) =
            (0..plan.fields.len()).partition(|f| !self.aliased[*f]);
        let mut fields = HashMap::new();
        for f in own.into_iter().chain(aliases) {
            let at = match plan.alias[f] {
                Some(alias) if self.aliased[f] => place[alias],
                _ => {
                    let mut column = std::mem::take(&mut self.columns[f]);
                    column.shrink_to_fit();
                    let field = Field {
                        column,
                        ..Field::default()
                    };
                    columns.push((field, Default::default()));
                    columns.len() - 1
                }
            };
            place[f] = at;
            columns[at].1.sorted |= plan.needs[f].sorted;
            columns[at].1.bigrams |= plan.needs[f].bigrams;
            fields.insert(plan.fields[f].clone(), at);
        }
        // Each field's indexes on a thread of its own: the fields are independent.
        let mut columns: Vec<Field> = std::thread::scope(|scope| {
            let handles: Vec<_> = columns
                .into_iter()
                .map(|(field, needs)| scope.spawn(move || indexed(field, needs)))
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect()
        });
        if let Some(field) = columns.get_mut(place[plan.key]) {
            field.keys = Some(std::mem::take(&mut self.keys));
        }
        self.records.seal(names);
        let customers = Customers::new(self.records, plan.generations.clone());
        Ok((customers, fields, columns))
    }
}

/// Keeps the earlier of two refusals.
fn keep_first(first: &mut Option<Refused>, refused: Refused) {
    if first
        .as_ref()
        .is_none_or(|f| (refused.0, refused.1) < (f.0, f.1))
    {
        *first = Some(refused);
    }
}

/// A field with the indexes its filters need.
fn indexed(mut field: Field, needs: super::worker::Needs) -> Field {
    if needs.sorted {
        field.sorted = Some(Sorted::build(&field.column));
        field.times =
            (0..field.column.len()).all(|i| field.column.get(i).is_none_or(is_canonical_time));
    }
    if needs.bigrams {
        field.bigrams = Some(Bigrams::build(&field.column));
    }
    field
}
