//! `--format github`: GitHub Actions workflow commands, so findings appear as annotations on the pull
//! request (`::error file=…,line=…,col=…,endLine=…,endColumn=…,title=IAM001 caller-missing-lambda-invoke::…`).

use super::Position;
use crate::finding::{Finding, Severity};
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
            property(&at.file),
            at.line,
            at.column,
            at.end_line,
            at.end_column,
            property(&format!("{} {}", finding.rule.code, finding.rule.name)),
            data(&message)
        ));
    }
    out
}

/// Escaping of a command's message, as the Actions toolkit does it.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escaping of a command property (also `:` and `,`).
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}
