//! API Gateway resource policies: the `Policy` of an `AWS::ApiGateway::RestApi` and SAM's
//! `Auth.ResourcePolicy` of an `AWS::Serverless::Api` (Globals merged), read once per API.
//!
//! Modelled: `Policy` documents (a mapping or JSON text) and SAM's `CustomStatements` (the shorthand
//! `execute-api:/stage/METHOD/path` read as the API's own ARN), evaluated as IAM
//! documents them for execute-api (same account: the identity policies or the resource policy may
//! allow; cross account: both must; an explicit Deny in either blocks). Not modelled: the statements SAM
//! generates from `AwsAccountWhitelist`/`Blacklist`, `IpRange*`, `SourceVpc*` and `IntrinsicVpc*`
//! lists, and an `Api` event's own `Auth.ResourcePolicy`; an API using them makes every decision on its
//! routes conditional, never a definite answer. SAM's implicit `ServerlessRestApi` takes
//! `Globals.Api.Auth.ResourcePolicy`.

use std::collections::HashMap;

use super::route::execute_api_arn;
use super::sam::{IMPLICIT_REST_API, globals};
use crate::iam::policy::{PolicyDocument, ResourceSet};
use crate::load::{Entry, Key, Node, NodeKind};
use crate::resolve::{Resolver, StackId, Value};
use crate::template::Template;

/// SAM `ResourcePolicy` keys that generate statements iamlint does not model.
const UNMODELLED_SAM_KEYS: [&str; 10] = [
    "AwsAccountWhitelist",
    "AwsAccountBlacklist",
    "IpRangeWhitelist",
    "IpRangeBlacklist",
    "SourceVpcWhitelist",
    "SourceVpcBlacklist",
    "IntrinsicVpcWhitelist",
    "IntrinsicVpcBlacklist",
    "IntrinsicVpceWhitelist",
    "IntrinsicVpceBlacklist",
];

/// The resource policy of one API.
#[derive(Debug, Clone)]
pub struct ApiPolicy {
    pub document: PolicyDocument,
    /// Where the policy is written (the stack), for locations.
    pub stack: StackId,
    /// Why the policy is only partly known (SAM keys iamlint does not model), if it is.
    pub unmodelled: Option<String>,
}

/// The resource policy of every API that has one, by (stack, API logical id).
pub fn api_policies(
    r: &Resolver<'_>,
    templates: &[Template],
) -> HashMap<(StackId, String), ApiPolicy> {
    let mut out = HashMap::new();
    for (stack, template) in templates.iter().enumerate() {
        for resource in &template.resources {
            let mut policy = match resource.type_name() {
                "AWS::ApiGateway::RestApi" => resource.property("Policy").map(|node| ApiPolicy {
                    document: PolicyDocument::from_node(node, stack, r),
                    stack,
                    unmodelled: None,
                }),
                "AWS::Serverless::Api" => globals::merged_properties(template, resource)
                    .and_then(|p| sam_policy(r, stack, &p)),
                _ => None,
            };
            if let Some(policy) = policy.as_mut() {
                let api = r.reference(stack, &resource.logical_id);
                expand_shorthand(r, &api, &mut policy.document);
            }
            if let Some(policy) = policy {
                out.insert((stack, resource.logical_id.clone()), policy);
            }
        }
        if template.is_sam() {
            implicit_and_event_policies(r, stack, template, &mut out);
        }
    }
    out
}

