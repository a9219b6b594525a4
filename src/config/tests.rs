//! Tests of the config file: parsing, every kind of error and where it points, secrets,
//! discovery and the text of `config check`.

use super::profile::{discover_in, PROFILE_KEYS, TOP_KEYS};
use super::secrets::is_secret_key;
use super::*;
use crate::client::{AK_ENV, SK_ENV};
use crate::settings::{
    Concurrency, MaxDurationSeconds, MaxRequests, Rate, TimeoutSeconds, WholeSetting,
};
use crate::spec::{AuthScheme, OperationId, Spec};
use std::path::{Path, PathBuf};

const GOOD: &str = r#"# partner-conformance.toml
default_profile = "staging"

[profiles.staging]
bss_url = "https://bss-staging.example.com"
aicc_url = "https://aicc-staging.example.com"
partner_id = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
auth = "token"
rate = 5.0
concurrency = 2
timeout_seconds = 10
ca_cert = "certs/staging-ca.pem"
operations = ["customers_v1", "budget_v1"]
baseline = "ci/baseline.toml"
insecure = false
max_requests = 5000
max_duration_seconds = 600

[profiles.ci]
bss_url = "http://127.0.0.1:8080/"
auth = "aksk"
rate = 2
ca_cert = "/etc/ssl/staging.pem"
"#;

/// The file name every bad case is parsed under, so messages can be checked for it.
const FILE: &str = "conf/pc.toml";

/// The error of parsing `text` as [`FILE`], as displayed.
fn error(text: &str) -> String {
    match Config::parse(Path::new(FILE), text) {
        Ok(config) => panic!("expected an error, parsed {config:?}"),
        Err(e) => e.to_string(),
    }
}

/// `text` under a `[profiles.staging]` header (line 1), so the body starts at line 2.
fn in_profile(body: &str) -> String {
    format!("[profiles.staging]\n{body}\n")
}

/// Asserts the message names the file, the line and the key.
fn assert_names(message: &str, line: usize, key: &str) {
    assert!(message.starts_with(&format!("{FILE}: ")), "{message}");
    assert!(
        message.contains(&format!("line {line} column ")),
        "line {line}: {message}"
    );
    assert!(message.contains(&format!("`{key}`")), "{key}: {message}");
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "partner-conformance-config-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a temporary directory");
    dir
}

#[test]
fn good_file_parses_with_relative_paths_resolved() {
    let config = Config::parse(Path::new("ci/partner-conformance.toml"), GOOD).expect("valid");
    assert_eq!(config.file, PathBuf::from("ci/partner-conformance.toml"));
    assert_eq!(config.default_profile.as_deref(), Some("staging"));
    let staging = &config.profiles["staging"];
    let expected = Profile {
        name: "staging".into(),
        bss_url: Some("https://bss-staging.example.com".into()),
        aicc_url: Some("https://aicc-staging.example.com".into()),
        partner_id: Some("0a1b2c3d4e5f60718293a4b5c6d7e8f9".into()),
        auth: Some(AuthScheme::Token),
        rate: Some(Rate::new(5.0).unwrap()),
        concurrency: Some(Concurrency::from_i64(2).unwrap()),
        timeout_seconds: Some(TimeoutSeconds::from_i64(10).unwrap()),
        ca_cert: Some(PathBuf::from("ci/certs/staging-ca.pem")),
        operations: Some(vec![OperationId::CustomersV1, OperationId::BudgetV1]),
        baseline: Some(PathBuf::from("ci/ci/baseline.toml")),
        insecure: false,
        max_requests: Some(MaxRequests::from_i64(5000).unwrap()),
        max_duration_seconds: Some(MaxDurationSeconds::from_i64(600).unwrap()),
        positions: None,
        min_coverage: Vec::new(),
        plan: None,
    };
    assert_eq!(staging, &expected);
    let ci = &config.profiles["ci"];
    assert_eq!(ci.auth, Some(AuthScheme::Aksk));
    assert_eq!(
        ci.rate.map(Rate::get),
        Some(2.0),
        "an integer rate is read as a number"
    );
    assert_eq!(
        ci.aicc_url, None,
        "aicc_url stays unset: it follows bss_url"
    );
    assert_eq!(ci.ca_cert, Some(PathBuf::from("/etc/ssl/staging.pem")));
    assert_eq!(ci.operations, None);

    // A file in the working directory resolves against the working directory.
    let here = Config::parse(Path::new(DEFAULT_FILE), GOOD).expect("valid");
    assert_eq!(
        here.profiles["staging"].ca_cert,
        Some(PathBuf::from("certs/staging-ca.pem"))
    );
}

