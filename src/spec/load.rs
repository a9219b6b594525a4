//! Reading `schemas/` (embedded at build time, or a directory given at run time) and checking it:
//! JSON syntax, the 2020-12 meta-schema, `$id` layout, `$ref`s between files and the x-
//! vocabulary.

use super::error::SpecError;
use include_dir::{include_dir, Dir};
use jsonschema::Validator;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The `schemas/` directory as it was when the binary was built.
static EMBEDDED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/schemas");

/// The base every schema `$id` hangs from: `<BASE_URI><relative path>`. Relative `$ref`s between
/// files then resolve exactly as the directory layout suggests.
pub const BASE_URI: &str = "https://partner-conformance.invalid/schemas/";

/// The file that defines the x- keywords.
pub const VOCABULARY_FILE: &str = "x-vocabulary.json";

/// One parsed JSON file of `schemas/`, named by its path relative to that directory.
#[derive(Debug, Clone)]
pub struct SchemaFile {
    /// Relative path with `/` separators, e.g. `customers_v1/request.json`.
    pub path: String,
    /// The parsed document.
    pub value: Value,
}

/// The `.json` files embedded in the binary, as (relative path, text).
pub fn embedded_sources() -> Vec<(String, String)> {
    let mut out = Vec::new();
    collect_embedded(&EMBEDDED, &mut out);
    out.sort();
    out
}

fn collect_embedded(dir: &Dir<'static>, out: &mut Vec<(String, String)>) {
    for file in dir.files() {
        let path = file.path().to_string_lossy().replace('\\', "/");
        if path.ends_with(".json") {
            out.push((path, String::from_utf8_lossy(file.contents()).into_owned()));
        }
    }
    for sub in dir.dirs() {
        collect_embedded(sub, out);
    }
}

/// The SHA-256 (lowercase hex) of a set of schema files, so a report can say which contract
/// judged the target: over every (relative path, text) pair sorted by path, each path and text
/// preceded by its length, so no two different sets hash alike by moving bytes between files.
pub fn sources_sha256(sources: &[(String, String)]) -> String {
    use sha2::{Digest, Sha256};
    let mut sorted: Vec<&(String, String)> = sources.iter().collect();
    sorted.sort();
    let mut hasher = Sha256::new();
    for (path, text) in sorted {
        for part in [path.as_bytes(), text.as_bytes()] {
            hasher.update((part.len() as u64).to_le_bytes());
            hasher.update(part);
        }
    }
    hex::encode(hasher.finalize())
}

/// The SHA-256 of the embedded `schemas/` (see [`sources_sha256`]), computed once per process:
/// what `--version` prints and what the embedded contract's reports record.
pub fn embedded_sha256() -> String {
    static SHA256: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SHA256
        .get_or_init(|| sources_sha256(&embedded_sources()))
        .clone()
}

/// The `.json` files under `root`, as (relative path, text). The walk is bounded, because
/// `--schemas` may name any folder (`/`, `/dev`, a home folder) by mistake: it never follows a
/// symbolic link to a folder (one can lead out of the tree or into a loop, as `/dev/fd` does),
/// refuses devices, pipes and sockets, and stops at `MAX_SCHEMA_ENTRIES` entries and
/// `MAX_SCHEMA_TOTAL_BYTES` of schema files, each time with an error naming the path.
pub fn directory_sources(root: &Path) -> Result<Vec<(String, String)>, SpecError> {
    let mut walk = Walk {
        root,
        entries: 0,
        bytes: 0,
        out: Vec::new(),
    };
    walk.dir(root)?;
    let mut out = walk.out;
    out.sort();
    Ok(out)
}

/// Largest schema file read; the biggest of the contract is a few dozen KiB.
const MAX_SCHEMA_BYTES: u64 = 4 << 20;

/// Most entries (files and folders, at any depth) a schemas directory may hold: the contract has
/// about forty, so a folder with thousands is not one, and walking it would only cost time.
const MAX_SCHEMA_ENTRIES: usize = 4096;

/// Most bytes the schema files of a directory may hold together: the contract has under 200 KiB,
/// and every file is parsed and compiled, so the total is bounded as well as each file.
const MAX_SCHEMA_TOTAL_BYTES: u64 = 32 << 20;

/// One bounded walk of a schemas directory.
struct Walk<'a> {
    root: &'a Path,
    entries: usize,
    bytes: u64,
    out: Vec<(String, String)>,
}

