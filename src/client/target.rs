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

/// Environment variable holding the access key of AK/SK signing.
pub const AK_ENV: &str = "HUAWEICLOUD_SDK_AK";
/// Environment variable holding the secret key of AK/SK signing.
pub const SK_ENV: &str = "HUAWEICLOUD_SDK_SK";

/// How BSS operations are authenticated.
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
#[serde(rename_all = "lowercase")]
pub enum BssAuth {
    /// `X-Auth-Token` with `HUAWEICLOUD_TOKEN`.
    #[default]
    Token,
    /// SDK-HMAC-SHA256 signatures with `HUAWEICLOUD_SDK_AK` / `HUAWEICLOUD_SDK_SK`.
    Aksk,
}

/// The secrets a run sends: tokens by environment variable name (`HUAWEICLOUD_TOKEN`,
/// `AICC_TOKEN`) and the AK/SK pair, plus how BSS operations use them.
#[derive(Debug, Clone, Default)]
pub struct TargetCredentials {
    tokens: BTreeMap<String, Secret>,
    aksk: Option<(Secret, Secret)>,
    bss_auth: BssAuth,
}

impl TargetCredentials {
    /// Reads every token variable the contract names, and the AK/SK pair, through `lookup`
    /// (normally the environment). BSS operations use tokens until [`Self::with_bss_auth`].
    pub fn from_lookup(spec: &Spec, lookup: impl Fn(&str) -> Option<String>) -> Self {
        let read = |name: &str| lookup(name).filter(|v| !v.is_empty()).map(Secret::new);
        let mut tokens = BTreeMap::new();
        for op in spec.operations() {
            if let Some(value) = read(&op.meta.token_env) {
                tokens.insert(op.meta.token_env.clone(), value);
            }
        }
        let aksk = read(AK_ENV).zip(read(SK_ENV));
        TargetCredentials {
            tokens,
            aksk,
            bss_auth: BssAuth::Token,
        }
    }

    /// Chooses how BSS operations are authenticated.
    pub fn with_bss_auth(mut self, auth: BssAuth) -> Self {
        self.bss_auth = auth;
        self
    }

    /// How BSS operations are authenticated.
    pub fn bss_auth(&self) -> BssAuth {
        self.bss_auth
    }

    /// Whether `op` is signed (AK/SK) rather than sent with a token.
    pub fn signs(&self, op: &Operation) -> bool {
        self.bss_auth == BssAuth::Aksk
            && op.meta.service == Service::Bss
            && op.meta.auth.contains(&crate::spec::AuthScheme::Aksk)
    }

    /// The token for an environment variable, if set.
    pub fn token(&self, variable: &str) -> Option<&Secret> {
        self.tokens.get(variable)
    }

    /// The AK/SK pair, if both are set.
    pub fn aksk(&self) -> Option<(&Secret, &Secret)> {
        self.aksk.as_ref().map(|(ak, sk)| (ak, sk))
    }

    /// Every secret value, for redaction of anything that is printed or written.
    pub fn secret_values(&self) -> Vec<String> {
        let mut values: Vec<String> = self
            .tokens
            .values()
            .map(|s| s.expose().to_string())
            .collect();
        if let Some((ak, sk)) = &self.aksk {
            values.push(ak.expose().to_string());
            values.push(sk.expose().to_string());
        }
        values
    }

    /// The variables that are missing for the given operations.
    pub fn missing<'a>(&self, operations: impl Iterator<Item = &'a Operation>) -> Vec<String> {
        let mut missing = Vec::new();
        for op in operations {
            if self.signs(op) {
                if self.aksk.is_none() {
                    missing.push(AK_ENV.to_string());
                    missing.push(SK_ENV.to_string());
                }
            } else if !self.tokens.contains_key(&op.meta.token_env) {
                missing.push(op.meta.token_env.clone());
            }
        }
        missing.sort();
        missing.dedup();
        missing
    }
}
