//! IAM001 `caller-missing-lambda-invoke`: a caller of an IAM route whose integration passes the
//! caller's credentials lacks `lambda:InvokeFunction` on the target. See
//! rules/IAM001-caller-missing-lambda-invoke.md.

use super::{Rule, RuleContext, RuleInput, RuleMeta};
use crate::iam::eval::{Decision, DenialReason};
use crate::iam::pattern::Target;
use crate::model::Model;
use crate::model::access::{CallerAccess, LAMBDA_INVOKE};
use crate::model::function_arn::FunctionArn;
use crate::model::route::{ApiKind, Authorization, Invocation, Route};
use crate::value::{Symbol, Value};

declare_rule!(
    CallerMissingLambdaInvoke,
    "IAM001",
    "caller-missing-lambda-invoke",
    Error
);

impl Rule for CallerMissingLambdaInvoke {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, input: &RuleInput<'_>, cx: &mut RuleContext) {
        let model = input.model;
        for (index, route) in model.routes.iter().enumerate() {
            if route.authorization != Authorization::AwsIam
                || route.invocation != Invocation::CallerCredentials
            {
                continue;
            }
            for caller in model.access.callers(index) {
                report(model, route, caller, cx);
            }
        }
    }
}

/// An error when the caller surely may call the route and surely may not invoke the target; an
/// undecided note when either is only possible.
fn report(model: &Model, route: &Route, caller: &CallerAccess, cx: &mut RuleContext) {
    let access = &model.access;
    let Some(decision) = &caller.lambda_invoke else {
        return;
    };
    let Some(principal) = access.principals.get(caller.principal) else {
        return;
    };
    let definite = match decision {
        Decision::Allowed { .. } => return,
        Decision::Denied { .. } => caller.definite,
        Decision::Conditional { .. } => false,
    };
    // Point at the statement that lets the caller call the route, else at the principal.
    let grant = match &caller.execute_api {
        Decision::Allowed { grants } | Decision::Conditional { grants, .. } => grants.first(),
        Decision::Denied { .. } => None,
    };
    let primary = grant
        .and_then(|g| access.statement_location(caller.principal, g))
        .or_else(|| model.location(principal.stack, principal.span));
    let Some(primary) = primary else { return };
    let target = target_name(route);
    let route_name = route.name();
    let message = match (decision, &caller.execute_api) {
        // Both undecided: too speculative to report.
        (Decision::Conditional { .. }, Decision::Conditional { .. }) => return,
        (_, Decision::Conditional { reasons, .. }) => format!(
            "`{}` may perhaps call {route_name} ({}), and lacks lambda:InvokeFunction on {target}: if it can call the route, API Gateway, which invokes the function with the caller's credentials, answers HTTP 500 \"Internal server error\" and the Lambda is never invoked",
            principal.logical_id,
            reasons.join("; ")
        ),
        (Decision::Conditional { reasons, .. }, _) => format!(
            "`{}` may call {route_name}, but whether it may invoke {target} cannot be decided ({}); if not, API Gateway, which invokes the function with the caller's credentials, answers HTTP 500 \"Internal server error\" and the Lambda is never invoked",
            principal.logical_id,
            reasons.join("; ")
        ),
        // Granted, but not within the permissions boundary.
        (
            Decision::Denied {
                reason: DenialReason::Boundary,
                ..
            },
            _,
        ) => format!(
            "`{}` may call {route_name}, but its permissions boundary does not allow lambda:InvokeFunction on {target} (the boundary limits every grant): API Gateway invokes the function with the caller's credentials, so every call answers HTTP 500 \"Internal server error\" and the Lambda is never invoked",
            principal.logical_id,
        ),
        _ => format!(
            "`{}` may call {route_name} but lacks lambda:InvokeFunction on {target}{}: API Gateway invokes the function with the caller's credentials, so every call answers HTTP 500 \"Internal server error\" and the Lambda is never invoked",
            principal.logical_id,
            unqualified_hint(model, caller.principal, route),
        ),
    };
    let by_boundary = matches!(
        decision,
        Decision::Denied {
            reason: DenialReason::Boundary,
            ..
        }
    );
    let mut finding = cx
        .report(primary, message)
        .label(format!("lets `{}` call {route_name}", principal.logical_id))
        .resource(Some(&principal.logical_id))
        .help(help(model, route, principal.stack, by_boundary));
    if !definite {
        finding = finding.undecided();
    }
    if let Some(location) = model.route_location(route) {
        finding = finding.related(
            location,
            format!("{route_name} invokes {target} with the caller's credentials"),
        );
    }
    if let Some(location) = route
        .auth_span
        .and_then(|span| model.location(route.stack, span))
    {
        let why = if route.api_kind == ApiKind::Rest
            && route.function.is_some()
            && model.is_sam(route.stack)
        {
            "AWS_IAM without InvokeRole: SAM passes the caller's credentials (InvokeRole: CALLER_CREDENTIALS)"
        } else if model.is_sam(route.stack) {
            "AWS_IAM authorization"
        } else {
            "AWS_IAM authorization; the integration's `Credentials: arn:aws:iam::*:user/*` passes the caller's credentials"
        };
        finding = finding.related(location, why);
    }
    drop(finding);
}

