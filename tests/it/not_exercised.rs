//! What a run could not exercise says so, with its reason from the fixed list, instead of
//! passing silently or reporting drift: a check an earlier drift broke (`broken_by_finding`), a
//! rule the old API's answers cannot show (`not_observable`), a refused credential
//! (`credential_refused`, never drift; exit 3 when nothing else could be exercised), and a probe
//! of a credential the run does not have (`credential_missing`, never a vacuous pass).

use crate::other_data::{fixtures_file, not_exercised, run_against, Served};
use crate::run_suite::run;

/// The gaps of `trial` with `reason` in a report.
fn gaps_of(report: &serde_json::Value, trial: &str, reason: &str) -> Vec<String> {
    not_exercised(report)
        .into_iter()
        .filter(|(t, r, _)| t == trial && r == reason)
        .map(|(_, _, detail)| detail)
        .collect()
}

#[test]
fn a_check_an_earlier_drift_broke_says_so_instead_of_passing() {
    let args = |drift| {
        [
            "--seed",
            "7",
            "--cases",
            "8",
            "--operations",
            "customers_v1,customers_v2",
            "--mock-drift",
            drift,
        ]
    };
    let renamed = run(&args("renamed-customer-id"));
    assert_eq!(renamed.code, 1, "{}", renamed.stdout);
    for trial in [
        "stateful::customers_v1::fuzzy_filter",
        "stateful::customers_v1::default_page_size",
        "stateful::customers_v1::time_range_filter",
        "stateful::customers_v1::pagination",
    ] {
        let gaps = gaps_of(&renamed.report, trial, "broken_by_finding");
        assert!(
            gaps.iter().any(|g| g.contains("customer_id")),
            "{trial}: {gaps:?}\n{}",
            renamed.stdout
        );
    }
    // Records without their key are not "0 records on the default page".
    assert!(
        !renamed
            .findings()
            .any(|f| f["check"] == "default_page_size"),
        "{}",
        renamed.stdout
    );
    let as_string = run(&args("count-as-string"));
    let gaps = gaps_of(
        &as_string.report,
        "stateful::customers_v1::pagination",
        "broken_by_finding",
    );
    assert!(
        gaps.iter().any(|g| g.contains("body.count")),
        "{gaps:?}\n{}",
        as_string.stdout
    );
    assert!(
        as_string
            .stdout
            .contains("broken_by_finding (an earlier finding broke what it needs)"),
        "{}",
        as_string.stdout
    );
}

#[test]
fn the_old_time_range_is_judged_by_the_new_association_time_or_said_unverifiable() {
    // With customers_v2 in the run, the old range is judged by the association time the new
    // generation shows for the same customers: the drift is caught.
    let both = run(&[
        "--seed",
        "7",
        "--cases",
        "8",
        "--operations",
        "customers_v1,customers_v2",
        "--mock-drift",
        "exclusive-time-range",
        // Inclusive bounds are a position (A7): held strictly, the drift is a finding.
        "--positions",
        "strict",
    ]);
    assert!(
        both.findings().any(|f| f["check"] == "time_range_filter"
            && f["operation"] == "customers_v1"
            && f["expected"]
                .as_str()
                .is_some_and(|e| e.contains("associated_on (as customers_v2 lists it"))),
        "{}",
        both.stdout
    );
    // The old API alone cannot show the association time: not verifiable, not judged against
    // the registration time.
    let alone = run(&[
        "--seed",
        "7",
        "--cases",
        "8",
        "--operations",
        "customers_v1",
    ]);
    assert_eq!(alone.code, 0, "{}", alone.stdout);
    let gaps = gaps_of(
        &alone.report,
        "stateful::customers_v1::time_range_filter",
        "not_observable",
    );
    assert!(
        gaps.iter()
            .any(|g| g.contains("not verifiable from customers_v1 alone")),
        "{gaps:?}\n{}",
        alone.stdout
    );
}

