//! What the configuration silenced is said in every report (issue 14): a pull request's own
//! `.iamlint.yaml` that turns a rule off makes the human summary, stderr and SARIF name the config and
//! count what it silenced; suppressed findings stay in SARIF as results with `suppressions`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

mod common;

/// `iamlint ARGS` from the crate root: exit code, stdout, stderr.
fn iamlint(args: &[&str]) -> (i32, String, String) {
    let run = common::iamlint(args);
    (run.code, run.stdout, run.stderr)
}
/// The seed and a config beside it (the seed has one CORS001 error and two CORS002 warnings).
fn seed_with_config(name: &str, config: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("iamlint-audit-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for file in ["sam.yaml", "cfn.yaml"] {
        std::fs::copy(format!("fixtures/seed/{file}"), dir.join(file)).unwrap();
    }
    std::fs::write(dir.join(".iamlint.yaml"), config).unwrap();
    dir
}

#[test]
fn a_config_that_turns_a_rule_off_is_said_in_the_human_summary() {
    let dir = seed_with_config("human", "rules:\n  CORS001: off\n  CORS002: note\n");
    let dir = dir.to_str().unwrap();
    let (_, clean, _) = iamlint(&["check", "--isolated", "--color", "never", dir]);
    assert!(clean.contains("CORS001("), "{clean}");
    let (_, out, _) = iamlint(&["check", "--color", "never", dir]);
    assert!(!out.contains("CORS001("), "{out}");
    let config = format!("{dir}/.iamlint.yaml");
    let expected =
        format!("Config {config} turned off 1 finding and lowered the severity of 2 findings.\n");
    assert!(out.contains(&expected), "{out}");
    // Above the summary line, so `--quiet` keeps it.
    let (_, quiet, _) = iamlint(&["check", "--quiet", "--color", "never", dir]);
    assert!(quiet.ends_with(&expected), "{quiet}");
}

#[test]
fn other_formats_say_it_on_stderr_and_sarif_keeps_the_suppressed_results() {
    let dir = seed_with_config("sarif", "rules:\n  CORS001: off\n");
    let dir = dir.to_str().unwrap();
    let (_, _, err) = iamlint(&["check", "--format", "github", dir]);
    assert!(
        err.contains(&format!(
            "note: Config {dir}/.iamlint.yaml turned off 1 finding."
        )),
        "{err}"
    );
    let (_, sarif, _) = iamlint(&["check", "--format", "sarif", dir]);
    let log: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let run = &log["runs"][0];
    let properties = &run["invocations"][0]["properties"];
    assert_eq!(properties["suppressedByConfig"], 1, "{properties}");
    assert_eq!(
        properties["configFiles"][0],
        format!("{dir}/.iamlint.yaml"),
        "{properties}"
    );
    let suppressed: Vec<&serde_json::Value> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["ruleId"], "CORS001");
    assert_eq!(suppressed[0]["suppressions"][0]["kind"], "external");
}

#[test]
fn inline_suppressions_are_counted_and_kept_with_their_reason() {
    let fixture = "fixtures/SUP001/good-comment.yaml";
    let (_, sarif, _) = iamlint(&["check", "--isolated", "--format", "sarif", fixture]);
    let log: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let run = &log["runs"][0];
    assert_eq!(run["invocations"][0]["properties"]["suppressedInSource"], 2);
    let cors001 = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "CORS001")
        .expect("the suppressed CORS001 is kept");
    let suppression = &cors001["suppressions"][0];
    assert_eq!(suppression["kind"], "inSource");
    assert_eq!(
        suppression["justification"],
        "reviewed: the page is served from every subdomain"
    );
    let (_, json, _) = iamlint(&["check", "--isolated", "--format", "json", fixture]);
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        report["summary"]["configuration"]["suppressed_in_source"],
        2
    );
}

#[test]
fn a_pinned_config_overrides_the_pull_requests_own() {
    let dir = seed_with_config("pinned", "rules:\n  CORS001: off\n");
    let pinned = format!("{}/pinned.yaml", dir.display());
    std::fs::write(&pinned, "fail-on: error\n").unwrap();
    let (code, out, _) = iamlint(&[
        "check",
        "--config",
        &pinned,
        "--color",
        "never",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(out.contains("CORS001("), "{out}");
    assert!(
        out.contains(&format!("Config {pinned} silenced nothing.")),
        "{out}"
    );
}
