//! Pattern tests: the documented cases of iam-semantics.md §1, §2, §4 and §5, and property tests
//! against a brute-force reference that enumerates concrete requests.

use proptest::prelude::*;

use super::*;

const FN: &str = "arn:aws:lambda:us-east-1:123456789012:function:name";
const API: &str = "arn:aws:execute-api:us-east-1:123456789012:abc123";

fn cov(pattern: &str, target: &Target) -> Coverage {
    Pattern::literal(pattern).coverage(target)
}

fn route(verb: Option<&str>, path: &[TargetPart]) -> Target {
    let mut target = Target::literal(&format!("{API}/prod/"));
    match verb {
        Some(verb) => target.push(TargetPart::Literal(verb.to_string())),
        None => target.push(TargetPart::AnyVerb),
    }
    for part in path {
        target.push(part.clone());
    }
    target
}

fn lit(text: &str) -> TargetPart {
    TargetPart::Literal(text.to_string())
}

#[test]
fn actions_are_case_insensitive_globs() {
    assert!(action_matches("execute-api:*", "execute-api:Invoke"));
    assert!(action_matches("EXECUTE-API:invoke", "execute-api:Invoke"));
    assert!(action_matches("*", "lambda:InvokeFunction"));
    assert!(action_matches("*:*", "lambda:InvokeFunction"));
    assert!(action_matches("lambda:Invoke*", "lambda:InvokeFunction"));
    assert!(action_matches(
        "lambda:InvokeFunctio?",
        "lambda:InvokeFunction"
    ));
    assert!(action_matches("lambda:*Function", "lambda:InvokeFunction"));
    assert!(!action_matches("lambda:Invoke?", "lambda:InvokeFunction"));
    assert!(!action_matches("execute-api", "execute-api:Invoke"));
    assert!(!action_matches("lambda:Get*", "lambda:InvokeFunction"));
    assert!(!action_matches("", "lambda:InvokeFunction"));
    assert!(action_matches("**", ""));
}

#[test]
fn unqualified_function_arn_does_not_cover_an_alias() {
    let alias = Target::literal(&format!("{FN}:live"));
    let unqualified = Target::literal(FN);
    assert_eq!(cov(FN, &alias), Coverage::None);
    assert_eq!(cov(&format!("{FN}*"), &alias), Coverage::All);
    assert_eq!(cov(&format!("{FN}:*"), &alias), Coverage::All);
    assert_eq!(cov(&format!("{FN}:live"), &alias), Coverage::All);
    assert_eq!(cov(&format!("{FN}:2"), &alias), Coverage::None);
    assert_eq!(cov(FN, &unqualified), Coverage::All);
    assert_eq!(cov(&format!("{FN}*"), &unqualified), Coverage::All);
    assert_eq!(cov(&format!("{FN}:*"), &unqualified), Coverage::None);
}

#[test]
fn any_route_needs_every_verb() {
    let target = route(None, &[lit("/path")]);
    assert_eq!(
        cov(&format!("{API}/prod/GET/path"), &target),
        Coverage::Some
    );
    assert_eq!(cov(&format!("{API}/prod/*/path"), &target), Coverage::All);
    assert_eq!(cov(&format!("{API}/*"), &target), Coverage::All);
    assert_eq!(cov(&format!("{API}/prod/G*/path"), &target), Coverage::Some);
    assert_eq!(
        cov(&format!("{API}/prod/ANY/path"), &target),
        Coverage::None
    );
    let every_verb: Vec<Pattern> = HTTP_VERBS
        .iter()
        .map(|v| Pattern::literal(&format!("{API}/prod/{v}/path")))
        .collect();
    assert_eq!(coverage_of_any(&every_verb, &target), Coverage::All);
    let all_but_one = every_verb.get(1..).unwrap_or(&[]);
    assert_eq!(coverage_of_any(all_but_one, &target), Coverage::Some);
    assert_eq!(coverage_of_any(&[], &target), Coverage::None);
}