#[test]
fn a_refused_credential_is_not_drift_and_names_its_variable() {
    let dir = crate::fixtures::tempdir();
    let served = Served::start(&fixtures_file(&dir, 3), &[]);
    let wrong = [("AICC_TOKEN", "a-token-the-target-refuses")];
    let (code, report, stdout) = run_against(&served, &[], &wrong);
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(
        report["findings"].as_array().map(Vec::len),
        Some(0),
        "{stdout}"
    );
    let refused: Vec<_> = not_exercised(&report)
        .into_iter()
        .filter(|(_, reason, _)| reason == "credential_refused")
        .collect();
    assert!(!refused.is_empty(), "{stdout}");
    for (trial, _, detail) in &refused {
        assert!(trial.contains("aicc_tenant"), "{trial}");
        assert!(detail.contains("AICC_TOKEN"), "{detail}");
    }
    // Every AICC trial is skipped; the BSS operations ran.
    for trial in report["trials"].as_array().unwrap() {
        if trial["operation"] == "aicc_tenant" {
            assert_eq!(trial["outcome"], "skipped", "{trial}");
        }
    }
    assert!(
        stdout.contains("aicc_tenant was not run: the target refused the credential in AICC_TOKEN"),
        "{stdout}"
    );
    // Nothing left to exercise: exit 3, naming the variable.
    let (code, _, stdout) = run_against(&served, &["--operations", "aicc_tenant"], &wrong);
    assert_eq!(code, 3, "{stdout}");
    let (code, report, stdout) = run_against(
        &served,
        &["--operations", "customers_v1,aicc_tenant"],
        &[
            ("AICC_TOKEN", "a-token-the-target-refuses"),
            ("HUAWEICLOUD_TOKEN", "another-refused-token"),
        ],
    );
    assert_eq!(code, 3, "{stdout}");
    let summary = report["summary"]["notes"].to_string();
    assert!(
        summary.contains("AICC_TOKEN") && summary.contains("HUAWEICLOUD_TOKEN"),
        "{summary}"
    );
}

/// A probe of how a credential is presented (A19: the token under `X-Auth_Token`) is skipped,
/// not passed, when the run has no such token: sent without it, the request is bare and the 401
/// it gets "passes" while proving nothing. The shipped contract never gets here (its A19 probe
/// is on aicc_tenant, whose AICC_TOKEN a run against a target requires), so a copy of it makes
/// aicc_tenant an operation the run signs with AK/SK, and only the AK/SK pair is set.
#[test]
fn a_credential_probe_without_its_credential_is_skipped_not_passed() {
    let dir = crate::fixtures::tempdir();
    let schemas = crate::ci_trust::schemas_copy(&dir);
    let request = schemas.join("aicc_tenant/request.json");
    let mut contract: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&request).unwrap()).unwrap();
    let meta = &mut contract["x-operation"];
    meta["service"] = "bss".into();
    meta["auth"] = serde_json::json!(["token", "aksk"]);
    meta["token_env"] = "HUAWEICLOUD_TOKEN".into();
    std::fs::write(&request, contract.to_string()).unwrap();
    let schemas = schemas.display().to_string();
    let aksk = [
        ("HUAWEICLOUD_SDK_AK", "probe-ak-31c4"),
        ("HUAWEICLOUD_SDK_SK", "probe-sk-8d02"),
    ];
    let served = Served::with_args(&["--schemas", &schemas], &aksk);
    let trial = "cases::aicc_tenant::a19_underscore_token_header";
    let (code, report, stdout) = run_against(
        &served,
        &[
            "--schemas",
            &schemas,
            "--auth",
            "aksk",
            "--operations",
            "aicc_tenant",
            "--exact",
            trial,
        ],
        &[
            ("HUAWEICLOUD_TOKEN", ""),
            ("AICC_TOKEN", ""),
            aksk[0],
            aksk[1],
        ],
    );
    let record = report["trials"]
        .as_array()
        .and_then(|trials| trials.iter().find(|t| t["name"] == trial))
        .unwrap_or_else(|| panic!("{trial} not in the report\n{stdout}"))
        .clone();
    assert_eq!(record["outcome"], "skipped", "{record}\n{stdout}");
    assert_eq!(record["requests"], 0, "{record}");
    let gaps = gaps_of(&report, trial, "credential_missing");
    assert!(
        gaps.iter()
            .any(|g| g.contains("no HUAWEICLOUD_TOKEN is configured")),
        "{gaps:?}"
    );
    assert_ne!(code, 0, "a run that checked nothing is not green\n{stdout}");
    std::fs::remove_dir_all(&dir).ok();
}
