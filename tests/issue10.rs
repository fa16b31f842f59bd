//! Issue 10 (Lambda function URLs), through the CLI, each case with a control that edits out the
//! one thing that matters.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

mod common;

use common::{iamlint, root};

fn rules(path: &str) -> (Vec<String>, i32) {
    let run = iamlint(&["check", "--format", "json", path]);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let rules = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect();
    (rules, run.code)
}

/// A copy of `fixtures/IAM011/bad-stacks` in a fresh temporary folder with `from` replaced by `to`
/// (which `roles.yaml` must contain).
fn bad_stacks_variant(name: &str, from: &str, to: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("iamlint-issue10-{name}-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    for file in ["function.yaml", "roles.yaml"] {
        let text =
            std::fs::read_to_string(root().join("fixtures/IAM011/bad-stacks").join(file)).unwrap();
        if file == "roles.yaml" {
            assert!(text.contains(from), "roles.yaml changed: {from:?}");
        }
        std::fs::write(dir.join(file), text.replace(from, to)).unwrap();
    }
    dir
}

#[test]
fn a_role_granted_only_the_url_action_gets_iam011_and_both_clear_it() {
    assert_eq!(
        rules("fixtures/IAM011/bad-stacks"),
        (vec!["IAM011".to_string()], 1)
    );
    let dir = bad_stacks_variant(
        "both",
        "Action: lambda:InvokeFunctionUrl\n",
        "Action: [lambda:InvokeFunctionUrl, lambda:InvokeFunction]\n",
    );
    assert_eq!(rules(dir.to_str().unwrap()), (vec![], 0));
}

#[test]
fn routes_lists_a_url_with_both_checks_per_caller() {
    let run = iamlint(&["routes", "--format", "json", "fixtures/IAM011/bad-stacks"]);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let url = &json["urls"][0];
    assert_eq!(url["kind"], "url");
    assert_eq!(url["url"], "ReportFunctionUrl");
    assert_eq!(url["authorization"], "AWS_IAM");
    assert_eq!(url["function"], "ReportFunction");
    assert_eq!(url["callers"][0]["principal"], "ReportReader");
    assert_eq!(url["callers"][0]["invoke_function_url"], "allowed");
    assert_eq!(url["callers"][0]["lambda_invoke"], "denied");
}

#[test]
fn a_public_url_needs_both_public_permissions_unless_sam_writes_them() {
    assert_eq!(
        rules("fixtures/IAM012/bad.yaml"),
        (vec!["IAM012".to_string()], 1)
    );
    assert_eq!(
        rules("fixtures/IAM012/good-both-permissions.yaml"),
        (vec![], 0)
    );
    assert_eq!(rules("fixtures/IAM012/good-sam.yaml"), (vec![], 0));
}

#[test]
fn an_oac_origin_needs_both_cloudfront_permissions_and_is_no_edge001() {
    assert_eq!(
        rules("fixtures/EDGE002/bad.yaml"),
        (vec!["EDGE002".to_string()], 1)
    );
    assert_eq!(rules("fixtures/EDGE002/good.yaml"), (vec![], 0));
    // Without the OAC, CloudFront does not sign: EDGE001.
    let (found, _) = rules("fixtures/EDGE001/bad-function-url.yaml");
    assert_eq!(found, vec!["EDGE001".to_string()]);
}

#[test]
fn a_wildcard_grant_makes_a_url_caller_too() {
    let dir = bad_stacks_variant(
        "wild",
        "Resource: !Sub arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:report\n",
        "Resource: '*'\n",
    );
    assert_eq!(
        rules(dir.to_str().unwrap()),
        (vec!["IAM011".to_string()], 1)
    );
}
