//! Who may call a route: route × principal → decisions for `execute-api:Invoke` on the route and, when
//! API Gateway passes the caller's credentials, `lambda:InvokeFunction` on the exact target. Decided
//! once per pair when the model is built; the one place rules and `iamlint routes` ask.
//!
//! - A *caller* is a principal whose `execute-api:Invoke` is allowed on some stage of the route; one for
//!   which it is only conditional is a *possible caller* (rules give it undecided notes at most); a
//!   principal denied by an explicit Deny, its boundary or the lack of an Allow is neither.
//! - Resource-based policies take part through `iam::eval::evaluate_request`, as IAM combines them:
//!   the function's `AWS::Lambda::Permission`s for `lambda:InvokeFunction` (see
//!   [`super::permissions`]), the API's resource policy for `execute-api:Invoke` (see
//!   [`super::api_policy`]).
//! - Scale: a route meets only the principals whose grants can concern it. A grant whose every
//!   resource names a unique API id can only match routes holding that id (two resources never share a
//!   generated id); principals with other grants (`*`, parameters, managed policies) meet every route,
//!   and so does a route whose ARN holds a symbol that may be any text. Skipping the others changes no
//!   decision: it only spares evaluating `NoAllow`.
//! - Budget: the whole matrix costs at most [`MAX_MATRIX_WORK`] units (a route's candidate
//!   principals × its stages × the resources of each principal's statements that may name
//!   `execute-api:Invoke`, a resource weighing [`WILDCARD_WEIGHT`] when a wildcard stands inside its
//!   text, where the matcher explores, and 1 when it is literal, `*`, or a prefix ending in `*`).
//!   The matcher's own work over the matrix is bounded too ([`MAX_MATRIX_PATTERN_WORK`] positions,
//!   read off its meter before each question), since a pattern can be built to cost a question the
//!   matcher's whole per-question budget. A route that would take the
//!   matrix past it, and every route after it, is not decided ([`Access::is_decided`]): no callers
//!   are listed for it, rules draw no conclusion from that, and COV001 says once which routes.

use std::collections::HashMap;

use super::api_policy::ApiPolicy;
use super::permissions::{LambdaPermission, PermissionIndex};
use super::principals::{Attachment, Principal, principals};
use super::resource_policies::ServicePolicies;
use super::route::{Integration, Invocation, Route, ServiceRequest, execute_api_arn};
use crate::deployment::Deployment;
use crate::iam::eval::{
    Caller, Decision, DenialReason, PolicyOrigin, PolicySource, ResourcePolicy, StatementRef,
    evaluate, evaluate_request,
};
use crate::iam::managed::managed_policy;
use crate::iam::pattern::{Target, TargetPart, action_matches};
use crate::iam::policy::{ActionSet, Effect, PolicyDocument, ResourceSet, Statement};
use crate::resolve::{Resolver, StackId, SymStr, Symbol, Value};
use crate::source::Location;

pub const EXECUTE_API_INVOKE: &str = "execute-api:Invoke";

/// Most work (route × candidate principal × stage × the weighed resources of the principal's
/// statements that may name `execute-api:Invoke`) the access matrix of one run does before the
/// remaining routes are left undecided. A question is one pattern matched against one target: a
/// literal, `*` or prefix pattern is one unit, one with a wildcard inside [`WILDCARD_WEIGHT`] (the
/// matcher explores states). Measured (release build): a million `Resource: '*'` questions (1,000
/// routes × 1,000 roles) took 6.5 s; 100,000 questions of `${Api}/*/GET/r*3*` with a Deny (600
/// routes × 600 roles) 1.6 s. Small in the library's own tests, so that they reach it cheaply.
#[cfg(not(test))]
pub const MAX_MATRIX_WORK: usize = 1_000_000;
#[cfg(test)]
pub const MAX_MATRIX_WORK: usize = 20_000;

/// Most positions the pattern matcher steps over the whole matrix ([`crate::iam::pattern::work_spent`]),
/// past which the remaining routes are left undecided: the question count above cannot see a pattern
/// built to cost the matcher's whole per-question budget (`*a` and 20 `?`: 0.4 s a question).
#[cfg(not(test))]
pub const MAX_MATRIX_PATTERN_WORK: u64 = 50_000_000;
#[cfg(test)]
pub const MAX_MATRIX_PATTERN_WORK: u64 = 2_000_000;

/// What one question of a pattern with a wildcard inside weighs against [`MAX_MATRIX_WORK`].
pub const WILDCARD_WEIGHT: usize = 4;
pub const LAMBDA_INVOKE: &str = "lambda:InvokeFunction";

