//! `iamlint routes`: every API route with its authorization, what its integration calls (a Lambda,
//! an AWS service, an HTTP endpoint, a mock) and with whose credentials, and who may call it; as a
//! table or as JSON (schema `iamlint-routes/1`).

use serde::Serialize;

use crate::model::Model;
use crate::model::route::{
    Integration, Invocation, Route, ServiceOperation, ServiceRequest, ServiceResource,
};
use crate::source::SourceMap;
use crate::value::Value;

pub const SCHEMA: &str = "iamlint-routes/1";

#[derive(Serialize)]
struct Report {
    schema: &'static str,
    routes: Vec<JsonRoute>,
    /// Lambda function URLs (`kind: url`).
    urls: Vec<JsonUrl>,
}

/// One Lambda function URL.
#[derive(Serialize)]
struct JsonUrl {
    kind: &'static str,
    file: String,
    /// The `AWS::Lambda::Url` (`<Fn>Url` for SAM's).
    url: String,
    /// `AWS_IAM`, `NONE`, or `?` when not literal.
    authorization: &'static str,
    function: Option<String>,
    qualifier: Option<String>,
    callers: Vec<JsonUrlCaller>,
}

/// A principal that may call an `AWS_IAM` URL, with both authorizations.
#[derive(Serialize)]
struct JsonUrlCaller {
    principal: String,
    /// `lambda:InvokeFunctionUrl` is surely allowed (else only possibly).
    definite: bool,
    file: String,
    invoke_function_url: &'static str,
    lambda_invoke: &'static str,
}

fn json_urls(model: &Model, sources: &SourceMap) -> Vec<JsonUrl> {
    model
        .function_urls
        .iter()
        .map(|url| JsonUrl {
            kind: "url",
            file: file_of(model, sources, url.stack),
            url: url.logical_id.clone(),
            authorization: url.auth.as_str(),
            function: url.function.clone(),
            qualifier: url.qualifier.clone(),
            callers: url
                .callers
                .iter()
                .filter_map(|c| {
                    let principal = model.access.principals.get(c.principal)?;
                    Some(JsonUrlCaller {
                        principal: principal.logical_id.clone(),
                        definite: c.invoke_url.is_allowed(),
                        file: file_of(model, sources, principal.stack),
                        invoke_function_url: c.invoke_url.as_str(),
                        lambda_invoke: c.invoke_function.as_str(),
                    })
                })
                .collect(),
        })
        .collect()
}

/// The function URLs as a table, callers indented below their URL.
fn urls_table(model: &Model, sources: &SourceMap) -> String {
    let urls = json_urls(model, sources);
    if urls.is_empty() {
        return String::new();
    }
    let rows: Vec<[String; 4]> = urls
        .iter()
        .map(|u| {
            [
                u.url.clone(),
                u.authorization.to_string(),
                match (&u.function, &u.qualifier) {
                    (Some(f), Some(q)) => format!("{f}:{q}"),
                    (Some(f), None) => f.clone(),
                    _ => "-".to_string(),
                },
                u.file.clone(),
            ]
        })
        .collect();
    let header = ["FUNCTION URL", "AUTH", "TARGET", "FILE"];
    let columns = Columns::new(&header, &rows);
    let line = |cells: &[String]| columns.line(cells);
    let mut out = line(&header.map(str::to_string));
    out.push('\n');
    for (url, row) in urls.iter().zip(&rows) {
        out.push_str(&line(row));
        out.push('\n');
        for caller in &url.callers {
            out.push_str(&format!(
                "    {} {} ({}): invoke url {} · lambda invoke {}\n",
                if caller.definite {
                    "caller"
                } else {
                    "possible caller"
                },
                caller.principal,
                caller.file,
                mark(caller.invoke_function_url),
                mark(caller.lambda_invoke)
            ));
        }
    }
    out
}

#[derive(Serialize)]
struct JsonRoute {
    file: String,
    /// The included document the route is defined in (`AWS::Include`, `DefinitionUri`), when not `file`.
    #[serde(skip_serializing_if = "Option::is_none")]
    defined_in: Option<String>,
    api: String,
    api_kind: &'static str,
    stages: Vec<String>,
    method: String,
    path: String,
    authorization: &'static str,
    caller_credentials: bool,
    function: Option<String>,
    qualifier: Option<String>,
    integration: JsonIntegration,
    /// The integration's credentials role, when one of the deployment.
    #[serde(skip_serializing_if = "Option::is_none")]
    credentials_role: Option<JsonRole>,
    callers: Vec<JsonCaller>,
}