#[test]
fn inline_and_dotted_profiles_and_a_bom_are_read() {
    let text = "\u{feff}profiles.a.rate = 1.5\nprofiles.b = { concurrency = 3, insecure = true }\n";
    let config = Config::parse(Path::new(FILE), text).expect("valid");
    assert_eq!(config.profiles["a"].rate.map(Rate::get), Some(1.5));
    assert_eq!(
        config.profiles["b"].concurrency.map(WholeSetting::get),
        Some(3)
    );
    assert!(config.profiles["b"].insecure);
    // The BOM does not shift columns.
    let message = error("\u{feff}[profiles.a]\nrate = 0\n");
    assert!(message.contains("line 2 column 8"), "{message}");
}

#[test]
fn default_profile_picks_the_profile() {
    let config = Config::parse(Path::new(FILE), GOOD).expect("valid");
    assert_eq!(
        config.profile(None).expect("ok").expect("some").name,
        "staging"
    );
    assert_eq!(
        config.profile(Some("ci")).expect("ok").expect("some").name,
        "ci"
    );
    let no_default = Config::parse(Path::new(FILE), "[profiles.ci]\nrate = 1\n").expect("valid");
    assert_eq!(no_default.profile(None).expect("ok"), None);
}

#[test]
fn unknown_profile_lists_the_known_ones() {
    let config = Config::parse(Path::new(FILE), GOOD).expect("valid");
    let message = config
        .profile(Some("prod"))
        .expect_err("unknown")
        .to_string();
    assert!(
        message.starts_with(&format!("{FILE}: --profile prod: ")),
        "{message}"
    );
    assert!(
        message.contains("the file defines: ci, staging"),
        "{message}"
    );
    let near = config
        .profile(Some("stagng"))
        .expect_err("unknown")
        .to_string();
    assert!(near.contains("did you mean `staging`?"), "{near}");

    let message = error("default_profile = \"prod\"\n[profiles.staging]\n");
    assert_names(&message, 1, "default_profile");
    assert!(message.contains("the file defines: staging"), "{message}");
}

#[test]
fn bad_toml_syntax_names_file_and_line() {
    let message = error(&in_profile(
        "rate = 5.0\nbss_url = \"https://x\nconcurrency = 2",
    ));
    assert!(
        message.starts_with(&format!("{FILE}: line 3 column ")),
        "{message}"
    );
    assert!(message.contains("TOML syntax error"), "{message}");
    let message = error("[profiles.staging]\nrate = 1\nrate = 2\n");
    assert_names(&message, 3, "profiles.staging.rate");
    assert!(message.contains("line 3 column 1"), "{message}");
    assert!(message.contains("duplicate key `rate`"), "{message}");
    // A string that never ends is not blamed on the last line's key.
    let message = error("[profiles.staging]\nbss_url = \"\"\"x\nrate = 1\n");
    assert!(!message.contains("rate"), "{message}");
}

#[test]
fn unknown_key_suggests_the_near_miss() {
    let message = error(&in_profile("rate = 1\npartnerid = \"0a1b\""));
    assert_names(&message, 3, "profiles.staging.partnerid");
    assert!(message.contains("did you mean `partner_id`?"), "{message}");
    assert!(message.contains("line 3 column 1"), "{message}");
    // Command-line spellings lead to the file's keys.
    let message = error(&in_profile("timeout = 10"));
    assert!(
        message.contains("did you mean `timeout_seconds`?"),
        "{message}"
    );
    let message = error(&in_profile("target = \"https://x\""));
    assert!(message.contains("did you mean `bss_url`?"), "{message}");
    // At the top level.
    let message = error("default-profile = \"staging\"\n[profiles.staging]\n");
    assert_names(&message, 1, "default-profile");
    assert!(
        message.contains("did you mean `default_profile`?"),
        "{message}"
    );
    let message = error("[staging]\nbss_url = \"https://x\"\n");
    assert_names(&message, 1, "staging");
    assert!(message.contains("[profiles.staging]"), "{message}");
    let message = error("bss_url = \"https://x\"\n[profiles.staging]\n");
    assert!(message.contains("belongs in a profile"), "{message}");
    let message = error("[profiles.staging]\nrate = 1\ndefault_profile = \"staging\"\n");
    assert_names(&message, 3, "profiles.staging.default_profile");
    assert!(
        message.contains("belongs at the top of the file"),
        "{message}"
    );
}

