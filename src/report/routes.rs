//! `iamlint routes`: every API route with its authorization, how API Gateway invokes the Lambda, and
//! who may call it; as a table or as JSON (schema `iamlint-routes/1`).

use serde::Serialize;

use crate::model::Model;
use crate::model::route::Invocation;
use crate::source::SourceMap;
use crate::value::Value;

pub const SCHEMA: &str = "iamlint-routes/1";

#[derive(Serialize)]
struct Report {
    schema: &'static str,
    routes: Vec<JsonRoute>,
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
    callers: Vec<JsonCaller>,
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
                callers: callers(model, sources, i),
            })
            .collect(),
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
        "INVOKES LAMBDA AS",
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
                match &route.invocation {
                    Invocation::CallerCredentials => "caller".to_string(),
                    Invocation::ServiceIdentity => "apigateway".to_string(),
                    Invocation::Role { arn, .. } => format!("role {}", arn.user_text()),
                },
                match (&route.function, &route.qualifier) {
                    (Some(f), Some(a)) => format!("{f}:{a}"),
                    (Some(f), None) => f.clone(),
                    _ => "-".to_string(),
                },
            ]
        })
        .collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            rows.iter()
                .map(|r| r[c].chars().count())
                .chain([header[c].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| {
        cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
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
        for caller in callers(model, sources, i) {
            out.push_str(&format!(
                "    {} {} ({}): execute-api {} · lambda invoke {}\n",
                if caller.definite {
                    "caller"
                } else {
                    "possible caller"
                },
                caller.principal,
                caller.file,
                mark(caller.execute_api),
                mark(caller.lambda_invoke)
            ));
        }
    }
    if routes.is_empty() {
        out.push_str("No API routes found.\n");
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
