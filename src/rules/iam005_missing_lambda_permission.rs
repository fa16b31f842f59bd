//! IAM005 `missing-lambda-permission`: API Gateway invokes the Lambda with its own identity and no
//! `AWS::Lambda::Permission` lets it. See rules/IAM005-missing-lambda-permission.md.

use super::{Rule, RuleContext, RuleInput, RuleMeta};
use crate::model::permissions::{ServiceGrant, api_gateway_grant};
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
                    let (undecided, why) = match api_gateway_grant(&model.lambda_permissions, route)
                    {
                        ServiceGrant::Yes => continue,
                        ServiceGrant::Maybe(why) => (true, format!(" ({why})")),
                        ServiceGrant::No => (false, String::new()),
                    };
                    let Some(location) = model.route_location(route) else {
                        continue;
                    };
                    let target = match &route.alias {
                        Some(alias) => format!("{function}:{alias}"),
                        None => function.clone(),
                    };
                    let mut finding = cx.report(
                        location,
                        format!("API Gateway invokes {target} for {route_name} with its own identity, but no AWS::Lambda::Permission for apigateway.amazonaws.com covers the route{why}: every call answers HTTP 500 \"Internal server error\""),
                    );
                    if undecided {
                        finding = finding.undecided();
                    }
                    finding
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
