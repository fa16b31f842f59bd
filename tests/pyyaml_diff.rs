//! Differential test of the YAML loader against PyYAML's safe loader (with CloudFormation's short-form
//! tags, as SAM CLI registers them): every file one accepts the other accepts, into the same tree; every
//! file one rejects the other rejects, at the same line.
//!
//! The reference is `tests/pyyaml/tree.py` (run with `python3`); iamlint's side is
//! `iamlint::load::canonical_tree`. Scalars compare as typed: null and booleans (YAML 1.1) must agree;
//! a string PyYAML reads must be a string in iamlint (quoted, or plain and neither null nor boolean); a
//! number or date PyYAML reads must be plain in iamlint with the same text. Duplicate keys are TPL001
//! in iamlint but the tree is still read (the last value wins), as in PyYAML, so they count as
//! accepted. Files past iamlint's resource limits (nesting, alias expansion) are not compared.
//!
//! - `fixtures_read_as_pyyaml_reads_them`: every `.yaml`/`.yml`/`.template` file under `fixtures/`.
//! - `edge_cases_read_as_pyyaml_reads_them`: small documents on the shapes where parsers differ;
//!   `known_differences_still_differ`: the few where iamlint knowingly differs, with the reason.
//! - `corpus_agreement` (ignored): by hand, over the folders in `IAMLINT_PYYAML_DIRS` (`:`-separated),
//!   printing `N agree of M` and each disagreement.
//!
//! Without python3 or PyYAML the tests print why and pass, unless `IAMLINT_REQUIRE_PYYAML=1`
//! (`.ci/pyyaml-diff` sets it after installing PyYAML).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

const REFERENCE: &str = "tests/pyyaml/tree.py";

/// Whether python3 with PyYAML can run; panics when it must and cannot.
fn pyyaml_available() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import yaml"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        let required = std::env::var("IAMLINT_REQUIRE_PYYAML").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "IAMLINT_REQUIRE_PYYAML=1 but python3 -c 'import yaml' fails"
        );
        eprintln!(
            "skipped: the PyYAML differential test needs python3 with PyYAML (pip install pyyaml)"
        );
    }
    ok
}

/// PyYAML's reading of each file, in order.
fn pyyaml_trees(files: &[PathBuf]) -> Vec<Value> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut child = Command::new("python3")
        .arg(root.join(REFERENCE))
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let list: String = files.iter().map(|f| format!("{}\n", f.display())).collect();
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || stdin.write_all(list.as_bytes()));
    let output = child.wait_with_output().expect("python3 finishes");
    writer.join().expect("writer").expect("file list written");
    assert!(
        output.status.success(),
        "{REFERENCE} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let trees: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| {
            let mut reader = serde_json::Deserializer::from_str(line);
            reader.disable_recursion_limit();
            serde::Deserialize::deserialize(&mut reader).expect("one JSON object per line")
        })
        .collect();
    assert_eq!(trees.len(), files.len(), "one answer per file");
    trees
}

/// How one file came out.
#[derive(Debug, PartialEq)]
enum Verdict {
    Agree,
    /// Past iamlint's resource limits: not compared.
    Limit,
    Disagree(String),
}

fn compare(ours: &Value, theirs: &Value) -> Verdict {
    if ours.get("limit").is_some() || theirs.get("limit").is_some() {
        return Verdict::Limit;
    }
    match (ours.get("error"), theirs.get("error")) {
        (Some(a), Some(b)) if a["line"] == b["line"] => Verdict::Agree,
        (Some(a), Some(b)) => Verdict::Disagree(format!(
            "both reject, iamlint at line {} ({}), PyYAML at line {} ({})",
            a["line"], a["message"], b["line"], b["message"]
        )),
        (Some(a), None) => Verdict::Disagree(format!(
            "iamlint rejects at line {} ({}), PyYAML accepts",
            a["line"], a["message"]
        )),
        (None, Some(b)) => Verdict::Disagree(format!(
            "PyYAML rejects at line {} ({}), iamlint accepts",
            b["line"], b["message"]
        )),
        (None, None) => match same_tree(&ours["tree"], &theirs["tree"], "") {
            Ok(()) => Verdict::Agree,
            Err(why) => Verdict::Disagree(why),
        },
    }
}

