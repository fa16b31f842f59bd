//! CORS settings of each API, as SAM and API Gateway read them: SAM REST `Cors` (a string or a map,
//! Globals merged), SAM HttpApi and `AWS::ApiGatewayV2::Api` `CorsConfiguration`.
//!
//! REST values are API Gateway header expressions (`"'https://a.example'"`, single quotes inside the
//! YAML string); HTTP values are plain lists. Each setting keeps its span for findings.

use std::collections::HashSet;

use crate::deployment::Deployment;
use crate::load::Node;
use crate::model::function_url::{FunctionUrl, UrlAuth};
use crate::model::route::{ApiKind, Authorization, Route};
use crate::model::sam::globals;
use crate::resolve::StackId;
use crate::source::Span;

/// A setting as written, with its span.
#[derive(Debug, Clone)]
pub struct Setting<T> {
    pub value: T,
    pub span: Span,
}

/// `AllowCredentials` as written.
#[derive(Debug, Clone, PartialEq)]
pub enum Credentials {
    /// A YAML/JSON boolean.
    Bool(bool),
    /// A string (`"true"`): SAM does not read it as true.
    Text(String),
    /// An intrinsic function or something else.
    Other,
}

/// The CORS configuration of one API.
#[derive(Debug, Clone)]
pub struct ApiCors {
    pub stack: StackId,
    pub api: String,
    pub kind: ApiKind,
    /// The `Cors` / `CorsConfiguration` value.
    pub span: Span,
    /// Allowed origins: REST has one expression (`'*'`), HTTP a list. `None` when not set; items
    /// that are not literal text are left out.
    pub origins: Option<Setting<Vec<String>>>,
    pub credentials: Option<Setting<Credentials>>,
    /// Allowed headers and methods, split into names (REST: `'a,b'`; HTTP: lists).
    pub headers: Option<Setting<Vec<String>>>,
    pub methods: Option<Setting<Vec<String>>>,
    /// REST: `Auth.DefaultAuthorizer: AWS_IAM`, and whether SAM also puts it on the preflight.
    pub iam_default: Option<Span>,
    pub iam_on_preflight: bool,
    /// Some route of the API requires AWS_IAM.
    pub has_iam_routes: bool,
    /// REST `GatewayResponses` (Globals merged), when written.
    pub gateway_responses: Option<GatewayResponses>,
    /// Written in SAM's `Cors` (SAM validates it); else headers of a hand-written OPTIONS method.
    pub sam: bool,
}

/// A REST API's `GatewayResponses`: the responses API Gateway itself sends.
#[derive(Debug, Clone)]
pub struct GatewayResponses {
    /// The `GatewayResponses` mapping.
    pub span: Span,
    pub responses: Vec<GatewayResponse>,
}

/// One gateway response (`DEFAULT_4XX`) and its `ResponseParameters.Headers`.
#[derive(Debug, Clone)]
pub struct GatewayResponse {
    pub name: String,
    pub span: Span,
    pub headers: Vec<ResponseHeader>,
}

/// A header of a gateway response: its name, and its value when literal.
#[derive(Debug, Clone)]
pub struct ResponseHeader {
    pub name: String,
    pub name_span: Span,
    pub value: Option<String>,
    pub value_span: Span,
}

impl GatewayResponses {
    fn read(node: &Node) -> Option<GatewayResponses> {
        let responses = node
            .as_map()?
            .iter()
            .map(|entry| GatewayResponse {
                name: entry.key.text.clone(),
                span: entry.value.span,
                headers: entry
                    .value
                    .get("ResponseParameters")
                    .and_then(|p| p.get("Headers"))
                    .and_then(Node::as_map)
                    .unwrap_or(&[])
                    .iter()
                    .map(|h| ResponseHeader {
                        name: h.key.text.clone(),
                        name_span: h.key.span,
                        value: h.value.as_str().map(str::to_string),
                        value_span: h.value.span,
                    })
                    .collect(),
            })
            .collect();
        Some(GatewayResponses {
            span: node.span,
            responses,
        })
    }

