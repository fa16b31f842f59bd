//! The shape of the code, checked: rules read the model, not template nodes or the resolver; and no
//! two modules import each other (the data flows one way).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs")
            // `mod tests;` files are tests, which may reach anywhere.
            && path.file_name().is_some_and(|n| n != "tests.rs")
        {
            out.push(path);
        }
    }
}

/// The code of a file without its `#[cfg(test)]` module and comments (tests may reach anywhere).
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let text = match text.find("#[cfg(test)]") {
        Some(at) => &text[..at],
        None => &text,
    };
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The module a file belongs to: `model::access` for `src/model/access.rs`, `resolve` for
/// `src/resolve/resources.rs` (a folder module is one node, but `model`'s children are nodes).
fn module_of(path: &Path) -> String {
    let rel = path.strip_prefix(root().join("src")).unwrap();
    let parts: Vec<String> = rel
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    match parts.as_slice() {
        [first, second, ..] if first == "model" && second != "mod" => format!("model::{second}"),
        [first, ..] => first.clone(),
        [] => String::new(),
    }
}

/// The modules a file's code names through `crate::…` and `super::…` paths.
fn imports(path: &Path, code: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let own = module_of(path);
    let mut out = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        let mut segments = rest.split("::").map(|s| {
            s.chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect::<String>()
        });
        let first = segments.next().unwrap_or_default();
        let name = if first == "model" {
            match segments.next() {
                Some(second) if modules.contains(&format!("model::{second}")) => {
                    format!("model::{second}")
                }
                _ => "model".to_string(),
            }
        } else {
            first
        };
        if modules.contains(&name) && name != own {
            out.insert(name);
        }
    }
    if own.starts_with("model::") {
        for (at, _) in code.match_indices("super::") {
            let rest = &code[at + "super::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let name = format!("model::{name}");
            if modules.contains(&name) && name != own {
                out.insert(name);
            }
        }
    }
    out
}

#[test]
fn rules_read_the_model_not_nodes_or_the_resolver() {
    let mut files = Vec::new();
    rust_files(&root().join("src/rules"), &mut files);
    let mut checked = 0;
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        // REF/TPL rules check references and templates themselves; SUP001 reads suppressions.
        if name == "mod.rs" || ["ref", "tpl", "sup"].iter().any(|p| name.starts_with(p)) {
            continue;
        }
        let code = code(&path);
        for forbidden in [
            "crate::load",
            "crate::resolve",
            "crate::template",
            "crate::deployment",
            "Resolver",
            "resolver()",
            "input.deployment",
            "Node",
        ] {
            assert!(
                !code.contains(forbidden),
                "{name} uses `{forbidden}`: rules read only the model (src/model/)"
            );
        }
        checked += 1;
    }
    assert!(checked >= 17, "only {checked} rule files checked");
}

#[test]
fn no_two_modules_import_each_other() {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    let modules: BTreeSet<String> = files.iter().map(|p| module_of(p)).collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for path in &files {
        let code = code(path);
        graph
            .entry(module_of(path))
            .or_default()
            .extend(imports(path, &code, &modules));
    }
    let mut circles = Vec::new();
    for (a, targets) in &graph {
        for b in targets {
            if a < b && graph.get(b).is_some_and(|t| t.contains(a)) {
                circles.push(format!("{a} <-> {b}"));
            }
        }
    }
    // The known pairs this test was written for must be among the modules it sees.
    for module in [
        "finding",
        "rules",
        "template",
        "references",
        "model::route",
        "model::sam",
    ] {
        assert!(modules.contains(module), "no module {module}");
    }
    assert!(circles.is_empty(), "modules import each other: {circles:?}");
}
