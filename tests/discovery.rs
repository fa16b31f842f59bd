//! Issue 12, discovery and config lookup, through the CLI (run from the repository root, so the config
//! of a fixture is found from the checked path, not from the current folder): `.gitignore`d folders,
//! `--no-ignore`, packaged copies beside their source, `.iamlint.yaml`/`.iamlint.yml` per checked
//! path, `exclude` with a bare folder name, `--isolated`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

mod common;

use common::{Run, iamlint};

/// What a `--format json` run reports, one line per finding (`RULE file`), with its exit code and
/// stderr: compact enough to review in a snapshot.
fn outline(run: &Run) -> String {
    let json: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", run.stdout, run.stderr));
    let mut lines = vec![format!(
        "exit {}, {} file(s) read",
        run.code, json["summary"]["files"]
    )];
    for finding in json["findings"].as_array().unwrap() {
        lines.push(format!(
            "{} {}",
            finding["rule"].as_str().unwrap(),
            finding["file"].as_str().unwrap()
        ));
    }
    lines.push(format!("stderr: {}", run.stderr.trim_end()));
    lines.join("\n")
}

fn check_json(args: &[&str]) -> Run {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    iamlint(&all)
}

fn rules_of(run: &Run) -> Vec<String> {
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

/// `build/` is in the fixture's `.gitignore` (the folder is no git repository of its own): skipped;
/// `--no-ignore` reads it, and the copy doubles every finding and adds a REF003.
#[test]
fn a_gitignored_folder_is_skipped_unless_no_ignore() {
    let honoured = check_json(&["fixtures/discovery/gitignored"]);
    insta::assert_snapshot!("discovery_gitignored", outline(&honoured));
    let all = check_json(&["--no-ignore", "fixtures/discovery/gitignored"]);
    insta::assert_snapshot!("discovery_gitignored_no_ignore", outline(&all));
    assert!(rules_of(&all).contains(&"REF003".to_string()));
    assert!(!rules_of(&honoured).contains(&"REF003".to_string()));
}

/// `packaged.yaml` is `sam package`'s output beside `template.yaml` (S3 `CodeUri`): skipped with one
/// note, so the findings are not doubled and there is no REF003 for the export both define. Named
/// on the command line, it is read.
#[test]
fn a_packaged_copy_beside_its_source_is_skipped_once() {
    let human = iamlint(&["check", "fixtures/discovery/packaged"]);
    assert_eq!(human.code, 1);
    insta::assert_snapshot!("discovery_packaged_human", human.stdout);
    insta::assert_snapshot!("discovery_packaged_stderr", human.stderr);
    let json = check_json(&["fixtures/discovery/packaged"]);
    insta::assert_snapshot!("discovery_packaged", outline(&json));
    let named = check_json(&[
        "fixtures/discovery/packaged/packaged.yaml",
        "fixtures/discovery/packaged",
    ]);
    assert_eq!(named.stderr, "", "named, it is no skipped copy");
    let rules = rules_of(&named);
    assert_eq!(rules.iter().filter(|r| *r == "CORS001").count(), 2);
    assert!(rules.contains(&"REF003".to_string()));
    // `graph` and `routes` read the same files and say so too.
    let routes = iamlint(&["routes", "fixtures/discovery/packaged"]);
    assert!(
        routes.stderr.starts_with("note: skipped "),
        "{}",
        routes.stderr
    );
}

/// From the repository root, `check fixtures/discovery/with-config/` uses the `.iamlint.yaml` in
/// the checked folder (CORS001 off), also for a file named in it; `--isolated` uses none.
#[test]
fn the_config_is_found_from_the_checked_path() {
    let folder = check_json(&["fixtures/discovery/with-config/"]);
    insta::assert_snapshot!("discovery_with_config", outline(&folder));
    let file = check_json(&["fixtures/discovery/with-config/template.yaml"]);
    assert_eq!(rules_of(&file), rules_of(&folder));
    let isolated = check_json(&["--isolated", "fixtures/discovery/with-config/"]);
    insta::assert_snapshot!("discovery_with_config_isolated", outline(&isolated));
    assert!(rules_of(&isolated).contains(&"CORS001".to_string()));
    assert!(!rules_of(&folder).contains(&"CORS001".to_string()));
    let both = iamlint(&[
        "check",
        "--isolated",
        "--config",
        "fixtures/discovery/with-config/.iamlint.yaml",
        "fixtures/discovery/with-config/",
    ]);
    assert_eq!(both.code, 2, "--isolated conflicts with --config");
}

/// `.iamlint.yml` is found like `.iamlint.yaml`; its `exclude: [roles]` keeps the whole `roles`
/// folder out (REF002 when it is read).
#[test]
fn a_yml_config_and_a_bare_folder_exclude() {
    let excluded = check_json(&["fixtures/discovery/with-yml"]);
    insta::assert_snapshot!("discovery_with_yml", outline(&excluded));
    let isolated = check_json(&["--isolated", "fixtures/discovery/with-yml"]);
    insta::assert_snapshot!("discovery_with_yml_isolated", outline(&isolated));
}

/// Checked paths with different configs: each file gets its own config's rule settings; the
/// deployment-wide settings come from the first checked path's config, and a warning names the
/// other config whose settings are not used.
#[test]
fn paths_with_different_configs() {
    let run = check_json(&[
        "fixtures/discovery/with-config",
        "fixtures/config/project",
        "fixtures/discovery/with-yml",
    ]);
    insta::assert_snapshot!("discovery_two_configs", outline(&run));
}
