//! `partner-conformance explain CODE`: what a check verifies, the documentation rows it rests on
//! (English and Chinese where both exist), and how to reproduce a finding.

use crate::checks::{check_info, CheckKind, DocSource};
use crate::spec::{DocQuote, DocRef, Operation, Spec};
use std::fmt::Write;

/// The explanation of a check by code or name, or `None` when there is no such check.
pub fn explain(spec: &Spec, code_or_name: &str) -> Option<String> {
    let check = check_info(code_or_name)?;
    let mut out = String::new();
    let _ = writeln!(out, "{} {}", check.code, check.name);
    let categories: Vec<_> = check.categories.iter().map(|c| c.as_str()).collect();
    let _ = writeln!(out, "categories: {}", categories.join(", "));
    let kind = match check.kind() {
        CheckKind::PerResponse => "runs on every answer of the run",
        CheckKind::Stateful => "runs as its own trial, sending requests of its own",
        CheckKind::Migration => {
            "runs in `partner-conformance migrate`, calling both API generations"
        }
    };
    let _ = writeln!(out, "kind: {kind}\n");
    let _ = writeln!(out, "What it verifies:\n  {}\n", check.summary);
    let _ = writeln!(out, "Documentation it rests on:");
    let mut shown = 0;
    for op in spec.operations() {
        for (label, doc) in rows(spec, op, check.rests_on) {
            shown += 1;
            let _ = writeln!(out, "  {} {label}", op.id);
            quote(&mut out, "en", &doc.en);
            if let Some(zh) = &doc.zh {
                quote(&mut out, "zh", zh);
            }
        }
    }
    if shown == 0 {
        let _ = writeln!(out, "  (no operation of this contract has such a row)");
    }
    // The requirements of the coverage catalogue its verdicts are evidence for.
    let verified: Vec<String> = super::coverage::catalogue(spec)
        .iter()
        .filter(|r| {
            super::coverage::verifiers(r)
                .iter()
                .any(|c| c.name == check.name)
        })
        .map(|r| r.id.to_string())
        .collect();
    let _ = writeln!(
        out,
        "\nRequirements it verifies ({}; `explain ID` shows one):",
        verified.len()
    );
    const SHOWN: usize = 8;
    for id in verified.iter().take(SHOWN) {
        let _ = writeln!(out, "  {id}");
    }
    if verified.len() > SHOWN {
        let _ = writeln!(
            out,
            "  … and {} more (`list requirements`)",
            verified.len() - SHOWN
        );
    }
    let _ = writeln!(out, "\nHow to reproduce:\n  {}", check.reproduce);
    let _ = writeln!(out, "  Every finding carries a curl line; credentials appear as $HUAWEICLOUD_TOKEN / $AICC_TOKEN.");
    Some(out)
}

fn quote(out: &mut String, language: &str, quote: &DocQuote) {
    let _ = writeln!(
        out,
        "    [{language}] {} · {} · {}",
        quote.file, quote.table, quote.row
    );
    let _ = writeln!(out, "         \"{}\"", quote.text);
}

/// The documentation rows of one operation for a source.
fn rows(spec: &Spec, op: &Operation, source: DocSource) -> Vec<(String, DocRef)> {
    let params = |keep: &dyn Fn(&crate::spec::Parameter) -> bool| -> Vec<(String, DocRef)> {
        op.value_parameters()
            .filter(|p| keep(p))
            .filter_map(|p| p.doc.clone().map(|d| (format!("parameter {}", p.name), d)))
            .collect()
    };
    match source {
        DocSource::ErrorCatalogue => op
            .errors
            .iter()
            .map(|e| {
                (
                    format!(
                        "{} {}",
                        e.status,
                        e.error_code.as_deref().unwrap_or("(string body)")
                    ),
                    e.doc.clone(),
                )
            })
            .collect(),
        DocSource::Operation => vec![(
            format!("{} {}", op.meta.method, op.meta.path),
            op.meta.doc.clone(),
        )],
        DocSource::ResponseFields => op
            .responses()
            .filter(|r| r.status == op.meta.success_status)
            .flat_map(|r| {
                r.schema
                    .get("properties")
                    .and_then(|p| p.as_object())
                    .into_iter()
                    .flatten()
                    .filter_map(|(name, s)| {
                        s.get("x-doc")
                            .and_then(|d| serde_json::from_value::<DocRef>(d.clone()).ok())
                            .map(|d| (format!("response field {name}"), d))
                    })
            })
            .collect(),
        DocSource::Paging => params(&|p| p.paging.is_some()),
        DocSource::Filters(kinds) => {
            params(&|p| p.filter.as_ref().is_some_and(|f| kinds.contains(&f.kind)))
        }
        DocSource::Presence => params(&|p| p.presence.is_some()),
        DocSource::Lookup => params(&|p| p.lookup.is_some()),
        DocSource::Replacements => {
            let mut out = params(&|p| p.replaces.is_some());
            out.extend(
                op.record_properties(spec)
                    .into_iter()
                    .filter_map(|(name, schema)| {
                        schema.get("x-replaces")?;
                        let doc =
                            serde_json::from_value::<DocRef>(schema.get("x-doc")?.clone()).ok()?;
                        Some((format!("response field {name}"), doc))
                    }),
            );
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explains_by_code_with_both_languages() {
        let spec = Spec::embedded().unwrap();
        let text = explain(&spec, "PC012").unwrap();
        assert!(text.starts_with("PC012 fuzzy_filter"), "{text}");
        assert!(text.contains("[en] 000_5988f763b3fa1be5.txt"), "{text}");
        assert!(text.contains("[zh] 001_bee40ebaa16a6bab.txt"), "{text}");
        assert!(explain(&spec, "pagination").unwrap().contains("page_size"));
        assert!(explain(&spec, "PC999").is_none());
        let schema = explain(&spec, "response_schema_conformance").unwrap();
        assert!(schema.contains("Requirements it verifies ("), "{schema}");
        assert!(schema.contains("  customers_v1.response.200."), "{schema}");
        assert!(
            text.contains("customers_v1.semantic.fuzzy_filter"),
            "{text}"
        );
    }
}
