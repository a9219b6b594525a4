//! Build script. Rebuilds the crate when a file under `schemas/`, `cases/` or the mock's data is
//! added, removed or changed: they are embedded with include_dir, which Cargo cannot see by
//! itself. And records the git commit the binary is built from, so every report and
//! `--version` can say which build produced them (issue #16, item 6).
//!
//! The commit is taken only when the crate itself is a git checkout (its top level is this
//! directory): a tarball, a vendored copy or a build without git gets no commit, not the commit of
//! whatever repository happens to contain it. The script reruns only when `HEAD` or the ref it
//! points to moves (and when this file changes), not on every edit of the sources.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The variable the crate reads with `option_env!`; empty when there is no commit to record.
const COMMIT_VARIABLE: &str = "PARTNER_CONFORMANCE_COMMIT";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    for dir in ["schemas", "cases", "src/mock/data"] {
        println!("cargo:rerun-if-changed={dir}");
    }
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let commit = commit(&manifest_dir).unwrap_or_default();
    println!("cargo:rustc-env={COMMIT_VARIABLE}={commit}");
}

/// The short commit of `HEAD`, when `dir` is the top level of a git checkout and git runs; also
/// tells cargo which files to watch so that a new commit rebuilds the binary.
fn commit(dir: &Path) -> Option<String> {
    let toplevel = git(dir, &["rev-parse", "--show-toplevel"])?;
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if !same(Path::new(&toplevel), dir) {
        return None;
    }
    let commit = git(dir, &["rev-parse", "--short", "HEAD"])?;
    // HEAD itself (a checkout of another branch), the branch it points to (a new commit), and
    // packed-refs (where the branch lives once git packs it). Worktrees keep HEAD apart from the
    // shared refs, so each path comes from git rather than from `.git/`.
    let mut watched = vec!["HEAD".to_string(), "packed-refs".to_string()];
    if let Some(branch) = git(dir, &["symbolic-ref", "-q", "HEAD"]) {
        watched.push(branch);
    }
    for name in watched {
        if let Some(path) = git(dir, &["rev-parse", "--git-path", &name]) {
            let path = dir.join(path);
            // A path that does not exist would make cargo rerun the script on every build.
            if path.exists() {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
    }
    Some(commit)
}

/// Runs git in `dir`; its trimmed output when it succeeds with some.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    let text = String::from_utf8(output.stdout).ok()?.trim().to_string();
    (output.status.success() && !text.is_empty()).then_some(text)
}
