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

/// The kebab-case name of a role, as in `x-errors`.
pub fn role_name(role: ErrorRole) -> &'static str {
    match role {
        ErrorRole::Success => "success",
        ErrorRole::InvalidParameter => "invalid-parameter",
        ErrorRole::PartnerMismatch => "partner-mismatch",
        ErrorRole::CustomerNotOwned => "customer-not-owned",
        ErrorRole::AssociationTypeNotAllowed => "association-type-not-allowed",
        ErrorRole::Unauthenticated => "unauthenticated",
        ErrorRole::NoSuchApi => "no-such-api",
        ErrorRole::MalformedRequest => "malformed-request",
        ErrorRole::Other => "other",
    }
}
