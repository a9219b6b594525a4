//! Reading a fixtures file into [`Fixtures`].
//!
//! The file is read as a stream (`stream.rs`) by this thread, which only delimits customers and
//! hands them on in batches; worker threads parse, store and check each batch (`worker.rs`);
//! this thread puts the batches back in file order (`intake.rs`). Memory holds the data set
//! once, compactly, never the file's text or a tree of every record: a million customers load
//! in seconds and in well under 1 GiB (README, "Performance").
//!
//! What is checked, and the error a bad file gets, are as when the whole file was parsed first
//! and then checked customer by customer: a syntax error anywhere wins, then the first customer
//! that cannot be served (in file order), then the first record breaking the old generation's
//! response schema, then the new generation's, then the AICC tenant. A document that is not in
//! the plain shape (every bad one among them) is read again with the exact parser for its error.

use super::fixtures::{FixtureError, Fixtures, EMBEDDED, EMBEDDED_NAME};
use super::intake::{Intake, Refusal, Taken};
use super::store::Names;
use super::stream::{self, Document, NotPlain};
use super::worker::{self, Job, Plan, BATCH};
use crate::spec::{OperationId, Spec};
use serde::de::{DeserializeSeed, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::io::Read;
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::Mutex;

/// Largest fixtures file read: room for a million customers of `scripts/gen-fixtures.py`
/// (523 MB) and about as many again. The file is streamed and each customer held once,
/// compactly: a file at this bound costs less memory than its size. A larger one is refused by
/// its size, before a byte of it is read.
const MAX_FIXTURES_BYTES: u64 = 1 << 30;

/// What the error of a file over its bound calls it.
const WHAT: &str = "a fixtures file";

/// Most worker threads: this thread delimits customers several times faster than a worker
/// checks them, so more would wait on it.
const MAX_WORKERS: usize = 6;

impl Fixtures {
    /// The embedded fixtures.
    pub fn embedded(spec: &Spec) -> Result<Fixtures, FixtureError> {
        Fixtures::parse(spec, EMBEDDED_NAME, EMBEDDED)
    }

    /// Fixtures from a file given with `--fixtures`, read as a stream within
    /// `MAX_FIXTURES_BYTES`.
    pub fn from_file(spec: &Spec, path: &Path) -> Result<Fixtures, FixtureError> {
        let name = path.display().to_string();
        let file = crate::files::open_bounded(path, MAX_FIXTURES_BYTES, WHAT).map_err(|e| {
            FixtureError {
                file: name.clone(),
                location: "file".into(),
                message: format!("failed to read: {e}"),
            }
        })?;
        let file = Bounded {
            inner: file,
            read: 0,
        };
        let plain = gather(spec, |customer| stream::read(file, customer));
        match plain {
            // Read whole, as every file was before it was streamed: the error of a bad file
            // (UTF-8, line and column) is the one it has always had.
            Ok((_, Err(Refusal::Unparsed))) | Err(NotPlain) => {
                let (name, text) = read_text(path)?;
                read_exactly(spec, &name, &text)
            }
            Ok(gathered) => finish(spec, &name, gathered),
        }
    }

    /// Parses and checks fixtures text; `file` names it in errors.
    pub fn parse(spec: &Spec, file: &str, text: &str) -> Result<Fixtures, FixtureError> {
        match gather(spec, |customer| stream::read(text.as_bytes(), customer)) {
            Ok((_, Err(Refusal::Unparsed))) | Err(NotPlain) => read_exactly(spec, file, text),
            Ok(gathered) => finish(spec, file, gathered),
        }
    }
}

/// What reading a document gathered: its other members, and its customers (or why they cannot
/// be served).
type Gathered = (Document, Result<Taken, Refusal>);

/// Reads a document with `read`, which hands every customer's JSON text to the function it is
/// given; the customers are worked on by a pool of threads as they come.
fn gather<E>(
    spec: &Spec,
    read: impl FnOnce(&mut dyn FnMut(&[u8])) -> Result<Document, E>,
) -> Result<Gathered, E> {
    let plan = Plan::new(spec);
    let names = Names::default();
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(MAX_WORKERS);
    // Two batches waiting per worker: none waits for the next, and memory holds a few megabytes
    // of text at most.
    let (jobs, queue) = std::sync::mpsc::sync_channel::<Job>(2 * workers);
    let queue = Mutex::new(queue);
    let (document, intake) = std::thread::scope(|scope| {
        let (done, back) = std::sync::mpsc::channel();
        for _ in 0..workers {
            let (queue, done, plan, names) = (&queue, done.clone(), &plan, &names);
            scope.spawn(move || loop {
                let job = queue.lock().unwrap_or_else(|e| e.into_inner()).recv();
                let Ok(job) = job else { break };
                if done.send(worker::work(spec, plan, names, job)).is_err() {
                    break;
                }
            });
        }
        drop(done);
        let mut feed = Feed {
            jobs: Some(jobs),
            back,
            intake: Intake::new(&plan),
            job: Job::default(),
            sequence: 0,
            count: 0,
        };
        let document = read(&mut |text| feed.customer(text));
        (document, feed.finish())
    });
    Ok((document?, intake.finish(names)))
}

/// Batches of customers on their way to the workers, and back.
struct Feed<'p> {
    /// The queue to the workers, closed when every customer is sent.
    jobs: Option<SyncSender<Job>>,
    back: Receiver<worker::Done>,
    intake: Intake<'p>,
    /// The batch being filled.
    job: Job,
    sequence: usize,
    count: usize,
}

