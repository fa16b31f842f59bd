//! Loading: bytes → text → [`Node`] tree, for YAML and JSON templates alike.
//!
//! Everything that stops a file from being read as a template is a [`LoadError`] with a span; the
//! caller turns it into a `TPL001` finding and goes on with the other files.

mod canonical;
pub mod copies;
pub mod file;
pub mod json;
pub mod node;
pub mod yaml;

#[doc(hidden)]
pub use canonical::canonical_tree;
pub use node::{Entry, Key, Node, NodeKind, Scalar, ScalarStyle};

use crate::source::Span;

/// Deepest nesting accepted. Real templates stay far below; recursive walks rely on this bound.
pub const MAX_DEPTH: usize = 256;
/// Most nodes one document may have, YAML alias expansion included (JSON: values and keys).
pub const MAX_NODES: usize = 2_000_000;
/// Most duplicate keys reported one by one per document; the rest are one error that counts them, so a
/// file of repeated keys cannot make a finding of every other line.
pub const MAX_DUPLICATE_KEYS: usize = 100;

/// Why a file could not be read as a template, and where.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct LoadError {
    pub message: String,
    pub span: Span,
    /// A second place in the same file (the first occurrence of a duplicate key).
    pub related: Option<(Span, String)>,
    /// A key written twice in one mapping: the file is still read (the last value wins).
    pub duplicate_key: bool,
}

impl LoadError {
    pub fn new(message: impl Into<String>, span: Span) -> Self {
        LoadError {
            message: message.into(),
            span,
            related: None,
            duplicate_key: false,
        }
    }

    /// `key` written again at `span`, first at `first`.
    pub fn duplicate_key(key: &str, span: Span, first: Span) -> Self {
        LoadError {
            duplicate_key: true,
            ..LoadError::new(format!("duplicate key `{key}`"), span)
                .with_related(first, "first defined here")
        }
    }

    pub fn with_related(mut self, span: Span, message: impl Into<String>) -> Self {
        self.related = Some((span, message.into()));
        self
    }
}

/// The duplicate keys of one document: the first [`MAX_DUPLICATE_KEYS`] as they are, then only counted.
#[derive(Debug, Default)]
pub(crate) struct DuplicateKeys {
    listed: Vec<LoadError>,
    /// How many were not listed, and where the first of them is.
    unlisted: usize,
    first_unlisted: Option<Span>,
}

impl DuplicateKeys {
    pub(crate) fn push(&mut self, error: LoadError) {
        if self.listed.len() < MAX_DUPLICATE_KEYS {
            self.listed.push(error);
        } else {
            self.unlisted += 1;
            self.first_unlisted.get_or_insert(error.span);
        }
    }

    /// The listed duplicates, then one error for the unlisted ones (if any).
    pub(crate) fn finish(self) -> Vec<LoadError> {
        let mut errors = self.listed;
        if let Some(span) = self.first_unlisted {
            errors.push(LoadError {
                duplicate_key: true,
                ..LoadError::new(
                    format!(
                        "{} more duplicate keys, from here on (only the first {MAX_DUPLICATE_KEYS} are listed)",
                        self.unlisted
                    ),
                    span,
                )
            });
        }
        errors
    }
}

/// Decodes bytes as UTF-8, or as UTF-16 when they start with a UTF-16 byte order mark (PyYAML,
/// which SAM CLI reads templates with, reads both). Invalid bytes give the lossy text plus an error
/// at the first bad character.
pub fn decode(bytes: Vec<u8>) -> (String, Option<LoadError>) {
    if let Some(utf16) = utf16_of(&bytes) {
        return decode_utf16(utf16);
    }
    match String::from_utf8(bytes) {
        Ok(text) => (text, None),
        Err(error) => {
            let at = error.utf8_error().valid_up_to();
            let bytes = error.into_bytes();
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let error = LoadError::new(
                "the file is not valid UTF-8 (CloudFormation reads templates as UTF-8)",
                Span::new(at, at + '\u{fffd}'.len_utf8()),
            );
            (text, Some(error))
        }
    }
}

