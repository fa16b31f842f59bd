//! REF002 `unresolved-import`: an import names an export no template of the deployment defines. See
//! rules/REF002-unresolved-import.md.

use super::{Rule, RuleContext, RuleInput, RuleMeta};

declare_rule!(UnresolvedImport, "REF002", "unresolved-import", Warning);

impl Rule for UnresolvedImport {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, input: &RuleInput<'_>, cx: &mut RuleContext) {
        let deployment = input.deployment;
        for import in &deployment.imports {
            // A name built from values we do not know cannot be looked up; that is not a finding.
            let Some(name) = import.literal_name() else {
                continue;
            };
            if deployment.exports.contains_key(name)
                || input.external_exports.iter().any(|e| e == name)
            {
                continue;
            }
            let Some(location) = deployment.location(import.stack, import.span) else {
                continue;
            };
            let count = deployment.templates.len();
            cx.report(
                location,
                format!(
                    "`{name}` is not exported by any of the {count} template{} checked: unless another stack exports it, the deploy fails with \"No export named {name} found\"",
                    if count == 1 { "" } else { "s" }
                ),
            )
            .help(format!(
                "check the template that exports `{name}` together with this one (`iamlint check this.yaml other.yaml`), or, when a stack outside this check exports it, pass `--external-export {name}`"
            ))
            .resource(import.owner.resource());
        }
    }
}
