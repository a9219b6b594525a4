//! `list` and `explain`: what the suite knows (checks, operations, drifts, faults, readings), printed
//! without sending anything.

use super::load_spec;
use crate::exit::ExitError;
use crate::spec::Spec;

/// What `list` prints.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ListWhat {
    /// Every check with its code, categories and kind.
    Checks,
    /// Every operation with its method and path.
    Operations,
    /// Every drift the mock can inject, with the category the suite must report for it.
    Drifts,
    /// Every transport fault a fault server can make, with how the suite classifies it.
    Faults,
    /// Every other defensible reading the mock can take, with the ambiguity row it rests on
    /// and whether the suite observes it (position) or accepts it silently (free).
    Readings,
    /// Every documented requirement (the coverage catalogue, derived from the schemas): its
    /// id, whether it is documented or a position, and the rule in a few words.
    Requirements,
}

/// The text of `list checks` / `list operations`.
pub fn list(spec: &Spec, what: ListWhat) -> String {
    let mut out = String::new();
    match what {
        ListWhat::Checks => {
            for check in crate::checks::CHECKS {
                let categories: Vec<_> = check.categories.iter().map(|c| c.as_str()).collect();
                let kind = match check.kind() {
                    crate::checks::CheckKind::PerResponse => "per-response",
                    crate::checks::CheckKind::Stateful => "stateful",
                    crate::checks::CheckKind::Migration => "migrate",
                };
                out.push_str(&format!(
                    "{}  {:<28} {:<12} {}\n",
                    check.code,
                    check.name,
                    kind,
                    categories.join(", ")
                ));
            }
        }
        ListWhat::Drifts => {
            for drift in crate::mock::DRIFTS {
                let seen_by = match drift.seen_by {
                    crate::mock::SeenBy::Run => "run",
                    crate::mock::SeenBy::Migrate => "migrate",
                };
                // Which rule it breaks: documented, or a position (caught with --positions strict).
                let basis = drift.position.unwrap_or("doc");
                out.push_str(&format!(
                    "{:<30} {:<13} {:<17} {:<8} {:<4} {}\n",
                    drift.name,
                    drift.operation.as_str(),
                    drift.category.as_str(),
                    seen_by,
                    basis,
                    drift.description
                ));
            }
        }
        ListWhat::Readings => {
            for reading in crate::mock::READINGS {
                out.push_str(&format!(
                    "{:<28} {:<4} {:<8} {:<7} {}\n{:<28} {}\n",
                    reading.name,
                    reading.rests_on.unwrap_or("-"),
                    reading.stance.as_str(),
                    reading.layer.as_str(),
                    reading.description,
                    "",
                    operations(reading.operations),
                ));
            }
        }
        ListWhat::Faults => {
            for fault in crate::mock::FAULTS {
                out.push_str(&format!(
                    "{:<15} {:<15} {}\n",
                    fault.name, fault.kind, fault.description
                ));
            }
        }
        ListWhat::Requirements => {
            for requirement in crate::checks::support::coverage::catalogue(spec) {
                let basis = requirement.position.as_ref().map_or("doc", |p| p.as_str());
                out.push_str(&format!(
                    "{:<64} {:<4} {}\n",
                    requirement.id, basis, requirement.statement
                ));
            }
        }
        ListWhat::Operations => {
            for op in spec.operations() {
                out.push_str(&format!(
                    "{:<13} {} {}  ({})\n",
                    op.id, op.meta.method, op.meta.path, op.meta.title
                ));
            }
        }
    }
    out
}

/// The operations a reading changes, `every operation` when it changes them all.
fn operations(ops: &[crate::spec::OperationId]) -> String {
    if crate::spec::OperationId::ALL
        .iter()
        .all(|op| ops.contains(op))
    {
        return "every operation".into();
    }
    let names: Vec<&str> = ops.iter().map(|op| op.as_str()).collect();
    names.join(", ")
}

/// `list`: prints the list asked for.
pub(super) fn run(what: ListWhat) -> Result<i32, ExitError> {
    let spec = load_spec(None)?;
    print!("{}", list(&spec, what));
    Ok(crate::exit::SUCCESS)
}

/// `explain`: what a check verifies, the documentation it rests on and how to reproduce it;
/// or, given a requirement id, the requirement with its quotes and the checks that verify it.
/// Anything else is a usage error.
pub(super) fn explain(check: &str) -> Result<i32, ExitError> {
    let spec = load_spec(None)?;
    if let Some(text) = crate::checks::explain(&spec, check) {
        print!("{text}");
        return Ok(crate::exit::SUCCESS);
    }
    if let Some(text) = explain_requirement(&spec, check) {
        print!("{text}");
        return Ok(crate::exit::SUCCESS);
    }
    let ids: Vec<String> = crate::checks::support::coverage::catalogue(&spec)
        .into_iter()
        .map(|r| r.id.to_string())
        .collect();
    let candidates: Vec<&str> = ids.iter().map(String::as_str).collect();
    let hint = crate::text::suggest(check, &candidates)
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default();
    Err(ExitError::Usage(anyhow::anyhow!(
        "no check or requirement `{check}` (see `partner-conformance list checks` and `list requirements`){hint}"
    )))
}

/// The text `explain ID` prints for a requirement id.
pub fn explain_requirement(spec: &Spec, id: &str) -> Option<String> {
    let requirement = crate::checks::support::coverage::catalogue(spec)
        .into_iter()
        .find(|r| r.id.as_str() == id)?;
    let mut out = format!("{}\n  {}\n", requirement.id, requirement.statement);
    out.push_str(&match &requirement.position {
        Some(position) => format!(
            "  basis: position {position} (a reading of schemas/README.md; against other targets an observation, not drift)\n"
        ),
        None => "  basis: documented (broken, it is drift)\n".to_string(),
    });
    if let Some(doc) = &requirement.doc {
        out.push_str(&format!("  source: {}\n  en: {}\n", doc.source, doc.en));
        if let Some(zh) = &doc.zh {
            out.push_str(&format!("  zh: {zh}\n"));
        }
    }
    let checks: Vec<String> = crate::checks::support::coverage::verifiers(&requirement)
        .iter()
        .map(|c| format!("{} {}", c.code, c.name))
        .collect();
    out.push_str(&format!("  verified by: {}\n", checks.join(", ")));
    Some(out)
}
