//! IAM008 `overbroad-invoke-grant`: a caller of an IAM route may invoke every API or every function
//! of the account. See rules/IAM008-overbroad-invoke-grant.md.

use std::collections::HashSet;

use super::{Rule, RuleContext, RuleInput, RuleMeta};
use crate::iam::eval::{Decision, StatementRef};
use crate::iam::pattern::{Coverage, Pattern, Target, TargetPart};
use crate::iam::policy::{ActionSet, Effect, ResourceSet, Statement};
use crate::model::access::{EXECUTE_API_INVOKE, LAMBDA_INVOKE};
use crate::model::route::Authorization;
use crate::source::Location;
use crate::value::{Part, SymStr, Symbol, Value};

declare_rule!(
    OverbroadInvokeGrant,
    "IAM008",
    "overbroad-invoke-grant",
    Warning
);

impl Rule for OverbroadInvokeGrant {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, input: &RuleInput<'_>, cx: &mut RuleContext) {
        let model = input.model;
        let access = &model.access;
        let mut reported: HashSet<(usize, Location)> = HashSet::new();
        // Statements already judged for an action: each is judged once, however many routes use it.
        let mut judged: HashSet<(usize, Location, &str)> = HashSet::new();
        for (index, route) in model.routes.iter().enumerate() {
            if route.authorization != Authorization::AwsIam {
                continue;
            }
            for caller in access.callers(index) {
                let grants = [
                    (EXECUTE_API_INVOKE, Some(&caller.execute_api)),
                    (LAMBDA_INVOKE, caller.lambda_invoke.as_ref()),
                ];
                for (action, decision) in grants {
                    // A boundary limits, never grants: only identity statements are grants.
                    for grant in decision
                        .map(granting)
                        .unwrap_or_default()
                        .into_iter()
                        .filter(|g| !g.boundary && !g.resource)
                    {
                        let Some((statement, location, policy)) =
                            access.statement(caller.principal, grant)
                        else {
                            continue;
                        };
                        if reported.contains(&(caller.principal, location))
                            || !judged.insert((caller.principal, location, action))
                        {
                            continue;
                        }
                        let other_api = route
                            .execute_api
                            .first()
                            .and_then(|t| on_another_api(t, &route.api_id));
                        let Some(what) =
                            too_broad(statement, action, &model.partition, other_api.as_ref())
                        else {
                            continue;
                        };
                        reported.insert((caller.principal, location));
                        let Some(principal) = access.principals.get(caller.principal) else {
                            continue;
                        };
                        let (service, scope) = if action == EXECUTE_API_INVOKE {
                            (
                                "execute-api",
                                format!(
                                    "the route's ARN (`!Sub arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{}}}/{}/{}{}`)",
                                    route.api,
                                    route.help_stage(),
                                    if route.method == "ANY" {
                                        "*"
                                    } else {
                                        route.method.as_str()
                                    },
                                    route.iam_resource_path()
                                ),
                            )
                        } else {
                            (
                                "lambda",
                                "the function's ARN (`!GetAtt Function.Arn`, or the alias ARN)"
                                    .to_string(),
                            )
                        };
                        cx.report(location, format!("`{}` ({policy}) may {what}: it calls {} {} on {}, and needs no more", principal.logical_id, route.method, route.path, route.api))
                            .resource(Some(&principal.logical_id))
                            .help(format!("grant only `{action}` (not `{service}:*` or `*`) and only on {scope}"));
                    }
                }
            }
        }
    }
}

fn granting(decision: &Decision) -> Vec<&StatementRef> {
    match decision {
        Decision::Allowed { grants } | Decision::Conditional { grants, .. } => {
            grants.iter().collect()
        }
        Decision::Denied { .. } => Vec::new(),
    }
}

/// The symbol that stands for "any other API / function of the account": only a wildcard covers it.
fn any_other() -> Symbol {
    Symbol::Parameter("\u{1}any".into())
}

/// The route's request on another API of the account: the API id replaced by [`any_other`]. A
/// statement that covers it (`arn:…:*/*/*`, `arn:…:*/Prod/*`) reaches every API's route. `None` when
/// the API id is no symbol of the target.
fn on_another_api(target: &Target, api_id: &Value) -> Option<Target> {
    let ids: Vec<&Symbol> = api_id.as_str()?.symbols().collect();
    let mut replaced = false;
    let mut out = Target::new();
    for part in target.parts() {
        match part {
            TargetPart::Symbol(symbol) if ids.contains(&symbol) => {
                out.push(TargetPart::Symbol(any_other()));
                replaced = true;
            }
            other => out.push(other.clone()),
        }
    }
    replaced.then_some(out)
}

/// What is too broad about an Allow statement granting `action`, in words.
fn too_broad(
    statement: &Statement,
    action: &str,
    partition: &str,
    other_api: Option<&Target>,
) -> Option<String> {
    if statement.effect != Effect::Allow {
        return None;
    }
    let service = action.split(':').next().unwrap_or("");
    let wildcard_action = match &statement.actions {
        ActionSet::Action(patterns) => patterns
            .iter()
            .find(|p| *p == "*" || p.eq_ignore_ascii_case(&format!("{service}:*")))
            .cloned(),
        ActionSet::NotAction(_) => Some("every action but a few (NotAction)".to_string()),
    };
    if let Some(pattern) = wildcard_action {
        return Some(format!("call every {service} action (`{pattern}`)"));
    }
    let any = any_other();
    let mut arn = SymStr::literal(format!("arn:{partition}:{service}:"));
    arn.push_symbol(Symbol::Region);
    arn.push_literal(":");
    arn.push_symbol(Symbol::AccountId);
    arn.push_literal(":");
    let target = if service == "execute-api" {
        arn.push_symbol(any);
        Target::from_sym_str(&arn)
            .with(TargetPart::Literal("/".into()))
            .with(TargetPart::AnyPath)
    } else {
        arn.push_literal("function:");
        arn.push_symbol(any);
        Target::from_sym_str(&arn)
    };
    let ResourceSet::Resource(values) = &statement.resources else {
        return Some(format!(
            "invoke every {} but a few (NotResource)",
            noun(service)
        ));
    };
    // Only an entry with a wildcard can cover a function or API it does not name.
    let other_api = other_api.filter(|_| service == "execute-api");
    let broad = values
        .iter()
        .filter_map(|v| v.as_str())
        .filter(|s| has_wildcard(s))
        .any(|s| {
            let pattern = Pattern::new(s, statement_has_variables(s));
            pattern.coverage(&target) == Coverage::All
                || other_api.is_some_and(|t| pattern.coverage(t) == Coverage::All)
        });
    broad.then(|| {
        format!(
            "invoke every {} of the account (Resource covers them all)",
            noun(service)
        )
    })
}

fn noun(service: &str) -> &'static str {
    if service == "execute-api" {
        "API"
    } else {
        "Lambda function"
    }
}

fn has_wildcard(s: &SymStr) -> bool {
    s.parts()
        .iter()
        .any(|p| matches!(p, Part::Literal(text) if text.contains(['*', '?'])))
}

fn statement_has_variables(s: &SymStr) -> bool {
    s.to_string().contains("${aws:")
}
