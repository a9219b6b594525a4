//! Fixture records held compactly: one JSON object per customer, encoded into one shared byte
//! buffer with its member names interned, and decoded back into the exact `serde_json` value
//! when an answer needs it.
//!
//! Why not `serde_json::Map` per record: a map costs an allocation per key and per string plus
//! the table, and the same dozen names are repeated in every record (a customer held that way,
//! in both generations, took about 8 KiB; a million of them would not fit in memory). Here a
//! customer is about the size of its text without the names. No crate fits: the self-describing
//! binary formats (MessagePack, CBOR) keep every name in every record, and the compact ones
//! (postcard, bincode) cannot decode into a `Value` without a schema.

use serde_json::{Map, Number, Value};
use std::collections::HashMap;

/// The type of an encoded value, its first byte.
mod tag {
    /// `null`.
    pub const NULL: u8 = 0;
    /// `false`.
    pub const FALSE: u8 = 1;
    /// `true`.
    pub const TRUE: u8 = 2;
    /// A non-negative integer, as a varint.
    pub const UNSIGNED: u8 = 3;
    /// A negative integer, as the varint of its bitwise complement.
    pub const NEGATIVE: u8 = 4;
    /// A float, its eight bytes little-endian.
    pub const FLOAT: u8 = 5;
    /// A string: its length as a varint, then its UTF-8 bytes.
    pub const STRING: u8 = 6;
    /// An array: its length as a varint, then its elements.
    pub const ARRAY: u8 = 7;
    /// An object: its length as a varint, then (name id as a varint, value) per member.
    pub const OBJECT: u8 = 8;
}

/// Member names by id, shared by the threads that encode records: each keeps the ids it has
/// seen ([`Encoder`]) and comes here only for a name it has not.
#[derive(Debug, Default)]
pub struct Names {
    table: std::sync::Mutex<NameTable>,
}

/// Names by id, and ids by name.
type NameTable = (Vec<Box<str>>, HashMap<Box<str>, u32>);

impl Names {
    fn id(&self, name: &str) -> u32 {
        let mut table = self.table.lock().unwrap_or_else(|e| e.into_inner());
        let (names, ids) = &mut *table;
        if let Some(id) = ids.get(name) {
            return *id;
        }
        let id = u32::try_from(names.len()).unwrap_or(u32::MAX);
        names.push(name.into());
        ids.insert(name.into(), id);
        id
    }

    /// Every name, by id.
    fn into_names(self) -> Vec<Box<str>> {
        self.table.into_inner().unwrap_or_else(|e| e.into_inner()).0
    }
}

/// Records encoded by one thread, to be appended to [`Records`] in file order.
#[derive(Debug, Default)]
pub struct Encoded {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

/// Encodes records into an [`Encoded`], interning member names in [`Names`].
pub struct Encoder<'n> {
    names: &'n Names,
    /// The ids of the names this encoder has met.
    seen: HashMap<String, u32>,
    out: Encoded,
}

