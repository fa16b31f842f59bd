//! Plain CloudFormation API Gateway: `AWS::ApiGateway::RestApi` (inline `Body`, or `Resource` and
//! `Method` resources) and `AWS::ApiGatewayV2::Api` (inline `Body`, `Route` and `Integration`, or
//! quick-create `Target`). Every route is kept, whatever its integration calls.

pub mod integration;
pub mod integration_kind;
pub mod openapi;
pub mod service_request;

use crate::definitions::Definitions;
use crate::load::Node;
use crate::model::route::{ApiKind, Authorization, Integration, Route};
use crate::resolve::{Resolver, StackId, Value};
use crate::template::{Resource, Template};
use integration_kind::IntegrationSettings;

/// Most `ParentId` links followed from a method to the API root.
const MAX_PATH_DEPTH: usize = 64;

/// The routes plain CloudFormation resources define in one template (`definitions`: the documents
/// its APIs include).
pub fn routes(
    r: &Resolver<'_>,
    stack: StackId,
    template: &Template,
    definitions: &Definitions,
) -> Vec<Route> {
    let cx = Context {
        r,
        stack,
        template,
        definitions,
    };
    let mut routes = Vec::new();
    for resource in &template.resources {
        match resource.type_name() {
            "AWS::ApiGateway::RestApi" => routes.extend(cx.body_routes(resource, ApiKind::Rest)),
            "AWS::ApiGatewayV2::Api" if !is_websocket(resource) => {
                routes.extend(cx.body_routes(resource, ApiKind::Http));
                routes.extend(cx.quick_create_route(resource));
            }
            "AWS::ApiGateway::Method" => routes.extend(cx.method_route(resource)),
            "AWS::ApiGatewayV2::Route" => routes.extend(cx.v2_route(resource)),
            _ => {}
        }
    }
    routes
}

struct Context<'c> {
    r: &'c Resolver<'c>,
    stack: StackId,
    template: &'c Template,
    definitions: &'c Definitions,
}