/// A policy of a principal, read once.
enum LoadedPolicy {
    Document {
        document: PolicyDocument,
        origin: PolicyOrigin,
    },
    Managed {
        arn: String,
        origin: PolicyOrigin,
    },
    Unknown {
        reason: String,
        origin: PolicyOrigin,
    },
}

/// The principals of a deployment with their policies, and who may call each route: decided once
/// per (route, principal) when the model is built.
pub struct Access {
    pub principals: Vec<Principal>,
    identity: Vec<Vec<LoadedPolicy>>,
    boundaries: Vec<Option<Vec<LoadedPolicy>>>,
    /// Per route (same order as the model's routes): its callers and possible callers.
    table: Vec<Vec<CallerAccess>>,
    /// Per route: its integration's credentials role, when one of the deployment.
    roles: Vec<Option<RoleAccess>>,
    /// The routes whose callers are not decided (past [`MAX_MATRIX_WORK`]), in route order.
    undecided: Vec<usize>,
    /// The deployment's account (callers and APIs are in it unless configured otherwise).
    account: SymStr,
}

/// One principal's access to one route.
#[derive(Debug, Clone)]
pub struct CallerAccess {
    /// Index into [`Access::principals`].
    pub principal: usize,
    /// `execute-api:Invoke` is allowed on some stage of the route: a caller. Otherwise it is only
    /// possibly allowed (conditions, unknown values, policies iamlint cannot read).
    pub definite: bool,
    /// `execute-api:Invoke` on the stage that grants the most (allowed, else conditional).
    pub execute_api: Decision,
    /// `execute-api:Invoke` on each stage of the route, in the route's stage order.
    pub stages: Vec<Decision>,
    /// `lambda:InvokeFunction` on the target, when the route passes the caller's credentials.
    pub lambda_invoke: Option<Decision>,
    /// The AWS service call of the integration ([`ServiceRequest`]), when the route passes the
    /// caller's credentials to an AWS service whose action iamlint knows.
    pub service_call: Option<Decision>,
}

/// The fixed role of a route's integration credentials, when it is a principal of the deployment.
#[derive(Debug, Clone)]
pub struct RoleAccess {
    /// Index into [`Access::principals`].
    pub principal: usize,
    /// The AWS service call of the integration ([`ServiceRequest`]), when iamlint knows its action
    /// and the role is not one SAM writes.
    pub service_call: Option<Decision>,
}

/// A part of a principal's policy that could not be read (see [`Access::unread_policies`]).
#[derive(Debug, Clone)]
pub struct UnreadPolicy {
    /// The principal's logical id.
    pub principal: String,
    /// What is not read, as a phrase: `a part of AdminRole policy InvokeApi`.
    pub what: String,
    pub location: Location,
    pub why: String,
}

/// Which APIs a principal's `execute-api` grants can name at all (the index that lets a route meet
/// only the principals that can concern it).
enum Reach {
    /// Some grant is not tied to one API of the deployment (`*`, a parameter, a managed policy).
    Any,
    /// Every grant names one of these unique API ids.
    Apis(Vec<Symbol>),
}