impl<'p> Feed<'p> {
    /// The next customer's text.
    fn customer(&mut self, text: &[u8]) {
        self.job.text.extend_from_slice(text);
        self.job.ends.push(self.job.text.len());
        self.count += 1;
        if self.job.ends.len() >= BATCH {
            self.send();
        }
    }

    /// Sends the batch being filled, and puts in the batches that came back meanwhile.
    fn send(&mut self) {
        let first = self.count - self.job.ends.len();
        let job = Job {
            sequence: self.sequence,
            first,
            ..std::mem::take(&mut self.job)
        };
        self.sequence += 1;
        if let Some(jobs) = &self.jobs {
            // The workers stop only once the queue is closed, so they are there to take it.
            let _ = jobs.send(job);
        }
        while let Ok(done) = self.back.try_recv() {
            self.intake.put(done);
        }
    }

    /// Every customer is sent: the intake once every batch is back.
    fn finish(mut self) -> Intake<'p> {
        if !self.job.ends.is_empty() {
            self.send();
        }
        self.jobs = None;
        for done in self.back.iter() {
            self.intake.put(done);
        }
        self.intake
    }
}

/// The name and whole text of a fixtures file, within `MAX_FIXTURES_BYTES` (for the data
/// readings, which rewrite the file's customers before it is parsed).
pub(super) fn read_text(path: &Path) -> Result<(String, String), FixtureError> {
    let name = path.display().to_string();
    let text =
        crate::files::read_text(path, MAX_FIXTURES_BYTES, WHAT).map_err(|e| FixtureError {
            file: name.clone(),
            location: "file".into(),
            message: format!("failed to read: {e}"),
        })?;
    Ok((name, text))
}

/// A file read that fails once it passes `MAX_FIXTURES_BYTES` (the file grew after its size was
/// checked).
struct Bounded<R> {
    inner: R,
    read: u64,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if self.read > MAX_FIXTURES_BYTES {
            return Err(std::io::Error::other(crate::files::ReadError::TooLarge {
                limit: MAX_FIXTURES_BYTES,
                what: WHAT,
            }));
        }
        Ok(n)
    }
}

