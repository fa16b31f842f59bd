//! YAML → [`Node`], read as PyYAML's safe loader reads it (the parser SAM CLI and cfn-lint use), from
//! the event stream of libyaml-safer (a safe Rust port of libyaml, the C parser behind PyYAML's
//! `CSafeLoader`).
//!
//! The scanner is libyaml's; where PyYAML's pure-Python scanner is stricter (tabs, tag extents,
//! non-printable characters), [`pyyaml`] checks the text. The tree is built as PyYAML's
//! `SafeConstructor` builds it: merge keys (`<<`) applied, the last of duplicate keys wins (each
//! duplicate is still reported, see [`Document::duplicates`]), duplicate anchors and tags it has no
//! constructor for are errors, and mapping keys must be scalars. CloudFormation's short-form tags
//! (`!Sub`) become their long form (`Fn::Sub`), as SAM CLI's `intrinsics_multi_constructor` does.
//!
//! Building the tree ourselves gives what a linter needs: byte spans for every node and key (tagged
//! nodes included), the quoting style of scalars, a nesting limit and bounded alias expansion. The
//! builder is iterative, so no input can overflow the stack.

mod pyyaml;

use std::collections::HashMap;

use libyaml_safer::{
    Event, EventData, MappingStyle, Mark, Parser, ScalarStyle as YamlStyle, SequenceStyle,
};

use super::node::{Entry, Key, Node, NodeKind, ScalarStyle};
use super::{DuplicateKeys, LoadError, MAX_DEPTH, MAX_NODES};

/// Most text that anchors and aliases may copy in one document (see `Builder::count_bytes`).
const MAX_ALIAS_BYTES: usize = 64 * 1024 * 1024;
use crate::source::Span;
use pyyaml::{Region, RegionKind};

/// One YAML document as read.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// `None` for an empty stream (no document, or only comments).
    pub root: Option<Node>,
    /// Keys defined twice in one mapping: errors (TPL001), but the tree is complete, with the last
    /// value of each key, as PyYAML and SAM read it. The first [`super::MAX_DUPLICATE_KEYS`], then one
    /// error counting the rest.
    pub duplicates: Vec<LoadError>,
}

/// Parses one YAML document; a duplicate key is an error (for files such as the config, where a
/// second value is a mistake to stop at). An empty stream gives `Ok(None)`.
pub fn parse(text: &str) -> Result<Option<Node>, LoadError> {
    let document = read(text)?;
    match document.duplicates.into_iter().next() {
        Some(duplicate) => Err(duplicate),
        None => Ok(document.root),
    }
}

/// Reads one YAML document: the tree, with duplicate keys reported beside it.
pub fn read(text: &str) -> Result<Document, LoadError> {
    let bom = if text.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    };
    let body = text.get(bom..).unwrap_or("");
    if let Some((at, c)) = pyyaml::first_non_printable(body) {
        return Err(LoadError::new(
            format!(
                "invalid YAML: the character U+{:04X} is not allowed (YAML allows no control characters)",
                u32::from(c)
            ),
            Span::new(bom + at, bom + at + c.len_utf8()),
        ));
    }
    let commas = pyyaml::tag_commas(body);
    if commas.is_empty() {
        return run(text, bom, body, &[]).result;
    }
    // Some commas may follow a tag: blank them for the parser, then keep the blanking only where a
    // tag really ends (the others were in comments or scalars, whose text the blanking changed).
    let mut blanked = commas;
    for _ in 0..MAX_BLANKING_ROUNDS {
        let outcome = run(text, bom, body, &blanked);
        let next = next_blanking(&blanked, &outcome);
        if next == blanked {
            return outcome.result;
        }
        blanked = next;
    }
    let at = blanked.first().map_or(bom, |(start, _)| bom + start);
    Err(LoadError::new(
        "invalid YAML: too many `!` followed by `,` to tell which are tags",
        Span::new(at, next_char_end(text, at)),
    ))
}

/// Parses with commas blanked at most this many times (each round settles at least one).
const MAX_BLANKING_ROUNDS: usize = 8;

