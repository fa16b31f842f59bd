//! IAM policy documents, read from template nodes through the resolver.
//!
//! A document keeps what evaluation needs and where it came from: each statement's effect, actions,
//! resources (resolved [`Value`]s: literal, symbolic, alternatives or unknown), condition keys, and the
//! spans of the statement, its `Action` and its `Resource`. Reading never fails: whatever cannot be
//! read (a statement that is not a mapping, no `Effect`, both `Action` and `NotAction`, ...) is
//! listed in [`PolicyDocument::skipped`] and left out; IAM would reject such a policy at deploy time.
//!
//! `Fn::If` is followed where its condition can be decided. Where it cannot, a statement (or a whole
//! list of statements) inside one branch is kept with [`Statement::only_if`] naming the condition, and
//! the evaluator treats it as conditional; inside `Action` or `Resource`, `Fn::If` resolves to
//! [`Value::Alternatives`], which match only when all alternatives agree. A document written as a
//! JSON string is parsed too; its statements then point at the whole string.
//!
//! `Principal`/`NotPrincipal` (resource-based policies only) are kept as a [`PrincipalSet`] of resolved
//! entries: `"*"`, `{"AWS": ...}` (ARNs, account ids, `arn:aws:iam::ACCT:root`, `"*"`), `{"Service": ...}`,
//! `{"Federated": ...}`, `{"CanonicalUser": ...}`; whatever else is an [`PrincipalEntry::Uncertain`] entry,
//! which the evaluator treats as "may be the caller". Identity-policy statements have no principal.
//! Resource policies that are not written as documents (an `AWS::Lambda::Permission`) are built with
//! [`Statement::resource_grant`] and [`PrincipalSet::of_permission_principal`].

use std::collections::HashMap;

use std::sync::OnceLock;

use super::pattern::Pattern;
use crate::load::Node;
use crate::resolve::{Part, ResolveConfig, Resolver, StackId, SymStr, Value};
use crate::source::Span;

/// The `Version` under which policy variables (`${aws:username}`) are evaluated.
pub const POLICY_VERSION_2012: &str = "2012-10-17";

/// Deepest nesting of `Fn::If` followed around statements.
const MAX_IF_DEPTH: usize = 16;

/// A statement's `Effect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Effect {
    /// `Allow`.
    Allow,
    /// `Deny`.
    Deny,
}

/// The literal action patterns of a statement, as written (`execute-api:Invoke`, `lambda:*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionSet {
    /// `Action`: the statement covers these actions.
    Action(Vec<String>),
    /// `NotAction`: the statement covers every action but these.
    NotAction(Vec<String>),
}

/// The resource patterns of a statement, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourceSet {
    /// `Resource`: the statement covers these resources.
    Resource(Vec<Value>),
    /// `NotResource`: the statement covers every resource but these.
    NotResource(Vec<Value>),
}

impl ResourceSet {
    /// The patterns, whichever element holds them.
    pub fn values(&self) -> &[Value] {
        match self {
            ResourceSet::Resource(v) | ResourceSet::NotResource(v) => v,
        }
    }
}

/// One entry of a `Principal`/`NotPrincipal` element, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalEntry {
    /// `"*"` or `{"AWS": "*"}`: everyone, the caller's role session included.
    Any,
    /// An `AWS` entry: a role, user or session ARN, an account id or `arn:aws:iam::ACCT:root`.
    Aws(Value),
    /// A `Service` entry (`apigateway.amazonaws.com`): never an IAM caller.
    Service(Value),
    /// A `Federated` entry (an identity provider): never an IAM role session.
    Federated(Value),
    /// A `CanonicalUser` entry (S3): never an IAM role session.
    CanonicalUser(Value),
    /// Something that could not be read as a principal (an undecided `Fn::If` around the whole
    /// element, an unknown value, an unexpected key): it may name anyone.
    Uncertain(Value),
}

