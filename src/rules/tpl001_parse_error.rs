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
                .help("fix the file so that it is one YAML or JSON mapping with a `Resources` section");
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