    /// The response named `name`.
    pub fn get(&self, name: &str) -> Option<&GatewayResponse> {
        self.responses.iter().find(|r| r.name == name)
    }
}

impl GatewayResponse {
    /// The header named `name`, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&ResponseHeader> {
        self.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
    }
}

/// The `Cors` of every function URL that has one (same shape as an HTTP API's `CorsConfiguration`;
/// Lambda, not SAM, reads it). `api` is the URL's logical id.
pub fn function_urls(deployment: &Deployment, urls: &[FunctionUrl]) -> Vec<ApiCors> {
    urls.iter()
        .filter_map(|url| {
            let template = deployment.template(url.stack)?;
            let cors = match template.resource(&url.logical_id) {
                Some(resource) => resource.property("Cors").cloned(),
                None => {
                    let function = template.resource(url.function.as_deref()?)?;
                    globals::merged_properties(template, function)?
                        .get("FunctionUrlConfig")?
                        .get("Cors")
                        .cloned()
                }
            }?;
            let mut out = http_cors(&cors)?;
            out.stack = url.stack;
            out.api = url.logical_id.clone();
            out.kind = ApiKind::Http;
            out.sam = false;
            out.has_iam_routes = url.auth == UrlAuth::AwsIam;
            Some(out)
        })
        .collect()
}

/// The CORS configuration of every API of the deployment that has one.
pub fn apis(deployment: &Deployment, routes: &[Route]) -> Vec<ApiCors> {
    let mut out = Vec::new();
    let apis: HashSet<(StackId, &str)> = routes.iter().map(|r| (r.stack, r.api.as_str())).collect();
    let iam_apis: HashSet<(StackId, &str)> = routes
        .iter()
        .filter(|r| r.authorization == Authorization::AwsIam)
        .map(|r| (r.stack, r.api.as_str()))
        .collect();
    for (stack, template) in deployment.templates.iter().enumerate() {
        let iam_api = |api: &str| iam_apis.contains(&(stack, api));
        let mut sam_apis: Vec<(String, ApiKind, Option<Node>)> = template
            .resources
            .iter()
            .filter_map(|resource| {
                // SAM APIs take their `Globals`; a plain ApiGatewayV2 API has only its own properties.
                let (kind, properties) = match ApiKind::of_serverless(resource.type_name()) {
                    Some(kind) => (kind, globals::merged_properties(template, resource)),
                    None if resource.type_name() == "AWS::ApiGatewayV2::Api" => {
                        (ApiKind::Http, resource.properties().cloned())
                    }
                    None => return None,
                };
                Some((resource.logical_id.clone(), kind, properties))
            })
            .collect();
        for (implicit, kind, resource_type) in [
            (
                crate::model::sam::IMPLICIT_REST_API,
                ApiKind::Rest,
                "AWS::Serverless::Api",
            ),
            (
                crate::model::sam::IMPLICIT_HTTP_API,
                ApiKind::Http,
                "AWS::Serverless::HttpApi",
            ),
        ] {
            if apis.contains(&(stack, implicit)) {
                sam_apis.push((
                    implicit.to_string(),
                    kind,
                    globals::implicit_properties(template, resource_type),
                ));
            }
        }
        out.extend(options_methods(template, stack, &iam_apis));
        for (api, kind, properties) in sam_apis {
            let Some(properties) = properties else {
                continue;
            };
            let cors = match kind {
                ApiKind::Rest => properties
                    .get("Cors")
                    .and_then(|c| rest_cors(c, &properties)),
                ApiKind::Http => properties.get("CorsConfiguration").and_then(http_cors),
            };
            if let Some(mut cors) = cors {
                cors.stack = stack;
                cors.has_iam_routes = iam_api(&api);
                cors.api = api;
                cors.kind = kind;
                out.push(cors);
            }
        }
    }
    out
}

