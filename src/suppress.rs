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

use std::collections::{BTreeMap, HashMap};

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
    /// Why, as written (`reason:` in Metadata, the text after `]` in a comment).
    reason: Option<String>,
    scope: Scope,
    used: bool,
}

/// A finding a suppression silenced: kept for reports that show what was suppressed (SARIF
/// `suppressions`, the human summary's counts).
#[derive(Debug, Clone)]
pub struct Suppressed {
    pub finding: Finding,
    pub by: SuppressedBy,
    /// The suppression's reason, when it gives one.
    pub reason: Option<String>,
}

/// What silenced a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SuppressedBy {
    /// A comment or `Metadata` suppression in the templates (SARIF `inSource`).
    Source,
    /// A config file's rule settings (`rules: {CODE: off}`, `select`, `ignore`; SARIF `external`).
    Config(std::path::PathBuf),
}

/// What the configuration of a run changed, said in every report: a pull request's own
/// `.iamlint.yaml` can turn a rule off, so the gate says so instead of passing in silence.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Audit {
    /// The config files the run used (none: `--isolated`, or none found).
    pub configs: Vec<std::path::PathBuf>,
    /// Findings turned off by a config's rule settings.
    pub off_by_config: usize,
    /// Definite findings whose severity a config lowered (`IAM001: note`).
    pub lowered_by_config: usize,
    /// Findings suppressed in the templates.
    pub in_source: usize,
    /// The templates' suppressions refused because inline suppressions are off
    /// (`--no-inline-suppressions`, `inline-suppressions: false`), each as `path:line` and the rule
    /// as written.
    pub refused_in_source: Vec<RefusedAt>,
    /// The templates discovery found and did not read, config `exclude`/`templates` included.
    pub skipped: Vec<crate::discover::Skipped>,
}

/// A suppression written in a template that was refused (inline suppressions are off).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedAt {
    /// The file as the user named it.
    pub path: String,
    /// 1-based.
    pub line: usize,
    /// The rule as written (`CORS001`, `overbroad-invoke-grant`).
    pub rule: String,
}

/// At most this many refused suppressions are named in the audit sentence (all are in JSON and SARIF).
const REFUSED_NAMED: usize = 10;

impl Audit {
    /// No config used and nothing suppressed in the templates: nothing to say.
    pub fn is_empty(&self) -> bool {
        self.configs.is_empty() && self.in_source == 0 && self.refused_in_source.is_empty()
    }

    /// Whether the configuration changed what is reported: findings silenced or suppressions
    /// refused (said on stderr by the formats that carry no summary).
    pub fn changed_anything(&self) -> bool {
        self.silenced() > 0 || !self.refused_in_source.is_empty()
    }

    /// How many findings the configuration turned off, lowered or suppressed in all.
    pub fn silenced(&self) -> usize {
        self.off_by_config + self.lowered_by_config + self.in_source
    }

    /// How many templates a config's `exclude`/`templates` kept out.
    pub fn excluded_by_config(&self) -> usize {
        self.skipped
            .iter()
            .filter(|s| matches!(s.reason, crate::discover::SkipReason::Excluded(_)))
            .count()
    }

    /// One sentence for the human summary, or `None` when no config was used and nothing was
    /// suppressed. Paths are as the user named them (the report's edge escapes them).
    pub fn sentence(&self) -> Option<String> {
        if self.is_empty() {
            return None;
        }
        let mut parts = Vec::new();
        if !self.configs.is_empty() {
            let names: Vec<String> = self
                .configs
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            let mut changes = Vec::new();
            let excluded = self.excluded_by_config();
            if excluded > 0 {
                let noun = if excluded == 1 {
                    "template"
                } else {
                    "templates"
                };
                changes.push(format!("excluded {excluded} {noun}"));
            }
            if self.off_by_config > 0 {
                changes.push(format!("turned off {}", findings(self.off_by_config)));
            }
            if self.lowered_by_config > 0 {
                changes.push(format!(
                    "lowered the severity of {}",
                    findings(self.lowered_by_config)
                ));
            }
            let changes = if changes.is_empty() {
                "silenced nothing".to_string()
            } else {
                changes.join(" and ")
            };
            let noun = if names.len() == 1 {
                "Config"
            } else {
                "Configs"
            };
            parts.push(format!("{noun} {} {changes}", names.join(", ")));
        }
        if self.in_source > 0 {
            let verb = if self.in_source == 1 { "was" } else { "were" };
            parts.push(format!(
                "{} {verb} suppressed in the templates",
                findings(self.in_source)
            ));
        }
        if !self.refused_in_source.is_empty() {
            parts.push(self.refused_sentence());
        }
        let joined = parts.join("; ");
        let mut chars = joined.chars();
        let capitalised: String = match chars.next() {
            Some(first) => first.to_uppercase().chain(chars).collect(),
            None => joined,
        };
        Some(format!("{capitalised}."))
    }