/// SAM's implicit `ServerlessRestApi` takes `Globals.Api.Auth.ResourcePolicy`; an `Api` event's own
/// `Auth.ResourcePolicy` is merged by SAM into its API's policy, scoped to the route: not modelled, so
/// that API's decisions become conditional.
fn implicit_and_event_policies(
    r: &Resolver<'_>,
    stack: StackId,
    template: &Template,
    out: &mut HashMap<(StackId, String), ApiPolicy>,
) {
    let implicit = IMPLICIT_REST_API.to_string();
    if let Some(mut policy) = globals::implicit_properties(template, "AWS::Serverless::Api")
        .and_then(|p| sam_policy(r, stack, &p))
    {
        let api = r.reference(stack, &implicit);
        expand_shorthand(r, &api, &mut policy.document);
        out.insert((stack, implicit.clone()), policy);
    }
    for function in template.resources_of_type("AWS::Serverless::Function") {
        for event in super::sam::globals::events(function.properties()) {
            let properties = event.value.get("Properties");
            let is_api = event.value.get("Type").and_then(Node::as_str) == Some("Api");
            let Some(policy) = properties
                .and_then(|p| p.get("Auth"))
                .and_then(|a| a.get("ResourcePolicy"))
                .filter(|_| is_api)
            else {
                continue;
            };
            let api = properties
                .and_then(|p| p.get("RestApiId"))
                .and_then(|id| id.get("Ref").and_then(Node::as_str))
                .map_or_else(|| implicit.clone(), str::to_string);
            let why = format!(
                "an Api event of {} has its own Auth.ResourcePolicy, which SAM merges into the API's and iamlint does not model",
                function.logical_id
            );
            out.entry((stack, api))
                .or_insert_with(|| ApiPolicy {
                    document: PolicyDocument {
                        span: policy.span,
                        ..PolicyDocument::default()
                    },
                    stack,
                    unmodelled: None,
                })
                .unmodelled
                .get_or_insert(why);
        }
    }
}

/// API Gateway reads `execute-api:/stage/METHOD/path` in a resource policy as the ARN of the API's own
/// routes: `arn:{partition}:execute-api:{region}:{account}:{api-id}/stage/METHOD/path`.
fn expand_shorthand(r: &Resolver<'_>, api: &Value, document: &mut PolicyDocument) {
    let prefix = execute_api_arn(r, api);
    for statement in &mut document.statements {
        let values = match &mut statement.resources {
            ResourceSet::Resource(v) | ResourceSet::NotResource(v) => v,
        };
        for value in values.iter_mut() {
            let Some(rest) = value
                .as_str()
                .and_then(|s| s.strip_prefix_literal("execute-api:"))
            else {
                continue;
            };
            *value = Value::concat(vec![prefix.clone(), Value::Str(rest)]);
        }
    }
}

/// SAM's `Auth.ResourcePolicy`: its `CustomStatements` as a document, and what is not modelled.
fn sam_policy(r: &Resolver<'_>, stack: StackId, properties: &Node) -> Option<ApiPolicy> {
    let policy = properties.get("Auth")?.get("ResourcePolicy")?;
    let unmodelled: Vec<&str> = UNMODELLED_SAM_KEYS
        .iter()
        .copied()
        .filter(|k| policy.get(k).is_some())
        .collect();
    let statements = policy.get("CustomStatements");
    if statements.is_none() && unmodelled.is_empty() {
        return None;
    }
    let span = statements.map_or(policy.span, |s| s.span);
    let document = Node {
        kind: NodeKind::Map(vec![
            Entry {
                key: Key {
                    text: "Version".to_string(),
                    span,
                    short_form: false,
                },
                value: Node::scalar("2012-10-17", crate::load::ScalarStyle::Quoted, span),
            },
            Entry {
                key: Key {
                    text: "Statement".to_string(),
                    span,
                    short_form: false,
                },
                value: statements.cloned().unwrap_or(Node {
                    kind: NodeKind::Seq(Vec::new()),
                    span,
                }),
            },
        ]),
        span,
    };
    Some(ApiPolicy {
        document: PolicyDocument::from_node(&document, stack, r),
        stack,
        unmodelled: (!unmodelled.is_empty()).then(|| {
            format!(
                "the API's ResourcePolicy uses {}, whose statements iamlint does not model",
                unmodelled.join(", ")
            )
        }),
    })
}
