//! YAML → [`Node`], built from saphyr-parser's event stream.
//!
//! Building the tree ourselves (instead of saphyr's `MarkedYaml`) gives what a linter needs: byte spans
//! for every node and key (tagged nodes included), the quoting style of scalars, duplicate keys as errors,
//! a nesting limit, bounded alias expansion, and CloudFormation short-form tags rewritten to long form.
//! The builder is iterative, so no input can overflow the stack.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle as YamlStyle, Span as YamlSpan, Tag};

use super::node::{Entry, Key, Node, NodeKind, ScalarStyle};
use super::{LoadError, MAX_DEPTH, MAX_NODES};
use crate::source::{CharToByte, Span};

/// Parses one YAML document. An empty stream gives `Ok(None)`.
pub fn parse(text: &str) -> Result<Option<Node>, LoadError> {
    let positions = CharToByte::new(text);
    let mut builder = Builder {
        text,
        positions: &positions,
        stack: Vec::new(),
        anchors: HashMap::new(),
        nodes: 0,
        root: None,
        documents: 0,
    };
    let mut parser = Parser::new_from_str(text);
    while let Some(next) = parser.next_event() {
        match next {
            Ok((event, span)) => {
                if builder.on_event(event, span)? {
                    break;
                }
            }
            Err(error) => {
                let at = positions.byte(error.marker().index());
                let message = match error.info() {
                    // saphyr-parser's own depth limit, met before ours on flow collections.
                    "recursion limit exceeded" => format!("nesting deeper than {MAX_DEPTH} levels"),
                    info => format!("invalid YAML: {info}"),
                };
                return Err(LoadError::new(
                    message,
                    Span::new(at, next_char_end(text, at)),
                ));
            }
        }
    }
    Ok(builder.root)
}

/// The span of one character at `at` (empty at the end of the text).
fn next_char_end(text: &str, at: usize) -> usize {
    text.get(at..)
        .and_then(|rest| rest.chars().next())
        .map_or(at, |c| at + c.len_utf8())
}

struct Builder<'t> {
    text: &'t str,
    positions: &'t CharToByte<'t>,
    stack: Vec<Frame>,
    /// Anchored nodes with their sizes and depths (counted against `MAX_NODES` and `MAX_DEPTH` at
    /// every alias).
    anchors: HashMap<usize, Anchored>,
    nodes: usize,
    root: Option<Node>,
    documents: usize,
}

struct Anchored {
    node: Node,
    size: usize,
    depth: usize,
}

enum Container {
    Seq(Vec<Node>),
    Map {
        entries: Vec<Entry>,
        pending_key: Option<Key>,
        seen: HashMap<String, Span>,
    },
}

struct Frame {
    container: Container,
    start: usize,
    tag: Option<Tag>,
    anchor: usize,
}

