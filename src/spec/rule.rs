//! Rule ids: the name of the documented rule a finding violated, spelled like its place in the
//! contract (`customers_v1.query.page_size.maximum`,
//! `customers_v1.response.200.customer_info_list.corp_name.maxLength`,
//! `customers_v1.case.a15_other_partner`, `customers_v1.semantic.pagination`).
//!
//! A baseline fingerprint carries it, so accepting one drift never accepts another of the same
//! check and location ("another partner's id answered 200" is not "page_size=101 answered 200");
//! it never carries a generated value or a seed, so the same drift found under two seeds has one
//! id. The coverage of the documentation counts the same ids.

use super::operation::OperationId;
use super::parameter::ParamLocation;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

/// The id of one documented rule (see the module documentation for the forms). Shared text:
/// the coverage of the documentation names a few of them for every answer of a run, and a
/// clone costs a count, not an allocation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RuleId(Arc<str>);

impl RuleId {
    /// A request parameter's constraint: `<op>.<query|body|header|path>.<name>.<keyword>`.
    pub fn parameter(
        op: OperationId,
        location: ParamLocation,
        name: &str,
        keyword: &str,
    ) -> RuleId {
        RuleId(format!("{op}.{}.{}.{keyword}", location_word(location), clean(name)).into())
    }

    /// That a request meeting every documented constraint is accepted.
    pub fn valid_request(op: OperationId) -> RuleId {
        RuleId(format!("{op}.request.accepted").into())
    }

    /// A constraint of a response field: `<op>.response.<status>.<field path>.<keyword>`, from a
    /// finding's location (`body.customer_info_list[3].corp_name`) with `body`, array indices and
    /// record selectors left out (`customer_info_list.corp_name`); the whole body is `body`.
    pub fn response_field(op: OperationId, status: u16, location: &str, keyword: &str) -> RuleId {
        let path = field_path(location);
        RuleId(format!("{op}.response.{status}.{path}.{keyword}").into())
    }

    /// A property of every answer of an operation (`content_type`, `status`).
    pub fn response(op: OperationId, what: &str) -> RuleId {
        RuleId(format!("{op}.response.{}", clean(what)).into())
    }

    /// An entry of an operation's error catalogue: `<op>.error.<status>.<code>` (`CBC.0100` as
    /// `CBC_0100`; an entry without a code by its role).
    pub fn error(op: OperationId, status: u16, code: &str) -> RuleId {
        RuleId(format!("{op}.error.{status}.{}", clean(code)).into())
    }

    /// The requirement of an error catalogue entry: by its code, or by its role where the entry
    /// has no code (AICC's bare strings).
    pub fn entry(op: OperationId, entry: &super::vocabulary::ErrorEntry) -> RuleId {
        let tail = entry.error_code.clone().unwrap_or_else(|| {
            serde_json::to_value(entry.role)
                .ok()
                .and_then(|v| v.as_str().map(|s| s.replace('-', "_")))
                .unwrap_or_default()
        });
        RuleId::error(op, entry.status, &tail)
    }

    /// A hand-written scenario of `cases/`, by its file stem.
    pub fn case(op: OperationId, stem: &str) -> RuleId {
        RuleId(format!("{op}.case.{}", clean(stem)).into())
    }

    /// A documented semantic that a stateful check verifies (`pagination`, `fuzzy_filter`).
    pub fn semantic(op: OperationId, name: &str) -> RuleId {
        RuleId(format!("{op}.semantic.{}", clean(name)).into())
    }