/// A statement's `Principal` or `NotPrincipal`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalSet {
    /// `Principal`: the statement applies to these principals.
    Principal(Vec<PrincipalEntry>),
    /// `NotPrincipal`: the statement applies to everyone but these.
    NotPrincipal(Vec<PrincipalEntry>),
}

impl PrincipalSet {
    /// The entries, whichever element holds them.
    pub fn entries(&self) -> &[PrincipalEntry] {
        match self {
            PrincipalSet::Principal(e) | PrincipalSet::NotPrincipal(e) => e,
        }
    }

    /// `Principal: "*"`.
    pub fn anyone() -> PrincipalSet {
        PrincipalSet::Principal(vec![PrincipalEntry::Any])
    }

    /// A `Principal` element read from its resolved value (`"*"`, or a mapping of `AWS`, `Service`,
    /// `Federated`, `CanonicalUser` to a string or a list of strings).
    pub fn principal(value: &Value) -> PrincipalSet {
        PrincipalSet::Principal(principal_entries(value))
    }

    /// A `NotPrincipal` element read from its resolved value.
    pub fn not_principal(value: &Value) -> PrincipalSet {
        PrincipalSet::NotPrincipal(principal_entries(value))
    }

    /// The `Principal` property of an `AWS::Lambda::Permission` (a plain string: `*`, an account id,
    /// an ARN, or a service such as `apigateway.amazonaws.com`), as a `Principal` element.
    pub fn of_permission_principal(value: &Value) -> PrincipalSet {
        let entry = match value {
            Value::Str(s) if s.as_literal() == Some("*") => PrincipalEntry::Any,
            Value::Str(s) if is_service_name(s) => PrincipalEntry::Service(value.clone()),
            Value::Str(_) => PrincipalEntry::Aws(value.clone()),
            other => PrincipalEntry::Uncertain(other.clone()),
        };
        PrincipalSet::Principal(vec![entry])
    }
}

/// Whether a principal string is a service (`lambda.amazonaws.com`, `states.us-east-1.amazonaws.com`).
fn is_service_name(s: &SymStr) -> bool {
    let last = match s.parts().last() {
        Some(Part::Literal(text)) => text,
        _ => return false,
    };
    last.ends_with(".amazonaws.com") || last.ends_with(".amazonaws.com.cn")
}

/// The entries of a resolved `Principal`/`NotPrincipal` value.
fn principal_entries(value: &Value) -> Vec<PrincipalEntry> {
    match value {
        Value::Str(s) if s.as_literal() == Some("*") => vec![PrincipalEntry::Any],
        Value::Map(entries) => {
            let mut out = Vec::new();
            for (key, value) in entries {
                let items: Vec<Value> = match value {
                    Value::List(items) => items.clone(),
                    Value::NoValue => Vec::new(),
                    other => vec![other.clone()],
                };
                for item in items.into_iter().filter(|v| *v != Value::NoValue) {
                    out.push(match key.as_str() {
                        "AWS" if item.as_literal() == Some("*") => PrincipalEntry::Any,
                        "AWS" => PrincipalEntry::Aws(item),
                        "Service" => PrincipalEntry::Service(item),
                        "Federated" => PrincipalEntry::Federated(item),
                        "CanonicalUser" => PrincipalEntry::CanonicalUser(item),
                        _ => PrincipalEntry::Uncertain(item),
                    });
                }
            }
            out
        }
        // Not valid IAM (only `"*"` may stand alone), but read as the `AWS` entry it means.
        Value::Str(_) => vec![PrincipalEntry::Aws(value.clone())],
        Value::NoValue => Vec::new(),
        other => vec![PrincipalEntry::Uncertain(other.clone())],
    }
}

