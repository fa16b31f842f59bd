//! TPL002 `invalid-intrinsic`: an intrinsic function has the wrong shape. See
//! rules/TPL002-invalid-intrinsic.md.

use super::{Rule, RuleContext, RuleInput, RuleMeta};
use crate::finding::Severity;

pub struct InvalidIntrinsic;

static META: RuleMeta = RuleMeta {
    code: "TPL002",
    name: "invalid-intrinsic",
    severity: Severity::Error,
    doc: include_str!("../../rules/TPL002-invalid-intrinsic.md"),
};

impl Rule for InvalidIntrinsic {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, input: &RuleInput<'_>, cx: &mut RuleContext) {
        for template in &input.deployment.templates {
            for problem in &template.problems {
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