/// What one parse gave, and what it tells about the blanked commas.
struct RunOutcome {
    result: Result<Document, LoadError>,
    /// Starts of the blanked commas where a tag ends: real ones.
    confirmed: Vec<usize>,
    /// How far into the body the events went; commas past it were not tested.
    settled: usize,
    /// The plain scalars read inside flow collections, in order (a blanked comma in or right after
    /// one may have been a separator).
    plain: Vec<(usize, usize)>,
}

/// The commas to blank in the next parse: the confirmed ones and those not reached. Of the others, a
/// comma in a comment or a scalar changed only text and is dropped; one in or right after a plain
/// scalar inside a flow collection may have been a separator (`[a!b,c]`), which changes what follows,
/// so only the first such is dropped and the later ones stay blanked until a parse settles them. A
/// comma is a separator only in a flow collection and outside a scalar, so no other blank changes the
/// structure.
fn next_blanking(blanked: &[(usize, usize)], outcome: &RunOutcome) -> Vec<(usize, usize)> {
    let confirmed: std::collections::HashSet<usize> = outcome.confirmed.iter().copied().collect();
    // The plain scalars are in document order and do not overlap.
    let in_plain = |at: usize| {
        let after = outcome.plain.partition_point(|(start, _)| *start <= at);
        after
            .checked_sub(1)
            .and_then(|i| outcome.plain.get(i))
            .is_some_and(|(_, end)| at <= *end)
    };
    let mut next = Vec::new();
    let mut dropped_plain = false;
    for commas in blanked {
        let (start, _) = *commas;
        if confirmed.contains(&start) || start >= outcome.settled || dropped_plain {
            next.push(*commas);
        } else if in_plain(start) {
            dropped_plain = true;
        }
    }
    next
}

/// One parse of `body` (the text after its byte order mark) with the given commas blanked.
fn run(text: &str, bom: usize, body: &str, blanked: &[(usize, usize)]) -> RunOutcome {
    // libyaml-safer panics on a block scalar whose last line has no line break at the end of the
    // text: the parser reads the text with one (and the builder takes it out of that scalar again).
    let break_added = !body.is_empty() && !body.ends_with(['\n', '\r']);
    let parsed = if blanked.is_empty() && !break_added {
        None
    } else {
        let mut copy = pyyaml::blank_commas(body, blanked);
        if break_added {
            copy.push('\n');
        }
        Some(copy)
    };
    let mut input = parsed.as_deref().unwrap_or(body).as_bytes();
    let mut parser = Parser::new();
    parser.set_input_string(&mut input);
    let mut builder = Builder::new(text, bom, body, blanked);
    builder.break_added = break_added;
    let outcome = builder.consume(&mut parser);
    let reached = match &outcome {
        Ok(()) => body.len(),
        Err(error) => error.span.start.saturating_sub(bom),
    };
    // A tag's event comes after the token after it is scanned, and the parser may fail there first:
    // commas are settled only up to the last event.
    let settled = match &outcome {
        Ok(()) => body.len(),
        Err(_) => builder.events_end,
    };
    // Tabs are checked up to where PyYAML stops, or where the scalar it was scanning began (whose
    // tabs may be content).
    let tabs_until = match &outcome {
        Err(LoadError {
            related: Some((context, message)),
            ..
        }) if message.starts_with("while scanning a") => context.start.saturating_sub(bom),
        _ => reached,
    };
    let plain = std::mem::take(&mut builder.plain_in_flow);
    RunOutcome {
        result: builder.finish(outcome, tabs_until),
        confirmed: std::mem::take(&mut builder.confirmed),
        settled,
        plain,
    }
}

