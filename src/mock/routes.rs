//! Request dispatch: the operation is found from the path templates in `schemas/`, then auth,
//! parameters, partner and the operation's behaviour run in the order a gateway and backend
//! would. Injected drifts (see `drift.rs`) act at the points marked in `inject.rs`.

use super::inject;
use super::interpret;
use super::request::{decode_component, IncomingRequest, MAX_BODY_BYTES, MAX_URI_BYTES};
use super::respond::{self, Answer, Origin};
use super::select::select;
use super::state::MockState;
use super::validate::{validate, Accepted};
use super::wire;
use crate::spec::{AuthScheme, ErrorRole, Operation, OperationId, ParamLocation, Spec};
use axum::extract::{Request, State};
use axum::response::Response;
use axum::Router;
use serde_json::{Map, Value};
use std::sync::Arc;

/// The mock as a router, apart from any socket, so tests can drive it directly.
pub fn app(state: Arc<MockState>) -> Router {
    Router::new().fallback(dispatch).with_state(state)
}

async fn dispatch(State(state): State<Arc<MockState>>, request: Request) -> Response {
    let spec = &state.spec;
    let readings = &state.readings;
    let (parts, body) = request.into_parts();
    let accept_encoding = parts
        .headers
        .get(axum::http::header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let mut asked = wire::Asked {
        op: None,
        accept_encoding: accept_encoding.as_deref(),
    };
    let malformed = |detail: &str, oversize: Option<u16>| {
        let mut answer = match spec.gateway_error(ErrorRole::MalformedRequest) {
            Some(entry) => respond::gateway_error(spec, entry, Some(detail)),
            None => bare(400, detail),
        };
        answer.status = oversize.unwrap_or(answer.status);
        wire::render(readings, asked, answer)
    };
    let body = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(body) => body,
        Err(_) => {
            let status = wire::oversize_status(readings, false, true);
            return malformed("request entity too large or unreadable", status);
        }
    };
    let request = match IncomingRequest::from_parts(&parts, body) {
        Ok(request) => request,
        Err(detail) => {
            let target = parts.uri.path_and_query().map_or(0, |pq| pq.as_str().len());
            let status = wire::oversize_status(readings, target > MAX_URI_BYTES, false);
            return malformed(&detail, status);
        }
    };
    let routed = route(spec, &request)
        .filter(|(op, _)| !interpret::refuses_trailing_slash(readings, op.id, &request.path));
    let Some((op, path_params)) = routed else {
        let answer = match spec.gateway_error(ErrorRole::NoSuchApi) {
            Some(entry) => respond::gateway_error(spec, entry, None),
            None => bare(404, "not found"),
        };
        return wire::render(readings, asked, answer);
    };
    asked.op = Some(op.id);
    let mut answer = handle(&state, op, &request, path_params);
    interpret::answer(readings, spec, op, &mut answer);
    inject::after(&state.drifts, spec, op, &mut answer);
    wire::render(readings, asked, answer)
}

/// A bare JSON-string answer, for a contract with no gateway entry for the case.
fn bare(status: u16, detail: &str) -> Answer {
    Answer {
        status,
        content_type: "application/json".into(),
        body: Value::String(detail.to_string()),
        role: None,
    }
}

fn handle(
    state: &MockState,
    op: &Operation,
    request: &IncomingRequest,
    path_params: PathParams,
) -> Answer {
    let spec = &state.spec;
    let readings = &state.readings;
    let fail = |role: ErrorRole, detail: Option<&str>, origin: Origin| match op
        .error_for(interpret::role(readings, op.id, role))
        .or_else(|| op.error_for(ErrorRole::Other))
    {
        Some(entry) => respond::operation_error(spec, op, entry, detail, origin),
        None => Answer {
            status: 500,
            content_type: op.meta.content_type.clone(),
            body: Value::Null,
            role: None,
        },
    };
    // An operation with no documented query parameter and no signature to check never reads
    // its query string, so nothing there can make it fail.
    let reads_query = op.parameters_in(ParamLocation::Query).next().is_some()
        || op.meta.auth.contains(&AuthScheme::Aksk);
    let query = if reads_query {
        match request.query_pairs() {
            Ok(query) => query,
            Err(detail) => {
                return fail(ErrorRole::InvalidParameter, Some(&detail), Origin::Backend)
            }
        }
    } else {
        Vec::new()
    };
    let request = interpret::headers(readings, op.id, request);
    let request = request.as_ref();
    if !inject::skips_auth(&state.drifts, op.id) {
        if let Err(detail) = state.credentials.authenticate(op, request, &query) {
            return fail(ErrorRole::Unauthenticated, Some(&detail), Origin::Gateway);
        }
    }
    if let Some(detail) = interpret::gateway_refusal(readings, op.id, request) {
        return fail(ErrorRole::Unauthenticated, Some(&detail), Origin::Gateway);
    }
    let query = inject::rewrite_query(&state.drifts, op, query);
    let mut path = Vec::with_capacity(path_params.len());
    for (name, value) in path_params {
        match value {
            Ok(value) => path.push((name, value)),
            Err(detail) => {
                return fail(
                    ErrorRole::InvalidParameter,
                    Some(&format!("{name}: {detail}")),
                    Origin::Backend,
                )
            }
        }
    }
    let body = match json_body(op, request) {
        Ok(body) => body,
        Err(detail) => return fail(ErrorRole::InvalidParameter, Some(&detail), Origin::Backend),
    };
    let original_body = body.clone();
    let reread = match interpret::before_validation(readings, op, query, body, request) {
        Ok(reread) => reread,
        Err((role, detail)) => return fail(role, Some(&detail), Origin::Backend),
    };
    let body = reread.body.as_ref();
    let mut accepted = match validate(op, &path, &reread.query, &request.headers, body) {
        Ok(accepted) => accepted,
        Err(detail) => return fail(ErrorRole::InvalidParameter, Some(&detail), Origin::Backend),
    };
    interpret::after_validation(reread.restore, &mut accepted);
    inject::adjust_accepted(&state.drifts, op, original_body.as_ref(), &mut accepted);
    let mut foreign = false;
    if let Some((_, partner)) = path.iter().find(|(name, _)| name == "partner_id") {
        if *partner != state.fixtures.partner_id && !inject::skips_partner(&state.drifts) {
            if !interpret::other_partner_sees_nothing(readings, op.id) {
                return fail(ErrorRole::PartnerMismatch, None, Origin::Backend);
            }
            foreign = true;
        }
    }
    let body = match op.id {
        OperationId::CustomersV1 | OperationId::CustomersV2 if foreign => {
            respond::list_body(op, Vec::new(), 0)
        }
        OperationId::CustomersV1 | OperationId::CustomersV2 => list_page(state, op, &accepted),
        OperationId::BudgetV1 | OperationId::BudgetV2 if foreign => {
            return fail(ErrorRole::CustomerNotOwned, None, Origin::Backend)
        }
        OperationId::BudgetV1 | OperationId::BudgetV2 => match budget_body(state, op, &accepted) {
            Ok(body) => body,
            Err(role) => return fail(role, None, Origin::Backend),
        },
        OperationId::AiccTenant => interpret::tenant(readings, spec, &state.fixtures)
            .unwrap_or_else(|| Value::Object(state.fixtures.masked_tenant(spec))),
    };
    Answer::success(op, body)
}

