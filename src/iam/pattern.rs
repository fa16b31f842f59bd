//! Three-valued matching of IAM glob patterns against symbolic request targets.
//!
//! A *target* is the resource ARN of a request as a route defines it: literal text, symbols (the
//! region, an API id that is only known once deployed) and holes (a path parameter `{id}`, a greedy
//! `{proxy+}`, the verb of an `ANY` route). A *pattern* is a policy's `Resource` after resolution:
//! literal text with `*` and `?`, and symbols. [`Pattern::coverage`] answers whether the pattern matches
//! every request the target stands for ([`Coverage::All`]), some but not all, none, or cannot tell
//! because of symbols ([`Coverage::Unknown`]).
//!
//! Semantics (iam-semantics.md §2):
//! - `*` matches zero or more characters, `/` included; `?` exactly one. Matching is anchored and
//!   case-sensitive.
//! - ARN segments: in a pattern that starts with `arn:`, a `*` inside one of the first five fields
//!   (`arn:partition:service:region:account:`) crosses a `:` only when it is the last character of its
//!   field; a `?` there never matches `:`. In the resource part (after the fifth `:`), and in patterns
//!   that are not ARNs, `*` and `?` match any character (the recommended matcher of §2.1). After a
//!   symbol whose value may contain `:` (a parameter, an attribute), the field count is unknown and the
//!   rest of the pattern falls back to the whole-string glob: *approximate*, it may over-match.
//! - Policy variables (`${aws:username}`, only with `Version: 2012-10-17`, see [`Pattern::new`]) have a
//!   value only at request time: they make a match unknown, never certain. `${*}`, `${?}` and `${$}`
//!   are the literal characters.
//! - A pattern symbol matches the identical symbol of the target; a `*` absorbs any symbol or hole; a
//!   symbol against literal text or another symbol is unknown, unless the match fails for a reason
//!   that holds whatever the symbols' values are.
//! - Two distinct resources never share a generated id ([`Symbol::is_unique_id`]: API ids, generated
//!   names): a pattern naming one that the target lacks matches nothing, unless a target symbol may be
//!   any text (a parameter, an attribute) and so may hold it.
//!
//! How: both sides become automata. Holes and symbols are letters of a small representative alphabet
//! (every character of the pattern, `:`, `/`, and one character the pattern does not use), so
//! inclusion and intersection are computed exactly by exploring the product of the target automaton
//! with the determinised pattern automaton. Symbols are read twice: as opaque letters (a match found
//! this way holds for every value of the symbols) and as "any string" (a miss found this way holds for
//! every value). Without symbols both readings agree and the answer is exact. With symbols the answer
//! is sound but may be [`Coverage::Unknown`] where a cleverer analysis would decide. The exploration
//! has a state budget; past it the answer is `Unknown`.

use std::collections::VecDeque;

use rustc_hash::FxHashSet;
use std::fmt;

use crate::resolve::{Part, SymStr, Symbol};

/// The verbs an `ANY` route stands for, as they appear in the request ARN.
pub const HTTP_VERBS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// Most product states explored before the answer becomes [`Coverage::Unknown`].
const MAX_STATES: usize = 200_000;

/// Most work (pattern positions stepped over, summed over every letter read) before the answer
/// becomes [`Coverage::Unknown`]: a step costs the patterns' whole length, so a `Resource` of thousands
/// of `*` or policy variables took seconds within the state budget (found by `fuzz/`). The largest
/// exploration in the fixtures and the shared corpora (cfn-lint, SAM, serverless-patterns) does 30,000.
const MAX_WORK: usize = 500_000;

/// Reads pattern tokens against target atoms from one end while both are plain (equal characters,
/// the same symbol whose value holds no wildcard): whether they meet two different characters, which
/// no value of the symbols can reconcile (matching is anchored and case-sensitive).
fn aligned_mismatch<'p, 't>(
    tokens: impl Iterator<Item = &'p Token>,
    mut atoms: impl Iterator<Item = Atom<'t>>,
) -> bool {
    for token in tokens {
        match (token, atoms.next()) {
            (Token::Char(c), Some(Atom::Char(d))) if *c == d => {}
            (Token::Char(_), Some(Atom::Char(_))) => return true,
            (Token::Symbol(s), Some(Atom::Part(TargetPart::Symbol(t))))
                if **s == *t && !s.is_free_text() => {}
            _ => return false,
        }
    }
    false
}

