//! Transport faults are classified, kept apart from drift, and bounded in time: a target that
//! answers nothing usable ends the run with exit 3, one sentence, and a report that lists each
//! problem by kind.

use crate::run_suite::run;
use partner_conformance::mock::FAULTS;
use std::time::{Duration, Instant};

#[test]
fn every_fault_is_classified_as_transport_and_never_hangs() {
    let results = crate::run_suite::on_two_threads(FAULTS, |fault| {
        let started = Instant::now();
        let result = run(&["--cases", "4", "--timeout", "2", "--mock-fault", fault.name]);
        let kinds: Vec<String> = result.report["transport"]
            .as_array()
            .map(|t| {
                t.iter()
                    .map(|p| p["kind"].as_str().unwrap_or("").to_string())
                    .collect()
            })
            .unwrap_or_default();
        (
            fault.name.to_string(),
            fault.kind.to_string(),
            result.code,
            kinds,
            started.elapsed(),
            result.stderr,
        )
    });
    for (name, kind, code, kinds, elapsed, stderr) in results {
        assert_eq!(code, 3, "{name}: {stderr}");
        assert!(!kinds.is_empty(), "{name}: no transport problem reported");
        assert!(
            kinds.iter().all(|k| *k == kind),
            "{name}: expected {kind}, got {kinds:?}"
        );
        assert!(elapsed < Duration::from_secs(20), "{name} took {elapsed:?}");
        assert!(
            stderr.lines().filter(|l| l.starts_with("error:")).count() == 1,
            "{name}: {stderr}"
        );
        assert!(stderr.contains("gave no usable answer"), "{name}: {stderr}");
    }
}
