//! The rule registry and the context rules report through.
//!
//! A rule is one file: its [`RuleMeta`] (code, name, default severity, summary, doc) and a `check`
//! that reads the deployment model and reports through [`RuleContext::report`]. The framework stamps
//! the rule and severity on every finding; a rule never picks its own code.

/// Declares a rule: its unit struct and its [`RuleMeta`] in a `META` static. The doc is read from
/// `rules/<CODE>-<name>.md`, so a rule cannot exist without its doc.
macro_rules! declare_rule {
    ($rule:ident, $code:literal, $name:literal, $severity:ident) => {
        pub struct $rule;

        static META: $crate::rules::RuleMeta = $crate::rules::RuleMeta {
            code: $code,
            name: $name,
            severity: $crate::finding::Severity::$severity,
            doc: include_str!(concat!("../../rules/", $code, "-", $name, ".md")),
        };
    };
}

mod cors001_credentials_with_wildcard_origin;
mod cors002_credentials_with_wildcard_list;
mod cors003_iam_auth_on_preflight;
mod cors004_gateway_responses_cors_mismatch;
mod cors005_sigv4_headers_not_allowed;
mod cors006_credentials_not_boolean;
mod cov001_not_analysed;
mod edge001_cloudfront_breaks_sigv4;
mod edge002_oac_missing_invoke_permission;
mod iam001_caller_missing_lambda_invoke;
mod iam002_invoke_role_cannot_invoke;
mod iam003_grant_matches_no_route;
mod iam004_iam_route_without_caller;
mod iam005_missing_lambda_permission;
mod iam006_unauthenticated_caller;
mod iam007_cognito_trust_without_audience;
mod iam008_overbroad_invoke_grant;
mod iam009_ignored_invoke_role;
mod iam010_stage_not_covered;
mod iam011_url_caller_missing_invoke_function;
mod iam012_public_url_missing_invoke_function;
mod iam013_integration_missing_service_permission;
mod par001_unknown_parameter;
mod par002_parameter_not_allowed;
mod ref001_undefined_reference;
mod ref002_unresolved_import;
mod ref003_duplicate_export;
mod ref004_import_cycle;
mod ref005_circular_dependency;
mod sup001_unused_suppression;
mod tpl001_parse_error;
mod tpl002_invalid_intrinsic;

use crate::deployment::Deployment;
use crate::finding::{Certainty, Finding, Label, Severity};
use crate::load::LoadError;
use crate::model::Model;
use crate::source::{FileId, Location};

pub use crate::finding::RuleMeta;

/// What rules see. The model is what every rule reads; only the REF/TPL rules (references,
/// templates, what could not be loaded) read the deployment itself.
pub struct RuleInput<'d> {
    /// For REF/TPL/SUP rules only (a test enforces it).
    pub deployment: &'d Deployment,
    /// Files that are not readable templates (`TPL001`).
    pub load_errors: &'d [(FileId, LoadError)],
    /// Export names that exist outside the deployment (config `external-exports`).
    pub external_exports: &'d [String],
    /// The deployment model: routes, principals, access, permissions, CORS, edge origins.
    pub model: &'d Model,
    /// The work "did you mean" may spend over the whole run (see [`crate::suggest`]).
    pub suggestions: crate::suggest::Budget,
}

pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, input: &RuleInput<'_>, cx: &mut RuleContext);
}

/// Every rule, in code order.
pub static ALL_RULES: &[&dyn Rule] = &[
    &tpl001_parse_error::ParseError,
    &tpl002_invalid_intrinsic::InvalidIntrinsic,
    &ref001_undefined_reference::UndefinedReference,
    &ref002_unresolved_import::UnresolvedImport,
    &ref003_duplicate_export::DuplicateExport,
    &ref004_import_cycle::ImportCycle,
    &ref005_circular_dependency::CircularDependency,
    &iam001_caller_missing_lambda_invoke::CallerMissingLambdaInvoke,
    &iam002_invoke_role_cannot_invoke::InvokeRoleCannotInvoke,
    &iam003_grant_matches_no_route::GrantMatchesNoRoute,
    &iam004_iam_route_without_caller::IamRouteWithoutCaller,
    &iam005_missing_lambda_permission::MissingLambdaPermission,
    &iam006_unauthenticated_caller::UnauthenticatedCaller,
    &iam007_cognito_trust_without_audience::CognitoTrustWithoutAudience,
    &iam008_overbroad_invoke_grant::OverbroadInvokeGrant,
    &iam009_ignored_invoke_role::IgnoredInvokeRole,
    &iam010_stage_not_covered::StageNotCovered,
    &iam011_url_caller_missing_invoke_function::UrlCallerMissingInvokeFunction,
    &iam012_public_url_missing_invoke_function::PublicUrlMissingInvokeFunction,
    &iam013_integration_missing_service_permission::IntegrationMissingServicePermission,
    &cors001_credentials_with_wildcard_origin::CredentialsWithWildcardOrigin,
    &cors002_credentials_with_wildcard_list::CredentialsWithWildcardList,
    &cors003_iam_auth_on_preflight::IamAuthOnPreflight,
    &cors004_gateway_responses_cors_mismatch::GatewayResponsesCorsMismatch,
    &cors005_sigv4_headers_not_allowed::Sigv4HeadersNotAllowed,
    &cors006_credentials_not_boolean::CredentialsNotBoolean,
    &edge001_cloudfront_breaks_sigv4::CloudfrontBreaksSigv4,
    &edge002_oac_missing_invoke_permission::OacMissingInvokePermission,
    &par001_unknown_parameter::UnknownParameter,
    &par002_parameter_not_allowed::ParameterNotAllowed,
    &cov001_not_analysed::NotAnalysed,
    &sup001_unused_suppression::UnusedSuppression,
];

