//! The resolver: template nodes → symbolic [`Value`]s.
//!
//! `Ref`, `Fn::Sub`, `Fn::GetAtt`, `Fn::Join`, `Fn::Select`, `Fn::Split`, `Fn::If`, `Fn::FindInMap` and
//! `Fn::ImportValue` are followed as far as the deployment allows: parameters take the value supplied
//! to their stack ([`crate::parameters`]: command line, parameter file, samconfig, config), else
//! their `Default`, else stay symbols (a nested stack's parameters take the value its parent passes,
//! resolved in the parent, else their `Default`); resources get canonical names and ARNs (see
//! [`resources`]); imports resolve through the exporting stack's output. Anything that cannot be
//! built is `Unknown`, never a guess; a reference cycle is `Unknown` too, never a hang.

pub mod resources;

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};

pub use crate::value::{Part, StackId, SymStr, Symbol, Unknown, Value};

use crate::load::{Node, NodeKind};
use crate::nested::Nesting;
use crate::references::{SubPart, sub_parts};
use crate::template::Template;

/// What the user told us about the deployment target.
#[derive(Debug, Clone)]
pub struct ResolveConfig {
    /// Parameter values by name (`--param K=V`, config `parameters`), for every stack.
    pub parameters: BTreeMap<String, String>,
    /// Per stack (by [`StackId`]), every value supplied to it with where it came from, precedence
    /// applied ([`crate::parameters`]). A stack past its end takes `parameters`.
    pub stack_parameters: Vec<crate::parameters::StackValues>,
    pub partition: String,
    pub region: Option<String>,
    pub account_id: Option<String>,
    /// Use a parameter's `Default` when no value is given (off to show values the way a user writes
    /// them, as `${Env}`).
    pub use_defaults: bool,
}

impl Default for ResolveConfig {
    fn default() -> Self {
        ResolveConfig {
            parameters: BTreeMap::new(),
            stack_parameters: Vec::new(),
            partition: "aws".to_string(),
            region: None,
            account_id: None,
            use_defaults: true,
        }
    }
}

/// Where an export is defined: the stack and the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportSite {
    pub stack: StackId,
    pub output: usize,
}

/// Longest chain of references followed before giving up.
const MAX_CHAIN: usize = 64;
/// Deepest nesting of `resolve` calls (intrinsics inside intrinsics, across references).
const MAX_RESOLVE_DEPTH: usize = 160;
/// Most `resolve` calls one resolver makes; past it every answer is `Unknown` (no input may hang us).
const MAX_WORK: usize = 2_000_000;

/// Resolves values of any template of a deployment.
pub struct Resolver<'d> {
    templates: &'d [Template],
    exports: &'d HashMap<String, ExportSite>,
    config: &'d ResolveConfig,
    /// Which stacks nest which: a child's parameters come from its parent.
    nesting: Option<&'d Nesting>,
    /// What is being resolved right now: a repeat is a cycle.
    active: RefCell<Vec<String>>,
    /// Results of `Ref`, `Fn::GetAtt` and conditions already resolved, so each is resolved once.
    cache: RefCell<HashMap<String, Value>>,
    depth: Cell<usize>,
    work: Cell<usize>,
}

impl<'d> Resolver<'d> {
    pub fn new(
        templates: &'d [Template],
        exports: &'d HashMap<String, ExportSite>,
        config: &'d ResolveConfig,
    ) -> Self {
        Resolver {
            templates,
            exports,
            config,
            nesting: None,
            active: RefCell::new(Vec::new()),
            cache: RefCell::new(HashMap::new()),
            depth: Cell::new(0),
            work: Cell::new(0),
        }
    }

    /// Resolves nested stacks' parameters and outputs through `nesting`.
    pub fn with_nesting(mut self, nesting: &'d Nesting) -> Self {
        self.nesting = Some(nesting);
        self
    }

