//! Getting what a run produced onto disk without losing any of it. Every output path is checked
//! before the run sends anything ([`check_outputs`]): a directory where a file goes, a folder
//! that cannot be written, two outputs on one path or one output inside another's directory are
//! refused while refusing costs nothing. Each file is written to a temporary file beside it and
//! renamed into place ([`write_atomic`]), a directory is filled beside its place and renamed
//! into it ([`publish_dir`]), so a full disk leaves the previous file or nothing, never half a
//! report. A write that still fails (the disk filled up during the run) costs that one output:
//! the [`Publisher`] says so on stderr and in the other reports, which it still writes, and the
//! exit code cannot stay 0.

use super::{Report, ReportRequest};
use crate::exit::RunVerdict;
pub use crate::files::write_atomic;
use std::path::{Component, Path, PathBuf};

/// The file a run directory is recognised by (it may be replaced by a new run's).
const RUN_MARKER: &str = "run.json";

/// What kind of thing an output path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputKind {
    /// One file, replaced as a whole.
    File,
    /// A run directory: new, empty, or a previous run's (then replaced as a whole).
    RunDir,
    /// A directory files are added to (`--record`).
    Dir,
}

/// One path the run will write, with the option that asked for it (for the messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// The option, as the user typed it: `--report junit`, `--request-log`...
    pub option: String,
    /// The path given.
    pub path: PathBuf,
    /// File or directory.
    pub kind: OutputKind,
}

impl Output {
    /// An output of `kind` at `path`, asked for by `option`.
    pub fn new(option: impl Into<String>, path: &Path, kind: OutputKind) -> Output {
        Output {
            option: option.into(),
            path: path.to_path_buf(),
            kind,
        }
    }
}

/// Checks every output before the run: each can be written, and no two collide. The error is
/// one sentence naming the option and the path.
pub fn check_outputs(outputs: &[Output]) -> Result<(), String> {
    collisions_or_unwritable(outputs).map_err(|why| format!("{why}; nothing was sent"))
}

/// The first reason the outputs cannot all be written, if there is one.
fn collisions_or_unwritable(outputs: &[Output]) -> Result<(), String> {
    let resolved: Vec<PathBuf> = outputs.iter().map(|o| resolve(&o.path)).collect();
    for (i, output) in outputs.iter().enumerate() {
        for (j, other) in outputs.iter().enumerate().take(i) {
            if resolved[i] == resolved[j] {
                return Err(format!(
                    "{} and {} both write {}: give each output its own path",
                    other.option,
                    output.option,
                    output.path.display()
                ));
            }
        }
        for (j, other) in outputs.iter().enumerate() {
            if resolved[i] != resolved[j] && resolved[i].starts_with(&resolved[j]) {
                return Err(format!(
                    "{} {} is inside {} {}: give it a path of its own",
                    output.option,
                    output.path.display(),
                    other.option,
                    other.path.display()
                ));
            }
        }
        check_one(output)
            .map_err(|why| format!("{} {}: {why}", output.option, output.path.display()))?;
    }
    Ok(())
}

/// Whether `path` is a FIFO made with `mkfifo` (not a process's own stream under `/dev` or
/// `/proc`).
fn is_named_pipe(path: &Path, meta: &std::fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        meta.file_type().is_fifo() && !path.starts_with("/dev") && !path.starts_with("/proc")
    }
    #[cfg(not(unix))]
    {
        let _ = (path, meta);
        false
    }
}

