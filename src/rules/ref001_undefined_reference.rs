//! REF001 `undefined-reference`: a reference names nothing the template defines (or an output or a
//! parameter its nested stack does not define). See rules/REF001-undefined-reference.md.

use super::{Rule, RuleContext, RuleInput, RuleMeta};
use crate::deployment::Deployment;
use std::collections::{HashMap, HashSet};

use crate::references::{RefKind, Reference};
use crate::source::Location;
use crate::suggest::Budget;
use crate::template::Template;

declare_rule!(UndefinedReference, "REF001", "undefined-reference", Error);

/// Most parameters passed to one nested stack that are checked.
const MAX_CANDIDATES: usize = 2_000;

/// The pseudo parameters CloudFormation defines.
pub const PSEUDO_PARAMETERS: [&str; 8] = [
    "AWS::AccountId",
    "AWS::NotificationARNs",
    "AWS::NoValue",
    "AWS::Partition",
    "AWS::Region",
    "AWS::StackId",
    "AWS::StackName",
    "AWS::URLSuffix",
];

impl Rule for UndefinedReference {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, input: &RuleInput<'_>, cx: &mut RuleContext) {
        for (stack, template) in input.deployment.templates.iter().enumerate() {
            undeclared_nested_parameters(input.deployment, stack, &input.suggestions, cx);
            let mut candidate_lists: Vec<(RefKind, Vec<&str>)> = Vec::new();
            let defined = Defined::of(template);
            let mut outputs = ChildOutputs::default();
            for reference in input.deployment.references(stack) {
                let Some(what) = undefined(template, &defined, reference) else {
                    let nested = NestedOutputs {
                        deployment: input.deployment,
                        stack,
                        budget: &input.suggestions,
                    };
                    nested.check(reference, &mut outputs, cx);
                    continue;
                };
                if !candidate_lists
                    .iter()
                    .any(|(kind, _)| *kind == reference.kind)
                {
                    candidate_lists.push((reference.kind, candidates(template, reference.kind)));
                }
                let candidates = candidate_lists
                    .iter()
                    .find(|(kind, _)| *kind == reference.kind)
                    .map_or(&[][..], |(_, list)| list.as_slice());
                // Bounded over the whole run (see `crate::suggest`): past it, no suggestion.
                let suggestion = closest(&reference.target, candidates, &input.suggestions);
                let help = match suggestion {
                    Some(name) => format!("did you mean `{name}`?"),
                    None => format!(
                        "define {what} `{}` in this template, or fix the name",
                        reference.target
                    ),
                };
                let message = if what == "pseudo parameter" {
                    format!(
                        "{} names `{}`, which is not a pseudo parameter: CloudFormation rejects the template",
                        reference.kind.label(),
                        reference.target
                    )
                } else {
                    format!(
                        "{} names `{}`, but this template has no {what} of that name: CloudFormation rejects the template",
                        reference.kind.label(),
                        display_target(reference),
                    )
                };
                cx.report(
                    Location {
                        file: template.file,
                        span: reference.span,
                    },
                    message,
                )
                .help(help)
                .resource(reference.owner.resource());
            }
        }
    }
}

/// A name in the `Parameters` of a nested stack that is read, which the child template does not
/// declare: CloudFormation fails the stack operation.
fn undeclared_nested_parameters(
    deployment: &Deployment,
    stack: usize,
    budget: &Budget,
    cx: &mut RuleContext,
) {
    let Some(parent) = deployment.template(stack) else {
        return;
    };
    for resource in &parent.resources {
        let Some(child) = deployment.nesting.child(stack, &resource.logical_id) else {
            continue;
        };
        let passed = resource
            .property("Parameters")
            .filter(|p| p.as_intrinsic().is_none())
            .and_then(|p| p.as_map());
        let (Some(template), Some(passed)) = (deployment.template(child), passed) else {
            continue;
        };
        let child_name = deployment.stack_name(child);
        let names: Vec<&str> = template
            .parameters
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        for entry in passed.iter().take(MAX_CANDIDATES) {
            let name = entry.key.text.as_str();
            if template.parameter(name).is_some() {
                continue;
            }
            let help = match closest(name, &names, budget) {
                Some(declared) => format!("did you mean `{declared}`?"),
                None => {
                    format!("declare the parameter `{name}` in {child_name}, or stop passing it")
                }
            };
            cx.report(
                Location {
                    file: parent.file,
                    span: entry.key.span,
                },
                format!(
                    "{} passes the parameter `{name}` to the nested stack {child_name}, which declares no parameter of that name: CloudFormation fails the stack operation",
                    resource.logical_id
                ),
            )
            .help(help)
            .resource(Some(resource.logical_id.as_str()));
        }
    }
}

/// The output names of each nested stack, indexed once per parent template.
#[derive(Default)]
struct ChildOutputs<'d> {
    by_child: HashMap<usize, (HashSet<&'d str>, Vec<&'d str>)>,
}

