//! `--format gitlab`: GitLab Code Quality JSON (the `codequality` report artifact), an array of
//! `{description, check_name, fingerprint, severity, location: {path, lines: {begin}}}`.
//!
//! Severity: `info` for notes, `minor` for warnings, `major` for errors, `critical` for errors of the
//! rules that expose more access than meant (IAM006, IAM007, IAM008, CORS001, CORS002), `blocker` for a
//! template that does not parse (TPL001: nothing of it deploys).
//!
//! The fingerprint is FNV-1a 128 (hex) of the rule code, the path, the resource's logical id and the
//! message with line numbers taken out (`sam.yaml:114` → `sam.yaml`), so it survives unrelated line
//! shifts; findings with the same key are told apart by their order (`#2`, `#3`).

use std::collections::HashMap;

use serde::Serialize;

use super::{Position, fnv1a128, one_line, sarif};
use crate::finding::{Finding, Severity};
use crate::source::SourceMap;

#[derive(Serialize)]
struct Issue {
    description: String,
    check_name: String,
    fingerprint: String,
    severity: &'static str,
    location: IssueLocation,
}

#[derive(Serialize)]
struct IssueLocation {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
}

/// The Code Quality report as pretty-printed JSON (`[]` without findings).
pub fn render(sources: &SourceMap, findings: &[Finding]) -> String {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let issues: Vec<Issue> = findings
        .iter()
        .map(|finding| {
            let at = Position::of(sources, finding.primary.location);
            let key = fingerprint_key(finding, &at.file);
            let count = seen.entry(key.clone()).or_insert(0);
            *count += 1;
            let key = if *count == 1 {
                key
            } else {
                format!("{key}#{count}")
            };
            Issue {
                description: format!("{}: {}", finding.rule.code, one_line(&finding.message)),
                check_name: format!("{} {}", finding.rule.code, finding.rule.name),
                fingerprint: format!("{:032x}", fnv1a128(key.as_bytes())),
                severity: severity(finding),
                location: IssueLocation {
                    path: at.file,
                    lines: Lines { begin: at.line },
                },
            }
        })
        .collect();
    serde_json::to_string_pretty(&issues).unwrap_or_else(|_| "[]".to_string()) + "\n"
}

fn severity(finding: &Finding) -> &'static str {
    match finding.severity {
        Severity::Note => "info",
        Severity::Warning => "minor",
        Severity::Error if finding.rule.code == "TPL001" => "blocker",
        Severity::Error if sarif::impact(finding.rule.code) == sarif::Impact::Exposure => {
            "critical"
        }
        Severity::Error => "major",
    }
}

/// What identifies a finding apart from where it sits.
fn fingerprint_key(finding: &Finding, path: &str) -> String {
    format!(
        "{}\u{0}{path}\u{0}{}\u{0}{}",
        finding.rule.code,
        finding.resource.as_deref().unwrap_or(""),
        without_line_numbers(&finding.message)
    )
}

/// Drops `:<digits>` (and a following `:<digits>` column) after a word, and the number after
/// "line ": `cfn.yaml:81:3` → `cfn.yaml`, `line 12` → `line`.
fn without_line_numbers(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut chars = message.chars().peekable();
    while let Some(c) = chars.next() {
        let number_follows = chars.peek().is_some_and(char::is_ascii_digit);
        if c == ':' && number_follows && out.ends_with(|p: char| !p.is_whitespace()) {
            while chars
                .peek()
                .is_some_and(|d| d.is_ascii_digit() || *d == ':')
            {
                chars.next();
            }
            continue;
        }
        out.push(c);
        if out.ends_with("line ") && number_follows {
            while chars.peek().is_some_and(char::is_ascii_digit) {
                chars.next();
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_numbers_are_left_out() {
        assert_eq!(
            without_line_numbers("imports X (cfn.yaml:81:3) on line 12: see sam.yaml:114"),
            "imports X (cfn.yaml) on line : see sam.yaml"
        );
        assert_eq!(without_line_numbers("Fn::GetAtt a: 1"), "Fn::GetAtt a: 1");
    }
}
