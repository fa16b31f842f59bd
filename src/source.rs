//! Source files and byte spans: the one place where offsets become lines and columns.
//!
//! Every node, finding and graph edge carries a [`Span`] (a byte range) and a [`FileId`]. Lines and
//! columns are computed only when a report is written: 1-based, columns counted in characters, so a
//! Japanese comment or a CRLF line end never shifts a location.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Index of a file in [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub usize);

/// A byte range `[start, end)` in one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span {
            start,
            end: end.max(start),
        }
    }

    /// An empty span at `offset`.
    pub fn at(offset: usize) -> Self {
        Span::new(offset, offset)
    }

    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }

    /// The smallest span covering both.
    pub fn cover(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// A span in a given file: what findings and graph edges point at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Location {
    pub file: FileId,
    pub span: Span,
}

/// A 1-based line and character column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

/// One file as read from disk.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as the user gave it (or as discovery found it), for reports.
    pub path: PathBuf,
    /// The text; invalid UTF-8 is replaced (the loader reports it as TPL001 before that matters).
    pub text: Arc<str>,
    /// Byte offset of the start of every line (after `\n`, after a lone `\r`).
    line_starts: Vec<usize>,
    /// Every [`CHECKPOINT_BYTES`] bytes (at a character boundary): the byte offset and how many
    /// characters other than a BOM precede it, so that a column is counted from the nearest
    /// checkpoint, not from the line's start (a long line with many findings stays linear).
    checkpoints: Vec<(usize, usize)>,
}

/// A path as displayed in reports: as given, without a leading `./`; on Windows with forward
/// slashes. Elsewhere a backslash is a character of the file's name, and stays one. A byte that is
/// not UTF-8 (a file name is any bytes on Unix) is shown as `\xFF`, not as U+FFFD, so that two
/// names differing there are not shown alike.
pub fn display_path(path: &Path) -> String {
    let mut text = String::new();
    for chunk in path.as_os_str().as_encoded_bytes().utf8_chunks() {
        text.push_str(chunk.valid());
        for byte in chunk.invalid() {
            text.push_str(&format!("\\x{byte:02X}"));
        }
    }
    let path = if std::path::MAIN_SEPARATOR == '\\' {
        text.replace('\\', "/")
    } else {
        text
    };
    match path.strip_prefix("./") {
        Some(rest) if !rest.is_empty() => rest.to_string(),
        _ => path,
    }
}

/// Distance between two [`SourceFile`] checkpoints.
const CHECKPOINT_BYTES: usize = 4096;

/// Characters that count for columns (a BOM does not).
fn counted_chars(text: &str) -> usize {
    text.chars().filter(|c| *c != '\u{feff}').count()
}

fn compute_checkpoints(text: &str) -> Vec<(usize, usize)> {
    let mut checkpoints = vec![(0, 0)];
    let mut count = 0;
    let mut last = 0;
    for (offset, c) in text.char_indices() {
        if offset >= last + CHECKPOINT_BYTES {
            checkpoints.push((offset, count));
            last = offset;
        }
        if c != '\u{feff}' {
            count += 1;
        }
    }
    checkpoints
}

