//! IAM007 `cognito-trust-without-audience`: a role that Cognito identity pools may assume without a
//! `cognito-identity.amazonaws.com:aud` condition. See rules/IAM007-cognito-trust-without-audience.md.

use super::{Rule, RuleContext, RuleInput, RuleMeta};
use crate::finding::Severity;

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
                if !trust.audience {
                    cx.report(
                        location,
                        format!("`{role}` trusts Cognito identity pools without a `cognito-identity.amazonaws.com:aud` condition: any identity pool, an attacker's included, can hand out its credentials"),
                    )
                    .label("sts:AssumeRoleWithWebIdentity for cognito-identity.amazonaws.com")
                    .resource(Some(role))
                    .help("add `Condition: {StringEquals: {cognito-identity.amazonaws.com:aud: !Ref IdentityPool}, ForAnyValue:StringLike: {cognito-identity.amazonaws.com:amr: authenticated}}`");
                } else if !trust.amr_constrained {
                    cx.report(
                        location,
                        format!("`{role}` trusts its identity pool without a `cognito-identity.amazonaws.com:amr` condition: guest (unauthenticated) identities of the pool can assume it too"),
                    )
                    .severity(Severity::Warning)
                    .label("no amr condition")
                    .resource(Some(role))
                    .help("add `ForAnyValue:StringLike: {cognito-identity.amazonaws.com:amr: authenticated}` to the condition");
                }
            }
        }
    }
}
