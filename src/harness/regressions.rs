//! Failing seeds kept between runs (`partner-conformance-runs/regressions/<operation>.json` by
//! default) and replayed first. A seed regenerates its case from the current schemas; a schema
//! change can make it stale, which is why findings also keep a concrete curl line.
//!
//! Several runs may share the folder (parallel CI jobs in one checkout): each keeps its seeds
//! under an advisory lock on `.lock` in the folder, reading and rewriting a file whole (through
//! a rename), so no run loses another's seeds and no reader sees half a file.

use crate::generate::Polarity;
use crate::spec::OperationId;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// One kept seed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Regression {
    /// `valid` or `invalid`.
    pub polarity: String,
    /// The per-case seed, 64 hex digits.
    pub seed: String,
    /// Why the case exists.
    pub scenario: String,
    /// The check that failed.
    pub check: String,
    /// The reproduce line when it was found (credentials as variables).
    pub reproduce: String,
}

impl Regression {
    /// The polarity and seed bytes, when well-formed.
    pub fn decode(&self) -> Option<(Polarity, [u8; 32])> {
        let polarity = match self.polarity.as_str() {
            "valid" => Polarity::Valid,
            "invalid" => Polarity::Invalid,
            _ => return None,
        };
        let bytes = hex::decode(&self.seed).ok()?;
        Some((polarity, bytes.try_into().ok()?))
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct RegressionFile {
    #[serde(default)]
    description: String,
    #[serde(default)]
    entries: Vec<Regression>,
}

/// The regression directory of a run.
#[derive(Debug)]
pub struct RegressionStore {
    dir: Option<PathBuf>,
    lock: Mutex<()>,
}

impl RegressionStore {
    /// A store in `dir`; `None` keeps nothing.
    pub fn new(dir: Option<PathBuf>) -> Self {
        RegressionStore {
            dir,
            lock: Mutex::new(()),
        }
    }

    fn path(&self, op: OperationId) -> Option<PathBuf> {
        self.dir.as_ref().map(|d| d.join(format!("{op}.json")))
    }

    /// The kept seeds of an operation. A malformed file is an error naming it.
    pub fn load(&self, op: OperationId) -> Result<Vec<Regression>, String> {
        let Some(path) = self.path(op) else {
            return Ok(Vec::new());
        };
        read(&path).map(|f| f.entries)
    }

    /// Keeps a new failing seed (once).
    pub fn keep(&self, op: OperationId, regression: Regression) -> Result<(), String> {
        let Some(path) = self.path(op) else {
            return Ok(());
        };
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        // Held until the end of this call: other processes keeping seeds here wait for it.
        let lock_path = dir.join(".lock");
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| format!("{}: {e}", lock_path.display()))?;
        lock.lock()
            .map_err(|e| format!("{}: {e}", lock_path.display()))?;
        let mut file = read(&path)?;
        if file.entries.iter().any(|e| e.seed == regression.seed) {
            return Ok(());
        }
        if file.description.is_empty() {
            file.description = format!(
                "Failing seeds of {op} kept by `partner-conformance run` and replayed first. Delete an entry once the drift is fixed."
            );
        }
        file.entries.push(regression);
        let text = serde_json::to_string_pretty(&file).map_err(|e| e.to_string())?;
        crate::secret::write_file(&path, &(text + "\n"))
            .map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// Largest file of kept seeds read (a few hundred bytes a seed).
const MAX_FILE_BYTES: u64 = 16 << 20;

fn read(path: &Path) -> Result<RegressionFile, String> {
    match crate::files::read_text(path, MAX_FILE_BYTES, "a file of kept seeds") {
        Ok(text) => serde_json::from_str(&text).map_err(|e| {
            format!(
                "{}: line {} column {}: {e}",
                path.display(),
                e.line(),
                e.column()
            )
        }),
        Err(crate::files::ReadError::NotFound) => Ok(RegressionFile::default()),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}