#[test]
fn path_parameters_are_holes() {
    let item = route(Some("GET"), &[lit("/items/"), TargetPart::AnySegment]);
    assert_eq!(
        cov(&format!("{API}/prod/GET/items/*"), &item),
        Coverage::All
    );
    assert_eq!(
        cov(&format!("{API}/prod/GET/items/abc"), &item),
        Coverage::Some
    );
    assert_eq!(
        cov(&format!("{API}/prod/GET/items/?"), &item),
        Coverage::Some
    );
    assert_eq!(cov(&format!("{API}/prod/GET/items"), &item), Coverage::None);
    assert_eq!(
        cov(&format!("{API}/prod/GET/items/"), &item),
        Coverage::None
    );
    assert_eq!(
        cov(&format!("{API}/prod/GET/items/*/x"), &item),
        Coverage::None
    );
    let proxy = route(Some("POST"), &[lit("/"), TargetPart::AnyPath]);
    assert_eq!(cov(&format!("{API}/prod/POST/*"), &proxy), Coverage::All);
    assert_eq!(cov(&format!("{API}/prod/POST/*/*"), &proxy), Coverage::Some);
    assert_eq!(cov(&format!("{API}/prod/POST/a/b"), &proxy), Coverage::Some);
    assert_eq!(cov(&format!("{API}/prod/GET/*"), &proxy), Coverage::None);
}

#[test]
fn root_path_and_stage_wildcards() {
    let root = route(Some("GET"), &[lit("/")]);
    assert_eq!(cov(&format!("{API}/prod/GET/"), &root), Coverage::All);
    assert_eq!(cov(&format!("{API}/prod/GET/*"), &root), Coverage::All);
    assert_eq!(cov(&format!("{API}/*/GET/*"), &root), Coverage::All);
    assert_eq!(cov(&format!("{API}/dev/GET/*"), &root), Coverage::None);
    assert_eq!(cov("arn:aws:execute-api:*:*:*", &root), Coverage::All);
    assert_eq!(cov("*", &root), Coverage::All);
}

#[test]
fn resources_are_case_sensitive() {
    let target = route(Some("GET"), &[lit("/items")]);
    assert_eq!(
        cov(&format!("{API}/prod/get/items"), &target),
        Coverage::None
    );
    assert_eq!(
        cov(&format!("{API}/prod/GET/Items"), &target),
        Coverage::None
    );
}

#[test]
fn a_star_inside_an_arn_field_does_not_cross_a_colon() {
    let target = Target::literal("arn:aws:lambda:us-east-1:123:function:f");
    assert_eq!(
        cov("arn:aws:lambda:us-*-1:123:function:f", &target),
        Coverage::All
    );
    // The mid-field `*` cannot swallow `east-1:123` across the colon.
    let odd = Target::literal("arn:aws:lambda:us-x:y-1:123:function:f");
    assert_eq!(
        cov("arn:aws:lambda:us-*-1:123:function:f", &odd),
        Coverage::None
    );
    // At the end of a field it can.
    assert_eq!(
        cov("arn:aws:lambda:us-*:function:f", &target),
        Coverage::All
    );
    assert_eq!(
        cov("arn:aws:lambda:u?-east-1:123:function:f", &target),
        Coverage::All
    );
    assert_eq!(
        cov("arn:aws:lambda?us-east-1:123:function:f", &target),
        Coverage::None
    );
    // In the resource part every `*` crosses colons.
    assert_eq!(
        cov("arn:aws:lambda:us-east-1:123:func*f", &target),
        Coverage::All
    );
}

fn sym_target(api: Symbol, path: &str) -> Target {
    Target::new()
        .with(lit("arn:aws:execute-api:"))
        .with(TargetPart::Symbol(Symbol::Region))
        .with(lit(":"))
        .with(TargetPart::Symbol(Symbol::AccountId))
        .with(lit(":"))
        .with(TargetPart::Symbol(api))
        .with(lit(path))
}

fn api_symbol() -> Symbol {
    Symbol::PhysicalId {
        stack: 0,
        logical_id: "AdminApi".into(),
        unique: true,
    }
}

