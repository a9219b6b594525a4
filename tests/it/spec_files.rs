//! `schemas/` itself: valid 2020-12 schemas, documented examples that validate, clear errors for a
//! broken contract, and no documented limit repeated in `src/`.

use partner_conformance::spec::{embedded_sources, Spec};
use serde_json::Value;

#[test]
fn every_schema_is_valid_against_the_2020_12_meta_schema() {
    let sources = embedded_sources();
    assert!(sources.len() >= 15, "only {} schema files", sources.len());
    for (path, text) in sources {
        let schema: Value = serde_json::from_str(&text).unwrap();
        if let Err(error) = jsonschema::draft202012::meta::validate(&schema) {
            panic!("{path}: {error}");
        }
        assert_eq!(
            schema["$schema"], "https://json-schema.org/draft/2020-12/schema",
            "{path} declares draft 2020-12"
        );
    }
}

#[test]
fn every_documented_example_validates_against_its_schema() {
    let spec = Spec::embedded().unwrap();
    let mut checked = 0;
    for op in spec.operations() {
        for response in op.responses() {
            for example in response.examples() {
                let violations = response.validate(example);
                assert!(violations.is_empty(), "{}: {violations:?}", response.file);
                checked += 1;
            }
        }
    }
    // customers_v1, budget_v1 and aicc_tenant each document one 200 example.
    assert!(checked >= 3, "only {checked} examples");
    let gateway = spec
        .files()
        .find(|(p, _)| *p == "common/gateway-error.json")
        .unwrap()
        .1;
    assert!(!gateway["examples"].as_array().unwrap().is_empty());
}

#[test]
fn every_operation_documents_its_success_and_error_statuses() {
    let spec = Spec::embedded().unwrap();
    for op in spec.operations() {
        assert!(op.response(op.meta.success_status).is_some(), "{}", op.id);
        assert!(!op.errors.is_empty(), "{}", op.id);
        for entry in &op.errors {
            assert!(
                op.response(entry.status).is_some(),
                "{} {}",
                op.id,
                entry.status
            );
        }
        for param in &op.parameters {
            assert!(
                param.doc.is_some(),
                "{}: {} has no x-doc",
                op.id,
                param.name
            );
        }
    }
}

/// Replaces one file of the embedded contract and returns the load error.
fn load_error(file: &str, edit: impl FnOnce(String) -> String) -> String {
    let mut sources = embedded_sources();
    let entry = sources.iter_mut().find(|(p, _)| p == file).unwrap();
    entry.1 = edit(std::mem::take(&mut entry.1));
    Spec::from_sources(sources).unwrap_err().to_string()
}