/// Where REF001 looks for `!GetAtt Child.Outputs.Name` in one parent stack.
struct NestedOutputs<'d, 'b> {
    deployment: &'d Deployment,
    stack: usize,
    budget: &'b Budget,
}

impl<'d> NestedOutputs<'d, '_> {
    /// `!GetAtt Child.Outputs.Name` where the nested stack `Child` is read and defines no output
    /// `Name`: CloudFormation fails the stack operation.
    fn check(&self, reference: &Reference, outputs: &mut ChildOutputs<'d>, cx: &mut RuleContext) {
        let deployment = self.deployment;
        let Some(output) = reference
            .attribute
            .as_deref()
            .and_then(|a| a.strip_prefix("Outputs."))
        else {
            return;
        };
        let Some(child) = deployment.nesting.child(self.stack, &reference.target) else {
            return;
        };
        let (Some(parent), Some(template)) =
            (deployment.template(self.stack), deployment.template(child))
        else {
            return;
        };
        let (defined, names) = outputs.by_child.entry(child).or_insert_with(|| {
            let names: Vec<&str> = template.outputs.iter().map(|o| o.name.as_str()).collect();
            (names.iter().copied().collect(), names)
        });
        if defined.contains(output) {
            return;
        }
        let child_name = deployment.stack_name(child);
        let help = match closest(output, names, self.budget) {
            Some(name) => format!("did you mean `{name}`?"),
            None => format!("add the output `{output}` to {child_name}, or fix the name"),
        };
        cx.report(
            Location {
                file: parent.file,
                span: reference.span,
            },
            format!(
                "{} names `{}.Outputs.{output}`, but the nested stack {child_name} has no output `{output}`: CloudFormation fails the stack operation",
                reference.kind.label(),
                reference.target
            ),
        )
        .help(help)
        .resource(reference.owner.resource());
    }
}

/// The condition and mapping names of a template, indexed once (a lookup per reference).
struct Defined<'t> {
    conditions: HashSet<&'t str>,
    mappings: HashSet<&'t str>,
}

impl<'t> Defined<'t> {
    fn of(template: &'t Template) -> Self {
        Self {
            conditions: template
                .conditions
                .iter()
                .map(|c| c.name.as_str())
                .collect(),
            mappings: template
                .mappings
                .as_ref()
                .and_then(|m| m.as_map())
                .map(|entries| entries.iter().map(|e| e.key.text.as_str()).collect())
                .unwrap_or_default(),
        }
    }
}

fn display_target(reference: &Reference) -> String {
    match &reference.attribute {
        Some(attribute) => format!("{}.{attribute}", reference.target),
        None => reference.target.clone(),
    }
}

/// `Some(kind of thing expected)` when the reference's target does not exist.
fn undefined(
    template: &Template,
    defined: &Defined<'_>,
    reference: &Reference,
) -> Option<&'static str> {
    let target = reference.target.as_str();
    let resource_exists = || template.resource(target).is_some() || template.is_generated(target);
    match reference.kind {
        RefKind::Ref | RefKind::Sub if reference.attribute.is_none() => {
            if target.starts_with("AWS::") {
                return (!PSEUDO_PARAMETERS.contains(&target)).then_some("pseudo parameter");
            }
            let defined = template.parameter(target).is_some() || resource_exists();
            (!defined).then_some("parameter or resource")
        }
        RefKind::Ref | RefKind::Sub | RefKind::GetAtt | RefKind::DependsOn => {
            (!resource_exists()).then_some("resource")
        }
        RefKind::Condition => (!defined.conditions.contains(target)).then_some("condition"),
        RefKind::Mapping => (!defined.mappings.contains(target)).then_some("mapping"),
        RefKind::ImportValue => None,
    }
}

fn candidates(template: &Template, kind: RefKind) -> Vec<&str> {
    let resources = template.resources.iter().map(|r| r.logical_id.as_str());
    match kind {
        RefKind::Condition => template
            .conditions
            .iter()
            .map(|c| c.name.as_str())
            .collect(),
        RefKind::Mapping => template
            .mappings
            .as_ref()
            .and_then(|m| m.as_map())
            .map(|entries| entries.iter().map(|e| e.key.text.as_str()).collect())
            .unwrap_or_default(),
        RefKind::GetAtt | RefKind::DependsOn => resources.collect(),
        _ => template
            .parameters
            .iter()
            .map(|p| p.name.as_str())
            .chain(resources)
            .chain(PSEUDO_PARAMETERS)
            .collect(),
    }
}

/// The candidate within a small edit distance (case-insensitive), if exactly one is closest.
fn closest<'c>(target: &str, candidates: &[&'c str], budget: &Budget) -> Option<&'c str> {
    let limit = (target.len() / 4).clamp(1, 3);
    crate::suggest::closest(target, candidates.iter().copied(), limit, budget)
}
