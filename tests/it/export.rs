//! The OpenAPI export (`partner_conformance::export::openapi`): a valid OpenAPI 3.1 document by
//! the official schema (shipped under `tests/data/openapi/`, nothing is fetched), that agrees with
//! `schemas/` field by field, follows an edited contract, and is deterministic.

use jsonschema::{Draft, Resource, Validator};
use partner_conformance::export::openapi;
use partner_conformance::spec::{embedded_sources, escape_pointer, Operation, ParamLocation, Spec};
use serde_json::{json, Value};
use std::collections::BTreeSet;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/openapi");

/// The id under which the OAS base vocabulary meta-schema is referenced by the dialect.
const META_BASE_ID: &str = "https://spec.openapis.org/oas/3.1/meta/base";

fn data(name: &str) -> Value {
    let path = format!("{DATA}/{name}");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn export() -> (std::sync::Arc<Spec>, Value) {
    let spec = Spec::embedded().unwrap();
    let doc = openapi(&spec);
    (spec, doc)
}

/// The official OpenAPI 3.1 document schema. Its `format`s are annotations, as its dialect
/// (2020-12, format-annotation vocabulary) says: a templated server URL such as
/// `https://{domain}` is valid OpenAPI but not a `uri-reference`.
fn oas_validator() -> Validator {
    jsonschema::options()
        .with_draft(Draft::Draft202012)
        .build(&data("oas-3.1-schema.json"))
        .unwrap()
}

fn errors(validator: &Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

fn exported_operation<'a>(doc: &'a Value, op: &Operation) -> &'a Value {
    let operation = &doc["paths"][&op.meta.path][op.meta.method.to_ascii_lowercase()];
    assert!(operation.is_object(), "{}: not exported", op.id);
    operation
}

fn location(location: ParamLocation) -> &'static str {
    match location {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
        ParamLocation::Body => "body",
    }
}

/// A validator of `schema` whose `$ref`s resolve within the exported document: the document is
/// the root resource and the schema under test hangs off it.
fn within(doc: &Value, schema: &Value) -> Validator {
    let mut root = doc.clone();
    root["x-under-test"] = schema.clone();
    root["$ref"] = json!("#/x-under-test");
    jsonschema::options()
        .with_draft(Draft::Draft202012)
        .should_validate_formats(true)
        .build(&root)
        .unwrap()
}

/// Every Schema Object of the document: components, parameter and media-type schemas.
fn schema_objects(doc: &Value) -> Vec<(String, &Value)> {
    let mut out = Vec::new();
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        out.push((format!("components/schemas/{name}"), schema));
    }
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for p in operation["parameters"].as_array().into_iter().flatten() {
                out.push((format!("{method} {path} {}", p["name"]), &p["schema"]));
            }
            for (status, response) in operation["responses"].as_object().unwrap() {
                for (media, content) in response["content"].as_object().into_iter().flatten() {
                    out.push((
                        format!("{method} {path} {status} {media}"),
                        &content["schema"],
                    ));
                }
            }
        }
    }
    out
}

/// Every `$ref` string in schema position (instance keywords and extensions are data).
fn references(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("$ref", Value::String(r)) => out.push(r.clone()),
                    ("examples" | "enum" | "const" | "default", _) => {}
                    (k, _) if k.starts_with("x-") => {}
                    _ => references(value, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| references(v, out)),
        _ => {}
    }
}

#[test]
fn the_export_is_a_valid_openapi_3_1_document() {
    let (_, doc) = export();
    let validator = oas_validator();
    let found = errors(&validator, &doc);
    assert!(
        found.is_empty(),
        "not valid OpenAPI 3.1:\n{}",
        found.join("\n")
    );
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(
        doc["jsonSchemaDialect"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));

    // The official schema is strict enough to matter: an optional path parameter and a missing
    // `info` are refused.
    let mut broken = doc.clone();
    let parameters = broken["paths"]
        .as_object_mut()
        .unwrap()
        .values_mut()
        .flat_map(|item| item.as_object_mut().unwrap().values_mut())
        .flat_map(|op| op["parameters"].as_array_mut().into_iter().flatten())
        .find(|p| p["in"] == "path")
        .expect("a path parameter");
    parameters["required"] = json!(false);
    assert!(!errors(&validator, &broken).is_empty());
    let mut broken = doc.clone();
    broken.as_object_mut().unwrap().remove("info");
    assert!(!errors(&validator, &broken).is_empty());
}

