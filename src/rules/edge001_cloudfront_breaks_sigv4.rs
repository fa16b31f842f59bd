//! EDGE001 `cloudfront-breaks-sigv4`: a CloudFront distribution in front of an `AWS_IAM` API. See
//! rules/EDGE001-cloudfront-breaks-sigv4.md.

use super::{Rule, RuleContext, RuleInput, RuleMeta};
use crate::load::Node;
use crate::resolve::{Symbol, Value};
use crate::route::{Authorization, Route};

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
        let deployment = input.deployment;
        let r = deployment.resolver();
        for (stack, template) in deployment.templates.iter().enumerate() {
            for distribution in template
                .resources
                .iter()
                .filter(|d| d.type_name() == "AWS::CloudFront::Distribution")
            {
                let origins = distribution
                    .property("DistributionConfig")
                    .and_then(|c| c.get("Origins"))
                    .and_then(Node::as_seq);
                for origin in origins.unwrap_or(&[]) {
                    let Some(domain) = origin.get("DomainName") else {
                        continue;
                    };
                    let value = r.resolve(stack, domain);
                    let Some(route) = iam_route_behind(&value, input.routes) else {
                        continue;
                    };
                    let Some(location) = deployment.location(stack, domain.span) else {
                        continue;
                    };
                    let mut finding = cx
                        .report(
                            location,
                            format!(
                                "CloudFront `{}` forwards to the execute-api domain of {}, whose routes require AWS_IAM: CloudFront rewrites the Host header, the SigV4 signature no longer matches, and API Gateway rejects every signed call with 403",
                                distribution.logical_id, route.api
                            ),
                        )
                        .label("an AWS_IAM API as origin")
                        .resource(Some(&distribution.logical_id))
                        .help("serve the IAM API directly from its execute-api (or custom) domain instead of through CloudFront; or give CloudFront and API Gateway the same custom domain and forward the Host header (origin request policy); or re-sign the request at the edge (Lambda@Edge with SigV4)");
                    if let Some(route_location) =
                        deployment.location(route.stack, route.auth_span.unwrap_or(route.span))
                    {
                        finding = finding.related(
                            route_location,
                            format!("{} {} requires AWS_IAM", route.method, route.path),
                        );
                    }
                    drop(finding);
                }
            }
        }
    }
}

/// An `AWS_IAM` route of the API whose execute-api domain `domain` is.
fn iam_route_behind<'r>(domain: &Value, routes: &'r [Route]) -> Option<&'r Route> {
    domain.strings()?.into_iter().find_map(|text| {
        if !text.to_string().contains(".execute-api.") {
            return None;
        }
        text.symbols().find_map(|symbol| {
            let Symbol::PhysicalId { .. } = symbol else {
                return None;
            };
            let id = Value::symbol(symbol.clone());
            routes
                .iter()
                .find(|r| r.api_id == id && r.authorization == Authorization::AwsIam)
        })
    })
}
