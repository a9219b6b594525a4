//! A fixtures document read in blocks: each member parsed from a slice, each customer handed
//! on as its text.
//!
//! Why: `serde_json` parses a slice two to three times faster than a reader (it reads a reader
//! byte by byte), and a million customers are half a gigabyte of text that should not be in
//! memory at once. This reader takes the plain shape of a fixtures document, `{` then the four
//! known members in any order then `}`, and reads each value with `serde_json` from a buffer
//! refilled as it goes; a customer is only delimited here (as a raw JSON value), and parsed by
//! the thread that checks it. Anything else (a syntax or type error, an unknown, repeated or
//! missing member) is [`NotPlain`]: the caller then reads the document again with the exact
//! streaming parser, whose error names the line and column as it always did.

use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::io::Read;

/// Bytes read from the file at a time; a value cut by the end of a block is parsed again once
/// the next block is in (about one customer in ten thousand).
const BLOCK: usize = 4 << 20;

/// The document is not in the plain shape, or could not be read: read it again exactly.
#[derive(Debug)]
pub(super) struct NotPlain;

/// The members of a fixtures document other than its customers.
#[derive(Debug)]
pub(super) struct Document {
    /// `partner_id`.
    pub partner_id: String,
    /// `aicc_tenant`.
    pub aicc_tenant: Map<String, Value>,
}

/// Reads a plain fixtures document from `reader`, handing each customer's JSON text, in order,
/// to `customer`.
pub(super) fn read(
    reader: impl Read,
    customer: &mut dyn FnMut(&[u8]),
) -> Result<Document, NotPlain> {
    let mut input = Input {
        reader,
        buffer: Vec::new(),
        start: 0,
        end_of_file: false,
    };
    input.expect(b'{')?;
    let (mut description, mut partner_id, mut customers, mut aicc_tenant) =
        (false, None, false, None);
    if input.peek()? == Some(b'}') {
        return Err(NotPlain);
    }
    loop {
        let key: String = input.value()?;
        input.expect(b':')?;
        match key.as_str() {
            "description" if !description => {
                input.value::<Option<String>>()?;
                description = true;
            }
            "partner_id" if partner_id.is_none() => partner_id = Some(input.value::<String>()?),
            "aicc_tenant" if aicc_tenant.is_none() => aicc_tenant = Some(input.value()?),
            "customers" if !customers => {
                input.expect(b'[')?;
                if input.peek()? == Some(b']') {
                    input.start += 1;
                } else {
                    loop {
                        input.raw(&mut *customer)?;
                        match input.next()? {
                            b',' => continue,
                            b']' => break,
                            _ => return Err(NotPlain),
                        }
                    }
                }
                customers = true;
            }
            _ => return Err(NotPlain),
        }
        match input.next()? {
            b',' => continue,
            b'}' => break,
            _ => return Err(NotPlain),
        }
    }
    if input.peek()?.is_some() || !customers {
        return Err(NotPlain);
    }
    Ok(Document {
        partner_id: partner_id.ok_or(NotPlain)?,
        aicc_tenant: aicc_tenant.ok_or(NotPlain)?,
    })
}

/// The unread part of the document: `buffer[start..]`, then the rest of `reader`.
struct Input<R> {
    reader: R,
    buffer: Vec<u8>,
    start: usize,
    end_of_file: bool,
}

impl<R: Read> Input<R> {
    /// Reads the next block after what is left; `false` at the end of the file.
    fn fill(&mut self) -> Result<bool, NotPlain> {
        if self.end_of_file {
            return Ok(false);
        }
        self.buffer.drain(..self.start);
        self.start = 0;
        let have = self.buffer.len();
        // At least as much again as is held, so a value longer than a block is parsed again
        // only as many times as the buffer doubles.
        self.buffer.resize(have + have.max(BLOCK), 0);
        let mut filled = have;
        // A short read is not the end of a file: read until the block is full or none is left.
        while filled < self.buffer.len() {
            match self.reader.read(&mut self.buffer[filled..]) {
                Ok(0) => {
                    self.end_of_file = true;
                    break;
                }
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return Err(NotPlain),
            }
        }
        self.buffer.truncate(filled);
        Ok(filled > have)
    }

