//! The intrinsic walk: what a template refers to, and which intrinsic calls have the wrong shape.
//!
//! One pass over Conditions, Resources, Outputs and Globals records every `Ref`, `Fn::GetAtt`,
//! `Fn::Sub` variable, `DependsOn`, condition name, mapping name and `Fn::ImportValue` with the span
//! of the name as written, and every malformed call (`TPL002`). Rules and the deployment graph read
//! these lists; nothing here resolves values.

use std::collections::HashSet;

use crate::load::{Key, Node, NodeKind};
use crate::source::Span;
use crate::template::Template;

/// How a reference is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefKind {
    Ref,
    GetAtt,
    /// A `${Name}` or `${Name.Attr}` inside `Fn::Sub`.
    Sub,
    DependsOn,
    /// A condition name: resource/output `Condition`, `Fn::If`, `{Condition: X}`.
    Condition,
    /// The mapping name of `Fn::FindInMap`.
    Mapping,
    ImportValue,
}

impl RefKind {
    pub fn label(self) -> &'static str {
        match self {
            RefKind::Ref => "Ref",
            RefKind::GetAtt => "Fn::GetAtt",
            RefKind::Sub => "Fn::Sub",
            RefKind::DependsOn => "DependsOn",
            RefKind::Condition => "Condition",
            RefKind::Mapping => "Fn::FindInMap",
            RefKind::ImportValue => "Fn::ImportValue",
        }
    }
}

/// Where in the template a reference is written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Owner {
    Resource(String),
    Output(String),
    Condition(String),
    Globals,
}

impl Owner {
    pub fn resource(&self) -> Option<&str> {
        match self {
            Owner::Resource(id) => Some(id),
            _ => None,
        }
    }
}

/// One reference, with the span of the name as written (`X` in `!Ref X`, `${X}` in a `Fn::Sub`). For
/// `ImportValue`, `target` is the export name when it is a plain string.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    pub kind: RefKind,
    pub target: String,
    pub attribute: Option<String>,
    pub span: Span,
    pub owner: Owner,
    /// The argument of `Fn::ImportValue` (a name or an intrinsic that builds one).
    pub import_name: Option<Node>,
}

/// A malformed intrinsic call.
#[derive(Debug, Clone, PartialEq)]
pub struct IntrinsicProblem {
    pub message: String,
    pub span: Span,
    pub help: Option<String>,
    pub owner: Option<Owner>,
}

/// The functions CloudFormation knows (including the Rules-section ones and language extensions).
const KNOWN_FUNCTIONS: [&str; 27] = [
    "Ref",
    "Condition",
    "Fn::Base64",
    "Fn::Cidr",
    "Fn::FindInMap",
    "Fn::GetAtt",
    "Fn::GetAZs",
    "Fn::ImportValue",
    "Fn::Join",
    "Fn::Select",
    "Fn::Split",
    "Fn::Sub",
    "Fn::Transform",
    "Fn::If",
    "Fn::Equals",
    "Fn::And",
    "Fn::Or",
    "Fn::Not",
    "Fn::ToJsonString",
    "Fn::Length",
    "Fn::Contains",
    "Fn::EachMemberEquals",
    "Fn::EachMemberIn",
    "Fn::RefAll",
    "Fn::ValueOf",
    "Fn::ValueOfAll",
    "Fn::GetStackOutput",
];

/// A piece of an `Fn::Sub` template string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubPart {
    Literal(String),
    /// `${Name}` or `${Name.Attr}`; `offset` is the byte offset of `$` in the string.
    Variable {
        name: String,
        offset: usize,
    },
}

/// Splits an `Fn::Sub` string into literals and variables; `${!X}` is the literal `${X}`.
/// A `${` without a closing `}` is literal text, as in CloudFormation.
pub fn sub_parts(text: &str) -> Vec<SubPart> {
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut rest = text;
    let mut consumed = 0;
    while let Some(start) = rest.find("${") {
        literal.push_str(rest.get(..start).unwrap_or(""));
        let after = rest.get(start + 2..).unwrap_or("");
        let Some(close) = after.find('}') else {
            literal.push_str(rest.get(start..).unwrap_or(""));
            rest = "";
            break;
        };
        let inner = after.get(..close).unwrap_or("");
        if let Some(escaped) = inner.strip_prefix('!') {
            literal.push_str("${");
            literal.push_str(escaped);
            literal.push('}');
        } else {
            if !literal.is_empty() {
                parts.push(SubPart::Literal(std::mem::take(&mut literal)));
            }
            parts.push(SubPart::Variable {
                name: inner.trim().to_string(),
                offset: consumed + start,
            });
        }
        let advance = start + 2 + close + 1;
        consumed += advance;
        rest = rest.get(advance..).unwrap_or("");
    }
    literal.push_str(rest);
    if !literal.is_empty() {
        parts.push(SubPart::Literal(literal));
    }
    parts
}

