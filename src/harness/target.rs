//! Where a run sends: the embedded mock started on loopback with fresh credentials, or the
//! target the user named, with credentials from the environment.

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
