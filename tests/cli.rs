//! The command line as users meet it: reports on the seed deployment, graphs, exit codes, bad input.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

mod common;

use common::{check_json, fixture_inputs, iamlint, locations, root};

/// The seed's two stacks import from each other: REF004 names both stacks and both exports, with
/// spans in both files.
#[test]
fn seed_reports_the_import_cycle_in_both_files() {
    let run = iamlint(&["check", "fixtures/seed"]);
    assert_eq!(run.code, 1, "stderr: {}", run.stderr);
    insta::assert_snapshot!("seed_human", run.stdout);
}

#[test]
fn seed_json_report() {
    let (json, code) = check_json(&["fixtures/seed"]);
    assert_eq!(code, 1);
    assert_eq!(json["schema"], "iamlint-findings/1");
    let finding = &json["findings"][0];
    assert_eq!(finding["rule"], "REF004");
    let message = finding["message"].as_str().unwrap();
    for needle in [
        "cfn.yaml",
        "sam.yaml",
        "AdminApiResourceId",
        "LambdaBackendRoleArn",
    ] {
        assert!(message.contains(needle), "{needle} missing from {message}");
    }
    let files: Vec<&str> = finding["related"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["file"].as_str().unwrap())
        .collect();
    assert!(files.contains(&"fixtures/seed/sam.yaml") && files.contains(&"fixtures/seed/cfn.yaml"));
    insta::assert_snapshot!(
        "seed_json",
        iamlint(&["check", "--format", "json", "fixtures/seed"]).stdout
    );
}

