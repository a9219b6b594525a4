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

use crate::client::{AK_ENV, SK_ENV};
use crate::settings::{
    Concurrency, MaxDurationSeconds, MaxRequests, Rate, TimeoutSeconds, WholeSetting,
};
use crate::spec::{AuthScheme, OperationId, Spec};
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml_edit::{ImDocument, Item, TableLike, Value};

/// The file looked for in the working directory when `--config` is not given.
pub const DEFAULT_FILE: &str = "partner-conformance.toml";

/// The keys of the file's top level.
const TOP_KEYS: [&str; 2] = ["default_profile", "profiles"];
/// The keys of a profile.
const PROFILE_KEYS: [&str; 13] = [
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
}

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

/// A config file that could not be read or is not valid; names the file, where in it (line,
/// column and key, such as `profiles.staging.rate`) and what is wrong, so the person editing it
/// can go straight to the line. Never contains a string value from the file.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {location}: {message}")]
pub struct ConfigError {
    /// The file, as given.
    pub file: String,
    /// `line L column C` (both from 1) and the key path, e.g.
    /// ``line 7 column 8, `profiles.staging.rate` ``; `read` when the file cannot be read;
    /// `--profile NAME` when the named profile is not in the file.
    pub location: String,
    /// What is wrong and how to fix it.
    pub message: String,
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

/// [`Config::discover`] with relative paths taken against `base` (`""` is the working
/// directory, which keeps file names in messages as the user wrote them); tests pass a
/// temporary directory instead of changing the process's working directory.
fn discover_in(base: &Path, explicit: Option<&Path>) -> Result<Option<Config>, ConfigError> {
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

/// The path of a key for messages: `profiles.staging.operations[0]`.
#[derive(Debug, Clone, Default)]
struct KeyPath(Vec<String>);

impl KeyPath {
    fn root() -> KeyPath {
        KeyPath(Vec::new())
    }

    fn child(&self, key: &str) -> KeyPath {
        let mut path = self.clone();
        let bare = !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        path.0.push(if bare {
            key.to_string()
        } else {
            format!("{key:?}")
        });
        path
    }

    fn index(&self, i: usize) -> KeyPath {
        let mut path = self.clone();
        match path.0.last_mut() {
            Some(last) => last.push_str(&format!("[{i}]")),
            None => path.0.push(format!("[{i}]")),
        }
        path
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join("."))
    }
}

/// The file being read, for error locations.
struct Cx<'a> {
    file: &'a Path,
    text: &'a str,
}