#[test]
fn every_schema_object_is_valid_in_the_openapi_dialect() {
    let (_, doc) = export();
    let dialect = jsonschema::options()
        .with_draft(Draft::Draft202012)
        .with_resource(
            META_BASE_ID,
            Resource::from_contents(data("oas-3.1-meta-base.json")),
        )
        .build(&data("oas-3.1-dialect-base.json"))
        .unwrap();
    // The dialect does check: a Schema Object with a malformed keyword is refused.
    assert!(!errors(&dialect, &json!({"type": 5})).is_empty());
    assert!(!errors(&dialect, &json!({"maxLength": -1})).is_empty());
    let objects = schema_objects(&doc);
    assert!(objects.len() > 10, "only {} schema objects", objects.len());
    for (place, schema) in objects {
        let found = errors(&dialect, schema);
        assert!(found.is_empty(), "{place}: {}", found.join("\n"));
        for keyword in ["$id", "$schema"] {
            assert!(schema.get(keyword).is_none(), "{place} keeps {keyword}");
        }
    }
}

#[test]
fn every_reference_points_into_the_document() {
    let (_, doc) = export();
    let mut refs = Vec::new();
    references(&doc, &mut refs);
    assert!(
        refs.iter().any(|r| r.contains("/$defs/")),
        "no reference into $defs: {refs:?}"
    );
    for reference in refs {
        let pointer = reference
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("`{reference}` leaves the document"));
        assert!(
            pointer.starts_with("/components/schemas/"),
            "`{reference}` is not a component"
        );
        assert!(
            doc.pointer(pointer).is_some(),
            "`{reference}` resolves to nothing"
        );
    }
}

#[test]
fn parameters_agree_with_the_request_schemas() {
    let (spec, doc) = export();
    let mut compared = BTreeSet::new();
    for op in spec.operations() {
        let exported = exported_operation(&doc, op);
        let parameters: Vec<&Value> = exported["parameters"]
            .as_array()
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        let mut expected = 0;
        for p in &op.parameters {
            if p.location == ParamLocation::Body {
                let member = &exported["requestBody"]["content"]["application/json"]["schema"]
                    ["properties"][&p.name];
                assert!(
                    member.is_object(),
                    "{}: body member {} missing",
                    op.id,
                    p.name
                );
                for keyword in ["type", "maxLength", "minimum", "maximum", "enum", "default"] {
                    assert_eq!(
                        member.get(keyword),
                        p.schema.get(keyword),
                        "{} {} {keyword}",
                        op.id,
                        p.name
                    );
                }
                compared.insert("requestBody");
                continue;
            }
            let found = parameters.iter().find(|e| {
                e["in"] == location(p.location)
                    && e["name"]
                        .as_str()
                        .is_some_and(|n| n.eq_ignore_ascii_case(&p.name))
            });
            if p.location == ParamLocation::Header
                && ["content-type", "accept", "authorization", "x-auth-token"]
                    .contains(&p.name.to_ascii_lowercase().as_str())
            {
                assert!(found.is_none(), "{}: header {} exported", op.id, p.name);
                if p.name.eq_ignore_ascii_case("x-auth-token") {
                    let schemes = &doc["components"]["securitySchemes"];
                    let carried = exported["security"].as_array().unwrap().iter().any(|s| {
                        s.as_object().unwrap().keys().any(|name| {
                            schemes[name]["in"] == "header"
                                && schemes[name]["name"]
                                    .as_str()
                                    .is_some_and(|n| n.eq_ignore_ascii_case(&p.name))
                        })
                    });
                    assert!(carried, "{}: {} is in no security scheme", op.id, p.name);
                }
                continue;
            }
            expected += 1;
            let e = found.unwrap_or_else(|| panic!("{}: parameter {} missing", op.id, p.name));
            assert_eq!(e["required"], json!(p.required), "{} {}", op.id, p.name);
            let schema = e["schema"].as_object().unwrap();
            for keyword in [
                "type",
                "format",
                "minLength",
                "maxLength",
                "minimum",
                "maximum",
                "enum",
                "pattern",
                "default",
            ] {
                assert_eq!(
                    schema.get(keyword),
                    p.schema.get(keyword),
                    "{} {} {keyword}",
                    op.id,
                    p.name
                );
                if schema.contains_key(keyword) {
                    compared.insert(keyword);
                }
            }
            assert!(
                !schema.keys().any(|k| k.starts_with("x-")),
                "{} {}: x- keyword inside schema",
                op.id,
                p.name
            );
            for (key, value) in p.schema.as_object().unwrap() {
                if key.starts_with("x-") {
                    assert_eq!(&e[key], value, "{} {} {key}", op.id, p.name);
                }
            }
        }
        assert_eq!(parameters.len(), expected, "{}: extra parameters", op.id);
    }
    // Every kind of documented limit was compared at least once.
    for keyword in [
        "maxLength",
        "minimum",
        "maximum",
        "enum",
        "pattern",
        "default",
    ] {
        assert!(compared.contains(keyword), "no parameter with {keyword}");
    }
}