impl Walk<'_> {
    fn dir(&mut self, dir: &Path) -> Result<(), SpecError> {
        let refuse = |path: &Path, message: String| SpecError::Io {
            path: path.to_path_buf(),
            error: std::io::Error::other(message),
        };
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |error| SpecError::Io { path, error }
        };
        for entry in std::fs::read_dir(dir).map_err(io(dir))? {
            let entry = entry.map_err(io(dir))?;
            let path = entry.path();
            self.entries += 1;
            if self.entries > MAX_SCHEMA_ENTRIES {
                return Err(refuse(
                    self.root,
                    format!(
                        "more than {MAX_SCHEMA_ENTRIES} files and folders: not a schemas directory"
                    ),
                ));
            }
            // The entry itself, not what a link points to.
            let kind = entry.file_type().map_err(io(&path))?;
            let json = path.extension().is_some_and(|e| e == "json");
            if kind.is_dir() {
                self.dir(&path)?;
                continue;
            }
            let file = if kind.is_symlink() {
                match std::fs::metadata(&path) {
                    Ok(target) if target.is_dir() => {
                        return Err(refuse(
                            &path,
                            "a symbolic link to a folder, which is not followed in a schemas directory (it could lead out of it, or into a loop)".into(),
                        ))
                    }
                    Ok(target) => target.is_file(),
                    // A dangling link: an error if it was to be read, otherwise nothing.
                    Err(_) if !json => continue,
                    Err(error) => return Err(SpecError::Io { path, error }),
                }
            } else {
                kind.is_file()
            };
            if !file {
                return Err(refuse(
                    &path,
                    "not a regular file (a device, a pipe or a socket, perhaps through a symbolic link): a schemas directory holds JSON files and folders".into(),
                ));
            }
            if !json {
                continue;
            }
            let size = std::fs::metadata(&path).map_err(io(&path))?.len();
            if self.bytes.saturating_add(size) > MAX_SCHEMA_TOTAL_BYTES {
                return Err(refuse(
                    &path,
                    format!(
                        "the schema files of {} hold more than {MAX_SCHEMA_TOTAL_BYTES} bytes together",
                        self.root.display()
                    ),
                ));
            }
            let text = crate::files::read_text(&path, MAX_SCHEMA_BYTES, "a schema file")
                .map_err(|e| refuse(&path, e.to_string()))?;
            self.bytes += text.len() as u64;
            let rel = path
                .strip_prefix(self.root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            self.out.push((rel, text));
        }
        Ok(())
    }
}

/// Parses and checks every file: JSON syntax, `$id`, meta-schema and x- vocabulary.
pub fn parse_and_check(sources: Vec<(String, String)>) -> Result<Vec<SchemaFile>, SpecError> {
    let files = parse(sources)?;
    check(&files)?;
    Ok(files)
}

