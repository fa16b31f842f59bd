//! `--parameter-file F`: CloudFormation's `[{"ParameterKey": "A", "ParameterValue": "1"}]` (as
//! `aws cloudformation deploy --parameter-overrides file://F` and `create-stack --parameters` read
//! it) or CodePipeline's template configuration `{"Parameters": {"A": "1"}}`. JSON, read with
//! iamlint's own loader so each value has its place (a regular file of at most 16 MiB, like every
//! file a template names); the file joins the source map.

use std::path::Path;

use super::{Source, SuppliedValue};
use crate::load::Node;
use crate::load::file::{DiskFiles, FileSource};
use crate::source::{FileId, Location, SourceFile, SourceMap};

/// The `(name, value)` pairs of the file at `path`, in file order; an error is one line.
pub fn read(sources: &mut SourceMap, path: &Path) -> Result<Vec<(String, SuppliedValue)>, String> {
    let shown = path.display();
    let bytes = DiskFiles
        .read(path)
        .map_err(|reason| format!("--parameter-file {shown}: cannot read: {reason}"))?;
    let (text, encoding) = crate::load::decode(bytes);
    let parsed = match encoding {
        Some(error) => Err(error),
        None => crate::load::json::parse(&text),
    };
    let file = sources.add(SourceFile::new(path, text));
    let fail = |sources: &SourceMap, span: crate::source::Span, message: &str| {
        let at = sources.get(file).map(|f| f.line_col(span.start));
        let (line, column) = at.map_or((1, 1), |a| (a.line, a.column));
        format!("{shown}:{line}:{column}: {message}")
    };
    let root = parsed.map_err(|e| fail(sources, e.span, &e.message))?;
    pairs(file, &root).map_err(|(span, message)| fail(sources, span, &message))
}

type Pairs = Vec<(String, SuppliedValue)>;

fn pairs(file: FileId, root: &Node) -> Result<Pairs, (crate::source::Span, String)> {
    let at = |node: &Node| {
        Some(Location {
            file,
            span: node.span,
        })
    };
    let supplied = |value: &Node| -> Result<SuppliedValue, (crate::source::Span, String)> {
        let text = value
            .as_scalar()
            .map(|s| s.value.clone())
            .ok_or((value.span, "expected a string value".to_string()))?;
        Ok(SuppliedValue {
            value: text,
            source: Source::ParameterFile,
            location: at(value),
        })
    };
    if let Some(items) = root.as_seq() {
        return items
            .iter()
            .map(|item| {
                let key = item.get("ParameterKey").and_then(Node::as_str).ok_or((
                    item.span,
                    "expected {\"ParameterKey\": …, \"ParameterValue\": …}".to_string(),
                ))?;
                let value = item
                    .get("ParameterValue")
                    .ok_or((item.span, format!("`{key}`: no ParameterValue")))?;
                Ok((key.to_string(), supplied(value)?))
            })
            .collect();
    }
    let parameters = root.get("Parameters").and_then(Node::as_map).ok_or((
        root.span,
        "expected a list of {\"ParameterKey\", \"ParameterValue\"} or {\"Parameters\": {…}}"
            .to_string(),
    ))?;
    parameters
        .iter()
        .map(|entry| Ok((entry.key.text.clone(), supplied(&entry.value)?)))
        .collect()
}
