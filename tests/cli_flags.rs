//! ruff's command-line habits: rule selection (`--select`, `--extend-select`, `--ignore` and the
//! config's keys), `--exit-zero`, `--output-file`, `--statistics`, and a template on stdin.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

mod common;

use common::{iamlint, iamlint_stdin};

/// `COUNT  CODE  name` lines of `check --statistics ARGS... fixtures/seed`, after a header naming
/// the selection.
fn statistics_of(selection: &[&str]) -> String {
    let mut args = vec!["check", "--statistics"];
    args.extend_from_slice(selection);
    args.push("fixtures/seed");
    let run = iamlint(&args);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    format!("$ iamlint {}\n{}", args.join(" "), run.stdout)
}

/// A temporary folder holding `files`, removed when dropped.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn with(name: &str, files: &[(&str, &str)]) -> TempDir {
        let dir = std::env::temp_dir().join(format!("iamlint-flags-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (path, text) in files {
            std::fs::write(dir.join(path), text).unwrap();
        }
        TempDir(dir)
    }

    fn path(&self, name: &str) -> String {
        self.0.join(name).to_string_lossy().into_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

#[test]
fn statistics_count_findings_per_rule_most_first() {
    insta::assert_snapshot!("statistics_seed", statistics_of(&[]));
    let json = iamlint(&["check", "--statistics", "--format", "json", "fixtures/seed"]);
    assert_eq!(json.code, 1);
    insta::assert_snapshot!("statistics_seed_json", json.stdout);
}

#[test]
fn select_extend_select_and_ignore_by_code_name_and_prefix() {
    let runs = [
        statistics_of(&["--select", "CORS"]),
        statistics_of(&["--select", "CORS", "--ignore", "CORS00"]),
        // More specific wins: the code over the prefix it is in.
        statistics_of(&[
            "--select",
            "CORS",
            "--ignore",
            "CORS00",
            "--extend-select",
            "CORS001",
        ]),
        // Comma-separated and repeatable; names too.
        statistics_of(&["--select", "IAM010,import-cycle", "--select", "cors001"]),
        statistics_of(&["--ignore", "ALL", "--extend-select", "REF"]),
        statistics_of(&["--select", "ALL", "--ignore", "CORS002,CORS004"]),
    ];
    insta::assert_snapshot!("select_ignore_extend_select", runs.join("\n"));
}

#[test]
fn an_unknown_selector_is_a_usage_error_with_a_suggestion() {
    for (selector, suggestion) in [
        ("IAM0001", "did you mean `IAM001`?"),
        (
            "caller-missing-lambda-invok",
            "did you mean `caller-missing-lambda-invoke`?",
        ),
    ] {
        let run = iamlint(&["check", "--ignore", selector, "fixtures/seed"]);
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(run.stderr.contains(suggestion), "{}", run.stderr);
    }
    let run = iamlint(&["check", "--select", "IAM0001", "fixtures/seed"]);
    insta::assert_snapshot!("select_unknown", run.stderr);
}

#[test]
fn config_select_keys_and_the_command_line_over_them() {
    let dir = TempDir::with(
        "config",
        &[(
            ".iamlint.yaml",
            "select: [CORS, REF]\nignore: [CORS002]\nextend-select: [stage-not-covered]\nrules: {REF004: off}\n",
        )],
    );
    let config = dir.path(".iamlint.yaml");
    let runs = [
        statistics_of(&["--config", &config]),
        // The command line's select replaces the config's set (and its ignores).
        statistics_of(&["--config", &config, "--select", "CORS002"]),
        // extend-select and ignore adjust it; `rules: {X: off}` is an ignore the command line can undo.
        statistics_of(&[
            "--config",
            &config,
            "--extend-select",
            "REF004",
            "--ignore",
            "CORS",
        ]),
    ];
    insta::assert_snapshot!(
        "select_config",
        runs.join("\n").replace(&config, "<config>")
    );
    let bad = TempDir::with(
        "bad-config",
        &[(".iamlint.yaml", "ignore: [CORS, IAM0001]\n")],
    );
    let run = iamlint(&[
        "check",
        "--config",
        &bad.path(".iamlint.yaml"),
        "fixtures/seed",
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains(
            ".iamlint.yaml:1:9: `ignore`: unknown rule selector `IAM0001`; did you mean `IAM001`?"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn exit_zero_with_findings_but_not_on_errors() {
    let run = iamlint(&["check", "--exit-zero", "fixtures/seed"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("Found 1 error"), "{}", run.stdout);
    let run = iamlint(&[
        "check",
        "--exit-zero",
        "fixtures/seed",
        "fixtures/no-such-folder",
    ]);
    assert_eq!(run.code, 2, "an unreadable path: {}", run.stderr);
    let run = iamlint(&["check", "--exit-zero", "--select", "NOPE", "fixtures/seed"]);
    assert_eq!(run.code, 2);
}

#[test]
fn output_file_takes_the_report_for_every_format() {
    let dir = TempDir::with("output", &[]);
    for format in ["human", "json", "github", "sarif"] {
        let file = dir.path(&format!("report.{format}"));
        let to_file = iamlint(&[
            "check",
            "--format",
            format,
            "--output-file",
            &file,
            "fixtures/seed",
        ]);
        let to_stdout = iamlint(&["check", "--format", format, "fixtures/seed"]);
        assert_eq!(to_file.code, 1, "{format}: {}", to_file.stderr);
        assert_eq!(to_file.stdout, "", "{format}");
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            to_stdout.stdout,
            "{format}"
        );
    }
    let run = iamlint(&[
        "check",
        "-o",
        &dir.path("no-such-folder/report"),
        "fixtures/seed",
    ]);
    assert_eq!(run.code, 2);
    insta::assert_snapshot!(
        "output_file_unwritable",
        run.stderr.replace(&dir.path(""), "<tmp>/")
    );
}

#[test]
fn a_template_on_stdin_named_by_stdin_filename() {
    let template = std::fs::read_to_string("fixtures/CORS001/bad.yaml").unwrap();
    let named = iamlint_stdin(
        &[
            "check",
            "--format",
            "github",
            "-",
            "--stdin-filename",
            "fixtures/CORS001/bad.yaml",
        ],
        &template,
    );
    let from_disk = iamlint(&["check", "--format", "github", "fixtures/CORS001/bad.yaml"]);
    assert_eq!(named.code, 1);
    assert_eq!(named.stdout, from_disk.stdout);
    let unnamed = iamlint_stdin(&["check", "--statistics", "-"], &template);
    let json = iamlint_stdin(&["check", "--format", "json", "-"], &template);
    insta::assert_snapshot!(
        "stdin",
        format!(
            "{}\n{}",
            unnamed.stdout,
            common::locations(&serde_json::from_str(&json.stdout).unwrap())
                .iter()
                .map(|(rule, file, line, column)| format!("{rule} {file}:{line}:{column}\n"))
                .collect::<String>()
        )
    );
}

#[test]
fn stdin_filename_places_included_files_and_the_config() {
    let template = std::fs::read_to_string("fixtures/IAM005/bad-include/template.yaml").unwrap();
    let named = iamlint_stdin(
        &[
            "check",
            "--format",
            "json",
            "-",
            "--stdin-filename",
            "fixtures/IAM005/bad-include/template.yaml",
        ],
        &template,
    );
    let from_disk = iamlint(&[
        "check",
        "--format",
        "json",
        "fixtures/IAM005/bad-include/template.yaml",
    ]);
    assert_eq!(named.stdout, from_disk.stdout);
    assert!(named.stdout.contains("\"IAM005\""), "{}", named.stdout);
    // The config beside the named file applies.
    let dir = TempDir::with("stdin-config", &[(".iamlint.yaml", "ignore: [CORS001]\n")]);
    let bad = std::fs::read_to_string("fixtures/CORS001/bad.yaml").unwrap();
    let run = iamlint_stdin(
        &[
            "check",
            "--statistics",
            "-",
            "--stdin-filename",
            &dir.path("template.yaml"),
        ],
        &bad,
    );
    assert!(!run.stdout.contains("CORS001"), "{}", run.stdout);
    assert!(run.stdout.contains("CORS004"), "{}", run.stdout);
}
