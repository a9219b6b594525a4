//! `cases/` as trials under `cargo test`: every hand-written scenario runs against the embedded
//! mock, its answer must meet the scenario's expectation (the per-response checks of the `run`
//! command), and the answer (volatile values redacted) must match its insta snapshot in
//! `snapshots/`.
//!
//! One trial per scenario, named `<operation>::<file stem>` like the `cases::…` trials of `run`;
//! the snapshot of a trial is `snapshots/<operation>__<file stem>.snap`. Update snapshots with
//! `INSTA_UPDATE=always cargo test --test cases` and review the diff; under `CI=true` insta never
//! writes and a mismatch fails the trial.

use libtest_mimic::{Arguments, Failed, Trial};
use partner_conformance::checks::{self, CheckSelection, Expectation, Policies, ResponseContext};
use partner_conformance::client::{
    curl_line, Exchange, HttpClient, Limits, PreparedRequest, Target, TargetCredentials,
};
use partner_conformance::harness::{load_embedded_scenarios, load_scenarios, Scenario};
use partner_conformance::mock::{Credentials, Fixtures, MockServer, MockState};
use partner_conformance::spec::{OperationId, Spec};
use serde_json::json;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

/// What every trial shares: one runtime, the contract and a client of the embedded mock.
struct Shared {
    runtime: tokio::runtime::Runtime,
    spec: Arc<Spec>,
    client: HttpClient,
}

fn main() {
    let args = Arguments::from_args();
    let scenarios = load_embedded_scenarios().unwrap_or_else(|e| panic!("{e}"));
    check_coverage(&scenarios);
    let embedded: Vec<String> = scenarios.iter().map(fingerprint).collect();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let spec = Spec::embedded().expect("embedded schemas load");
    let fixtures = Fixtures::embedded(&spec).expect("embedded fixtures load");
    let credentials = Credentials::random(&spec);
    let target_credentials = TargetCredentials::from_lookup(&spec, |name| {
        credentials.get(name).map(|s| s.expose().to_string())
    });
    let partner_id = fixtures.partner_id.clone();
    let state = Arc::new(MockState {
        spec: Arc::clone(&spec),
        credentials,
        fixtures,
        drifts: Default::default(),
        readings: Default::default(),
    });
    let server = runtime
        .block_on(MockServer::start(state, "127.0.0.1:0".parse().unwrap()))
        .expect("the mock binds a loopback port");
    let base = server.base_url();
    let target = Target {
        bss_base: base.clone(),
        aicc_base: base,
        partner_id,
        embedded: true,
    };
    let client = HttpClient::new(
        Arc::clone(&spec),
        Arc::new(target),
        Arc::new(target_credentials),
        Limits::default(),
        &Default::default(),
    )
    .expect("HTTP client");
    let shared = Arc::new(Shared {
        runtime,
        spec,
        client,
    });

    let expected_snapshots: BTreeSet<String> = scenarios
        .iter()
        .map(|s| format!("{}__{}.snap", s.operation, s.name))
        .collect();
    let mut trials: Vec<Trial> = scenarios
        .into_iter()
        .map(|scenario| {
            let shared = Arc::clone(&shared);
            let name = format!("{}::{}", scenario.operation, scenario.name);
            Trial::test(name, move || run_scenario(&shared, &scenario))
        })
        .collect();
    trials.push(Trial::test("suite::embedded_cases_current", move || {
        embedded_cases_current(&embedded)
    }));
    trials.push(Trial::test("suite::no_unreferenced_snapshots", move || {
        no_unreferenced_snapshots(&expected_snapshots)
    }));
    let conclusion = libtest_mimic::run(&args, trials);
    shared.runtime.block_on(server.stop());
    conclusion.exit();
}

/// Refuses to run with nothing to run: no scenario at all, an operation without any (an empty or
/// lost `cases/<operation>/` directory), or two scenarios that would share a trial and snapshot
/// name (same operation and file stem in different directories).
fn check_coverage(scenarios: &[Scenario]) {
    assert!(
        !scenarios.is_empty(),
        "no scenario found: cases/ holds no scenario file (expected cases/<operation>/*.json and cases/ambiguities/*.json)"
    );
    for op in OperationId::ALL {
        assert!(
            scenarios.iter().any(|s| s.operation == *op),
            "no scenario found for {op}: cases/{op}/ is empty or missing"
        );
    }
    let mut seen = BTreeSet::new();
    for s in scenarios {
        assert!(
            seen.insert((s.operation, s.name.clone())),
            "cases/{}: a second scenario named {}::{} (file stems must be unique per operation)",
            s.file,
            s.operation,
            s.name
        );
    }
}

/// A scenario as text, to compare the embedded copy with the files on disk.
fn fingerprint(scenario: &Scenario) -> String {
    format!("{}: {scenario:?}", scenario.file)
}

