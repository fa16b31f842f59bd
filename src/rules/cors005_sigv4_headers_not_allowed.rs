//! CORS005 `sigv4-headers-not-allowed`: an IAM API whose CORS headers leave out the SigV4 headers. See
//! rules/CORS005-sigv4-headers-not-allowed.md.

use super::{Rule, RuleContext, RuleInput, RuleMeta};

declare_rule!(
    Sigv4HeadersNotAllowed,
    "CORS005",
    "sigv4-headers-not-allowed",
    Warning
);

/// The headers a browser sends with a SigV4-signed request.
const SIGV4_HEADERS: [&str; 3] = ["Authorization", "X-Amz-Date", "X-Amz-Security-Token"];

impl Rule for Sigv4HeadersNotAllowed {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, input: &RuleInput<'_>, cx: &mut RuleContext) {
        for cors in input.model.cors.iter().filter(|c| c.has_iam_routes) {
            let Some(headers) = &cors.headers else {
                continue;
            };
            // `*` allows every header (without credentials; CORS002 covers the credentialed case).
            if headers.value.iter().any(|h| h == "*") {
                continue;
            }
            let missing: Vec<&str> = SIGV4_HEADERS
                .iter()
                .copied()
                .filter(|wanted| !headers.value.iter().any(|h| h.eq_ignore_ascii_case(wanted)))
                .collect();
            if missing.is_empty() {
                continue;
            }
            let Some(location) = input.model.location(cors.stack, headers.span) else {
                continue;
            };
            let mut all = headers.value.clone();
            all.extend(missing.iter().map(|m| (*m).to_string()));
            let fix = match cors.kind {
                crate::model::route::ApiKind::Rest => {
                    format!("AllowHeaders: \"'{}'\"", all.join(","))
                }
                crate::model::route::ApiKind::Http => format!("AllowHeaders: [{}]", all.join(", ")),
            };
            cx.report(
                location,
                format!("{} requires AWS_IAM, but its CORS `AllowHeaders` leaves out {}: browsers block the preflight of every signed call", cors.api, missing.join(", ")),
            )
            .resource(Some(&cors.api))
            .help(format!("allow the SigV4 headers: `{fix}`"));
        }
    }
}
