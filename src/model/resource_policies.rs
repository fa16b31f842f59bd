//! Resource-based policies of the resources AWS service integrations call: `AWS::SQS::QueuePolicy`,
//! `AWS::SNS::TopicPolicy` and `AWS::S3::BucketPolicy`, read once, by the IAM prefix of the service.
//!
//! A service call is decided with the caller's (or role's) identity policies and every policy of
//! the service as the resource policy: each statement's own `Resource` decides whether it concerns
//! the call's resource, so a policy attached to another queue or bucket grants nothing here.
//!
//! API Gateway calls AWS services over TLS, so a statement whose only condition key is
//! `aws:SecureTransport` is read for these calls as it evaluates: the usual `Deny` of requests
//! without TLS (`Bool: {aws:SecureTransport: false}`) never applies and is dropped; an `Allow` on TLS
//! applies unconditionally. (Only the keys are read, not the values: no other form is sensible.) Not
//! read: EventBridge bus policies, DynamoDB table and Kinesis stream resource policies, KMS key
//! policies (an encrypted queue or topic also needs `kms:GenerateDataKey`, not checked).

use std::collections::HashMap;

use crate::iam::policy::{Effect, PolicyDocument, Statement};
use crate::resolve::Resolver;
use crate::template::Template;

/// The resource policies of a deployment, by IAM prefix (`sqs`, `sns`, `s3`).
#[derive(Default)]
pub struct ServicePolicies {
    by_service: HashMap<&'static str, Vec<ResourcePolicyDocument>>,
}

/// One resource policy.
pub struct ResourcePolicyDocument {
    /// The policy resource's logical id.
    pub logical_id: String,
    pub document: PolicyDocument,
}

/// The policy resource types and the IAM prefix of the service they govern.
const POLICY_TYPES: [(&str, &str); 3] = [
    ("AWS::SQS::QueuePolicy", "sqs"),
    ("AWS::SNS::TopicPolicy", "sns"),
    ("AWS::S3::BucketPolicy", "s3"),
];

impl ServicePolicies {
    pub fn read(r: &Resolver<'_>, templates: &[Template]) -> ServicePolicies {
        let mut out = ServicePolicies::default();
        for (stack, template) in templates.iter().enumerate() {
            for (type_name, service) in POLICY_TYPES {
                for resource in template.resources_of_type(type_name) {
                    let Some(node) = resource.property("PolicyDocument") else {
                        continue;
                    };
                    let mut document = PolicyDocument::from_node(node, stack, r);
                    over_tls(&mut document);
                    out.by_service
                        .entry(service)
                        .or_default()
                        .push(ResourcePolicyDocument {
                            logical_id: resource.logical_id.clone(),
                            document,
                        });
                }
            }
        }
        out
    }

    /// The policies that may grant `action` (`sqs:SendMessage`): those of its service.
    pub fn for_action(&self, action: &str) -> &[ResourcePolicyDocument] {
        let service = action.split(':').next().unwrap_or_default();
        self.by_service.get(service).map_or(&[], Vec::as_slice)
    }
}

/// The document as it applies to a request made over TLS (see the module doc).
fn over_tls(document: &mut PolicyDocument) {
    let only_tls = |s: &Statement| {
        s.only_if.is_none()
            && !s.condition_keys.is_empty()
            && s.condition_keys
                .iter()
                .all(|k| k.eq_ignore_ascii_case("aws:SecureTransport"))
    };
    document
        .statements
        .retain(|s| !(s.effect == Effect::Deny && only_tls(s)));
    for statement in &mut document.statements {
        if statement.effect == Effect::Allow && only_tls(statement) {
            statement.has_condition = false;
            statement.condition_keys.clear();
        }
    }
}
