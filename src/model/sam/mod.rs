//! AWS SAM: the routes SAM generates from `AWS::Serverless::Api`/`HttpApi` resources, function and
//! state-machine `Api`/`HttpApi` events, implicit APIs and inline `DefinitionBody` documents, with the
//! authorization, integration and credentials SAM gives each route (sam-semantics.md §1, §3, §4), and
//! the Lambda permissions SAM writes for function events (`event_permissions`).

pub mod event_permissions;
pub mod globals;

use crate::definitions::{Definitions, IncludedDocument};
use crate::iam::pattern::Target;
use crate::load::{Entry, Node};
use crate::model::apigw::integration::{self, LambdaTarget};
use crate::model::apigw::integration_kind::{self, IntegrationSettings};
use crate::model::apigw::openapi;
use crate::model::route::{
    ApiKind, Authorization, Integration, Invocation, Route, ServiceIntegration, ServiceOperation,
    ServiceRequest, ServiceResource,
};
use crate::resolve::{Resolver, StackId, Symbol, Value};
use crate::source::{FileId, Span};
use crate::template::{Resource, Template};

/// The implicit APIs SAM creates for events without `RestApiId` / `ApiId`.
pub const IMPLICIT_REST_API: &str = "ServerlessRestApi";
pub const IMPLICIT_HTTP_API: &str = "ServerlessHttpApi";

/// A SAM API with its Globals merged in.
struct SamApi {
    logical_id: String,
    kind: ApiKind,
    properties: Option<Node>,
    implicit: bool,
    /// The document its `DefinitionBody` includes or its `DefinitionUri` names, when read.
    included: Option<IncludedDocument>,
}

impl SamApi {
    fn property(&self, name: &str) -> Option<&Node> {
        self.properties.as_ref()?.get(name)
    }

    fn auth(&self) -> Option<&Node> {
        self.property("Auth").filter(|a| a.is_map())
    }

    /// A user-written OpenAPI document: inline, or read from the file it names.
    fn body(&self) -> Option<&Node> {
        if let Some(included) = &self.included {
            return Some(&included.root);
        }
        self.property("DefinitionBody")
            .filter(|b| b.is_map() && b.as_intrinsic().is_none())
    }

    /// The file of [`SamApi::body`] when it is not the template.
    fn body_file(&self) -> Option<FileId> {
        self.included.as_ref().map(|d| d.file)
    }

    /// Takes the document an `AWS::Include` in `DefinitionBody` or a `DefinitionUri` names.
    fn with_included(mut self, definitions: &Definitions, stack: StackId) -> SamApi {
        self.included = ["DefinitionBody", "DefinitionUri"]
            .iter()
            .find_map(|name| definitions.included(stack, self.property(name)?))
            .cloned();
        self
    }

    /// Whether SAM writes the OpenAPI document itself (so events become routes).
    fn managed(&self) -> bool {
        self.implicit
            || (self.property("DefinitionBody").is_none()
                && self.property("DefinitionUri").is_none())
    }

    /// `MergeDefinitions: true`: SAM adds the events to the user's document.
    fn merges_events(&self) -> bool {
        self.property("MergeDefinitions").and_then(Node::as_bool) == Some(true)
    }

    /// An HTTP API whose document SAM has (its own or the user's inline one) with `FailOnWarnings` on
    /// (`true`, or an intrinsic, which Python reads as true): SAM renames the path `$default` to
    /// `/$default` (http_api_generator.py:232-243, `_update_default_path`, called for every HttpApi
    /// at http_api_generator.py:126).
    fn renames_default_path(&self) -> bool {
        let fail_on_warnings = self
            .property("FailOnWarnings")
            .is_some_and(|f| f.as_bool() == Some(true) || f.as_intrinsic().is_some());
        self.kind == ApiKind::Http && fail_on_warnings && (self.managed() || self.body().is_some())
    }

