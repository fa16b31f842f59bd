//! The three-valued evaluator: may a principal call `action` on every request of a [`Target`]?
//!
//! Inputs are the principal's identity policies and, optionally, its permissions boundary
//! (iam-semantics.md §3, §10; resource-based policies, SCPs and session policies are out of scope).
//! The answer is [`Decision::Allowed`], [`Decision::Denied`] or [`Decision::Conditional`] with reasons in
//! plain words, and the statements that decided it.
//!
//! Rules:
//! - A statement applies when its action matches (`Action`: any pattern; `NotAction`: none) and its
//!   resources cover the target (`Resource`: the union of the patterns; `NotResource`: the complement).
//!   A `Condition`, an undecided template condition around the statement, an action or resource that
//!   is not known, or a partial [`Coverage`] makes it apply only *maybe*.
//! - An explicit `Deny` that surely applies to every request, in any policy (boundary included):
//!   `Denied(ExplicitDeny)`. A `Deny` that maybe applies turns `Allowed` into `Conditional`.
//! - Identity policies must grant every request: one statement covering the whole target, or the
//!   literal `Resource` patterns of all unconditional grants together (so one statement per verb of an
//!   `ANY` route adds up). Otherwise a maybe-grant gives `Conditional`; nothing at all gives
//!   `Denied(NoAllow)`, unless a policy is unknown (then `Conditional`: it might grant).
//! - A boundary must grant too, in the same way: nothing in a known boundary gives
//!   `Denied(Boundary)`.
//! - An unknown policy never makes a request `Allowed` and never blocks one: it may grant, and (an
//!   approximation: AWS managed policies do not deny) is assumed not to deny.
//!
//! Approximations, all towards `Conditional` rather than a wrong definite answer: denies are not
//! added up across statements (two partial denies that together cover the target give
//! `Conditional`, not `Denied`); `NotResource` grants do not add up with others; resource entries that
//! are alternatives or unknown are combined with the rest without exact union.

use std::fmt;

use super::pattern::{Coverage, Pattern, Target, TargetPart, action_matches, coverage_of_any};
use super::policy::{ActionSet, Effect, PolicyDocument, ResourceSet, Statement};
use crate::resolve::{Part, Symbol, Value};
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

