//! JSON → [`Node`], by a small recursive-descent parser that keeps byte spans.
//!
//! JSON templates are parsed as JSON (not as YAML) so that errors read like JSON errors and duplicate
//! keys are caught. Strings are `Quoted` scalars; `true`, `false`, `null` and numbers are `Plain`. Of
//! duplicate keys the last one wins (as Python's `json.loads`, which SAM CLI reads JSON with, and
//! CloudFormation take it); each is reported beside the tree (the first
//! [`MAX_DUPLICATE_KEYS`](super::MAX_DUPLICATE_KEYS), then one error counting the rest).
//!
//! Limits, as for YAML: nesting deeper than [`MAX_DEPTH`], more than [`MAX_NODES`] nodes (values and
//! keys), or more than [`MAX_JSON_BYTES`] of text is a [`LoadError`] naming that limit. JSON has no
//! aliases, so the tree's text is never more than the input's: the byte limit is the file limit
//! ([`MAX_FILE_BYTES`](super::file::MAX_FILE_BYTES)), checked here too for text that did not come
//! from a file (standard input). Work and memory are linear in the input.

use std::collections::HashMap;

use super::node::{Entry, Key, Node, NodeKind, ScalarStyle};
use super::{DuplicateKeys, LoadError, MAX_DEPTH, MAX_NODES};
use crate::source::Span;

/// Longest JSON text read: the file limit.
pub const MAX_JSON_BYTES: usize = super::file::MAX_FILE_BYTES as usize;

/// Parses a whole JSON document; a duplicate key is an error.
pub fn parse(text: &str) -> Result<Node, LoadError> {
    let (node, duplicates) = read(text)?;
    match duplicates.into_iter().next() {
        Some(duplicate) => Err(duplicate),
        None => Ok(node),
    }
}

/// Reads a whole JSON document: the tree (the last of duplicate keys wins) and the duplicate keys.
pub fn read(text: &str) -> Result<(Node, Vec<LoadError>), LoadError> {
    if text.len() > MAX_JSON_BYTES {
        return Err(LoadError::new(
            format!(
                "the JSON text is {} bytes, more than iamlint's limit of {} MiB",
                text.len(),
                MAX_JSON_BYTES / (1024 * 1024)
            ),
            Span::at(0),
        ));
    }
    let mut parser = JsonParser {
        text,
        pos: 0,
        nodes: 0,
        duplicates: DuplicateKeys::default(),
    };
    parser.skip_whitespace();
    let node = parser.value(0)?;
    parser.skip_whitespace();
    if parser.pos < text.len() {
        return Err(parser.error_here("unexpected text after the JSON value"));
    }
    Ok((node, parser.duplicates.finish()))
}

struct JsonParser<'t> {
    text: &'t str,
    pos: usize,
    /// Values and keys read so far, against [`MAX_NODES`].
    nodes: usize,
    duplicates: DuplicateKeys,
}