impl<'n> Encoder<'n> {
    /// An encoder using `names`.
    pub fn new(names: &'n Names) -> Encoder<'n> {
        Encoder {
            names,
            seen: HashMap::new(),
            out: Encoded::default(),
        }
    }

    /// Appends a record.
    pub fn push(&mut self, record: &Map<String, Value>) {
        self.put_object(record);
        self.out.ends.push(self.out.bytes.len());
    }

    /// The records encoded since the last call.
    pub fn take(&mut self) -> Encoded {
        std::mem::take(&mut self.out)
    }

    fn name_id(&mut self, name: &str) -> u32 {
        if let Some(id) = self.seen.get(name) {
            return *id;
        }
        let id = self.names.id(name);
        self.seen.insert(name.to_string(), id);
        id
    }

    fn put_object(&mut self, object: &Map<String, Value>) {
        self.out.bytes.push(tag::OBJECT);
        put_varint(&mut self.out.bytes, object.len() as u64);
        for (name, value) in object {
            let id = self.name_id(name);
            put_varint(&mut self.out.bytes, u64::from(id));
            self.put(value);
        }
    }

    fn put(&mut self, value: &Value) {
        let bytes = &mut self.out.bytes;
        match value {
            Value::Null => bytes.push(tag::NULL),
            Value::Bool(false) => bytes.push(tag::FALSE),
            Value::Bool(true) => bytes.push(tag::TRUE),
            Value::Number(n) => {
                if let Some(u) = n.as_u64() {
                    bytes.push(tag::UNSIGNED);
                    put_varint(bytes, u);
                } else if let Some(i) = n.as_i64() {
                    bytes.push(tag::NEGATIVE);
                    put_varint(bytes, !(i as u64));
                } else {
                    bytes.push(tag::FLOAT);
                    let f = n.as_f64().unwrap_or_default();
                    bytes.extend_from_slice(&f.to_le_bytes());
                }
            }
            Value::String(s) => {
                bytes.push(tag::STRING);
                put_varint(bytes, s.len() as u64);
                bytes.extend_from_slice(s.as_bytes());
            }
            Value::Array(items) => {
                bytes.push(tag::ARRAY);
                put_varint(bytes, items.len() as u64);
                for item in items {
                    self.put(item);
                }
            }
            Value::Object(object) => self.put_object(object),
        }
    }
}

/// Every record of a fixtures file, in order.
#[derive(Clone, Default)]
pub struct Records {
    /// The encoded records, back to back.
    bytes: Vec<u8>,
    /// Where each record ends in `bytes` (it starts where the previous one ends).
    ends: Vec<usize>,
    /// Member names by id.
    names: Vec<Box<str>>,
}

impl std::fmt::Debug for Records {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Records")
            .field("records", &self.ends.len())
            .field("bytes", &self.bytes.len())
            .field("names", &self.names)
            .finish()
    }
}

impl Records {
    /// How many records are held.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Appends records encoded with the [`Names`] these records will end with.
    pub fn append(&mut self, encoded: Encoded) {
        let base = self.bytes.len();
        self.bytes.extend_from_slice(&encoded.bytes);
        self.ends.extend(encoded.ends.iter().map(|end| base + end));
    }

    /// Every record is in: the names they were encoded with, and no room kept for growth.
    pub fn seal(&mut self, names: Names) {
        self.names = names.into_names();
        self.bytes.shrink_to_fit();
        self.ends.shrink_to_fit();
    }

    /// The record at `index`, as it was pushed (members in their order, numbers of the same
    /// kind); `None` past the end.
    pub fn get(&self, index: usize) -> Option<Map<String, Value>> {
        match self.raw(index)?.decode() {
            Value::Object(record) => Some(record),
            _ => None,
        }
    }
}

/// Appends `n` as a LEB128 varint: seven bits a byte, low bits first.
fn put_varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// An encoded value, read where it is: decoded only if an answer needs it.
#[derive(Clone, Copy)]
pub struct Raw<'a> {
    bytes: &'a [u8],
    names: &'a [Box<str>],
}

impl<'a> Raw<'a> {
    /// The value.
    pub fn decode(self) -> Value {
        self.reader().value()
    }

    /// The members of an object, in order, each still encoded; `None` for another value.
    pub fn members(self) -> Option<Vec<(&'a str, Raw<'a>)>> {
        let mut reader = self.reader();
        if reader.byte() != tag::OBJECT {
            return None;
        }
        let length = reader.length().min(reader.bytes.len());
        let mut members = Vec::with_capacity(length);
        for _ in 0..length {
            let name = usize::try_from(reader.varint())
                .ok()
                .and_then(|id| self.names.get(id))
                .map_or("", |name| &**name);
            let start = reader.bytes;
            reader.skip();
            let used = start.len() - reader.bytes.len();
            let value = Raw {
                bytes: &start[..used],
                names: self.names,
            };
            members.push((name, value));
        }
        Some(members)
    }

    fn reader(self) -> Reader<'a> {
        Reader {
            bytes: self.bytes,
            names: self.names,
        }
    }
}

impl Records {
    /// The record at `index`, still encoded.
    pub fn raw(&self, index: usize) -> Option<Raw<'_>> {
        let end = *self.ends.get(index)?;
        let start = index.checked_sub(1).map_or(0, |i| self.ends[i]);
        Some(Raw {
            bytes: &self.bytes[start..end],
            names: &self.names,
        })
    }
}

/// Decodes what [`Records`] encoded. The bytes were written by this file, so a malformed
/// encoding is a bug: it decodes as nulls rather than panicking in a request handler.
struct Reader<'a> {
    bytes: &'a [u8],
    names: &'a [Box<str>],
}