/// Whether one output can be written; the error says why not.
fn check_one(output: &Output) -> Result<(), String> {
    let path = &output.path;
    match (std::fs::metadata(path), output.kind) {
        (Ok(meta), OutputKind::File) if meta.is_dir() => {
            return Err("is a directory, not a file".into())
        }
        (Ok(meta), OutputKind::RunDir | OutputKind::Dir) if !meta.is_dir() => {
            return Err("exists and is not a folder".into())
        }
        (Ok(_), OutputKind::RunDir) if !is_replaceable_run_dir(path) => {
            return Err(format!(
                "holds files that are not a run directory's (no {RUN_MARKER}): choose a new or empty directory"
            ))
        }
        // A named pipe in the file system blocks the run until someone reads it (and a signal
        // cannot end that wait): refused. `/dev/stdout` and `/dev/fd/N` are written directly.
        (Ok(meta), OutputKind::File) if is_named_pipe(path, &meta) => {
            return Err("is a named pipe: write to a file, or to /dev/stdout".into())
        }
        (Ok(meta), OutputKind::File) if !meta.is_file() => return Ok(()),
        _ => {}
    }
    // A file or a run directory is created beside its place (a link's target's place), so
    // that folder must take new files; a directory added to must itself take them.
    let folder = match output.kind {
        OutputKind::Dir if path.is_dir() => path.clone(),
        OutputKind::File => {
            parent_of(&std::fs::canonicalize(path).unwrap_or_else(|_| path.clone()))
        }
        _ => parent_of(path),
    };
    let existing = folder
        .ancestors()
        .find(|a| std::fs::symlink_metadata(a).is_ok())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    if !existing.is_dir() {
        return Err(format!("{} is not a directory", existing.display()));
    }
    tempfile::Builder::new()
        .prefix(".partner-conformance-check")
        .tempfile_in(&existing)
        .map(drop)
        .map_err(|e| format!("cannot write in {}: {e}", existing.display()))
}

/// A run directory may be replaced when it is empty or holds a previous run.
fn is_replaceable_run_dir(path: &Path) -> bool {
    path.join(RUN_MARKER).is_file()
        || std::fs::read_dir(path).is_ok_and(|mut entries| entries.next().is_none())
}

/// The folder a path is in (`.` for a bare file name).
fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// A path as the file system will see it: absolute, `.` and `..` resolved, and its existing
/// part with symbolic links followed, so `out.json`, `./out.json` and a link to it compare equal
/// (a link to a file not written yet included: it is where the write would land).
fn resolve(path: &Path) -> PathBuf {
    resolve_within(path, 8)
}

fn resolve_within(path: &Path, links: u8) -> PathBuf {
    if links > 0 && std::fs::canonicalize(path).is_err() {
        if let Ok(target) = std::fs::read_link(path) {
            let beside = path.parent().unwrap_or(Path::new("")).join(target);
            return resolve_within(&beside, links - 1);
        }
    }
    let absolute = std::env::current_dir()
        .map(|cwd| cwd.join(path))
        .unwrap_or_else(|_| path.to_path_buf());
    let mut lexical = PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                lexical.pop();
            }
            other => lexical.push(other),
        }
    }
    let mut rest = Vec::new();
    let mut existing = lexical.as_path();
    loop {
        if let Ok(real) = std::fs::canonicalize(existing) {
            return rest.iter().rev().fold(real, |acc, part| acc.join(part));
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return lexical,
        }
    }
}

/// Creates the directory `dest` with `fill`, which is given a fresh directory beside it: `dest`
/// appears complete or not at all. A previous run directory at `dest` is replaced (after the
/// new one is complete); an empty directory is taken over.
pub fn publish_dir<T>(
    dest: &Path,
    fill: impl FnOnce(&Path) -> std::io::Result<T>,
) -> std::io::Result<T> {
    let folder = parent_of(dest);
    std::fs::create_dir_all(&folder)?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".partner-conformance-");
    // As for files: what a plain create gives (0777 less the umask), not a private directory.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o777));
    }
    let fresh = builder.tempdir_in(&folder)?;
    let value = fill(fresh.path())?;
    let fresh = fresh.keep();
    let previous = if dest.exists() {
        let aside = tempfile::Builder::new()
            .prefix(".partner-conformance-old-")
            .tempdir_in(&folder)?
            .keep();
        std::fs::rename(dest, &aside)?;
        Some(aside)
    } else {
        None
    };
    if let Err(error) = std::fs::rename(&fresh, dest) {
        if let Some(aside) = &previous {
            let _ = std::fs::rename(aside, dest);
        }
        let _ = std::fs::remove_dir_all(&fresh);
        return Err(error);
    }
    if let Some(aside) = previous {
        std::fs::remove_dir_all(aside)?;
    }
    Ok(value)
}

