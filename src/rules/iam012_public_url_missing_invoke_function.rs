//! IAM012 `public-url-missing-invoke-function`: an `AuthType: NONE` function URL whose resource
//! policy lets everyone call `lambda:InvokeFunctionUrl` but not `lambda:InvokeFunction` (or
//! neither). See rules/IAM012-public-url-missing-invoke-function.md.

use super::{Rule, RuleContext, RuleInput, RuleMeta};
use crate::model::function_url::UrlAuth;
use crate::model::permissions::LambdaPermission;

declare_rule!(
    PublicUrlMissingInvokeFunction,
    "IAM012",
    "public-url-missing-invoke-function",
    Error
);

impl Rule for PublicUrlMissingInvokeFunction {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, input: &RuleInput<'_>, cx: &mut RuleContext) {
        let model = input.model;
        for url in &model.function_urls {
            // SAM writes both public permissions for `FunctionUrlConfig: {AuthType: NONE}`.
            if url.auth != UrlAuth::None || url.sam {
                continue;
            }
            let Some(arn) = &url.arn else { continue };
            let permissions = model.permissions_for_url(url);
            let grant = |action: &str| public_grant(&permissions, arn, action);
            let (url_grant, invoke_grant) = (
                grant("lambda:InvokeFunctionUrl"),
                grant("lambda:InvokeFunction"),
            );
            if url_grant == Some(true) && invoke_grant == Some(true) {
                continue;
            }
            let missing = match (url_grant, invoke_grant) {
                (Some(true), _) => "lambda:InvokeFunction",
                (_, Some(true)) => "lambda:InvokeFunctionUrl",
                _ => "lambda:InvokeFunctionUrl and lambda:InvokeFunction",
            };
            let undecided = url_grant.is_none() || invoke_grant.is_none();
            let Some(location) = model.location(url.stack, url.span) else {
                continue;
            };
            let target = url.target_name();
            let function = url.function.as_deref().unwrap_or("Function");
            let mut finding = cx
                .report(
                    location,
                    format!("the public function URL `{}` (AuthType: NONE) of {target} {} no permission that lets everyone call {missing}: a function URL needs both, so every request answers HTTP 403 \"Forbidden\"", url.logical_id, if undecided { "may have" } else { "has" }),
                )
                .label("AuthType: NONE")
                .resource(Some(&url.logical_id))
                .help(format!(
                    "add the permission(s) Lambda needs for a public URL (SAM's `FunctionUrlConfig` writes both):\n  {function}UrlPublicPermissions:\n    Type: AWS::Lambda::Permission\n    Properties:\n      Action: lambda:InvokeFunctionUrl\n      FunctionName: {0}\n      Principal: '*'\n      FunctionUrlAuthType: NONE\n  {function}UrlInvokePermission:\n    Type: AWS::Lambda::Permission\n    Properties:\n      Action: lambda:InvokeFunction\n      FunctionName: {0}\n      Principal: '*'\n      InvokedViaFunctionUrl: true",
                    format!("!GetAtt {function}.Arn{}", url.qualifier.as_ref().map(|q| format!("\n      Qualifier: {q}")).unwrap_or_default())
                ));
            if let Some(at) = url.auth_span.and_then(|s| model.location(url.stack, s)) {
                finding = finding.related(at, "public: the resource policy alone authorizes");
            }
            if undecided {
                finding = finding.undecided();
            }
            drop(finding);
        }
    }
}

/// Whether some permission lets everyone call `action` on exactly the URL's ARN (a URL-auth-type
/// condition of `AWS_IAM` does not apply to a public URL); `None` when template values decide.
fn public_grant(
    permissions: &[&LambdaPermission],
    arn: &crate::value::Value,
    action: &str,
) -> Option<bool> {
    let mut answer = Some(false);
    for permission in permissions {
        let for_iam_urls = permission
            .function_url_auth_type
            .as_ref()
            .and_then(|t| t.as_literal())
            == Some("AWS_IAM");
        if for_iam_urls {
            continue;
        }
        match (
            permission.grants_everyone(action),
            permission.names_arn(arn),
        ) {
            (Some(true), Some(true)) => return Some(true),
            (Some(false), _) | (_, Some(false)) => {}
            _ => answer = None,
        }
    }
    answer
}