/// Collects the references and intrinsic problems of a template.
pub fn collect(template: &Template, text: &str) -> (Vec<Reference>, Vec<IntrinsicProblem>) {
    let mut walker = Walker {
        template,
        text,
        references: Vec::new(),
        problems: Vec::new(),
        owner: Owner::Globals,
        sub_locals: Vec::new(),
        suggestions: crate::suggest::Budget::default(),
    };
    for condition in &template.conditions {
        walker.owner = Owner::Condition(condition.name.clone());
        walker.walk(&condition.body, true);
    }
    for resource in &template.resources {
        if resource.logical_id.starts_with("Fn::ForEach") {
            continue;
        }
        walker.owner = Owner::Resource(resource.logical_id.clone());
        for named in &resource.depends_on {
            walker.push(RefKind::DependsOn, &named.name, None, named.span, None);
        }
        if let Some(condition) = &resource.condition {
            walker.push(
                RefKind::Condition,
                &condition.name,
                None,
                condition.span,
                None,
            );
        }
        for entry in resource.node.as_map().unwrap_or(&[]) {
            if !matches!(entry.key.text.as_str(), "Type" | "DependsOn" | "Condition") {
                walker.walk(&entry.value, false);
            }
        }
    }
    for output in &template.outputs {
        walker.owner = Owner::Output(output.name.clone());
        if let Some(condition) = &output.condition {
            walker.push(
                RefKind::Condition,
                &condition.name,
                None,
                condition.span,
                None,
            );
        }
        for node in [&output.value, &output.export_name].into_iter().flatten() {
            walker.walk(node, false);
        }
    }
    if let Some(globals) = &template.globals {
        walker.owner = Owner::Globals;
        walker.walk(globals, false);
    }
    (walker.references, walker.problems)
}

struct Walker<'t> {
    template: &'t Template,
    text: &'t str,
    references: Vec<Reference>,
    problems: Vec<IntrinsicProblem>,
    owner: Owner,
    /// Variable names of enclosing `Fn::Sub` list forms.
    sub_locals: Vec<HashSet<String>>,
    /// The work "did you mean" may spend on this template's unknown function names.
    suggestions: crate::suggest::Budget,
}

