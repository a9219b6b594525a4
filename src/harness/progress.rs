//! The progress line of a run on a terminal: trials and requests done of the total, the
//! percentage, the time left and the trial running, redrawn on stderr a few times a second.
//! Off loopback a default run takes minutes at 5 requests per second, so the line says how long.
//!
//! The number of requests a run will send is known only roughly before it starts (a walk's
//! length depends on the target), so each trial carries an estimate ([`request_estimate`]) and
//! the total is corrected as trials finish: requests sent, plus the estimates of the trials not
//! yet finished. The time left follows the rate limit when there is one (requests left /
//! `--rate`: the run cannot go faster), or the pace so far when that is slower. The main type is
//! [`Progress`]; nothing is drawn unless the run asked for it (stderr a terminal, not CI).

use super::plan::{PlannedTrial, TrialKind};
use crate::settings::FULL_PERCENT;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Requests a stateful trial is expected to send before it has run: the walks send a few dozen,
/// most checks two to six. Only a first guess: the total is corrected as trials finish.
const STATEFUL_ESTIMATE: u64 = 10;

/// Requests a migration comparison is expected to send (two walks, one per generation).
const MIGRATION_ESTIMATE: u64 = 40;

/// How often the line is redrawn.
const REDRAW_HZ: u8 = 4;

/// How often the ticker thread reads the client's count of requests sent.
const TICK: Duration = Duration::from_millis(250);

/// Width of the bar, in characters.
const BAR_WIDTH: usize = 20;

/// Requests `trial` is expected to send; `cases` per generated trial, `kept` regression seeds
/// of its operation.
pub(super) fn request_estimate(trial: &PlannedTrial, cases: u64, kept: u64) -> u64 {
    match trial.kind {
        TrialKind::Scenario(_) => 1,
        TrialKind::Regressions => kept.max(1),
        TrialKind::Generated(_) => cases.max(1),
        TrialKind::Stateful(_) => STATEFUL_ESTIMATE,
        TrialKind::Migration(_) => MIGRATION_ESTIMATE,
    }
}

/// The trials' progress, shared by every trial of a run.
#[derive(Debug)]
pub struct Progress {
    bar: indicatif::ProgressBar,
    shown: bool,
    started: Instant,
    /// Requests per second at most (`None`: unthrottled).
    rate: Option<f64>,
    /// Requests the run may send at most (`--max-requests`).
    max_requests: Option<u64>,
    state: Mutex<State>,
    stopped: AtomicBool,
}

#[derive(Debug, Default)]
struct State {
    trials_total: u64,
    trials_done: u64,
    /// Estimates of the trials not finished, by name.
    estimates: std::collections::BTreeMap<String, u64>,
    /// Trials running, in the order they started.
    running: Vec<String>,
    /// Requests sent by the run so far (the preflight's left out).
    sent: u64,
    /// The client's count when the trials began.
    sent_before: u64,
}

/// What the line shows, apart from how it is drawn.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Snapshot {
    pub trials_done: u64,
    pub trials_total: u64,
    pub requests_done: u64,
    pub requests_total: u64,
    pub eta: Option<Duration>,
    pub current: Option<String>,
    pub also_running: usize,
}

