//! The AWS managed policies that grant, or visibly do not grant, `execute-api:Invoke` and
//! `lambda:InvokeFunction` (iam-semantics.md §7), embedded as their policy JSON.
//!
//! Documents are as published by AWS (versions and dates from iann0036/iam-dataset `2073fa52a` and
//! zoph-io/MAMIP `0387244e`); each entry says how far it can be trusted ([`Fidelity`]): the large
//! read-only and power-user policies are abbreviated to the statements that matter here. An ARN that is
//! not in the table gives `None`: the caller must treat the policy as unknown, never as granting nothing.
//! Statement spans of these documents point into the embedded JSON, not into a template.

use std::sync::OnceLock;

use super::eval::{PolicyOrigin, PolicySource};
use super::pattern::action_matches;
use super::policy::PolicyDocument;

/// The partitions whose managed policies the table knows (`arn:{partition}:iam::aws:policy/...`).
pub const PARTITIONS: [&str; 3] = ["aws", "aws-cn", "aws-us-gov"];

/// For which actions an embedded document answers exactly as the real policy would.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fidelity {
    /// The whole document is embedded.
    Complete,
    /// Abbreviated; exact only for actions matching one of these patterns.
    Only(&'static [&'static str]),
    /// Abbreviated; exact for every action except those matching one of these patterns.
    AllBut(&'static [&'static str]),
}

/// One AWS managed policy.
#[derive(Debug, Clone)]
pub struct ManagedPolicy {
    /// The policy name (`AWSLambdaRole`).
    pub name: &'static str,
    /// Between `policy/` and the name: `""` or `"service-role/"`.
    pub path: &'static str,
    /// The policy version the document reproduces (`v7`).
    pub version: &'static str,
    /// When that version was published.
    pub updated: &'static str,
    /// For which actions the embedded document is exact.
    pub fidelity: Fidelity,
    /// The document, with ARNs in the table's partition.
    pub document: PolicyDocument,
}

impl ManagedPolicy {
    /// The policy's ARN in `partition`.
    pub fn arn(&self, partition: &str) -> String {
        format!("arn:{partition}:iam::aws:policy/{}{}", self.path, self.name)
    }

    /// Whether the embedded document answers exactly for `action`.
    pub fn is_exact_for(&self, action: &str) -> bool {
        match self.fidelity {
            Fidelity::Complete => true,
            Fidelity::Only(patterns) => patterns.iter().any(|p| action_matches(p, action)),
            Fidelity::AllBut(patterns) => !patterns.iter().any(|p| action_matches(p, action)),
        }
    }

    /// The policy as the evaluator's input for `action`: the document where it is exact, else unknown.
    pub fn source_for(&'static self, action: &str, origin: PolicyOrigin) -> PolicySource<'static> {
        if self.is_exact_for(action) {
            PolicySource::Known {
                document: &self.document,
                origin,
            }
        } else {
            PolicySource::Unknown {
                reason: format!(
                    "the embedded copy of the AWS managed policy {} is abbreviated and does not say whether it grants {action}",
                    self.name
                ),
                origin,
            }
        }
    }
}

/// The managed policy an ARN names (`arn:aws:iam::aws:policy/service-role/AWSLambdaRole`), in any
/// known partition; `None` for anything else (an unknown policy, a customer policy, a wrong path).
pub fn managed_policy(arn: &str) -> Option<&'static ManagedPolicy> {
    let rest = arn.strip_prefix("arn:")?;
    let (partition, rest) = rest.split_once(':')?;
    let path_and_name = rest.strip_prefix("iam::aws:policy/")?;
    table(partition)?
        .iter()
        .find(|p| path_and_name.strip_prefix(p.path) == Some(p.name))
}

/// The managed policy with this name (as SAM's `Policies: [AWSLambdaRole]` names it), whatever its path.
pub fn managed_policy_by_name(name: &str, partition: &str) -> Option<&'static ManagedPolicy> {
    table(partition)?.iter().find(|p| p.name == name)
}

/// The table for one partition, built at first use.
fn table(partition: &str) -> Option<&'static [ManagedPolicy]> {
    static TABLES: [OnceLock<Vec<ManagedPolicy>>; 3] =
        [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let index = PARTITIONS.iter().position(|p| *p == partition)?;
    let cell = TABLES.get(index)?;
    Some(cell.get_or_init(|| build(partition)).as_slice())
}

