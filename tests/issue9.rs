//! Issue 9 (right on real templates), through the CLI: the exact rule codes, severities and exit
//! codes on fixtures shaped like the serverless-patterns templates that misled iamlint, each with a
//! control that edits out the one thing that matters.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

mod common;

use std::path::PathBuf;

use common::{iamlint, root};

/// `(rule, severity)` of each finding, in report order, and the exit code.
fn check(path: &str) -> (Vec<(String, String)>, i32) {
    let run = iamlint(&["check", "--format", "json", path]);
    let json: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", run.stdout));
    let found = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (found, run.code)
}

/// A copy of fixture file `file` with `from` replaced by `to`, in a fresh temporary folder.
fn variant(name: &str, file: &str, from: &str, to: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("iamlint-issue9-{name}-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string(root().join(file)).unwrap();
    assert!(text.contains(from), "{file} changed: {from:?}");
    let path = dir.join("template.yaml");
    std::fs::write(&path, text.replace(from, to)).unwrap();
    path
}

fn pairs(wanted: &[(&str, &str)]) -> Vec<(String, String)> {
    wanted
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn a_permission_on_the_alias_covers_an_alias_qualified_uri_and_only_it() {
    let good = "fixtures/IAM005/good-alias-uri-alias-permission.yaml";
    assert_eq!(check(good), (vec![], 0));
    // Control: the same permission on the bare function is an error.
    let bare = variant(
        "bare-permission",
        good,
        "FunctionName: !Ref Live",
        "FunctionName: !GetAtt Fn.Arn",
    );
    assert_eq!(
        check(bare.to_str().unwrap()),
        (pairs(&[("IAM005", "error")]), 1)
    );
}

#[test]
fn a_permission_whose_function_name_is_unknown_gives_a_note_not_an_error() {
    let good = "fixtures/IAM005/good.yaml";
    let unknown = variant(
        "unknown-function-name",
        good,
        "      FunctionName: !GetAtt Fn.Arn\n",
        "      FunctionName: !ImportValue shared-function-arn\n",
    );
    assert_eq!(
        check(unknown.to_str().unwrap()),
        // The exit code is REF002's warning; the IAM005 note alone would not fail the run.
        (pairs(&[("IAM005", "note"), ("REF002", "warning")]), 1)
    );
}

#[test]
fn an_unknown_stage_is_shown_as_unknown_not_as_internal_text() {
    let good = "fixtures/IAM001/bad-alias-uri/api.yaml";
    let unknown = variant(
        "unknown-stage",
        good,
        "StageName: prod}",
        "StageName: !Ref Stage}",
    );
    let path = unknown.to_str().unwrap();
    let table = iamlint(&["routes", path]);
    assert!(table.stdout.contains(" ? "), "{}", table.stdout);
    let check = iamlint(&["check", path]);
    for out in [&table.stdout, &check.stdout] {
        assert!(!out.contains("<unknown"), "{out}");
    }
}