struct Builder<'t> {
    /// The whole text (spans are offsets into it).
    text: &'t str,
    /// The length of the byte order mark, where the parser's offsets start.
    bom: usize,
    /// `text` after the byte order mark, unblanked.
    body: &'t str,
    blanked: &'t [(usize, usize)],
    stack: Vec<Frame>,
    /// Anchored nodes with their sizes and depths (counted against `MAX_NODES` and `MAX_DEPTH` at
    /// every alias).
    anchors: HashMap<String, Anchored>,
    /// Where each anchor was defined (from the node's start: a second one is an error).
    anchor_spans: HashMap<String, Span>,
    nodes: usize,
    /// Text copied by anchors and aliases so far (see [`Self::count_bytes`]).
    alias_bytes: usize,
    root: Option<Node>,
    documents: usize,
    regions: Vec<Region>,
    duplicates: DuplicateKeys,
    /// The first error PyYAML's constructor would raise (it runs after the whole document is parsed,
    /// so a later syntax error comes first).
    deferred: Option<LoadError>,
    confirmed: Vec<usize>,
    /// The span of the anchored node an alias copies, while that copy is being put into its parent.
    alias_origin: Option<Span>,
    /// The parser reads the body with a line break added at the end.
    break_added: bool,
    /// Open flow collections.
    flow_depth: usize,
    /// Plain scalars inside flow collections, where a blanked `,`, `[` or `]` changes the structure.
    plain_in_flow: Vec<(usize, usize)>,
    /// The furthest end of an event read, in the body.
    events_end: usize,
}

struct Anchored {
    /// The node, with its span where the anchor is.
    node: Node,
    size: usize,
    /// The bytes of its keys and scalars (what each copy costs besides its nodes).
    bytes: usize,
    depth: usize,
}

enum Container {
    Seq(Vec<Node>),
    Map {
        entries: Vec<Entry>,
        /// The values of `<<` keys, in order, each with where PyYAML points at it when it cannot be
        /// merged (for an alias, the anchored node).
        merges: Vec<(Node, Span)>,
        pending: Pending,
        seen: HashMap<String, Span>,
    },
}

/// What a mapping waits for next.
enum Pending {
    Key,
    Value(Key),
    MergeValue,
}

struct Frame {
    container: Container,
    /// A flow collection (`[...]`, `{...}`).
    flow: bool,
    start: usize,
    tag: Tag,
    anchor: Option<String>,
}

/// A node's tag, as PyYAML's safe constructor sees it.
#[derive(Debug, Clone, PartialEq)]
enum Tag {
    /// No tag, or `!` alone.
    None,
    /// `!Name`: a CloudFormation short form; the tag's span and its name (`Sub`).
    ShortForm { span: Span, name: String },
    /// `!!str` (and `!!binary`): a string whatever it looks like.
    Str,
    /// `!!null`, `!!bool`, `!!int`, `!!float`, `!!timestamp`: typed from the text, as a plain scalar.
    Typed,
    /// `!!seq`, `!!map` and the other collection tags: no change.
    Collection,
}

/// The node kinds a tag applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Scalar,
    Seq,
    Map,
}

impl Shape {
    fn name(self) -> &'static str {
        match self {
            Shape::Scalar => "scalar",
            Shape::Seq => "sequence",
            Shape::Map => "mapping",
        }
    }
}

/// PyYAML's `SafeConstructor` tags under `tag:yaml.org,2002:`, with the node kinds each accepts.
fn core_tag(name: &str) -> Option<(Tag, &'static [Shape])> {
    const SCALAR: &[Shape] = &[Shape::Scalar];
    match name {
        "str" | "binary" => Some((Tag::Str, SCALAR)),
        "null" | "bool" | "int" | "float" | "timestamp" => Some((Tag::Typed, SCALAR)),
        "seq" | "omap" | "pairs" => Some((Tag::Collection, &[Shape::Seq])),
        "map" | "set" => Some((Tag::Collection, &[Shape::Map])),
        _ => None,
    }
}

impl<'t> Builder<'t> {
    fn new(text: &'t str, bom: usize, body: &'t str, blanked: &'t [(usize, usize)]) -> Self {
        Builder {
            text,
            bom,
            body,
            blanked,
            stack: Vec::new(),
            anchors: HashMap::new(),
            anchor_spans: HashMap::new(),
            nodes: 0,
            alias_bytes: 0,
            root: None,
            documents: 0,
            regions: Vec::new(),
            duplicates: DuplicateKeys::default(),
            deferred: None,
            confirmed: Vec::new(),
            alias_origin: None,
            break_added: false,
            flow_depth: 0,
            plain_in_flow: Vec::new(),
            events_end: 0,
        }
    }

