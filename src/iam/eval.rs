//! The three-valued evaluator: may a principal call `action` on every request of a [`Target`]?
//!
//! Inputs are the principal's identity policies, optionally its permissions boundary, and optionally
//! the resource-based policy of the target (an API Gateway resource policy, the `AWS::Lambda::Permission`s
//! of a function) with the account that owns the resource (iam-semantics.md §3, §4.2, §10; SCPs, RCPs
//! and session policies are out of scope). [`evaluate`] is [`evaluate_request`] without a resource policy.
//! The answer is [`Decision::Allowed`], [`Decision::Denied`] or [`Decision::Conditional`] with reasons in
//! plain words, and the statements that decided it.
//!
//! Rules:
//! - A statement applies when its action matches (`Action`: any pattern; `NotAction`: none) and its
//!   resources cover the target (`Resource`: the union of the patterns; `NotResource`: the complement)
//!   and, in a resource policy, its principal names the [`Caller`] (below). A `Condition`, an undecided
//!   template condition around the statement, an action, resource or principal that is not known, or a
//!   partial [`Coverage`] makes it apply only *maybe*.
//! - An explicit `Deny` that surely applies to every request, in any policy (boundary and resource
//!   policy included): `Denied(ExplicitDeny)`. A `Deny` that maybe applies turns `Allowed` into
//!   `Conditional`.
//! - A set of policies grants when one statement covers the whole target, or the literal `Resource`
//!   patterns of all its unconditional grants together do (so one statement per verb of an `ANY` route
//!   adds up). Otherwise a maybe-grant gives "maybe"; nothing gives "no", unless a policy is unknown
//!   (then "maybe": it might grant).
//! - Without a resource policy, the identity policies must grant (else `Denied(NoAllow)`) and so must
//!   the boundary when there is one (else `Denied(Boundary)`).
//! - With a resource policy, in the same account (the caller's account equals the resource's):
//!   allowed when the identity policies and the boundary grant, **or** the resource policy grants to
//!   the caller. How a resource-policy grant meets the boundary depends on how its principal names the
//!   caller (IAM User Guide, "Policy evaluation for requests within a single account"; iam-semantics.md
//!   §3.1, §3.2). The caller is an assumed-role session of the role `caller.arn` (or an IAM user):
//!   - the role ARN: the grant is limited by the boundary (an implicit deny in a permissions boundary
//!     limits a grant to the role ARN), not by the identity policies;
//!   - `*`, a `NotPrincipal` that leaves the caller in, or the user ARN of a user caller: the grant
//!     names the session (or user) itself and is limited by neither;
//!   - the account (`123456789012`, `arn:aws:iam::123456789012:root`): the account delegates to its
//!     IAM policies, so the grant adds nothing in the same account;
//!   - a role-session ARN (`arn:aws:sts::…:assumed-role/role/session`): the session name is known only
//!     at request time, so the grant is only a maybe.
//! - Cross-account: the identity policies, the boundary **and** the resource policy must all grant
//!   (any of the principal forms above, the account included). Nothing in the resource policy gives
//!   `Denied(ResourcePolicy)`. When whether the accounts are the same is not known (symbols), both
//!   answers are computed; they agree, or the result is `Conditional` on it.
//! - A resource-policy `Deny` applies when its principal names the caller in any of these ways.
//!   `NotPrincipal` in a `Deny` applies to every caller with a permissions boundary, whatever it lists
//!   (IAM User Guide, "Permissions boundaries for IAM entities").
//! - Principal matching is three-valued: `*` matches; an account id or root ARN matches when it is the
//!   caller's account; an ARN matches when it equals `caller.arn`; `Service`, `Federated` and
//!   `CanonicalUser` entries never name an IAM caller; a literal against a symbol (or two different
//!   symbols) is unknown unless their literal heads or tails already differ. A `NotPrincipal` that
//!   lists `*` leaves everyone out, one whose entries surely all name someone else leaves the caller
//!   in, and anything else (it names the caller's role or account) is a maybe: how IAM then treats the
//!   role session is not modelled. A resource-policy statement without a principal applies to no one
//!   (IAM rejects it).
//! - An unknown policy never makes a request `Allowed` and never blocks one: it may grant, and (an
//!   approximation: AWS managed policies do not deny) is assumed not to deny. An unknown resource
//!   policy may grant to the session itself.
//!
//! Approximations, all towards `Conditional` rather than a wrong definite answer: denies are not
//! added up across statements (two partial denies that together cover the target give
//! `Conditional`, not `Denied`); `NotResource` grants do not add up with others; grants of the identity
//! policies and of the resource policy do not add up with each other; resource entries that are
//! alternatives or unknown are combined with the rest without exact union.

use std::fmt;

use super::pattern::{Coverage, Pattern, Target, TargetPart, action_matches, coverage_of_any};
use super::policy::{
    ActionSet, Effect, PolicyDocument, PrincipalEntry, PrincipalSet, ResourceSet, Statement,
};
use crate::resolve::{Part, SymStr, Symbol, Value};
use crate::source::{Location, Span};

/// Who holds a policy and where it is, as the caller wants it named in reasons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyOrigin {
    /// How reasons name the policy: `AdminRole inline policy InvokeApi`.
    pub label: String,
    /// Where the policy (or its attachment) is written, when it is in a template.
    pub location: Option<Location>,
}