/// One statement of a policy document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The `Sid`, when literal.
    pub sid: Option<String>,
    /// `Allow` or `Deny`.
    pub effect: Effect,
    /// The literal `Action`/`NotAction` patterns.
    pub actions: ActionSet,
    /// Entries of `Action`/`NotAction` that are not literal text (a symbol, alternatives, unknown).
    pub uncertain_actions: Vec<Value>,
    /// The `Resource`/`NotResource` entries.
    pub resources: ResourceSet,
    /// The `Principal`/`NotPrincipal` of a resource-based policy statement; `None` in identity
    /// policies (and in a resource policy, where IAM requires it, a statement that applies to no one).
    pub principals: Option<PrincipalSet>,
    /// The statement has a non-empty `Condition`.
    pub has_condition: bool,
    /// The condition keys it tests (`aws:SourceIp`), as written.
    pub condition_keys: Vec<String>,
    /// The template condition the statement depends on (`IsProd is true`), when an undecided `Fn::If`
    /// chooses whether it exists.
    pub only_if: Option<String>,
    /// The statement mapping.
    pub span: Span,
    /// The `Action`/`NotAction` value.
    pub action_span: Span,
    /// The `Resource`/`NotResource` value.
    pub resource_span: Span,
    /// The literal resource entries compiled, once (a cache, not part of the statement's identity).
    pub compiled: CompiledPatterns,
}

/// A statement's literal `Resource`/`NotResource` entries compiled to [`Pattern`]s on first use, once
/// for each reading of `${...}` (policy variables or literal text): evaluating a statement against
/// many targets compiles it once.
#[derive(Debug, Clone, Default)]
pub struct CompiledPatterns {
    plain: OnceLock<Vec<Pattern>>,
    variables: OnceLock<Vec<Pattern>>,
}

impl PartialEq for CompiledPatterns {
    /// A cache: every two are equal.
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for CompiledPatterns {}

impl Statement {
    /// The literal resource entries as patterns (entries that are alternatives or unknown left out);
    /// `variables`: `${...}` is a policy variable.
    pub fn literal_patterns(&self, variables: bool) -> &[Pattern] {
        let cell = if variables {
            &self.compiled.variables
        } else {
            &self.compiled.plain
        };
        cell.get_or_init(|| {
            self.resources
                .values()
                .iter()
                .filter_map(Value::as_str)
                .map(|s| Pattern::new(s, variables))
                .collect()
        })
    }

    /// An `Allow` statement of a resource-based policy that is not written as a document (an
    /// `AWS::Lambda::Permission`: its `Principal`, `Action` and `FunctionName`). `has_condition`: the
    /// grant holds only under a condition (`SourceArn`, `SourceAccount`, `PrincipalOrgID`, ...). Every
    /// span of the statement is `span`.
    pub fn resource_grant(
        principals: PrincipalSet,
        actions: Vec<String>,
        resources: Vec<Value>,
        has_condition: bool,
        span: Span,
    ) -> Statement {
        Statement {
            sid: None,
            effect: Effect::Allow,
            actions: ActionSet::Action(actions),
            uncertain_actions: Vec::new(),
            resources: ResourceSet::Resource(resources),
            principals: Some(principals),
            has_condition,
            condition_keys: Vec::new(),
            only_if: None,
            span,
            action_span: span,
            resource_span: span,
            compiled: CompiledPatterns::default(),
        }
    }
}

/// Something in a document that could not be read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// What was skipped.
    pub span: Span,
    /// Why, in plain words.
    pub reason: String,
}

/// A policy document: its statements in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PolicyDocument {
    /// The `Version` element, when literal.
    pub version: Option<String>,
    /// The statements that could be read, in order.
    pub statements: Vec<Statement>,
    /// The document node.
    pub span: Span,
    /// What could not be read.
    pub skipped: Vec<Skipped>,
}

