//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.
//!
//! Every rule is described (summary, full doc as help text and Markdown, default level); results carry
//! real regions, related locations in the other files of a cross-stack finding, URIs relative to
//! `%SRCROOT%` (the current folder), and a fingerprint that ignores line numbers, so it survives
//! unrelated edits.

use serde_json::{Value, json};

use super::Position;
use crate::finding::{Finding, Severity};
use crate::rules::{ALL_RULES, RuleMeta};
use crate::source::{Location, SourceMap};

/// The SARIF log as pretty-printed JSON.
pub fn render(sources: &SourceMap, findings: &[Finding]) -> String {
    let rules: Vec<Value> = ALL_RULES.iter().map(|r| rule(r.meta())).collect();
    let results: Vec<Value> = findings.iter().map(|f| result(sources, f)).collect();
    let root = std::env::current_dir()
        .ok()
        .map(|d| format!("file://{}/", d.to_string_lossy().trim_end_matches('/')))
        .unwrap_or_else(|| "file:///".to_string());
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "iamlint",
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://crates.io/crates/iamlint",
                "rules": rules,
            }},
            "originalUriBaseIds": {"SRCROOT": {"uri": root}},
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&log).unwrap_or_default() + "\n"
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// Ends a sentence with a period, as SARIF viewers expect.
fn sentence(text: &str) -> String {
    let text = text.trim();
    if text.ends_with(['.', '!', '?']) {
        text.to_string()
    } else {
        format!("{text}.")
    }
}

fn rule(meta: &RuleMeta) -> Value {
    json!({
        "id": meta.code,
        "name": pascal(meta.name),
        "shortDescription": {"text": sentence(meta.summary())},
        "fullDescription": {"text": sentence(meta.summary())},
        "help": {"text": meta.doc, "markdown": meta.doc},
        "defaultConfiguration": {"level": level(meta.severity)},
        "properties": {"tags": ["security"], "iamlint-name": meta.name},
    })
}

/// `caller-missing-lambda-invoke` → `CallerMissingLambdaInvoke` (SARIF's convention for rule names).
fn pascal(name: &str) -> String {
    name.split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn physical(sources: &SourceMap, location: Location) -> Value {
    let at = Position::of(sources, location);
    json!({
        "artifactLocation": uri(&at.file),
        "region": {
            "startLine": at.line,
            "startColumn": at.column,
            "endLine": at.end_line,
            "endColumn": at.end_column.max(if at.end_line == at.line { at.column + 1 } else { 1 }),
        },
    })
}

/// A relative path against `%SRCROOT%` (run iamlint from the repository root); an absolute path as a
/// `file://` URI.
fn uri(path: &str) -> Value {
    let path = normalize(path);
    let path = path.as_str();
    if path.starts_with('/') {
        json!({"uri": format!("file://{path}")})
    } else {
        json!({"uri": path, "uriBaseId": "SRCROOT"})
    }
}

/// Removes `.` and `dir/..` segments (`v1/../v1/a.yaml` → `v1/a.yaml`); a path that climbs above the
/// current folder becomes absolute, since code scanning cannot place it in the repository otherwise.
fn normalize(path: &str) -> String {
    let absolute = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    if absolute {
        return format!("/{joined}");
    }
    if parts.first() == Some(&"..")
        && let Ok(cwd) = std::env::current_dir()
    {
        let full = format!("{}/{joined}", cwd.to_string_lossy().trim_end_matches('/'));
        return normalize(&full);
    }
    joined
}

fn result(sources: &SourceMap, finding: &Finding) -> Value {
    let rule_index = ALL_RULES
        .iter()
        .position(|r| r.meta().code == finding.rule.code)
        .unwrap_or(0);
    let mut message = sentence(&finding.message);
    if let Some(help) = &finding.help {
        message.push_str("\n\nFix: ");
        message.push_str(&sentence(help));
    }
    let related: Vec<Value> = finding
        .related
        .iter()
        .enumerate()
        .map(|(i, label)| {
            json!({"id": i + 1, "physicalLocation": physical(sources, label.location), "message": {"text": sentence(&label.message)}})
        })
        .collect();
    json!({
        "ruleId": finding.rule.code,
        "ruleIndex": rule_index,
        "level": level(finding.severity),
        "message": {"text": message},
        "locations": [{"physicalLocation": physical(sources, finding.primary.location)}],
        "relatedLocations": related,
        "partialFingerprints": {"iamlintFinding/v1": fingerprint(sources, finding)},
        // Certainty apart from severity: an undecided finding ranks low and says so.
        "rank": if finding.certainty.is_definite() { 100.0 } else { 10.0 },
        "properties": {"certain": finding.certainty.is_definite()},
    })
}

/// FNV-1a over what identifies a finding but not where it sits: rule, resource, message and the text
/// under the primary span (no line numbers; the file is the result's own location).
fn fingerprint(sources: &SourceMap, finding: &Finding) -> String {
    let file = sources.get(finding.primary.location.file);
    let snippet = file
        .map(|f| f.slice(finding.primary.location.span).trim().to_string())
        .unwrap_or_default();
    let resource = finding.resource.as_deref().unwrap_or("");
    let key = format!(
        "{}\u{0}{resource}\u{0}{}\u{0}{snippet}",
        finding.rule.code, finding.message
    );
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in key.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}
