//! `--plan`: the coverage plan sends a few hundred requests where the full plan sends
//! thousands, and verifies every documented rule the full plan verifies. Counted in requests,
//! never in time.

use crate::run_suite::run;
use serde_json::Value;
use std::collections::BTreeSet;

/// Most requests the coverage plan may send against the embedded mock (issue #17's bar): at
/// the polite 5 requests/s off loopback, two minutes.
const MOST_REQUESTS: u64 = 600;

/// The ids of the requirements a report counts as verified.
fn verified(report: &Value) -> BTreeSet<String> {
    report["coverage"]["requirements"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["status"] == "verified")
        .map(|r| r["id"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn the_coverage_plan_verifies_what_the_full_plan_verifies_in_a_few_hundred_requests() {
    for seed in ["11", "3"] {
        let full = run(&["--seed", seed, "--plan", "full"]);
        let cover = run(&["--seed", seed, "--plan", "coverage"]);
        assert_eq!(full.code, 0, "{}", full.stdout);
        assert_eq!(cover.code, 0, "{}", cover.stdout);
        let requests = |r: &Value| r["summary"]["requests"].as_u64().unwrap();
        assert!(
            requests(&cover.report) <= MOST_REQUESTS,
            "seed {seed}: {} requests",
            requests(&cover.report)
        );
        assert!(requests(&cover.report) * 4 < requests(&full.report));
        let lost: Vec<String> = verified(&full.report)
            .difference(&verified(&cover.report))
            .cloned()
            .collect();
        assert!(
            lost.is_empty(),
            "seed {seed}: verified only by the full plan: {lost:?}"
        );
        assert!(!verified(&full.report).is_empty());
        // Announced before the run, summarised after it.
        assert!(cover.stderr.contains("plan coverage: "), "{}", cover.stderr);
        assert!(full.stderr.contains("plan full: "), "{}", full.stderr);
        let plan = &cover.report["summary"]["plan"];
        assert_eq!(plan["mode"], "coverage");
        assert!(plan["generated_cases"].as_u64() < plan["generated_pool"].as_u64());
        assert!(
            plan["verified_per_request"].as_f64().unwrap() > 0.5,
            "{plan}"
        );
        assert!(cover
            .stdout
            .contains("documented rules verified per request"));
    }
}

#[test]
fn the_embedded_mock_defaults_to_the_full_plan_and_a_wrong_plan_is_refused() {
    let default = run(&["--seed", "5", "--cases", "8"]);
    assert_eq!(default.report["summary"]["plan"]["mode"], "full");
    let wrong = run(&["--plan", "covrage"]);
    assert_eq!(wrong.code, 2, "{}", wrong.stderr);
    assert!(wrong.stderr.contains("coverage"), "{}", wrong.stderr);
}
