//! IAM010 `stage-not-covered`: callers granted only the main stage of a REST API that SAM also serves
//! on its extra stage `Stage`, and `ANY` routes granted for some methods only. See
//! rules/IAM010-stage-not-covered.md.

use super::{Rule, RuleContext, RuleInput, RuleMeta};
use crate::iam::eval::Decision;
use crate::model::Model;
use crate::model::access::EXECUTE_API_INVOKE;
use crate::model::route::{ApiKind, Authorization, HTTP_VERBS, Route};
use crate::value::Value;

declare_rule!(StageNotCovered, "IAM010", "stage-not-covered", Warning);

impl Rule for StageNotCovered {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, input: &RuleInput<'_>, cx: &mut RuleContext) {
        let model = input.model;
        let mut reported_apis: Vec<(usize, String)> = Vec::new();
        for (index, route) in model.routes.iter().enumerate() {
            if route.authorization != Authorization::AwsIam {
                continue;
            }
            extra_stage(model, index, route, &mut reported_apis, cx);
            any_method(model, index, route, cx);
        }
    }
}

/// One note per API: its callers may call the main stage but not SAM's extra stage `Stage`. Whether
/// any client calls `/Stage` cannot be known from the templates: the note is undecided.
fn extra_stage(
    model: &Model,
    index: usize,
    route: &Route,
    reported: &mut Vec<(usize, String)>,
    cx: &mut RuleContext,
) {
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
    let only_main: Vec<String> = model
        .access
        .callers(index)
        .iter()
        .filter(|c| c.stages.first().is_some_and(Decision::is_allowed))
        .filter(|c| c.stages.last().is_some_and(Decision::is_denied))
        .filter_map(|c| {
            model
                .access
                .principals
                .get(c.principal)
                .map(|p| format!("`{}`", p.logical_id))
        })
        .collect();
    if only_main.is_empty() {
        return;
    }
    let Some(location) = model.location(route.stack, route.api_span) else {
        return;
    };
    reported.push(key);
    let main_stage = route
        .stages
        .first()
        .map(crate::value::Value::user_text)
        .unwrap_or_default();
    cx.report(
        location,
        format!(
            "{} also serves SAM's extra stage `Stage` (no OpenApiVersion), which {} may not call: requests to /Stage get HTTP 403 while /{main_stage} works",
            route.api,
            only_main.join(", ")
        ),
    )
    .undecided()
    .resource(Some(&route.api))
    .help("set `OpenApiVersion: '3.0.1'` on the API (or in Globals.Api) so SAM creates only the stage you name; or grant `*` in the stage position");
}

/// An `ANY` route whose callers are granted some methods only.
fn any_method(model: &Model, index: usize, route: &Route, cx: &mut RuleContext) {
    if route.method != "ANY" {
        return;
    }
    for caller in model.access.callers(index) {
        if matches!(caller.execute_api, Decision::Allowed { .. }) {
            continue;
        }
        let mut allowed = Vec::new();
        let mut denied = Vec::new();
        for (verb, target) in HTTP_VERBS.iter().zip(&route.verbs) {
            match model
                .access
                .decide(caller.principal, EXECUTE_API_INVOKE, target)
            {
                Decision::Allowed { .. } => allowed.push(*verb),
                Decision::Denied { .. } => denied.push(*verb),
                Decision::Conditional { .. } => {}
            }
        }
        if allowed.is_empty() || denied.is_empty() {
            continue;
        }
        let Some(principal) = model.access.principals.get(caller.principal) else {
            continue;
        };
        let Some(location) = model.route_location(route) else {
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