impl PolicyOrigin {
    /// An origin named `label`, written at `location`.
    pub fn new(label: impl Into<String>, location: Option<Location>) -> Self {
        PolicyOrigin {
            label: label.into(),
            location,
        }
    }
}

/// One policy given to the evaluator.
#[derive(Debug, Clone)]
pub enum PolicySource<'a> {
    /// A document that could be read.
    Known {
        /// The document.
        document: &'a PolicyDocument,
        /// Who holds it and where.
        origin: PolicyOrigin,
    },
    /// A policy whose content is not known (a managed policy not in the table): it may grant.
    Unknown {
        /// Why it is not known, in plain words.
        reason: String,
        /// Who holds it and where.
        origin: PolicyOrigin,
    },
}

impl PolicySource<'_> {
    /// Who holds the policy and where.
    pub fn origin(&self) -> &PolicyOrigin {
        match self {
            PolicySource::Known { origin, .. } | PolicySource::Unknown { origin, .. } => origin,
        }
    }
}

/// Who makes the request: an assumed-role session of the role `arn` (or the IAM user `arn`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller<'a> {
    /// The role ARN (`arn:aws:iam::${AWS::AccountId}:role/x`) or user ARN.
    pub arn: &'a SymStr,
    /// The caller's account.
    pub account: &'a SymStr,
}

/// The resource-based policy of the target and who owns the resource.
#[derive(Debug, Clone, Copy)]
pub struct ResourcePolicy<'a> {
    /// The policies (an API's resource policy; one per `AWS::Lambda::Permission`, built with
    /// [`Statement::resource_grant`]).
    pub sources: &'a [PolicySource<'a>],
    /// The resource owner's account.
    pub account: &'a SymStr,
}

/// Which policies a statement belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum PolicySet {
    Identity,
    Boundary,
    Resource,
}

/// A statement that took part in a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatementRef {
    /// In the permissions boundary.
    pub boundary: bool,
    /// In the resource-based policy (neither this nor `boundary`: in the identity policies).
    pub resource: bool,
    /// Index of the policy in the slice it was given in (identity, boundary or
    /// [`ResourcePolicy::sources`]).
    pub policy: usize,
    /// Index of the statement in the policy's document.
    pub statement: usize,
    /// The statement's span in its document.
    pub span: Span,
}

/// Why a request is denied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DenialReason {
    /// A `Deny` statement applies to every request.
    ExplicitDeny,
    /// No identity policy grants it.
    NoAllow,
    /// The permissions boundary does not grant it.
    Boundary,
    /// Cross-account: the resource-based policy does not grant it to the caller.
    ResourcePolicy,
}

/// The answer for one principal, action and target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Every request of the target is allowed.
    Allowed {
        /// The statements that allow it.
        grants: Vec<StatementRef>,
    },
    /// Every request is denied.
    Denied {
        /// Why.
        reason: DenialReason,
        /// The explicit denies (empty for an implicit deny).
        denies: Vec<StatementRef>,
    },
    /// Allowed only for some requests, under conditions, or depending on unknown values.
    Conditional {
        /// What the answer depends on, in plain words.
        reasons: Vec<String>,
        /// The statements that may allow it.
        grants: Vec<StatementRef>,
    },
}