impl Access {
    /// Reads every principal's policies once and decides each route for the principals that can
    /// concern it. `lambda_grants` are the resource-based policies of the deployment's functions
    /// (`AWS::Lambda::Permission`) that may name a caller.
    pub fn build(
        deployment: &Deployment,
        r: &Resolver<'_>,
        routes: &[Route],
        lambda_grants: &[LambdaPermission],
        permission_index: &PermissionIndex,
        api_policies: &HashMap<(StackId, String), ApiPolicy>,
        service_policies: &ServicePolicies,
    ) -> Access {
        let (principals, attachments) = principals(deployment, r);
        let load_all = |p: &Principal, a: &[Attachment]| -> Vec<LoadedPolicy> {
            a.iter().map(|a| load(deployment, r, p, a)).collect()
        };
        let identity = principals
            .iter()
            .zip(&attachments)
            .map(|(p, a)| load_all(p, &a.identity))
            .collect();
        let boundaries = principals
            .iter()
            .zip(&attachments)
            .map(|(p, a)| {
                a.boundary
                    .as_ref()
                    .map(|b| load_all(p, std::slice::from_ref(b)))
            })
            .collect();
        let account = r
            .account_id()
            .as_str()
            .cloned()
            .unwrap_or_else(|| SymStr::symbol(Symbol::AccountId));
        let mut access = Access {
            principals,
            identity,
            boundaries,
            table: Vec::new(),
            roles: Vec::new(),
            undecided: Vec::new(),
            account,
        };
        let index = access.reach_index();
        let statements: Vec<usize> = (0..access.principals.len())
            .map(|p| access.statement_count(p))
            .collect();
        let mut work_left = MAX_MATRIX_WORK;
        let pattern_work_at_start = crate::iam::pattern::work_spent();
        let mut undecided = Vec::new();
        access.table = routes
            .iter()
            .enumerate()
            .map(|(route_index, route)| {
                // Past the budget, this route and every later one are left undecided.
                if !undecided.is_empty() {
                    undecided.push(route_index);
                    return Vec::new();
                }
                let policy = api_policies.get(&(route.stack, route.api.clone()));
                // A resource policy may grant principals without an identity grant: all meet it.
                let candidates: Vec<usize> = match policy {
                    Some(_) => (0..access.principals.len()).collect(),
                    None => index.candidates(route),
                };
                let stages = route.execute_api.len().max(1);
                let work = candidates.iter().fold(0usize, |sum, p| {
                    let questions = statements.get(*p).copied().unwrap_or(1);
                    sum.saturating_add(stages.saturating_mul(questions))
                });
                if work > work_left {
                    undecided.push(route_index);
                    return Vec::new();
                }
                work_left -= work;
                // A permission for an AWS service (SAM's for API Gateway) never names a role or user.
                let mut grants = permission_index.for_route(lambda_grants, route);
                grants.retain(|p| !p.is_for_service());
                let mut callers = Vec::new();
                for principal in candidates {
                    // Checked before each question: one question costs at most the matcher's own
                    // budget, so the matrix overshoots by no more than that.
                    if pattern_work_since(pattern_work_at_start) > MAX_MATRIX_PATTERN_WORK {
                        undecided.push(route_index);
                        return Vec::new();
                    }
                    callers.extend(access.route_access(
                        principal,
                        route,
                        policy,
                        &grants,
                        service_policies,
                    ));
                }
                callers
            })
            .collect();
        let mut by_arn: HashMap<&Value, usize> = HashMap::new();
        for (i, p) in access.principals.iter().enumerate() {
            by_arn.entry(&p.arn).or_insert(i);
        }
        let roles = routes
            .iter()
            .map(|route| access.role_access(route, &by_arn, service_policies))
            .collect();
        drop(by_arn);
        access.roles = roles;
        access.undecided = undecided;
        access
    }

    /// Whether the callers of route `route` are decided (not past [`MAX_MATRIX_WORK`]). An
    /// undecided route lists no callers, which says nothing about who may call it.
    pub fn is_decided(&self, route: usize) -> bool {
        self.undecided.binary_search(&route).is_err()
    }

    /// The routes whose callers are not decided, in route order.
    pub fn undecided_routes(&self) -> &[usize] {
        &self.undecided
    }

    /// How much work one `execute-api:Invoke` target costs principal `index`: the resources of
    /// its identity statements that may name the action (at least 1).
    fn statement_count(&self, index: usize) -> usize {
        let questions: usize = self
            .documents(index)
            .flat_map(|(document, _)| &document.statements)
            .filter(|statement| may_name_action(statement, EXECUTE_API_INVOKE))
            .map(|statement| match &statement.resources {
                ResourceSet::Resource(values) | ResourceSet::NotResource(values) => {
                    values.iter().map(question_weight).sum::<usize>().max(1)
                }
            })
            .sum();
        questions.max(1)
    }

    /// The integration's credentials role of route `route`, when one of the deployment.
    pub fn role(&self, route: usize) -> Option<&RoleAccess> {
        self.roles.get(route)?.as_ref()
    }

    /// The principal that is `route`'s credentials role, with its service call decided.
    fn role_access(
        &self,
        route: &Route,
        by_arn: &HashMap<&Value, usize>,
        service_policies: &ServicePolicies,
    ) -> Option<RoleAccess> {
        let Invocation::Role { arn, .. } = &route.invocation else {
            return None;
        };
        // The same value is the same role; another spelling of it is found by comparing.
        let principal = match by_arn.get(arn) {
            Some(&i) => i,
            None => self
                .principals
                .iter()
                .position(|p| p.arn.equals(arn) == Some(true))?,
        };
        let service_call = match &route.integration {
            Integration::AwsService(service) if !service.role_by_sam => service
                .request
                .as_ref()
                .map(|request| self.decide_service_call(principal, request, service_policies)),
            _ => None,
        };
        Some(RoleAccess {
            principal,
            service_call,
        })
    }

