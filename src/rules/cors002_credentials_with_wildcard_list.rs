//! CORS002 `credentials-with-wildcard-list`: `*` headers or methods with credentials. See
//! rules/CORS002-credentials-with-wildcard-list.md.

use super::{Rule, RuleContext, RuleInput, RuleMeta};

declare_rule!(
    CredentialsWithWildcardList,
    "CORS002",
    "credentials-with-wildcard-list",
    Warning
);

impl Rule for CredentialsWithWildcardList {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, input: &RuleInput<'_>, cx: &mut RuleContext) {
        for cors in input.model.cors.iter().filter(|c| c.allows_credentials()) {
            for (what, setting, fix) in [
                (
                    "AllowHeaders",
                    &cors.headers,
                    "\"'Content-Type,Authorization,X-Amz-Date,X-Amz-Security-Token'\"",
                ),
                ("AllowMethods", &cors.methods, "\"'GET,POST,OPTIONS'\""),
            ] {
                let Some(setting) = setting
                    .as_ref()
                    .filter(|s| s.value.iter().any(|v| v == "*"))
                else {
                    continue;
                };

                let Some(location) = input.model.location(cors.stack, setting.span) else {
                    continue;
                };
                cx.report(
                    location,
                    if what == "AllowHeaders" {
                        format!("`AllowHeaders: *` with credentials on {}: browsers read `*` literally for credentialed requests, so `Authorization`, `X-Amz-Date` and `X-Amz-Security-Token` are not allowed and signed calls fail preflight", cors.api)
                    } else {
                        format!("`AllowMethods: *` with credentials on {}: browsers read `*` literally for credentialed requests, so only GET, HEAD and POST pass the preflight; PUT, PATCH and DELETE calls fail", cors.api)
                    },
                )
                .resource(Some(&cors.api))
                .help(format!("list them: `{what}: {fix}`"));
            }
        }
    }
}
