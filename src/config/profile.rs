//! The profiles of the file: its keys, [`Profile`] and [`Config`], reading and checking the
//! whole document, and choosing the profile a run uses.

use super::error::{ConfigError, KeyPath};
use super::read::Cx;
use super::secrets::{find_secret_keys, secret_message};
use crate::settings::{Concurrency, MaxDurationSeconds, MaxRequests, Rate, TimeoutSeconds};
use crate::spec::{AuthScheme, OperationId};
use crate::text::{normalise, suggest};
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml_edit::{ImDocument, Item};

/// The file looked for in the working directory when `--config` is not given.
pub const DEFAULT_FILE: &str = "partner-conformance.toml";

/// The keys of the file's top level.
pub(super) const TOP_KEYS: [&str; 2] = ["default_profile", "profiles"];
/// The keys of a profile.
pub(super) const PROFILE_KEYS: [&str; 16] = [
    "bss_url",
    "aicc_url",
    "partner_id",
    "auth",
    "rate",
    "concurrency",
    "timeout_seconds",
    "ca_cert",
    "operations",
    "baseline",
    "insecure",
    "max_requests",
    "max_duration_seconds",
    "positions",
    "min_coverage",
    "plan",
];
/// Other spellings people reach for (mostly the command-line flags), normalised as by
/// [`normalise`], and the profile key they mean.
const PROFILE_KEY_ALIASES: [(&str, &str); 16] = [
    ("target", "bss_url"),
    ("bss", "bss_url"),
    ("bsstarget", "bss_url"),
    ("url", "bss_url"),
    ("aicctarget", "aicc_url"),
    ("aicc", "aicc_url"),
    ("timeout", "timeout_seconds"),
    ("cacertificate", "ca_cert"),
    ("cabundle", "ca_cert"),
    ("ca", "ca_cert"),
    ("ops", "operations"),
    ("operation", "operations"),
    ("authmode", "auth"),
    ("ratelimit", "rate"),
    ("rps", "rate"),
    ("duration", "max_duration_seconds"),
];

/// Largest config file read: a config file is a few dozen lines.
const MAX_FILE_BYTES: u64 = 1 << 20;

/// One named profile: the run settings a CI job selects with `--profile NAME`. `None` (and
/// `insecure = false`) means "not set here": the flag or the built-in default applies.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Profile {
    /// The profile's name (the `NAME` of `[profiles.NAME]`).
    pub name: String,
    /// Base URL of the BSS endpoint (`--target`).
    pub bss_url: Option<String>,
    /// Base URL of the AICC endpoint (`--aicc-target`); `None` means the BSS URL in effect.
    pub aicc_url: Option<String>,
    /// Partner id for the `{partner_id}` path segment (`--partner-id`).
    pub partner_id: Option<String>,
    /// How to authenticate to the BSS endpoint; `None` means token.
    pub auth: Option<AuthScheme>,
    /// Requests per second (`--rate`).
    pub rate: Option<Rate>,
    /// Requests in flight at once (`--concurrency`).
    pub concurrency: Option<Concurrency>,
    /// Seconds one request may take (`--timeout`).
    pub timeout_seconds: Option<TimeoutSeconds>,
    /// Extra CA certificates (PEM), resolved against the config file's directory (`--ca-cert`).
    pub ca_cert: Option<PathBuf>,
    /// Operations to run, without repeats; `None` means all (`--operations`).
    pub operations: Option<Vec<OperationId>>,
    /// Baseline file, resolved against the config file's directory (`--baseline`).
    pub baseline: Option<PathBuf>,
    /// Do not verify TLS certificates; only a literal `insecure = true` sets it (`--insecure`).
    pub insecure: bool,
    /// Most requests the run may send (`--max-requests`).
    pub max_requests: Option<MaxRequests>,
    /// Most seconds the run may take (`--max-duration`).
    pub max_duration_seconds: Option<MaxDurationSeconds>,
    /// Whether a position read otherwise is a finding or an observation (`--positions`).
    pub positions: Option<crate::outcome::PositionMode>,
    /// The coverage gate (`--min-coverage`): `95`, or `["95", "customers_v1=80"]`.
    pub min_coverage: Vec<crate::settings::CoverageMinimum>,
    /// Which requests the run sends (`--plan`): `coverage` or `full`.
    pub plan: Option<crate::settings::PlanMode>,
}