/// The atoms of one target part, in order.
fn atoms_of(part: &TargetPart) -> Box<dyn Iterator<Item = Atom<'_>> + '_> {
    match part {
        TargetPart::Literal(text) => Box::new(text.chars().map(Atom::Char)),
        other => Box::new(std::iter::once(Atom::Part(other))),
    }
}

/// The atoms of one target part, last first.
fn atoms_of_reversed(part: &TargetPart) -> Box<dyn Iterator<Item = Atom<'_>> + '_> {
    match part {
        TargetPart::Literal(text) => Box::new(text.chars().rev().map(Atom::Char)),
        other => Box::new(std::iter::once(Atom::Part(other))),
    }
}

/// A character or a non-literal part of a target, read in order.
enum Atom<'t> {
    Char(char),
    Part(&'t TargetPart),
}

/// One piece of a [`Target`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TargetPart {
    /// Text as it appears in the request ARN.
    Literal(String),
    /// A value known only once deployed (the region, an API id).
    Symbol(Symbol),
    /// A path parameter `{id}`: any non-empty text without `/`.
    AnySegment,
    /// A greedy path parameter `{proxy+}`: any non-empty text, `/` allowed.
    AnyPath,
    /// The method of an `ANY` route: one of [`HTTP_VERBS`].
    AnyVerb,
}

/// The resource ARN of every request a route (or a function invocation) stands for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Target {
    parts: Vec<TargetPart>,
    /// How messages name the target (`GET /items/{id}`); the rendered parts when absent.
    label: Option<String>,
}

impl Target {
    /// An empty target, to be built with [`Target::with`] / [`Target::push`].
    pub fn new() -> Target {
        Target::default()
    }

    /// A target of plain text.
    pub fn literal(text: &str) -> Target {
        Target::new().with(TargetPart::Literal(text.to_string()))
    }

    /// A target made of the literal text and symbols of a resolved string.
    pub fn from_sym_str(value: &SymStr) -> Target {
        Target::new().with_sym_str(value)
    }

    /// Appends a part; adjacent literals are merged and empty ones dropped.
    pub fn push(&mut self, part: TargetPart) {
        match part {
            TargetPart::Literal(text) if text.is_empty() => {}
            TargetPart::Literal(text) => match self.parts.last_mut() {
                Some(TargetPart::Literal(last)) => last.push_str(&text),
                _ => self.parts.push(TargetPart::Literal(text)),
            },
            other => self.parts.push(other),
        }
    }

    /// Appends the literal text and symbols of a resolved string.
    pub fn push_sym_str(&mut self, value: &SymStr) {
        for part in value.parts() {
            match part {
                Part::Literal(text) => self.push(TargetPart::Literal(text.clone())),
                Part::Symbol(symbol) => self.push(TargetPart::Symbol(symbol.clone())),
            }
        }
    }

    /// Builder form of [`Target::push`].
    pub fn with(mut self, part: TargetPart) -> Target {
        self.push(part);
        self
    }

    /// Builder form of [`Target::push_sym_str`].
    pub fn with_sym_str(mut self, value: &SymStr) -> Target {
        self.push_sym_str(value);
        self
    }

    /// Names the target in messages.
    pub fn with_label(mut self, label: impl Into<String>) -> Target {
        self.label = Some(label.into());
        self
    }

    /// The parts, in order.
    pub fn parts(&self) -> &[TargetPart] {
        &self.parts
    }

    /// How messages name the target, when set.
    pub fn label(&self) -> Option<&str> {
        self.label.as_deref()
    }

    /// The symbols of the target, in order.
    pub fn symbols(&self) -> impl Iterator<Item = &Symbol> {
        self.parts.iter().filter_map(|p| match p {
            TargetPart::Symbol(s) => Some(s),
            _ => None,
        })
    }

    /// Whether the target stands for more than one request.
    pub fn has_holes(&self) -> bool {
        self.parts.iter().any(|p| {
            matches!(
                p,
                TargetPart::AnySegment | TargetPart::AnyPath | TargetPart::AnyVerb
            )
        })
    }
}

