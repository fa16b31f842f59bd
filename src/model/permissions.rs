//! Resource-based policies of Lambda functions: every `AWS::Lambda::Permission` of the deployment,
//! resolved once, for the two questions rules ask of them.
//!
//! - [`api_gateway_grant`]: may API Gateway's service identity invoke a route's target (a permission
//!   for `apigateway.amazonaws.com` naming the function, whose `SourceArn` covers the route)?
//! - A caller's own `lambda:InvokeFunction`: each permission is also one resource-policy statement
//!   ([`LambdaPermission::policy`], built with `Statement::resource_grant`) that the evaluator
//!   (`iam::eval::evaluate_request`) combines with the caller's policies as IAM does: in one account
//!   a permission naming the caller's role ARN allows within its boundary, an account or root
//!   principal only delegates to the caller's own policies, and `SourceArn`, `SourceAccount`,
//!   `PrincipalOrgID` or `FunctionUrlAuthType` make the grant conditional.

use super::route::Route;
use crate::iam::pattern::{Coverage, Pattern, Target, action_matches, coverage_of_any};
use crate::iam::policy::{PolicyDocument, PrincipalSet, Statement};
use crate::resolve::{Part, Resolver, StackId, SymStr, Value};
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
    /// The permission as a resource-policy document of one statement (none without a `Principal`
    /// or a `FunctionName` that can be read).
    pub policy: Option<PolicyDocument>,
}

/// Every `AWS::Lambda::Permission` of the deployment's templates.
pub fn lambda_permissions(r: &Resolver<'_>, templates: &[Template]) -> Vec<LambdaPermission> {
    let mut out = Vec::new();
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
            let mut read = LambdaPermission {
                stack,
                logical_id: permission.logical_id.clone(),
                span: permission.span,
                principal: value("Principal"),
                action: value("Action"),
                function_name,
                qualifier,
                function_arn,
                source_arn: value("SourceArn"),
                other_conditions: [
                    "SourceAccount",
                    "PrincipalOrgID",
                    "FunctionUrlAuthType",
                    "EventSourceToken",
                ]
                .iter()
                .any(|k| permission.property(k).is_some()),
                policy: None,
            };
            read.policy = read.as_policy();
            out.push(read);
        }
    }
    out
}

impl LambdaPermission {
    /// The permission SAM writes for a function's `Api`/`HttpApi` event (`sam::event_permissions`):
    /// `apigateway.amazonaws.com` may `lambda:InvokeFunction` `function_name` from `source_arn`, read
    /// like a written one.
    pub fn for_api_gateway(
        r: &Resolver<'_>,
        stack: StackId,
        logical_id: String,
        span: Span,
        function_name: Value,
        source_arn: Value,
    ) -> LambdaPermission {
        let function_arn = function_name.as_str().map(|f| function_arn(r, f, None));
        let mut generated = LambdaPermission {
            stack,
            logical_id,
            span,
            principal: Some(Value::literal("apigateway.amazonaws.com")),
            action: Some(Value::literal("lambda:InvokeFunction")),
            function_name: Some(function_name),
            qualifier: None,
            function_arn,
            source_arn: Some(source_arn),
            other_conditions: false,
            policy: None,
        };
        generated.policy = generated.as_policy();
        generated
    }

    /// One `Allow` statement: the `Principal`, the `Action` (an entry that is not literal text stays
    /// uncertain), the ARN `FunctionName` names, conditional when the permission has conditions.
    fn as_policy(&self) -> Option<PolicyDocument> {
        let principal = self.principal.as_ref()?;
        let arn = self.function_arn.clone()?;
        let literal_action = self.action.as_ref().and_then(Value::as_literal);
        let mut statement = Statement::resource_grant(
            PrincipalSet::of_permission_principal(principal),
            literal_action.map(str::to_string).into_iter().collect(),
            vec![Value::Str(arn)],
            self.source_arn.is_some() || self.other_conditions,
            self.span,
        );
        if literal_action.is_none() {
            statement.uncertain_actions = self.action.iter().cloned().collect();
        }
        Some(PolicyDocument {
            statements: vec![statement],
            span: self.span,
            ..PolicyDocument::default()
        })
    }

    /// Whether the permission may concern an invocation of `target` (its function ARN does not rule
    /// the target out).
    pub fn may_name(&self, target: &Target) -> bool {
        self.policy
            .iter()
            .flat_map(|p| &p.statements)
            .any(|statement| {
                coverage_of_any(statement.literal_patterns(false), target) != Coverage::None
            })
    }

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
