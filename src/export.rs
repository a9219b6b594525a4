//! Export of the contract as an OpenAPI 3.1.0 document, so partners can feed the documented APIs
//! to their own tooling (client generators, API gateways, documentation portals) without reading
//! `schemas/`.
//!
//! Everything comes from the loaded [`Spec`]: paths, methods, parameters with their documented
//! limits, response bodies, the error catalogues and the accepted credentials. No documented limit,
//! code or field is written here. The only facts this module adds are the ones OpenAPI needs and
//! `schemas/` does not carry: the hosts (quoted from the seed pages, see [`BSS_SERVER`] and
//! [`AICC_SERVER_TEMPLATE`]) and the names of the credential headers.
//!
//! How schemas are embedded: every file a response reaches (directly or through `$ref`) becomes
//! `components/schemas/<name>`, where `<name>` is the file's path without `.json` and with every
//! character outside `[A-Za-z0-9_-]` turned into `_` (`customers_v1/response.200.json` →
//! `customers_v1_response_200`, `common/cbc-error-v1.json` → `common_cbc-error-v1`). `$id` and
//! `$schema` are dropped from the embedded copies (the document's `jsonSchemaDialect` says
//! 2020-12, and an `$id` would change what the rewritten references mean). Every `$ref`, relative
//! (`../common/types.json#/$defs/utc_time`), local (`#/$defs/CustomerInfo`) or absolute under
//! [`BASE_URI`], becomes a pointer into the document:
//! `#/components/schemas/common_types/$defs/utc_time`. `x-` keywords stay in the embedded schemas
//! (OpenAPI 3.1 Schema Objects allow extensions and JSON Schema ignores them); on parameters they
//! move from the `schema` to the Parameter Object.

use crate::signing::{ALGORITHM, HEADER_AUTHORIZATION, HEADER_X_SDK_DATE, MAX_SKEW_MINUTES};
use crate::spec::{
    escape_pointer, AuthScheme, DocRef, ErrorEntry, Operation, ParamLocation, Parameter, Service,
    Spec, BASE_URI,
};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// The OpenAPI version written.
pub const OPENAPI_VERSION: &str = "3.1.0";

/// The JSON Schema dialect of every Schema Object in the export: `schemas/` is written in
/// 2020-12, and the export keeps it that way.
pub const JSON_SCHEMA_DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// The title of the exported document.
pub const TITLE: &str = "Huawei Cloud partner customer APIs (as documented)";

/// The BSS international endpoint, as the example requests of `000_5988f763b3fa1be5.txt` and
/// `003_9a632149a256762c.txt` write it (`GET https://bss-intl.myhuaweicloud.com/v1.0/...`).
/// `schemas/` does not carry hosts, so it is quoted here.
pub const BSS_SERVER: &str = "https://bss-intl.myhuaweicloud.com";

/// The AICC host is the customer's own domain: `002_ba9809059f24f50a.txt` writes
/// `https://Domain name/rest/...` "(For example, the domain name is service.besclouds.com.)".
pub const AICC_SERVER_TEMPLATE: &str = "https://{domain}";

/// The example domain of the AICC page, the default of the `domain` server variable.
pub const AICC_EXAMPLE_DOMAIN: &str = "service.besclouds.com";

/// The header a token travels in, for BSS and AICC alike (the AICC request table documents it as
/// `X-Auth-Token`; BSS tokens go in the same header, `schemas/README.md` A16).
pub const TOKEN_HEADER: &str = "X-Auth-Token";

/// Header parameters an OpenAPI document must not describe as parameters: OpenAPI 3.1 says a
/// header parameter named `Accept`, `Content-Type` or `Authorization` "SHALL be ignored"
/// (media types and security schemes say those things instead).
const RESERVED_HEADERS: &[&str] = &["accept", "content-type", "authorization"];

/// Keywords whose values are instances, not schemas: references inside them are data and are
/// never rewritten.
const INSTANCE_KEYWORDS: &[&str] = &["examples", "enum", "const", "default"];