/// A parsed and checked config file: everything in it is valid, so the CLI only merges.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The file it was read from, as given (errors and `config check` name it).
    pub file: PathBuf,
    /// The profile used when no `--profile` is given; always one of `profiles`.
    pub default_profile: Option<String>,
    /// The profiles by name.
    pub profiles: BTreeMap<String, Profile>,
}

impl Config {
    /// Reads and checks a config file; the file must exist (it was named explicitly).
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let read_error = |message: String| ConfigError {
            file: path.display().to_string(),
            location: "read".into(),
            message,
        };
        let text = match crate::files::read_text(path, MAX_FILE_BYTES, "a config file") {
            Ok(text) => text,
            Err(crate::files::ReadError::NotUtf8 { line, column }) => {
                return Err(ConfigError {
                    file: path.display().to_string(),
                    location: format!("line {line} column {column}"),
                    message: "not valid UTF-8 (TOML files are UTF-8)".into(),
                });
            }
            Err(e) => return Err(read_error(format!("cannot read the config file: {e}"))),
        };
        Config::parse(path, &text)
    }

    /// Parses and checks the text of a config file; `file` names it in errors, and relative
    /// `ca_cert` / `baseline` paths are resolved against `file.parent()`, so the file works the
    /// same whatever directory CI runs from. Touches no file.
    pub fn parse(file: &Path, text: &str) -> Result<Config, ConfigError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let cx = Cx { file, text };
        let doc = match ImDocument::parse(text) {
            Ok(doc) => doc,
            Err(e) => return Err(cx.syntax_error(&e)),
        };
        let root = doc.as_table();
        // Secrets first, wherever they are: that is the error that matters most.
        let mut secrets = Vec::new();
        find_secret_keys(root, &KeyPath::root(), &mut secrets);
        if let Some((span, path)) = secrets.into_iter().min_by_key(|(span, _)| span.start) {
            return Err(cx.error(Some(span), &path, secret_message()));
        }
        cx.read_config(root)
    }

    /// The config in effect: `--config PATH` if given (it must exist), else
    /// `./partner-conformance.toml` if it exists, else `None` (flags and defaults only).
    pub fn discover(explicit: Option<&Path>) -> Result<Option<Config>, ConfigError> {
        discover_in(Path::new(""), explicit)
    }

    /// The profile a run uses: `name` (from `--profile`) or, when `None`, `default_profile`;
    /// `Ok(None)` when neither is given, so a file never redirects a run nobody pointed at it.
    /// An unknown name is an error listing the profiles the file has.
    pub fn profile(&self, name: Option<&str>) -> Result<Option<&Profile>, ConfigError> {
        let Some(name) = name.or(self.default_profile.as_deref()) else {
            return Ok(None);
        };
        if let Some(profile) = self.profiles.get(name) {
            return Ok(Some(profile));
        }
        let names: Vec<&str> = self.profiles.keys().map(String::as_str).collect();
        let hint = suggest(name, &names)
            .map(|s| format!("did you mean `{s}`? "))
            .unwrap_or_default();
        Err(ConfigError {
            file: self.file.display().to_string(),
            location: format!("--profile {name}"),
            message: format!(
                "no such profile; {hint}the file defines: {}",
                list_or_none(&names)
            ),
        })
    }
}

/// [`Config::discover`] with relative paths taken against `base` (`""` is the working
/// directory, which keeps file names in messages as the user wrote them); tests pass a
/// temporary directory instead of changing the process's working directory.
pub(super) fn discover_in(
    base: &Path,
    explicit: Option<&Path>,
) -> Result<Option<Config>, ConfigError> {
    match explicit {
        Some(path) => Config::load(&base.join(path)).map(Some),
        None => {
            let path = base.join(DEFAULT_FILE);
            // symlink_metadata: a dangling symlink is a broken config, not an absent one.
            if std::fs::symlink_metadata(&path).is_err() {
                return Ok(None);
            }
            Config::load(&path).map(Some)
        }
    }
}