/// Fails when the scenarios embedded in the library differ from `cases/` on disk. include_dir
/// notices edits to embedded files but not new ones, so a scenario added since the last build
/// would otherwise be skipped without a word.
fn embedded_cases_current(embedded: &[String]) -> Result<(), Failed> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("cases");
    let mut files = Vec::new();
    read_tree(&root, &root, &mut files)?;
    let on_disk: Vec<String> = load_scenarios(files)
        .map_err(|e| e.to_string())?
        .iter()
        .map(fingerprint)
        .collect();
    let embedded: BTreeSet<&String> = embedded.iter().collect();
    let on_disk: BTreeSet<&String> = on_disk.iter().collect();
    let name = |f: &&String| format!("cases/{}", f.split(": ").next().unwrap_or(f));
    let added: Vec<String> = on_disk.difference(&embedded).map(name).collect();
    let gone: Vec<String> = embedded.difference(&on_disk).map(name).collect();
    if added.is_empty() && gone.is_empty() {
        return Ok(());
    }
    Err(format!(
        "the library embeds an older cases/ (new or changed on disk: {added:?}; embedded only: {gone:?}). \
         include_dir does not notice new files: run `touch src/harness/scenarios.rs` and test again"
    )
    .into())
}

/// Every file under `dir` as (path relative to `root` with `/`, text).
fn read_tree(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) -> Result<(), Failed> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
        if path.is_dir() {
            read_tree(root, &path, out)?;
        } else {
            let relative = path.strip_prefix(root).unwrap_or(&path);
            let relative = relative.to_string_lossy().replace('\\', "/");
            let text = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            out.push((relative, String::from_utf8_lossy(&text).into_owned()));
        }
    }
    Ok(())
}

/// Fails when `snapshots/` holds a snapshot no scenario produces (a scenario renamed or deleted
/// without its snapshot).
fn no_unreferenced_snapshots(expected: &BTreeSet<String>) -> Result<(), Failed> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots");
    let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut stray = Vec::new();
    for entry in entries {
        let name = entry
            .map_err(|e| format!("{}: {e}", dir.display()))?
            .file_name()
            .to_string_lossy()
            .into_owned();
        if name.ends_with(".snap") && !expected.contains(&name) {
            stray.push(format!("snapshots/{name}"));
        }
    }
    if stray.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "no scenario produces these files; delete them (or restore their scenarios):\n  {}",
            stray.join("\n  ")
        )
        .into())
    }
}

/// Sends the scenario's request, judges the answer with the per-response checks, then compares
/// it with the snapshot.
fn run_scenario(shared: &Shared, scenario: &Scenario) -> Result<(), Failed> {
    let spec = &*shared.spec;
    let op = spec.operation(scenario.operation);
    let expectation = scenario.expectation().map_err(|e| e.to_string())?;
    let request = scenario.prepare(spec, shared.client.target());
    let exchange = shared
        .runtime
        .block_on(shared.client.send(&request))
        .map_err(|e| format!("cases/{}: no answer: {e}", scenario.file))?;

    let reproduce = checks::Reproduce::new(|| {
        curl_line(
            &request,
            op,
            shared.client.target(),
            shared.client.credentials(),
        )
    });
    let trial = format!("cases::{}::{}", scenario.operation, scenario.name);
    let ctx = ResponseContext {
        spec,
        op,
        exchange: &exchange,
        expectation: &expectation,
        policies: &Policies::default(),
        reproduce: &reproduce,
        trial: &trial,
        rule: &partner_conformance::spec::RuleId::case(scenario.operation, &scenario.name),
        // The embedded mock implements every position: any finding here fails, position or not.
        position: scenario.position(),
    };
    let findings = checks::check_response(&ctx, &CheckSelection::default());
    if !findings.is_empty() {
        let mut lines = vec![format!(
            "cases/{} expects {}; the answer breaks the contract:",
            scenario.file,
            expectation.describe()
        )];
        for f in &findings {
            lines.push(format!(
                "  [{} {}] {}: expected {}; observed {}",
                f.code, f.category, f.location, f.expected, f.observed
            ));
        }
        lines.push(format!("  reproduce: {}", reproduce.line()));
        lines.push(format!("  body: {}", exchange.body));
        return Err(lines.join("\n").into());
    }

    snapshot(scenario, &request, &expectation, &exchange, op);
    Ok(())
}

/// Compares the answer with `snapshots/<operation>__<stem>.snap` (insta panics on a mismatch;
/// libtest-mimic turns the panic into a failed trial).
fn snapshot(
    scenario: &Scenario,
    request: &PreparedRequest,
    expectation: &Expectation,
    exchange: &Exchange,
    op: &partner_conformance::spec::Operation,
) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_description(scenario.description.clone());
    let mut info = json!({
        "file": format!("cases/{}", scenario.file),
        "doc": scenario.doc,
        "request": request.summary(op),
        "headers": request.headers,
        "auth": scenario.request.auth,
        "expect": expectation.describe(),
    });
    if let Some(ambiguity) = &scenario.ambiguity {
        info["ambiguity"] = json!(ambiguity);
    }
    settings.set_info(&info);
    // The API gateway's request_id is random per answer; nothing else the mock sends varies.
    settings.add_redaction(".body.request_id", "[request_id]");
    let value = json!({
        "status": exchange.status,
        "content_type": exchange.header("content-type"),
        "body": exchange.body,
    });
    let name = format!("{}__{}", scenario.operation, scenario.name);
    settings.bind(|| insta::assert_json_snapshot!(name, value));
}
