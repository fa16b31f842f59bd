//! IAM004 `iam-route-without-caller`: an `AWS_IAM` route that no principal of the deployment may
//! call. See rules/IAM004-iam-route-without-caller.md.

use super::{Rule, RuleContext, RuleInput, RuleMeta};
use crate::model::route::Authorization;

declare_rule!(
    IamRouteWithoutCaller,
    "IAM004",
    "iam-route-without-caller",
    Warning
);

impl Rule for IamRouteWithoutCaller {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, input: &RuleInput<'_>, cx: &mut RuleContext) {
        let model = input.model;
        // Roles only AWS services assume (execution roles) are not callers of an API.
        let no_principals = model.access.principals.iter().all(|p| p.is_service_role());
        for (index, route) in model.routes.iter().enumerate() {
            // Possible callers (conditions, unknown values) leave it undecided: no finding.
            // A route past the access matrix's budget is undecided (COV001 says so): no finding.
            if route.authorization != Authorization::AwsIam
                || !model.access.callers(index).is_empty()
                || !model.access.is_decided(index)
            {
                continue;
            }
            let Some(location) = model.route_location(route) else {
                continue;
            };
            let route_name = route.name();
            let (undecided, message) = if no_principals {
                (
                    true,
                    format!(
                        "no role or user in the checked templates may call {route_name} (AWS_IAM): if its callers are defined elsewhere, check that stack together with this one"
                    ),
                )
            } else {
                (
                    false,
                    format!(
                        "no role or user of this deployment may call {route_name} (AWS_IAM): every signed request to it gets HTTP 403"
                    ),
                )
            };
            let stage = route.help_stage();
            let method = if route.method == "ANY" {
                "*"
            } else {
                route.method.as_str()
            };
            let path = if route.catch_all {
                "/*".to_string()
            } else {
                route.iam_resource_path()
            };
            let mut finding = cx.report(location, message);
            if undecided {
                finding = finding.undecided();
            }
            finding
                .resource(route.function.as_deref())
                .help(format!(
                    "grant execute-api:Invoke on the route to its callers, e.g. Resource: !Sub arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{}}}/{stage}/{method}{path}, or check the stack that defines the callers together with this one",
                    route.api
                ));
        }
    }
}