    /// The document, once the events are read: PyYAML meets a bad tab while it scans (before anything
    /// after it), and its constructor's errors after the whole document is parsed.
    fn finish(
        &mut self,
        outcome: Result<(), LoadError>,
        reached: usize,
    ) -> Result<Document, LoadError> {
        if let Some(tab) = pyyaml::first_bad_tab(self.body, &self.regions, reached) {
            return Err(LoadError::new(
                "invalid YAML: a tab character here (PyYAML, which SAM and cfn-lint read templates \
                 with, accepts tabs only inside quoted and block scalars and in comments)",
                Span::new(self.bom + tab, self.bom + tab + 1),
            ));
        }
        outcome?;
        if let Some(error) = self.deferred.take() {
            return Err(error);
        }
        Ok(Document {
            root: self.root.take(),
            duplicates: std::mem::take(&mut self.duplicates).finish(),
        })
    }

    /// Reads events until the end of the stream or the first error.
    fn consume(&mut self, parser: &mut Parser<&mut &[u8]>) -> Result<(), LoadError> {
        loop {
            let event = parser.parse().map_err(|e| self.parse_error(&e))?;
            if matches!(event.data, EventData::StreamEnd) {
                return Ok(());
            }
            self.on_event(event)?;
        }
    }

    /// The byte offset in `text` of a parser mark.
    fn offset(&self, mark: Mark) -> usize {
        let mut at = usize::try_from(mark.index)
            .unwrap_or(usize::MAX)
            .min(self.body.len());
        while !self.body.is_char_boundary(at) {
            at -= 1;
        }
        self.bom + at
    }

    fn span(&self, event: &Event) -> Span {
        Span::new(self.offset(event.start_mark), self.offset(event.end_mark))
    }

    fn parse_error(&self, error: &libyaml_safer::Error) -> LoadError {
        let at = error.problem_mark().map_or(self.bom, |m| self.offset(m));
        let error_here = LoadError::new(
            format!("invalid YAML: {}", error.problem()),
            Span::new(at, next_char_end(self.text, at)),
        );
        match (error.context(), error.context_mark()) {
            (Some(context), Some(mark)) => {
                let from = self.offset(mark);
                error_here.with_related(Span::new(from, next_char_end(self.text, from)), context)
            }
            _ => error_here,
        }
    }

    fn defer(&mut self, error: LoadError) {
        if self
            .deferred
            .as_ref()
            .is_none_or(|first| error.span.start < first.span.start)
        {
            self.deferred = Some(error);
        }
    }

