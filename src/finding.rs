//! Findings: what a rule reports, independent of how it is printed.

use std::fmt;

use crate::rules::RuleMeta;
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
