//! The semantics of issue 8's acceptance list, each on a small deployment run through the CLI: the
//! exact rule codes, severities and exit code. Each case also has a control (the same deployment with
//! the one thing that matters edited out) so that a passing case cannot pass by accident.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

mod common;

use std::path::PathBuf;

use common::{iamlint, iamlint_in, root};

/// `(rule, severity, resource)` of each finding, in report order.
fn findings(stdout: &str) -> Vec<(String, String, String)> {
    let json: serde_json::Value =
        serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"));
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
                f["resource"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// `iamlint check --format json ARGS...`: the findings and the exit code.
fn check(args: &[&str]) -> (Vec<(String, String, String)>, i32) {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let run = iamlint(&all);
    (findings(&run.stdout), run.code)
}

fn expect(found: &[(String, String, String)], wanted: &[(&str, &str, &str)]) {
    let found: Vec<(&str, &str, &str)> = found
        .iter()
        .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
        .collect();
    assert_eq!(found, wanted);
}

/// A copy of fixture folder `folder` in a fresh temporary folder, with `from` replaced by `to` in
/// `file` (which must contain it).
fn variant(name: &str, folder: &str, file: &str, from: &str, to: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("iamlint-issue8-{name}-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(root().join(folder)).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let text = if path.file_name().unwrap() == file {
            assert!(text.contains(from), "{folder}/{file} changed: {from:?}");
            text.replace(from, to)
        } else {
            text
        };
        std::fs::write(dir.join(path.file_name().unwrap()), text).unwrap();
    }
    dir
}

fn check_variant(dir: &PathBuf) -> (Vec<(String, String, String)>, i32) {
    let result = check(&[dir.to_str().unwrap()]);
    std::fs::remove_dir_all(dir).ok();
    result
}

/// Case 1: The role is allowed GET /invoices and denied it by a second policy: the deny wins, so the route
/// has no caller (IAM004), and the role's missing lambda:InvokeFunction does not matter (no IAM001).
#[test]
fn explicit_deny_leaves_no_caller_and_no_iam001() {
    let (found, exit) = check(&["fixtures/IAM004/bad-explicit-deny"]);
    expect(&found, &[("IAM004", "warning", "ListInvoices")]);
    assert_eq!(exit, 1);
    // Control: without the deny the role is a caller, and then it lacks the Lambda grant.
    let dir = variant(
        "deny",
        "fixtures/IAM004/bad-explicit-deny",
        "roles.yaml",
        "                Effect: Deny\n",
        "                Effect: Allow\n",
    );
    let (found, exit) = check_variant(&dir);
    expect(&found, &[("IAM001", "error", "SupportRole")]);
    assert_eq!(exit, 1);
}

/// Case 2: The identity policy grants both actions, the boundary (a ManagedPolicy of the deployment) only
/// execute-api:Invoke: API Gateway's call of the function is denied (IAM001 error).
#[test]
fn a_boundary_without_lambda_gives_iam001() {
    let (found, exit) = check(&["fixtures/IAM001/bad-boundary"]);
    expect(&found, &[("IAM001", "error", "AnalystRole")]);
    assert_eq!(exit, 1);
    // Control: without the boundary the same role is fine.
    let dir = variant(
        "boundary",
        "fixtures/IAM001/bad-boundary",
        "roles.yaml",
        "      PermissionsBoundary: !Ref ApiOnlyBoundary\n",
        "",
    );
    let (found, exit) = check_variant(&dir);
    expect(&found, &[]);
    assert_eq!(exit, 0);
}

/// Case 3a: A user whose group has an `AWS::IAM::Policy` (`Groups: [!Ref Group]`) granting both actions.
#[test]
fn a_group_policy_grants_its_members() {
    let folder = "fixtures/IAM001/good-group-policy";
    let (found, exit) = check(&[folder]);
    expect(&found, &[]);
    assert_eq!(exit, 0);
    let routes = iamlint(&["routes", folder]);
    assert!(
        routes.stdout.contains("caller OperatorAlice"),
        "{}",
        routes.stdout
    );
    // Control: without the group's Lambda statement the member is a caller without the Lambda grant.
    let dir = variant(
        "group-policy",
        folder,
        "iam.yaml",
        "            Action: lambda:InvokeFunction\n",
        "            Action: lambda:GetFunction\n",
    );
    let (found, exit) = check_variant(&dir);
    expect(&found, &[("IAM001", "error", "OperatorAlice")]);
    assert_eq!(exit, 1);
}

/// Case 3b: A group with inline policies granting both actions, the user added by an
/// `AWS::IAM::UserToGroupAddition`.
#[test]
fn a_user_to_group_addition_makes_a_member() {
    let folder = "fixtures/IAM001/good-user-to-group";
    let (found, exit) = check(&[folder]);
    expect(&found, &[]);
    assert_eq!(exit, 0);
    let routes = iamlint(&["routes", folder]);
    assert!(
        routes.stdout.contains("caller PickerBob"),
        "{}",
        routes.stdout
    );
    // Control: without the Lambda statement the member gets IAM001.
    let dir = variant(
        "user-to-group",
        folder,
        "iam.yaml",
        "                Action: lambda:InvokeFunction\n",
        "                Action: lambda:GetFunction\n",
    );
    let (found, exit) = check_variant(&dir);
    expect(&found, &[("IAM001", "error", "PickerBob")]);
    assert_eq!(exit, 1);
    // Control: without the addition nobody may call the route.
    let dir = variant(
        "user-to-group-none",
        folder,
        "iam.yaml",
        "      Users: [!Ref PickerBob]\n",
        "      Users: []\n",
    );
    let (found, exit) = check_variant(&dir);
    expect(&found, &[("IAM004", "warning", "ListShelves")]);
    assert_eq!(exit, 1);
}

/// Case 4: `AdministratorAccess` as a permissions boundary limits nothing and grants nothing: the role's
/// precise identity grants are not overbroad (no IAM008).
#[test]
fn an_admin_boundary_is_not_an_overbroad_grant() {
    let folder = "fixtures/IAM008/good-admin-boundary";
    let (found, exit) = check(&[folder]);
    expect(&found, &[]);
    assert_eq!(exit, 0);
    // Control: the same managed policy as an identity policy is overbroad.
    let dir = variant(
        "admin-boundary",
        folder,
        "roles.yaml",
        "      PermissionsBoundary: arn:aws:iam::aws:policy/AdministratorAccess\n",
        "      ManagedPolicyArns: [arn:aws:iam::aws:policy/AdministratorAccess]\n",
    );
    let (found, _) = check_variant(&dir);
    assert!(
        found.iter().any(|(rule, _, _)| rule == "IAM008"),
        "{found:?}"
    );
}

/// Case 5: `AWS::Lambda::Permission`s naming the caller role (`!GetAtt CashierRole.Arn`), on the function's
/// ARN and on its exact name: same account, so the role needs no lambda grant of its own.
#[test]
fn a_lambda_permission_for_the_caller_role_allows_the_invocation() {
    let folder = "fixtures/IAM001/good-lambda-permission";
    let (found, exit) = check(&[folder]);
    expect(&found, &[]);
    assert_eq!(exit, 0);
    // Control: a permission for another principal (here API Gateway's service) does not help the caller.
    let dir = variant(
        "lambda-permission",
        folder,
        "app.yaml",
        "      FunctionName: !GetAtt ListPayments.Arn\n      Principal: !GetAtt CashierRole.Arn\n",
        "      FunctionName: !GetAtt ListPayments.Arn\n      Principal: apigateway.amazonaws.com\n",
    );
    let (found, exit) = check_variant(&dir);
    expect(&found, &[("IAM001", "error", "CashierRole")]);
    assert_eq!(exit, 1);
    let dir = variant(
        "lambda-permission-name",
        folder,
        "app.yaml",
        "      FunctionName: !Sub ${ServiceName}-${Env}-refund-payment\n      Principal: !GetAtt CashierRole.Arn\n",
        "      FunctionName: !Sub ${ServiceName}-${Env}-list-payments\n      Principal: !GetAtt CashierRole.Arn\n",
    );
    let (found, exit) = check_variant(&dir);
    expect(&found, &[("IAM001", "error", "CashierRole")]);
    assert_eq!(exit, 1);
}

/// Case 6: `rules: {IAM010: error}` raises IAM010's definite findings, never its undecided note on SAM's
/// extra `Stage` stage (whether anyone calls /Stage is not in the templates).
#[test]
fn iam010_error_in_the_config_leaves_the_stage_note_a_note() {
    let folder = "fixtures/config/iam010-error";
    // Found from the current folder, and given with --config.
    let found = iamlint_in(folder, &["check", "--format", "json", "."]);
    let given = iamlint(&[
        "check",
        "--format",
        "json",
        "--config",
        "fixtures/config/iam010-error/.iamlint.yaml",
        folder,
    ]);
    for run in [&found, &given] {
        expect(
            &findings(&run.stdout),
            &[("IAM010", "note", "AdminApiResource")],
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    // The seed itself: its IAM010 note stays a note.
    let (found, _) = check(&[
        "--config",
        "fixtures/config/iam010-error/.iamlint.yaml",
        "fixtures/seed",
    ]);
    let iam010: Vec<_> = found
        .iter()
        .filter(|(rule, _, _)| rule == "IAM010")
        .collect();
    assert_eq!(iam010.len(), 1, "{found:?}");
    assert_eq!(iam010[0].1, "note");
    // A definite IAM010 (GET only on an ANY route) is raised; the stage note next to it is not.
    let (found, exit) = check(&[
        "--config",
        "fixtures/config/iam010-error/.iamlint.yaml",
        "fixtures/IAM010/bad.yaml",
    ]);
    expect(
        &found,
        &[
            ("IAM010", "note", "FilesApi"),
            ("IAM010", "error", "FilesClient"),
        ],
    );
    assert_eq!(exit, 1);
}
