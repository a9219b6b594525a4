//! Whether a run directory holds what `run` writes, and nothing more. Replay re-sends its requests
//! with real credentials, so an edited file must not be able to choose what goes out beyond what a
//! request of the suite varies: a method other than the operation's, headers the suite does not
//! send for that trial (a `Host`, a second `X-Auth-Token`, a `Content-Length`), a body for an
//! operation without one, a base URL that is not an http(s) URL, or a run said to be against
//! the embedded mock whose base URL is not loopback are refused, naming the file.

use super::{RunManifest, StoredRequest, MANIFEST};
use crate::checks::{check_info, CheckSelection};
use crate::client::is_loopback;
use crate::spec::{Operation, OperationId, Spec};
use std::collections::HashSet;
use std::path::PathBuf;

/// Checks every stored request against the contract and the suite's own scenarios, and sets its
/// method and headers to the ones the suite sends (equal to the stored ones once validated: the
/// suite, not the file, decides them). Errors name the file and say why.
pub fn validate(
    spec: &Spec,
    manifest: &RunManifest,
    requests: &mut [(PathBuf, StoredRequest)],
) -> Result<(), String> {
    let refuse = |file: &str, problem: String| {
        format!("{file}: {problem}; `run` does not write that, so the run directory is refused (rerun to get a new one)")
    };
    for url in [&manifest.bss_url, &manifest.aicc_url] {
        base_url_problem(url).map_err(|problem| refuse(MANIFEST, problem))?;
        // The embedded mock listens on loopback only: `embedded: true` beside another host is an
        // edited file, and replay must not take the run for one against the embedded mock.
        if manifest.embedded && !is_loopback(url) {
            return Err(refuse(
                MANIFEST,
                format!(
                    "`embedded: true` with the base URL `{}`, which is not loopback (the embedded mock only listens on 127.0.0.1)",
                    printable(url)
                ),
            ));
        }
    }
    let scenarios = crate::harness::load_embedded_scenarios().map_err(|e| e.to_string())?;
    let trials = trial_names(spec, &scenarios);
    for (path, stored) in requests.iter_mut() {
        let file = path.display().to_string();
        let request = &stored.request;
        let op = spec.operation(request.operation);
        if request.method != op.meta.method {
            return Err(refuse(
                &file,
                format!(
                    "method `{}`, but {} is sent with {}",
                    printable(&request.method),
                    op.id,
                    op.meta.method
                ),
            ));
        }
        let names: Vec<&str> = request
            .path_params
            .iter()
            .map(|(n, _)| n.as_str())
            .collect();
        if names != path_parameters(op) {
            return Err(refuse(
                &file,
                format!(
                    "path parameters {names:?}, but the path of {} is {}",
                    op.id, op.meta.path
                ),
            ));
        }
        if !op.has_body() && (!request.body.is_empty() || request.literal_body.is_some()) {
            return Err(refuse(
                &file,
                format!("a body for {}, which has none", op.id),
            ));
        }
        // Trial names are printed, in a command line to copy among other places.
        if !trials.contains(&stored.trial) {
            return Err(refuse(
                &file,
                format!(
                    "trial `{}` is not a trial of this build",
                    printable(&stored.trial)
                ),
            ));
        }
        let headers = match stored.trial.strip_prefix("cases::") {
            Some(_) => scenarios
                .iter()
                .find(|s| format!("cases::{}::{}", s.operation, s.name) == stored.trial)
                .map(|s| s.request.headers.clone().into_iter().collect::<Vec<_>>())
                .ok_or_else(|| {
                    refuse(
                        &file,
                        format!("trial `{}` is not a scenario of this build", stored.trial),
                    )
                })?,
            // Generated cases and the requests of stateful checks carry no headers of their own.
            None => Vec::new(),
        };
        if request.headers != headers {
            let named = |list: &[(String, String)]| -> Vec<String> {
                list.iter().map(|(n, _)| printable(n)).collect()
            };
            return Err(refuse(
                &file,
                format!(
                    "headers {:?}, but the suite sends {:?} for trial `{}` (credentials, Host and Content-Length are the client's)",
                    named(&request.headers),
                    named(&headers),
                    stored.trial
                ),
            ));
        }
        if stored.findings.is_empty() {
            return Err(refuse(&file, "no finding".into()));
        }
        for finding in &stored.findings {
            let known = check_info(&finding.check)
                .is_some_and(|c| c.name == finding.check && c.code == finding.code);
            if !known {
                return Err(refuse(
                    &file,
                    format!(
                        "a finding of `{} {}`, which is not a check of this build",
                        printable(&finding.code),
                        printable(&finding.check)
                    ),
                ));
            }
        }
        stored.request.method = op.meta.method.clone();
        stored.request.headers = headers;
    }
    Ok(())
}

/// Why `url` is not a base URL the suite sends to: http or https, a host, no user name or
/// password, no query or fragment.
pub fn base_url_problem(url: &str) -> Result<(), String> {
    let parsed =
        reqwest::Url::parse(url).map_err(|e| format!("`{}` is not a URL ({e})", printable(url)))?;
    let problem = if !matches!(parsed.scheme(), "http" | "https") {
        "is not http:// or https://"
    } else if parsed.host_str().is_none_or(str::is_empty) {
        "has no host"
    } else if !parsed.username().is_empty() || parsed.password().is_some() {
        "carries a user name or password"
    } else if parsed.query().is_some() || parsed.fragment().is_some() {
        "has a query or fragment"
    } else {
        return Ok(());
    };
    Err(format!("base URL `{}` {problem}", printable(url)))
}