    /// A service call for principal `index`: its identity policies, with the service's resource
    /// policies of the deployment (queue, topic, bucket) as the resource policy, on every target.
    pub fn decide_service_call(
        &self,
        index: usize,
        request: &ServiceRequest,
        service_policies: &ServicePolicies,
    ) -> Decision {
        let policies = service_policies.for_action(&request.action);
        let sources: Vec<PolicySource<'_>> = policies
            .iter()
            .map(|p| PolicySource::Known {
                document: &p.document,
                origin: PolicyOrigin::new(format!("resource policy {}", p.logical_id), None),
            })
            .collect();
        let decisions = request
            .targets()
            .iter()
            .map(|target| {
                if sources.is_empty() {
                    self.decide(index, &request.action, target)
                } else {
                    self.decide_with_resource_policy(index, &sources, &request.action, target)
                }
            })
            .collect();
        every_target(decisions)
    }

    /// The callers and possible callers of route `route` (an index into the model's routes).
    pub fn callers(&self, route: usize) -> &[CallerAccess] {
        self.table.get(route).map_or(&[], Vec::as_slice)
    }

    /// Decides one principal's access to a route; `None` when it may not call the route at all.
    fn route_access(
        &self,
        principal: usize,
        route: &Route,
        policy: Option<&ApiPolicy>,
        lambda_grants: &[&LambdaPermission],
        service_policies: &ServicePolicies,
    ) -> Option<CallerAccess> {
        let stages: Vec<Decision> = route
            .execute_api
            .iter()
            .map(|t| match policy {
                Some(policy) => self.decide_with_api_policy(principal, policy, t),
                None => self.decide(principal, EXECUTE_API_INVOKE, t),
            })
            .collect();
        let best = stages
            .iter()
            .find(|d| d.is_allowed())
            .or_else(|| {
                stages
                    .iter()
                    .find(|d| matches!(d, Decision::Conditional { .. }))
            })?
            .clone();
        let lambda_invoke = match (&route.invocation, &route.lambda) {
            // Only a Lambda integration invokes a function with the caller's credentials.
            _ if !route.integration.is_lambda() => None,
            (Invocation::CallerCredentials, Some(targets)) => {
                Some(self.decide_lambda(principal, targets, lambda_grants))
            }
            (Invocation::CallerCredentials, None) => Some(Decision::Conditional {
                reasons: vec!["the Lambda the route invokes is not known".to_string()],
                grants: Vec::new(),
            }),
            _ => None,
        };
        let service_call = match (&route.invocation, &route.integration) {
            (Invocation::CallerCredentials, Integration::AwsService(service)) => service
                .request
                .as_ref()
                .map(|request| self.decide_service_call(principal, request, service_policies)),
            _ => None,
        };
        Some(CallerAccess {
            principal,
            definite: best.is_allowed(),
            execute_api: best,
            stages,
            lambda_invoke,
            service_call,
        })
    }

    /// Whether the principal's identity policies may allow `action` on anything: some Allow statement
    /// names it, or a policy cannot be read. A principal for whom this is false is denied `action`
    /// everywhere (unless a resource policy names it), so checks can skip it.
    pub fn may_allow(&self, principal: usize, action: &str) -> bool {
        let Some(policies) = self.identity.get(principal) else {
            return false;
        };
        policies.iter().any(|policy| match policy {
            LoadedPolicy::Document { document, .. } => document
                .statements
                .iter()
                .any(|s| s.effect == Effect::Allow && may_name_action(s, action)),
            LoadedPolicy::Managed { arn, .. } => managed_policy(arn).is_none_or(|m| {
                !m.is_exact_for(action)
                    || m.document
                        .statements
                        .iter()
                        .any(|s| s.effect == Effect::Allow && may_name_action(s, action))
            }),
            LoadedPolicy::Unknown { .. } => true,
        })
    }

    /// The functions the principal's identity policies may allow `action` on: the function names
    /// (see [`super::permissions::name_key`]) their Allow statements name, or `None` when some
    /// statement may reach any function (a wildcard name, `*`, `NotResource`, an unreadable policy).
    pub fn function_reach(&self, principal: usize, action: &str) -> Option<Vec<SymStr>> {
        let mut names = Vec::new();
        for policy in self.identity.get(principal)? {
            let statements = match policy {
                LoadedPolicy::Document { document, .. } => &document.statements,
                LoadedPolicy::Managed { arn, .. } => match managed_policy(arn) {
                    Some(m) if m.is_exact_for(action) => &m.document.statements,
                    _ => return None,
                },
                LoadedPolicy::Unknown { .. } => return None,
            };
            for statement in statements {
                if statement.effect != Effect::Allow || !may_name_action(statement, action) {
                    continue;
                }
                let ResourceSet::Resource(values) = &statement.resources else {
                    return None;
                };
                for value in values {
                    for string in value.strings()? {
                        names.push(super::permissions::name_key(string)?);
                    }
                }
            }
        }
        Some(names)
    }

