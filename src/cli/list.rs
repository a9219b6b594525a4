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

/// `explain`: what a check verifies, the documentation it rests on and how to reproduce it; an
/// unknown check is a usage error.
pub(super) fn explain(check: &str) -> Result<i32, ExitError> {
    let spec = load_spec(None)?;
    match crate::checks::explain(&spec, check) {
        Some(text) => {
            print!("{text}");
            Ok(crate::exit::SUCCESS)
        }
        None => Err(ExitError::Usage(anyhow::anyhow!(
            "no check `{check}` (see `partner-conformance list checks`)"
        ))),
    }
}