impl PolicyDocument {
    /// Reads a `PolicyDocument` node of stack `stack`, resolving values with `resolver`.
    pub fn from_node(node: &Node, stack: StackId, resolver: &Resolver<'_>) -> PolicyDocument {
        let mut reader = Reader {
            stack,
            resolver,
            document: PolicyDocument {
                span: node.span,
                ..PolicyDocument::default()
            },
        };
        for (branch, only_if) in reader.branches(node) {
            reader.document(branch, only_if.as_deref());
        }
        reader.document
    }

    /// Reads a document written as JSON text, outside any template (the managed-policy table, tests).
    /// Spans point into `text`. `None` when the text is not JSON.
    pub fn from_json(text: &str) -> Option<PolicyDocument> {
        let node = crate::load::json::parse(text).ok()?;
        let exports = HashMap::new();
        let config = ResolveConfig::default();
        let resolver = Resolver::new(&[], &exports, &config);
        Some(PolicyDocument::from_node(&node, 0, &resolver))
    }

    /// A document parsed from JSON text that is an object (see [`Self::from_json`]).
    fn from_json_object(node: &Node) -> Option<PolicyDocument> {
        node.is_map().then(|| {
            let exports = HashMap::new();
            let config = ResolveConfig::default();
            let resolver = Resolver::new(&[], &exports, &config);
            PolicyDocument::from_node(node, 0, &resolver)
        })
    }

    /// Whether `${...}` in resources is a policy variable (`Version: 2012-10-17`).
    pub fn uses_policy_variables(&self) -> bool {
        self.version.as_deref() == Some(POLICY_VERSION_2012)
    }
}

/// Reads one document.
struct Reader<'r, 'd> {
    stack: StackId,
    resolver: &'r Resolver<'d>,
    document: PolicyDocument,
}