impl Reader<'_> {
    fn byte(&mut self) -> u8 {
        match self.bytes.split_first() {
            Some((first, rest)) => {
                self.bytes = rest;
                *first
            }
            None => tag::NULL,
        }
    }

    fn varint(&mut self) -> u64 {
        let mut n = 0u64;
        for shift in (0..u64::BITS).step_by(7) {
            let byte = self.byte();
            n |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                break;
            }
        }
        n
    }

    fn length(&mut self) -> usize {
        usize::try_from(self.varint()).unwrap_or(usize::MAX)
    }

    /// Passes over one value without decoding it.
    fn skip(&mut self) {
        let skip =
            |reader: &mut Self, n: usize| reader.bytes = &reader.bytes[n.min(reader.bytes.len())..];
        match self.byte() {
            tag::UNSIGNED | tag::NEGATIVE => {
                self.varint();
            }
            tag::FLOAT => skip(self, std::mem::size_of::<f64>()),
            tag::STRING => {
                let length = self.length();
                skip(self, length);
            }
            tag::ARRAY => {
                let length = self.length().min(self.bytes.len());
                (0..length).for_each(|_| self.skip());
            }
            tag::OBJECT => {
                let length = self.length().min(self.bytes.len());
                for _ in 0..length {
                    self.varint();
                    self.skip();
                }
            }
            _ => {}
        }
    }

    fn value(&mut self) -> Value {
        match self.byte() {
            tag::FALSE => Value::Bool(false),
            tag::TRUE => Value::Bool(true),
            tag::UNSIGNED => Value::Number(self.varint().into()),
            tag::NEGATIVE => Value::Number((!self.varint() as i64).into()),
            tag::FLOAT => {
                let size = std::mem::size_of::<f64>();
                let (eight, rest) = self.bytes.split_at(self.bytes.len().min(size));
                self.bytes = rest;
                let f = f64::from_le_bytes(eight.try_into().unwrap_or_default());
                Number::from_f64(f).map_or(Value::Null, Value::Number)
            }
            tag::STRING => {
                let length = self.length().min(self.bytes.len());
                let (text, rest) = self.bytes.split_at(length);
                self.bytes = rest;
                let text = match std::str::from_utf8(text) {
                    Ok(text) => text.to_string(),
                    Err(_) => String::from_utf8_lossy(text).into_owned(),
                };
                Value::String(text)
            }
            tag::ARRAY => {
                let length = self.length().min(self.bytes.len());
                Value::Array((0..length).map(|_| self.value()).collect())
            }
            tag::OBJECT => {
                let length = self.length().min(self.bytes.len());
                let mut object = Map::with_capacity(length);
                for _ in 0..length {
                    let name = usize::try_from(self.varint())
                        .ok()
                        .and_then(|id| self.names.get(id))
                        .map_or_else(String::new, |name| name.to_string());
                    let value = self.value();
                    object.insert(name, value);
                }
                Value::Object(object)
            }
            _ => Value::Null,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn records_decode_as_they_were_pushed() {
        let records = [
            json!({"b": 1, "a": null, "long": "é".repeat(300), "n": -5, "f": 1500.5,
                   "big": u64::MAX, "min": i64::MIN, "t": true, "no": false,
                   "list": [{"x": [1, "two", 3.25]}, []], "empty": {}}),
            json!({}),
            json!({"a": "again", "b": {"nested": {"deeper": [null]}}}),
        ];
        let names = Names::default();
        let mut store = Records::default();
        for chunk in records.chunks(2) {
            let mut encoder = Encoder::new(&names);
            for record in chunk {
                encoder.push(record.as_object().unwrap());
            }
            store.append(encoder.take());
        }
        store.seal(names);
        assert_eq!(store.len(), records.len());
        for (i, record) in records.iter().enumerate() {
            let back = Value::Object(store.get(i).unwrap());
            assert_eq!(&back, record);
            // Member order and number kinds survive, so answers serialise byte for byte.
            assert_eq!(back.to_string(), record.to_string());
        }
        assert!(store.get(records.len()).is_none());
        // Members read in place decode as the whole record does.
        for (i, record) in records.iter().enumerate() {
            let members = store.raw(i).unwrap().members().unwrap();
            let back: Map<String, Value> = members
                .into_iter()
                .map(|(name, raw)| (name.to_string(), raw.decode()))
                .collect();
            assert_eq!(&Value::Object(back), record);
        }
    }
}