    /// This rule narrowed to one of its statements, named by `statement` (a sentence of what
    /// was expected): its words, with quoted values, parenthesised asides and numbers left out,
    /// so `the same total on every page (240)` and `count equal to the records of all pages`
    /// are two rules, and a value from the target's data never enters the id.
    pub fn narrowed(&self, statement: &str) -> RuleId {
        let mut words = Vec::new();
        let mut depth = 0usize;
        let mut quote: Option<char> = None;
        let mut word = String::new();
        let flush = |word: &mut String, words: &mut Vec<String>| {
            if !word.is_empty() && !word.chars().all(|c| c.is_ascii_digit()) {
                words.push(std::mem::take(word));
            }
            word.clear();
        };
        for c in statement.chars() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '`') => {
                    flush(&mut word, &mut words);
                    quote = Some(c);
                }
                (None, '(' | '[' | '{') => {
                    flush(&mut word, &mut words);
                    depth += 1;
                }
                (None, ')' | ']' | '}') => depth = depth.saturating_sub(1),
                (None, c) if depth == 0 && (c.is_ascii_alphanumeric() || c == '_') => {
                    word.push(c.to_ascii_lowercase())
                }
                (None, _) => flush(&mut word, &mut words),
            }
        }
        flush(&mut word, &mut words);
        if words.is_empty() {
            return self.clone();
        }
        words.truncate(8);
        RuleId(format!("{}.{}", self.0, words.join("_")).into())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Reads an id back (from a baseline file): dot-separated words, no blanks.
    pub fn parse(text: &str) -> Option<RuleId> {
        let ok = !text.is_empty()
            && text.split('.').count() >= 3
            && text.split('.').all(|part| {
                !part.is_empty()
                    && part
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            });
        ok.then(|| RuleId(text.into()))
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn location_word(location: ParamLocation) -> &'static str {
    match location {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
        ParamLocation::Body => "body",
    }
}

/// A finding's location as a field path of its response schema: `body`, array indices and record
/// selectors left out (`body.customer_info_list[3].corp_name` is `customer_info_list.corp_name`);
/// the whole body is `body`.
pub(super) fn field_path(location: &str) -> String {
    let location = location.strip_prefix("body").unwrap_or(location);
    let path: Vec<String> = location
        .split(['.', '['])
        .filter(|s| !s.is_empty() && !s.ends_with(']'))
        .map(clean)
        .collect();
    if path.is_empty() {
        "body".to_string()
    } else {
        path.join(".")
    }
}

/// A name as one id segment: anything but letters, digits, `_` and `-` becomes `_`.
fn clean(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_read_like_their_place_and_never_carry_values() {
        let op = OperationId::CustomersV1;
        assert_eq!(
            RuleId::parameter(op, ParamLocation::Query, "page_size", "maximum").as_str(),
            "customers_v1.query.page_size.maximum"
        );
        assert_eq!(
            RuleId::response_field(op, 200, "body.customer_info_list[3].corp_name", "maxLength")
                .as_str(),
            "customers_v1.response.200.customer_info_list.corp_name.maxLength"
        );
        assert_eq!(
            RuleId::response_field(
                op,
                200,
                "customer_info_list[customer_id=ab].corp_name",
                "type"
            )
            .as_str(),
            "customers_v1.response.200.customer_info_list.corp_name.type"
        );
        assert_eq!(
            RuleId::response_field(op, 200, "body", "type").as_str(),
            "customers_v1.response.200.body.type"
        );
        assert_eq!(
            RuleId::case(op, "a15_other_partner").as_str(),
            "customers_v1.case.a15_other_partner"
        );
        let id = RuleId::semantic(op, "pagination");
        assert_eq!(
            id.narrowed("the same total on every page (Some(240))")
                .as_str(),
            "customers_v1.semantic.pagination.the_same_total_on_every_page"
        );
        assert_eq!(
            id.narrowed("every record with label containing \"Vi\" (3 in the full list)")
                .as_str(),
            "customers_v1.semantic.pagination.every_record_with_label_containing"
        );
        assert_ne!(
            id.narrowed("count equal to the records of all pages (240)"),
            id.narrowed("the same total on every page (240)")
        );
        assert_eq!(RuleId::parse(id.as_str()), Some(id));
        assert_eq!(RuleId::parse("customers_v1 x"), None);
        assert_eq!(RuleId::parse("a.b"), None);
    }
}
