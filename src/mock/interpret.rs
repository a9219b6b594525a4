//! Where readings act on meaning: the request before authentication and validation, the partner
//! check, error roles, record selection, and the answer after it is built. Each function is the
//! identity when no reading that concerns it is taken, so the mock keeps its positions.
//!
//! Like `inject.rs` for drifts, nothing here is typed from the pages: limits, enum values, field
//! names and codes come from the spec.

use super::fixtures::Fixtures;
use super::reading::{Reading, ReadingSet};
use super::request::IncomingRequest;
use super::respond::Answer;
use super::select::SelectOptions;
use super::validate::{Accepted, ParamValue};
use crate::spec::{
    parse_time, ErrorRole, MatchKind, Operation, OperationId, PagingRole, ParamLocation, Spec,
    WireForm,
};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// How long after registration (`start_time`) the mock's customers were associated with the
/// partner, under the readings that need an association time the old records do not carry.
pub const ASSOCIATED_AFTER_SECONDS: i64 = 86_400;

/// The documented time format, for values a reading rewrites.
const TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%SZ";

/// A request a reading refuses: the catalogue role that answers it and why.
pub type Refusal = (ErrorRole, String);

/// A request as a reading understands it, before validation.
#[derive(Debug, Default)]
pub struct Reread {
    /// The decoded query pairs to validate.
    pub query: Vec<(String, String)>,
    /// The JSON body to validate.
    pub body: Option<Map<String, Value>>,
    /// Values validation must not see as they are (they would be refused), put back after it.
    pub restore: Vec<(String, Value)>,
}

/// The request with the headers a reading accepts under another name (`X-Auth_Token`).
pub fn headers<'r>(
    readings: &ReadingSet,
    op: OperationId,
    request: &'r IncomingRequest,
) -> Cow<'r, IncomingRequest> {
    let (token, underscore) = ("x-auth-token", "x-auth_token");
    if !readings.acts_on(Reading::UnderscoreTokenHeader, op) || request.header(token).is_some() {
        return Cow::Borrowed(request);
    }
    match request.header(underscore) {
        Some(value) => {
            let mut owned = request.clone();
            owned.headers.push((token.to_string(), value.to_string()));
            Cow::Owned(owned)
        }
        None => Cow::Borrowed(request),
    }
}

/// A gateway refusal after authentication (an `X-Domain-Id` the mock does not know).
pub fn gateway_refusal(
    readings: &ReadingSet,
    op: OperationId,
    request: &IncomingRequest,
) -> Option<String> {
    (readings.acts_on(Reading::DomainIdChecked, op) && request.header("x-domain-id").is_some())
        .then(|| "the X-Domain-Id is not the caller's account".to_string())
}

/// Whether a path with a trailing slash is refused as an unknown API.
pub fn refuses_trailing_slash(readings: &ReadingSet, op: OperationId, path: &str) -> bool {
    readings.acts_on(Reading::TrailingSlashRefused, op) && path.len() > 1 && path.ends_with('/')
}