impl Cx<'_> {
    /// An error at `span` (a byte range of the text) about the key at `path`.
    fn error(&self, span: Option<Range<usize>>, path: &KeyPath, message: String) -> ConfigError {
        let place = span.map(|s| {
            let (line, column) = line_column(self.text, s.start);
            format!("line {line} column {column}")
        });
        let key = (!path.0.is_empty()).then(|| format!("`{path}`"));
        let location = match (place, key) {
            (Some(place), Some(key)) => format!("{place}, {key}"),
            (Some(place), None) => place,
            (None, Some(key)) => key,
            (None, None) => "line 1 column 1".into(),
        };
        ConfigError {
            file: self.file.display().to_string(),
            location,
            message,
        }
    }

    /// A TOML syntax error. The parser's message names characters it expected, never the
    /// document's text; a syntax error on the line of a secret-looking key is reported as the
    /// secret it is, since fixing the quoting would only lead to that error next.
    fn syntax_error(&self, e: &toml_edit::TomlError) -> ConfigError {
        let start = e.span().map_or(0, |s| s.start);
        let (line_start, line_end) = line_bounds(self.text, start);
        let line = &self.text[line_start..line_end];
        // The key assigned on the error's line, when the error lies after it; a multi-line
        // string that never ends is reported at the end of the file, which is not its key.
        let key = assigned_key(line)
            .filter(|(_, offset)| line_start + offset < start || start == line_start)
            .filter(|_| !e.message().contains("multiline"));
        let mut path = KeyPath::root();
        if let Some((key, _)) = key {
            if let Some(header) = table_header_before(self.text, line_start) {
                path.0.push(header.to_string());
            }
            path = path.child(key);
        }
        if let Some((key, offset)) = key {
            if is_secret_key(key) {
                let at = line_start + offset;
                return self.error(Some(at..at), &path, secret_message());
            }
        }
        let message = e
            .message()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("; ");
        self.error(e.span(), &path, format!("TOML syntax error: {message}"))
    }

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
                "ca_cert" => {
                    profile.ca_cert = Some(self.path(value, &path)?);
                    ca_cert_span = span;
                }
                "baseline" => profile.baseline = Some(self.path(value, &path)?),
                "operations" => profile.operations = Some(self.operations(value, &path)?),
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

    /// The value of a `key = value` entry (not a sub-table).
    fn value<'i>(
        &self,
        item: &'i Item,
        key_span: Option<Range<usize>>,
        path: &KeyPath,
    ) -> Result<&'i Value, ConfigError> {
        item.as_value().ok_or_else(|| {
            self.error(
                item.span().or(key_span),
                path,
                format!("must be a plain value, found {}", item.type_name()),
            )
        })
    }

    /// "must be X, found Y" at the value, naming the TOML type and never the value itself.
    fn type_error(&self, value: &Value, path: &KeyPath, expected: &str) -> ConfigError {
        self.error(
            value.span(),
            path,
            format!("must be {expected}, found {}", article(value.type_name())),
        )
    }

    fn string<'v>(
        &self,
        value: &'v Value,
        path: &KeyPath,
        expected: &str,
    ) -> Result<&'v str, ConfigError> {
        value.as_str().ok_or_else(|| {
            self.type_error(value, path, &format!("a string ({expected}, in quotes)"))
        })
    }

    /// A whole number in the range of the setting `T`, the same range its flag accepts.
    fn whole<T: WholeSetting>(&self, value: &Value, path: &KeyPath) -> Result<T, ConfigError> {
        let expected = format!("a whole number of {} (without quotes)", T::UNIT);
        let n = value
            .as_integer()
            .ok_or_else(|| self.type_error(value, path, &expected))?;
        T::from_i64(n).map_err(|message| self.error(value.span(), path, message))
    }

    /// Requests per second: an integer or a float, in [`Rate`]'s range.
    fn rate(&self, value: &Value, path: &KeyPath) -> Result<Rate, ConfigError> {
        let rate = match value {
            Value::Float(f) => *f.value(),
            Value::Integer(i) => *i.value() as f64,
            _ => {
                return Err(self.type_error(
                    value,
                    path,
                    "a number of requests per second (without quotes)",
                ))
            }
        };
        Rate::new(rate).map_err(|message| self.error(value.span(), path, message))
    }

    /// A base URL: http:// or https://, a host, an optional port and path; no credentials,
    /// query, fragment or whitespace (the suite appends the documented paths to it).
    fn url(&self, value: &Value, path: &KeyPath) -> Result<String, ConfigError> {
        let url = self.string(value, path, "an http:// or https:// base URL")?;
        let fail = |message: &str| Err(self.error(value.span(), path, message.to_string()));
        let Some(rest) = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
        else {
            return fail("must be an http:// or https:// URL");
        };
        if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return fail("must not contain spaces or control characters");
        }
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        if authority.contains('@') {
            return fail(&format!(
                "must not carry credentials (user:password@): {}",
                secret_message()
            ));
        }
        if rest.contains(['?', '#']) {
            return fail("a base URL takes no query (?) or fragment (#)");
        }
        let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
            match bracketed.split_once(']') {
                Some((host, after)) => (host, after.strip_prefix(':')),
                None => return fail("has an unclosed [ in its host"),
            }
        } else {
            match authority.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            }
        };
        if host.is_empty() {
            return fail("has no host (expected e.g. https://bss-staging.example.com)");
        }
        if let Some(port) = port {
            if !port.parse::<u16>().is_ok_and(|p| p > 0) {
                return fail("has an invalid port (expected 1 to 65535)");
            }
        }
        Ok(url.to_string())
    }

    /// A partner id: it becomes a path segment, so only letters, digits, `-` and `_`. Its
    /// documented maximum length is checked where the contract is loaded, not repeated here.
    fn partner_id(&self, value: &Value, path: &KeyPath) -> Result<String, ConfigError> {
        let id = self.string(value, path, "the partner id assigned by Huawei")?;
        let ok = !id.is_empty()
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !ok {
            return Err(self.error(
                value.span(),
                path,
                "must be letters, digits, '-' or '_' (e.g. 0a1b2c3d4e5f60718293a4b5c6d7e8f9)"
                    .to_string(),
            ));
        }
        Ok(id.to_string())
    }

    /// A path, resolved against the config file's directory when relative.
    fn path(&self, value: &Value, path: &KeyPath) -> Result<PathBuf, ConfigError> {
        let text = self.string(value, path, "a file path")?;
        if text.trim().is_empty() {
            return Err(self.error(value.span(), path, "must not be empty".into()));
        }
        let given = Path::new(text);
        Ok(match self.file.parent() {
            Some(dir) if given.is_relative() => dir.join(given),
            _ => given.to_path_buf(),
        })
    }

    /// A non-empty array of known operation ids ([`OperationId::ALL`]), each once.
    fn operations(&self, value: &Value, path: &KeyPath) -> Result<Vec<OperationId>, ConfigError> {
        let example = "an array of operation ids, e.g. [\"customers_v1\", \"budget_v1\"]";
        let known: Vec<&str> = OperationId::ALL.iter().map(|op| op.as_str()).collect();
        let array = value
            .as_array()
            .ok_or_else(|| self.type_error(value, path, example))?;
        if array.is_empty() {
            return Err(self.error(
                value.span(),
                path,
                format!(
                    "must name at least one operation ({}); leave the key out to run all",
                    known.join(", ")
                ),
            ));
        }
        let mut ids: Vec<OperationId> = Vec::new();
        for (i, entry) in array.iter().enumerate() {
            let entry_path = path.index(i);
            let text = entry
                .as_str()
                .ok_or_else(|| self.type_error(entry, &entry_path, "an operation id in quotes"))?;
            let Ok(id) = text.parse::<OperationId>() else {
                let hint = suggest(text, &known)
                    .map(|s| format!("did you mean `{s}`? "))
                    .unwrap_or_default();
                return Err(self.error(
                    entry.span(),
                    &entry_path,
                    format!(
                        "not a known operation; {hint}known operations: {}",
                        known.join(", ")
                    ),
                ));
            };
            if ids.contains(&id) {
                return Err(self.error(
                    entry.span(),
                    &entry_path,
                    format!("`{id}` is listed twice"),
                ));
            }
            ids.push(id);
        }
        Ok(ids)
    }
}

