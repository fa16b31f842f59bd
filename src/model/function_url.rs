//! Lambda function URLs: `AWS::Lambda::Url` resources and SAM's `FunctionUrlConfig`, each with the
//! function, version or alias it invokes and how it authorizes callers.
//!
//! A request to a URL is two authorizations on the same ARN (the URL's function with its
//! qualifier): `lambda:InvokeFunctionUrl`, and since October 2025 `lambda:InvokeFunction` too (AWS
//! Lambda developer guide, "Control access to Lambda function URLs"). For `AuthType: AWS_IAM` the
//! caller's policies (or the function's resource policy naming the caller) must allow both; for
//! `AuthType: NONE` the resource policy must allow both to `*`. SAM writes the two public
//! permissions itself for `FunctionUrlConfig: {AuthType: NONE}` (sam_resources.py:1458-1537,
//! `<Fn>UrlPublicPermissions` and `<Fn>URLInvokeAllowPublicAccess`).

use super::access::{Access, LAMBDA_INVOKE};
use super::apigw::integration;
use super::function_arn::FunctionArn;
use super::permissions::{self, LambdaPermission};
use super::sam::globals;
use crate::iam::eval::Decision;
use crate::iam::pattern::Target;
use std::collections::HashMap;

use crate::resolve::{Resolver, StackId, SymStr, Value};
use crate::source::Span;
use crate::template::Template;

/// How a function URL authorizes requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlAuth {
    AwsIam,
    None,
    /// Not literal text (a parameter, an intrinsic).
    Unknown,
}

impl UrlAuth {
    fn of(value: &Value) -> UrlAuth {
        match value.as_literal() {
            Some("AWS_IAM") => UrlAuth::AwsIam,
            Some("NONE") => UrlAuth::None,
            _ => UrlAuth::Unknown,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            UrlAuth::AwsIam => "AWS_IAM",
            UrlAuth::None => "NONE",
            UrlAuth::Unknown => "?",
        }
    }
}

/// One function URL of the deployment.
#[derive(Debug, Clone)]
pub struct FunctionUrl {
    pub stack: StackId,
    /// The `AWS::Lambda::Url` resource (`<Fn>Url` for the one SAM generates).
    pub logical_id: String,
    /// The resource, or SAM's `FunctionUrlConfig` key.
    pub span: Span,
    /// The function's logical id, when it is one of the deployment's.
    pub function: Option<String>,
    /// The alias or version the URL is on (`AutoPublishAlias`, `Qualifier`).
    pub qualifier: Option<String>,
    /// The ARN both authorizations name: the function's, with the qualifier.
    pub arn: Option<Value>,
    pub auth: UrlAuth,
    /// The `AuthType` value.
    pub auth_span: Option<Span>,
    /// SAM generates the URL (and, for `AuthType: NONE`, both public permissions).
    pub sam: bool,
    /// `arn` as request targets (several when a condition decides).
    pub targets: Vec<Target>,
    /// For an `AWS_IAM` URL: the principals whose `lambda:InvokeFunctionUrl` on it is allowed (or
    /// may be), with both decisions.
    pub callers: Vec<UrlCaller>,
}

/// A principal that may call an `AWS_IAM` function URL, with both authorizations a request needs.
#[derive(Debug, Clone)]
pub struct UrlCaller {
    /// Index into the access model's principals.
    pub principal: usize,
    /// `lambda:InvokeFunctionUrl`: allowed, or conditional (a possible caller).
    pub invoke_url: Decision,
    /// `lambda:InvokeFunction` on the same ARN.
    pub invoke_function: Decision,
}

/// The action a function URL request is authorized with first.
pub const INVOKE_FUNCTION_URL: &str = "lambda:InvokeFunctionUrl";

/// Which principals' identity policies may allow `lambda:InvokeFunctionUrl` on which functions, built
/// once: a URL meets only the principals that may concern it (checking every principal against
/// every URL grows with the square of the deployment).
pub struct UrlCallerIndex {
    by_name: HashMap<SymStr, Vec<usize>>,
    anywhere: Vec<usize>,
}

impl UrlCallerIndex {
    pub fn new(access: &Access) -> UrlCallerIndex {
        let mut index = UrlCallerIndex {
            by_name: HashMap::new(),
            anywhere: Vec::new(),
        };
        for principal in 0..access.principals.len() {
            match access.function_reach(principal, INVOKE_FUNCTION_URL) {
                None => index.anywhere.push(principal),
                Some(names) => {
                    for name in names {
                        let entry = index.by_name.entry(name).or_default();
                        if !entry.contains(&principal) {
                            entry.push(principal);
                        }
                    }
                }
            }
        }
        index
    }