impl Reader<'_, '_> {
    /// The nodes `node` stands for once `Fn::If` is followed, each with the template condition it
    /// depends on; `Ref: AWS::NoValue` stands for nothing.
    fn branches<'n>(&self, node: &'n Node) -> Vec<(&'n Node, Option<String>)> {
        let mut out = Vec::new();
        self.collect_branches(node, None, 0, &mut out);
        out
    }

    fn collect_branches<'n>(
        &self,
        node: &'n Node,
        only_if: Option<String>,
        depth: usize,
        out: &mut Vec<(&'n Node, Option<String>)>,
    ) {
        let Some((key, arg)) = node.as_intrinsic() else {
            out.push((node, only_if));
            return;
        };
        match key.text.as_str() {
            "Ref" if arg.as_str() == Some("AWS::NoValue") => {}
            "Fn::If" if depth < MAX_IF_DEPTH => match arg.as_seq() {
                Some([condition, when_true, when_false]) => {
                    let name = condition.as_str().unwrap_or("?");
                    match self.resolver.condition(self.stack, name) {
                        Some(true) => self.collect_branches(when_true, only_if, depth + 1, out),
                        Some(false) => self.collect_branches(when_false, only_if, depth + 1, out),
                        None => {
                            let label = |holds: bool| {
                                let this = format!("the template condition {name} is {holds}");
                                Some(match &only_if {
                                    Some(outer) => format!("{outer} and {this}"),
                                    None => this,
                                })
                            };
                            self.collect_branches(when_true, label(true), depth + 1, out);
                            self.collect_branches(when_false, label(false), depth + 1, out);
                        }
                    }
                }
                _ => out.push((node, only_if)),
            },
            _ => out.push((node, only_if)),
        }
    }

    fn skip(&mut self, span: Span, reason: impl Into<String>) {
        self.document.skipped.push(Skipped {
            span,
            reason: reason.into(),
        });
    }

    fn document(&mut self, node: &Node, only_if: Option<&str>) {
        if node.is_null() {
            self.skip(node.span, "the policy document is empty");
            return;
        }
        if let Some(text) = node.as_scalar().map(|s| s.value.clone()) {
            self.json_string_document(node.span, &text, only_if);
            return;
        }
        if node.as_map().is_none() || node.as_intrinsic().is_some() {
            self.skip(node.span, "the policy document is not a mapping");
            return;
        }
        if let Some(version) = node.get("Version") {
            let value = self.resolver.resolve(self.stack, version);
            if let Some(text) = value.as_literal() {
                self.document.version = Some(text.to_string());
            }
        }
        let Some(statements) = node.get("Statement") else {
            self.skip(node.span, "the policy document has no Statement");
            return;
        };
        for (list, list_only_if) in self.branches(statements) {
            let only_if = join_conditions(only_if, list_only_if.as_deref());
            match list.as_seq() {
                Some(items) => {
                    for item in items {
                        for (statement, item_only_if) in self.branches(item) {
                            let only_if =
                                join_conditions(only_if.as_deref(), item_only_if.as_deref());
                            self.statement(statement, only_if);
                        }
                    }
                }
                None => self.statement(list, only_if),
            }
        }
    }

    /// A document written as a JSON string (`PolicyDocument: '{"Statement": ...}'`).
    fn json_string_document(&mut self, span: Span, text: &str, only_if: Option<&str>) {
        // Only a JSON object is a document: a number, `true` or a JSON string read again as a
        // document would read itself forever.
        let object = crate::load::json::parse(text).ok().filter(Node::is_map);
        let Some(mut inner) = object.and_then(|node| PolicyDocument::from_json_object(&node))
        else {
            self.skip(
                span,
                "the policy document is a string that is not a JSON object",
            );
            return;
        };
        for statement in &mut inner.statements {
            statement.span = span;
            statement.action_span = span;
            statement.resource_span = span;
            statement.only_if = join_conditions(only_if, statement.only_if.as_deref());
        }
        for skipped in &mut inner.skipped {
            skipped.span = span;
        }
        if self.document.version.is_none() {
            self.document.version = inner.version;
        }
        self.document.statements.extend(inner.statements);
        self.document.skipped.extend(inner.skipped);
    }

    fn statement(&mut self, node: &Node, only_if: Option<String>) {
        if node.as_map().is_none() || node.as_intrinsic().is_some() {
            self.skip(node.span, "a statement that is not a mapping");
            return;
        }
        match self.read_statement(node, only_if) {
            Ok(statement) => self.document.statements.push(statement),
            Err(reason) => self.skip(node.span, reason),
        }
    }

    fn read_statement(&self, node: &Node, only_if: Option<String>) -> Result<Statement, String> {
        let effect = self.effect(node)?;
        let (actions, uncertain_actions, action_span) = self.actions(node)?;
        let (resources, resource_span) = self.resources(node)?;
        let principals = self.principals(node)?;
        let (has_condition, condition_keys) = match node.get("Condition") {
            Some(condition) => read_condition(&self.resolver.resolve(self.stack, condition)),
            None => (false, Vec::new()),
        };
        let sid = node
            .get("Sid")
            .map(|sid| self.resolver.resolve(self.stack, sid))
            .and_then(|sid| sid.as_literal().map(str::to_string));
        Ok(Statement {
            sid,
            effect,
            actions,
            uncertain_actions,
            resources,
            principals,
            has_condition,
            condition_keys,
            only_if,
            span: node.span,
            action_span,
            resource_span,
            compiled: CompiledPatterns::default(),
        })
    }

    fn effect(&self, node: &Node) -> Result<Effect, String> {
        let Some(effect) = node.get("Effect") else {
            return Err("a statement without Effect".into());
        };
        match self.resolver.resolve(self.stack, effect).as_literal() {
            Some("Allow") => Ok(Effect::Allow),
            Some("Deny") => Ok(Effect::Deny),
            Some(other) => Err(format!("Effect `{other}` is neither Allow nor Deny")),
            None => Err("the Effect is not known".into()),
        }
    }

    fn actions(&self, node: &Node) -> Result<(ActionSet, Vec<Value>, Span), String> {
        let (element, not) = exactly_one(node, "Action", "NotAction")?;
        let (literal, uncertain) = split_actions(self.resolver.resolve(self.stack, element));
        let set = if not {
            ActionSet::NotAction(literal)
        } else {
            ActionSet::Action(literal)
        };
        Ok((set, uncertain, element.span))
    }

    fn resources(&self, node: &Node) -> Result<(ResourceSet, Span), String> {
        let (element, not) = exactly_one(node, "Resource", "NotResource")?;
        let values = match self.resolver.resolve(self.stack, element) {
            Value::List(items) => items,
            Value::NoValue => return Err("the Resource is AWS::NoValue".into()),
            other => vec![other],
        };
        let set = if not {
            ResourceSet::NotResource(values)
        } else {
            ResourceSet::Resource(values)
        };
        Ok((set, element.span))
    }
}

