//! `--format concise`: one line per finding, `path:line:col: CODE [severity] message`, as ruff's
//! concise output (editors and `grep` read it). The whole message is on the line (line breaks become
//! spaces), without the help; an undecided finding ends with `(undecided)`. There is no summary line,
//! so every line is a finding (`--statistics` counts them); no finding, no output.

use super::{Position, one_line};
use crate::finding::Finding;
use crate::source::SourceMap;

/// One line per finding, in report order.
pub fn render(sources: &SourceMap, findings: &[Finding]) -> String {
    let mut out = String::new();
    for finding in findings {
        out.push_str(&line(sources, finding));
        out.push('\n');
    }
    out
}

fn line(sources: &SourceMap, finding: &Finding) -> String {
    let at = Position::of(sources, finding.primary.location);
    let undecided = if finding.certainty.is_definite() {
        ""
    } else {
        " (undecided)"
    };
    format!(
        "{}:{}:{}: {} [{}] {}{undecided}",
        one_line(&at.file),
        at.line,
        at.column,
        finding.rule.code,
        finding.severity,
        one_line(&finding.message)
    )
}
