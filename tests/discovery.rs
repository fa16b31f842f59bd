//! Issue 12, discovery and config lookup, through the CLI (run from the repository root, so the config
//! of a fixture is found from the checked path, not from the current folder): `.gitignore`d folders,
//! `--no-ignore`, packaged copies beside their source, `.iamlint.yaml`/`.iamlint.yml` per checked
//! path, `exclude` with a bare folder name, `--isolated`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

mod common;

use std::path::{Path, PathBuf};

use common::{Run, iamlint, iamlint_in};

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

fn check_json_in(dir: &Path, args: &[&str]) -> Run {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    iamlint_in(dir.to_str().unwrap(), &all)
}

/// An empty scratch folder for one test, canonical.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("iamlint-discovery-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::canonicalize(&dir).unwrap()
}

fn write(dir: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// `git init` in `dir` (once) and `git add -f` of `paths`: a real index, as a checkout has.
fn git_add(dir: &Path, paths: &[&str]) {
    let git = |args: &[&str]| {
        let status = std::process::Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    };
    if !dir.join(".git").exists() {
        git(&["init", "-q"]);
    }
    let mut add = vec!["add", "-f", "--"];
    add.extend_from_slice(paths);
    git(&add);
}

/// Whether `dir` is inside no git work tree (the temporary folder usually is not; a test that needs
/// that is skipped otherwise).
fn outside_git(dir: &Path) -> bool {
    iamlint::repository::work_tree_of(dir).is_none()
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

/// `build/` is in the fixture's `.gitignore`. In a git repository where it is untracked it is
/// skipped (its folder not searched, nothing named); `--no-ignore` reads it, and the copy doubles
/// every finding and adds a REF003.
#[test]
fn a_gitignored_folder_is_skipped_unless_no_ignore() {
    let dir = scratch("gitignored");
    let fixture = common::root().join("fixtures/discovery/gitignored");
    for file in [".gitignore", "template.yaml", "build/template.yaml"] {
        let text = std::fs::read_to_string(fixture.join(file)).unwrap();
        write(&dir, &[(file, &text)]);
    }
    git_add(&dir, &[".gitignore", "template.yaml"]);
    let honoured = check_json_in(&dir, &["."]);
    insta::assert_snapshot!("discovery_gitignored", outline(&honoured));
    let all = check_json_in(&dir, &["--no-ignore", "."]);
    insta::assert_snapshot!("discovery_gitignored_no_ignore", outline(&all));
    assert!(rules_of(&all).contains(&"REF003".to_string()));
    assert!(!rules_of(&honoured).contains(&"REF003".to_string()));
}

/// Issue 20: in the project's own repository the fixture's `build/template.yaml` is tracked, so its
/// `.gitignore` does not keep it out: ignore rules apply to untracked files only, as git's do.
#[test]
fn a_tracked_copy_in_a_gitignored_folder_is_read() {
    let tracked = check_json(&["fixtures/discovery/gitignored"]);
    let all = check_json(&["--no-ignore", "fixtures/discovery/gitignored"]);
    assert_eq!(outline(&tracked), outline(&all));
    assert!(rules_of(&tracked).contains(&"REF003".to_string()));
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

/// A template with a definite error (REF001), for `--fail-on error`.
const BROKEN: &str = "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !Ref Missing\n";

/// Issue 20: a `.gitignore` naming a tracked template, or `*`, does not keep it out of the check;
/// an untracked template it ignores is named as skipped. `.ignore` (ripgrep's file) is not read.
#[test]
fn ignore_rules_apply_to_untracked_files_only() {
    let dir = scratch("tracked");
    write(
        &dir,
        &[(".gitignore", "template.yaml\n"), ("template.yaml", BROKEN)],
    );
    git_add(&dir, &[".gitignore", "template.yaml"]);
    let run = iamlint_in(dir.to_str().unwrap(), &["check", "--fail-on", "error", "."]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("REF001"), "{}", run.stdout);

    let star = scratch("star");
    write(
        &star,
        &[
            (".gitignore", "*\n"),
            ("a.yaml", BROKEN),
            ("b.yaml", BROKEN),
            ("docs.yaml", "a: 1\n"),
        ],
    );
    git_add(&star, &["a.yaml"]);
    let json = check_json_in(&star, &["--fail-on", "error", "."]);
    insta::assert_snapshot!("discovery_gitignore_star", outline(&json));
    let human = iamlint_in(star.to_str().unwrap(), &["check", "."]);
    assert!(
        human
            .stdout
            .contains("Skipped 1 template: b.yaml (untracked, ignored by a git ignore rule).\n"),
        "{}",
        human.stdout
    );

    let ripgrep = scratch("dot-ignore");
    write(
        &ripgrep,
        &[(".ignore", "*.yaml\n"), ("template.yaml", BROKEN)],
    );
    git_add(&ripgrep, &[".ignore"]);
    let run = iamlint_in(
        ripgrep.to_str().unwrap(),
        &["check", "--fail-on", "error", "."],
    );
    assert_eq!(
        run.code, 1,
        "`.ignore` is not read: {}{}",
        run.stdout, run.stderr
    );
}

/// Issue 20: a template in a hidden folder that git tracks is checked.
#[test]
fn a_tracked_template_in_a_hidden_folder_is_checked() {
    let dir = scratch("hidden");
    write(
        &dir,
        &[
            (".infra/template.yaml", BROKEN),
            (".cache/untracked.yaml", BROKEN),
        ],
    );
    git_add(&dir, &[".infra/template.yaml"]);
    let json = check_json_in(&dir, &["--fail-on", "error", "."]);
    insta::assert_snapshot!("discovery_tracked_hidden", outline(&json));
}

/// Issue 20: outside a git repository no `.gitignore` is read.
#[test]
fn outside_git_a_gitignore_is_not_read() {
    let dir = scratch("no-git");
    if !outside_git(&dir) {
        return;
    }
    write(
        &dir,
        &[(".gitignore", "*.yaml\n"), ("template.yaml", BROKEN)],
    );
    let run = iamlint_in(dir.to_str().unwrap(), &["check", "--fail-on", "error", "."]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
}

/// Issue 20: whether a file is a template is decided on its parsed keys: a key spelt with a YAML
/// or JSON escape is `Resources` to PyYAML and CloudFormation. A file with a backslash that is not
/// a template (or does not parse) is not reported.
#[test]
fn a_template_key_spelt_with_escapes_is_found() {
    let dir = scratch("escapes");
    let yaml = BROKEN.replacen("Resources:", "\"\\x52esources\":", 1);
    let json = r#"{"\u0052esources": {"T": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": {"Ref": "Missing"}}}}}"#;
    write(
        &dir,
        &[
            ("escaped.yaml", &yaml),
            ("escaped.json", json),
            ("windows.yaml", "path: \"C:\\\\x\"\n"),
            ("broken.yaml", "a: \"\\q\n  b: [\n"),
        ],
    );
    let json = check_json_in(&dir, &["--fail-on", "error", "."]);
    insta::assert_snapshot!("discovery_escaped_keys", outline(&json));
}

/// Issue 20: a template replaced by a link into a hidden folder is read once, by its real path; a
/// link to outside the repository is named as skipped, in every format.
#[cfg(unix)]
#[test]
fn links_are_followed_inside_the_root_and_named_outside() {
    let dir = scratch("links");
    write(
        &dir,
        &[("repo/.hidden/real.yaml", BROKEN), ("secret.yaml", BROKEN)],
    );
    let repo = dir.join("repo");
    std::os::unix::fs::symlink(".hidden/real.yaml", repo.join("template.yaml")).unwrap();
    std::os::unix::fs::symlink("../secret.yaml", repo.join("outside.yaml")).unwrap();
    git_add(&repo, &["template.yaml", "outside.yaml"]);
    let json = check_json_in(&repo, &["--fail-on", "error", "."]);
    insta::assert_snapshot!("discovery_links", outline(&json));
    let human = iamlint_in(repo.to_str().unwrap(), &["check", "."]);
    assert!(
        human
            .stdout
            .contains("Skipped 1 template: outside.yaml (a link to outside the repository).\n"),
        "{}",
        human.stdout
    );
    let sarif = iamlint_in(repo.to_str().unwrap(), &["check", "--format", "sarif", "."]);
    let log: serde_json::Value = serde_json::from_str(&sarif.stdout).unwrap();
    let notes = &log["runs"][0]["invocations"][0]["toolExecutionNotifications"];
    assert_eq!(
        notes[0]["message"]["text"],
        "skipped outside.yaml: a link to outside the repository"
    );
    assert_eq!(
        notes[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "outside.yaml"
    );
}

/// Issue 20: templates a config's `exclude` keeps out are counted and named: in the human summary,
/// on stderr for other formats, in SARIF; the audit sentence says the config excluded them.
#[test]
fn templates_excluded_by_the_config_are_named() {
    let human = iamlint(&["check", "fixtures/discovery/with-yml"]);
    assert!(
        human.stdout.contains(
            "Skipped 1 template: fixtures/discovery/with-yml/roles/caller.yaml (excluded by fixtures/discovery/with-yml/.iamlint.yml).\nConfig fixtures/discovery/with-yml/.iamlint.yml excluded 1 template.\n"
        ),
        "{}",
        human.stdout
    );
    let json = check_json(&["fixtures/discovery/with-yml"]);
    assert!(
        json.stderr.starts_with(
            "note: skipped fixtures/discovery/with-yml/roles/caller.yaml: excluded by fixtures/discovery/with-yml/.iamlint.yml\n"
        ),
        "{}",
        json.stderr
    );
    let sarif = iamlint(&["check", "--format", "sarif", "fixtures/discovery/with-yml"]);
    let log: serde_json::Value = serde_json::from_str(&sarif.stdout).unwrap();
    let invocation = &log["runs"][0]["invocations"][0];
    assert_eq!(
        invocation["toolExecutionNotifications"][0]["message"]["text"],
        "skipped fixtures/discovery/with-yml/roles/caller.yaml: excluded by fixtures/discovery/with-yml/.iamlint.yml"
    );
    let config_note = invocation["toolConfigurationNotifications"][0]["message"]["text"]
        .as_str()
        .unwrap();
    assert!(!config_note.contains("silenced nothing"), "{config_note}");
}

/// Issue 20: a checked folder without a template is an error (exit 2), unless
/// `--allow-no-templates`.
#[test]
fn a_folder_without_templates_is_an_error() {
    let dir = scratch("empty");
    write(&dir, &[("docs.yaml", "a: 1\n")]);
    let run = iamlint(&["check", dir.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        run.stderr,
        format!("error: no templates found in {}\n", dir.display())
    );
    assert_eq!(run.stdout, "");
    let allowed = iamlint(&["check", "--allow-no-templates", dir.to_str().unwrap()]);
    assert_eq!(allowed.code, 0);
    assert_eq!(allowed.stdout, "No problems found in 0 files.\n");
    // One checked path with templates and one without: still an error, naming the empty one.
    let both = iamlint(&[
        "check",
        "fixtures/discovery/with-yml",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(both.code, 2);
    assert!(
        both.stderr
            .ends_with(&format!("error: no templates found in {}\n", dir.display())),
        "{}",
        both.stderr
    );
}

/// Issue 20: a UTF-16 template with a byte order mark (PyYAML reads it) is found and checked.
#[test]
fn a_utf16_template_is_checked() {
    let dir = scratch("utf16");
    let text = format!("\u{feff}{BROKEN}");
    let bytes: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    std::fs::write(dir.join("template.yaml"), bytes).unwrap();
    let json = check_json_in(&dir, &["--fail-on", "error", "."]);
    insta::assert_snapshot!("discovery_utf16", outline(&json));
}

/// Issue 20: a file name that is not UTF-8 is shown with its byte escaped, not as U+FFFD (two such
/// names would look alike).
#[cfg(unix)]
#[test]
fn a_file_name_that_is_not_utf8_is_shown_escaped() {
    use std::os::unix::ffi::OsStrExt;
    let dir = scratch("non-utf8");
    let name = std::ffi::OsStr::from_bytes(b"a\xff.yaml");
    std::fs::write(dir.join(name), BROKEN).unwrap();
    let json = check_json_in(&dir, &["."]);
    insta::assert_snapshot!("discovery_non_utf8_name", outline(&json));
    let human = iamlint_in(dir.to_str().unwrap(), &["check", "--color", "never", "."]);
    assert!(human.stdout.contains("a\\xFF.yaml:5:"), "{}", human.stdout);
}

/// Issue 20: a config that excludes every template leaves nothing checked: exit 2, and stderr names
/// what it excluded (the human report, empty, cannot).
#[test]
fn a_config_excluding_every_template_is_no_pass() {
    let dir = scratch("all-excluded");
    write(
        &dir,
        &[(".iamlint.yaml", "exclude: [t.yaml]\n"), ("t.yaml", BROKEN)],
    );
    let run = iamlint_in(dir.to_str().unwrap(), &["check", "."]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        "note: skipped t.yaml: excluded by .iamlint.yaml\nerror: no templates found in .\n"
    );
}

/// Issue 20: when git's index cannot be read, one note says so and the ignore rules apply to every
/// file; what they ignore is still named.
#[test]
fn an_unreadable_index_is_said() {
    let dir = scratch("bad-index");
    write(
        &dir,
        &[
            (".gitignore", "a.yaml\n"),
            ("a.yaml", BROKEN),
            ("b.yaml", BROKEN),
        ],
    );
    git_add(&dir, &["a.yaml", "b.yaml"]);
    std::fs::write(dir.join(".git/index"), "not an index").unwrap();
    let json = check_json_in(&dir, &["."]);
    let stderr = json.stderr.replace(&dir.display().to_string(), "DIR");
    let first = stderr.lines().next().unwrap_or("");
    assert!(
        first.starts_with("note: cannot read git's index DIR/.git/index (")
            && first.ends_with("): git's ignore rules apply to every file, tracked or not"),
        "{stderr}"
    );
    assert!(
        stderr.ends_with("note: skipped a.yaml: untracked, ignored by a git ignore rule\n"),
        "{stderr}"
    );
    assert_eq!(rules_of(&json), ["REF001"]);
}