/// A statement that took part in a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatementRef {
    /// In the permissions boundary (else in the identity policies).
    pub boundary: bool,
    /// Index of the policy in the slice given to [`evaluate`].
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
/// `action` on every request of `target`.
pub fn evaluate(
    identity: &[PolicySource<'_>],
    boundary: Option<&[PolicySource<'_>]>,
    action: &str,
    target: &Target,
) -> Decision {
    let identity = Analysis::of(identity, false, action, target);
    let boundary = boundary.map(|b| Analysis::of(b, true, action, target));
    let mut denies = identity.definite_denies.clone();
    if let Some(b) = &boundary {
        denies.extend(b.definite_denies.iter().copied());
    }
    if !denies.is_empty() {
        return Decision::Denied {
            reason: DenialReason::ExplicitDeny,
            denies,
        };
    }
    let identity_grant = identity.grant(target);
    let boundary_grant = boundary.as_ref().map(|b| b.grant(target));
    if let Grant::None = identity_grant {
        return denied(DenialReason::NoAllow);
    }
    if let Some(Grant::None) = boundary_grant {
        return denied(DenialReason::Boundary);
    }
    let mut reasons = Vec::new();
    let mut grants = Vec::new();
    for grant in std::iter::once(identity_grant).chain(boundary_grant) {
        match grant {
            Grant::All(refs) => grants.extend(refs),
            Grant::Maybe(why, refs) => {
                reasons.extend(why);
                grants.extend(refs);
            }
            Grant::None => {}
        }
    }
    for analysis in std::iter::once(&identity).chain(&boundary) {
        reasons.extend(analysis.possible_denies.iter().cloned());
    }
    if reasons.is_empty() {
        Decision::Allowed { grants }
    } else {
        Decision::Conditional { reasons, grants }
    }
}

fn denied(reason: DenialReason) -> Decision {
    Decision::Denied {
        reason,
        denies: Vec::new(),
    }
}

/// What a set of policies (the identity policies, or the boundary) grants.
enum Grant {
    All(Vec<StatementRef>),
    Maybe(Vec<String>, Vec<StatementRef>),
    None,
}

/// What the statements of a set of policies do to the request.
#[derive(Default)]
struct Analysis {
    definite_denies: Vec<StatementRef>,
    /// Reasons a deny may apply.
    possible_denies: Vec<String>,
    /// Statements that alone grant every request.
    full_grants: Vec<StatementRef>,
    /// Statements that maybe grant, with why.
    maybe_grants: Vec<(StatementRef, Vec<String>)>,
    /// Literal resource patterns granted for sure, with the statements they come from.
    certain_patterns: Vec<(StatementRef, Vec<Pattern>)>,
    /// Reasons policies are unknown.
    unknown: Vec<String>,
}

impl Analysis {
    fn of(sources: &[PolicySource<'_>], boundary: bool, action: &str, target: &Target) -> Self {
        let mut analysis = Analysis::default();
        for (policy, source) in sources.iter().enumerate() {
            match source {
                PolicySource::Known { document, origin } => {
                    for (index, statement) in document.statements.iter().enumerate() {
                        let at = StatementRef {
                            boundary,
                            policy,
                            statement: index,
                            span: statement.span,
                        };
                        let who = statement_name(origin, statement, index);
                        let variables = document.uses_policy_variables();
                        let judged = judge(statement, variables, action, target, &who);
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

    fn add(&mut self, effect: Effect, at: StatementRef, judged: Judgement) {
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
        let pooled: Vec<Pattern> = self
            .certain_patterns
            .iter()
            .flat_map(|(_, patterns)| patterns.iter().cloned())
            .collect();
        if !pooled.is_empty() && coverage_of_any(&pooled, target) == Coverage::All {
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

struct Judgement {
    applies: Applies,
    /// The statement's literal `Resource` patterns when its action surely matches and nothing
    /// conditions it: granted (or denied) for sure, whatever the rest of the statement does.
    certain_patterns: Vec<Pattern>,
}

/// How a statement is named in reasons: `<policy>, statement <Sid or number>`.
fn statement_name(origin: &PolicyOrigin, statement: &Statement, index: usize) -> String {
    match &statement.sid {
        Some(sid) => format!("{}, statement {sid}", origin.label),
        None => format!("{}, statement {}", origin.label, index + 1),
    }
}

fn judge(
    statement: &Statement,
    variables: bool,
    action: &str,
    target: &Target,
    who: &str,
) -> Judgement {
    let never = Judgement {
        applies: Applies::Never,
        certain_patterns: Vec::new(),
    };
    let action_match = statement_action_matches(statement, action);
    if action_match == Some(false) {
        return never;
    }
    let (coverage, resource_reasons) =
        resource_coverage(&statement.resources, variables, target, who);
    if coverage == Coverage::None {
        return never;
    }
    let mut reasons = Vec::new();
    if action_match.is_none() {
        reasons.push(format!("the Action of {who} is not known"));
    }
    reasons.extend(resource_reasons);
    let conditions = condition_reasons(statement, who);
    let certain_patterns = match (&statement.resources, action_match, conditions.is_empty()) {
        (ResourceSet::Resource(values), Some(true), true) => literal_patterns(values, variables),
        _ => Vec::new(),
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
    set: &ResourceSet,
    variables: bool,
    target: &Target,
    who: &str,
) -> (Coverage, Vec<String>) {
    let values = set.values();
    let covered = values_coverage(values, variables, target);
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
    let patterns = literal_patterns(values, variables);
    let mut parts = Vec::new();
    if !patterns.is_empty() {
        parts.push(coverage_of_any(&patterns, target));
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

#[cfg(test)]
mod tests;