/// What a route's integration calls.
#[derive(Serialize)]
struct JsonIntegration {
    /// `lambda`, `aws_service`, `http`, `mock` or `unknown`.
    kind: &'static str,
    /// AWS service: the service (`states`, `sqs`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    service: Option<String>,
    /// AWS service: the action (`StartExecution`), for `action/` URIs and subtypes.
    #[serde(skip_serializing_if = "Option::is_none")]
    action: Option<String>,
    /// AWS service: the `path/` of the URI, as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<String>,
    /// HTTP API subtype (`SQS-SendMessage`).
    #[serde(skip_serializing_if = "Option::is_none")]
    subtype: Option<String>,
    /// The integration's own HTTP method (AWS service integrations).
    #[serde(skip_serializing_if = "Option::is_none")]
    http_method: Option<String>,
    /// The integration URI (AWS service, HTTP).
    #[serde(skip_serializing_if = "Option::is_none")]
    uri: Option<String>,
    /// AWS service: the resource of the deployment it acts on (its logical id), when one.
    #[serde(skip_serializing_if = "Option::is_none")]
    resource: Option<String>,
    /// AWS service: what the call needs from IAM, when iamlint knows the action.
    #[serde(skip_serializing_if = "Option::is_none")]
    permission: Option<JsonPermission>,
    /// AWS service: SAM writes the credentials role (a state-machine event).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    role_by_sam: bool,
    /// HTTP: through a VPC link.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    vpc_link: bool,
    /// `apigateway` (no credentials: API Gateway's own identity), `caller` or `role {ARN}`; none for
    /// a mock or an HTTP endpoint, which are called without AWS credentials.
    credentials: Option<String>,
}

/// The IAM action a service call needs, on what.
#[derive(Serialize)]
struct JsonPermission {
    /// `sqs:SendMessage`.
    action: String,
    /// The resource's ARN as a policy writes it (`!GetAtt Queue.Arn`); none when not known.
    #[serde(skip_serializing_if = "Option::is_none")]
    resource: Option<String>,
    /// Why the resource is not known (the request names it at run time, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_unknown: Option<String>,
}

fn json_permission(request: &ServiceRequest) -> JsonPermission {
    let (resource, resource_unknown) = match &request.resource {
        ServiceResource::Named { written, .. } => (Some(written.clone()), None),
        ServiceResource::Unknown { why, .. } => (None, Some(why.clone())),
    };
    JsonPermission {
        action: request.action.clone(),
        resource,
        resource_unknown,
    }
}

fn json_integration(route: &Route) -> JsonIntegration {
    let mut out = JsonIntegration {
        kind: route.integration.kind(),
        service: None,
        action: None,
        path: None,
        subtype: None,
        http_method: None,
        uri: None,
        resource: None,
        permission: None,
        role_by_sam: false,
        vpc_link: false,
        credentials: match route.integration {
            Integration::Mock | Integration::Http { .. } => None,
            _ => Some(credentials(&route.invocation)),
        },
    };
    match &route.integration {
        Integration::AwsService(service) => {
            out.service = Some(service.service.clone());
            match &service.operation {
                ServiceOperation::Action(action) => out.action = Some(action.clone()),
                ServiceOperation::Path(path) => out.path = Some(path.clone()),
            }
            out.subtype = service.subtype.clone();
            out.http_method = service.http_method.clone();
            out.uri = service.uri.as_ref().map(ToString::to_string);
            if let Some(request) = &service.request {
                if let ServiceResource::Named {
                    logical_id: Some(id),
                    ..
                } = &request.resource
                {
                    out.resource = Some(id.clone());
                }
                out.permission = Some(json_permission(request));
            }
            out.role_by_sam = service.role_by_sam;
        }
        Integration::Http { uri, vpc_link } => {
            out.uri = uri.as_ref().map(ToString::to_string);
            out.vpc_link = *vpc_link;
        }
        Integration::Lambda | Integration::Mock | Integration::Unknown => {}
    }
    out
}

