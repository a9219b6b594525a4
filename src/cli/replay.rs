//! `partner-conformance replay DIR`: re-send the requests behind a run's findings and say which
//! findings still hold.
//!
//! Where they go is decided by this command line (or a profile), never by the run directory:
//! whoever can edit a run directory must not be able to send the real credentials to a host of
//! their choice. A run against a real target is replayed only against a target named here; one
//! that differs from the run's is refused unless `--retarget` says so. A run against the embedded
//! mock is replayed against a fresh embedded mock (its credentials are random, per run) unless a
//! target is named, which is a retarget too.

use super::config::ProfileArgs;
use super::load_spec;
use super::target::{check_url, is_loopback, TargetArgs};
use crate::client::AuthMode;
use crate::client::{HttpClient, Limits, Target, TlsOptions};
use crate::exit::ExitError;
use crate::harness::{ReplayLine, ReplayVerdict, RunManifest, StoredRequest, TargetChoice};
use crate::spec::{Service, Spec};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Arguments of `replay`. The target and profile flags are `run`'s ([`TargetArgs`],
/// [`ProfileArgs`]), but their defaults come from the run directory, `--mock-drift` applies to a
/// fresh mock and a profile gives replay fewer settings, so their help says what they mean here.
#[derive(Debug, clap::Args)]
#[command(
    mut_arg("target", |a| a.help(
        "The BSS base URL to send to; needed for a run against a real target (credentials never \
         go to a URL read from the run directory) [default: a fresh embedded mock for a run \
         against the embedded mock]"
    )),
    mut_arg("aicc_target", |a| a.help(
        "Send the AICC requests to this base URL [default: --target]"
    )),
    mut_arg("partner_id", |a| a.help("Partner id for the target [default: the run's]")),
    mut_arg("auth", |a| a.help("How BSS requests authenticate [default: the run's]")),
    mut_arg("mock_drifts", |a| a.help(
        "Make the fresh embedded mock (used when the run was against it) inject a drift"
    )),
    mut_arg("ca_cert", |a| a.help("A PEM file of extra CA certificates to trust")),
    mut_arg("insecure", |a| a.help(
        "Do not verify TLS certificates (warned about on stderr)"
    )),
    mut_arg("profile", |a| a.help(
        "The profile whose target, partner id, auth, TLS and politeness settings to use; flags \
         given on the command line override it"
    )),
)]
pub struct ReplayArgs {
    /// The run directory (printed by `run`).
    pub dir: PathBuf,
    /// Where to send (`--target`, `--aicc-target`), as whom (`--partner-id`, `--auth`), the
    /// fresh mock's drift (`--mock-drift`) and TLS (`--ca-cert`, `--insecure`).
    #[command(flatten)]
    pub endpoint: TargetArgs,
    /// Send to --target even though the run directory names another target (or the embedded
    /// mock): its findings are then checked against a target that did not produce them.
    #[arg(long)]
    pub retarget: bool,
    /// The config file and the profile to take settings from (`--config`, `--profile`).
    #[command(flatten)]
    pub profiles: ProfileArgs,
}

/// Politeness settings a profile may give (replay has no flags for them).
#[derive(Debug, Default)]
struct Politeness {
    rate: Option<crate::settings::Rate>,
    concurrency: Option<crate::settings::Concurrency>,
    timeout: Option<crate::settings::TimeoutSeconds>,
}

/// Where replay sends, decided from the command line and profile alone.
#[derive(Debug, PartialEq, Eq)]
enum Destination {
    /// A fresh embedded mock: the run was against the embedded mock and nothing else was named.
    FreshMock,
    /// The endpoints named on the command line or in the profile.
    Named {
        /// BSS base URL.
        bss: String,
        /// AICC base URL.
        aicc: String,
    },
}

