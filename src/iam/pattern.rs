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
//! is sound but may be [`Coverage::Unknown`] where a cleverer analysis would decide.
//!
//! Cost (issue 14): polynomial in the patterns' length `m` and the target's `n`, never exponential.
//! A state of the determinised pattern set is a sorted list of held positions, pruned as it is
//! built: a held `*` drops the earlier positions of its pattern whose continuations it accepts too,
//! and a held `*` that only stars follow stands for the whole set (see `PatternSet::subsume`). So
//! `*a*a*a…` has one state per `a` read, and without `?` a pattern of `m` tokens has at most `m + 1`
//! states per target state. Along a hole, only the characters the held tokens expect, `:`, `/` and
//! one character standing for all the others are tried, so a state with `k` held positions costs
//! `O(k²)` (its `k + 3` letters, each stepped in `O(k)` after a sort). Patterns with `?` can need
//! exponentially many subsets (`*a??…?`); the exploration stops after [`MAX_STATES`] states or
//! [`MAX_WORK`] positions stepped, whichever comes first, and answers `Unknown` (sound). Compiling is
//! linear, and matching action names ([`action_matches`]) is `O(n·m)`. Measured (release build):
//! 8,000 `*a` against any path 0.01 s; `*` and 8,000 distinct characters, each followed by `*`,
//! against any path 0.02 s (3.9 s for 800 before the pruning, cubic); `*a` and 20 `?` reaches the
//! budget in 0.4 s.

use std::collections::VecDeque;

use rustc_hash::FxHashSet;
use std::fmt;

use crate::resolve::{Part, SymStr, Symbol};

/// The verbs an `ANY` route stands for, as they appear in the request ARN.
pub const HTTP_VERBS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// Most product states explored before the answer becomes [`Coverage::Unknown`].
const MAX_STATES: usize = 200_000;
/// Most positions stepped in one exploration (the sum over steps of the positions held before and
/// after) before the answer becomes [`Coverage::Unknown`]: bounds time and memory whatever the shape.
/// The largest exploration in the fixtures and the shared corpora (SAM's tests, cfn-lint's,
/// serverless-patterns) steps 526 positions; a `Resource` of 14,000 policy variables checked against
/// every route of `fixtures/` took 12 s at a budget of 20,000,000 (a question costs up to the budget,
/// and a deployment asks one per statement and route).
const MAX_WORK: usize = 200_000;

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
    let ends_field = stars_ending_fields(&raw);
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
                let colon = !in_head || ends_field.get(index).copied().unwrap_or(true);
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

/// Per element: whether a `*` there is the last character of its ARN field, i.e. the next element
/// that is not a `*` is a `:`, the end, or a value that may start with `:` (a symbol or variable).
/// One backward pass, so a run of thousands of stars costs what it is long.
fn stars_ending_fields(raw: &[Raw]) -> Vec<bool> {
    let mut ends = vec![true; raw.len()];
    // Whether what follows the current element (stars skipped) ends the field.
    let mut next_ends = true;
    for (index, item) in raw.iter().enumerate().rev() {
        if let Some(slot) = ends.get_mut(index) {
            *slot = next_ends;
        }
        next_ends = match item {
            Raw::Star => next_ends,
            Raw::Char(':') | Raw::Symbol(_) | Raw::Variable(_) => true,
            Raw::Char(_) | Raw::Question => false,
        };
    }
    ends
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

/// Set of pattern positions: global indices (see [`PatternSet`]), ascending, each once.
type Positions = Vec<usize>;

/// The union of several patterns as one NFA: a state is a position in one pattern. Positions are
/// numbered globally, pattern after pattern; each pattern has one more position than tokens (its end,
/// where it accepts).
struct PatternSet<'p> {
    /// Per global position: the token there, `None` at a pattern's end.
    tokens: Vec<Option<&'p Token>>,
    /// Per global position: the global index of its pattern's end.
    ends: Vec<usize>,
    /// Per global position holding a star: the first position it subsumes (see [`Self::subsume`]).
    subsumes_from: Vec<Option<usize>>,
    /// Per global position: only stars that cross anything follow, so every continuation matches.
    universal: Vec<bool>,
}

