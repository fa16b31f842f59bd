//! `--format github`: GitHub Actions workflow commands, so findings appear as annotations on the pull
//! request (`::error file=…,line=…,col=…,endLine=…,endColumn=…,title=IAM001 caller-missing-lambda-invoke::…`).
//! Text from input is escaped as the runner unescapes it, and made safe ([`crate::sanitize`]): an
//! annotation cannot end early or carry a second command.

use super::Position;
use crate::finding::{Finding, Severity};
use crate::sanitize::{github_data, github_property};
use crate::source::SourceMap;

/// One line per finding.
pub fn render(sources: &SourceMap, findings: &[Finding]) -> String {
    let mut out = String::new();
    for finding in findings {
        let at = Position::of(sources, finding.primary.location);
        let level = match finding.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let mut message = finding.message.clone();
        if let Some(help) = &finding.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        out.push_str(&format!(
            "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            github_property(&at.file),
            at.line,
            at.column,
            at.end_line,
            at.end_column,
            github_property(&format!("{} {}", finding.rule.code, finding.rule.name)),
            github_data(&message)
        ));
    }
    out
}