/// The OpenAPI 3.1.0 document of every documented operation, generated from `spec` alone.
///
/// Deterministic: the same `Spec` always gives the same JSON, key order included, so the export
/// can be committed and diffed. The CLI writes it with `serde_json::to_string_pretty`.
pub fn openapi(spec: &Spec) -> Value {
    let names = ComponentNames::new(spec);
    let mut components = Components::default();
    let mut paths = Map::new();
    for op in spec.operations() {
        let item = paths
            .entry(op.meta.path.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(item) = item {
            item.insert(
                op.meta.method.to_ascii_lowercase(),
                operation(spec, op, &names, &mut components),
            );
        }
    }
    let mut schemas = Map::new();
    // Embed every file reached from a response or a parameter, following references until no new
    // file turns up; file order (the Spec's sorted order) keeps the output stable.
    let mut embedded: BTreeMap<String, Value> = BTreeMap::new();
    let mut pending: Vec<String> = components.needed.iter().cloned().collect();
    while let Some(file) = pending.pop() {
        if embedded.contains_key(&file) {
            continue;
        }
        let Some((_, document)) = spec.files().find(|(path, _)| *path == file) else {
            continue;
        };
        let mut schema = document.clone();
        if let Value::Object(root) = &mut schema {
            root.remove("$id");
            root.remove("$schema");
        }
        let mut found = std::collections::BTreeSet::new();
        rewrite_refs(spec, &file, &mut schema, &names, &mut found);
        pending.extend(found);
        embedded.insert(file, schema);
    }
    for (file, schema) in embedded {
        schemas.insert(names.name(&file), schema);
    }
    json!({
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": TITLE,
            "version": env!("CARGO_PKG_VERSION"),
            "description": format!(
                "Generated from schemas/ by partner-conformance {} (`partner-conformance export openapi`). \
                 The documentation pages are the contract; schemas/README.md records how each ambiguity \
                 of the pages was read. Extensions: `x-errors` on an operation is its documented error \
                 catalogue; the `x-` keywords on parameters and inside schemas are the vocabulary of \
                 schemas/x-vocabulary.json (`x-doc` cites the documentation row of a constraint).",
                env!("CARGO_PKG_VERSION")
            ),
        },
        "jsonSchemaDialect": JSON_SCHEMA_DIALECT,
        "servers": [server(Service::Bss)],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": components.security_schemes,
        },
    })
}

/// What the operations need from `components`, collected while they are built.
#[derive(Default)]
struct Components {
    /// Files to embed under `components/schemas`.
    needed: std::collections::BTreeSet<String>,
    /// Security schemes used by some operation, by name.
    security_schemes: Map<String, Value>,
}

/// The component name of every schema file, unique and valid for `components/schemas`
/// (`^[a-zA-Z0-9._-]+$`).
struct ComponentNames(BTreeMap<String, String>);

impl ComponentNames {
    fn new(spec: &Spec) -> Self {
        let mut by_file = BTreeMap::new();
        let mut taken = std::collections::BTreeSet::new();
        for (file, _) in spec.files() {
            let stem = file.strip_suffix(".json").unwrap_or(file);
            let base: String = stem
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            let mut name = base.clone();
            let mut n = 1;
            while !taken.insert(name.clone()) {
                n += 1;
                name = format!("{base}_{n}");
            }
            by_file.insert(file.to_string(), name);
        }
        ComponentNames(by_file)
    }

    fn name(&self, file: &str) -> String {
        self.0
            .get(file)
            .cloned()
            .unwrap_or_else(|| file.to_string())
    }

    /// `#/components/schemas/<name>` followed by a fragment pointer (`/$defs/X`, or empty).
    fn reference(&self, file: &str, fragment: &str) -> String {
        format!(
            "#/components/schemas/{}{fragment}",
            escape_pointer(&self.name(file))
        )
    }
}

/// The server entry of a service.
fn server(service: Service) -> Value {
    match service {
        Service::Bss => json!({
            "url": BSS_SERVER,
            "description": "BSS international endpoint, as in the example requests of the BSS pages \
                            (000_5988f763b3fa1be5.txt, 003_9a632149a256762c.txt). The AICC operation \
                            has its own server.",
        }),
        Service::Aicc => json!({
            "url": AICC_SERVER_TEMPLATE,
            "description": "The AICC domain of the customer (002_ba9809059f24f50a.txt: \
                            \"https://Domain name/rest/...\").",
            "variables": {
                "domain": {
                    "default": AICC_EXAMPLE_DOMAIN,
                    "description": "002_ba9809059f24f50a.txt: \"For example, the domain name is service.besclouds.com.\"",
                }
            }
        }),
    }
}