/// The query and body as the readings understand them, or the refusal one of them makes.
pub fn before_validation(
    readings: &ReadingSet,
    op: &Operation,
    mut query: Vec<(String, String)>,
    mut body: Option<Map<String, Value>>,
    request: &IncomingRequest,
) -> Result<Reread, Refusal> {
    let mut restore = Vec::new();
    if readings.is_empty() {
        return Ok(Reread {
            query,
            body,
            restore,
        });
    }
    let on = |reading| readings.acts_on(reading, op.id);
    let invalid = |detail: String| (ErrorRole::InvalidParameter, detail);
    if on(Reading::OtherContentTypeRefused) && op.meta.method.eq_ignore_ascii_case("GET") {
        let media = |v: &str| v.split(';').next().unwrap_or_default().trim().to_string();
        if let Some(given) = request.header("content-type") {
            if !media(given).eq_ignore_ascii_case(&media(&op.meta.content_type)) {
                return Err(invalid(format!("Content-Type {given} is not accepted")));
            }
        }
    }
    if on(Reading::RepeatedLastWins) {
        let mut seen = std::collections::HashSet::new();
        let mut kept: Vec<(String, String)> = query
            .into_iter()
            .rev()
            .filter(|(name, _)| {
                op.parameter(ParamLocation::Query, name).is_none() || seen.insert(name.clone())
            })
            .collect();
        kept.reverse();
        query = kept;
    }
    if on(Reading::PlusIsSpace) {
        for (_, value) in query.iter_mut() {
            *value = value.replace('+', " ");
        }
    }
    if on(Reading::QuotedEmptyIsNoFilter) {
        query.retain(|(name, value)| {
            let substring = op
                .parameter(ParamLocation::Query, name)
                .and_then(|p| p.filter.as_ref())
                .is_some_and(|f| f.kind == MatchKind::Substring);
            !(substring && value == "\"\"")
        });
    }
    for (name, value) in query.iter_mut() {
        let Some(param) = op.parameter(ParamLocation::Query, name) else {
            continue;
        };
        let filter = param.filter.as_ref().map(|f| f.kind);
        if param.paging.is_some() && value == "null" && on(Reading::NullPageRefused) {
            return Err(invalid(format!("{name}: null is not an integer")));
        }
        if param.paging == Some(PagingRole::PageNumber) {
            if on(Reading::PageZeroIsFirst) && value == "0" {
                *value = "1".into();
            }
            if let (true, Ok(n), Some(max)) = (
                on(Reading::PageBeyondInt32),
                value.parse::<u64>(),
                param.limit("maximum"),
            ) {
                if n > u64::try_from(max).unwrap_or(u64::MAX) {
                    *value = max.to_string();
                    restore.push((name.clone(), Value::from(n)));
                }
            }
        }
        if on(Reading::TimeOffsetsAccepted) && param.is_time() && parse_time(value).is_none() {
            if let Ok(instant) = chrono::DateTime::parse_from_rfc3339(value) {
                *value = instant.naive_utc().format(TIME_FORMAT).to_string();
            }
        }
        if let (true, Some(max)) = (on(Reading::LengthsInBytes), param.limit("maxLength")) {
            if value.len() > usize::try_from(max).unwrap_or(usize::MAX) {
                return Err(invalid(format!("{name}: longer than {max} bytes")));
            }
        }
        let substring = filter == Some(MatchKind::Substring);
        if substring && on(Reading::SpacesMatchLiterally) && value.contains(' ') {
            restore.push((name.clone(), Value::String(value.clone())));
            *value = value.replace(' ', "\u{a0}");
        }
        if on(Reading::UnsupportedTypeEmpty) && param.unsupported.contains(value) {
            if let Some(first) = param.enum_values().and_then(|v| v.into_iter().next()) {
                restore.push((name.clone(), Value::String(value.clone())));
                *value = first;
            }
        }
    }
    time_range(readings, op, &mut query, &mut restore);
    if on(Reading::MissingCustomerNotOwned) {
        if let Some(param) = op.value_parameters().find(|p| p.lookup.is_some()) {
            let given = query.iter().find(|(n, _)| *n == param.name);
            if matches!(
                WireForm::classify(given.map(|(_, v)| v.as_str())),
                WireForm::Empty | WireForm::QuotedEmpty | WireForm::Null
            ) {
                return Err((ErrorRole::CustomerNotOwned, format!("{}: none", param.name)));
            }
        }
    }
    if let Some(members) = body.as_mut() {
        body_readings(readings, op, members, &mut restore)?;
    }
    Ok(Reread {
        query,
        body,
        restore,
    })
}

