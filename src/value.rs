//! Symbolic values: what a template value is once every reference that can be followed has been.
//!
//! A string is a sequence of literal text and *symbols* (the region, a parameter without a value,
//! the physical id of a resource, an attribute that cannot be built). Two values compare as equal,
//! different or unknown: the same symbol equals itself, a symbol against literal text is unknown.
//! Symbols share their names (`Arc<str>`): a value is cloned into many targets.

use std::fmt;
use std::sync::Arc;

/// Index of a template (a stack) in the deployment.
pub type StackId = usize;

/// Something whose value is only known when the stack is deployed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Symbol {
    /// `AWS::Region` (one region per deployment unless configured).
    Region,
    /// `AWS::AccountId` (one account per deployment unless configured).
    AccountId,
    StackName(StackId),
    StackId(StackId),
    /// A parameter with no value; same-named parameters of all stacks share it.
    Parameter(Arc<str>),
    /// The physical id of a resource (`Ref` of a resource without an explicit name).
    PhysicalId {
        stack: StackId,
        logical_id: Arc<str>,
        /// CloudFormation or the service generates it (an API id, `stack-Logical-RANDOM` names): it
        /// differs from every other resource's id and never occurs inside other text. False where the
        /// physical id is chosen otherwise (a stage's id is its name).
        unique: bool,
    },
    /// An attribute that cannot be built from the template (`Fn::GetAtt Res.Attr`).
    Attribute {
        stack: StackId,
        logical_id: Arc<str>,
        attribute: Arc<str>,
    },
    /// An export that no template of the deployment defines.
    Import(Arc<str>),
}

impl Symbol {
    /// Whether the symbol's value never contains `delimiter` (so `Fn::Split` can split around it).
    pub fn is_atomic_for(&self, delimiter: &str) -> bool {
        match self {
            Symbol::Region | Symbol::AccountId => true,
            Symbol::StackName(_) | Symbol::PhysicalId { .. } => delimiter != "-",
            Symbol::StackId(_)
            | Symbol::Parameter(_)
            | Symbol::Attribute { .. }
            | Symbol::Import(_) => false,
        }
    }
}

impl Symbol {
    /// A generated id that differs from every other resource's and never occurs inside other text
    /// (literal text, the region or account, another generated id).
    pub fn is_unique_id(&self) -> bool {
        matches!(self, Symbol::PhysicalId { unique: true, .. })
    }

    /// Whether the symbol's value may be any text (and so may contain a generated id): a parameter,
    /// an attribute, an import of an unknown export, the physical id of a resource whose id is not
    /// generated (a custom resource's, an SSM parameter's). Only the region, the account, the stack's
    /// name and id and unique generated ids are not.
    pub fn is_free_text(&self) -> bool {
        !matches!(
            self,
            Symbol::Region
                | Symbol::AccountId
                | Symbol::StackName(_)
                | Symbol::StackId(_)
                | Symbol::PhysicalId { unique: true, .. }
        )
    }
}

impl fmt::Display for Symbol {
    /// As a user writes it in `Fn::Sub`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Symbol::Region => f.write_str("${AWS::Region}"),
            Symbol::AccountId => f.write_str("${AWS::AccountId}"),
            Symbol::StackName(_) => f.write_str("${AWS::StackName}"),
            Symbol::StackId(_) => f.write_str("${AWS::StackId}"),
            // iamlint's own stand-ins (`\u{1}any`: "any other API") are no parameter of the user's.
            Symbol::Parameter(name) if name.starts_with('\u{1}') => {
                write!(f, "<{}>", name.trim_start_matches('\u{1}'))
            }
            Symbol::Parameter(name) => write!(f, "${{{name}}}"),
            Symbol::PhysicalId { logical_id, .. } => write!(f, "${{{logical_id}}}"),
            Symbol::Attribute {
                logical_id,
                attribute,
                ..
            } => write!(f, "${{{logical_id}.{attribute}}}"),
            Symbol::Import(name) => write!(f, "${{ImportValue {name}}}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Part {
    Literal(String),
    Symbol(Symbol),
}

/// A string made of literal text and symbols. Adjacent literals are merged; no literal is empty.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct SymStr {
    parts: Vec<Part>,
}

impl SymStr {
    pub fn literal(text: impl Into<String>) -> SymStr {
        let mut s = SymStr::default();
        s.push_literal(&text.into());
        s
    }

    pub fn symbol(symbol: Symbol) -> SymStr {
        SymStr {
            parts: vec![Part::Symbol(symbol)],
        }
    }

    pub fn parts(&self) -> &[Part] {
        &self.parts
    }

    pub fn push_literal(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        if let Some(Part::Literal(last)) = self.parts.last_mut() {
            last.push_str(text);
        } else {
            self.parts.push(Part::Literal(text.to_string()));
        }
    }