    fn stages(&self, r: &Resolver<'_>, stack: StackId) -> Vec<Value> {
        match self.kind {
            ApiKind::Rest => {
                let main = match self.property("StageName").filter(|_| !self.implicit) {
                    Some(node) => r.resolve(stack, node),
                    None => Value::literal("Prod"),
                };
                let mut stages = vec![main];
                // Without OpenApiVersion SAM's deployment also creates the stage `Stage`.
                if self.property("OpenApiVersion").is_none() {
                    stages.push(Value::literal("Stage"));
                }
                stages
            }
            ApiKind::Http => vec![match self.property("StageName") {
                Some(node) => r.resolve(stack, node),
                None => Value::literal("$default"),
            }],
        }
    }

    fn api_id(&self, r: &Resolver<'_>, stack: StackId) -> Value {
        r.reference(stack, &self.logical_id)
    }
}

/// Every SAM route of one template (`definitions`: the documents its APIs include).
pub fn routes(
    r: &Resolver<'_>,
    stack: StackId,
    template: &Template,
    definitions: &Definitions,
) -> Vec<Route> {
    let apis: Vec<SamApi> = template
        .resources
        .iter()
        .filter_map(|resource| {
            let kind = ApiKind::of_serverless(resource.type_name())?;
            Some(
                SamApi {
                    logical_id: resource.logical_id.clone(),
                    kind,
                    properties: globals::merged_properties(template, resource),
                    implicit: false,
                    included: None,
                }
                .with_included(definitions, stack),
            )
        })
        .collect();
    let implicit_rest = implicit_api(
        template,
        IMPLICIT_REST_API,
        ApiKind::Rest,
        "AWS::Serverless::Api",
    );
    let implicit_http = implicit_api(
        template,
        IMPLICIT_HTTP_API,
        ApiKind::Http,
        "AWS::Serverless::HttpApi",
    );
    let cx = Context { r, stack, template };
    let mut routes = Vec::new();
    for api in apis.iter().filter(|a| !a.managed()) {
        routes.extend(cx.body_routes(api));
    }
    for function in template.resources_of_type("AWS::Serverless::Function") {
        let properties = globals::merged_properties(template, function);
        let events = globals::events(properties.as_ref());
        let target = integration::lambda_target(
            r,
            stack,
            template,
            &function_uri(&function.logical_id, properties.as_ref()),
        );
        for event in events {
            let outcome = match event.value.get("Type").and_then(Node::as_str) {
                // push.py:776-777: a REST event becomes a route only where SAM writes the document
                // or merges into it; elsewhere SAM writes its permission alone.
                Some("Api") => event_api(&apis, &implicit_rest, event, "RestApiId")
                    .filter(|api| {
                        api.kind == ApiKind::Rest && (api.managed() || api.merges_events())
                    })
                    .and_then(|api| cx.rest_event(api, event, target.clone()))
                    .map(|route| EventOutcome::Route(Box::new(route))),
                // SAM adds HttpApi events to whatever API they name, REST ones included, into the
                // user's document too (push.py:1384, `_add_openapi_integration`).
                Some("HttpApi") => event_api(&apis, &implicit_http, event, "ApiId")
                    .and_then(|api| cx.http_event(api, event, target.clone())),
                _ => None,
            };
            match outcome {
                Some(EventOutcome::Route(route)) => add_event_route(&mut routes, *route),
                Some(EventOutcome::Auth(auth)) => auth.apply(&mut routes),
                None => {}
            }
        }
    }
    for machine in template.resources_of_type("AWS::Serverless::StateMachine") {
        let properties = globals::merged_properties(template, machine);
        let events = globals::events(properties.as_ref());
        for event in events {
            // State machines have `Api` events only; SAM adds them where it writes the document
            // (stepfunctions/events.py:383-384, `__MANAGE_SWAGGER`: not with MergeDefinitions).
            if event.value.get("Type").and_then(Node::as_str) != Some("Api") {
                continue;
            }
            let route = event_api(&apis, &implicit_rest, event, "RestApiId")
                .filter(|api| api.kind == ApiKind::Rest && api.managed())
                .and_then(|api| cx.state_machine_event(api, event, machine));
            if let Some(route) = route {
                add_event_route(&mut routes, route);
            }
        }
    }
    mark_event_permissions(&mut routes, template);
    for route in &mut routes {
        let renamed = route.path == "$default"
            && apis
                .iter()
                .chain([&implicit_http])
                .any(|a| a.logical_id == route.api && a.renames_default_path());
        if renamed {
            route.path = "/$default".to_string();
        }
    }
    routes
}