impl<'p> PatternSet<'p> {
    fn new(patterns: &'p [Pattern]) -> Self {
        let mut set = PatternSet {
            tokens: Vec::new(),
            ends: Vec::new(),
            subsumes_from: Vec::new(),
            universal: Vec::new(),
        };
        for pattern in patterns {
            let start = set.tokens.len();
            let end = start + pattern.tokens.len();
            // The first position of the current run of tokens that never read a `:` or a symbol.
            let mut colon_free_from = start;
            for (i, token) in pattern.tokens.iter().enumerate() {
                let at = start + i;
                set.tokens.push(Some(token));
                set.ends.push(end);
                set.subsumes_from.push(match token {
                    Token::Star { colon: true } => Some(start),
                    Token::Star { colon: false } => Some(colon_free_from),
                    _ => None,
                });
                let colon_free = match token {
                    Token::Char(c) => *c != ':',
                    Token::AnyChar { colon } | Token::Star { colon } => !colon,
                    Token::Symbol(_) | Token::Variable(_) => false,
                };
                if !colon_free {
                    colon_free_from = at + 1;
                }
            }
            set.tokens.push(None);
            set.ends.push(end);
            set.subsumes_from.push(None);
            // Read backwards: a star that crosses anything is universal when the end or another
            // universal position follows it.
            let mut universal: Vec<bool> = pattern
                .tokens
                .iter()
                .rev()
                .scan(true, |rest_universal, token| {
                    *rest_universal =
                        *rest_universal && matches!(token, Token::Star { colon: true });
                    Some(*rest_universal)
                })
                .collect();
            universal.reverse();
            set.universal.extend(universal);
            set.universal.push(false);
        }
        set
    }

