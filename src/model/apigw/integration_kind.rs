//! What an integration calls ([`Integration`]): a Lambda, an AWS service action or path, an HTTP
//! endpoint (directly or through a VPC link), a mock. Read the same way from an OpenAPI
//! `x-amazon-apigateway-integration`, an `AWS::ApiGateway::Method` `Integration`, an
//! `AWS::ApiGatewayV2::Integration` and an HTTP API quick-create `Target`.
//!
//! AWS service URIs: `arn:{partition}:apigateway:{region}:{subdomain.service|service}:{action|path}/{…}`
//! (API Gateway's `Integration.uri` reference); HTTP API subtypes: `{Service}-{Action}`
//! (`SQS-SendMessage`, API Gateway's integration subtype reference).

use super::service_request::{self, RequestNodes};
use crate::load::Node;
use crate::model::route::{ApiKind, Integration, ServiceIntegration, ServiceOperation};
use crate::resolve::{Resolver, StackId};

/// The settings of one integration, whatever the resource or document they come from.
#[derive(Default, Clone, Copy)]
pub struct IntegrationSettings<'n> {
    /// `type` / `Type` / `IntegrationType` (`AWS_PROXY`, `AWS`, `HTTP`, `HTTP_PROXY`, `MOCK`).
    pub integration_type: Option<&'n Node>,
    pub uri: Option<&'n Node>,
    /// HTTP APIs: `integrationSubtype` / `IntegrationSubtype`.
    pub subtype: Option<&'n Node>,
    /// `connectionType` / `ConnectionType` (`VPC_LINK`).
    pub connection_type: Option<&'n Node>,
    /// `httpMethod` / `IntegrationHttpMethod` / `IntegrationMethod`.
    pub http_method: Option<&'n Node>,
    /// `requestTemplates` / `RequestTemplates` and `requestParameters` / `RequestParameters`: what
    /// the request to an AWS service names (its resource, an SQS action).
    pub request: RequestNodes<'n>,
}