/// The checks of the document's keys: which exist, where they belong and what they mean.
impl Cx<'_> {
    /// Checks the top level and every profile.
    fn read_config(&self, root: &toml_edit::Table) -> Result<Config, ConfigError> {
        let top = KeyPath::root();
        let mut default_profile = None;
        let mut profiles = BTreeMap::new();
        let mut profiles_seen = false;
        for (key, item) in root.iter() {
            let key_span = root.key(key).and_then(|k| k.span());
            let path = top.child(key);
            match key {
                "default_profile" => {
                    let value = self.value(item, key_span.clone(), &path)?;
                    let name = self.string(value, &path, "a profile name")?;
                    if name.is_empty() {
                        return Err(self.error(
                            value.span(),
                            &path,
                            "must name a profile, not be empty".into(),
                        ));
                    }
                    default_profile = Some((name.to_string(), value.span()));
                }
                "profiles" => {
                    profiles_seen = true;
                    let table = item.as_table_like().ok_or_else(|| {
                        self.error(
                            item.span().or(key_span.clone()),
                            &path,
                            format!(
                                "must be a table of profiles ([profiles.NAME]), found {}",
                                item.type_name()
                            ),
                        )
                    })?;
                    for (name, item) in table.iter() {
                        let name_span = table.key(name).and_then(|k| k.span());
                        let profile =
                            self.read_profile(name, name_span, item, &path.child(name))?;
                        profiles.insert(name.to_string(), profile);
                    }
                    if profiles.is_empty() {
                        return Err(self.error(
                            key_span,
                            &path,
                            "defines no profile; add one as [profiles.NAME]".into(),
                        ));
                    }
                }
                _ => return Err(self.unknown_top_key(key, key_span, item, &path)),
            }
        }
        if !profiles_seen {
            return Err(self.error(
                None,
                &top.child("profiles"),
                "the file defines no profile; add one as [profiles.NAME]".into(),
            ));
        }
        if let Some((name, span)) = &default_profile {
            if !profiles.contains_key(name) {
                let names: Vec<&str> = profiles.keys().map(String::as_str).collect();
                let hint = suggest(name, &names)
                    .map(|s| format!("did you mean `{s}`? "))
                    .unwrap_or_default();
                return Err(self.error(
                    span.clone(),
                    &top.child("default_profile"),
                    format!(
                        "names no profile of this file; {hint}the file defines: {}",
                        names.join(", ")
                    ),
                ));
            }
        }
        Ok(Config {
            file: self.file.to_path_buf(),
            default_profile: default_profile.map(|(name, _)| name),
            profiles,
        })
    }

    /// The error for an unknown top-level key, with the likeliest intent.
    fn unknown_top_key(
        &self,
        key: &str,
        key_span: Option<Range<usize>>,
        item: &Item,
        path: &KeyPath,
    ) -> ConfigError {
        let message = if let Some(s) = suggest(key, &TOP_KEYS) {
            format!("unknown key; did you mean `{s}`?")
        } else if PROFILE_KEYS.contains(&key) || profile_key_alias(key).is_some() {
            format!("`{key}` belongs in a profile: put it under [profiles.NAME]")
        } else if item
            .as_table_like()
            .is_some_and(|t| t.iter().any(|(k, _)| PROFILE_KEYS.contains(&k)))
        {
            format!("unknown key; a profile is written [profiles.{key}], not [{key}]")
        } else {
            format!("unknown key; the top level takes {}", TOP_KEYS.join(", "))
        };
        self.error(key_span, path, message)
    }

    /// Reads one `[profiles.NAME]` table.
    fn read_profile(
        &self,
        name: &str,
        name_span: Option<Range<usize>>,
        item: &Item,
        path: &KeyPath,
    ) -> Result<Profile, ConfigError> {
        if name.trim().is_empty() {
            return Err(self.error(name_span, path, "a profile needs a name".into()));
        }
        let table = item.as_table_like().ok_or_else(|| {
            self.error(
                item.span().or(name_span.clone()),
                path,
                format!(
                    "a profile must be a table ([profiles.{}]), found {}",
                    path.0.last().map_or(name, String::as_str),
                    item.type_name()
                ),
            )
        })?;
        let mut profile = Profile {
            name: name.to_string(),
            ..Profile::default()
        };
        let mut ca_cert_span = None;
        for (key, item) in table.iter() {
            let key_span = table.key(key).and_then(|k| k.span());
            let path = path.child(key);
            if !PROFILE_KEYS.contains(&key) {
                return Err(self.unknown_profile_key(key, key_span, &path));
            }
            let value = self.value(item, key_span, &path)?;
            let span = value.span();
            match key {
                "bss_url" => profile.bss_url = Some(self.url(value, &path)?),
                "aicc_url" => profile.aicc_url = Some(self.url(value, &path)?),
                "partner_id" => profile.partner_id = Some(self.partner_id(value, &path)?),
                "auth" => {
                    let text = self.string(value, &path, "\"token\" or \"aksk\"")?;
                    let mode = text.parse::<AuthScheme>().map_err(|_| {
                        let names = AuthScheme::ALL.map(AuthScheme::as_str);
                        let hint = suggest(text, &names)
                            .map(|s| format!("; did you mean \"{s}\"?"))
                            .unwrap_or_default();
                        let message = format!("must be \"token\" or \"aksk\"{hint}");
                        self.error(span.clone(), &path, message)
                    })?;
                    profile.auth = Some(mode);
                }
                "rate" => profile.rate = Some(self.rate(value, &path)?),
                "concurrency" => profile.concurrency = Some(self.whole(value, &path)?),
                "timeout_seconds" => profile.timeout_seconds = Some(self.whole(value, &path)?),
                "max_requests" => profile.max_requests = Some(self.whole(value, &path)?),
                "max_duration_seconds" => {
                    profile.max_duration_seconds = Some(self.whole(value, &path)?)
                }
                "positions" => profile.positions = Some(self.choice(value, &path)?),
                "plan" => profile.plan = Some(self.choice(value, &path)?),
                "ca_cert" => {
                    profile.ca_cert = Some(self.path(value, &path)?);
                    ca_cert_span = span;
                }
                "baseline" => profile.baseline = Some(self.path(value, &path)?),
                "operations" => profile.operations = Some(self.operations(value, &path)?),
                "min_coverage" => profile.min_coverage = self.min_coverage(value, &path)?,
                "insecure" => {
                    profile.insecure = value.as_bool().ok_or_else(|| {
                        self.type_error(value, &path, "true or false (without quotes)")
                    })?;
                }
                _ => return Err(self.unknown_profile_key(key, value.span(), &path)),
            }
        }
        if profile.insecure && profile.ca_cert.is_some() {
            return Err(self.error(
                ca_cert_span,
                &path.child("ca_cert"),
                "ca_cert and insecure = true contradict each other: trust the staging CA \
                 with ca_cert and drop insecure"
                    .into(),
            ));
        }
        Ok(profile)
    }

    /// The error for an unknown key inside a profile, with "did you mean" where one fits.
    fn unknown_profile_key(
        &self,
        key: &str,
        key_span: Option<Range<usize>>,
        path: &KeyPath,
    ) -> ConfigError {
        if TOP_KEYS.contains(&key) {
            return self.error(
                key_span,
                path,
                format!(
                    "`{key}` belongs at the top of the file, before the first [profiles.NAME] \
                     header (after a header, a key belongs to that table)"
                ),
            );
        }
        let hint = profile_key_alias(key)
            .or_else(|| suggest(key, &PROFILE_KEYS))
            .map(|s| format!("did you mean `{s}`? "))
            .unwrap_or_default();
        self.error(
            key_span,
            path,
            format!(
                "unknown key; {hint}(a profile takes {})",
                PROFILE_KEYS.join(", ")
            ),
        )
    }
}

/// The profile key an alias (a flag name such as `target`) stands for.
fn profile_key_alias(key: &str) -> Option<&'static str> {
    let key = normalise(key);
    PROFILE_KEY_ALIASES
        .iter()
        .find(|(alias, _)| *alias == key)
        .map(|(_, real)| *real)
}

/// Names joined for a message, or "(none)".
fn list_or_none(names: &[&str]) -> String {
    if names.is_empty() {
        "(none)".into()
    } else {
        names.join(", ")
    }
}
