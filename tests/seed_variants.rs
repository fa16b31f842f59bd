//! The seed's own failure, reproduced by editing the seed stacks: a Cognito admin role with
//! `execute-api:Invoke` but no `lambda:InvokeFunction` on a caller-credentials route (HTTP 500).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use iamlint::deployment_from_texts;
use iamlint::finding::{Finding, Severity};
use iamlint::resolve::ResolveConfig;
use iamlint::rules::run_all;

const SAM: &str = include_str!("../fixtures/seed/sam.yaml");
const CFN: &str = include_str!("../fixtures/seed/cfn.yaml");

/// The seed's `Sid: Lambda` statement (the grant on the function ARN), three lines.
const LAMBDA_STATEMENT: &str = "              - Sid: Lambda\n                Effect: Allow\n                Action: lambda:InvokeFunction # ★★★ポイント★★★\n";

fn findings(sam: &str, cfn: &str) -> (Vec<Finding>, iamlint::deployment::Deployment) {
    let (deployment, errors) = deployment_from_texts(
        &[("sam.yaml", sam), ("cfn.yaml", cfn)],
        &ResolveConfig::default(),
    );
    assert!(errors.is_empty());
    (run_all(&deployment, &[], &[]), deployment)
}

fn iam001(findings: &[Finding]) -> Vec<&Finding> {
    findings
        .iter()
        .filter(|f| f.rule.code == "IAM001")
        .collect()
}

fn file_of(
    deployment: &iamlint::deployment::Deployment,
    location: iamlint::source::Location,
) -> String {
    deployment
        .sources
        .get(location.file)
        .unwrap()
        .display_path()
}

#[test]
fn the_seed_as_published_grants_both_and_has_no_iam001() {
    assert!(
        CFN.contains(LAMBDA_STATEMENT),
        "the seed changed: update LAMBDA_STATEMENT"
    );
    let (findings, _) = findings(SAM, CFN);
    assert!(iam001(&findings).is_empty(), "{findings:#?}");
}

#[test]
fn without_the_lambda_statement_the_admin_role_gets_iam001_in_both_files() {
    let cfn = CFN.replace(LAMBDA_STATEMENT, "              - Sid: NoLambda\n                Effect: Allow\n                Action: cognito-identity:GetId\n");
    let (findings, deployment) = findings(SAM, &cfn);
    let found = iam001(&findings);
    assert_eq!(found.len(), 1, "{findings:#?}");
    let finding = found[0];
    assert_eq!(finding.severity, Severity::Error);
    assert_eq!(
        finding.resource.as_deref(),
        Some("CognitoAuthenticatedAdminRole")
    );
    assert_eq!(file_of(&deployment, finding.primary.location), "cfn.yaml");
    assert!(
        finding
            .related
            .iter()
            .any(|r| file_of(&deployment, r.location) == "sam.yaml"
                && r.message.contains("GET /tech4all"))
    );
    assert!(finding.message.contains("HTTP 500") && finding.message.contains("never invoked"));
    let help = finding.help.as_deref().unwrap();
    assert!(help.contains("lambda:InvokeFunction"), "{help}");
    assert!(
        help.contains("function:${ServiceName}-${Env}-get_tech4all"),
        "{help}"
    );
    assert!(help.contains("InvokeRole: NONE"), "{help}");
}

#[test]
fn with_auto_publish_alias_an_unqualified_grant_is_not_enough() {
    let sam = SAM.replace(
        "      Role: !ImportValue LambdaBackendRoleArn\n",
        "      Role: !ImportValue LambdaBackendRoleArn\n      AutoPublishAlias: live\n",
    );
    assert_ne!(sam, SAM);
    let (findings, _) = findings(&sam, CFN);
    let found = iam001(&findings);
    assert_eq!(found.len(), 1, "{findings:#?}");
    assert!(
        found[0].message.contains("GetTech4All:live"),
        "{}",
        found[0].message
    );
    assert!(
        found[0].message.contains("does not cover the alias"),
        "{}",
        found[0].message
    );
    assert!(
        found[0]
            .help
            .as_deref()
            .unwrap()
            .contains("-get_tech4all:live")
    );
}

