//! What the model does not analyse, and why: one record per occurrence, so `COV001` can say it and
//! "No problems found" is never printed over a part nobody checked.
//!
//! - API definitions not read ([`crate::definitions`]): an S3 or remote location, a body written with
//!   an intrinsic or macro, a missing or invalid local file, an include loop, a `Fn::Transform`
//!   inside a definition.
//! - Nested stacks not read ([`crate::nested`]): a `TemplateURL` in S3 or behind a URL, one built with
//!   an intrinsic, an application of the Serverless Application Repository, a missing or invalid
//!   local child template, a nesting loop or a chain too deep.
//! - WebSocket APIs (`AWS::ApiGatewayV2::Api` with `ProtocolType: WEBSOCKET`,
//!   `AWS::Serverless::WebSocketApi`): their routes and their IAM auth are not modelled.
//! - AppSync GraphQL APIs that authorize with `AWS_IAM` (as the default or an additional mode):
//!   callers need `appsync:GraphQL`, which iamlint does not evaluate. An AppSync API without IAM
//!   auth is outside what iamlint checks (no IAM caller), so it is not listed.
//! - AWS service integrations whose IAM action iamlint does not know (a `path/` URI of a service other
//!   than S3, SQS and SageMaker, an SQS path without a readable `Action`): IAM013 cannot check them.
//! - Policies that cannot be read: statements or documents the policy reader skips, managed policies
//!   whose ARN is not a literal, and `Policies`/`ManagedPolicyArns` that are not lists (or hold an
//!   intrinsic where a policy should be).

use std::collections::HashSet;

use super::access::Access;
use super::route::{Integration, Route};
use crate::definitions::NotReadKind;
use crate::deployment::Deployment;
use crate::load::Node;
use crate::resolve::{Resolver, StackId};
use crate::source::{Location, Span};
use crate::template::Resource;

/// Why something is not analysed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gap {
    /// An API definition, or a part of one, that is not read.
    Definition(NotReadKind),
    /// A nested stack whose template is not read.
    NestedStack(NotReadKind),
    WebSocketApi,
    AppSyncIamApi,
    UnknownServiceAction,
    UnreadablePolicy,
    /// Routes whose callers are not decided: the access matrix is past its budget.
    AccessBudget,
}

impl Gap {
    /// A short name for reports and measurements.
    pub fn as_str(self) -> &'static str {
        match self {
            Gap::Definition(kind) => kind.as_str(),
            Gap::NestedStack(NotReadKind::Remote) => "remote-nested-stack",
            Gap::NestedStack(NotReadKind::Unreadable) => "unreadable-nested-stack",
            Gap::NestedStack(NotReadKind::MissingFile) => "missing-nested-stack",
            Gap::NestedStack(NotReadKind::Outside) => "outside-nested-stack",
            Gap::NestedStack(NotReadKind::InvalidFile) => "invalid-nested-stack",
            Gap::NestedStack(NotReadKind::IncludeLoop | NotReadKind::NestedTransform) => {
                "nested-stack-loop"
            }
            Gap::NestedStack(NotReadKind::AlreadyNested) => "nested-stack-twice",
            Gap::WebSocketApi => "websocket-api",
            Gap::AppSyncIamApi => "appsync-iam-api",
            Gap::UnknownServiceAction => "unknown-service-action",
            Gap::UnreadablePolicy => "unreadable-policy",
            Gap::AccessBudget => "access-budget",
        }
    }
}

/// One thing the model skips.
#[derive(Debug, Clone)]
pub struct NotAnalysed {
    pub stack: StackId,
    /// The resource it belongs to, when one.
    pub resource: Option<String>,
    /// Where it is written (in the template, or in an included file).
    pub location: Location,
    /// What is skipped, as a phrase: "the API definition of MyApi (`DefinitionBody`)".
    pub what: String,
    /// Why, in plain words.
    pub why: String,
    pub gap: Gap,
    /// Another place that explains it (a parse error in an included file).
    pub related: Option<Location>,
}

