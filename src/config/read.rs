//! Span-aware reading of the TOML document: every error names the line, the column and the key
//! it is about, and never repeats a string value from the file (a misplaced token may sit in any
//! key). The typed readers here check one value each; which keys exist is [`super::profile`]'s.

use super::error::{ConfigError, KeyPath};
use super::secrets::{is_secret_key, secret_message};
use crate::settings::{Rate, WholeSetting};
use crate::spec::OperationId;
use crate::text::{line_column, suggest};
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml_edit::{Item, Value};

/// The file being read, for error locations.
pub(super) struct Cx<'a> {
    /// The file, as given (errors name it; relative paths in it resolve against its folder).
    pub(super) file: &'a Path,
    /// Its text, without a byte-order mark (spans are offsets into it).
    pub(super) text: &'a str,
}

impl Cx<'_> {
    /// An error at `span` (a byte range of the text) about the key at `path`.
    pub(super) fn error(
        &self,
        span: Option<Range<usize>>,
        path: &KeyPath,
        message: String,
    ) -> ConfigError {
        let place = span.map(|s| {
            let (line, column) = line_column(self.text, s.start);
            format!("line {line} column {column}")
        });
        let key = (!path.0.is_empty()).then(|| format!("`{path}`"));
        let location = match (place, key) {
            (Some(place), Some(key)) => format!("{place}, {key}"),
            (Some(place), None) => place,
            (None, Some(key)) => key,
            (None, None) => "line 1 column 1".into(),
        };
        ConfigError {
            file: self.file.display().to_string(),
            location,
            message,
        }
    }

    /// A TOML syntax error. The parser's message names characters it expected, never the
    /// document's text; a syntax error on the line of a secret-looking key is reported as the
    /// secret it is, since fixing the quoting would only lead to that error next.
    pub(super) fn syntax_error(&self, e: &toml_edit::TomlError) -> ConfigError {
        let start = e.span().map_or(0, |s| s.start);
        let (line_start, line_end) = line_bounds(self.text, start);
        let line = &self.text[line_start..line_end];
        // The key assigned on the error's line, when the error lies after it; a multi-line
        // string that never ends is reported at the end of the file, which is not its key.
        let key = assigned_key(line)
            .filter(|(_, offset)| line_start + offset < start || start == line_start)
            .filter(|_| !e.message().contains("multiline"));
        let mut path = KeyPath::root();
        if let Some((key, _)) = key {
            if let Some(header) = table_header_before(self.text, line_start) {
                path.0.push(header.to_string());
            }
            path = path.child(key);
        }
        if let Some((key, offset)) = key {
            if is_secret_key(key) {
                let at = line_start + offset;
                return self.error(Some(at..at), &path, secret_message());
            }
        }
        let message = e
            .message()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("; ");
        self.error(e.span(), &path, format!("TOML syntax error: {message}"))
    }

    /// The value of a `key = value` entry (not a sub-table).
    pub(super) fn value<'i>(
        &self,
        item: &'i Item,
        key_span: Option<Range<usize>>,
        path: &KeyPath,
    ) -> Result<&'i Value, ConfigError> {
        item.as_value().ok_or_else(|| {
            self.error(
                item.span().or(key_span),
                path,
                format!("must be a plain value, found {}", item.type_name()),
            )
        })
    }

    /// "must be X, found Y" at the value, naming the TOML type and never the value itself.
    pub(super) fn type_error(&self, value: &Value, path: &KeyPath, expected: &str) -> ConfigError {
        self.error(
            value.span(),
            path,
            format!("must be {expected}, found {}", article(value.type_name())),
        )
    }

    /// A string value; `expected` says what it should hold, for the error when it is not one.
    pub(super) fn string<'v>(
        &self,
        value: &'v Value,
        path: &KeyPath,
        expected: &str,
    ) -> Result<&'v str, ConfigError> {
        value.as_str().ok_or_else(|| {
            self.type_error(value, path, &format!("a string ({expected}, in quotes)"))
        })
    }

    /// A whole number in the range of the setting `T`, the same range its flag accepts.
    pub(super) fn whole<T: WholeSetting>(
        &self,
        value: &Value,
        path: &KeyPath,
    ) -> Result<T, ConfigError> {
        let expected = format!("a whole number of {} (without quotes)", T::UNIT);
        let n = value
            .as_integer()
            .ok_or_else(|| self.type_error(value, path, &expected))?;
        T::from_i64(n).map_err(|message| self.error(value.span(), path, message))
    }

    /// One of a flag's values (`T`, a clap value enum), spelled as on the command line, so the
    /// key and the flag accept the same words; a near miss gets a suggestion.
    pub(super) fn choice<T: clap::ValueEnum + Copy>(
        &self,
        value: &Value,
        path: &KeyPath,
    ) -> Result<T, ConfigError> {
        let names: Vec<String> = T::value_variants()
            .iter()
            .filter_map(|v| v.to_possible_value().map(|p| p.get_name().to_string()))
            .collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
        let expected = quoted.join(" or ");
        let text = self.string(value, path, &expected)?;
        T::value_variants()
            .iter()
            .copied()
            .find(|v| v.to_possible_value().is_some_and(|p| p.get_name() == text))
            .ok_or_else(|| {
                let hint = suggest(text, &names)
                    .map(|s| format!("; did you mean \"{s}\"?"))
                    .unwrap_or_default();
                self.error(value.span(), path, format!("must be {expected}{hint}"))
            })
    }

    /// Requests per second: an integer or a float, in [`Rate`]'s range.
    pub(super) fn rate(&self, value: &Value, path: &KeyPath) -> Result<Rate, ConfigError> {
        let rate = match value {
            Value::Float(f) => *f.value(),
            Value::Integer(i) => *i.value() as f64,
            _ => {
                return Err(self.type_error(
                    value,
                    path,
                    "a number of requests per second (without quotes)",
                ))
            }
        };
        Rate::new(rate).map_err(|message| self.error(value.span(), path, message))
    }

    /// The coverage gate: a percentage (`95`, the overall figure and every operation), or an
    /// array of the flag's forms (`["95", "customers_v1=80"]`); the same type and range as
    /// `--min-coverage`.
    pub(super) fn min_coverage(
        &self,
        value: &Value,
        path: &KeyPath,
    ) -> Result<Vec<crate::settings::CoverageMinimum>, ConfigError> {
        use crate::settings::CoverageMinimum;
        let example = "a percentage (95) or an array like [\"95\", \"customers_v1=80\"]";
        let one = |value: &Value, path: &KeyPath| -> Result<CoverageMinimum, ConfigError> {
            let parsed = match value {
                Value::Integer(i) => CoverageMinimum::new(None, *i.value() as f64),
                Value::Float(f) => CoverageMinimum::new(None, *f.value()),
                Value::String(s) => s.value().parse(),
                _ => return Err(self.type_error(value, path, example)),
            };
            parsed.map_err(|message| self.error(value.span(), path, message))
        };
        match value.as_array() {
            Some(array) => array
                .iter()
                .enumerate()
                .map(|(i, entry)| one(entry, &path.index(i)))
                .collect(),
            None => Ok(vec![one(value, path)?]),
        }
    }

    /// A base URL: http:// or https://, a host, an optional port and path; no credentials,
    /// query, fragment or whitespace (the suite appends the documented paths to it).
    pub(super) fn url(&self, value: &Value, path: &KeyPath) -> Result<String, ConfigError> {
        let url = self.string(value, path, "an http:// or https:// base URL")?;
        let fail = |message: &str| Err(self.error(value.span(), path, message.to_string()));
        let Some(rest) = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
        else {
            return fail("must be an http:// or https:// URL");
        };
        if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return fail("must not contain spaces or control characters");
        }
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        if authority.contains('@') {
            return fail(&format!(
                "must not carry credentials (user:password@): {}",
                secret_message()
            ));
        }
        if rest.contains(['?', '#']) {
            return fail("a base URL takes no query (?) or fragment (#)");
        }
        let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
            match bracketed.split_once(']') {
                Some((host, after)) => (host, after.strip_prefix(':')),
                None => return fail("has an unclosed [ in its host"),
            }
        } else {
            match authority.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            }
        };
        if host.is_empty() {
            return fail("has no host (expected e.g. https://bss-staging.example.com)");
        }
        if let Some(port) = port {
            if !port.parse::<u16>().is_ok_and(|p| p > 0) {
                return fail("has an invalid port (expected 1 to 65535)");
            }
        }
        Ok(url.to_string())
    }

    /// A partner id: it becomes a path segment, so only letters, digits, `-` and `_`. Its
    /// documented maximum length is checked where the contract is loaded, not repeated here.
    pub(super) fn partner_id(&self, value: &Value, path: &KeyPath) -> Result<String, ConfigError> {
        let id = self.string(value, path, "the partner id assigned by Huawei")?;
        let ok = !id.is_empty()
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !ok {
            return Err(self.error(
                value.span(),
                path,
                "must be letters, digits, '-' or '_' (e.g. 0a1b2c3d4e5f60718293a4b5c6d7e8f9)"
                    .to_string(),
            ));
        }
        Ok(id.to_string())
    }

    /// A path, resolved against the config file's directory when relative.
    pub(super) fn path(&self, value: &Value, path: &KeyPath) -> Result<PathBuf, ConfigError> {
        let text = self.string(value, path, "a file path")?;
        if text.trim().is_empty() {
            return Err(self.error(value.span(), path, "must not be empty".into()));
        }
        let given = Path::new(text);
        Ok(match self.file.parent() {
            Some(dir) if given.is_relative() => dir.join(given),
            _ => given.to_path_buf(),
        })
    }

    /// A non-empty array of known operation ids ([`OperationId::ALL`]), each once.
    pub(super) fn operations(
        &self,
        value: &Value,
        path: &KeyPath,
    ) -> Result<Vec<OperationId>, ConfigError> {
        let example = "an array of operation ids, e.g. [\"customers_v1\", \"budget_v1\"]";
        let known: Vec<&str> = OperationId::ALL.iter().map(|op| op.as_str()).collect();
        let array = value
            .as_array()
            .ok_or_else(|| self.type_error(value, path, example))?;
        if array.is_empty() {
            return Err(self.error(
                value.span(),
                path,
                format!(
                    "must name at least one operation ({}); leave the key out to run all",
                    known.join(", ")
                ),
            ));
        }
        let mut ids: Vec<OperationId> = Vec::new();
        for (i, entry) in array.iter().enumerate() {
            let entry_path = path.index(i);
            let text = entry
                .as_str()
                .ok_or_else(|| self.type_error(entry, &entry_path, "an operation id in quotes"))?;
            let Ok(id) = text.parse::<OperationId>() else {
                let hint = suggest(text, &known)
                    .map(|s| format!("did you mean `{s}`? "))
                    .unwrap_or_default();
                return Err(self.error(
                    entry.span(),
                    &entry_path,
                    format!(
                        "not a known operation; {hint}known operations: {}",
                        known.join(", ")
                    ),
                ));
            };
            if ids.contains(&id) {
                return Err(self.error(
                    entry.span(),
                    &entry_path,
                    format!("`{id}` is listed twice"),
                ));
            }
            ids.push(id);
        }
        Ok(ids)
    }
}

