//! AWS managed policies through the CLI: a role holding only managed policies of iamlint's table that
//! grant no invocation is no caller of any route, while one holding a policy the table lacks stays a
//! possible caller (`fixtures/IAM004/{bad-managed-policies,good-unknown-managed-policy}.yaml`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

mod common;

use common::iamlint;

/// `(method path, [(principal, definite)])` of each route of `fixture`, from `iamlint routes`.
fn callers(fixture: &str) -> Vec<(String, Vec<(String, bool)>)> {
    let run = iamlint(&["routes", "--format", "json", fixture]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    json["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|route| {
            let name = format!(
                "{} {}",
                route["method"].as_str().unwrap(),
                route["path"].as_str().unwrap()
            );
            let callers = route["callers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| {
                    (
                        c["principal"].as_str().unwrap().to_string(),
                        c["definite"].as_bool().unwrap(),
                    )
                })
                .collect();
            (name, callers)
        })
        .collect()
}

fn owned(routes: &[(&str, &[(&str, bool)])]) -> Vec<(String, Vec<(String, bool)>)> {
    routes
        .iter()
        .map(|(route, callers)| {
            let callers = callers.iter().map(|(p, d)| (p.to_string(), *d)).collect();
            (route.to_string(), callers)
        })
        .collect()
}

#[test]
fn execution_role_with_known_managed_policies_is_no_caller() {
    assert_eq!(
        callers("fixtures/IAM004/bad-managed-policies.yaml"),
        owned(&[
            ("GET /orders", &[("AnalystRole", true)]),
            ("POST /orders/export", &[]),
        ])
    );
}

#[test]
fn a_managed_policy_not_in_the_table_stays_unknown() {
    assert_eq!(
        callers("fixtures/IAM004/good-unknown-managed-policy.yaml"),
        owned(&[
            (
                "GET /orders",
                &[("OrdersFunctionRole", false), ("AnalystRole", true)]
            ),
            ("POST /orders/export", &[("OrdersFunctionRole", false)]),
        ])
    );
}