/// Everything the model skips in `deployment`, in file order, each occurrence once.
pub fn not_analysed(
    deployment: &Deployment,
    r: &Resolver<'_>,
    access: &Access,
    routes: &[Route],
) -> Vec<NotAnalysed> {
    let mut out: Vec<NotAnalysed> = deployment
        .definitions
        .unread
        .iter()
        .map(|unread| NotAnalysed {
            stack: unread.stack,
            resource: (unread.resource != "Globals").then(|| unread.resource.clone()),
            location: unread.location,
            what: unread.what.clone(),
            why: unread.why.clone(),
            gap: Gap::Definition(unread.kind),
            related: unread.related,
        })
        .collect();
    out.extend(deployment.nesting.unread.iter().map(|unread| NotAnalysed {
        stack: unread.stack,
        resource: Some(unread.resource.clone()),
        location: unread.location,
        what: unread.what.clone(),
        why: unread.why.clone(),
        gap: Gap::NestedStack(unread.kind),
        related: unread.related,
    }));
    for (stack, template) in deployment.templates.iter().enumerate() {
        for resource in &template.resources {
            let at = |span: Span| Location {
                file: template.file,
                span,
            };
            out.extend(websocket_api(stack, resource, at));
            out.extend(appsync_iam_api(r, stack, resource, at));
            out.extend(unlisted_policies(stack, resource, at));
        }
    }
    out.extend(unread_policies(deployment, access));
    out.extend(
        routes
            .iter()
            .filter_map(|route| unknown_service_action(deployment, route)),
    );
    out.extend(undecided_access(deployment, access, routes));
    let mut seen = HashSet::new();
    out.retain(|n| seen.insert((n.location, n.why.clone())));
    out.sort_by_key(|n| n.location);
    out
}

/// The routes past the access matrix's budget: one record for all, at the first of them.
fn undecided_access(
    deployment: &Deployment,
    access: &Access,
    routes: &[Route],
) -> Option<NotAnalysed> {
    let undecided = access.undecided_routes();
    let first = routes.get(*undecided.first()?)?;
    let file = match first.definition_file {
        Some(file) => file,
        None => deployment.template(first.stack)?.file,
    };
    let count = undecided.len();
    Some(NotAnalysed {
        stack: first.stack,
        resource: Some(first.api.clone()),
        location: Location {
            file,
            span: first.span,
        },
        what: format!(
            "who may call {count} of the {} routes, from {} on,",
            routes.len(),
            first.name()
        ),
        why: format!(
            "the deployment's access matrix (routes × the roles and users whose grants may name them × stages × their execute-api resources) is past iamlint's budget for one run ({} questions, a wildcard inside a resource counting {}; {} positions of the pattern matcher), so these routes' callers are not decided",
            super::access::MAX_MATRIX_WORK,
            super::access::WILDCARD_WEIGHT,
            super::access::MAX_MATRIX_PATTERN_WORK,
        ),
        gap: Gap::AccessBudget,
        related: None,
    })
}

/// A route that calls an AWS service with an action iamlint does not know.
fn unknown_service_action(deployment: &Deployment, route: &Route) -> Option<NotAnalysed> {
    let Integration::AwsService(service) = &route.integration else {
        return None;
    };
    if service.request.is_some() {
        return None;
    }
    let file = match route.definition_file {
        Some(file) => file,
        None => deployment.template(route.stack)?.file,
    };
    Some(NotAnalysed {
        stack: route.stack,
        resource: Some(route.api.clone()),
        location: Location {
            file,
            span: route.span,
        },
        what: format!("the service call of {} (`{}`)", route.name(), service.describe()),
        why: "iamlint does not know which IAM action this AWS service integration needs, so whether its credentials allow the call is not checked".to_string(),
        gap: Gap::UnknownServiceAction,
        related: None,
    })
}

/// A WebSocket API: one record per API.
fn websocket_api(
    stack: StackId,
    resource: &Resource,
    at: impl Fn(Span) -> Location,
) -> Option<NotAnalysed> {
    let span = match resource.type_name() {
        "AWS::Serverless::WebSocketApi" => resource.span,
        "AWS::ApiGatewayV2::Api" => {
            let protocol = resource.property("ProtocolType")?;
            protocol
                .as_str()
                .filter(|p| p.eq_ignore_ascii_case("WEBSOCKET"))?;
            protocol.span
        }
        _ => return None,
    };
    Some(NotAnalysed {
        stack,
        resource: Some(resource.logical_id.clone()),
        location: at(span),
        what: format!("the WebSocket API {}", resource.logical_id),
        why: "iamlint models REST and HTTP APIs only, so the routes of a WebSocket API, their IAM auth and the Lambda permissions they need are not checked".to_string(),
        gap: Gap::WebSocketApi,
        related: None,
    })
}

