//! IAM007 `cognito-trust-without-audience`: a role that Cognito identity pools may assume without a
//! `cognito-identity.amazonaws.com:aud` condition. See rules/IAM007-cognito-trust-without-audience.md.

use super::{Rule, RuleContext, RuleInput, RuleMeta};
use crate::finding::Severity;
use crate::model::Model;
use crate::model::principals::{CognitoGrant, CognitoTrust, Principal};

declare_rule!(
    CognitoTrustWithoutAudience,
    "IAM007",
    "cognito-trust-without-audience",
    Error
);

impl Rule for CognitoTrustWithoutAudience {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, input: &RuleInput<'_>, cx: &mut RuleContext) {
        let model = input.model;
        for principal in &input.model.access.principals {
            for trust in principal.cognito_trust() {
                let Some(location) = model.location(principal.stack, trust.span) else {
                    continue;
                };
                let role = &principal.logical_id;
                let guest = is_guest_role(principal, trust);
                let amr = if guest {
                    "unauthenticated"
                } else {
                    "authenticated"
                };
                if !trust.audience {
                    let pool = pool_id(model, principal);
                    cx.report(
                        location,
                        format!("`{role}` trusts Cognito identity pools without a `cognito-identity.amazonaws.com:aud` condition: any identity pool, an attacker's included, can hand out its credentials"),
                    )
                    .label("sts:AssumeRoleWithWebIdentity for cognito-identity.amazonaws.com")
                    .resource(Some(role))
                    .help(format!("add `Condition: {{StringEquals: {{cognito-identity.amazonaws.com:aud: {pool}}}, ForAnyValue:StringLike: {{cognito-identity.amazonaws.com:amr: {amr}}}}}`"));
                } else if !trust.amr_constrained {
                    let others = if guest {
                        "signed-in (authenticated) identities of the pool can assume its guest role too"
                    } else {
                        "guest (unauthenticated) identities of the pool can assume it too"
                    };
                    cx.report(
                        location,
                        format!("`{role}` trusts its identity pool without a `cognito-identity.amazonaws.com:amr` condition: {others}"),
                    )
                    .severity(Severity::Warning)
                    .label("no amr condition")
                    .resource(Some(role))
                    .help(format!("add `ForAnyValue:StringLike: {{cognito-identity.amazonaws.com:amr: {amr}}}` to the condition"));
                }
            }
        }
    }
}

/// The role is an identity pool's guest role: attached as `Roles.unauthenticated`, or its trust
/// already names `unauthenticated` identities. Its `amr` must stay `unauthenticated`, or guest
/// access breaks.
fn is_guest_role(principal: &Principal, trust: &CognitoTrust) -> bool {
    let attached_as_guest = principal
        .cognito
        .iter()
        .any(|u| matches!(u.grant, CognitoGrant::Unauthenticated { .. }));
    attached_as_guest || trust.amr.iter().any(|v| v == "unauthenticated")
}

/// The identity pool id as the role's stack writes it: `!Ref Pool` for a pool of the same stack,
/// else a placeholder naming the pool (or any pool, when none of the deployment hands the role out).
fn pool_id(model: &Model, principal: &Principal) -> String {
    let pool = principal
        .cognito
        .iter()
        .find_map(|u| u.identity_pool.as_ref());
    match pool {
        Some((stack, name)) if *stack == principal.stack => format!("!Ref {name}"),
        Some((stack, name)) => format!(
            "<the id of {name} in {}, e.g. exported and imported with !ImportValue>",
            model.stack_name(*stack)
        ),
        None => "<your identity pool id>".to_string(),
    }
}