impl Decision {
    /// `allowed`, `denied` or `conditional`, as reports write it.
    pub fn as_str(&self) -> &'static str {
        match self {
            Decision::Allowed { .. } => "allowed",
            Decision::Denied { .. } => "denied",
            Decision::Conditional { .. } => "conditional",
        }
    }

    /// Whether every request is allowed.
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allowed { .. })
    }

    /// Whether every request is denied.
    pub fn is_denied(&self) -> bool {
        matches!(self, Decision::Denied { .. })
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Decides whether the identity policies (limited by `boundary`, when the principal has one) allow
/// `action` on every request of `target`. The same as [`evaluate_request`] without a resource policy.
pub fn evaluate(
    identity: &[PolicySource<'_>],
    boundary: Option<&[PolicySource<'_>]>,
    action: &str,
    target: &Target,
) -> Decision {
    decide(identity, boundary, None, action, target)
}

/// Decides whether `caller`, holding the `identity` policies limited by `boundary`, may call `action`
/// on every request of `target`, whose resource-based policy is `resource` (`None`: the resource has
/// none, and the request is judged by the caller's policies alone). See the module doc for the rules.
pub fn evaluate_request(
    identity: &[PolicySource<'_>],
    boundary: Option<&[PolicySource<'_>]>,
    resource: Option<&ResourcePolicy<'_>>,
    caller: &Caller<'_>,
    action: &str,
    target: &Target,
) -> Decision {
    decide(
        identity,
        boundary,
        resource.map(|r| (r, caller)),
        action,
        target,
    )
}

/// What the resource policy grants, by how directly its principals name the caller.
struct ResourceGrants<'a> {
    /// Statements naming the caller in any way (account included): for denies and cross-account.
    any: Analysis<'a>,
    /// Statements naming the role or the session.
    role: Analysis<'a>,
    /// Statements naming the session itself.
    session: Analysis<'a>,
}

fn decide(
    identity: &[PolicySource<'_>],
    boundary: Option<&[PolicySource<'_>]>,
    resource: Option<(&ResourcePolicy<'_>, &Caller<'_>)>,
    action: &str,
    target: &Target,
) -> Decision {
    let identity = Analysis::of(identity, PolicySet::Identity, action, target, None);
    let boundary_analysis =
        boundary.map(|b| Analysis::of(b, PolicySet::Boundary, action, target, None));
    let has_boundary = boundary.is_some();
    let resource_grants = resource.map(|(policy, caller)| {
        let of = |reach| {
            let check = PrincipalCheck {
                caller,
                reach,
                has_boundary,
            };
            Analysis::of(
                policy.sources,
                PolicySet::Resource,
                action,
                target,
                Some(&check),
            )
        };
        ResourceGrants {
            any: of(Reach::Account),
            role: of(Reach::Role),
            session: of(Reach::Session),
        }
    });
    let deciding: Vec<&Analysis<'_>> = std::iter::once(&identity)
        .chain(&boundary_analysis)
        .chain(resource_grants.as_ref().map(|r| &r.any))
        .collect();
    let denies: Vec<StatementRef> = deciding
        .iter()
        .flat_map(|a| a.definite_denies.iter().copied())
        .collect();
    if !denies.is_empty() {
        return Decision::Denied {
            reason: DenialReason::ExplicitDeny,
            denies,
        };
    }
    let identity_grant = identity.grant(target);
    let boundary_grant = match &boundary_analysis {
        Some(b) => b.grant(target),
        None => Grant::All(Vec::new()),
    };
    let (grant, reason) = match (resource, &resource_grants) {
        (Some((policy, caller)), Some(r)) => {
            let same = sym_equals(caller.account, policy.account);
            let same_account =
                || same_account_grant(&identity_grant, &boundary_grant, Some(r), target);
            let cross_account = || cross_account_grant(&identity_grant, &boundary_grant, r, target);
            match same {
                Some(true) => same_account(),
                Some(false) => cross_account(),
                None => {
                    let why = format!(
                        "whether the caller's account {} is the resource's account {} is not known",
                        caller.account, policy.account
                    );
                    either_account(same_account(), cross_account(), why)
                }
            }
        }
        _ => same_account_grant(&identity_grant, &boundary_grant, None, target),
    };
    let (mut reasons, grants) = match grant {
        Grant::None => return denied(reason),
        Grant::All(refs) => (Vec::new(), refs),
        Grant::Maybe(why, refs) => (why, refs),
    };
    for analysis in deciding {
        reasons.extend(analysis.possible_denies.iter().cloned());
    }
    if reasons.is_empty() {
        Decision::Allowed { grants }
    } else {
        Decision::Conditional { reasons, grants }
    }
}

/// Same account: (identity ∧ boundary) ∨ session grant ∨ (role grant ∧ boundary).
fn same_account_grant(
    identity: &Grant,
    boundary: &Grant,
    resource: Option<&ResourceGrants<'_>>,
    target: &Target,
) -> (Grant, DenialReason) {
    let by_identity = identity.clone().and(boundary.clone());
    let (session, role) = match resource {
        Some(r) => (r.session.grant(target), r.role.grant(target)),
        None => (Grant::None, Grant::None),
    };
    let role_limited = role.clone().and(boundary.clone());
    let grant = by_identity.or(session).or(role_limited);
    let blocked_by_boundary = matches!(boundary, Grant::None)
        && (!matches!(identity, Grant::None) || !matches!(role, Grant::None));
    let reason = if blocked_by_boundary {
        DenialReason::Boundary
    } else {
        DenialReason::NoAllow
    };
    (grant, reason)
}

/// Cross account: identity ∧ boundary ∧ a resource-policy grant naming the caller in any way.
fn cross_account_grant(
    identity: &Grant,
    boundary: &Grant,
    resource: &ResourceGrants<'_>,
    target: &Target,
) -> (Grant, DenialReason) {
    let by_resource = resource.any.grant(target);
    let reason = if matches!(identity, Grant::None) {
        DenialReason::NoAllow
    } else if matches!(boundary, Grant::None) {
        DenialReason::Boundary
    } else {
        DenialReason::ResourcePolicy
    };
    let grant = identity.clone().and(boundary.clone()).and(by_resource);
    (grant, reason)
}

/// The answer when the request may be same-account or cross-account.
fn either_account(
    same: (Grant, DenialReason),
    cross: (Grant, DenialReason),
    why: String,
) -> (Grant, DenialReason) {
    match (same, cross) {
        ((Grant::None, reason), (Grant::None, _)) => (Grant::None, reason),
        ((Grant::All(refs), reason), (Grant::All(_), _)) => (Grant::All(refs), reason),
        ((a, reason), (b, _)) => {
            let mut reasons = vec![why];
            let mut refs = Vec::new();
            for grant in [a, b] {
                match grant {
                    Grant::All(r) => push_refs(&mut refs, r),
                    Grant::Maybe(w, r) => {
                        reasons.extend(w);
                        push_refs(&mut refs, r);
                    }
                    Grant::None => {}
                }
            }
            (Grant::Maybe(reasons, refs), reason)
        }
    }
}

fn push_refs(refs: &mut Vec<StatementRef>, more: Vec<StatementRef>) {
    for r in more {
        if !refs.contains(&r) {
            refs.push(r);
        }
    }
}

fn denied(reason: DenialReason) -> Decision {
    Decision::Denied {
        reason,
        denies: Vec::new(),
    }
}

/// What a set of policies (the identity policies, the boundary, the resource policy) grants.
#[derive(Clone)]
enum Grant {
    All(Vec<StatementRef>),
    Maybe(Vec<String>, Vec<StatementRef>),
    None,
}

impl Grant {
    /// Both must grant.
    fn and(self, other: Grant) -> Grant {
        match (self, other) {
            (Grant::None, _) | (_, Grant::None) => Grant::None,
            (Grant::All(mut a), Grant::All(b)) => {
                push_refs(&mut a, b);
                Grant::All(a)
            }
            (a, b) => {
                let (mut reasons, mut refs) = a.parts();
                let (more_reasons, more_refs) = b.parts();
                reasons.extend(more_reasons);
                push_refs(&mut refs, more_refs);
                Grant::Maybe(reasons, refs)
            }
        }
    }

    /// Either grants.
    fn or(self, other: Grant) -> Grant {
        match (self, other) {
            (Grant::All(mut a), Grant::All(b)) => {
                push_refs(&mut a, b);
                Grant::All(a)
            }
            (Grant::All(a), _) | (_, Grant::All(a)) => Grant::All(a),
            (Grant::None, Grant::None) => Grant::None,
            (Grant::None, maybe) | (maybe, Grant::None) => maybe,
            (a, b) => a.and(b),
        }
    }

    fn parts(self) -> (Vec<String>, Vec<StatementRef>) {
        match self {
            Grant::All(refs) => (Vec::new(), refs),
            Grant::Maybe(reasons, refs) => (reasons, refs),
            Grant::None => (Vec::new(), Vec::new()),
        }
    }
}

/// What the statements of a set of policies do to the request.
#[derive(Default)]
struct Analysis<'a> {
    definite_denies: Vec<StatementRef>,
    /// Reasons a deny may apply.
    possible_denies: Vec<String>,
    /// Statements that alone grant every request.
    full_grants: Vec<StatementRef>,
    /// Statements that maybe grant, with why.
    maybe_grants: Vec<(StatementRef, Vec<String>)>,
    /// Literal resource patterns granted for sure, with the statements they come from.
    certain_patterns: Vec<(StatementRef, &'a [Pattern])>,
    /// Reasons policies are unknown.
    unknown: Vec<String>,
}

impl<'a> Analysis<'a> {
    fn of(
        sources: &[PolicySource<'a>],
        set: PolicySet,
        action: &str,
        target: &Target,
        principal: Option<&PrincipalCheck<'_, '_>>,
    ) -> Self {
        let mut analysis = Analysis::default();
        for (policy, source) in sources.iter().enumerate() {
            match source {
                PolicySource::Known { document, origin } => {
                    for (index, statement) in document.statements.iter().enumerate() {
                        // A statement for other actions is never judged (nor named).
                        if statement_action_matches(statement, action) == Some(false) {
                            continue;
                        }
                        let at = StatementRef {
                            boundary: set == PolicySet::Boundary,
                            resource: set == PolicySet::Resource,
                            policy,
                            statement: index,
                            span: statement.span,
                        };
                        let who = statement_name(origin, statement, index);
                        let (names_caller, principal_reasons) = match principal {
                            Some(check) => statement_names_caller(statement, check, &who),
                            None => (Some(true), Vec::new()),
                        };
                        if names_caller == Some(false) {
                            continue;
                        }
                        let variables = document.uses_policy_variables();
                        let judged = judge(
                            statement,
                            variables,
                            action,
                            target,
                            &who,
                            principal_reasons,
                        );
                        analysis.add(statement.effect, at, judged);
                    }
                }
                PolicySource::Unknown { reason, origin } => analysis
                    .unknown
                    .push(format!("{} is not known: {reason}", origin.label)),
            }
        }
        analysis
    }

    fn add(&mut self, effect: Effect, at: StatementRef, judged: Judgement<'a>) {
        match (effect, judged.applies) {
            (_, Applies::Never) => {}
            (Effect::Deny, Applies::Always) => self.definite_denies.push(at),
            (Effect::Deny, Applies::Maybe(reasons)) => self.possible_denies.extend(
                reasons
                    .into_iter()
                    .map(|r| format!("a Deny may apply: {r}")),
            ),
            (Effect::Allow, Applies::Always) => self.full_grants.push(at),
            (Effect::Allow, Applies::Maybe(reasons)) => {
                if !judged.certain_patterns.is_empty() {
                    self.certain_patterns.push((at, judged.certain_patterns));
                }
                self.maybe_grants.push((at, reasons));
            }
        }
    }

    fn grant(&self, target: &Target) -> Grant {
        if !self.full_grants.is_empty() {
            return Grant::All(self.full_grants.clone());
        }
        let covered = match self.certain_patterns.as_slice() {
            [] => false,
            [(_, only)] => coverage_of_any(only, target) == Coverage::All,
            several => {
                let pooled: Vec<Pattern> = several
                    .iter()
                    .flat_map(|(_, patterns)| patterns.iter().cloned())
                    .collect();
                coverage_of_any(&pooled, target) == Coverage::All
            }
        };
        if covered {
            return Grant::All(self.certain_patterns.iter().map(|(at, _)| *at).collect());
        }
        if self.maybe_grants.is_empty() && self.unknown.is_empty() {
            return Grant::None;
        }
        let mut reasons: Vec<String> = self
            .maybe_grants
            .iter()
            .flat_map(|(_, why)| why.iter().cloned())
            .collect();
        reasons.extend(self.unknown.iter().cloned());
        let refs = self.maybe_grants.iter().map(|(at, _)| *at).collect();
        Grant::Maybe(reasons, refs)
    }
}

/// Whether a statement applies to the request.
enum Applies {
    Never,
    /// To every request, unconditionally.
    Always,
    /// Perhaps, or to part of the target; why.
    Maybe(Vec<String>),
}

struct Judgement<'a> {
    applies: Applies,
    /// The statement's literal `Resource` patterns when its action surely matches and nothing
    /// conditions it: granted (or denied) for sure, whatever the rest of the statement does.
    certain_patterns: &'a [Pattern],
}

/// How a statement is named in reasons: `<policy>, statement <Sid or number>`.
fn statement_name(origin: &PolicyOrigin, statement: &Statement, index: usize) -> String {
    match &statement.sid {
        Some(sid) => format!("{}, statement {sid}", origin.label),
        None => format!("{}, statement {}", origin.label, index + 1),
    }
}

fn judge<'a>(
    statement: &'a Statement,
    variables: bool,
    action: &str,
    target: &Target,
    who: &str,
    principal_reasons: Vec<String>,
) -> Judgement<'a> {
    let never = Judgement {
        applies: Applies::Never,
        certain_patterns: &[],
    };
    let action_match = statement_action_matches(statement, action);
    if action_match == Some(false) {
        return never;
    }
    let (coverage, resource_reasons) = resource_coverage(statement, variables, target, who);
    if coverage == Coverage::None {
        return never;
    }
    let mut reasons = Vec::new();
    if action_match.is_none() {
        reasons.push(format!("the Action of {who} is not known"));
    }
    let principal_known = principal_reasons.is_empty();
    reasons.extend(principal_reasons);
    reasons.extend(resource_reasons);
    let conditions = condition_reasons(statement, who);
    let certain_patterns = match (
        &statement.resources,
        action_match,
        conditions.is_empty() && principal_known,
    ) {
        (ResourceSet::Resource(_), Some(true), true) => statement.literal_patterns(variables),
        _ => &[],
    };
    reasons.extend(conditions);
    let applies = if reasons.is_empty() {
        Applies::Always
    } else {
        Applies::Maybe(reasons)
    };
    Judgement {
        applies,
        certain_patterns,
    }
}

/// Three-valued: does the statement's `Action`/`NotAction` match `action`?
fn statement_action_matches(statement: &Statement, action: &str) -> Option<bool> {
    let (patterns, negated) = match &statement.actions {
        ActionSet::Action(p) => (p, false),
        ActionSet::NotAction(p) => (p, true),
    };
    let mut listed = if patterns.iter().any(|p| action_matches(p, action)) {
        Some(true)
    } else {
        Some(false)
    };
    for value in &statement.uncertain_actions {
        listed = any_of(listed, value_action_matches(value, action));
    }
    if negated { listed.map(|b| !b) } else { listed }
}

/// Three-valued "or".
fn any_of(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    }
}

/// The answer all alternatives agree on, else unknown.
fn agreed<T: PartialEq + Copy>(answers: impl IntoIterator<Item = T>, unknown: T) -> T {
    let mut answers = answers.into_iter();
    let Some(first) = answers.next() else {
        return unknown;
    };
    if answers.all(|a| a == first) {
        first
    } else {
        unknown
    }
}

fn value_action_matches(value: &Value, action: &str) -> Option<bool> {
    match value {
        Value::Str(s) => s.as_literal().map(|p| action_matches(p, action)),
        Value::List(items) => items
            .iter()
            .map(|v| value_action_matches(v, action))
            .fold(Some(false), any_of),
        Value::Alternatives(all) => {
            agreed(all.iter().map(|v| value_action_matches(v, action)), None)
        }
        Value::NoValue => Some(false),
        Value::Map(_) | Value::Unknown(_) => None,
    }
}

/// The literal `Resource` entries as patterns (entries that are alternatives or unknown left out).
fn literal_patterns(values: &[Value], variables: bool) -> Vec<Pattern> {
    values
        .iter()
        .filter_map(Value::as_str)
        .map(|s| Pattern::new(s, variables))
        .collect()
}

/// How much of the target a statement's resources cover, and why when it is neither all nor none.
fn resource_coverage(
    statement: &Statement,
    variables: bool,
    target: &Target,
    who: &str,
) -> (Coverage, Vec<String>) {
    let set = &statement.resources;
    let values = set.values();
    let covered = patterns_and_values_coverage(
        statement.literal_patterns(variables),
        values,
        variables,
        target,
    );
    let (coverage, element) = match set {
        ResourceSet::Resource(_) => (covered, "Resource"),
        ResourceSet::NotResource(_) => (covered.complement(), "NotResource"),
    };
    let reasons = match coverage {
        Coverage::All | Coverage::None => Vec::new(),
        Coverage::Some => vec![format!("{who} covers only some requests to {target}")],
        Coverage::Unknown => unknown_reasons(values, variables, target, who, element),
    };
    (coverage, reasons)
}

/// Coverage of the union of resource entries.
fn values_coverage(values: &[Value], variables: bool, target: &Target) -> Coverage {
    patterns_and_values_coverage(
        &literal_patterns(values, variables),
        values,
        variables,
        target,
    )
}

/// Coverage of the union of resource entries whose literal ones are already compiled (`patterns`).
fn patterns_and_values_coverage(
    patterns: &[Pattern],
    values: &[Value],
    variables: bool,
    target: &Target,
) -> Coverage {
    let mut parts = Vec::new();
    if !patterns.is_empty() {
        parts.push(coverage_of_any(patterns, target));
    }
    for value in values.iter().filter(|v| v.as_str().is_none()) {
        parts.push(value_coverage(value, variables, target));
    }
    union(&parts)
}

fn value_coverage(value: &Value, variables: bool, target: &Target) -> Coverage {
    match value {
        Value::Str(s) => Pattern::new(s, variables).coverage(target),
        Value::List(items) => values_coverage(items, variables, target),
        Value::Alternatives(all) => agreed(
            all.iter().map(|v| value_coverage(v, variables, target)),
            Coverage::Unknown,
        ),
        Value::NoValue => Coverage::None,
        Value::Map(_) | Value::Unknown(_) => Coverage::Unknown,
    }
}

/// Coverage of a union whose parts were computed separately.
fn union(parts: &[Coverage]) -> Coverage {
    if parts.contains(&Coverage::All) {
        return Coverage::All;
    }
    let mut relevant = parts.iter().filter(|c| **c != Coverage::None);
    match (relevant.next(), relevant.next()) {
        (None, _) => Coverage::None,
        (Some(only), None) => *only,
        (Some(_), Some(_)) => Coverage::Unknown,
    }
}

/// Why resource entries may or may not cover the target.
fn unknown_reasons(
    values: &[Value],
    variables: bool,
    target: &Target,
    who: &str,
    element: &str,
) -> Vec<String> {
    let mut reasons = Vec::new();
    for value in values {
        match value {
            Value::Str(s) => {
                let pattern = Pattern::new(s, variables);
                if pattern.coverage(target) == Coverage::Unknown {
                    reasons.push(symbolic_reason(&pattern, target, who, element));
                }
            }
            Value::Alternatives(_) => reasons.push(format!(
                "the {element} of {who} depends on a template condition that cannot be decided"
            )),
            Value::Unknown(u) => reasons.push(format!(
                "the {element} of {who} is not known ({})",
                u.reason
            )),
            Value::List(_) | Value::Map(_) => {
                reasons.push(format!("the {element} of {who} cannot be read"))
            }
            Value::NoValue => {}
        }
    }
    if reasons.is_empty() {
        reasons.push(format!(
            "the {element} entries of {who} together may or may not cover {target}"
        ));
    }
    reasons
}

/// Why a pattern with symbols or policy variables may or may not match.
fn symbolic_reason(pattern: &Pattern, target: &Target, who: &str, element: &str) -> String {
    let variables: Vec<String> = pattern.variables().map(|v| format!("${{{v}}}")).collect();
    if !variables.is_empty() {
        return format!(
            "the {element} of {who} uses the policy variable {}, known only at request time",
            variables.join(", ")
        );
    }
    let in_pattern: Vec<&Symbol> = pattern.symbols().collect();
    let in_target: Vec<&Symbol> = target.symbols().collect();
    let absorbed = symbols_under_star_fields(pattern, target);
    let mut unmatched: Vec<String> = Vec::new();
    for symbol in in_pattern.iter().chain(&in_target) {
        let shared = in_pattern.contains(symbol) && in_target.contains(symbol);
        let text = symbol.to_string();
        if !shared && !absorbed.contains(symbol) && !unmatched.contains(&text) {
            unmatched.push(text);
        }
    }
    if unmatched.is_empty() {
        return format!(
            "the {element} of {who} ({}) may or may not match {target}",
            pattern.source()
        );
    }
    format!("the {element} of {who} depends on {}", unmatched.join(", "))
}

/// Target symbols that fill a whole ARN field (`${AWS::Region}`) where the pattern's field is just
/// `*`: they do not matter to the answer, so reasons leave them out.
fn symbols_under_star_fields<'t>(pattern: &Pattern, target: &'t Target) -> Vec<&'t Symbol> {
    let pattern_fields = head_fields(pattern.source().parts().iter().map(|p| match p {
        Part::Literal(text) => TargetPart::Literal(text.clone()),
        Part::Symbol(symbol) => TargetPart::Symbol(symbol.clone()),
    }));
    let target_fields = head_fields(target.parts().iter().cloned());
    let mut absorbed = Vec::new();
    for (p, t) in pattern_fields.iter().zip(&target_fields) {
        if let ([TargetPart::Literal(star)], [TargetPart::Symbol(symbol)]) =
            (p.as_slice(), t.as_slice())
            && star == "*"
            && let Some(found) = target.symbols().find(|s| *s == symbol)
        {
            absorbed.push(found);
        }
    }
    absorbed
}

/// The first five `:`-separated fields of an ARN (`arn`, partition, service, region, account).
fn head_fields(parts: impl Iterator<Item = TargetPart>) -> Vec<Vec<TargetPart>> {
    let mut fields: Vec<Vec<TargetPart>> = vec![Vec::new()];
    for part in parts {
        match part {
            TargetPart::Literal(text) => {
                let mut pieces = text.split(':');
                if let (Some(first), Some(field)) = (pieces.next(), fields.last_mut())
                    && !first.is_empty()
                {
                    field.push(TargetPart::Literal(first.to_string()));
                }
                for piece in pieces {
                    if fields.len() >= HEAD_FIELDS {
                        return fields;
                    }
                    let field = if piece.is_empty() {
                        Vec::new()
                    } else {
                        vec![TargetPart::Literal(piece.to_string())]
                    };
                    fields.push(field);
                }
            }
            other => {
                if let Some(field) = fields.last_mut() {
                    field.push(other);
                }
            }
        }
    }
    fields
}

/// Fields of an ARN before its resource part.
const HEAD_FIELDS: usize = 5;

/// Why a statement applies only under conditions.
fn condition_reasons(statement: &Statement, who: &str) -> Vec<String> {
    let mut reasons = Vec::new();
    if statement.has_condition {
        reasons.push(if statement.condition_keys.is_empty() {
            format!("{who} has a Condition")
        } else {
            format!(
                "{who} has a Condition on {}",
                statement.condition_keys.join(", ")
            )
        });
    }
    if let Some(only_if) = &statement.only_if {
        reasons.push(format!("{who} exists only when {only_if}"));
    }
    reasons
}

/// How directly a principal entry names the caller (a session of its role, or a user): the
/// session (or user) itself, its role ARN, or its account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Reach {
    Account,
    Role,
    Session,
}

