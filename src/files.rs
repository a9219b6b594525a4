//! The files the suite reads and writes. Reads are bounded: every input (config, baseline,
//! fixtures, recordings, kept seeds, run directories, CA bundles, schemas) is named by a user or
//! sits in a folder a user controls, and a path to `/dev/zero`, a symbolic link to it, or a
//! runaway file must end in an error naming the file, not in memory growing until the machine
//! kills us. Writes are atomic: a reader (another run, a CI step) sees the old file or the new
//! one, never half of one, whatever interrupts the writer.

use std::io::Read;
use std::path::Path;

/// Why a bounded read failed; the message reads after the file's name.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file does not exist (callers that treat absence as "nothing yet" match on this).
    #[error("no such file")]
    NotFound,
    /// A device such as `/dev/zero`: endless, never an input file.
    #[error("not a regular file (a device or a pipe, perhaps through a symbolic link)")]
    NotAFile,
    /// A directory where a file was expected.
    #[error("a directory, not a file")]
    Directory,
    /// Over the limit given by the caller.
    #[error("larger than {limit} bytes, the most read for {what}")]
    TooLarge {
        /// The bound, in bytes.
        limit: u64,
        /// What kind of file it was meant to be.
        what: &'static str,
    },
    /// Text expected, other bytes found.
    #[error("not valid UTF-8 at line {line} column {column}")]
    NotUtf8 {
        /// 1-based line of the first bad byte.
        line: usize,
        /// 1-based column (in characters) of the first bad byte.
        column: usize,
    },
    /// Any other I/O failure.
    #[error("cannot read it: {0}")]
    Io(std::io::Error),
}

/// Reads at most `limit` bytes of `path`; refuses devices, directories and larger files.
/// `what` names the kind of file in the error ("a baseline file").
pub fn read_bytes(path: &Path, limit: u64, what: &'static str) -> Result<Vec<u8>, ReadError> {
    let mut bytes = Vec::new();
    open_bounded(path, limit, what)?
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge { limit, what });
    }
    Ok(bytes)
}

/// Opens `path` to be read as a stream, refused as [`read_bytes`] refuses it (before a byte is
/// read); the reader ends after `limit + 1` bytes, so a caller that gets that many knows the
/// file grew past its bound while it was read.
pub fn open_bounded(
    path: &Path,
    limit: u64,
    what: &'static str,
) -> Result<std::io::Take<std::fs::File>, ReadError> {
    let metadata = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ReadError::NotFound,
        _ => ReadError::Io(e),
    })?;
    let kind = metadata.file_type();
    if kind.is_dir() {
        return Err(ReadError::Directory);
    }
    // A device never ends and a pipe may never be written to (opening it blocks): neither is
    // an input file.
    if !kind.is_file() {
        return Err(ReadError::NotAFile);
    }
    if metadata.len() > limit {
        return Err(ReadError::TooLarge { limit, what });
    }
    std::fs::File::open(path)
        .map(|f| f.take(limit.saturating_add(1)))
        .map_err(ReadError::Io)
}

/// [`read_bytes`] for UTF-8 text; a byte-order mark is kept for the parser to handle.
pub fn read_text(path: &Path, limit: u64, what: &'static str) -> Result<String, ReadError> {
    let bytes = read_bytes(path, limit, what)?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let prefix = String::from_utf8_lossy(&e.as_bytes()[..valid]);
        let line = prefix.matches('\n').count() + 1;
        let column = prefix.rsplit('\n').next().unwrap_or("").chars().count() + 1;
        ReadError::NotUtf8 { line, column }
    })
}

/// Writes `contents` to `path` through a temporary file in the same folder, flushed to disk and
/// then renamed over `path`: readers see the old file or the new one, never a part. Missing
/// folders are created. A symbolic link is followed (its target is replaced, the link kept);
/// something that is not a regular file (`/dev/stdout`, a pipe) is written directly, since it
/// cannot be replaced.
pub fn write_atomic(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    write_atomic_with(path, &mut |out| out.write_all(contents))
}

/// [`write_atomic`] for contents written piece by piece by `fill` (a log too large to hold as
/// one string), buffered.
pub fn write_atomic_with(
    path: &Path,
    fill: &mut dyn FnMut(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    use std::io::Write as _;
    let (target, existing) = match std::fs::metadata(path) {
        Ok(meta) if !meta.is_file() => {
            let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
            fill(&mut out)?;
            return out.flush();
        }
        Ok(meta) => (std::fs::canonicalize(path)?, Some(meta.permissions())),
        Err(_) => (path.to_path_buf(), None),
    };
    let folder = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    std::fs::create_dir_all(&folder)?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".partner-conformance-").suffix(".tmp");
    // Temporary files are private by default, which a CI artifact upload running as another
    // user could not read: a new file gets what a plain write gives (0666 less the umask).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let file = builder.tempfile_in(&folder)?;
    // A replaced file keeps its own permissions.
    if let Some(permissions) = existing {
        file.as_file().set_permissions(permissions)?;
    }
    let mut out = std::io::BufWriter::new(file);
    fill(&mut out)?;
    let file = out.into_inner().map_err(|e| e.into_error())?;
    file.as_file().sync_all()?;
    file.persist(&target).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_directories_and_large_files_are_refused() {
        if Path::new("/dev/zero").exists() {
            assert!(matches!(
                read_bytes(Path::new("/dev/zero"), 10, "a test file"),
                Err(ReadError::NotAFile)
            ));
        }
        let dir = std::env::temp_dir().join(format!("pc-bounded-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert!(matches!(
            read_bytes(&dir, 10, "a test file"),
            Err(ReadError::Directory)
        ));
        let file = dir.join("f");
        std::fs::write(&file, b"0123456789ab").unwrap();
        let err = read_bytes(&file, 10, "a test file").unwrap_err();
        assert_eq!(
            err.to_string(),
            "larger than 10 bytes, the most read for a test file"
        );
        assert_eq!(read_bytes(&file, 12, "a test file").unwrap().len(), 12);
        std::fs::write(&file, b"ok\nab\xff").unwrap();
        assert_eq!(
            read_text(&file, 100, "a test file")
                .unwrap_err()
                .to_string(),
            "not valid UTF-8 at line 2 column 3"
        );
        assert!(matches!(
            read_bytes(&dir.join("missing"), 10, "a test file"),
            Err(ReadError::NotFound)
        ));
        write_atomic(&dir.join("sub/new.txt"), b"whole").unwrap();
        assert_eq!(std::fs::read(dir.join("sub/new.txt")).unwrap(), b"whole");
        assert!(
            write_atomic(&dir, b"x").is_err(),
            "a directory is not replaced"
        );
        let left: Vec<_> = std::fs::read_dir(dir.join("sub")).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file left behind");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
