//! `samconfig.toml` / `samconfig.yaml`: the parameters `sam deploy --config-env NAME` deploys with.
//!
//! The file in the template's folder (SAM CLI's default place), read once per folder. Of
//! environment `NAME`, the `global.parameters` and `deploy.parameters` tables, `deploy` winning key
//! by key as SAM CLI merges them; of those, `parameter_overrides` (the string form
//! `"A=1 B=\"x y\""`, split like a shell, with `Key=Value` or `ParameterKey=K,ParameterValue=V`
//! pairs; or a list of `Key=Value` items) and `template_file` (relative to the samconfig's folder;
//! without it `template.yaml`/`template.yml` beside it): only that template gets the values.
//! TOML is read with toml_edit (spans kept), YAML with iamlint's loader. The file is read through
//! the repository boundary: a `samconfig.toml` that links outside the checked root is an error line
//! ("outside the repository, not read"), and one that does not parse is reported by place only.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::{Source, SuppliedValue};
use crate::load::Node;
use crate::load::file::FileSource;
use crate::source::{FileId, Location, SourceFile, SourceMap, Span};

/// The file names looked for, in SAM CLI's order.
const FILE_NAMES: [&str; 3] = ["samconfig.toml", "samconfig.yaml", "samconfig.yml"];
/// The templates `sam deploy` picks without `template_file`.
const DEFAULT_TEMPLATES: [&str; 2] = ["template.yaml", "template.yml"];
/// The command sections read, the later winning.
const SECTIONS: [&str; 2] = ["global", "deploy"];

/// A value of a `parameters` table.
#[derive(Debug, Clone)]
enum SamValue {
    /// A string; `inner` is the span of its text when it is written without escapes.
    Str {
        text: String,
        span: Span,
        inner: Option<Span>,
    },
    List(Vec<(String, Span)>),
    Other,
}

/// One environment: its `global` and `deploy` parameters, `(key, value)` each.
#[derive(Debug, Clone, Default)]
struct Environment {
    name: String,
    sections: Vec<(String, Vec<(String, SamValue)>)>,
}

impl Environment {
    /// A key of the `deploy` section, else of `global`.
    fn get(&self, key: &str) -> Option<&SamValue> {
        SECTIONS.iter().rev().find_map(|section| {
            self.sections
                .iter()
                .filter(|(name, _)| name == section)
                .flat_map(|(_, entries)| entries.iter())
                .rev()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v)
        })
    }
}

/// One samconfig file, read.
#[derive(Debug, Clone)]
struct Samconfig {
    file: FileId,
    path: PathBuf,
    environments: Vec<Environment>,
    /// The unknown-environment error was already given.
    reported: bool,
}

/// The samconfig of each template folder, read once.
#[derive(Debug, Default)]
pub struct Samconfigs {
    by_folder: HashMap<PathBuf, Option<Samconfig>>,
}

impl Samconfigs {
    /// Whether any template folder had a samconfig.
    pub fn any_found(&self) -> bool {
        // A file that is there but not read (outside the repository, invalid) was reported already.
        self.by_folder
            .keys()
            .any(|folder| FILE_NAMES.iter().any(|name| folder.join(name).is_file()))
    }

    /// The values environment `env` gives the template at `template`, if its folder's samconfig
    /// deploys it. An unknown environment or an unreadable file is an error (given once per file).
    pub fn values_for(
        &mut self,
        sources: &mut SourceMap,
        files: &dyn FileSource,
        template: &Path,
        env: &str,
        errors: &mut Vec<String>,
    ) -> Vec<(String, SuppliedValue)> {
        let folder = template.parent().map(Path::to_path_buf).unwrap_or_default();
        let samconfig = self
            .by_folder
            .entry(folder.clone())
            .or_insert_with(|| read(sources, files, &folder, errors));
        let Some(samconfig) = samconfig else {
            return Vec::new();
        };
        let Some(environment) = samconfig.environments.iter().find(|e| e.name == env) else {
            if !samconfig.reported {
                samconfig.reported = true;
                errors.push(unknown_environment(samconfig, env));
            }
            return Vec::new();
        };
        if !deploys(&folder, environment, template) {
            return Vec::new();
        }
        let file = samconfig.file;
        match environment.get("parameter_overrides") {
            Some(value) => overrides(value)
                .into_iter()
                .map(|(name, value, span)| {
                    let location = Some(Location { file, span });
                    (
                        name,
                        SuppliedValue {
                            value,
                            source: Source::Samconfig,
                            location,
                        },
                    )
                })
                .collect(),
            None => Vec::new(),
        }
    }
}