    /// `lambda:InvokeFunction` on every target: the caller's policies with the function's
    /// `AWS::Lambda::Permission`s as its resource policy.
    pub fn decide_lambda(
        &self,
        principal: usize,
        targets: &[Target],
        permissions: &[&LambdaPermission],
    ) -> Decision {
        self.decide_lambda_action(principal, LAMBDA_INVOKE, targets, permissions)
    }

    /// A Lambda `action` (`lambda:InvokeFunction`, `lambda:InvokeFunctionUrl`) on every target, with
    /// the function's permissions as its resource policy.
    pub fn decide_lambda_action(
        &self,
        principal: usize,
        action: &str,
        targets: &[Target],
        permissions: &[&LambdaPermission],
    ) -> Decision {
        let decisions = targets
            .iter()
            .map(|target| {
                let sources: Vec<PolicySource<'_>> = permissions
                    .iter()
                    .filter(|p| p.may_name(target))
                    .filter_map(|p| {
                        Some(PolicySource::Known {
                            document: p.policy.as_ref()?,
                            origin: PolicyOrigin::new(
                                format!("AWS::Lambda::Permission {}", p.logical_id),
                                None,
                            ),
                        })
                    })
                    .collect();
                if sources.is_empty() {
                    self.decide(principal, action, target)
                } else {
                    self.decide_with_resource_policy(principal, &sources, action, target)
                }
            })
            .collect();
        every_target(decisions)
    }

    /// Which APIs each principal's identity policies can grant `execute-api:Invoke` on.
    fn reach_index(&self) -> ReachIndex {
        let mut index = ReachIndex::default();
        for (principal, policies) in self.identity.iter().enumerate() {
            match reach(policies) {
                Reach::Any => index.any.push(principal),
                Reach::Apis(apis) => {
                    for api in apis {
                        let entry = index.by_api.entry(api).or_default();
                        if !entry.contains(&principal) {
                            entry.push(principal);
                        }
                    }
                }
            }
        }
        index.count = self.identity.len();
        index
    }

