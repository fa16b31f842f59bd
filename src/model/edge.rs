//! Edge origins: the domains CloudFront distributions forward to, resolved, so rules can tell which
//! API a distribution fronts (an execute-api domain holds the API's id symbol).

use crate::load::Node;
use crate::resolve::{Resolver, StackId, Symbol, Value};
use crate::source::Span;
use crate::template::Template;

/// One origin of an `AWS::CloudFront::Distribution`.
#[derive(Debug, Clone)]
pub struct EdgeOrigin {
    pub stack: StackId,
    /// The distribution's logical id.
    pub distribution: String,
    /// The origin's `DomainName` value.
    pub span: Span,
    pub domain: Value,
    /// The origin's `OriginAccessControlId`: the OAC resource and whether its origin type is `lambda`
    /// (`None` for the type when it is not literal).
    pub access_control: Option<AccessControl>,
    /// `arn:{partition}:cloudfront::{account}:distribution/{id}`: the `SourceArn` a permission for
    /// CloudFront names.
    pub distribution_arn: Value,
}

/// The origin access control an origin signs its requests with.
#[derive(Debug, Clone)]
pub struct AccessControl {
    /// The `AWS::CloudFront::OriginAccessControl`'s logical id, when it is one of the deployment's.
    pub logical_id: Option<String>,
    /// `OriginAccessControlOriginType: lambda`.
    pub lambda: Option<bool>,
}

impl EdgeOrigin {
    /// The API ids the domain names when it is an execute-api domain (`{api}.execute-api.{region}...`).
    pub fn execute_api_ids(&self) -> Vec<&Symbol> {
        let Some(strings) = self.domain.strings() else {
            return Vec::new();
        };
        strings
            .into_iter()
            .filter(|text| text.to_string().contains(".execute-api."))
            .flat_map(|text| {
                text.symbols()
                    .filter(|s| matches!(s, Symbol::PhysicalId { .. }))
            })
            .collect()
    }

    /// The function URL resources (stack, logical id) the domain names when it is a function URL
    /// domain (`{url-id}.lambda-url.{region}.on.aws`).
    pub fn function_url_ids(&self) -> Vec<(StackId, &str)> {
        let Some(strings) = self.domain.strings() else {
            return Vec::new();
        };
        strings
            .into_iter()
            .filter(|text| text.to_string().contains(".lambda-url."))
            .flat_map(|text| {
                text.symbols().filter_map(|s| match s {
                    Symbol::PhysicalId {
                        stack, logical_id, ..
                    } => Some((*stack, &**logical_id)),
                    _ => None,
                })
            })
            .collect()
    }
}

/// Every origin of every CloudFront distribution of the deployment.
pub fn origins(r: &Resolver<'_>, templates: &[Template]) -> Vec<EdgeOrigin> {
    let mut out = Vec::new();
    for (stack, template) in templates.iter().enumerate() {
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
                out.push(EdgeOrigin {
                    stack,
                    distribution: distribution.logical_id.clone(),
                    span: domain.span,
                    domain: r.resolve(stack, domain),
                    access_control: origin
                        .get("OriginAccessControlId")
                        .map(|id| access_control(r, stack, template, id)),
                    distribution_arn: Value::concat(vec![
                        Value::literal(format!("arn:{}:cloudfront::", r.config().partition)),
                        r.account_id(),
                        Value::literal(":distribution/"),
                        r.reference(stack, &distribution.logical_id),
                    ]),
                });
            }
        }
    }
    out
}

/// The OAC an `OriginAccessControlId` (`!GetAtt Oac.Id`, `!Ref Oac`) names, with its origin type.
fn access_control(
    r: &Resolver<'_>,
    stack: StackId,
    template: &Template,
    id: &Node,
) -> AccessControl {
    let resource = id
        .referenced_id()
        .and_then(|n| template.resource(n))
        .filter(|res| res.type_name() == "AWS::CloudFront::OriginAccessControl");
    let lambda = resource
        .and_then(|res| res.property("OriginAccessControlConfig"))
        .and_then(|c| c.get("OriginAccessControlOriginType"))
        .and_then(|t| r.resolve(stack, t).as_literal().map(|t| t == "lambda"));
    AccessControl {
        logical_id: resource.map(|res| res.logical_id.clone()),
        lambda,
    }
}