/// What an event does to the routes.
enum EventOutcome {
    /// A route SAM writes for it.
    Route(Box<Route>),
    /// The event's `Auth` on an operation of the user's document that keeps its own integration.
    Auth(AuthOverlay),
}

/// The authorization an `HttpApi` event's `Auth` gives an operation the user's document defines.
struct AuthOverlay {
    api: String,
    method: String,
    path: String,
    authorization: Authorization,
    span: Option<Span>,
}

impl AuthOverlay {
    fn apply(self, routes: &mut [Route]) {
        for route in routes.iter_mut() {
            if route.api == self.api && route.method == self.method && route.path == self.path {
                route.authorization = self.authorization;
                route.auth_span = self.span;
            }
        }
    }
}

/// An event's route replaces an operation of the same method and path in the user's document: with
/// `MergeDefinitions`, SAM's generated operation wins every key it writes (push.py:367-372).
fn add_event_route(routes: &mut Vec<Route>, route: Route) {
    routes.retain(|r| !same_route(r, &route));
    routes.push(route);
}

/// SAM writes an `AWS::Lambda::Permission` for every Api/HttpApi event, also when the route itself comes
/// from the user's document: mark the routes of the same function, API, method and path.
fn mark_event_permissions(routes: &mut [Route], template: &Template) {
    for function in template.resources_of_type("AWS::Serverless::Function") {
        let events = globals::events(function.properties());
        for event in events {
            let kind = event.value.get("Type").and_then(Node::as_str);
            let properties = event.value.get("Properties");
            let (key, implicit) = match kind {
                Some("Api") => ("RestApiId", IMPLICIT_REST_API),
                Some("HttpApi") => ("ApiId", IMPLICIT_HTTP_API),
                _ => continue,
            };
            let api = match properties.and_then(|p| p.get(key)) {
                Some(node) => api_name(node),
                None => Some(implicit.to_string()),
            };
            let Some(api) = api else { continue };
            let method = properties
                .and_then(|p| p.get("Method"))
                .and_then(Node::as_str)
                .map_or("ANY".to_string(), event_method);
            let path = properties
                .and_then(|p| p.get("Path"))
                .and_then(Node::as_str)
                .unwrap_or("$default");
            for route in routes.iter_mut() {
                let same = route.api == api
                    && route.method == method
                    && route.path == path
                    && route.function.as_deref() == Some(function.logical_id.as_str());
                if same {
                    route.permission = event_permission(event);
                }
            }
        }
    }
}

/// The permission SAM writes for an Api/HttpApi event.
fn event_permission(event: &Entry) -> crate::model::route::PermissionSource {
    let properties = event.value.get("Properties");
    let api = ["RestApiId", "ApiId"]
        .into_iter()
        .find_map(|key| Some((key, properties?.get(key)?)));
    match api {
        Some((key, node)) if node.as_intrinsic().is_none() && node.as_str().is_some() => {
            crate::model::route::PermissionSource::SamEventLiteralApiId {
                key,
                span: node.span,
            }
        }
        _ => crate::model::route::PermissionSource::SamEvent,
    }
}

/// The API an event attaches to: `key` (`RestApiId`/`ApiId`) names it, or the implicit API. Any
/// intrinsic but `Ref` (`!If [...]`, `!Sub`, `!ImportValue`) makes SAM reject the template ("Property
/// 'RestApiId' should be a string", implicit_api_plugin.py:469-483): no route.
fn event_api<'a>(
    apis: &'a [SamApi],
    implicit: &'a SamApi,
    event: &Entry,
    key: &str,
) -> Option<&'a SamApi> {
    let name = match event.value.get("Properties").and_then(|p| p.get(key)) {
        None => return Some(implicit),
        Some(node) => api_name(node)?,
    };
    apis.iter().find(|a| a.logical_id == name)
}

fn same_route(a: &Route, b: &Route) -> bool {
    a.api == b.api && a.method == b.method && a.path == b.path
}

