//! Operation identifiers: the names used in file names, the CLI and reports.

use std::fmt;
use std::str::FromStr;

/// One documented API operation. The string form (`customers_v1`, ...) is the directory name under
/// `schemas/`, the CLI selector and the label in every report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OperationId {
    /// `GET /v1.0/{partner_id}/partner/customer-mgr/detail`.
    CustomersV1,
    /// `GET /v1.0/{partner_id}/partner/account-mgr/credit`.
    BudgetV1,
    /// `GET /rest/oma/softwareconsole/tenant/querytenantbasic`.
    AiccTenant,
    /// `POST /v2/partners/sub-customers/query`, the replacement of [`OperationId::CustomersV1`].
    CustomersV2,
    /// `GET /v2/partners/sub-customers/budget`, the replacement of [`OperationId::BudgetV1`].
    BudgetV2,
}

impl OperationId {
    /// Every operation, in report order.
    pub const ALL: &'static [OperationId] = &[
        OperationId::CustomersV1,
        OperationId::BudgetV1,
        OperationId::AiccTenant,
        OperationId::CustomersV2,
        OperationId::BudgetV2,
    ];

    /// The stable string id.
    pub fn as_str(self) -> &'static str {
        match self {
            OperationId::CustomersV1 => "customers_v1",
            OperationId::BudgetV1 => "budget_v1",
            OperationId::AiccTenant => "aicc_tenant",
            OperationId::CustomersV2 => "customers_v2",
            OperationId::BudgetV2 => "budget_v2",
        }
    }
}

impl fmt::Display for OperationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An operation name that is not one of [`OperationId::ALL`].
#[derive(Debug, thiserror::Error)]
#[error("unknown operation `{given}` (known: {known})")]
pub struct UnknownOperation {
    given: String,
    known: String,
}

impl FromStr for OperationId {
    type Err = UnknownOperation;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OperationId::ALL
            .iter()
            .copied()
            .find(|op| op.as_str() == s)
            .ok_or_else(|| UnknownOperation {
                given: s.to_string(),
                known: OperationId::ALL
                    .iter()
                    .map(|op| op.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }
}

impl serde::Serialize for OperationId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for OperationId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_id() {
        for op in OperationId::ALL {
            assert_eq!(op.as_str().parse::<OperationId>().unwrap(), *op);
        }
    }

    #[test]
    fn unknown_id_lists_the_known_ones() {
        let err = "customers".parse::<OperationId>().unwrap_err().to_string();
        assert!(
            err.contains("customers_v1, budget_v1, aicc_tenant, customers_v2, budget_v2"),
            "{err}"
        );
    }
}
