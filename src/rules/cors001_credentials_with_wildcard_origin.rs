//! CORS001 `credentials-with-wildcard-origin`: credentials allowed for any origin. See
//! rules/CORS001-credentials-with-wildcard-origin.md.

use super::{Rule, RuleContext, RuleInput, RuleMeta};
use crate::model::cors::WildcardOrigin;
use crate::model::route::ApiKind;

declare_rule!(
    CredentialsWithWildcardOrigin,
    "CORS001",
    "credentials-with-wildcard-origin",
    Error
);

impl Rule for CredentialsWithWildcardOrigin {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, input: &RuleInput<'_>, cx: &mut RuleContext) {
        let model = input.model;
        for cors in &input.model.cors {
            if !cors.allows_credentials() {
                continue;
            }
            let Some(wildcard) = cors.wildcard_origin() else {
                continue;
            };
            let Some(credentials) = &cors.credentials else {
                continue;
            };
            let Some(location) = model.location(cors.stack, credentials.span) else {
                continue;
            };
            let message = match (cors.kind, wildcard) {
                (ApiKind::Rest, _) if !cors.sam => format!(
                    "the OPTIONS method of {} answers `Access-Control-Allow-Origin: *` with `Access-Control-Allow-Credentials: true`: browsers refuse credentialed responses for a wildcard origin",
                    cors.api
                ),
                (ApiKind::Rest, WildcardOrigin::Unset | WildcardOrigin::Quoted) => format!(
                    "{} allows credentials for any origin: SAM refuses the template (\"'AllowCredentials' can not be true when 'AllowOrigin' is \"'*'\" or not set\"), and browsers never accept credentials from a `*` origin",
                    cors.api
                ),
                (ApiKind::Rest, WildcardOrigin::Unquoted) => format!(
                    "{} allows credentials with the unquoted origin `*`: SAM accepts it, but the API then answers `Access-Control-Allow-Origin: *` with `Access-Control-Allow-Credentials: true`, which browsers refuse",
                    cors.api
                ),
                (ApiKind::Http, WildcardOrigin::Quoted) if cors.sam => format!(
                    "{} allows credentials for any origin (`AllowOrigins: ['*']`): SAM refuses the template, and browsers never accept credentials from a `*` origin",
                    cors.api
                ),
                (ApiKind::Http, _) => format!(
                    "{} allows credentials while `AllowOrigins` is unset or contains `*`: browsers refuse credentialed responses for a wildcard origin",
                    cors.api
                ),
            };
            let fix = match cors.kind {
                ApiKind::Rest if !cors.sam => {
                    "answer the page's origin: `method.response.header.Access-Control-Allow-Origin: \"'https://admin.example.com'\"`"
                }
                ApiKind::Rest => {
                    "name the origin the browser page is served from: `AllowOrigin: \"'https://admin.example.com'\"` (an API Gateway expression, single quotes inside the string)"
                }
                ApiKind::Http => {
                    "list the origins the browser pages are served from: `AllowOrigins: [https://admin.example.com]`"
                }
            };
            let mut finding = cx
                .report(location, message)
                .label("credentials allowed")
                .resource(Some(&cors.api))
                .help(fix);
            if let Some(origin) = cors
                .origins
                .as_ref()
                .and_then(|o| model.location(cors.stack, o.span))
            {
                finding = finding.related(origin, "for every origin");
            }
            drop(finding);
        }
    }
}