/// `replay`: re-send stored requests and judge their findings.
pub fn run(mut args: ReplayArgs) -> Result<i32, ExitError> {
    let usage = |message: String| ExitError::Usage(anyhow::anyhow!(message));
    let politeness = apply_profile(&mut args)?;
    let spec = load_spec(None)?;
    let (manifest, requests) = crate::harness::load_run(&args.dir, &spec).map_err(usage)?;
    let destination = destination(
        &spec,
        &args.dir,
        &manifest,
        &requests,
        args.endpoint.target.as_deref(),
        args.endpoint.aicc_target.as_deref(),
        args.retarget,
    )
    .map_err(usage)?;
    if destination != Destination::FreshMock && !args.endpoint.mock_drifts.is_empty() {
        return Err(usage(
            "--mock-drift applies to the fresh embedded mock, not to --target".into(),
        ));
    }
    if args.endpoint.insecure {
        eprintln!("warning: --insecure: TLS certificates will not be verified");
    }
    let runtime = tokio::runtime::Runtime::new().map_err(|e| usage(e.to_string()))?;
    runtime.block_on(async {
        // The same target set-up as `run`: the named endpoint with credentials from the
        // environment, or (the run's mock being gone) a fresh embedded mock with the same data and
        // documented behaviour.
        let choice = match &destination {
            Destination::Named { bss, aicc } => {
                if !same_run_target(&manifest, bss, aicc) {
                    eprintln!(
                        "replaying the findings of a run against {} on {bss} (--retarget)",
                        run_label(&manifest)
                    );
                }
                TargetChoice::External {
                    bss: bss.clone(),
                    aicc: aicc.clone(),
                    partner_id: Some(manifest.partner_id.clone()),
                }
            }
            Destination::FreshMock => TargetChoice::Embedded {
                fixtures: None,
                schemas: None,
                drifts: crate::mock::DriftSet::new(args.endpoint.mock_drifts.iter().copied()),
                readings: crate::mock::ReadingSet::new(args.endpoint.mock_readings.iter().copied()),
                fault: None,
            },
        };
        let (mut target, credentials, mock) = crate::harness::start_target(&spec, &choice).await?;
        // The run's partner, unless the command line names another.
        target.partner_id = args
            .endpoint
            .partner_id
            .clone()
            .unwrap_or_else(|| manifest.partner_id.clone());
        let credentials = credentials.with_bss_auth(args.endpoint.auth.unwrap_or(manifest.auth));
        let missing = credentials.missing(
            requests
                .iter()
                .filter(|(_, r)| r.request.auth != AuthMode::Missing)
                .map(|(_, r)| spec.operation(r.request.operation)),
        );
        if !missing.is_empty() {
            if let Some(mock) = mock {
                mock.stop().await;
            }
            return Err(usage(format!(
                "set {} in the environment (credentials are never taken from the command line)",
                missing.join(" and ")
            )));
        }
        let limits = limits(&target, &politeness);
        let tls = TlsOptions {
            ca_cert: args.endpoint.ca_cert.clone(),
            insecure: args.endpoint.insecure,
        };
        let client = HttpClient::new(
            Arc::clone(&spec),
            Arc::new(target),
            Arc::new(credentials),
            limits,
            &tls,
        )
        .map_err(|e| usage(e.to_string()))?;
        let lines = crate::harness::replay(&client, &manifest, &requests).await;
        if let Some(mock) = mock {
            mock.stop().await;
        }
        print!(
            "{}",
            describe(&lines, requests.len(), &client.target().label())
        );
        Ok(crate::harness::replay_exit_code(&lines))
    })
}

/// Fills the flags the command line left unset from the selected profile, as `run` does.
fn apply_profile(args: &mut ReplayArgs) -> Result<Politeness, ExitError> {
    let Some((_, Some(profile))) = args.profiles.selected()? else {
        return Ok(Politeness::default());
    };
    args.endpoint.fill_from(&profile);
    Ok(Politeness {
        rate: profile.rate,
        concurrency: profile.concurrency,
        timeout: profile.timeout_seconds,
    })
}

