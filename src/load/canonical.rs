//! iamlint's reading of a file as canonical JSON, for the differential test against PyYAML
//! (`tests/pyyaml_diff.rs`; the other side is `tests/pyyaml/tree.py`, which documents the format).
//! Not part of the library's interface.

use serde_json::{Map, Value, json};

use super::node::{Node, NodeKind};
use super::{LoadError, MAX_DEPTH, MAX_NODES, decode, read_document};
use crate::source::SourceFile;

/// `{"tree": ..., "duplicates": [line, ...]}`, `{"error": {"line": n, "message": m}}`, or
/// `{"limit": m}` when only iamlint's resource limits (nesting, alias expansion) stop the file.
#[doc(hidden)]
pub fn canonical_tree(bytes: Vec<u8>, json_file: bool) -> Value {
    let (text, encoding_error) = decode(bytes);
    let source = SourceFile::new("file", text);
    let line = |error: &LoadError| source.line_col(error.span.start).line;
    let read = match encoding_error {
        Some(error) => Err(error),
        None => read_document(&source.text, json_file),
    };
    match read {
        Ok((root, duplicates)) => json!({
            "tree": root.as_ref().map_or(Value::Null, node_value),
            "duplicates": duplicates.iter().map(line).collect::<Vec<_>>(),
        }),
        Err(error) if is_limit(&error) => json!({ "limit": error.message }),
        Err(error) => json!({ "error": { "line": line(&error), "message": error.message } }),
    }
}

fn is_limit(error: &LoadError) -> bool {
    error.message.contains(&format!("{MAX_DEPTH} levels"))
        || error.message.contains(&format!("{MAX_NODES} nodes"))
}

/// A node as JSON: null and booleans as iamlint types them (YAML 1.1), other scalars as `"s:text"`
/// (quoted: a string) or `"p:text"` (plain: a string or a number).
fn node_value(node: &Node) -> Value {
    match &node.kind {
        NodeKind::Scalar(scalar) => {
            if scalar.is_null() {
                Value::Null
            } else if let Some(b) = scalar.as_bool() {
                Value::Bool(b)
            } else if scalar.is_quoted() {
                Value::String(format!("s:{}", scalar.value))
            } else {
                Value::String(format!("p:{}", scalar.value))
            }
        }
        NodeKind::Seq(items) => Value::Array(items.iter().map(node_value).collect()),
        NodeKind::Map(entries) => Value::Object(
            entries
                .iter()
                .map(|e| (e.key.text.clone(), node_value(&e.value)))
                .collect::<Map<_, _>>(),
        ),
    }
}
