//! IAM005 `missing-lambda-permission`: API Gateway invokes the Lambda with its own identity and no
//! `AWS::Lambda::Permission` lets it. See rules/IAM005-missing-lambda-permission.md.

use super::{Rule, RuleContext, RuleInput, RuleMeta};
use crate::access::execute_api_targets;
use crate::deployment::Deployment;
use crate::finding::Severity;
use crate::iam::pattern::{Coverage, Pattern, action_matches};
use crate::resolve::Value;
use crate::route::{Invocation, PermissionSource, Route};

declare_rule!(
    MissingLambdaPermission,
    "IAM005",
    "missing-lambda-permission",
    Error
);

/// Whether a route's function lets API Gateway in.
enum Allowed {
    Yes,
    Maybe(String),
    No,
}

impl Rule for MissingLambdaPermission {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, input: &RuleInput<'_>, cx: &mut RuleContext) {
        let deployment = input.deployment;
        for route in input.routes {
            if route.invocation != Invocation::ServiceIdentity {
                continue;
            }
            let Some(function) = &route.function else {
                continue;
            };
            let route_name = format!("{} {} on {}", route.method, route.path, route.api);
            match &route.permission {
                PermissionSource::SamEvent => {}
                PermissionSource::SamEventLiteralApiId { key, span } => {
                    let Some(location) = deployment.location(route.stack, *span) else {
                        continue;
                    };
                    cx.report(
                        location,
                        format!("`{key}: {}` is a plain string: SAM writes the Lambda permission for {route_name} with the literal name in its source ARN, which never matches the API's id, so API Gateway gets HTTP 500 calling {function}", route.api),
                    )
                    .label("a logical id, not a reference")
                    .resource(Some(function))
                    .help(format!("write `{key}: !Ref {}`", route.api));
                }
                PermissionSource::Explicit => {
                    let (severity, why) = match permitted(deployment, route) {
                        Allowed::Yes => continue,
                        Allowed::Maybe(why) => (Severity::Note, format!(" ({why})")),
                        Allowed::No => (Severity::Error, String::new()),
                    };
                    let Some(location) = deployment.location(route.stack, route.span) else {
                        continue;
                    };
                    let target = match &route.alias {
                        Some(alias) => format!("{function}:{alias}"),
                        None => function.clone(),
                    };
                    cx.report(
                        location,
                        format!("API Gateway invokes {target} for {route_name} with its own identity, but no AWS::Lambda::Permission for apigateway.amazonaws.com covers the route{why}: every call answers HTTP 500 \"Internal server error\""),
                    )
                    .severity(severity)
                    .resource(Some(function))
                    .help(format!(
                        "add a permission:\n  {function}ApiPermission:\n    Type: AWS::Lambda::Permission\n    Properties:\n      Action: lambda:InvokeFunction\n      FunctionName: {}\n      Principal: apigateway.amazonaws.com\n      SourceArn: !Sub arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{}}}/*/*",
                        if route.alias.is_some() { format!("!Ref {function}Alias") } else { format!("!GetAtt {function}.Arn") },
                        route.api
                    ));
                }
            }
        }
    }
}

/// Whether some `AWS::Lambda::Permission` of the deployment lets API Gateway invoke the route's target.
fn permitted(deployment: &Deployment, route: &Route) -> Allowed {
    let r = deployment.resolver();
    let Some(function) = &route.function else {
        return Allowed::Yes;
    };
    let targets = execute_api_targets(deployment, route);
    let mut maybe: Option<String> = None;
    for (stack, template) in deployment.templates.iter().enumerate() {
        for permission in template
            .resources
            .iter()
            .filter(|p| p.type_name() == "AWS::Lambda::Permission")
        {
            let literal = |name: &str| permission.property(name).map(|n| r.resolve(stack, n));
            let principal = literal("Principal");
            if principal
                .as_ref()
                .and_then(Value::as_literal)
                .is_some_and(|p| !p.starts_with("apigateway."))
            {
                continue;
            }
            let action = literal("Action");
            if action
                .as_ref()
                .and_then(Value::as_literal)
                .is_some_and(|a| !action_matches(a, "lambda:InvokeFunction"))
            {
                continue;
            }
            let Some(named) = literal("FunctionName") else {
                continue;
            };
            let qualifier = literal("Qualifier");
            let names_target = match (&route.alias, &route.target) {
                (Some(_), Some(target)) => {
                    named.equals(target) == Some(true) || qualifier.is_some()
                }
                _ => {
                    named.equals(&r.reference(route.stack, function)) == Some(true)
                        || named.equals(&r.attribute(route.stack, function, "Arn")) == Some(true)
                }
            };
            if !names_target {
                continue;
            }
            let Some(source) = permission.property("SourceArn") else {
                return Allowed::Yes;
            };
            let source = r.resolve(stack, source);
            let Some(source) = source.as_str() else {
                maybe = Some(format!(
                    "the SourceArn of {} is not known",
                    permission.logical_id
                ));
                continue;
            };
            let pattern = Pattern::new(source, false);
            let coverages: Vec<Coverage> = targets.iter().map(|t| pattern.coverage(t)).collect();
            if coverages.iter().all(|c| *c == Coverage::All) {
                return Allowed::Yes;
            }
            if coverages.iter().any(|c| *c != Coverage::None) {
                maybe = Some(format!(
                    "{} covers the route only in part, or depending on unknown values",
                    permission.logical_id
                ));
            }
        }
    }
    maybe.map_or(Allowed::No, Allowed::Maybe)
}
