//! PC015 `wire_forms`: each parameter's empty (`name=`), `""` and `null` forms mean what its
//! `x-presence` says, compared with the same request without the parameter.

use super::{CheckInfo, DocSource, Runner, Verifies};

use super::default_page_size::record_keys;
use super::support::context::{doc_label, StatefulContext};
use super::support::lookup::valid_request;
use super::support::walk::Walk;
use super::support::walker::base_request;
use crate::client::PreparedRequest;
use crate::outcome::Category;
use crate::outcome::{Expectation, NotExercised};
use crate::spec::{
    ErrorRole, MatchKind, OperationId, ParamLocation, Parameter, PresenceOutcome, WireForm,
};
use serde_json::Value;

const NAME: &str = "wire_forms";

/// A valid value for a companion parameter (`x-requires`), taken from the data so it works on
/// any target: the earliest time for a range start, the latest for its end, the first enum value.
fn companion_value(param: &Parameter, walk: Option<&Walk>) -> Option<String> {
    if let Some(values) = param.enum_values() {
        return values.into_iter().next();
    }
    let filter = param.filter.as_ref()?;
    let mut times: Vec<&str> = walk?
        .records()
        .filter_map(|r| r.get(&filter.field).and_then(Value::as_str))
        .collect();
    times.sort_unstable();
    match filter.kind {
        MatchKind::AtOrAfter => times.first().map(|t| t.to_string()),
        MatchKind::AtOrBefore => times.last().map(|t| t.to_string()),
        _ => times.first().map(|t| t.to_string()),
    }
}

/// Runs the check on every parameter of `op` with `x-presence`.
pub async fn wire_forms(ctx: &StatefulContext<'_>, op: OperationId) {
    let spec = ctx.spec();
    let operation = spec.operation(op);
    let walk = ctx.walk(op).await.ok();
    let list = operation.list_field();
    let key = operation.record_key(spec);
    let count_field = operation.count_field();
    for param in operation.value_parameters() {
        let Some(presence) = param.presence else {
            continue;
        };
        let doc = param.doc.as_ref().map(doc_label);
        // Another parameter may be required (a budget's customer_id): start from a request
        // that succeeds without the parameter under test. Without a customer of the target's
        // own to name, the forms that must mean "as if absent" cannot be compared.
        let (mut base, no_base) = if param.lookup.is_none() {
            match valid_request(ctx, op).await {
                Ok(request) => (request, None),
                Err(gap) => (base_request(ctx, op).await.0, Some(gap)),
            }
        } else {
            (PreparedRequest::new(operation, ctx.client.target()), None)
        };
        for companion in &param.requires {
            let value = operation
                .value_parameters()
                .find(|p| &p.name == companion)
                .and_then(|p| companion_value(p, walk.as_deref()));
            match value {
                Some(value) => base = base.with_param(operation, companion, &value),
                None => continue,
            }
        }
        for form in [WireForm::Empty, WireForm::QuotedEmpty, WireForm::Null] {
            let outcome = presence.outcome(form);
            // What a form means may be a position (how a query string carries null: A2).
            let position = param.position_of(form.presence_keyword());
            let fctx = ctx.resting_on(position);
            let raw = form.raw().unwrap_or_default();
            let request = base.clone().with_param(operation, &param.name, raw);
            let location = param.label();
            let shown = match param.location {
                ParamLocation::Body => match form {
                    WireForm::Null => format!("\"{}\": null", param.name),
                    _ => format!("\"{}\": {}", param.name, Value::from(raw)),
                },
                _ => format!("{}={raw}", param.name),
            };
            if let (Some(gap), false) = (&no_base, outcome == PresenceOutcome::Reject) {
                ctx.recorder.not_exercised(NotExercised::new(
                    gap.reason,
                    format!(
                        "the forms of {} compared with the request without it: {}",
                        param.name, gap.detail
                    ),
                ));
                continue;
            }
            match outcome {
                PresenceOutcome::Reject => {
                    // Sent in the form's context, so what the answer is judged on rests there too.
                    let Some(answer) = fctx
                        .send(&request, &Expectation::role(ErrorRole::InvalidParameter))
                        .await
                    else {
                        continue;
                    };
                    if answer.status == operation.meta.success_status {
                        fctx.report(
                            NAME,
                            Category::NullHandling,
                            location,
                            format!(
                                "{shown} refused as an invalid parameter ({} form not allowed)",
                                form.name()
                            ),
                            format!("{} accepted", answer.status),
                            &request,
                            doc.clone(),
                        );
                    }
                }
                PresenceOutcome::Ignore | PresenceOutcome::Default => {
                    let (Some(with), Some(without)) = (
                        fctx.send(&request, &Expectation::Success).await,
                        fctx.send(&base, &Expectation::Success).await,
                    ) else {
                        continue;
                    };
                    if with.status != operation.meta.success_status
                        || without.status != operation.meta.success_status
                    {
                        continue;
                    }
                    let same = match (count_field, list, &key) {
                        (Some(count), Some(list), Some(key)) => {
                            with.body.get(count) == without.body.get(count)
                                && record_keys(&with.body, list, key)
                                    == record_keys(&without.body, list, key)
                        }
                        _ => with.body == without.body,
                    };
                    if !same {
                        let (category, meaning) = if outcome == PresenceOutcome::Default {
                            (
                                Category::DefaultValue,
                                "the documented default, as if absent",
                            )
                        } else {
                            (Category::NullHandling, "no filter, as if absent")
                        };
                        fctx.report(
                            NAME,
                            category,
                            location,
                            format!("{shown} to mean {meaning}"),
                            "a different answer than without the parameter",
                            &request,
                            doc.clone(),
                        );
                    }
                }
                PresenceOutcome::MatchEmpty => {
                    let Some(filter) = &param.filter else {
                        continue;
                    };
                    if ctx.policies.empty_filter == super::EmptyFilterPolicy::Any {
                        // Still sent, so the per-response checks judge the answer.
                        fctx.send(&request, &Expectation::Success).await;
                        continue;
                    }
                    let Some(answer) = fctx.send(&request, &Expectation::Success).await else {
                        continue;
                    };
                    let Some(records) = list
                        .and_then(|l| answer.body.get(l))
                        .and_then(Value::as_array)
                    else {
                        continue;
                    };
                    let non_empty = records
                        .iter()
                        .filter(|r| {
                            r.get(&filter.field)
                                .and_then(Value::as_str)
                                .is_some_and(|v| !v.is_empty())
                        })
                        .count();
                    if non_empty > 0 {
                        fctx.report(
                            NAME,
                            Category::NullHandling,
                            location,
                            format!(
                                "{shown} to select records whose {} is null or empty",
                                filter.field
                            ),
                            format!("{non_empty} records with a value"),
                            &request,
                            doc.clone(),
                        );
                    }
                }
                PresenceOutcome::Value => {}
            }
        }
    }
}

/// The catalogue entry of this check (listed in [`super::CHECKS`]).
pub static CHECK: CheckInfo = CheckInfo {
    code: "PC015",
    name: "wire_forms",
    categories: &[Category::NullHandling, Category::DefaultValue],
    summary: "Each parameter's absent, empty, \"\" and null forms mean what the documentation says: no filter, the default, a filter for empty values, or an invalid parameter.",
    reproduce: "Send the parameter as name=, name=\"\" and name=null and compare with the request without it.",
    rests_on: DocSource::Presence,
    verifies: &[Verifies::Semantic],
    runner: Runner::Stateful {
        applies: super::has_presence,
        walks: super::no_walk,
        run: |ctx, op| Box::pin(wire_forms(ctx, op)),
    },
};
