//! The access matrix's run-wide budgets, reached cheaply: the library's own tests build with small
//! budgets ([`MAX_MATRIX_WORK`], [`MAX_MATRIX_PATTERN_WORK`]); `tests/budgets.rs` and
//! `tools/hostile-gate` check the real ones through the binary.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use super::*;
use crate::finding::Finding;

fn findings(text: &str) -> Vec<Finding> {
    let (deployment, load_errors) = crate::deployment_from_texts(
        &[("t.yaml", text)],
        &crate::resolve::ResolveConfig::default(),
    );
    crate::rules::run_all(&deployment, &load_errors, &[])
}

/// One SAM API of `routes` routes, and `roles` roles each granted `execute-api:Invoke` on the API by
/// `resource` (then `filler` resources of other APIs).
fn matrix(routes: usize, roles: usize, resource: &str, filler: usize) -> String {
    let mut text = String::from(
        "AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\nResources:\n  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: prod\n      OpenApiVersion: '3.0.1'\n      Auth:\n        DefaultAuthorizer: AWS_IAM\n        InvokeRole: NONE\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n      Handler: index.handler\n      CodeUri: s3://bucket/app.zip\n      Events:\n",
    );
    for j in 0..routes {
        text.push_str(&format!(
            "        E{j}:\n          Type: Api\n          Properties:\n            RestApiId: !Ref Api\n            Path: /r{j}/{{proxy+}}\n            Method: GET\n"
        ));
    }
    for k in 0..roles {
        text.push_str(&format!(
            "  Role{k}:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {{AWS: !Sub 'arn:aws:iam::${{AWS::AccountId}}:root'}}\n            Action: sts:AssumeRole\n      Policies:\n        - PolicyName: call\n          PolicyDocument:\n            Version: '2012-10-17'\n            Statement:\n              - Effect: Allow\n                Action: execute-api:Invoke\n                Resource:\n                  - !Sub 'arn:aws:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{Api}}/{resource}'\n"
        ));
        for f in 0..filler {
            text.push_str(&format!(
                "                  - arn:aws:execute-api:us-east-1:123456789012:other{f}/*/GET/*\n"
            ));
        }
    }
    text
}

fn budget_notes(found: &[Finding]) -> Vec<&Finding> {
    found
        .iter()
        .filter(|f| f.rule.code == "COV001" && f.message.contains("access matrix"))
        .collect()
}

/// 40 routes × 30 roles × (1 + 49) wildcard resources: 60,000 units, past the tests' 20,000. The
/// routes past it are undecided: one COV001 note says which, and no IAM004 claims they have no caller.
#[test]
fn past_the_question_budget_routes_are_undecided() {
    let found = findings(&matrix(40, 30, "*/GET/r*", 49));
    let notes = budget_notes(&found);
    assert_eq!(notes.len(), 1, "one note");
    let message = &notes.first().unwrap().message;
    assert!(message.contains("of the 40 routes"), "{message}");
    assert!(!found.iter().any(|f| f.rule.code == "IAM004"), "no IAM004");
}

/// A literal or prefix resource weighs one unit, a wildcard inside [`WILDCARD_WEIGHT`].
#[test]
fn questions_weigh_by_their_wildcards() {
    let weight = |text: &str| question_weight(&Value::Str(SymStr::literal(text)));
    assert_eq!(weight("*"), 1);
    assert_eq!(
        weight("arn:aws:execute-api:us-east-1:1:abc/prod/GET/users"),
        1
    );
    assert_eq!(weight("arn:aws:execute-api:us-east-1:1:abc/*"), 1);
    assert_eq!(
        weight("arn:aws:execute-api:us-east-1:1:abc/*/GET/*"),
        WILDCARD_WEIGHT
    );
    assert_eq!(
        weight("arn:aws:execute-api:*:1:abc/prod/GET/x?"),
        WILDCARD_WEIGHT
    );
}

/// A pattern built to cost the matcher its whole per-question budget (`*a` and 20 `?`): the matrix
/// stops at the pattern-work budget after a few questions, not after every pair.
#[test]
fn past_the_pattern_work_budget_routes_are_undecided() {
    let resource = format!("*a{}", "?".repeat(20));
    let before = crate::iam::pattern::work_spent();
    let found = findings(&matrix(30, 20, &resource, 0));
    let spent = crate::iam::pattern::work_spent() - before;
    let notes = budget_notes(&found);
    assert_eq!(notes.len(), 1, "one note: {found:#?}");
    let message = &notes.first().unwrap().message;
    assert!(message.contains("of the 30 routes"), "{message}");
    // Without the budget: 600 questions, each up to a few explorations of the matcher's budget
    // (over 100,000,000 positions). With it: the budget, one question over it, and the other rules'
    // own questions.
    assert!(
        spent < 5 * MAX_MATRIX_PATTERN_WORK,
        "{spent} positions stepped"
    );
}

/// Within both budgets, every route is decided: no note.
#[test]
fn within_the_budgets_every_route_is_decided() {
    let found = findings(&matrix(10, 5, "*/GET/r*", 0));
    assert!(budget_notes(&found).is_empty());
    assert!(!found.iter().any(|f| f.rule.code == "IAM004"));
}
