//! `--request-log`: one line per request sent, sorted at the end (concurrency varies the sending
//! order; the set of requests does not, which is what makes two runs with one seed comparable).
//! A run of millions of cases must not hold millions of lines: every [`CHUNK`] lines are sorted
//! and moved to a temporary file, and the sorted log is a merge of those files, read line by
//! line.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::{BufRead, BufReader, Seek, Write};
use std::sync::Mutex;

/// Lines held in memory before they are sorted and moved to a temporary file.
const CHUNK: usize = 50_000;

/// The log's lines in order, read as they are consumed.
pub type SortedLines = Box<dyn Iterator<Item = String>>;

/// The lines of a run's requests, in memory up to [`CHUNK`], on disk beyond.
#[derive(Debug, Default)]
pub struct RequestLog {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    lines: Vec<String>,
    spilled: Vec<std::fs::File>,
    /// Why a chunk could not be moved to disk, if one could not (the log is then incomplete).
    error: Option<String>,
}

impl RequestLog {
    /// Keeps one line (no credentials: the caller writes none).
    pub fn push(&self, line: String) {
        let chunk = {
            let Ok(mut state) = self.state.lock() else {
                return;
            };
            state.lines.push(line);
            if state.lines.len() < CHUNK {
                return;
            }
            std::mem::take(&mut state.lines)
        };
        // Sorted and written with the lock released, and off the runtime's workers (requests
        // are sent from them): other requests go on meanwhile. The merge does not care in which
        // order the chunks come back.
        let spilled = blocking(move || {
            let mut chunk = chunk;
            chunk.sort_unstable();
            spill(&chunk)
        });
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        match spilled {
            Ok(file) => state.spilled.push(file),
            Err(error) => state.error = Some(format!("the request log is incomplete: {error}")),
        }
    }

    /// Every line, sorted, read from memory and the temporary files as they are consumed; or
    /// why the log is incomplete.
    pub fn sorted(&self) -> Result<SortedLines, String> {
        let mut state = self
            .state
            .lock()
            .map_err(|_| "the request log was lost".to_string())?;
        if let Some(error) = &state.error {
            return Err(error.clone());
        }
        let mut lines = std::mem::take(&mut state.lines);
        lines.sort_unstable();
        let mut sources: Vec<Box<dyn Iterator<Item = String>>> = vec![Box::new(lines.into_iter())];
        for mut file in std::mem::take(&mut state.spilled) {
            file.rewind().map_err(|e| e.to_string())?;
            sources.push(Box::new(BufReader::new(file).lines().map_while(Result::ok)));
        }
        Ok(Box::new(Merge::new(sources)))
    }
}

/// Runs blocking work: through `block_in_place` on a worker of a multi-threaded runtime (so the
/// worker's other tasks move on), directly anywhere else.
fn blocking<T>(work: impl FnOnce() -> T) -> T {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(RuntimeFlavor::MultiThread) => tokio::task::block_in_place(work),
        _ => work(),
    }
}

/// Writes a sorted chunk to an anonymous temporary file (removed when dropped).
fn spill(chunk: &[String]) -> std::io::Result<std::fs::File> {
    let mut file = tempfile::tempfile()?;
    {
        let mut writer = std::io::BufWriter::new(&mut file);
        for line in chunk {
            writer.write_all(line.as_bytes())?;
            writer.write_all(b"\n")?;
        }
        writer.flush()?;
    }
    Ok(file)
}

/// A k-way merge of sorted sources.
struct Merge {
    sources: Vec<Box<dyn Iterator<Item = String>>>,
    heads: BinaryHeap<Reverse<(String, usize)>>,
}

impl Merge {
    fn new(mut sources: Vec<Box<dyn Iterator<Item = String>>>) -> Merge {
        let mut heads = BinaryHeap::new();
        for (i, source) in sources.iter_mut().enumerate() {
            if let Some(line) = source.next() {
                heads.push(Reverse((line, i)));
            }
        }
        Merge { sources, heads }
    }
}

impl Iterator for Merge {
    type Item = String;

    fn next(&mut self) -> Option<String> {
        let Reverse((line, i)) = self.heads.pop()?;
        if let Some(next) = self.sources[i].next() {
            self.heads.push(Reverse((next, i)));
        }
        Some(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_beyond_a_chunk_are_merged_back_in_order() {
        let log = RequestLog::default();
        let count = CHUNK * 2 + 17;
        for i in (0..count).rev() {
            log.push(format!("GET /x?i={i:08}"));
        }
        assert!(log.state.lock().unwrap().spilled.len() == 2);
        let lines: Vec<String> = log.sorted().unwrap().collect();
        assert_eq!(lines.len(), count);
        assert!(lines.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(lines[0], "GET /x?i=00000000");
    }

    /// Pushed from tasks on a run's multi-threaded runtime (as requests are), a full chunk is
    /// spilled through `block_in_place` while other tasks keep pushing: no line is lost or
    /// doubled, and the merge is in order.
    #[test]
    fn tasks_on_the_runtime_push_concurrently_and_lose_no_line() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        let log = std::sync::Arc::new(RequestLog::default());
        let (tasks, each) = (4, CHUNK / 2 + 9);
        runtime.block_on(async {
            let handles: Vec<_> = (0..tasks)
                .map(|t| {
                    let log = std::sync::Arc::clone(&log);
                    tokio::spawn(async move {
                        for i in 0..each {
                            log.push(format!("GET /x?t={t}&i={i:08}"));
                        }
                    })
                })
                .collect();
            for handle in handles {
                handle.await.unwrap();
            }
        });
        assert!(!log.state.lock().unwrap().spilled.is_empty());
        let lines: Vec<String> = log.sorted().unwrap().collect();
        assert_eq!(lines.len(), tasks * each);
        assert!(
            lines.windows(2).all(|w| w[0] < w[1]),
            "in order, none twice"
        );
    }
}
