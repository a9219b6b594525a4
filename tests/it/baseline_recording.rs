//! Baselines (accepted drift) and recorded behaviour, end to end against the embedded mock.

use crate::run_suite::run;
use serde_json::Value;
use std::collections::BTreeSet;

fn new_checks(result: &crate::run_suite::RunResult) -> BTreeSet<String> {
    result
        .findings()
        .map(|f| f["check"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_baseline_accepts_known_drift_fails_on_new_drift_and_reports_resolved_entries() {
    let dir = crate::fixtures::tempdir();
    let baseline = dir.join("baseline.toml");
    let baseline_arg = baseline.to_str().unwrap();
    let common = ["--seed", "4", "--cases", "16"];
    let first = "count-is-page-length";
    let second = "wrong-content-type";

    // Write the baseline against a drifted mock: the run itself still reports the drift.
    let written = run(&[
        &common[..],
        &["--mock-drift", first, "--write-baseline", baseline_arg],
    ]
    .concat());
    assert_eq!(written.code, 1, "{}", written.stdout);
    let text = std::fs::read_to_string(&baseline).unwrap();
    assert!(
        text.contains("version = 2") && text.contains("[[accepted]]"),
        "{text}"
    );
    assert!(
        text.contains("customers_v1 pagination pagination"),
        "{text}"
    );

    // With the baseline the same drift is accepted: exit 0, findings listed as accepted, and
    // the trials that had them are skipped in JUnit, never passed.
    let junit = dir.join("r.xml");
    let junit_arg = format!("junit={}", junit.display());
    let accepted = run(&[
        &common[..],
        &[
            "--mock-drift",
            first,
            "--baseline",
            baseline_arg,
            "--report",
            &junit_arg,
        ],
    ]
    .concat());
    assert_eq!(accepted.code, 0, "{}", accepted.stdout);
    assert_eq!(accepted.findings().count(), 0);
    assert!(!accepted.report["accepted"].as_array().unwrap().is_empty());
    assert!(
        accepted.stdout.contains("No new drift"),
        "{}",
        accepted.stdout
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("<skipped message=\"") && xml.contains("accepted by the baseline"),
        "{xml}"
    );

    // A second drift is new: exit 1, and only its findings are new.
    let both = run(&[
        &common[..],
        &[
            "--mock-drift",
            first,
            "--mock-drift",
            second,
            "--baseline",
            baseline_arg,
        ],
    ]
    .concat());
    assert_eq!(both.code, 1, "{}", both.stdout);
    assert_eq!(
        both.categories(),
        BTreeSet::from(["content_type".to_string()])
    );
    assert_eq!(
        new_checks(&both),
        BTreeSet::from(["content_type_conformance".to_string()])
    );

    // A run that covered only part of the suite never prunes: an entry that matched nothing
    // there may simply not have been tested.
    let partial = run(&[
        &common[..],
        &[
            "--operations",
            "budget_v1",
            "--baseline",
            baseline_arg,
            "--prune-baseline",
        ],
    ]
    .concat());
    assert_eq!(partial.code, 0, "{}", partial.stdout);
    assert!(
        partial.report["summary"]["notes"]
            .to_string()
            .contains("nothing dropped"),
        "{}",
        partial.stdout
    );
    assert_eq!(
        std::fs::read_to_string(&baseline).unwrap(),
        text,
        "the baseline file is unchanged"
    );

    // Without the first drift its entries are resolved, and --prune-baseline drops them.
    let resolved = run(&[
        &common[..],
        &["--baseline", baseline_arg, "--prune-baseline"],
    ]
    .concat());
    assert_eq!(resolved.code, 0, "{}", resolved.stdout);
    let notes = resolved.report["baseline"]["resolved"].as_array().unwrap();
    assert!(!notes.is_empty());
    assert!(notes
        .iter()
        .all(|n| n["fingerprint"].as_str().unwrap().contains("pagination")));
    assert!(resolved.stdout.contains("resolved"), "{}", resolved.stdout);
    let pruned = std::fs::read_to_string(&baseline).unwrap();
    assert!(!pruned.contains("[[accepted]]"), "{pruned}");
}

#[test]
fn an_expired_entry_stops_accepting() {
    let dir = crate::fixtures::tempdir();
    let baseline = dir.join("baseline.toml");
    std::fs::write(
        &baseline,
        "version = 1\n\n[[accepted]]\nfingerprint = \"customers_v1 content_type_conformance content_type header.content-type\"\nreason = \"known\"\nexpires = 2000-01-01\n",
    )
    .unwrap();
    let result = run(&[
        "--seed",
        "4",
        "--cases",
        "8",
        "--mock-drift",
        "wrong-content-type",
        "--baseline",
        baseline.to_str().unwrap(),
    ]);
    assert_eq!(result.code, 1);
    assert_eq!(
        result.report["baseline"]["expired"][0]["expires"],
        "2000-01-01"
    );
    let broken = dir.join("broken.toml");
    std::fs::write(&broken, "version = 1\n[[accepted]]\nfingerprint = \"x\"\n").unwrap();
    let result = run(&["--cases", "4", "--baseline", broken.to_str().unwrap()]);
    assert_eq!(result.code, 2);
    assert!(
        result.stderr.contains("broken.toml") && result.stderr.contains("line 3"),
        "{}",
        result.stderr
    );
}

#[test]
fn a_recording_reports_exactly_the_behaviour_that_changed() {
    let dir = crate::fixtures::tempdir();
    let recording = dir.join("recording");
    let rec = recording.to_str().unwrap();
    let recorded = run(&["--seed", "5", "--cases", "8", "--record", rec]);
    assert_eq!(recorded.code, 0, "{}", recorded.stdout);
    let files = std::fs::read_dir(&recording).unwrap().count();
    assert!(files >= 50, "{files} recordings");
    let same = run(&["--seed", "5", "--cases", "8", "--against-recording", rec]);
    assert_eq!(same.code, 0, "{}", same.stdout);
    assert_eq!(same.report["behaviour_changes"], Value::Array(vec![]));
    // An ambiguous behaviour changes: an empty domain_name= becomes a filter (A1).
    let changed = run(&[
        "--seed",
        "5",
        "--cases",
        "8",
        "--against-recording",
        rec,
        "--mock-drift",
        "empty-means-filter",
    ]);
    assert_eq!(changed.code, 1);
    let changes = changed.report["behaviour_changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(
        changes[0]["trial"],
        "cases::customers_v1::a1_domain_name_left_empty"
    );
    assert!(changes[0]["locations"]
        .as_array()
        .unwrap()
        .contains(&Value::from("body.count")));
    assert!(
        changed
            .stdout
            .contains("Behaviour changes against the recording"),
        "{}",
        changed.stdout
    );
}

#[test]
fn recordings_are_insta_snapshots() {
    let dir = crate::fixtures::tempdir();
    let rec = dir.join("rec");
    run(&[
        "--seed",
        "5",
        "--cases",
        "4",
        "--operations",
        "aicc_tenant",
        "--record",
        rec.to_str().unwrap(),
    ]);
    let path = rec.join("aicc_tenant__documented_example.snap");
    let snapshot = insta::Snapshot::from_file(&path).expect("insta reads the recording");
    assert!(snapshot
        .metadata()
        .description()
        .is_some_and(|d| !d.is_empty()));
}

/// A baseline entry names the rule it accepts: accepting "another partner's id answered 200"
/// does not accept "page_size above its maximum answered 200", though both are status drift of
/// customers_v1 at `status`; and the fingerprints do not depend on the seed.
#[test]
fn a_baseline_entry_accepts_its_rule_not_every_drift_of_its_check_and_place() {
    let dir = crate::fixtures::tempdir();
    let baseline = dir.join("baseline.toml");
    let baseline_arg = baseline.to_str().unwrap();
    // partner-ignored breaks a position (A22): held strictly, it is a finding to baseline.
    let common = [
        "--cases",
        "16",
        "--operations",
        "customers_v1",
        "--positions",
        "strict",
    ];
    let written = run(&[
        &common[..],
        &[
            "--seed",
            "21",
            "--mock-drift",
            "partner-ignored",
            "--write-baseline",
            baseline_arg,
        ],
    ]
    .concat());
    assert_eq!(written.code, 1, "{}", written.stdout);
    // Another seed: the known drift is still accepted.
    let accepted = run(&[
        &common[..],
        &[
            "--seed",
            "22",
            "--mock-drift",
            "partner-ignored",
            "--baseline",
            baseline_arg,
        ],
    ]
    .concat());
    assert_eq!(accepted.code, 0, "{}", accepted.stdout);
    let both = run(&[
        &common[..],
        &[
            "--seed",
            "22",
            "--mock-drift",
            "partner-ignored",
            "--mock-drift",
            "page-size-max-not-enforced",
            "--baseline",
            baseline_arg,
        ],
    ]
    .concat());
    assert_eq!(both.code, 1, "{}", both.stdout);
    assert!(
        both.findings()
            .any(|f| f["rule"].as_str() == Some("customers_v1.query.page_size.maximum")),
        "{}",
        both.stdout
    );
    let text = std::fs::read_to_string(&baseline).unwrap();
    assert!(!text.contains("seed"), "{text}");
    // Two pagination drifts at the same place (body.count) break two different statements.
    let pages = dir.join("pages.toml");
    let pages_arg = pages.to_str().unwrap();
    let known = run(&[
        &common[..],
        &[
            "--seed",
            "7",
            "--mock-drift",
            "off-by-one-page",
            "--write-baseline",
            pages_arg,
        ],
    ]
    .concat());
    assert_eq!(known.code, 1, "{}", known.stdout);
    let added = run(&[
        &common[..],
        &[
            "--seed",
            "7",
            "--mock-drift",
            "off-by-one-page",
            "--mock-drift",
            "count-is-page-length",
            "--baseline",
            pages_arg,
        ],
    ]
    .concat());
    assert_eq!(added.code, 1, "{}", added.stdout);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_version_1_baseline_still_loads_with_a_note_and_is_upgraded_on_write() {
    let dir = crate::fixtures::tempdir();
    let baseline = dir.join("baseline.toml");
    let baseline_arg = baseline.to_str().unwrap();
    std::fs::write(
        &baseline,
        "version = 1\n\n[[accepted]]\nfingerprint = \"customers_v1 content_type_conformance content_type header.content-type\"\nreason = \"known\"\n",
    )
    .unwrap();
    let common = [
        "--seed",
        "4",
        "--cases",
        "8",
        "--operations",
        "customers_v1",
        "--mock-drift",
        "wrong-content-type",
    ];
    let old = run(&[&common[..], &["--baseline", baseline_arg]].concat());
    assert_eq!(old.code, 0, "{}", old.stdout);
    assert!(
        old.stdout.contains("is version 1") && old.stdout.contains("--write-baseline"),
        "{}",
        old.stdout
    );
    let upgraded = run(&[
        &common[..],
        &["--baseline", baseline_arg, "--write-baseline", baseline_arg],
    ]
    .concat());
    assert_eq!(upgraded.code, 0, "{}", upgraded.stdout);
    let text = std::fs::read_to_string(&baseline).unwrap();
    assert!(text.contains("version = 2"), "{text}");
    assert!(
        text.contains("customers_v1.response.content_type") && text.contains("reason = \"known\""),
        "{text}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