/// The JSON body object of an operation that documents one (`None` for the others). An empty
/// body counts as `{}`: the official SDK sends none when no field is set.
fn json_body(
    op: &Operation,
    request: &IncomingRequest,
) -> Result<Option<Map<String, Value>>, String> {
    if !op.has_body() {
        return Ok(None);
    }
    if request.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Some(Map::new()));
    }
    match serde_json::from_slice::<Value>(&request.body) {
        Ok(Value::Object(body)) => Ok(Some(body)),
        Ok(other) => Err(format!(
            "body: a JSON object is expected, found {}",
            json_type(&other)
        )),
        Err(e) => Err(format!("body: not JSON ({e})")),
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Path parameters by name: the decoded value, or why it could not be decoded.
type PathParams = Vec<(String, Result<String, String>)>;

/// Finds the operation whose method and path template match; path parameters come back decoded
/// (or with the reason they could not be). A trailing `/` selects the same operation.
fn route<'s>(spec: &'s Spec, request: &IncomingRequest) -> Option<(&'s Operation, PathParams)> {
    let path = request.path.strip_suffix('/').unwrap_or(&request.path);
    let segments: Vec<&str> = path.split('/').collect();
    spec.operations().iter().find_map(|op| {
        if !op.meta.method.eq_ignore_ascii_case(&request.method) {
            return None;
        }
        let template: Vec<&str> = op.meta.path.split('/').collect();
        if template.len() != segments.len() {
            return None;
        }
        let mut params = Vec::new();
        for (t, s) in template.iter().zip(&segments) {
            match t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
                Some(name) => params.push((name.to_string(), decode_component(s))),
                None if t == s => {}
                None => return None,
            }
        }
        Some((op, params))
    })
}

/// The body of a list operation for one page of a filtered selection.
fn list_page(state: &MockState, op: &Operation, accepted: &Accepted) -> Value {
    let mut options = inject::selection(&state.drifts);
    interpret::selection(&state.readings, op.id, &mut options);
    let page = select(op, &state.fixtures, accepted, &options);
    let records = page
        .positions
        .iter()
        .filter_map(|p| state.fixtures.record(*p, op.id))
        .collect();
    respond::list_body(op, records, page.total)
}

/// The body of the budget operation, or the catalogue role that answers instead.
fn budget_body(state: &MockState, op: &Operation, accepted: &Accepted) -> Result<Value, ErrorRole> {
    let fixtures = &state.fixtures;
    let Some((param, lookup)) = op
        .value_parameters()
        .find_map(|p| p.lookup.as_ref().map(|l| (p, l)))
    else {
        return Err(ErrorRole::Other);
    };
    let wanted = accepted
        .value(&param.name)
        .and_then(Value::as_str)
        .ok_or(ErrorRole::InvalidParameter)?;
    let Some(customer) = fixtures.find_by(&lookup.field, wanted) else {
        return Err(inject::unknown_customer_role(&state.drifts, op.id));
    };
    let eligible = lookup.eligible.iter().all(|(field, values)| {
        customer
            .text(field)
            .is_some_and(|v| values.iter().any(|ok| ok == v))
    });
    match (customer.budget_for(op.id), eligible) {
        (Some(budget), true) => match inject::eligible_customer_role(&state.drifts, op.id) {
            Some(role) => Err(role),
            None => Ok(Value::Object(budget.clone())),
        },
        _ => inject::budget_for_ineligible(&state.drifts, fixtures, op.id)
            .ok_or(ErrorRole::AssociationTypeNotAllowed),
    }
}