/// Which statements of a resource policy count: those naming the caller at least as directly as
/// `reach`.
struct PrincipalCheck<'c, 'a> {
    caller: &'c Caller<'a>,
    reach: Reach,
    has_boundary: bool,
}

/// Whether one principal entry names the caller.
enum EntryMatch {
    No,
    Yes(Reach),
    /// Perhaps, at most this directly; why.
    Unknown(Reach, String),
}

/// Three-valued: does the statement's `Principal`/`NotPrincipal` name the caller as directly as the
/// check asks? With why when unknown.
fn statement_names_caller(
    statement: &Statement,
    check: &PrincipalCheck<'_, '_>,
    who: &str,
) -> (Option<bool>, Vec<String>) {
    match &statement.principals {
        None => (Some(false), Vec::new()),
        Some(PrincipalSet::Principal(entries)) => {
            let mut answer = Some(false);
            let mut reasons = Vec::new();
            for entry in entries {
                match entry_match(entry, check.caller, who) {
                    EntryMatch::Yes(reach) if reach >= check.reach => {
                        return (Some(true), Vec::new());
                    }
                    EntryMatch::Unknown(reach, why) if reach >= check.reach => {
                        answer = None;
                        reasons.push(why);
                    }
                    _ => {}
                }
            }
            (answer, reasons)
        }
        Some(PrincipalSet::NotPrincipal(entries)) => {
            // IAM User Guide, "Permissions boundaries for IAM entities": NotPrincipal with Deny always
            // denies a principal that has a permissions boundary.
            if statement.effect == Effect::Deny && check.has_boundary {
                return (Some(true), Vec::new());
            }
            if entries.contains(&PrincipalEntry::Any) {
                return (Some(false), Vec::new());
            }
            let all_others = entries
                .iter()
                .all(|e| matches!(entry_match(e, check.caller, who), EntryMatch::No));
            if all_others {
                // Everyone but others: the caller's session itself.
                (Some(true), Vec::new())
            } else {
                (
                    None,
                    vec![format!(
                        "the NotPrincipal of {who} may name the caller {} or its account; how IAM then treats the role session is not modelled",
                        check.caller.arn
                    )],
                )
            }
        }
    }
}