/// The UTF-16 code units of bytes that start with a UTF-16 byte order mark (the mark kept, as a
/// UTF-8 file's is: the loaders skip it).
fn utf16_of(bytes: &[u8]) -> Option<Vec<u16>> {
    let from: fn([u8; 2]) -> u16 = match bytes {
        [0xFF, 0xFE, ..] => u16::from_le_bytes,
        [0xFE, 0xFF, ..] => u16::from_be_bytes,
        _ => return None,
    };
    let chunks = bytes.chunks_exact(2);
    let odd = !chunks.remainder().is_empty();
    let mut units: Vec<u16> = chunks
        .map(|pair| match pair {
            [first, second] => from([*first, *second]),
            _ => 0xD800,
        })
        .collect();
    if odd {
        // A lone last byte: decoded as an unpaired surrogate, so it is reported.
        units.push(0xD800);
    }
    Some(units)
}

/// UTF-16 code units as text; an unpaired surrogate is replaced and reported.
fn decode_utf16(units: Vec<u16>) -> (String, Option<LoadError>) {
    let mut text = String::with_capacity(units.len());
    let mut error = None;
    for unit in char::decode_utf16(units) {
        match unit {
            Ok(c) => text.push(c),
            Err(_) => {
                let at = text.len();
                error.get_or_insert_with(|| {
                    LoadError::new(
                        "the file is not valid UTF-16 (an unpaired surrogate)",
                        Span::new(at, at + '\u{fffd}'.len_utf8()),
                    )
                });
                text.push('\u{fffd}');
            }
        }
    }
    (text, error)
}

/// A template's tree, and what was wrong in it that did not stop it from being read.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    pub root: Node,
    /// Duplicate keys: TPL001 errors, though the tree is complete (the last value of each key wins,
    /// as PyYAML, SAM and CloudFormation's JSON reader take it).
    pub errors: Vec<LoadError>,
}

/// Reads a template's text: JSON for `.json` files and for text that starts with `{` or `[` (falling
/// back to YAML, of which JSON-like flow mappings are a part, for other files); else YAML. The top
/// level must be a mapping.
pub fn read_template(text: &str, json_file: bool) -> Result<Loaded, LoadError> {
    let (root, errors) = read_document(text, json_file)?;
    let Some(root) = root else {
        return Err(LoadError::new(
            "the file is empty; a template is a mapping with a `Resources` section",
            Span::at(0),
        ));
    };
    if !root.is_map() {
        return Err(LoadError::new(
            format!(
                "the top level of a template must be a mapping, not {}",
                root.kind_name()
            ),
            root.span,
        ));
    }
    Ok(Loaded { root, errors })
}

/// Parses a document a template includes (an OpenAPI file): JSON or YAML as for a template, any
/// top-level value; `None` when the file holds no document. A duplicate key is an error here.
pub fn parse_included(text: &str, json_file: bool) -> Result<Option<Node>, LoadError> {
    let (root, errors) = read_document(text, json_file)?;
    match errors.into_iter().next() {
        Some(error) => Err(error),
        None => Ok(root),
    }
}

/// Like [`read_template`], but a duplicate key is an error.
pub fn parse_template(text: &str, json_file: bool) -> Result<Node, LoadError> {
    let loaded = read_template(text, json_file)?;
    match loaded.errors.into_iter().next() {
        Some(error) => Err(error),
        None => Ok(loaded.root),
    }
}

/// A document's tree (`None` when empty) and its duplicate keys.
fn read_document(text: &str, json_file: bool) -> Result<(Option<Node>, Vec<LoadError>), LoadError> {
    let body = text.trim_start_matches('\u{feff}').trim_start();
    let from_yaml = |d: yaml::Document| (d.root, d.duplicates);
    if json_file && body.starts_with(['{', '[']) {
        return json::read(text).map(|(root, duplicates)| (Some(root), duplicates));
    }
    if body.starts_with(['{', '[']) {
        match json::read(text) {
            Ok((root, duplicates)) => return Ok((Some(root), duplicates)),
            // A YAML flow mapping also starts with `{`: take YAML's reading if it has one.
            Err(json_error) => return yaml::read(text).map(from_yaml).map_err(|_| json_error),
        }
    }
    yaml::read(text).map(from_yaml)
}

