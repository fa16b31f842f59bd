//! EDGE001 `cloudfront-breaks-sigv4`: a CloudFront distribution in front of an `AWS_IAM` API. See
//! rules/EDGE001-cloudfront-breaks-sigv4.md.

use super::{Rule, RuleContext, RuleInput, RuleMeta};
use std::collections::HashMap;

use crate::model::Model;
use crate::model::edge::EdgeOrigin;
use crate::model::function_url::UrlAuth;
use crate::model::route::{Authorization, Route};
use crate::value::{Part, Symbol};

declare_rule!(
    CloudfrontBreaksSigv4,
    "EDGE001",
    "cloudfront-breaks-sigv4",
    Warning
);

impl Rule for CloudfrontBreaksSigv4 {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, input: &RuleInput<'_>, cx: &mut RuleContext) {
        let model = input.model;
        let iam_routes: HashMap<&Symbol, &Route> = model
            .routes
            .iter()
            .filter(|r| r.authorization == Authorization::AwsIam)
            .filter_map(|r| match r.api_id.as_str().map(|s| s.parts()) {
                Some([Part::Symbol(id)]) => Some((id, r)),
                _ => None,
            })
            .rev()
            .collect();
        for origin in &model.edge_origins {
            unsigned_function_url(model, origin, cx);
            let Some(route) = origin
                .execute_api_ids()
                .into_iter()
                .find_map(|id| iam_routes.get(id).copied())
            else {
                continue;
            };
            let Some(location) = model.location(origin.stack, origin.span) else {
                continue;
            };
            let mut finding = cx
                .report(
                    location,
                    format!(
                        "CloudFront `{}` forwards to the execute-api domain of {}, whose routes require AWS_IAM: CloudFront rewrites the Host header, the SigV4 signature no longer matches, and API Gateway rejects every signed call with 403",
                        origin.distribution, route.api
                    ),
                )
                .label("an AWS_IAM API as origin")
                .resource(Some(&origin.distribution))
                .help("serve the IAM API directly from its execute-api (or custom) domain instead of through CloudFront; or give CloudFront and API Gateway the same custom domain and forward the Host header (origin request policy); or re-sign the request at the edge (Lambda@Edge with SigV4)");
            if let Some(route_location) = model.auth_location(route) {
                finding = finding.related(
                    route_location,
                    format!("{} {} requires AWS_IAM", route.method, route.path),
                );
            }
            drop(finding);
        }
    }
}

/// An origin that is an `AWS_IAM` function URL without a Lambda origin access control: CloudFront
/// forwards the request unsigned (or signed for its own host), and Lambda refuses it. With a Lambda
/// OAC CloudFront signs it: EDGE002 checks that set-up.
fn unsigned_function_url(model: &Model, origin: &EdgeOrigin, cx: &mut RuleContext) {
    let oac = origin.access_control.as_ref().and_then(|ac| ac.lambda);
    if oac == Some(true) {
        return;
    }
    for (stack, id) in origin.function_url_ids() {
        let Some(url) = model
            .function_urls
            .iter()
            .find(|u| u.stack == stack && u.logical_id == id && u.auth == UrlAuth::AwsIam)
        else {
            continue;
        };
        let Some(location) = model.location(origin.stack, origin.span) else {
            continue;
        };
        let target = url.target_name();
        let mut finding = cx
            .report(
                location,
                format!("CloudFront `{}` forwards to the AWS_IAM function URL of {target} without a Lambda origin access control: CloudFront does not sign the requests for Lambda, so the URL rejects every one with 403", origin.distribution),
            )
            .label("an AWS_IAM function URL as origin, unsigned")
            .resource(Some(&origin.distribution))
            .help("add an AWS::CloudFront::OriginAccessControl with `OriginAccessControlOriginType: lambda` and `SigningBehavior: always`, name it in the origin's `OriginAccessControlId`, and let cloudfront.amazonaws.com call lambda:InvokeFunctionUrl and lambda:InvokeFunction (EDGE002 checks both)");
        if let Some(at) = model.location(url.stack, url.span) {
            finding = finding.related(at, format!("the AWS_IAM function URL of {target}"));
        }
        if origin.access_control.is_some() && oac.is_none() {
            finding = finding.undecided();
        }
        drop(finding);
    }
}
