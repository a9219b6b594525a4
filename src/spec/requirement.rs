//! The requirements catalogue: one entry per documented rule, derived from `schemas/` alone, so
//! the coverage of a run can say which rules of the documentation it verified on a target. An
//! entry's id is the [`RuleId`] a finding violating it carries (`customers_v1.query.page_size.maximum`,
//! `customers_v1.response.200.customer_info_list.corp_name.maxLength`,
//! `budget_v1.error.403.CBC_7600`), so a baseline fingerprint and a requirement name the same
//! rule. Nothing here is typed in Rust: the constraint keywords of each parameter and response
//! field, the `x-presence` forms, the `x-errors` entries and the operation's own row are read
//! from the contract, each with its quote (English, and Chinese where a Chinese page exists) and
//! its position when the rule rests on one.

use super::model::{Operation, Spec};
use super::operation::OperationId;
use super::parameter::{ParamLocation, Parameter};
use super::position::Position;
use super::rule::RuleId;
use super::vocabulary::{DocRef, ErrorRole};
use serde::Serialize;
use serde_json::Value;

/// The JSON Schema keywords of a request parameter that constrain what a client may send.
/// `minLength` is left to the `x-presence` forms where a parameter has them (its only effect
/// there is refusing the empty forms, which they state one by one).
const REQUEST_KEYWORDS: &[&str] = &[
    "type",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "enum",
    "pattern",
    "format",
];

/// The `x-` keywords of a request parameter that state a rule of their own: a companion it must
/// come with, a parameter it must not be later than, documented values that are refused.
const REQUEST_X_KEYWORDS: &[&str] = &["x-requires", "x-not-after", "x-unsupported"];

/// The JSON Schema keywords of a response field that a validated value must meet.
const RESPONSE_KEYWORDS: &[&str] = &[
    "type",
    "const",
    "enum",
    "minimum",
    "maximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "pattern",
    "format",
];

/// How deep `$ref`s and nesting are followed (the contract nests three levels).
const MAX_DEPTH: usize = 16;

/// What a requirement is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Subject {
    /// A constraint of a request parameter (a keyword of its schema, `required`, an `x-`
    /// rule, or one `x-presence` form as `x-presence.null`).
    Request {
        /// Where the parameter goes.
        location: ParamLocation,
        /// Its name.
        name: String,
        /// The keyword.
        keyword: String,
    },
    /// A constraint of a response field (a keyword of its schema, or `required`).
    Response {
        /// The documented status.
        status: u16,
        /// The field path (`customer_info_list.corp_name`; `body` for the whole body).
        path: String,
        /// The keyword.
        keyword: String,
        /// The pages say the field is returned only when the query fails (`x-only-on-failure`):
        /// no success shows it.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        only_on_failure: bool,
    },
    /// An entry of the error catalogue (`x-errors`): this status and code answer its situation.
    Error {
        /// HTTP status.
        status: u16,
        /// Body error code, when the body has one.
        code: Option<String>,
        /// The situation it answers.
        role: ErrorRole,
    },
    /// A rule of the operation's own row: the media type of its answers.
    ContentType,
    /// A documented semantic a stateful check verifies on the operation (paging, filters,
    /// not-found, authentication...), named after that check.
    Semantic {
        /// The check's name.
        check: String,
    },
}

/// One documented rule.
#[derive(Debug, Clone, Serialize)]
pub struct Requirement {
    /// Stable id, the rule id of the findings that violate it.
    pub id: RuleId,
    /// Its operation.
    pub operation: OperationId,
    /// What it is about.
    #[serde(flatten)]
    pub subject: Subject,
    /// The rule in a few words (`query.page_size: maximum 100`).
    pub statement: String,
    /// The position it rests on, when the pages leave it open (`None`: documented).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<Position>,
    /// The documentation it quotes: English row, and the Chinese one where a page exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub doc: Option<DocQuotes>,
}

/// The quotes of a requirement, as reports show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocQuotes {
    /// `file · table · row` of the English page.
    pub source: String,
    /// The English cells.
    pub en: String,
    /// The Chinese cells, where a Chinese page exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zh: Option<String>,
}

impl DocQuotes {
    fn of(doc: &DocRef) -> DocQuotes {
        DocQuotes {
            source: format!("{} · {} · {}", doc.en.file, doc.en.table, doc.en.row),
            en: doc.en.text.clone(),
            zh: doc.zh.as_ref().map(|z| z.text.clone()),
        }
    }
}

/// A semantic a stateful check verifies on an operation: the check's name, its statement and
/// the documentation it rests on.
pub type Semantic = (String, String, Option<DocRef>);