/// The top-level keys that make a mapping a template ([`is_template`]).
pub const TEMPLATE_KEYS: [&str; 3] = ["Resources", "AWSTemplateFormatVersion", "Transform"];

/// What a discovered file's text says, before parsing, of whether it may be a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Likeness {
    /// No key of [`TEMPLATE_KEYS`] can be in it: its text holds none and no escape could spell one.
    No,
    /// The text holds the name of a key of [`TEMPLATE_KEYS`]: parsed, and reported if it fails.
    Named,
    /// Only an escape could spell a key (`"\x52esources"` in YAML, `"\u0052esources"` in JSON,
    /// a line continuation in a double-quoted key): parsed, and a template only if its keys say so.
    Escaped,
}

/// The text test before parsing. It only rules out files that cannot hold a template key: a key
/// is spelt in the text, or through escapes, which need a backslash (YAML's single quotes, aliases,
/// merge keys and tags all keep the name itself in the text).
pub fn likeness(text: &str) -> Likeness {
    if TEMPLATE_KEYS.iter().any(|key| text.contains(key)) {
        Likeness::Named
    } else if text.contains('\\') {
        Likeness::Escaped
    } else {
        Likeness::No
    }
}

/// Whether a file's bytes, decoded as [`decode`] does, may be a template (see [`likeness`]).
pub fn bytes_may_be_template(bytes: &[u8]) -> bool {
    match std::str::from_utf8(bytes) {
        Ok(text) => may_be_template(text),
        Err(_) => may_be_template(&decode(bytes.to_vec()).0),
    }
}

/// Whether a discovered file's text may be a template (see [`likeness`]).
pub fn may_be_template(text: &str) -> bool {
    likeness(text) != Likeness::No
}

/// Whether a discovered file's text is a template: it parses, and its top-level keys say so.
pub fn is_template_text(text: &str, json_file: bool) -> bool {
    may_be_template(text) && read_template(text, json_file).is_ok_and(|l| is_template(&l.root))
}