fn implicit_api(
    template: &Template,
    logical_id: &str,
    kind: ApiKind,
    resource_type: &str,
) -> SamApi {
    SamApi {
        logical_id: logical_id.to_string(),
        kind,
        properties: globals::implicit_properties(template, resource_type),
        implicit: true,
        included: None,
    }
}

/// `RestApiId: !Ref MyApi` or (accepted by SAM) a plain `MyApi`.
fn api_name(node: &Node) -> Option<String> {
    match node.as_intrinsic() {
        Some((key, arg)) if key.text == "Ref" => arg.as_str().map(str::to_string),
        Some(_) => None,
        None => node.as_str().map(str::to_string),
    }
}

/// The integration target SAM writes for a function: its alias when `AutoPublishAlias` is set.
fn function_uri(logical_id: &str, properties: Option<&Node>) -> Node {
    let alias = properties.and_then(|p| p.get("AutoPublishAlias")).is_some();
    let text = if alias {
        format!("{logical_id}.Alias")
    } else {
        format!("{logical_id}.Arn")
    };
    let scalar = Node::scalar(text, crate::load::ScalarStyle::Plain, Span::default());
    Node {
        kind: crate::load::NodeKind::Map(vec![Entry {
            key: crate::load::Key {
                text: "Fn::GetAtt".into(),
                span: Span::default(),
                short_form: false,
            },
            value: scalar,
        }]),
        span: Span::default(),
    }
}

struct Context<'c> {
    r: &'c Resolver<'c>,
    stack: StackId,
    template: &'c Template,
}