/// The time-range reading of the old API: a reversed range selects nothing. (One bound alone is
/// no reading: the page says the bounds "must be used together".)
fn time_range(
    readings: &ReadingSet,
    op: &Operation,
    query: &mut Vec<(String, String)>,
    restore: &mut Vec<(String, Value)>,
) {
    let Some(start) = op
        .parameters_in(ParamLocation::Query)
        .find(|p| p.not_after.is_some())
    else {
        return;
    };
    let end = start.not_after.clone().unwrap_or_default();
    let value = |name: &str| {
        query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let (from, to) = (value(&start.name), value(&end));
    if readings.acts_on(Reading::ReversedRangeEmpty, op.id) {
        if let (Some(from), Some(to)) = (&from, &to) {
            if let (Some(a), Some(b)) = (parse_time(from), parse_time(to)) {
                if a > b {
                    query.retain(|(n, _)| *n != start.name && *n != end);
                    restore.push((start.name.clone(), Value::String(from.clone())));
                    restore.push((end.clone(), Value::String(to.clone())));
                }
            }
        }
    }
}

/// The readings of the JSON body of the new API.
fn body_readings(
    readings: &ReadingSet,
    op: &Operation,
    body: &mut Map<String, Value>,
    restore: &mut Vec<(String, Value)>,
) -> Result<(), Refusal> {
    let on = |reading| readings.acts_on(reading, op.id);
    let bounds: Vec<&str> = op
        .parameters_in(ParamLocation::Body)
        .filter(|p| {
            p.filter
                .as_ref()
                .is_some_and(|f| matches!(f.kind, MatchKind::AtOrAfter | MatchKind::AtOrBefore))
        })
        .map(|p| p.name.as_str())
        .collect();
    if on(Reading::V2OneBoundRefused) {
        let given = bounds
            .iter()
            .filter(|name| body.get(**name).is_some_and(|v| !v.is_null() && *v != ""))
            .count();
        if given == 1 {
            return Err((
                ErrorRole::InvalidParameter,
                format!("{} must be used together", bounds.join(" and ")),
            ));
        }
    }
    if on(Reading::LimitZeroCountsOnly) {
        if let Some(size) = op.paging_parameter(PagingRole::PageSize) {
            if body.get(&size.name) == Some(&Value::from(0)) {
                restore.push((size.name.clone(), Value::from(0)));
                body.insert(size.name.clone(), Value::from(1));
            }
        }
    }
    if on(Reading::UnknownResellerRefused) {
        let reseller = "indirect_partner_id";
        if body
            .get(reseller)
            .and_then(Value::as_str)
            .is_some_and(|v| !v.is_empty() && v != "\"\"")
        {
            return Err((
                ErrorRole::InvalidParameter,
                format!("{reseller}: not a reseller of this partner"),
            ));
        }
    }
    Ok(())
}

/// Puts back what validation was not shown (see [`Reread::restore`]).
pub fn after_validation(restore: Vec<(String, Value)>, accepted: &mut Accepted) {
    for (name, value) in restore {
        accepted.defaulted.remove(&name);
        accepted.values.insert(name, ParamValue::Value(value));
    }
}

/// The role that answers in place of `role` under the readings (another documented code).
pub fn role(readings: &ReadingSet, op: OperationId, role: ErrorRole) -> ErrorRole {
    match role {
        ErrorRole::PartnerMismatch if readings.acts_on(Reading::Budget403CodesSwapped, op) => {
            ErrorRole::CustomerNotOwned
        }
        ErrorRole::CustomerNotOwned if readings.acts_on(Reading::Budget403CodesSwapped, op) => {
            ErrorRole::PartnerMismatch
        }
        ErrorRole::CustomerNotOwned if readings.acts_on(Reading::V2UnknownCustomerInvalid, op) => {
            ErrorRole::InvalidParameter
        }
        role => role,
    }
}

/// Whether another partner's id is served as a partner with nothing to see.
pub fn other_partner_sees_nothing(readings: &ReadingSet, op: OperationId) -> bool {
    readings.acts_on(Reading::OtherPartnerSeesNothing, op)
}

/// The selection deviations of the readings.
pub fn selection(readings: &ReadingSet, op: OperationId, options: &mut SelectOptions) {
    if readings.acts_on(Reading::RangeOnAssociationTime, op) {
        options.time_offset_seconds = ASSOCIATED_AFTER_SECONDS;
    }
}

/// The AICC tenant masked in another style (keep the first and last character), or `None` for
/// the `x-mask` of the schema.
pub fn tenant(readings: &ReadingSet, spec: &Spec, fixtures: &Fixtures) -> Option<Value> {
    if !readings.has(Reading::MasksKeepEnds) {
        return None;
    }
    let masked = fixtures.masked_tenant(spec);
    let mut out = fixtures.aicc_tenant.clone();
    for (name, value) in out.iter_mut() {
        if masked.get(name) == Some(value) {
            continue;
        }
        let Some(text) = value.as_str() else { continue };
        let (local, domain) = match text.split_once('@') {
            Some((local, domain)) => (local, Some(domain)),
            None => (text, None),
        };
        let chars: Vec<char> = local.chars().collect();
        let hidden = chars.len().saturating_sub(2).max(1);
        let mut styled: String = chars.iter().take(1).collect();
        styled.push_str(&"*".repeat(hidden));
        if chars.len() > 2 {
            styled.extend(chars.last());
        }
        if let Some(domain) = domain {
            styled = format!("{styled}@{domain}");
        }
        *value = Value::String(styled);
    }
    Some(Value::Object(out))
}

/// Changes a built answer as the answer readings say.
pub fn answer(readings: &ReadingSet, spec: &Spec, op: &Operation, answer: &mut Answer) {
    if readings.is_empty() {
        return;
    }
    let on = |reading| readings.acts_on(reading, op.id);
    if on(Reading::CharsetAbsent) {
        let media = answer.content_type.split(';').next().unwrap_or_default();
        answer.content_type = media.trim().to_string();
    }
    if on(Reading::CharsetAdded) && !answer.content_type.contains("charset") {
        answer.content_type.push_str(";charset=UTF-8");
    }
    if let (true, Some(role)) = (on(Reading::ApigErrorPrefix), answer.role) {
        let alias = op
            .error_for(role)
            .or_else(|| spec.gateway_error(role))
            .and_then(|e| e.aliases.first());
        if let (Some(alias), Some(body)) = (alias, answer.body.as_object_mut()) {
            if body.contains_key("error_code") {
                body.insert("error_code".into(), Value::String(alias.clone()));
            }
        }
    }
    if answer.role.is_some() {
        return;
    }
    success(readings, spec, op, &mut answer.body);
}

/// The answer readings of a success body.
fn success(readings: &ReadingSet, spec: &Spec, op: &Operation, body: &mut Value) {
    let on = |reading| readings.acts_on(reading, op.id);
    let properties = op
        .response(op.meta.success_status)
        .map(|r| spec.flatten(&r.file, &r.schema))
        .and_then(|s| s.get("properties").cloned())
        .unwrap_or_default();
    let list = op.list_field().unwrap_or_default().to_string();
    if on(Reading::NoMatchNothingReturned) && body[&list].as_array().is_some_and(Vec::is_empty) {
        if let (Some(object), Some(count)) = (body.as_object_mut(), op.count_field()) {
            object.remove(&list);
            object.remove(count);
        }
    }
    if on(Reading::SuccessMessageAsTable) {
        if let Some(entry) = op.error_for(ErrorRole::Success) {
            body["error_msg"] = Value::String(entry.meaning.clone());
        }
    }
    let record_fields = op.record_properties(spec);
    let nullable: Vec<&str> = record_fields
        .iter()
        .filter(|(_, s)| s.get("x-nullable-by-example") == Some(&Value::Bool(true)))
        .map(|(name, _)| name.as_str())
        .collect();
    let added_time = on(Reading::UndocumentedFieldAdded)
        .then(|| associated_field(spec, op))
        .flatten();
    if let Some(records) = body.get_mut(&list).and_then(Value::as_array_mut) {
        for record in records.iter_mut().filter_map(Value::as_object_mut) {
            if on(Reading::NullCorpNameOmitted) {
                record.retain(|k, v| !(v.is_null() && nullable.contains(&k.as_str())));
            }
            if let Some((old, new)) = &added_time {
                let shifted = record
                    .get(old)
                    .and_then(Value::as_str)
                    .and_then(parse_time)
                    .map(|t| t + chrono::Duration::seconds(ASSOCIATED_AFTER_SECONDS));
                if let Some(time) = shifted {
                    record.insert(
                        new.clone(),
                        Value::String(time.format(TIME_FORMAT).to_string()),
                    );
                }
            }
            if on(Reading::V2FieldsAdded) {
                record.insert(
                    "partner_remark".into(),
                    Value::from("added after the pages"),
                );
            }
        }
    }
    let Some(object) = body.as_object_mut() else {
        return;
    };
    for (name, schema) in properties.as_object().into_iter().flatten() {
        let Some(value) = object.get_mut(name) else {
            continue;
        };
        let decimal = schema.get("x-decimal") == Some(&Value::Bool(true));
        let integer = schema.get("type") == Some(&Value::from("integer"));
        let fraction = (on(Reading::AmountsWithFraction) && decimal)
            || (on(Reading::CreateDateFraction) && integer);
        if let (true, Some(n)) = (fraction, value.as_i64()) {
            // An amount or a timestamp is exact in an f64 (below 2^53).
            *value = Value::from(n as f64);
        }
    }
    if on(Reading::V2FieldsAdded) && op.list_field().is_none() {
        object.insert(
            "partner_remark".into(),
            Value::from("added after the pages"),
        );
    }
    if on(Reading::AiccNestedSchema) {
        let flat = std::mem::take(object);
        object.insert("schema".into(), Value::Object(flat));
    }
}

/// The old record's time field and the new generation's name for the association time
/// (`start_time`, `associated_on`): the time the old range filters is the new field's name
/// (A26), and the new field says which old one it replaces.
fn associated_field(spec: &Spec, op: &Operation) -> Option<(String, String)> {
    let filtered = op
        .value_parameters()
        .find_map(|p| p.filter.as_ref().filter(|f| f.kind == MatchKind::AtOrAfter))?
        .field
        .clone();
    let newer = spec
        .operations()
        .iter()
        .find(|o| o.replaces() == Some(op.id))?;
    newer
        .record_replacements(spec)
        .into_iter()
        .find(|(new, r)| *new == filtered || r.field == filtered)
        .map(|(new, r)| (r.field, new))
}