/// Parses a whole fixtures document with serde's derived-style visitor, for a document that is
/// not plain: its error (line and column of a syntax error, an unknown member) is the one a bad
/// document has always had.
fn read_exactly(spec: &Spec, file: &str, text: &str) -> Result<Fixtures, FixtureError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let error = |location: String, message: String| FixtureError {
        file: file.to_string(),
        location,
        message,
    };
    let gathered = gather(spec, |feed| {
        // Each customer goes to the workers as text, like the customers of a plain document.
        let mut customer = |record: Map<String, Value>| {
            feed(&serde_json::to_vec(&record).unwrap_or_default());
        };
        FileSeed {
            customer: &mut customer,
        }
        .deserialize(&mut de)
        .and_then(|document| de.end().map(|()| document))
        .map_err(|e| {
            error(
                format!("line {} column {}", e.line(), e.column()),
                e.to_string(),
            )
        })
    })?;
    finish(spec, file, gathered)
}

/// Judges what was gathered (the first refused customer, then the first violation of each
/// generation's records), checks the AICC tenant, and assembles the fixtures.
fn finish(spec: &Spec, file: &str, gathered: Gathered) -> Result<Fixtures, FixtureError> {
    let error = |location: String, message: String| FixtureError {
        file: file.to_string(),
        location,
        message,
    };
    let (document, taken) = gathered;
    let (customers, fields, columns) = match taken {
        Ok(taken) => taken,
        Err(Refusal::Customer((i, _, at, message))) => {
            return Err(error(format!("customers[{i}].{at}"), message))
        }
        Err(Refusal::Schema((path, message))) => return Err(error(path, message)),
        Err(Refusal::Unparsed) => {
            return Err(error(
                "customers".into(),
                "a customer is not an object".into(),
            ))
        }
    };
    // No customer: the empty list each list operation would answer is still checked.
    if customers.is_empty() {
        for g in 0..2 {
            if let (Some((path, message)), _) = worker::check_records(spec, g, 0, Vec::new()) {
                return Err(error(path, message));
            }
        }
    }
    let fixtures = Fixtures::assemble(
        document.partner_id,
        customers,
        document.aicc_tenant,
        fields,
        columns,
    );
    let aicc = spec.operation(OperationId::AiccTenant);
    let masked = Value::Object(fixtures.masked_tenant(spec));
    worker::check_against(
        spec,
        OperationId::AiccTenant,
        aicc.meta.success_status,
        &masked,
    )
    .map_err(|(path, msg)| error(format!("aicc_tenant{path}"), msg))?;
    Ok(fixtures)
}

/// The members of a fixtures document, in the order errors name them.
const FIELDS: &[&str] = &["description", "partner_id", "customers", "aicc_tenant"];

/// The whole document: every member but `customers` is kept; each customer goes to
/// `customer`.
struct FileSeed<'c> {
    customer: &'c mut dyn FnMut(Map<String, Value>),
}

impl<'de> DeserializeSeed<'de> for FileSeed<'_> {
    type Value = Document;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_struct("RawFixtures", FIELDS, self)
    }
}

