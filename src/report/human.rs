//! The human report: each finding as a miette diagnostic with source snippets of every file involved,
//! then one summary line.
//!
//! miette gives a diagnostic one source; labels in another file go into a related sub-diagnostic that
//! carries that file, so a cross-stack finding shows the snippet of both stacks.

use std::fmt;
use std::sync::Arc;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceCode};

use super::Summary;
use crate::finding::{Finding, Label, Severity};
use crate::source::{FileId, SourceFile, SourceMap};

/// How to draw the report.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    pub width: usize,
}

/// Renders every finding, then the summary line.
pub fn render(sources: &SourceMap, findings: &[Finding], summary: Summary, style: Style) -> String {
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_links(false)
        .with_show_related_as_nested(true)
        // Help texts hold ARNs and YAML to copy: never break them.
        .with_wrap_lines(false);
    let mut out = String::new();
    for finding in findings {
        let diagnostic = FindingDiagnostic::new(sources, finding);
        if handler.render_report(&mut out, &diagnostic).is_err() {
            out.push_str(&format!("{}: {}\n", finding.rule.code, finding.message));
        }
        out.push('\n');
    }
    out.push_str(&summary_line(summary));
    out.push('\n');
    out
}

/// "Found 1 error and 2 warnings in 3 files." or "No problems found in 3 files." Parts not analysed
/// (`COV001`) are counted apart, and "No problems found" is never said while there are some.
pub fn summary_line(summary: Summary) -> String {
    let files = plural(summary.files, "file");
    let not_analysed = summary.not_analysed.min(summary.notes);
    let parts: Vec<String> = [
        (summary.errors, "error"),
        (summary.warnings, "warning"),
        (summary.notes - not_analysed, "note"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, word)| plural(*n, word))
    .collect();
    let found = match parts.as_slice() {
        [] => None,
        [one] => Some(one.clone()),
        [init @ .., last] => Some(format!("{} and {last}", init.join(", "))),
    };
    let gaps = format!("{} not analysed (COV001)", plural(not_analysed, "part"));
    match (found, not_analysed) {
        (None, 0) => format!("No problems found in {files}."),
        (None, _) => format!("{gaps}; nothing else found in {files}."),
        (Some(found), 0) => format!("Found {found} in {files}."),
        (Some(found), _) => format!("Found {found} in {files}; {gaps}."),
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

struct FindingDiagnostic {
    message: String,
    code: String,
    severity: miette::Severity,
    help: Option<String>,
    source: Option<IndexedSource>,
    labels: Vec<LabeledSpan>,
    related: Vec<FindingDiagnostic>,
}

/// Longest line (in bytes) shown in a snippet. A finding with a label on a longer line (a minified
/// JSON template, a hostile file) lists its locations instead: a snippet would print the whole line
/// for every finding, and miette cannot place a label past column 65,535.
const MAX_SHOWN_LINE_BYTES: usize = 1000;

/// Most lines a label may cover and be shown in a snippet. miette prints every line a label covers,
/// for every finding: 789 findings on one `Resource` list of 789 lines printed 84 MB (found by
/// fuzz/). A longer label is listed by its location instead, as a long line is.
const MAX_SHOWN_SPAN_LINES: usize = 40;

/// Whether the lines a label covers are short enough, and few enough, to show.
fn shown(sources: &SourceMap, label: &Label) -> bool {
    let Some(file) = sources.get(label.location.file) else {
        return false;
    };
    let span = label.location.span;
    // miette shows the lines where a label starts and ends, and every line between.
    short_snippet_line(&file.text, span.start)
        && short_snippet_line(&file.text, span.end)
        && few_snippet_lines(&file.text, span)
}

/// Whether `span` covers at most [`MAX_SHOWN_SPAN_LINES`] lines (line feeds, as miette counts them;
/// stops counting past the limit).
fn few_snippet_lines(text: &str, span: crate::source::Span) -> bool {
    let covered = text
        .as_bytes()
        .get(span.start.min(span.end)..span.end.min(text.len()))
        .unwrap_or_default();
    covered
        .iter()
        .filter(|b| **b == b'\n')
        .take(MAX_SHOWN_SPAN_LINES)
        .count()
        < MAX_SHOWN_SPAN_LINES
}

/// Whether the line around byte `offset`, as miette splits a snippet into lines, has at most
/// [`MAX_SHOWN_LINE_BYTES`] bytes (its line feed included). miette breaks snippet lines at a line
/// feed only (a bare CR is a character of its line), unlike [`SourceFile`]'s line index, so this
/// looks at the text itself, at most that many bytes each side of `offset`.
fn short_snippet_line(text: &str, offset: usize) -> bool {
    let bytes = text.as_bytes();
    let offset = offset.min(bytes.len());
    let before = bytes
        .get(offset.saturating_sub(MAX_SHOWN_LINE_BYTES + 1)..offset)
        .unwrap_or_default();
    let after = bytes.get(offset..).unwrap_or_default();
    let not_break = |b: &&u8| **b != b'\n';
    let head = before.iter().rev().take_while(not_break).count();
    let tail = after
        .iter()
        .take(MAX_SHOWN_LINE_BYTES + 1)
        .take_while(not_break)
        .count();
    let line_feed = usize::from(after.get(tail) == Some(&b'\n'));
    head + tail + line_feed <= MAX_SHOWN_LINE_BYTES
}

/// Related places shown per finding: a finding that names thousands (every caller of a shared
/// function) lists the first ones and counts the rest, so the report stays linear in findings.
const MAX_RELATED_SHOWN: usize = 9;

/// The related labels shown, and the message with the count of those left out.
fn shown_related(finding: &Finding) -> (&[Label], String) {
    let shown = finding
        .related
        .get(..MAX_RELATED_SHOWN)
        .unwrap_or(&finding.related);
    let left_out = finding.related.len() - shown.len();
    let mut message = finding.message.clone();
    if left_out > 0 {
        message.push_str(&format!(
            " (and {left_out} more {}: `--format json` lists them all)",
            if left_out == 1 { "place" } else { "places" }
        ));
    }
    (shown, message)
}

impl FindingDiagnostic {
    fn new(sources: &SourceMap, finding: &Finding) -> Self {
        let (related_shown, message) = shown_related(finding);
        let all_shown = std::iter::once(&finding.primary)
            .chain(related_shown)
            .all(|label| shown(sources, label));
        if !all_shown {
            return Self::without_snippets(sources, finding, related_shown, message);
        }
        let primary_file = finding.primary.location.file;
        let mut labels = vec![labeled(&finding.primary, true)];
        let mut related = Vec::new();
        for label in related_shown {
            if label.location.file == primary_file {
                labels.push(labeled(label, false));
            } else {
                // One snippet per label: miette would otherwise print every line between two labels.
                related.push(FindingDiagnostic {
                    message: display_path(sources, label.location.file),
                    code: String::new(),
                    severity: miette::Severity::Advice,
                    help: None,
                    source: named_source(sources, label.location.file),
                    labels: vec![labeled(label, false)],
                    related: Vec::new(),
                });
            }
        }
        FindingDiagnostic {
            message,
            code: format!("{}({})", finding.rule.code, finding.rule.name),
            severity: miette_severity(finding.severity),
            help: finding.help.clone(),
            source: named_source(sources, primary_file),
            labels,
            related,
        }
    }
}

impl FindingDiagnostic {
    /// The finding with its locations as `path:line:col: label` lines instead of snippets.
    fn without_snippets(
        sources: &SourceMap,
        finding: &Finding,
        related: &[Label],
        mut message: String,
    ) -> Self {
        for label in std::iter::once(&finding.primary).chain(related) {
            let at = sources
                .get(label.location.file)
                .map(|f| f.line_col(label.location.span.start));
            let (line, column) = at.map_or((0, 0), |a| (a.line, a.column));
            message.push_str(&format!(
                "\n  at {}:{line}:{column}{}",
                display_path(sources, label.location.file),
                if label.message.is_empty() {
                    String::new()
                } else {
                    format!(": {}", label.message)
                }
            ));
        }
        message.push_str("\n  (a line too long, or too many lines, to show)");
        FindingDiagnostic {
            message,
            code: format!("{}({})", finding.rule.code, finding.rule.name),
            severity: miette_severity(finding.severity),
            help: finding.help.clone(),
            source: None,
            labels: Vec::new(),
            related: Vec::new(),
        }
    }
}

fn miette_severity(severity: Severity) -> miette::Severity {
    match severity {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Note => miette::Severity::Advice,
    }
}

/// A file's name on one line (a name may hold a line break; the report's edge escapes the rest).
fn display_path(sources: &SourceMap, file: FileId) -> String {
    sources
        .get(file)
        .map(|f| crate::sanitize::line(&f.display_path()).into_owned())
        .unwrap_or_default()
}

fn named_source(sources: &SourceMap, file: FileId) -> Option<IndexedSource> {
    let file = sources.shared(file)?;
    Some(IndexedSource {
        name: crate::sanitize::line(&file.display_path()).into_owned(),
        file,
    })
}

/// A file for miette that uses our line index: miette's own `str` source scans the text from its start
/// for every label, which makes thousands of findings in a large file quadratic. This one hands miette
/// only a window of whole lines around the span and shifts the answer back.
struct IndexedSource {
    name: String,
    file: Arc<SourceFile>,
}

/// Extra lines around the span given to miette (it picks its own context inside the window).
const WINDOW_MARGIN: usize = 2;

impl SourceCode for IndexedSource {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let text: &'a str = &self.file.text;
        let first = self
            .file
            .line_index(span.offset())
            .saturating_sub(context_lines_before + WINDOW_MARGIN);
        let last =
            self.file.line_index(span.offset() + span.len()) + context_lines_after + WINDOW_MARGIN;
        let start = self.file.line_start(first);
        let end = self.file.line_start(last + 1).max(start);
        let window: &'a str = text
            .get(start..end)
            .ok_or(miette::MietteError::OutOfBounds)?;
        let shifted =
            miette::SourceSpan::new(span.offset().saturating_sub(start).into(), span.len());
        let contents = window.read_span(&shifted, context_lines_before, context_lines_after)?;
        let absolute = miette::SourceSpan::new(
            (contents.span().offset() + start).into(),
            contents.span().len(),
        );
        Ok(Box::new(
            miette::MietteSpanContents::new_named(
                self.name.clone(),
                contents.data(),
                absolute,
                contents.line() + first,
                contents.column(),
                contents.line_count(),
            )
            .with_language("yaml"),
        ))
    }
}

fn labeled(label: &Label, primary: bool) -> LabeledSpan {
    let span = (label.location.span.start, label.location.span.len());
    let text = (!label.message.is_empty()).then(|| label.message.clone());
    if primary {
        LabeledSpan::new_primary_with_span(text, span)
    } else {
        LabeledSpan::new_with_span(text, span)
    }
}

impl fmt::Debug for FindingDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for FindingDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FindingDiagnostic {}

impl Diagnostic for FindingDiagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        (!self.code.is_empty()).then(|| Box::new(&self.code) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(self.related.iter().map(|d| d as &dyn Diagnostic)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_lines_break_at_line_feeds_only() {
        let long = "x".repeat(2_000);
        // A bare CR does not end miette's line: the label after it is on the long line.
        let text = format!("{long}\rlabel\n");
        assert!(!short_snippet_line(&text, long.len() + 1));
        let text = format!("{long}\nlabel\n");
        assert!(short_snippet_line(&text, long.len() + 1));
        assert!(!short_snippet_line(&text, 5));
        assert!(short_snippet_line("short\r\nline", 8));
        assert!(short_snippet_line("", 0));
    }

    fn summary(errors: usize, notes: usize, not_analysed: usize) -> Summary {
        Summary {
            files: 3,
            errors,
            warnings: 0,
            notes,
            not_analysed,
        }
    }

    #[test]
    fn a_finding_with_thousands_of_places_shows_the_first_and_counts_the_rest() {
        let text: String = (0..10_000).map(|i| format!("k{i}: v\n")).collect();
        let starts: Vec<usize> = text.match_indices('k').map(|(i, _)| i).collect();
        let mut sources = SourceMap::default();
        let file = sources.add(SourceFile::new("t.yaml", text));
        let label = |start: usize| Label {
            location: crate::source::Location {
                file,
                span: crate::source::Span::new(start, start + 1),
            },
            message: "here".into(),
        };
        let Some(rule) = crate::rules::find("REF001") else {
            panic!("REF001 exists");
        };
        let finding = Finding {
            rule,
            severity: Severity::Error,
            certainty: crate::finding::Certainty::Definite,
            message: "m".into(),
            primary: label(0),
            related: starts.iter().skip(1).map(|s| label(*s)).collect(),
            help: None,
            resource: None,
        };
        let style = Style {
            color: false,
            width: 100,
        };
        let out = render(&sources, &[finding], Summary::default(), style);
        assert!(
            out.contains("(and 9990 more places: `--format json` lists them all)"),
            "{out}"
        );
        assert_eq!(out.matches("here").count(), 10, "{out}");
        assert!(out.len() < 20_000, "{} bytes", out.len());
    }

    #[test]
    fn parts_not_analysed_are_never_no_problems() {
        assert_eq!(
            summary_line(summary(0, 0, 0)),
            "No problems found in 3 files."
        );
        assert_eq!(
            summary_line(summary(0, 2, 2)),
            "2 parts not analysed (COV001); nothing else found in 3 files."
        );
        assert_eq!(
            summary_line(summary(1, 2, 1)),
            "Found 1 error and 1 note in 3 files; 1 part not analysed (COV001)."
        );
        assert_eq!(
            summary_line(summary(1, 1, 0)),
            "Found 1 error and 1 note in 3 files."
        );
    }
}