impl fmt::Display for Target {
    /// The label if any, else the parts with holes as `{param}`, `{proxy+}` and `ANY`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(label) = &self.label {
            return f.write_str(label);
        }
        for part in &self.parts {
            match part {
                TargetPart::Literal(text) => f.write_str(text)?,
                TargetPart::Symbol(symbol) => write!(f, "{symbol}")?,
                TargetPart::AnySegment => f.write_str("{param}")?,
                TargetPart::AnyPath => f.write_str("{proxy+}")?,
                TargetPart::AnyVerb => f.write_str("ANY")?,
            }
        }
        Ok(())
    }
}

/// How much of a target a pattern matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Coverage {
    /// Every request the target stands for, whatever the symbols' values.
    All,
    /// Some requests but not all, whatever the symbols' values.
    Some,
    /// No request, whatever the symbols' values.
    None,
    /// Depends on the values of symbols or policy variables (or the analysis gave up).
    Unknown,
}

impl Coverage {
    /// The coverage of the complement (what a `NotResource` matches).
    pub fn complement(self) -> Coverage {
        match self {
            Coverage::All => Coverage::None,
            Coverage::None => Coverage::All,
            other => other,
        }
    }
}

/// One element of a compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Char(char),
    /// `?`; `colon`: may match `:`.
    AnyChar {
        colon: bool,
    },
    /// `*` (runs merged); `colon`: may cross `:`.
    Star {
        colon: bool,
    },
    /// Boxed, like the variable's name, so that a token (one per character) stays small.
    Symbol(Box<Symbol>),
    /// A policy variable, named as written inside `${...}`.
    Variable(Box<str>),
}

/// A policy `Resource` compiled for matching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    source: SymStr,
    tokens: Vec<Token>,
}

impl Pattern {
    /// Compiles a resolved `Resource` value. `policy_variables`: the document has
    /// `Version: 2012-10-17`, so `${...}` is a policy variable rather than literal text.
    pub fn new(source: &SymStr, policy_variables: bool) -> Pattern {
        let raw = lex(source, policy_variables);
        Pattern {
            source: source.clone(),
            tokens: assign_colon_rules(raw),
        }
    }

    /// A pattern of plain text (no symbols, no policy variables).
    pub fn literal(text: &str) -> Pattern {
        Pattern::new(&SymStr::literal(text), false)
    }

    /// The value the pattern was compiled from.
    pub fn source(&self) -> &SymStr {
        &self.source
    }

    /// The symbols of the pattern, in order.
    pub fn symbols(&self) -> impl Iterator<Item = &Symbol> {
        self.tokens.iter().filter_map(|t| match t {
            Token::Symbol(s) => Some(&**s),
            _ => None,
        })
    }