/// Builds the catalogue of a contract: per operation, its request constraints, its response
/// field constraints, its error catalogue, its Content-Type and the semantics `semantics` names
/// for it (the stateful checks that apply to it, from the check registry, which sits above this
/// layer and passes them in with the documentation each rests on).
pub fn catalogue(spec: &Spec, semantics: &dyn Fn(&Operation) -> Vec<Semantic>) -> Vec<Requirement> {
    let mut out = Vec::new();
    for op in spec.operations() {
        let start = out.len();
        for parameter in &op.parameters {
            request_requirements(op, parameter, &mut out);
        }
        for response in op.responses() {
            let mut path = Vec::new();
            // The response table's own quote, or the operation's row where the table has none.
            let doc = response_doc(spec, &response.file, &response.schema)
                .or_else(|| Some(op.meta.doc.clone()));
            response_requirements(
                spec,
                op.id,
                response.status,
                &response.file,
                &response.schema,
                &mut path,
                doc,
                0,
                &mut out,
            );
        }
        for entry in &op.errors {
            let id = RuleId::entry(op.id, entry);
            if out[start..].iter().any(|r: &Requirement| r.id == id) {
                continue;
            }
            out.push(Requirement {
                id,
                operation: op.id,
                subject: Subject::Error {
                    status: entry.status,
                    code: entry.error_code.clone(),
                    role: entry.role,
                },
                statement: format!(
                    "{} {}: {}",
                    entry.status,
                    entry.error_code.as_deref().unwrap_or("(no code)"),
                    entry.meaning
                ),
                position: entry.position.clone(),
                doc: Some(DocQuotes::of(&entry.doc)),
            });
        }
        out.push(Requirement {
            id: RuleId::response(op.id, "content_type"),
            operation: op.id,
            subject: Subject::ContentType,
            statement: format!("answers carry Content-Type {}", op.meta.content_type),
            position: op.meta.positions.get("content_type").cloned(),
            doc: Some(DocQuotes::of(&op.meta.doc)),
        });
        for (check, summary, doc) in semantics(op) {
            out.push(Requirement {
                id: RuleId::semantic(op.id, &check),
                operation: op.id,
                subject: Subject::Semantic {
                    check: check.clone(),
                },
                statement: summary,
                position: None,
                doc: doc.as_ref().map(DocQuotes::of),
            });
        }
    }
    out
}

/// What a form means, in the vocabulary's words.
fn outcome_word(outcome: super::vocabulary::PresenceOutcome) -> &'static str {
    use super::vocabulary::PresenceOutcome as O;
    match outcome {
        O::Ignore => "not a filter",
        O::Default => "the default applies",
        O::Reject => "refused as an invalid parameter",
        O::MatchEmpty => "selects records whose field is empty",
        O::Value => "taken as a value",
    }
}

fn request_requirements(op: &Operation, p: &Parameter, out: &mut Vec<Requirement>) {
    let doc = p.doc.as_ref().map(DocQuotes::of);
    let mut push = |keyword: String, statement: String| {
        let position = p.position_of(&keyword).cloned().or_else(|| {
            // A form rests on the position of its keyword when it has none of its own.
            keyword
                .split_once('.')
                .and_then(|(base, _)| p.position_of(base).cloned())
        });
        out.push(Requirement {
            id: RuleId::parameter(op.id, p.location, &p.name, &keyword),
            operation: op.id,
            subject: Subject::Request {
                location: p.location,
                name: p.name.clone(),
                keyword: keyword.clone(),
            },
            statement: format!("{}: {statement}", p.label()),
            position,
            doc: doc.clone(),
        });
    };
    if p.required {
        push("required".into(), "mandatory".into());
    }
    for keyword in REQUEST_KEYWORDS {
        if *keyword == "minLength" && p.presence.is_some() {
            continue;
        }
        if let Some(value) = p.schema.get(*keyword) {
            push(keyword.to_string(), format!("{keyword} {}", short(value)));
        }
    }
    for keyword in REQUEST_X_KEYWORDS {
        if let Some(value) = p.schema.get(*keyword) {
            push(keyword.to_string(), format!("{keyword} {}", short(value)));
        }
    }
    if let Some(presence) = &p.presence {
        for form in super::WireForm::NON_VALUES {
            push(
                form.presence_keyword().to_string(),
                format!(
                    "{} form: {}",
                    form.name(),
                    outcome_word(presence.outcome(form))
                ),
            );
        }
    }
}

/// A schema value in a few characters.
fn short(value: &Value) -> String {
    let text = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if text.chars().count() > 60 {
        format!("{}…", text.chars().take(60).collect::<String>())
    } else {
        text
    }
}

/// The `x-doc` of a response schema's root (its file's), when it has one.
fn response_doc(spec: &Spec, file: &str, schema: &Value) -> Option<DocRef> {
    let flat = spec.flatten(file, schema);
    serde_json::from_value(flat.get("x-doc")?.clone()).ok()
}

