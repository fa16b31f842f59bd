//! `--format junit`: JUnit XML for CI systems that show test reports (GitLab, Jenkins, Azure DevOps).
//!
//! One `<testsuite>` per rule that reported something (`IAM001 caller-missing-lambda-invoke`), one
//! `<testcase>` per finding (`name` the place, `file` the path) with a `<failure message=… type=CODE>`
//! whose text holds the severity, the message, the related places and the fix. A run without findings
//! gives one passing test case, so the report is never empty. Every text is XML-escaped, and characters
//! XML 1.0 cannot hold are replaced with U+FFFD.

use super::Position;
use crate::finding::{Finding, RuleMeta};
use crate::sanitize::xml as escape;
use crate::source::SourceMap;

/// The JUnit XML report.
pub fn render(sources: &SourceMap, findings: &[Finding]) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"iamlint\" tests=\"{}\" failures=\"{}\" errors=\"0\">\n",
        findings.len().max(1),
        findings.len()
    ));
    if findings.is_empty() {
        out.push_str("  <testsuite name=\"iamlint\" tests=\"1\" failures=\"0\" errors=\"0\">\n");
        out.push_str("    <testcase name=\"no findings\" classname=\"iamlint\"/>\n");
        out.push_str("  </testsuite>\n");
    }
    for (rule, group) in by_rule(findings) {
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{1}\" failures=\"{1}\" errors=\"0\">\n",
            escape(&format!("{} {}", rule.code, rule.name)),
            group.len()
        ));
        for finding in group {
            out.push_str(&testcase(sources, finding));
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// The findings grouped by rule, rules in order of their first finding.
fn by_rule(findings: &[Finding]) -> Vec<(&'static RuleMeta, Vec<&Finding>)> {
    let mut groups: Vec<(&'static RuleMeta, Vec<&Finding>)> = Vec::new();
    for finding in findings {
        match groups
            .iter_mut()
            .find(|(rule, _)| rule.code == finding.rule.code)
        {
            Some((_, group)) => group.push(finding),
            None => groups.push((finding.rule, vec![finding])),
        }
    }
    groups
}

fn testcase(sources: &SourceMap, finding: &Finding) -> String {
    let at = Position::of(sources, finding.primary.location);
    let place = format!("{}:{}:{}", at.file, at.line, at.column);
    let mut body = format!("{place}: [{}] {}", finding.severity, finding.message);
    if !finding.certainty.is_definite() {
        body.push_str(" (undecided)");
    }
    for label in &finding.related {
        let related = Position::of(sources, label.location);
        body.push_str(&format!(
            "\n  related: {}:{}:{}: {}",
            related.file, related.line, related.column, label.message
        ));
    }
    if let Some(help) = &finding.help {
        body.push_str("\n  help: ");
        body.push_str(help);
    }
    format!(
        "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" line=\"{}\">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>\n",
        escape(&place),
        escape(&format!("{}.{}", finding.rule.code, finding.rule.name)),
        escape(&at.file),
        at.line,
        escape(&finding.message),
        escape(finding.rule.code),
        escape(&body)
    )
}
