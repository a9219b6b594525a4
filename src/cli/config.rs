//! `config check`, and the flags that choose the config file and profile `run` and `replay`
//! take their settings from.

use super::{env_is_set, load_spec};
use crate::config::{Config, Profile};
use crate::exit::ExitError;
use std::path::PathBuf;

/// `config` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum ConfigAction {
    /// Validate the config file and show its profiles and the variables they need; sends nothing.
    Check {
        /// The config file [default: ./partner-conformance.toml].
        #[arg(long, value_name = "PATH")]
        config: Option<PathBuf>,
    },
}

/// `config check`: validates the file and shows its profiles and the variables they need.
pub(super) fn run(action: ConfigAction) -> Result<i32, ExitError> {
    let ConfigAction::Check { config } = action;
    let path = config.unwrap_or_else(|| PathBuf::from(crate::config::DEFAULT_FILE));
    let loaded = Config::load(&path).map_err(|e| ExitError::Usage(e.into()))?;
    let spec = load_spec(None)?;
    print!("{}", loaded.describe(&spec, &env_is_set));
    println!("\n{}: valid", path.display());
    Ok(crate::exit::SUCCESS)
}

/// `--config` and `--profile`: the config file and the profile in it whose settings fill the
/// flags left unset, shared by `run` (and `migrate`) and `replay`. The help texts here are
/// `run`'s; `replay` words `--profile` for itself.
#[derive(Debug, clap::Args)]
pub struct ProfileArgs {
    /// The config file with named profiles [default: ./partner-conformance.toml when it exists].
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// The profile of the config file to use; flags given on the command line override it.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
}

impl ProfileArgs {
    /// The config file in effect (`--config PATH`, else `./partner-conformance.toml` when it
    /// exists) and the profile selected in it (`--profile NAME`, else its `default_profile`).
    /// `Ok(None)` when there is no file; a `--profile` without a file is an error, as is a file
    /// or a profile name that is not valid. The profile is `None` when neither names one: what
    /// to make of that is the command's to say.
    pub(super) fn selected(&self) -> Result<Option<(Config, Option<Profile>)>, ExitError> {
        let usage = |e: crate::config::ConfigError| ExitError::Usage(e.into());
        let Some(config) = Config::discover(self.config.as_deref()).map_err(usage)? else {
            if let Some(name) = &self.profile {
                return Err(ExitError::Usage(anyhow::anyhow!(
                    "--profile {name}: no config file (give --config PATH or create {})",
                    crate::config::DEFAULT_FILE
                )));
            }
            return Ok(None);
        };
        let selected = config
            .profile(self.profile.as_deref())
            .map_err(usage)?
            .cloned();
        Ok(Some((config, selected)))
    }
}
