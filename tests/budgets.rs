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
