//! IAM002 `invoke-role-cannot-invoke`: the fixed role an integration runs as cannot invoke the Lambda
//! or is not trusted by API Gateway. See rules/IAM002-invoke-role-cannot-invoke.md.

use super::{Rule, RuleContext, RuleInput, RuleMeta};
use crate::iam::eval::Decision;
use crate::model::route::{Integration, Invocation};

declare_rule!(
    InvokeRoleCannotInvoke,
    "IAM002",
    "invoke-role-cannot-invoke",
    Error
);

impl Rule for InvokeRoleCannotInvoke {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, input: &RuleInput<'_>, cx: &mut RuleContext) {
        let model = input.model;
        let access = &model.access;
        for (route_index, route) in input.model.routes.iter().enumerate() {
            let Invocation::Role { span, .. } = &route.invocation else {
                continue;
            };
            // Only a role of the deployment can be checked.
            let Some(index) = access.role(route_index).map(|r| r.principal) else {
                continue;
            };
            let Some(role) = access.principals.get(index) else {
                continue;
            };
            let Some(location) = model.definition_location(route, *span) else {
                continue;
            };
            let route_name = route.name();
            let target = route.function.as_deref().unwrap_or("the Lambda");
            // What never runs: the function, or the service action of a non-Lambda integration.
            let never_runs = match &route.integration {
                Integration::AwsService(service) => {
                    format!("`{}` is never called", service.describe())
                }
                _ => format!("{target} is never invoked"),
            };
            if !role.trusts_service("apigateway.amazonaws.com") {
                cx.report(
                    location,
                    format!("{route_name} runs its integration as `{}`, but that role does not trust apigateway.amazonaws.com: API Gateway cannot assume it, every call answers HTTP 500 and {never_runs}", role.logical_id),
                )
                .label(format!("integration credentials: `{}`", role.logical_id))
                .resource(Some(&role.logical_id))
                .help("add to the role's AssumeRolePolicyDocument: `- Effect: Allow, Principal: {Service: apigateway.amazonaws.com}, Action: sts:AssumeRole`");
            }
            let Some(targets) = &route.lambda else {
                continue;
            };
            let decision = access.decide_lambda(index, targets, &model.permissions_for(route));
            let undecided = match &decision {
                Decision::Allowed { .. } => continue,
                Decision::Denied { .. } => false,
                Decision::Conditional { .. } => true,
            };
            let why = match &decision {
                Decision::Conditional { reasons, .. } => {
                    format!(" (cannot be decided: {})", reasons.join("; "))
                }
                _ => String::new(),
            };
            let mut finding = cx
                .report(
                    location,
                    format!("{route_name} runs its integration as `{}`, which lacks lambda:InvokeFunction on {target}{why}: every call answers HTTP 500 and the Lambda is never invoked", role.logical_id),
                )
                .label(format!("integration credentials: `{}`", role.logical_id))
                .resource(Some(&role.logical_id))
                .help(format!(
                    "grant `{}` lambda:InvokeFunction on the exact ARN the integration invokes:\n  - Effect: Allow\n    Action: lambda:InvokeFunction\n    {}",
                    role.logical_id,
                    written_resource(route.written_target.as_ref())
                ));
            if let Some(role_location) = model.location(role.stack, role.span) {
                finding = finding.related(role_location, "the role");
            }
            if undecided {
                finding = finding.undecided();
            }
            drop(finding);
        }
    }
}

/// `Resource: !Sub …` for the ARN a route invokes, as the user writes it.
fn written_resource(target: Option<&crate::value::Value>) -> String {
    match target.and_then(crate::value::Value::as_str) {
        Some(s) if s.as_literal().is_some() => format!("Resource: {s}"),
        Some(s) => format!("Resource: !Sub {s}"),
        None => "Resource: <the function's ARN>".to_string(),
    }
}
