//! Issue 20: the gate's own writes and the suppressions a pull request writes. A report is written
//! as a new regular file, never through a committed link (`--output-file`); the templates' own
//! suppressions can be refused (`--no-inline-suppressions`, config `inline-suppressions: false`),
//! each listed; SARIF message text from the templates cannot become a link; a file named `::x.yaml`
//! is annotated under its own name.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

mod common;

use std::path::Path;

use common::iamlint_at as run_in;

fn seed_in(dir: &Path) {
    let seed = std::fs::read_to_string(common::root().join("fixtures/seed/sam.yaml")).unwrap();
    std::fs::write(dir.join("template.yaml"), seed).unwrap();
}

const VICTIM: &str = "#!/bin/sh\necho the runner's own tool\n";

#[cfg(unix)]
#[test]
fn output_file_refuses_a_committed_link_and_leaves_its_target_alone() {
    let outside = tempfile::tempdir().unwrap();
    let victim = outside.path().join("tool");
    std::fs::write(&victim, VICTIM).unwrap();
    let repo = tempfile::tempdir().unwrap();
    seed_in(repo.path());
    std::os::unix::fs::symlink(&victim, repo.path().join("iamlint.sarif")).unwrap();
    for format in ["sarif", "json", "gitlab", "human"] {
        let run = run_in(
            repo.path(),
            &["check", ".", "--format", format, "-o", "iamlint.sarif"],
        );
        assert_eq!(run.code, 2, "{format}: {}", run.stderr);
        assert!(
            run.stderr
                .contains("cannot write iamlint.sarif: it is a symbolic link"),
            "{}",
            run.stderr
        );
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), VICTIM);
    }
    // A dangling link is not followed either (it would create the file it names).
    std::fs::remove_file(repo.path().join("iamlint.sarif")).unwrap();
    let planted = outside.path().join("planted");
    std::os::unix::fs::symlink(&planted, repo.path().join("iamlint.sarif")).unwrap();
    let run = run_in(repo.path(), &["check", ".", "-o", "iamlint.sarif"]);
    assert_eq!(run.code, 2);
    assert!(!planted.exists());
}