#[test]
fn a_broken_contract_gets_an_error_naming_file_and_place() {
    let error = load_error("budget_v1/request.json", |t| t.replacen('{', "{,", 1));
    assert!(error.starts_with("budget_v1/request.json:1:"), "{error}");

    let error = load_error("customers_v1/request.json", |t| {
        t.replace("\"x-presence\"", "\"x-presense\"")
    });
    assert!(error.contains("customers_v1/request.json"), "{error}");
    assert!(error.contains("unknown keyword `x-presense`"), "{error}");
    assert!(error.contains("did you mean `x-presence`"), "{error}");

    let error = load_error("customers_v1/request.json", |t| {
        t.replacen("\"match-empty\"", "\"matches\"", 1)
    });
    assert!(
        error.contains("/properties/query/properties/domain_name/x-presence"),
        "{error}"
    );

    let error = load_error("customers_v1/request.json", |t| {
        t.replace("\"maxLength\": 128", "\"maxLength\": \"128\"")
    });
    assert!(error.contains("not a valid 2020-12 JSON Schema"), "{error}");

    let error = load_error("customers_v1/request.json", |t| {
        t.replace("\"cooperationTimeEnd\"\n", "\"cooperationTimeFinish\"\n")
    });
    assert!(error.contains("cooperationTimeFinish"), "{error}");

    let error = load_error("aicc_tenant/response.200.json", |t| {
        t.replace("aicc_tenant/response.200.json", "aicc/response.json")
    });
    assert!(error.contains("`$id`"), "{error}");

    let error = load_error("customers_v1/response.200.json", |t| {
        t.replacen("../common/cbc-error-v1.json#", "../common/nope.json#", 1)
    });
    assert!(
        error.starts_with("customers_v1/response.200.json: /properties/")
            && error.contains("refers to common/nope.json, which is not a file of the contract"),
        "{error}"
    );

    // Written absolute, even as the contract's own base, a reference is not read as one.
    for absolute in [
        "https://example.com/x.json#",
        "https://partner-conformance.invalid/schemas/common/cbc-error-v1.json#",
    ] {
        let error = load_error("customers_v1/response.200.json", |t| {
            t.replacen("../common/cbc-error-v1.json#", absolute, 1)
        });
        assert!(error.contains("is absolute"), "{error}");
    }
    let error = load_error("customers_v1/response.200.json", |t| {
        t.replacen(
            "../common/cbc-error-v1.json#",
            "../../x-vocabulary.json#",
            1,
        )
    });
    assert!(error.contains("leaves the schemas directory"), "{error}");

    let mut sources = embedded_sources();
    sources.retain(|(p, _)| p != "budget_v1/response.500.json");
    let error = Spec::from_sources(sources).unwrap_err().to_string();
    assert!(
        error.contains("status 500") && error.contains("budget_v1/response.500.json"),
        "{error}"
    );
}

#[test]
fn a_ref_in_data_or_spelled_with_dot_segments_is_not_refused() {
    let mut sources = embedded_sources();
    let entry = sources
        .iter_mut()
        .find(|(p, _)| p == "customers_v1/response.200.json")
        .unwrap();
    // An example holding a `$ref` member is data; `./../common/` is the same file as `../common/`.
    entry.1 = entry
        .1
        .replacen(
            "../common/cbc-error-v1.json#",
            "./../common/cbc-error-v1.json#",
            1,
        )
        .replacen('{', r#"{"examples": [{"$ref": "nowhere.json"}],"#, 1);
    Spec::from_sources(sources).unwrap();
}

#[test]
fn a_schemas_directory_loads_like_the_embedded_copy() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    let from_disk = Spec::from_dir(&dir).unwrap();
    let embedded = Spec::embedded().unwrap();
    assert_eq!(from_disk.files().count(), embedded.files().count());
    let error = Spec::from_dir(std::path::Path::new("/nonexistent/schemas"))
        .unwrap_err()
        .to_string();
    assert!(error.contains("/nonexistent/schemas"), "{error}");
}

/// Documented limits and codes live in `schemas/` only. This scans the non-test part of every
/// source file for the documented error codes and for the distinctive documented limits.
/// Numbers in src/ that equal a documented limit by chance, each reviewed, with what it is.
const COINCIDENCES: &[(&str, i64, &str)] = &[
    (
        "cli/run.rs",
        256,
        "the default number of generated cases, not the 256-character email of customers_v2",
    ),
    (
        "settings.rs",
        100,
        "a whole in percent (FULL_PERCENT), not the documented page size maximum",
    ),
];

