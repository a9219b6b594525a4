//! The architecture, enforced: every `crate::` path in `src/` (in `use` lines and inline, test
//! code left out) is an import of one top-level module by another. The results sit at the
//! bottom; the reports (the report model and its writers) and above them the harness, which
//! runs the trials and composes the report, sit at the top under the CLI. No module imports one
//! above it, and no two modules, nor two files of one folder (through `super::`), import each
//! other in a loop.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, bottom first. A module may import its own layer's modules (as long as no loop
/// forms) and those below, never those above.
const LAYERS: &[&[&str]] = &[
    &["files", "secret", "signing", "exit", "text"],
    &["spec"],
    // Settings a flag and a profile key share may name an operation (`--min-coverage OP=N`);
    // the build's description names the contract's hash.
    &["settings", "build_info"],
    &["client", "generate"],
    &["outcome"],
    &["checks"],
    &["migrate", "mock"],
    &["baseline", "config", "export"],
    &["report"],
    &["harness"],
    &["cli"],
];

/// Folders whose files must not import each other in a loop.
const FOLDERS: &[&str] = &[
    "checks", "client", "harness", "migrate", "mock", "report", "spec",
];

/// Every `.rs` file under `dir`, with its code before the first `#[cfg(test)]`.
fn sources(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name == "tests.rs" || name == "testing.rs" {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let code = text
                .find("#[cfg(test)]")
                .map_or(text.as_str(), |cut| &text[..cut]);
            // Doc and line comments mention modules without importing them.
            let code: String = code
                .lines()
                .map(|l| l.split("//").next().unwrap_or(""))
                .collect::<Vec<_>>()
                .join("\n");
            out.push((path, code));
        }
    }
}

/// The identifiers right after `prefix` (`crate::` or `super::`), `{a, b}` groups included.
fn paths_after(code: &str, prefix: &str) -> BTreeSet<String> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut out = BTreeSet::new();
    for (at, _) in code.match_indices(prefix) {
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let rest = &code[at + prefix.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            out.extend(
                group
                    .split(',')
                    .map(|g| ident(g.trim()))
                    .filter(|g| !g.is_empty()),
            );
        } else {
            let name = ident(rest);
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

/// The loops of a directed graph (strongly connected components of more than one node).
fn loops(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    // Reachability by repeated search: the graphs are a few dozen nodes.
    let reach = |from: &str| {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.to_string()];
        while let Some(node) = stack.pop() {
            for next in graph.get(&node).into_iter().flatten() {
                if seen.insert(next.clone()) {
                    stack.push(next.clone());
                }
            }
        }
        seen
    };
    let mut found: BTreeSet<Vec<String>> = BTreeSet::new();
    for node in graph.keys() {
        let from = reach(node);
        let mut component: Vec<String> = from
            .iter()
            .filter(|other| *other != node && reach(other).contains(node))
            .cloned()
            .collect();
        if !component.is_empty() {
            component.push(node.clone());
            component.sort();
            found.insert(component);
        }
    }
    found.into_iter().collect()
}

#[test]
fn imports_follow_the_layers_without_loops() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let top = |path: &Path| -> String {
        let rel = path.strip_prefix(&src).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        first.trim_end_matches(".rs").to_string()
    };
    let layer_of = |module: &str| LAYERS.iter().position(|layer| layer.contains(&module));
    let modules: BTreeSet<String> = files
        .iter()
        .map(|(p, _)| top(p))
        .filter(|m| m != "lib" && m != "main")
        .collect();
    let mut problems = Vec::new();
    for module in &modules {
        if layer_of(module).is_none() {
            problems.push(format!("src/{module} has no layer in tests/it/layering.rs"));
        }
    }
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (path, code) in &files {
        let from = top(path);
        if !modules.contains(&from) {
            continue;
        }
        for to in paths_after(code, "crate::") {
            if to == from || !modules.contains(&to) {
                continue;
            }
            if let (Some(a), Some(b)) = (layer_of(&from), layer_of(&to)) {
                if b > a {
                    problems.push(format!(
                        "{} ({from}) imports {to}, a layer above it",
                        path.strip_prefix(&src).unwrap().display()
                    ));
                }
            }
            graph.entry(from.clone()).or_default().insert(to);
        }
    }
    for component in loops(&graph) {
        problems.push(format!("modules in a loop: {}", component.join(" <-> ")));
    }
    for folder in FOLDERS {
        let dir = src.join(folder);
        let in_folder: Vec<&(PathBuf, String)> =
            files.iter().filter(|(p, _)| p.starts_with(&dir)).collect();
        let stems: BTreeMap<String, &PathBuf> = in_folder
            .iter()
            .map(|(p, _)| (p.file_stem().unwrap().to_string_lossy().into_owned(), p))
            .filter(|(stem, _)| stem != "mod")
            .collect();
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (path, code) in &in_folder {
            let me = path.file_stem().unwrap().to_string_lossy().into_owned();
            let mut refs = paths_after(code, "super::");
            refs.extend(paths_after(code, &format!("crate::{folder}::")));
            for name in refs {
                if name != me && stems.contains_key(&name) {
                    graph.entry(me.clone()).or_default().insert(name);
                }
            }
        }
        for component in loops(&graph) {
            problems.push(format!(
                "files of src/{folder} in a loop: {}",
                component.join(" <-> ")
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_layering_test_sees_inline_paths_and_groups() {
    let code = "fn f() { crate::report::write(x); }\nuse crate::{spec, client::X};";
    let found = paths_after(code, "crate::");
    assert_eq!(
        found,
        ["client", "report", "spec"]
            .map(String::from)
            .into_iter()
            .collect()
    );
    let mut graph = BTreeMap::new();
    graph.insert("a".to_string(), BTreeSet::from(["b".to_string()]));
    graph.insert("b".to_string(), BTreeSet::from(["a".to_string()]));
    assert_eq!(loops(&graph), vec![vec!["a".to_string(), "b".to_string()]]);
}
