//! PAR001 `unknown-parameter`: a supplied parameter value that no template it applies to declares.
//! See rules/PAR001-unknown-parameter.md.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::{Rule, RuleContext, RuleInput, RuleMeta};
use crate::model::parameters::{Source, StackParameters, closest};
use crate::source::{Location, Span};

declare_rule!(UnknownParameter, "PAR001", "unknown-parameter", Warning);

/// One supplied value, wherever it applies: its name, source and place.
type Supply = (String, Source, Option<Location>);

impl Rule for UnknownParameter {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, input: &RuleInput<'_>, cx: &mut RuleContext) {
        let model = input.model;
        // Each supplied value with the stacks it reaches (one command-line value reaches them all).
        let mut reaches: BTreeMap<Supply, Vec<&StackParameters>> = BTreeMap::new();
        // The names each stack declares, indexed once (a lookup per supplied value and stack).
        let declared_names: HashMap<usize, HashSet<&str>> = model
            .parameters
            .iter()
            .map(|s| {
                (
                    s.stack,
                    s.declared.iter().map(|p| p.name.as_str()).collect(),
                )
            })
            .collect();
        for stack in &model.parameters {
            for (name, value) in &stack.supplied {
                reaches
                    .entry((name.clone(), value.source, value.location))
                    .or_default()
                    .push(stack);
            }
        }
        for ((name, source, location), stacks) in reaches {
            let is_declared = |s: &&StackParameters| {
                declared_names
                    .get(&s.stack)
                    .is_some_and(|names| names.contains(name.as_str()))
            };
            if stacks.iter().any(is_declared) {
                continue;
            }
            let declared = stacks.iter().flat_map(|s| s.declared.iter());
            let suggestion = closest(
                &name,
                declared.clone().map(|p| p.name.as_str()),
                &input.suggestions,
            );
            let suggested = suggestion.and_then(|n| declared.clone().find(|p| p.name == n));
            let first_stack = stacks.first().and_then(|s| model.stacks.get(s.stack));
            let at = location
                .or(suggested.map(|p| p.location))
                .or(first_stack.map(|s| Location {
                    file: s.file,
                    span: Span::at(0),
                }));
            let Some(at) = at else { continue };
            let templates = if stacks.len() == 1 {
                format!(
                    "template {}",
                    model.stack_name(stacks.first().map_or(0, |s| s.stack))
                )
            } else {
                format!("any of the {} templates it applies to", stacks.len())
            };
            let hint = suggestion
                .map(|n| format!("; did you mean `{n}`?"))
                .unwrap_or_default();
            let mut finding = cx
                .report(
                    at,
                    format!(
                        "parameter `{name}` (given {}) is not declared by {templates}{hint}",
                        source.describe()
                    ),
                )
                .label(match (location, suggestion) {
                    (None, Some(n)) => format!("`{name}` on the command line: did you mean `{n}`?"),
                    (None, None) => format!("`{name}` on the command line"),
                    (Some(_), _) => "no template declares this parameter".to_string(),
                })
                .help(match suggestion {
                    Some(n) => format!("rename it to `{n}`, or remove it: CloudFormation rejects a parameter the template does not declare"),
                    None => "remove it, or declare it in the template's `Parameters`: CloudFormation rejects a parameter the template does not declare".to_string(),
                });
            if let (Some(p), Some(_)) = (suggested, location) {
                finding = finding.related(p.location, format!("`{}` is declared here", p.name));
            }
            drop(finding);
        }
    }
}
