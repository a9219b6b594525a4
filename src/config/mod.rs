//! The configuration file: named profiles of run settings, so that a CI job says
//! `partner-conformance run --profile staging` instead of repeating a dozen flags.
//!
//! The file is `partner-conformance.toml` in the working directory, or the one given with
//! `--config PATH`. Flags given on the command line override the profile; credentials come from
//! the environment only.
//!
//! # File format (TOML)
//!
//! ```toml
//! default_profile = "staging"          # optional
//!
//! [profiles.staging]
//! bss_url = "https://bss-staging.example.com"
//! aicc_url = "https://aicc-staging.example.com"   # optional, defaults to bss_url
//! partner_id = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
//! auth = "token"                       # "token" or "aksk"
//! rate = 5.0                           # requests per second (> 0)
//! concurrency = 2                      # 1 to 1000
//! timeout_seconds = 10                 # 1 to 3600
//! ca_cert = "certs/staging-ca.pem"     # relative paths resolve against this file's directory
//! operations = ["customers_v1", "budget_v1"]   # any of `list operations`
//! baseline = "ci/baseline.toml"        # relative to this file's directory
//! insecure = false                     # optional; only the boolean `true` turns it on
//! max_requests = 5000                  # optional bound (>= 1)
//! max_duration_seconds = 600           # optional bound (>= 1)
//! ```
//!
//! Every key is optional inside a profile: what a profile leaves out comes from the flags or the
//! built-in defaults. An unset `aicc_url` stays `None` (rather than being copied from `bss_url`)
//! so that a `--target` flag overriding `bss_url` also moves the AICC endpoint.
//!
//! # Checks
//!
//! Every problem is an error naming the file, the line and column, and the key
//! (`profiles.staging.rate`): TOML syntax, unknown keys (with "did you mean" for near misses and
//! for command-line spellings such as `target` or `timeout`), wrong types, numbers out of range,
//! base URLs that are not http(s) with a host, unknown operations, unknown auth modes.
//!
//! # Secrets
//!
//! Secrets are never accepted in the file, where they would end up in version control. Any key
//! that looks like one (containing `token`, `secret`, `password`, `credential`, ..., or the word
//! `ak` / `sk`, in any case or separator style) is an error telling to use `HUAWEICLOUD_TOKEN`,
//! `AICC_TOKEN`, `HUAWEICLOUD_SDK_AK` and `HUAWEICLOUD_SDK_SK` instead, as is a URL with
//! `user:password@`. Error messages never repeat a string value from the file (a misplaced
//! token may sit in any key); the line and column point at it instead.
//!
//! # Where things are
//!
//! - `profile`: the file's keys, [`Profile`] and [`Config`] (load, parse, discover, choose a
//!   profile);
//! - `describe`: the text of `config check`;
//! - `read`: span-aware reading of TOML values, every error located at its line, column and key;
//! - `secrets`: telling a secret-looking key from a setting;
//! - `error`: [`ConfigError`] and the key paths it names.

mod describe;
mod error;
mod profile;
mod read;
mod secrets;
#[cfg(test)]
mod tests;

pub use error::ConfigError;
pub use profile::{Config, Profile, DEFAULT_FILE};
