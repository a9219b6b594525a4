//! The flags that say where a command sends and how it trusts the answer, shared by `run` (and
//! `migrate`) and `replay`: one definition of each flag, one way a profile fills them, and the
//! checks of the base URLs they name.

use crate::config::Profile;
use std::path::PathBuf;

/// Where requests go and how TLS is checked: `--target`, `--aicc-target`, `--partner-id`,
/// `--auth`, `--mock-drift`, `--mock-reading`, `--ca-cert` and `--insecure`, defined once so that `run` and
/// `replay` cannot drift apart in names or types. The help texts here are `run`'s; `replay`,
/// whose defaults come from the run directory, words them for itself (see
/// [`super::ReplayArgs`]).
#[derive(Debug, clap::Args)]
pub struct TargetArgs {
    /// Base URL of the BSS endpoint under test (default: the embedded mock on a loopback port).
    #[arg(long, value_name = "URL")]
    pub target: Option<String>,
    /// Base URL of the AICC endpoint (default: --target).
    #[arg(long, value_name = "URL")]
    pub aicc_target: Option<String>,
    /// Partner id for the {partner_id} path segment (required with --target for the v1 operations).
    #[arg(long, value_name = "ID")]
    pub partner_id: Option<String>,
    /// How BSS operations authenticate: token (HUAWEICLOUD_TOKEN) or aksk (HUAWEICLOUD_SDK_AK/SK)
    /// [default: token when HUAWEICLOUD_TOKEN is set, else aksk when both keys are]
    #[arg(long, value_enum)]
    pub auth: Option<crate::spec::AuthScheme>,
    /// Make the embedded mock inject a named drift (repeatable; see `list drifts`).
    #[arg(long = "mock-drift", value_name = "NAME")]
    pub mock_drifts: Vec<crate::mock::Drift>,
    /// Make the embedded mock take another defensible reading of the pages (repeatable; see
    /// `list readings`).
    #[arg(long = "mock-reading", value_name = "NAME")]
    pub mock_readings: Vec<crate::mock::Reading>,
    /// A PEM file of extra CA certificates to trust (a staging CA).
    #[arg(long, value_name = "PATH")]
    pub ca_cert: Option<PathBuf>,
    /// Do not verify TLS certificates (a warning goes to stderr and into every report).
    #[arg(long)]
    pub insecure: bool,
}

impl TargetArgs {
    /// Fills the flags the command line left unset from `profile` (flags win): its URLs, partner
    /// id, authentication and CA file; `insecure = true` in the profile turns verification off
    /// as `--insecure` does.
    pub(super) fn fill_from(&mut self, profile: &Profile) {
        self.target = self.target.take().or_else(|| profile.bss_url.clone());
        self.aicc_target = self.aicc_target.take().or_else(|| profile.aicc_url.clone());
        self.partner_id = self
            .partner_id
            .take()
            .or_else(|| profile.partner_id.clone());
        self.auth = self.auth.or(profile.auth);
        self.ca_cert = self.ca_cert.take().or_else(|| profile.ca_cert.clone());
        self.insecure |= profile.insecure;
    }
}

pub(super) use crate::client::is_loopback;

/// A base URL must be http(s) with a host.
pub(super) fn check_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| format!("`{url}` is not an http:// or https:// URL"))?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err(format!("`{url}` has no host"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Cli;
    use clap::{CommandFactory, Parser};

    #[test]
    fn run_and_replay_share_the_flags_each_with_its_own_help() {
        let cli = Cli::command();
        cli.clone().debug_assert();
        let help = |command: &str, id: &str| {
            let sub = cli.find_subcommand(command).expect(command);
            let arg = sub.get_arguments().find(|a| a.get_id() == id).expect(id);
            arg.get_help().map(|h| h.to_string()).unwrap_or_default()
        };
        assert_eq!(
            help("run", "ca_cert"),
            "A PEM file of extra CA certificates to trust (a staging CA)"
        );
        assert_eq!(help("migrate", "ca_cert"), help("run", "ca_cert"));
        assert_eq!(
            help("replay", "ca_cert"),
            "A PEM file of extra CA certificates to trust"
        );
        assert!(help("replay", "target").starts_with("The BSS base URL to send to"));
        assert!(help("run", "profile").starts_with("The profile of the config file to use"));
        assert!(help("replay", "profile").starts_with("The profile whose target"));
    }

    #[test]
    fn a_profile_fills_only_what_the_command_line_left_unset() {
        let cli = Cli::parse_from([
            "partner-conformance",
            "replay",
            "runs/1",
            "--target",
            "https://flag.example.com",
        ]);
        let crate::cli::Command::Replay(mut args) = cli.command else {
            panic!("parsed as replay");
        };
        let profile = Profile {
            bss_url: Some("https://profile.example.com".into()),
            partner_id: Some("p1".into()),
            insecure: true,
            ..Profile::default()
        };
        args.endpoint.fill_from(&profile);
        assert_eq!(
            args.endpoint.target.as_deref(),
            Some("https://flag.example.com")
        );
        assert_eq!(args.endpoint.partner_id.as_deref(), Some("p1"));
        assert!(args.endpoint.insecure);
        assert_eq!(args.endpoint.aicc_target, None);
    }
}
