//! Suppressions: `Metadata: {iamlint: {ignore: [IAM008]}}` on a resource or on the template, and
//! `# iamlint: ignore[IAM008] reason` comments (as zizmor's): a comment on any line of the finding's
//! primary span suppresses it, and so does a comment on a line of its own just above the span's first
//! line; a trailing comment (after code on its line) covers its own line only. A file a
//! template includes (`AWS::Include`, `DefinitionUri`) takes comments too, and the template's Metadata
//! suppressions (file-wide, or naming the finding's resource) cover findings located in it.
//!
//! Rules are named by code or name; a reason may follow (`{rule: IAM008, reason: "..."}` in Metadata,
//! free text after the `]` in a comment). A suppression that matches no finding is itself reported
//! (`SUP001`, a note), so stale ones do not pile up.

use crate::deployment::Deployment;
use crate::finding::{Finding, Label};
use crate::load::Node;
use crate::rules::{self, RuleMeta};
use crate::source::{FileId, Location, Span};

/// Where a suppression applies.
#[derive(Debug, Clone)]
enum Scope {
    /// Every finding in the file.
    File,
    /// Findings about this resource, or inside its definition.
    Resource { logical_id: String, span: Span },
    /// A comment on this 1-based line: findings whose primary span covers the line, and (when the
    /// comment has its line to itself) findings whose span starts on the next line.
    Comment { line: usize, own_line: bool },
}

#[derive(Debug, Clone)]
struct Suppression {
    file: FileId,
    /// Where the suppression is written (for the unused-suppression note).
    span: Span,
    rule: Option<&'static RuleMeta>,
    written: String,
    scope: Scope,
    used: bool,
}

/// Drops suppressed findings and adds a note for each suppression that matched nothing.
pub fn apply(deployment: &Deployment, findings: Vec<Finding>) -> Vec<Finding> {
    let mut suppressions = collect(deployment);
    let mut kept = Vec::new();
    for finding in findings {
        let matching = suppressions
            .iter_mut()
            .find(|s| s.matches(deployment, &finding));
        match matching {
            Some(suppression) => suppression.used = true,
            None => kept.push(finding),
        }
    }
    if let Some(meta) = rules::find("SUP001") {
        for s in suppressions.iter().filter(|s| !s.used) {
            let message = match s.rule {
                Some(rule) => format!(
                    "this suppression of {} `{}` matches no finding: remove it",
                    rule.code, rule.name
                ),
                None => format!(
                    "`{}` names no iamlint rule: this suppression does nothing",
                    s.written
                ),
            };
            kept.push(Finding {
                rule: meta,
                severity: meta.severity,
                certainty: crate::finding::Certainty::Definite,
                message,
                primary: Label { location: Location { file: s.file, span: s.span }, message: String::new() },
                related: Vec::new(),
                help: Some("delete the suppression (or fix the rule code or name; `iamlint rules` lists them)".to_string()),
                resource: None,
            });
        }
    }
    kept.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    kept
}

impl Suppression {
    fn matches(&self, deployment: &Deployment, finding: &Finding) -> bool {
        let Some(rule) = self.rule else { return false };
        let at = finding.primary.location;
        if rule.code != finding.rule.code {
            return false;
        }
        let same_file = at.file == self.file;
        // A finding in a file the template includes is the template's too (by Metadata, not by line).
        let home = same_file
            || deployment
                .definitions
                .included_by(at.file)
                .contains(&self.file);
        match &self.scope {
            Scope::File => home,
            Scope::Resource { logical_id, span } => {
                (home && finding.resource.as_deref() == Some(logical_id.as_str()))
                    || (same_file && span.start <= at.span.start && at.span.end <= span.end)
            }
            Scope::Comment { .. } if !same_file => false,
            Scope::Comment { line, own_line } => deployment
                .sources
                .get(at.file)
                .map(|f| primary_lines(f, at.span))
                .is_some_and(|(first, last)| {
                    (first..=last).contains(line) || (*own_line && *line + 1 == first)
                }),
        }
    }
}

fn collect(deployment: &Deployment) -> Vec<Suppression> {
    let mut out = Vec::new();
    for template in &deployment.templates {
        let file = template.file;
        if let Some(metadata) = template.root.get("Metadata") {
            out.extend(from_metadata(file, metadata, Scope::File));
        }
        for resource in &template.resources {
            let Some(metadata) = resource.metadata() else {
                continue;
            };
            let scope = Scope::Resource {
                logical_id: resource.logical_id.clone(),
                span: resource.node.span.cover(resource.span),
            };
            out.extend(from_metadata(file, metadata, scope));
        }
        if let Some(source) = deployment.sources.get(file) {
            out.extend(from_comments(file, &source.text));
        }
    }
    for included in &deployment.definitions.files {
        if let Some(source) = deployment.sources.get(included.file) {
            out.extend(from_comments(included.file, &source.text));
        }
    }
    out
}

/// `Metadata: {iamlint: {ignore: [IAM008, {rule: CORS002, reason: "..."}]}}`.
fn from_metadata(file: FileId, metadata: &Node, scope: Scope) -> Vec<Suppression> {
    let Some(ignore) = metadata.get("iamlint").and_then(|i| i.get("ignore")) else {
        return Vec::new();
    };
    let entries: Vec<&Node> = match ignore.as_seq() {
        Some(items) => items.iter().collect(),
        None => vec![ignore],
    };
    entries
        .into_iter()
        .filter_map(|entry| {
            let written = entry.as_str().or_else(|| entry.get("rule")?.as_str())?;
            Some(Suppression {
                file,
                span: entry.span,
                rule: rules::find(written),
                written: written.to_string(),
                scope: scope.clone(),
                used: false,
            })
        })
        .collect()
}

/// The first and last 1-based lines of a span (an empty span: its one line).
fn primary_lines(file: &crate::source::SourceFile, span: Span) -> (usize, usize) {
    let first = file.line_col(span.start).line;
    let last = file
        .line_col(span.end.saturating_sub(1).max(span.start))
        .line;
    (first, last.max(first))
}

/// `# iamlint: ignore[IAM008, CORS002] reason`: see [`Scope::Comment`].
fn from_comments(file: FileId, text: &str) -> Vec<Suppression> {
    let mut out = Vec::new();
    let mut offset = 0;
    for (index, line) in text.split_inclusive('\n').enumerate() {
        if let Some(at) = line.find("iamlint: ignore[") {
            let before = line.get(..at).unwrap_or("");
            let is_comment = before.trim_end().ends_with('#');
            let own_line = before.trim_end().trim_end_matches('#').trim().is_empty();
            let rest = line.get(at + "iamlint: ignore[".len()..).unwrap_or("");
            if let (true, Some(close)) = (is_comment, rest.find(']')) {
                let span = Span::new(
                    offset + before.trim_end().len().saturating_sub(1),
                    offset + line.trim_end().len(),
                );
                for written in rest
                    .get(..close)
                    .unwrap_or("")
                    .split(',')
                    .map(str::trim)
                    .filter(|w| !w.is_empty())
                {
                    out.push(Suppression {
                        file,
                        span,
                        rule: rules::find(written),
                        written: written.to_string(),
                        scope: Scope::Comment {
                            line: index + 1,
                            own_line,
                        },
                        used: false,
                    });
                }
            }
        }
        offset += line.len();
    }
    out
}