#[test]
fn invoke_role_none_needs_no_lambda_grant() {
    let sam = SAM.replace(
        "        DefaultAuthorizer: AWS_IAM",
        "        InvokeRole: NONE\n        DefaultAuthorizer: AWS_IAM",
    );
    assert_ne!(sam, SAM);
    let cfn = CFN.replace(LAMBDA_STATEMENT, "              - Sid: NoLambda\n                Effect: Allow\n                Action: cognito-identity:GetId\n");
    let (findings, _) = findings(&sam, &cfn);
    assert!(iam001(&findings).is_empty(), "{findings:#?}");
}

fn rules_of(findings: &[Finding], prefix: &str) -> Vec<(String, usize)> {
    findings
        .iter()
        .filter(|f| f.rule.code.starts_with(prefix))
        .map(|f| (f.rule.code.to_string(), f.primary.location.span.start))
        .collect()
}

/// The seed's CORS block as published: SAM refuses `AllowCredentials: true` with `AllowOrigin: "'*'"`
/// (CORS001), and with credentials the `'*'` headers and methods are taken literally (CORS002).
#[test]
fn the_seed_cors_block_gets_cors001_and_cors002_on_its_lines() {
    let (findings, deployment) = findings(SAM, CFN);
    let cors = rules_of(&findings, "CORS");
    let codes: Vec<&str> = cors.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(
        codes.iter().filter(|c| **c == "CORS001").count(),
        1,
        "{codes:?}"
    );
    assert_eq!(
        codes.iter().filter(|c| **c == "CORS002").count(),
        2,
        "{codes:?}"
    );
    let cors001 = findings.iter().find(|f| f.rule.code == "CORS001").unwrap();
    assert_eq!(cors001.resource.as_deref(), Some("AdminApiResource"));
    let line = |location: iamlint::source::Location| {
        let file = deployment.sources.get(location.file).unwrap();
        file.text[..location.span.start].lines().count()
    };
    let credentials_line = SAM
        .lines()
        .position(|l| l.contains("AllowCredentials: true"))
        .unwrap()
        + 1;
    let origin_line = SAM
        .lines()
        .position(|l| l.contains("AllowOrigin: \"'*'\""))
        .unwrap()
        + 1;
    assert_eq!(line(cors001.primary.location), credentials_line);
    assert!(
        cors001
            .related
            .iter()
            .any(|r| line(r.location) == origin_line)
    );
}

/// The fix the findings' help gives: a concrete origin, explicit headers and methods, and gateway responses
/// that answer the same origin with credentials. No CORS finding is left.
#[test]
fn a_concrete_origin_and_explicit_headers_fix_the_seed_cors() {
    let origin = "'https://admin.example.com'";
    let sam = SAM
        .replace("        AllowMethods: \"'*'\"\n", "        AllowMethods: \"'GET,OPTIONS'\"\n")
        .replace(
            "        AllowHeaders: \"'*'\"\n",
            "        AllowHeaders: \"'Content-Type,Authorization,X-Amz-Date,X-Amz-Security-Token'\"\n",
        )
        .replace("        AllowOrigin: \"'*'\"\n", &format!("        AllowOrigin: \"{origin}\"\n"))
        .replace(
            "              Access-Control-Allow-Origin: \"'*'\"\n",
            &format!("              Access-Control-Allow-Origin: \"{origin}\"\n              Access-Control-Allow-Credentials: \"'true'\"\n"),
        );
    assert_ne!(sam, SAM);
    let (findings, _) = findings(&sam, CFN);
    assert!(rules_of(&findings, "CORS").is_empty(), "{findings:#?}");
}
