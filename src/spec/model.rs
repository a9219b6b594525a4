//! The loaded contract: [`Spec`] (every file of `schemas/` and the operations built from them)
//! and [`Operation`] (one documented operation, ready to validate requests and responses), with
//! the questions the rest of the crate asks them. How files become a `Spec` is in `build.rs`.

use super::fields::ResponseFields;
use super::load::{escape_pointer, join_relative};
use super::operation::OperationId;
use super::parameter::{ParamLocation, Parameter};
use super::response::ResponseSchema;
use super::violation::SchemaViolation;
use super::vocabulary::{ErrorEntry, ErrorRole, OperationMeta, PagingRole, Replaces};
use jsonschema::Validator;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The whole contract: every file of `schemas/` and the operations built from them.
#[derive(Debug)]
pub struct Spec {
    /// Every file, by path relative to `schemas/`.
    pub(super) files: BTreeMap<String, Value>,
    /// Every operation, in [`OperationId::ALL`] order.
    pub(super) operations: Vec<Operation>,
    /// The gateway's own error catalogue (`common/gateway-error.json`).
    pub(super) gateway_errors: Vec<ErrorEntry>,
    /// The gateway's body schema, compiled (`None` only while the contract is being built).
    pub(super) gateway_response: Option<ResponseSchema>,
    /// The requirements the schemas state (request, response, errors, Content-Type), built
    /// once: per-exchange evidence looks them up.
    pub(super) requirements: Vec<super::Requirement>,
    /// The response-field requirements of each operation and status, as indices into
    /// `requirements`, with their field paths: every answer's evidence asks for them.
    pub(super) response_fields: BTreeMap<(OperationId, u16), ResponseFields>,
    /// SHA-256 of the schema files it was built from (see [`super::load::sources_sha256`]).
    pub(super) sha256: String,
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
    /// The compiled request schema.
    pub(super) request_validator: Validator,
    /// The compiled response schemas, by status.
    pub(super) responses: BTreeMap<u16, ResponseSchema>,
}

impl Operation {
    /// The catalogue entry a server answers with in a situation.
    pub fn error_for(&self, role: ErrorRole) -> Option<&ErrorEntry> {
        self.errors.iter().find(|e| e.role == role)
    }