impl<'de> Visitor<'de> for FileSeed<'_> {
    type Value = Document;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("struct RawFixtures")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut description, mut partner_id, mut customers, mut tenant) =
            (false, None, false, None);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "description" if description => return Err(A::Error::duplicate_field(FIELDS[0])),
                "description" => {
                    map.next_value::<Option<String>>()?;
                    description = true;
                }
                "partner_id" if partner_id.is_some() => {
                    return Err(A::Error::duplicate_field(FIELDS[1]))
                }
                "partner_id" => partner_id = Some(map.next_value::<String>()?),
                "customers" if customers => return Err(A::Error::duplicate_field(FIELDS[2])),
                "customers" => {
                    map.next_value_seed(CustomersSeed {
                        customer: &mut *self.customer,
                    })?;
                    customers = true;
                }
                "aicc_tenant" if tenant.is_some() => {
                    return Err(A::Error::duplicate_field(FIELDS[3]))
                }
                "aicc_tenant" => tenant = Some(map.next_value::<Map<String, Value>>()?),
                other => return Err(A::Error::unknown_field(other, FIELDS)),
            }
        }
        let partner_id = partner_id.ok_or_else(|| A::Error::missing_field(FIELDS[1]))?;
        if !customers {
            return Err(A::Error::missing_field(FIELDS[2]));
        }
        let aicc_tenant = tenant.ok_or_else(|| A::Error::missing_field(FIELDS[3]))?;
        Ok(Document {
            partner_id,
            aicc_tenant,
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        // The members in their order, as a derived `Deserialize` accepts them.
        let expected = "struct RawFixtures with 4 elements";
        let missing = |n| A::Error::invalid_length(n, &expected);
        seq.next_element::<Option<String>>()?
            .ok_or_else(|| missing(0))?;
        let partner_id = seq.next_element::<String>()?.ok_or_else(|| missing(1))?;
        seq.next_element_seed(CustomersSeed {
            customer: &mut *self.customer,
        })?
        .ok_or_else(|| missing(2))?;
        let aicc_tenant = seq
            .next_element::<Map<String, Value>>()?
            .ok_or_else(|| missing(3))?;
        Ok(Document {
            partner_id,
            aicc_tenant,
        })
    }
}

/// The `customers` array, handed to `customer` one record at a time.
struct CustomersSeed<'c> {
    customer: &'c mut dyn FnMut(Map<String, Value>),
}

impl<'de> DeserializeSeed<'de> for CustomersSeed<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for CustomersSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a sequence")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(record) = seq.next_element::<Map<String, Value>>()? {
            (self.customer)(record);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The embedded fixtures with `count` customers (copies under new ids), the one at `bad`
    /// changed by `change`.
    fn grown(count: usize, bad: usize, change: impl Fn(&mut Map<String, Value>)) -> String {
        let mut raw: Value = serde_json::from_str(EMBEDDED).unwrap();
        let customers = raw["customers"].as_array_mut().unwrap();
        let original = customers.len();
        for i in original..count {
            let mut copy = customers[i % original].clone();
            copy["customer_id"] = Value::String(format!("copy-{i}"));
            customers.push(copy);
        }
        change(customers[bad].as_object_mut().unwrap());
        raw.to_string()
    }

    #[test]
    fn every_customer_is_checked_whatever_its_place() {
        let spec = Spec::embedded().unwrap();
        let (count, late) = (4 * BATCH, 3 * BATCH + 7);
        let long = "0".repeat(BATCH);
        let text = grown(count, late, |c| {
            c.insert("telephone".into(), Value::String(long.clone()));
        });
        let error = Fixtures::parse(&spec, "grown", &text).unwrap_err();
        assert_eq!(
            error.location,
            format!("customers[{late}].telephone (customers_v1)")
        );
        let text = grown(count, late, |c| {
            c.insert("customer_id".into(), Value::String("copy-300".into()));
        });
        let error = Fixtures::parse(&spec, "grown", &text).unwrap_err();
        assert_eq!(error.location, format!("customers[{late}].customer_id"));
        assert!(error.message.contains("duplicate id `copy-300`"));
        let fixtures = Fixtures::parse(&spec, "grown", &grown(count, 0, |_| {})).unwrap();
        assert_eq!(fixtures.customers.len(), count);
        assert_eq!(fixtures.position_by("customer_id", "copy-1000"), Some(1000));
    }

    #[test]
    fn a_bad_customer_before_a_syntax_error_leaves_the_syntax_error_first() {
        let spec = Spec::embedded().unwrap();
        let text = grown(BATCH, 3, |c| {
            c.remove("customer_id");
        });
        let text = format!("{} x", text);
        let error = Fixtures::parse(&spec, "bad", &text).unwrap_err();
        assert!(error.location.starts_with("line 1 column"), "{error}");
    }
}
