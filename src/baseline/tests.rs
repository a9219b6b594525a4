//! Tests of baselines: fingerprints, the file format and its errors, applying, merging and
//! pruning.

use super::apply::EXAMPLE_MAX_CHARS;
use super::file::toml_string;
use super::fingerprint::{fingerprint_problem, normalise_location};
use super::*;
use crate::checks::{Category, Finding};
use crate::spec::{OperationId, RuleId};
use chrono::NaiveDate;

fn finding(location: &str, category: Category, expected: &str, observed: &str) -> Finding {
    Finding {
        operation: OperationId::CustomersV1,
        check: "response_schema_conformance".into(),
        code: "PC004".into(),
        category,
        rule: crate::spec::RuleId::response_field(OperationId::CustomersV1, 200, location, "type"),
        location: location.into(),
        expected: expected.into(),
        observed: observed.into(),
        reproduce: "curl -sS http://127.0.0.1:1/".into(),
        doc: None,
        trial: "generated::customers_v1::valid".into(),
        position: None,
        serve: None,
        origin: None,
    }
}

fn count_as_string() -> Finding {
    finding(
        "body.count",
        Category::Type,
        "the documented `type` (customers_v1/response.200.json)",
        "value is not of type \"integer\"",
    )
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
}

fn parse_err(text: &str) -> BaselineError {
    Baseline::parse("ci/baseline.toml", text).expect_err("should be refused")
}