/// Leaves of `instance` whose schema (followed through `$ref`s in the Spec) documents a
/// `maxLength`, with that limit: strings, and nulls where the schema also allows a string (the
/// documented example sends `"corp_name": null`).
fn max_length_leaves(
    spec: &Spec,
    file: &str,
    schema: &Value,
    instance: &Value,
    pointer: &str,
    out: &mut Vec<(String, u64)>,
) {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let (target_file, target) = spec.resolve(file, reference).unwrap();
        max_length_leaves(spec, &target_file, target, instance, pointer, out);
    }
    let allows_string = match schema.get("type") {
        Some(Value::String(t)) => t == "string",
        Some(Value::Array(types)) => types.iter().any(|t| t == "string"),
        _ => false,
    };
    if let Some(max) = schema.get("maxLength").and_then(Value::as_u64) {
        if instance.is_string() || (instance.is_null() && allows_string) {
            out.push((pointer.to_string(), max));
        }
    }
    if let (Some(properties), Value::Object(fields)) = (
        schema.get("properties").and_then(Value::as_object),
        instance,
    ) {
        for (name, value) in fields {
            if let Some(property) = properties.get(name) {
                let pointer = format!("{pointer}/{}", escape_pointer(name));
                max_length_leaves(spec, file, property, value, &pointer, out);
            }
        }
    }
    if let (Some(items), Value::Array(values)) = (schema.get("items"), instance) {
        for (i, value) in values.iter().enumerate() {
            max_length_leaves(spec, file, items, value, &format!("{pointer}/{i}"), out);
        }
    }
}

#[test]
fn responses_agree_with_the_response_schemas() {
    let (spec, doc) = export();
    let mut examples_checked = 0;
    let mut overlong_checked = BTreeSet::new();
    for op in spec.operations() {
        let exported = exported_operation(&doc, op);
        let documented: Vec<u16> = op.responses().map(|r| r.status).collect();
        let statuses: Vec<u16> = exported["responses"]
            .as_object()
            .unwrap()
            .keys()
            .map(|s| s.parse().unwrap())
            .collect();
        assert_eq!(statuses, documented, "{}", op.id);
        for response in op.responses() {
            let exported = &exported["responses"][response.status.to_string()];
            for entry in op.errors.iter().filter(|e| e.status == response.status) {
                let description = exported["description"].as_str().unwrap();
                assert!(
                    description.contains(&entry.meaning),
                    "{} {}: {description}",
                    op.id,
                    response.status
                );
            }
            // The media types: each entry's own, else the operation's documented one.
            let mut media: Vec<&str> = op
                .errors
                .iter()
                .filter(|e| e.status == response.status)
                .map(|e| e.content_type.as_deref().unwrap_or(&op.meta.content_type))
                .collect();
            if media.is_empty() {
                media.push(&op.meta.content_type);
            }
            let content = exported["content"].as_object().unwrap();
            for media_type in &media {
                assert!(
                    content.contains_key(*media_type),
                    "{} {}: no {media_type} in {:?}",
                    op.id,
                    response.status,
                    content.keys()
                );
            }
            assert!(
                content.keys().all(|k| media.contains(&k.as_str())),
                "{} {}: undocumented media type in {:?}",
                op.id,
                response.status,
                content.keys()
            );
            let schema = &content[media[0]]["schema"];
            assert!(
                schema.is_object(),
                "{} {}: no schema",
                op.id,
                response.status
            );
            let validator = within(&doc, schema);
            // The documented examples of this status; an error file that is a bare `$ref`
            // documents the examples of the body it names.
            let mut examples: Vec<&Value> = response.examples().iter().collect();
            if examples.is_empty() {
                if let Some(reference) = response.schema.get("$ref").and_then(Value::as_str) {
                    let (_, target) = spec.resolve(&response.file, reference).unwrap();
                    examples.extend(target["examples"].as_array().into_iter().flatten());
                }
            }
            for example in examples {
                let found = errors(&validator, example);
                assert!(found.is_empty(), "{}: {}", response.file, found.join("\n"));
                examples_checked += 1;

                let mut leaves = Vec::new();
                max_length_leaves(
                    &spec,
                    &response.file,
                    &response.schema,
                    example,
                    "",
                    &mut leaves,
                );
                for (pointer, max) in leaves {
                    let mut body = example.clone();
                    let field = body.pointer_mut(&pointer).unwrap();
                    let text = field.as_str().unwrap_or_default();
                    let pad = usize::try_from(max).unwrap() + 1 - text.chars().count();
                    *field = Value::from(format!("{text}{}", "x".repeat(pad)));
                    assert!(
                        response
                            .validate(&body)
                            .iter()
                            .any(|v| v.keyword == "maxLength"),
                        "{}{pointer}: the Spec accepts an overlong value",
                        response.file
                    );
                    let refused = validator
                        .iter_errors(&body)
                        .any(|e| e.schema_path().to_string().ends_with("/maxLength"));
                    assert!(
                        refused,
                        "{} {}{pointer}: the export accepts {} characters (maxLength {max})",
                        op.id,
                        response.status,
                        max + 1
                    );
                    overlong_checked.insert(format!("{}{pointer}", op.id));
                }
            }
        }
    }
    assert!(examples_checked >= 4, "only {examples_checked} examples");
    assert!(
        overlong_checked
            .iter()
            .any(|p| p.starts_with("customers_v1/customer_info_list/") && p.ends_with("/corp_name")),
        "{overlong_checked:?}"
    );
}