impl Reader<'_, '_> {
    fn principals(&self, node: &Node) -> Result<Option<PrincipalSet>, String> {
        match (node.get("Principal"), node.get("NotPrincipal")) {
            (None, None) => Ok(None),
            (Some(_), Some(_)) => Err("a statement with both Principal and NotPrincipal".into()),
            (Some(element), None) => Ok(Some(PrincipalSet::principal(
                &self.resolver.resolve(self.stack, element),
            ))),
            (None, Some(element)) => Ok(Some(PrincipalSet::not_principal(
                &self.resolver.resolve(self.stack, element),
            ))),
        }
    }
}

/// The one of `name`/`not_name` that the statement has, and whether it is the `Not` form.
fn exactly_one<'n>(node: &'n Node, name: &str, not_name: &str) -> Result<(&'n Node, bool), String> {
    match (node.get(name), node.get(not_name)) {
        (Some(element), None) => Ok((element, false)),
        (None, Some(element)) => Ok((element, true)),
        (Some(_), Some(_)) => Err(format!("a statement with both {name} and {not_name}")),
        (None, None) => Err(format!("a statement without {name} or {not_name}")),
    }
}

/// Literal action patterns, and the entries that are not literal.
fn split_actions(value: Value) -> (Vec<String>, Vec<Value>) {
    let items = match value {
        Value::List(items) => items,
        Value::NoValue => Vec::new(),
        other => vec![other],
    };
    let mut literal = Vec::new();
    let mut uncertain = Vec::new();
    for item in items {
        match item.as_literal() {
            Some(text) => literal.push(text.to_string()),
            None if item == Value::NoValue => {}
            None => uncertain.push(item),
        }
    }
    (literal, uncertain)
}

/// Whether a resolved `Condition` conditions anything, and the keys it tests.
fn read_condition(value: &Value) -> (bool, Vec<String>) {
    let mut keys = Vec::new();
    let has_condition = collect_condition_keys(value, &mut keys);
    (has_condition, keys)
}

fn collect_condition_keys(value: &Value, keys: &mut Vec<String>) -> bool {
    match value {
        Value::NoValue => false,
        Value::Map(operators) => {
            for (operator, tests) in operators {
                match tests {
                    Value::Map(tested) => {
                        for (key, _) in tested {
                            push_unique(keys, key);
                        }
                    }
                    _ => push_unique(keys, operator),
                }
            }
            !operators.is_empty()
        }
        Value::Alternatives(all) => {
            for alternative in all {
                collect_condition_keys(alternative, keys);
            }
            true
        }
        Value::Str(_) | Value::List(_) | Value::Unknown(_) => true,
    }
}

fn push_unique(keys: &mut Vec<String>, key: &str) {
    if !keys.iter().any(|k| k == key) {
        keys.push(key.to_string());
    }
}

fn join_conditions(outer: Option<&str>, inner: Option<&str>) -> Option<String> {
    match (outer, inner) {
        (Some(a), Some(b)) => Some(format!("{a} and {b}")),
        (Some(a), None) | (None, Some(a)) => Some(a.to_string()),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests;