#[test]
fn fingerprint_normalises_indices_and_quoted_values() {
    let f = finding(
        "body.customer_info_list[3].corp_name",
        Category::Format,
        "x",
        "y",
    );
    assert_eq!(
        fingerprint(&f),
        "customers_v1 response_schema_conformance format \
         customers_v1.response.200.customer_info_list.corp_name.type \
         body.customer_info_list[*].corp_name"
    );
    assert_eq!(
        normalise_location("body.a[10].b[0][2]"),
        "body.a[*].b[*][*]"
    );
    assert_eq!(
        normalise_location(r#"query.domain_name="a\"b c""#),
        "query.domain_name=*"
    );
    assert_eq!(normalise_location("query.x='v'&y"), "query.x=*&y");
    assert_eq!(
        normalise_location("body.records[customer_id]"),
        "body.records[customer_id]"
    );
    assert_eq!(normalise_location("body.a b"), "body.a_b");
    assert_eq!(normalise_location(""), "-");
    assert_eq!(normalise_location("body.o\"clock"), "body.o\"clock");
    for loc in ["body.a[1]", "q=\"v\"", "a b", "", "[x]", "x[12"] {
        let once = normalise_location(loc);
        assert_eq!(normalise_location(&once), once, "idempotent for {loc:?}");
    }
}

#[test]
fn fingerprint_ignores_expected_and_observed() {
    let a = finding("body.list[1].x", Category::Type, "one", "seed 1 value");
    let b = finding(
        "body.list[7].x",
        Category::Type,
        "two",
        "seed 9 other value",
    );
    assert_eq!(fingerprint(&a), fingerprint(&b));
    let c = finding("body.list[1].x", Category::Format, "one", "seed 1 value");
    assert_ne!(fingerprint(&a), fingerprint(&c));
    assert!(fingerprint_problem(&fingerprint(&a), BASELINE_VERSION).is_none());
}

#[test]
fn from_findings_to_toml_parse_round_trips() {
    let long = "x".repeat(500);
    let findings = vec![
        count_as_string(),
        finding("body.list[0].name", Category::Format, "a\nb", &long),
        finding("body.list[5].name", Category::Format, "other", "other"),
    ];
    let baseline = Baseline::from_findings(&findings);
    assert_eq!(baseline.entries.len(), 2, "one entry per fingerprint");
    let list = &baseline.entries[0];
    assert_eq!(
        list.fingerprint,
        "customers_v1 response_schema_conformance format customers_v1.response.200.list.name.type \
         body.list[*].name"
    );
    let example = list.example.as_deref().unwrap_or_default();
    assert!(
        example.starts_with("expected a b; observed xxx"),
        "{example}"
    );
    assert_eq!(example.chars().count(), EXAMPLE_MAX_CHARS);

    let mut reviewed = baseline.clone();
    reviewed.entries[1].reason = Some("BSS sends \"count\" as a string; PARTNER-123".into());
    reviewed.entries[1].expires = Some(date(2027, 3, 31));
    let text = reviewed.to_toml();
    assert!(text.starts_with("# partner-conformance baseline"), "{text}");
    assert!(text.contains("expires = 2027-03-31\n"), "{text}");
    let parsed = Baseline::parse("b.toml", &text).expect("own output parses");
    assert_eq!(parsed, reviewed);
    assert_eq!(parsed.to_toml(), text, "writing is stable");
}

#[test]
fn parses_the_documented_sample() {
    let text = r#"
version = 1

[[accepted]]
fingerprint = "customers_v1 response_schema_conformance type body.count"
reason = "BSS sends count as a string; ticket PARTNER-123"
expires = 2027-03-31
# first seen: expected the documented `type`; observed value is not of type "integer"

[[accepted]]
fingerprint = "budget_v1 fuzzy_filter filter_semantics body.records"
expires = "2026-01-02"
"#;
    let parsed = Baseline::parse("b.toml", text).expect("sample parses");
    assert_eq!(parsed.entries.len(), 2);
    assert_eq!(parsed.entries[0].expires, Some(date(2027, 3, 31)));
    assert_eq!(parsed.entries[1].expires, Some(date(2026, 1, 2)));
    assert_eq!(parsed.entries[1].reason, None);
    let empty = Baseline::parse("b.toml", "version = 1\n").expect("no entries is fine");
    assert!(empty.entries.is_empty());
}

#[test]
fn merged_with_keeps_reasons_and_adds_new_fingerprints() {
    let mut existing = Baseline::from_findings(&[count_as_string()]);
    existing.entries[0].reason = Some("known".into());
    existing.entries[0].expires = Some(date(2027, 1, 1));
    existing.entries.push(Entry {
        fingerprint: "aicc_tenant auth_required auth aicc_tenant.semantic.auth_required status"
            .into(),
        reason: Some("gone but kept".into()),
        expires: None,
        example: None,
    });
    let findings = [
        finding("body.count", Category::Type, "changed", "wording"),
        finding("header.content-type", Category::ContentType, "a", "b"),
    ];
    let merged = existing.merged_with(&findings);
    let fps: Vec<&str> = merged
        .entries
        .iter()
        .map(|e| e.fingerprint.as_str())
        .collect();
    assert_eq!(
        fps,
        [
            "aicc_tenant auth_required auth aicc_tenant.semantic.auth_required status",
            "customers_v1 response_schema_conformance content_type \
             customers_v1.response.200.header.content-type.type header.content-type",
            "customers_v1 response_schema_conformance type customers_v1.response.200.count.type \
             body.count",
        ]
    );
    assert_eq!(
        merged.entries[2], existing.entries[0],
        "existing entry unchanged"
    );
    assert_eq!(merged.entries[0].reason.as_deref(), Some("gone but kept"));
    assert_eq!(merged.entries[1].reason, None);
    let reread = Baseline::parse("b.toml", &merged.to_toml()).expect("parses");
    assert_eq!(reread, merged);
}

#[test]
fn apply_accepts_known_and_flags_new_and_resolved() {
    let mut baseline = Baseline::from_findings(&[count_as_string()]);
    baseline.entries[0].reason = Some("PARTNER-123".into());
    baseline.entries.push(Entry {
        fingerprint: "budget_v1 pagination pagination body.records".into(),
        reason: None,
        expires: None,
        example: None,
    });
    let findings = [
        count_as_string(),
        finding("body.list[2].x", Category::Enum, "a", "b"),
        finding("body.count", Category::Type, "other text", "other"),
    ];
    let applied = baseline.apply(&findings, date(2026, 6, 1));
    assert_eq!(
        applied.verdicts,
        [
            Verdict::Accepted {
                reason: Some("PARTNER-123".into())
            },
            Verdict::New,
            Verdict::Accepted {
                reason: Some("PARTNER-123".into())
            },
        ]
    );
    assert_eq!(applied.new_count(), 1);
    assert_eq!(applied.accepted_count(), 2);
    assert_eq!(applied.resolved, [baseline.entries[1].clone()]);
    assert!(applied.expired.is_empty());
}

#[test]
fn apply_accepts_through_the_expiry_day_and_not_after() {
    let mut baseline = Baseline::from_findings(&[count_as_string()]);
    baseline.entries[0].expires = Some(date(2027, 3, 31));
    let findings = [count_as_string()];

    let on_the_day = baseline.apply(&findings, date(2027, 3, 31));
    assert_eq!(on_the_day.verdicts, [Verdict::Accepted { reason: None }]);
    assert!(on_the_day.expired.is_empty());

    let day_after = baseline.apply(&findings, date(2027, 4, 1));
    assert_eq!(day_after.verdicts, [Verdict::New]);
    assert_eq!(day_after.new_count(), 1);
    assert_eq!(day_after.expired, baseline.entries);
    assert!(day_after.resolved.is_empty(), "still occurs: not resolved");

    let gone = baseline.apply(&[], date(2027, 4, 1));
    assert_eq!(
        gone.resolved, baseline.entries,
        "expired and gone: resolved"
    );
    assert!(gone.expired.is_empty());
}

#[test]
fn pruned_drops_resolved_entries_only() {
    let status = finding("status", Category::StatusCode, "200", "500");
    let mut baseline = Baseline::from_findings(&[count_as_string(), status.clone()]);
    for entry in &mut baseline.entries {
        if entry.fingerprint == fingerprint(&status) {
            entry.expires = Some(date(2020, 1, 1));
        }
    }
    // `status` still occurs (its entry expired); `body.count` no longer does.
    let findings = [finding("status", Category::StatusCode, "200", "502")];
    let applied = baseline.apply(&findings, date(2026, 1, 1));
    assert_eq!(applied.resolved.len(), 1);
    assert_eq!(applied.expired.len(), 1);
    let pruned = baseline.pruned(&applied);
    assert_eq!(
        pruned.entries, applied.expired,
        "expired but occurring: kept"
    );
    let again = pruned.apply(&findings, date(2026, 1, 1));
    assert!(again.resolved.is_empty());
    assert_eq!(again.new_count(), 1);
}

#[test]
fn invalid_toml_names_file_and_line() {
    let err = parse_err("version = 1\n\n[[accepted]]\nfingerprint = \"unterminated\n");
    assert_eq!(err.file, "ci/baseline.toml");
    assert!(err.location.starts_with("line 4 column"), "{err}");
    let text = err.to_string();
    assert!(
        text.starts_with("ci/baseline.toml: line 4 column"),
        "{text}"
    );
    assert!(!text.contains('\n'), "one line: {text:?}");
}

#[test]
fn an_entry_accepts_only_the_rule_it_names() {
    let mut other_partner = finding("status", Category::StatusCode, "403", "200");
    other_partner.check = "status_code_conformance".into();
    other_partner.rule = RuleId::case(OperationId::CustomersV1, "a15_other_partner");
    let mut page_size = other_partner.clone();
    page_size.rule = RuleId::parameter(
        OperationId::CustomersV1,
        crate::spec::ParamLocation::Query,
        "page_size",
        "maximum",
    );
    page_size.observed = "200 for page_size=101 (seed 7)".into();
    let baseline = Baseline::from_findings(std::slice::from_ref(&other_partner));
    let applied = baseline.apply(
        &[other_partner.clone(), page_size.clone()],
        date(2026, 1, 1),
    );
    assert_eq!(applied.verdicts[0], Verdict::Accepted { reason: None });
    assert_eq!(
        applied.verdicts[1],
        Verdict::New,
        "another rule is not accepted"
    );
    // The same drift under another seed has the same fingerprint.
    let mut again = page_size.clone();
    again.observed = "200 for page_size=180 (seed 8)".into();
    assert_eq!(fingerprint(&again), fingerprint(&page_size));
    assert!(!fingerprint(&page_size).contains("seed"));
}

#[test]
fn version_1_files_load_match_coarsely_and_upgrade_on_write() {
    let text = "version = 1\n[[accepted]]\nfingerprint = \"customers_v1 response_schema_conformance type body.count\"\nreason = \"known\"\n\n[[accepted]]\nfingerprint = \"customers_v1 response_schema_conformance type body.gone\"\n";
    let legacy = Baseline::parse("b.toml", text).expect("version 1 loads");
    assert!(legacy.legacy);
    let count = count_as_string();
    let applied = legacy.apply(std::slice::from_ref(&count), date(2026, 1, 1));
    assert!(matches!(applied.verdicts[0], Verdict::Accepted { .. }));
    let upgraded = legacy.merged_with(std::slice::from_ref(&count));
    assert!(!upgraded.legacy);
    assert_eq!(upgraded.entries.len(), 1);
    assert_eq!(upgraded.entries[0].fingerprint, fingerprint(&count));
    assert_eq!(upgraded.entries[0].reason.as_deref(), Some("known"));
    let dropped: Vec<&str> = legacy
        .not_upgraded(std::slice::from_ref(&count))
        .iter()
        .map(|e| e.fingerprint.as_str())
        .collect();
    assert_eq!(
        dropped,
        ["customers_v1 response_schema_conformance type body.gone"]
    );
    let text = upgraded.to_toml();
    assert!(text.contains("version = 2\n"), "{text}");
    assert_eq!(
        Baseline::parse("b.toml", &text).expect("reads back"),
        upgraded
    );
    // A version 2 file must name the rule.
    let err = parse_err("version = 2\n[[accepted]]\nfingerprint = \"customers_v1 c type body\"\n");
    assert!(err.message.contains("has 4 space-separated parts"), "{err}");
}

#[test]
fn other_version_is_refused_at_its_line() {
    let err = parse_err("# header\nversion = 3\n");
    assert_eq!(err.location, "line 2 column 11", "{err}");
    assert!(err.message.contains("`version`"), "{err}");
    assert!(err.message.contains("version 3"), "{err}");
    assert!(
        err.to_string().starts_with("ci/baseline.toml: line 2"),
        "{err}"
    );
    let missing = parse_err("[[accepted]]\nfingerprint = \"a b c d\"\n");
    assert_eq!(missing.location, "top level", "{missing}");
    assert!(missing.message.contains("`version`"), "{missing}");
}

#[test]
fn unknown_key_is_refused_by_name_and_line() {
    let text = "version = 1\n\n[[accepted]]\nfingerprint = \"customers_v1 status_code_conformance status_code status\"\nreasn = \"typo\"\n";
    let err = parse_err(text);
    assert!(err.location.starts_with("line 5 column 1"), "{err}");
    assert!(err.message.contains("`reasn`"), "{err}");
    let top = parse_err("version = 1\nentries = []\n");
    assert!(top.location.starts_with("line 2"), "{top}");
    assert!(top.message.contains("`entries`"), "{top}");
}

#[test]
fn duplicate_fingerprint_is_refused_at_the_second() {
    let entry =
        "[[accepted]]\nfingerprint = \"customers_v1 status_code_conformance status_code status\"\n";
    let text = format!("version = 1\n\n{entry}\n{entry}");
    let err = parse_err(&text);
    assert_eq!(err.location, "line 7 column 15", "{err}");
    assert!(err.message.contains("`accepted[2].fingerprint`"), "{err}");
    assert!(err.message.contains("duplicate"), "{err}");
    assert!(err.message.contains("first at line 4"), "{err}");
}

#[test]
fn malformed_fingerprints_are_refused_with_key_and_line() {
    let at = |fp: &str| {
        let text = format!(
            "version = 1\n[[accepted]]\nfingerprint = {}\n",
            toml_string(fp)
        );
        let err = parse_err(&text);
        assert_eq!(err.location, "line 3 column 15", "{err}");
        assert!(err.message.contains("`accepted[1].fingerprint`"), "{err}");
        err.message
    };
    let bad_category = at("customers_v1 response_schema_conformance typ body.count");
    assert!(
        bad_category.contains("unknown category `typ`"),
        "{bad_category}"
    );
    assert!(at("customers_v1 body.count").contains("4"));
    assert!(at("customers_v9 c type body").contains("customers_v9"));
    assert!(at("customers_v1 Check type body").contains("check name"));
    let unnormalised = at("customers_v1 c type body.a[3].b");
    assert!(unnormalised.contains("body.a[*].b"), "{unnormalised}");
}

#[test]
fn bad_expiry_is_refused_with_key_and_line() {
    let text = "version = 1\n[[accepted]]\nfingerprint = \"customers_v1 c type body\"\nexpires = 2027-02-30\n";
    let err = parse_err(text);
    assert!(err.location.starts_with("line 4"), "{err}");
    let text = "version = 1\n[[accepted]]\nfingerprint = \"customers_v1 c type body\"\nexpires = 2027-02-03T10:00:00\n";
    let err = parse_err(text);
    assert!(err.message.contains("`accepted[1].expires`"), "{err}");
    assert!(err.location.starts_with("line 4"), "{err}");
}

#[test]
fn load_and_save_name_the_file() {
    let dir = std::env::temp_dir().join(format!("baseline-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("baseline.toml");
    let err = Baseline::load(&path).expect_err("missing");
    assert!(err.to_string().contains("baseline.toml"), "{err}");
    assert!(err.message.contains("no such baseline file"), "{err}");
    let baseline = Baseline::from_findings(&[count_as_string()]);
    baseline.save(&path).expect("save");
    assert_eq!(Baseline::load(&path).expect("load"), baseline);
    std::fs::remove_dir_all(&dir).expect("clean up");
}
