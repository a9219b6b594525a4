//! Where requests go and with which credentials. Credentials come from the environment only.

use crate::secret::Secret;
use crate::spec::{Operation, Service, Spec};
use std::collections::BTreeMap;

/// The endpoints under test.
#[derive(Debug, Clone)]
pub struct Target {
    /// Base URL of the BSS operations, without a trailing slash.
    pub bss_base: String,
    /// Base URL of the AICC operation, without a trailing slash.
    pub aicc_base: String,
    /// The partner id sent in `{partner_id}` path segments.
    pub partner_id: String,
    /// Whether this is the embedded mock (snapshots apply, no politeness limits).
    pub embedded: bool,
}

impl Target {
    /// The base URL serving an operation.
    pub fn base_for(&self, op: &Operation) -> &str {
        match op.meta.service {
            Service::Bss => &self.bss_base,
            Service::Aicc => &self.aicc_base,
        }
    }

    /// A human label for reports.
    pub fn label(&self) -> String {
        if self.embedded {
            format!("embedded mock ({})", self.bss_base)
        } else if self.bss_base == self.aicc_base {
            self.bss_base.clone()
        } else {
            format!("{} (AICC: {})", self.bss_base, self.aicc_base)
        }
    }
}

/// The secrets a run sends, by environment variable name (`HUAWEICLOUD_TOKEN`, `AICC_TOKEN`).
#[derive(Debug, Clone, Default)]
pub struct TargetCredentials {
    tokens: BTreeMap<String, Secret>,
}

impl TargetCredentials {
    /// Reads every token variable the contract names through `lookup` (normally the environment).
    pub fn from_lookup(spec: &Spec, lookup: impl Fn(&str) -> Option<String>) -> Self {
        let mut tokens = BTreeMap::new();
        for op in spec.operations() {
            if let Some(value) = lookup(&op.meta.token_env).filter(|v| !v.is_empty()) {
                tokens.insert(op.meta.token_env.clone(), Secret::new(value));
            }
        }
        TargetCredentials { tokens }
    }

    /// The token for an environment variable, if set.
    pub fn token(&self, variable: &str) -> Option<&Secret> {
        self.tokens.get(variable)
    }

    /// Every secret value, for redaction of anything that is printed or written.
    pub fn secret_values(&self) -> Vec<&str> {
        self.tokens.values().map(Secret::expose).collect()
    }

    /// The variables that are missing for the given operations.
    pub fn missing<'a>(&self, operations: impl Iterator<Item = &'a Operation>) -> Vec<String> {
        let mut missing: Vec<String> = operations
            .map(|op| op.meta.token_env.clone())
            .filter(|name| !self.tokens.contains_key(name))
            .collect();
        missing.sort();
        missing.dedup();
        missing
    }
}