    /// The identity policies of principal `index` as evaluator input for `action`.
    fn sources<'p>(policies: &'p [LoadedPolicy], action: &str) -> Vec<PolicySource<'p>> {
        policies
            .iter()
            .map(|policy| match policy {
                LoadedPolicy::Document { document, origin } => PolicySource::Known {
                    document,
                    origin: origin.clone(),
                },
                LoadedPolicy::Managed { arn, origin } => match managed_policy(arn) {
                    Some(managed) => managed.source_for(action, origin.clone()),
                    None => PolicySource::Unknown {
                        reason: format!("the managed policy {arn} is not in iamlint's table"),
                        origin: origin.clone(),
                    },
                },
                LoadedPolicy::Unknown { reason, origin } => PolicySource::Unknown {
                    reason: reason.clone(),
                    origin: origin.clone(),
                },
            })
            .collect()
    }

    /// The identity policies and the boundary of principal `index` as evaluator input for `action`.
    fn identity_and_boundary(
        &self,
        index: usize,
        action: &str,
    ) -> (Vec<PolicySource<'_>>, Option<Vec<PolicySource<'_>>>) {
        let identity = self.identity.get(index).map_or(&[][..], Vec::as_slice);
        let boundary = self
            .boundaries
            .get(index)
            .and_then(Option::as_ref)
            .map(|b| Self::sources(b, action));
        (Self::sources(identity, action), boundary)
    }

    /// Decides `action` on `target` for principal `index`.
    pub fn decide(&self, index: usize, action: &str, target: &Target) -> Decision {
        let (identity, boundary) = self.identity_and_boundary(index, action);
        evaluate(&identity, boundary.as_deref(), action, target)
    }

    /// `action` on `target` of a resource with a resource-based policy (`sources`): the caller's
    /// policies and the resource's, as IAM combines them (same account: either may allow, within
    /// the boundary for a grant to the role; an explicit Deny in either blocks).
    fn decide_with_resource_policy(
        &self,
        index: usize,
        sources: &[PolicySource<'_>],
        action: &str,
        target: &Target,
    ) -> Decision {
        let Some(caller_arn) = self.principals.get(index).and_then(|p| p.arn.as_str()) else {
            return self.decide(index, action, target);
        };
        let (identity, boundary) = self.identity_and_boundary(index, action);
        let resource = ResourcePolicy {
            sources,
            account: &self.account,
        };
        let caller = Caller {
            arn: caller_arn,
            account: &self.account,
        };
        evaluate_request(
            &identity,
            boundary.as_deref(),
            Some(&resource),
            &caller,
            action,
            target,
        )
    }

    /// `execute-api:Invoke` on `target` of an API with a resource policy; conditional where the
    /// policy is only partly modelled.
    fn decide_with_api_policy(
        &self,
        index: usize,
        policy: &ApiPolicy,
        target: &Target,
    ) -> Decision {
        let sources = [PolicySource::Known {
            document: &policy.document,
            origin: PolicyOrigin::new("the API's resource policy", None),
        }];
        let decision =
            self.decide_with_resource_policy(index, &sources, EXECUTE_API_INVOKE, target);
        match (&policy.unmodelled, decision) {
            (Some(why), Decision::Allowed { grants }) => Decision::Conditional {
                reasons: vec![why.clone()],
                grants,
            },
            (
                Some(why),
                Decision::Denied {
                    reason: DenialReason::NoAllow,
                    ..
                },
            ) => Decision::Conditional {
                reasons: vec![why.clone()],
                grants: Vec::new(),
            },
            (_, decision) => decision,
        }
    }

    /// The principal's policy that holds a statement the evaluator names (none for a statement of a
    /// resource policy: it is not the principal's).
    fn policy_of(&self, index: usize, statement: &StatementRef) -> Option<&LoadedPolicy> {
        if statement.resource {
            return None;
        }
        let policies = if statement.boundary {
            self.boundaries.get(index)?.as_ref()?
        } else {
            self.identity.get(index)?
        };
        policies.get(statement.policy)
    }

    /// Where a statement the evaluator names is written.
    pub fn statement_location(&self, index: usize, statement: &StatementRef) -> Option<Location> {
        let origin = match self.policy_of(index, statement)? {
            LoadedPolicy::Document { origin, .. }
            | LoadedPolicy::Managed { origin, .. }
            | LoadedPolicy::Unknown { origin, .. } => origin,
        };
        let file = origin.location?.file;
        Some(Location {
            file,
            span: statement.span,
        })
    }

    /// The statement the evaluator names, with where to point for it (the statement in a template, or
    /// the managed-policy attachment) and a label for the policy.
    pub fn statement(
        &self,
        index: usize,
        statement: &StatementRef,
    ) -> Option<(&Statement, Location, &str)> {
        match self.policy_of(index, statement)? {
            LoadedPolicy::Document { document, origin } => {
                let found = document.statements.get(statement.statement)?;
                let file = origin.location?.file;
                Some((
                    found,
                    Location {
                        file,
                        span: found.span,
                    },
                    origin.label.as_str(),
                ))
            }
            LoadedPolicy::Managed { arn, origin } => {
                let found = managed_policy(arn)?
                    .document
                    .statements
                    .get(statement.statement)?;
                Some((found, origin.location?, origin.label.as_str()))
            }
            LoadedPolicy::Unknown { .. } => None,
        }
    }

    /// What could not be read in the principals' policies (identity policies and boundaries), in
    /// principal order: statements or documents the reader skipped, and managed policies whose ARN is
    /// not a literal. A literal managed-policy ARN missing from the embedded table is not listed.
    pub fn unread_policies(&self) -> Vec<UnreadPolicy> {
        let mut out = Vec::new();
        let boundaries = self.boundaries.iter().map(|b| b.as_deref().unwrap_or(&[]));
        for (index, policies) in self.identity.iter().zip(boundaries).enumerate() {
            let Some(principal) = self.principals.get(index) else {
                continue;
            };
            for policy in policies.0.iter().chain(policies.1) {
                match policy {
                    LoadedPolicy::Document { document, origin } => {
                        let Some(file) = origin.location.map(|l| l.file) else {
                            continue;
                        };
                        out.extend(document.skipped.iter().map(|skipped| UnreadPolicy {
                            principal: principal.logical_id.clone(),
                            what: format!("a part of {}", origin.label),
                            location: Location {
                                file,
                                span: skipped.span,
                            },
                            why: skipped.reason.clone(),
                        }));
                    }
                    LoadedPolicy::Unknown { origin, .. } => {
                        let Some(location) = origin.location else {
                            continue;
                        };
                        out.push(UnreadPolicy {
                            principal: principal.logical_id.clone(),
                            what: format!("a managed policy of {}", principal.logical_id),
                            location,
                            why: "the managed policy's ARN is not a literal value (it depends on a parameter, a condition, an import or a resource outside the deployment)".to_string(),
                        });
                    }
                    LoadedPolicy::Managed { .. } => {}
                }
            }
        }
        out
    }

    /// Every policy document held by principal `index` (identity policies), with its origin.
    pub fn documents(
        &self,
        index: usize,
    ) -> impl Iterator<Item = (&PolicyDocument, &PolicyOrigin)> {
        self.identity
            .get(index)
            .into_iter()
            .flatten()
            .filter_map(|policy| match policy {
                LoadedPolicy::Document { document, origin } => Some((document, origin)),
                _ => None,
            })
    }

    /// The decision over several possible targets: allowed only if allowed for each.
    pub fn decide_any(&self, index: usize, action: &str, targets: &[Target]) -> Decision {
        every_target(
            targets
                .iter()
                .map(|t| self.decide(index, action, t))
                .collect(),
        )
    }
}

