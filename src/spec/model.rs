//! The loaded contract: operations, their parameters, compiled validators and error catalogues.
//! The main type is [`Spec`], built once (validators are compiled at load, never per request).

use super::error::SpecError;
use super::load::{self, escape_pointer, SchemaFile, BASE_URI};
use super::operation::OperationId;
use super::vocabulary::{
    DocRef, ErrorEntry, ErrorRole, Filter, Lookup, OperationMeta, PagingRole, Presence, Replaces,
    Service,
};
use jsonschema::Validator;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// The shared gateway error file whose `x-errors` apply to every BSS operation.
const GATEWAY_FILE: &str = "common/gateway-error.json";

/// The whole contract: every file of `schemas/` and the operations built from them.
#[derive(Debug)]
pub struct Spec {
    files: BTreeMap<String, Value>,
    operations: Vec<Operation>,
    gateway_errors: Vec<ErrorEntry>,
}

/// Where a request parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamLocation {
    /// A `{name}` segment of the path.
    Path,
    /// The query string.
    Query,
    /// A request header (names are lower-case).
    Header,
    /// A member of the JSON request body.
    Body,
}

impl ParamLocation {
    /// The name used in locations of findings and in the request instance (`path`, `query`, `headers`).
    pub fn as_str(self) -> &'static str {
        match self {
            ParamLocation::Path => "path",
            ParamLocation::Query => "query",
            ParamLocation::Header => "headers",
            ParamLocation::Body => "body",
        }
    }
}

/// The JSON type a parameter's text is read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    /// Taken as text.
    String,
    /// Parsed as a whole number (digits with an optional leading `-`).
    Integer,
}

/// One documented request parameter with its x- semantics, read from `request.json`.
#[derive(Debug, Clone)]
pub struct Parameter {
    /// Parameter name as sent.
    pub name: String,
    /// Path, query or header.
    pub location: ParamLocation,
    /// Mandatory per the documentation.
    pub required: bool,
    /// JSON type.
    pub ty: ParamType,
    /// The property schema with `$ref`s merged in, for generators and messages.
    pub schema: Value,
    /// Absent / empty / "" / null semantics.
    pub presence: Option<Presence>,
    /// Record filter.
    pub filter: Option<Filter>,
    /// Pagination role.
    pub paging: Option<PagingRole>,
    /// Parameters that must come with this one.
    pub requires: Vec<String>,
    /// A parameter this one must not be later than.
    pub not_after: Option<String>,
    /// The record this parameter names.
    pub lookup: Option<Lookup>,
    /// Documented values that are not supported.
    pub unsupported: Vec<String>,
    /// The old operation's parameter this one replaces.
    pub replaces: Option<Replaces>,
    /// Documentation reference.
    pub doc: Option<DocRef>,
    /// JSON pointer of the property inside `request.json`.
    pub pointer: String,
}

impl Parameter {
    /// Where it is in findings and tables: `query.page_no`, `body.offset`, `path.partner_id`.
    pub fn label(&self) -> String {
        format!("{}.{}", self.location.as_str(), self.name)
    }

    /// The schema's `default`, if any.
    pub fn default(&self) -> Option<&Value> {
        self.schema.get("default")
    }

    /// A numeric keyword of the merged schema (`maxLength`, `minimum`...).
    pub fn limit(&self, keyword: &str) -> Option<i64> {
        self.schema.get(keyword).and_then(Value::as_i64)
    }

    /// Reads raw parameter text as the documented type. Text that is not a whole number stays a
    /// string for an Integer parameter, so the schema's `type` keyword reports it.
    pub fn typed(&self, raw: &str) -> Value {
        match self.ty {
            ParamType::String => Value::String(raw.to_string()),
            ParamType::Integer => {
                let digits = raw.strip_prefix('-').unwrap_or(raw);
                let whole = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
                match raw.parse::<i64>() {
                    Ok(n) if whole => Value::from(n),
                    _ => Value::String(raw.to_string()),
                }
            }
        }
    }

    /// Whether the schema uses the documented UTC time type (`format: date-time`).
    pub fn is_time(&self) -> bool {
        self.schema.get("format").and_then(Value::as_str) == Some("date-time")
    }

    /// A validator of this parameter's own schema (formats asserted), for generators that must
    /// know whether a candidate value breaks the contract.
    pub fn validator(&self) -> Option<Validator> {
        let mut schema = self.schema.clone();
        if let Some(object) = schema.as_object_mut() {
            object.retain(|k, _| !k.starts_with("x-") && k != "$id");
        }
        jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(&schema)
            .ok()
    }