/// Whether a parsed top-level mapping is a CloudFormation/SAM template.
pub fn is_template(root: &Node) -> bool {
    TEMPLATE_KEYS.iter().any(|key| root.get(key).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_template_yaml(text: &str) -> Result<Node, LoadError> {
        parse_template(text, false)
    }

    fn load(text: &str) -> Node {
        parse_template(text, false).unwrap()
    }

    #[test]
    fn short_tags_become_long_form_with_tag_spans() {
        let text = "A: !Ref X\nB: !GetAtt Res.Arn\n";
        let root = load(text);
        let (key, value) = root.get("A").unwrap().as_intrinsic().unwrap();
        assert_eq!(key.text, "Ref");
        assert_eq!(&text[key.span.start..key.span.end], "!Ref");
        assert_eq!(value.as_str(), Some("X"));
        let (key, value) = root.get("B").unwrap().as_intrinsic().unwrap();
        assert_eq!(key.text, "Fn::GetAtt");
        let parts = value.as_seq().unwrap();
        assert_eq!(&text[parts[0].span.start..parts[0].span.end], "Res");
        assert_eq!(&text[parts[1].span.start..parts[1].span.end], "Arn");
    }

    #[test]
    fn every_short_tag_is_recognised() {
        for tag in [
            "Ref",
            "Sub",
            "GetAtt",
            "ImportValue",
            "Join",
            "Select",
            "Split",
            "If",
            "Equals",
            "And",
            "Or",
            "Not",
            "FindInMap",
            "Base64",
            "Cidr",
            "GetAZs",
            "Condition",
            "Transform",
            "ToJsonString",
            "Length",
        ] {
            let root = load(&format!("A: !{tag} x\n"));
            let (key, _) = root.get("A").unwrap().as_intrinsic().unwrap();
            let expected = if tag == "Ref" || tag == "Condition" {
                tag.to_string()
            } else {
                format!("Fn::{tag}")
            };
            assert_eq!(key.text, expected);
            assert!(key.short_form);
        }
    }

    #[test]
    fn duplicate_keys_point_at_the_second() {
        let text = "A: 1\nB: 2\nA: 3\n";
        let err = parse_template_yaml(text).unwrap_err();
        assert_eq!(err.span.start, text.rfind('A').unwrap());
        assert_eq!(err.related.unwrap().0.start, 0);
        let json = "{\"A\": 1,\n \"A\": 2}";
        let err = parse_template(json, true).unwrap_err();
        assert_eq!(err.span.start, json.rfind("\"A\"").unwrap());
    }

    #[test]
    fn spans_are_bytes_after_multibyte_text() {
        let text = "# 日本語のコメント\nA: \"値\"\nB: !Sub 'x-${Y}'\n";
        let root = load(text);
        let b = root.get("B").unwrap();
        assert_eq!(&text[b.span.start..b.span.end], "!Sub 'x-${Y}'");
        let a = root.get("A").unwrap();
        assert_eq!(&text[a.span.start..a.span.end], "\"値\"");
    }

    #[test]
    fn top_level_must_be_a_mapping() {
        assert!(
            parse_template_yaml("- a\n- b\n")
                .unwrap_err()
                .message
                .contains("a list")
        );
        assert!(
            parse_template_yaml("")
                .unwrap_err()
                .message
                .contains("empty")
        );
        assert!(
            parse_template_yaml("# only a comment\n")
                .unwrap_err()
                .message
                .contains("empty")
        );
    }

    #[test]
    fn deep_nesting_and_alias_bombs_are_errors() {
        let deep = format!("A: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
        assert!(
            parse_template_yaml(&deep)
                .unwrap_err()
                .message
                .contains("nesting")
        );
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
        for (prev, name) in ["a", "b", "c", "d", "e", "f", "g", "h"]
            .iter()
            .zip(["b", "c", "d", "e", "f", "g", "h", "i"])
        {
            bomb.push_str(&format!("{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        }
        assert!(
            parse_template_yaml(&bomb)
                .unwrap_err()
                .message
                .contains("nodes")
        );
    }

    #[test]
    fn merge_keys_apply() {
        let root = load("base: &b {X: 1, Y: 2}\nthing:\n  <<: *b\n  Y: 3\n");
        let thing = root.get("thing").unwrap();
        assert_eq!(thing.get("X").unwrap().as_str(), Some("1"));
        assert_eq!(thing.get("Y").unwrap().as_str(), Some("3"));
    }

    #[test]
    fn invalid_utf8_is_located() {
        let (_, err) = decode(b"a: 1\nb: \xff\n".to_vec());
        assert_eq!(err.unwrap().span.start, 8);
    }

    #[test]
    fn utf16_with_a_byte_order_mark_is_decoded() {
        let text = "\u{feff}Resources: {}\n";
        let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(decode(le), (text.to_string(), None));
        assert_eq!(decode(be), (text.to_string(), None));
        let (_, error) = decode(vec![0xFF, 0xFE, b'A', 0, 0x00, 0xDC]);
        assert_eq!(error.unwrap().span.start, 4);
    }

    #[test]
    fn escaped_keys_are_not_ruled_out() {
        assert_eq!(likeness("Resources: {}"), Likeness::Named);
        assert_eq!(likeness("\"\\x52esources\": {}"), Likeness::Escaped);
        assert_eq!(likeness("name: x\n"), Likeness::No);
        assert!(is_template_text("\"\\x52esources\": {}\n", false));
        assert!(is_template_text("{\"\\u0052esources\": {}}", true));
        assert!(!is_template_text("a: \"\\x41\"\n", false));
    }

    #[test]
    fn json_errors_are_located() {
        let text = "{\n  \"A\": 1,\n}";
        let err = parse_template(text, true).unwrap_err();
        assert_eq!(err.span.start, text.rfind('}').unwrap());
    }
}
