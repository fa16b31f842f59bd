//! The managed-policy table: every entry reads cleanly, ARNs in every partition, and the grants of §7.

use super::*;
use crate::iam::eval::{Decision, DenialReason, evaluate};
use crate::iam::pattern::Target;

const INVOKE_API: &str = "execute-api:Invoke";
const INVOKE_FN: &str = "lambda:InvokeFunction";

fn route(partition: &str) -> Target {
    Target::literal(&format!(
        "arn:{partition}:execute-api:us-east-1:123456789012:abc123/prod/GET/items"
    ))
}

fn function(partition: &str) -> Target {
    Target::literal(&format!(
        "arn:{partition}:lambda:us-east-1:123456789012:function:f:live"
    ))
}

fn decide(name: &str, partition: &str, action: &str, target: &Target) -> Decision {
    let policy = managed_policy(&format!("arn:{partition}:iam::aws:policy/{name}"))
        .unwrap_or_else(|| panic!("{name} in {partition}"));
    let source = policy.source_for(action, PolicyOrigin::new(name, None));
    evaluate(&[source], None, action, target)
}

fn no_allow() -> Decision {
    Decision::Denied {
        reason: DenialReason::NoAllow,
        denies: Vec::new(),
    }
}

#[test]
fn every_entry_reads_cleanly_in_every_partition() {
    for partition in PARTITIONS {
        let policies = table(partition).unwrap();
        assert_eq!(policies.len(), ENTRIES.len());
        for policy in policies {
            assert!(policy.document.skipped.is_empty(), "{}", policy.name);
            assert!(!policy.document.statements.is_empty(), "{}", policy.name);
            assert!(policy.document.uses_policy_variables(), "{}", policy.name);
            assert_eq!(
                managed_policy(&policy.arn(partition)).map(|p| p.name),
                Some(policy.name)
            );
        }
    }
}

#[test]
fn arns_need_the_right_path_and_a_known_partition() {
    assert!(managed_policy("arn:aws:iam::aws:policy/service-role/AWSLambdaRole").is_some());
    assert!(managed_policy("arn:aws:iam::aws:policy/AWSLambdaRole").is_none());
    assert!(managed_policy("arn:aws-cn:iam::aws:policy/AdministratorAccess").is_some());
    assert!(managed_policy("arn:aws-us-gov:iam::aws:policy/PowerUserAccess").is_some());
    assert!(managed_policy("arn:aws-xx:iam::aws:policy/PowerUserAccess").is_none());
    assert!(managed_policy("arn:aws:iam::aws:policy/AmazonS3FullAccess").is_none());
    assert!(managed_policy("arn:aws:iam::123456789012:policy/AdministratorAccess").is_none());
    assert!(managed_policy("AdministratorAccess").is_none());
    assert!(managed_policy("").is_none());
    assert_eq!(
        managed_policy_by_name("AWSLambdaBasicExecutionRole", "aws").map(|p| p.path),
        Some("service-role/")
    );
    assert!(managed_policy_by_name("Nope", "aws").is_none());
}

#[test]
fn grants_of_section_7() {
    let api = route("aws");
    let func = function("aws");
    for name in ["AdministratorAccess", "PowerUserAccess"] {
        assert!(decide(name, "aws", INVOKE_API, &api).is_allowed(), "{name}");
        assert!(decide(name, "aws", INVOKE_FN, &func).is_allowed(), "{name}");
    }
    assert!(decide("AmazonAPIGatewayInvokeFullAccess", "aws", INVOKE_API, &api).is_allowed());
    assert_eq!(
        decide("AmazonAPIGatewayInvokeFullAccess", "aws", INVOKE_FN, &func),
        no_allow()
    );
    for name in [
        "service-role/AWSLambdaRole",
        "AWSLambda_FullAccess",
        "AWSLambdaInvocation-DynamoDB",
    ] {
        assert!(decide(name, "aws", INVOKE_FN, &func).is_allowed(), "{name}");
        assert_eq!(decide(name, "aws", INVOKE_API, &api), no_allow(), "{name}");
    }
    for name in [
        "ReadOnlyAccess",
        "AWSLambda_ReadOnlyAccess",
        "service-role/AWSLambdaBasicExecutionRole",
        "AWSLambdaExecute",
        "AWSXrayWriteOnlyAccess",
        "service-role/AWSLambdaENIManagementAccess",
        "service-role/AWSLambdaVPCAccessExecutionRole",
    ] {
        assert_eq!(decide(name, "aws", INVOKE_FN, &func), no_allow(), "{name}");
        assert_eq!(decide(name, "aws", INVOKE_API, &api), no_allow(), "{name}");
    }
}

#[test]
fn documents_follow_the_partition() {
    assert!(
        decide(
            "AmazonAPIGatewayInvokeFullAccess",
            "aws-cn",
            INVOKE_API,
            &route("aws-cn")
        )
        .is_allowed()
    );
    // An aws-partition grant does not cover an aws-cn API.
    assert_eq!(
        decide(
            "AmazonAPIGatewayInvokeFullAccess",
            "aws",
            INVOKE_API,
            &route("aws-cn")
        ),
        no_allow()
    );
}

#[test]
fn abbreviated_documents_are_unknown_outside_their_scope() {
    let read_only = managed_policy("arn:aws:iam::aws:policy/ReadOnlyAccess").unwrap();
    assert!(read_only.is_exact_for(INVOKE_API));
    assert!(read_only.is_exact_for("lambda:InvokeAsync"));
    assert!(!read_only.is_exact_for("s3:GetObject"));
    let power = managed_policy("arn:aws:iam::aws:policy/PowerUserAccess").unwrap();
    assert!(power.is_exact_for(INVOKE_FN));
    assert!(!power.is_exact_for("iam:PassRole"));
    let target = Target::literal("arn:aws:iam::123456789012:role/r");
    assert!(matches!(
        decide("PowerUserAccess", "aws", "iam:PassRole", &target),
        Decision::Conditional { .. }
    ));
}