    fn on_event(&mut self, event: Event) -> Result<(), LoadError> {
        let span = self.span(&event);
        self.events_end = self.events_end.max(span.end - self.bom);
        match event.data {
            EventData::DocumentStart { .. } => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(LoadError::new(
                        "a template file holds one YAML document; this is a second one",
                        span,
                    ));
                }
            }
            EventData::Scalar {
                anchor,
                tag,
                value,
                style,
                ..
            } => {
                self.define_anchor(anchor.as_deref(), span)?;
                let tag = self.tag(tag.as_deref(), span, Shape::Scalar)?;
                if self.flow_depth > 0 && style == YamlStyle::Plain {
                    self.plain_in_flow
                        .push((span.start - self.bom, span.end - self.bom));
                }
                self.regions.push(Region {
                    start: span.start - self.bom,
                    end: span.end - self.bom,
                    kind: match style {
                        YamlStyle::SingleQuoted | YamlStyle::DoubleQuoted => RegionKind::Quoted,
                        YamlStyle::Literal | YamlStyle::Folded => RegionKind::Block,
                        _ => RegionKind::Plain,
                    },
                });
                let mut value = value;
                if self.break_added
                    && matches!(style, YamlStyle::Literal | YamlStyle::Folded)
                    && usize::try_from(event.end_mark.index).is_ok_and(|end| end > self.body.len())
                    && (last_line_has_content(self.body)
                        || keeps_final_breaks(self.body, span.start - self.bom))
                    && value.ends_with('\n')
                {
                    value.pop();
                }
                let style = scalar_style(style, &tag);
                value.shrink_to_fit();
                let node = self.apply_tag(Node::scalar(value, style, span), &tag, span);
                self.finish_node(node, anchor)?;
            }
            EventData::SequenceStart {
                anchor, tag, style, ..
            } => {
                self.define_anchor(anchor.as_deref(), span)?;
                let tag = self.tag(tag.as_deref(), span, Shape::Seq)?;
                let flow = style == SequenceStyle::Flow;
                self.open(Container::Seq(Vec::new()), flow, span, tag, anchor)?;
            }
            EventData::MappingStart {
                anchor, tag, style, ..
            } => {
                self.define_anchor(anchor.as_deref(), span)?;
                let tag = self.tag(tag.as_deref(), span, Shape::Map)?;
                let map = Container::Map {
                    entries: Vec::new(),
                    merges: Vec::new(),
                    pending: Pending::Key,
                    seen: HashMap::new(),
                };
                self.open(map, style == MappingStyle::Flow, span, tag, anchor)?;
            }
            EventData::SequenceEnd | EventData::MappingEnd => self.close(span)?,
            EventData::Alias { anchor } => self.alias(&anchor, span)?,
            EventData::StreamStart { .. }
            | EventData::StreamEnd
            | EventData::DocumentEnd { .. } => {}
        }
        Ok(())
    }

    /// PyYAML's composer: an anchor may be defined once.
    fn define_anchor(&mut self, anchor: Option<&str>, span: Span) -> Result<(), LoadError> {
        let Some(anchor) = anchor else { return Ok(()) };
        if let Some(first) = self.anchor_spans.get(anchor) {
            return Err(
                LoadError::new(format!("invalid YAML: duplicate anchor `{anchor}`"), span)
                    .with_related(*first, "first defined here"),
            );
        }
        self.anchor_spans.insert(anchor.to_string(), span);
        Ok(())
    }

    fn alias(&mut self, anchor: &str, span: Span) -> Result<(), LoadError> {
        let Some((size, bytes, depth)) =
            self.anchors.get(anchor).map(|a| (a.size, a.bytes, a.depth))
        else {
            let message = if self.anchor_spans.contains_key(anchor) {
                "alias to an anchor whose node contains the alias (a recursive alias)"
            } else {
                "invalid YAML: alias to an undefined anchor"
            };
            return Err(LoadError::new(message, span));
        };
        if self.stack.len() + depth > MAX_DEPTH {
            return Err(LoadError::new(
                format!("this alias nests the document deeper than {MAX_DEPTH} levels"),
                span,
            ));
        }
        self.count(size, span)?;
        self.count_bytes(bytes, span)?;
        let Some(mut node) = self.anchors.get(anchor).map(|a| a.node.clone()) else {
            return Err(LoadError::new(
                "invalid YAML: alias to an undefined anchor",
                span,
            ));
        };
        self.alias_origin = Some(node.span);
        node.span = span;
        self.finish_node(node, None)
    }

    /// Reads a node's tag as PyYAML's safe constructor does; a tag it has no constructor for (or one
    /// on the wrong kind of node) is a deferred error and the tag is dropped.
    fn tag(&mut self, tag: Option<&str>, span: Span, shape: Shape) -> Result<Tag, LoadError> {
        // A tag that PyYAML reads on into the commas after it (blanked for the parser) carries them.
        let written = self.written_tag(span)?;
        let tag = match (tag, &written) {
            (None, _) => return Ok(Tag::None),
            (Some(tag), Some((_, commas))) => format!("{tag}{commas}"),
            (Some(tag), None) => tag.to_string(),
        };
        if tag == "!" {
            return Ok(Tag::None);
        }
        if let Some(name) = tag.strip_prefix('!') {
            let span = written.map_or_else(
                || Span::new(span.start, (span.start + tag.len()).min(span.end)),
                |(span, _)| span,
            );
            return Ok(Tag::ShortForm {
                span,
                name: name.to_string(),
            });
        }
        let core = tag
            .strip_prefix("tag:yaml.org,2002:")
            .and_then(core_tag)
            .filter(|(_, shapes)| shapes.contains(&shape));
        Ok(match core {
            Some((kind, _)) => kind,
            None => {
                let message = match tag.strip_prefix("tag:yaml.org,2002:").and_then(core_tag) {
                    Some(_) => format!(
                        "invalid YAML: the tag `{tag}` does not apply to a {}",
                        shape.name()
                    ),
                    None => format!(
                        "invalid YAML: unknown tag `{tag}` (PyYAML's safe loader has no constructor for it)"
                    ),
                };
                self.defer(LoadError::new(message, span));
                Tag::None
            }
        })
    }

    /// Where the tag of the node at `node` is written, and the commas PyYAML reads into it past
    /// libyaml's end (`,` in `[!Ref, x]`; they were blanked for the parser, which is confirmed here).
    fn written_tag(&mut self, node: Span) -> Result<Option<(Span, String)>, LoadError> {
        let Some(start) = pyyaml::tag_start(self.body, node.start - self.bom) else {
            return Ok(None);
        };
        let libyaml_end = pyyaml::tag_end(self.body, start, false);
        // The blanked commas are in text order.
        let commas = self
            .blanked
            .binary_search_by_key(&libyaml_end, |(start, _)| *start)
            .ok()
            .and_then(|i| self.blanked.get(i));
        let Some(&(commas_start, commas_end)) = commas else {
            return Ok(Some((
                Span::new(self.bom + start, self.bom + libyaml_end),
                String::new(),
            )));
        };
        self.confirmed.push(commas_start);
        let pyyaml_end = pyyaml::tag_end(self.body, start, true);
        let follows = self.body.get(commas_end..).and_then(|r| r.chars().next());
        if pyyaml_end > commas_end {
            let written = self.body.get(start..pyyaml_end).unwrap_or("");
            return Err(LoadError::new(
                format!(
                    "invalid YAML: PyYAML reads `{written}` as one tag (`,`, `[` and `]` belong to a tag)"
                ),
                Span::new(self.bom + start, self.bom + pyyaml_end),
            ));
        }
        if !pyyaml::may_follow_tag(follows) && follows != Some('\t') {
            let at = self.bom + commas_end;
            return Err(LoadError::new(
                "invalid YAML: expected a space after the tag (PyYAML reads `,` as part of a tag)",
                Span::new(at, next_char_end(self.text, at)),
            ));
        }
        let commas = self
            .body
            .get(commas_start..commas_end)
            .unwrap_or("")
            .to_string();
        Ok(Some((
            Span::new(self.bom + start, self.bom + commas_end),
            commas,
        )))
    }

    /// Counts the text aliases copy against [`MAX_ALIAS_BYTES`]: a small file whose large scalar is
    /// aliased many times must not exhaust memory.
    fn count_bytes(&mut self, bytes: usize, span: Span) -> Result<(), LoadError> {
        self.alias_bytes = self.alias_bytes.saturating_add(bytes);
        if self.alias_bytes > MAX_ALIAS_BYTES {
            return Err(LoadError::new(
                format!(
                    "the document's aliases copy more than {} MiB of text (YAML aliases that multiply)",
                    MAX_ALIAS_BYTES / (1024 * 1024)
                ),
                span,
            ));
        }
        Ok(())
    }

    fn count(&mut self, nodes: usize, span: Span) -> Result<(), LoadError> {
        self.nodes = self.nodes.saturating_add(nodes);
        if self.nodes > MAX_NODES {
            // Name aliases as the cause only when the document has anchors to copy.
            let why = if self.anchors.is_empty() {
                ""
            } else {
                " (YAML aliases that multiply?)"
            };
            return Err(LoadError::new(
                format!("the document expands to more than {MAX_NODES} nodes{why}"),
                span,
            ));
        }
        Ok(())
    }

    fn open(
        &mut self,
        container: Container,
        flow: bool,
        span: Span,
        tag: Tag,
        anchor: Option<String>,
    ) -> Result<(), LoadError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(LoadError::new(
                format!("nesting deeper than {MAX_DEPTH} levels"),
                span,
            ));
        }
        self.flow_depth += usize::from(flow);
        self.stack.push(Frame {
            container,
            flow,
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
        self.flow_depth -= usize::from(frame.flow);
        let (kind, last_end) = match frame.container {
            // Collections are kept for the whole run: no spare capacity.
            Container::Seq(mut items) => {
                items.shrink_to_fit();
                let last = items.last().map(|n| n.span.end);
                (NodeKind::Seq(items), last)
            }
            Container::Map {
                entries, merges, ..
            } => {
                let last = entries.last().map(|e| e.value.span.end.max(e.key.span.end));
                let last = last.max(merges.last().map(|(n, _)| n.span.end));
                let mut entries = self.merge(entries, merges);
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
        let node = self.apply_tag(Node { kind, span }, &frame.tag, span);
        self.finish_node(node, frame.anchor)
    }

    /// Puts a finished node into its parent (or makes it the root).
    fn finish_node(&mut self, node: Node, anchor: Option<String>) -> Result<(), LoadError> {
        let origin = self.alias_origin.take();
        self.count(1, node.span)?;
        if let Some(anchor) = anchor {
            // Keeping a copy costs as much as the nodes themselves: count it.
            let size = node.size();
            self.count(size, node.span)?;
            let bytes = node.text_bytes();
            self.count_bytes(bytes, node.span)?;
            let depth = node.depth();
            self.anchors.insert(
                anchor,
                Anchored {
                    node: node.clone(),
                    size,
                    bytes,
                    depth,
                },
            );
        }
        let Some(parent) = self.stack.last_mut() else {
            self.root = Some(node);
            return Ok(());
        };
        let mut deferred = None;
        match &mut parent.container {
            Container::Seq(items) => items.push(node),
            Container::Map {
                entries,
                merges,
                pending,
                seen,
            } => match std::mem::replace(pending, Pending::Key) {
                Pending::Key if is_merge_key(&node) => *pending = Pending::MergeValue,
                Pending::Key => {
                    let (key, error) = key_of(node);
                    deferred = error;
                    if let Some(first) = seen.get(&key.text) {
                        self.duplicates
                            .push(LoadError::duplicate_key(&key.text, key.span, *first));
                    } else {
                        seen.insert(key.text.clone(), key.span);
                    }
                    *pending = Pending::Value(key);
                }
                Pending::Value(key) => entries.push(Entry { key, value: node }),
                Pending::MergeValue => {
                    let at = origin.unwrap_or(node.span);
                    merges.push((node, at));
                }
            },
        }
        if let Some(error) = deferred {
            self.defer(error);
        }
        Ok(())
    }

    /// PyYAML's `flatten_mapping` and dict building: merged entries first (of a list of mappings,
    /// the first mapping wins), then the mapping's own; the last of equal keys wins, at the place of
    /// the first.
    fn merge(&mut self, own: Vec<Entry>, merges: Vec<(Node, Span)>) -> Vec<Entry> {
        let mut all = Vec::new();
        for (merge, at) in merges {
            match merge.kind {
                NodeKind::Map(entries) => all.extend(entries),
                NodeKind::Seq(items) => {
                    let mut maps = Vec::new();
                    for item in items {
                        match item.kind {
                            NodeKind::Map(entries) => maps.push(entries),
                            _ => self.defer(LoadError::new(
                                format!(
                                    "invalid YAML: `<<` merges mappings, and this is {}",
                                    item.kind_name()
                                ),
                                item.span,
                            )),
                        }
                    }
                    all.extend(maps.into_iter().rev().flatten());
                }
                NodeKind::Scalar(_) => {
                    let error = LoadError::new(
                        format!(
                            "invalid YAML: `<<` merges a mapping or a list of mappings, and this is {}",
                            merge.kind_name()
                        ),
                        at,
                    );
                    // PyYAML points at the anchored node; the alias is where it is merged.
                    let error = if at == merge.span {
                        error
                    } else {
                        error.with_related(merge.span, "merged here")
                    };
                    self.defer(error);
                }
            }
        }
        if all.is_empty() && !has_repeated_key(&own) {
            return own;
        }
        all.extend(own);
        last_wins(all)
    }

    /// Rewrites a CloudFormation short-form tag into its long form; other tags leave the node as it
    /// is. The key points at the tag (`!Sub`), the value at what follows it.
    fn apply_tag(&self, node: Node, tag: &Tag, span: Span) -> Node {
        let Tag::ShortForm {
            span: tag_span,
            name,
        } = tag
        else {
            return node;
        };
        let value_start = self
            .text
            .get(tag_span.end..span.end)
            .map_or(span.end, |rest| {
                tag_span.end + (rest.len() - rest.trim_start().len())
            });
        let mut value = node;
        value.span = Span::new(value_start.min(span.end), span.end);
        let name = long_form_name(name);
        if name == "Fn::GetAtt" {
            value = split_getatt(value, self.text);
        }
        Node {
            kind: NodeKind::Map(vec![Entry {
                key: Key {
                    text: name,
                    span: *tag_span,
                    short_form: true,
                },
                value,
            }]),
            span,
        }
    }
}

/// The span of one character at `at` (empty at the end of the text).
fn next_char_end(text: &str, at: usize) -> usize {
    text.get(at..)
        .and_then(|rest| rest.chars().next())
        .map_or(at, |c| at + c.len_utf8())
}

/// Whether the text after the last line break holds more than spaces (a block scalar's last line,
/// when the text ends there).
fn last_line_has_content(body: &str) -> bool {
    let last = body
        .rfind(['\n', '\r'])
        .map_or(body, |at| body.get(at + 1..).unwrap_or(""));
    !last.trim_matches(' ').is_empty()
}

/// Whether the block scalar whose node starts at `start` has the keep indicator (`|+`, `>2+`).
fn keeps_final_breaks(body: &str, start: usize) -> bool {
    let rest = body.get(start..).unwrap_or("");
    rest.find(['|', '>'])
        .and_then(|at| rest.get(at + 1..))
        .is_some_and(|header| header.chars().take(2).any(|c| c == '+'))
}

/// A plain, untagged `<<` key (a quoted `"<<"` is an ordinary key).
fn is_merge_key(node: &Node) -> bool {
    node.as_scalar()
        .is_some_and(|s| s.style == ScalarStyle::Plain && s.value == "<<")
}

fn has_repeated_key(entries: &[Entry]) -> bool {
    let mut seen = std::collections::HashSet::new();
    entries.iter().any(|e| !seen.insert(e.key.text.as_str()))
}

/// Keeps the last entry of each key, at the position of the first.
fn last_wins(entries: Vec<Entry>) -> Vec<Entry> {
    let mut position: HashMap<String, usize> = HashMap::new();
    let mut kept: Vec<Entry> = Vec::with_capacity(entries.len());
    for entry in entries {
        match position.get(&entry.key.text) {
            Some(&at) => {
                if let Some(slot) = kept.get_mut(at) {
                    *slot = entry;
                }
            }
            None => {
                position.insert(entry.key.text.clone(), kept.len());
                kept.push(entry);
            }
        }
    }
    kept
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

/// A scalar's typing: a plain untagged scalar (or one tagged `!!int`, `!!bool`, ...) may be a
/// boolean, number or null; quoted and block scalars, `!!str`, and the argument of a short-form tag
/// (PyYAML's `construct_scalar`) are strings.
fn scalar_style(style: YamlStyle, tag: &Tag) -> ScalarStyle {
    match tag {
        Tag::Str | Tag::ShortForm { .. } => ScalarStyle::Quoted,
        Tag::Typed => ScalarStyle::Plain,
        Tag::None | Tag::Collection => match style {
            YamlStyle::Plain | YamlStyle::Any => ScalarStyle::Plain,
            _ => ScalarStyle::Quoted,
        },
    }
}

/// Mapping keys must be scalars (PyYAML: "found unhashable key"). The key, and the error when it is
/// not one (with a stand-in key, so that the rest of the document is still read).
fn key_of(node: Node) -> (Key, Option<LoadError>) {
    let span = node.span;
    match node.kind {
        NodeKind::Scalar(s) => (
            Key {
                text: s.value,
                span,
                short_form: false,
            },
            None,
        ),
        kind => {
            let kind_name = Node { kind, span }.kind_name();
            let error = LoadError::new(
                format!("a mapping key must be a scalar, not {kind_name}"),
                span,
            );
            let key = Key {
                text: String::new(),
                span,
                short_form: false,
            };
            (key, Some(error))
        }
    }
}
