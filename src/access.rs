//! Who may call a route: route × principal → decisions for `execute-api:Invoke` on the route and, when
//! API Gateway passes the caller's credentials, `lambda:InvokeFunction` on the exact target. The one
//! place rules and `iamlint routes` ask.

use crate::deployment::Deployment;
use crate::iam::eval::{
    Decision, DenialReason, PolicyOrigin, PolicySource, StatementRef, evaluate,
};
use crate::iam::managed::managed_policy;
use crate::iam::pattern::{Target, TargetPart};
use crate::iam::policy::{PolicyDocument, Statement};
use crate::principals::{Attachment, Principal, principals};
use crate::resolve::{Resolver, SymStr, Value};
use crate::route::{Invocation, Route};
use crate::source::Location;

pub const EXECUTE_API_INVOKE: &str = "execute-api:Invoke";
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

/// The principals of a deployment with their policies, ready to evaluate.
pub struct Access<'d> {
    deployment: &'d Deployment,
    pub principals: Vec<Principal>,
    identity: Vec<Vec<LoadedPolicy>>,
    boundaries: Vec<Option<Vec<LoadedPolicy>>>,
}

/// One principal's access to one route.
pub struct CallerAccess {
    /// Index into [`Access::principals`].
    pub principal: usize,
    /// `execute-api:Invoke` on the route's main stage.
    pub execute_api: Decision,
    /// `lambda:InvokeFunction` on the target, when the route passes the caller's credentials.
    pub lambda_invoke: Option<Decision>,
}

impl<'d> Access<'d> {
    pub fn new(deployment: &'d Deployment) -> Access<'d> {
        let r = deployment.resolver();
        let principals = principals(deployment);
        let identity = principals
            .iter()
            .map(|p| {
                p.identity
                    .iter()
                    .map(|a| load(deployment, &r, p, a))
                    .collect()
            })
            .collect();
        let boundaries = principals
            .iter()
            .map(|p| {
                p.boundary
                    .as_ref()
                    .map(|a| vec![load(deployment, &r, p, a)])
            })
            .collect();
        Access {
            deployment,
            principals,
            identity,
            boundaries,
        }
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

    /// Decides `action` on `target` for principal `index`.
    pub fn decide(&self, index: usize, action: &str, target: &Target) -> Decision {
        let identity = self.identity.get(index).map_or(&[][..], Vec::as_slice);
        let identity = Self::sources(identity, action);
        let boundary = self
            .boundaries
            .get(index)
            .and_then(Option::as_ref)
            .map(|b| Self::sources(b, action));
        evaluate(&identity, boundary.as_deref(), action, target)
    }

    /// Where a statement the evaluator names is written.
    pub fn statement_location(&self, index: usize, statement: &StatementRef) -> Option<Location> {
        let policies = if statement.boundary {
            self.boundaries.get(index)?.as_ref()?
        } else {
            self.identity.get(index)?
        };
        let origin = match policies.get(statement.policy)? {
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
        let policies = if statement.boundary {
            self.boundaries.get(index)?.as_ref()?
        } else {
            self.identity.get(index)?
        };
        match policies.get(statement.policy)? {
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

    /// The principals that may call the route (`execute-api:Invoke` not denied for lack of an Allow),
    /// with their access.
    pub fn callers(&self, route: &Route) -> Vec<CallerAccess> {
        let stages = execute_api_targets(self.deployment, route);
        let lambda = lambda_target(route);
        let mut out = Vec::new();
        for index in 0..self.principals.len() {
            let decisions: Vec<Decision> = stages
                .iter()
                .map(|t| self.decide(index, EXECUTE_API_INVOKE, t))
                .collect();
            let is_caller = decisions.iter().any(|d| {
                !matches!(
                    d,
                    Decision::Denied {
                        reason: DenialReason::NoAllow,
                        ..
                    }
                )
            });
            if !is_caller {
                continue;
            }
            let Some(execute_api) = decisions.into_iter().next() else {
                continue;
            };
            let lambda_invoke = match (&route.invocation, &lambda) {
                (Invocation::CallerCredentials, Some(targets)) => {
                    Some(self.decide_any(index, LAMBDA_INVOKE, targets))
                }
                (Invocation::CallerCredentials, None) => Some(Decision::Conditional {
                    reasons: vec!["the Lambda the route invokes is not known".to_string()],
                    grants: Vec::new(),
                }),
                _ => None,
            };
            out.push(CallerAccess {
                principal: index,
                execute_api,
                lambda_invoke,
            });
        }
        out
    }

    /// The decision over several possible targets: allowed only if allowed for each.
    pub fn decide_any(&self, index: usize, action: &str, targets: &[Target]) -> Decision {
        let decisions: Vec<Decision> = targets
            .iter()
            .map(|t| self.decide(index, action, t))
            .collect();
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

/// `arn:{partition}:execute-api:{region}:{account}:{api}/{stage}/{METHOD}/{path}` for each stage,
/// with holes for path parameters, `ANY` and the `$default` route.
pub fn execute_api_targets(deployment: &Deployment, route: &Route) -> Vec<Target> {
    let r = deployment.resolver();
    let prefix = Value::concat(vec![
        Value::literal(format!("arn:{}:execute-api:", deployment.config.partition)),
        r.region(),
        Value::literal(":"),
        r.account_id(),
        Value::literal(":"),
        route.api_id.clone(),
        Value::literal("/"),
    ]);
    let Some(prefix) = prefix.as_str().cloned() else {
        return vec![Target::new().with(TargetPart::AnyPath)];
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
            push_method_and_path(&mut target, &route.method, &route.path);
            target
        })
        .collect()
}

fn push_method_and_path(target: &mut Target, method: &str, path: &str) {
    if path == "$default" {
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
