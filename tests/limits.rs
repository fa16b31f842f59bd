//! Issue 14: input limits of the JSON reader, on large files generated at test time (in a temp folder).
//! Each run must end with exit 1 and one TPL001 naming the limit it hit (nodes, bytes, duplicate keys),
//! and print a bounded report with no control character and no CI runner command.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

mod common;

use std::path::PathBuf;

use common::{Run, iamlint, iamlint_stdin};
use iamlint::load::MAX_NODES;

/// A fresh temp folder for one test.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("iamlint-limits-{name}-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Neither stream has a control character other than a newline, or a line a CI runner reads as a
/// command; stdout is at most `max_bytes`.
fn assert_clean(run: &Run, max_bytes: usize) {
    for (name, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "{name} has a control character"
        );
        assert!(
            !text
                .lines()
                .any(|l| l.trim_start().starts_with("::") || l.contains("##[")),
            "{name} has a runner command"
        );
    }
    assert!(
        run.stdout.len() <= max_bytes,
        "stdout is {} bytes, more than {max_bytes}",
        run.stdout.len()
    );
}

/// The TPL001 messages of a JSON report.
fn tpl001_messages(run: &Run) -> Vec<String> {
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "TPL001")
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect()
}

/// `[0,0,0,…]` just under the 16 MiB file limit: 8 million values, refused at the node limit (the
/// message names nodes, not YAML aliases), in human output and JSON alike.
#[test]
fn sixteen_mib_of_tiny_json_values_is_refused_at_the_node_limit() {
    let dir = temp_dir("tiny");
    let values = (16 * 1024 * 1024 - 2) / 2;
    let mut text = String::with_capacity(16 * 1024 * 1024);
    text.push('[');
    text.push_str(&"0,".repeat(values - 1));
    text.push_str("0]");
    let path = dir.join("tiny.json");
    std::fs::write(&path, &text).unwrap();
    let path = path.to_str().unwrap();

    let run = iamlint(&["check", "--format", "json", path]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_clean(&run, 4096);
    let messages = tpl001_messages(&run);
    assert_eq!(
        messages,
        [format!(
            "the document has more than {MAX_NODES} nodes (JSON values and keys), iamlint's limit"
        )]
    );
    let human = iamlint(&["check", path]);
    assert_eq!(human.code, 1, "{}", human.stderr);
    assert_clean(&human, 8192);
    assert!(
        human.stdout.contains("nodes (JSON values and keys)"),
        "{}",
        human.stdout
    );
    assert!(!human.stdout.contains("alias"), "{}", human.stdout);
    std::fs::remove_dir_all(&dir).ok();
}

/// A mapping of many small resources within the limits loads (1.2 million nodes).
#[test]
fn a_large_json_template_within_the_limits_loads() {
    let dir = temp_dir("large");
    let resources: Vec<String> = (0..200_000)
        .map(|i| format!("\"Topic{i}\":{{\"Type\":\"AWS::SNS::Topic\"}}"))
        .collect();
    let text = format!("{{\"Resources\":{{{}}}}}", resources.join(","));
    let path = dir.join("large.json");
    std::fs::write(&path, &text).unwrap();
    let run = iamlint(&["check", "--format", "json", path.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_clean(&run, 4096);
    std::fs::remove_dir_all(&dir).ok();
}

/// 300,000 duplicate keys (JSON and YAML): the first 100 are listed, the rest are one finding that
/// counts them, so the report stays small (it was one finding per key: 1.5 GB of JSON from 12 MB).
#[test]
fn duplicate_keys_past_the_first_hundred_are_counted_in_one_finding() {
    let dir = temp_dir("duplicates");
    let dups = 300_000;
    let json = format!(
        "{{\"Resources\":{{\"T\":{{\"Type\":\"AWS::SNS::Topic\"}}}},{}}}",
        vec!["\"a\":0"; dups].join(",")
    );
    let yaml = format!(
        "Resources:\n  T:\n    Type: AWS::SNS::Topic\n{}",
        "a: 0\n".repeat(dups)
    );
    for (name, text) in [("dups.json", json), ("dups.yaml", yaml)] {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let run = iamlint(&["check", "--format", "json", path.to_str().unwrap()]);
        assert_eq!(run.code, 1, "{name}: {}", run.stderr);
        assert_clean(&run, 200_000);
        let messages = tpl001_messages(&run);
        assert_eq!(messages.len(), 101, "{name}");
        assert!(
            messages[..100].iter().all(|m| m == "duplicate key `a`"),
            "{name}"
        );
        assert_eq!(
            messages[100],
            format!(
                "{} more duplicate keys, from here on (only the first 100 are listed)",
                dups - 1 - 100
            ),
            "{name}"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// Standard input is capped like a file: more than 16 MiB is refused at once (exit 2, one line),
/// without reading the rest.
#[test]
fn a_template_past_sixteen_mib_on_standard_input_is_refused() {
    let text = format!(
        "{{\"Resources\":{{}},\"Pad\":\"{}\"}}",
        "x".repeat(17 * 1024 * 1024)
    );
    let run = iamlint_stdin(
        &[
            "check",
            "--format",
            "json",
            "--stdin-filename",
            "big.json",
            "-",
        ],
        &text,
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_clean(&run, 4096);
    assert_eq!(
        run.stderr,
        "error: standard input is more than 16 MiB, iamlint's limit for a template\n"
    );
}

/// Issue 14: 100k undefined `${V}` on one line took over 10 s (each column counted from the line's
/// start), and 30 KB of input gave 291 MB of human output (each snippet printed the whole line).
/// Generated here: 20,000 on one line, one REF001 each, in linear time and output.
#[test]
fn many_findings_on_one_long_line_stay_linear_in_output() {
    let dir = temp_dir("one-line-subs");
    let subs = "${V}".repeat(20_000);
    let template = format!(
        "Resources:\n  A:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !Sub '{subs}'\n"
    );
    let path = dir.join("t.yaml");
    std::fs::write(&path, &template).unwrap();
    let path = path.to_str().unwrap();
    let human = iamlint(&["check", "--color", "never", path]);
    assert_eq!(human.code, 1, "{}", human.stderr);
    assert_clean(&human, 20_000 * 400);
    assert!(
        human.stdout.contains("Found 20000 errors in 1 file."),
        "{}",
        human.stderr
    );
    let json = iamlint(&["check", "--format", "json", path]);
    assert_clean(&json, 20_000 * 600);
    let report: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let last = report["findings"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    // Columns count characters: the first `${V}` is at column 24 (after `      TopicName: !Sub '`).
    assert_eq!(last["column"], 24 + 4 * 19_999, "{last}");
}

/// Many findings whose span is one long list (`fixtures/regressions/snippet-many-lines.yaml`, found
/// by `fuzz/`: 789 `IAM003` on a `Resource` list of 789 lines): each is listed by its location, not
/// shown with every covered line (84 MB of human output from 100 KB before).
#[test]
fn findings_on_a_long_span_stay_linear_in_output() {
    let path = "fixtures/regressions/snippet-many-lines.yaml";
    let human = iamlint(&["check", "--color", "never", path]);
    assert_eq!(human.code, 1, "{}", human.stderr);
    assert_clean(&human, 2_000_000);
    assert!(human.stdout.contains("Found 789 warnings in 1 file."));
    assert!(
        human
            .stdout
            .contains("(a line too long, or too many lines, to show)")
    );
    let colour = iamlint(&["check", "--color", "always", path]);
    assert!(colour.stdout.len() <= 2_000_000, "{}", colour.stdout.len());
}