    /// The next byte that is not whitespace, left unread; `None` at the end of the file.
    fn peek(&mut self) -> Result<Option<u8>, NotPlain> {
        loop {
            let rest = &self.buffer[self.start..];
            match rest
                .iter()
                .position(|b| !b.is_ascii_whitespace() || *b == 0x0c)
            {
                Some(skip) => {
                    self.start += skip;
                    return Ok(Some(self.buffer[self.start]));
                }
                None => {
                    self.start = self.buffer.len();
                    if !self.fill()? {
                        return Ok(None);
                    }
                }
            }
        }
    }

    /// The next byte that is not whitespace, read.
    fn next(&mut self) -> Result<u8, NotPlain> {
        let byte = self.peek()?.ok_or(NotPlain)?;
        self.start += 1;
        Ok(byte)
    }

    fn expect(&mut self, wanted: u8) -> Result<(), NotPlain> {
        match self.next()? {
            byte if byte == wanted => Ok(()),
            _ => Err(NotPlain),
        }
    }

    /// The text of the next JSON value, delimited in the buffer (refilled when the value runs
    /// past it) and handed to `take`.
    fn raw(&mut self, take: &mut dyn FnMut(&[u8])) -> Result<(), NotPlain> {
        self.peek()?;
        loop {
            let mut values = serde_json::Deserializer::from_slice(&self.buffer[self.start..])
                .into_iter::<&RawValue>();
            match values.next() {
                Some(Ok(value)) => {
                    take(value.get().as_bytes());
                    self.start += values.byte_offset();
                    return Ok(());
                }
                Some(Err(e)) if e.is_eof() => {
                    if !self.fill()? {
                        return Err(NotPlain);
                    }
                }
                _ => return Err(NotPlain),
            }
        }
    }

    /// The next JSON value, parsed from the buffer (refilled when the value runs past it).
    fn value<T: DeserializeOwned>(&mut self) -> Result<T, NotPlain> {
        self.peek()?;
        loop {
            let mut values =
                serde_json::Deserializer::from_slice(&self.buffer[self.start..]).into_iter::<T>();
            match values.next() {
                Some(Ok(value)) => {
                    self.start += values.byte_offset();
                    return Ok(value);
                }
                Some(Err(e)) if e.is_eof() => {
                    if !self.fill()? {
                        return Err(NotPlain);
                    }
                }
                _ => return Err(NotPlain),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out a few bytes at a time, so values are cut everywhere.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(self.0.len()).min(3);
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    fn ids(text: &str) -> Result<(Vec<String>, Document), NotPlain> {
        let mut ids = Vec::new();
        let document = read(Trickle(text.as_bytes()), &mut |c| {
            let c: Value = serde_json::from_slice(c).unwrap_or_default();
            ids.push(c["id"].as_str().unwrap_or_default().to_string())
        })?;
        Ok((ids, document))
    }

    #[test]
    fn plain_documents_are_read_whatever_the_member_order_and_spacing() {
        let text = " {\"customers\" : [ {\"id\":\"a\"},\n{\"id\":\"b\", \"n\": 12345}\t] ,\
                    \"aicc_tenant\":{}, \"description\": null, \"partner_id\":\"p\"}\n ";
        let (ids, document) = ids(text).unwrap();
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(document.partner_id, "p");
        assert!(ids_of_empty().is_ok());
    }

    fn ids_of_empty() -> Result<(Vec<String>, Document), NotPlain> {
        ids(r#"{"partner_id":"p","customers":[],"aicc_tenant":{}}"#)
    }

    #[test]
    fn anything_else_is_read_again_exactly() {
        for text in [
            r#"{"partner_id":"p","customers":[],"aicc_tenant":{}} x"#,
            r#"{"partner_id":"p","customers":[],"aicc_tenant":{},"extra":1}"#,
            r#"{"partner_id":"p","partner_id":"q","customers":[],"aicc_tenant":{}}"#,
            r#"{"partner_id":"p","customers":[]}"#,
            r#"{"partner_id":"p","customers":[{},],"aicc_tenant":{}}"#,
            r#"{"partner_id":"p","customers":[{}"#,
            "\u{feff}{\"partner_id\":\"p\",\"customers\":[],\"aicc_tenant\":{}}",
            r#"["p"]"#,
            "",
        ] {
            assert!(ids(text).is_err(), "{text}");
        }
    }
}
