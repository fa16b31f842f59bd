//! The repository boundary (issue 20, item 1): a file a template (or discovery's neighbour search)
//! names is read only when it resolves inside the checked root; otherwise COV001 says it is outside
//! the repository, at the reference, and not one byte of it reaches any output. A file that is not
//! a template the user named or discovery found never has its text echoed when it fails to parse.
//!
//! Fixtures are built at test time in a temporary folder (they need symbolic links and files
//! outside the repository): `CASE/repo/.git/` (an empty folder: a work tree as iamlint finds one),
//! `CASE/outside/secret` (the runner's file).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

mod common;

use std::path::{Path, PathBuf};

use common::{Run, iamlint_at as iamlint};

/// The text of the runner's secret file; none of it may be printed.
const SECRET: &str =
    "[default]\naws_access_key_id = AKIASECRETMARKER\naws_secret_access_key = SECRETMARKERTWO\n";

/// Words of [`SECRET`] that must appear in no output.
const MARKERS: [&str; 3] = ["AKIASECRETMARKER", "SECRETMARKERTWO", "aws_access_key_id"];

const FORMATS: [&str; 7] = [
    "human", "json", "sarif", "github", "concise", "gitlab", "junit",
];

/// A fresh `CASE/repo` (a git work tree) next to `CASE/outside/secret`; returns `CASE`.
fn case(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("iamlint-boundary-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("repo/.git")).unwrap();
    std::fs::create_dir_all(dir.join("outside")).unwrap();
    std::fs::write(dir.join("outside/secret"), SECRET).unwrap();
    std::fs::canonicalize(&dir).unwrap()
}

fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(path, text).unwrap();
}

#[cfg(unix)]
fn link(target: &Path, link: &Path) {
    std::os::unix::fs::symlink(target, link).unwrap();
}

/// Runs `check` in every format (and `routes`, `graph`) with `extra` arguments on `CASE/repo`, and
/// asserts that no marker of `markers` is in any output and that every run exits with at most 2.
fn assert_never_printed(case: &Path, extra: &[&str], markers: &[&str]) {
    let repo = case.join("repo");
    let mut runs: Vec<(String, Run)> = Vec::new();
    for format in FORMATS {
        let mut args = vec!["check", "--format", format];
        args.extend_from_slice(extra);
        args.push(".");
        runs.push((format!("check --format {format}"), iamlint(&repo, &args)));
    }
    for command in [&["routes"][..], &["graph"][..]] {
        let mut args = command.to_vec();
        args.extend_from_slice(extra);
        args.push(".");
        runs.push((command.join(" "), iamlint(&repo, &args)));
    }
    for (what, run) in &runs {
        for marker in markers {
            assert!(
                !run.stdout.contains(marker) && !run.stderr.contains(marker),
                "{what}: `{marker}` printed\nstdout:\n{}\nstderr:\n{}",
                run.stdout,
                run.stderr
            );
        }
        assert!(
            (0..=2).contains(&run.code),
            "{what}: exit {}\nstderr:\n{}",
            run.code,
            run.stderr
        );
    }
    let (_, sarif) = runs
        .iter()
        .find(|(what, _)| what.ends_with("sarif"))
        .unwrap();
    assert!(
        !sarif.stdout.contains("outside/secret\"") && !sarif.stdout.contains("file:///etc"),
        "SARIF locates a result in the outside file:\n{}",
        sarif.stdout
    );
}