/// Whether iamlint's node `ours` reads as PyYAML's `theirs`; the first difference otherwise.
fn same_tree(ours: &Value, theirs: &Value, at: &str) -> Result<(), String> {
    let differ = || Err(format!("at `{at}`: iamlint {ours}, PyYAML {theirs}"));
    match (ours, theirs) {
        (Value::Null, Value::Null) => Ok(()),
        (Value::Bool(a), Value::Bool(b)) if a == b => Ok(()),
        (Value::String(a), Value::String(b)) => {
            let scalar_agrees = match (a.split_once(':'), b.split_once(':')) {
                (Some(("s", x)), Some(("s", y))) => x == y,
                (Some(("p", x)), Some(("s" | "n", y))) => x == y,
                _ => false,
            };
            if scalar_agrees { Ok(()) } else { differ() }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => a
            .iter()
            .zip(b)
            .enumerate()
            .try_for_each(|(i, (x, y))| same_tree(x, y, &format!("{at}[{i}]"))),
        (Value::Object(a), Value::Object(b)) => {
            let mut keys_a: Vec<&String> = a.keys().collect();
            let mut keys_b: Vec<&String> = b.keys().collect();
            keys_a.sort();
            keys_b.sort();
            if keys_a != keys_b {
                return Err(format!(
                    "at `{at}`: iamlint keys {keys_a:?}, PyYAML keys {keys_b:?}"
                ));
            }
            a.iter()
                .try_for_each(|(k, x)| same_tree(x, &b[k], &format!("{at}.{k}")))
        }
        _ => differ(),
    }
}

/// Every file under `dir` (recursively) whose name ends in `.yaml`, `.yml` or `.template`, sorted.
fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| matches!(e, "yaml" | "yml" | "template"))
            {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Each file with its verdict.
fn verdicts(files: &[PathBuf]) -> Vec<(PathBuf, Verdict)> {
    let theirs = pyyaml_trees(files);
    files
        .iter()
        .zip(&theirs)
        .map(|(file, theirs)| {
            let bytes = std::fs::read(file).expect("readable");
            let ours = iamlint::load::canonical_tree(bytes, false);
            (file.clone(), compare(&ours, theirs))
        })
        .collect()
}

fn disagreements(verdicts: &[(PathBuf, Verdict)]) -> Vec<String> {
    verdicts
        .iter()
        .filter_map(|(file, v)| match v {
            Verdict::Disagree(why) => Some(format!("{}: {why}", file.display())),
            _ => None,
        })
        .collect()
}

#[test]
fn fixtures_read_as_pyyaml_reads_them() {
    if !pyyaml_available() {
        return;
    }
    let files = yaml_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"));
    assert!(files.len() > 50, "the fixtures are found");
    let verdicts = verdicts(&files);
    let wrong = disagreements(&verdicts);
    assert!(
        wrong.is_empty(),
        "disagreements with PyYAML:\n{}",
        wrong.join("\n")
    );
    let limits = verdicts
        .iter()
        .filter(|(_, v)| *v == Verdict::Limit)
        .count();
    // alias-bomb, deep-nesting, yaml-alias-depth and yaml-alias-bytes only.
    assert_eq!(limits, 4, "{verdicts:?}");
}

/// Documents on which YAML parsers are known to differ (PyYAML vs libyaml vs YAML 1.2 parsers).
const EDGE_CASES: &[(&str, &str)] = &[
    // A multi-line flow collection whose closing bracket and items sit at the parent key's indentation.
    (
        "flow-indent",
        "A:\n  Schema: {\"a\": 1,\n  \"b\": [1,\n  2]\n  }\n  Next: x\n",
    ),
    (
        "flow-indent-seq",
        "A:\n  Action: [\n    \"x\",\n    \"y\",\n  ]\n  B: 1\n",
    ),
    ("flow-below-parent", "A:\n  B: [\n x]\n"),
    // Tabs: PyYAML accepts them only in quoted and block scalars and comments.
    ("tab-after-value", "a: b\t\nc: d\n"),
    ("tab-after-colon", "a:\tb\n"),
    ("tab-in-plain", "a: b\tc\n"),
    ("tab-in-flow", "a: [b,\tc]\n"),
    ("tab-in-quoted", "a: \"b\tc\"\nd: 'e\tf'\n"),
    ("tab-in-comment", "a: b # \tc\n#\tx\n"),
    ("tab-in-block", "a: |\n  x\ty\nb: >\n  z\t\n"),
    ("tab-on-blank-line", "a: 1\n\t\nb: 2\n"),
    ("tab-after-quoted", "a: 'x'\t\n"),
    ("tab-after-tag", "a: !Ref\tX\n"),
    ("tab-block-header", "a: |\t# c\n  x\n"),
    // Tags.
    (
        "short-forms",
        "A: !Ref X\nB: !Sub ['${a}', {a: !GetAtt R.Arn}]\nC: !GetAtt [R, Arn]\nD: !If [c, !Ref a, !Ref AWS::NoValue]\nE: !Condition C\nF: !GetAZs ''\nG: !Ref\n",
    ),
    ("tag-comma", "A: [!Ref, x]\n"),
    (
        "tag-comma-in-string",
        "A: 'see !Ref, x'\nB: [a, !Sub 'x']\n",
    ),
    ("tag-brace", "A: {a: !Ref}\n"),
    (
        "tag-commas-many",
        "A: [!Ref, a, !Sub,, b]\nB: 'x !y, z' # !c, d\nC: [p !q,r]\n",
    ),
    ("verbatim-tag", "A: !<!Ref> X\n"),
    (
        "core-tags",
        "A: !!str 12\nB: !!int \"12\"\nC: !!bool yes\nD: !!null ''\nE: !!float 1.5\n",
    ),
    ("unknown-core-tag", "A: !!python/name:os.system x\n"),
    ("unknown-tag-handle", "A: !foo!bar x\n"),
    ("non-specific-tag", "A: ! 12\n"),
    ("str-tag-on-map", "A: !!str {a: b}\n"),
    ("anchor-then-tag", "A: &a !Ref X\nB: *a\n"),
    // Anchors, aliases, merges.
    ("merge", "base: &b {X: 1, Y: 2}\nthing:\n  <<: *b\n  Y: 3\n"),
    (
        "merge-list",
        "a: &a {K: 1}\nb: &b {K: 2, L: 3}\nc:\n  <<: [*a, *b]\n",
    ),
    ("merge-scalar", "a: &a x\nb:\n  <<: *a\n"),
    ("merge-quoted-key", "a:\n  \"<<\": x\n"),
    ("duplicate-anchor", "a: &x 1\nb: &x 2\n"),
    ("undefined-alias", "a: *x\n"),
    ("alias-before-anchor", "a: *x\nb: &x 1\n"),
    // Duplicate keys: PyYAML keeps the last.
    ("duplicate-key", "A: 1\nB: 2\nA: 3\n"),
    ("duplicate-key-nested", "R:\n  T: a\n  P: {x: 1}\n  T: b\n"),
    // Keys.
    ("sequence-key", "[a]: b\n"),
    ("mapping-key-flow", "{a: 1}: b\n"),
    ("complex-key", "? a\n: b\n"),
    ("typed-keys", "200: ok\ntrue: t\n~: n\n1.5: f\n"),
    ("empty-key", ": a\n"),
    // Scalars typed as YAML 1.1.
    (
        "yaml11-scalars",
        "a: yes\nb: No\nc: on\nd: OFF\ne: ~\nf: null\ng:\nh: 0o17\ni: 0x1F\nj: 1_000\nk: 12:30\nl: 1e3\nm: .5\nn: 2001-12-14\no: y\np: 'yes'\nq: .inf\nr: -.NaN\ns: 010\nt: 012345678901\n",
    ),
    ("multiline-plain", "a: b\n  c\n\n  d\n"),
    (
        "quoted-escapes",
        "a: \"\\x41\\u0041\\e\\N\\/\"\nb: 'it''s'\n",
    ),
    ("bad-escape", "a: \"\\q\"\n"),
    (
        "block-scalars",
        "a: |\n  x\n  y\nb: >-\n  x\n  y\nc: |+\n  z\n\nd: 1\n",
    ),
    ("colon-in-flow", "a: {b:c}\nd: [e:f]\n"),
    ("question-in-flow", "a: [?b]\n"),
    ("flow-trailing-comma", "a: [b, c,]\nd: {e: f,}\n"),
    ("flow-empty-entry", "a: [,]\n"),
    // Documents and structure errors.
    ("two-documents", "a: 1\n---\nb: 2\n"),
    ("document-end", "a: 1\n...\n"),
    ("directive", "%YAML 1.1\n---\na: 1\n"),
    ("only-comments", "# nothing\n"),
    ("empty", ""),
    ("bom", "\u{feff}a: 1\n"),
    ("crlf", "a: 1\r\nb:\r\n  - c\r\n"),
    ("mapping-in-plain", "a: b: c\n"),
    ("sequence-after-key", "x: - a\n"),
    ("bad-indentation", "a:\n  b: 1\n c: 2\n"),
    ("trailing-after-quoted", "a: 'x' (y)\n"),
    ("control-character", "a: \u{7}\n"),
    ("nul-character", "a: b\nc: \u{0}\n"),
    ("non-printable-late", "a: [1,\nb: \u{1}\n"),
    ("unterminated-quote", "a: \"x\n"),
    ("unterminated-quote-tab", "a: \"x\n\ty\n"),
    ("block-scalar-error-tab", "a: |\n  x\ty\n\tz\n"),
    ("tab-before-error", "a: 1\t\nb: [c\n"),
    ("unclosed-flow", "a: [b, c\n"),
    ("json", "{\"a\": 1, \"b\": [true, null, \"x\"], \"a\": 2}\n"),
    ("json-like-yaml", "{a: 1, b: [x, y]}\n"),
    ("top-level-list", "- a\n- b\n"),
    // The text ends without a line break.
    ("eof-literal", "a: |\n  x"),
    ("eof-literal-keep", "a: |+\n  x"),
    ("eof-literal-strip", "a: |-\n  x"),
    ("eof-folded", "a: >\n  x\n  y"),
    ("eof-literal-blank-last", "a: |\n  x\n  "),
    ("eof-literal-keep-blank-last", "a: |+\n  x\n\n  "),
    ("eof-literal-empty", "a: |"),
    ("eof-plain", "a: x"),
    ("eof-quoted", "a: 'x'"),
    ("eof-unclosed-flow", "a: [b, c"),
    ("eof-comment", "a: x # c"),
    ("unicode", "a: \"日本\"\nb: é\n\u{2028}c: 1\n"),
];

/// Where iamlint knowingly reads otherwise, and why: PyYAML reads `,`, `[` and `]` into a tag, so
/// `!Ref,x]` is one tag that swallows the closing bracket; iamlint (libyaml) ends the tag before them
/// and reports such a tag as an error at the tag rather than emulate what follows.
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[
    // PyYAML: the tag `!Ref,x]`, then "expected ',' or ']'" at the end of the text (line 2).
    ("tag-comma-no-space", "A: [!Ref,x]\n"),
    // PyYAML: `{A: {Fn::Ref[x]: ''}}`; iamlint: an error at the tag.
    ("tag-bracket-block", "A: !Ref[x]\n"),
];

/// Writes each `(name, text)` into a fresh temporary folder; the paths and the folder.
fn write_cases(cases: &[(&str, &str)], label: &str) -> (Vec<PathBuf>, PathBuf) {
    let dir = std::env::temp_dir().join(format!("iamlint-pyyaml-{label}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let files = cases
        .iter()
        .map(|(name, text)| {
            let path = dir.join(format!("{name}.yaml"));
            std::fs::write(&path, text).expect("written");
            path
        })
        .collect();
    (files, dir)
}

#[test]
fn known_differences_still_differ() {
    if !pyyaml_available() {
        return;
    }
    let (files, dir) = write_cases(KNOWN_DIFFERENCES, "known");
    let verdicts = verdicts(&files);
    let _ = std::fs::remove_dir_all(&dir);
    for (file, verdict) in &verdicts {
        assert!(
            matches!(verdict, Verdict::Disagree(_)),
            "{}: now agrees with PyYAML; move it to EDGE_CASES",
            file.display()
        );
    }
}

#[test]
fn edge_cases_read_as_pyyaml_reads_them() {
    if !pyyaml_available() {
        return;
    }
    let (files, dir) = write_cases(EDGE_CASES, "edge");
    let verdicts = verdicts(&files);
    let _ = std::fs::remove_dir_all(&dir);
    let wrong = disagreements(&verdicts);
    assert!(
        wrong.is_empty(),
        "disagreements with PyYAML:\n{}",
        wrong.join("\n")
    );
}

#[test]
#[ignore = "by hand: IAMLINT_PYYAML_DIRS=dir1:dir2 cargo test --test pyyaml_diff -- --ignored --nocapture"]
fn corpus_agreement() {
    if !pyyaml_available() {
        return;
    }
    let dirs = std::env::var("IAMLINT_PYYAML_DIRS").expect("IAMLINT_PYYAML_DIRS=dir1:dir2");
    let files: Vec<PathBuf> = dirs
        .split(':')
        .filter(|d| !d.is_empty())
        .flat_map(|d| yaml_files(Path::new(d)))
        .collect();
    let verdicts = verdicts(&files);
    let agree = verdicts
        .iter()
        .filter(|(_, v)| *v == Verdict::Agree)
        .count();
    let limits = verdicts
        .iter()
        .filter(|(_, v)| *v == Verdict::Limit)
        .count();
    let wrong = disagreements(&verdicts);
    println!(
        "{agree} agree of {} ({limits} past iamlint's resource limits, {} disagree)",
        files.len(),
        wrong.len()
    );
    for line in &wrong {
        println!("{line}");
    }
}
