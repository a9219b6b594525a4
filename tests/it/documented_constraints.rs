//! A table-driven check of every documented field (name, type, maximum length, range, mandatory)
//! against `schemas/`. The table in `tests/data/documented-fields.tsv` is a second, independent
//! transcription of the seed pages: a typo in either shows up here.

use partner_conformance::spec::{OperationId, ParamLocation, Spec};
use serde_json::Value;

struct Row {
    line: usize,
    operation: OperationId,
    place: String,
    field: String,
    ty: String,
    max_length: Option<u64>,
    minimum: Option<i64>,
    maximum: Option<i64>,
    mandatory: bool,
}

fn rows() -> Vec<Row> {
    let text = include_str!("../data/documented-fields.tsv");
    let dash = |s: &str| (s != "-").then(|| s.to_string());
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.starts_with('#') && !l.trim().is_empty())
        .map(|(i, line)| {
            let cells: Vec<&str> = line.split('\t').collect();
            assert!(cells.len() >= 8, "line {}: {line:?}", i + 1);
            Row {
                line: i + 1,
                operation: cells[0].parse().unwrap(),
                place: cells[1].into(),
                field: cells[2].into(),
                ty: cells[3].into(),
                max_length: dash(cells[4]).map(|s| s.parse().unwrap()),
                minimum: dash(cells[5]).map(|s| s.parse().unwrap()),
                maximum: dash(cells[6]).map(|s| s.parse().unwrap()),
                mandatory: cells[7] == "yes",
            }
        })
        .collect()
}

/// The flattened schema of the field and whether its parent lists it as required.
fn locate(spec: &Spec, row: &Row) -> (Value, bool) {
    let op = spec.operation(row.operation);
    let location = match row.place.as_str() {
        "path" => Some(ParamLocation::Path),
        "query" => Some(ParamLocation::Query),
        "headers" => Some(ParamLocation::Header),
        "body" => Some(ParamLocation::Body),
        _ => None,
    };
    if let Some(location) = location {
        let param = op.parameter(location, &row.field).unwrap_or_else(|| {
            panic!(
                "line {}: no {} parameter {}",
                row.line, row.place, row.field
            )
        });
        return (param.schema.clone(), param.required);
    }
    let (status, parent) = match row.place.as_str() {
        "CustomerInfo" => (200, Some("CustomerInfo")),
        "CustomerInformation" => (200, Some("CustomerInformation")),
        place => (place.trim_start_matches("response.").parse().unwrap(), None),
    };
    let response = op.response(status).unwrap();
    let mut object = spec.flatten(&response.file, &response.schema);
    if let Some(def) = parent {
        object = spec.flatten(&response.file, &response.schema["$defs"][def]);
    }
    let property = object["properties"].get(&row.field).unwrap_or_else(|| {
        panic!(
            "line {}: no field {} in {}",
            row.line, row.field, response.file
        )
    });
    let required = object["required"]
        .as_array()
        .is_some_and(|r| r.iter().any(|f| f == row.field.as_str()));
    (spec.flatten(&response.file, property), required)
}

#[test]
fn every_documented_field_matches_the_schema() {
    let spec = Spec::embedded().unwrap();
    let rows = rows();
    assert!(rows.len() >= 40, "only {} rows", rows.len());
    for row in &rows {
        let (schema, required) = locate(&spec, row);
        let where_ = format!(
            "tsv line {}: {} {} {}",
            row.line, row.operation, row.place, row.field
        );
        let types: Vec<&str> = match &schema["type"] {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            other => panic!("{where_}: no type ({other})"),
        };
        assert!(
            types.contains(&row.ty.as_str()),
            "{where_}: type {types:?}, documented {}",
            row.ty
        );
        assert_eq!(
            schema["maxLength"].as_u64(),
            row.max_length,
            "{where_}: maxLength"
        );
        assert_eq!(
            schema["minimum"].as_i64().filter(|_| row.minimum.is_some()),
            row.minimum,
            "{where_}: minimum"
        );
        assert_eq!(
            schema["maximum"].as_i64().filter(|_| row.maximum.is_some()),
            row.maximum,
            "{where_}: maximum"
        );
        assert_eq!(required, row.mandatory, "{where_}: mandatory");
    }
}

/// Every request parameter and every response field the schemas define has a row, so a field
/// added to a schema without documentation behind it is noticed.
#[test]
fn the_table_covers_every_parameter() {
    let spec = Spec::embedded().unwrap();
    let rows = rows();
    for op in spec.operations() {
        for param in &op.parameters {
            if param.location == ParamLocation::Header && param.name == "content-type" {
                continue; // The example's header, not a table row.
            }
            assert!(
                rows.iter()
                    .any(|r| r.operation == op.id && r.field == param.name),
                "{} {} has no row in documented-fields.tsv",
                op.id,
                param.name
            );
        }
    }
}
