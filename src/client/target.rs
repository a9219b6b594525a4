//! Where requests go and with which credentials. Credentials come from the environment only.

use crate::secret::Secret;
use crate::spec::{AuthScheme, Operation, Service, Spec};
use std::collections::BTreeMap;

/// Whether a base URL names this machine: `localhost`, 127.0.0.0/8 or `::1`. A loopback
/// target runs unthrottled, gets no proxy, and may be the embedded mock.
pub fn is_loopback(url: &str) -> bool {
    let Ok(parsed) = reqwest::Url::parse(url) else {
        return false;
    };
    let host = parsed.host_str().unwrap_or_default();
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

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

    /// Whether a request of this run could meet a certificate: a base URL on https, or off
    /// loopback (where a proxy from the environment, perhaps an https one, may carry it). Only
    /// then are the system's roots read: some 150 files on a Debian machine, for nothing in a
    /// run against the embedded mock.
    pub fn needs_tls_roots(&self) -> bool {
        [&self.bss_base, &self.aicc_base]
            .iter()
            .any(|base| !base.starts_with("http://") || !is_loopback(base))
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

/// The secrets a run sends: tokens by environment variable name (`HUAWEICLOUD_TOKEN`,
/// `AICC_TOKEN`) and the AK/SK pair, plus how BSS operations use them.
#[derive(Debug, Clone, Default)]
pub struct TargetCredentials {
    tokens: BTreeMap<String, Secret>,
    aksk: Option<(Secret, Secret)>,
    bss_auth: AuthScheme,
}

impl TargetCredentials {
    /// Reads every token variable the contract names, and the AK/SK pair, through `lookup`
    /// (normally the environment), and registers them for redaction ([`crate::secret::register`]).
    /// BSS operations use tokens until [`Self::with_bss_auth`].
    pub fn from_lookup(spec: &Spec, lookup: impl Fn(&str) -> Option<String>) -> Self {
        let read = |name: &str| lookup(name).filter(|v| !v.is_empty()).map(Secret::new);
        let mut tokens = BTreeMap::new();
        for op in spec.operations() {
            if let Some(value) = read(&op.meta.token_env) {
                tokens.insert(op.meta.token_env.clone(), value);
            }
        }
        let aksk = read(AK_ENV).zip(read(SK_ENV));
        let credentials = TargetCredentials {
            tokens,
            aksk,
            bss_auth: AuthScheme::Token,
        };
        // Credentials enter the process here: from now on no file the suite writes shows them.
        crate::secret::register(credentials.secret_values());
        credentials
    }

    /// Chooses how BSS operations are authenticated.
    pub fn with_bss_auth(mut self, auth: AuthScheme) -> Self {
        self.bss_auth = auth;
        self
    }

    /// How BSS operations are authenticated.
    pub fn bss_auth(&self) -> AuthScheme {
        self.bss_auth
    }

    /// Whether `op` is signed (AK/SK) rather than sent with a token.
    pub fn signs(&self, op: &Operation) -> bool {
        signed(op, self.bss_auth)
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
    pub fn missing<'a>(&self, operations: impl IntoIterator<Item = &'a Operation>) -> Vec<String> {
        required_variables(operations, self.bss_auth)
            .into_iter()
            .filter(|name| match *name {
                AK_ENV | SK_ENV => self.aksk.is_none(),
                token => !self.tokens.contains_key(token),
            })
            .map(str::to_string)
            .collect()
    }
}

/// How BSS operations authenticate when the user chose `chosen` (flag or profile): the choice
/// when there is one; otherwise AK/SK against a real target (`external`) where only the AK/SK
/// pair is set (signing is then the only way in), and the token everywhere else. `is_set`
/// says whether an environment variable is set and not empty. `run` and `config check` both
/// decide through this function, so they cannot disagree about what a setup needs.
pub fn bss_auth_for(
    spec: &Spec,
    chosen: Option<AuthScheme>,
    external: bool,
    is_set: &dyn Fn(&str) -> bool,
) -> AuthScheme {
    chosen.unwrap_or_else(|| {
        let bss_token_set = spec
            .operations()
            .iter()
            .filter(|op| op.meta.service == Service::Bss)
            .any(|op| is_set(&op.meta.token_env));
        if external && !bss_token_set && is_set(AK_ENV) && is_set(SK_ENV) {
            AuthScheme::Aksk
        } else {
            AuthScheme::Token
        }
    })
}

/// Whether `op` is signed when BSS operations use `bss_auth`: only a BSS operation whose contract
/// accepts AK/SK is; every other operation sends its token.
fn signed(op: &Operation, bss_auth: AuthScheme) -> bool {
    bss_auth == AuthScheme::Aksk
        && op.meta.service == Service::Bss
        && op.meta.auth.contains(&AuthScheme::Aksk)
}

/// The environment variables a run of `operations` needs when BSS operations use `bss_auth`,
/// sorted and each once. `run` refuses to start without them and `config check` lists them, so
/// both read this one function (and the contract's `token_env`), not a list of their own.
pub fn required_variables<'a>(
    operations: impl IntoIterator<Item = &'a Operation>,
    bss_auth: AuthScheme,
) -> Vec<&'a str> {
    let mut needed = Vec::new();
    for op in operations {
        if signed(op, bss_auth) {
            needed.extend([AK_ENV, SK_ENV]);
        } else {
            needed.push(op.meta.token_env.as_str());
        }
    }
    needed.sort_unstable();
    needed.dedup();
    needed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(bss: &str, aicc: &str) -> Target {
        Target {
            bss_base: bss.into(),
            aicc_base: aicc.into(),
            partner_id: "p".into(),
            embedded: false,
        }
    }

    #[test]
    fn loopback_hosts_are_this_machine_and_others_are_not() {
        for url in [
            "http://127.0.0.1:8080",
            "http://127.9.9.9/base",
            "http://localhost:1",
            "http://LOCALHOST",
            "http://[::1]:9000",
        ] {
            assert!(is_loopback(url), "{url}");
        }
        for url in [
            "http://10.0.0.1",
            "https://example.com",
            "http://127.0.0.1.example.com",
            "not a url",
        ] {
            assert!(!is_loopback(url), "{url}");
        }
    }

    #[test]
    fn tls_roots_are_needed_unless_every_base_is_plain_http_on_loopback() {
        assert!(!target("http://127.0.0.1:1", "http://localhost:2").needs_tls_roots());
        // https anywhere, or a base off loopback (a proxy may speak TLS), needs them.
        assert!(target("https://127.0.0.1:1", "http://127.0.0.1:1").needs_tls_roots());
        assert!(target("http://127.0.0.1:1", "https://aicc.example.com").needs_tls_roots());
        assert!(target("http://10.1.2.3:8080", "http://10.1.2.3:8080").needs_tls_roots());
    }
}
