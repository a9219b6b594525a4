//! Where a run sends: the embedded mock started on loopback with fresh credentials, or the
//! target the user named, with credentials from the environment; and, for the embedded mock, the
//! `serve` command that brings it back after the run for the reproduce lines.

use super::TargetChoice;
use crate::client::{Target, TargetCredentials};
use crate::exit::ExitError;
use crate::mock::{Credentials, Fixtures, MockServer, MockState};
use crate::spec::Spec;
use anyhow::anyhow;
use std::sync::Arc;

/// Starts the embedded mock or describes the external target.
pub async fn start_target(
    spec: &Arc<Spec>,
    choice: &TargetChoice,
) -> Result<(Target, TargetCredentials, Option<MockServer>), ExitError> {
    match choice {
        TargetChoice::Embedded {
            fixtures,
            drifts,
            readings,
            fault,
            ..
        } => {
            let fixtures = Fixtures::load(spec, fixtures.as_deref(), readings)
                .map_err(|e| ExitError::Usage(e.into()))?;
            let credentials = Credentials::random(spec);
            let target_credentials = TargetCredentials::from_lookup(spec, |name| {
                credentials.get(name).map(|s| s.expose().to_string())
            });
            let partner_id = fixtures.partner_id.clone();
            let state = Arc::new(MockState {
                spec: Arc::clone(spec),
                credentials,
                fixtures,
                drifts: drifts.clone(),
                readings: readings.clone(),
            });
            let loopback = ([127, 0, 0, 1], 0).into();
            let server = match fault {
                Some(fault) => MockServer::start_fault(*fault, loopback).await,
                None => MockServer::start(state, loopback).await,
            }
            .map_err(|e| ExitError::Usage(anyhow!("failed to start the embedded mock: {e}")))?;
            let base = server.base_url();
            Ok((
                Target {
                    bss_base: base.clone(),
                    aicc_base: base,
                    partner_id,
                    embedded: true,
                },
                target_credentials,
                Some(server),
            ))
        }
        TargetChoice::External {
            bss,
            aicc,
            partner_id,
        } => {
            let credentials = TargetCredentials::from_lookup(spec, |name| std::env::var(name).ok());
            Ok((
                Target {
                    bss_base: bss.trim_end_matches('/').to_string(),
                    aicc_base: aicc.trim_end_matches('/').to_string(),
                    partner_id: partner_id.clone().unwrap_or_default(),
                    embedded: false,
                },
                credentials,
                None,
            ))
        }
    }
}

/// The `partner-conformance serve` command that starts the mock an embedded-mock run used, with
/// its drifts, readings or fault, fixtures and schemas, on the address in `base` (the one its
/// reproduce lines name): the embedded mock stops with the run, so without this its lines point
/// at a port where nothing listens. `None` for a target the user named, which outlives the run.
pub fn serve_command(choice: &TargetChoice, base: &str) -> Option<String> {
    let TargetChoice::Embedded {
        fixtures,
        schemas,
        drifts,
        readings,
        fault,
    } = choice
    else {
        return None;
    };
    let addr = base.strip_prefix("http://").unwrap_or(base);
    let mut parts = vec![
        "partner-conformance".to_string(),
        "serve".into(),
        "--addr".into(),
        addr.to_string(),
    ];
    let mut path = |flag: &str, path: &Option<std::path::PathBuf>| {
        if let Some(path) = path {
            parts.push(flag.into());
            parts.push(crate::client::shell_quote(&path.display().to_string()));
        }
    };
    path("--fixtures", fixtures);
    path("--schemas", schemas);
    if let Some(fault) = fault {
        parts.push(format!("--fault {fault}"));
    }
    parts.extend(drifts.iter().map(|d| format!("--drift {d}")));
    parts.extend(readings.iter().map(|r| format!("--reading {r}")));
    Some(parts.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_serve_command_recreates_the_embedded_mock_on_its_port() {
        let choice = TargetChoice::Embedded {
            fixtures: Some("data/my fixtures.json".into()),
            schemas: None,
            drifts: crate::mock::DriftSet::new(["count-as-string".parse().unwrap()]),
            readings: crate::mock::ReadingSet::new(["customers-3".parse().unwrap()]),
            fault: None,
        };
        assert_eq!(
            serve_command(&choice, "http://127.0.0.1:43463").as_deref(),
            Some("partner-conformance serve --addr 127.0.0.1:43463 --fixtures 'data/my fixtures.json' --drift count-as-string --reading customers-3")
        );
        let external = TargetChoice::External {
            bss: "https://example.com".into(),
            aicc: "https://example.com".into(),
            partner_id: None,
        };
        assert_eq!(serve_command(&external, "https://example.com"), None);
    }
}