impl SourceFile {
    pub fn new(path: impl Into<PathBuf>, text: String) -> Self {
        let line_starts = compute_line_starts(&text);
        let checkpoints = compute_checkpoints(&text);
        SourceFile {
            path: path.into(),
            text: Arc::from(text),
            line_starts,
            checkpoints,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The path as displayed in reports (see [`display_path`]).
    pub fn display_path(&self) -> String {
        display_path(&self.path)
    }

    /// 1-based line and character column of a byte offset (clamped to the text).
    pub fn line_col(&self, offset: usize) -> LineCol {
        let offset = floor_char_boundary(&self.text, offset.min(self.text.len()));
        let line_index = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let line_start = self.line_starts.get(line_index).copied().unwrap_or(0);
        let column = self
            .chars_before(offset)
            .saturating_sub(self.chars_before(line_start));
        LineCol {
            line: line_index + 1,
            column: column + 1,
        }
    }

    /// How many counted characters precede byte `offset` (a character boundary): from the nearest
    /// checkpoint, in O(log n + [`CHECKPOINT_BYTES`]).
    fn chars_before(&self, offset: usize) -> usize {
        let at = match self.checkpoints.binary_search_by_key(&offset, |(o, _)| *o) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let (start, count) = self.checkpoints.get(at).copied().unwrap_or((0, 0));
        count + self.text.get(start..offset).map_or(0, counted_chars)
    }

    /// The 0-based index of the line holding byte `offset`.
    pub fn line_index(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    /// The byte offset where 0-based line `index` starts (the text length past the last line).
    pub fn line_start(&self, index: usize) -> usize {
        self.line_starts
            .get(index)
            .copied()
            .unwrap_or(self.text.len())
    }

    /// The text of a span, or "" when it does not fall on character boundaries.
    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.start..span.end).unwrap_or("")
    }

    /// Byte span of the whole 1-based line `line`, without its line break.
    pub fn line_span(&self, line: usize) -> Option<Span> {
        let start = *self.line_starts.get(line.checked_sub(1)?)?;
        let end = self
            .line_starts
            .get(line)
            .copied()
            .unwrap_or(self.text.len());
        let text = self.text.get(start..end)?;
        let trimmed = text.trim_end_matches(['\n', '\r']);
        Some(Span::new(start, start + trimmed.len()))
    }
}

fn compute_line_starts(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut starts = vec![0];
    for (i, byte) in bytes.iter().enumerate() {
        match byte {
            b'\n' => starts.push(i + 1),
            b'\r' if bytes.get(i + 1) != Some(&b'\n') => starts.push(i + 1),
            _ => {}
        }
    }
    starts
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// All files of a run, indexed by [`FileId`].
#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    files: Vec<Arc<SourceFile>>,
}

impl SourceMap {
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(Arc::new(file));
        FileId(self.files.len() - 1)
    }

    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0).map(Arc::as_ref)
    }

    /// A shared handle on a file (for reports that keep it).
    pub fn shared(&self, id: FileId) -> Option<Arc<SourceFile>> {
        self.files.get(id.0).cloned()
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i), f.as_ref()))
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn columns_from_checkpoints_count_characters_as_from_the_line_start() {
        // Long lines of multibyte characters and BOMs, crossing many checkpoints.
        let mut text = String::new();
        for i in 0..3000 {
            text.push_str(if i % 7 == 0 { "\u{feff}é日x" } else { "ab" });
            if i % 500 == 499 {
                text.push('\n');
            }
        }
        let file = SourceFile::new("t.yaml", text.clone());
        for (offset, _) in text.char_indices().step_by(97) {
            let line_start = text.get(..offset).unwrap().rfind('\n').map_or(0, |i| i + 1);
            let naive = text
                .get(line_start..offset)
                .unwrap()
                .chars()
                .filter(|c| *c != '\u{feff}')
                .count();
            assert_eq!(file.line_col(offset).column, naive + 1, "offset {offset}");
        }
    }

    use super::*;

    #[test]
    fn line_col_counts_characters_and_crlf() {
        let f = SourceFile::new("t.yaml", "a: 1\r\n# 日本語\r\nb: x\n".to_string());
        let b = f.text.find("b:").unwrap();
        assert_eq!(f.line_col(b), LineCol { line: 3, column: 1 });
        let x = f.text.find('x').unwrap();
        assert_eq!(f.line_col(x), LineCol { line: 3, column: 4 });
        let go = f.text.find('語').unwrap();
        assert_eq!(f.line_col(go), LineCol { line: 2, column: 5 });
    }

    #[test]
    fn bom_is_not_a_column() {
        let f = SourceFile::new("t.yaml", "\u{feff}a: 1\n".to_string());
        assert_eq!(f.line_col(3), LineCol { line: 1, column: 1 });
    }
}
