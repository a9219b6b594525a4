//! Who may call the mock: the token of each operation's `token_env` and one AK/SK pair, taken from
//! the same environment variables the suite reads, or generated at random when unset.

use super::request::IncomingRequest;
use crate::secret::Secret;
use crate::signing::{self, SignableRequest};
use crate::spec::{AuthScheme, Operation, Spec};
use rand::distr::{Alphanumeric, SampleString};
use std::collections::BTreeMap;

pub use crate::client::{AK_ENV, SK_ENV};

/// The credentials the mock accepts.
#[derive(Debug, Clone)]
pub struct Credentials {
    tokens: BTreeMap<String, Secret>,
    access_key: Secret,
    secret_key: Secret,
}

/// Where a credential came from, for the start-up banner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialSource {
    /// Read from this environment variable (its value is never printed).
    Environment(String),
    /// Generated for this run, to be printed so the user can call the mock.
    Generated(String),
}

impl Credentials {
    /// Reads every token variable the spec names and the AK/SK pair from `lookup` (normally
    /// `std::env::var`); what is unset is generated. Returns what came from where.
    pub fn from_lookup(
        spec: &Spec,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> (Credentials, Vec<CredentialSource>) {
        let mut sources = Vec::new();
        let mut take = |name: &str, generate: &dyn Fn() -> String| match lookup(name)
            .filter(|v| !v.is_empty())
        {
            Some(value) => {
                sources.push(CredentialSource::Environment(name.to_string()));
                Secret::new(value)
            }
            None => {
                sources.push(CredentialSource::Generated(name.to_string()));
                Secret::new(generate())
            }
        };
        let mut tokens = BTreeMap::new();
        for op in spec.operations() {
            if !tokens.contains_key(&op.meta.token_env) {
                let token = take(&op.meta.token_env, &|| random_text(48));
                tokens.insert(op.meta.token_env.clone(), token);
            }
        }
        let access_key = take(AK_ENV, &|| random_text(20).to_uppercase());
        let secret_key = take(SK_ENV, &|| random_text(40));
        (
            Credentials {
                tokens,
                access_key,
                secret_key,
            },
            sources,
        )
    }

    /// Fresh random credentials for every variable (tests and the embedded target of `run`).
    pub fn random(spec: &Spec) -> Credentials {
        Credentials::from_lookup(spec, |_| None).0
    }

    /// The accepted value of a credential variable (`HUAWEICLOUD_TOKEN`, `AICC_TOKEN`, the AK/SK
    /// variables), so the process that started the mock can call it.
    pub fn get(&self, variable: &str) -> Option<&Secret> {
        match variable {
            AK_ENV => Some(&self.access_key),
            SK_ENV => Some(&self.secret_key),
            other => self.tokens.get(other),
        }
    }

    /// Decides whether a request may call `op`; `Err` carries the detail for the 401 message.
    pub fn authenticate(
        &self,
        op: &Operation,
        request: &IncomingRequest,
        query: &[(String, String)],
    ) -> Result<(), String> {
        let accepts = |scheme| op.meta.auth.contains(&scheme);
        if accepts(AuthScheme::Aksk) && request.header("authorization").is_some() {
            return self.verify_signature(request, query);
        }
        if !accepts(AuthScheme::Token) {
            return Err("authorization not found".into());
        }
        let Some(expected) = self.tokens.get(&op.meta.token_env) else {
            return Err("no token is configured for this operation".into());
        };
        match request.header("x-auth-token") {
            None => Err("x-auth-token not found".into()),
            Some(given) if expected.ct_eq(given) => Ok(()),
            Some(_) => Err("decrypt token fail".into()),
        }
    }

    fn verify_signature(
        &self,
        request: &IncomingRequest,
        query: &[(String, String)],
    ) -> Result<(), String> {
        let signable = SignableRequest {
            method: &request.method,
            path: &request.path,
            query,
            headers: &request.headers,
            body: &request.body,
        };
        let secret_for = |ak: &str| {
            self.access_key
                .ct_eq(ak)
                .then(|| self.secret_key.expose().to_string())
        };
        signing::verify(
            &signable,
            secret_for,
            chrono::Utc::now(),
            signing::default_max_skew(),
        )
        .map(|_| ())
        .map_err(|e| format!("verify aksk signature fail: {e}"))
    }
}

fn random_text(len: usize) -> String {
    Alphanumeric.sample_string(&mut rand::rng(), len)
}
