//! IAM009 `ignored-invoke-role`: an event's `InvokeRole` (or `ApiKeyRequired`) without `Authorizer`
//! under a default `AWS_IAM` makes SAM drop the integration credentials. See
//! rules/IAM009-ignored-invoke-role.md.

use super::{Rule, RuleContext, RuleInput, RuleMeta};

declare_rule!(IgnoredInvokeRole, "IAM009", "ignored-invoke-role", Warning);

impl Rule for IgnoredInvokeRole {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, input: &RuleInput<'_>, cx: &mut RuleContext) {
        let model = input.model;
        for route in &input.model.routes {
            let Some(setting) = &route.ignored_auth_setting else {
                continue;
            };
            let Some(location) = model.location(route.stack, setting.span) else {
                continue;
            };
            let target = route.function.as_deref().unwrap_or("the Lambda");
            let message = if setting.key == "InvokeRole" {
                format!(
                    "`InvokeRole` is ignored on {} {}: without `Authorizer` in this event's Auth, SAM keeps the API's AWS_IAM auth but writes no integration credentials, so API Gateway invokes {target} with its own identity",
                    route.method, route.path
                )
            } else {
                format!(
                    "`ApiKeyRequired` without `Authorizer` drops the caller credentials of {} {}: SAM keeps the API's AWS_IAM auth but writes no integration credentials, so API Gateway invokes {target} with its own identity instead of the caller's",
                    route.method, route.path
                )
            };
            let mut finding = cx
                .report(location, message)
                .label(format!("`{}` without `Authorizer`", setting.key))
                .help("add `Authorizer: AWS_IAM` to this event's Auth so SAM applies the InvokeRole (or the caller's credentials)")
                .resource(route.function.as_deref());
            if let Some(auth) = route
                .auth_span
                .and_then(|span| model.location(route.stack, span))
            {
                finding = finding.related(auth, "the API's default authorizer");
            }
            drop(finding);
        }
    }
}