/// The decision over several possible targets (a condition chooses one): the common answer when
/// they agree, else conditional.
fn every_target(decisions: Vec<Decision>) -> Decision {
    if decisions.iter().all(Decision::is_allowed)
        || decisions.iter().all(Decision::is_denied)
        || decisions.len() == 1
    {
        return decisions
            .into_iter()
            .next()
            .unwrap_or(Decision::Conditional {
                reasons: Vec::new(),
                grants: Vec::new(),
            });
    }
    Decision::Conditional {
        reasons: vec!["the target depends on a condition that cannot be decided".to_string()],
        grants: Vec::new(),
    }
}

/// Reads one attachment: a document through the resolver, or a managed-policy ARN.
fn load(
    deployment: &Deployment,
    r: &Resolver<'_>,
    principal: &Principal,
    attachment: &Attachment,
) -> LoadedPolicy {
    match attachment {
        Attachment::Document {
            stack,
            name,
            document,
            span,
        } => LoadedPolicy::Document {
            document: PolicyDocument::from_node(document, *stack, r),
            origin: PolicyOrigin::new(
                format!("{} policy {name}", principal.logical_id),
                deployment.location(*stack, *span),
            ),
        },
        Attachment::Managed { stack, arn, span } => {
            let origin = PolicyOrigin::new(
                format!("{} managed policy {arn}", principal.logical_id),
                deployment.location(*stack, *span),
            );
            match arn.as_literal() {
                Some(arn) => LoadedPolicy::Managed {
                    arn: arn.to_string(),
                    origin,
                },
                None => LoadedPolicy::Unknown {
                    reason: format!("the managed policy ARN {arn} is not known"),
                    origin,
                },
            }
        }
    }
}

/// Principals by the APIs their grants can name.
#[derive(Default)]
struct ReachIndex {
    any: Vec<usize>,
    by_api: HashMap<Symbol, Vec<usize>>,
    count: usize,
}

