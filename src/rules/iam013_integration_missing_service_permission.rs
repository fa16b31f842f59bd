//! IAM013 `integration-missing-service-permission`: the identity an AWS service integration calls
//! with (its credentials role, or each caller when it passes the caller's credentials) lacks the
//! action the call needs on the resource it names. See
//! rules/IAM013-integration-missing-service-permission.md.
//!
//! The trust of the role (`apigateway.amazonaws.com` may assume it) is IAM002's, for every
//! integration kind.

use super::{Rule, RuleContext, RuleInput, RuleMeta};
use crate::iam::eval::{Decision, DenialReason};
use crate::model::Model;
use crate::model::access::CallerAccess;
use crate::model::route::{
    ApiKind, Integration, Invocation, Route, ServiceIntegration, ServiceRequest, ServiceResource,
};

declare_rule!(
    IntegrationMissingServicePermission,
    "IAM013",
    "integration-missing-service-permission",
    Error
);

impl Rule for IntegrationMissingServicePermission {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, input: &RuleInput<'_>, cx: &mut RuleContext) {
        let model = input.model;
        for (index, route) in model.routes.iter().enumerate() {
            let Integration::AwsService(service) = &route.integration else {
                continue;
            };
            let Some(request) = &service.request else {
                continue;
            };
            match &route.invocation {
                Invocation::Role { span, .. } => {
                    role_finding(model, index, route, service, request, *span, cx);
                }
                Invocation::CallerCredentials => {
                    for caller in model.access.callers(index) {
                        caller_finding(model, route, service, request, caller, cx);
                    }
                }
                Invocation::ServiceIdentity => {}
            }
        }
    }
}

/// The route's credentials role lacks the call's action.
fn role_finding(
    model: &Model,
    index: usize,
    route: &Route,
    service: &ServiceIntegration,
    request: &ServiceRequest,
    span: crate::source::Span,
    cx: &mut RuleContext,
) {
    let Some(role) = model.access.role(index) else {
        return;
    };
    let Some(decision) = &role.service_call else {
        return;
    };
    let Some(principal) = model.access.principals.get(role.principal) else {
        return;
    };
    let undecided = match decision {
        Decision::Allowed { .. } => return,
        Decision::Denied { .. } => false,
        Decision::Conditional { .. } => true,
    };
    let Some(location) = model.definition_location(route, span) else {
        return;
    };
    let message = format!(
        "{} runs its integration as `{}`, which {}: {}",
        route.name(),
        principal.logical_id,
        lacks(decision, request),
        symptom(route, service, request),
    );
    let mut finding = cx
        .report(location, message)
        .label(format!(
            "integration credentials: `{}`",
            principal.logical_id
        ))
        .resource(Some(&principal.logical_id))
        .help(help(&principal.logical_id, decision, request));
    if let Some(role_location) = model.location(principal.stack, principal.span) {
        finding = finding.related(role_location, "the role");
    }
    if undecided {
        finding = finding.undecided();
    }
    drop(finding);
}

/// A caller of a route that passes the caller's credentials lacks the call's action.
fn caller_finding(
    model: &Model,
    route: &Route,
    service: &ServiceIntegration,
    request: &ServiceRequest,
    caller: &CallerAccess,
    cx: &mut RuleContext,
) {
    let access = &model.access;
    let Some(decision) = &caller.service_call else {
        return;
    };
    let Some(principal) = access.principals.get(caller.principal) else {
        return;
    };
    let definite = match (decision, &caller.execute_api) {
        (Decision::Allowed { .. }, _) => return,
        // Both undecided: too speculative to report.
        (Decision::Conditional { .. }, Decision::Conditional { .. }) => return,
        (Decision::Denied { .. }, _) => caller.definite,
        (Decision::Conditional { .. }, _) => false,
    };
    let grant = match &caller.execute_api {
        Decision::Allowed { grants } | Decision::Conditional { grants, .. } => grants.first(),
        Decision::Denied { .. } => None,
    };
    let Some(primary) = grant
        .and_then(|g| access.statement_location(caller.principal, g))
        .or_else(|| model.location(principal.stack, principal.span))
    else {
        return;
    };
    let may = if caller.definite {
        "may call"
    } else {
        "may perhaps call"
    };
    let message = format!(
        "`{}` {may} {}, which calls {} with the caller's credentials, but it {}: {}",
        principal.logical_id,
        route.name(),
        service_name(service),
        lacks(decision, request),
        symptom(route, service, request),
    );
    let mut finding = cx
        .report(primary, message)
        .label(format!(
            "lets `{}` call {}",
            principal.logical_id,
            route.name()
        ))
        .resource(Some(&principal.logical_id))
        .help(help(&principal.logical_id, decision, request));
    if let Some(location) = model.route_location(route) {
        finding = finding.related(
            location,
            format!(
                "{} calls `{}` with the caller's credentials",
                route.name(),
                request.action
            ),
        );
    }
    if !definite {
        finding = finding.undecided();
    }
    drop(finding);
}