impl<'n> IntegrationSettings<'n> {
    /// An OpenAPI `x-amazon-apigateway-integration` object.
    pub fn of_openapi(integration: &'n Node) -> IntegrationSettings<'n> {
        IntegrationSettings {
            integration_type: integration.get("type"),
            uri: integration.get("uri"),
            subtype: integration.get("integrationSubtype"),
            connection_type: integration.get("connectionType"),
            http_method: integration.get("httpMethod"),
            request: RequestNodes {
                templates: integration.get("requestTemplates"),
                parameters: integration.get("requestParameters"),
            },
        }
    }

    /// The `Integration` property of an `AWS::ApiGateway::Method`.
    pub fn of_method(integration: &'n Node) -> IntegrationSettings<'n> {
        IntegrationSettings {
            integration_type: integration.get("Type"),
            uri: integration.get("Uri"),
            subtype: None,
            connection_type: integration.get("ConnectionType"),
            http_method: integration.get("IntegrationHttpMethod"),
            request: RequestNodes {
                templates: integration.get("RequestTemplates"),
                parameters: integration.get("RequestParameters"),
            },
        }
    }

    /// The properties of an `AWS::ApiGatewayV2::Integration`.
    pub fn of_v2(properties: &'n Node) -> IntegrationSettings<'n> {
        IntegrationSettings {
            integration_type: properties.get("IntegrationType"),
            uri: properties.get("IntegrationUri"),
            subtype: properties.get("IntegrationSubtype"),
            connection_type: properties.get("ConnectionType"),
            http_method: properties.get("IntegrationMethod"),
            request: RequestNodes {
                templates: properties.get("RequestTemplates"),
                parameters: properties.get("RequestParameters"),
            },
        }
    }
}

/// What the integration calls; for an AWS service, with what its call needs from IAM.
pub fn classify(
    r: &Resolver<'_>,
    stack: StackId,
    kind: ApiKind,
    settings: &IntegrationSettings<'_>,
) -> Integration {
    match integration(r, stack, kind, settings) {
        Integration::AwsService(mut service) => {
            service.request = service_request::request(r, stack, &service, &settings.request);
            Integration::AwsService(service)
        }
        other => other,
    }
}

fn integration(
    r: &Resolver<'_>,
    stack: StackId,
    kind: ApiKind,
    settings: &IntegrationSettings<'_>,
) -> Integration {
    let integration_type = settings
        .integration_type
        .and_then(Node::as_str)
        .map(str::to_ascii_lowercase);
    let uri_text = settings.uri.and_then(|u| written_text(r, stack, u));
    let http_method = settings
        .http_method
        .and_then(Node::as_str)
        .map(str::to_ascii_uppercase);
    match integration_type.as_deref() {
        Some("aws_proxy") => match settings.subtype {
            Some(subtype) => subtype_integration(r, stack, subtype, http_method),
            // REST proxies only Lambda; an HTTP API's AWS_PROXY without subtype is a Lambda.
            None => Integration::Lambda,
        },
        Some("aws") => match uri_text.as_deref() {
            Some(text) if is_lambda_uri(text) => Integration::Lambda,
            Some(text) => service_uri(text).map_or(Integration::Unknown, |(service, operation)| {
                Integration::AwsService(Box::new(ServiceIntegration {
                    service,
                    operation,
                    subtype: None,
                    http_method,
                    uri: settings.uri.map(|u| r.resolve(stack, u)),
                    request: None,
                    role_by_sam: false,
                }))
            }),
            None => Integration::Unknown,
        },
        Some("http" | "http_proxy") => Integration::Http {
            uri: settings.uri.map(|u| r.resolve(stack, u)),
            vpc_link: settings
                .connection_type
                .and_then(Node::as_str)
                .is_some_and(|c| c.eq_ignore_ascii_case("VPC_LINK")),
        },
        Some("mock") => Integration::Mock,
        // No type: what an HTTP API quick-create `Target` is (a Lambda ARN or a URL).
        None if kind == ApiKind::Http => match uri_text.as_deref() {
            Some(text) if is_lambda_uri(text) || text.contains(":lambda:") => Integration::Lambda,
            Some(text) if text.starts_with("http://") || text.starts_with("https://") => {
                Integration::Http {
                    uri: settings.uri.map(|u| r.resolve(stack, u)),
                    vpc_link: false,
                }
            }
            _ => Integration::Unknown,
        },
        _ => Integration::Unknown,
    }
}

/// `SQS-SendMessage` → service `sqs`, action `SendMessage`.
fn subtype_integration(
    r: &Resolver<'_>,
    stack: StackId,
    subtype: &Node,
    http_method: Option<String>,
) -> Integration {
    let Some(text) = r.resolve(stack, subtype).as_literal().map(str::to_string) else {
        return Integration::Unknown;
    };
    let Some((service, action)) = text.split_once('-') else {
        return Integration::Unknown;
    };
    let service = match service {
        "StepFunctions" => "states".to_string(),
        "EventBridge" => "events".to_string(),
        other => other.to_ascii_lowercase(),
    };
    Integration::AwsService(Box::new(ServiceIntegration {
        service,
        operation: ServiceOperation::Action(action.to_string()),
        subtype: Some(text),
        http_method,
        uri: None,
        request: None,
        role_by_sam: false,
    }))
}

/// `…:apigateway:{region}:lambda:path/2015-03-31/functions/…`, or a Lambda ARN.
fn is_lambda_uri(text: &str) -> bool {
    text.contains(":lambda:path/") || text.contains(":function:")
}

/// `(service, action/path)` of `arn:…:apigateway:{region}:{subdomain.service|service}:{action|path}/…`.
fn service_uri(text: &str) -> Option<(String, ServiceOperation)> {
    let (_, rest) = text.split_once(":apigateway:")?;
    let (before, operation) = [":action/", ":path/"]
        .iter()
        .filter_map(|marker| {
            let at = rest.find(marker)?;
            let tail = rest.get(at + marker.len()..)?.to_string();
            let operation = if *marker == ":action/" {
                ServiceOperation::Action(tail)
            } else {
                ServiceOperation::Path(tail)
            };
            Some((at, rest.get(..at)?, operation))
        })
        .min_by_key(|(at, _, _)| *at)
        .map(|(_, before, operation)| (before, operation))?;
    // `{region}:{service}`; the region may be `${AWS::Region}`, so take the text after the last `:`.
    let service = before.rsplit(':').next()?;
    let service = service.rsplit('.').next()?.to_ascii_lowercase();
    (!service.is_empty()).then_some((service, operation))
}

/// An integration URI as text, as the user writes it: a plain string or a `Fn::Sub` template; else
/// (`Fn::Join`, `Ref`, ...) resolved, symbols written `${…}`.
fn written_text(r: &Resolver<'_>, stack: StackId, node: &Node) -> Option<String> {
    let written = match node.as_intrinsic() {
        Some((key, arg)) if key.text == "Fn::Sub" => {
            arg.as_str().or_else(|| arg.as_seq()?.first()?.as_str())
        }
        Some(_) => None,
        None => node.as_str(),
    };
    if let Some(text) = written {
        return Some(text.to_string());
    }
    let value = r.resolve(stack, node);
    value
        .strings()
        .and_then(|s| s.into_iter().next().map(ToString::to_string))
        .or_else(|| value.as_str().map(ToString::to_string))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_uris_name_their_service_and_operation() {
        let (service, operation) =
            service_uri("arn:aws:apigateway:${AWS::Region}:states:action/StartExecution").unwrap();
        assert_eq!(service, "states");
        assert_eq!(
            operation,
            ServiceOperation::Action("StartExecution".to_string())
        );
        let (service, operation) =
            service_uri("arn:aws:apigateway:us-east-1:s3:path/{bucket}/{object}").unwrap();
        assert_eq!(service, "s3");
        assert_eq!(
            operation,
            ServiceOperation::Path("{bucket}/{object}".to_string())
        );
        let (service, _) =
            service_uri("arn:aws:apigateway:us-east-1:my-bucket.s3:path/key").unwrap();
        assert_eq!(service, "s3");
        assert!(service_uri("https://example.com/x").is_none());
    }

    #[test]
    fn lambda_uris_are_recognised() {
        assert!(is_lambda_uri(
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations"
        ));
        assert!(!is_lambda_uri(
            "arn:aws:apigateway:us-east-1:sqs:path/123456789012/q"
        ));
    }
}
