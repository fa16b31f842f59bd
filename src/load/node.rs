//! The template tree: YAML and JSON both load into [`Node`], and every node and key has a byte span.
//!
//! Scalars keep their text and whether they were quoted, so the typing is decided where the value is
//! used: `AllowCredentials: yes` is a boolean (SAM reads YAML 1.1 with PyYAML), `"true"` is a string.
//! CloudFormation short-form tags are already rewritten to their long form (`!Ref X` is a one-entry
//! map `{Ref: X}` whose key points at the tag).

use crate::source::Span;

/// A YAML/JSON value with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    Scalar(Scalar),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

/// A scalar's text and how it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Scalar {
    pub value: String,
    pub style: ScalarStyle,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarStyle {
    /// Unquoted YAML (and JSON `true`, `false`, `null` and numbers): may be a boolean, number or null.
    Plain,
    /// Quoted or block YAML, JSON strings, `!!str`: always a string.
    Quoted,
}

/// One `key: value` pair of a mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: Key,
    pub value: Node,
}

/// A mapping key. Keys are always text in templates.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub text: String,
    pub span: Span,
    /// The key was made from a short-form tag (`!Sub` → `Fn::Sub`).
    pub short_form: bool,
}

/// The names CloudFormation accepts as one-entry intrinsic maps, besides `Fn::*`.
const NON_FN_INTRINSICS: [&str; 2] = ["Ref", "Condition"];

impl Node {
    pub fn scalar(value: impl Into<String>, style: ScalarStyle, span: Span) -> Node {
        Node {
            kind: NodeKind::Scalar(Scalar {
                value: value.into(),
                style,
            }),
            span,
        }
    }

    pub fn as_scalar(&self) -> Option<&Scalar> {
        match &self.kind {
            NodeKind::Scalar(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.kind {
            NodeKind::Map(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            NodeKind::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// The text of a non-null scalar (numbers and booleans as written).
    pub fn as_str(&self) -> Option<&str> {
        self.as_scalar()
            .filter(|s| !s.is_null())
            .map(|s| s.value.as_str())
    }

    /// A boolean as SAM (PyYAML, YAML 1.1) reads it: `true/false/yes/no/on/off` unquoted, any case form.
    pub fn as_bool(&self) -> Option<bool> {
        self.as_scalar().and_then(Scalar::as_bool)
    }

    pub fn is_null(&self) -> bool {
        self.as_scalar().is_some_and(Scalar::is_null)
    }

    pub fn is_map(&self) -> bool {
        matches!(self.kind, NodeKind::Map(_))
    }

    /// The entry under `key` in a mapping.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.as_map()?.iter().find(|e| e.key.text == key)
    }

    /// The value under `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// `{Ref: ..}`, `{Fn::X: ..}` or `{Condition: ..}`: the function's key and argument.
    pub fn as_intrinsic(&self) -> Option<(&Key, &Node)> {
        match self.as_map()? {
            [entry] if is_intrinsic_name(&entry.key.text) => Some((&entry.key, &entry.value)),
            _ => None,
        }
    }

    /// The logical id a `!Ref X` or `!GetAtt X.Attr` (either form) names.
    pub fn referenced_id(&self) -> Option<&str> {
        let (key, arg) = self.as_intrinsic()?;
        match key.text.as_str() {
            "Ref" => arg.as_str(),
            "Fn::GetAtt" => match (arg.as_str(), arg.as_seq()) {
                (Some(text), _) => text.split('.').next(),
                (_, Some([resource, _])) => resource.as_str(),
                _ => None,
            },
            _ => None,
        }
    }

    /// A short description of the node's kind, for messages.
    pub fn kind_name(&self) -> &'static str {
        match &self.kind {
            NodeKind::Scalar(s) if s.is_null() => "null",
            NodeKind::Scalar(_) => "a scalar",
            NodeKind::Seq(_) => "a list",
            NodeKind::Map(_) => "a mapping",
        }
    }

    /// Levels of nesting in this subtree (a scalar is 1). Bounded by the loader's `MAX_DEPTH`.
    pub fn depth(&self) -> usize {
        match &self.kind {
            NodeKind::Scalar(_) => 1,
            NodeKind::Seq(items) => 1 + items.iter().map(Node::depth).max().unwrap_or(0),
            NodeKind::Map(entries) => {
                1 + entries.iter().map(|e| e.value.depth()).max().unwrap_or(0)
            }
        }
    }

    /// Number of nodes in this subtree (this one included).
    /// The bytes of its keys and scalar values.
    pub fn text_bytes(&self) -> usize {
        match &self.kind {
            NodeKind::Scalar(scalar) => scalar.value.len(),
            NodeKind::Seq(items) => items.iter().map(Node::text_bytes).sum(),
            NodeKind::Map(entries) => entries
                .iter()
                .map(|e| e.key.text.len() + e.value.text_bytes())
                .sum(),
        }
    }

    pub fn size(&self) -> usize {
        match &self.kind {
            NodeKind::Scalar(_) => 1,
            NodeKind::Seq(items) => 1 + items.iter().map(Node::size).sum::<usize>(),
            NodeKind::Map(entries) => 1 + entries.iter().map(|e| 1 + e.value.size()).sum::<usize>(),
        }
    }
}

/// Whether a one-entry map with this key is an intrinsic function call.
pub fn is_intrinsic_name(key: &str) -> bool {
    // `Fn::ForEach::Name` is a key of the language extensions, not a function call.
    (key.starts_with("Fn::") && !key.starts_with("Fn::ForEach")) || NON_FN_INTRINSICS.contains(&key)
}

impl Scalar {
    pub fn is_null(&self) -> bool {
        self.style == ScalarStyle::Plain
            && matches!(self.value.as_str(), "" | "~" | "null" | "Null" | "NULL")
    }

    pub fn as_bool(&self) -> Option<bool> {
        if self.style != ScalarStyle::Plain {
            return None;
        }
        match self.value.as_str() {
            "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Some(true),
            "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => Some(false),
            _ => None,
        }
    }

    pub fn is_quoted(&self) -> bool {
        self.style == ScalarStyle::Quoted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(s: &str) -> Scalar {
        Scalar {
            value: s.into(),
            style: ScalarStyle::Plain,
        }
    }

    #[test]
    fn yaml_1_1_booleans_only_when_plain() {
        for t in ["true", "True", "yes", "YES", "on", "On"] {
            assert_eq!(plain(t).as_bool(), Some(true), "{t}");
        }
        for f in ["false", "no", "No", "off", "OFF"] {
            assert_eq!(plain(f).as_bool(), Some(false), "{f}");
        }
        assert_eq!(plain("y").as_bool(), None);
        let quoted = Scalar {
            value: "true".into(),
            style: ScalarStyle::Quoted,
        };
        assert_eq!(quoted.as_bool(), None);
    }
}