    /// "Inline suppressions are off: 2 refused (a.yaml:3 CORS001, a.yaml:9 IAM004)".
    fn refused_sentence(&self) -> String {
        let named: Vec<String> = self
            .refused_in_source
            .iter()
            .take(REFUSED_NAMED)
            .map(|r| format!("{}:{} {}", r.path, r.line, r.rule))
            .collect();
        let more = self.refused_in_source.len().saturating_sub(REFUSED_NAMED);
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        format!(
            "inline suppressions are off: {} refused ({}{more})",
            self.refused_in_source.len(),
            named.join(", ")
        )
    }
}

fn findings(n: usize) -> String {
    if n == 1 {
        "1 finding".to_string()
    } else {
        format!("{n} findings")
    }
}

/// The findings a run reports, and those suppressions silenced.
#[derive(Debug, Clone, Default)]
pub struct Applied {
    pub kept: Vec<Finding>,
    pub suppressed: Vec<Suppressed>,
    /// The suppressions refused (inline suppressions off), where each is written.
    pub refused: Vec<(Location, String)>,
}

/// Whether the templates' own suppressions (comments, `Metadata`) count. A pull request writes
/// them, so a gate owner can refuse them all (`--no-inline-suppressions`, config
/// `inline-suppressions: false`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum InlineSuppressions {
    #[default]
    Honoured,
    Refused,
}

/// Sets suppressed findings apart and adds a note for each suppression that matched nothing.
pub fn apply(deployment: &Deployment, findings: Vec<Finding>) -> Applied {
    apply_with(deployment, findings, InlineSuppressions::Honoured)
}