#[test]
fn numbers_out_of_range_are_refused() {
    let message = error(&in_profile("rate = 0"));
    assert_names(&message, 2, "profiles.staging.rate");
    assert!(message.contains("line 2 column 8"), "{message}");
    assert!(message.contains("from 0.01 to 100000"), "{message}");
    for (body, key) in [
        ("rate = -1.5", "rate"),
        ("rate = 1e-300", "rate"),
        ("rate = nan", "rate"),
        ("rate = inf", "rate"),
        ("concurrency = 0", "concurrency"),
        ("concurrency = 5000", "concurrency"),
        ("timeout_seconds = 0", "timeout_seconds"),
        ("max_requests = -3", "max_requests"),
        ("max_duration_seconds = 0", "max_duration_seconds"),
    ] {
        let message = error(&in_profile(body));
        assert_names(&message, 2, &format!("profiles.staging.{key}"));
    }
}

#[test]
fn wrong_types_are_refused() {
    let message = error(&in_profile("concurrency = \"2\""));
    assert_names(&message, 2, "profiles.staging.concurrency");
    assert!(
        message.contains(
            "must be a whole number of requests in flight (without quotes), found a string"
        ),
        "{message}"
    );
    let message = error(&in_profile("concurrency = 2.5"));
    assert!(message.contains("found a float"), "{message}");
    let message = error(&in_profile("insecure = \"true\""));
    assert_names(&message, 2, "profiles.staging.insecure");
    let message = error(&in_profile("operations = \"customers_v1\""));
    assert!(message.contains("an array of operation ids"), "{message}");
    let message = error("profiles = 3\n");
    assert_names(&message, 1, "profiles");
    let message = error("[profiles]\nstaging = 1\n");
    assert_names(&message, 2, "profiles.staging");
}

#[test]
fn urls_must_be_http_with_a_host() {
    let message = error(&in_profile("bss_url = \"ftp://x\""));
    assert_names(&message, 2, "profiles.staging.bss_url");
    assert!(message.contains("http:// or https://"), "{message}");
    for url in [
        "https://",
        "https:///path",
        "http://:8080",
        "https://host:99999",
        "https://host?x=1",
        "https://ho st",
        "bss-staging.example.com",
    ] {
        let message = error(&in_profile(&format!("aicc_url = \"{url}\"")));
        assert_names(&message, 2, "profiles.staging.aicc_url");
    }
    for url in [
        "https://[::1]:8443/base",
        "http://localhost:8080",
        "https://h/a/b/",
    ] {
        let text = in_profile(&format!("bss_url = \"{url}\""));
        Config::parse(Path::new(FILE), &text).expect(url);
    }
}

#[test]
fn credentials_in_a_url_are_refused_without_echo() {
    let message = error(&in_profile("bss_url = \"https://user:hunter2@host\""));
    assert_names(&message, 2, "profiles.staging.bss_url");
    assert!(!message.contains("hunter2"), "{message}");
    assert!(message.contains("HUAWEICLOUD_TOKEN"), "{message}");
}

#[test]
fn operations_must_be_known() {
    let message = error(&in_profile("operations = [\"customers\"]"));
    assert_names(&message, 2, "profiles.staging.operations[0]");
    assert!(message.contains("line 2 column 15"), "{message}");
    assert!(
        message.contains("did you mean `customers_v1`?"),
        "{message}"
    );
    assert!(
        message.contains("customers_v1, budget_v1, aicc_tenant"),
        "{message}"
    );
    let message = error(&in_profile("operations = [\"budget_v1\", \"budget_v1\"]"));
    assert_names(&message, 2, "profiles.staging.operations[1]");
    let message = error(&in_profile("operations = []"));
    assert_names(&message, 2, "profiles.staging.operations");
    let message = error(&in_profile("operations = [1]"));
    assert_names(&message, 2, "profiles.staging.operations[0]");
}

#[test]
fn positions_is_observe_or_strict_like_the_flag() {
    let config = Config::parse(Path::new(FILE), &in_profile("positions = \"strict\"")).unwrap();
    assert_eq!(
        config.profiles["staging"].positions,
        Some(crate::outcome::PositionMode::Strict)
    );
    let message = error(&in_profile("positions = \"strikt\""));
    assert_names(&message, 2, "profiles.staging.positions");
    assert!(message.contains("did you mean \"strict\"?"), "{message}");
}

