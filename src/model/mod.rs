//! The deployment model, built once from the [`Deployment`] with one resolver (one cache): APIs and
//! their routes with precomputed request targets, principals with their policies read into
//! documents, Lambda resource policies, CORS settings, edge origins, and the access decision of
//! every (route, principal) pair that can concern each other.
//!
//! Rules (but the REF/TPL ones, which also see the deployment) and `iamlint routes` read only this
//! model: they never see template nodes or a resolver. `sam/` and `apigw/` are the route builders
//! beneath it.

pub mod access;
pub mod api_policy;
pub mod apigw;
pub mod cors;
pub mod coverage;
pub mod edge;
pub mod function_arn;
pub mod permissions;
pub mod principals;
pub mod route;
pub mod sam;

use crate::deployment::Deployment;
use crate::resolve::{Resolver, StackId, Value};
use crate::source::{FileId, Location, Span};
use access::Access;
use cors::ApiCors;
use coverage::NotAnalysed;
use edge::EdgeOrigin;
use permissions::LambdaPermission;
use route::Route;

/// One template of the deployment, as findings name it.
#[derive(Debug, Clone)]
pub struct Stack {
    pub file: FileId,
    /// Its file name, or its path when two templates share the name.
    pub name: String,
    /// SAM transforms it.
    pub sam: bool,
}

/// Everything the rules check, built once.
pub struct Model {
    /// The configured partition (`aws`).
    pub partition: String,
    pub stacks: Vec<Stack>,
    /// Every API route, in stack and file order.
    pub routes: Vec<Route>,
    /// The principals and who may call which route.
    pub access: Access,
    /// Every `AWS::Lambda::Permission`.
    pub lambda_permissions: Vec<LambdaPermission>,
    /// The CORS settings of every API that has them.
    pub cors: Vec<ApiCors>,
    /// The origins of CloudFront distributions.
    pub edge_origins: Vec<EdgeOrigin>,
    /// What is not analysed (definitions not read, WebSocket and IAM-auth AppSync APIs, policies
    /// that cannot be read), each with why.
    pub not_analysed: Vec<NotAnalysed>,
}

impl Model {
    /// Builds the model of `deployment`.
    pub fn build(deployment: &Deployment) -> Model {
        let r = deployment.resolver();
        let written = deployment.symbolic_resolver();
        let mut routes = Vec::new();
        for (stack, template) in deployment.templates.iter().enumerate() {
            let definitions = &deployment.definitions;
            if template.is_sam() {
                routes.extend(sam::routes(&r, stack, template, definitions));
            }
            routes.extend(apigw::routes(&r, stack, template, definitions));
        }
        for route in &mut routes {
            complete(deployment, &r, &written, route);
        }
        let lambda_permissions = permissions::lambda_permissions(&r, &deployment.templates);
        let api_policies = api_policy::api_policies(&r, &deployment.templates);
        let access = Access::build(deployment, &r, &routes, &lambda_permissions, &api_policies);
        let cors = cors::apis(deployment, &routes);
        let not_analysed = coverage::not_analysed(deployment, &r, &access);
        Model {
            partition: deployment.config.partition.clone(),
            stacks: stacks(deployment),
            access,
            lambda_permissions,
            cors,
            edge_origins: edge::origins(&r, &deployment.templates),
            routes,
            not_analysed,
        }
    }

    /// Where a route is defined: in its stack's template, or in the document it includes.
    pub fn route_location(&self, route: &Route) -> Option<Location> {
        self.definition_location(route, route.span)
    }

    /// A span of the route's definition (its `span`, an integration's credentials): in the included
    /// document when the route comes from one, else in the stack's template.
    pub fn definition_location(&self, route: &Route, span: Span) -> Option<Location> {
        match route.definition_file {
            Some(file) => Some(Location { file, span }),
            None => self.location(route.stack, span),
        }
    }

    /// Where the route's authorization is decided (`auth_span`, always in the stack's template), else
    /// the route itself.
    pub fn auth_location(&self, route: &Route) -> Option<Location> {
        match route.auth_span {
            Some(span) => self.location(route.stack, span),
            None => self.route_location(route),
        }
    }

    /// The location of a span in a stack's file.
    pub fn location(&self, stack: StackId, span: Span) -> Option<Location> {
        self.stacks
            .get(stack)
            .map(|s| Location { file: s.file, span })
    }

    /// A short name for a stack in messages.
    pub fn stack_name(&self, stack: StackId) -> &str {
        self.stacks.get(stack).map_or("another stack", |s| &s.name)
    }

    /// Whether SAM transforms the stack.
    pub fn is_sam(&self, stack: StackId) -> bool {
        self.stacks.get(stack).is_some_and(|s| s.sam)
    }
}

/// Fills what a route builder leaves out: request targets, the names of the target function, the
/// target as the user writes it, and the API's span.
fn complete(deployment: &Deployment, r: &Resolver<'_>, written: &Resolver<'_>, route: &mut Route) {
    route.execute_api = access::execute_api_targets(r, route);
    if route.method == "ANY" {
        route.verbs = route::HTTP_VERBS
            .iter()
            .filter_map(|verb| {
                access::execute_api_targets_for(r, route, verb)
                    .into_iter()
                    .next()
            })
            .collect();
    }
    route.lambda = route
        .target
        .as_ref()
        .and_then(Value::strings)
        .map(|strings| {
            strings
                .into_iter()
                .map(crate::iam::pattern::Target::from_sym_str)
                .collect()
        });
    let template = deployment.template(route.stack);
    if let Some(api) = template.and_then(|t| t.resource(&route.api)) {
        route.api_span = api.span;
    }
    let Some(function) = route.function.clone() else {
        route.written_target = route.target.clone();
        return;
    };
    route.sam_function = template
        .and_then(|t| t.resource(&function))
        .is_some_and(|f| f.type_name() == "AWS::Serverless::Function");
    // Only a caller's credentials (or a role) need the ARN to grant, for the help of IAM001/IAM002.
    if route.invocation == route::Invocation::ServiceIdentity {
        return;
    }
    route.written_target = Some(written_target(r, written, route, &function));
}

/// The ARN a route invokes as the user writes it: the function's `Arn` with the qualifier the route
/// names (SAM's `Fn.Alias` for `AutoPublishAlias`), parameters left symbolic.
fn written_target(
    r: &Resolver<'_>,
    written: &Resolver<'_>,
    route: &Route,
    function: &str,
) -> Value {
    let arn = written.attribute(route.stack, function, "Arn");
    let Some(qualifier) = &route.qualifier else {
        return arn;
    };
    let sam_alias = format!("{function}.Alias");
    let is_sam_alias = route.sam_function
        && r.reference(route.stack, &sam_alias)
            .as_str()
            .and_then(function_arn::FunctionArn::parse)
            .and_then(|a| a.qualifier_text())
            .is_some_and(|q| &q == qualifier);
    if is_sam_alias {
        return written.reference(route.stack, &sam_alias);
    }
    Value::concat(vec![arn, Value::literal(format!(":{qualifier}"))])
}

/// Every stack with its display name.
fn stacks(deployment: &Deployment) -> Vec<Stack> {
    deployment
        .templates
        .iter()
        .enumerate()
        .map(|(stack, template)| Stack {
            file: template.file,
            name: deployment.stack_name(stack),
            sam: template.is_sam(),
        })
        .collect()
}
