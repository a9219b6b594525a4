//! [`ConfigError`], and the key path (`profiles.staging.rate`) every error names.

use std::fmt;

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

/// The path of a key for messages: `profiles.staging.operations[0]`.
#[derive(Debug, Clone, Default)]
pub(super) struct KeyPath(pub(super) Vec<String>);

impl KeyPath {
    /// The top of the file.
    pub(super) fn root() -> KeyPath {
        KeyPath(Vec::new())
    }

    /// The key `key` under this one, quoted when it is not a bare TOML key.
    pub(super) fn child(&self, key: &str) -> KeyPath {
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

    /// Element `i` of the array at this key.
    pub(super) fn index(&self, i: usize) -> KeyPath {
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