fn empty(span: Span) -> ApiCors {
    ApiCors {
        stack: 0,
        api: String::new(),
        kind: ApiKind::Rest,
        span,
        origins: None,
        credentials: None,
        headers: None,
        methods: None,
        iam_default: None,
        iam_on_preflight: false,
        has_iam_routes: false,
        gateway_responses: None,
        sam: true,
    }
}

/// Hand-written `AWS::ApiGateway::Method` OPTIONS methods: the `Access-Control-*` headers their mock
/// integration answers with, and their own authorization.
fn options_methods(
    template: &crate::template::Template,
    stack: StackId,
    iam_apis: &HashSet<(StackId, &str)>,
) -> Vec<ApiCors> {
    let mut out = Vec::new();
    for method in template
        .resources
        .iter()
        .filter(|m| m.type_name() == "AWS::ApiGateway::Method")
    {
        if !method
            .property("HttpMethod")
            .and_then(Node::as_str)
            .is_some_and(|m| m.eq_ignore_ascii_case("OPTIONS"))
        {
            continue;
        }
        let Some(api) = method
            .property("RestApiId")
            .and_then(|n| n.get("Ref"))
            .and_then(Node::as_str)
        else {
            continue;
        };
        let responses = method
            .property("Integration")
            .and_then(|i| i.get("IntegrationResponses"))
            .and_then(Node::as_seq);
        let header = |name: &str| {
            let key = format!("method.response.header.{name}");
            responses
                .unwrap_or(&[])
                .iter()
                .find_map(|r| r.get("ResponseParameters")?.get(&key))
        };
        let Some(origin) = header("Access-Control-Allow-Origin") else {
            continue;
        };
        let mut cors = empty(method.span);
        cors.sam = false;
        cors.stack = stack;
        cors.api = api.to_string();
        cors.origins = Some(Setting {
            value: origin.as_str().map(str::to_string).into_iter().collect(),
            span: origin.span,
        });
        cors.credentials = header("Access-Control-Allow-Credentials").map(|c| Setting {
            value: if c.as_str() == Some("'true'") {
                Credentials::Bool(true)
            } else {
                Credentials::Other
            },
            span: c.span,
        });
        cors.headers = header("Access-Control-Allow-Headers").and_then(expression_list);
        cors.methods = header("Access-Control-Allow-Methods").and_then(expression_list);
        if let Some(auth) = method
            .property("AuthorizationType")
            .filter(|a| a.as_str() == Some("AWS_IAM"))
        {
            cors.iam_default = Some(auth.span);
            cors.iam_on_preflight = true;
        }
        cors.has_iam_routes = iam_apis.contains(&(stack, api));
        out.push(cors);
    }
    out
}

/// REST `Cors`: a string is `AllowOrigin` alone; `""`, `false` and null mean no CORS.
fn rest_cors(cors: &Node, properties: &Node) -> Option<ApiCors> {
    if cors.is_null() || cors.as_bool() == Some(false) || cors.as_str() == Some("") {
        return None;
    }
    let mut out = empty(cors.span);
    if cors.as_intrinsic().is_some() {
        return Some(out);
    }
    if cors.as_scalar().is_some() {
        out.origins = Some(Setting {
            value: cors.as_str().map(str::to_string).into_iter().collect(),
            span: cors.span,
        });
    } else {
        out.origins = cors.get("AllowOrigin").map(|o| Setting {
            value: o
                .as_str()
                .filter(|_| o.as_intrinsic().is_none())
                .map(str::to_string)
                .into_iter()
                .collect(),
            span: o.span,
        });
        out.credentials = cors.get("AllowCredentials").map(credentials);
        out.headers = cors.get("AllowHeaders").and_then(expression_list);
        out.methods = cors.get("AllowMethods").and_then(expression_list);
    }
    out.gateway_responses = properties
        .get("GatewayResponses")
        .and_then(GatewayResponses::read);
    let auth = properties.get("Auth");
    if let Some(default) = auth
        .and_then(|a| a.get("DefaultAuthorizer"))
        .filter(|d| d.as_str() == Some("AWS_IAM"))
    {
        out.iam_default = Some(default.span);
        out.iam_on_preflight = auth
            .and_then(|a| a.get("AddDefaultAuthorizerToCorsPreflight"))
            .and_then(Node::as_bool)
            != Some(false);
    }
    Some(out)
}

