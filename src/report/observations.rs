//! The observations section of every report: how this target reads what the documentation
//! leaves open. An observation is a finding about a position (a row of the ambiguity table in
//! `schemas/README.md`) that the target reads otherwise; it is never a failure and leaves the
//! exit code alone (`--positions strict` makes it a finding instead).
//!
//! Observations are grouped like findings (position, operation, check, location pattern), so
//! a reading every generated case shows is one entry with a count.

use crate::outcome::{location_pattern, Finding};
use std::fmt::Write as _;

/// The heading every format uses.
pub const HEADING: &str = "How this target reads what the documentation leaves open";

/// One group of look-alike observations: the first, and how many there are.
#[derive(Debug)]
pub struct ObservationGroup<'a> {
    /// The first observation of the group, in report order: its values are the ones shown.
    pub first: &'a Finding,
    /// How many observations the group holds, `first` included.
    pub count: usize,
}

/// Observations grouped by position, operation, check and location pattern, ordered by position
/// number, then operation and location.
pub fn groups(observations: &[Finding]) -> Vec<ObservationGroup<'_>> {
    let mut out: Vec<(GroupId, ObservationGroup<'_>)> = Vec::new();
    for observation in observations {
        let id = group_id(observation);
        match out.iter_mut().find(|(key, _)| *key == id) {
            Some((_, group)) => group.count += 1,
            None => out.push((
                id,
                ObservationGroup {
                    first: observation,
                    count: 1,
                },
            )),
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out.into_iter().map(|(_, group)| group).collect()
}

type GroupId = (u32, String, crate::spec::OperationId, String, String);

fn group_id(f: &Finding) -> GroupId {
    let position = f.position.as_ref().map_or("", |p| p.as_str());
    let number = position
        .strip_prefix('A')
        .and_then(|n| n.parse().ok())
        .unwrap_or(u32::MAX);
    (
        number,
        position.to_string(),
        f.operation,
        location_pattern(&f.location),
        f.check.clone(),
    )
}

/// The one line a summary says about observations, or `None` when there are none.
pub fn summary_line(observations: &[Finding]) -> Option<String> {
    if observations.is_empty() {
        return None;
    }
    let mut positions: Vec<&str> = observations
        .iter()
        .filter_map(|f| f.position.as_ref().map(|p| p.as_str()))
        .collect();
    positions.sort_by_key(|p| p.trim_start_matches('A').parse::<u32>().unwrap_or(u32::MAX));
    positions.dedup();
    Some(format!(
        "{} (not drift): the target reads {} otherwise than this suite; --positions strict makes them findings",
        crate::report::plural(observations.len(), "observation"),
        if positions.len() == 1 {
            format!("position {}", positions[0])
        } else {
            format!("positions {}", positions.join(", "))
        }
    ))
}

/// The human section: heading, then per group the position, where, what this suite expected,
/// what the target did and the curl line, with target text made safe as the human report does.
pub fn push_human(out: &mut String, observations: &[Finding]) {
    use super::text::{clean, push_field};
    let Some(line) = summary_line(observations) else {
        return;
    };
    let _ = writeln!(out, "\n{HEADING}: {line}");
    for group in groups(observations) {
        let f = group.first;
        let position = f.position.as_ref().map_or("?", |p| p.as_str());
        let more = if group.count > 1 {
            format!(" (and {} more like it)", group.count - 1)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "  {position} {} {} [{}]{more}",
            f.operation,
            clean(&f.location),
            clean(&f.check)
        );
        push_field(out, "this suite expects", &f.expected);
        push_field(out, "the target did", &f.observed);
        push_field(out, "reproduce", &f.reproduce);
    }
}

/// The Markdown section: a table of groups. `cell` escapes text for a table cell.
pub fn push_markdown(out: &mut String, observations: &[Finding], cell: &dyn Fn(&str) -> String) {
    let Some(line) = summary_line(observations) else {
        return;
    };
    let _ = writeln!(out, "\n## {HEADING}\n\n{line}.\n");
    out.push_str("| position | operation | where | this suite expects | the target did | seen |\n");
    out.push_str("|---|---|---|---|---|---|\n");
    for group in groups(observations) {
        let f = group.first;
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            f.position.as_ref().map_or("?", |p| p.as_str()),
            f.operation,
            cell(&f.location),
            cell(&f.expected),
            cell(&f.observed),
            group.count
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::Category;
    use crate::spec::{OperationId, Position, RuleId};

    fn observation(position: &str, location: &str) -> Finding {
        Finding {
            operation: OperationId::CustomersV1,
            check: "status_code_conformance".into(),
            code: "PC001".into(),
            category: Category::StatusCode,
            rule: RuleId::valid_request(OperationId::CustomersV1),
            location: location.into(),
            expected: "200".into(),
            observed: "400 CBC.0100".into(),
            reproduce: "curl 'http://127.0.0.1:1/x'".into(),
            doc: None,
            trial: "cases::customers_v1::a2_page_no_null_is_first_page".into(),
            position: Position::parse(position),
            serve: None,
            origin: None,
        }
    }

    #[test]
    fn groups_by_position_and_place_in_position_order() {
        let all = vec![
            observation("A10", "status"),
            observation("A2", "body.customer_info_list[1].x"),
            observation("A2", "body.customer_info_list[4].x"),
        ];
        let groups = groups(&all);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].first.position.as_ref().unwrap().as_str(), "A2");
        assert_eq!(groups[0].count, 2);
        let line = summary_line(&all).unwrap();
        assert!(line.starts_with("3 observations (not drift)"), "{line}");
        assert!(line.contains("positions A2, A10"), "{line}");
        assert_eq!(summary_line(&[]), None);
        let mut human = String::new();
        push_human(&mut human, &all);
        assert!(
            human.contains(HEADING) && human.contains("A2 customers_v1"),
            "{human}"
        );
        assert!(human.contains("this suite expects: 200"), "{human}");
        let mut markdown = String::new();
        push_markdown(&mut markdown, &all, &|s| s.to_string());
        assert!(
            markdown.contains("| A10 | customers_v1 | status |"),
            "{markdown}"
        );
    }
}