fn sym_pattern(parts: &[Part]) -> Pattern {
    let mut s = SymStr::default();
    for part in parts {
        match part {
            Part::Literal(text) => s.push_literal(text),
            Part::Symbol(symbol) => s.push_symbol(symbol.clone()),
        }
    }
    Pattern::new(&s, true)
}

fn l(text: &str) -> Part {
    Part::Literal(text.into())
}

fn s(symbol: Symbol) -> Part {
    Part::Symbol(symbol)
}

#[test]
fn same_symbol_matches_itself() {
    let target = sym_target(api_symbol(), "/prod/GET/admin");
    let pattern = sym_pattern(&[
        l("arn:aws:execute-api:"),
        s(Symbol::Region),
        l(":"),
        s(Symbol::AccountId),
        l(":"),
        s(api_symbol()),
        l("/*"),
    ]);
    assert_eq!(pattern.coverage(&target), Coverage::All);
    let stars = sym_pattern(&[l("arn:aws:execute-api:*:*:"), s(api_symbol()), l("/*")]);
    assert_eq!(stars.coverage(&target), Coverage::All);
}

#[test]
fn literal_against_symbol_is_unknown() {
    let target = sym_target(api_symbol(), "/prod/GET/admin");
    assert_eq!(
        cov("arn:aws:execute-api:*:*:abc123/*", &target),
        Coverage::Unknown
    );
    let other = Symbol::Parameter("ApiId".into());
    let pattern = sym_pattern(&[l("arn:aws:execute-api:*:*:"), s(other), l("/*")]);
    assert_eq!(pattern.coverage(&target), Coverage::Unknown);
}

#[test]
fn symbols_do_not_hide_a_certain_miss() {
    let target = sym_target(api_symbol(), "/prod/GET/admin");
    // The path differs whatever the API id is.
    assert_eq!(
        cov("arn:aws:execute-api:*:*:abc123/prod/POST/admin", &target),
        Coverage::None
    );
    assert_eq!(cov("arn:aws:lambda:*", &target), Coverage::None);
}

#[test]
fn symbols_with_a_partial_grant() {
    let target = sym_target(api_symbol(), "/prod/GET/items/").with(TargetPart::AnySegment);
    let pattern = sym_pattern(&[
        l("arn:aws:execute-api:*:*:"),
        s(api_symbol()),
        l("/prod/GET/items/abc"),
    ]);
    assert_eq!(pattern.coverage(&target), Coverage::Some);
}

#[test]
fn policy_variables_are_unknown_and_escapes_are_literal() {
    let target = Target::literal("arn:aws:s3:::bucket/home/alice/file");
    let with_variable = Pattern::new(
        &SymStr::literal("arn:aws:s3:::bucket/home/${aws:username}/*"),
        true,
    );
    assert_eq!(with_variable.coverage(&target), Coverage::Unknown);
    assert_eq!(
        with_variable.variables().collect::<Vec<_>>(),
        vec!["aws:username"]
    );
    // Without `Version: 2012-10-17` the text is literal.
    let literal = Pattern::new(
        &SymStr::literal("arn:aws:s3:::bucket/home/${aws:username}/*"),
        false,
    );
    assert_eq!(literal.coverage(&target), Coverage::None);
    let star = Target::literal("arn:aws:s3:::bucket/a*b");
    let escaped = Pattern::new(&SymStr::literal("arn:aws:s3:::bucket/a${*}b"), true);
    assert_eq!(escaped.coverage(&star), Coverage::All);
    let other = Target::literal("arn:aws:s3:::bucket/axb");
    assert_eq!(escaped.coverage(&other), Coverage::None);
}

#[test]
fn target_display_and_builder() {
    let target = route(None, &[lit("/items/"), TargetPart::AnySegment]);
    assert_eq!(
        target.to_string(),
        format!("{API}/prod/ANY/items/{{param}}")
    );
    assert!(target.has_holes());
    let labelled = target.with_label("ANY /items/{id}");
    assert_eq!(labelled.to_string(), "ANY /items/{id}");
    let mut merged = Target::new();
    merged.push(lit("a"));
    merged.push(lit(""));
    merged.push(lit("b"));
    assert_eq!(merged.parts(), &[lit("ab")]);
}

