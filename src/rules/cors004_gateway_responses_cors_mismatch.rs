//! CORS004 `gateway-responses-cors-mismatch`: the error responses API Gateway itself sends (403 from
//! IAM, 5XX) lack CORS headers or contradict `Cors`. See rules/CORS004-gateway-responses-cors-mismatch.md.

use super::{Rule, RuleContext, RuleInput, RuleMeta};
use crate::model::cors::{ApiCors, GatewayResponses};
use crate::model::route::ApiKind;
use crate::source::Span;

declare_rule!(
    GatewayResponsesCorsMismatch,
    "CORS004",
    "gateway-responses-cors-mismatch",
    Warning
);

/// The gateway responses a rejected IAM call or a broken integration comes back with.
const ERROR_RESPONSES: [&str; 2] = ["DEFAULT_4XX", "DEFAULT_5XX"];

impl Rule for GatewayResponsesCorsMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, input: &RuleInput<'_>, cx: &mut RuleContext) {
        for cors in input
            .model
            .cors
            .iter()
            .filter(|c| c.sam && c.kind == ApiKind::Rest && c.has_iam_routes)
        {
            let location = |span: Span| input.model.location(cors.stack, span);
            let Some(responses) = &cors.gateway_responses else {
                let Some(at) = location(cors.span) else {
                    continue;
                };
                cx.report(at, format!("{} allows CORS but its GatewayResponses add no CORS headers: an IAM 403 (or a 500) reaches the browser without `Access-Control-Allow-Origin`, which then reports a CORS error instead of the real status", cors.api))
                    .resource(Some(&cors.api))
                    .help(help(cors, None));
                continue;
            };
            for name in ERROR_RESPONSES {
                check_response(cors, responses, name, input, cx);
            }
        }
    }
}

fn check_response(
    cors: &ApiCors,
    responses: &GatewayResponses,
    name: &str,
    input: &RuleInput<'_>,
    cx: &mut RuleContext,
) {
    let location = |span: Span| input.model.location(cors.stack, span);
    let Some(response) = responses.get(name) else {
        if let Some(at) = location(responses.span) {
            cx.report(at, format!("{}'s GatewayResponses have no {name}: its errors reach the browser without CORS headers, which then reports a CORS error instead of the real status", cors.api))
                .resource(Some(&cors.api))
                .help(help(cors, Some(name)));
        }
        return;
    };
    let Some(origin) = response.header("Access-Control-Allow-Origin") else {
        if let Some(at) = location(response.span) {
            cx.report(at, format!("{name} of {} sends no `Access-Control-Allow-Origin`: the browser reports a CORS error instead of the real status", cors.api))
                .resource(Some(&cors.api))
                .help(help(cors, Some(name)));
        }
        return;
    };
    if !cors.allows_credentials() {
        return;
    }
    if origin.value.as_deref() == Some("'*'") {
        if let Some(at) = location(origin.value_span) {
            cx.report(at, format!("{name} of {} answers `Access-Control-Allow-Origin: *` while `Cors` allows credentials: browsers drop the credentialed error response and report a CORS error instead of the real status", cors.api))
                .resource(Some(&cors.api))
                .help(help(cors, Some(name)));
        }
    } else if response
        .header("Access-Control-Allow-Credentials")
        .is_none()
        && let Some(at) = location(origin.name_span)
    {
        cx.report(at, format!("{name} of {} sends no `Access-Control-Allow-Credentials` while `Cors` allows credentials: browsers drop the error response", cors.api))
            .resource(Some(&cors.api))
            .help(help(cors, Some(name)));
    }
}

/// The gateway-response headers that agree with the API's `Cors`, for `response` (or both defaults).
fn help(cors: &ApiCors, response: Option<&str>) -> String {
    let origin = cors
        .origins
        .as_ref()
        .and_then(|o| o.value.first())
        .filter(|o| o.as_str() != "'*'" && o.as_str() != "*")
        .cloned()
        .unwrap_or_else(|| "'https://admin.example.com'".to_string());
    let names: Vec<&str> = match response {
        Some(name) => vec![name],
        None => ERROR_RESPONSES.to_vec(),
    };
    let mut yaml = String::from("GatewayResponses:");
    for name in names {
        yaml.push_str(&format!(
            "\n  {name}:\n    ResponseParameters:\n      Headers:\n        Access-Control-Allow-Origin: \"{origin}\""
        ));
        if cors.allows_credentials() {
            yaml.push_str("\n        Access-Control-Allow-Credentials: \"'true'\"");
        }
    }
    format!("send the same CORS headers as `Cors` on API Gateway's own error responses:\n{yaml}")
}