impl Builder<'_> {
    fn span(&self, span: YamlSpan) -> Span {
        Span::new(
            self.positions.byte(span.start.index()),
            self.positions.byte(span.end.index()),
        )
    }

    /// Handles one event; `Ok(true)` stops the stream (a second document).
    fn on_event(&mut self, event: Event<'_>, yaml_span: YamlSpan) -> Result<bool, LoadError> {
        let span = self.span(yaml_span);
        match event {
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(LoadError::new(
                        "a template file holds one YAML document; this is a second one",
                        span,
                    ));
                }
            }
            Event::Scalar(value, style, anchor, tag) => {
                let style = scalar_style(style, tag.as_deref());
                let mut text = value.into_owned();
                text.shrink_to_fit();
                let node = Node::scalar(text, style, span);
                let node = self.apply_tag(node, tag.as_deref(), span);
                self.finish_node(node, anchor)?;
            }
            Event::SequenceStart(anchor, tag) => self.open(
                Container::Seq(Vec::new()),
                span,
                tag.map(|t| t.into_owned()),
                anchor,
            )?,
            Event::MappingStart(anchor, tag) => self.open(
                Container::Map {
                    entries: Vec::new(),
                    pending_key: None,
                    seen: HashMap::new(),
                },
                span,
                tag.map(|t| t.into_owned()),
                anchor,
            )?,
            Event::SequenceEnd | Event::MappingEnd => self.close(span)?,
            Event::Alias(id) => {
                let Some((size, depth)) = self.anchors.get(&id).map(|a| (a.size, a.depth)) else {
                    return Err(LoadError::new("alias to an unknown anchor", span));
                };
                if self.stack.len() + depth > MAX_DEPTH {
                    return Err(LoadError::new(
                        format!("this alias nests the document deeper than {MAX_DEPTH} levels"),
                        span,
                    ));
                }
                self.count(size, span)?;
                let Some(mut node) = self.anchors.get(&id).map(|a| a.node.clone()) else {
                    return Err(LoadError::new("alias to an unknown anchor", span));
                };
                node.span = span;
                self.finish_node(node, 0)?;
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
        Ok(false)
    }

    fn count(&mut self, nodes: usize, span: Span) -> Result<(), LoadError> {
        self.nodes = self.nodes.saturating_add(nodes);
        if self.nodes > MAX_NODES {
            return Err(LoadError::new(
                format!(
                    "the document expands to more than {MAX_NODES} nodes (YAML aliases that multiply?)"
                ),
                span,
            ));
        }
        Ok(())
    }

    fn open(
        &mut self,
        container: Container,
        span: Span,
        tag: Option<Tag>,
        anchor: usize,
    ) -> Result<(), LoadError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(LoadError::new(
                format!("nesting deeper than {MAX_DEPTH} levels"),
                span,
            ));
        }
        self.stack.push(Frame {
            container,
            start: span.start,
            tag,
            anchor,
        });
        Ok(())
    }

    fn close(&mut self, end_span: Span) -> Result<(), LoadError> {
        let Some(frame) = self.stack.pop() else {
            return Ok(());
        };
        let (kind, last_end) = match frame.container {
            // Collections are kept for the whole run: no spare capacity.
            Container::Seq(mut items) => {
                items.shrink_to_fit();
                let last = items.last().map(|n| n.span.end);
                (NodeKind::Seq(items), last)
            }
            Container::Map { entries, .. } => {
                let last = entries.last().map(|e| e.value.span.end.max(e.key.span.end));
                let mut entries = merge_keys(entries);
                entries.shrink_to_fit();
                (NodeKind::Map(entries), last)
            }
        };
        // Flow collections end at their closing bracket; block collections end at their last child
        // (the end event of a block collection points at whatever token follows it).
        let end = if end_span.is_empty() {
            last_end.unwrap_or(end_span.start).max(frame.start)
        } else {
            end_span.end
        };
        let span = Span::new(frame.start, end);
        let node = Node { kind, span };
        let node = self.apply_tag(node, frame.tag.as_ref(), span);
        self.finish_node(node, frame.anchor)
    }

    /// Puts a finished node into its parent (or makes it the root).
    fn finish_node(&mut self, node: Node, anchor: usize) -> Result<(), LoadError> {
        self.count(1, node.span)?;
        if anchor != 0 {
            // Keeping a copy costs as much as the nodes themselves: count it.
            let size = node.size();
            self.count(size, node.span)?;
            let depth = node.depth();
            self.anchors.insert(
                anchor,
                Anchored {
                    node: node.clone(),
                    size,
                    depth,
                },
            );
        }
        let Some(parent) = self.stack.last_mut() else {
            self.root = Some(node);
            return Ok(());
        };
        match &mut parent.container {
            Container::Seq(items) => items.push(node),
            Container::Map {
                entries,
                pending_key,
                seen,
            } => match pending_key.take() {
                None => {
                    let key = key_of(node)?;
                    if let Some(first) = seen.get(&key.text) {
                        return Err(LoadError::new(
                            format!("duplicate key `{}`", key.text),
                            key.span,
                        )
                        .with_related(*first, "first defined here"));
                    }
                    seen.insert(key.text.clone(), key.span);
                    *pending_key = Some(key);
                }
                Some(key) => entries.push(Entry { key, value: node }),
            },
        }
        Ok(())
    }

    /// Rewrites a CloudFormation short-form tag into its long form; other tags are dropped. The key
    /// points at the tag (`!Sub`), the value at what follows it.
    fn apply_tag(&self, node: Node, tag: Option<&Tag>, span: Span) -> Node {
        let Some(tag) = tag else { return node };
        if tag.handle != "!" || tag.suffix.is_empty() {
            return node;
        }
        let name = long_form_name(&tag.suffix);
        // An anchor may stand before the tag (`&a !Ref X`): find the tag itself.
        let raw = self.text.get(span.start..span.end).unwrap_or("");
        let written = format!("!{}", tag.suffix);
        let tag_start = raw.find(&written).map_or(span.start, |at| span.start + at);
        let tag_end = (tag_start + written.len()).min(span.end.max(tag_start));
        let value_start = self.text.get(tag_end..span.end).map_or(tag_end, |rest| {
            tag_end + (rest.len() - rest.trim_start().len())
        });
        let mut value = node;
        value.span = Span::new(value_start.min(span.end), span.end);
        if name == "Fn::GetAtt" {
            value = split_getatt(value, self.text);
        }
        Node {
            kind: NodeKind::Map(vec![Entry {
                key: Key {
                    text: name,
                    span: Span::new(tag_start, tag_end),
                    short_form: true,
                },
                value,
            }]),
            span,
        }
    }
}

