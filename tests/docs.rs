//! Rules and their docs correspond one to one, with the fixed headings; the README lists every rule.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use iamlint::rules::{ALL_RULES, find};

const HEADINGS: [&str; 5] = [
    "## What it does",
    "## Why it matters",
    "## Example",
    "## Fix",
    "## References",
];

fn root() -> &'static std::path::Path {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn every_rule_has_its_doc_with_the_fixed_headings() {
    for rule in ALL_RULES {
        let meta = rule.meta();
        let path = root()
            .join("rules")
            .join(format!("{}-{}.md", meta.code, meta.name));
        let on_disk =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(
            on_disk, meta.doc,
            "{}: embedded doc differs from the file",
            meta.code
        );
        let title = format!("# {} `{}`", meta.code, meta.name);
        assert_eq!(
            on_disk.lines().next(),
            Some(title.as_str()),
            "{}: title",
            meta.code
        );
        let severity = format!("Severity: {}", meta.severity);
        assert!(
            on_disk.contains(&severity),
            "{}: doc does not say `{severity}`",
            meta.code
        );
        let positions: Vec<usize> = HEADINGS
            .iter()
            .map(|h| {
                on_disk
                    .lines()
                    .position(|l| l == *h)
                    .unwrap_or_else(|| panic!("{}: missing `{h}`", meta.code))
            })
            .collect();
        assert!(
            positions.windows(2).all(|w| w[0] < w[1]),
            "{}: headings out of order",
            meta.code
        );
        let summary = meta.summary();
        assert!(
            !summary.is_empty() && summary.len() < 120 && !summary.contains("]("),
            "{}: summary `{summary}`",
            meta.code
        );
        assert_eq!(
            on_disk.matches("```").count() % 2,
            0,
            "{}: unclosed code fence",
            meta.code
        );
    }
}

#[test]
fn every_doc_belongs_to_a_rule() {
    for entry in std::fs::read_dir(root().join("rules")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name == "README.md" {
            continue;
        }
        let code = name.split('-').next().unwrap_or_default();
        let meta = find(code).unwrap_or_else(|| panic!("rules/{name} documents no rule"));
        assert_eq!(name, format!("{}-{}.md", meta.code, meta.name));
    }
}

#[test]
fn codes_and_names_are_unique_and_findable() {
    let mut seen = std::collections::HashSet::new();
    for rule in ALL_RULES {
        let meta = rule.meta();
        assert!(
            seen.insert(meta.code) && seen.insert(meta.name),
            "duplicate {}",
            meta.code
        );
        assert_eq!(find(meta.name).map(|m| m.code), Some(meta.code));
        assert_eq!(
            find(&meta.code.to_lowercase()).map(|m| m.code),
            Some(meta.code)
        );
    }
}

#[test]
fn readmes_list_every_rule() {
    for readme in ["README.md", "rules/README.md"] {
        let text = std::fs::read_to_string(root().join(readme)).unwrap();
        for rule in ALL_RULES {
            let meta = rule.meta();
            assert!(
                text.contains(meta.code) && text.contains(meta.name),
                "{readme} lacks {} {}",
                meta.code,
                meta.name
            );
        }
    }
}

/// The README's output examples are real: each ```text block after `<!-- output of: iamlint … -->`
/// is what that command prints (no colour, fixed width), in full, or, when the comment says it is an
/// excerpt, line for line in order with `...` standing for lines left out.
#[test]
fn readme_examples_are_real_output() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let mut checked = 0;
    let mut rest = readme.as_str();
    while let Some(at) = rest.find("<!-- output of: iamlint ") {
        rest = &rest[at + "<!-- output of: iamlint ".len()..];
        let end = rest.find("-->").unwrap();
        let comment = rest[..end].trim();
        let excerpt = comment.contains("(an excerpt");
        let command = comment.split(" (").next().unwrap();
        let block_start = rest.find("```text\n").unwrap() + "```text\n".len();
        let block_end = block_start + rest[block_start..].find("```").unwrap();
        let block = &rest[block_start..block_end];
        let args: Vec<&str> = command.split_whitespace().collect();
        let output = assert_cmd::Command::cargo_bin("iamlint")
            .unwrap()
            .current_dir(root())
            .env("NO_COLOR", "1")
            .env("COLUMNS", "120")
            .args(&args)
            .output()
            .unwrap();
        let stdout = String::from_utf8(output.stdout).unwrap();
        if excerpt {
            let mut lines = stdout.lines();
            for line in block.lines().filter(|l| l.trim() != "...") {
                assert!(
                    lines.any(|l| l == line),
                    "README example of `iamlint {command}`: line not in the output (or out of order): {line:?}\n{stdout}"
                );
            }
        } else {
            assert_eq!(block, stdout, "README example of `iamlint {command}`");
        }
        checked += 1;
    }
    assert!(checked >= 2, "README examples checked: {checked}");
}