impl ReachIndex {
    /// The principals whose grants can concern `route`, in principal order: those that may grant any
    /// API, and those naming a unique id the route's targets hold. A route whose targets hold a symbol
    /// that may be any text (a parameter) meets every principal.
    fn candidates(&self, route: &Route) -> Vec<usize> {
        let free = route
            .execute_api
            .iter()
            .any(|t| t.symbols().any(Symbol::is_free_text));
        if free {
            return (0..self.count).collect();
        }
        let mut out = self.any.clone();
        for target in &route.execute_api {
            for symbol in target.symbols().filter(|s| s.is_unique_id()) {
                out.extend(self.by_api.get(symbol).into_iter().flatten().copied());
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// The APIs a principal's identity policies can grant `execute-api:Invoke` on: a grant whose every
/// resource names a unique id (an API id symbol) can only match routes holding that id (see
/// `Pattern::names_unique_id_absent_from`); anything else may match any route.
fn reach(policies: &[LoadedPolicy]) -> Reach {
    let mut apis = Vec::new();
    for policy in policies {
        let LoadedPolicy::Document { document, .. } = policy else {
            return Reach::Any;
        };
        for statement in &document.statements {
            if statement.effect != Effect::Allow || !may_name_action(statement, EXECUTE_API_INVOKE)
            {
                continue;
            }
            let ResourceSet::Resource(values) = &statement.resources else {
                return Reach::Any;
            };
            for value in values {
                let Some(strings) = value.strings() else {
                    return Reach::Any;
                };
                for string in strings {
                    let Some(id) = string.symbols().find(|s| s.is_unique_id()) else {
                        return Reach::Any;
                    };
                    apis.push(id.clone());
                }
            }
        }
    }
    Reach::Apis(apis)
}

/// Whether a statement may apply to `action` (its `Action`, `NotAction` or an unknown entry).
fn may_name_action(statement: &Statement, action: &str) -> bool {
    if !statement.uncertain_actions.is_empty() {
        return true;
    }
    match &statement.actions {
        ActionSet::Action(patterns) => patterns.iter().any(|p| action_matches(p, action)),
        ActionSet::NotAction(patterns) => !patterns.iter().any(|p| action_matches(p, action)),
    }
}

/// `arn:{partition}:execute-api:{region}:{account}:{api}/{stage}/{METHOD}/{path}` for each stage,
/// with holes for path parameters, `ANY` and the `$default` route.
pub fn execute_api_targets(r: &Resolver<'_>, route: &Route) -> Vec<Target> {
    let prefix = Value::concat(vec![execute_api_arn(r, &route.api_id), Value::literal("/")]);
    let Some(prefix) = prefix.as_str().cloned() else {
        // The ARN is not known: a symbol that may be any text, so that no grant is ruled out.
        return vec![
            Target::new()
                .with(TargetPart::Symbol(Symbol::Parameter(
                    "\u{1}unknown route ARN".into(),
                )))
                .with(TargetPart::AnyPath),
        ];
    };
    let stages: Vec<Option<SymStr>> = if route.stages.is_empty() {
        vec![None]
    } else {
        route.stages.iter().map(|s| s.as_str().cloned()).collect()
    };
    stages
        .into_iter()
        .map(|stage| {
            let mut target = Target::from_sym_str(&prefix);
            match stage {
                Some(stage) => target.push_sym_str(&stage),
                None => target.push(TargetPart::AnySegment),
            }
            target.push(TargetPart::Literal("/".to_string()));
            push_method_and_path(&mut target, &route.method, &route.path, route.catch_all);
            target
        })
        .collect()
}

/// The same targets for one concrete method of the route (an `ANY` route's `GET`).
pub fn execute_api_targets_for(r: &Resolver<'_>, route: &Route, method: &str) -> Vec<Target> {
    let concrete = Route {
        method: method.to_string(),
        ..route.clone()
    };
    execute_api_targets(r, &concrete)
}

fn push_method_and_path(target: &mut Target, method: &str, path: &str, catch_all: bool) {
    if catch_all {
        target.push(TargetPart::AnyVerb);
        target.push(TargetPart::Literal("/".to_string()));
        target.push(TargetPart::AnyPath);
        return;
    }
    if method == "ANY" {
        target.push(TargetPart::AnyVerb);
    } else {
        target.push(TargetPart::Literal(method.to_string()));
    }
    // API Gateway strips a trailing slash; the root is `/`.
    let trimmed = if path.len() > 1 {
        path.trim_end_matches('/')
    } else {
        path
    };
    target.push(TargetPart::Literal("/".to_string()));
    for (i, segment) in trimmed.trim_start_matches('/').split('/').enumerate() {
        if i > 0 {
            target.push(TargetPart::Literal("/".to_string()));
        }
        match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) if name.ends_with('+') => target.push(TargetPart::AnyPath),
            Some(_) => target.push(TargetPart::AnySegment),
            None if !segment.is_empty() => target.push(TargetPart::Literal(segment.to_string())),
            None => {}
        }
    }
}

/// The Lambda ARN(s) the route invokes, as targets (several when a condition decides).
pub fn lambda_target(route: &Route) -> Option<Vec<Target>> {
    let strings = route.target.as_ref()?.strings()?;
    Some(strings.into_iter().map(Target::from_sym_str).collect())
}

/// The positions the pattern matcher stepped since the meter read `start`.
fn pattern_work_since(start: u64) -> u64 {
    crate::iam::pattern::work_spent().saturating_sub(start)
}

/// The work of matching one resource against a target: 1 for a pattern without a wildcard inside its
/// text (a literal, `*`, or a prefix ending in one `*`), [`WILDCARD_WEIGHT`] for any other (and for a
/// value that is not one string, whose alternatives are each a pattern).
fn question_weight(value: &Value) -> usize {
    let Value::Str(text) = value else {
        return WILDCARD_WEIGHT;
    };
    let literal: String = text
        .parts()
        .iter()
        .map(|part| match part {
            crate::value::Part::Literal(text) => text.as_str(),
            crate::value::Part::Symbol(_) => "x",
        })
        .collect();
    let inner = literal.strip_suffix('*').unwrap_or(&literal);
    if inner.contains(['*', '?']) {
        WILDCARD_WEIGHT
    } else {
        1
    }
}

#[cfg(test)]
mod tests;
