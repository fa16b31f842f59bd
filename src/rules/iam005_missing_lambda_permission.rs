//! IAM005 `missing-lambda-permission`: API Gateway invokes the Lambda with its own identity and no
//! `AWS::Lambda::Permission` lets it. See rules/IAM005-missing-lambda-permission.md.

use super::{Rule, RuleContext, RuleInput, RuleMeta};
use crate::model::permissions::{ServiceGrant, api_gateway_grant, other_qualifier_permissions};
use crate::model::route::{Invocation, PermissionSource};

declare_rule!(
    MissingLambdaPermission,
    "IAM005",
    "missing-lambda-permission",
    Error
);

impl Rule for MissingLambdaPermission {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, input: &RuleInput<'_>, cx: &mut RuleContext) {
        let model = input.model;
        for route in &input.model.routes {
            if route.invocation != Invocation::ServiceIdentity {
                continue;
            }
            let Some(function) = &route.function else {
                continue;
            };
            let route_name = route.name();
            match &route.permission {
                PermissionSource::SamEvent => {}
                PermissionSource::SamEventLiteralApiId { key, span } => {
                    let Some(location) = model.location(route.stack, *span) else {
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
                    let permissions = model.permissions_for(route);
                    let (undecided, why) = match api_gateway_grant(&permissions, route) {
                        ServiceGrant::Yes => continue,
                        ServiceGrant::Maybe(why) => (true, format!(" ({why})")),
                        ServiceGrant::No => (false, String::new()),
                    };
                    let Some(location) = model.route_location(route) else {
                        continue;
                    };
                    let target = match &route.qualifier {
                        Some(qualifier) => format!("{function}:{qualifier}"),
                        None => function.clone(),
                    };
                    let misqualified = other_qualifier_permissions(&permissions, route);
                    let qualifier_note = if misqualified.is_empty() {
                        String::new()
                    } else {
                        let named: Vec<String> = misqualified
                            .iter()
                            .map(|(p, q)| match q {
                                Some(q) => format!("{} names `{function}:{q}`", p.logical_id),
                                None => {
                                    format!("{} names the unqualified `{function}`", p.logical_id)
                                }
                            })
                            .collect();
                        format!(
                            " ({}, not `{target}`: a Lambda permission applies only to the exact function, version or alias it names)",
                            named.join("; ")
                        )
                    };
                    let mut finding = cx.report(
                        location,
                        format!("API Gateway invokes {target} for {route_name} with its own identity, but no AWS::Lambda::Permission for apigateway.amazonaws.com covers the route{why}{qualifier_note}: every call answers HTTP 500 \"Internal server error\""),
                    );
                    for (permission, _) in misqualified {
                        if let Some(at) = model.location(permission.stack, permission.span) {
                            finding = finding
                                .related(at, "names another version or alias of the function");
                        }
                    }
                    if undecided {
                        finding = finding.undecided();
                    }
                    finding
                    .resource(Some(function))
                    .help(format!(
                        "add a permission:\n  {function}ApiPermission:\n    Type: AWS::Lambda::Permission\n    Properties:\n      Action: lambda:InvokeFunction\n      FunctionName: !GetAtt {function}.Arn\n{}      Principal: apigateway.amazonaws.com\n      SourceArn: !Sub arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{}}}/*/*",
                        qualifier_line(route.qualifier.as_deref()),
                        route.api
                    ));
                }
            }
        }
    }
}

/// The `Qualifier:` line of the permission to add, for a route that invokes a version or an alias: a
/// permission on the unqualified function does not apply to it.
fn qualifier_line(qualifier: Option<&str>) -> String {
    match qualifier {
        None => String::new(),
        Some(q) if q.contains("${") => format!("      Qualifier: !Sub '{q}'\n"),
        Some(q) => format!("      Qualifier: {q}\n"),
    }
}