#[test]
fn src_repeats_no_documented_limit_or_code() {
    let spec = Spec::embedded().unwrap();
    let mut codes = std::collections::BTreeSet::new();
    let mut limits = std::collections::BTreeSet::new();
    for (_, value) in spec.files() {
        collect(value, &mut codes, &mut limits);
    }
    assert!(codes.contains("CBC.0100") && limits.contains(&128));
    // Numbers that also have unrelated meanings in code (hex digest lengths, clock values) would
    // drown the signal; the distinctive documented limits are checked.
    limits.retain(|n| *n >= 100);
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut offences = Vec::new();
    // `tests.rs` and `testing.rs` are test modules included under `#[cfg(test)]` by their parent.
    for path in rust_files(&root)
        .into_iter()
        .filter(|p| !p.ends_with("tests.rs") && !p.ends_with("testing.rs"))
    {
        let text = std::fs::read_to_string(&path).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for (n, line) in code.lines().enumerate() {
            let line = line.trim();
            if line.starts_with("//") {
                continue;
            }
            for code in &codes {
                if line.contains(code.as_str()) {
                    offences.push(format!("{}:{}: error code {code}", path.display(), n + 1));
                }
            }
            // Whole numbers only: the 256 of `sha256` is part of a name, not a limit.
            for number in line
                .split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
            {
                let coincidence = COINCIDENCES.iter().any(|(file, value, _)| {
                    path.ends_with(file) && number.parse::<i64>() == Ok(*value)
                });
                if !coincidence && number.parse::<i64>().is_ok_and(|n| limits.contains(&n)) {
                    offences.push(format!(
                        "{}:{}: documented limit {number}",
                        path.display(),
                        n + 1
                    ));
                }
            }
        }
    }
    assert!(
        offences.is_empty(),
        "documented values typed in src/:\n{}",
        offences.join("\n")
    );
}

fn collect(
    value: &Value,
    codes: &mut std::collections::BTreeSet<String>,
    limits: &mut std::collections::BTreeSet<i64>,
) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("error_code", Value::String(code)) => {
                        codes.insert(code.clone());
                    }
                    ("maxLength" | "minLength" | "maximum" | "minimum", Value::Number(n)) => {
                        if let Some(n) = n.as_i64() {
                            limits.insert(n);
                        }
                    }
                    _ => {}
                }
                collect(value, codes, limits);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect(v, codes, limits)),
        _ => {}
    }
}

fn rust_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// Every position named anywhere (a schema's `x-position`, an `x-errors` entry's `position`, a
/// scenario's `ambiguity`, the drift catalogue) is a row of the ambiguity table: an observation
/// must point a reader at the reading it rests on.
#[test]
fn every_position_named_is_a_row_of_the_ambiguity_table() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("schemas/README.md")).unwrap();
    let rows: std::collections::BTreeSet<String> = readme
        .lines()
        .filter_map(|l| l.strip_prefix("| A"))
        .filter_map(|l| l.split_once(' ').map(|(n, _)| format!("A{n}")))
        .collect();
    let mut named: Vec<(String, String)> = Vec::new();
    fn walk(value: &Value, file: &str, out: &mut Vec<(String, String)>) {
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    match (key.as_str(), child) {
                        ("x-position", Value::Object(m)) => out.extend(
                            m.values()
                                .filter_map(Value::as_str)
                                .map(|a| (file.to_string(), a.to_string())),
                        ),
                        ("position" | "ambiguity", Value::String(a)) => {
                            out.push((file.to_string(), a.clone()))
                        }
                        _ => walk(child, file, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|i| walk(i, file, out)),
            _ => {}
        }
    }
    for (path, text) in embedded_sources() {
        // The vocabulary defines the keywords; it names no position.
        if path != partner_conformance::spec::VOCABULARY_FILE {
            walk(&serde_json::from_str(&text).unwrap(), &path, &mut named);
        }
    }
    for dir in std::fs::read_dir(root.join("cases")).unwrap() {
        let dir = dir.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&dir).unwrap() {
            let file = file.unwrap().path();
            let text = std::fs::read_to_string(&file).unwrap();
            walk(
                &serde_json::from_str(&text).unwrap(),
                &file.display().to_string(),
                &mut named,
            );
        }
    }
    for drift in partner_conformance::mock::DRIFTS {
        if let Some(position) = drift.position {
            named.push((format!("drift {}", drift.name), position.to_string()));
        }
    }
    assert!(named.len() > 40, "too few positions found: {named:?}");
    let unknown: Vec<_> = named.iter().filter(|(_, a)| !rows.contains(a)).collect();
    assert!(
        unknown.is_empty(),
        "not rows of the ambiguity table: {unknown:?}"
    );
}