impl Walker<'_> {
    fn push(
        &mut self,
        kind: RefKind,
        target: &str,
        attribute: Option<&str>,
        span: Span,
        import: Option<&Node>,
    ) {
        self.references.push(Reference {
            kind,
            target: target.to_string(),
            attribute: attribute.map(str::to_string),
            span,
            owner: self.owner.clone(),
            import_name: import.cloned(),
        });
    }

    fn problem(&mut self, message: String, span: Span, help: Option<&str>) {
        self.problems.push(IntrinsicProblem {
            message,
            span,
            help: help.map(str::to_string),
            owner: Some(self.owner.clone()),
        });
    }

    /// Walks any value; `in_condition` is true inside condition expressions.
    fn walk(&mut self, node: &Node, in_condition: bool) {
        if let Some((key, arg)) = node.as_intrinsic()
            && (key.text != "Condition" || in_condition)
        {
            self.intrinsic(key, arg, node, in_condition);
            return;
        }
        match &node.kind {
            NodeKind::Scalar(_) => {}
            NodeKind::Seq(items) => items.iter().for_each(|i| self.walk(i, in_condition)),
            NodeKind::Map(entries) => {
                for entry in entries {
                    if !entry.key.text.starts_with("Fn::ForEach") {
                        self.walk(&entry.value, in_condition);
                    }
                }
            }
        }
    }

    fn intrinsic(&mut self, key: &Key, arg: &Node, whole: &Node, in_condition: bool) {
        let name = key.text.as_str();
        let shown = display_name(key);
        let items = arg.as_seq();
        match name {
            "Ref" => self.ref_(arg, &shown),
            "Fn::GetAtt" => self.get_att(arg, whole, &shown),
            "Fn::Sub" => self.sub(arg, &shown),
            "Condition" => match arg.as_str() {
                Some(target) => self.push(RefKind::Condition, target, None, arg.span, None),
                None => self.problem(format!("{shown} takes a condition name"), arg.span, None),
            },
            "Fn::If" => self.if_(arg, &shown),
            "Fn::Select" => self.select(arg, &shown),
            "Fn::FindInMap" => self.find_in_map(arg, &shown),
            "Fn::ImportValue" => {
                let target = arg.as_str().unwrap_or("");
                if arg.as_seq().is_some() || (arg.is_map() && arg.as_intrinsic().is_none()) {
                    self.problem(
                        format!(
                            "{shown} takes an export name (a string or a function that builds one)"
                        ),
                        arg.span,
                        None,
                    );
                    return;
                }
                self.push(RefKind::ImportValue, target, None, arg.span, Some(arg));
                self.walk(arg, in_condition);
            }
            "Fn::Join" => {
                match items {
                    Some([delimiter, list])
                        if delimiter.as_scalar().is_some()
                            && (list.as_seq().is_some() || list.as_intrinsic().is_some()) => {}
                    _ => self.problem(
                        format!("{shown} takes [delimiter, [values...]]"),
                        arg.span,
                        Some("e.g. !Join ['', ['arn:aws:s3:::', !Ref Bucket]]"),
                    ),
                }
                self.walk(arg, in_condition);
            }
            "Fn::Split" => {
                if !matches!(items, Some([d, _]) if d.as_scalar().is_some()) {
                    self.problem(format!("{shown} takes [delimiter, string]"), arg.span, None);
                }
                self.walk(arg, in_condition);
            }
            "Fn::Equals" => {
                if !matches!(items, Some([_, _])) {
                    self.problem(
                        format!("{shown} takes exactly two values to compare"),
                        arg.span,
                        None,
                    );
                }
                self.walk(arg, in_condition);
            }
            "Fn::And" | "Fn::Or" => {
                if !matches!(items, Some(list) if (2..=10).contains(&list.len())) {
                    self.problem(
                        format!("{shown} takes a list of 2 to 10 conditions"),
                        arg.span,
                        None,
                    );
                }
                self.walk(arg, true);
            }
            "Fn::Not" => {
                if !matches!(items, Some([_])) {
                    self.problem(
                        format!("{shown} takes a list of exactly one condition"),
                        arg.span,
                        None,
                    );
                }
                self.walk(arg, true);
            }
            "Fn::Cidr" => {
                if !matches!(items, Some([_, _, _])) {
                    self.problem(
                        format!("{shown} takes [ipBlock, count, cidrBits]"),
                        arg.span,
                        None,
                    );
                }
                self.walk(arg, in_condition);
            }
            // The content of a macro call is the macro's business.
            "Fn::Transform" => {}
            _ if KNOWN_FUNCTIONS.contains(&name) => self.walk(arg, in_condition),
            _ => {
                let help = suggestion(name, &self.suggestions).map(|s| {
                    let s = if key.short_form {
                        format!("!{}", s.trim_start_matches("Fn::"))
                    } else {
                        s.to_string()
                    };
                    format!("did you mean `{s}`?")
                });
                self.problem(
                    format!("unknown intrinsic function `{shown}`"),
                    key.span,
                    help.as_deref(),
                );
                self.walk(arg, in_condition);
            }
        }
    }

    fn ref_(&mut self, arg: &Node, shown: &str) {
        match arg.as_str() {
            Some(target) if !target.is_empty() => {
                self.push(RefKind::Ref, target, None, arg.span, None)
            }
            _ if arg.as_intrinsic().is_some() => self.walk(arg, false),
            _ => self.problem(
                format!(
                    "{shown} takes the name of a parameter or resource, not {}",
                    arg.kind_name()
                ),
                arg.span,
                None,
            ),
        }
    }

    fn get_att(&mut self, arg: &Node, whole: &Node, shown: &str) {
        let help =
            Some("write `!GetAtt Resource.Attribute` or `Fn::GetAtt: [Resource, Attribute]`");
        match (&arg.kind, arg.as_seq()) {
            (NodeKind::Scalar(s), _) => match s.value.split_once('.') {
                Some((resource, attribute)) if !resource.is_empty() && !attribute.is_empty() => {
                    self.push(RefKind::GetAtt, resource, Some(attribute), arg.span, None)
                }
                _ => self.problem(
                    format!("{shown} needs `Resource.Attribute`, got `{}`", s.value),
                    whole.span,
                    help,
                ),
            },
            (_, Some([resource, attribute])) => {
                match resource.as_str() {
                    Some(r) => {
                        self.push(RefKind::GetAtt, r, attribute.as_str(), resource.span, None)
                    }
                    None => self.problem(
                        format!("{shown} needs a resource logical id as its first item"),
                        resource.span,
                        help,
                    ),
                }
                if attribute.as_scalar().is_none() {
                    self.walk(attribute, false);
                }
            }
            _ => self.problem(
                format!("{shown} takes [Resource, Attribute]"),
                arg.span,
                help,
            ),
        }
    }

    fn sub(&mut self, arg: &Node, shown: &str) {
        match (&arg.kind, arg.as_seq()) {
            (NodeKind::Scalar(_), _) => self.sub_string(arg),
            // A function (typically `Fn::Transform`) that produces the string.
            (NodeKind::Map(_), _) if arg.as_intrinsic().is_some() => self.walk(arg, false),
            (_, Some([string, variables]))
                if string.as_scalar().is_some() && variables.is_map() =>
            {
                let locals = variables
                    .as_map()
                    .unwrap_or(&[])
                    .iter()
                    .map(|e| e.key.text.clone())
                    .collect();
                self.walk(variables, false);
                self.sub_locals.push(locals);
                self.sub_string(string);
                self.sub_locals.pop();
            }
            (_, Some(items)) => self.problem(
                format!(
                    "{shown} list form takes [string, {{Var: value}}], got {} items",
                    items.len()
                ),
                arg.span,
                Some("use `!Sub 'text ${Var}'` or `!Sub ['text ${Var}', {Var: !Ref X}]`"),
            ),
            _ => self.problem(
                format!("{shown} takes a string or [string, {{Var: value}}]"),
                arg.span,
                None,
            ),
        }
    }

    fn sub_string(&mut self, node: &Node) {
        let Some(scalar) = node.as_scalar() else {
            return;
        };
        let raw = self.text.get(node.span.start..node.span.end).unwrap_or("");
        let mut search_from = 0;
        for part in sub_parts(&scalar.value) {
            let SubPart::Variable { name, .. } = part else {
                continue;
            };
            let needle = format!("${{{name}");
            let span = match raw.get(search_from..).and_then(|r| r.find(&needle)) {
                Some(at) => {
                    let start = node.span.start + search_from + at;
                    search_from += at + needle.len();
                    Span::new(start, start + needle.len() + 1)
                }
                None => node.span,
            };
            if name.is_empty() {
                self.problem(
                    "empty `${}` in Fn::Sub".to_string(),
                    span,
                    Some("write `${!Literal}` for a literal `${Literal}`"),
                );
                continue;
            }
            if self.sub_locals.iter().any(|locals| locals.contains(&name)) {
                continue;
            }
            match name.split_once('.') {
                Some((resource, attribute)) => {
                    self.push(RefKind::Sub, resource, Some(attribute), span, None)
                }
                None => self.push(RefKind::Sub, &name, None, span, None),
            }
        }
    }

    fn if_(&mut self, arg: &Node, shown: &str) {
        let Some([condition, when_true, when_false]) = arg.as_seq() else {
            let count = arg.as_seq().map_or(0, <[Node]>::len);
            self.problem(
                format!(
                    "{shown} takes [condition, value if true, value if false], got {}",
                    describe_count(arg, count)
                ),
                arg.span,
                Some("use !Ref AWS::NoValue as the third item to leave a property out"),
            );
            self.walk(arg, false);
            return;
        };
        match condition.as_str() {
            Some(name) if self.template.condition(name).is_some() => {
                self.push(RefKind::Condition, name, None, condition.span, None)
            }
            Some(name) => {
                let known: Vec<&str> = self
                    .template
                    .conditions
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect();
                let help = if known.is_empty() {
                    "the template has no Conditions section".to_string()
                } else {
                    format!("defined conditions: {}", known.join(", "))
                };
                self.problem(
                    format!("{shown} names the condition `{name}`, which is not defined"),
                    condition.span,
                    Some(&help),
                );
            }
            None => self.problem(
                format!("{shown} takes a condition name as its first item"),
                condition.span,
                None,
            ),
        }
        self.walk(when_true, false);
        self.walk(when_false, false);
    }

    fn select(&mut self, arg: &Node, shown: &str) {
        let Some([index, list]) = arg.as_seq() else {
            self.problem(format!("{shown} takes [index, list]"), arg.span, None);
            self.walk(arg, false);
            return;
        };
        if let Some(scalar) = index.as_scalar() {
            if scalar.value.trim().parse::<u64>().is_err() {
                self.problem(
                    format!(
                        "{shown} index must be a non-negative number, got `{}`",
                        scalar.value
                    ),
                    index.span,
                    Some("indexes start at 0: !Select [0, !GetAZs '']"),
                );
            }
        } else if index.as_intrinsic().is_none() {
            self.problem(
                format!("{shown} index must be a number, not {}", index.kind_name()),
                index.span,
                None,
            );
        }
        self.walk(index, false);
        self.walk(list, false);
    }

    fn find_in_map(&mut self, arg: &Node, shown: &str) {
        let Some(items @ [map, _, _, ..]) = arg.as_seq().filter(|i| i.len() <= 4) else {
            self.problem(
                format!("{shown} takes [MapName, TopLevelKey, SecondLevelKey]"),
                arg.span,
                None,
            );
            self.walk(arg, false);
            return;
        };
        match map.as_str() {
            Some(name) => self.push(RefKind::Mapping, name, None, map.span, None),
            None => self.walk(map, false),
        }
        for item in items.iter().skip(1) {
            self.walk(item, false);
        }
    }
}

