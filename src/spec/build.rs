//! Building a [`Spec`] from the checked files of `schemas/` (see `load.rs`): each operation's
//! metadata, error catalogue, parameters and responses are read and their validators compiled
//! once; anything malformed or inconsistent is refused with its file and pointer.

use super::error::SpecError;
use super::load::{self, escape_pointer, SchemaFile, BASE_URI};
use super::model::{Operation, Spec};
use super::operation::OperationId;
use super::parameter::{ParamLocation, ParamType, Parameter};
use super::response::ResponseSchema;
use super::vocabulary::{ErrorEntry, ErrorRole, OperationMeta, Service};
use jsonschema::Validator;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// How the files of a contract are read into schema files: with or without the checks.
type ReadSources = fn(Vec<(String, String)>) -> Result<Vec<SchemaFile>, SpecError>;

/// The shared gateway error file whose `x-errors` apply to every BSS operation.
const GATEWAY_FILE: &str = "common/gateway-error.json";

/// The stack of a thread compiling an operation's validators: a main thread's (8 MiB), since
/// compiling recurses as deep as a contract read from a directory nests.
const COMPILE_STACK_BYTES: usize = 8 << 20;

impl Spec {
    /// The contract embedded in the binary, loaded and compiled once per process.
    pub fn embedded() -> Result<Arc<Spec>, SpecError> {
        static CELL: OnceLock<Arc<Spec>> = OnceLock::new();
        if let Some(spec) = CELL.get() {
            return Ok(Arc::clone(spec));
        }
        // A debug build (`cargo run`, `cargo test`) checks them: whoever edits `schemas/` sees
        // a broken file at once. A release build trusts what its tests checked.
        let read: ReadSources = if cfg!(debug_assertions) {
            load::parse_and_check
        } else {
            load::parse
        };
        let spec = Arc::new(Spec::assemble(
            load::embedded_sources(),
            read,
            load::embedded_sha256(),
        )?);
        Ok(Arc::clone(CELL.get_or_init(|| spec)))
    }

    /// Loads a `schemas/` directory from disk (for users who edit or extend the contract).
    pub fn from_dir(root: &Path) -> Result<Spec, SpecError> {
        Spec::from_sources(load::directory_sources(root)?)
    }

    /// Builds the contract from (relative path, JSON text) pairs.
    pub fn from_sources(sources: Vec<(String, String)>) -> Result<Spec, SpecError> {
        let sha256 = load::sources_sha256(&sources);
        Spec::assemble(sources, load::parse_and_check, sha256)
    }

