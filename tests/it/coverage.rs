//! The coverage of the documentation: the requirements catalogue holds every documented cell,
//! error and semantic; the embedded mock verifies every documented requirement; each
//! `not_exercised` reason comes from its cause; a target without data says so and fails a
//! coverage gate.

use crate::other_data::{fixtures_file, run_against, Served};
use crate::run_suite::run;
use partner_conformance::checks::support::coverage::catalogue;
use partner_conformance::spec::{Spec, Subject};
use serde_json::Value;
use std::collections::BTreeSet;

/// The record tables of the pages and the list field of the success body that holds them.
const RECORD_TABLES: &[(&str, &str)] = &[
    ("CustomerInfo", "customer_info_list"),
    ("CustomerInformation", "customer_infos"),
];

#[test]
fn the_catalogue_has_an_entry_for_every_documented_cell_error_and_semantic() {
    let spec = Spec::embedded().unwrap();
    let list = catalogue(&spec);
    let ids: BTreeSet<String> = list.iter().map(|r| r.id.to_string()).collect();
    let tsv = include_str!("../data/documented-fields.tsv");
    let mut cells = 0;
    for line in tsv.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (op, place, field) = (cols[0], cols[1], cols[2]);
        let prefix = match place {
            "path" | "query" | "body" => format!("{op}.{place}.{field}"),
            "headers" => format!("{op}.header.{field}"),
            response if response.starts_with("response.") => format!("{op}.{response}.{field}"),
            table => {
                let list_field = RECORD_TABLES
                    .iter()
                    .find(|(t, _)| *t == table)
                    .unwrap_or_else(|| panic!("unknown table {table}"))
                    .1;
                format!("{op}.response.200.{list_field}.{field}")
            }
        };
        let has = |keyword: &str| ids.contains(&format!("{prefix}.{keyword}"));
        let any = ids.iter().any(|id| id.starts_with(&format!("{prefix}.")));
        for (column, keyword) in [
            (3, "type"),
            (4, "maxLength"),
            (5, "minimum"),
            (6, "maximum"),
        ] {
            if cols[column] != "-" {
                cells += 1;
                assert!(
                    has(keyword),
                    "{line}: no requirement {prefix}.{keyword} for the `{}` cell",
                    cols[column]
                );
            }
        }
        cells += 1;
        match cols[7] {
            "yes" => assert!(has("required"), "{line}: no {prefix}.required"),
            // Optional: a request parameter's absent form where the pages give the forms, and
            // otherwise the field's own rules (an optional field has no rule of presence).
            _ => assert!(
                has("x-presence.absent") || any,
                "{line}: no requirement under {prefix}"
            ),
        }
    }
    assert!(cells > 200, "{cells} cells");
    // Every documented error of every operation, and one semantic per stateful check that
    // applies.
    for op in spec.operations() {
        for entry in &op.errors {
            assert!(
                list.iter().any(|r| r.operation == op.id
                    && matches!(&r.subject, Subject::Error { status, code, .. }
                        if *status == entry.status && *code == entry.error_code)),
                "{} {} {:?} has no requirement",
                op.id,
                entry.status,
                entry.error_code
            );
        }
    }
    for id in [
        "customers_v1.semantic.pagination",
        "customers_v1.semantic.default_page_size",
        "customers_v1.semantic.fuzzy_filter",
        "customers_v1.semantic.wire_forms",
        "customers_v1.semantic.not_found_empty_list",
        "customers_v1.semantic.auth_required",
        "customers_v2.semantic.time_range_filter",
        "budget_v1.semantic.budget_by_association_type",
        "customers_v1.query.page_size.x-presence.null",
        "customers_v1.query.page_size.x-presence.quoted-empty",
        "customers_v1.response.content_type",
    ] {
        assert!(ids.contains(id), "{id} missing");
    }
    // Every requirement quotes the English page; the old customers page also has a Chinese one.
    for requirement in &list {
        assert!(
            requirement.doc.is_some(),
            "{} quotes nothing",
            requirement.id
        );
    }
    assert!(list
        .iter()
        .any(|r| r.id.as_str() == "customers_v1.query.page_size.maximum"
            && r.doc.as_ref().is_some_and(|d| d.zh.is_some())));
}

/// The coverage entries of a report with a status, by id.
fn with_status<'a>(report: &'a Value, status: &str) -> Vec<&'a Value> {
    report["coverage"]["requirements"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["status"] == status)
        .collect()
}

/// The reason of one requirement, when it was not exercised.
fn reason_of<'a>(report: &'a Value, id: &str) -> &'a str {
    report["coverage"]["requirements"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["id"] == id)
        .and_then(|r| r["reason"]["reason"].as_str())
        .unwrap_or("")
}

#[test]
fn the_embedded_mock_verifies_every_documented_requirement() {
    let outcome = run(&["--seed", "11"]);
    assert_eq!(outcome.code, 0, "{}", outcome.stdout);
    let overall = &outcome.report["coverage"]["overall"];
    assert!(overall["documented"].as_u64().unwrap() > 300, "{overall}");
    assert_eq!(overall["verified"], overall["documented"], "{overall}");
    let missing: Vec<&Value> = with_status(&outcome.report, "not_exercised")
        .into_iter()
        .filter(|r| r["counted"] == true)
        .collect();
    assert!(missing.is_empty(), "{missing:#?}");
    // What no client can provoke is listed, outside the figure.
    assert_eq!(
        reason_of(&outcome.report, "customers_v1.error.500.CBC_0999"),
        "not_provokable"
    );
}