impl Progress {
    /// A progress line for `trials` (with their request estimates), drawn only when `show`.
    pub(super) fn new(
        show: bool,
        trials: Vec<(String, u64)>,
        rate: Option<f64>,
        max_requests: Option<u64>,
    ) -> Progress {
        let bar = if show {
            let bar = indicatif::ProgressBar::new(0);
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr_with_hz(REDRAW_HZ));
            if let Ok(style) = indicatif::ProgressStyle::with_template("{wide_msg}") {
                bar.set_style(style);
            }
            bar
        } else {
            indicatif::ProgressBar::hidden()
        };
        let state = State {
            trials_total: trials.len() as u64,
            estimates: trials.into_iter().collect(),
            ..State::default()
        };
        Progress {
            bar,
            shown: show,
            started: Instant::now(),
            rate,
            max_requests,
            state: Mutex::new(state),
            stopped: AtomicBool::new(false),
        }
    }

    /// Whether the line is drawn.
    pub(super) fn shown(&self) -> bool {
        self.shown
    }

    /// The count of requests the client had sent when the trials began (the preflight's).
    pub(super) fn begin(&self, sent_before: u64) {
        if let Ok(mut state) = self.state.lock() {
            state.sent_before = sent_before;
            state.sent = 0;
        }
    }

    /// `name` started; `sent` is the client's count of requests sent so far.
    pub(super) fn trial_started(&self, name: &str, sent: u64) {
        if let Ok(mut state) = self.state.lock() {
            state.running.push(name.to_string());
            state.sent = sent.saturating_sub(state.sent_before);
        }
        self.redraw();
    }

    /// `name` finished; `sent` as for [`Progress::trial_started`].
    pub(super) fn trial_finished(&self, name: &str, sent: u64) {
        if let Ok(mut state) = self.state.lock() {
            state.running.retain(|n| n != name);
            state.estimates.remove(name);
            state.trials_done += 1;
            state.sent = sent.saturating_sub(state.sent_before);
        }
        self.redraw();
    }

    /// The client's count of requests sent, read by the ticker while a long trial runs.
    pub(super) fn requests_sent(&self, sent: u64) {
        if let Ok(mut state) = self.state.lock() {
            state.sent = sent.saturating_sub(state.sent_before);
        }
        self.redraw();
    }

    /// Stops the ticker and clears the line.
    pub(super) fn finish(&self) {
        self.stopped.store(true, Ordering::Relaxed);
        self.bar.finish_and_clear();
    }

    fn redraw(&self) {
        if !self.shown {
            return;
        }
        if let Some(snapshot) = self.snapshot() {
            self.bar.set_message(snapshot.line());
        }
    }

    /// What the line shows now.
    pub(super) fn snapshot(&self) -> Option<Snapshot> {
        let state = self.state.lock().ok()?;
        // Trials running have sent part of their estimate already: what they sent is in `sent`.
        let left_estimate: u64 = state.estimates.values().sum();
        let mut requests_total = state.sent + left_estimate;
        if let Some(max) = self.max_requests {
            requests_total = requests_total.min(max.max(state.sent));
        }
        let left = requests_total.saturating_sub(state.sent);
        Some(Snapshot {
            trials_done: state.trials_done,
            trials_total: state.trials_total,
            requests_done: state.sent,
            requests_total,
            eta: eta(left, state.sent, self.started.elapsed(), self.rate),
            current: state.running.last().cloned(),
            also_running: state.running.len().saturating_sub(1),
        })
    }
}

/// Time left for `left` requests after `done` in `elapsed`: at least `left / rate` when the run
/// is throttled, the pace so far when that is slower; unknown before anything was sent on an
/// unthrottled run.
pub(super) fn eta(left: u64, done: u64, elapsed: Duration, rate: Option<f64>) -> Option<Duration> {
    let by_rate = rate
        .filter(|r| *r > 0.0)
        .map(|r| Duration::from_secs_f64(left as f64 / r));
    let by_pace = (done > 0 && !elapsed.is_zero())
        .then(|| Duration::from_secs_f64(elapsed.as_secs_f64() * left as f64 / done as f64));
    match (by_rate, by_pace) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

impl Snapshot {
    /// `[=========>          ] 47% · trials 53/126 · requests 1020/2180 · ETA 1m05s · generated::customers_v1::valid (+1)`
    pub(super) fn line(&self) -> String {
        // Requests measure the work; a run with no request to make counts trials instead.
        let (done, total) = if self.requests_total == 0 {
            (self.trials_done, self.trials_total)
        } else {
            (self.requests_done, self.requests_total)
        };
        let fraction = if total == 0 {
            0.0
        } else {
            (done as f64 / total as f64).min(1.0)
        };
        let percent = (fraction * FULL_PERCENT).floor() as u64;
        let filled = (fraction * BAR_WIDTH as f64).floor() as usize;
        let bar: String = (0..BAR_WIDTH)
            .map(|i| match i.cmp(&filled) {
                std::cmp::Ordering::Less => '=',
                std::cmp::Ordering::Equal => '>',
                std::cmp::Ordering::Greater => ' ',
            })
            .collect();
        let eta = match self.eta {
            Some(eta) => format!("ETA {}", clock(eta)),
            None => "ETA ?".to_string(),
        };
        let mut line = format!(
            "[{bar}] {percent}% · trials {}/{} · requests {}/{} · {eta}",
            self.trials_done, self.trials_total, self.requests_done, self.requests_total
        );
        if let Some(current) = &self.current {
            line.push_str(&format!(" · {current}"));
            if self.also_running > 0 {
                line.push_str(&format!(" (+{})", self.also_running));
            }
        }
        line
    }
}

/// `1h02m`, `3m05s`, `12s`.
fn clock(d: Duration) -> String {
    let s = d.as_secs();
    match (s / 3600, s % 3600 / 60, s % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, s) => format!("{m}m{s:02}s"),
        (h, m, _) => format!("{h}h{m:02}m"),
    }
}