/// Decides where replay sends. Only `named_bss`/`named_aicc` (command line or profile) can name
/// an endpoint; the run directory's URLs are compared with them, never used.
fn destination(
    spec: &Spec,
    dir: &Path,
    manifest: &RunManifest,
    requests: &[(PathBuf, StoredRequest)],
    named_bss: Option<&str>,
    named_aicc: Option<&str>,
    retarget: bool,
) -> Result<Destination, String> {
    let Some(bss) = named_bss else {
        if named_aicc.is_some() {
            return Err("--aicc-target goes with --target".into());
        }
        if retarget {
            return Err("--retarget goes with --target (or a profile's bss_url)".into());
        }
        if manifest.embedded {
            return Ok(Destination::FreshMock);
        }
        return Err(format!(
            "{} holds a run against {}: replay sends credentials only to a target named on its command line or in a profile, never to a URL read from the run directory; give --target (and --aicc-target) or --profile",
            dir.display(),
            run_label(manifest)
        ));
    };
    let bss = bss.trim_end_matches('/').to_string();
    let aicc = named_aicc.unwrap_or(&bss).trim_end_matches('/').to_string();
    check_url(&bss)?;
    check_url(&aicc)?;
    if !retarget {
        let services: Vec<Service> = requests
            .iter()
            .map(|(_, r)| spec.operation(r.request.operation).meta.service)
            .collect();
        let differs = if manifest.embedded {
            Some(("the embedded mock".to_string(), bss.clone()))
        } else if services.contains(&Service::Bss)
            && !crate::harness::same_target(&manifest.bss_url, &bss)
        {
            Some((manifest.bss_url.clone(), bss.clone()))
        } else if services.contains(&Service::Aicc)
            && !crate::harness::same_target(&manifest.aicc_url, &aicc)
        {
            Some((
                format!("AICC {}", manifest.aicc_url),
                format!("AICC {aicc} (--aicc-target, default --target)"),
            ))
        } else {
            None
        };
        if let Some((stored, named)) = differs {
            return Err(format!(
                "{} holds a run against {stored}, not {named}: replaying its findings elsewhere says nothing about the target that produced them. Add --retarget to send them to {named} anyway{}",
                dir.display(),
                if manifest.embedded {
                    "; without --target, replay starts a fresh embedded mock"
                } else {
                    ""
                }
            ));
        }
    }
    Ok(Destination::Named { bss, aicc })
}

/// Whether the named endpoints are the run's own.
fn same_run_target(manifest: &RunManifest, bss: &str, aicc: &str) -> bool {
    !manifest.embedded
        && crate::harness::same_target(&manifest.bss_url, bss)
        && crate::harness::same_target(&manifest.aicc_url, aicc)
}

/// The run's target as the run directory names it, for messages.
fn run_label(manifest: &RunManifest) -> String {
    if manifest.embedded {
        "the embedded mock".into()
    } else if crate::harness::same_target(&manifest.bss_url, &manifest.aicc_url) {
        manifest.bss_url.clone()
    } else {
        format!("{} (AICC: {})", manifest.bss_url, manifest.aicc_url)
    }
}

/// Replay is as polite as run: unthrottled only on loopback; a profile's settings win.
fn limits(target: &Target, politeness: &Politeness) -> Limits {
    let loopback = is_loopback(&target.bss_base) && is_loopback(&target.aicc_base);
    Limits::polite(
        loopback,
        politeness.concurrency,
        politeness.rate,
        politeness.timeout,
    )
}