impl Context<'_> {
    fn route(
        &self,
        api: &str,
        kind: ApiKind,
        method: String,
        path: String,
        span: crate::source::Span,
    ) -> Route {
        let route_api = crate::model::route::RouteApi {
            stack: self.stack,
            name: api.to_string(),
            kind,
            id: self.r.reference(self.stack, api),
            stages: self.stages(api, kind),
        };
        Route::new(route_api, method, path, span)
    }

    /// Stage names of an API: its `Stage` resources and the `StageName` of its deployments.
    fn stages(&self, api: &str, kind: ApiKind) -> Vec<Value> {
        let (stage_type, deployment_type, api_key) = match kind {
            ApiKind::Rest => (
                "AWS::ApiGateway::Stage",
                "AWS::ApiGateway::Deployment",
                "RestApiId",
            ),
            ApiKind::Http => (
                "AWS::ApiGatewayV2::Stage",
                "AWS::ApiGatewayV2::Deployment",
                "ApiId",
            ),
        };
        let mut stages: Vec<Value> = Vec::new();
        for resource in &self.template.resources {
            let kind = resource.type_name();
            if (kind != stage_type && kind != deployment_type)
                || resource.property(api_key).and_then(Node::referenced_id) != Some(api)
            {
                continue;
            }
            if let Some(name) = resource.property("StageName") {
                let value = self.r.resolve(self.stack, name);
                if !stages.contains(&value) {
                    stages.push(value);
                }
            }
        }
        stages
    }

    /// The route with what its integration calls, and the Lambda target when it calls one.
    fn with_integration(&self, mut route: Route, settings: &IntegrationSettings<'_>) -> Route {
        route.integration =
            integration_kind::classify(self.r, self.stack, route.api_kind, settings);
        if route.integration.is_lambda() {
            route = self.with_lambda(route, settings.uri);
        }
        route
    }

    fn with_lambda(&self, mut route: Route, uri: Option<&Node>) -> Route {
        if let Some(target) =
            uri.and_then(|u| integration::lambda_target(self.r, self.stack, self.template, u))
        {
            route.function = Some(target.function);
            route.qualifier = target.qualifier;
            route.target = Some(target.arn);
        }
        route
    }

    /// Routes of an inline `Body`, or of the document its `AWS::Include` names.
    fn body_routes(&self, api: &Resource, kind: ApiKind) -> Vec<Route> {
        let Some(value) = api.property("Body") else {
            return Vec::new();
        };
        let included = self.definitions.included(self.stack, value);
        let body = match included {
            Some(document) => &*document.root,
            None if value.is_map() && value.as_intrinsic().is_none() => value,
            None => return Vec::new(),
        };
        openapi::operations(body)
            .into_iter()
            .filter_map(|op| {
                let integration = op.integration?;
                let mut route = self.route(
                    &api.logical_id,
                    kind,
                    op.method.clone(),
                    op.path.clone(),
                    op.span,
                );
                route.definition_file = included.map(|d| d.file);
                route.catch_all = kind == ApiKind::Http && op.is_default_route();
                let from_security = op.security.as_ref().map_or(Authorization::None, |names| {
                    openapi::operation_authorization(body, names)
                });
                route.authorization = op.with_auth_extension(from_security);
                route.invocation = integration::invocation(self.r, self.stack, op.credentials());
                Some(self.with_integration(route, &IntegrationSettings::of_openapi(integration)))
            })
            .collect()
    }

    /// An `AWS::ApiGateway::Method` with its path built from the `AWS::ApiGateway::Resource` tree.
    fn method_route(&self, method: &Resource) -> Option<Route> {
        let api = method
            .property("RestApiId")
            .and_then(Node::referenced_id)?
            .to_string();
        let verb = method
            .property("HttpMethod")?
            .as_str()?
            .to_ascii_uppercase();
        let path = self.resource_path(method.property("ResourceId")?)?;
        let mut route = self.route(&api, ApiKind::Rest, verb, path, method.span);
        let authorization = method.property("AuthorizationType");
        route.authorization = authorization_type(authorization.and_then(Node::as_str));
        route.auth_span = authorization.map(|a| a.span);
        let integration = method.property("Integration");
        route.invocation = integration::invocation(
            self.r,
            self.stack,
            integration.and_then(|i| i.get("Credentials")),
        );
        let settings = integration.map(IntegrationSettings::of_method);
        Some(self.with_integration(route, &settings.unwrap_or_default()))
    }

    /// `/a/b/{id}` from a `ResourceId` (`!Ref Resource` chain up to `!GetAtt Api.RootResourceId`).
    fn resource_path(&self, resource_id: &Node) -> Option<String> {
        let mut parts = Vec::new();
        let mut current = resource_id;
        for _ in 0..MAX_PATH_DEPTH {
            let (key, _) = current.as_intrinsic()?;
            if key.text == "Fn::GetAtt" {
                break;
            }
            let resource = self.template.resource(current.referenced_id()?)?;
            if resource.type_name() != "AWS::ApiGateway::Resource" {
                return None;
            }
            parts.push(resource.property("PathPart")?.as_str()?.to_string());
            current = resource.property("ParentId")?;
        }
        parts.reverse();
        Some(format!("/{}", parts.join("/")))
    }

    /// An `AWS::ApiGatewayV2::Route` and the `AWS::ApiGatewayV2::Integration` its `Target` names.
    fn v2_route(&self, route_resource: &Resource) -> Option<Route> {
        let api = route_resource
            .property("ApiId")
            .and_then(Node::referenced_id)?
            .to_string();
        // WebSocket routes (`$connect`, `$default`, ...) are not HTTP routes: not modelled.
        if self.template.resource(&api).is_some_and(is_websocket) {
            return None;
        }
        let key = route_resource.property("RouteKey")?.as_str()?;
        let (method, path) = route_key(key);
        let mut route = self.route(&api, ApiKind::Http, method, path, route_resource.span);
        let authorization = route_resource.property("AuthorizationType");
        route.authorization = authorization_type(authorization.and_then(Node::as_str));
        route.auth_span = authorization.map(|a| a.span);
        let integration = route_resource
            .property("Target")
            .and_then(|t| {
                let mut names = Vec::new();
                crate::references::sub_parts(t.get("Fn::Sub").and_then(Node::as_str).unwrap_or(""))
                    .into_iter()
                    .for_each(|p| {
                        if let crate::references::SubPart::Variable { name, .. } = p {
                            names.push(name)
                        }
                    });
                names
                    .into_iter()
                    .find(|n| self.template.resource(n).is_some())
                    .or_else(|| {
                        t.get("Fn::Join")?
                            .as_seq()?
                            .get(1)?
                            .as_seq()?
                            .iter()
                            .find_map(Node::referenced_id)
                            .map(str::to_string)
                    })
            })
            .and_then(|name| self.template.resource(&name));
        if let Some(integration) = integration {
            route.invocation =
                integration::invocation(self.r, self.stack, integration.property("CredentialsArn"));
            if let Some(properties) = integration.properties() {
                route = self.with_integration(route, &IntegrationSettings::of_v2(properties));
            }
        }
        Some(route)
    }

    /// HTTP API quick create: `Target` on the `AWS::ApiGatewayV2::Api` makes an integration to it, the
    /// route `RouteKey` (default `$default`) and the auto-deployed stage `$default`; `CredentialsArn`
    /// is the integration's credentials (AWS::ApiGatewayV2::Api `Target`, `RouteKey`, `CredentialsArn`).
    fn quick_create_route(&self, api: &Resource) -> Option<Route> {
        let target = api.property("Target")?;
        let key = api
            .property("RouteKey")
            .and_then(Node::as_str)
            .unwrap_or("$default");
        let (method, path) = route_key(key);
        let mut route = self.route(&api.logical_id, ApiKind::Http, method, path, target.span);
        let default_stage = Value::literal("$default");
        if !route.stages.contains(&default_stage) {
            route.stages.insert(0, default_stage);
        }
        route.invocation =
            integration::invocation(self.r, self.stack, api.property("CredentialsArn"));
        let settings = IntegrationSettings {
            uri: Some(target),
            ..IntegrationSettings::default()
        };
        route = self.with_integration(route, &settings);
        // A `Target` that names a function of the template is a Lambda integration, however written.
        if route.integration == Integration::Unknown {
            route = self.with_lambda(route, Some(target));
            if route.function.is_some() {
                route.integration = Integration::Lambda;
            }
        }
        Some(route)
    }
}

/// `GET /items` → (`GET`, `/items`); `$default` → (`ANY`, `$default`).
fn route_key(key: &str) -> (String, String) {
    match key.split_once(' ') {
        Some((method, path)) => (method.to_ascii_uppercase(), path.to_string()),
        None => ("ANY".to_string(), key.to_string()),
    }
}

/// An `AWS::ApiGatewayV2::Api` with `ProtocolType: WEBSOCKET`.
fn is_websocket(api: &Resource) -> bool {
    api.property("ProtocolType")
        .and_then(Node::as_str)
        .is_some_and(|p| p.eq_ignore_ascii_case("WEBSOCKET"))
}

fn authorization_type(value: Option<&str>) -> Authorization {
    match value.map(str::to_ascii_uppercase).as_deref() {
        Some("AWS_IAM") => Authorization::AwsIam,
        Some("COGNITO_USER_POOLS") => Authorization::CognitoUserPools,
        Some("CUSTOM") => Authorization::Custom,
        Some("JWT") => Authorization::Jwt,
        _ => Authorization::None,
    }
}