/// Whether two base URLs name the same endpoint: same scheme, host (case-insensitive), port (a
/// default one written or not) and path (a trailing `/` or not).
pub fn same_target(a: &str, b: &str) -> bool {
    match (reqwest::Url::parse(a), reqwest::Url::parse(b)) {
        (Ok(a), Ok(b)) => {
            a.scheme() == b.scheme()
                && a.host_str() == b.host_str()
                && a.port_or_known_default() == b.port_or_known_default()
                && a.path().trim_end_matches('/') == b.path().trim_end_matches('/')
        }
        _ => a.trim_end_matches('/') == b.trim_end_matches('/'),
    }
}

/// Every trial this build can run: what `run` plans with every operation, check and scenario
/// (and kept seeds), and what `migrate` plans.
fn trial_names(spec: &Spec, scenarios: &[crate::harness::Scenario]) -> HashSet<String> {
    let named: Vec<(OperationId, String)> = scenarios
        .iter()
        .map(|s| (s.operation, s.name.clone()))
        .collect();
    crate::harness::plan(
        spec,
        OperationId::ALL,
        &CheckSelection::default(),
        &named,
        &|_| true,
    )
    .into_iter()
    .chain(crate::harness::migration_plan(spec, OperationId::ALL))
    .map(|trial| trial.name)
    .collect()
}

/// The names of an operation's path parameters, in order.
fn path_parameters(op: &Operation) -> Vec<&str> {
    op.meta
        .path
        .split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .collect()
}

/// Text from the file as it may be quoted in an error: control characters escaped.
fn printable(text: &str) -> String {
    text.chars()
        .flat_map(char::escape_default)
        .take(200)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{Category, Expectation, Policies};
    use crate::harness::replay::StoredFinding;

    /// A stored request as `run` writes it, from the scenario `name` of customers_v1.
    fn stored(spec: &Spec, name: &str) -> (PathBuf, StoredRequest) {
        let scenario = crate::harness::load_embedded_scenarios()
            .unwrap()
            .into_iter()
            .find(|s| s.name == name)
            .unwrap();
        let target = crate::client::Target {
            bss_base: "http://127.0.0.1:9".into(),
            aicc_base: "http://127.0.0.1:9".into(),
            partner_id: "p".into(),
            embedded: true,
        };
        let finding = StoredFinding {
            check: "status_code_conformance".into(),
            code: "PC001".into(),
            category: Category::StatusCode,
            location: "status".into(),
            expected: "200".into(),
            observed: "400".into(),
        };
        let request = StoredRequest {
            trial: format!("cases::{}::{name}", scenario.operation),
            request: scenario.prepare(spec, &target),
            expectation: Expectation::Success,
            findings: vec![finding],
        };
        (PathBuf::from("requests/0001.json"), request)
    }

    fn manifest() -> RunManifest {
        RunManifest {
            version: super::super::RUN_DIR_VERSION,
            bss_url: "https://bss.example.com".into(),
            aicc_url: "https://bss.example.com".into(),
            partner_id: "p".into(),
            embedded: false,
            auth: crate::spec::AuthScheme::Token,
            created: String::new(),
            seed: 1,
            policies: Policies::default(),
            checks: Vec::new(),
        }
    }

    #[test]
    fn what_run_writes_validates_and_edits_do_not() {
        let spec = Spec::embedded().unwrap();
        let check = |edit: &dyn Fn(&mut RunManifest, &mut StoredRequest)| {
            let mut manifest = manifest();
            let mut requests = vec![stored(&spec, "a18_other_content_type")];
            edit(&mut manifest, &mut requests[0].1);
            validate(&spec, &manifest, &mut requests)
        };
        assert_eq!(check(&|_, _| {}), Ok(()));
        let embedded = |m: &mut RunManifest, _: &mut StoredRequest| {
            m.embedded = true;
            m.bss_url = "http://127.0.0.1:41234".into();
            m.aicc_url = "http://[::1]:41234".into();
        };
        assert_eq!(check(&embedded), Ok(()));
        let refused = [
            check(&|_, r| r.request.headers.clear()),
            check(&|_, r| r.request.headers.push(("Host".into(), "evil".into()))),
            check(&|_, r| r.request.method = "POST".into()),
            check(&|_, r| r.request.body.push(("a".into(), "b".into()))),
            check(&|_, r| r.request.path_params.clear()),
            check(&|_, r| r.trial = "cases::customers_v1::x'; rm -rf ~".into()),
            check(&|_, r| r.trial = "generated::customers_v1::valid".into()),
            check(&|_, r| r.findings[0].code = "PC004".into()),
            check(&|_, r| r.findings.clear()),
            check(&|m, _| m.bss_url = "file:///etc/passwd".into()),
            check(&|m, _| m.embedded = true),
        ];
        for (i, result) in refused.iter().enumerate() {
            let error = result.as_ref().expect_err(&format!("edit {i} validated"));
            assert!(
                error.starts_with("requests/0001.json: ") || error.starts_with("run.json: "),
                "{error}"
            );
        }
    }

    #[test]
    fn base_urls_and_targets() {
        assert!(base_url_problem("https://bss.example.com").is_ok());
        assert!(base_url_problem("http://127.0.0.1:8080/prefix").is_ok());
        for bad in [
            "ftp://x",
            "https://user:pw@bss.example.com",
            "https://bss.example.com/?a=1",
            "bss.example.com",
        ] {
            assert!(base_url_problem(bad).is_err(), "{bad}");
        }
        assert!(same_target(
            "https://BSS.example.com:443/",
            "https://bss.example.com"
        ));
        assert!(!same_target(
            "https://bss.example.com",
            "https://bss.example.com.evil.test"
        ));
        assert!(!same_target("http://127.0.0.1:1", "http://127.0.0.1:2"));
        assert!(!same_target("http://h", "https://h"));
    }
}
