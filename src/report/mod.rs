//! Reports: findings and graphs written for people (miette) and for machines (JSON, DOT, Mermaid).

pub mod github;
pub mod graph;
pub mod human;
pub mod json;
pub mod routes;
pub mod sarif;

use crate::finding::{Finding, Severity};
use crate::source::{Location, SourceMap};

/// Counts of findings per severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
    /// Notes, `COV001` included.
    pub notes: usize,
    /// `COV001` findings: parts of the deployment that were not analysed.
    pub not_analysed: usize,
}

impl Summary {
    pub fn new(files: usize, findings: &[Finding]) -> Summary {
        let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
        Summary {
            files,
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            notes: count(Severity::Note),
            not_analysed: findings.iter().filter(|f| f.rule.code == "COV001").count(),
        }
    }
}

/// A location as a file path and 1-based line/column range (columns in characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

impl Position {
    pub fn of(sources: &SourceMap, location: Location) -> Position {
        let Some(file) = sources.get(location.file) else {
            return Position {
                file: String::new(),
                line: 1,
                column: 1,
                end_line: 1,
                end_column: 1,
            };
        };
        let start = file.line_col(location.span.start);
        let end = file.line_col(location.span.end);
        Position {
            file: file.display_path(),
            line: start.line,
            column: start.column,
            end_line: end.line,
            end_column: end.column,
        }
    }
}