    pub fn push_symbol(&mut self, symbol: Symbol) {
        self.parts.push(Part::Symbol(symbol));
    }

    pub fn append(&mut self, other: &SymStr) {
        for part in &other.parts {
            match part {
                Part::Literal(text) => self.push_literal(text),
                Part::Symbol(symbol) => self.push_symbol(symbol.clone()),
            }
        }
    }

    pub fn concat(mut self, other: &SymStr) -> SymStr {
        self.append(other);
        self
    }

    /// This string without `suffix` at its literal end (`…:function:x:live` → `…:function:x`).
    pub fn strip_suffix(&self, suffix: &str) -> Option<SymStr> {
        let (Part::Literal(last), init) = self.parts.split_last()? else {
            return None;
        };
        let mut out = SymStr {
            parts: init.to_vec(),
        };
        out.push_literal(last.strip_suffix(suffix)?);
        Some(out)
    }

    /// The text when there is no symbol.
    pub fn as_literal(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [] => Some(""),
            [Part::Literal(text)] => Some(text),
            _ => None,
        }
    }

    pub fn symbols(&self) -> impl Iterator<Item = &Symbol> {
        self.parts.iter().filter_map(|p| match p {
            Part::Symbol(s) => Some(s),
            Part::Literal(_) => None,
        })
    }

    /// The string without a literal prefix `prefix`, when it starts with it.
    pub fn strip_prefix_literal(&self, prefix: &str) -> Option<SymStr> {
        let Some(Part::Literal(first)) = self.parts.first() else {
            return None;
        };
        let rest = first.strip_prefix(prefix)?;
        let mut out = SymStr::literal(rest);
        for part in self.parts.iter().skip(1) {
            match part {
                Part::Literal(text) => out.push_literal(text),
                Part::Symbol(symbol) => out.push_symbol(symbol.clone()),
            }
        }
        Some(out)
    }

    /// Whether this string holds a unique generated id (see [`Symbol::is_unique_id`]) that `other`
    /// cannot contain: `other` lacks that symbol and has no symbol that may be any text. Then the two
    /// are different, and no pattern of this string matches `other`.
    pub fn names_unique_id_absent_from(&self, other: &SymStr) -> bool {
        if other.symbols().any(Symbol::is_free_text) {
            return false;
        }
        self.symbols()
            .filter(|s| s.is_unique_id())
            .any(|id| !other.symbols().any(|s| s == id))
    }

    /// Splits at every `delimiter` in the literal parts, when no symbol can contain the delimiter.
    pub fn split(&self, delimiter: &str) -> Option<Vec<SymStr>> {
        if delimiter.is_empty() || !self.symbols().all(|s| s.is_atomic_for(delimiter)) {
            return None;
        }
        let mut pieces = vec![SymStr::default()];
        for part in &self.parts {
            match part {
                Part::Symbol(symbol) => pieces.last_mut()?.push_symbol(symbol.clone()),
                Part::Literal(text) => {
                    let mut segments = text.split(delimiter);
                    if let Some(first) = segments.next() {
                        pieces.last_mut()?.push_literal(first);
                    }
                    for segment in segments {
                        pieces.push(SymStr::literal(segment));
                    }
                }
            }
        }
        Some(pieces)
    }
}

impl fmt::Display for SymStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for part in &self.parts {
            match part {
                Part::Literal(text) => f.write_str(text)?,
                Part::Symbol(symbol) => write!(f, "{symbol}")?,
            }
        }
        Ok(())
    }
}

/// Why a value could not be built.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Unknown {
    pub reason: String,
}

/// A resolved template value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value {
    Str(SymStr),
    List(Vec<Value>),
    Map(Vec<(String, Value)>),
    /// One of these, depending on a condition that cannot be decided.
    Alternatives(Vec<Value>),
    /// `AWS::NoValue`: the property is left out.
    NoValue,
    Unknown(Unknown),
}

/// Most alternatives a value may carry before it becomes unknown.
pub const MAX_ALTERNATIVES: usize = 32;
/// Most parts a string may have before it becomes unknown (`!Sub "${P}${P}"` doubles at every level).
pub const MAX_PARTS: usize = 512;

impl Value {
    pub fn literal(text: impl Into<String>) -> Value {
        Value::Str(SymStr::literal(text))
    }

    pub fn symbol(symbol: Symbol) -> Value {
        Value::Str(SymStr::symbol(symbol))
    }

    pub fn unknown(reason: impl Into<String>) -> Value {
        Value::Unknown(Unknown {
            reason: reason.into(),
        })
    }

    pub fn as_str(&self) -> Option<&SymStr> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The text of a fully literal string.
    pub fn as_literal(&self) -> Option<&str> {
        self.as_str().and_then(SymStr::as_literal)
    }