impl JsonParser<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn error_here(&self, message: &str) -> LoadError {
        let end = self
            .text
            .get(self.pos..)
            .and_then(|rest| rest.chars().next())
            .map_or(self.pos, |c| self.pos + c.len_utf8());
        let found = match self.text.get(self.pos..end) {
            Some("") | None => "end of file".to_string(),
            Some(c) => format!("`{c}`"),
        };
        LoadError::new(
            format!("invalid JSON: {message}, found {found}"),
            Span::new(self.pos, end),
        )
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
        // A UTF-8 byte order mark is tolerated at the very start.
        if self.pos == 0 && self.text.starts_with('\u{feff}') {
            self.pos = 3;
            self.skip_whitespace();
        }
    }

    /// Counts one value or key against [`MAX_NODES`].
    fn count_node(&mut self) -> Result<(), LoadError> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            let end = self
                .text
                .get(self.pos..)
                .and_then(|rest| rest.chars().next());
            let span = Span::new(self.pos, self.pos + end.map_or(0, char::len_utf8));
            return Err(LoadError::new(
                format!(
                    "the document has more than {MAX_NODES} nodes (JSON values and keys), iamlint's limit"
                ),
                span,
            ));
        }
        Ok(())
    }

    fn value(&mut self, depth: usize) -> Result<Node, LoadError> {
        if depth >= MAX_DEPTH {
            return Err(self.error_here(&format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        self.count_node()?;
        match self.peek() {
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => {
                let start = self.pos;
                let value = self.string()?;
                Ok(Node::scalar(
                    value,
                    ScalarStyle::Quoted,
                    Span::new(start, self.pos),
                ))
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't') => self.literal("true"),
            Some(b'f') => self.literal("false"),
            Some(b'n') => self.literal("null"),
            _ => Err(self.error_here("expected a value")),
        }
    }

    fn literal(&mut self, word: &str) -> Result<Node, LoadError> {
        let start = self.pos;
        if self
            .text
            .get(start..)
            .is_some_and(|rest| rest.starts_with(word))
        {
            self.pos += word.len();
            Ok(Node::scalar(
                word,
                ScalarStyle::Plain,
                Span::new(start, self.pos),
            ))
        } else {
            Err(self.error_here("expected a value"))
        }
    }

    fn number(&mut self) -> Result<Node, LoadError> {
        let start = self.pos;
        while let Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        let text = self.text.get(start..self.pos).unwrap_or("");
        if text.parse::<f64>().is_err() {
            self.pos = start;
            return Err(self.error_here("invalid number"));
        }
        Ok(Node::scalar(
            text,
            ScalarStyle::Plain,
            Span::new(start, self.pos),
        ))
    }

    fn expect(&mut self, byte: u8, what: &str) -> Result<(), LoadError> {
        self.skip_whitespace();
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error_here(what))
        }
    }

    fn object(&mut self, depth: usize) -> Result<Node, LoadError> {
        let start = self.pos;
        self.pos += 1;
        let mut entries: Vec<Entry> = Vec::new();
        // Each key's first span and the index of its entry.
        let mut seen: HashMap<String, (Span, usize)> = HashMap::new();
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Node {
                kind: NodeKind::Map(entries),
                span: Span::new(start, self.pos),
            });
        }
        loop {
            self.skip_whitespace();
            if self.peek() != Some(b'"') {
                return Err(self.error_here("expected a string key"));
            }
            self.count_node()?;
            let key_start = self.pos;
            let text = self.string()?;
            let key_span = Span::new(key_start, self.pos);
            let first = seen.get(&text).copied();
            self.expect(b':', "expected `:` after the key")?;
            self.skip_whitespace();
            let value = self.value(depth + 1)?;
            let entry = Entry {
                key: Key {
                    text,
                    span: key_span,
                    short_form: false,
                },
                value,
            };
            match first {
                Some((first_span, index)) => {
                    self.duplicates.push(LoadError::duplicate_key(
                        &entry.key.text,
                        key_span,
                        first_span,
                    ));
                    // The last value wins, at the place of the first.
                    if let Some(slot) = entries.get_mut(index) {
                        *slot = entry;
                    }
                }
                None => {
                    seen.insert(entry.key.text.clone(), (key_span, entries.len()));
                    entries.push(entry);
                }
            }
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Node {
                        kind: NodeKind::Map(entries),
                        span: Span::new(start, self.pos),
                    });
                }
                _ => return Err(self.error_here("expected `,` or `}`")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Node, LoadError> {
        let start = self.pos;
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Node {
                kind: NodeKind::Seq(items),
                span: Span::new(start, self.pos),
            });
        }
        loop {
            self.skip_whitespace();
            items.push(self.value(depth + 1)?);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Node {
                        kind: NodeKind::Seq(items),
                        span: Span::new(start, self.pos),
                    });
                }
                _ => return Err(self.error_here("expected `,` or `]`")),
            }
        }
    }

    /// Reads a string starting at the opening quote; leaves `pos` after the closing quote.
    fn string(&mut self) -> Result<String, LoadError> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let rest = self.text.get(self.pos..).unwrap_or("");
            let Some(c) = rest.chars().next() else {
                return Err(self.error_here("unterminated string"));
            };
            match c {
                '"' => {
                    self.pos += 1;
                    return Ok(out);
                }
                '\\' => {
                    self.pos += 1;
                    self.escape(&mut out)?;
                }
                c if (c as u32) < 0x20 => {
                    return Err(self.error_here("control character in a string"));
                }
                c => {
                    out.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
    }

    fn escape(&mut self, out: &mut String) -> Result<(), LoadError> {
        let Some(byte) = self.peek() else {
            return Err(self.error_here("unterminated escape"));
        };
        self.pos += 1;
        match byte {
            b'"' => out.push('"'),
            b'\\' => out.push('\\'),
            b'/' => out.push('/'),
            b'b' => out.push('\u{8}'),
            b'f' => out.push('\u{c}'),
            b'n' => out.push('\n'),
            b'r' => out.push('\r'),
            b't' => out.push('\t'),
            b'u' => {
                let first = self.hex4()?;
                let code = if (0xD800..0xDC00).contains(&first)
                    && self
                        .text
                        .get(self.pos..)
                        .is_some_and(|r| r.starts_with("\\u"))
                {
                    self.pos += 2;
                    let second = self.hex4()?;
                    0x10000 + ((first - 0xD800) << 10) + (second.wrapping_sub(0xDC00) & 0x3FF)
                } else {
                    first
                };
                out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
            }
            _ => {
                self.pos -= 1;
                return Err(self.error_here("invalid escape"));
            }
        }
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32, LoadError> {
        let digits = self.text.get(self.pos..self.pos + 4).unwrap_or("");
        match u32::from_str_radix(digits, 16) {
            Ok(v) if digits.len() == 4 => {
                self.pos += 4;
                Ok(v)
            }
            _ => Err(self.error_here("invalid \\u escape")),
        }
    }
}
