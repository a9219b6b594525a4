//! Policies: the positions of `schemas/README.md` that a reasonable user may want the other way,
//! switchable on the command line. Defaults are the positions the README takes.

/// How to treat null in a field documented as mandatory whose documented example is null.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    clap::ValueEnum,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum NullPolicy {
    /// Accept it, as the example does (default).
    #[default]
    Lenient,
    /// Report it (`mandatory_field_null`).
    Strict,
}

/// A strict-or-lenient switch.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    clap::ValueEnum,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Toggle {
    /// Report the deviation (default).
    #[default]
    Strict,
    /// Accept it.
    Lenient,
}

/// What body a query that matches nothing must have.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    clap::ValueEnum,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum NotFoundPolicy {
    /// 200 with count 0 and an empty list, as the Chinese page says (default).
    #[default]
    EmptyList,
    /// 200 with count 0; the list may be absent, as the English page's "nothing is returned" allows.
    Any,
}

/// What `name=""` and `name=null` select for a fuzzy filter of the old API (A1): the page says
/// only that they "can be used as a filter criterion".
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    clap::ValueEnum,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum EmptyFilterPolicy {
    /// They select the records whose field is null, absent or empty (default).
    #[default]
    MatchEmpty,
    /// Any answer a valid request may get is accepted: a server may read them as no filter.
    Any,
}

/// The policy set of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Policies {
    /// `--null-policy`.
    pub null: NullPolicy,
    /// `--unknown-fields`: strict reports undocumented response fields.
    pub unknown_fields: Toggle,
    /// `--not-found-body`.
    pub not_found: NotFoundPolicy,
    /// `--fuzzy-spaces`: strict expects 400 for a space in a fuzzy value; lenient also accepts 200
    /// with no match.
    pub fuzzy_spaces: Toggle,
    /// `--unsupported-enum`: strict expects 400 for a documented-but-unsupported value; lenient
    /// also accepts 200 with no match.
    pub unsupported_enum: Toggle,
    /// `--positions`: whether a position read otherwise is a finding or an observation.
    pub positions: crate::outcome::PositionMode,
    /// `--empty-filter`: what `""` and null select for a fuzzy filter (A1).
    pub empty_filter: EmptyFilterPolicy,
}

impl Policies {
    /// Lines for the report's notes: every policy that differs from the default.
    pub fn notes(&self) -> Vec<String> {
        let defaults = Policies::default();
        let mut notes = Vec::new();
        if self.null != defaults.null {
            notes.push(
                "--null-policy strict: null in documented-mandatory fields is reported".into(),
            );
        }
        if self.unknown_fields != defaults.unknown_fields {
            notes
                .push("--unknown-fields lenient: undocumented response fields are accepted".into());
        }
        if self.not_found != defaults.not_found {
            notes.push(
                "--not-found-body any: an absent list is accepted when nothing matches".into(),
            );
        }
        if self.fuzzy_spaces != defaults.fuzzy_spaces {
            notes.push(
                "--fuzzy-spaces lenient: a space in a fuzzy value may give no match instead of 400"
                    .into(),
            );
        }
        if self.empty_filter != defaults.empty_filter {
            notes.push("--empty-filter any: \"\" and null in a fuzzy filter may select anything a valid request may get".into());
        }
        if self.unsupported_enum != defaults.unsupported_enum {
            notes.push("--unsupported-enum lenient: a documented-but-unsupported value may give no match instead of 400".into());
        }
        notes
    }
}