impl Context<'_> {
    fn route(&self, api: &SamApi, method: String, path: String, span: Span) -> Route {
        let api = crate::model::route::RouteApi {
            stack: self.stack,
            name: api.logical_id.clone(),
            kind: api.kind,
            id: api.api_id(self.r, self.stack),
            stages: api.stages(self.r, self.stack),
        };
        Route::new(api, method, path, span)
    }

    /// A route SAM integrates with the event's function (`aws_proxy`, open_api.py:153 / swagger.py).
    fn with_target(mut route: Route, target: Option<LambdaTarget>) -> Route {
        route.integration = Integration::Lambda;
        if let Some(target) = target {
            route.function = Some(target.function);
            route.qualifier = target.qualifier;
            route.target = Some(target.arn);
        }
        route
    }

    /// A REST `Api` event on an API whose OpenAPI document SAM writes.
    fn rest_event(
        &self,
        api: &SamApi,
        event: &Entry,
        target: Option<LambdaTarget>,
    ) -> Option<Route> {
        let (path, method, method_auth) = rest_event_parts(event)?;
        let api_auth = api.auth();
        let mut route = self.route(api, method, path, event.key.span);
        let (authorization, auth_span) = rest_authorization(method_auth, api_auth);
        route.authorization = authorization;
        route.auth_span = auth_span;
        // With MergeDefinitions, an operation's own `security` in the user's document stays.
        let has_authorizer = method_auth.and_then(|a| a.get("Authorizer")).is_some();
        if let Some(body) = api.body().filter(|_| !has_authorizer) {
            let operations = openapi::operations(body);
            let security = operations
                .iter()
                .find(|o| o.method == route.method && o.path == route.path)
                .and_then(|o| o.security.as_ref());
            if let Some(names) = security {
                route.authorization = openapi::operation_authorization_with(body, names, api_auth);
            }
        }
        route.invocation = self.rest_invocation(method_auth, api_auth);
        route.ignored_auth_setting = ignored_setting(method_auth, api_auth);
        Some(Self::with_target(route, target))
    }

    /// SAM's `add_lambda_integration` credentials (swagger.py:159-172): only for IAM routes, event
    /// `InvokeRole` over API `InvokeRole` over caller credentials; an event `Auth` without
    /// `Authorizer` under a default `AWS_IAM` drops the credentials altogether.
    fn rest_invocation(&self, method_auth: Option<&Node>, api_auth: Option<&Node>) -> Invocation {
        let method_authorizer = method_auth
            .and_then(|a| a.get("Authorizer"))
            .and_then(Node::as_str);
        let default_authorizer = api_auth
            .and_then(|a| a.get("DefaultAuthorizer"))
            .and_then(Node::as_str);
        let iam = method_authorizer == Some("AWS_IAM")
            || (default_authorizer == Some("AWS_IAM") && method_auth.is_none());
        if !iam {
            return Invocation::ServiceIdentity;
        }
        let role = invoke_role(method_auth).or_else(|| invoke_role(api_auth));
        match role {
            None => Invocation::CallerCredentials,
            Some(node) => match node.as_str() {
                Some("CALLER_CREDENTIALS") => Invocation::CallerCredentials,
                Some("NONE") | None if node.as_intrinsic().is_none() => Invocation::ServiceIdentity,
                _ => integration::invocation(self.r, self.stack, Some(node)),
            },
        }
    }

    /// An `HttpApi` event: a route where the document has no integration for it yet, else the event's
    /// `Auth` on the user's operation (push.py:1464-1472: `add_lambda_integration` keeps an existing
    /// integration, `_add_auth_to_openapi_integration` still adds the authorizer). HTTP APIs never pass
    /// the caller's credentials.
    fn http_event(
        &self,
        api: &SamApi,
        event: &Entry,
        target: Option<LambdaTarget>,
    ) -> Option<EventOutcome> {
        let properties = event.value.get("Properties");
        let (path, method) = http_event_path_and_method(event)?;
        let (method, path) = (event_method(method), path.to_string());
        let operations = api.body().map(openapi::operations).unwrap_or_default();
        let operation = operations
            .iter()
            .find(|o| o.method == method && o.path == path);
        let method_auth = properties
            .and_then(|p| p.get("Auth"))
            .filter(|a| a.as_map().is_some_and(|m| !m.is_empty()));
        let security = operation.and_then(|o| o.security.as_deref());
        let (authorization, auth_span) =
            http_event_authorization(api, security, method_auth, &method);
        if operation.is_some_and(|o| o.integration.is_some()) {
            // Without an event `Auth`, the user's operation keeps the authorization it has.
            method_auth?;
            return Some(EventOutcome::Auth(AuthOverlay {
                api: api.logical_id.clone(),
                method,
                path,
                authorization,
                span: auth_span,
            }));
        }
        let mut route = self.route(api, method, path, event.key.span);
        route.authorization = authorization;
        route.auth_span = auth_span;
        Some(EventOutcome::Route(Box::new(Self::with_target(
            route, target,
        ))))
    }

    /// A state machine's `Api` event (stepfunctions/events.py:388-437): an `aws` integration with
    /// `states:action/StartExecution`, credentials the role SAM writes for the event
    /// (`{StateMachine}{Event}Role`, events.py:37-52, 72), authorization as for a function event.
    fn state_machine_event(
        &self,
        api: &SamApi,
        event: &Entry,
        machine: &Resource,
    ) -> Option<Route> {
        let (path, method, method_auth) = rest_event_parts(event)?;
        let mut route = self.route(api, method, path, event.key.span);
        let (authorization, auth_span) = rest_authorization(method_auth, api.auth());
        route.authorization = authorization;
        route.auth_span = auth_span;
        let role = format!("{}{}Role", machine.logical_id, event.key.text);
        route.invocation = Invocation::Role {
            arn: Value::symbol(Symbol::Attribute {
                stack: self.stack,
                logical_id: role.as_str().into(),
                attribute: "Arn".into(),
            }),
            span: event.key.span,
        };
        let uri = Value::concat(vec![
            Value::literal(format!("arn:{}:apigateway:", self.r.config().partition)),
            self.r.region(),
            Value::literal(":states:action/StartExecution"),
        ]);
        // With `UseAliasAsEventTarget`, the event starts the alias SAM writes (generators.py:289, 353-357).
        let use_alias = machine
            .property("UseAliasAsEventTarget")
            .and_then(Node::as_bool)
            .unwrap_or(false);
        let target = match machine.property("AutoPublishAlias").and_then(Node::as_str) {
            Some(alias) if use_alias => format!("{}Alias{alias}", machine.logical_id),
            _ => machine.logical_id.clone(),
        };
        route.integration = Integration::AwsService(Box::new(ServiceIntegration {
            service: "states".to_string(),
            operation: ServiceOperation::Action("StartExecution".to_string()),
            subtype: None,
            http_method: Some("POST".to_string()),
            uri: Some(uri),
            request: Some(ServiceRequest {
                action: "states:StartExecution".to_string(),
                resource: ServiceResource::Named {
                    targets: self
                        .r
                        .reference(self.stack, &target)
                        .strings()
                        .unwrap_or_default()
                        .into_iter()
                        .map(Target::from_sym_str)
                        .collect(),
                    written: format!("!Ref {target}"),
                    logical_id: Some(target),
                },
            }),
            role_by_sam: true,
        }));
        Some(route)
    }

    /// Routes of a user-written `DefinitionBody`: SAM keeps the user's integrations and applies the
    /// API's `DefaultAuthorizer` to operations without `security`; on a REST API an event's
    /// `OverrideApiAuth` puts its `Authorizer` on the operation (push.py:783-806).
    fn body_routes(&self, api: &SamApi) -> Vec<Route> {
        let Some(body) = api.body() else {
            return Vec::new();
        };
        let default = api.auth().and_then(|a| a.get("DefaultAuthorizer"));
        let overrides = self.auth_overrides(api);
        openapi::operations(body)
            .into_iter()
            .filter_map(|op| {
                let integration = op.integration?;
                let mut route = self.route(api, op.method.clone(), op.path.clone(), op.span);
                route.definition_file = api.body_file();
                if api.kind == ApiKind::Http {
                    route.catch_all = op.is_default_route();
                }
                let from_security = match (&op.security, api.kind) {
                    (Some(names), _) => {
                        openapi::operation_authorization_with(body, names, api.auth())
                    }
                    (None, ApiKind::Http) if op.method == "OPTIONS" => Authorization::None,
                    (None, ApiKind::Http) => {
                        http_authorization(default.and_then(Node::as_str), api.auth())
                    }
                    (None, ApiKind::Rest) => rest_authorization(None, api.auth()).0,
                };
                route.authorization = op.with_auth_extension(from_security);
                route.auth_span = if op.security.is_none() {
                    default.map(|d| d.span)
                } else {
                    None
                };
                let overriding = overrides
                    .iter()
                    .find(|(method, path, _)| *method == op.method && *path == op.path);
                if let Some((_, _, authorizer)) = overriding {
                    let mut names = op.security.clone().unwrap_or_default();
                    names.extend(authorizer.as_str().map(str::to_string));
                    route.authorization =
                        openapi::operation_authorization_with(body, &names, api.auth());
                    route.auth_span = Some(authorizer.span);
                }
                route.invocation = integration::invocation(self.r, self.stack, op.credentials());
                let settings = IntegrationSettings::of_openapi(integration);
                route.integration =
                    integration_kind::classify(self.r, self.stack, api.kind, &settings);
                if route.integration.is_lambda() {
                    let target = op.uri().and_then(|uri| {
                        integration::lambda_target(self.r, self.stack, self.template, uri)
                    });
                    route = Self::with_target(route, target);
                }
                Some(route)
            })
            .collect()
    }

    /// The REST `Api` events on `api` with `Auth.OverrideApiAuth` and an `Authorizer`: (method, path,
    /// the authorizer's name). SAM applies such an event's `Auth` to the user's document
    /// (push.py:783-806, `add_auth_to_swagger` → swagger.py:683-705): its `Authorizer` is added to
    /// the operation's `security`, so the API's `DefaultAuthorizer` no longer applies (an
    /// `ApiKeyRequired` alone leaves the authorization as it is).
    fn auth_overrides(&self, api: &SamApi) -> Vec<(String, String, &Node)> {
        if api.kind != ApiKind::Rest {
            return Vec::new();
        }
        let mut out = Vec::new();
        for function in self.template.resources_of_type("AWS::Serverless::Function") {
            let events = globals::events(function.properties());
            for event in events {
                if event.value.get("Type").and_then(Node::as_str) != Some("Api") {
                    continue;
                }
                let Some(properties) = event.value.get("Properties") else {
                    continue;
                };
                let names_api = properties
                    .get("RestApiId")
                    .and_then(api_name)
                    .is_some_and(|name| name == api.logical_id);
                let auth = properties.get("Auth");
                let overrides = auth
                    .and_then(|a| a.get("OverrideApiAuth"))
                    .and_then(Node::as_bool)
                    == Some(true);
                let (Some(path), Some(method), Some(authorizer)) = (
                    properties.get("Path").and_then(Node::as_str),
                    properties.get("Method").and_then(Node::as_str),
                    auth.and_then(|a| a.get("Authorizer")),
                ) else {
                    continue;
                };
                if names_api && overrides {
                    out.push((event_method(method), path.to_string(), authorizer));
                }
            }
        }
        out
    }
}