fn unknown_environment(samconfig: &Samconfig, env: &str) -> String {
    let names: Vec<&str> = samconfig
        .environments
        .iter()
        .map(|e| e.name.as_str())
        .collect();
    let suggestion = super::closest(
        env,
        names.iter().copied(),
        &crate::suggest::Budget::default(),
    )
    .map(|n| format!("; did you mean `{n}`?"))
    .unwrap_or_default();
    format!(
        "--config-env {env}: {} has no environment `{env}` (it has: {}){suggestion}",
        samconfig.path.display(),
        names.join(", ")
    )
}

/// Whether `environment`'s `template_file` (or SAM's default template) is `template`.
fn deploys(folder: &Path, environment: &Environment, template: &Path) -> bool {
    let same = |candidate: &Path| match (
        std::fs::canonicalize(candidate),
        std::fs::canonicalize(template),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => candidate == template,
    };
    match environment.get("template_file") {
        Some(SamValue::Str { text, .. }) => same(&folder.join(text)),
        _ => DEFAULT_TEMPLATES
            .iter()
            .map(|name| folder.join(name))
            .find(|p| p.is_file())
            .is_some_and(|p| same(&p)),
    }
}

/// The first samconfig file in `folder`, read through `files` (the repository boundary) and added
/// to the source map. One that does not parse is not added, and its error says where, not what (a
/// parser's message may quote the file).
fn read(
    sources: &mut SourceMap,
    files: &dyn FileSource,
    folder: &Path,
    errors: &mut Vec<String>,
) -> Option<Samconfig> {
    let path = FILE_NAMES
        .iter()
        .map(|name| folder.join(name))
        .find(|p| p.is_file())?;
    let bytes = match files.read(&path) {
        Ok(bytes) => bytes,
        Err(reason) => {
            errors.push(format!("cannot read {}: {reason}", path.display()));
            return None;
        }
    };
    let (text, _) = crate::load::decode(bytes);
    let is_toml = path.extension().is_some_and(|e| e == "toml");
    let parsed = if is_toml {
        parse_toml(&text)
    } else {
        parse_yaml(&text)
    };
    match parsed {
        Ok(environments) => Some(Samconfig {
            file: sources.add(SourceFile::new(&path, text)),
            path,
            environments,
            reported: false,
        }),
        Err((span, _)) => {
            let at = SourceFile::new(&path, text).line_col(span.start);
            let format = if is_toml { "TOML" } else { "YAML" };
            errors.push(format!(
                "{}:{}:{}: not valid {format}",
                path.display(),
                at.line,
                at.column
            ));
            None
        }
    }
}

fn span_of(range: Option<std::ops::Range<usize>>) -> Span {
    range.map_or_else(Span::default, |r| Span::new(r.start, r.end))
}

fn parse_toml(text: &str) -> Result<Vec<Environment>, (Span, String)> {
    let document = toml_edit::Document::parse(text)
        .map_err(|e| (span_of(e.span()), e.message().to_string()))?;
    let mut environments = Vec::new();
    for (name, item) in document.as_table().iter() {
        let Some(commands) = item.as_table_like() else {
            continue;
        };
        let mut environment = Environment {
            name: name.to_string(),
            ..Environment::default()
        };
        for (command, item) in commands.iter() {
            let parameters = item
                .as_table_like()
                .and_then(|t| t.get("parameters"))
                .and_then(toml_edit::Item::as_table_like);
            let Some(parameters) = parameters else {
                continue;
            };
            let entries = parameters
                .iter()
                .map(|(key, item)| (key.to_string(), toml_value(text, item)))
                .collect();
            environment.sections.push((command.to_string(), entries));
        }
        environments.push(environment);
    }
    Ok(environments)
}

fn toml_value(text: &str, item: &toml_edit::Item) -> SamValue {
    let Some(value) = item.as_value() else {
        return SamValue::Other;
    };
    if let Some(s) = value.as_str() {
        let span = span_of(value.span());
        return SamValue::Str {
            text: s.to_string(),
            span,
            inner: inner_span(text, span, s),
        };
    }
    match value.as_array() {
        Some(items) => SamValue::List(
            items
                .iter()
                .filter_map(|v| Some((v.as_str()?.to_string(), span_of(v.span()))))
                .collect(),
        ),
        None => SamValue::Other,
    }
}

