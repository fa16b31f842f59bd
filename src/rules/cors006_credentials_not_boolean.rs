//! CORS006 `credentials-not-boolean`: `AllowCredentials: "true"` is a string, which SAM reads as
//! false. See rules/CORS006-credentials-not-boolean.md.

use super::{Rule, RuleContext, RuleInput, RuleMeta};
use crate::model::cors::Credentials;
use crate::model::route::ApiKind;

declare_rule!(
    CredentialsNotBoolean,
    "CORS006",
    "credentials-not-boolean",
    Warning
);

impl Rule for CredentialsNotBoolean {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, input: &RuleInput<'_>, cx: &mut RuleContext) {
        for cors in input.model.cors.iter().filter(|c| c.kind == ApiKind::Rest) {
            let Some(setting) = &cors.credentials else {
                continue;
            };
            let Credentials::Text(text) = &setting.value else {
                continue;
            };
            let Some(location) = input.model.location(cors.stack, setting.span) else {
                continue;
            };
            let looks_true = text.trim().trim_matches('\'').eq_ignore_ascii_case("true");
            let meaning = if looks_true {
                "SAM reads only the boolean `true` as true"
            } else {
                "SAM reads anything but the boolean `true` as false"
            };
            cx.report(
                location,
                format!("`AllowCredentials: \"{text}\"` on {} is a string: {meaning}, so no `Access-Control-Allow-Credentials` header is sent and browsers drop credentialed responses", cors.api),
            )
            .resource(Some(&cors.api))
            .help("write the boolean without quotes: `AllowCredentials: true`");
        }
    }
}
