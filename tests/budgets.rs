//! Issue 20, item 6: bounded work for a whole run. Each test generates a hostile input (many names,
//! long names, many files, many globs, many suppressions, a large access matrix), runs the library or
//! the binary, and checks the budget's effect: the one-line message saying what was not analysed,
//! no suggestion past the "did you mean" budget, an exit code of at most 2 and a bounded output. No
//! timing assertions: `benches/hostile.rs` measures the growth.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

mod common;

use iamlint::deployment_from_texts;
use iamlint::finding::Finding;
use iamlint::resolve::ResolveConfig;
use iamlint::rules::run_all;

/// The findings of in-memory templates.
fn findings(files: &[(&str, &str)]) -> Vec<Finding> {
    let (deployment, load_errors) = deployment_from_texts(files, &ResolveConfig::default());
    run_all(&deployment, &load_errors, &[])
}

/// A template with `resources` queues named from `name(i)` and one `!Ref` per name in `refs`.
fn template_with_refs(resources: &[String], refs: &[String]) -> String {
    let mut text = String::from("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n");
    for id in resources {
        text.push_str(&format!("  {id}:\n    Type: AWS::SQS::Queue\n"));
    }
    text.push_str("  Topic:\n    Type: AWS::SNS::Topic\n    Properties:\n      Tags:\n");
    for target in refs {
        text.push_str(&format!(
            "        - Key: k\n          Value: !Ref {target}\n"
        ));
    }
    text
}

/// REF001 on names longer than the cap of 64 characters: the finding, and no "did you mean" (a
/// name one edit away from a resource's would get one below the cap).
#[test]
fn long_names_get_no_suggestion() {
    let long = |i: usize| format!("Q{i:03}{}", "x".repeat(400));
    let resources: Vec<String> = (0..50).map(long).collect();
    let refs: Vec<String> = (0..20).map(|i| format!("{}y", long(i))).collect();
    let found = findings(&[("t.yaml", &template_with_refs(&resources, &refs))]);
    let ref001: Vec<&Finding> = found.iter().filter(|f| f.rule.code == "REF001").collect();
    assert_eq!(ref001.len(), 20, "one REF001 per undefined name");
    for finding in ref001 {
        let help = finding.help.as_deref().unwrap_or_default();
        assert!(!help.contains("did you mean"), "no suggestion: {help}");
        assert!(help.starts_with("define "), "{help}");
    }
}

/// Short names still get their suggestion.
#[test]
fn short_names_keep_their_suggestion() {
    let resources = vec!["OrdersQueue".to_string()];
    let refs = vec!["OrdersQueu".to_string()];
    let found = findings(&[("t.yaml", &template_with_refs(&resources, &refs))]);
    let help = found
        .iter()
        .find(|f| f.rule.code == "REF001")
        .and_then(|f| f.help.clone())
        .unwrap();
    assert_eq!(help, "did you mean `OrdersQueue`?");
}

/// Ten templates, each with 100 undefined names near 100 resources of 60 characters: the run's
/// budget is shared, so the first template's names get a suggestion and the last one's none (each
/// still reported). Per template, the old cap (200 suggestions) was never reached.
#[test]
fn the_suggestion_budget_is_per_run() {
    let name = |i: usize| format!("Queue{i:04}{}", "q".repeat(51));
    let resources: Vec<String> = (0..100).map(name).collect();
    let refs: Vec<String> = (0..100).map(|i| format!("{}z", name(i))).collect();
    let text = template_with_refs(&resources, &refs);
    let paths: Vec<String> = (0..10).map(|i| format!("t{i}.yaml")).collect();
    let files: Vec<(&str, &str)> = paths.iter().map(|p| (p.as_str(), text.as_str())).collect();
    let found = findings(&files);
    let helps: Vec<String> = found
        .iter()
        .filter(|f| f.rule.code == "REF001")
        .map(|f| f.help.clone().unwrap_or_default())
        .collect();
    assert_eq!(helps.len(), 1_000);
    assert!(helps.first().unwrap().starts_with("did you mean"));
    assert!(
        helps.last().unwrap().starts_with("define "),
        "past the budget: {}",
        helps.last().unwrap()
    );
}

