//! What a request calls for, so per-response checks can judge the answer.

use crate::spec::ErrorRole;

/// The answer a request calls for.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Expectation {
    /// A valid request whose answer does not depend on data: the success status.
    Success,
    /// A valid request whose answer depends on data (a lookup): any documented answer except the
    /// invalid-parameter one.
    NotInvalid,
    /// The catalogue entry of this role. With `or_empty_success`, a 200 with no records is also
    /// accepted (lenient policies).
    Role {
        /// The expected role.
        role: ErrorRole,
        /// Also accept a success with an empty list.
        or_empty_success: bool,
    },
    /// Nothing beyond the contract: any documented status with its documented body.
    Documented,
}

impl Expectation {
    /// The catalogue entry of `role`, strictly.
    pub fn role(role: ErrorRole) -> Self {
        Expectation::Role {
            role,
            or_empty_success: false,
        }
    }

    /// A short description for findings.
    pub fn describe(&self) -> String {
        match self {
            Expectation::Success => "the documented success".into(),
            Expectation::NotInvalid => {
                "any documented answer but the invalid-parameter error".into()
            }
            Expectation::Role {
                role,
                or_empty_success,
            } => {
                let base = format!("the documented {} answer", role_name(*role));
                if *or_empty_success {
                    format!("{base} (or, by policy, a success with no records)")
                } else {
                    base
                }
            }
            Expectation::Documented => "a documented answer".into(),
        }
    }
}

/// The kebab-case name of a role, as `x-errors` spells it: the serde name, so the two never
/// disagree.
pub fn role_name(role: ErrorRole) -> String {
    serde_json::to_value(role)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::role_name;
    use crate::spec::ErrorRole;

    #[test]
    fn role_names_are_the_x_errors_spelling() {
        assert_eq!(role_name(ErrorRole::InvalidParameter), "invalid-parameter");
        assert_eq!(
            role_name(ErrorRole::AssociationTypeNotAllowed),
            "association-type-not-allowed"
        );
    }
}
