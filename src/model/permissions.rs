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

use std::collections::HashMap;

use super::function_arn::FunctionArn;
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
    /// `FunctionUrlAuthType` (`NONE`, `AWS_IAM`): the grant applies to function URL requests of that
    /// auth type only.
    pub function_url_auth_type: Option<Value>,
    /// `InvokedViaFunctionUrl: true`: the grant applies to invocations through a function URL only.
    pub invoked_via_function_url: bool,
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
                    "InvokedViaFunctionUrl",
                ]
                .iter()
                .any(|k| permission.property(k).is_some()),
                function_url_auth_type: value("FunctionUrlAuthType"),
                invoked_via_function_url: permission
                    .property("InvokedViaFunctionUrl")
                    .and_then(crate::load::Node::as_bool)
                    == Some(true),
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
            function_url_auth_type: None,
            invoked_via_function_url: false,
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

    /// Whether the action is `lambda:InvokeFunction` (or a literal pattern matching it); `None` when a
    /// template value decides.
    fn invokes(&self) -> Option<bool> {
        let action = self.action.as_ref()?.as_literal()?;
        Some(action_matches(action, "lambda:InvokeFunction"))
    }

    /// Whether the principal is surely an AWS service (`apigateway.amazonaws.com`, `s3.amazonaws.com`):
    /// a statement that no role or user of an account can match.
    pub fn is_for_service(&self) -> bool {
        self.principal
            .as_ref()
            .and_then(Value::as_literal)
            .is_some_and(|p| p.ends_with(".amazonaws.com") || p.ends_with(".amazonaws.com.cn"))
    }

    /// Whether the principal is API Gateway's service; `None` when a template value decides.
    fn is_for_api_gateway(&self) -> Option<bool> {
        let principal = self.principal.as_ref()?.as_literal()?;
        Some(principal.starts_with("apigateway."))
    }

    /// Whether `FunctionName` (with `Qualifier`) names the ARN the route invokes, as Lambda applies a
    /// resource policy: the same function and the same version or alias (see
    /// [`crate::model::function_arn`]). `None` when template values decide.
    fn names_target(&self, route: &Route) -> Option<bool> {
        self.names_arn(route.target.as_ref()?)
    }

    /// Whether `FunctionName` (with `Qualifier`) names `target` (a function ARN, qualified or not)
    /// exactly. `None` when template values decide.
    pub fn names_arn(&self, target: &Value) -> Option<bool> {
        if self.function_name.is_none() {
            return Some(false);
        }
        let named = self.function_arn.as_ref()?;
        let targets = target.strings()?;
        let mut answer = Some(false);
        for target in targets {
            let same = match (FunctionArn::parse(named), FunctionArn::parse(target)) {
                (Some(a), Some(b)) => a.same_resource(&b),
                _ => Value::Str(named.clone()).equals(&Value::Str(target.clone())),
            };
            match same {
                Some(true) => return Some(true),
                None => answer = None,
                Some(false) => {}
            }
        }
        answer
    }

    /// Whether the permission grants `action` (or a literal pattern matching it) to everyone
    /// (`Principal: '*'`); `None` when a template value decides.
    pub fn grants_everyone(&self, action: &str) -> Option<bool> {
        let principal = self.principal.as_ref()?.as_literal()?;
        let granted = self.action.as_ref()?.as_literal()?;
        Some(principal == "*" && action_matches(granted, action))
    }

    /// How much of the route this permission's `SourceArn` covers for API Gateway.
    fn source_coverage(&self, route: &Route) -> Option<Coverage> {
        let Some(source) = &self.source_arn else {
            return Some(Coverage::All);
        };
        let pattern = Pattern::new(source.as_str()?, false);
        let coverages: Vec<Coverage> = route
            .execute_api
            .iter()
            .map(|t| pattern.coverage(t))
            .collect();
        Some(if coverages.iter().all(|c| *c == Coverage::All) {
            Coverage::All
        } else if coverages.iter().all(|c| *c == Coverage::None) {
            Coverage::None
        } else {
            Coverage::Some
        })
    }
}

/// The permissions for API Gateway that name the route's function with another qualifier (the bare
/// function for an alias route, or the reverse): they do not apply to the ARN the route invokes.
/// Each comes with the qualifier it names (`None`: the unqualified function).
pub fn other_qualifier_permissions<'p>(
    permissions: &[&'p LambdaPermission],
    route: &Route,
) -> Vec<(&'p LambdaPermission, Option<String>)> {
    let targets: Vec<FunctionArn> = route
        .target
        .as_ref()
        .and_then(Value::strings)
        .unwrap_or_default()
        .into_iter()
        .filter_map(FunctionArn::parse)
        .collect();
    permissions
        .iter()
        .copied()
        .filter(|p| p.is_for_api_gateway() != Some(false))
        .filter_map(|p| {
            let named = p.function_arn.as_ref().and_then(FunctionArn::parse)?;
            let other = targets.iter().any(|t| {
                let same_function =
                    Value::Str(named.function.clone()).equals(&Value::Str(t.function.clone()));
                same_function == Some(true) && named.qualifier != t.qualifier
            });
            other.then(|| (p, named.qualifier_text()))
        })
        .collect()
}