#[test]
fn min_coverage_takes_the_flags_forms_and_range() {
    let config = Config::parse(Path::new(FILE), &in_profile("min_coverage = 95")).unwrap();
    assert_eq!(config.profiles["staging"].min_coverage[0].percent, 95.0);
    let config = Config::parse(
        Path::new(FILE),
        &in_profile("min_coverage = [\"90\", \"customers_v1=80\"]"),
    )
    .unwrap();
    let minimums = &config.profiles["staging"].min_coverage;
    assert_eq!(minimums.len(), 2);
    assert_eq!(minimums[1].operation, Some(OperationId::CustomersV1));
    let message = error(&in_profile("min_coverage = 101"));
    assert_names(&message, 2, "profiles.staging.min_coverage");
    assert!(message.contains("from 0 to 100"), "{message}");
    let message = error(&in_profile("min_coverage = [\"customers=80\"]"));
    assert_names(&message, 2, "profiles.staging.min_coverage[0]");
    let message = error(&in_profile("min_coverage = true"));
    assert_names(&message, 2, "profiles.staging.min_coverage");
}

#[test]
fn auth_is_token_or_aksk() {
    let message = error(&in_profile("auth = \"basic\""));
    assert_names(&message, 2, "profiles.staging.auth");
    assert!(message.contains("\"token\" or \"aksk\""), "{message}");
    assert!(
        !message.contains("basic"),
        "values are not echoed: {message}"
    );
    let message = error(&in_profile("auth = \"Token\""));
    assert!(message.contains("did you mean \"token\"?"), "{message}");
    assert_eq!("aksk".parse::<AuthScheme>(), Ok(AuthScheme::Aksk));
    assert_eq!("token".parse::<AuthScheme>(), Ok(AuthScheme::Token));
    assert!("AKSK".parse::<AuthScheme>().is_err());
}

#[test]
fn secret_keys_are_refused_without_echoing_the_value() {
    let cases = [
        (
            in_profile("token = \"abc123\""),
            2,
            "profiles.staging.token",
        ),
        // Secrets win over any other error, wherever they are.
        (
            "[profiles.staging]\nrate = 0\nHUAWEICLOUD_SDK_AK = \"abc123\"\n".to_string(),
            3,
            "profiles.staging.HUAWEICLOUD_SDK_AK",
        ),
        (in_profile("sk = 'abc123'"), 2, "profiles.staging.sk"),
        (
            in_profile("aicc_token = \"abc123\""),
            2,
            "profiles.staging.aicc_token",
        ),
        (
            in_profile("Password = \"abc123\""),
            2,
            "profiles.staging.Password",
        ),
        (
            in_profile("clientSecret = \"abc123\""),
            2,
            "profiles.staging.clientSecret",
        ),
        (
            in_profile("[profiles.staging.headers]\nX-Auth-Token = \"abc123\""),
            3,
            "profiles.staging.headers.X-Auth-Token",
        ),
        ("token = \"abc123\"\n".to_string(), 1, "token"),
        (
            "[profiles]\nak = \"abc123\"\n".to_string(),
            2,
            "profiles.ak",
        ),
        // A syntax error on a secret's line is still reported as the secret.
        (in_profile("token = abc123"), 2, "profiles.staging.token"),
        (
            in_profile("secret = \"abc123"),
            2,
            "profiles.staging.secret",
        ),
    ];
    for (text, line, key) in cases {
        let message = error(&text);
        assert_names(&message, line, key);
        assert!(!message.contains("abc123"), "value echoed: {message}");
        for variable in ["HUAWEICLOUD_TOKEN", "AICC_TOKEN", AK_ENV, SK_ENV] {
            assert!(message.contains(variable), "{variable}: {message}");
        }
    }
}

#[test]
fn known_keys_and_profile_names_are_not_secrets() {
    for key in PROFILE_KEYS.iter().chain(TOP_KEYS.iter()) {
        assert!(!is_secret_key(key), "{key}");
    }
    for key in ["task", "disk_path", "peak_rate", "mask", "breakage"] {
        assert!(!is_secret_key(key), "{key}");
    }
    let config = Config::parse(
        Path::new(FILE),
        "[profiles.aksk]\nauth = \"aksk\"\n[profiles.token]\n",
    )
    .expect("profile names are not secrets");
    assert_eq!(config.profiles.len(), 2);
}