/// A fresh temp folder for one test.
fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("iamlint-budgets-{name}-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

use common::iamlint_at as run_in;

/// The `note:` lines of stderr that name the total input budget.
fn budget_notes(run: &common::Run) -> Vec<&str> {
    run.stderr
        .lines()
        .filter(|l| l.contains("total input budget"))
        .collect()
}

/// Five templates of 14 MiB each (a queue and a long comment): 70 MiB in all, past the run's 64
/// MiB. The first four are analysed, the fifth is not, and one line on stderr names it.
#[test]
fn past_sixty_four_mib_over_all_templates_the_rest_is_not_analysed() {
    let dir = temp_dir("bytes");
    let comment = format!("# {}\n", "c".repeat(1023)).repeat(14 * 1024);
    for i in 0..5 {
        let text = format!(
            "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Queue:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Ref Missing{i}\n{comment}"
        );
        std::fs::write(dir.join(format!("t{i}.yaml")), text).unwrap();
    }
    let run = run_in(&dir, &["check", ".", "--format", "json"]);
    assert!(run.code <= 2, "exit {}: {}", run.code, run.stderr);
    let notes = budget_notes(&run);
    assert_eq!(notes.len(), 1, "one line: {}", run.stderr);
    let note = notes.first().unwrap();
    assert!(note.contains("1 file past"), "{note}");
    assert!(note.contains("t4.yaml"), "{note}");
    assert!(!note.contains("t3.yaml"), "{note}");
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let ref001 = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "REF001")
        .count();
    assert_eq!(ref001, 4, "the first four templates are analysed");
    assert!(run.stdout.len() < 100_000);
    std::fs::remove_dir_all(&dir).ok();
}

/// Three JSON templates of 1,500,000 nodes each (under the per-document limit of 2,000,000): past
/// the run's 4,000,000 nodes, the third is not analysed, and one line says so.
#[test]
fn past_four_million_nodes_over_all_templates_the_rest_is_not_analysed() {
    let dir = temp_dir("nodes");
    let values = vec!["0"; 1_500_000].join(",");
    for i in 0..3 {
        let text = format!(
            r#"{{"Resources": {{"Queue": {{"Type": "AWS::SQS::Queue", "Properties": {{"QueueName": {{"Ref": "Missing{i}"}}}}}}}}, "Metadata": {{"Values": [{values}]}}}}"#
        );
        std::fs::write(dir.join(format!("t{i}.json")), text).unwrap();
    }
    let run = run_in(&dir, &["check", ".", "--format", "json"]);
    assert!(run.code <= 2, "exit {}: {}", run.code, run.stderr);
    let notes = budget_notes(&run);
    assert_eq!(notes.len(), 1, "one line: {}", run.stderr);
    assert!(notes.first().unwrap().contains("t2.json"), "{notes:?}");
    assert!(run.stdout.len() < 100_000);
    std::fs::remove_dir_all(&dir).ok();
}