fn credentials(invocation: &Invocation) -> String {
    match invocation {
        Invocation::CallerCredentials => "caller".to_string(),
        Invocation::ServiceIdentity => "apigateway".to_string(),
        Invocation::Role { arn, .. } => format!("role {}", arn.user_text()),
    }
}

/// The TARGET cell: the function (`Fn`, `Fn:live`), the service operation (`states:StartExecution`,
/// `sqs:SendMessage`), the endpoint (`http https://…`, `vpc-link …`) or `mock`.
fn target_cell(route: &Route) -> String {
    match &route.integration {
        Integration::Lambda => match (&route.function, &route.qualifier) {
            (Some(f), Some(a)) => format!("{f}:{a}"),
            (Some(f), None) => f.clone(),
            _ => "lambda (function not found)".to_string(),
        },
        Integration::AwsService(service) => service.describe(),
        Integration::Http { uri, vpc_link } => {
            let uri = uri.as_ref().map_or("-".to_string(), ToString::to_string);
            if *vpc_link {
                format!("vpc-link {uri}")
            } else {
                format!("http {uri}")
            }
        }
        Integration::Mock => "mock".to_string(),
        Integration::Unknown => "-".to_string(),
    }
}

/// One principal's access to a route.
#[derive(Serialize, Clone)]
pub struct JsonCaller {
    pub principal: String,
    /// `execute-api:Invoke` is surely allowed (else only possibly).
    pub definite: bool,
    pub file: String,
    pub execute_api: &'static str,
    pub lambda_invoke: &'static str,
    /// The integration's AWS service call with the caller's credentials (`allowed`, `denied`,
    /// `conditional` or `not_required`).
    pub service_call: &'static str,
}

/// The integration's credentials role, when one of the deployment.
#[derive(Serialize)]
struct JsonRole {
    principal: String,
    file: String,
    /// Its AWS service call: `allowed`, `denied`, `conditional`, or `not_checked` (a role SAM
    /// writes, a call whose action iamlint does not know, a Lambda integration).
    service_call: &'static str,
}

fn json_role(model: &Model, sources: &SourceMap, index: usize) -> Option<JsonRole> {
    let role = model.access.role(index)?;
    let principal = model.access.principals.get(role.principal)?;
    Some(JsonRole {
        principal: principal.logical_id.clone(),
        file: file_of(model, sources, principal.stack),
        service_call: role
            .service_call
            .as_ref()
            .map_or("not_checked", |d| d.as_str()),
    })
}

/// The callers of route `index` as the report shows them.
fn callers(model: &Model, sources: &SourceMap, index: usize) -> Vec<JsonCaller> {
    model
        .access
        .callers(index)
        .iter()
        .filter_map(|caller| {
            let principal = model.access.principals.get(caller.principal)?;
            Some(JsonCaller {
                principal: principal.logical_id.clone(),
                definite: caller.definite,
                file: file_of(model, sources, principal.stack),
                execute_api: caller.execute_api.as_str(),
                lambda_invoke: caller
                    .lambda_invoke
                    .as_ref()
                    .map_or("not_required", |d| d.as_str()),
                service_call: caller
                    .service_call
                    .as_ref()
                    .map_or("not_required", |d| d.as_str()),
            })
        })
        .collect()
}

fn file_of(model: &Model, sources: &SourceMap, stack: usize) -> String {
    model
        .stacks
        .get(stack)
        .and_then(|s| sources.get(s.file))
        .map(|f| f.display_path())
        .unwrap_or_default()
}

/// The JSON report of every route and its callers.
pub fn json(model: &Model, sources: &SourceMap) -> String {
    let report = Report {
        schema: SCHEMA,
        routes: model
            .routes
            .iter()
            .enumerate()
            .map(|(i, route)| JsonRoute {
                file: file_of(model, sources, route.stack),
                defined_in: route
                    .definition_file
                    .and_then(|f| sources.get(f))
                    .map(|f| f.display_path()),
                api: route.api.clone(),
                api_kind: route.api_kind.as_str(),
                stages: route.stages.iter().map(Value::user_text).collect(),
                method: route.method.clone(),
                path: route.path.clone(),
                authorization: route.authorization.as_str(),
                caller_credentials: route.caller_credentials(),
                function: route.function.clone(),
                qualifier: route.qualifier.clone(),
                integration: json_integration(route),
                credentials_role: json_role(model, sources, i),
                callers: callers(model, sources, i),
            })
            .collect(),
        urls: json_urls(model, sources),
    };
    serde_json::to_string_pretty(&report).unwrap_or_default()
}

