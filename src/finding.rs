//! Findings: what a rule reports, independent of how it is printed.

use std::fmt;

use crate::source::Location;

/// How serious a finding is. Ordered: `Note < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Static facts about a rule.
#[derive(Debug)]
pub struct RuleMeta {
    /// Stable code, never reused: `REF004`.
    pub code: &'static str,
    /// Kebab-case name of the bad pattern: `import-cycle`.
    pub name: &'static str,
    pub severity: Severity,
    /// The rule's Markdown doc (`rules/<CODE>-<name>.md`).
    pub doc: &'static str,
}

impl RuleMeta {
    /// The doc's one-line summary: the first paragraph after its `Severity:` line.
    pub fn summary(&self) -> &'static str {
        let doc: &'static str = self.doc;
        doc.lines()
            .skip_while(|line| !line.starts_with("Severity:"))
            .skip(1)
            .map(str::trim)
            .find(|line| !line.is_empty())
            .unwrap_or("")
    }
}

/// Whether the analysis could decide what a finding says. Apart from severity: config and
/// `--fail-on` act on definite findings only; an undecided finding stays a note that says what to
/// supply (a parameter value, a managed policy) for a definite answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Certainty {
    /// The problem holds whatever the unknown values are.
    Definite,
    /// It depends on values or policies iamlint could not read.
    Undecided,
}

impl Certainty {
    pub fn is_definite(self) -> bool {
        self == Certainty::Definite
    }
}

/// A place in a file with what it has to do with the finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub location: Location,
    pub message: String,
}

/// One problem found in the deployment.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: &'static RuleMeta,
    pub severity: Severity,
    /// Definite, or undecided (then always a note).
    pub certainty: Certainty,
    /// One sentence in user terms: what will happen at deploy or run time.
    pub message: String,
    pub primary: Label,
    /// Other places, in any file (the other side of a cross-stack link).
    pub related: Vec<Label>,
    /// The concrete fix.
    pub help: Option<String>,
    /// The logical id of the resource the finding is about.
    pub resource: Option<String>,
}

impl Finding {
    /// The order findings are printed in: file, position, rule.
    pub fn sort_key(&self) -> (usize, usize, &'static str) {
        (
            self.primary.location.file.0,
            self.primary.location.span.start,
            self.rule.code,
        )
    }
}