    /// The policy variables of the pattern, as written (`aws:username`).
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.tokens.iter().filter_map(|t| match t {
            Token::Variable(name) => Some(&**name),
            _ => None,
        })
    }

    /// How much of `target` this pattern matches.
    pub fn coverage(&self, target: &Target) -> Coverage {
        coverage_of_any(std::slice::from_ref(self), target)
    }

    /// Whether the pattern names a unique generated id ([`Symbol::is_unique_id`]) that `target`
    /// cannot contain: the target lacks that symbol and has none whose value may be any text. Such a
    /// pattern matches none of the target's requests (an approximation: path parameters are assumed
    /// not to spell another resource's generated id).
    pub fn names_unique_id_absent_from(&self, target: &Target) -> bool {
        if target.symbols().any(Symbol::is_free_text) {
            return false;
        }
        self.symbols()
            .filter(|s| s.is_unique_id())
            .any(|id| !target.symbols().any(|s| s == id))
    }

    /// Whether the pattern's literal characters before its first wildcard, symbol or variable (or
    /// after its last) differ from the target's literal text at the same place: then no request of
    /// the target matches, whatever the symbols' values (matching is anchored and case-sensitive).
    fn literally_excludes(&self, target: &Target) -> bool {
        let forward = target.parts.iter().flat_map(atoms_of);
        let backward = target.parts.iter().rev().flat_map(atoms_of_reversed);
        let all_literal = self.tokens.iter().all(|t| matches!(t, Token::Char(_)));
        aligned_mismatch(self.tokens.iter(), forward)
            || aligned_mismatch(self.tokens.iter().rev(), backward)
            // A pattern of plain text longer than a target of plain text cannot match it.
            || (all_literal
                && matches!(target.parts.as_slice(), [TargetPart::Literal(text)] if text.chars().count() != self.tokens.len()))
    }

    /// The answer without automata for the common shapes, when it is plain: a pattern of literal text
    /// and symbols, perhaps ending in a `*` that may cross anything (`arn:...:${Api}/*`, an exact
    /// function ARN), read against the target from its start. `None` where the shape or the target
    /// (a hole or a different symbol before the pattern ends) needs the full exploration.
    fn prefix_coverage(&self, target: &Target) -> Option<Coverage> {
        let (body, star) = match self.tokens.split_last() {
            Some((Token::Star { colon: true }, body)) => (body, true),
            _ => (self.tokens.as_slice(), false),
        };
        let mut atoms = target.parts.iter().flat_map(atoms_of);
        for token in body {
            let atom = atoms.next()?;
            match (token, atom) {
                (Token::Char(c), Atom::Char(d)) if *c == d => {}
                // Text against text at the same place, nothing variable before: no request matches.
                (Token::Char(_), Atom::Char(_)) => return Some(Coverage::None),
                // The same symbol on both sides reads as the same text only when its value cannot
                // hold wildcards itself (a parameter may be `*`).
                (Token::Symbol(s), Atom::Part(TargetPart::Symbol(t)))
                    if **s == *t && !s.is_free_text() => {}
                _ => return None,
            }
        }
        match atoms.next() {
            _ if star => Some(Coverage::All),
            None => Some(Coverage::All),
            Some(Atom::Char(_)) => Some(Coverage::None),
            Some(Atom::Part(_)) => None,
        }
    }

    fn is_symbolic(&self) -> bool {
        self.tokens
            .iter()
            .any(|t| matches!(t, Token::Symbol(_) | Token::Variable(_)))
    }
}

/// How much of `target` the union of `patterns` matches (a `Resource` list, or the grants of several
/// statements together). No pattern: [`Coverage::None`].
pub fn coverage_of_any(patterns: &[Pattern], target: &Target) -> Coverage {
    // A pattern naming a unique generated id the target lacks, or whose literal beginning or end
    // contradicts the target's, matches none of its requests: dropping those first spares building
    // automata for the many statements that name other resources.
    let excluded: Vec<bool> = patterns
        .iter()
        .map(|p| p.names_unique_id_absent_from(target) || p.literally_excludes(target))
        .collect();
    if excluded.iter().any(|e| *e) {
        let rest: Vec<Pattern> = patterns
            .iter()
            .zip(&excluded)
            .filter(|(_, e)| !**e)
            .map(|(p, _)| p.clone())
            .collect();
        return coverage_of_remaining(&rest, target);
    }
    coverage_of_remaining(patterns, target)
}

/// [`coverage_of_any`] once no pattern is plainly excluded.
fn coverage_of_remaining(patterns: &[Pattern], target: &Target) -> Coverage {
    if patterns.is_empty() {
        return Coverage::None;
    }
    if let [pattern] = patterns
        && let Some(coverage) = pattern.prefix_coverage(target)
    {
        return coverage;
    }
    let automaton = PatternSet::new(patterns);
    let nfa = TargetNfa::build(target);
    let alphabet = alphabet(patterns, target);
    let Some(opaque) = explore(&automaton, &nfa, &alphabet, Mode::Opaque) else {
        return Coverage::Unknown;
    };
    if !opaque.any_miss {
        return Coverage::All;
    }
    let symbolic = target.symbols().next().is_some() || patterns.iter().any(Pattern::is_symbolic);
    if !symbolic {
        return if opaque.any_match {
            Coverage::Some
        } else {
            Coverage::None
        };
    }
    let Some(wild) = explore(&automaton, &nfa, &alphabet, Mode::Wild) else {
        return Coverage::Unknown;
    };
    if !wild.any_match {
        Coverage::None
    } else if opaque.any_match && wild.any_miss {
        Coverage::Some
    } else {
        Coverage::Unknown
    }
}