/// A plain-text table, one route a line, callers indented below their route.
pub fn table(model: &Model, sources: &SourceMap) -> String {
    let routes = &model.routes;
    let header = [
        "API",
        "STAGES",
        "METHOD",
        "PATH",
        "AUTH",
        "CREDENTIALS",
        "TARGET",
    ];
    let rows: Vec<[String; 7]> = routes
        .iter()
        .map(|route| {
            [
                route.api.clone(),
                route
                    .stages
                    .iter()
                    .map(Value::user_text)
                    .collect::<Vec<_>>()
                    .join(","),
                route.method.clone(),
                route.path.clone(),
                route.authorization.as_str().to_string(),
                match route.integration {
                    // A mock or an HTTP endpoint is called with no AWS credentials.
                    Integration::Mock | Integration::Http { .. } => "-".to_string(),
                    _ => credentials(&route.invocation),
                },
                target_cell(route),
            ]
        })
        .collect();
    let columns = Columns::new(&header, &rows);
    let line = |cells: &[String]| columns.line(cells);
    let mut out = String::new();
    let mut current_file = String::new();
    for (i, (route, row)) in routes.iter().zip(&rows).enumerate() {
        let file = file_of(model, sources, route.stack);
        if file != current_file {
            out.push_str(&format!(
                "{}{file}\n",
                if current_file.is_empty() { "" } else { "\n" }
            ));
            out.push_str(&line(&header.map(str::to_string)));
            out.push('\n');
            current_file = file;
        }
        out.push_str(&line(row));
        out.push('\n');
        let service_action = match &route.integration {
            Integration::AwsService(service) => service.request.as_ref().map(|r| &r.action),
            _ => None,
        };
        if let (Some(role), Some(action)) = (json_role(model, sources, i), service_action)
            && role.service_call != "not_checked"
        {
            {
                out.push_str(&format!(
                    "    credentials role {} ({}): {action} {}\n",
                    role.principal,
                    role.file,
                    mark(role.service_call)
                ));
            }
        }
        for caller in callers(model, sources, i) {
            let downstream = match service_action {
                Some(action) if caller.service_call != "not_required" => {
                    format!("{action} {}", mark(caller.service_call))
                }
                _ => format!("lambda invoke {}", mark(caller.lambda_invoke)),
            };
            out.push_str(&format!(
                "    {} {} ({}): execute-api {} · {downstream}\n",
                if caller.definite {
                    "caller"
                } else {
                    "possible caller"
                },
                caller.principal,
                caller.file,
                mark(caller.execute_api),
            ));
        }
    }
    let urls = urls_table(model, sources);
    if routes.is_empty() && urls.is_empty() {
        out.push_str("No API routes found.\n");
    }
    if !urls.is_empty() {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&urls);
    }
    out
}

fn mark(decision: &str) -> &'static str {
    match decision {
        "allowed" => "✓",
        "denied" => "✗",
        "not_required" => "(not required)",
        _ => "?",
    }
}

/// Column widths of a plain-text table: each column as wide as its widest cell or header.
struct Columns {
    widths: Vec<usize>,
}

impl Columns {
    fn new<const N: usize>(header: &[&str; N], rows: &[[String; N]]) -> Columns {
        let widths = (0..N)
            .map(|c| {
                rows.iter()
                    .filter_map(|r| r.get(c))
                    .map(|cell| cell.chars().count())
                    .chain(header.get(c).map(|h| h.len()))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        Columns { widths }
    }

    /// One line: cells padded to their column, two spaces apart, no trailing blanks.
    fn line(&self, cells: &[String]) -> String {
        cells
            .iter()
            .zip(&self.widths)
            // Padded by hand: a `{:<width$}` past 65,535 (a 70 KB path) panics in `format!`.
            .map(|(cell, width)| {
                let pad = width.saturating_sub(cell.chars().count());
                format!("{cell}{}", " ".repeat(pad))
            })
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    }
}