/// The span of a string's text inside its quotes, when the file writes it without escapes.
fn inner_span(text: &str, span: Span, value: &str) -> Option<Span> {
    let raw = text.get(span.start..span.end)?;
    let quote = raw.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let body = raw.strip_prefix(quote)?.strip_suffix(quote)?;
    (body == value).then(|| Span::new(span.start + 1, span.end - 1))
}

fn parse_yaml(text: &str) -> Result<Vec<Environment>, (Span, String)> {
    let root = crate::load::yaml::parse(text).map_err(|e| (e.span, e.message))?;
    let Some(root) = root else {
        return Ok(Vec::new());
    };
    let mut environments = Vec::new();
    for entry in root.as_map().unwrap_or(&[]) {
        let Some(commands) = entry.value.as_map() else {
            continue;
        };
        let mut environment = Environment {
            name: entry.key.text.clone(),
            ..Environment::default()
        };
        for command in commands {
            let Some(parameters) = command.value.get("parameters").and_then(Node::as_map) else {
                continue;
            };
            let entries = parameters
                .iter()
                .map(|p| (p.key.text.clone(), yaml_value(text, &p.value)))
                .collect();
            environment
                .sections
                .push((command.key.text.clone(), entries));
        }
        environments.push(environment);
    }
    Ok(environments)
}

fn yaml_value(text: &str, node: &Node) -> SamValue {
    if let Some(scalar) = node.as_scalar() {
        return SamValue::Str {
            text: scalar.value.clone(),
            span: node.span,
            inner: inner_span(text, node.span, &scalar.value).or_else(|| {
                (text.get(node.span.start..node.span.end) == Some(scalar.value.as_str()))
                    .then_some(node.span)
            }),
        };
    }
    match node.as_seq() {
        Some(items) => SamValue::List(
            items
                .iter()
                .filter_map(|n| Some((n.as_scalar()?.value.clone(), n.span)))
                .collect(),
        ),
        None => SamValue::Other,
    }
}

/// `parameter_overrides` as `(name, value, span)`: the pair's own span when it can be told, else
/// the whole value's.
fn overrides(value: &SamValue) -> Vec<(String, String, Span)> {
    match value {
        SamValue::Str { text, span, inner } => split_shell(text)
            .into_iter()
            .filter_map(|(token, start, end)| {
                let (name, value) = pair(&token)?;
                let at = inner.map_or(*span, |i| Span::new(i.start + start, i.start + end));
                Some((name, value, at))
            })
            .collect(),
        SamValue::List(items) => items
            .iter()
            .filter_map(|(item, span)| {
                let (name, value) = pair(item)?;
                Some((name, unquote(&value), *span))
            })
            .collect(),
        SamValue::Other => Vec::new(),
    }
}

/// `Key=Value` or `ParameterKey=Key,ParameterValue=Value`.
fn pair(token: &str) -> Option<(String, String)> {
    if let Some(rest) = token.strip_prefix("ParameterKey=")
        && let Some((name, value)) = rest.split_once(",ParameterValue=")
    {
        return Some((name.to_string(), value.to_string()));
    }
    let (name, value) = token.split_once('=')?;
    let name = name.trim();
    (!name.is_empty()).then(|| (name.to_string(), value.to_string()))
}

fn unquote(value: &str) -> String {
    for quote in ['"', '\''] {
        if let Some(inner) = value
            .strip_prefix(quote)
            .and_then(|v| v.strip_suffix(quote))
        {
            return inner.to_string();
        }
    }
    value.to_string()
}

/// Splits like a POSIX shell (`shlex.split`): whitespace separates words; `"…"` (with `\"` and
/// `\\`), `'…'` and `\x` quote. Each word with its byte range in `text`.
pub(crate) fn split_shell(text: &str) -> Vec<(String, usize, usize)> {
    let mut words = Vec::new();
    let mut current: Option<(String, usize)> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if c.is_whitespace() {
            if let Some((word, start)) = current.take() {
                words.push((word, start, at));
            }
            continue;
        }
        let (word, _) = current.get_or_insert_with(|| (String::new(), at));
        match c {
            '\'' => {
                for (_, c) in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    word.push(c);
                }
            }
            '"' => {
                while let Some((_, c)) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' if matches!(chars.peek(), Some((_, '"' | '\\' | '$' | '`'))) => {
                            if let Some((_, escaped)) = chars.next() {
                                word.push(escaped);
                            }
                        }
                        _ => word.push(c),
                    }
                }
            }
            '\\' => {
                if let Some((_, escaped)) = chars.next() {
                    word.push(escaped);
                }
            }
            _ => word.push(c),
        }
    }
    if let Some((word, start)) = current {
        words.push((word, start, text.len()));
    }
    words
}