/// Whether an IAM action pattern (`execute-api:*`, `lambda:Invoke*`, `*`) matches an action:
/// case-insensitive, anchored, `*` and `?` as wildcards.
pub fn action_matches(pattern: &str, action: &str) -> bool {
    let pattern: Vec<char> = pattern.to_lowercase().chars().collect();
    let action: Vec<char> = action.to_lowercase().chars().collect();
    glob_match(&pattern, &action)
}

/// Anchored glob on concrete text: `*` any run, `?` one character, everything else itself.
fn glob_match(pattern: &[char], text: &[char]) -> bool {
    let (mut p, mut t) = (0, 0);
    // Where the last `*` was and how much text it has taken so far.
    let mut backtrack: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some('*') => {
                backtrack = Some((p, t));
                p += 1;
            }
            Some(c) if *c == '?' || Some(c) == text.get(t) => {
                p += 1;
                t += 1;
            }
            _ => match backtrack {
                Some((star, taken)) => {
                    p = star + 1;
                    t = taken + 1;
                    backtrack = Some((star, taken + 1));
                }
                None => return false,
            },
        }
    }
    pattern
        .get(p..)
        .is_some_and(|rest| rest.iter().all(|c| *c == '*'))
}

/// A pattern element before the ARN-segment rule is applied.
enum Raw {
    Char(char),
    Question,
    Star,
    Symbol(Symbol),
    Variable(String),
}

fn lex(source: &SymStr, policy_variables: bool) -> Vec<Raw> {
    let mut raw = Vec::new();
    for part in source.parts() {
        match part {
            Part::Symbol(symbol) => raw.push(Raw::Symbol(symbol.clone())),
            Part::Literal(text) => lex_text(text, policy_variables, &mut raw),
        }
    }
    raw
}

fn lex_text(text: &str, policy_variables: bool, raw: &mut Vec<Raw>) {
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if policy_variables
            && rest.starts_with("${")
            && let Some(end) = rest.find('}')
        {
            let name = rest.get(2..end).unwrap_or("");
            raw.push(match name {
                "*" => Raw::Char('*'),
                "?" => Raw::Char('?'),
                "$" => Raw::Char('$'),
                _ => Raw::Variable(name.to_string()),
            });
            rest = rest.get(end + 1..).unwrap_or("");
            continue;
        }
        raw.push(match c {
            '*' => Raw::Star,
            '?' => Raw::Question,
            other => Raw::Char(other),
        });
        rest = rest.get(c.len_utf8()..).unwrap_or("");
    }
}

/// Number of `:`-separated fields before the resource part of an ARN.
const ARN_HEAD_COLONS: usize = 5;

/// Applies the ARN-segment rule (see the module doc) and merges runs of `*`.
fn assign_colon_rules(raw: Vec<Raw>) -> Vec<Token> {
    let is_arn = matches!(
        raw.as_slice(),
        [
            Raw::Char('a'),
            Raw::Char('r'),
            Raw::Char('n'),
            Raw::Char(':'),
            ..
        ]
    );
    let mut tokens: Vec<Token> = Vec::new();
    let mut colons = 0;
    let mut counted = true;
    for (index, item) in raw.iter().enumerate() {
        let in_head = is_arn && counted && colons < ARN_HEAD_COLONS;
        let token = match item {
            Raw::Char(c) => {
                if *c == ':' {
                    colons += 1;
                }
                Token::Char(*c)
            }
            Raw::Question => Token::AnyChar { colon: !in_head },
            Raw::Star => {
                let colon = !in_head || star_ends_field(raw.get(index + 1..).unwrap_or(&[]));
                if let Some(Token::Star { colon: previous }) = tokens.last_mut() {
                    *previous = *previous || colon;
                    continue;
                }
                Token::Star { colon }
            }
            Raw::Symbol(symbol) => {
                counted = counted && symbol.is_atomic_for(":");
                Token::Symbol(Box::new(symbol.clone()))
            }
            Raw::Variable(name) => {
                counted = false;
                Token::Variable(name.as_str().into())
            }
        };
        tokens.push(token);
    }
    tokens
}