    /// The `enum` values, when the parameter has one.
    pub fn enum_values(&self) -> Option<Vec<String>> {
        self.schema
            .get("enum")
            .and_then(Value::as_array)
            .map(|values| {
                values
                    .iter()
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                    .collect()
            })
    }
}

/// A schema violation, with the instance value masked so it can be shown without leaking data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaViolation {
    /// JSON pointer into the instance, e.g. `/customer_info_list/3/corp_name`.
    pub instance_path: String,
    /// JSON pointer into the schema.
    pub schema_path: String,
    /// The keyword that failed (`maxLength`, `type`, `required`...).
    pub keyword: String,
    /// A message with the offending value replaced by `value`.
    pub message: String,
    /// The property a `required` or `additionalProperties` violation is about.
    pub property: Option<String>,
    /// Whether the offending instance value is JSON null.
    pub instance_is_null: bool,
}

impl SchemaViolation {
    fn from_error(error: &jsonschema::ValidationError<'_>) -> Self {
        let schema_path = error.schema_path().to_string();
        let keyword = schema_path
            .rsplit('/')
            .find(|segment| !segment.chars().all(|c| c.is_ascii_digit()))
            .unwrap_or_default()
            .to_string();
        let property = match error.kind() {
            jsonschema::error::ValidationErrorKind::Required { property } => Some(
                property
                    .as_str()
                    .map_or_else(|| property.to_string(), str::to_string),
            ),
            jsonschema::error::ValidationErrorKind::AdditionalProperties { unexpected } => {
                unexpected.first().cloned()
            }
            _ => None,
        };
        SchemaViolation {
            instance_path: error.instance_path().to_string(),
            schema_path,
            keyword,
            message: error.masked().to_string(),
            property,
            instance_is_null: error.instance().is_null(),
        }
    }
}

/// The schema of one documented response status, compiled.
#[derive(Debug)]
pub struct ResponseSchema {
    /// HTTP status.
    pub status: u16,
    /// File relative to `schemas/`.
    pub file: String,
    /// The schema document.
    pub schema: Value,
    validator: Validator,
}

impl ResponseSchema {
    /// Every violation of this schema by `body`.
    pub fn validate(&self, body: &Value) -> Vec<SchemaViolation> {
        self.validator
            .iter_errors(body)
            .map(|e| SchemaViolation::from_error(&e))
            .collect()
    }

    /// The documented example bodies (`examples`).
    pub fn examples(&self) -> &[Value] {
        self.schema
            .get("examples")
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice)
    }
}

/// One documented operation, ready to validate requests and responses.
#[derive(Debug)]
pub struct Operation {
    /// Stable id.
    pub id: OperationId,
    /// Method, path, auth and doc reference.
    pub meta: OperationMeta,
    /// Error catalogue: the operation's own entries, then the gateway's for BSS operations.
    pub errors: Vec<ErrorEntry>,
    /// Documented request parameters, in file order.
    pub parameters: Vec<Parameter>,
    /// `request.json` path relative to `schemas/`.
    pub request_file: String,
    request_validator: Validator,
    responses: BTreeMap<u16, ResponseSchema>,
}

impl Operation {
    /// The catalogue entry a server answers with in a situation.
    pub fn error_for(&self, role: ErrorRole) -> Option<&ErrorEntry> {
        self.errors.iter().find(|e| e.role == role)
    }

    /// Every violation of the request schema by a `{path, query, headers}` instance.
    pub fn validate_request(&self, instance: &Value) -> Vec<SchemaViolation> {
        self.request_validator
            .iter_errors(instance)
            .map(|e| SchemaViolation::from_error(&e))
            .collect()
    }

    /// The compiled schema for a status, if that status is documented.
    pub fn response(&self, status: u16) -> Option<&ResponseSchema> {
        self.responses.get(&status)
    }

    /// All documented responses, by status.
    pub fn responses(&self) -> impl Iterator<Item = &ResponseSchema> {
        self.responses.values()
    }

    /// The parameters travelling in one place.
    pub fn parameters_in(&self, location: ParamLocation) -> impl Iterator<Item = &Parameter> {
        self.parameters
            .iter()
            .filter(move |p| p.location == location)
    }

    /// A parameter by place and name.
    pub fn parameter(&self, location: ParamLocation, name: &str) -> Option<&Parameter> {
        self.parameters_in(location).find(|p| p.name == name)
    }

