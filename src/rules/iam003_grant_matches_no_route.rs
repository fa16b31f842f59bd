//! IAM003 `grant-matches-no-route`: an `execute-api:Invoke` grant names an API of the deployment but
//! matches none of its routes. See rules/IAM003-grant-matches-no-route.md.

use super::{Rule, RuleContext, RuleInput, RuleMeta};
use crate::iam::pattern::{Coverage, Pattern, action_matches};
use crate::iam::policy::{ActionSet, Effect, ResourceSet};
use crate::model::access::EXECUTE_API_INVOKE;
use std::collections::HashMap;

use crate::model::route::Route;
use crate::source::Location;
use crate::value::{Part, Symbol, Value};

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
        let model = input.model;
        let access = &model.access;
        let apis = ApiRoutes::new(&model.routes);
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
                        let Some(api) = resource.symbols().find_map(|s| apis.of(s)) else {
                            continue;
                        };
                        let pattern = Pattern::new(resource, false);
                        let matches_any = api.iter().any(|route| {
                            route
                                .execute_api
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

/// The deployment's routes by the id symbol of their API.
struct ApiRoutes<'r> {
    by_id: HashMap<&'r Symbol, Vec<&'r Route>>,
}

impl<'r> ApiRoutes<'r> {
    fn new(routes: &'r [Route]) -> ApiRoutes<'r> {
        let mut by_id: HashMap<&Symbol, Vec<&Route>> = HashMap::new();
        for route in routes {
            if let Some(id) = route.api_id.as_str().and_then(|s| match s.parts() {
                [Part::Symbol(symbol @ Symbol::PhysicalId { .. })] => Some(symbol),
                _ => None,
            }) {
                by_id.entry(id).or_default().push(route);
            }
        }
        ApiRoutes { by_id }
    }

    /// The routes of the API whose id `symbol` is.
    fn of(&self, symbol: &Symbol) -> Option<&Vec<&'r Route>> {
        self.by_id.get(symbol)
    }
}

/// `GET /orders on stages prod, Stage`.
fn describe(route: &Route) -> String {
    let stages: Vec<String> = route
        .stages
        .iter()
        .map(crate::value::Value::user_text)
        .collect();
    format!(
        "{} {} on stage{} {}",
        route.method,
        route.path,
        if stages.len() == 1 { "" } else { "s" },
        stages.join(", ")
    )
}
