//! IAM003 `grant-matches-no-route`: an `execute-api:Invoke` grant names an API of the deployment but
//! matches none of its routes. See rules/IAM003-grant-matches-no-route.md.

use super::{Rule, RuleContext, RuleInput, RuleMeta};
use crate::access::{EXECUTE_API_INVOKE, execute_api_targets};
use crate::iam::pattern::{Coverage, Pattern, action_matches};
use crate::iam::policy::{ActionSet, Effect, ResourceSet};
use crate::resolve::{Symbol, Value};
use crate::route::Route;
use crate::source::Location;

declare_rule!(
    GrantMatchesNoRoute,
    "IAM003",
    "grant-matches-no-route",
    Warning
);

impl Rule for GrantMatchesNoRoute {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, input: &RuleInput<'_>, cx: &mut RuleContext) {
        let deployment = input.deployment;
        let access = input.access;
        for (index, principal) in access.principals.iter().enumerate() {
            for (document, origin) in access.documents(index) {
                let Some(file) = origin.location.map(|l| l.file) else {
                    continue;
                };
                for statement in &document.statements {
                    let ActionSet::Action(actions) = &statement.actions else {
                        continue;
                    };
                    if statement.effect != Effect::Allow
                        || !actions
                            .iter()
                            .any(|a| action_matches(a, EXECUTE_API_INVOKE))
                    {
                        continue;
                    }
                    let ResourceSet::Resource(values) = &statement.resources else {
                        continue;
                    };
                    for resource in values.iter().filter_map(Value::as_str) {
                        // The API the grant names: the id symbol of one of the deployment's APIs.
                        let Some(api) =
                            resource.symbols().find_map(|s| api_routes(input.routes, s))
                        else {
                            continue;
                        };
                        let pattern = Pattern::new(resource, false);
                        let matches_any = api.iter().any(|route| {
                            execute_api_targets(deployment, route)
                                .iter()
                                .any(|t| pattern.coverage(t) != Coverage::None)
                        });
                        if matches_any {
                            continue;
                        }
                        let Some(first) = api.first() else { continue };
                        let examples: Vec<String> =
                            api.iter().take(3).map(|r| describe(r)).collect();
                        cx.report(
                            Location { file, span: statement.resource_span },
                            format!(
                                "`{}` is granted execute-api:Invoke on `{resource}`, which matches no route of {}: its calls get HTTP 403",
                                principal.logical_id, first.api
                            ),
                        )
                        .resource(Some(&principal.logical_id))
                        .help(format!("the API's routes are {}; name one of them (stage, method and path as deployed)", examples.join(", ")));
                    }
                }
            }
        }
    }
}

/// The routes of the API whose id `symbol` is.
fn api_routes<'r>(routes: &'r [Route], symbol: &Symbol) -> Option<Vec<&'r Route>> {
    let Symbol::PhysicalId { .. } = symbol else {
        return None;
    };
    let id = Value::symbol(symbol.clone());
    let found: Vec<&Route> = routes.iter().filter(|r| r.api_id == id).collect();
    (!found.is_empty()).then_some(found)
}

/// `GET /orders on stages prod, Stage`.
fn describe(route: &Route) -> String {
    let stages: Vec<String> = route.stages.iter().map(ToString::to_string).collect();
    format!(
        "{} {} on stage{} {}",
        route.method,
        route.path,
        if stages.len() == 1 { "" } else { "s" },
        stages.join(", ")
    )
}