fn build(partition: &str) -> Vec<ManagedPolicy> {
    ENTRIES
        .iter()
        .filter_map(|entry| {
            let json = entry.json.replace("arn:aws:", &format!("arn:{partition}:"));
            let document = PolicyDocument::from_json(&json)?;
            Some(ManagedPolicy {
                name: entry.name,
                path: entry.path,
                version: entry.version,
                updated: entry.updated,
                fidelity: entry.fidelity,
                document,
            })
        })
        .collect()
}

/// One embedded policy, before parsing.
struct Entry {
    name: &'static str,
    path: &'static str,
    version: &'static str,
    updated: &'static str,
    fidelity: Fidelity,
    json: &'static str,
}

const SERVICE_ROLE: &str = "service-role/";

const ENTRIES: [Entry; 13] = [
    // v1, 2015-02-06.
    Entry {
        name: "AdministratorAccess",
        path: "",
        version: "v1",
        updated: "2015-02-06",
        fidelity: Fidelity::Complete,
        json: r#"{"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#,
    },
    // v12, 2026-02-12. The second statement (a short list of iam/organizations/account reads) is
    // abbreviated; the first grants every other action, execute-api and lambda included.
    Entry {
        name: "PowerUserAccess",
        path: "",
        version: "v12",
        updated: "2026-02-12",
        fidelity: Fidelity::AllBut(&["iam:*", "organizations:*", "account:*"]),
        json: r#"{"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"},
            {"Effect": "Allow", "Action": ["iam:CreateServiceLinkedRole", "iam:DeleteServiceLinkedRole",
                "iam:ListRoles", "organizations:DescribeOrganization", "account:ListRegions",
                "account:GetAccountInformation"], "Resource": "*"}]}"#,
    },
    // v178, 2026-02-12. Hundreds of read actions, abbreviated to those of Lambda and API Gateway:
    // nothing in it matches execute-api:Invoke or any lambda:Invoke* action.
    Entry {
        name: "ReadOnlyAccess",
        path: "",
        version: "v178",
        updated: "2026-02-12",
        fidelity: Fidelity::Only(&["execute-api:*", "lambda:Invoke*"]),
        json: r#"{"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["apigateway:GET", "lambda:Get*", "lambda:List*"], "Resource": "*"}]}"#,
    },
    // v5, 2026-02-12.
    Entry {
        name: "AWSLambda_ReadOnlyAccess",
        path: "",
        version: "v5",
        updated: "2026-02-12",
        fidelity: Fidelity::Complete,
        json: r#"{"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["cloudformation:DescribeStacks", "cloudformation:ListStacks",
                "cloudformation:ListStackResources", "cloudwatch:GetMetricData", "cloudwatch:ListMetrics",
                "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs", "kms:ListAliases",
                "iam:GetPolicy", "iam:GetPolicyVersion", "iam:GetRole", "iam:GetRolePolicy",
                "iam:ListAttachedRolePolicies", "iam:ListRolePolicies", "iam:ListRoles",
                "logs:DescribeLogGroups", "lambda:Get*", "lambda:List*", "states:DescribeStateMachine",
                "states:ListStateMachines", "tag:GetResources", "xray:GetTraceSummaries",
                "xray:BatchGetTraces"], "Resource": "*"},
            {"Effect": "Allow", "Action": ["logs:DescribeLogStreams", "logs:GetLogEvents",
                "logs:FilterLogEvents", "logs:StartQuery", "logs:StopQuery", "logs:DescribeQueries",
                "logs:GetLogGroupFields", "logs:GetLogRecord", "logs:GetQueryResults",
                "logs:StartLiveTail", "logs:StopLiveTail"],
             "Resource": "arn:aws:logs:*:*:log-group:/aws/lambda/*"}]}"#,
    },
    // v2, 2018-12-18.
    Entry {
        name: "AmazonAPIGatewayInvokeFullAccess",
        path: "",
        version: "v2",
        updated: "2018-12-18",
        fidelity: Fidelity::Complete,
        json: r#"{"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["execute-api:Invoke", "execute-api:ManageConnections"],
             "Resource": "arn:aws:execute-api:*:*:*"}]}"#,
    },
    // v1, 2015-02-06.
    Entry {
        name: "AWSLambdaRole",
        path: SERVICE_ROLE,
        version: "v1",
        updated: "2015-02-06",
        fidelity: Fidelity::Complete,
        json: r#"{"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["lambda:InvokeFunction"], "Resource": ["*"]}]}"#,
    },
    // v7, 2026-02-12.
    Entry {
        name: "AWSLambda_FullAccess",
        path: "",
        version: "v7",
        updated: "2026-02-12",
        fidelity: Fidelity::Complete,
        json: r#"{"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["cloudformation:DescribeStacks", "cloudformation:ListStackResources",
                "cloudwatch:ListMetrics", "cloudwatch:GetMetricData", "ec2:DescribeSecurityGroups",
                "ec2:DescribeSubnets", "ec2:DescribeVpcs", "kms:DescribeKey", "kms:ListAliases",
                "iam:GetPolicy", "iam:GetPolicyVersion", "iam:GetRole", "iam:GetRolePolicy",
                "iam:ListAttachedRolePolicies", "iam:ListRolePolicies", "iam:ListRoles", "lambda:*",
                "logs:DescribeLogGroups", "states:DescribeStateMachine", "states:ListStateMachines",
                "tag:GetResources", "xray:GetTraceSummaries", "xray:BatchGetTraces"], "Resource": "*"},
            {"Effect": "Allow", "Action": ["iam:PassRole"], "Resource": "*",
             "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}},
            {"Effect": "Allow", "Action": ["logs:DescribeLogStreams", "logs:GetLogEvents",
                "logs:FilterLogEvents", "logs:StartLiveTail", "logs:StopLiveTail"],
             "Resource": "arn:aws:logs:*:*:log-group:/aws/lambda/*"},
            {"Effect": "Allow", "Action": ["iam:CreateServiceLinkedRole"],
             "Resource": "arn:aws:iam::*:role/aws-service-role/lambda.amazonaws.com/AWSServiceRoleForLambda",
             "Condition": {"StringEquals": {"iam:AWSServiceName": "lambda.amazonaws.com"}}}]}"#,
    },
    // v1, 2015-04-09.
    Entry {
        name: "AWSLambdaBasicExecutionRole",
        path: SERVICE_ROLE,
        version: "v1",
        updated: "2015-04-09",
        fidelity: Fidelity::Complete,
        json: r#"{"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
             "Resource": "*"}]}"#,
    },
    // v1, 2015-02-06.
    Entry {
        name: "AWSLambdaExecute",
        path: "",
        version: "v1",
        updated: "2015-02-06",
        fidelity: Fidelity::Complete,
        json: r#"{"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["logs:*"], "Resource": "arn:aws:logs:*:*:*"},
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::*"}]}"#,
    },
    // v1, 2015-02-06.
    Entry {
        name: "AWSLambdaInvocation-DynamoDB",
        path: "",
        version: "v1",
        updated: "2015-02-06",
        fidelity: Fidelity::Complete,
        json: r#"{"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["lambda:InvokeFunction"], "Resource": "*"},
            {"Effect": "Allow", "Action": ["dynamodb:DescribeStream", "dynamodb:GetRecords",
                "dynamodb:GetShardIterator", "dynamodb:ListStreams"], "Resource": "*"}]}"#,
    },
    // v2, 2018-08-28.
    Entry {
        name: "AWSXrayWriteOnlyAccess",
        path: "",
        version: "v2",
        updated: "2018-08-28",
        fidelity: Fidelity::Complete,
        json: r#"{"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords",
                "xray:GetSamplingRules", "xray:GetSamplingTargets", "xray:GetSamplingStatisticSummaries"],
             "Resource": ["*"]}]}"#,
    },
    // v2, 2020-10-01.
    Entry {
        name: "AWSLambdaENIManagementAccess",
        path: SERVICE_ROLE,
        version: "v2",
        updated: "2020-10-01",
        fidelity: Fidelity::Complete,
        json: r#"{"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces",
                "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"],
             "Resource": "*"}]}"#,
    },
    // v3, 2024-01-05.
    Entry {
        name: "AWSLambdaVPCAccessExecutionRole",
        path: SERVICE_ROLE,
        version: "v3",
        updated: "2024-01-05",
        fidelity: Fidelity::Complete,
        json: r#"{"Version": "2012-10-17", "Statement": [
            {"Sid": "AWSLambdaVPCAccessExecutionPermissions", "Effect": "Allow",
             "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents",
                "ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets",
                "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"],
             "Resource": "*"}]}"#,
    },
];

#[cfg(test)]
mod tests;