/// Parses every file, checking only its JSON syntax: enough for the embedded contract in a
/// release build, which passed [`check`] in its tests (a unit test runs it on the embedded
/// files, and every debug build at load), so a run does not pay for the meta-schema at every
/// start.
pub fn parse(sources: Vec<(String, String)>) -> Result<Vec<SchemaFile>, SpecError> {
    let mut files = Vec::with_capacity(sources.len());
    for (path, text) in sources {
        let value = serde_json::from_str(&text).map_err(|e| SpecError::Json {
            file: path.clone(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        files.push(SchemaFile { path, value });
    }
    Ok(files)
}

/// Checks every parsed file: `$id`, meta-schema, `$ref` targets and x- vocabulary.
pub fn check(files: &[SchemaFile]) -> Result<(), SpecError> {
    let vocabulary = files
        .iter()
        .find(|f| f.path == VOCABULARY_FILE)
        .ok_or_else(|| SpecError::invalid(VOCABULARY_FILE, "", "file is missing"))?;
    let keywords = KeywordValidators::compile(vocabulary)?;
    let paths: BTreeSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    for file in files {
        check_meta_schema(file)?;
        check_id(file)?;
        check_refs(file, &paths)?;
        if file.path != VOCABULARY_FILE {
            keywords.check_schema(&file.path, &file.value, "")?;
        }
    }
    Ok(())
}

/// Every `$ref` in schema position names a file of the contract, relative to the referring
/// file, as `Spec::resolve` reads it (a `$ref` inside an example or an `x-` value is data, not
/// a reference). Found by the resolver instead, a dangling one was reported with the file it
/// could not find, but not the file and place that refer to it.
fn check_refs(file: &SchemaFile, paths: &BTreeSet<&str>) -> Result<(), SpecError> {
    each_keyword(&file.value, "", &mut |key, value, pointer| {
        let (true, Some(reference)) = (key == "$ref", value.as_str()) else {
            return Ok(());
        };
        let target = reference.split('#').next().unwrap_or_default();
        if target.is_empty() {
            return Ok(());
        }
        let problem = if target.starts_with('/') || has_scheme(target) {
            Some("is absolute: the contract's files refer to each other by relative paths".into())
        } else {
            match join_relative(&file.path, target) {
                None => Some("leaves the schemas directory".to_string()),
                Some(path) => (!paths.contains(path.as_str()))
                    .then(|| format!("refers to {path}, which is not a file of the contract")),
            }
        };
        match problem {
            Some(problem) => Err(SpecError::invalid(
                &file.path,
                pointer,
                format!("`{reference}` {problem}"),
            )),
            None => Ok(()),
        }
    })
}

/// Calls `visit(keyword, value, pointer)` for every member of a schema in schema position,
/// descending into the keywords that hold subschemas (`properties`, `items`, `allOf`...) instead
/// of visiting them: the places where x- keywords and `$ref`s are read, and nothing inside an
/// example or an x- value, which is data. The first error `visit` returns ends the walk.
fn each_keyword(
    schema: &Value,
    pointer: &str,
    visit: &mut dyn FnMut(&str, &Value, &str) -> Result<(), SpecError>,
) -> Result<(), SpecError> {
    let Some(object) = schema.as_object() else {
        return Ok(());
    };
    for (key, value) in object {
        let here = format!("{pointer}/{}", escape_pointer(key));
        if SCHEMA_MAPS.contains(&key.as_str()) {
            for (name, sub) in value.as_object().into_iter().flatten() {
                each_keyword(sub, &format!("{here}/{}", escape_pointer(name)), visit)?;
            }
        } else if SCHEMA_VALUES.contains(&key.as_str()) {
            each_keyword(value, &here, visit)?;
        } else if SCHEMA_LISTS.contains(&key.as_str()) {
            for (i, sub) in value.as_array().into_iter().flatten().enumerate() {
                each_keyword(sub, &format!("{here}/{i}"), visit)?;
            }
        } else {
            visit(key, value, &here)?;
        }
    }
    Ok(())
}

/// Joins a relative reference to the directory of `base` and normalises `..` and `.`
/// (`customers_v1/request.json` and `../common/types.json` give `common/types.json`): how every
/// `$ref` between files is read, and checked when the files are loaded. `None` when the
/// reference climbs out of the schemas directory.
pub(super) fn join_relative(base: &str, relative: &str) -> Option<String> {
    let mut parts: Vec<&str> = base.split('/').collect();
    parts.pop();
    for segment in relative.split('/') {
        match segment {
            "." | "" => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

/// Whether a reference starts with a URI scheme (`https:`, `urn:`): RFC 3986's letter, then
/// letters, digits, `+`, `-` or `.`, before the first `:`.
fn has_scheme(reference: &str) -> bool {
    reference.split_once(':').is_some_and(|(scheme, _)| {
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    })
}

fn check_meta_schema(file: &SchemaFile) -> Result<(), SpecError> {
    jsonschema::draft202012::meta::validate(&file.value).map_err(|e| {
        SpecError::invalid(
            &file.path,
            e.instance_path().to_string(),
            format!("not a valid 2020-12 JSON Schema: {e}"),
        )
    })
}

fn check_id(file: &SchemaFile) -> Result<(), SpecError> {
    let expected = format!("{BASE_URI}{}", file.path);
    match file.value.get("$id").and_then(Value::as_str) {
        Some(id) if id == expected => Ok(()),
        Some(id) => Err(SpecError::invalid(
            &file.path,
            "/$id",
            format!("`$id` is `{id}`, expected `{expected}` (ids follow the file layout)"),
        )),
        None => Err(SpecError::invalid(
            &file.path,
            "/$id",
            format!("`$id` is missing, expected `{expected}`"),
        )),
    }
}

/// Keywords whose value is a map from names to subschemas.
const SCHEMA_MAPS: &[&str] = &[
    "properties",
    "$defs",
    "patternProperties",
    "dependentSchemas",
];
/// Keywords whose value is one subschema.
const SCHEMA_VALUES: &[&str] = &[
    "items",
    "additionalProperties",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
];
/// Keywords whose value is a list of subschemas.
const SCHEMA_LISTS: &[&str] = &["allOf", "anyOf", "oneOf", "prefixItems"];

/// One compiled validator per x- keyword, from `x-vocabulary.json#/$defs/<keyword>`.
struct KeywordValidators {
    by_name: BTreeMap<String, Validator>,
}

impl KeywordValidators {
    fn compile(vocabulary: &SchemaFile) -> Result<Self, SpecError> {
        let defs = vocabulary
            .value
            .get("$defs")
            .and_then(Value::as_object)
            .ok_or_else(|| SpecError::invalid(VOCABULARY_FILE, "/$defs", "must be an object"))?;
        let options = jsonschema::draft202012::options().with_resource(
            format!("{BASE_URI}{VOCABULARY_FILE}"),
            jsonschema::Resource::from_contents(vocabulary.value.clone()),
        );
        let mut by_name = BTreeMap::new();
        for name in defs.keys().filter(|k| k.starts_with("x-")) {
            let reference =
                serde_json::json!({"$ref": format!("{BASE_URI}{VOCABULARY_FILE}#/$defs/{name}")});
            let validator = options.build(&reference).map_err(|e| {
                SpecError::invalid(
                    VOCABULARY_FILE,
                    format!("/$defs/{name}"),
                    format!("does not compile: {e}"),
                )
            })?;
            by_name.insert(name.clone(), validator);
        }
        Ok(KeywordValidators { by_name })
    }

    /// Walks a schema, checking every x- keyword in schema position.
    fn check_schema(&self, file: &str, schema: &Value, pointer: &str) -> Result<(), SpecError> {
        each_keyword(
            schema,
            pointer,
            &mut |key, value, here| match key.starts_with("x-") {
                true => self.check_keyword(file, key, value, here),
                false => Ok(()),
            },
        )
    }

    fn check_keyword(
        &self,
        file: &str,
        keyword: &str,
        value: &Value,
        pointer: &str,
    ) -> Result<(), SpecError> {
        let Some(validator) = self.by_name.get(keyword) else {
            let known: Vec<&str> = self.by_name.keys().map(String::as_str).collect();
            let hint = crate::text::suggest(keyword, &known)
                .map(|known| format!(" (did you mean `{known}`?)"))
                .unwrap_or_default();
            return Err(SpecError::invalid(
                file,
                pointer,
                format!("unknown keyword `{keyword}`: not defined in {VOCABULARY_FILE}{hint}"),
            ));
        };
        if let Some(error) = validator.iter_errors(value).next() {
            return Err(SpecError::invalid(
                file,
                format!("{pointer}{}", error.instance_path()),
                format!("`{keyword}` is malformed: {error}"),
            ));
        }
        Ok(())
    }
}

/// Escapes a key for use in a JSON pointer (RFC 6901).
pub fn escape_pointer(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run reads the embedded files with [`parse`] alone: this is where they are checked.
    #[test]
    fn the_embedded_contract_passes_every_check() {
        let files = parse(embedded_sources()).unwrap();
        assert!(files.len() > 10, "{} files", files.len());
        check(&files).unwrap();
        // And the check is not vacuous on them: a `$ref` to no file is refused.
        let mut broken = files;
        let file = broken
            .iter_mut()
            .find(|f| f.path != VOCABULARY_FILE && f.value.is_object())
            .unwrap();
        file.value["properties"] = serde_json::json!({"x": {"$ref": "missing.json"}});
        let error = check(&broken).unwrap_err().to_string();
        assert!(error.contains("missing.json"), "{error}");
    }

    #[test]
    fn joins_relative_references_within_the_directory_only() {
        let join = |base, relative| join_relative(base, relative);
        assert_eq!(
            join("customers_v1/request.json", "../common/types.json").as_deref(),
            Some("common/types.json")
        );
        assert_eq!(join("a/b.json", "./c.json").as_deref(), Some("a/c.json"));
        assert_eq!(join("customers_v1/request.json", "../../x.json"), None);
        assert_eq!(join("x-vocabulary.json", "../x.json"), None);
    }

    #[test]
    fn a_scheme_is_told_from_a_colon_in_a_path() {
        for absolute in [
            "https://example.com/x.json",
            "HTTPS://x",
            "urn:x",
            "c:x.json",
        ] {
            assert!(has_scheme(absolute), "{absolute}");
        }
        for relative in ["./a:b.json", "../common/x.json", ":x", "1a:x"] {
            assert!(!has_scheme(relative), "{relative}");
        }
    }

    #[test]
    fn near_misses_are_suggested() {
        let known = ["x-presence", "x-not-after", "x-doc"];
        assert_eq!(
            crate::text::suggest("x-presense", &known),
            Some("x-presence")
        );
        assert_eq!(
            crate::text::suggest("x-not_after", &known),
            Some("x-not-after")
        );
        assert_eq!(crate::text::suggest("x-filter", &known), None);
    }
}