/// The Operation Object of one documented operation.
fn operation(
    spec: &Spec,
    op: &Operation,
    names: &ComponentNames,
    components: &mut Components,
) -> Value {
    let mut object = Map::new();
    object.insert("operationId".into(), Value::from(op.id.as_str()));
    object.insert("summary".into(), Value::from(op.meta.title.clone()));
    object.insert(
        "description".into(),
        Value::from(format!(
            "{} ({}, \"{}\", {}). Responses are sent as `{}` unless their status names another media type.",
            op.meta.doc.en.text,
            op.meta.doc.en.file,
            op.meta.doc.en.table,
            op.meta.doc.en.row,
            op.meta.content_type
        )),
    );
    if op.meta.service != Service::Bss {
        object.insert("servers".into(), json!([server(op.meta.service)]));
    }
    let parameters: Vec<Value> = op
        .parameters
        .iter()
        .filter(|p| !is_unexported_header(p) && p.location != ParamLocation::Body)
        .map(|p| parameter(spec, op, p, names, components))
        .collect();
    if !parameters.is_empty() {
        object.insert("parameters".into(), Value::Array(parameters));
    }
    if op.has_body() {
        object.insert(
            "requestBody".into(),
            request_body(spec, op, names, components),
        );
    }
    let mut responses = Map::new();
    for response in op.responses() {
        components.needed.insert(response.file.clone());
        let entries: Vec<&ErrorEntry> = op
            .errors
            .iter()
            .filter(|e| e.status == response.status)
            .collect();
        let description = if entries.is_empty() {
            response
                .schema
                .get("description")
                .or_else(|| response.schema.get("title"))
                .and_then(Value::as_str)
                .unwrap_or("Documented response.")
                .to_string()
        } else {
            entries
                .iter()
                .map(|e| match &e.error_code {
                    Some(code) if e.aliases.is_empty() => format!("{code}: {}", e.meaning),
                    Some(code) => format!("{code} (or {}): {}", e.aliases.join(", "), e.meaning),
                    None => e.meaning.clone(),
                })
                .collect::<Vec<_>>()
                .join("\n")
        };
        let mut content = Map::new();
        for media_type in media_types(op, &entries) {
            content.insert(
                media_type,
                json!({"schema": {"$ref": names.reference(&response.file, "")}}),
            );
        }
        responses.insert(
            response.status.to_string(),
            json!({"description": description, "content": content}),
        );
    }
    object.insert("responses".into(), Value::Object(responses));
    let security: Vec<Value> = op
        .meta
        .auth
        .iter()
        .map(|scheme| {
            let name = security_scheme(op, *scheme, components);
            json!({ name: [] })
        })
        .collect();
    object.insert("security".into(), Value::Array(security));
    object.insert(
        "x-errors".into(),
        Value::Array(op.errors.iter().map(error_entry).collect()),
    );
    object.insert("x-doc".into(), doc(&op.meta.doc));
    Value::Object(object)
}

/// The media types a status is sent with: each catalogue entry's own `content_type` (the
/// gateway answers for BSS with its own), else the operation's documented Content-Type. In
/// catalogue order, without repeats, so a status whose entries agree has one.
fn media_types(op: &Operation, entries: &[&ErrorEntry]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let documented = entries
        .iter()
        .map(|e| e.content_type.as_deref().unwrap_or(&op.meta.content_type));
    for media_type in documented {
        if !out.iter().any(|m| m == media_type) {
            out.push(media_type.to_string());
        }
    }
    if out.is_empty() {
        out.push(op.meta.content_type.clone());
    }
    out
}

/// Whether a documented header is said by other means in OpenAPI: the reserved headers (media
/// types, security) and the token header (a security scheme).
fn is_unexported_header(p: &Parameter) -> bool {
    p.location == ParamLocation::Header
        && (RESERVED_HEADERS.contains(&p.name.to_ascii_lowercase().as_str())
            || p.name.eq_ignore_ascii_case(TOKEN_HEADER))
}