fn entry_match(entry: &PrincipalEntry, caller: &Caller<'_>, who: &str) -> EntryMatch {
    match entry {
        PrincipalEntry::Any => EntryMatch::Yes(Reach::Session),
        PrincipalEntry::Service(_)
        | PrincipalEntry::Federated(_)
        | PrincipalEntry::CanonicalUser(_) => EntryMatch::No,
        PrincipalEntry::Aws(value) => aws_value_match(value, caller, who),
        PrincipalEntry::Uncertain(value) => EntryMatch::Unknown(
            Reach::Session,
            format!("the Principal of {who} is not known ({value})"),
        ),
    }
}

fn aws_value_match(value: &Value, caller: &Caller<'_>, who: &str) -> EntryMatch {
    match value {
        Value::Str(s) => aws_string_match(s, caller, who),
        Value::Alternatives(all) => {
            let answers: Vec<EntryMatch> = all
                .iter()
                .map(|v| aws_value_match(v, caller, who))
                .collect();
            let key = |m: &EntryMatch| match m {
                EntryMatch::No => Some(None),
                EntryMatch::Yes(r) => Some(Some(*r)),
                EntryMatch::Unknown(..) => None,
            };
            let first = answers.first().and_then(key);
            if first.is_some() && answers.iter().all(|a| key(a) == first) {
                return answers.into_iter().next().unwrap_or(EntryMatch::No);
            }
            EntryMatch::Unknown(
                Reach::Session,
                format!(
                    "the Principal of {who} depends on a template condition that cannot be decided"
                ),
            )
        }
        other => EntryMatch::Unknown(
            Reach::Session,
            format!("the Principal of {who} is not known ({other})"),
        ),
    }
}