/// Reads the client's count of requests sent a few times a second and redraws, until
/// [`Progress::finish`]; `None` when nothing is drawn.
pub(super) fn ticker(progress: Arc<super::RunContext>) -> Option<std::thread::JoinHandle<()>> {
    if !progress.progress.shown() {
        return None;
    }
    progress.progress.begin(progress.client.stats().sent);
    std::thread::Builder::new()
        .name("progress".into())
        .spawn(move || {
            while !progress.progress.stopped.load(Ordering::Relaxed) {
                progress
                    .progress
                    .requests_sent(progress.client.stats().sent);
                std::thread::sleep(TICK);
            }
        })
        .ok()
}

/// libtest's output on its way to stdout while the progress line is drawn: libtest writes to
/// stdout on its own, and a line written under the progress line (or half a line, `test x ... `
/// before the trial ends) would be torn by the next redraw. So libtest writes into a pipe
/// (`--logfile /dev/fd/N`), and a thread prints each whole line with the progress line
/// lifted ([`indicatif::ProgressBar::suspend`]).
pub(super) struct Relay {
    path: String,
    writer: Option<std::io::PipeWriter>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Relay {
    /// A relay to stdout under `progress`'s line; `None` when no pipe can be made (libtest then
    /// writes to stdout as usual).
    pub(super) fn start(progress: &Progress) -> Option<Relay> {
        use std::io::{BufRead, Write};
        use std::os::fd::AsRawFd;
        let (reader, writer) = std::io::pipe().ok()?;
        let path = format!("/dev/fd/{}", writer.as_raw_fd());
        if !std::path::Path::new(&path).exists() {
            return None;
        }
        let bar = progress.bar.clone();
        let thread = std::thread::Builder::new()
            .name("libtest-relay".into())
            .spawn(move || {
                let mut lines = std::io::BufReader::new(reader);
                let mut line = Vec::new();
                while lines.read_until(b'\n', &mut line).is_ok_and(|n| n > 0) {
                    bar.suspend(|| {
                        let mut out = std::io::stdout().lock();
                        let _ = out.write_all(&line).and_then(|()| out.flush());
                    });
                    line.clear();
                }
            })
            .ok()?;
        Some(Relay {
            path,
            writer: Some(writer),
            thread: Some(thread),
        })
    }

    /// The path libtest writes to (`--logfile`).
    pub(super) fn path(&self) -> &str {
        &self.path
    }

    /// Waits until everything libtest wrote is printed; call after libtest has finished.
    pub(super) fn finish(mut self) {
        // libtest's own handle is closed when it returns; this one ends the stream.
        drop(self.writer.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_shows_totals_percentage_eta_and_the_trial_running() {
        let snapshot = Snapshot {
            trials_done: 53,
            trials_total: 126,
            requests_done: 1020,
            requests_total: 2180,
            eta: Some(Duration::from_secs(65)),
            current: Some("generated::customers_v1::valid".into()),
            also_running: 1,
        };
        assert_eq!(
            snapshot.line(),
            "[=========>          ] 46% · trials 53/126 · requests 1020/2180 · ETA 1m05s · generated::customers_v1::valid (+1)"
        );
    }

    #[test]
    fn off_loopback_the_eta_follows_the_rate_limit() {
        // 500 requests left at 5 per second: 100 s, even if the first ones went faster.
        let eta = eta(500, 10, Duration::from_secs(1), Some(5.0));
        assert_eq!(eta, Some(Duration::from_secs(100)));
        // A target slower than the rate: the pace so far.
        let slow = super::eta(500, 10, Duration::from_secs(10), Some(5.0));
        assert_eq!(slow, Some(Duration::from_secs(500)));
        // Unthrottled, nothing sent yet: unknown.
        assert_eq!(super::eta(500, 0, Duration::ZERO, None), None);
    }

    #[test]
    fn the_total_is_corrected_as_trials_finish() {
        let progress = Progress::new(false, vec![("a".into(), 10), ("b".into(), 10)], None, None);
        progress.begin(3);
        progress.trial_started("a", 3);
        progress.requests_sent(3 + 20);
        progress.trial_finished("a", 3 + 25);
        let s = progress.snapshot().unwrap();
        assert_eq!((s.requests_done, s.requests_total), (25, 35));
        assert_eq!((s.trials_done, s.trials_total), (1, 2));
        assert_eq!(s.current, None);
    }
}