    /// Builds the contract from files read by `read`: [`load::parse_and_check`] for files a
    /// user gives, [`load::parse`] for the embedded ones in a release build (a unit test and
    /// every debug build check them; a release build of edited schemas whose tests were not
    /// run starts without the check).
    /// `sha256` is the sources' hash (see [`load::sources_sha256`]).
    fn assemble(
        sources: Vec<(String, String)>,
        read: ReadSources,
        sha256: String,
    ) -> Result<Spec, SpecError> {
        let files: BTreeMap<String, Value> = read(sources)?
            .into_iter()
            .map(|SchemaFile { path, value }| (path, value))
            .collect();
        let gateway = files
            .get(GATEWAY_FILE)
            .ok_or_else(|| SpecError::invalid(GATEWAY_FILE, "", "file is missing"))?;
        let gateway_errors = typed(GATEWAY_FILE, gateway, "/x-errors")?;
        let mut spec = Spec {
            files,
            operations: Vec::new(),
            gateway_errors,
            gateway_response: None,
            requirements: Vec::new(),
            response_fields: BTreeMap::new(),
            sha256,
        };
        let options = spec.validator_options()?;
        // Compiling the validators is most of the start of a run: one thread per operation
        // (each result in order, so the first error is the same as compiled one by one).
        let (gateway, operations) = std::thread::scope(|scope| {
            let spec = &spec;
            let options = &options;
            // A thread the system refuses means compiling that operation here, as before;
            // the stack is a main thread's, for a deep contract read from a directory.
            let operations: Vec<_> = OperationId::ALL
                .iter()
                .map(|id| {
                    std::thread::Builder::new()
                        .stack_size(COMPILE_STACK_BYTES)
                        .spawn_scoped(scope, move || spec.build_operation(*id, options))
                        .map_err(|_| *id)
                })
                .collect();
            let gateway = spec.response_schema(options, GATEWAY_FILE, 0);
            let operations: Vec<_> = operations
                .into_iter()
                .map(|spawned| match spawned {
                    Ok(handle) => handle
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                    Err(id) => spec.build_operation(id, options),
                })
                .collect();
            (gateway, operations)
        });
        spec.gateway_response = Some(gateway?);
        for operation in operations {
            spec.operations.push(operation?);
        }
        spec.requirements = super::requirement::catalogue(&spec, &|_| Vec::new());
        spec.index_response_fields();
        for path in spec.files.keys() {
            let dir = path.split('/').next().unwrap_or_default();
            if path.contains('/') && dir != "common" && dir.parse::<OperationId>().is_err() {
                return Err(SpecError::invalid(
                    path,
                    "",
                    format!(
                        "directory `{dir}` is not an operation id (known: {}) nor `common`",
                        OperationId::ALL
                            .iter()
                            .map(|op| op.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
        }
        Ok(spec)
    }

    /// The options every validator of the contract is compiled with: every file of it in one
    /// registry, made once, so a `$ref` to another file resolves. Handed the files instead,
    /// each compile copied and indexed all of them again.
    fn validator_options(&self) -> Result<jsonschema::ValidationOptions, SpecError> {
        let resources = self.files.iter().map(|(path, value)| {
            (
                format!("{BASE_URI}{path}"),
                jsonschema::Resource::from_contents(value.clone()),
            )
        });
        let registry = jsonschema::Registry::options()
            .draft(jsonschema::Draft::Draft202012)
            .build(resources)
            .map_err(|e| {
                // The error names a resource by its URI: the file, when it is one of ours.
                let text = e.to_string();
                let file = text
                    .split(BASE_URI)
                    .nth(1)
                    .and_then(|rest| rest.split(['\'', '"', '`', ' ', '#']).next())
                    .unwrap_or("(the files together)")
                    .to_string();
                SpecError::invalid(file, "", format!("does not resolve: {text}"))
            })?;
        // Formats are asserted: `date-time` is how the contract rules out 2019-02-30.
        Ok(jsonschema::draft202012::options()
            .should_validate_formats(true)
            .with_registry(registry))
    }

    fn build_operation(
        &self,
        id: OperationId,
        options: &jsonschema::ValidationOptions,
    ) -> Result<Operation, SpecError> {
        let request_file = format!("{id}/request.json");
        let request = self.files.get(&request_file).ok_or_else(|| {
            SpecError::invalid(
                &request_file,
                "",
                format!("file is missing for operation `{id}`"),
            )
        })?;
        let meta: OperationMeta = typed(&request_file, request, "/x-operation")?;
        if meta.id != id.as_str() {
            return Err(SpecError::invalid(
                &request_file,
                "/x-operation/id",
                format!("is `{}` but the directory is `{id}`", meta.id),
            ));
        }
        let mut errors: Vec<ErrorEntry> = typed(&request_file, request, "/x-errors")?;
        if meta.service == Service::Bss {
            // The API gateway authenticates every BSS call before BSS sees it.
            errors.extend(
                self.gateway_errors
                    .iter()
                    .filter(|e| e.role == ErrorRole::Unauthenticated)
                    .cloned(),
            );
        }
        let request_validator = compile(options, &request_file, request)?;
        let parameters = self.parameters(id, &request_file, request)?;
        check_parameter_references(&request_file, &parameters)?;
        let mut responses = BTreeMap::new();
        let prefix = format!("{id}/response.");
        for (path, _) in self.files.range(prefix.clone()..) {
            let Some(rest) = path.strip_prefix(&prefix) else {
                break;
            };
            let status: u16 = rest
                .strip_suffix(".json")
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| {
                    SpecError::invalid(path, "", "response files are named response.<status>.json")
                })?;
            responses.insert(status, self.response_schema(options, path, status)?);
        }
        for entry in &errors {
            if !responses.contains_key(&entry.status) {
                return Err(SpecError::invalid(
                    &request_file,
                    "/x-errors",
                    format!(
                        "status {} ({}) has no {id}/response.{}.json",
                        entry.status,
                        entry.error_code.as_deref().unwrap_or("no code"),
                        entry.status
                    ),
                ));
            }
        }
        Ok(Operation {
            id,
            meta,
            errors,
            parameters,
            request_file,
            request_validator,
            responses,
        })
    }

    /// The compiled response schema of the file at `path` (`status` 0: the gateway's, whose
    /// statuses are its entries').
    fn response_schema(
        &self,
        options: &jsonschema::ValidationOptions,
        path: &str,
        status: u16,
    ) -> Result<ResponseSchema, SpecError> {
        let schema = self
            .files
            .get(path)
            .ok_or_else(|| SpecError::invalid(path, "", "file is missing"))?;
        let validator = compile(options, path, schema)?;
        let positions = super::position::response_positions(path, schema, &|file, reference| {
            self.resolve(file, reference)
        });
        Ok(ResponseSchema {
            status,
            file: path.to_string(),
            schema: schema.clone(),
            validator,
            positions,
        })
    }

    fn parameters(
        &self,
        op: OperationId,
        file: &str,
        request: &Value,
    ) -> Result<Vec<Parameter>, SpecError> {
        let mut out = Vec::new();
        for location in [
            ParamLocation::Path,
            ParamLocation::Query,
            ParamLocation::Header,
            ParamLocation::Body,
        ] {
            let base = format!("/properties/{}", location.as_str());
            let Some(group) = request.pointer(&base) else {
                continue;
            };
            let required: Vec<&str> = group
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let Some(properties) = group.get("properties").and_then(Value::as_object) else {
                continue;
            };
            for (name, raw) in properties {
                let pointer = format!("{base}/properties/{}", escape_pointer(name));
                let schema = self.flatten(file, raw);
                let ty = match schema.get("type").and_then(Value::as_str) {
                    Some("string") => ParamType::String,
                    Some("integer") => ParamType::Integer,
                    other => {
                        return Err(SpecError::invalid(
                            file,
                            format!("{pointer}/type"),
                            format!("parameters are `string` or `integer`, found {other:?}"),
                        ))
                    }
                };
                let field = |key: &str| format!("{pointer}/{key}");
                let rules = super::parameter::rule_ids(op, location, name, &schema);
                let accepting = super::parameter::Accepting::new(&rules, &schema);
                out.push(Parameter {
                    name: name.clone(),
                    location,
                    required: required.contains(&name.as_str()),
                    ty,
                    presence: optional(file, &schema, "x-presence", &field("x-presence"))?,
                    filter: optional(file, &schema, "x-filter", &field("x-filter"))?,
                    paging: optional(file, &schema, "x-paging", &field("x-paging"))?,
                    requires: optional(file, &schema, "x-requires", &field("x-requires"))?
                        .unwrap_or_default(),
                    not_after: optional(file, &schema, "x-not-after", &field("x-not-after"))?,
                    lookup: optional(file, &schema, "x-lookup", &field("x-lookup"))?,
                    unsupported: optional(file, &schema, "x-unsupported", &field("x-unsupported"))?
                        .unwrap_or_default(),
                    replaces: optional(file, &schema, "x-replaces", &field("x-replaces"))?,
                    doc: optional(file, &schema, "x-doc", &field("x-doc"))?,
                    positions: super::position::keyword_positions(&schema),
                    rules: Arc::new(rules),
                    accepting: Arc::new(accepting),
                    schema,
                    pointer,
                    validator: Default::default(),
                });
            }
        }
        Ok(out)
    }
}

/// Checks that x-requires and x-not-after name parameters that exist.
fn check_parameter_references(file: &str, parameters: &[Parameter]) -> Result<(), SpecError> {
    let exists = |name: &str| parameters.iter().any(|p| p.name == name);
    for p in parameters {
        for other in p.requires.iter().chain(p.not_after.iter()) {
            if !exists(other) {
                return Err(SpecError::invalid(
                    file,
                    &p.pointer,
                    format!("refers to parameter `{other}`, which is not documented here"),
                ));
            }
        }
    }
    Ok(())
}

fn compile(
    options: &jsonschema::ValidationOptions,
    file: &str,
    schema: &Value,
) -> Result<Validator, SpecError> {
    options
        .build(schema)
        .map_err(|e| SpecError::invalid(file, "", format!("schema does not compile: {e}")))
}

/// Deserialises the x- keyword at `pointer` (required).
fn typed<T: DeserializeOwned>(file: &str, document: &Value, pointer: &str) -> Result<T, SpecError> {
    let value = document
        .pointer(pointer)
        .ok_or_else(|| SpecError::invalid(file, pointer, "is missing"))?;
    serde_json::from_value(value.clone())
        .map_err(|e| SpecError::invalid(file, pointer, format!("is malformed: {e}")))
}

/// Deserialises an optional keyword of a (flattened) schema.
fn optional<T: DeserializeOwned>(
    file: &str,
    schema: &Value,
    key: &str,
    pointer: &str,
) -> Result<Option<T>, SpecError> {
    schema
        .get(key)
        .map(|v| {
            serde_json::from_value(v.clone())
                .map_err(|e| SpecError::invalid(file, pointer, format!("is malformed: {e}")))
        })
        .transpose()
}