fn aws_string_match(s: &SymStr, caller: &Caller<'_>, who: &str) -> EntryMatch {
    if s.as_literal() == Some("*") {
        return EntryMatch::Yes(Reach::Session);
    }
    if let Some(account) = account_of(s) {
        return match sym_equals(&account, caller.account) {
            Some(true) => EntryMatch::Yes(Reach::Account),
            Some(false) => EntryMatch::No,
            None => EntryMatch::Unknown(
                Reach::Account,
                format!(
                    "the Principal of {who} names the account {account}; whether it is the caller's account {} is not known",
                    caller.account
                ),
            ),
        };
    }
    if let [Part::Symbol(symbol)] = s.parts() {
        return EntryMatch::Unknown(
            Reach::Session,
            format!("the Principal of {who} depends on {symbol}"),
        );
    }
    let head = leading_literal(s);
    if head.starts_with("arn:") && head.contains(":sts::") {
        return session_arn_match(s, caller, who);
    }
    let direct = if is_user_arn(caller.arn) {
        Reach::Session
    } else {
        Reach::Role
    };
    match sym_equals(s, caller.arn) {
        Some(true) => EntryMatch::Yes(direct),
        Some(false) => EntryMatch::No,
        None => EntryMatch::Unknown(
            direct,
            format!(
                "the Principal of {who} ({s}) may or may not be the caller {}",
                caller.arn
            ),
        ),
    }
}