/// Writes a run's outputs, keeping the exit code honest when one of them fails: the failure is
/// said on stderr and in the report's notes, the other outputs are still written (and agree with
/// the summary printed afterwards), and the exit code follows [`RunVerdict::code`].
#[derive(Debug)]
pub struct Publisher {
    verdict: RunVerdict,
}

impl Publisher {
    /// Starts publishing `report`, whose exit code is set from `verdict`.
    pub fn new(verdict: RunVerdict, report: &mut Report) -> Publisher {
        report.summary.exit_code = verdict.code();
        Publisher { verdict }
    }

    /// The exit code after what was written so far.
    pub fn exit_code(&self) -> i32 {
        self.verdict.code()
    }

    /// Records that an output was not written: `what` names it, `error` says why.
    pub fn failed(&mut self, report: &mut Report, what: &str, error: &dyn std::fmt::Display) {
        let line = format!("{what} was not written: {error}");
        eprintln!("error: {line}");
        report.summary.notes.push(line);
        self.verdict.output_failed = true;
        report.summary.exit_code = self.verdict.code();
    }

    /// Writes one file atomically and redacted ([`crate::secret::write_file`]); a failure is
    /// recorded, and a previous file at its place is removed, so that no report of an earlier
    /// run is read as this run's.
    pub fn file(&mut self, report: &mut Report, path: &Path, contents: &str) -> bool {
        match crate::secret::write_file(path, contents) {
            Ok(()) => true,
            Err(error) => {
                let stale = std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file())
                    && std::fs::remove_file(path).is_ok();
                let removed = if stale {
                    " (the previous file there was removed: it was an earlier run's)"
                } else {
                    ""
                };
                let what = path.display().to_string();
                self.failed(report, &what, &format_args!("{error}{removed}"));
                false
            }
        }
    }

    /// Writes a file of many lines as [`Publisher::file`] does, streaming them (the request
    /// log of a long run); `lines` is the reason the lines could not be had, if so.
    pub fn lines(
        &mut self,
        report: &mut Report,
        path: &Path,
        lines: Result<crate::client::SortedLines, String>,
    ) -> bool {
        let written = lines
            .map_err(std::io::Error::other)
            .and_then(|mut lines| crate::secret::write_lines(path, &mut lines));
        match written {
            Ok(()) => true,
            Err(error) => {
                let _ = std::fs::remove_file(path);
                let what = path.display().to_string();
                self.failed(report, &what, &error);
                false
            }
        }
    }

    /// Writes every requested report, the migration table (`table`, with its renderer) and,
    /// inside GitHub Actions (`github`), the step summary; then prints the annotations. When
    /// one write fails, those already done are done again, so every report that exists names
    /// the failure and carries the final exit code.
    pub fn reports(
        &mut self,
        report: &mut Report,
        requests: &[ReportRequest],
        table: Option<(&Path, Render)>,
        github: Option<&super::github::Actions>,
    ) {
        let outputs: Vec<(&Path, Render)> = requests
            .iter()
            .map(|r| (r.path.as_path(), super::renderer(r.format)))
            .chain(table)
            .collect();
        let mut written = Vec::new();
        for (path, render) in &outputs {
            let text = render(report);
            if self.file(report, path, &text) {
                written.push((path, render));
            }
        }
        let summary = github.filter(|actions| actions.summary.is_some());
        let mut summary_written = false;
        if let Some(actions) = summary {
            match actions.write_summary(report) {
                Ok(()) => summary_written = true,
                Err(error) => self.failed(report, "the GitHub step summary", &error),
            }
        }
        if written.len() < outputs.len() || (summary.is_some() && !summary_written) {
            for (path, render) in written {
                let text = render(report);
                self.file(report, path, &text);
            }
        }
        if let Some(actions) = github {
            actions.annotate(report);
        }
    }
}