// ---------------------------------------------------------------------------------------------
// Brute-force reference.

/// Anchored glob on concrete strings with the ARN-field rule, written independently of the
/// automaton: recursive, character by character.
fn reference_match(pattern: &[char], text: &[char]) -> bool {
    let is_arn = pattern.starts_with(&['a', 'r', 'n', ':']);
    reference_from(pattern, 0, text, is_arn)
}

fn reference_from(pattern: &[char], p: usize, text: &[char], is_arn: bool) -> bool {
    let Some(&c) = pattern.get(p) else {
        return text.is_empty();
    };
    let colons = pattern.iter().take(p).filter(|c| **c == ':').count();
    let in_head = is_arn && colons < 5;
    match c {
        '*' => {
            let next = pattern.iter().skip(p).find(|c| **c != '*');
            let crosses = !in_head || matches!(next, None | Some(':'));
            // Take 0..n characters, never a colon when the star may not cross one.
            for taken in 0..=text.len() {
                if taken > 0 && !crosses && text.get(taken - 1) == Some(&':') {
                    break;
                }
                if reference_from(pattern, p + 1, text.get(taken..).unwrap(), is_arn) {
                    return true;
                }
            }
            false
        }
        '?' => match text.first() {
            Some(':') if in_head => false,
            Some(_) => reference_from(pattern, p + 1, text.get(1..).unwrap(), is_arn),
            None => false,
        },
        _ => {
            text.first() == Some(&c)
                && reference_from(pattern, p + 1, text.get(1..).unwrap(), is_arn)
        }
    }
}

/// Every string of length 1..=max over `chars`.
fn all_strings(chars: &[char], max: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut layer = vec![String::new()];
    for _ in 0..max {
        let mut next = Vec::new();
        for prefix in &layer {
            for c in chars {
                let mut s = prefix.clone();
                s.push(*c);
                next.push(s);
            }
        }
        out.extend(next.iter().cloned());
        layer = next;
    }
    out
}

/// Every concrete request of a symbol-free target, holes filled from the witness sets.
fn concrete_requests(target: &Target, segment: &[String], path: &[String]) -> Vec<String> {
    let mut requests = vec![String::new()];
    for part in target.parts() {
        let options: Vec<String> = match part {
            TargetPart::Literal(text) => vec![text.clone()],
            TargetPart::AnySegment => segment.to_vec(),
            TargetPart::AnyPath => path.to_vec(),
            TargetPart::AnyVerb => HTTP_VERBS.iter().map(|v| v.to_string()).collect(),
            TargetPart::Symbol(_) => panic!("symbols have no concrete value"),
        };
        requests = requests
            .iter()
            .flat_map(|r| options.iter().map(move |o| format!("{r}{o}")))
            .collect();
    }
    requests
}

fn brute_force(pattern: &str, requests: &[String]) -> Coverage {
    let pattern: Vec<char> = pattern.chars().collect();
    let matched = requests
        .iter()
        .filter(|r| reference_match(&pattern, &r.chars().collect::<Vec<_>>()))
        .count();
    match matched {
        0 => Coverage::None,
        n if n == requests.len() => Coverage::All,
        _ => Coverage::Some,
    }
}

fn text_of(chars: &'static [char], len: std::ops::Range<usize>) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(chars), len).prop_map(|v| v.into_iter().collect())
}

const PATTERN_CHARS: &[char] = &['a', 'b', '/', ':', '*', '?'];
const TEXT_CHARS: &[char] = &['a', 'b', '/', ':'];

fn hole() -> impl Strategy<Value = Option<TargetPart>> {
    prop_oneof![
        Just(None),
        Just(Some(TargetPart::AnySegment)),
        Just(Some(TargetPart::AnyPath)),
        Just(Some(TargetPart::AnyVerb)),
    ]
}

