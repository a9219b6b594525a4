//! PC012 `fuzzy_filter`: a fuzzy (substring) filter returns only records containing the value
//! (soundness) and every such record of the full walk (completeness), tried with prefix, middle
//! and suffix pieces of values the target itself holds.

use super::{CheckInfo, DocSource, Runner, Verifies};
use crate::outcome::Category;

use super::support::context::{doc_label, StatefulContext};
use super::support::filters::{filters, judge, no_values, samples, skip_if_empty, Judgement};
use crate::spec::{CaseRule, MatchKind, OperationId};
use std::collections::HashSet;

/// Prefix, middle and suffix pieces of a value, without spaces.
pub fn pieces(value: &str) -> Vec<String> {
    let chars: Vec<char> = value.chars().collect();
    let n = chars.len();
    if n == 0 {
        return Vec::new();
    }
    let k = n.min(3);
    let mut out = vec![
        chars[..k].iter().collect::<String>(),
        chars[n - k..].iter().collect(),
    ];
    if n >= 4 {
        out.push(chars[n / 2 - 1..n / 2 + 1].iter().collect());
    }
    out.retain(|p: &String| !p.contains(' ') && !p.is_empty());
    out.dedup();
    out
}

/// Swaps the case of ASCII letters (`VipGold` → `vIPgOLD`).
fn swap_case(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_uppercase() {
                c.to_ascii_lowercase()
            } else {
                c.to_ascii_uppercase()
            }
        })
        .collect()
}

/// PC012: fuzzy filters with prefix, middle and suffix pieces of real values; for case-sensitive
/// filters, also the case-swapped piece.
pub async fn fuzzy_filter(ctx: &StatefulContext<'_>, op: OperationId) {
    let Ok(full) = ctx.walk(op).await else { return };
    if skip_if_empty(ctx, &full) {
        return;
    }
    for param in filters(ctx, op, &[MatchKind::Substring]) {
        let Some(filter) = &param.filter else {
            continue;
        };
        let doc = param.doc.as_ref().map(doc_label);
        let mut tried = HashSet::new();
        let values = samples(&full, &filter.field);
        if values.is_empty() {
            no_values(ctx, &full, &param, &filter.field);
        }
        for value in values {
            for piece in pieces(value) {
                let mut variants = vec![piece.clone()];
                if filter.case == CaseRule::Sensitive && swap_case(&piece) != piece {
                    variants.push(swap_case(&piece));
                }
                for wanted in variants {
                    if !tried.insert(wanted.clone()) {
                        continue;
                    }
                    let case = filter.case;
                    let sound_wanted = wanted.clone();
                    let required_wanted = wanted.clone();
                    judge(
                        ctx,
                        &full,
                        Judgement {
                            check: "fuzzy_filter",
                            query: vec![(param.name.clone(), wanted.clone())],
                            field: &filter.field,
                            expected: match case {
                                CaseRule::Sensitive => format!(
                                    "{} containing {wanted:?} (case-sensitive)",
                                    filter.field
                                ),
                                CaseRule::Unspecified => {
                                    format!("{} containing {wanted:?}", filter.field)
                                }
                            },
                            sound: Box::new(move |have| match case {
                                CaseRule::Sensitive => have.contains(&sound_wanted),
                                CaseRule::Unspecified => {
                                    have.to_lowercase().contains(&sound_wanted.to_lowercase())
                                }
                            }),
                            required: Box::new(move |have| have.contains(&required_wanted)),
                            doc: doc.clone(),
                            by_key: None,
                        },
                    )
                    .await;
                }
            }
        }
    }
}

/// The catalogue entry of this check (listed in [`super::CHECKS`]).
pub static CHECK: CheckInfo = CheckInfo {
    code: "PC012",
    name: "fuzzy_filter",
    categories: &[Category::FilterSemantics],
    summary: "Every record returned under a fuzzy filter contains the value (prefix, middle or suffix; case-sensitive where documented), and every record of the full walk that contains it is returned.",
    reproduce: "Run the curl line and search the returned field for the value.",
    rests_on: DocSource::Filters(&[crate::spec::MatchKind::Substring]),
    verifies: &[Verifies::Semantic],
    runner: Runner::Stateful {
        applies: super::is_list,
        walks: super::own_walk,
        run: |ctx, op| Box::pin(fuzzy_filter(ctx, op)),
    },
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_are_prefix_suffix_and_middle_without_spaces() {
        assert_eq!(pieces("priya_aperture000"), vec!["pri", "000", "pe"]);
        assert_eq!(pieces("信息技术"), vec!["信息技", "息技术", "息技"]);
        assert_eq!(pieces("ab"), vec!["ab"]);
        assert!(pieces("a b").is_empty());
        assert!(pieces("").is_empty());
    }

    #[test]
    fn swaps_ascii_case() {
        assert_eq!(swap_case("VipGold-1"), "vIPgOLD-1");
    }
}
