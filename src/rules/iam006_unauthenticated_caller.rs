//! IAM006 `unauthenticated-caller`: a role reachable without sign-in may call an `AWS_IAM` route.
//! See rules/IAM006-unauthenticated-caller.md.

use super::{Rule, RuleContext, RuleInput, RuleMeta};
use crate::model::principals::{CognitoGrant, Principal};
use crate::model::route::Authorization;
use crate::source::Span;

declare_rule!(
    UnauthenticatedCaller,
    "IAM006",
    "unauthenticated-caller",
    Error
);

impl Rule for UnauthenticatedCaller {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, input: &RuleInput<'_>, cx: &mut RuleContext) {
        let model = input.model;
        for (index, route) in model.routes.iter().enumerate() {
            if route.authorization != Authorization::AwsIam {
                continue;
            }
            for caller in model.access.callers(index) {
                let Some(principal) = model.access.principals.get(caller.principal) else {
                    continue;
                };
                let Some((span, stack, how)) = guest_access(principal) else {
                    continue;
                };
                let Some(location) = model.location(stack, span) else {
                    continue;
                };
                let route_name = route.name();
                let mut finding = cx
                    .report(
                        location,
                        format!("`{}` may call {route_name}, and {how}: anyone can get its credentials without signing in and call the route", principal.logical_id),
                    )
                    .resource(Some(&principal.logical_id))
                    .help("give guests a role without execute-api:Invoke on this API, or require sign-in: `AllowUnauthenticatedIdentities: false` and `ForAnyValue:StringLike: {cognito-identity.amazonaws.com:amr: authenticated}` in the role's trust policy");
                if let Some(route_location) = model.route_location(route) {
                    finding =
                        finding.related(route_location, format!("{route_name} requires AWS_IAM"));
                }
                // Only a caller whose access is decided gets the error.
                if !caller.definite {
                    finding = finding.undecided();
                }
                drop(finding);
            }
        }
    }
}

/// Where and how a role is reachable without sign-in.
fn guest_access(principal: &Principal) -> Option<(Span, usize, &'static str)> {
    for used in &principal.cognito {
        if used.grant
            == (CognitoGrant::Unauthenticated {
                pool_allows_guests: Some(true),
            })
        {
            return Some((
                used.span,
                used.stack,
                "its identity pool hands it to guests (`Roles.unauthenticated` with `AllowUnauthenticatedIdentities: true`)",
            ));
        }
    }
    principal
        .cognito_trust()
        .iter()
        .find(|t| !t.authenticated_only)
        .map(|t| (t.span, principal.stack, "its trust policy does not require `cognito-identity.amazonaws.com:amr` = `authenticated`"))
}