/// A pattern and a target with at most one hole; both start with `arn:` or neither does.
fn one_hole_case() -> impl Strategy<Value = (String, Target)> {
    (
        any::<bool>(),
        text_of(PATTERN_CHARS, 0..5),
        text_of(TEXT_CHARS, 0..3),
        hole(),
        text_of(TEXT_CHARS, 0..3),
    )
        .prop_map(|(arn, pattern, before, hole, after)| {
            let prefix = if arn { "arn:" } else { "" };
            let mut target = Target::literal(&format!("{prefix}{before}"));
            target.extend_hole(hole);
            target.push(TargetPart::Literal(after));
            (format!("{prefix}{pattern}"), target)
        })
}

impl Target {
    fn extend_hole(&mut self, hole: Option<TargetPart>) {
        if let Some(hole) = hole {
            self.push(hole);
        }
    }
}

/// A pattern and a target with up to three holes.
fn many_holes_case() -> impl Strategy<Value = (String, Target)> {
    (
        any::<bool>(),
        text_of(PATTERN_CHARS, 0..9),
        prop::collection::vec((text_of(TEXT_CHARS, 0..3), hole()), 0..4),
        text_of(TEXT_CHARS, 0..3),
    )
        .prop_map(|(arn, pattern, pieces, last)| {
            let prefix = if arn { "arn:" } else { "" };
            let mut target = Target::literal(prefix);
            for (text, hole) in pieces {
                target.push(TargetPart::Literal(text));
                target.extend_hole(hole);
            }
            target.push(TargetPart::Literal(last));
            (format!("{prefix}{pattern}"), target)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// With one hole, witnesses of every string up to length 5 over the characters the pattern can
    /// tell apart (its own, `:`, `/` and one other) decide coverage exactly for patterns of at most
    /// four characters after the shared `arn:` prefix: coverage must agree both ways.
    #[test]
    fn coverage_agrees_with_brute_force((pattern, target) in one_hole_case()) {
        let segment = all_strings(&['a', 'b', ':', 'x'], 5);
        let path = all_strings(&['a', 'b', ':', '/', 'x'], 5);
        let requests = concrete_requests(&target, &segment, &path);
        let expected = brute_force(&pattern, &requests);
        prop_assert_eq!(Pattern::literal(&pattern).coverage(&target), expected, "{} vs {}", pattern, target);
    }

    /// With several holes, a small witness set per hole: whatever coverage says must hold for every
    /// witness, and witnesses that both match and miss force `Some`.
    #[test]
    fn coverage_is_sound_on_witnesses((pattern, target) in many_holes_case()) {
        let segment: Vec<String> = ["a", "x1", "42", "b:a"].iter().map(|s| s.to_string()).collect();
        let path: Vec<String> = ["a", "a/b", "x/y/z", ":/"].iter().map(|s| s.to_string()).collect();
        let requests = concrete_requests(&target, &segment, &path);
        let observed = brute_force(&pattern, &requests);
        let computed = Pattern::literal(&pattern).coverage(&target);
        match computed {
            Coverage::All | Coverage::None => prop_assert_eq!(observed, computed, "{} vs {}", pattern, target),
            Coverage::Some => prop_assert_ne!(observed, Coverage::Unknown),
            Coverage::Unknown => prop_assert!(false, "no symbols, yet unknown: {} vs {}", pattern, target),
        }
        if observed == Coverage::Some {
            prop_assert_eq!(computed, Coverage::Some, "{} vs {}", pattern, target);
        }
    }

    /// Symbols: a definite answer must hold for every value of the symbols. The region (no `:`) and
    /// a parameter (any text) take every value of a small set; the substituted pattern and target are
    /// then compared exactly. Patterns here do not start with `arn:`: after a parameter, the ARN-field
    /// rule falls back to the whole-string glob (documented approximation), which a substituted value
    /// would not.
    #[test]
    fn symbolic_coverage_holds_for_every_value(
        pattern in prop::collection::vec(symbolic_piece(PATTERN_CHARS), 0..4),
        target in prop::collection::vec(target_piece(), 0..4),
    ) {
        let pattern_value = sym_str_of(&pattern);
        let mut symbolic_target = Target::new();
        for piece in &target {
            symbolic_target.push(piece.clone());
        }
        let computed = Pattern::new(&pattern_value, false).coverage(&symbolic_target);
        if computed == Coverage::Unknown {
            return Ok(());
        }
        for region in ["a", "ab", "x"] {
            for parameter in ["", "a", "b:", "a/b"] {
                let concrete_pattern = substitute_pattern(&pattern, region, parameter);
                let concrete_target = substitute_target(&target, region, parameter);
                let exact = Pattern::literal(&concrete_pattern).coverage(&concrete_target);
                prop_assert_eq!(
                    computed, exact,
                    "{} vs {} with region={:?} parameter={:?}", pattern_value, symbolic_target, region, parameter
                );
            }
        }
    }
}

fn parameter() -> Symbol {
    Symbol::Parameter("P".into())
}

fn symbolic_piece(chars: &'static [char]) -> impl Strategy<Value = Part> {
    prop_oneof![
        3 => text_of(chars, 1..3).prop_map(Part::Literal),
        1 => Just(Part::Symbol(Symbol::Region)),
        1 => Just(Part::Symbol(parameter())),
    ]
}

fn target_piece() -> impl Strategy<Value = TargetPart> {
    prop_oneof![
        3 => text_of(TEXT_CHARS, 1..3).prop_map(TargetPart::Literal),
        1 => Just(TargetPart::Symbol(Symbol::Region)),
        1 => Just(TargetPart::Symbol(parameter())),
        1 => Just(TargetPart::AnySegment),
        1 => Just(TargetPart::AnyPath),
    ]
}

fn sym_str_of(parts: &[Part]) -> SymStr {
    let mut s = SymStr::default();
    for part in parts {
        match part {
            Part::Literal(text) => s.push_literal(text),
            Part::Symbol(symbol) => s.push_symbol(symbol.clone()),
        }
    }
    s
}

fn value_of<'v>(symbol: &Symbol, region: &'v str, parameter: &'v str) -> &'v str {
    if *symbol == Symbol::Region {
        region
    } else {
        parameter
    }
}

fn substitute_pattern(parts: &[Part], region: &str, parameter: &str) -> String {
    parts
        .iter()
        .map(|p| match p {
            Part::Literal(text) => text.clone(),
            Part::Symbol(symbol) => value_of(symbol, region, parameter).to_string(),
        })
        .collect()
}

fn substitute_target(parts: &[TargetPart], region: &str, parameter: &str) -> Target {
    let mut target = Target::new();
    for part in parts {
        match part {
            TargetPart::Symbol(symbol) => target.push(TargetPart::Literal(
                value_of(symbol, region, parameter).to_string(),
            )),
            other => target.push(other.clone()),
        }
    }
    target
}

#[test]
fn a_parameter_in_a_pattern_may_hold_wildcards() {
    // `${P}` may be `*`: against `${P}/x` the answer depends on P, never a definite miss.
    let p = Symbol::Parameter("P".into());
    let pattern = sym_pattern(&[s(p.clone())]);
    let target = Target::new()
        .with(TargetPart::Symbol(p.clone()))
        .with(TargetPart::Literal("/x".into()));
    assert_eq!(pattern.coverage(&target), Coverage::Unknown);
    let pattern = sym_pattern(&[l("b"), s(p.clone())]);
    let target = Target::new()
        .with(TargetPart::Literal("b".into()))
        .with(TargetPart::Symbol(p))
        .with(TargetPart::Literal("*b".into()));
    assert_ne!(pattern.coverage(&target), Coverage::None);
}

#[test]
fn unique_ids_and_aligned_literals_decide_quickly() {
    let other = Symbol::PhysicalId {
        stack: 1,
        logical_id: "OtherApi".into(),
        unique: true,
    };
    // A grant on another API's id matches none of this API's routes.
    let prefix = |api: Symbol, rest: &str| {
        sym_pattern(&[
            l("arn:aws:execute-api:"),
            s(Symbol::Region),
            l(":"),
            s(Symbol::AccountId),
            l(":"),
            s(api),
            l(rest),
        ])
    };
    let pattern = prefix(other, "/*");
    assert_eq!(
        pattern.coverage(&sym_target(api_symbol(), "/prod/GET/x")),
        Coverage::None
    );
    // After identical symbols, different literal text is a definite miss.
    let pattern = prefix(api_symbol(), "/prod/GET/r7/*");
    assert!(pattern.literally_excludes(&sym_target(api_symbol(), "/prod/GET/r3/x")));
    assert_eq!(
        pattern.coverage(&sym_target(api_symbol(), "/prod/GET/r3/x")),
        Coverage::None
    );
    // A resource whose id is not generated may hold any text: no definite miss.
    let custom = Symbol::PhysicalId {
        stack: 0,
        logical_id: "Lookup".into(),
        unique: false,
    };
    let pattern = prefix(api_symbol(), "/*");
    let target = sym_target(custom, "/prod/GET/x");
    assert_ne!(pattern.coverage(&target), Coverage::None);
}

// ---------------------------------------------------------------------------------------------
// Issue 14: the matcher's pruning (subsumed positions, one letter for the characters no held token
// tells apart, universal stars) against the reference, and cost on hostile patterns.

/// Plain glob without the ARN rule, case-insensitive (what `action_matches` promises), recursive.
fn reference_action(pattern: &[char], text: &[char]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some(('*', rest)) => (0..=text.len()).any(|taken| {
            text.get(taken..)
                .is_some_and(|tail| reference_action(rest, tail))
        }),
        Some((c, rest)) => match text.split_first() {
            Some((t, tail)) if *c == '?' || c.eq_ignore_ascii_case(t) => {
                reference_action(rest, tail)
            }
            _ => false,
        },
    }
}

/// Concrete requests matched by at least one of `patterns`.
fn brute_force_union(patterns: &[String], requests: &[String]) -> Coverage {
    let patterns: Vec<Vec<char>> = patterns.iter().map(|p| p.chars().collect()).collect();
    let matched = requests
        .iter()
        .filter(|r| {
            let text: Vec<char> = r.chars().collect();
            patterns.iter().any(|p| reference_match(p, &text))
        })
        .count();
    match matched {
        0 => Coverage::None,
        n if n == requests.len() => Coverage::All,
        _ => Coverage::Some,
    }
}

/// Up to three patterns of up to four characters and a target with at most one hole; all start with
/// `arn:` (so the ARN-field rule and its colon-bound stars are exercised) or none does.
fn union_case() -> impl Strategy<Value = (Vec<String>, Target)> {
    (
        any::<bool>(),
        prop::collection::vec(text_of(PATTERN_CHARS, 0..5), 1..4),
        text_of(TEXT_CHARS, 0..3),
        hole(),
        text_of(TEXT_CHARS, 0..3),
    )
        .prop_map(|(arn, patterns, before, hole, after)| {
            let prefix = if arn { "arn:" } else { "" };
            let mut target = Target::literal(&format!("{prefix}{before}"));
            target.extend_hole(hole);
            target.push(TargetPart::Literal(after));
            let patterns = patterns.iter().map(|p| format!("{prefix}{p}")).collect();
            (patterns, target)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// A union of patterns against a target with one hole (the pattern-against-pattern question:
    /// whether every word of the target is in the union) agrees with the brute-force reference on
    /// every witness up to length 5: a definite answer holds for the witnesses, witnesses that both
    /// match and miss force `Some`, and without symbols the answer is never `Unknown`.
    #[test]
    fn union_coverage_agrees_with_brute_force((patterns, target) in union_case()) {
        let segment = all_strings(&['a', 'b', ':', 'x'], 5);
        let path = all_strings(&['a', 'b', ':', '/', 'x'], 5);
        let requests = concrete_requests(&target, &segment, &path);
        let observed = brute_force_union(&patterns, &requests);
        let compiled: Vec<Pattern> = patterns.iter().map(|p| Pattern::literal(p)).collect();
        let computed = coverage_of_any(&compiled, &target);
        prop_assert_ne!(computed, Coverage::Unknown, "{:?} vs {}", patterns, target);
        if computed != Coverage::Some || observed == Coverage::Some {
            prop_assert_eq!(computed, observed, "{:?} vs {}", patterns, target);
        }
    }

    /// Longer patterns (up to 10 characters, so runs of stars and `?` between literals) against
    /// plain text: the union of two is explored by the automaton (no shortcut for one pattern) and
    /// must match exactly where the reference does.
    #[test]
    fn long_patterns_match_text_as_the_reference_does(
        arn in any::<bool>(),
        first in text_of(PATTERN_CHARS, 0..11),
        second in text_of(PATTERN_CHARS, 0..11),
        text in text_of(TEXT_CHARS, 0..9),
    ) {
        let prefix = if arn { "arn:" } else { "" };
        let patterns = [format!("{prefix}{first}"), format!("{prefix}{second}")];
        let text = format!("{prefix}{text}");
        let chars: Vec<char> = text.chars().collect();
        let expected = patterns
            .iter()
            .any(|p| reference_match(&p.chars().collect::<Vec<_>>(), &chars));
        let compiled: Vec<Pattern> = patterns.iter().map(|p| Pattern::literal(p)).collect();
        let computed = coverage_of_any(&compiled, &Target::literal(&text));
        let want = if expected { Coverage::All } else { Coverage::None };
        prop_assert_eq!(computed, want, "{:?} vs {}", patterns, text);
    }

    /// `action_matches` (a single-star-backtracking glob) agrees with the recursive reference.
    #[test]
    fn action_matches_agrees_with_the_reference(
        pattern in text_of(&['a', 'B', ':', '*', '?'], 0..10),
        action in text_of(&['a', 'b', 'A', ':'], 0..10),
    ) {
        let expected = reference_action(
            &pattern.chars().collect::<Vec<_>>(),
            &action.chars().collect::<Vec<_>>(),
        );
        prop_assert_eq!(action_matches(&pattern, &action), expected, "{} vs {}", pattern, action);
    }
}

/// Hostile patterns of thousands of tokens stay fast (issue 14; the numbers are in the module doc).
/// Generous bounds: a debug build on a loaded machine. Each answer is checked too.
#[test]
fn long_patterns_are_decided_quickly() {
    let started = std::time::Instant::now();
    let any_path = Target::new().with(TargetPart::AnyPath);
    let n = 2000;
    // 2,000 `*a` against a long literal and against any path.
    let stars = Pattern::literal(&"*a".repeat(n));
    assert_eq!(
        stars.coverage(&Target::literal(&"a".repeat(n))),
        Coverage::All
    );
    assert_eq!(stars.coverage(&any_path), Coverage::Some);
    // Thousands of distinct characters: one letter stands for those no held token expects.
    let distinct: String = (0..n)
        .filter_map(|i| char::from_u32(0x4e00 + i as u32))
        .collect();
    let spread: String = distinct.chars().map(|c| format!("{c}*")).collect();
    assert_eq!(
        Pattern::literal(&format!("*{spread}")).coverage(&any_path),
        Coverage::Some
    );
    // A union holding `*` covers everything, however long the other pattern.
    let union = [Pattern::literal(&"a".repeat(n)), Pattern::literal("*")];
    assert_eq!(coverage_of_any(&union, &any_path), Coverage::All);
    // `*a` then 20 `?`: a million subsets; the budget makes it unknown, quickly.
    let exponential = Pattern::literal(&format!("*a{}", "?".repeat(20)));
    assert_eq!(exponential.coverage(&any_path), Coverage::Unknown);
    let elapsed = started.elapsed();
    assert!(elapsed.as_secs() < 30, "{elapsed:?}");
}