#[expect(
    clippy::too_many_arguments,
    reason = "a recursive walk carries its place"
)]
fn response_requirements(
    spec: &Spec,
    op: OperationId,
    status: u16,
    file: &str,
    node: &Value,
    path: &mut Vec<String>,
    inherited: Option<DocRef>,
    depth: usize,
    out: &mut Vec<Requirement>,
) {
    if depth > MAX_DEPTH {
        return;
    }
    let Some(object) = node.as_object() else {
        return;
    };
    let (file, object) = match object.get("$ref").and_then(Value::as_str) {
        Some(reference) => match spec.resolve(file, reference) {
            // Keywords beside a `$ref` apply too: walk the merged schema.
            Some((target_file, _)) => {
                let flat = spec.flatten(file, node);
                let owned = flat.as_object().cloned().unwrap_or_default();
                return response_object(
                    spec,
                    op,
                    status,
                    &target_file,
                    &owned,
                    path,
                    inherited,
                    depth,
                    out,
                );
            }
            None => (file.to_string(), object.clone()),
        },
        None => (file.to_string(), object.clone()),
    };
    response_object(
        spec, op, status, &file, &object, path, inherited, depth, out,
    );
}

#[expect(
    clippy::too_many_arguments,
    reason = "a recursive walk carries its place"
)]
fn response_object(
    spec: &Spec,
    op: OperationId,
    status: u16,
    file: &str,
    object: &serde_json::Map<String, Value>,
    path: &mut Vec<String>,
    inherited: Option<DocRef>,
    depth: usize,
    out: &mut Vec<Requirement>,
) {
    let doc: Option<DocRef> = object
        .get("x-doc")
        .and_then(|d| serde_json::from_value(d.clone()).ok())
        .or(inherited);
    let positions = super::position::keyword_positions(&Value::Object(object.clone()));
    let here = if path.is_empty() {
        "body".to_string()
    } else {
        path.join(".")
    };
    let location = format!("body.{here}");
    let only_on_failure = object.get("x-only-on-failure") == Some(&Value::Bool(true));
    let mut push =
        |keyword: &str, statement: String, doc: Option<&DocRef>, position: Option<Position>| {
            let id = RuleId::response_field(op, status, &location, keyword);
            if out.iter().any(|r| r.id == id) {
                return;
            }
            out.push(Requirement {
                id,
                operation: op,
                subject: Subject::Response {
                    status,
                    path: here.clone(),
                    keyword: keyword.to_string(),
                    only_on_failure,
                },
                statement,
                position,
                doc: doc.map(DocQuotes::of),
            });
        };
    for keyword in RESPONSE_KEYWORDS {
        if let Some(value) = object.get(*keyword) {
            push(
                keyword,
                format!("{status} {here}: {keyword} {}", short(value)),
                doc.as_ref(),
                positions.get(*keyword).cloned(),
            );
        }
    }
    let properties = object.get("properties").and_then(Value::as_object);
    for name in object
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        let child_doc = properties
            .and_then(|p| p.get(name))
            .map(|child| spec.flatten(file, child))
            .and_then(|c| serde_json::from_value::<DocRef>(c.get("x-doc")?.clone()).ok());
        let position = positions
            .get(&format!("required.{name}"))
            .or_else(|| positions.get("required"))
            .cloned();
        let child = if path.is_empty() {
            name.to_string()
        } else {
            format!("{here}.{name}")
        };
        let id = RuleId::response_field(op, status, &format!("body.{child}"), "required");
        if out.iter().any(|r| r.id == id) {
            continue;
        }
        out.push(Requirement {
            id,
            operation: op,
            subject: Subject::Response {
                status,
                path: child.clone(),
                keyword: "required".into(),
                only_on_failure: false,
            },
            statement: format!("{status} {child}: mandatory"),
            position,
            doc: child_doc.as_ref().or(doc.as_ref()).map(DocQuotes::of),
        });
    }
    for (name, child) in super::position::subschemas(object) {
        path.extend(name.cloned());
        // A field quotes its own row; one without a row quotes its table's.
        response_requirements(
            spec,
            op,
            status,
            file,
            child,
            path,
            doc.clone(),
            depth + 1,
            out,
        );
        if name.is_some() {
            path.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_id_is_unique_and_reads_like_its_place() {
        let spec = Spec::embedded().unwrap();
        let list = spec.requirements();
        let mut seen = std::collections::HashSet::new();
        for r in list {
            assert!(seen.insert(r.id.clone()), "{} twice", r.id);
            assert!(r.id.as_str().starts_with(r.operation.as_str()), "{}", r.id);
            assert!(RuleId::parse(r.id.as_str()).is_some(), "{}", r.id);
        }
        let ids: Vec<&str> = list.iter().map(|r| r.id.as_str()).collect();
        for expected in [
            "customers_v1.query.page_size.maximum",
            "customers_v1.query.page_size.x-presence.quoted-empty",
            "customers_v1.response.200.customer_info_list.corp_name.maxLength",
            "customers_v1.response.200.customer_info_list.corp_name.required",
            "customers_v1.error.400.CBC_0100",
            "customers_v1.response.content_type",
        ] {
            assert!(ids.contains(&expected), "{expected} missing: {ids:#?}");
        }
    }
}
