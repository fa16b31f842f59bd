//! CORS003 `iam-auth-on-preflight`: SAM puts AWS_IAM on the CORS preflight. See
//! rules/CORS003-iam-auth-on-preflight.md.

use super::{Rule, RuleContext, RuleInput, RuleMeta};

declare_rule!(
    IamAuthOnPreflight,
    "CORS003",
    "iam-auth-on-preflight",
    Error
);

impl Rule for IamAuthOnPreflight {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, input: &RuleInput<'_>, cx: &mut RuleContext) {
        for cors in input.model.cors.iter().filter(|c| c.iam_on_preflight) {
            let Some(span) = cors.iam_default else {
                continue;
            };
            let Some(location) = input.model.location(cors.stack, span) else {
                continue;
            };
            let (message, fix) = if cors.sam {
                (
                    format!(
                        "{} requires AWS_IAM on the OPTIONS methods SAM generates for CORS: a browser's preflight is never signed, so it gets HTTP 403 and the real request is never sent",
                        cors.api
                    ),
                    "add `AddDefaultAuthorizerToCorsPreflight: false` under the API's Auth",
                )
            } else {
                (
                    format!(
                        "the OPTIONS method of {} requires AWS_IAM: a browser's preflight is never signed, so it gets HTTP 403 and the real request is never sent",
                        cors.api
                    ),
                    "set `AuthorizationType: NONE` on the OPTIONS method",
                )
            };
            let mut finding = cx
                .report(location, message)
                .label("also applied to the CORS preflight")
                .resource(Some(&cors.api))
                .help(fix);
            if let Some(cors_location) = input.model.location(cors.stack, cors.span) {
                finding = finding.related(cors_location, "CORS enabled here");
            }
            drop(finding);
        }
    }
}