/// Whether a `*` followed by `rest` is the last character of its ARN field: the next element that
/// is not a `*` is a `:`, the end, or a value that may start with `:` (a symbol or variable).
fn star_ends_field(rest: &[Raw]) -> bool {
    match rest.iter().find(|r| !matches!(r, Raw::Star)) {
        None | Some(Raw::Char(':') | Raw::Symbol(_) | Raw::Variable(_) | Raw::Star) => true,
        Some(Raw::Char(_) | Raw::Question) => false,
    }
}

/// How symbols are read while exploring (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// A symbol is one opaque letter, equal only to itself: a match holds for all values.
    Opaque,
    /// A symbol is any string: a miss holds for all values.
    Wild,
}

/// A letter of the target's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Letter<'t> {
    Char(char),
    Symbol(&'t Symbol),
}

/// Set of pattern positions, one bit per (pattern, position).
type Positions = Vec<u64>;

/// The union of several patterns as one NFA: a state is a position in one pattern.
struct PatternSet<'p> {
    patterns: &'p [Pattern],
    /// Index of each pattern's position 0; the last entry is the total.
    offsets: Vec<usize>,
}

impl<'p> PatternSet<'p> {
    fn new(patterns: &'p [Pattern]) -> Self {
        let mut offsets = Vec::with_capacity(patterns.len() + 1);
        let mut total = 0;
        for pattern in patterns {
            offsets.push(total);
            total += pattern.tokens.len() + 1;
        }
        offsets.push(total);
        PatternSet { patterns, offsets }
    }

    fn empty(&self) -> Positions {
        let total = self.offsets.last().copied().unwrap_or(0);
        vec![0; total.div_ceil(64)]
    }

    fn index(&self, pattern: usize, position: usize) -> usize {
        self.offsets.get(pattern).copied().unwrap_or(0) + position
    }

    fn contains(&self, set: &Positions, pattern: usize, position: usize) -> bool {
        let i = self.index(pattern, position);
        set.get(i / 64)
            .is_some_and(|word| word & (1 << (i % 64)) != 0)
    }

    fn insert(&self, set: &mut Positions, pattern: usize, position: usize) {
        let i = self.index(pattern, position);
        if let Some(word) = set.get_mut(i / 64) {
            *word |= 1 << (i % 64);
        }
    }

    fn start(&self, mode: Mode) -> Positions {
        let mut set = self.empty();
        for p in 0..self.patterns.len() {
            self.insert(&mut set, p, 0);
        }
        self.close(&mut set, mode);
        set
    }

    /// Adds the positions reachable by reading nothing: past a `*` (and, read as any string, past a
    /// symbol or variable).
    fn close(&self, set: &mut Positions, mode: Mode) {
        for (p, pattern) in self.patterns.iter().enumerate() {
            for (i, token) in pattern.tokens.iter().enumerate() {
                let skippable = match token {
                    Token::Star { .. } => true,
                    Token::Symbol(_) | Token::Variable(_) => mode == Mode::Wild,
                    Token::Char(_) | Token::AnyChar { .. } => false,
                };
                if skippable && self.contains(set, p, i) {
                    self.insert(set, p, i + 1);
                }
            }
        }
    }

    fn accepts(&self, set: &Positions) -> bool {
        self.patterns
            .iter()
            .enumerate()
            .any(|(p, pattern)| self.contains(set, p, pattern.tokens.len()))
    }

    fn is_empty(set: &Positions) -> bool {
        set.iter().all(|word| *word == 0)
    }

    /// The positions after reading `letter`.
    fn step(&self, set: &Positions, letter: Letter<'_>, mode: Mode) -> Positions {
        let mut next = self.empty();
        for (p, pattern) in self.patterns.iter().enumerate() {
            if let (Letter::Symbol(symbol), Mode::Wild) = (letter, mode) {
                if symbol.is_atomic_for("/") && symbol.is_atomic_for(":") {
                    self.step_atomic_string(set, &mut next, p, &pattern.tokens);
                } else {
                    self.step_any_string(set, &mut next, p, pattern.tokens.len());
                }
                continue;
            }
            for (i, token) in pattern.tokens.iter().enumerate() {
                if !self.contains(set, p, i) {
                    continue;
                }
                match advance(token, letter, mode) {
                    Advance::Stay => self.insert(&mut next, p, i),
                    Advance::Next => self.insert(&mut next, p, i + 1),
                    Advance::Fail => {}
                }
            }
        }
        self.close(&mut next, mode);
        next
    }