/// `!Sub` for short forms, `Fn::Sub` for long forms.
fn display_name(key: &Key) -> String {
    if key.short_form {
        format!("!{}", key.text.trim_start_matches("Fn::"))
    } else {
        key.text.clone()
    }
}

fn describe_count(arg: &Node, count: usize) -> String {
    match arg.as_seq() {
        Some(_) => format!("{count} item{}", if count == 1 { "" } else { "s" }),
        None => arg.kind_name().to_string(),
    }
}

/// The closest known function name, for typos like `Fn::Subb` or `!Reff` (at most 2 edits).
fn suggestion(name: &str, budget: &crate::suggest::Budget) -> Option<&'static str> {
    let bare = name.trim_start_matches("Fn::");
    let known = KNOWN_FUNCTIONS
        .iter()
        .map(|known| known.trim_start_matches("Fn::"));
    let close = crate::suggest::closest(bare, known, 2, budget)?;
    KNOWN_FUNCTIONS
        .iter()
        .copied()
        .find(|known| known.trim_start_matches("Fn::") == close)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_parts_handles_literals_variables_and_escapes() {
        assert_eq!(
            sub_parts("arn:${AWS::Partition}:x:${Fn.Arn}/${!Literal}-end"),
            vec![
                SubPart::Literal("arn:".into()),
                SubPart::Variable {
                    name: "AWS::Partition".into(),
                    offset: 4
                },
                SubPart::Literal(":x:".into()),
                SubPart::Variable {
                    name: "Fn.Arn".into(),
                    offset: 24
                },
                SubPart::Literal("/${Literal}-end".into()),
            ]
        );
        assert_eq!(
            sub_parts("no ${ close"),
            vec![SubPart::Literal("no ${ close".into())]
        );
        assert_eq!(sub_parts(""), vec![]);
    }

    #[test]
    fn suggestions_catch_typos() {
        let budget = crate::suggest::Budget::default();
        assert_eq!(suggestion("Fn::Reff", &budget), Some("Ref"));
        assert_eq!(suggestion("Fn::Subb", &budget), Some("Fn::Sub"));
        assert_eq!(suggestion("Fn::Whatever", &budget), None);
    }
}
