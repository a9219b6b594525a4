//! Which build of the tool, and which contract, produced an output: the crate version, the git
//! commit when built from a checkout (recorded by `build.rs`), and the SHA-256 of the schema
//! files. A report read weeks later, or attached to a change request, says what judged the
//! target; `--version` prints the same three. The main type is [`ToolInfo`].

use serde::{Deserialize, Serialize};

/// The crate version (`Cargo.toml`).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// How many hex digits of the schemas hash a one-line summary shows: enough to tell two
/// contracts apart by eye; the JSON report and `--version` carry all of it.
pub const SHORT_HASH_DIGITS: usize = 12;

/// The short git commit the binary was built from; `None` when it was not built from a git
/// checkout (a tarball, a vendored copy, no git on the build machine).
pub fn commit() -> Option<&'static str> {
    option_env!("PARTNER_CONFORMANCE_COMMIT").filter(|c| !c.is_empty())
}

/// Version, commit and schemas hash, as every report records them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolInfo {
    /// The crate version.
    pub version: String,
    /// The short git commit, when built from a checkout; null otherwise.
    pub commit: Option<String>,
    /// SHA-256 (lowercase hex) of the schema files the run used (`--schemas` or the embedded
    /// ones), see [`crate::spec::sources_sha256`].
    pub schemas_sha256: String,
}

impl ToolInfo {
    /// This build, judging with the contract whose hash is `schemas_sha256`.
    pub fn new(schemas_sha256: &str) -> ToolInfo {
        ToolInfo {
            version: VERSION.to_string(),
            commit: commit().map(str::to_string),
            schemas_sha256: schemas_sha256.to_string(),
        }
    }

    /// This build with the embedded contract: what `--version` describes.
    pub fn embedded() -> ToolInfo {
        ToolInfo::new(&crate::spec::embedded_sha256())
    }

    /// One short line for a human summary:
    /// `partner-conformance 0.1.0 (commit c8d6f78, schemas sha256 1a2b3c4d5e6f)`.
    pub fn line(&self) -> String {
        let short: String = self
            .schemas_sha256
            .chars()
            .take(SHORT_HASH_DIGITS)
            .collect();
        match &self.commit {
            Some(commit) => format!(
                "partner-conformance {} (commit {commit}, schemas sha256 {short})",
                self.version
            ),
            None => format!(
                "partner-conformance {} (schemas sha256 {short})",
                self.version
            ),
        }
    }

    /// The text of `--version` after the program name: the version, then the commit and the
    /// full schemas hash on their own lines.
    pub fn long_version(&self) -> String {
        format!(
            "{}\ncommit: {}\nschemas sha256: {}",
            self.version,
            self.commit
                .as_deref()
                .unwrap_or("unknown (not built from a git checkout)"),
            self.schemas_sha256
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_names_version_commit_and_a_short_hash() {
        let info = ToolInfo {
            version: "1.2.3".into(),
            commit: Some("abc1234".into()),
            schemas_sha256: "0123456789abcdef".repeat(4),
        };
        assert_eq!(
            info.line(),
            "partner-conformance 1.2.3 (commit abc1234, schemas sha256 0123456789ab)"
        );
        let tarball = ToolInfo {
            commit: None,
            ..info
        };
        assert_eq!(
            tarball.line(),
            "partner-conformance 1.2.3 (schemas sha256 0123456789ab)"
        );
        assert!(tarball.long_version().contains("commit: unknown"));
    }

    #[test]
    fn the_schemas_hash_does_not_depend_on_the_order_of_the_files() {
        let a = ("a.json".to_string(), "{}".to_string());
        let b = ("b.json".to_string(), "[]".to_string());
        let one = crate::spec::sources_sha256(&[a.clone(), b.clone()]);
        assert_eq!(one, crate::spec::sources_sha256(&[b.clone(), a.clone()]));
        assert_eq!(one.len(), 64);
        // Moving a byte from one file to the next is a different contract.
        let moved = [
            ("a.json".to_string(), "{}[".to_string()),
            ("b.json".to_string(), "]".to_string()),
        ];
        assert_ne!(one, crate::spec::sources_sha256(&moved));
    }
}