/// A role-session principal (`arn:aws:sts::ACCT:assumed-role/ROLE/SESSION`): a maybe when ROLE may be
/// the caller's role (the session name is known only at request time), else no.
fn session_arn_match(s: &SymStr, caller: &Caller<'_>, who: &str) -> EntryMatch {
    let maybe = || {
        EntryMatch::Unknown(
            Reach::Session,
            format!(
                "the Principal of {who} names a role session ({s}); the session name is known only at request time"
            ),
        )
    };
    let (Some(principal), Some(role)) = (s.as_literal(), caller.arn.as_literal()) else {
        return maybe();
    };
    let session_prefix = role.split_once(":iam::").and_then(|(partition, rest)| {
        let (account, name) = rest.split_once(":role/")?;
        let name = name.rsplit('/').next()?;
        Some(format!("{partition}:sts::{account}:assumed-role/{name}/"))
    });
    match session_prefix {
        Some(prefix) if principal.starts_with(&prefix) => maybe(),
        Some(_) => EntryMatch::No,
        None => maybe(),
    }
}

/// Whether an ARN is an IAM user's (`arn:aws:iam::ACCT:user/name`).
fn is_user_arn(arn: &SymStr) -> bool {
    arn.parts()
        .iter()
        .any(|p| matches!(p, Part::Literal(text) if text.contains(":user/")))
}