/// `!Ref` → `Ref`, `!Condition` → `Condition`, `!Sub` → `Fn::Sub` (and `!Foo` → `Fn::Foo`, reported later).
fn long_form_name(suffix: &str) -> String {
    match suffix {
        "Ref" | "Condition" => suffix.to_string(),
        _ => format!("Fn::{suffix}"),
    }
}

/// `!GetAtt Res.Attr` → `[Res, Attr]` (split at the first dot, each part with its own span).
fn split_getatt(node: Node, text: &str) -> Node {
    let Some(scalar) = node.as_scalar() else {
        return node;
    };
    let Some((resource, attribute)) = scalar.value.split_once('.') else {
        return node;
    };
    // Locate the value inside the tagged span (it follows the tag and whitespace).
    let raw = text.get(node.span.start..node.span.end).unwrap_or("");
    let offset = raw
        .find(scalar.value.as_str())
        .map_or(node.span.start, |o| node.span.start + o);
    let dot = offset + resource.len();
    let resource_node = Node::scalar(resource, scalar.style, Span::new(offset, dot));
    let attribute_node = Node::scalar(
        attribute,
        scalar.style,
        Span::new(dot + 1, dot + 1 + attribute.len()),
    );
    Node {
        kind: NodeKind::Seq(vec![resource_node, attribute_node]),
        span: node.span,
    }
}

fn scalar_style(style: YamlStyle, tag: Option<&Tag>) -> ScalarStyle {
    if tag.is_some_and(|t| t.is_yaml_core_schema() && t.suffix == "str") {
        return ScalarStyle::Quoted;
    }
    match style {
        YamlStyle::Plain => ScalarStyle::Plain,
        _ => ScalarStyle::Quoted,
    }
}

/// Mapping keys must be scalars (possibly tagged numbers or strings).
fn key_of(node: Node) -> Result<Key, LoadError> {
    match node.kind {
        NodeKind::Scalar(s) => Ok(Key {
            text: s.value,
            span: node.span,
            short_form: false,
        }),
        _ => Err(LoadError::new(
            format!("a mapping key must be a scalar, not {}", node.kind_name()),
            node.span,
        )),
    }
}

/// YAML merge keys (`<<: *base`), as PyYAML applies them: explicit keys win over merged ones.
fn merge_keys(entries: Vec<Entry>) -> Vec<Entry> {
    if !entries.iter().any(|e| e.key.text == "<<") {
        return entries;
    }
    let (merges, mut own): (Vec<Entry>, Vec<Entry>) =
        entries.into_iter().partition(|e| e.key.text == "<<");
    for merge in merges {
        let sources: Vec<Node> = match merge.value.kind {
            NodeKind::Map(_) => vec![merge.value],
            NodeKind::Seq(items) => items,
            NodeKind::Scalar(_) => continue,
        };
        for source in sources {
            if let NodeKind::Map(merged) = source.kind {
                for entry in merged {
                    if !own.iter().any(|e| e.key.text == entry.key.text) {
                        own.push(entry);
                    }
                }
            }
        }
    }
    own
}