    /// Every string this value may be (alternatives flattened); `None` if any is not a string.
    pub fn strings(&self) -> Option<Vec<&SymStr>> {
        match self {
            Value::Str(s) => Some(vec![s]),
            Value::Alternatives(all) => {
                let mut out = Vec::new();
                for v in all {
                    out.extend(v.strings()?);
                }
                Some(out)
            }
            _ => None,
        }
    }

    /// Builds alternatives, flattening nested ones and dropping duplicates.
    pub fn alternatives(values: Vec<Value>) -> Value {
        let mut flat: Vec<Value> = Vec::new();
        for value in values {
            match value {
                Value::Alternatives(inner) => {
                    for v in inner {
                        if !flat.contains(&v) {
                            flat.push(v);
                        }
                    }
                }
                v => {
                    if !flat.contains(&v) {
                        flat.push(v);
                    }
                }
            }
        }
        match flat.len() {
            0 => Value::NoValue,
            1 => flat.pop().unwrap_or(Value::NoValue),
            n if n > MAX_ALTERNATIVES => {
                Value::unknown(format!("more than {MAX_ALTERNATIVES} possible values"))
            }
            _ => Value::Alternatives(flat),
        }
    }

    /// Concatenates string values (as `Fn::Sub` and `Fn::Join` do), multiplying out alternatives.
    pub fn concat(values: Vec<Value>) -> Value {
        let mut results: Vec<SymStr> = vec![SymStr::default()];
        for value in values {
            let options: Vec<SymStr> = match value {
                Value::Str(s) => vec![s],
                Value::Alternatives(_) => match value.strings() {
                    Some(all) => all.into_iter().cloned().collect(),
                    None => return Value::unknown("a value that is not a string in a string"),
                },
                Value::Unknown(u) => return Value::Unknown(u),
                Value::NoValue => return Value::unknown("AWS::NoValue inside a string"),
                Value::List(_) | Value::Map(_) => {
                    return Value::unknown("a list or mapping where a string was expected");
                }
            };
            if results.len() * options.len() > MAX_ALTERNATIVES {
                return Value::unknown(format!("more than {MAX_ALTERNATIVES} possible values"));
            }
            results = results
                .iter()
                .flat_map(|prefix| options.iter().map(move |o| prefix.clone().concat(o)))
                .collect();
        }
        if results.iter().any(|r| r.parts().len() > MAX_PARTS) {
            return Value::unknown(format!("a string of more than {MAX_PARTS} parts"));
        }
        Value::alternatives(results.into_iter().map(Value::Str).collect())
    }

    /// The value as output shows it to a user: like `Display`, but a value that cannot be known is
    /// `?` (the reason is internal; the rule that saw the cause reports it).
    pub fn user_text(&self) -> String {
        match self {
            Value::Unknown(_) => "?".to_string(),
            Value::Alternatives(all) => all
                .iter()
                .map(Value::user_text)
                .collect::<Vec<_>>()
                .join(" | "),
            other => other.to_string(),
        }
    }

    /// Three-valued equality: `Some(true)` equal, `Some(false)` different, `None` unknown.
    pub fn equals(&self, other: &Value) -> Option<bool> {
        match (self, other) {
            (Value::Str(a), Value::Str(b)) => sym_str_equals(a, b),
            (Value::Alternatives(_), _) | (_, Value::Alternatives(_)) => {
                let (a, b) = (self.strings()?, other.strings()?);
                let mut answers = a
                    .iter()
                    .flat_map(|x| b.iter().map(move |y| sym_str_equals(x, y)));
                let first = answers.next()??;
                answers.all(|x| x == Some(first)).then_some(first)
            }
            (Value::List(a), Value::List(b)) => {
                if a.len() != b.len() {
                    return Some(false);
                }
                let mut all = Some(true);
                for (x, y) in a.iter().zip(b) {
                    match x.equals(y) {
                        Some(false) => return Some(false),
                        None => all = None,
                        Some(true) => {}
                    }
                }
                all
            }
            _ => None,
        }
    }
}

fn sym_str_equals(a: &SymStr, b: &SymStr) -> Option<bool> {
    if a == b {
        return Some(true);
    }
    if a.names_unique_id_absent_from(b) || b.names_unique_id_absent_from(a) {
        return Some(false);
    }
    match (a.as_literal(), b.as_literal()) {
        (Some(x), Some(y)) => Some(x == y),
        _ => None,
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Str(s) => write!(f, "{s}"),
            Value::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Value::Map(entries) => {
                f.write_str("{")?;
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}: {v}")?;
                }
                f.write_str("}")
            }
            Value::Alternatives(all) => {
                for (i, v) in all.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" | ")?;
                    }
                    write!(f, "{v}")?;
                }
                Ok(())
            }
            Value::NoValue => f.write_str("AWS::NoValue"),
            Value::Unknown(u) => write!(f, "<unknown: {}>", u.reason),
        }
    }
}
