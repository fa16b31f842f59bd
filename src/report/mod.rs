//! Reports: findings and graphs written for people (miette, one-line concise) and for machines (JSON,
//! SARIF, GitHub annotations, JUnit XML, GitLab Code Quality, DOT, Mermaid).

pub mod concise;
pub mod github;
pub mod gitlab;
pub mod graph;
pub mod human;
pub mod json;
pub mod junit;
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

/// FNV-1a, 64 bits: a hash that stays the same across Rust versions and platforms (std's
/// `DefaultHasher` does not promise that), for fingerprints that must not change between runs.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// FNV-1a, 128 bits (fewer collisions where fingerprints of many findings share one namespace).
pub fn fnv1a128(bytes: &[u8]) -> u128 {
    let mut hash: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    for byte in bytes {
        hash ^= u128::from(*byte);
        hash = hash.wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013b);
    }
    hash
}

/// A message on one line: line breaks and runs of spaces become one space.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_reference_values() {
        // Published FNV-1a test vectors.
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a128(b"a"), 0xd228_cb69_6f1a_8caf_7891_2b70_4e4a_8964);
    }
}
