//! The text of `config check`: what each profile sets and which environment variables a run of
//! it needs, so a CI job can be fixed before it sends anything.

use super::profile::{Config, Profile};
use crate::spec::Spec;

impl Profile {
    /// The environment variables a run of this profile needs, so `config check` can say what to
    /// export before the run fails on it. It asks [`crate::client::required_variables`], as
    /// `run` does, with the operations the profile runs (all when unset) and the authentication
    /// `run` would choose for it; `env` says whether a variable is set.
    pub fn required_env<'a>(&self, spec: &'a Spec, env: &dyn Fn(&str) -> bool) -> Vec<&'a str> {
        let operations: Vec<&crate::spec::Operation> = match &self.operations {
            Some(ids) => ids.iter().map(|id| spec.operation(*id)).collect(),
            None => spec.operations().iter().collect(),
        };
        let auth = crate::client::bss_auth_for(spec, self.auth, self.bss_url.is_some(), env);
        crate::client::required_variables(operations, auth)
    }
}

impl Config {
    /// The text of `config check`: each profile on a few lines and the environment variables it
    /// needs, each marked set or NOT SET according to `env` (whether a variable is set), so a CI
    /// job can be fixed before it sends anything. Never prints a value from the environment;
    /// the file holds no secrets to print. Looks whether `ca_cert` and `baseline` exist.
    pub fn describe(&self, spec: &Spec, env: &dyn Fn(&str) -> bool) -> String {
        let mut out = format!(
            "{}: {} profile{}",
            self.file.display(),
            self.profiles.len(),
            if self.profiles.len() == 1 { "" } else { "s" }
        );
        match &self.default_profile {
            Some(name) => out.push_str(&format!(", default `{name}`\n")),
            None => out.push_str(", no default_profile (a run uses one only with --profile)\n"),
        }
        for profile in self.profiles.values() {
            let is_default = self.default_profile.as_deref() == Some(profile.name.as_str());
            out.push('\n');
            out.push_str(&describe_profile(profile, is_default, spec, env));
        }
        out
    }
}

/// The lines of one profile in [`Config::describe`].
fn describe_profile(
    p: &Profile,
    is_default: bool,
    spec: &Spec,
    env: &dyn Fn(&str) -> bool,
) -> String {
    let mut lines = vec![format!(
        "profile `{}`{}",
        p.name,
        if is_default { " (default)" } else { "" }
    )];
    let mut unset: Vec<&str> = Vec::new();
    let mut field = |key: &'static str, value: Option<String>| match value {
        Some(value) => lines.push(format!("  {key:<21}{value}")),
        None => unset.push(key),
    };
    field("bss_url", p.bss_url.clone());
    field(
        "aicc_url",
        p.aicc_url
            .clone()
            .or_else(|| p.bss_url.as_ref().map(|_| "(same as bss_url)".to_string())),
    );
    field("partner_id", p.partner_id.clone());
    field("auth", p.auth.as_ref().map(|a| a.to_string()));
    field(
        "operations",
        p.operations.as_ref().map(|ops| {
            ops.iter()
                .map(|op| op.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        }),
    );
    field("rate", p.rate.map(|r| format!("{r} requests/s")));
    field("concurrency", p.concurrency.map(|c| c.to_string()));
    field("timeout_seconds", p.timeout_seconds.map(|t| t.to_string()));
    field("max_requests", p.max_requests.map(|n| n.to_string()));
    field(
        "max_duration_seconds",
        p.max_duration_seconds.map(|n| n.to_string()),
    );
    field("positions", p.positions.map(|m| m.as_str().to_string()));
    field("plan", p.plan.map(|m| m.as_str().to_string()));
    field(
        "min_coverage",
        (!p.min_coverage.is_empty()).then(|| {
            p.min_coverage
                .iter()
                .map(|m| match m.operation {
                    Some(op) => format!("{op}={}%", m.percent),
                    None => format!("{}%", m.percent),
                })
                .collect::<Vec<_>>()
                .join(", ")
        }),
    );
    field(
        "ca_cert",
        p.ca_cert.as_ref().map(|path| {
            let missing = if path.is_file() {
                ""
            } else {
                "  (file not found)"
            };
            format!("{}{missing}", path.display())
        }),
    );
    field(
        "baseline",
        p.baseline.as_ref().map(|path| {
            let missing = if path.is_file() {
                ""
            } else {
                "  (not found yet; --write-baseline creates it)"
            };
            format!("{}{missing}", path.display())
        }),
    );
    if p.insecure {
        field(
            "insecure",
            Some("true (TLS certificates are NOT verified)".into()),
        );
    }
    if !unset.is_empty() {
        lines.push(format!(
            "  {:<21}{} (flags or built-in defaults apply)",
            "not set",
            unset.join(", ")
        ));
    }
    let needed: Vec<String> = p
        .required_env(spec, env)
        .into_iter()
        .map(|name| {
            let state = if env(name) { "set" } else { "NOT SET" };
            format!("{name} ({state})")
        })
        .collect();
    lines.push(format!(
        "  {:<21}{}",
        "environment",
        if needed.is_empty() {
            "none".to_string()
        } else {
            needed.join(", ")
        }
    ));
    let mut text = lines.join("\n");
    text.push('\n');
    text
}
