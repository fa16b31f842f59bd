//! IAM010 `stage-not-covered`: callers granted only the main stage of a REST API that SAM also serves
//! on its extra stage `Stage`, and `ANY` routes granted for some methods only. See
//! rules/IAM010-stage-not-covered.md.

use super::{Rule, RuleContext, RuleInput, RuleMeta};
use crate::access::{EXECUTE_API_INVOKE, execute_api_targets};
use crate::finding::Severity;
use crate::iam::eval::Decision;
use crate::resolve::Value;
use crate::route::{ApiKind, Authorization, HTTP_VERBS, Route};

declare_rule!(StageNotCovered, "IAM010", "stage-not-covered", Warning);

impl Rule for StageNotCovered {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, input: &RuleInput<'_>, cx: &mut RuleContext) {
        let mut reported_apis: Vec<(usize, String)> = Vec::new();
        for route in input
            .routes
            .iter()
            .filter(|r| r.authorization == Authorization::AwsIam)
        {
            extra_stage(input, route, &mut reported_apis, cx);
            any_method(input, route, cx);
        }
    }
}

/// One note per API: its callers may call the main stage but not SAM's extra stage `Stage`.
fn extra_stage(
    input: &RuleInput<'_>,
    route: &Route,
    reported: &mut Vec<(usize, String)>,
    cx: &mut RuleContext,
) {
    let deployment = input.deployment;
    let extra = Value::literal("Stage");
    if route.api_kind != ApiKind::Rest
        || route.stages.len() < 2
        || route.stages.last() != Some(&extra)
    {
        return;
    }
    let key = (route.stack, route.api.clone());
    if reported.contains(&key) {
        return;
    }
    let targets = execute_api_targets(deployment, route);
    let (Some(main), Some(stage)) = (targets.first(), targets.last()) else {
        return;
    };
    let only_main: Vec<String> = input
        .access
        .callers(route)
        .iter()
        .filter(|c| {
            input
                .access
                .decide(c.principal, EXECUTE_API_INVOKE, main)
                .is_allowed()
        })
        .filter(|c| {
            input
                .access
                .decide(c.principal, EXECUTE_API_INVOKE, stage)
                .is_denied()
        })
        .filter_map(|c| {
            input
                .access
                .principals
                .get(c.principal)
                .map(|p| format!("`{}`", p.logical_id))
        })
        .collect();
    if only_main.is_empty() {
        return;
    }
    let api_span = deployment
        .template(route.stack)
        .and_then(|t| t.resource(&route.api))
        .map_or(route.span, |a| a.span);
    let Some(location) = deployment.location(route.stack, api_span) else {
        return;
    };
    reported.push(key);
    let main_stage = route
        .stages
        .first()
        .map(ToString::to_string)
        .unwrap_or_default();
    cx.report(
        location,
        format!(
            "{} also serves SAM's extra stage `Stage` (no OpenApiVersion), which {} may not call: requests to /Stage get HTTP 403 while /{main_stage} works",
            route.api,
            only_main.join(", ")
        ),
    )
    .severity(Severity::Note)
    .resource(Some(&route.api))
    .help("set `OpenApiVersion: '3.0.1'` on the API (or in Globals.Api) so SAM creates only the stage you name; or grant `*` in the stage position");
}

/// An `ANY` route whose callers are granted some methods only.
fn any_method(input: &RuleInput<'_>, route: &Route, cx: &mut RuleContext) {
    if route.method != "ANY" {
        return;
    }
    let deployment = input.deployment;
    for caller in input.access.callers(route) {
        if matches!(caller.execute_api, Decision::Allowed { .. }) {
            continue;
        }
        let mut allowed = Vec::new();
        let mut denied = Vec::new();
        for verb in HTTP_VERBS {
            let concrete = Route {
                method: verb.to_string(),
                ..route.clone()
            };
            let Some(target) = execute_api_targets(deployment, &concrete)
                .into_iter()
                .next()
            else {
                continue;
            };
            match input
                .access
                .decide(caller.principal, EXECUTE_API_INVOKE, &target)
            {
                Decision::Allowed { .. } => allowed.push(verb),
                Decision::Denied { .. } => denied.push(verb),
                Decision::Conditional { .. } => {}
            }
        }
        if allowed.is_empty() || denied.is_empty() {
            continue;
        }
        let Some(principal) = input.access.principals.get(caller.principal) else {
            continue;
        };
        let Some(location) = deployment.location(route.stack, route.span) else {
            continue;
        };
        cx.report(
            location,
            format!(
                "ANY {} on {} accepts every method, but `{}` may call it only with {}: {} requests get HTTP 403",
                route.path,
                route.api,
                principal.logical_id,
                allowed.join(", "),
                denied.join(", ")
            ),
        )
        .resource(Some(&principal.logical_id))
        .help("grant `*` in the method position of the execute-api ARN (`.../stage/*/path`), or give the route the one method it serves");
    }
}