    /// The success body's properties (flattened one level), for field markers.
    fn success_properties(&self) -> Option<&serde_json::Map<String, Value>> {
        self.response(self.meta.success_status)
            .and_then(|r| r.schema.get("properties"))
            .and_then(Value::as_object)
    }

    fn marked_field(&self, keyword: &str, value: &Value) -> Option<&str> {
        self.success_properties()?
            .iter()
            .find(|(_, s)| s.get(keyword) == Some(value))
            .map(|(name, _)| name.as_str())
    }

    /// The success body field holding the records of a list operation (`x-list-of-records`).
    pub fn list_field(&self) -> Option<&str> {
        self.marked_field("x-list-of-records", &Value::Bool(true))
    }

    /// The success body field holding the total number of matches (`x-paging: total-count`).
    pub fn count_field(&self) -> Option<&str> {
        self.marked_field("x-paging", &Value::from("total-count"))
    }

    /// The field that identifies a record of a list operation (`x-record-key`), found in the
    /// item schema of the list field.
    pub fn record_key(&self, spec: &Spec) -> Option<String> {
        let list = self.success_properties()?.get(self.list_field()?)?;
        let file = &self.response(self.meta.success_status)?.file;
        let items = spec.flatten(file, list.get("items")?);
        items
            .get("properties")?
            .as_object()?
            .iter()
            .find(|(_, s)| s.get("x-record-key") == Some(&Value::Bool(true)))
            .map(|(name, _)| name.clone())
    }