/// Formats a report for one output.
pub type Render = fn(&Report) -> String;

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch() -> tempfile::TempDir {
        tempfile::tempdir().expect("a temporary directory")
    }

    #[test]
    fn atomic_writes_replace_whole_files_and_leave_nothing_beside_them() {
        let dir = scratch();
        let path = dir.path().join("sub/report.json");
        write_atomic(&path, b"first").unwrap();
        write_atomic(&path, b"second").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "second");
        let names: Vec<_> = std::fs::read_dir(dir.path().join("sub"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["report.json"]);
    }

    #[test]
    fn new_files_are_as_readable_as_a_plain_write_makes_them() {
        use std::os::unix::fs::PermissionsExt;
        let dir = scratch();
        let plain = dir.path().join("plain");
        std::fs::write(&plain, "x").unwrap();
        let atomic = dir.path().join("atomic");
        write_atomic(&atomic, b"x").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode();
        assert_eq!(mode(&atomic), mode(&plain));
        std::fs::set_permissions(&atomic, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&atomic, b"y").unwrap();
        assert_eq!(mode(&atomic) & 0o777, 0o640);
    }

    #[test]
    fn a_symbolic_link_is_followed_not_replaced() {
        let dir = scratch();
        let real = dir.path().join("real.xml");
        std::fs::write(&real, "old").unwrap();
        let link = dir.path().join("link.xml");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_atomic(&link, b"new").unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
    }

    #[test]
    fn collisions_and_unwritable_places_are_refused() {
        let dir = scratch();
        let a = dir.path().join("a.json");
        let dotted = dir.path().join(".").join("a.json");
        let err = check_outputs(&[
            Output::new("--report json", &a, OutputKind::File),
            Output::new("--request-log", &dotted, OutputKind::File),
        ])
        .unwrap_err();
        assert!(err.contains("both write"), "{err}");
        // A link to a file not written yet lands where its target is: the same output.
        let link = dir.path().join("b.json");
        std::os::unix::fs::symlink("a.json", &link).unwrap();
        let err = check_outputs(&[
            Output::new("--report json", &a, OutputKind::File),
            Output::new("--report junit", &link, OutputKind::File),
        ])
        .unwrap_err();
        assert!(err.contains("both write"), "{err}");
        let run = dir.path().join("run");
        let inside = run.join("report.xml");
        let err = check_outputs(&[
            Output::new("--run-dir", &run, OutputKind::RunDir),
            Output::new("--report junit", &inside, OutputKind::File),
        ])
        .unwrap_err();
        assert!(err.contains("is inside --run-dir"), "{err}");
        let err = check_outputs(&[Output::new("--report json", dir.path(), OutputKind::File)])
            .unwrap_err();
        assert!(err.contains("is a directory"), "{err}");
        std::fs::write(dir.path().join("busy"), "x").unwrap();
        let under_file = dir.path().join("busy/report.json");
        let err = check_outputs(&[Output::new("--report json", &under_file, OutputKind::File)])
            .unwrap_err();
        assert!(err.contains("is not a directory"), "{err}");
        let fine = dir.path().join("new/deeper/report.json");
        check_outputs(&[Output::new("--report json", &fine, OutputKind::File)]).unwrap();
        assert!(!dir.path().join("new").exists(), "checking creates nothing");
    }

    #[test]
    fn a_run_directory_is_replaced_whole_and_a_foreign_one_refused() {
        let dir = scratch();
        let run = dir.path().join("run");
        publish_dir(&run, |fresh| {
            std::fs::write(fresh.join(RUN_MARKER), "{}")?;
            std::fs::write(fresh.join("old-request.json"), "{}")
        })
        .unwrap();
        check_outputs(&[Output::new("--run-dir", &run, OutputKind::RunDir)]).unwrap();
        publish_dir(&run, |fresh| std::fs::write(fresh.join(RUN_MARKER), "{}")).unwrap();
        assert!(!run.join("old-request.json").exists());
        let entries = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(entries, 1, "nothing left beside the run directory");
        let failed = publish_dir(&dir.path().join("other"), |_| {
            Err::<(), _>(std::io::Error::other("disk full"))
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        let foreign = dir.path().join("photos");
        std::fs::create_dir(&foreign).unwrap();
        std::fs::write(foreign.join("cat.jpg"), "x").unwrap();
        let err =
            check_outputs(&[Output::new("--run-dir", &foreign, OutputKind::RunDir)]).unwrap_err();
        assert!(err.contains("not a run directory"), "{err}");
    }
}
