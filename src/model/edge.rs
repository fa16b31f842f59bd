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
                });
            }
        }
    }
    out
}
