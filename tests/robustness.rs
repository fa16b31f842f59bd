//! No input may panic or hang iamlint: arbitrary bytes, YAML-ish token soup, and mutations of real
//! templates all go through the whole pipeline (load, resolve, graph, every rule).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use iamlint::resolve::ResolveConfig;
use iamlint::rules::run_all;
use iamlint::{Input, build_deployment};
use proptest::prelude::*;

const SEED_SAM: &str = include_str!("../fixtures/seed/sam.yaml");
const SEED_CFN: &str = include_str!("../fixtures/seed/cfn.yaml");

/// Runs the whole pipeline on files given as bytes; checks every finding points inside its file.
fn analyse(files: Vec<(&str, Vec<u8>)>) {
    let inputs = files
        .into_iter()
        .map(|(path, bytes)| Input {
            path: path.into(),
            bytes,
            explicit: true,
        })
        .collect();
    let (deployment, load_errors) = build_deployment(inputs, &ResolveConfig::default());
    let findings = run_all(&deployment, &load_errors, &[]);
    for finding in &findings {
        for label in std::iter::once(&finding.primary).chain(&finding.related) {
            let file = deployment
                .sources
                .get(label.location.file)
                .expect("finding in a known file");
            let span = label.location.span;
            assert!(
                span.start <= span.end && span.end <= file.text.len(),
                "span {span:?} outside {}",
                file.path.display()
            );
            assert!(file.text.is_char_boundary(span.start) && file.text.is_char_boundary(span.end));
        }
    }
    let _ = iamlint::report::graph::dot(&deployment);
}

const TOKENS: &[&str] = &[
    "Resources:",
    "Outputs:",
    "Conditions:",
    "Parameters:",
    "Mappings:",
    "Globals:",
    "  A:",
    "  B:",
    "    Type: AWS::Lambda::Function",
    "    Type: AWS::Serverless::Function",
    "    Properties:",
    "      FunctionName: !Sub '${B}-${A.Arn}'",
    "      X: !Ref A",
    "      Y: !GetAtt B.Arn",
    "      Z: !If [C, !Ref A, !Ref AWS::NoValue]",
    "      W: !Join ['', [a, !ImportValue E]]",
    "      V: !Select [0, !Split [',', !Ref P]]",
    "  C: !Equals [!Ref P, x]",
    "    Export: {Name: E}",
    "    Value: !ImportValue E",
    "    DependsOn: [A, B]",
    "&a [1, 2]",
    "*a",
    "<<: *a",
    "- x",
    "[",
    "]",
    "{",
    "}",
    ":",
    "!Sub",
    "!Reff",
    "\"\\u00e9\"",
    "'${!x}'",
    "日本語",
    "\r\n",
    "\t",
    "---",
    "...",
    "? complex",
    "!!str 1",
    "Condition: C",
    "      U: {Fn::Sub: [x, y, z]}",
];

fn token_soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..60).prop_map(|t| t.join("\n"))
}

/// Pieces of YAML syntax run together without line breaks: the shapes that made libyaml-safer (the
/// YAML parser) panic before the loader worked around them (a tag followed by `,` in a flow
/// collection, a block scalar at the end of the text without a line break).
const YAML_PIECES: &[&str] = &[
    "!", "!Ref", "!!str", ",", "[", "]", "{", "}", "|", "|+", ">", "'", "\"", "&a", "*a", "#",
    "? ", ": ", "- ", "\t", "\n", "\r", " ", "a", "%", "...", "---", "<<: ", "!<x>", "\u{2028}",
];

fn yaml_piece_soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(YAML_PIECES), 0..40).prop_map(|t| t.concat())
}

/// Deletes, inserts or replaces characters of a real template.
fn mutated(text: &'static str) -> impl Strategy<Value = String> {
    let len = text.chars().count();
    prop::collection::vec(
        (
            0..len,
            0u8..3,
            prop::sample::select(
                &[
                    ' ', ':', '-', '[', '{', '!', '\n', '"', '\'', '&', '*', '日',
                ][..],
            ),
        ),
        1..8,
    )
    .prop_map(move |edits| {
        let mut chars: Vec<char> = text.chars().collect();
        for (at, kind, c) in edits {
            let at = at.min(chars.len().saturating_sub(1));
            match kind {
                0 if !chars.is_empty() => {
                    chars.remove(at);
                }
                1 => chars.insert(at, c),
                _ => {
                    if let Some(slot) = chars.get_mut(at) {
                        *slot = c;
                    }
                }
            }
        }
        chars.into_iter().collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_do_not_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        analyse(vec![("a.yaml", bytes.clone()), ("b.json", bytes)]);
    }

    #[test]
    fn token_soup_does_not_panic(a in token_soup(), b in token_soup()) {
        analyse(vec![("a.yaml", a.into_bytes()), ("b.yaml", b.into_bytes())]);
    }

    #[test]
    fn yaml_piece_soup_does_not_panic(a in yaml_piece_soup()) {
        analyse(vec![("a.yaml", a.into_bytes())]);
    }

    #[test]
    fn mutated_seed_does_not_panic(sam in mutated(SEED_SAM), cfn in mutated(SEED_CFN)) {
        analyse(vec![("sam.yaml", sam.into_bytes()), ("cfn.yaml", cfn.into_bytes())]);
    }
}

/// Inputs on which libyaml-safer panics when given them as they are (found by fuzzing the loader);
/// the loader blanks or completes what triggers it.
#[test]
fn yaml_parser_panics_are_avoided() {
    for text in [
        "A: [!Ref, x]\n",
        "A: [!Ref,x]\n",
        "{!,%|{|a*a",
        "{!,|+a",
        "[,!Ref,a|[a",
        "Default: !!str'true', X: 1}",
        "&a\n{...a&a!!str,!!stra,a:'&a]\na",
        "{#a\ta\r\ra\"!,!!str,",
        "a: |\n  x",
        "a: >+\n  x\n  y",
    ] {
        analyse(vec![("x.yaml", text.as_bytes().to_vec())]);
    }
}

/// Pathological shapes that must end quickly with a finding, not a hang or a stack overflow.
#[test]
fn pathological_inputs_end() {
    let deep_json = format!(
        "{{\"Resources\": {}{}}}",
        "[".repeat(50_000),
        "]".repeat(50_000)
    );
    let deep_map = format!(
        "Resources:\n{}",
        (0..300)
            .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
            .collect::<String>()
    );
    let self_import = "Resources:\n  T: {Type: AWS::SNS::Topic}\nOutputs:\n  O:\n    Value: !ImportValue X\n    Export: {Name: X}\n".to_string();
    let mutual_sub = "Resources:\n  A:\n    Type: AWS::Lambda::Function\n    Properties: {FunctionName: !Sub '${B.Arn}'}\n  B:\n    Type: AWS::Lambda::Function\n    Properties: {FunctionName: !Sub '${A.Arn}'}\nOutputs:\n  O: {Value: !GetAtt A.Arn, Export: {Name: Y}}\n  P: {Value: !ImportValue Y}\n".to_string();
    for text in [deep_json, deep_map, self_import, mutual_sub] {
        analyse(vec![("x.yaml", text.into_bytes())]);
    }
}