/// The key assigned on a line (`  "my.key" = ...` gives `my.key`, a dotted key its last part)
/// and its byte offset in the line; for reading a line the TOML parser rejected.
fn assigned_key(line: &str) -> Option<(&str, usize)> {
    let (lhs, _) = line.split_once('=')?;
    let trimmed = lhs.trim();
    let last = trimmed.rsplit('.').next()?.trim();
    let key = last.trim_matches(|c| c == '"' || c == '\'');
    if key.is_empty() || key.starts_with('[') || key.starts_with('#') {
        return None;
    }
    let offset = lhs.find(trimmed).unwrap_or(0);
    Some((key, offset))
}

/// The byte range of the line holding byte `offset` of `text`, without its line break.
fn line_bounds(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    (start, end.max(start))
}

/// The name inside the last `[table]` / `[[table]]` header before byte `offset` (the table a
/// line the parser rejected belongs to), as written.
fn table_header_before(text: &str, offset: usize) -> Option<&str> {
    text.get(..offset)?.lines().rev().find_map(|line| {
        let line = line.trim();
        let inner = line.strip_prefix('[')?;
        let inner = inner.strip_prefix('[').unwrap_or(inner);
        let end = inner.find(']')?;
        Some(inner[..end].trim())
    })
}

/// A TOML type name with its article: "a string", "an integer".
fn article(type_name: &str) -> String {
    let vowel = type_name.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {type_name}", if vowel { "an" } else { "a" })
}