/// The printed result: a line per stored finding, what a changed answer now breaks, the trial to
/// rerun for stateful findings, and the counts.
fn describe(lines: &[ReplayLine], requests: usize, target: &str) -> String {
    let mut out = String::new();
    for line in lines {
        out.push_str(&format!(
            "{:<12} {} [{} {}] {} {}\n",
            line.verdict.label(),
            line.operation,
            line.finding.code,
            line.finding.category,
            line.finding.location,
            line.file
        ));
        match &line.verdict {
            ReplayVerdict::Changed { now } => {
                for new in now.iter().take(3) {
                    out.push_str(&format!(
                        "             now: [{} {}] {}: expected {}; observed {}\n",
                        new.code, new.category, new.location, new.expected, new.observed
                    ));
                }
                if now.len() > 3 {
                    out.push_str(&format!("             and {} more\n", now.len() - 3));
                }
            }
            ReplayVerdict::RerunTrial => {
                let migration = crate::checks::check_info(&line.finding.check)
                    .is_some_and(|c| c.kind() == crate::checks::CheckKind::Migration);
                let (what, command) = if migration {
                    ("comparison of two generations", "migrate")
                } else {
                    ("stateful check", "run")
                };
                out.push_str(&format!(
                    "             {what}: partner-conformance {command} '{}' --exact\n",
                    line.trial
                ));
            }
            _ => {}
        }
    }
    let count = |f: fn(&ReplayVerdict) -> bool| lines.iter().filter(|l| f(&l.verdict)).count();
    out.push_str(&format!(
        "\nreplayed {requests} requests against {target}: {} still hold, {} changed, {} fixed, {} need their trial rerun, {} got no answer\n",
        count(|v| *v == ReplayVerdict::StillHolds),
        count(|v| matches!(v, ReplayVerdict::Changed { .. })),
        count(|v| *v == ReplayVerdict::Fixed),
        count(|v| *v == ReplayVerdict::RerunTrial),
        count(|v| *v == ReplayVerdict::Transport),
    ));
    // What the target said is quoted; a credential it echoed never is.
    crate::secret::redact_registered(&out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Policies;
    use crate::spec::{AuthScheme, OperationId};

    fn manifest(embedded: bool) -> RunManifest {
        RunManifest {
            version: crate::harness::RUN_DIR_VERSION,
            bss_url: "https://bss.example.com".into(),
            aicc_url: "https://aicc.example.com".into(),
            partner_id: "p".into(),
            embedded,
            auth: AuthScheme::Token,
            created: String::new(),
            seed: 1,
            policies: Policies::default(),
            checks: Vec::new(),
        }
    }

    fn requests(spec: &Spec, op: OperationId) -> Vec<(PathBuf, StoredRequest)> {
        let target = Target {
            bss_base: String::new(),
            aicc_base: String::new(),
            partner_id: "p".into(),
            embedded: false,
        };
        vec![(
            PathBuf::from("0001.json"),
            StoredRequest {
                trial: "t".into(),
                request: crate::client::PreparedRequest::new(spec.operation(op), &target),
                expectation: crate::checks::Expectation::Success,
                findings: Vec::new(),
            },
        )]
    }

    #[test]
    fn only_the_command_line_names_a_target() {
        let spec = Spec::embedded().unwrap();
        let dir = Path::new("runs/1");
        let bss = requests(&spec, OperationId::CustomersV1);
        let aicc = requests(&spec, OperationId::AiccTenant);
        let run = manifest(false);
        let decide =
            |m: &RunManifest,
             r: &[(PathBuf, StoredRequest)],
             t: Option<&str>,
             a: Option<&str>,
             retarget| { destination(&spec, dir, m, r, t, a, retarget) };
        // A real target's run is never replayed to the URL it stores.
        let refused = decide(&run, &bss, None, None, false).unwrap_err();
        assert!(
            refused.contains("never to a URL read from the run directory"),
            "{refused}"
        );
        let same = decide(&run, &bss, Some("https://BSS.example.com/"), None, false).unwrap();
        assert_eq!(
            same,
            Destination::Named {
                bss: "https://BSS.example.com".into(),
                aicc: "https://BSS.example.com".into()
            }
        );
        // Only the services the stored requests call are compared.
        assert!(decide(&run, &aicc, Some("https://bss.example.com"), None, false).is_err());
        assert!(decide(
            &run,
            &aicc,
            Some("https://bss.example.com"),
            Some("https://aicc.example.com"),
            false
        )
        .is_ok());
        let other = decide(&run, &bss, Some("https://prod.example.com"), None, false).unwrap_err();
        assert!(other.contains("--retarget"), "{other}");
        assert!(decide(&run, &bss, Some("https://prod.example.com"), None, true).is_ok());
        // An embedded run: a fresh mock, or a named target with --retarget.
        let embedded = manifest(true);
        assert_eq!(
            decide(&embedded, &bss, None, None, false).unwrap(),
            Destination::FreshMock
        );
        assert!(decide(&embedded, &bss, Some("http://127.0.0.1:1"), None, false).is_err());
        assert!(decide(&embedded, &bss, Some("http://127.0.0.1:1"), None, true).is_ok());
        assert!(decide(&embedded, &bss, None, None, true).is_err());
        assert!(decide(&embedded, &bss, None, Some("http://127.0.0.1:1"), false).is_err());
    }
}
