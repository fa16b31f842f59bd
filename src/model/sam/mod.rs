//! AWS SAM: the routes SAM generates from `AWS::Serverless::Api`/`HttpApi` resources, function
//! `Api`/`HttpApi` events, implicit APIs and inline `DefinitionBody` documents, with the
//! authorization and integration credentials SAM gives each route (sam-semantics.md §1, §3, §4).

pub mod globals;

use crate::definitions::{Definitions, IncludedDocument};
use crate::load::{Entry, Node};
use crate::model::apigw::integration::{self, LambdaTarget};
use crate::model::apigw::openapi;
use crate::model::route::{ApiKind, Authorization, Invocation, Route};
use crate::resolve::{Resolver, StackId, Value};
use crate::source::{FileId, Span};
use crate::template::Template;

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
    for function in template
        .resources
        .iter()
        .filter(|f| f.type_name() == "AWS::Serverless::Function")
    {
        let properties = globals::merged_properties(template, function);
        let events = properties
            .as_ref()
            .and_then(|p| p.get("Events"))
            .and_then(Node::as_map)
            .unwrap_or(&[]);
        let target = integration::lambda_target(
            r,
            stack,
            template,
            &function_uri(&function.logical_id, properties.as_ref()),
        );
        for event in events {
            let route = match event.value.get("Type").and_then(Node::as_str) {
                Some("Api") => event_api(&apis, &implicit_rest, event, "RestApiId")
                    .filter(|api| {
                        api.kind == ApiKind::Rest && (api.managed() || api.merges_events())
                    })
                    .and_then(|api| cx.rest_event(api, event, target.clone())),
                // SAM adds HttpApi events to whatever API they name, REST ones included.
                Some("HttpApi") => event_api(&apis, &implicit_http, event, "ApiId")
                    .and_then(|api| cx.http_event(api, event, target.clone())),
                _ => None,
            };
            if let Some(route) = route {
                // An event never replaces an operation the user's document already has.
                routes.retain(|r| !same_route(r, &route) || r.function.is_none());
                if !routes.iter().any(|r| same_route(r, &route)) {
                    routes.push(route);
                }
            }
        }
    }
    mark_event_permissions(&mut routes, template);
    routes
}

/// SAM writes an `AWS::Lambda::Permission` for every Api/HttpApi event, also when the route itself comes
/// from the user's document: mark the routes of the same function, API, method and path.
fn mark_event_permissions(routes: &mut [Route], template: &Template) {
    for function in template
        .resources
        .iter()
        .filter(|f| f.type_name() == "AWS::Serverless::Function")
    {
        let events = function
            .property("Events")
            .and_then(Node::as_map)
            .unwrap_or(&[]);
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

/// The API an event attaches to: `key` (`RestApiId`/`ApiId`) names it, or the implicit API.
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

    fn with_target(mut route: Route, target: Option<LambdaTarget>) -> Route {
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
        let properties = event.value.get("Properties")?;
        let path = properties.get("Path")?.as_str()?.to_string();
        let method = event_method(properties.get("Method")?.as_str()?);
        let method_auth = properties
            .get("Auth")
            .filter(|a| a.as_map().is_some_and(|m| !m.is_empty()));
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

    /// An `HttpApi` event. HTTP APIs never pass the caller's credentials.
    fn http_event(
        &self,
        api: &SamApi,
        event: &Entry,
        target: Option<LambdaTarget>,
    ) -> Option<Route> {
        let properties = event.value.get("Properties");
        let path = properties
            .and_then(|p| p.get("Path"))
            .and_then(Node::as_str);
        let method = properties
            .and_then(|p| p.get("Method"))
            .and_then(Node::as_str);
        let (method, path) = match (method, path) {
            // SAM writes the catch-all route `$default` with any method.
            (None, None) => ("ANY".to_string(), "$default".to_string()),
            (Some(m), Some(p)) => (event_method(m), p.to_string()),
            _ => return None,
        };
        // SAM keeps an integration the user's document already has for this operation.
        let has_integration = |body: &Node| {
            openapi::operations(body)
                .iter()
                .any(|o| o.method == method && o.path == path && o.integration.is_some())
        };
        if api.body().is_some_and(has_integration) {
            return None;
        }
        let method_auth = properties.and_then(|p| p.get("Auth"));
        let own = method_auth.and_then(|a| a.get("Authorizer"));
        // The default authorizer skips OPTIONS on HTTP APIs (open_api.py:273).
        let name = own.or_else(|| {
            if method == "OPTIONS" {
                None
            } else {
                api.auth()?.get("DefaultAuthorizer")
            }
        });
        let mut route = self.route(api, method, path, event.key.span);
        route.authorization = http_authorization(name.and_then(Node::as_str), api.auth());
        route.auth_span = name.map(|n| n.span);
        Some(Self::with_target(route, target))
    }

    /// Routes of a user-written `DefinitionBody`: SAM keeps the user's integrations and applies the
    /// API's `DefaultAuthorizer` to operations without `security`.
    fn body_routes(&self, api: &SamApi) -> Vec<Route> {
        let Some(body) = api.body() else {
            return Vec::new();
        };
        let default = api.auth().and_then(|a| a.get("DefaultAuthorizer"));
        openapi::operations(body)
            .into_iter()
            .filter(|op| op.integration.is_some())
            .map(|op| {
                let mut route = self.route(api, op.method.clone(), op.path.clone(), op.span);
                route.definition_file = api.body_file();
                route.authorization = match (&op.security, api.kind) {
                    (Some(names), _) => {
                        openapi::operation_authorization_with(body, names, api.auth())
                    }
                    (None, ApiKind::Http) if op.method == "OPTIONS" => Authorization::None,
                    (None, ApiKind::Http) => {
                        http_authorization(default.and_then(Node::as_str), api.auth())
                    }
                    (None, ApiKind::Rest) => rest_authorization(None, api.auth()).0,
                };
                route.auth_span = if op.security.is_none() {
                    default.map(|d| d.span)
                } else {
                    None
                };
                route.invocation = integration::invocation(self.r, self.stack, op.credentials());
                let is_lambda =
                    matches!(op.integration_type().as_deref(), Some("aws_proxy" | "aws"));
                let target = op.uri().filter(|_| is_lambda).and_then(|uri| {
                    integration::lambda_target(self.r, self.stack, self.template, uri)
                });
                Self::with_target(route, target)
            })
            .collect()
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