    /// The principals that may be granted the URL by their own policies, in order.
    fn candidates(&self, url: &FunctionUrl) -> Vec<usize> {
        let keys: Option<Vec<SymStr>> = url
            .arn
            .as_ref()
            .and_then(Value::strings)
            .and_then(|s| s.into_iter().map(permissions::name_key).collect());
        let mut out = self.anywhere.clone();
        match keys {
            Some(keys) => {
                for key in keys {
                    out.extend(self.by_name.get(&key).into_iter().flatten());
                }
            }
            None => out.extend(self.by_name.values().flatten()),
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// The callers of an `AWS_IAM` URL: every principal whose `lambda:InvokeFunctionUrl` is not denied,
/// with the function's permissions as its resource policy.
pub fn callers(
    access: &Access,
    index: &UrlCallerIndex,
    permissions: &[&LambdaPermission],
    url: &FunctionUrl,
) -> Vec<UrlCaller> {
    if url.auth != UrlAuth::AwsIam || url.targets.is_empty() {
        return Vec::new();
    }
    // A permission naming a role, an account or everyone may make any principal a caller.
    let candidates = if permissions.iter().any(|p| !p.is_for_service()) {
        (0..access.principals.len()).collect()
    } else {
        index.candidates(url)
    };
    candidates
        .into_iter()
        .filter_map(|principal| {
            let invoke_url = access.decide_lambda_action(
                principal,
                INVOKE_FUNCTION_URL,
                &url.targets,
                permissions,
            );
            if invoke_url.is_denied() {
                return None;
            }
            let invoke_function =
                access.decide_lambda_action(principal, LAMBDA_INVOKE, &url.targets, permissions);
            Some(UrlCaller {
                principal,
                invoke_url,
                invoke_function,
            })
        })
        .collect()
}

impl FunctionUrl {
    /// `FURLFunction` or `FURLFunction:live`, as messages name the URL's target.
    pub fn target_name(&self) -> String {
        match (&self.function, &self.qualifier) {
            (Some(f), Some(q)) => format!("{f}:{q}"),
            (Some(f), None) => f.clone(),
            _ => self.logical_id.clone(),
        }
    }
}

/// Every function URL of the deployment's templates.
pub fn function_urls(r: &Resolver<'_>, templates: &[Template]) -> Vec<FunctionUrl> {
    let mut out = Vec::new();
    for (stack, template) in templates.iter().enumerate() {
        for resource in template.resources_of_type("AWS::Lambda::Url") {
            out.extend(url_resource(r, stack, template, resource));
        }
        if template.is_sam() {
            for function in template.resources_of_type("AWS::Serverless::Function") {
                out.extend(sam_url(r, stack, template, function));
            }
        }
    }
    out
}

/// An `AWS::Lambda::Url`: `TargetFunctionArn` (a name, an ARN or an alias ARN) and `Qualifier`.
fn url_resource(
    r: &Resolver<'_>,
    stack: StackId,
    template: &Template,
    resource: &crate::template::Resource,
) -> Option<FunctionUrl> {
    let target_node = resource.property("TargetFunctionArn")?;
    let named = integration::lambda_target(r, stack, template, target_node);
    let written = r.resolve(stack, target_node);
    let qualifier = resource.property("Qualifier").map(|q| r.resolve(stack, q));
    let arn = written
        .as_str()
        .map(|s| Value::Str(permissions::function_arn(r, s, qualifier.as_ref())));
    let auth_node = resource.property("AuthType");
    let qualifier_text = arn
        .as_ref()
        .and_then(Value::as_str)
        .and_then(FunctionArn::parse)
        .and_then(|a| a.qualifier_text());
    Some(complete(FunctionUrl {
        stack,
        logical_id: resource.logical_id.clone(),
        span: resource.span,
        function: named.map(|t| t.function),
        qualifier: qualifier_text,
        arn,
        auth: auth_node.map_or(UrlAuth::Unknown, |a| UrlAuth::of(&r.resolve(stack, a))),
        auth_span: auth_node.map(|a| a.span),
        sam: false,
        targets: Vec::new(),
        callers: Vec::new(),
    }))
}

/// SAM's `FunctionUrlConfig`: the URL `<Fn>Url` on the function, or on its alias with
/// `AutoPublishAlias` (sam_resources.py:1366-1398).
fn sam_url(
    r: &Resolver<'_>,
    stack: StackId,
    template: &Template,
    function: &crate::template::Resource,
) -> Option<FunctionUrl> {
    // Merging Globals copies the properties: only for a function that has a URL.
    let in_globals = template
        .globals
        .as_ref()
        .and_then(|g| g.get("Function"))
        .and_then(|f| f.get("FunctionUrlConfig"))
        .is_some();
    if function.property("FunctionUrlConfig").is_none() && !in_globals {
        return None;
    }
    let properties = globals::merged_properties(template, function)?;
    let config = properties.entry("FunctionUrlConfig")?;
    let alias = properties.get("AutoPublishAlias").is_some();
    let arn = if alias {
        r.reference(stack, &format!("{}.Alias", function.logical_id))
    } else {
        r.attribute(stack, &function.logical_id, "Arn")
    };
    let auth_node = config.value.get("AuthType");
    let qualifier = arn
        .as_str()
        .and_then(FunctionArn::parse)
        .and_then(|a| a.qualifier_text());
    Some(complete(FunctionUrl {
        stack,
        logical_id: format!("{}Url", function.logical_id),
        span: config.key.span,
        function: Some(function.logical_id.clone()),
        qualifier,
        arn: Some(arn),
        auth: auth_node.map_or(UrlAuth::Unknown, |a| UrlAuth::of(&r.resolve(stack, a))),
        auth_span: auth_node.map(|a| a.span),
        sam: config.value.as_intrinsic().is_none(),
        targets: Vec::new(),
        callers: Vec::new(),
    }))
}

fn complete(mut url: FunctionUrl) -> FunctionUrl {
    url.targets = url
        .arn
        .as_ref()
        .and_then(Value::strings)
        .map(|strings| strings.into_iter().map(Target::from_sym_str).collect())
        .unwrap_or_default();
    url
}