/// The permissions indexed by the function name they name, so that a route meets only the permissions
/// that may concern its target (not every permission of the deployment: that cost grows with the
/// square of the deployment). A permission whose function name is not plain text or one generated
/// id (a parameter, a name built from the region, no readable name) is met by every route.
#[derive(Debug, Default)]
pub struct PermissionIndex {
    by_name: HashMap<SymStr, Vec<usize>>,
    everywhere: Vec<usize>,
}

impl PermissionIndex {
    pub fn new(permissions: &[LambdaPermission]) -> PermissionIndex {
        let mut index = PermissionIndex::default();
        for (i, permission) in permissions.iter().enumerate() {
            match permission.function_arn.as_ref().and_then(name_key) {
                Some(key) => index.by_name.entry(key).or_default().push(i),
                None => index.everywhere.push(i),
            }
        }
        index
    }

    /// The permissions that may name the route's target, in deployment order.
    pub fn for_route<'p>(
        &self,
        permissions: &'p [LambdaPermission],
        route: &Route,
    ) -> Vec<&'p LambdaPermission> {
        self.for_target(permissions, route.target.as_ref())
    }

    /// The permissions that may name `target` (a function ARN, qualified or not), in deployment order.
    pub fn for_target<'p>(
        &self,
        permissions: &'p [LambdaPermission],
        target: Option<&Value>,
    ) -> Vec<&'p LambdaPermission> {
        let keys: Option<Vec<SymStr>> = target
            .and_then(Value::strings)
            .and_then(|strings| strings.into_iter().map(name_key).collect());
        let Some(keys) = keys else {
            return permissions.iter().collect();
        };
        let mut chosen: Vec<usize> = self.everywhere.clone();
        for key in &keys {
            chosen.extend(self.by_name.get(key).into_iter().flatten());
        }
        chosen.sort_unstable();
        chosen.dedup();
        chosen
            .into_iter()
            .filter_map(|i| permissions.get(i))
            .collect()
    }
}

/// The function-name segment of a Lambda ARN when it can only equal the same segment: plain text
/// without wildcards, or one generated unique id.
pub fn name_key(arn: &SymStr) -> Option<SymStr> {
    let name = FunctionArn::parse(arn)?.function;
    let (_, name) = super::function_arn::split_once_literal(&name, ":function:")?;
    let keyable = match name.parts() {
        [Part::Literal(text)] => !text.contains(['*', '?']),
        [Part::Symbol(symbol)] => symbol.is_unique_id(),
        _ => false,
    };
    keyable.then_some(name)
}

/// Whether API Gateway's own identity may invoke a route's target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceGrant {
    Yes,
    /// Perhaps; why.
    Maybe(String),
    No,
}

/// Whether some permission lets `apigateway.amazonaws.com` invoke the route's target: its principal,
/// action, function (with qualifier) and `SourceArn` all cover the route.
pub fn api_gateway_grant(permissions: &[&LambdaPermission], route: &Route) -> ServiceGrant {
    if route.function.is_none() {
        return ServiceGrant::Yes;
    }
    let mut maybe: Option<String> = None;
    for permission in permissions {
        let facts = [
            (permission.is_for_api_gateway(), "its Principal"),
            (permission.invokes(), "its Action"),
            (permission.names_target(route), "the function it names"),
        ];
        if facts.iter().any(|(fact, _)| *fact == Some(false)) {
            continue;
        }
        let coverage = permission.source_coverage(route);
        if coverage == Some(Coverage::None) {
            continue;
        }
        let unknown: Vec<&str> = facts
            .iter()
            .filter(|(fact, _)| fact.is_none())
            .map(|(_, what)| *what)
            .chain(coverage.is_none().then_some("its SourceArn"))
            .collect();
        if unknown.is_empty() && coverage == Some(Coverage::All) {
            return ServiceGrant::Yes;
        }
        maybe = Some(if unknown.is_empty() {
            format!(
                "{} covers the route only in part, or depending on unknown values",
                permission.logical_id
            )
        } else {
            format!(
                "{} may grant it, depending on {}",
                permission.logical_id,
                unknown.join(", ")
            )
        });
    }
    maybe.map_or(ServiceGrant::No, ServiceGrant::Maybe)
}

/// The ARN a request names for a `FunctionName` (a name, a partial or a full ARN) with its
/// `Qualifier`: `arn:{partition}:lambda:{region}:{account}:function:{name}[:{qualifier}]`.
pub fn function_arn(r: &Resolver<'_>, function: &SymStr, qualifier: Option<&Value>) -> SymStr {
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