    fn token(&self, position: usize) -> Option<&'p Token> {
        self.tokens.get(position).copied().flatten()
    }

    /// Every pattern's first position, closed.
    fn start(&self, mode: Mode) -> Positions {
        let firsts = self
            .tokens
            .iter()
            .enumerate()
            .filter(|(i, _)| *i == 0 || self.tokens.get(i - 1).is_some_and(Option::is_none))
            .map(|(i, _)| i)
            .collect();
        self.close(firsts, mode)
    }

    /// Whether reading nothing moves past the token at `position`: a `*` (and, read as any string, a
    /// symbol or variable).
    fn skippable(&self, position: usize, mode: Mode) -> bool {
        match self.token(position) {
            Some(Token::Star { .. }) => true,
            Some(Token::Symbol(_) | Token::Variable(_)) => mode == Mode::Wild,
            Some(Token::Char(_) | Token::AnyChar { .. }) | None => false,
        }
    }

    /// Sorts `positions`, adds those reachable by reading nothing, and drops the subsumed ones. Linear
    /// after the sort: a chain of skippable tokens is walked once, however many positions start in it.
    fn close(&self, mut positions: Vec<usize>, mode: Mode) -> Positions {
        positions.sort_unstable();
        positions.dedup();
        let mut closed = Vec::with_capacity(positions.len());
        let mut walked_to: Option<usize> = None;
        for position in positions {
            if walked_to.is_some_and(|end| position <= end) {
                continue;
            }
            let mut i = position;
            closed.push(i);
            while self.skippable(i, mode) {
                i += 1;
                closed.push(i);
            }
            walked_to = Some(i);
        }
        self.subsume(closed)
    }

    /// Drops the positions whose every continuation a held star of the same pattern also accepts, so
    /// a set holds few positions and `*a*a*a…` has one state per `a` read, not one per subset. A `*`
    /// that may cross `:` at position `s` subsumes every earlier position `j` of its pattern: a match
    /// from `j` passes through `s`, and whatever was read before, the star could have read it. A `*`
    /// that may not cross `:` subsumes the earlier positions from which only tokens that never read a
    /// `:` or a symbol lead to it (iam-semantics.md §2; the proof is the same, for text without `:`).
    fn subsume(&self, closed: Positions) -> Positions {
        // A universal position matches whatever follows, as the whole set then does: it and the
        // stars after it up to its pattern's end stand for the set.
        if let Some(&universal) = closed
            .iter()
            .find(|&&i| self.universal.get(i).copied().unwrap_or(false))
        {
            let end = self.ends.get(universal).copied().unwrap_or(universal);
            return (universal..=end).collect();
        }
        let mut kept = Vec::with_capacity(closed.len());
        // The lowest position subsumed by a star seen so far (reading downwards), in pattern `end`.
        let mut subsumed: Option<(usize, usize)> = None;
        for &position in closed.iter().rev() {
            let end = self.ends.get(position).copied().unwrap_or(0);
            if subsumed.is_some_and(|(e, from)| e == end && from <= position) {
                continue;
            }
            kept.push(position);
            if let Some(from) = self.subsumes_from.get(position).copied().flatten() {
                let lowest = match subsumed {
                    Some((e, lower)) if e == end => from.min(lower),
                    _ => from,
                };
                subsumed = Some((end, lowest));
            }
        }
        kept.reverse();
        kept
    }

    fn accepts(&self, set: &Positions) -> bool {
        set.iter().any(|&i| self.token(i).is_none())
    }

    /// The characters the held positions tell apart: those their literal tokens expect.
    fn expected_chars(&self, set: &Positions) -> Vec<char> {
        let mut chars: Vec<char> = set
            .iter()
            .filter_map(|&i| match self.token(i) {
                Some(Token::Char(c)) => Some(*c),
                _ => None,
            })
            .collect();
        chars.sort_unstable();
        chars.dedup();
        chars
    }

    /// The positions after reading `letter`.
    fn step(&self, set: &Positions, letter: Letter<'_>, mode: Mode) -> Positions {
        let next = match (letter, mode) {
            (Letter::Symbol(symbol), Mode::Wild) => {
                if symbol.is_atomic_for("/") && symbol.is_atomic_for(":") {
                    self.step_atomic_string(set)
                } else {
                    self.step_any_string(set)
                }
            }
            _ => set
                .iter()
                .filter_map(|&i| match advance(self.token(i)?, letter, mode) {
                    Advance::Stay => Some(i),
                    Advance::Next => Some(i + 1),
                    Advance::Fail => None,
                })
                .collect(),
        };
        self.close(next, mode)
    }

    /// Reading a symbol whose value never holds `/` or `:` (a region, an account, a physical id): from a
    /// held position, every position up to the next literal `/` or `:` of the pattern (an
    /// over-approximation, so a miss still holds for every value).
    fn step_atomic_string(&self, set: &Positions) -> Vec<usize> {
        let mut next = Vec::new();
        let mut walked_to: Option<usize> = None;
        for &start in set {
            if walked_to.is_some_and(|end| start <= end) {
                continue;
            }
            let mut i = start;
            loop {
                next.push(i);
                match self.token(i) {
                    None | Some(Token::Char('/' | ':')) => break,
                    Some(_) => i += 1,
                }
            }
            walked_to = Some(i);
        }
        next
    }

    /// Reading a string that may be anything: in each pattern, every position from the first one held.
    fn step_any_string(&self, set: &Positions) -> Vec<usize> {
        let mut next = Vec::new();
        let mut done_pattern: Option<usize> = None;
        for &first in set {
            let end = self.ends.get(first).copied().unwrap_or(first);
            if done_pattern == Some(end) {
                continue;
            }
            next.extend(first..=end);
            done_pattern = Some(end);
        }
        next
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
/// distinguish, `:` and `/`, and one they do not (`other`, when the private use area has one free).
struct Alphabet {
    chars: Vec<char>,
    other: Option<char>,
}

fn alphabet(patterns: &[Pattern], target: &Target) -> Alphabet {
    let mut chars: Vec<char> = vec![':', '/'];
    let mut known: FxHashSet<char> = chars.iter().copied().collect();
    for pattern in patterns {
        for token in &pattern.tokens {
            if let Token::Char(c) = token
                && known.insert(*c)
            {
                chars.push(*c);
            }
        }
    }
    let used_in_target: FxHashSet<char> = target
        .parts
        .iter()
        .filter_map(|p| match p {
            TargetPart::Literal(text) => Some(text.chars()),
            _ => None,
        })
        .flatten()
        .collect();
    let other = (0xE000..0xF8FF)
        .filter_map(char::from_u32)
        .find(|c| !known.contains(c) && !used_in_target.contains(c));
    chars.extend(other);
    Alphabet { chars, other }
}

/// What the exploration saw at the end of the target's words.
struct Outcome {
    /// Some word is matched by a pattern.
    any_match: bool,
    /// Some word is matched by no pattern.
    any_miss: bool,
}

thread_local! {
    /// Positions stepped by every exploration of this thread so far (see [`work_spent`]).
    static WORK_SPENT: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// The positions stepped by every exploration of this thread so far: a meter, so that a caller
/// asking many questions (the access matrix) can bound their sum, which the per-question budget
/// ([`MAX_WORK`]) does not. The only state of this module; it never changes an answer.
pub fn work_spent() -> u64 {
    WORK_SPENT.with(|spent| spent.get())
}

/// Explores the product of the target NFA with the determinised pattern set. `None` when the state
/// budget ([`MAX_STATES`]) or the work budget ([`MAX_WORK`], positions stepped) runs out. The work
/// is added to [`work_spent`].
fn explore(
    patterns: &PatternSet<'_>,
    target: &TargetNfa<'_>,
    alphabet: &Alphabet,
    mode: Mode,
) -> Option<Outcome> {
    let mut work = 0;
    let outcome = explore_metered(patterns, target, alphabet, mode, &mut work);
    WORK_SPENT.with(|spent| spent.set(spent.get().saturating_add(work as u64)));
    outcome
}

/// [`explore`], counting the positions stepped in `work`.
fn explore_metered(
    patterns: &PatternSet<'_>,
    target: &TargetNfa<'_>,
    alphabet: &Alphabet,
    mode: Mode,
    work: &mut usize,
) -> Option<Outcome> {
    let mut outcome = Outcome {
        any_match: false,
        any_miss: false,
    };
    let start = (0, patterns.start(mode));
    *work = start.1.len();
    let mut seen: FxHashSet<(usize, Positions)> = FxHashSet::default();
    let mut queue = VecDeque::new();
    seen.insert(start.clone());
    queue.push_back(start);
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
        let expected = patterns.expected_chars(&positions);
        for (edge, to) in target.edges.get(state).into_iter().flatten() {
            for letter in letters(*edge, alphabet, &expected) {
                let next = patterns.step(&positions, letter, mode);
                *work += positions.len() + next.len();
                if *work > MAX_WORK {
                    return None;
                }
                if next.is_empty() {
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

/// The letters to try along `edge` from a state whose literal tokens expect `expected`: a hole's
/// characters are `:`, `/`, the expected ones and `other`, which stands for every character no held
/// token tells apart (they all step alike). Without `other`, the whole alphabet.
fn letters<'t>(edge: Edge<'t>, alphabet: &Alphabet, expected: &[char]) -> Vec<Letter<'t>> {
    let hole_chars = || -> Vec<char> {
        match alphabet.other {
            Some(other) => {
                let mut chars = vec![':', '/', other];
                chars.extend(expected.iter().filter(|c| !matches!(c, ':' | '/')));
                chars
            }
            None => alphabet.chars.clone(),
        }
    };
    match edge {
        Edge::Letter(letter) => vec![letter],
        Edge::NotSlash => hole_chars()
            .into_iter()
            .filter(|c| *c != '/')
            .map(Letter::Char)
            .collect(),
        Edge::AnyChar => hole_chars().into_iter().map(Letter::Char).collect(),
    }
}

#[cfg(test)]
mod tests;