    /// The first violation of the request schema by a `{path, query, headers}` instance (and
    /// `body` for an operation with one), the one an invalid-parameter answer names; `None`
    /// when it conforms. The mock asks for every request: one that conforms costs `is_valid`,
    /// which builds no error; one that does not, that and its first error.
    pub fn request_violation(&self, instance: &Value) -> Option<SchemaViolation> {
        if self.request_validator.is_valid(instance) {
            return None;
        }
        self.request_validator
            .iter_errors(instance)
            .flat_map(|e| SchemaViolation::from_error_each(&e, 1))
            .next()
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
    /// SHA-256 of the schema files this contract was built from: reports carry it so a finding
    /// can be traced to the exact contract that judged it (`--schemas` included).
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// The gateway's answer in a situation no operation owns (unknown API, malformed request).
    pub fn gateway_error(&self, role: ErrorRole) -> Option<&ErrorEntry> {
        self.gateway_errors.iter().find(|e| e.role == role)
    }

    /// The gateway entry an answer of `op` matches when the gateway answered on its own account
    /// (no such API, a malformed request) rather than with an entry of the operation's catalogue:
    /// BSS operations only, matched by the body's `error_code` (or an alias) and the status (or
    /// one of the entry's `status_aliases`).
    pub fn gateway_answer<'a>(
        &'a self,
        op: &Operation,
        status: u16,
        body: &Value,
    ) -> Option<&'a ErrorEntry> {
        if op.meta.service != super::vocabulary::Service::Bss {
            return None;
        }
        let code = body.get("error_code").and_then(Value::as_str)?;
        let own = op
            .errors
            .iter()
            .any(|e| e.status == status && e.has_code(code));
        if own {
            return None;
        }
        self.gateway_errors.iter().find(|e| {
            e.has_code(code) && (e.status == status || e.status_aliases.contains(&status))
        })
    }

    /// The entry answering a situation for `op`: the operation's own, else (BSS operations) the
    /// gateway's (`malformed-request`, `no-such-api`).
    pub fn entry_for<'a>(&'a self, op: &'a Operation, role: ErrorRole) -> Option<&'a ErrorEntry> {
        op.error_for(role).or_else(|| {
            (op.meta.service == super::vocabulary::Service::Bss)
                .then(|| self.gateway_error(role))
                .flatten()
        })
    }

    /// The schema an answer's body is judged by: the gateway's for a [`Spec::gateway_answer`],
    /// the documented one of its status otherwise (`None`: an undocumented status).
    pub fn response_for<'a>(
        &'a self,
        op: &'a Operation,
        status: u16,
        body: &Value,
    ) -> Option<&'a ResponseSchema> {
        match self.gateway_answer(op, status, body) {
            Some(_) => self.gateway_response.as_ref(),
            None => op.response(status),
        }
    }

    /// The requirements the schemas state, in catalogue order (the semantics the stateful
    /// checks verify are added by the check layer).
    pub fn requirements(&self) -> &[super::Requirement] {
        &self.requirements
    }

    /// The requirements about the fields of an operation's answer with this status, and the
    /// field paths they name (empty when the status has none).
    pub fn response_fields(&self, op: OperationId, status: u16) -> &ResponseFields {
        static NONE: ResponseFields = ResponseFields::EMPTY;
        self.response_fields.get(&(op, status)).unwrap_or(&NONE)
    }

    /// Indexes the response-field requirements by operation and status (once, after the
    /// catalogue is built).
    pub(super) fn index_response_fields(&mut self) {
        let mut index: BTreeMap<(OperationId, u16), Vec<(usize, String)>> = BTreeMap::new();
        for (i, requirement) in self.requirements.iter().enumerate() {
            if let super::Subject::Response { status, path, .. } = &requirement.subject {
                let fields = index.entry((requirement.operation, *status)).or_default();
                fields.push((i, path.clone()));
            }
        }
        self.response_fields = index
            .into_iter()
            .map(|(key, fields)| (key, ResponseFields::new(fields)))
            .collect();
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
            join_relative(base_file, file_part)?
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

    /// What `flatten(file, schema).get(key)` gives, without copying the schema: the member
    /// itself or, when absent, its `$ref`'s (for a lookup made per answer, such as the length
    /// limit of an error message).
    pub fn flattened_member<'s>(
        &'s self,
        file: &str,
        schema: &'s Value,
        key: &str,
    ) -> Option<&'s Value> {
        self.member_depth(file, schema, key, 0)
    }

    fn member_depth<'s>(
        &'s self,
        file: &str,
        schema: &'s Value,
        key: &str,
        depth: usize,
    ) -> Option<&'s Value> {
        let object = schema.as_object()?;
        if key != "$ref" {
            if let Some(value) = object.get(key) {
                return Some(value);
            }
        }
        let reference = object.get("$ref")?.as_str()?;
        if depth >= 16 {
            return None;
        }
        let (target_file, target) = self.resolve(file, reference)?;
        self.member_depth(&target_file, target, key, depth + 1)
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flattened_member_is_the_member_of_the_flattened_schema() {
        let spec = Spec::embedded().unwrap();
        let mut seen = 0;
        for op in spec.operations() {
            for response in op.responses() {
                let flat = spec.flatten(&response.file, &response.schema);
                for key in ["properties", "type", "required", "$ref", "absent"] {
                    let member = spec.flattened_member(&response.file, &response.schema, key);
                    assert_eq!(member, flat.get(key), "{} {} {key}", op.id, response.status);
                    seen += usize::from(member.is_some());
                }
            }
        }
        assert!(seen > 10, "{seen}");
    }

    #[test]
    fn the_response_field_index_holds_what_a_scan_of_the_catalogue_finds() {
        let spec = Spec::embedded().unwrap();
        let mut indexed = 0;
        for op in spec.operations() {
            for response in op.responses() {
                let scanned: Vec<usize> = spec
                    .requirements()
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| r.operation == op.id)
                    .filter(|(_, r)| matches!(&r.subject, super::super::Subject::Response { status, .. } if *status == response.status))
                    .map(|(i, _)| i)
                    .collect();
                let fields = spec.response_fields(op.id, response.status);
                assert_eq!(
                    fields.requirements, scanned,
                    "{} {}",
                    op.id, response.status
                );
                for &i in &scanned {
                    if let super::super::Subject::Response { path, .. } =
                        &spec.requirements()[i].subject
                    {
                        assert!(fields.paths.contains(path), "{path}");
                        let at = fields.requirements.iter().position(|&r| r == i).unwrap();
                        assert_eq!(&fields.paths[fields.path_of[at]], path);
                    }
                }
                indexed += scanned.len();
            }
        }
        assert!(
            indexed > 50,
            "the catalogue's response fields were not indexed: {indexed}"
        );
        assert!(spec
            .response_fields(spec.operations()[0].id, 999)
            .requirements
            .is_empty());
    }
}
