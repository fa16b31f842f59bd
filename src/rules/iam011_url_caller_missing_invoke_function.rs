//! IAM011 `url-caller-missing-invoke-function`: a caller of an `AWS_IAM` function URL may call
//! `lambda:InvokeFunctionUrl` but lacks `lambda:InvokeFunction` on the same function and qualifier.
//! See rules/IAM011-url-caller-missing-invoke-function.md.

use super::{Rule, RuleContext, RuleInput, RuleMeta};
use crate::iam::eval::Decision;
use crate::model::function_url::FunctionUrl;

declare_rule!(
    UrlCallerMissingInvokeFunction,
    "IAM011",
    "url-caller-missing-invoke-function",
    Error
);

impl Rule for UrlCallerMissingInvokeFunction {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, input: &RuleInput<'_>, cx: &mut RuleContext) {
        let model = input.model;
        let access = &model.access;
        for url in &model.function_urls {
            for caller in &url.callers {
                // Only a definite caller of the URL is checked for the second grant.
                let Decision::Allowed { grants } = &caller.invoke_url else {
                    continue;
                };
                let undecided = match caller.invoke_function {
                    Decision::Allowed { .. } => continue,
                    Decision::Denied { .. } => false,
                    Decision::Conditional { .. } => true,
                };
                let Some(principal) = access.principals.get(caller.principal) else {
                    continue;
                };
                // The identity statement that grants the URL, else the principal itself.
                let location = grants
                    .iter()
                    .filter(|g| !g.boundary && !g.resource)
                    .find_map(|g| access.statement_location(caller.principal, g))
                    .or_else(|| model.location(principal.stack, principal.span));
                let Some(location) = location else {
                    continue;
                };
                let target = url.target_name();
                let mut finding = cx
                    .report(
                        location,
                        format!("`{}` may call the function URL of {target} (lambda:InvokeFunctionUrl) but {} lambda:InvokeFunction on it: a function URL needs both, so every request answers HTTP 403 \"Forbidden\"", principal.logical_id, if undecided { "may lack" } else { "lacks" }),
                    )
                    .label(format!("grants lambda:InvokeFunctionUrl on {target} only"))
                    .resource(Some(&principal.logical_id))
                    .help(help(url));
                if let Some(at) = model.location(url.stack, url.span) {
                    finding = finding.related(at, format!("the AWS_IAM function URL of {target}"));
                }
                if undecided {
                    finding = finding.undecided();
                }
                drop(finding);
            }
        }
    }
}

/// The statement to add, on the exact ARN the URL invokes.
fn help(url: &FunctionUrl) -> String {
    let resource = match url.arn.as_ref().and_then(|a| a.as_str()) {
        Some(s) if s.as_literal().is_some() => format!("Resource: {s}"),
        Some(s) => format!("Resource: !Sub {s}"),
        None => "Resource: <the function's ARN, with the URL's qualifier>".to_string(),
    };
    format!(
        "grant lambda:InvokeFunction on the same ARN as lambda:InvokeFunctionUrl:\n  - Effect: Allow\n    Action: [lambda:InvokeFunctionUrl, lambda:InvokeFunction]\n    {resource}"
    )
}