    pub fn template(&self, stack: StackId) -> Option<&'d Template> {
        self.templates.get(stack)
    }

    pub fn config(&self) -> &ResolveConfig {
        self.config
    }

    /// Resolves any node of stack `stack`.
    pub fn resolve(&self, stack: StackId, node: &Node) -> Value {
        self.work.set(self.work.get().saturating_add(1));
        if self.work.get() > MAX_WORK {
            return Value::unknown("the template takes too much work to resolve");
        }
        if self.depth.get() >= MAX_RESOLVE_DEPTH {
            return Value::unknown("references nest too deeply to resolve");
        }
        self.depth.set(self.depth.get() + 1);
        let value = self.resolve_node(stack, node);
        self.depth.set(self.depth.get().saturating_sub(1));
        value
    }

    fn resolve_node(&self, stack: StackId, node: &Node) -> Value {
        if let Some((key, arg)) = node.as_intrinsic() {
            return self.intrinsic(stack, &key.text, arg);
        }
        match &node.kind {
            NodeKind::Scalar(s) => Value::literal(s.value.clone()),
            NodeKind::Seq(items) => Value::List(
                items
                    .iter()
                    .map(|item| self.resolve(stack, item))
                    .filter(|v| *v != Value::NoValue)
                    .collect(),
            ),
            NodeKind::Map(entries) => Value::Map(
                entries
                    .iter()
                    .map(|e| (e.key.text.clone(), self.resolve(stack, &e.value)))
                    .filter(|(_, v)| *v != Value::NoValue)
                    .collect(),
            ),
        }
    }

    /// Resolves `key` once: later calls get the cached value. Cycle-guarded.
    fn memo(&self, key: String, f: impl FnOnce() -> Value) -> Value {
        if let Some(value) = self.cache.borrow().get(&key) {
            return value.clone();
        }
        let value = self.guarded(key.clone(), f);
        self.cache.borrow_mut().insert(key, value.clone());
        value
    }

    /// Runs `f` unless `key` is already being resolved (a cycle) or the chain is too long.
    fn guarded(&self, key: String, f: impl FnOnce() -> Value) -> Value {
        {
            let mut active = self.active.borrow_mut();
            if active.contains(&key) {
                return Value::unknown(format!("circular reference through {key}"));
            }
            if active.len() >= MAX_CHAIN {
                return Value::unknown("reference chain too long");
            }
            active.push(key);
        }
        let value = f();
        self.active.borrow_mut().pop();
        value
    }

    fn intrinsic(&self, stack: StackId, name: &str, arg: &Node) -> Value {
        match name {
            "Ref" => match arg.as_str() {
                Some(target) => self.reference(stack, target),
                None => Value::unknown("Ref of something that is not a name"),
            },
            "Fn::GetAtt" => self.get_att(stack, arg),
            "Fn::Sub" => self.sub(stack, arg),
            "Fn::Join" => self.join(stack, arg),
            "Fn::Select" => self.select(stack, arg),
            "Fn::Split" => self.split(stack, arg),
            "Fn::If" => self.if_(stack, arg),
            "Fn::FindInMap" => self.find_in_map(stack, arg),
            "Fn::ImportValue" => self.import_value(stack, arg),
            other => Value::unknown(format!("{other} is not evaluated")),
        }
    }

    /// `Ref` of a parameter, pseudo parameter or resource.
    pub fn reference(&self, stack: StackId, target: &str) -> Value {
        if let Some(value) = self.pseudo(stack, target) {
            return value;
        }
        let Some(template) = self.template(stack) else {
            return Value::unknown("no such stack");
        };
        if let Some(parameter) = template.parameter(target) {
            return self.parameter(stack, parameter.name.as_str());
        }
        self.memo(format!("Ref {stack} {target}"), || {
            resources::reference(self, stack, target)
        })
    }

    fn pseudo(&self, stack: StackId, name: &str) -> Option<Value> {
        let config = self.config;
        Some(match name {
            "AWS::Region" => self.region(),
            "AWS::AccountId" => self.account_id(),
            "AWS::Partition" => Value::literal(config.partition.clone()),
            "AWS::URLSuffix" => Value::literal(self.url_suffix()),
            "AWS::StackName" => Value::symbol(Symbol::StackName(stack)),
            "AWS::StackId" => Value::symbol(Symbol::StackId(stack)),
            "AWS::NoValue" => Value::NoValue,
            "AWS::NotificationARNs" => {
                Value::unknown("AWS::NotificationARNs is known only at deploy time")
            }
            _ => return None,
        })
    }

    /// `AWS::Region`: the configured region, else the deployment's region symbol.
    pub fn region(&self) -> Value {
        self.config
            .region
            .clone()
            .map_or(Value::symbol(Symbol::Region), Value::literal)
    }

    /// `AWS::AccountId`: the configured account, else the deployment's account symbol.
    pub fn account_id(&self) -> Value {
        self.config
            .account_id
            .clone()
            .map_or(Value::symbol(Symbol::AccountId), Value::literal)
    }

    pub fn url_suffix(&self) -> &'static str {
        if self.config.partition == "aws-cn" {
            "amazonaws.com.cn"
        } else {
            "amazonaws.com"
        }
    }

    fn parameter(&self, stack: StackId, name: &str) -> Value {
        if let Some(value) = self.nested_parameter(stack, name) {
            return value;
        }
        let template = self.template(stack);
        let parameter = template.and_then(|t| t.parameter(name));
        let is_list = parameter.is_some_and(|p| p.is_list());
        let given = match self.config.stack_parameters.get(stack) {
            Some(supplied) => supplied.get(name).map(|s| Value::literal(s.value.clone())),
            None => self
                .config
                .parameters
                .get(name)
                .map(|v| Value::literal(v.clone())),
        };
        let value = given.or_else(|| {
            parameter
                .filter(|_| self.config.use_defaults)
                .and_then(|p| p.default.as_ref())
                .map(|d| self.resolve(stack, d))
        });
        match value {
            Some(Value::Str(s)) if is_list => match s.as_literal() {
                Some(text) => {
                    Value::List(text.split(',').map(|v| Value::literal(v.trim())).collect())
                }
                None => Value::Str(s),
            },
            Some(value) => value,
            None => Value::symbol(Symbol::Parameter(name.into())),
        }
    }

    /// A parameter of a nested stack: the value its parent passes in `Parameters`, resolved in the
    /// parent stack (it wins over everything, as in CloudFormation), else its `Default`. `None` for a
    /// stack that no stack of the deployment nests.
    fn nested_parameter(&self, stack: StackId, name: &str) -> Option<Value> {
        let link = self.nesting?.parent(stack)?;
        let parameter = self.template(stack)?.parameter(name);
        let is_list = parameter.is_some_and(|p| p.is_list());
        let passed = self
            .template(link.parent)
            .and_then(|t| t.resource(&link.resource))
            .and_then(|r| r.property("Parameters"));
        let value = match passed.map(|p| (p.as_intrinsic().is_some(), p.get(name))) {
            Some((true, _)) => Value::unknown(format!(
                "the parameters {} passes are written with an intrinsic",
                link.resource
            )),
            Some((false, Some(node))) => self.memo(format!("Passed {stack} {name}"), || {
                self.resolve(link.parent, node)
            }),
            _ => match parameter
                .filter(|_| self.config.use_defaults)
                .and_then(|p| p.default.as_ref())
            {
                Some(default) => self.resolve(stack, default),
                None => Value::symbol(Symbol::Parameter(name.into())),
            },
        };
        Some(match value {
            Value::Str(s) if is_list => match s.as_literal() {
                Some(text) => {
                    Value::List(text.split(',').map(|v| Value::literal(v.trim())).collect())
                }
                None => Value::Str(s),
            },
            value => value,
        })
    }

    /// The value of output `output` of the stack that resource `resource` of stack `stack` nests,
    /// resolved in that stack: `None` when the nested stack is not read.
    pub fn nested_output(&self, stack: StackId, resource: &str, output: &str) -> Option<Value> {
        let child = self.nesting?.child(stack, resource)?;
        let template = self.template(child)?;
        let Some(found) = template.outputs.iter().find(|o| o.name == output) else {
            return Some(Value::unknown(format!(
                "the nested stack {resource} has no output {output}"
            )));
        };
        Some(match &found.value {
            Some(node) => self.resolve(child, node),
            None => Value::unknown(format!("the output {output} of {resource} has no Value")),
        })
    }

    /// `Fn::GetAtt resource.attribute` in stack `stack`.
    pub fn attribute(&self, stack: StackId, resource: &str, attribute: &str) -> Value {
        self.memo(format!("GetAtt {stack} {resource}.{attribute}"), || {
            resources::attribute(self, stack, resource, attribute)
        })
    }

    fn get_att(&self, stack: StackId, arg: &Node) -> Value {
        let (resource, attribute) = match (arg.as_str(), arg.as_seq()) {
            (Some(text), _) => match text.split_once('.') {
                Some((r, a)) => (r.to_string(), Value::literal(a)),
                None => return Value::unknown("Fn::GetAtt without an attribute"),
            },
            (_, Some([r, a])) => match r.as_str() {
                Some(r) => (r.to_string(), self.resolve(stack, a)),
                None => return Value::unknown("Fn::GetAtt of something that is not a name"),
            },
            _ => return Value::unknown("malformed Fn::GetAtt"),
        };
        match attribute.as_literal() {
            Some(attribute) => self.attribute(stack, &resource, attribute),
            None => Value::unknown(format!("the attribute of {resource} is not a literal")),
        }
    }

    fn sub(&self, stack: StackId, arg: &Node) -> Value {
        let (text, variables) = match (arg.as_str(), arg.as_seq()) {
            (Some(text), _) => (text, None),
            (_, Some([text, variables])) => match text.as_str() {
                Some(t) => (t, variables.as_map()),
                None => return Value::unknown("Fn::Sub of something that is not a string"),
            },
            _ => return Value::unknown("malformed Fn::Sub"),
        };
        let pieces = sub_parts(text)
            .into_iter()
            .map(|part| match part {
                SubPart::Literal(text) => Value::literal(text),
                SubPart::Variable { name, .. } => {
                    let local = variables.and_then(|vars| vars.iter().find(|e| e.key.text == name));
                    match local {
                        Some(entry) => self.resolve(stack, &entry.value),
                        None => self.sub_variable(stack, &name),
                    }
                }
            })
            .collect();
        Value::concat(pieces)
    }

    fn sub_variable(&self, stack: StackId, name: &str) -> Value {
        if self.pseudo(stack, name).is_some()
            || self
                .template(stack)
                .is_some_and(|t| t.parameter(name).is_some())
        {
            return self.reference(stack, name);
        }
        match name.split_once('.') {
            Some((resource, attribute))
                if self
                    .template(stack)
                    .is_none_or(|t| t.resource(name).is_none()) =>
            {
                self.attribute(stack, resource, attribute)
            }
            _ => self.reference(stack, name),
        }
    }

    fn join(&self, stack: StackId, arg: &Node) -> Value {
        let Some([delimiter, list]) = arg.as_seq() else {
            return Value::unknown("malformed Fn::Join");
        };
        let Some(delimiter) = delimiter.as_scalar().map(|s| s.value.clone()) else {
            return Value::unknown("Fn::Join delimiter is not a string");
        };
        let join_list = |items: &[Value]| {
            let mut pieces = Vec::new();
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    pieces.push(Value::literal(delimiter.clone()));
                }
                pieces.push(item.clone());
            }
            Value::concat(pieces)
        };
        match self.resolve(stack, list) {
            Value::List(items) => join_list(&items),
            Value::Alternatives(lists) => Value::alternatives(
                lists
                    .iter()
                    .map(|l| match l {
                        Value::List(items) => join_list(items),
                        _ => Value::unknown("Fn::Join of something that is not a list"),
                    })
                    .collect(),
            ),
            Value::Unknown(u) => Value::Unknown(u),
            _ => Value::unknown("Fn::Join of something that is not a list"),
        }
    }

    fn select(&self, stack: StackId, arg: &Node) -> Value {
        let Some([index, list]) = arg.as_seq() else {
            return Value::unknown("malformed Fn::Select");
        };
        let index = self.resolve(stack, index);
        let Some(index) = index
            .as_literal()
            .and_then(|i| i.trim().parse::<usize>().ok())
        else {
            return Value::unknown("Fn::Select index is not a known number");
        };
        let pick = |value: &Value| match value {
            Value::List(items) => items.get(index).cloned().unwrap_or_else(|| {
                Value::unknown(format!(
                    "Fn::Select index {index} is past the end of the list"
                ))
            }),
            Value::Unknown(u) => Value::Unknown(u.clone()),
            _ => Value::unknown("Fn::Select from something that is not a list"),
        };
        match self.resolve(stack, list) {
            Value::Alternatives(lists) => Value::alternatives(lists.iter().map(pick).collect()),
            value => pick(&value),
        }
    }

    fn split(&self, stack: StackId, arg: &Node) -> Value {
        let Some([delimiter, source]) = arg.as_seq() else {
            return Value::unknown("malformed Fn::Split");
        };
        let Some(delimiter) = delimiter.as_scalar().map(|s| s.value.clone()) else {
            return Value::unknown("Fn::Split delimiter is not a string");
        };
        let split_one = |value: &Value| match value {
            Value::Str(s) => match s.split(&delimiter) {
                Some(pieces) => Value::List(pieces.into_iter().map(Value::Str).collect()),
                None => Value::unknown(format!("cannot split {s} at `{delimiter}`")),
            },
            Value::Unknown(u) => Value::Unknown(u.clone()),
            _ => Value::unknown("Fn::Split of something that is not a string"),
        };
        match self.resolve(stack, source) {
            Value::Alternatives(all) => Value::alternatives(all.iter().map(split_one).collect()),
            value => split_one(&value),
        }
    }

    fn if_(&self, stack: StackId, arg: &Node) -> Value {
        let Some([condition, when_true, when_false]) = arg.as_seq() else {
            return Value::unknown("malformed Fn::If");
        };
        let Some(condition) = condition.as_str() else {
            return Value::unknown("Fn::If condition is not a name");
        };
        match self.condition(stack, condition) {
            Some(true) => self.resolve(stack, when_true),
            Some(false) => self.resolve(stack, when_false),
            None => Value::alternatives(vec![
                self.resolve(stack, when_true),
                self.resolve(stack, when_false),
            ]),
        }
    }

    fn find_in_map(&self, stack: StackId, arg: &Node) -> Value {
        let Some(items @ [map, top, second, ..]) = arg.as_seq() else {
            return Value::unknown("malformed Fn::FindInMap");
        };
        let keys: Vec<Value> = [map, top, second]
            .iter()
            .map(|n| self.resolve(stack, n))
            .collect();
        let (Some(map), Some(top), Some(second)) = (
            keys.first().and_then(Value::as_literal),
            keys.get(1).and_then(Value::as_literal),
            keys.get(2).and_then(Value::as_literal),
        ) else {
            return Value::unknown("Fn::FindInMap keys are not all known");
        };
        let found = self
            .template(stack)
            .and_then(|t| t.mapping(map))
            .and_then(|m| m.get(top))
            .and_then(|m| m.get(second));
        match (found, items.get(3)) {
            (Some(node), _) => self.resolve(stack, node),
            (None, Some(default)) => match default.get("DefaultValue") {
                Some(node) => self.resolve(stack, node),
                None => Value::unknown("malformed Fn::FindInMap default"),
            },
            (None, None) => Value::unknown(format!("no {top}/{second} in mapping {map}")),
        }
    }

    fn import_value(&self, stack: StackId, arg: &Node) -> Value {
        let name = self.resolve(stack, arg);
        let Some(name) = name.as_literal() else {
            return Value::unknown(format!("the export name {name} is not known"));
        };
        self.export(name)
    }

    /// The value an export carries: the exporting output's value, resolved in its own stack.
    pub fn export(&self, name: &str) -> Value {
        let Some(site) = self.exports.get(name) else {
            return Value::symbol(Symbol::Import(name.into()));
        };
        let output = self
            .template(site.stack)
            .and_then(|t| t.outputs.get(site.output));
        let Some(node) = output.and_then(|o| o.value.as_ref()) else {
            return Value::unknown(format!("export {name} has no value"));
        };
        self.guarded(format!("export {name}"), || self.resolve(site.stack, node))
    }

    /// Evaluates a named condition: `None` when it cannot be decided.
    pub fn condition(&self, stack: StackId, name: &str) -> Option<bool> {
        let body = &self.template(stack)?.condition(name)?.body;
        let value = self.memo(format!("Condition {stack} {name}"), || {
            match self.condition_value(stack, body) {
                Some(b) => Value::literal(b.to_string()),
                None => Value::unknown("undecided"),
            }
        });
        value.as_literal().and_then(|b| b.parse().ok())
    }

    fn condition_value(&self, stack: StackId, node: &Node) -> Option<bool> {
        let (key, arg) = node.as_intrinsic()?;
        let items = arg.as_seq();
        match key.text.as_str() {
            "Fn::Equals" => match items? {
                [a, b] => self.resolve(stack, a).equals(&self.resolve(stack, b)),
                _ => None,
            },
            "Fn::Not" => match items? {
                [c] => self.condition_value(stack, c).map(|b| !b),
                _ => None,
            },
            "Fn::And" => three_valued_all(items?.iter().map(|c| self.condition_value(stack, c))),
            "Fn::Or" => three_valued_all(
                items?
                    .iter()
                    .map(|c| self.condition_value(stack, c).map(|b| !b)),
            )
            .map(|b| !b),
            "Condition" => self.condition(stack, arg.as_str()?),
            _ => None,
        }
    }

    /// Runs a resource-level resolution under the cycle guard.
    fn resource_guarded(
        &self,
        stack: StackId,
        logical_id: &str,
        what: &str,
        f: impl FnOnce() -> Value,
    ) -> Value {
        self.guarded(format!("{what} of {logical_id} in stack {stack}"), f)
    }
}

/// `Some(true)` if all are true, `Some(false)` if any is false, else `None`.
fn three_valued_all(values: impl Iterator<Item = Option<bool>>) -> Option<bool> {
    let mut all = Some(true);
    for value in values {
        match value {
            Some(false) => return Some(false),
            None => all = None,
            Some(true) => {}
        }
    }
    all
}

#[cfg(test)]
mod tests;