/// `lacks sqs:SendMessage on OrdersQueue`, with why when undecided.
fn lacks(decision: &Decision, request: &ServiceRequest) -> String {
    let on = match &request.resource {
        ServiceResource::Named { .. } => format!("on {}", request.resource_name()),
        ServiceResource::Unknown { .. } => "on any resource".to_string(),
    };
    match decision {
        Decision::Denied {
            reason: DenialReason::Boundary,
            ..
        } => format!(
            "is not allowed `{}` {on} by its permissions boundary",
            request.action
        ),
        Decision::Denied {
            reason: DenialReason::ExplicitDeny,
            ..
        } => format!("is denied `{}` {on} by an explicit Deny", request.action),
        Decision::Denied { .. } => format!("lacks `{}` {on}", request.action),
        Decision::Conditional { reasons, .. } => {
            let mut why = reasons.clone();
            if let ServiceResource::Unknown { why: unknown, .. } = &request.resource {
                why.insert(0, format!("the resource is not known: {unknown}"));
            }
            format!(
                "may lack `{}` {} (cannot be decided: {})",
                request.action,
                match &request.resource {
                    ServiceResource::Named { .. } => on,
                    ServiceResource::Unknown { .. } => "on the resource the request names".into(),
                },
                why.join("; ")
            )
        }
        Decision::Allowed { .. } => format!("is allowed `{}` {on}", request.action),
    }
}

/// `SQS` for messages: the service as users know it.
fn service_name(service: &ServiceIntegration) -> String {
    match service.service.as_str() {
        "states" => "Step Functions".to_string(),
        "events" => "EventBridge".to_string(),
        "email" => "SES".to_string(),
        "dynamodb" => "DynamoDB".to_string(),
        "kinesis" => "Kinesis".to_string(),
        "firehose" => "Firehose".to_string(),
        "sagemaker" => "SageMaker".to_string(),
        "sqs" | "sns" | "s3" => service.service.to_ascii_uppercase(),
        other => format!("`{other}`"),
    }
}

/// What the client sees and what never happens.
fn symptom(route: &Route, service: &ServiceIntegration, request: &ServiceRequest) -> String {
    let refused = format!(
        "{} refuses the call with an access-denied error and `{}` never happens",
        service_name(service),
        request.action
    );
    match route.api_kind {
        ApiKind::Http => format!("{refused}; the client gets that error response"),
        ApiKind::Rest => format!(
            "{refused}; the client gets HTTP 500, or the integration's default response (often a 200 with the error body)"
        ),
    }
}

/// The statement to add, with the resource as a policy writes it.
fn help(principal: &str, decision: &Decision, request: &ServiceRequest) -> String {
    let resource = match &request.resource {
        ServiceResource::Named { written, .. } => written.clone(),
        ServiceResource::Unknown { .. } => {
            "<the ARN of the resource the request names>".to_string()
        }
    };
    let whom = match decision {
        Decision::Denied {
            reason: DenialReason::Boundary,
            ..
        } => format!("allow it in `{principal}`'s permissions boundary too"),
        Decision::Denied {
            reason: DenialReason::ExplicitDeny,
            ..
        } => format!("narrow the Deny that applies to `{principal}`, then grant it"),
        _ => format!("grant `{principal}`"),
    };
    format!(
        "{whom}:\n  - Effect: Allow\n    Action: {}\n    Resource: {resource}",
        request.action
    )
}
