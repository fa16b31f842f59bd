//! PAR002 `parameter-not-allowed`: a supplied value outside its parameter's `AllowedValues`, or not
//! matching its `AllowedPattern`. See rules/PAR002-parameter-not-allowed.md.

use std::collections::BTreeSet;

use super::{Rule, RuleContext, RuleInput, RuleMeta};
use crate::model::parameters::{DeclaredParameter, SuppliedValue};

declare_rule!(
    ParameterNotAllowed,
    "PAR002",
    "parameter-not-allowed",
    Error
);

/// Largest compiled `AllowedPattern` (bytes of the regex program): a pattern past it is not checked.
const MAX_PATTERN_SIZE: usize = 1 << 20;

/// What is wrong with a value.
enum Verdict {
    Fine,
    NotAllowed(String),
    /// The pattern is not one iamlint can compile (CloudFormation's are Java regexes).
    PatternUnreadable(String),
}

impl Rule for ParameterNotAllowed {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, input: &RuleInput<'_>, cx: &mut RuleContext) {
        let model = input.model;
        // A value in a file that reaches many stacks is reported once.
        let mut reported = BTreeSet::new();
        for stack in &model.parameters {
            for (name, supplied) in &stack.supplied {
                let Some(declared) = stack.declared(name) else {
                    continue;
                };
                let (undecided, problem) = match verdict(declared, &supplied.value) {
                    Verdict::Fine => continue,
                    Verdict::NotAllowed(problem) => (false, problem),
                    Verdict::PatternUnreadable(problem) => (true, problem),
                };
                let at = supplied.location.unwrap_or(declared.location);
                if !reported.insert((at, name.clone(), undecided)) {
                    continue;
                }
                report(cx, declared, supplied, &problem, undecided);
            }
        }
    }
}

fn report(
    cx: &mut RuleContext,
    declared: &DeclaredParameter,
    supplied: &SuppliedValue,
    problem: &str,
    undecided: bool,
) {
    let name = &declared.name;
    let value = &supplied.value;
    let from = supplied.source.describe();
    let at = supplied.location.unwrap_or(declared.location);
    let message = if undecided {
        format!("parameter `{name}` is given `{value}` {from}, and its {problem}")
    } else {
        format!(
            "parameter `{name}` is given `{value}` {from}, which {problem}: CloudFormation rejects the deployment"
        )
    };
    let mut finding = cx
        .report(at, message)
        .label(match supplied.location {
            Some(_) => "this value is not allowed".to_string(),
            None => format!("the command line gives `{value}`, which this declaration does not allow"),
        })
        .help(format!(
            "give `{name}` a value its declaration allows, or widen `AllowedValues`/`AllowedPattern`"
        ));
    if supplied.location.is_some() {
        finding = finding.related(declared.location, format!("`{name}` is declared here"));
    }
    if undecided {
        finding = finding.undecided().label("this value is not checked");
    }
    drop(finding);
}

/// Checks a value (each item of a list parameter) against `AllowedValues` and `AllowedPattern`.
fn verdict(declared: &DeclaredParameter, value: &str) -> Verdict {
    let items: Vec<&str> = if declared.is_list {
        value.split(',').map(str::trim).collect()
    } else {
        vec![value]
    };
    if let Some(allowed) = &declared.allowed_values
        && let Some(item) = items.iter().find(|i| !allowed.iter().any(|a| a == *i))
    {
        let which = if declared.is_list {
            format!("has `{item}`, which is")
        } else {
            "is".to_string()
        };
        return Verdict::NotAllowed(format!(
            "{which} not one of its AllowedValues ({})",
            allowed.join(", ")
        ));
    }
    let Some(pattern) = &declared.allowed_pattern else {
        return Verdict::Fine;
    };
    let compiled = regex::RegexBuilder::new(&format!("^(?:{pattern})$"))
        .size_limit(MAX_PATTERN_SIZE)
        .build();
    match compiled {
        Ok(regex) => match items.iter().find(|i| !regex.is_match(i)) {
            Some(item) if declared.is_list => Verdict::NotAllowed(format!(
                "has `{item}`, which does not match its AllowedPattern `{pattern}`"
            )),
            Some(_) => {
                Verdict::NotAllowed(format!("does not match its AllowedPattern `{pattern}`"))
            }
            None => Verdict::Fine,
        },
        Err(_) => Verdict::PatternUnreadable(format!(
            "AllowedPattern `{pattern}` is not a pattern iamlint can read, so the value is not checked"
        )),
    }
}
