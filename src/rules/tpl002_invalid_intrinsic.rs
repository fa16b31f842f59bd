//! TPL002 `invalid-intrinsic`: an intrinsic function has the wrong shape. See
//! rules/TPL002-invalid-intrinsic.md.

use super::{Rule, RuleContext, RuleInput, RuleMeta};

declare_rule!(InvalidIntrinsic, "TPL002", "invalid-intrinsic", Error);

impl Rule for InvalidIntrinsic {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, input: &RuleInput<'_>, cx: &mut RuleContext) {
        for (stack, template) in input.deployment.templates.iter().enumerate() {
            for problem in input.deployment.problems(stack) {
                let location = crate::source::Location {
                    file: template.file,
                    span: problem.span,
                };
                let mut finding = cx
                    .report(
                        location,
                        format!("{}: CloudFormation rejects the template", problem.message),
                    )
                    .resource(problem.owner.as_ref().and_then(|o| o.resource()));
                if let Some(help) = &problem.help {
                    finding = finding.help(help.clone());
                }
                drop(finding);
            }
        }
    }
}
