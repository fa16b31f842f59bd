//! Resource-based policies of Lambda functions: every `AWS::Lambda::Permission` of the deployment,
//! resolved once, and the two questions rules ask of them.
//!
//! - [`api_gateway_grant`]: may API Gateway's service identity invoke a route's target (a permission
//!   for `apigateway.amazonaws.com` naming the function, whose `SourceArn` covers the route)?
//! - [`grant_to_caller`]: does a permission name the caller itself (its role or user ARN), so that a
//!   same-account call with the caller's credentials is allowed by the function's policy even
//!   without an identity grant?
//!
//! Semantics (iam-semantics.md; AWS "policy evaluation logic"): within one account a request is
//! allowed when the identity policies or the resource policy allow it; a permissions boundary still
//! limits a grant the resource policy gives to the role ARN. iamlint's callers are of the same
//! account as the deployment's functions (one account per deployment unless configured); an account
//! or root principal only delegates to the account's IAM policies, so it grants the caller nothing of
//! its own (as `iam::eval` decides it too). A permission with `SourceArn`, `SourceAccount`,
//! `PrincipalOrgID` or `FunctionUrlAuthType` is conditional for a caller: it counts as *maybe*.

use super::route::Route;
use crate::iam::pattern::{Coverage, Pattern, Target, action_matches};
use crate::resolve::{Part, Resolver, StackId, SymStr, Symbol, Value};
use crate::source::Span;
use crate::template::Template;

/// One `AWS::Lambda::Permission`, resolved.
#[derive(Debug, Clone)]
pub struct LambdaPermission {
    pub stack: StackId,
    pub logical_id: String,
    pub span: Span,
    pub principal: Option<Value>,
    pub action: Option<Value>,
    pub function_name: Option<Value>,
    pub qualifier: Option<Value>,
    pub source_arn: Option<Value>,
    /// `SourceAccount`, `PrincipalOrgID`, `FunctionUrlAuthType` or `EventSourceToken` is set.
    pub other_conditions: bool,
    /// The ARN a request names when it invokes what `FunctionName` (and `Qualifier`) names.
    pub function_arn: Option<SymStr>,
    /// The deployment's account id, and its root ARN (`arn:aws:iam::{account}:root`).
    pub account: SymStr,
    pub account_root: SymStr,
}

/// Every `AWS::Lambda::Permission` of the deployment's templates.
pub fn lambda_permissions(r: &Resolver<'_>, templates: &[Template]) -> Vec<LambdaPermission> {
    let mut out = Vec::new();
    let account = r
        .account_id()
        .as_str()
        .cloned()
        .unwrap_or_else(|| SymStr::symbol(Symbol::AccountId));
    let mut account_root = SymStr::literal(format!("arn:{}:iam::", r.config().partition));
    account_root.append(&account);
    account_root.push_literal(":root");
    for (stack, template) in templates.iter().enumerate() {
        for permission in template
            .resources
            .iter()
            .filter(|p| p.type_name() == "AWS::Lambda::Permission")
        {
            let value = |name: &str| permission.property(name).map(|n| r.resolve(stack, n));
            let function_name = value("FunctionName");
            let qualifier = value("Qualifier");
            let function_arn = function_name
                .as_ref()
                .and_then(Value::as_str)
                .map(|f| function_arn(r, f, qualifier.as_ref()));
            out.push(LambdaPermission {
                stack,
                logical_id: permission.logical_id.clone(),
                span: permission.span,
                principal: value("Principal"),
                action: value("Action"),
                function_name,
                qualifier,
                function_arn,
                account: account.clone(),
                account_root: account_root.clone(),
                source_arn: value("SourceArn"),
                other_conditions: [
                    "SourceAccount",
                    "PrincipalOrgID",
                    "FunctionUrlAuthType",
                    "EventSourceToken",
                ]
                .iter()
                .any(|k| permission.property(k).is_some()),
            });
        }
    }
    out
}

impl LambdaPermission {
    /// The action is `lambda:InvokeFunction` (or a literal pattern matching it); unknown counts.
    fn may_invoke(&self) -> bool {
        self.action
            .as_ref()
            .and_then(Value::as_literal)
            .is_none_or(|a| action_matches(a, "lambda:InvokeFunction"))
    }

    /// Whether `FunctionName` names the route's target: the alias ARN (or a `Qualifier`) for an alias
    /// route, else the function's name or ARN.
    fn names_target(&self, route: &Route) -> bool {
        let Some(named) = &self.function_name else {
            return false;
        };
        match (&route.alias, &route.target) {
            (Some(_), Some(target)) => {
                named.equals(target) == Some(true) || self.qualifier.is_some()
            }
            _ => route
                .function_names
                .iter()
                .any(|name| named.equals(name) == Some(true)),
        }
    }
}