/// An event `Auth` with `InvokeRole` or `ApiKeyRequired` but no `Authorizer`, under a default
/// `AWS_IAM`: SAM's credentials branch (swagger.py:159-161) is skipped for it.
fn ignored_setting(
    method_auth: Option<&Node>,
    api_auth: Option<&Node>,
) -> Option<crate::model::route::IgnoredSetting> {
    let method_auth = method_auth?;
    let default = api_auth
        .and_then(|a| a.get("DefaultAuthorizer"))
        .and_then(Node::as_str);
    if default != Some("AWS_IAM") || method_auth.get("Authorizer").is_some() {
        return None;
    }
    ["InvokeRole", "ApiKeyRequired"].iter().find_map(|key| {
        let entry = method_auth.entry(key)?;
        // Asking for no credentials (`InvokeRole: NONE`) or no API key is not lost by the drop.
        let asks_nothing = match *key {
            "InvokeRole" => {
                entry.value.is_null() || matches!(entry.value.as_str(), Some("NONE" | ""))
            }
            _ => entry.value.as_bool() != Some(true),
        };
        (!asks_nothing).then(|| crate::model::route::IgnoredSetting {
            key: (*key).to_string(),
            span: entry.key.span,
        })
    })
}

/// An `HttpApi` event's `Path` and `Method` as written; neither means the catch-all `$default` with
/// any method (implicit_http_api_plugin.py:69-73); one without the other is no route.
pub(super) fn http_event_path_and_method(event: &Entry) -> Option<(&str, &str)> {
    let properties = event.value.get("Properties");
    let path = properties
        .and_then(|p| p.get("Path"))
        .and_then(Node::as_str);
    let method = properties
        .and_then(|p| p.get("Method"))
        .and_then(Node::as_str);
    match (path, method) {
        (None, None) => Some(("$default", "x-amazon-apigateway-any-method")),
        (Some(p), Some(m)) => Some((p, m)),
        _ => None,
    }
}