#[test]
fn other_checks() {
    let message = error("default_profile = \"x\"\n");
    assert!(message.contains("`profiles`"), "{message}");
    assert!(message.contains("no profile"), "{message}");
    let message = error("[profiles]\n");
    assert_names(&message, 1, "profiles");
    let message = error(&in_profile("ca_cert = \"ca.pem\"\ninsecure = true"));
    assert_names(&message, 2, "profiles.staging.ca_cert");
    let message = error(&in_profile("partner_id = \"../other\""));
    assert_names(&message, 2, "profiles.staging.partner_id");
    assert!(!message.contains("../other"), "{message}");
    let message = error(&in_profile("baseline = \"\""));
    assert_names(&message, 2, "profiles.staging.baseline");
    let message = error("[profiles.\"\"]\nrate = 1\n");
    assert!(message.contains("line 1 column"), "{message}");
}

#[test]
fn load_reads_files_and_names_the_missing_one() {
    let dir = temp_dir("load");
    let missing = dir.join("nope.toml");
    let message = Config::load(&missing).expect_err("missing").to_string();
    assert!(
        message.starts_with(&format!("{}: read: ", missing.display())),
        "{message}"
    );
    let good = dir.join("pc.toml");
    std::fs::write(&good, GOOD).expect("write");
    let config = Config::load(&good).expect("valid");
    assert_eq!(
        config.profiles["staging"].ca_cert,
        Some(dir.join("certs/staging-ca.pem"))
    );
    let latin1 = dir.join("latin1.toml");
    std::fs::write(&latin1, b"[profiles.a]\n# caf\xe9\n").expect("write");
    let message = Config::load(&latin1).expect_err("not UTF-8").to_string();
    assert!(message.contains("line 2 column 6"), "{message}");
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn discover_finds_the_default_file_or_nothing() {
    let dir = temp_dir("discover");
    assert_eq!(discover_in(&dir, None).expect("no file is fine"), None);
    let message = discover_in(&dir, Some(Path::new("other.toml")))
        .expect_err("an explicit file must exist")
        .to_string();
    assert!(message.contains("other.toml: read: "), "{message}");
    std::fs::write(dir.join(DEFAULT_FILE), GOOD).expect("write");
    let config = discover_in(&dir, None).expect("valid").expect("found");
    assert_eq!(config.file, dir.join(DEFAULT_FILE));
    std::fs::remove_dir_all(&dir).expect("clean up");
    // The working directory of the tests (the crate root) has no config file.
    if !Path::new(DEFAULT_FILE).exists() {
        assert_eq!(Config::discover(None).expect("no file is fine"), None);
    }
}

#[test]
fn describe_lists_needed_variables_without_values() {
    let text = format!(
        "{GOOD}\n[profiles.aicc]\noperations = [\"aicc_tenant\"]\nbss_url = \"https://b.example.com\"\n"
    );
    let config = Config::parse(Path::new("pc.toml"), &text).expect("valid");
    let set = |name: &str| name == "HUAWEICLOUD_TOKEN" || name == AK_ENV;
    let spec = Spec::embedded().expect("embedded schemas load");
    let text = config.describe(&spec, &set);
    assert!(
        text.starts_with("pc.toml: 3 profiles, default `staging`\n"),
        "{text}"
    );
    assert!(text.contains("profile `staging` (default)\n"), "{text}");
    assert!(
        text.contains("environment          HUAWEICLOUD_TOKEN (set)\n"),
        "staging runs BSS operations only: {text}"
    );
    assert!(
        text.contains(
            "AICC_TOKEN (NOT SET), HUAWEICLOUD_SDK_AK (set), HUAWEICLOUD_SDK_SK (NOT SET)"
        ),
        "ci is aksk and runs every operation: {text}"
    );
    assert!(
        text.contains("environment          AICC_TOKEN (NOT SET)\n"),
        "aicc runs aicc_tenant only: {text}"
    );
    assert!(
        text.contains("aicc_url             (same as bss_url)"),
        "{text}"
    );
    assert!(text.contains("0a1b2c3d4e5f60718293a4b5c6d7e8f9"), "{text}");
    assert_eq!(
        config.profiles["ci"].required_env(&spec, &set),
        ["AICC_TOKEN", AK_ENV, SK_ENV]
    );
}

#[test]
fn plan_takes_the_flags_values_and_suggests_a_near_miss() {
    use crate::settings::PlanMode;
    let config = Config::parse(Path::new(FILE), &in_profile("plan = \"coverage\"")).unwrap();
    assert_eq!(config.profiles["staging"].plan, Some(PlanMode::Coverage));
    let message = error(&in_profile("plan = \"ful\""));
    assert_names(&message, 2, "profiles.staging.plan");
    assert!(message.contains("did you mean \"full\""), "{message}");
    let message = error(&in_profile("plan = 1"));
    assert!(message.contains("\"coverage\" or \"full\""), "{message}");
}
