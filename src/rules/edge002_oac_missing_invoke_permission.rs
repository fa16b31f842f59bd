//! EDGE002 `oac-missing-invoke-permission`: a CloudFront origin that signs with a Lambda origin
//! access control (OAC) reaches a function URL that is not `AWS_IAM`, or whose resource policy does
//! not let `cloudfront.amazonaws.com` call both `lambda:InvokeFunctionUrl` and
//! `lambda:InvokeFunction` for this distribution. See rules/EDGE002-oac-missing-invoke-permission.md.

use super::{Rule, RuleContext, RuleInput, RuleMeta};
use crate::finding::Severity;
use crate::iam::pattern::{Coverage, Pattern, Target, action_matches};
use crate::model::edge::EdgeOrigin;
use crate::model::function_url::{FunctionUrl, UrlAuth};
use crate::model::permissions::LambdaPermission;
use crate::value::Value;

declare_rule!(
    OacMissingInvokePermission,
    "EDGE002",
    "oac-missing-invoke-permission",
    Error
);

const CLOUDFRONT: &str = "cloudfront.amazonaws.com";
const ACTIONS: [&str; 2] = ["lambda:InvokeFunctionUrl", "lambda:InvokeFunction"];

impl Rule for OacMissingInvokePermission {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, input: &RuleInput<'_>, cx: &mut RuleContext) {
        let model = input.model;
        for origin in &model.edge_origins {
            let signs_for_lambda = origin
                .access_control
                .as_ref()
                .is_some_and(|ac| ac.lambda == Some(true));
            if !signs_for_lambda {
                continue;
            }
            for (stack, id) in origin.function_url_ids() {
                let Some(url) = model
                    .function_urls
                    .iter()
                    .find(|u| u.stack == stack && u.logical_id == id)
                else {
                    continue;
                };
                let Some(location) = model.location(origin.stack, origin.span) else {
                    continue;
                };
                let target = url.target_name();
                if url.auth != UrlAuth::AwsIam {
                    let mut finding = cx
                        .report(location, format!("CloudFront `{}` signs its requests to the function URL of {target} (origin access control), but the URL's AuthType is {}: the URL stays public, and anyone can call it around CloudFront", origin.distribution, url.auth.as_str()))
                        .severity(Severity::Warning)
                        .label("a Lambda OAC origin")
                        .resource(Some(&origin.distribution))
                        .help("set `AuthType: AWS_IAM` on the URL, and let cloudfront.amazonaws.com call lambda:InvokeFunctionUrl and lambda:InvokeFunction for this distribution");
                    if url.auth == UrlAuth::Unknown {
                        finding = finding.undecided();
                    }
                    if let Some(at) = url.auth_span.and_then(|s| model.location(url.stack, s)) {
                        finding = finding.related(at, "AuthType");
                    }
                    drop(finding);
                    continue;
                }
                let permissions = model.permissions_for_url(url);
                let Some(arn) = &url.arn else { continue };
                let answers: Vec<(&str, Option<bool>)> = ACTIONS
                    .iter()
                    .map(|a| (*a, cloudfront_grant(&permissions, arn, origin, a)))
                    .collect();
                let missing: Vec<&str> = answers
                    .iter()
                    .filter(|(_, granted)| *granted != Some(true))
                    .map(|(a, _)| *a)
                    .collect();
                if missing.is_empty() {
                    continue;
                }
                let undecided = answers.iter().any(|(_, granted)| granted.is_none());
                let mut finding = cx
                    .report(location, format!("CloudFront `{}` signs its requests to the AWS_IAM function URL of {target}, but no permission lets cloudfront.amazonaws.com call {} for this distribution: a function URL needs both, so every request answers HTTP 403", origin.distribution, missing.join(" and ")))
                    .label("a Lambda OAC origin")
                    .resource(Some(&origin.distribution))
                    .help(help(url, origin, &missing));
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

/// Whether some permission lets CloudFront call `action` on exactly the URL's ARN for this
/// distribution (no `SourceArn`, or one that covers the distribution's ARN); `None` when template
/// values decide.
fn cloudfront_grant(
    permissions: &[&LambdaPermission],
    arn: &Value,
    origin: &EdgeOrigin,
    action: &str,
) -> Option<bool> {
    let mut answer = Some(false);
    for permission in permissions {
        let principal = permission.principal.as_ref().and_then(Value::as_literal);
        let granted = permission.action.as_ref().and_then(Value::as_literal);
        let facts = [
            principal.map(|p| p == CLOUDFRONT),
            granted.map(|g| action_matches(g, action)),
            permission.names_arn(arn),
            source_covers(permission.source_arn.as_ref(), &origin.distribution_arn),
        ];
        if facts.contains(&Some(false)) {
            continue;
        }
        if facts.iter().all(|f| *f == Some(true)) {
            return Some(true);
        }
        answer = None;
    }
    answer
}

/// Whether a permission's `SourceArn` covers the distribution's ARN (no `SourceArn`: any source).
fn source_covers(source: Option<&Value>, distribution: &Value) -> Option<bool> {
    let Some(source) = source else {
        return Some(true);
    };
    let (source, distribution) = (source.as_str()?, distribution.as_str()?);
    match Pattern::new(source, false).coverage(&Target::from_sym_str(distribution)) {
        Coverage::All => Some(true),
        Coverage::None => Some(false),
        Coverage::Some | Coverage::Unknown => None,
    }
}

/// The permission(s) to add, as CloudFront's OAC documentation writes them.
fn help(url: &FunctionUrl, origin: &EdgeOrigin, missing: &[&str]) -> String {
    let function = url.function.as_deref().unwrap_or("Function");
    let qualifier = url
        .qualifier
        .as_ref()
        .map(|q| format!("      Qualifier: {q}\n"))
        .unwrap_or_default();
    let permissions: Vec<String> = missing
        .iter()
        .map(|action| {
            let name = action.trim_start_matches("lambda:");
            format!("  {function}CloudFront{name}:\n    Type: AWS::Lambda::Permission\n    Properties:\n      Action: {action}\n      FunctionName: !GetAtt {function}.Arn\n{qualifier}      Principal: cloudfront.amazonaws.com\n      SourceArn: !Sub arn:${{AWS::Partition}}:cloudfront::${{AWS::AccountId}}:distribution/${{{}}}", origin.distribution)
        })
        .collect();
    format!("add:\n{}", permissions.join("\n"))
}