/// The error text for a secret in the file: where secrets go instead (the token variables the
/// contract names, and the AK/SK pair).
fn secret_message() -> String {
    let mut tokens: Vec<String> = Spec::embedded()
        .map(|spec| {
            spec.operations()
                .iter()
                .map(|op| op.meta.token_env.clone())
                .collect()
        })
        .unwrap_or_default();
    tokens.sort_unstable();
    tokens.dedup();
    format!(
        "secrets are never read from the config file (it ends up in version control and CI \
         logs); remove it and set {} (tokens) or {AK_ENV} / {SK_ENV} (AK/SK) in the \
         environment instead",
        tokens.join(" / ")
    )
}

/// Collects every secret-looking key under `table` with the span of the key (or its value).
/// Directly under `profiles`, a key holding a table is a profile name (`[profiles.aksk]` is a
/// fine name for a profile testing AK/SK), so it is not itself taken for a secret.
fn find_secret_keys(
    table: &dyn TableLike,
    path: &KeyPath,
    found: &mut Vec<(Range<usize>, KeyPath)>,
) {
    let under_profiles = path.0.len() == 1 && path.0[0] == "profiles";
    for (key, item) in table.iter() {
        let child = path.child(key);
        let is_profile_name = under_profiles && item.is_table_like();
        if !is_profile_name && is_secret_key(key) {
            let span = table
                .key(key)
                .and_then(|k| k.span())
                .or_else(|| item.span())
                .unwrap_or(0..0);
            found.push((span, child.clone()));
        }
        match item {
            Item::Value(Value::Array(array)) => {
                for (i, value) in array.iter().enumerate() {
                    if let Value::InlineTable(t) = value {
                        find_secret_keys(t, &child.index(i), found);
                    }
                }
            }
            Item::ArrayOfTables(tables) => {
                for (i, t) in tables.iter().enumerate() {
                    find_secret_keys(t, &child.index(i), found);
                }
            }
            _ => {
                if let Some(t) = item.as_table_like() {
                    find_secret_keys(t, &child, found);
                }
            }
        }
    }
}

/// Whether a key looks like it holds a credential: it contains `token`, `secret`, `password`
/// and the like, or has `ak` / `sk` as a word (`HUAWEICLOUD_SDK_AK`, `sdkSk`, `ak`).
fn is_secret_key(key: &str) -> bool {
    const WORDS: [&str; 12] = [
        "token",
        "secret",
        "password",
        "passwd",
        "passphrase",
        "credential",
        "authorization",
        "apikey",
        "accesskey",
        "secretkey",
        "privatekey",
        "cookie",
    ];
    const SHORT: [&str; 4] = ["ak", "sk", "aksk", "pwd"];
    let squashed = normalise(key);
    WORDS.iter().any(|w| squashed.contains(w))
        || words(key).iter().any(|w| SHORT.contains(&w.as_str()))
}