    /// Reading a symbol whose value never holds `/` or `:` (a region, an account, a physical id): from a
    /// held position, every position up to the next literal `/` or `:` of the pattern (an
    /// over-approximation, so a miss still holds for every value).
    fn step_atomic_string(
        &self,
        set: &Positions,
        next: &mut Positions,
        p: usize,
        tokens: &[Token],
    ) {
        // One pass (from each held position until a `/` or `:` is one run): a loop per held position
        // was quadratic in a pattern of thousands of policy variables (found by `fuzz/`).
        let mut running = false;
        for i in 0..=tokens.len() {
            running |= self.contains(set, p, i);
            if running {
                self.insert(next, p, i);
            }
            if matches!(tokens.get(i), None | Some(Token::Char('/' | ':'))) {
                running = false;
            }
        }
    }

    /// Reading a string that may be anything: every position from the first one held onwards.
    fn step_any_string(&self, set: &Positions, next: &mut Positions, p: usize, len: usize) {
        if let Some(first) = (0..=len).find(|i| self.contains(set, p, *i)) {
            for i in first..=len {
                self.insert(next, p, i);
            }
        }
    }
}

/// What one pattern token does with one letter.
enum Advance {
    Stay,
    Next,
    Fail,
}

fn advance(token: &Token, letter: Letter<'_>, mode: Mode) -> Advance {
    match (token, letter) {
        (Token::Char(c), Letter::Char(x)) if *c == x => Advance::Next,
        (Token::AnyChar { colon }, Letter::Char(x)) if *colon || x != ':' => Advance::Next,
        (Token::Star { colon }, Letter::Char(x)) if *colon || x != ':' => Advance::Stay,
        (Token::Star { colon }, Letter::Symbol(s)) if *colon || s.is_atomic_for(":") => {
            Advance::Stay
        }
        (Token::Symbol(s), Letter::Symbol(t)) if mode == Mode::Opaque && **s == *t => Advance::Next,
        // A region, an account or a physical id never holds `/` or `:`.
        (Token::Symbol(s), Letter::Char('/' | ':'))
            if mode == Mode::Wild && s.is_atomic_for("/") && s.is_atomic_for(":") =>
        {
            Advance::Fail
        }
        (Token::Symbol(_) | Token::Variable(_), Letter::Char(_)) if mode == Mode::Wild => {
            Advance::Stay
        }
        _ => Advance::Fail,
    }
}

/// An edge label of the target automaton.
#[derive(Debug, Clone, Copy)]
enum Edge<'t> {
    Letter(Letter<'t>),
    /// Any character but `/`.
    NotSlash,
    AnyChar,
}

/// The target as an NFA over letters: a chain, with loops for holes and branches for verbs. Every
/// state can reach the accepting one.
struct TargetNfa<'t> {
    edges: Vec<Vec<(Edge<'t>, usize)>>,
    accept: usize,
}

impl<'t> TargetNfa<'t> {
    fn build(target: &'t Target) -> Self {
        let mut nfa = TargetNfa {
            edges: vec![Vec::new()],
            accept: 0,
        };
        let mut current = 0;
        for part in &target.parts {
            current = match part {
                TargetPart::Literal(text) => text.chars().fold(current, |from, c| {
                    nfa.chain(from, Edge::Letter(Letter::Char(c)))
                }),
                TargetPart::Symbol(symbol) => {
                    nfa.chain(current, Edge::Letter(Letter::Symbol(symbol)))
                }
                TargetPart::AnySegment => nfa.one_or_more(current, Edge::NotSlash),
                TargetPart::AnyPath => nfa.one_or_more(current, Edge::AnyChar),
                TargetPart::AnyVerb => nfa.verbs(current),
            };
        }
        nfa.accept = current;
        nfa
    }

    fn new_state(&mut self) -> usize {
        self.edges.push(Vec::new());
        self.edges.len() - 1
    }