/// A REST `Api` event's `Path`, `Method` (upper case) and non-empty `Auth`.
fn rest_event_parts(event: &Entry) -> Option<(String, String, Option<&Node>)> {
    let properties = event.value.get("Properties")?;
    let path = properties.get("Path")?.as_str()?.to_string();
    let method = event_method(properties.get("Method")?.as_str()?);
    let method_auth = properties
        .get("Auth")
        .filter(|a| a.as_map().is_some_and(|m| !m.is_empty()));
    Some((path, method, method_auth))
}

/// `get` → `GET`; `any` → `ANY`.
fn event_method(method: &str) -> String {
    if method.eq_ignore_ascii_case("x-amazon-apigateway-any-method") {
        return "ANY".to_string();
    }
    method.to_ascii_uppercase()
}

/// An `InvokeRole` setting: absent → `None`; written but null or empty → SAM's `"NONE"`.
fn invoke_role(auth: Option<&Node>) -> Option<&Node> {
    let node = auth?.get("InvokeRole")?;
    if node.is_null() || node.as_str() == Some("") {
        static NONE: std::sync::OnceLock<Node> = std::sync::OnceLock::new();
        return Some(NONE.get_or_init(|| {
            Node::scalar("NONE", crate::load::ScalarStyle::Plain, Span::default())
        }));
    }
    Some(node)
}