/// Like [`apply`]; with inline suppressions refused, every finding is kept, no suppression is
/// reported unused, and each is listed as refused.
pub fn apply_with(
    deployment: &Deployment,
    mut findings: Vec<Finding>,
    inline: InlineSuppressions,
) -> Applied {
    if inline == InlineSuppressions::Refused {
        let refused = collect(deployment)
            .into_iter()
            .map(|s| {
                let location = Location {
                    file: s.file,
                    span: s.span,
                };
                (location, s.written)
            })
            .collect();
        findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        return Applied {
            kept: findings,
            suppressed: Vec::new(),
            refused,
        };
    }
    let mut suppressions = collect(deployment);
    let index = Index::new(&suppressions);
    let mut kept = Vec::new();
    let mut suppressed = Vec::new();
    for finding in findings {
        let matching = index.find(&suppressions, deployment, &finding);
        match matching.and_then(|i| suppressions.get_mut(i)) {
            Some(suppression) => {
                suppression.used = true;
                suppressed.push(Suppressed {
                    finding,
                    by: SuppressedBy::Source,
                    reason: suppression.reason.clone(),
                });
            }
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
    Applied {
        kept,
        suppressed,
        refused: Vec::new(),
    }
}

/// Where resource definitions start → `(where each ends, its suppression)`.
type DefinitionStarts = BTreeMap<usize, Vec<(usize, usize)>>;

/// Suppressions by rule and file, resource ones also by logical id and by span, comments by line:
/// matching a finding costs a few lookups and a range of lines, not a scan of every suppression (a
/// file may hold tens of thousands). The answer is the one a scan in collection order would give:
/// the first suppression that covers the finding.
struct Index {
    /// File-wide suppressions (template Metadata): the first per rule and file.
    file_wide: HashMap<(&'static str, FileId), usize>,
    /// Resource suppressions by rule, logical id and file: the first of each.
    by_resource: HashMap<(&'static str, String, FileId), usize>,
    /// Resource suppressions by rule and file, by where the resource's definition starts: its end
    /// and the suppression, in collection order (the definitions of one file do not overlap).
    by_span: HashMap<(&'static str, FileId), DefinitionStarts>,
    /// Comment suppressions by rule and file, then by line.
    comments: HashMap<(&'static str, FileId), BTreeMap<usize, Vec<usize>>>,
}

impl Index {
    fn new(suppressions: &[Suppression]) -> Index {
        let mut index = Index {
            file_wide: HashMap::new(),
            by_resource: HashMap::new(),
            by_span: HashMap::new(),
            comments: HashMap::new(),
        };
        for (i, suppression) in suppressions.iter().enumerate() {
            let Some(rule) = suppression.rule else {
                continue;
            };
            let file = suppression.file;
            match &suppression.scope {
                Scope::File => {
                    index.file_wide.entry((rule.code, file)).or_insert(i);
                }
                Scope::Resource { logical_id, span } => {
                    index
                        .by_resource
                        .entry((rule.code, logical_id.clone(), file))
                        .or_insert(i);
                    index
                        .by_span
                        .entry((rule.code, file))
                        .or_default()
                        .entry(span.start)
                        .or_default()
                        .push((span.end, i));
                }
                Scope::Comment { line, .. } => index
                    .comments
                    .entry((rule.code, file))
                    .or_default()
                    .entry(*line)
                    .or_default()
                    .push(i),
            }
        }
        index
    }

    /// The first suppression that covers the finding.
    fn find(
        &self,
        suppressions: &[Suppression],
        deployment: &Deployment,
        finding: &Finding,
    ) -> Option<usize> {
        let code = finding.rule.code;
        let at = finding.primary.location;
        let scoped = self.scoped(deployment, finding);
        if scoped.is_some() {
            return scoped;
        }
        let covers = |i: &usize| {
            suppressions
                .get(*i)
                .is_some_and(|s| s.matches(deployment, finding))
        };
        let lines = self.comments.get(&(code, at.file))?;
        let (first, last) = primary_lines(deployment.sources.get(at.file)?, at.span);
        lines
            .range(first.saturating_sub(1)..=last)
            .flat_map(|(_, found)| found)
            .find(|i| covers(i))
            .copied()
    }

    /// The first Metadata suppression (file-wide or of a resource) that covers the finding: by
    /// its file or a template including it, by its resource, or by the definition it lies in.
    fn scoped(&self, deployment: &Deployment, finding: &Finding) -> Option<usize> {
        let code = finding.rule.code;
        let at = finding.primary.location;
        let homes = std::iter::once(at.file)
            .chain(deployment.definitions.included_by(at.file).iter().copied());
        let mut first: Option<usize> = None;
        let mut consider = |i: Option<usize>| {
            if let Some(i) = i {
                first = Some(first.map_or(i, |f| f.min(i)));
            }
        };
        for home in homes {
            consider(self.file_wide.get(&(code, home)).copied());
            if let Some(resource) = finding.resource.as_deref() {
                let key = (code, resource.to_string(), home);
                consider(self.by_resource.get(&key).copied());
            }
        }
        let enclosing = self
            .by_span
            .get(&(code, at.file))
            .and_then(|starts| starts.range(..=at.span.start).next_back())
            .and_then(|(_, ends)| {
                ends.iter()
                    .filter(|(end, _)| at.span.end <= *end)
                    .map(|(_, i)| *i)
                    .min()
            });
        consider(enclosing);
        first
    }
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
            let reason = entry
                .get("reason")
                .and_then(Node::as_str)
                .map(str::to_string);
            Some(Suppression {
                file,
                span: entry.span,
                rule: rules::find(written),
                written: written.to_string(),
                reason,
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
                let reason = rest
                    .get(close + 1..)
                    .map(str::trim)
                    .filter(|r| !r.is_empty())
                    .map(str::to_string);
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
                        reason: reason.clone(),
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