/// 3,000 `stacks:` globs × 300 templates: each template gets the value of the last entry that
/// names it (`*.yaml` first, then its own file), so no `AllowedValues` is broken but the one of the
/// template only `*.yaml` names. (Cost: one `GlobSet` match per template; see benches/hostile.rs.)
#[test]
fn many_stacks_globs_give_each_template_its_value() {
    let dir = temp_dir("globs");
    let mut config = String::from("stacks:\n  '*.yaml':\n    parameters: {Env: wrong}\n");
    for i in 0..3_000 {
        config.push_str(&format!("  's{i}.yaml':\n    parameters: {{Env: v{i}}}\n"));
    }
    std::fs::write(dir.join(".iamlint.yaml"), config).unwrap();
    let template = |allowed: &str| {
        format!(
            "AWSTemplateFormatVersion: '2010-09-09'\nParameters:\n  Env:\n    Type: String\n    AllowedValues: [{allowed}]\nResources:\n  Queue:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Ref Env\n"
        )
    };
    for i in 0..300 {
        std::fs::write(dir.join(format!("s{i}.yaml")), template(&format!("v{i}"))).unwrap();
    }
    std::fs::write(dir.join("other.yaml"), template("v0")).unwrap();
    let run = run_in(&dir, &["check", ".", "--format", "json"]);
    assert!(run.code <= 2, "exit {}: {}", run.code, run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let par002: Vec<String> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "PAR002")
        .map(|f| {
            f["location"]["path"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    assert_eq!(par002.len(), 1, "{par002:?}");
    std::fs::remove_dir_all(&dir).ok();
}

/// 5,000 resources, each with a Metadata suppression of REF001 and an undefined `!Ref`: every
/// finding is suppressed by its own resource's suppression and none is left unused. (Cost: lookups
/// by rule, file and resource, not a scan per finding; see benches/hostile.rs.)
#[test]
fn many_resource_suppressions_each_silence_their_own_finding() {
    let n = 5_000;
    let mut text = String::from("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n");
    for i in 0..n {
        text.push_str(&format!(
            "  Q{i}:\n    Type: AWS::SQS::Queue\n    Metadata:\n      iamlint:\n        ignore: [{{rule: REF001, reason: r{i}}}]\n    Properties:\n      QueueName: !Ref Missing{i}\n"
        ));
    }
    let (deployment, load_errors) =
        deployment_from_texts(&[("t.yaml", &text)], &ResolveConfig::default());
    let all = run_all(&deployment, &load_errors, &[]);
    let applied = iamlint::suppress::apply(&deployment, all);
    assert!(
        applied
            .kept
            .iter()
            .all(|f| f.rule.code != "REF001" && f.rule.code != "SUP001"),
        "nothing kept"
    );
    assert_eq!(applied.suppressed.len(), n);
    for s in &applied.suppressed {
        let id = s.finding.resource.as_deref().unwrap_or_default();
        assert_eq!(s.reason.as_deref(), Some(format!("r{}", &id[1..]).as_str()));
    }
}

/// One SAM API of `routes` routes, and `roles` roles each granted `execute-api:Invoke` on every
/// route of it with a wildcard (the first of `1 + filler` resources of the statement).
fn access_matrix(routes: usize, roles: usize, filler: usize) -> String {
    let mut text = String::from(
        "AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\nResources:\n  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: prod\n      OpenApiVersion: '3.0.1'\n      Auth:\n        DefaultAuthorizer: AWS_IAM\n        InvokeRole: NONE\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n      Handler: index.handler\n      CodeUri: s3://bucket/app.zip\n      Events:\n",
    );
    for j in 0..routes {
        text.push_str(&format!(
            "        E{j}:\n          Type: Api\n          Properties:\n            RestApiId: !Ref Api\n            Path: /r{j}\n            Method: GET\n"
        ));
    }
    for k in 0..roles {
        text.push_str(&format!(
            "  Role{k}:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {{AWS: !Sub 'arn:aws:iam::${{AWS::AccountId}}:root'}}\n            Action: sts:AssumeRole\n      Policies:\n        - PolicyName: call\n          PolicyDocument:\n            Version: '2012-10-17'\n            Statement:\n              - Effect: Allow\n                Action: execute-api:Invoke\n                Resource:\n                  - !Sub 'arn:aws:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{Api}}/*/GET/r*'\n"
        ));
        for f in 0..filler {
            text.push_str(&format!(
                "                  - arn:aws:execute-api:us-east-1:123456789012:other{f}/*\n"
            ));
        }
    }
    text
}

/// Within the budget, every route is decided: no note.
#[test]
fn within_the_access_matrix_budget_every_route_is_decided() {
    let found = findings(&[("t.yaml", &access_matrix(10, 5, 0))]);
    assert!(!found.iter().any(|f| f.message.contains("access matrix")));
    assert!(!found.iter().any(|f| f.rule.code == "IAM004"));
}