/// A REST route's authorization: the event's `Authorizer`, else the API's `DefaultAuthorizer`.
fn rest_authorization(
    method_auth: Option<&Node>,
    api_auth: Option<&Node>,
) -> (Authorization, Option<Span>) {
    let name = method_auth
        .and_then(|a| a.get("Authorizer"))
        .or_else(|| api_auth?.get("DefaultAuthorizer"));
    let Some(node) = name else {
        return (Authorization::None, None);
    };
    let authorization = match node.as_str() {
        Some("NONE") | None => Authorization::None,
        Some("AWS_IAM") => Authorization::AwsIam,
        Some(other) => match api_auth
            .and_then(|a| a.get("Authorizers"))
            .and_then(|a| a.get(other))
        {
            Some(definition) if definition.get("UserPoolArn").is_some() => {
                Authorization::CognitoUserPools
            }
            _ => Authorization::Custom,
        },
    };
    (authorization, Some(node.span))
}

/// An HTTP route's authorization. `AWS_IAM` means IAM only when `EnableIamAuthorizer: true` made it;
/// an authorizer merely *named* `AWS_IAM` is whatever its definition says (JWT or Lambda).
fn http_authorization(name: Option<&str>, api_auth: Option<&Node>) -> Authorization {
    let Some(name) = name else {
        return Authorization::None;
    };
    if name == "NONE" {
        return Authorization::None;
    }
    let iam_enabled = api_auth
        .and_then(|a| a.get("EnableIamAuthorizer"))
        .and_then(Node::as_bool)
        == Some(true);
    if name == "AWS_IAM" && iam_enabled {
        return Authorization::AwsIam;
    }
    match api_auth
        .and_then(|a| a.get("Authorizers"))
        .and_then(|a| a.get(name))
    {
        Some(definition) if definition.get("JwtConfiguration").is_some() => Authorization::Jwt,
        Some(_) => Authorization::Custom,
        None if name == "AWS_IAM" => Authorization::AwsIam,
        None => Authorization::Custom,
    }
}

/// The authorization SAM leaves an `HttpApi` event's route with: the operation's own `security` (of
/// the user's document), then the event's `Authorizer` (or, for an `Auth` without one, the API's
/// `DefaultAuthorizer`: push.py:1503-1508) appended to it (open_api.py:322-362); with neither, the
/// API's `DefaultAuthorizer`, but not on OPTIONS (open_api.py:249-302). The first requirement that
/// authorizes decides.
fn http_event_authorization(
    api: &SamApi,
    security: Option<&[String]>,
    method_auth: Option<&Node>,
    method: &str,
) -> (Authorization, Option<Span>) {
    let api_auth = api.auth();
    let default = api_auth.and_then(|a| a.get("DefaultAuthorizer"));
    let mut names: Vec<(&str, Option<Span>)> = security
        .unwrap_or(&[])
        .iter()
        .map(|name| (name.as_str(), None))
        .collect();
    if let Some(node) = method_auth.and_then(|auth| auth.get("Authorizer").or(default)) {
        names.extend(node.as_str().map(|name| (name, Some(node.span))));
    }
    if names.is_empty() && method != "OPTIONS" {
        names.extend(default.and_then(|d| Some((d.as_str()?, Some(d.span)))));
    }
    let sam_defines = |name: &str| {
        matches!(name, "NONE" | "AWS_IAM")
            || api_auth
                .and_then(|a| a.get("Authorizers"))
                .and_then(|a| a.get(name))
                .is_some()
    };
    let authorization_of = |name: &str| match api.body() {
        Some(body) if !sam_defines(name) => {
            openapi::scheme_authorization(body, name).unwrap_or(Authorization::None)
        }
        _ => http_authorization(Some(name), api_auth),
    };
    let decided = names
        .iter()
        .map(|(name, span)| (authorization_of(name), *span))
        .find(|(authorization, _)| *authorization != Authorization::None);
    decided.unwrap_or((
        Authorization::None,
        names.iter().rev().find_map(|(_, span)| *span),
    ))
}
