//! The JSON report, schema `iamlint-findings/1`.

use serde::Serialize;

use super::{Position, Summary};
use crate::finding::Finding;
use crate::source::SourceMap;
use crate::suppress::Audit;

pub const SCHEMA: &str = "iamlint-findings/1";

#[derive(Serialize)]
struct Report<'a> {
    schema: &'static str,
    findings: Vec<JsonFinding<'a>>,
    summary: JsonSummary,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'static str,
    name: &'static str,
    severity: &'static str,
    /// Whether the analysis decided it (false: it depends on values iamlint could not read).
    certain: bool,
    message: &'a str,
    file: String,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    resource: Option<&'a str>,
    related: Vec<JsonRelated<'a>>,
    help: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    file: String,
    line: usize,
    column: usize,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonSummary {
    files: usize,
    errors: usize,
    warnings: usize,
    notes: usize,
    /// Present when a config was used or a finding was suppressed.
    #[serde(skip_serializing_if = "Option::is_none")]
    configuration: Option<JsonAudit>,
}

/// What the configuration silenced (see [`Audit`]).
#[derive(Serialize)]
struct JsonAudit {
    config_files: Vec<String>,
    suppressed_by_config: usize,
    severity_lowered_by_config: usize,
    suppressed_in_source: usize,
    /// Suppressions written in the templates and refused (inline suppressions off).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    refused_in_source: Vec<JsonRefused>,
}

/// A refused suppression: where it is written and the rule it names.
#[derive(Serialize)]
struct JsonRefused {
    file: String,
    line: usize,
    rule: String,
}

/// The report as pretty-printed JSON.
pub fn render(
    sources: &SourceMap,
    findings: &[Finding],
    summary: Summary,
    audit: &Audit,
) -> String {
    let report = Report {
        schema: SCHEMA,
        findings: findings.iter().map(|f| finding(sources, f)).collect(),
        summary: JsonSummary {
            files: summary.files,
            errors: summary.errors,
            warnings: summary.warnings,
            notes: summary.notes,
            configuration: (!audit.is_empty()).then(|| JsonAudit {
                config_files: audit
                    .configs
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect(),
                suppressed_by_config: audit.off_by_config,
                severity_lowered_by_config: audit.lowered_by_config,
                suppressed_in_source: audit.in_source,
                refused_in_source: audit
                    .refused_in_source
                    .iter()
                    .map(|r| JsonRefused {
                        file: r.path.clone(),
                        line: r.line,
                        rule: r.rule.clone(),
                    })
                    .collect(),
            }),
        },
    };
    serde_json::to_string_pretty(&report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

fn finding<'a>(sources: &SourceMap, f: &'a Finding) -> JsonFinding<'a> {
    let at = Position::of(sources, f.primary.location);
    JsonFinding {
        rule: f.rule.code,
        name: f.rule.name,
        severity: f.severity.as_str(),
        certain: f.certainty.is_definite(),
        message: &f.message,
        file: at.file,
        line: at.line,
        column: at.column,
        end_line: at.end_line,
        end_column: at.end_column,
        resource: f.resource.as_deref(),
        related: f
            .related
            .iter()
            .map(|label| {
                let at = Position::of(sources, label.location);
                JsonRelated {
                    file: at.file,
                    line: at.line,
                    column: at.column,
                    message: &label.message,
                }
            })
            .collect(),
        help: f.help.as_deref(),
    }
}