/// Whether API Gateway's own identity may invoke a route's target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceGrant {
    Yes,
    /// Perhaps; why.
    Maybe(String),
    No,
}

/// Whether some permission lets `apigateway.amazonaws.com` invoke the route's function.
pub fn api_gateway_grant(permissions: &[LambdaPermission], route: &Route) -> ServiceGrant {
    if route.function.is_none() {
        return ServiceGrant::Yes;
    }
    let mut maybe: Option<String> = None;
    for permission in permissions {
        let principal = permission.principal.as_ref().and_then(Value::as_literal);
        if principal.is_some_and(|p| !p.starts_with("apigateway.")) {
            continue;
        }
        if !permission.may_invoke() || !permission.names_target(route) {
            continue;
        }
        let Some(source) = &permission.source_arn else {
            return ServiceGrant::Yes;
        };
        let Some(source) = source.as_str() else {
            maybe = Some(format!(
                "the SourceArn of {} is not known",
                permission.logical_id
            ));
            continue;
        };
        let pattern = Pattern::new(source, false);
        let coverages: Vec<Coverage> = route
            .execute_api
            .iter()
            .map(|t| pattern.coverage(t))
            .collect();
        if coverages.iter().all(|c| *c == Coverage::All) {
            return ServiceGrant::Yes;
        }
        if coverages.iter().any(|c| *c != Coverage::None) {
            maybe = Some(format!(
                "{} covers the route only in part, or depending on unknown values",
                permission.logical_id
            ));
        }
    }
    maybe.map_or(ServiceGrant::No, ServiceGrant::Maybe)
}

/// Whether a permission grants the caller (`caller_arn`, a role or user ARN of the deployment's
/// account) `lambda:InvokeFunction` on `target`: `Some(Ok)` surely, `Some(Err(why))` perhaps, `None`
/// when no permission names the caller.
pub fn grant_to_caller(
    permissions: &[LambdaPermission],
    caller_arn: &Value,
    target: &Target,
) -> Option<Result<(), String>> {
    let mut maybe = None;
    for permission in permissions {
        if !permission.may_invoke() {
            continue;
        }
        let Some(arn) = &permission.function_arn else {
            continue;
        };
        let coverage = Pattern::new(arn, false).coverage(target);
        if coverage == Coverage::None {
            continue;
        }
        let Some(principal) = &permission.principal else {
            continue;
        };
        match names_principal(permission, principal, caller_arn) {
            Some(false) => continue,
            Some(true)
                if coverage == Coverage::All
                    && !permission.other_conditions
                    && permission.source_arn.is_none() =>
            {
                return Some(Ok(()));
            }
            _ => {
                maybe = Some(format!(
                    "{} may grant the caller lambda:InvokeFunction, depending on its principal, its conditions or unknown values",
                    permission.logical_id
                ));
            }
        }
    }
    maybe.map(Err)
}

/// Whether a permission's `Principal` names the caller itself: its role or user ARN. The account id
/// and the root ARN do not (they delegate to the caller's identity policies). Three-valued: `None`
/// when a symbol hides it.
fn names_principal(
    permission: &LambdaPermission,
    principal: &Value,
    caller_arn: &Value,
) -> Option<bool> {
    let text = principal.as_str()?;
    if text
        .as_literal()
        .is_some_and(|l| l.ends_with(".amazonaws.com"))
    {
        return Some(false);
    }
    // The account (id or root ARN) delegates to the account's own IAM policies: in the same account
    // it grants the caller nothing the identity policies do not.
    if *text == permission.account || *text == permission.account_root {
        return Some(false);
    }
    principal.equals(caller_arn)
}

/// The ARN a request names for a `FunctionName` (a name, a partial or a full ARN) with its
/// `Qualifier`: `arn:{partition}:lambda:{region}:{account}:function:{name}[:{qualifier}]`.
fn function_arn(r: &Resolver<'_>, function: &SymStr, qualifier: Option<&Value>) -> SymStr {
    let is_arn =
        matches!(function.parts().first(), Some(Part::Literal(t)) if t.starts_with("arn:"));
    let mut arn = if is_arn {
        function.clone()
    } else {
        let prefix = Value::concat(vec![
            Value::literal(format!("arn:{}:lambda:", r.config().partition)),
            r.region(),
            Value::literal(":"),
            r.account_id(),
            Value::literal(":function:"),
        ]);
        let mut arn = prefix.as_str().cloned().unwrap_or_default();
        arn.append(function);
        arn
    };
    if let Some(q) = qualifier.and_then(Value::as_str) {
        arn.push_literal(":");
        arn.append(q);
    }
    arn
}
