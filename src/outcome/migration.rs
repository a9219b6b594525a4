//! What `migrate` saw for one row of the migration table: the evidence behind the row's last
//! column. (Named apart from the observations of a position read differently.)

use crate::spec::OperationId;
use serde::{Deserialize, Serialize};

/// Which side of the exchange a row is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Part {
    /// A request parameter.
    Request,
    /// A field of the success body.
    Response,
}

impl Part {
    /// The word the migration table shows for it (Markdown and HTML alike).
    pub fn as_str(self) -> &'static str {
        match self {
            Part::Request => "request",
            Part::Response => "response",
        }
    }
}

/// What the target showed for one row of the migration table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MigrationEvidence {
    /// The new-generation operation.
    pub operation: OperationId,
    /// `request` or `response`.
    pub part: Part,
    /// The row's field: its new name, or its old name when it is gone.
    pub field: String,
    /// One sentence.
    pub showed: String,
    /// For a field compared record by record: how many agreed, and an example of a difference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreement: Option<Agreement>,
}

/// How a field of the old generation and its successor compared over the records both hold:
/// the table's "same or differs" cell, so that a real difference reads as one ("differs: 20 of
/// 20, e.g. old `1000` new `999`") and never as a count of equal values that happens to be 0.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agreement {
    /// Records compared (customers, budgets).
    pub compared: u64,
    /// Of those, how many differ.
    pub differing: u64,
    /// The first difference, as the target sent each value; `None` when none differ.
    pub example: Option<DifferenceExample>,
}

/// One difference: the old value and the new one, as JSON text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DifferenceExample {
    /// The old generation's value.
    pub old: String,
    /// The new generation's value.
    pub new: String,
}

impl Agreement {
    /// The cell: `same: 240 of 240`, or `differs: 20 of 20, e.g. old `x` new `y``.
    pub fn cell(&self) -> String {
        if self.differing == 0 {
            return format!("same: {} of {}", self.compared, self.compared);
        }
        let mut text = format!("differs: {} of {}", self.differing, self.compared);
        if let Some(example) = &self.example {
            text.push_str(&format!(
                ", e.g. old {} new {}",
                code(&example.old),
                code(&example.new)
            ));
        }
        text
    }
}

/// A Markdown code span holding `text`, whatever backticks it has.
fn code(text: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_difference_reads_as_one() {
        let same = Agreement {
            compared: 240,
            differing: 0,
            example: None,
        };
        assert_eq!(same.cell(), "same: 240 of 240");
        let differs = Agreement {
            compared: 20,
            differing: 20,
            example: Some(DifferenceExample {
                old: "1000".into(),
                new: "\"99`9\"".into(),
            }),
        };
        assert_eq!(
            differs.cell(),
            "differs: 20 of 20, e.g. old `1000` new ``\"99`9\"``"
        );
    }
}