/// The Parameter Object of one documented parameter: the flattened schema without `x-`
/// keywords, which move to the parameter as extensions.
fn parameter(
    spec: &Spec,
    op: &Operation,
    p: &Parameter,
    names: &ComponentNames,
    components: &mut Components,
) -> Value {
    let mut schema = exported_schema(spec, op, p, names, components);
    let mut extensions = Map::new();
    if let Value::Object(map) = &mut schema {
        let keys: Vec<String> = map
            .keys()
            .filter(|k| k.starts_with("x-"))
            .cloned()
            .collect();
        for key in keys {
            if let Some(value) = map.remove(&key) {
                extensions.insert(key, value);
            }
        }
    }
    let mut object = Map::new();
    object.insert("name".into(), Value::from(p.name.clone()));
    object.insert(
        "in".into(),
        Value::from(match p.location {
            ParamLocation::Path => "path",
            ParamLocation::Query => "query",
            ParamLocation::Header => "header",
            ParamLocation::Body => "body",
        }),
    );
    if let Some(description) = schema.get("description").cloned() {
        object.insert("description".into(), description);
    }
    object.insert("required".into(), Value::Bool(p.required));
    object.insert("schema".into(), schema);
    object.extend(extensions);
    Value::Object(object)
}

/// A parameter's schema as the export writes it: without `$id` and `$schema`, its references
/// pointing into the document's components.
fn exported_schema(
    spec: &Spec,
    op: &Operation,
    p: &Parameter,
    names: &ComponentNames,
    components: &mut Components,
) -> Value {
    let mut schema = p.schema.clone();
    if let Value::Object(map) = &mut schema {
        map.remove("$id");
        map.remove("$schema");
    }
    rewrite_refs(
        spec,
        &op.request_file,
        &mut schema,
        names,
        &mut components.needed,
    );
    schema
}

/// The Request Body Object of an operation with body parameters: a JSON object whose members
/// are the documented parameters (their schemas keep the `x-` keywords, which OpenAPI 3.1
/// schemas allow), other members allowed as `request.json` allows them.
fn request_body(
    spec: &Spec,
    op: &Operation,
    names: &ComponentNames,
    components: &mut Components,
) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for p in op.parameters_in(ParamLocation::Body) {
        let schema = exported_schema(spec, op, p, names, components);
        if p.required {
            required.push(Value::from(p.name.clone()));
        }
        properties.insert(p.name.clone(), schema);
    }
    let mut schema = json!({"type": "object", "properties": properties});
    if !required.is_empty() {
        schema["required"] = Value::Array(required);
    }
    json!({
        "required": false,
        "content": {"application/json": {"schema": schema}},
    })
}

/// Registers the security scheme an operation uses for `scheme` and returns its name.
fn security_scheme(op: &Operation, scheme: AuthScheme, components: &mut Components) -> String {
    let (name, object) = match scheme {
        AuthScheme::Aksk => (
            "aksk".to_string(),
            json!({
                "type": "apiKey",
                "in": "header",
                "name": HEADER_AUTHORIZATION,
                "description": format!(
                    "AK/SK signature: `{HEADER_AUTHORIZATION}: {ALGORITHM} Access=<AK>, SignedHeaders=<names>, Signature=<hex>` \
                     over the canonical request, with `{HEADER_X_SDK_DATE}` (within {MAX_SKEW_MINUTES} minutes of the \
                     server clock) and `Host` signed, as the official Huawei Cloud SDK signs it. OpenAPI has no native \
                     scheme for {ALGORITHM}, so it is described as an API key in the {HEADER_AUTHORIZATION} header."
                ),
            }),
        ),
        AuthScheme::Token => {
            let name = match op.meta.service {
                Service::Bss => "token",
                Service::Aicc => "aiccToken",
            };
            // A documented token header (AICC's request table) supplies the wording and the
            // citation; BSS documents none, so its scheme says only where the token goes.
            let documented = op.parameters.iter().find(|p| {
                p.location == ParamLocation::Header && p.name.eq_ignore_ascii_case(TOKEN_HEADER)
            });
            let what = documented
                .and_then(|p| p.schema.get("description"))
                .and_then(Value::as_str)
                .map_or_else(|| "A token.".to_string(), str::to_string);
            let mut object = json!({
                "type": "apiKey",
                "in": "header",
                "name": TOKEN_HEADER,
                "description": format!(
                    "{what} Sent in the {TOKEN_HEADER} header (partner-conformance reads it from ${}).",
                    op.meta.token_env
                ),
            });
            if let Some(doc_value) = documented.and_then(|p| p.schema.get("x-doc")) {
                object["x-doc"] = doc_value.clone();
            }
            (name.to_string(), object)
        }
    };
    components
        .security_schemes
        .entry(name.clone())
        .or_insert(object);
    name
}