/// The words of a key: split at non-alphanumerics and at lower-to-upper case changes.
fn words(key: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in key.chars() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// The key assigned on a line (`  "my.key" = ...` gives `my.key`, a dotted key its last part)
/// and its byte offset in the line; for reading a line the TOML parser rejected.
fn assigned_key(line: &str) -> Option<(&str, usize)> {
    let (lhs, _) = line.split_once('=')?;
    let trimmed = lhs.trim();
    let last = trimmed.rsplit('.').next()?.trim();
    let key = last.trim_matches(|c| c == '"' || c == '\'');
    if key.is_empty() || key.starts_with('[') || key.starts_with('#') {
        return None;
    }
    let offset = lhs.find(trimmed).unwrap_or(0);
    Some((key, offset))
}

/// The byte range of the line holding byte `offset` of `text`, without its line break.
fn line_bounds(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    (start, end.max(start))
}

/// The name inside the last `[table]` / `[[table]]` header before byte `offset` (the table a
/// line the parser rejected belongs to), as written.
fn table_header_before(text: &str, offset: usize) -> Option<&str> {
    text.get(..offset)?.lines().rev().find_map(|line| {
        let line = line.trim();
        let inner = line.strip_prefix('[')?;
        let inner = inner.strip_prefix('[').unwrap_or(inner);
        let end = inner.find(']')?;
        Some(inner[..end].trim())
    })
}

/// The profile key an alias (a flag name such as `target`) stands for.
fn profile_key_alias(key: &str) -> Option<&'static str> {
    let key = normalise(key);
    PROFILE_KEY_ALIASES
        .iter()
        .find(|(alias, _)| *alias == key)
        .map(|(_, real)| *real)
}

/// Lowercase without `_`, `-`, `.` and spaces, so `bss-url`, `bssUrl` and `BSS_URL` compare equal.
fn normalise(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '_' | '-' | '.' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The candidate `given` most likely meant: equal up to case and separators, a prefix either
/// way (4 characters at least), or within a small edit distance.
fn suggest<'a>(given: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let g = normalise(given);
    if g.is_empty() {
        return None;
    }
    if let Some(c) = candidates.iter().find(|c| normalise(c) == g) {
        return Some(c);
    }
    let mut best: Option<(usize, &'a str)> = None;
    for c in candidates {
        let n = normalise(c);
        let distance = levenshtein(&g, &n);
        let shorter = g.chars().count().min(n.chars().count());
        let prefix = shorter >= 4 && (n.starts_with(&g) || g.starts_with(&n));
        let limit = (n.chars().count() / 3).clamp(1, 3);
        if (distance <= limit || prefix) && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, c));
        }
    }
    best.map(|(_, c)| c)
}

/// Edit distance in characters (insertions, deletions, substitutions).
fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if ca == *cb {
                diagonal
            } else {
                1 + diagonal.min(above).min(row[j])
            };
            diagonal = above;
        }
    }
    row[b.len()]
}

/// `line` and `column` (both from 1, the column in characters) of a byte offset in `text`.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// A TOML type name with its article: "a string", "an integer".
fn article(type_name: &str) -> String {
    let vowel = type_name.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {type_name}", if vowel { "an" } else { "a" })
}

