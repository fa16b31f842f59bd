//! REF003 `duplicate-export`: two outputs export the same name. See rules/REF003-duplicate-export.md.

use std::collections::HashMap;

use super::{Rule, RuleContext, RuleInput, RuleMeta};

declare_rule!(DuplicateExport, "REF003", "duplicate-export", Error);

impl Rule for DuplicateExport {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, input: &RuleInput<'_>, cx: &mut RuleContext) {
        let deployment = input.deployment;
        let mut first_by_name: HashMap<&str, usize> = HashMap::new();
        for (index, def) in deployment.export_defs.iter().enumerate() {
            let Some(name) = def.literal_name() else {
                continue;
            };
            let Some(&first) = first_by_name.get(name) else {
                first_by_name.insert(name, index);
                continue;
            };
            let Some(first_def) = deployment.export_defs.get(first) else {
                continue;
            };
            let (Some(here), Some(there)) = (
                deployment.location(def.stack, def.span),
                deployment.location(first_def.stack, first_def.span),
            ) else {
                continue;
            };
            let output = |d: &crate::deployment::ExportDef| {
                deployment
                    .template(d.stack)
                    .and_then(|t| t.outputs.get(d.output))
                    .map_or(String::new(), |o| o.name.clone())
            };
            let first_stack = deployment.stack_name(first_def.stack);
            cx.report(
                here,
                format!(
                    "the export name `{name}` is already exported by output `{}` of {first_stack}: CloudFormation refuses the stack that exports it second",
                    output(first_def)
                ),
            )
            .label("exported again here")
            .related(there, format!("`{name}` first exported here"))
            .help(format!(
                "give one of the exports another name, e.g. prefix it with the stack: `!Sub ${{AWS::StackName}}-{name}`, and update its importers"
            ));
        }
    }
}