/// One catalogue entry as the `x-errors` extension writes it (the shape of `schemas/`).
fn error_entry(entry: &ErrorEntry) -> Value {
    let mut object = Map::new();
    object.insert("status".into(), Value::from(entry.status));
    object.insert(
        "error_code".into(),
        entry.error_code.clone().map_or(Value::Null, Value::from),
    );
    if !entry.aliases.is_empty() {
        object.insert("aliases".into(), json!(entry.aliases));
    }
    if let Some(content_type) = &entry.content_type {
        object.insert("content_type".into(), Value::from(content_type.clone()));
    }
    object.insert("meaning".into(), Value::from(entry.meaning.clone()));
    if let Some(message) = &entry.message {
        object.insert("message".into(), Value::from(message.clone()));
    }
    object.insert(
        "role".into(),
        serde_json::to_value(entry.role).unwrap_or(Value::Null),
    );
    object.insert("x-doc".into(), doc(&entry.doc));
    Value::Object(object)
}

/// An `x-doc` value, as written in `schemas/`.
fn doc(doc: &DocRef) -> Value {
    let quote = |q: &crate::spec::DocQuote| json!({"file": q.file, "table": q.table, "row": q.row, "text": q.text});
    let mut object = Map::new();
    object.insert("en".into(), quote(&doc.en));
    if let Some(zh) = &doc.zh {
        object.insert("zh".into(), quote(zh));
    }
    Value::Object(object)
}

/// Rewrites every `$ref` in a schema written in `file` into a pointer into
/// `#/components/schemas`, and records the files those pointers need. Instance values
/// (`examples`, `enum`, `const`, `default`) and `x-` keywords are data and are left alone.
fn rewrite_refs(
    spec: &Spec,
    file: &str,
    schema: &mut Value,
    names: &ComponentNames,
    needed: &mut std::collections::BTreeSet<String>,
) {
    match schema {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                if key == "$ref" {
                    if let Value::String(reference) = value {
                        if let Some((target, fragment)) = target_of(spec, file, reference) {
                            *reference = names.reference(&target, &fragment);
                            needed.insert(target);
                        }
                    }
                } else if !INSTANCE_KEYWORDS.contains(&key.as_str()) && !key.starts_with("x-") {
                    rewrite_refs(spec, file, value, names, needed);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                rewrite_refs(spec, file, item, names, needed);
            }
        }
        _ => {}
    }
}

/// The file and fragment pointer a `$ref` written in `file` names, when it names a file of the
/// Spec. References elsewhere are left as they are.
fn target_of(spec: &Spec, file: &str, reference: &str) -> Option<(String, String)> {
    let (target, fragment) = match reference.strip_prefix(BASE_URI) {
        Some(absolute) => {
            let (path, fragment) = absolute.split_once('#').unwrap_or((absolute, ""));
            (path.to_string(), fragment.to_string())
        }
        None => {
            let fragment = reference.split_once('#').map_or("", |(_, f)| f);
            let (target, _) = spec.resolve(file, reference)?;
            (target, fragment.to_string())
        }
    };
    // Only whole files and JSON pointers can be rebased; a plain-name anchor could not.
    let rebasable = fragment.is_empty() || fragment.starts_with('/');
    let known = spec.files().any(|(path, _)| path == target);
    (rebasable && known).then_some((target, fragment))
}
