//! Why a generated case exists: a finding can then say "page_size above the documented maximum
//! was accepted" rather than "case 17 failed".

use std::fmt;

/// The reason of a generated case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scenario {
    /// Every parameter valid.
    Valid,
    /// A string one or more characters over its documented maximum length.
    TooLong,
    /// Text where a whole number is documented.
    WrongType,
    /// A number under the documented minimum.
    BelowMinimum,
    /// A number over the documented maximum.
    AboveMaximum,
    /// A value outside the documented set.
    NotInEnum,
    /// A documented value the documentation says is not supported.
    UnsupportedValue,
    /// A value breaking the documented format (time) or pattern.
    BadFormat,
    /// A space in a fuzzy-search value.
    SpaceInFuzzyValue,
    /// An absent / empty / "" / null form the documentation refuses.
    RefusedForm,
    /// A parameter without the companion it must come with.
    Unpaired,
    /// A range whose start is after its end.
    ReversedRange,
}

impl Scenario {
    /// A short, stable description.
    pub fn describe(self) -> &'static str {
        match self {
            Scenario::Valid => "valid request",
            Scenario::TooLong => "value above the documented maximum length",
            Scenario::WrongType => "text where an Integer is documented",
            Scenario::BelowMinimum => "number below the documented minimum",
            Scenario::AboveMaximum => "number above the documented maximum",
            Scenario::NotInEnum => "value outside the documented set",
            Scenario::UnsupportedValue => "documented but unsupported value",
            Scenario::BadFormat => "value breaking the documented format",
            Scenario::SpaceInFuzzyValue => "space in a fuzzy-search value",
            Scenario::RefusedForm => "absent/empty/\"\"/null form the documentation refuses",
            Scenario::Unpaired => "parameter without its documented companion",
            Scenario::ReversedRange => "range start after its end",
        }
    }
}

impl Scenario {
    /// The keyword of `schemas/` whose constraint an invalid case breaks (the last part of its
    /// rule id, `customers_v1.query.page_size.maximum`); `None` for a valid case.
    pub fn keyword(self) -> Option<&'static str> {
        Some(match self {
            Scenario::Valid => return None,
            Scenario::TooLong => "maxLength",
            Scenario::WrongType => "type",
            Scenario::BelowMinimum => "minimum",
            Scenario::AboveMaximum => "maximum",
            Scenario::NotInEnum => "enum",
            Scenario::UnsupportedValue => "x-unsupported",
            Scenario::BadFormat => "format",
            Scenario::SpaceInFuzzyValue => "pattern",
            Scenario::RefusedForm => "x-presence",
            Scenario::Unpaired => "x-requires",
            Scenario::ReversedRange => "x-not-after",
        })
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}