/// `ListOrders` or `ListOrders:live`.
fn target_name(route: &Route) -> String {
    match (&route.function, &route.qualifier) {
        (Some(function), Some(alias)) => format!("{function}:{alias}"),
        (Some(function), None) => function.clone(),
        _ => "the integration's function".to_string(),
    }
}

/// When the caller may invoke the unqualified function but the route targets a version or alias.
fn unqualified_hint(model: &Model, principal: usize, route: &Route) -> &'static str {
    let Some(target) = route.target.as_ref().and_then(Value::as_str) else {
        return "";
    };
    let Some(arn) = FunctionArn::parse(target).filter(|a| a.qualifier.is_some()) else {
        return "";
    };
    let decision = model.access.decide(
        principal,
        LAMBDA_INVOKE,
        &Target::from_sym_str(&arn.function),
    );
    if decision.is_allowed() {
        " (its grant on the unqualified function ARN does not cover the alias or version the route invokes: grant that ARN, or `function:<name>:*`)"
    } else {
        ""
    }
}

/// How the caller's stack gets the ARN when one of the two stacks nests the other (the ARN below is
/// written in the function's stack).
fn nesting_note(model: &Model, route: &Route, caller_stack: usize) -> Option<String> {
    let function_stack = route.stack;
    if let Some((parent, resource)) = model.nested_in(caller_stack)
        && parent == function_stack
    {
        let function = route.function.as_deref().unwrap_or("<Function>");
        return Some(format!(
            " (written as in {}: pass the function's ARN to the nested stack {resource} in its `Parameters`, such as `FunctionArn: !GetAtt {function}.Arn`, and grant `!Ref FunctionArn`)",
            model.stack_name(function_stack)
        ));
    }
    let (parent, resource) = model.nested_in(function_stack)?;
    (parent == caller_stack).then(|| {
        format!(
            " (written as in {}: return the function's ARN in its `Outputs` and grant `!GetAtt {resource}.Outputs.<Name>`)",
            model.stack_name(function_stack)
        )
    })
}

/// Both fixes, with the exact ARN to grant as the user writes it in the caller's stack.
fn help(model: &Model, route: &Route, caller_stack: usize, by_boundary: bool) -> String {
    let written = match route.written_target.as_ref().and_then(Value::as_str) {
        Some(s) if s.as_literal().is_some() => format!("Resource: {s}"),
        Some(s) => format!("Resource: !Sub {s}"),
        None => "Resource: <the function's ARN>".to_string(),
    };
    let foreign_name = route.written_target.as_ref().and_then(Value::as_str).is_some_and(|s| {
        s.symbols().any(|sym| matches!(sym, Symbol::PhysicalId { stack, .. } | Symbol::Attribute { stack, .. } if *stack != caller_stack))
    });
    // Names of the function's stack (its parameters, ids) mean nothing in a nested or nesting stack.
    let stack_bound = route
        .written_target
        .as_ref()
        .and_then(Value::as_str)
        .is_some_and(|s| {
            s.symbols()
                .any(|sym| !matches!(sym, Symbol::Region | Symbol::AccountId))
        });
    let nesting = stack_bound
        .then(|| nesting_note(model, route, caller_stack))
        .flatten();
    let note = if let Some(note) = nesting {
        note
    } else if foreign_name {
        format!(
            " (the function has no FunctionName: give it one, or export its ARN from {} and import it)",
            model.stack_name(route.stack)
        )
    } else {
        String::new()
    };
    let no_credentials = if route.function.is_some() && model.is_sam(route.stack) {
        "or set `InvokeRole: NONE` under the API's Auth (or this event's Auth) so API Gateway invokes with its own identity, allowed by the AWS::Lambda::Permission SAM generates"
    } else {
        "or remove the integration's `Credentials` and add an AWS::Lambda::Permission for apigateway.amazonaws.com"
    };
    let whom = if by_boundary {
        "allow lambda:InvokeFunction on the exact target in the caller's permissions boundary too"
    } else {
        "grant the caller lambda:InvokeFunction on the exact target"
    };
    format!(
        "{whom}{note}:\n  - Effect: Allow\n    Action: lambda:InvokeFunction\n    {written}\n{no_credentials}"
    )
}
