//! Every rule against its fixtures: each `fixtures/<CODE>/bad*` (file or folder of one deployment)
//! must report that rule, each `good*` must report nothing at all. The JSON report of every bad
//! fixture is snapshot-tested, so the exact lines and messages are reviewed. A fixture folder with its
//! own `.iamlint.yaml` is checked with it (`--config`), as the PAR fixtures need.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

mod common;

use common::{check_json, iamlint, root};
use iamlint::rules::ALL_RULES;

fn fixtures_of(code: &str) -> Vec<String> {
    let dir = root().join("fixtures").join(code);
    let mut entries: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{code}: no fixture folder {}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !name.ends_with(".md"))
        .collect();
    entries.sort();
    entries
}

/// `PATH`, preceded by `--config PATH/.iamlint.yaml` when the fixture folder has one.
fn fixture_args(path: &str) -> Vec<String> {
    let config = format!("{path}/.iamlint.yaml");
    let mut args = Vec::new();
    if root().join(&config).is_file() {
        args.extend(["--config".to_string(), config]);
    }
    args.push(path.to_string());
    args
}

#[test]
fn every_rule_has_bad_good_and_json_fixtures() {
    for rule in ALL_RULES {
        let code = rule.meta().code;
        let entries = fixtures_of(code);
        assert!(
            entries.iter().any(|e| e.starts_with("bad")),
            "{code}: no bad fixture"
        );
        assert!(
            entries.iter().any(|e| e.starts_with("good")),
            "{code}: no good fixture"
        );
        assert!(
            entries.iter().any(|e| e == "bad.json" || e == "bad-json"),
            "{code}: no JSON variant (bad.json or bad-json/)"
        );
    }
}

#[test]
fn bad_fixtures_report_their_rule() {
    for rule in ALL_RULES {
        let code = rule.meta().code;
        for entry in fixtures_of(code).iter().filter(|e| e.starts_with("bad")) {
            let path = format!("fixtures/{code}/{entry}");
            let args = fixture_args(&path);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let (json, exit) = check_json(&args);
            let rules: Vec<&str> = json["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["rule"].as_str().unwrap())
                .collect();
            assert!(
                rules.contains(&code),
                "{path}: expected {code}, got {rules:?}"
            );
            // Notes do not fail a run (the default --fail-on is warning).
            let failing = json["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["severity"] != "note");
            assert_eq!(exit, i32::from(failing), "{path}: exit code");
            let name = format!("{code}_{}", entry.replace('.', "_"));
            let run = iamlint(&[&["check", "--format", "json"], args.as_slice()].concat());
            insta::assert_snapshot!(name, run.stdout);
        }
    }
}

#[test]
fn good_fixtures_report_nothing() {
    for rule in ALL_RULES {
        let code = rule.meta().code;
        for entry in fixtures_of(code).iter().filter(|e| e.starts_with("good")) {
            let path = format!("fixtures/{code}/{entry}");
            let args = fixture_args(&path);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let (json, exit) = check_json(&args);
            assert_eq!(
                json["findings"].as_array().unwrap().len(),
                0,
                "{path}: {json:#}"
            );
            assert_eq!(exit, 0, "{path}: exit code");
        }
    }
}