#[cfg(unix)]
#[test]
fn output_file_refuses_a_folder_reached_through_a_committed_link() {
    let outside = tempfile::tempdir().unwrap();
    let repo = tempfile::tempdir().unwrap();
    seed_in(repo.path());
    std::os::unix::fs::symlink(outside.path(), repo.path().join("reports")).unwrap();
    let run = run_in(repo.path(), &["check", ".", "-o", "reports/tool"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("through a symbolic link"),
        "{}",
        run.stderr
    );
    assert!(!outside.path().join("tool").exists());
}

#[test]
fn output_file_replaces_a_regular_file_and_refuses_a_folder() {
    let repo = tempfile::tempdir().unwrap();
    seed_in(repo.path());
    std::fs::write(repo.path().join("report.json"), "old").unwrap();
    let run = run_in(
        repo.path(),
        &["check", ".", "--format", "json", "-o", "report.json"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let written = std::fs::read_to_string(repo.path().join("report.json")).unwrap();
    assert!(serde_json::from_str::<serde_json::Value>(&written).is_ok());
    let names: Vec<String> = std::fs::read_dir(repo.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|n| !n.starts_with(".iamlint-report-")),
        "a temporary file was left: {names:?}"
    );
    std::fs::create_dir(repo.path().join("out")).unwrap();
    let run = run_in(repo.path(), &["check", ".", "-o", "out"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("not a regular file"), "{}", run.stderr);
}

const SUPPRESSED: &str = "fixtures/SUP001/good-comment.yaml";

#[test]
fn inline_suppressions_are_honoured_by_default() {
    let run = common::iamlint(&["check", SUPPRESSED]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("2 findings were suppressed in the templates")
    );
}

#[test]
fn no_inline_suppressions_reports_the_findings_and_lists_each_refused() {
    let run = common::iamlint(&["check", SUPPRESSED, "--no-inline-suppressions"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("CORS001(credentials-with-wildcard-origin)")
    );
    assert!(
        run.stdout
            .contains("CORS004(gateway-responses-cors-mismatch)")
    );
    assert!(
        run.stdout.contains(
            "Inline suppressions are off: 2 refused (fixtures/SUP001/good-comment.yaml:6 CORS004, \
             fixtures/SUP001/good-comment.yaml:21 CORS001)."
        ),
        "{}",
        run.stdout
    );
    // No SUP001 for a refused suppression: it is not unused, it is refused.
    assert!(!run.stdout.contains("SUP001(unused-suppression)"));

    let sarif = common::iamlint(&[
        "check",
        SUPPRESSED,
        "--no-inline-suppressions",
        "--format",
        "sarif",
    ]);
    assert_eq!(sarif.code, 1);
    assert!(
        sarif
            .stderr
            .contains("note: Inline suppressions are off: 2 refused")
    );
    let sarif: serde_json::Value = serde_json::from_str(&sarif.stdout).unwrap();
    let run0 = &sarif["runs"][0];
    let results = run0["results"].as_array().unwrap();
    assert!(results.iter().all(|r| r.get("suppressions").is_none()));
    let refused = run0["invocations"][0]["properties"]["refusedInSource"]
        .as_array()
        .unwrap();
    assert_eq!(refused.len(), 2);
    assert_eq!(refused[1]["rule"], "CORS001");
    assert_eq!(refused[1]["line"], 21);

    let (json, code) = common::check_json(&[SUPPRESSED, "--no-inline-suppressions"]);
    assert_eq!(code, 1);
    let refused = json["summary"]["configuration"]["refused_in_source"]
        .as_array()
        .unwrap();
    assert_eq!(refused.len(), 2);
    assert_eq!(refused[0]["file"], SUPPRESSED);
}

#[test]
fn a_pinned_config_refuses_inline_suppressions() {
    let dir = tempfile::tempdir().unwrap();
    let pinned = dir.path().join("pinned.yaml");
    std::fs::write(&pinned, "inline-suppressions: false\n").unwrap();
    let run = common::iamlint(&["check", SUPPRESSED, "--config", pinned.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("silenced nothing; inline suppressions are off: 2 refused"),
        "{}",
        run.stdout
    );
    std::fs::write(&pinned, "inline-suppressions: maybe\n").unwrap();
    let run = common::iamlint(&["check", SUPPRESSED, "--config", pinned.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("`inline-suppressions`: expected true or false")
    );
}

/// Whether `](https://evil.example)` occurs with its `]` not escaped.
fn has_unescaped_link(text: &str) -> bool {
    text.match_indices("](https://evil.example)")
        .any(|(at, _)| !text[..at].ends_with('\\'))
}

/// A Markdown link in a template's text stays text in SARIF, related locations or not.
#[test]
fn sarif_messages_escape_every_bracket_from_the_templates() {
    let dir = tempfile::tempdir().unwrap();
    let seed = std::fs::read_to_string(common::root().join("fixtures/seed/sam.yaml")).unwrap();
    // The API's logical id appears in CORS messages, which have no related locations.
    let hostile = seed.replace("AdminApi", "AdminApiX](https://evil.example)![img");
    assert_ne!(hostile, seed);
    std::fs::write(dir.path().join("t.yaml"), hostile).unwrap();
    let run = run_in(dir.path(), &["check", "t.yaml", "--format", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let mut checked = 0;
    for result in results {
        let text = result["message"]["text"].as_str().unwrap();
        if !text.contains("evil.example") {
            continue;
        }
        checked += 1;
        assert!(!has_unescaped_link(text), "an unescaped link: {text}");
        assert!(text.contains("\\](https://evil.example)"), "{text}");
        for related in result["relatedLocations"].as_array().unwrap() {
            let text = related["message"]["text"].as_str().unwrap();
            assert!(!has_unescaped_link(text), "{text}");
        }
    }
    assert!(checked > 0, "no message names the hostile id");
    let plain: Vec<&serde_json::Value> = results
        .iter()
        .filter(|r| {
            r["relatedLocations"]
                .as_array()
                .is_some_and(|a| a.is_empty())
        })
        .filter(|r| r["message"]["text"].as_str().unwrap().contains("evil"))
        .collect();
    assert!(
        !plain.is_empty(),
        "no finding without related locations was checked"
    );
}

#[test]
fn github_annotations_name_a_colon_file_as_the_runner_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    let seed = std::fs::read_to_string(common::root().join("fixtures/seed/sam.yaml")).unwrap();
    std::fs::write(dir.path().join("::x.yaml"), seed).unwrap();
    let run = run_in(dir.path(), &["check", ".", "--format", "github"]);
    assert_eq!(run.code, 1);
    let first = run.stdout.lines().next().unwrap();
    assert!(
        first.starts_with("::warning file=%3A%3Ax.yaml,line="),
        "{first}"
    );
}

/// A skipped template's SARIF notification names it with its brackets escaped: a committed link
/// named `[the fix](https://evil.example).yaml` stays text.
#[cfg(unix)]
#[test]
fn sarif_notifications_escape_the_brackets_of_a_skipped_name() {
    let dir = tempfile::tempdir().unwrap();
    seed_in(dir.path());
    std::os::unix::fs::symlink(
        dir.path().join("missing"),
        dir.path().join("[the fix](https:evil.example).yaml"),
    )
    .unwrap();
    let run = run_in(dir.path(), &["check", ".", "--format", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let notifications = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    let text = notifications
        .iter()
        .filter_map(|n| n["message"]["text"].as_str())
        .find(|t| t.contains("evil.example"))
        .expect("the link is named as skipped");
    assert!(text.contains("\\[the fix\\](https:evil.example)"), "{text}");
}