/// An AppSync API with `AWS_IAM` among its authorization modes (or a mode that cannot be read).
fn appsync_iam_api(
    r: &Resolver<'_>,
    stack: StackId,
    resource: &Resource,
    at: impl Fn(Span) -> Location,
) -> Option<NotAnalysed> {
    let (default, additional, key) = match resource.type_name() {
        "AWS::AppSync::GraphQLApi" => (
            resource.property("AuthenticationType"),
            resource.property("AdditionalAuthenticationProviders"),
            "AuthenticationType",
        ),
        "AWS::Serverless::GraphQLApi" => {
            let auth = resource.property("Auth");
            (
                auth.and_then(|a| a.get("Type")),
                auth.and_then(|a| a.get("Additional")),
                "Type",
            )
        }
        _ => return None,
    };
    let modes = default.into_iter().chain(
        additional
            .and_then(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .filter_map(|provider| provider.get(key)),
    );
    let iam = modes.into_iter().find(|mode| {
        let value = r.resolve(stack, mode);
        value.as_literal().is_none_or(|m| m == "AWS_IAM")
    })?;
    Some(NotAnalysed {
        stack,
        resource: Some(resource.logical_id.clone()),
        location: at(iam.span),
        what: format!("the AppSync API {}", resource.logical_id),
        why: "it authorizes callers with AWS_IAM, and iamlint does not evaluate `appsync:GraphQL` grants, so who may call it is not checked".to_string(),
        gap: Gap::AppSyncIamApi,
        related: None,
    })
}

/// `Policies` / `ManagedPolicyArns` of a role, user or group that the policy reader cannot list.
fn unlisted_policies(
    stack: StackId,
    resource: &Resource,
    at: impl Fn(Span) -> Location,
) -> Vec<NotAnalysed> {
    if !matches!(
        resource.type_name(),
        "AWS::IAM::Role" | "AWS::IAM::User" | "AWS::IAM::Group"
    ) {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut gap = |span: Span, what: String, why: &str| {
        out.push(NotAnalysed {
            stack,
            resource: Some(resource.logical_id.clone()),
            location: at(span),
            what,
            why: why.to_string(),
            gap: Gap::UnreadablePolicy,
            related: None,
        });
    };
    for property in ["Policies", "ManagedPolicyArns"] {
        let Some(node) = resource.property(property).filter(|n| !n.is_null()) else {
            continue;
        };
        let what = format!("the `{property}` of {}", resource.logical_id);
        match node.as_seq() {
            None => gap(
                node.span,
                what,
                "it is not a list iamlint can read (an intrinsic such as `Fn::If` around the whole list), so none of these policies is checked",
            ),
            Some(items) if property == "Policies" => {
                for item in items.iter().filter(|i| is_unread_item(i)) {
                    gap(
                        item.span,
                        format!("a policy of {}", resource.logical_id),
                        "it is written with an intrinsic (such as `Fn::If`) instead of a `PolicyName`/`PolicyDocument` mapping, so it is not checked",
                    );
                }
            }
            Some(_) => {}
        }
    }
    out
}

/// A `Policies` item that is an intrinsic (but `!Ref AWS::NoValue`, which stands for nothing).
fn is_unread_item(item: &Node) -> bool {
    match item.as_intrinsic() {
        Some((key, arg)) => !(key.text == "Ref" && arg.as_str() == Some("AWS::NoValue")),
        None => false,
    }
}

/// Parts of the principals' policies the reader skipped.
fn unread_policies(deployment: &Deployment, access: &Access) -> Vec<NotAnalysed> {
    access
        .unread_policies()
        .into_iter()
        .filter_map(|unread| {
            let stack = deployment
                .templates
                .iter()
                .position(|t| t.file == unread.location.file)?;
            Some(NotAnalysed {
                stack,
                resource: Some(unread.principal),
                location: unread.location,
                what: unread.what,
                why: unread.why,
                gap: Gap::UnreadablePolicy,
                related: None,
            })
        })
        .collect()
}