#[test]
fn every_catalogue_entry_and_credential_is_exported() {
    let (spec, doc) = export();
    for op in spec.operations() {
        let exported = exported_operation(&doc, op);
        assert_eq!(exported["operationId"], op.id.as_str());
        assert_eq!(exported["summary"], op.meta.title.as_str());
        let entries = exported["x-errors"].as_array().unwrap();
        assert_eq!(entries.len(), op.errors.len(), "{}", op.id);
        for entry in &op.errors {
            let role = serde_json::to_value(entry.role).unwrap();
            let code = entry.error_code.clone().map_or(Value::Null, Value::from);
            assert!(
                entries.iter().any(|e| e["status"] == entry.status
                    && e["error_code"] == code
                    && e["meaning"] == entry.meaning.as_str()
                    && e["role"] == role
                    && (e["aliases"] == json!(entry.aliases)
                        || (entry.aliases.is_empty() && e.get("aliases").is_none()))
                    && e["content_type"].as_str() == entry.content_type.as_deref()),
                "{}: {} {code} missing from x-errors",
                op.id,
                entry.status
            );
        }
        let security = exported["security"].as_array().unwrap();
        assert_eq!(security.len(), op.meta.auth.len(), "{}", op.id);
        for requirement in security {
            let (name, scopes) = requirement.as_object().unwrap().iter().next().unwrap();
            assert_eq!(scopes, &json!([]));
            let scheme = &doc["components"]["securitySchemes"][name];
            assert_eq!(scheme["type"], "apiKey", "{name}");
            assert_eq!(scheme["in"], "header", "{name}");
        }
    }
    // AICC is served from the customer's domain, BSS from the international endpoint.
    let aicc = spec
        .operations()
        .iter()
        .find(|op| op.id.as_str() == "aicc_tenant")
        .unwrap();
    let servers = &exported_operation(&doc, aicc)["servers"];
    assert_eq!(servers[0]["url"], "https://{domain}");
    assert_eq!(
        servers[0]["variables"]["domain"]["default"],
        "service.besclouds.com"
    );
    assert_eq!(
        doc["servers"][0]["url"],
        "https://bss-intl.myhuaweicloud.com"
    );
}

#[test]
fn the_export_is_deterministic_and_follows_the_schemas() {
    let (spec, doc) = export();
    let again = openapi(&spec);
    assert_eq!(doc, again);
    assert_eq!(
        serde_json::to_string_pretty(&doc).unwrap(),
        serde_json::to_string_pretty(&again).unwrap()
    );
    let from_dir =
        Spec::from_dir(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas")).unwrap();
    assert_eq!(
        openapi(&from_dir),
        doc,
        "schemas/ and the embedded copy differ"
    );

    // An edited contract gives an edited export: one more character for every string
    // parameter with a maxLength in customers_v1.
    let edited: Vec<(String, String)> = embedded_sources()
        .into_iter()
        .map(|(path, text)| {
            if path != "customers_v1/request.json" {
                return (path, text);
            }
            let mut schema: Value = serde_json::from_str(&text).unwrap();
            let query = schema["properties"]["query"]["properties"]
                .as_object_mut()
                .unwrap();
            for property in query.values_mut() {
                if let Some(max) = property.get("maxLength").and_then(Value::as_u64) {
                    property["maxLength"] = json!(max + 1);
                }
            }
            (path, schema.to_string())
        })
        .collect();
    let edited_spec = Spec::from_sources(edited).unwrap();
    let edited_doc = openapi(&edited_spec);
    let op = edited_spec
        .operations()
        .iter()
        .find(|op| op.id.as_str() == "customers_v1")
        .unwrap();
    let original = spec.operations().iter().find(|o| o.id == op.id).unwrap();
    let mut changed = 0;
    for p in op.parameters_in(ParamLocation::Query) {
        let Some(max) = p.limit("maxLength") else {
            continue;
        };
        let was = original.parameter(ParamLocation::Query, &p.name).unwrap();
        assert_eq!(Some(max), was.limit("maxLength").map(|m| m + 1));
        let exported = exported_operation(&edited_doc, op)["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == p.name.as_str())
            .unwrap();
        assert_eq!(exported["schema"]["maxLength"], json!(max), "{}", p.name);
        changed += 1;
    }
    assert!(changed > 0);
}