#[test]
fn seed_graph_dot_shows_both_stacks_and_export_edges() {
    let run = iamlint(&["graph", "--format", "dot", "fixtures/seed"]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    for needle in [
        "label=\"cfn.yaml\"",
        "label=\"sam.yaml\"",
        "export AdminApiResourceId",
        "export LambdaBackendRoleArn",
        "Fn::ImportValue (cfn.yaml:81)",
        "Fn::ImportValue (sam.yaml:114)",
    ] {
        assert!(
            run.stdout.contains(needle),
            "{needle} missing from:\n{}",
            run.stdout
        );
    }
    insta::assert_snapshot!("seed_graph_dot", run.stdout);
}

#[test]
fn seed_graph_mermaid_and_json() {
    let mermaid = iamlint(&["graph", "--format", "mermaid", "fixtures/seed"]);
    assert_eq!(mermaid.code, 0);
    insta::assert_snapshot!("seed_graph_mermaid", mermaid.stdout);
    let json = iamlint(&["graph", "--format", "json", "fixtures/seed"]);
    assert_eq!(json.code, 0);
    let parsed: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(parsed["schema"], "iamlint-graph/1");
    insta::assert_snapshot!("seed_graph_json", json.stdout);
}

/// Exact spans after a BOM, Japanese text and CRLF line ends: `Missing` of `!Ref Missing` on line 9.
#[test]
fn spans_are_exact_with_japanese_text_and_crlf() {
    let (json, _) = check_json(&["fixtures/invalid/bom-crlf.yaml"]);
    assert_eq!(
        locations(&json),
        vec![(
            "REF001".into(),
            "fixtures/invalid/bom-crlf.yaml".into(),
            9,
            25
        )]
    );
    let finding = &json["findings"][0];
    assert_eq!(
        (finding["end_line"].as_u64(), finding["end_column"].as_u64()),
        (Some(9), Some(32))
    );
    let run = iamlint(&["check", "fixtures/invalid/bom-crlf.yaml"]);
    insta::assert_snapshot!("bom_crlf_human", run.stdout);
}

/// Every broken input gets its finding at the right place; none crashes the run. (`empty.yaml` is not
/// a template to folder discovery; named on its own it gets TPL001, see the next test.)
#[test]
fn broken_inputs_get_findings_at_the_right_line() {
    let (json, code) = check_json(&["fixtures/invalid"]);
    assert_eq!(code, 1);
    let found = locations(&json);
    let expected: &[(&str, &str, u64)] = &[
        ("TPL001", "alias-bomb.yaml", 11),
        ("REF001", "bom-crlf.yaml", 9),
        ("TPL001", "deep-nesting.yaml", 8),
        ("TPL001", "duplicate-key.json", 7),
        ("TPL001", "duplicate-key.yaml", 6),
        ("TPL002", "getatt-no-dot.yaml", 8),
        ("TPL002", "if-two-items.yaml", 14),
        ("TPL001", "invalid-utf8.yaml", 4),
        ("TPL001", "json-syntax.json", 6),
        ("TPL001", "not-yaml.yaml", 5),
        ("TPL002", "select-bad-index.yaml", 7),
        ("REF005", "self-sub.yaml", 7),
        ("TPL002", "sub-wrong-length.yaml", 8),
        ("TPL001", "top-level-list.yaml", 2),
        ("TPL001", "top-level-scalar.yaml", 2),
        ("REF001", "undefined-condition.yaml", 7),
        ("TPL002", "undefined-condition.yaml", 10),
        ("TPL002", "unknown-tag.yaml", 9),
    ];
    for (rule, file, line) in expected {
        let path = format!("fixtures/invalid/{file}");
        assert!(
            found
                .iter()
                .any(|(r, f, l, _)| r == rule && *f == path && l == line),
            "expected {rule} at {path}:{line}, found {found:?}"
        );
    }
    assert_eq!(
        found.len(),
        expected.len(),
        "unexpected findings: {found:?}"
    );
    insta::assert_snapshot!(
        "invalid_json",
        iamlint(&["check", "--format", "json", "fixtures/invalid"]).stdout
    );
}

#[test]
fn each_broken_input_alone_exits_with_findings_not_a_crash() {
    for relative in fixture_inputs("fixtures/invalid") {
        let run = iamlint(&["check", &relative]);
        assert_eq!(
            run.code, 1,
            "{relative}: exit {}\n{}{}",
            run.code, run.stdout, run.stderr
        );
        assert!(run.stderr.is_empty(), "{relative}: {}", run.stderr);
    }
}

#[test]
fn fail_on_sets_the_exit_threshold() {
    // REF004/bad holds one warning and nothing above it.
    let fixture = "fixtures/REF004/bad";
    assert_eq!(iamlint(&["check", "--fail-on", "error", fixture]).code, 0);
    assert_eq!(iamlint(&["check", "--fail-on", "warning", fixture]).code, 1);
    assert_eq!(iamlint(&["check", "--fail-on", "note", fixture]).code, 1);
    // The seed has errors (CORS001): it fails at every level.
    assert_eq!(
        iamlint(&["check", "--fail-on", "error", "fixtures/seed"]).code,
        1
    );
}

#[test]
fn a_clean_deployment_exits_zero() {
    let run = iamlint(&["check", "fixtures/IAM001/good"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(
        run.stdout,
        "No problems found in 2 files.
"
    );
    // Warnings fail the run by default, not with --fail-on error.
    let run = iamlint(&["check", "fixtures/REF002/bad"]);
    assert_eq!(run.code, 1);
    let run = iamlint(&["check", "--fail-on", "error", "fixtures/REF002/bad"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout.ends_with(
            "Found 1 warning in 2 files.
"
        ),
        "{}",
        run.stdout
    );
}

/// An unreadable path is one line on stderr and exit 2; the other paths are still analysed.
#[test]
fn unreadable_paths_are_reported_and_the_rest_is_analysed() {
    let run = iamlint(&[
        "check",
        "--format",
        "json",
        "no/such/file.yaml",
        "fixtures/seed",
    ]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: cannot read no/such/file.yaml: No such file or directory\n"
    );
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["summary"]["files"], 2);
    assert_eq!(json["findings"][0]["rule"], "REF004");
}

#[test]
fn when_nothing_can_be_read_the_human_report_claims_nothing() {
    let run = iamlint(&["check", "no/such/file.yaml"]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        "error: cannot read no/such/file.yaml: No such file or directory\n"
    );
}

#[test]
fn usage_errors_exit_two() {
    assert_eq!(
        iamlint(&["check", "--param", "NoEquals", "fixtures/seed"]).code,
        2
    );
    assert_eq!(iamlint(&["check", "--format", "xml"]).code, 2);
    assert_eq!(iamlint(&["frobnicate"]).code, 2);
}

/// `--param` values reach the resolver: an import name built from a parameter without a default is
/// unknown (not reported) until the parameter has a value.
#[test]
fn params_feed_the_resolver() {
    assert_eq!(iamlint(&["check", "fixtures/REF002/good"]).code, 0);
    let (json, code) = check_json(&["--param", "SharedStack=platform", "fixtures/REF002/good"]);
    assert_eq!(code, 1);
    assert_eq!(json["findings"][0]["rule"], "REF002");
    assert!(
        json["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("platform-AlarmTopicArn")
    );
}

#[test]
fn folders_are_searched_and_non_templates_skipped() {
    let run = iamlint(&["check", "--format", "json", "fixtures"]);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    // README files are not templates; every fixture template is read.
    assert!(
        json["summary"]["files"].as_u64().unwrap() >= 19,
        "{}",
        json["summary"]
    );
    let files: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert!(files.iter().all(|f| !f.ends_with(".md")), "{files:?}");
}

/// Issue 20: a checked folder without templates is an error (exit 2); `--allow-no-templates` makes
/// it the warning it was.
#[test]
fn no_templates_found_is_an_error_unless_allowed() {
    let dir = std::env::temp_dir().join(format!("iamlint-empty-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let run = iamlint(&["check", dir.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.starts_with("error: no templates found in"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stdout, "");
    let run = iamlint(&["check", "--allow-no-templates", dir.to_str().unwrap()]);
    assert_eq!(run.code, 0);
    assert!(
        run.stderr.starts_with("warning: no templates found in"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stdout, "No problems found in 0 files.\n");
    std::fs::remove_dir_all(&dir).ok();
}

/// The route model: SAM's InvokeRole precedence and quirks, Globals, implicit APIs, aliases, HttpApi IAM
/// and a JWT authorizer named AWS_IAM; plain CloudFormation REST and HTTP APIs; SAM events on user
/// documents and state-machine events; integrations that are not a Lambda.
#[test]
fn routes_of_sam_and_plain_cloudformation() {
    for fixture in [
        "sam-matrix",
        "cfn-apigw",
        "sam-events",
        "integrations",
        "service-calls",
    ] {
        let path = format!("fixtures/routes/{fixture}.yaml");
        let table = iamlint(&["routes", &path]);
        assert_eq!(table.code, 0, "{}", table.stderr);
        insta::assert_snapshot!(format!("routes_{fixture}_table"), table.stdout);
        let json = iamlint(&["routes", "--format", "json", &path]);
        let parsed: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
        assert_eq!(parsed["schema"], "iamlint-routes/1");
        insta::assert_snapshot!(format!("routes_{fixture}_json"), json.stdout);
    }
}

/// Inputs that once crashed, hung or misled iamlint (fixtures/regressions/README.md). A hang shows as
/// this test running on (cargo reports it after 60 s); speed itself is measured in `benches/`.
#[test]
fn regressions_end_without_a_crash() {
    for relative in fixture_inputs("fixtures/regressions") {
        // Human output too: miette once panicked on a label past column 65,535.
        let human = iamlint(&["check", &relative]);
        assert!(
            human.code == 0 || human.code == 1,
            "{relative}: human output: exit {}: {}",
            human.code,
            human.stderr
        );
        let run = iamlint(&["check", "--format", "json", &relative]);
        assert!(
            run.code == 0 || run.code == 1,
            "{relative}: exit {}: {}",
            run.code,
            run.stderr
        );
        // `routes` and `graph` too: the routes table once panicked padding a 70,000-character path.
        for listing in ["routes", "graph"] {
            let run = iamlint(&[listing, &relative]);
            assert_eq!(run.code, 0, "{relative}: {listing}: {}", run.stderr);
        }
        let clean = relative.contains("language-extensions")
            || relative.contains("sam-deployment")
            || relative.contains("websocket");
        if clean {
            assert_eq!(run.code, 0, "{relative}: {}", run.stdout);
        }
    }
}

/// A file named twice (through its folder and directly) is one stack, not a duplicate export.
#[test]
fn a_file_named_twice_is_read_once() {
    let (json, _) = check_json(&["fixtures/seed", "./fixtures/seed/cfn.yaml"]);
    assert_eq!(json["summary"]["files"], 2);
    let rules: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(!rules.contains(&"REF003"), "{rules:?}");
}

#[test]
fn external_exports_silence_unresolved_imports() {
    assert_eq!(iamlint(&["check", "fixtures/REF002/bad"]).code, 1);
    let run = iamlint(&[
        "check",
        "fixtures/REF002/bad",
        "--external-export",
        "orders-PrivateSubnetId",
    ]);
    assert_eq!(run.code, 0, "{}", run.stdout);
}

#[test]
fn rules_lists_every_rule_as_table_and_json() {
    let table = iamlint(&["rules"]);
    assert_eq!(table.code, 0);
    insta::assert_snapshot!("rules_table", table.stdout);
    let json = iamlint(&["rules", "--format", "json"]);
    let parsed: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let rules = parsed["rules"].as_array().unwrap();
    assert_eq!(rules.len(), iamlint::rules::ALL_RULES.len());
    for rule in rules {
        for key in ["code", "name", "severity", "summary"] {
            assert!(rule[key].as_str().is_some_and(|v| !v.is_empty()), "{rule}");
        }
    }
    insta::assert_snapshot!("rules_json", json.stdout);
}

/// `explain` prints each rule's doc, by code or by name, case-insensitively.
#[test]
fn explain_prints_every_rule_doc() {
    for rule in iamlint::rules::ALL_RULES {
        let meta = rule.meta();
        let by_code = iamlint(&["explain", &meta.code.to_lowercase()]);
        assert_eq!(by_code.code, 0);
        assert_eq!(by_code.stdout, meta.doc, "{}", meta.code);
        assert_eq!(iamlint(&["explain", meta.name]).stdout, meta.doc);
    }
    let unknown = iamlint(&["explain", "IAM999"]);
    assert_eq!(unknown.code, 2);
    assert_eq!(
        unknown.stderr,
        "error: no rule `IAM999`; `iamlint rules` lists them\n"
    );
    insta::assert_snapshot!("explain_iam001", iamlint(&["explain", "IAM001"]).stdout);
}

/// One GitHub annotation per finding of the seed, with the rule as title.
#[test]
fn github_annotations_for_the_seed() {
    let run = iamlint(&["check", "--format", "github", "fixtures/seed"]);
    assert_eq!(run.code, 1);
    let (json, _) = check_json(&["fixtures/seed"]);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), json["findings"].as_array().unwrap().len());
    assert!(lines.iter().any(|l| {
        l.starts_with("::error file=fixtures/seed/sam.yaml,line=84,col=27,")
            && l.contains("title=CORS001 credentials-with-wildcard-origin::")
    }));
    assert!(lines.iter().all(|l| l.starts_with("::error ")
        || l.starts_with("::warning ")
        || l.starts_with("::notice ")));
    insta::assert_snapshot!("seed_github", run.stdout);
}

/// Resource Metadata, template Metadata and comments suppress findings; unused ones are reported.
#[test]
fn suppressions_in_metadata_and_comments() {
    for good in [
        "fixtures/SUP001/good.yaml",
        "fixtures/SUP001/good-comment.yaml",
    ] {
        let run = iamlint(&["check", good]);
        assert_eq!(run.code, 0, "{good}: {}", run.stdout);
        // The summary says what the suppressions silenced.
        assert_eq!(
            run.stdout,
            "2 findings were suppressed in the templates.\nNo problems found in 1 file.\n"
        );
    }
    let run = iamlint(&["check", "fixtures/SUP001/bad.yaml"]);
    assert_eq!(run.code, 0, "unused suppressions are notes");
    insta::assert_snapshot!("suppressions_unused_human", run.stdout);
}

#[test]
fn completions_quiet_and_color() {
    let bash = iamlint(&["completions", "bash"]);
    assert_eq!(bash.code, 0);
    assert!(
        bash.stdout.starts_with("_iamlint()"),
        "{}",
        &bash.stdout[..40]
    );
    assert_eq!(
        iamlint(&["check", "--quiet", "fixtures/IAM001/good"]).stdout,
        ""
    );
    let quiet = iamlint(&["check", "-q", "fixtures/REF004/bad"]);
    assert_eq!(quiet.code, 1);
    assert!(
        quiet.stdout.contains("REF004") && !quiet.stdout.contains("Found 1 warning"),
        "{}",
        quiet.stdout
    );
    let colored = iamlint(&["check", "--color", "always", "fixtures/REF004/bad"]);
    assert!(
        colored.stdout.contains('\u{1b}'),
        "no ANSI colour with --color always"
    );
    assert!(
        !iamlint(&["check", "fixtures/REF004/bad"])
            .stdout
            .contains('\u{1b}')
    );
}

fn sarif_of(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["check", "--format", "sarif"];
    all.extend_from_slice(args);
    let run = iamlint(&all);
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not SARIF JSON ({e}): {}", run.stdout))
}

/// SARIF 2.1.0: every rule described, real regions, related locations in the other stack, relative URIs,
/// and fingerprints that survive an unrelated edit (a line added above).
#[test]
fn sarif_report_of_the_seed() {
    let log = sarif_of(&["fixtures/seed"]);
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), iamlint::rules::ALL_RULES.len());
    assert!(rules.iter().all(|r| {
        r["help"]["markdown"]
            .as_str()
            .is_some_and(|m| m.contains("## Fix"))
    }));
    let results = run["results"].as_array().unwrap();
    let (json, _) = check_json(&["fixtures/seed"]);
    assert_eq!(results.len(), json["findings"].as_array().unwrap().len());
    let ref004 = results.iter().find(|r| r["ruleId"] == "REF004").unwrap();
    let location = &ref004["locations"][0]["physicalLocation"];
    assert_eq!(
        location["artifactLocation"]["uri"],
        "fixtures/seed/cfn.yaml"
    );
    assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert_eq!(location["region"]["startLine"], 81);
    let related: Vec<&str> = ref004["relatedLocations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(related.contains(&"fixtures/seed/sam.yaml"));

    let fingerprints = |log: &serde_json::Value| -> Vec<String> {
        log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r["partialFingerprints"]["iamlintFinding/v1"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    let dir = std::env::temp_dir().join(format!("iamlint-sarif-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for name in ["sam.yaml", "cfn.yaml"] {
        let text = std::fs::read_to_string(root().join("fixtures/seed").join(name)).unwrap();
        std::fs::write(dir.join(name), format!("# an unrelated edit\n{text}")).unwrap();
    }
    let edited = sarif_of(&[dir.to_str().unwrap()]);
    let mut before = fingerprints(&log);
    let mut after = fingerprints(&edited);
    before.sort();
    after.sort();
    assert_eq!(before, after);
    std::fs::remove_dir_all(&dir).ok();
}

/// `.iamlint.yaml`: found from the checked path upward (or `--config`); `exclude` keeps the build copy
/// out (else REF003 for every export), `rules` turns IAM010 off and changes severities, `fail-on: error`.
#[test]
fn config_file_settings() {
    let found = common::iamlint_in(
        "fixtures/config/project",
        &["check", "--format", "json", "."],
    );
    let given = iamlint(&[
        "check",
        "--format",
        "json",
        "--config",
        "fixtures/config/project/.iamlint.yaml",
        "fixtures/config/project",
    ]);
    for run in [&found, &given] {
        assert_eq!(run.code, 1, "{}", run.stderr);
        let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(
            json["summary"]["files"], 3,
            "the generated copy is excluded (2 templates, and the config, which gives a parameter)"
        );
        let findings: Vec<(String, String)> = json["findings"]
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
        assert!(
            !findings
                .iter()
                .any(|(rule, _)| rule == "IAM010" || rule == "REF003"),
            "{findings:?}"
        );
        assert!(
            findings
                .iter()
                .filter(|(rule, _)| rule == "CORS002")
                .all(|(_, severity)| severity == "error")
        );
        assert!(
            findings
                .iter()
                .filter(|(rule, _)| rule == "CORS004")
                .all(|(_, severity)| severity == "note")
        );
    }
    insta::assert_snapshot!("config_project_json", given.stdout);
    // fail-on: error in the config; the command line still wins.
    let warnings_only = iamlint(&[
        "check",
        "--config",
        "fixtures/config/project/.iamlint.yaml",
        "fixtures/REF004/bad",
    ]);
    assert_eq!(warnings_only.code, 0);
    let strict = iamlint(&[
        "check",
        "--fail-on",
        "warning",
        "--config",
        "fixtures/config/project/.iamlint.yaml",
        "fixtures/REF004/bad",
    ]);
    assert_eq!(strict.code, 1);
}

#[test]
fn config_errors_point_at_their_line_and_exit_two() {
    let unknown = iamlint(&[
        "check",
        "--config",
        "fixtures/config/broken/unknown-key.yaml",
        "fixtures/seed",
    ]);
    assert_eq!(unknown.code, 2);
    assert_eq!(unknown.stdout, "");
    insta::assert_snapshot!("config_unknown_key", unknown.stderr);
    let bad = iamlint(&[
        "check",
        "--config",
        "fixtures/config/broken/bad-value.yaml",
        "fixtures/seed",
    ]);
    assert_eq!(bad.code, 2);
    insta::assert_snapshot!("config_bad_value", bad.stderr);
}