    /// The fields of one record of the success body with their (flattened) schemas: the item of
    /// a list operation, otherwise the body itself.
    pub fn record_properties(&self, spec: &Spec) -> Vec<(String, Value)> {
        let Some(success) = self.response(self.meta.success_status) else {
            return Vec::new();
        };
        let body = spec.flatten(&success.file, &success.schema);
        let record = match self.list_field() {
            Some(list) => body
                .pointer(&format!("/properties/{}/items", escape_pointer(list)))
                .map(|items| spec.flatten(&success.file, items)),
            None => Some(body),
        };
        record
            .as_ref()
            .and_then(|r| r.get("properties"))
            .and_then(Value::as_object)
            .map(|properties| {
                properties
                    .iter()
                    .map(|(name, schema)| (name.clone(), spec.flatten(&success.file, schema)))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Each record field that takes over a field of the replaced operation, with how.
    pub fn record_replacements(&self, spec: &Spec) -> Vec<(String, Replaces)> {
        self.record_properties(spec)
            .into_iter()
            .filter_map(|(name, schema)| {
                let replaces = serde_json::from_value(schema.get("x-replaces")?.clone()).ok()?;
                Some((name, replaces))
            })
            .collect()
    }

    /// The parameter with a pagination role.
    pub fn paging_parameter(&self, role: PagingRole) -> Option<&Parameter> {
        self.parameters.iter().find(|p| p.paging == Some(role))
    }

    /// The parameters a caller chooses values for: the query string and the JSON body.
    pub fn value_parameters(&self) -> impl Iterator<Item = &Parameter> {
        self.parameters
            .iter()
            .filter(|p| matches!(p.location, ParamLocation::Query | ParamLocation::Body))
    }

    /// Whether requests carry a JSON body (any documented body parameter).
    pub fn has_body(&self) -> bool {
        self.parameters_in(ParamLocation::Body).next().is_some()
    }

    /// The operation this one replaces, when it is of the new generation.
    pub fn replaces(&self) -> Option<OperationId> {
        self.meta.replaces.as_deref().and_then(|id| id.parse().ok())
    }
}

impl Spec {
    /// The contract embedded in the binary, loaded and compiled once per process.
    pub fn embedded() -> Result<Arc<Spec>, SpecError> {
        static CELL: OnceLock<Arc<Spec>> = OnceLock::new();
        if let Some(spec) = CELL.get() {
            return Ok(Arc::clone(spec));
        }
        let spec = Arc::new(Spec::from_sources(load::embedded_sources())?);
        Ok(Arc::clone(CELL.get_or_init(|| spec)))
    }

    /// Loads a `schemas/` directory from disk (for users who edit or extend the contract).
    pub fn from_dir(root: &Path) -> Result<Spec, SpecError> {
        Spec::from_sources(load::directory_sources(root)?)
    }

    /// Builds the contract from (relative path, JSON text) pairs.
    pub fn from_sources(sources: Vec<(String, String)>) -> Result<Spec, SpecError> {
        let files: BTreeMap<String, Value> = load::parse_and_check(sources)?
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
        };
        let options = spec.validator_options();
        for id in OperationId::ALL {
            let operation = spec.build_operation(*id, &options)?;
            spec.operations.push(operation);
        }
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

    /// The gateway's answer in a situation no operation owns (unknown API, malformed request).
    pub fn gateway_error(&self, role: ErrorRole) -> Option<&ErrorEntry> {
        self.gateway_errors.iter().find(|e| e.role == role)
    }

    /// Every operation, in [`OperationId::ALL`] order.
    pub fn operations(&self) -> &[Operation] {
        &self.operations
    }

    /// One operation (all are present once loading succeeded).
    pub fn operation(&self, id: OperationId) -> &Operation {
        self.operations
            .iter()
            .find(|op| op.id == id)
            .unwrap_or_else(|| unreachable!("Spec::from_sources builds every OperationId"))
    }

    /// Every file, by path relative to `schemas/`.
    pub fn files(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.files.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Resolves a `$ref` written in `base_file`; returns the target's file and value.
    pub fn resolve(&self, base_file: &str, reference: &str) -> Option<(String, &Value)> {
        let (file_part, fragment) = reference.split_once('#').unwrap_or((reference, ""));
        let file = if file_part.is_empty() {
            base_file.to_string()
        } else {
            join_relative(base_file, file_part)
        };
        let document = self.files.get(&file)?;
        let target = if fragment.is_empty() {
            document
        } else {
            document.pointer(fragment)?
        };
        Some((file, target))
    }

    /// A schema with its `$ref` (recursively) merged underneath its own keywords: what a
    /// generator needs to see `maxLength`, `pattern` and `type` in one place.
    pub fn flatten(&self, file: &str, schema: &Value) -> Value {
        self.flatten_depth(file, schema, 0)
    }

    fn flatten_depth(&self, file: &str, schema: &Value, depth: usize) -> Value {
        let Some(object) = schema.as_object() else {
            return schema.clone();
        };
        let mut merged = Map::new();
        if let Some(reference) = object.get("$ref").and_then(Value::as_str) {
            if let Some((target_file, target)) = self.resolve(file, reference) {
                if depth < 16 {
                    if let Value::Object(base) = self.flatten_depth(&target_file, target, depth + 1)
                    {
                        merged = base;
                    }
                }
            }
        }
        for (key, value) in object {
            if key != "$ref" {
                merged.insert(key.clone(), value.clone());
            }
        }
        Value::Object(merged)
    }

    fn validator_options(&self) -> jsonschema::ValidationOptions {
        let resources = self.files.iter().map(|(path, value)| {
            (
                format!("{BASE_URI}{path}"),
                jsonschema::Resource::from_contents(value.clone()),
            )
        });
        // Formats are asserted: `date-time` is how the contract rules out 2019-02-30.
        jsonschema::draft202012::options()
            .should_validate_formats(true)
            .with_resources(resources)
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
        let parameters = self.parameters(&request_file, request)?;
        check_parameter_references(&request_file, &parameters)?;
        let mut responses = BTreeMap::new();
        let prefix = format!("{id}/response.");
        for (path, schema) in self.files.range(prefix.clone()..) {
            let Some(rest) = path.strip_prefix(&prefix) else {
                break;
            };
            let status: u16 = rest
                .strip_suffix(".json")
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| {
                    SpecError::invalid(path, "", "response files are named response.<status>.json")
                })?;
            let validator = compile(options, path, schema)?;
            responses.insert(
                status,
                ResponseSchema {
                    status,
                    file: path.clone(),
                    schema: schema.clone(),
                    validator,
                },
            );
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

    fn parameters(&self, file: &str, request: &Value) -> Result<Vec<Parameter>, SpecError> {
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
                    schema,
                    pointer,
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

/// Joins a relative reference to the directory of `base` and normalises `..` and `.`.
fn join_relative(base: &str, relative: &str) -> String {
    let mut parts: Vec<&str> = base.split('/').collect();
    parts.pop();
    for segment in relative.split('/') {
        match segment {
            "." | "" => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_relative_references() {
        assert_eq!(
            join_relative("customers_v1/request.json", "../common/types.json"),
            "common/types.json"
        );
        assert_eq!(join_relative("a/b.json", "c.json"), "a/c.json");
    }
}