/// HttpApi / ApiGatewayV2 `CorsConfiguration`: `true` allows every origin.
fn http_cors(cors: &Node) -> Option<ApiCors> {
    if cors.as_bool() == Some(false) || cors.is_null() {
        return None;
    }
    let mut out = empty(cors.span);
    if cors.as_bool() == Some(true) {
        out.origins = Some(Setting {
            value: vec!["*".to_string()],
            span: cors.span,
        });
        return Some(out);
    }
    if cors.as_intrinsic().is_some() || !cors.is_map() {
        return Some(out);
    }
    out.origins = cors.get("AllowOrigins").map(|o| Setting {
        value: literal_list(o),
        span: o.span,
    });
    out.credentials = cors.get("AllowCredentials").map(credentials);
    out.headers = cors.get("AllowHeaders").map(|h| Setting {
        value: literal_list(h),
        span: h.span,
    });
    out.methods = cors.get("AllowMethods").map(|m| Setting {
        value: literal_list(m),
        span: m.span,
    });
    Some(out)
}

fn credentials(node: &Node) -> Setting<Credentials> {
    let value = match (node.as_bool(), node.as_scalar()) {
        (Some(b), _) => Credentials::Bool(b),
        (None, Some(s)) if s.is_quoted() => Credentials::Text(s.value.clone()),
        _ => Credentials::Other,
    };
    Setting {
        value,
        span: node.span,
    }
}

/// `"'Content-Type,Authorization'"` → `["Content-Type", "Authorization"]`; intrinsics are unknown.
fn expression_list(node: &Node) -> Option<Setting<Vec<String>>> {
    let text = node.as_str().filter(|_| node.as_intrinsic().is_none())?;
    let inner = text.trim().trim_start_matches('\'').trim_end_matches('\'');
    Some(Setting {
        value: inner
            .split(',')
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect(),
        span: node.span,
    })
}

fn literal_list(node: &Node) -> Vec<String> {
    match node.as_seq() {
        Some(items) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect(),
        None => node.as_str().map(str::to_string).into_iter().collect(),
    }
}

impl ApiCors {
    /// Credentials are allowed (a real boolean `true`).
    pub fn allows_credentials(&self) -> bool {
        matches!(
            self.credentials,
            Some(Setting {
                value: Credentials::Bool(true),
                ..
            })
        )
    }

    /// The origin setting is a wildcard (`'*'`, or unquoted `*`), or missing.
    pub fn wildcard_origin(&self) -> Option<WildcardOrigin> {
        let Some(origins) = &self.origins else {
            return Some(WildcardOrigin::Unset);
        };
        match self.kind {
            ApiKind::Rest => match origins.value.first().map(String::as_str) {
                Some("'*'") => Some(WildcardOrigin::Quoted),
                Some("*") => Some(WildcardOrigin::Unquoted),
                _ => None,
            },
            ApiKind::Http => {
                origins
                    .value
                    .iter()
                    .any(|o| o == "*")
                    .then_some(if origins.value.len() == 1 {
                        WildcardOrigin::Quoted
                    } else {
                        WildcardOrigin::Unquoted
                    })
            }
        }
    }
}

/// How an origin is a wildcard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WildcardOrigin {
    /// Not set: SAM's default is `'*'`.
    Unset,
    /// REST `'*'` (SAM refuses it with credentials), or HTTP exactly `["*"]` (SAM refuses it too).
    Quoted,
    /// REST unquoted `*` or HTTP `*` among others: SAM accepts it, browsers refuse.
    Unquoted,
}