/// The COV001 findings of `check --format json` on `CASE/repo`: `(file, line, message)`.
fn cov001(case: &Path, extra: &[&str]) -> Vec<(String, u64, String)> {
    let mut args = vec!["check", "--format", "json"];
    args.extend_from_slice(extra);
    args.push(".");
    let run = iamlint(&case.join("repo"), &args);
    let json: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", run.stdout, run.stderr));
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "COV001")
        .map(|f| {
            (
                f["file"].as_str().unwrap_or_default().to_string(),
                f["line"].as_u64().unwrap_or_default(),
                f["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// Asserts a COV001 "outside the repository, not read" at `file:line`.
fn assert_outside_note(case: &Path, extra: &[&str], file: &str, line: u64) {
    let notes = cov001(case, extra);
    assert!(
        notes.iter().any(|(f, l, message)| f.ends_with(file)
            && *l == line
            && message.contains("outside the repository, not read")),
        "no COV001 `outside the repository, not read` at {file}:{line}: {notes:?}"
    );
}

const NESTED: &str = "\
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Child:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: LOCATION
";

#[test]
fn a_nested_stack_at_an_absolute_path_outside_is_not_read() {
    let case = case("nested-absolute");
    let secret = case.join("outside/secret");
    let template = NESTED.replace("LOCATION", &secret.display().to_string());
    write(&case.join("repo/template.yaml"), &template);
    assert_never_printed(&case, &[], &MARKERS);
    assert_outside_note(&case, &[], "template.yaml", 6);
}

#[test]
fn a_nested_stack_climbing_out_is_not_read() {
    let case = case("nested-relative");
    write(
        &case.join("repo/template.yaml"),
        &NESTED.replace("LOCATION", "../outside/secret"),
    );
    assert_never_printed(&case, &[], &MARKERS);
    assert_outside_note(&case, &[], "template.yaml", 6);
}

#[test]
fn a_serverless_application_outside_is_not_read() {
    let case = case("application");
    write(
        &case.join("repo/app/template.yaml"),
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  App:\n    Type: AWS::Serverless::Application\n    Properties:\n      Location: ../../outside/secret\n",
    );
    assert_never_printed(&case, &[], &MARKERS);
    assert_outside_note(&case, &[], "template.yaml", 6);
}

#[test]
fn an_include_outside_is_not_read() {
    let case = case("include");
    write(
        &case.join("repo/template.yaml"),
        "\
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Body:
        Fn::Transform:
          Name: AWS::Include
          Parameters:
            Location: ../outside/secret
",
    );
    assert_never_printed(&case, &[], &MARKERS);
    assert_outside_note(&case, &[], "template.yaml", 9);
}

const SAM_API: &str = "\
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      DefinitionUri: ./api.yaml
";

#[cfg(unix)]
#[test]
fn a_definition_linked_outside_is_not_read() {
    let case = case("definition-link");
    write(&case.join("repo/template.yaml"), SAM_API);
    link(&case.join("outside/secret"), &case.join("repo/api.yaml"));
    assert_never_printed(&case, &[], &MARKERS);
    assert_outside_note(&case, &[], "template.yaml", 7);
}

#[cfg(unix)]
#[test]
fn a_nested_stack_linked_outside_is_not_read() {
    let case = case("nested-link");
    write(
        &case.join("repo/template.yaml"),
        &NESTED.replace("LOCATION", "./child.yaml"),
    );
    link(&case.join("outside/secret"), &case.join("repo/child.yaml"));
    assert_never_printed(&case, &[], &MARKERS);
    assert_outside_note(&case, &[], "template.yaml", 6);
}

#[cfg(unix)]
#[test]
fn a_folder_linked_outside_is_not_read() {
    let case = case("folder-link");
    write(
        &case.join("repo/template.yaml"),
        &SAM_API.replace("./api.yaml", "./defs/secret"),
    );
    link(&case.join("outside"), &case.join("repo/defs"));
    assert_never_printed(&case, &[], &MARKERS);
    assert_outside_note(&case, &[], "template.yaml", 7);
}

/// A samconfig whose text would be quoted (its environment names) if it were read.
const SAMCONFIG_SECRET: &str = "version = 0.1\n[AKIASECRETMARKER.deploy.parameters]\nparameter_overrides = \"Name=SECRETMARKERTWO\"\n";

#[cfg(unix)]
#[test]
fn a_samconfig_linked_outside_is_not_read() {
    let case = case("samconfig-link");
    std::fs::write(case.join("outside/samconfig.toml"), SAMCONFIG_SECRET).unwrap();
    write(
        &case.join("repo/template.yaml"),
        "Parameters:\n  Name: {Type: String}\nResources:\n  Topic: {Type: AWS::SNS::Topic}\n",
    );
    link(
        &case.join("outside/samconfig.toml"),
        &case.join("repo/samconfig.toml"),
    );
    assert_never_printed(&case, &["--config-env", "prod"], &MARKERS);
    let run = iamlint(
        &case.join("repo"),
        &["check", "--config-env", "prod", "template.yaml"],
    );
    assert!(
        run.stderr.contains("outside the repository"),
        "stderr: {}",
        run.stderr
    );
}

#[cfg(unix)]
#[test]
fn a_samconfig_outside_that_does_not_parse_is_not_echoed() {
    let case = case("samconfig-secret");
    write(
        &case.join("repo/template.yaml"),
        "Resources:\n  Topic: {Type: AWS::SNS::Topic}\n",
    );
    link(
        &case.join("outside/secret"),
        &case.join("repo/samconfig.toml"),
    );
    assert_never_printed(&case, &["--config-env", "default"], &MARKERS);
}

#[cfg(unix)]
#[test]
fn a_config_linked_outside_is_not_read() {
    let case = case("config-link");
    std::fs::write(
        case.join("outside/config.yaml"),
        "AKIASECRETMARKER: SECRETMARKERTWO\naws_access_key_id: 1\n",
    )
    .unwrap();
    write(
        &case.join("repo/template.yaml"),
        "Resources:\n  Topic: {Type: AWS::SNS::Topic}\n",
    );
    link(
        &case.join("outside/config.yaml"),
        &case.join("repo/.iamlint.yaml"),
    );
    assert_never_printed(&case, &[], &MARKERS);
    let run = iamlint(&case.join("repo"), &["check", "."]);
    assert!(
        run.stderr.contains("outside the repository"),
        "stderr: {}",
        run.stderr
    );
}

#[cfg(unix)]
#[test]
fn a_config_linked_to_a_secret_is_not_echoed() {
    let case = case("config-secret");
    write(
        &case.join("repo/template.yaml"),
        "Resources:\n  Topic: {Type: AWS::SNS::Topic}\n",
    );
    link(
        &case.join("outside/secret"),
        &case.join("repo/.iamlint.yaml"),
    );
    assert_never_printed(&case, &[], &MARKERS);
}

#[test]
fn a_user_named_config_outside_is_read() {
    let case = case("config-named");
    std::fs::write(case.join("outside/config.yaml"), "rules: {COV001: off}\n").unwrap();
    write(
        &case.join("repo/template.yaml"),
        &NESTED.replace("LOCATION", "s3://bucket/child.yaml"),
    );
    let config = case.join("outside/config.yaml");
    let notes = cov001(&case, &["--config", &config.display().to_string()]);
    assert!(notes.is_empty(), "{notes:?}");
}

#[test]
fn a_child_inside_the_repository_is_read() {
    let case = case("inside");
    write(
        &case.join("repo/infra/template.yaml"),
        &NESTED.replace("LOCATION", "../stacks/child.yaml"),
    );
    write(
        &case.join("repo/stacks/child.yaml"),
        "Resources:\n  Topic: {Type: AWS::SNS::Topic}\n",
    );
    let notes = cov001(&case, &[]);
    assert!(notes.is_empty(), "{notes:?}");
}

/// Text of a file inside the repository that does not parse (an unclosed flow mapping).
const BROKEN: &str = "openapi: 3.0.1\nINSIDEMARKER = not yaml: [INSIDETOKEN, {\n";

#[test]
fn an_included_file_that_does_not_parse_is_not_echoed() {
    let case = case("broken-include");
    write(&case.join("repo/template.yaml"), SAM_API);
    write(&case.join("repo/api.yaml"), BROKEN);
    assert_never_printed(&case, &[], &["INSIDEMARKER", "INSIDETOKEN"]);
    let notes = cov001(&case, &[]);
    assert!(
        notes
            .iter()
            .any(|(f, l, _)| f.ends_with("template.yaml") && *l == 7),
        "{notes:?}"
    );
}

#[test]
fn a_nested_stack_that_does_not_parse_is_not_echoed() {
    let case = case("broken-child");
    write(
        &case.join("repo/template.yaml"),
        &NESTED.replace("LOCATION", "./child.txt"),
    );
    write(&case.join("repo/child.txt"), BROKEN);
    assert_never_printed(&case, &[], &["INSIDEMARKER", "INSIDETOKEN"]);
    let notes = cov001(&case, &[]);
    assert!(
        notes
            .iter()
            .any(|(f, l, _)| f.ends_with("template.yaml") && *l == 6),
        "{notes:?}"
    );
}

#[test]
fn a_json_definition_that_does_not_parse_is_not_echoed() {
    let case = case("broken-json");
    write(
        &case.join("repo/template.yaml"),
        &SAM_API.replace("./api.yaml", "./api.json"),
    );
    // JSON's error names the character it found.
    write(
        &case.join("repo/api.json"),
        "{\"openapi\": Q INSIDEMARKER}\n",
    );
    assert_never_printed(&case, &[], &["INSIDEMARKER", "`Q`"]);
}

#[test]
fn a_template_the_user_names_still_shows_its_parse_error() {
    let case = case("broken-template");
    write(
        &case.join("repo/template.yaml"),
        "Resources: [INSIDETOKEN, {\n",
    );
    let run = iamlint(&case.join("repo"), &["check", "template.yaml"]);
    assert!(run.stdout.contains("INSIDETOKEN"), "{}", run.stdout);
}

#[test]
fn a_template_on_standard_input_is_bounded_by_its_folder() {
    use std::io::Write;
    let case = case("stdin");
    let template = NESTED.replace("LOCATION", "../outside/secret");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_iamlint"))
        .args([
            "check",
            "--format",
            "json",
            "--stdin-filename",
            "template.yaml",
            "-",
        ])
        .current_dir(case.join("repo"))
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(template.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    for marker in MARKERS {
        assert!(
            !stdout.contains(marker) && !stderr.contains(marker),
            "{stdout}{stderr}"
        );
    }
    assert!(
        stdout.contains("outside the repository, not read"),
        "{stdout}\n{stderr}"
    );
}

#[test]
fn each_checked_path_has_its_root() {
    let case = case("two-paths");
    write(
        &case.join("repo/template.yaml"),
        "Resources:\n  Topic: {Type: AWS::SNS::Topic}\n",
    );
    // A second checked folder outside the first's work tree: its own root.
    write(
        &case.join("other/template.yaml"),
        &NESTED.replace("LOCATION", "./child.yaml"),
    );
    write(
        &case.join("other/child.yaml"),
        "Resources:\n  Topic: {Type: AWS::SNS::Topic}\n",
    );
    let notes = cov001(&case, &["../other"]);
    assert!(notes.is_empty(), "{notes:?}");
    // Its child may not climb into the first path's neighbour either.
    write(
        &case.join("other/template.yaml"),
        &NESTED.replace("LOCATION", "../outside/secret"),
    );
    assert_never_printed(&case, &["../other"], &MARKERS);
    assert_outside_note(&case, &["../other"], "other/template.yaml", 6);
}

#[test]
fn a_found_config_that_does_not_parse_is_not_echoed() {
    let case = case("config-broken");
    write(
        &case.join("repo/template.yaml"),
        "Resources:\n  Topic: {Type: AWS::SNS::Topic}\n",
    );
    // The parser's message would quote the anchor.
    write(
        &case.join("repo/.iamlint.yaml"),
        "a: &INSIDEMARKER 1\nb: &INSIDEMARKER 2\n",
    );
    assert_never_printed(&case, &[], &["INSIDEMARKER"]);
    let run = iamlint(&case.join("repo"), &["check", "."]);
    assert!(
        run.stderr.contains(".iamlint.yaml:2:4: not valid YAML"),
        "{}",
        run.stderr
    );
}