/// Looks a rule up by code or name, case-insensitively.
pub fn find(code_or_name: &str) -> Option<&'static RuleMeta> {
    ALL_RULES.iter().map(|r| r.meta()).find(|m| {
        m.code.eq_ignore_ascii_case(code_or_name) || m.name.eq_ignore_ascii_case(code_or_name)
    })
}

/// Builds the model once and runs every rule; returns the findings in print order.
pub fn run_all(
    deployment: &Deployment,
    load_errors: &[(FileId, LoadError)],
    external_exports: &[String],
) -> Vec<Finding> {
    let model = Model::build(deployment);
    let input = RuleInput {
        deployment,
        load_errors,
        external_exports,
        model: &model,
        suggestions: crate::suggest::Budget::default(),
    };
    run_rules(&input)
}

/// Runs every rule on a prepared input.
pub fn run_rules(input: &RuleInput<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    for rule in ALL_RULES {
        let mut cx = RuleContext {
            meta: rule.meta(),
            findings: Vec::new(),
        };
        rule.check(input, &mut cx);
        findings.append(&mut cx.findings);
    }
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings
}

/// Collects one rule's findings.
pub struct RuleContext {
    meta: &'static RuleMeta,
    findings: Vec<Finding>,
}

impl RuleContext {
    /// Starts a finding at `location`; it is recorded when the returned builder is dropped.
    pub fn report(&mut self, location: Location, message: impl Into<String>) -> FindingBuilder<'_> {
        FindingBuilder {
            findings: &mut self.findings,
            finding: Some(Finding {
                rule: self.meta,
                severity: self.meta.severity,
                certainty: Certainty::Definite,
                message: message.into(),
                primary: Label {
                    location,
                    message: String::new(),
                },
                related: Vec::new(),
                help: None,
                resource: None,
            }),
        }
    }
}

/// Adds details to a finding; pushes it into the context on drop.
pub struct FindingBuilder<'c> {
    findings: &'c mut Vec<Finding>,
    finding: Option<Finding>,
}

impl FindingBuilder<'_> {
    fn edit(mut self, f: impl FnOnce(&mut Finding)) -> Self {
        if let Some(finding) = self.finding.as_mut() {
            f(finding);
        }
        self
    }

    /// The label under the primary span.
    pub fn label(self, message: impl Into<String>) -> Self {
        let message = message.into();
        self.edit(|f| f.primary.message = message)
    }

    /// Another place, in any file.
    pub fn related(self, location: Location, message: impl Into<String>) -> Self {
        let message = message.into();
        self.edit(|f| f.related.push(Label { location, message }))
    }

    pub fn help(self, help: impl Into<String>) -> Self {
        let help = help.into();
        self.edit(|f| f.help = Some(help))
    }

    pub fn resource(self, logical_id: Option<&str>) -> Self {
        let resource = logical_id.map(str::to_string);
        self.edit(|f| f.resource = resource)
    }

    /// Marks the finding undecided: it depends on what iamlint could not read, so it is a note
    /// whatever the rule's severity and the config say.
    pub fn undecided(self) -> Self {
        self.edit(|f| {
            f.certainty = Certainty::Undecided;
            f.severity = Severity::Note;
        })
    }

    /// Overrides the rule's default severity (for the `note` variant of a rule).
    pub fn severity(self, severity: Severity) -> Self {
        self.edit(|f| f.severity = severity)
    }
}

impl Drop for FindingBuilder<'_> {
    fn drop(&mut self) {
        if let Some(finding) = self.finding.take() {
            self.findings.push(finding);
        }
    }
}