/// The account an `AWS` principal names, when it names one: a 12-digit id, `${AWS::AccountId}`, or
/// `arn:PARTITION:iam::ACCOUNT:root`.
fn account_of(s: &SymStr) -> Option<SymStr> {
    if let Some(text) = s.as_literal()
        && text.len() == 12
        && text.bytes().all(|b| b.is_ascii_digit())
    {
        return Some(s.clone());
    }
    if let [Part::Symbol(Symbol::AccountId)] = s.parts() {
        return Some(s.clone());
    }
    let without_root = s.strip_suffix(":root")?;
    let Some(Part::Literal(head)) = without_root.parts().first() else {
        return None;
    };
    if !head.starts_with("arn:") {
        return None;
    }
    let (before, after) = head.split_once(":iam::")?;
    if before.matches(':').count() != 1 {
        return None;
    }
    let mut account = SymStr::literal(after);
    for part in without_root.parts().iter().skip(1) {
        match part {
            Part::Literal(text) => account.push_literal(text),
            Part::Symbol(symbol) => account.push_symbol(symbol.clone()),
        }
    }
    (!account.parts().is_empty()).then_some(account)
}

fn leading_literal(s: &SymStr) -> &str {
    match s.parts().first() {
        Some(Part::Literal(text)) => text,
        _ => "",
    }
}

fn trailing_literal(s: &SymStr) -> &str {
    match s.parts().last() {
        Some(Part::Literal(text)) => text,
        _ => "",
    }
}

/// Three-valued equality of resolved strings: identical strings are equal, literals compare as
/// text, and strings with symbols differ when their literal heads or tails already do.
fn sym_equals(a: &SymStr, b: &SymStr) -> Option<bool> {
    if a == b {
        return Some(true);
    }
    if let (Some(x), Some(y)) = (a.as_literal(), b.as_literal()) {
        return Some(x == y);
    }
    let (ha, hb) = (leading_literal(a), leading_literal(b));
    let (ta, tb) = (trailing_literal(a), trailing_literal(b));
    if !(ha.starts_with(hb) || hb.starts_with(ha)) || !(ta.ends_with(tb) || tb.ends_with(ta)) {
        return Some(false);
    }
    None
}

#[cfg(test)]
mod tests;
