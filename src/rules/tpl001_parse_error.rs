//! TPL001 `parse-error`: the file is not a readable template. See rules/TPL001-parse-error.md.

use super::{Rule, RuleContext, RuleInput, RuleMeta};
use crate::source::Location;

declare_rule!(ParseError, "TPL001", "parse-error", Error);

impl Rule for ParseError {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, input: &RuleInput<'_>, cx: &mut RuleContext) {
        for (file, error) in input.load_errors {
            let mut finding = cx
                .report(Location { file: *file, span: error.span }, error.message.clone())
                .help(if error.duplicate_key {
                    "keep one of the two keys: CloudFormation calls a repeated key undefined behaviour (in practice the last value wins and the first is silently ignored, as SAM and iamlint read it), and `aws cloudformation deploy` can refuse the file"
                } else {
                    "fix the file so that it is one YAML or JSON mapping with a `Resources` section"
                });
            if let Some((span, message)) = &error.related {
                finding = finding.related(
                    Location {
                        file: *file,
                        span: *span,
                    },
                    message.clone(),
                );
            }
            drop(finding);
        }
    }
}
