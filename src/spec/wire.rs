//! The four ways a GET parameter can be "not a value" on the wire, named once so the mock, the
//! generators and the checks agree on what `absent`, `empty`, `""` and `null` are.

use super::vocabulary::{Presence, PresenceOutcome};

/// How a query parameter appeared in a request (ambiguity A1 in `schemas/README.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WireForm<'a> {
    /// The parameter is not in the query string.
    Absent,
    /// `name=` or a bare `name`: "left empty".
    Empty,
    /// `name=""`: the two quote characters, the only way to say "set to \"\"" in a query string.
    QuotedEmpty,
    /// `name=null`: the only way to say "set to null" in a query string.
    Null,
    /// Any other (decoded) value.
    Value(&'a str),
}

impl<'a> WireForm<'a> {
    /// Classifies a decoded query value (`None` when the parameter is absent).
    pub fn classify(decoded: Option<&'a str>) -> Self {
        match decoded {
            None => WireForm::Absent,
            Some("") => WireForm::Empty,
            Some("\"\"") => WireForm::QuotedEmpty,
            Some("null") => WireForm::Null,
            Some(value) => WireForm::Value(value),
        }
    }

    /// Classifies a member of a JSON request body (`None` when the member is absent): JSON null
    /// is [`WireForm::Null`], the empty string [`WireForm::Empty`], the two-quote string
    /// [`WireForm::QuotedEmpty`]. Any other member is a value; its text is the string itself or,
    /// for other JSON types, empty (the validator reads the JSON value, not this text).
    pub fn classify_json(member: Option<&'a serde_json::Value>) -> Self {
        match member {
            None => WireForm::Absent,
            Some(serde_json::Value::Null) => WireForm::Null,
            Some(serde_json::Value::String(text)) => match text.as_str() {
                "" => WireForm::Empty,
                "\"\"" => WireForm::QuotedEmpty,
                text => WireForm::Value(text),
            },
            Some(_) => WireForm::Value(""),
        }
    }

    /// The keyword naming this form's meaning in `x-presence` (`x-presence.null`): how rule
    /// ids and positions spell it.
    pub fn presence_keyword(self) -> &'static str {
        match self {
            WireForm::Absent => "x-presence.absent",
            WireForm::Empty => "x-presence.empty",
            WireForm::QuotedEmpty => "x-presence.quoted-empty",
            WireForm::Null => "x-presence.null",
            WireForm::Value(_) => "x-presence.value",
        }
    }

    /// The four forms that are not a value, whose meaning `x-presence` documents.
    pub const NON_VALUES: [WireForm<'static>; 4] = [
        WireForm::Absent,
        WireForm::Empty,
        WireForm::QuotedEmpty,
        WireForm::Null,
    ];

    /// The raw query text that produces this form (before percent-encoding).
    pub fn raw(self) -> Option<&'a str> {
        match self {
            WireForm::Absent => None,
            WireForm::Empty => Some(""),
            WireForm::QuotedEmpty => Some("\"\""),
            WireForm::Null => Some("null"),
            WireForm::Value(v) => Some(v),
        }
    }

    /// A short name for reports: `absent`, `empty`, `quoted-empty`, `null` or `value`.
    pub fn name(self) -> &'static str {
        match self {
            WireForm::Absent => "absent",
            WireForm::Empty => "empty",
            WireForm::QuotedEmpty => "quoted-empty",
            WireForm::Null => "null",
            WireForm::Value(_) => "value",
        }
    }
}

impl Presence {
    /// What the documentation says this form means for the parameter.
    pub fn outcome(&self, form: WireForm<'_>) -> PresenceOutcome {
        match form {
            WireForm::Absent => self.absent,
            WireForm::Empty => self.empty,
            WireForm::QuotedEmpty => self.quoted_empty,
            WireForm::Null => self.null,
            WireForm::Value(_) => PresenceOutcome::Value,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forms_presence_keyword_is_x_presence_and_its_name() {
        for form in WireForm::NON_VALUES
            .into_iter()
            .chain([WireForm::Value("x")])
        {
            assert_eq!(
                form.presence_keyword(),
                format!("x-presence.{}", form.name())
            );
        }
    }

    #[test]
    fn classifies_the_four_forms_and_values() {
        assert_eq!(WireForm::classify(None), WireForm::Absent);
        assert_eq!(WireForm::classify(Some("")), WireForm::Empty);
        assert_eq!(WireForm::classify(Some("\"\"")), WireForm::QuotedEmpty);
        assert_eq!(WireForm::classify(Some("null")), WireForm::Null);
        assert_eq!(WireForm::classify(Some("NULL")), WireForm::Value("NULL"));
        for form in [
            WireForm::Empty,
            WireForm::QuotedEmpty,
            WireForm::Null,
            WireForm::Value("x"),
        ] {
            assert_eq!(WireForm::classify(form.raw()), form);
        }
    }
}