    fn add_edge(&mut self, from: usize, edge: Edge<'t>, to: usize) {
        if let Some(out) = self.edges.get_mut(from) {
            out.push((edge, to));
        }
    }

    fn chain(&mut self, from: usize, edge: Edge<'t>) -> usize {
        let to = self.new_state();
        self.add_edge(from, edge, to);
        to
    }

    fn one_or_more(&mut self, from: usize, edge: Edge<'t>) -> usize {
        let to = self.chain(from, edge);
        self.add_edge(to, edge, to);
        to
    }

    fn verbs(&mut self, from: usize) -> usize {
        let end = self.new_state();
        for verb in HTTP_VERBS {
            let mut at = from;
            let mut chars = verb.chars().peekable();
            while let Some(c) = chars.next() {
                let edge = Edge::Letter(Letter::Char(c));
                if chars.peek().is_some() {
                    at = self.chain(at, edge);
                } else {
                    self.add_edge(at, edge, end);
                }
            }
        }
        end
    }
}

/// The characters that stand for every character a hole may hold: each character the patterns
/// distinguish, `:` and `/`, and one they do not.
fn alphabet(patterns: &[Pattern], target: &Target) -> Vec<char> {
    let mut chars: Vec<char> = vec![':', '/'];
    for pattern in patterns {
        for token in &pattern.tokens {
            if let Token::Char(c) = token
                && !chars.contains(c)
            {
                chars.push(*c);
            }
        }
    }
    let used_in_target = |c: char| {
        target.parts.iter().any(|p| match p {
            TargetPart::Literal(text) => text.contains(c),
            _ => false,
        })
    };
    let other = (0xE000..0xF8FF)
        .filter_map(char::from_u32)
        .find(|c| !chars.contains(c) && !used_in_target(*c));
    chars.extend(other);
    chars
}

/// What the exploration saw at the end of the target's words.
struct Outcome {
    /// Some word is matched by a pattern.
    any_match: bool,
    /// Some word is matched by no pattern.
    any_miss: bool,
}

/// Explores the product of the target NFA with the determinised pattern set. `None` when the state
/// budget runs out.
fn explore(
    patterns: &PatternSet<'_>,
    target: &TargetNfa<'_>,
    alphabet: &[char],
    mode: Mode,
) -> Option<Outcome> {
    let mut outcome = Outcome {
        any_match: false,
        any_miss: false,
    };
    let start = (0, patterns.start(mode));
    let mut seen: FxHashSet<(usize, Positions)> = FxHashSet::default();
    let mut queue = VecDeque::new();
    seen.insert(start.clone());
    queue.push_back(start);
    let width = patterns.offsets.last().copied().unwrap_or(0).max(1);
    let mut work: usize = 0;
    while let Some((state, positions)) = queue.pop_front() {
        if state == target.accept {
            if patterns.accepts(&positions) {
                outcome.any_match = true;
            } else {
                outcome.any_miss = true;
            }
        }
        if outcome.any_match && outcome.any_miss {
            break;
        }
        for (edge, to) in target.edges.get(state).into_iter().flatten() {
            for letter in letters(*edge, alphabet) {
                work = work.saturating_add(width);
                if work > MAX_WORK {
                    return None;
                }
                let next = patterns.step(&positions, letter, mode);
                if PatternSet::is_empty(&next) {
                    // No pattern can match any more, and every state reaches the end.
                    outcome.any_miss = true;
                    continue;
                }
                let key = (*to, next);
                if seen.len() >= MAX_STATES && !seen.contains(&key) {
                    return None;
                }
                if seen.insert(key.clone()) {
                    queue.push_back(key);
                }
            }
        }
    }
    Some(outcome)
}

fn letters<'t>(edge: Edge<'t>, alphabet: &[char]) -> Vec<Letter<'t>> {
    match edge {
        Edge::Letter(letter) => vec![letter],
        Edge::NotSlash => alphabet
            .iter()
            .filter(|c| **c != '/')
            .map(|c| Letter::Char(*c))
            .collect(),
        Edge::AnyChar => alphabet.iter().map(|c| Letter::Char(*c)).collect(),
    }
}

#[cfg(test)]
mod tests;