/// Names joined for a message, or "(none)".
fn list_or_none(names: &[&str]) -> String {
    if names.is_empty() {
        "(none)".into()
    } else {
        names.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"# partner-conformance.toml
default_profile = "staging"

[profiles.staging]
bss_url = "https://bss-staging.example.com"
aicc_url = "https://aicc-staging.example.com"
partner_id = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
auth = "token"
rate = 5.0
concurrency = 2
timeout_seconds = 10
ca_cert = "certs/staging-ca.pem"
operations = ["customers_v1", "budget_v1"]
baseline = "ci/baseline.toml"
insecure = false
max_requests = 5000
max_duration_seconds = 600

[profiles.ci]
bss_url = "http://127.0.0.1:8080/"
auth = "aksk"
rate = 2
ca_cert = "/etc/ssl/staging.pem"
"#;

    /// The file name every bad case is parsed under, so messages can be checked for it.
    const FILE: &str = "conf/pc.toml";

    /// The error of parsing `text` as [`FILE`], as displayed.
    fn error(text: &str) -> String {
        match Config::parse(Path::new(FILE), text) {
            Ok(config) => panic!("expected an error, parsed {config:?}"),
            Err(e) => e.to_string(),
        }
    }

    /// `text` under a `[profiles.staging]` header (line 1), so the body starts at line 2.
    fn in_profile(body: &str) -> String {
        format!("[profiles.staging]\n{body}\n")
    }

    /// Asserts the message names the file, the line and the key.
    fn assert_names(message: &str, line: usize, key: &str) {
        assert!(message.starts_with(&format!("{FILE}: ")), "{message}");
        assert!(
            message.contains(&format!("line {line} column ")),
            "line {line}: {message}"
        );
        assert!(message.contains(&format!("`{key}`")), "{key}: {message}");
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "partner-conformance-config-{}-{name}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create a temporary directory");
        dir
    }

    #[test]
    fn good_file_parses_with_relative_paths_resolved() {
        let config = Config::parse(Path::new("ci/partner-conformance.toml"), GOOD).expect("valid");
        assert_eq!(config.file, PathBuf::from("ci/partner-conformance.toml"));
        assert_eq!(config.default_profile.as_deref(), Some("staging"));
        let staging = &config.profiles["staging"];
        let expected = Profile {
            name: "staging".into(),
            bss_url: Some("https://bss-staging.example.com".into()),
            aicc_url: Some("https://aicc-staging.example.com".into()),
            partner_id: Some("0a1b2c3d4e5f60718293a4b5c6d7e8f9".into()),
            auth: Some(AuthScheme::Token),
            rate: Some(Rate::new(5.0).unwrap()),
            concurrency: Some(Concurrency::from_i64(2).unwrap()),
            timeout_seconds: Some(TimeoutSeconds::from_i64(10).unwrap()),
            ca_cert: Some(PathBuf::from("ci/certs/staging-ca.pem")),
            operations: Some(vec![OperationId::CustomersV1, OperationId::BudgetV1]),
            baseline: Some(PathBuf::from("ci/ci/baseline.toml")),
            insecure: false,
            max_requests: Some(MaxRequests::from_i64(5000).unwrap()),
            max_duration_seconds: Some(MaxDurationSeconds::from_i64(600).unwrap()),
        };
        assert_eq!(staging, &expected);
        let ci = &config.profiles["ci"];
        assert_eq!(ci.auth, Some(AuthScheme::Aksk));
        assert_eq!(
            ci.rate.map(Rate::get),
            Some(2.0),
            "an integer rate is read as a number"
        );
        assert_eq!(
            ci.aicc_url, None,
            "aicc_url stays unset: it follows bss_url"
        );
        assert_eq!(ci.ca_cert, Some(PathBuf::from("/etc/ssl/staging.pem")));
        assert_eq!(ci.operations, None);

        // A file in the working directory resolves against the working directory.
        let here = Config::parse(Path::new(DEFAULT_FILE), GOOD).expect("valid");
        assert_eq!(
            here.profiles["staging"].ca_cert,
            Some(PathBuf::from("certs/staging-ca.pem"))
        );
    }

    #[test]
    fn inline_and_dotted_profiles_and_a_bom_are_read() {
        let text =
            "\u{feff}profiles.a.rate = 1.5\nprofiles.b = { concurrency = 3, insecure = true }\n";
        let config = Config::parse(Path::new(FILE), text).expect("valid");
        assert_eq!(config.profiles["a"].rate.map(Rate::get), Some(1.5));
        assert_eq!(
            config.profiles["b"].concurrency.map(WholeSetting::get),
            Some(3)
        );
        assert!(config.profiles["b"].insecure);
        // The BOM does not shift columns.
        let message = error("\u{feff}[profiles.a]\nrate = 0\n");
        assert!(message.contains("line 2 column 8"), "{message}");
    }

    #[test]
    fn default_profile_picks_the_profile() {
        let config = Config::parse(Path::new(FILE), GOOD).expect("valid");
        assert_eq!(
            config.profile(None).expect("ok").expect("some").name,
            "staging"
        );
        assert_eq!(
            config.profile(Some("ci")).expect("ok").expect("some").name,
            "ci"
        );
        let no_default =
            Config::parse(Path::new(FILE), "[profiles.ci]\nrate = 1\n").expect("valid");
        assert_eq!(no_default.profile(None).expect("ok"), None);
    }

    #[test]
    fn unknown_profile_lists_the_known_ones() {
        let config = Config::parse(Path::new(FILE), GOOD).expect("valid");
        let message = config
            .profile(Some("prod"))
            .expect_err("unknown")
            .to_string();
        assert!(
            message.starts_with(&format!("{FILE}: --profile prod: ")),
            "{message}"
        );
        assert!(
            message.contains("the file defines: ci, staging"),
            "{message}"
        );
        let near = config
            .profile(Some("stagng"))
            .expect_err("unknown")
            .to_string();
        assert!(near.contains("did you mean `staging`?"), "{near}");

        let message = error("default_profile = \"prod\"\n[profiles.staging]\n");
        assert_names(&message, 1, "default_profile");
        assert!(message.contains("the file defines: staging"), "{message}");
    }

    #[test]
    fn bad_toml_syntax_names_file_and_line() {
        let message = error(&in_profile(
            "rate = 5.0\nbss_url = \"https://x\nconcurrency = 2",
        ));
        assert!(
            message.starts_with(&format!("{FILE}: line 3 column ")),
            "{message}"
        );
        assert!(message.contains("TOML syntax error"), "{message}");
        let message = error("[profiles.staging]\nrate = 1\nrate = 2\n");
        assert_names(&message, 3, "profiles.staging.rate");
        assert!(message.contains("line 3 column 1"), "{message}");
        assert!(message.contains("duplicate key `rate`"), "{message}");
        // A string that never ends is not blamed on the last line's key.
        let message = error("[profiles.staging]\nbss_url = \"\"\"x\nrate = 1\n");
        assert!(!message.contains("rate"), "{message}");
    }

    #[test]
    fn unknown_key_suggests_the_near_miss() {
        let message = error(&in_profile("rate = 1\npartnerid = \"0a1b\""));
        assert_names(&message, 3, "profiles.staging.partnerid");
        assert!(message.contains("did you mean `partner_id`?"), "{message}");
        assert!(message.contains("line 3 column 1"), "{message}");
        // Command-line spellings lead to the file's keys.
        let message = error(&in_profile("timeout = 10"));
        assert!(
            message.contains("did you mean `timeout_seconds`?"),
            "{message}"
        );
        let message = error(&in_profile("target = \"https://x\""));
        assert!(message.contains("did you mean `bss_url`?"), "{message}");
        // At the top level.
        let message = error("default-profile = \"staging\"\n[profiles.staging]\n");
        assert_names(&message, 1, "default-profile");
        assert!(
            message.contains("did you mean `default_profile`?"),
            "{message}"
        );
        let message = error("[staging]\nbss_url = \"https://x\"\n");
        assert_names(&message, 1, "staging");
        assert!(message.contains("[profiles.staging]"), "{message}");
        let message = error("bss_url = \"https://x\"\n[profiles.staging]\n");
        assert!(message.contains("belongs in a profile"), "{message}");
        let message = error("[profiles.staging]\nrate = 1\ndefault_profile = \"staging\"\n");
        assert_names(&message, 3, "profiles.staging.default_profile");
        assert!(
            message.contains("belongs at the top of the file"),
            "{message}"
        );
    }

    #[test]
    fn numbers_out_of_range_are_refused() {
        let message = error(&in_profile("rate = 0"));
        assert_names(&message, 2, "profiles.staging.rate");
        assert!(message.contains("line 2 column 8"), "{message}");
        assert!(message.contains("from 0.01 to 100000"), "{message}");
        for (body, key) in [
            ("rate = -1.5", "rate"),
            ("rate = 1e-300", "rate"),
            ("rate = nan", "rate"),
            ("rate = inf", "rate"),
            ("concurrency = 0", "concurrency"),
            ("concurrency = 5000", "concurrency"),
            ("timeout_seconds = 0", "timeout_seconds"),
            ("max_requests = -3", "max_requests"),
            ("max_duration_seconds = 0", "max_duration_seconds"),
        ] {
            let message = error(&in_profile(body));
            assert_names(&message, 2, &format!("profiles.staging.{key}"));
        }
    }

    #[test]
    fn wrong_types_are_refused() {
        let message = error(&in_profile("concurrency = \"2\""));
        assert_names(&message, 2, "profiles.staging.concurrency");
        assert!(
            message.contains(
                "must be a whole number of requests in flight (without quotes), found a string"
            ),
            "{message}"
        );
        let message = error(&in_profile("concurrency = 2.5"));
        assert!(message.contains("found a float"), "{message}");
        let message = error(&in_profile("insecure = \"true\""));
        assert_names(&message, 2, "profiles.staging.insecure");
        let message = error(&in_profile("operations = \"customers_v1\""));
        assert!(message.contains("an array of operation ids"), "{message}");
        let message = error("profiles = 3\n");
        assert_names(&message, 1, "profiles");
        let message = error("[profiles]\nstaging = 1\n");
        assert_names(&message, 2, "profiles.staging");
    }

    #[test]
    fn urls_must_be_http_with_a_host() {
        let message = error(&in_profile("bss_url = \"ftp://x\""));
        assert_names(&message, 2, "profiles.staging.bss_url");
        assert!(message.contains("http:// or https://"), "{message}");
        for url in [
            "https://",
            "https:///path",
            "http://:8080",
            "https://host:99999",
            "https://host?x=1",
            "https://ho st",
            "bss-staging.example.com",
        ] {
            let message = error(&in_profile(&format!("aicc_url = \"{url}\"")));
            assert_names(&message, 2, "profiles.staging.aicc_url");
        }
        for url in [
            "https://[::1]:8443/base",
            "http://localhost:8080",
            "https://h/a/b/",
        ] {
            let text = in_profile(&format!("bss_url = \"{url}\""));
            Config::parse(Path::new(FILE), &text).expect(url);
        }
    }

    #[test]
    fn credentials_in_a_url_are_refused_without_echo() {
        let message = error(&in_profile("bss_url = \"https://user:hunter2@host\""));
        assert_names(&message, 2, "profiles.staging.bss_url");
        assert!(!message.contains("hunter2"), "{message}");
        assert!(message.contains("HUAWEICLOUD_TOKEN"), "{message}");
    }

    #[test]
    fn operations_must_be_known() {
        let message = error(&in_profile("operations = [\"customers\"]"));
        assert_names(&message, 2, "profiles.staging.operations[0]");
        assert!(message.contains("line 2 column 15"), "{message}");
        assert!(
            message.contains("did you mean `customers_v1`?"),
            "{message}"
        );
        assert!(
            message.contains("customers_v1, budget_v1, aicc_tenant"),
            "{message}"
        );
        let message = error(&in_profile("operations = [\"budget_v1\", \"budget_v1\"]"));
        assert_names(&message, 2, "profiles.staging.operations[1]");
        let message = error(&in_profile("operations = []"));
        assert_names(&message, 2, "profiles.staging.operations");
        let message = error(&in_profile("operations = [1]"));
        assert_names(&message, 2, "profiles.staging.operations[0]");
    }

    #[test]
    fn auth_is_token_or_aksk() {
        let message = error(&in_profile("auth = \"basic\""));
        assert_names(&message, 2, "profiles.staging.auth");
        assert!(message.contains("\"token\" or \"aksk\""), "{message}");
        assert!(
            !message.contains("basic"),
            "values are not echoed: {message}"
        );
        let message = error(&in_profile("auth = \"Token\""));
        assert!(message.contains("did you mean \"token\"?"), "{message}");
        assert_eq!("aksk".parse::<AuthScheme>(), Ok(AuthScheme::Aksk));
        assert_eq!("token".parse::<AuthScheme>(), Ok(AuthScheme::Token));
        assert!("AKSK".parse::<AuthScheme>().is_err());
    }

    #[test]
    fn secret_keys_are_refused_without_echoing_the_value() {
        let cases = [
            (
                in_profile("token = \"abc123\""),
                2,
                "profiles.staging.token",
            ),
            // Secrets win over any other error, wherever they are.
            (
                "[profiles.staging]\nrate = 0\nHUAWEICLOUD_SDK_AK = \"abc123\"\n".to_string(),
                3,
                "profiles.staging.HUAWEICLOUD_SDK_AK",
            ),
            (in_profile("sk = 'abc123'"), 2, "profiles.staging.sk"),
            (
                in_profile("aicc_token = \"abc123\""),
                2,
                "profiles.staging.aicc_token",
            ),
            (
                in_profile("Password = \"abc123\""),
                2,
                "profiles.staging.Password",
            ),
            (
                in_profile("clientSecret = \"abc123\""),
                2,
                "profiles.staging.clientSecret",
            ),
            (
                in_profile("[profiles.staging.headers]\nX-Auth-Token = \"abc123\""),
                3,
                "profiles.staging.headers.X-Auth-Token",
            ),
            ("token = \"abc123\"\n".to_string(), 1, "token"),
            (
                "[profiles]\nak = \"abc123\"\n".to_string(),
                2,
                "profiles.ak",
            ),
            // A syntax error on a secret's line is still reported as the secret.
            (in_profile("token = abc123"), 2, "profiles.staging.token"),
            (
                in_profile("secret = \"abc123"),
                2,
                "profiles.staging.secret",
            ),
        ];
        for (text, line, key) in cases {
            let message = error(&text);
            assert_names(&message, line, key);
            assert!(!message.contains("abc123"), "value echoed: {message}");
            for variable in ["HUAWEICLOUD_TOKEN", "AICC_TOKEN", AK_ENV, SK_ENV] {
                assert!(message.contains(variable), "{variable}: {message}");
            }
        }
    }

    #[test]
    fn known_keys_and_profile_names_are_not_secrets() {
        for key in PROFILE_KEYS.iter().chain(TOP_KEYS.iter()) {
            assert!(!is_secret_key(key), "{key}");
        }
        for key in ["task", "disk_path", "peak_rate", "mask", "breakage"] {
            assert!(!is_secret_key(key), "{key}");
        }
        let config = Config::parse(
            Path::new(FILE),
            "[profiles.aksk]\nauth = \"aksk\"\n[profiles.token]\n",
        )
        .expect("profile names are not secrets");
        assert_eq!(config.profiles.len(), 2);
    }

    #[test]
    fn other_checks() {
        let message = error("default_profile = \"x\"\n");
        assert!(message.contains("`profiles`"), "{message}");
        assert!(message.contains("no profile"), "{message}");
        let message = error("[profiles]\n");
        assert_names(&message, 1, "profiles");
        let message = error(&in_profile("ca_cert = \"ca.pem\"\ninsecure = true"));
        assert_names(&message, 2, "profiles.staging.ca_cert");
        let message = error(&in_profile("partner_id = \"../other\""));
        assert_names(&message, 2, "profiles.staging.partner_id");
        assert!(!message.contains("../other"), "{message}");
        let message = error(&in_profile("baseline = \"\""));
        assert_names(&message, 2, "profiles.staging.baseline");
        let message = error("[profiles.\"\"]\nrate = 1\n");
        assert!(message.contains("line 1 column"), "{message}");
    }

    #[test]
    fn load_reads_files_and_names_the_missing_one() {
        let dir = temp_dir("load");
        let missing = dir.join("nope.toml");
        let message = Config::load(&missing).expect_err("missing").to_string();
        assert!(
            message.starts_with(&format!("{}: read: ", missing.display())),
            "{message}"
        );
        let good = dir.join("pc.toml");
        std::fs::write(&good, GOOD).expect("write");
        let config = Config::load(&good).expect("valid");
        assert_eq!(
            config.profiles["staging"].ca_cert,
            Some(dir.join("certs/staging-ca.pem"))
        );
        let latin1 = dir.join("latin1.toml");
        std::fs::write(&latin1, b"[profiles.a]\n# caf\xe9\n").expect("write");
        let message = Config::load(&latin1).expect_err("not UTF-8").to_string();
        assert!(message.contains("line 2 column 6"), "{message}");
        std::fs::remove_dir_all(&dir).expect("clean up");
    }

    #[test]
    fn discover_finds_the_default_file_or_nothing() {
        let dir = temp_dir("discover");
        assert_eq!(discover_in(&dir, None).expect("no file is fine"), None);
        let message = discover_in(&dir, Some(Path::new("other.toml")))
            .expect_err("an explicit file must exist")
            .to_string();
        assert!(message.contains("other.toml: read: "), "{message}");
        std::fs::write(dir.join(DEFAULT_FILE), GOOD).expect("write");
        let config = discover_in(&dir, None).expect("valid").expect("found");
        assert_eq!(config.file, dir.join(DEFAULT_FILE));
        std::fs::remove_dir_all(&dir).expect("clean up");
        // The working directory of the tests (the crate root) has no config file.
        if !Path::new(DEFAULT_FILE).exists() {
            assert_eq!(Config::discover(None).expect("no file is fine"), None);
        }
    }

    #[test]
    fn describe_lists_needed_variables_without_values() {
        let text = format!(
            "{GOOD}\n[profiles.aicc]\noperations = [\"aicc_tenant\"]\nbss_url = \"https://b.example.com\"\n"
        );
        let config = Config::parse(Path::new("pc.toml"), &text).expect("valid");
        let set = |name: &str| name == "HUAWEICLOUD_TOKEN" || name == AK_ENV;
        let spec = Spec::embedded().expect("embedded schemas load");
        let text = config.describe(&spec, &set);
        assert!(
            text.starts_with("pc.toml: 3 profiles, default `staging`\n"),
            "{text}"
        );
        assert!(text.contains("profile `staging` (default)\n"), "{text}");
        assert!(
            text.contains("environment          HUAWEICLOUD_TOKEN (set)\n"),
            "staging runs BSS operations only: {text}"
        );
        assert!(
            text.contains(
                "AICC_TOKEN (NOT SET), HUAWEICLOUD_SDK_AK (set), HUAWEICLOUD_SDK_SK (NOT SET)"
            ),
            "ci is aksk and runs every operation: {text}"
        );
        assert!(
            text.contains("environment          AICC_TOKEN (NOT SET)\n"),
            "aicc runs aicc_tenant only: {text}"
        );
        assert!(
            text.contains("aicc_url             (same as bss_url)"),
            "{text}"
        );
        assert!(text.contains("0a1b2c3d4e5f60718293a4b5c6d7e8f9"), "{text}");
        assert_eq!(
            config.profiles["ci"].required_env(&spec, &set),
            ["AICC_TOKEN", AK_ENV, SK_ENV]
        );
    }
}
