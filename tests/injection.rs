//! No text from input can inject into a terminal or a CI log (issue 14): arbitrary strings, line
//! breaks, control characters and runner commands go into logical ids, keys, values, parameter
//! defaults, export names, config keys and file names, and every output format of `check`, `graph`
//! and `routes`, on stdout and stderr, must hold no runner command but iamlint's own annotations and
//! no raw control character ([`iamlint::sanitize::is_log_safe_line`]); JSON formats must stay valid.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::path::{Path, PathBuf};

use clap::Parser;
use iamlint::cli::{Cli, run};
use iamlint::sanitize::{is_log_safe_line, without_colours};
use proptest::prelude::*;

/// Pieces hostile text is made of.
const HOSTILE_PIECES: &[&str] = &[
    "\n",
    "\r",
    "\r\n",
    "::error::injected",
    "::add-mask::secret",
    "::stop-commands::tok",
    "##[set-env name=X]y",
    "##[add-path]/evil",
    "\u{1b}]0;title\u{7}",
    "\u{1b}]8;;https://evil\u{1b}\\link\u{1b}]8;;\u{1b}\\",
    "\u{1b}[2J",
    "\u{9b}31m",
    "\u{85}",
    "\u{2028}::warning::x",
    "\u{2029}",
    "\u{202e}",
    "\u{7f}",
    "\u{0}",
    " %0A::error::x",
    "%",
    ",",
    ":",
    "\"",
    "\\",
    "'",
    "<&>",
    "${",
    "}",
    "Fn",
];

fn hostile() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => prop::sample::select(HOSTILE_PIECES).prop_map(str::to_string),
        1 => any::<char>().prop_map(|c| c.to_string()),
        1 => "[A-Za-z0-9]{1,6}",
    ];
    prop::collection::vec(piece, 1..6).prop_map(|pieces| pieces.concat())
}

/// A YAML double-quoted scalar holding `text` exactly (every character outside printable ASCII as an
/// escape, so the file itself is clean YAML).
fn quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(c),
            c => out.push_str(&format!("\\U{:08x}", u32::from(c))),
        }
    }
    out.push('"');
    out
}

/// A SAM template with hostile text in every place a finding or a graph label may repeat it.
fn sam_template(h: &[String]) -> String {
    let q = |i: usize| quoted(&h[i % h.len()]);
    let sub = |i: usize| quoted(&format!("${{{}}}-x", h[i % h.len()]));
    let getatt = |i: usize| quoted(&format!("{}.Arn", h[i % h.len()]));
    let api = quoted(&format!("Api{}", h[2 % h.len()]));
    let path = quoted(&format!("/{}", h[9 % h.len()]));
    let rtype = quoted(&format!("AWS::{}::X", h[13 % h.len()]));
    format!(
        "AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  {p}:
    Type: String
    Default: {default}
    AllowedValues: [a, b]
Resources:
  {api}:
    Type: AWS::Serverless::Api
    Properties:
      StageName: {stage}
      Auth:
        DefaultAuthorizer: AWS_IAM
      Cors:
        AllowOrigin: \"'*'\"
        AllowCredentials: true
  {function}:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.handler
      Runtime: python3.12
      InlineCode: x
      Environment:
        Variables:
          A: !Sub {sub}
          B: !Ref {undefined}
          C: !GetAtt {getatt}
          D: !ImportValue {import}
      Events:
        Call:
          Type: Api
          Properties:
            RestApiId: !Ref {api}
            Path: {path}
            Method: get
  {role}:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {{Federated: cognito-identity.amazonaws.com}}
            Action: sts:AssumeRoleWithWebIdentity
      Policies:
        - PolicyName: {policy}
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: execute-api:Invoke
                Resource: !Sub 'arn:aws:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{api_plain}}}/*'
  {unknown}:
    Type: {rtype}
  {dup}: 1
  {dup}: 2
Outputs:
  {output}:
    Value: !Ref {function}
    Export:
      Name: {export}
",
        p = q(0),
        default = q(1),
        api_plain = "ApiX",
        stage = q(3),
        function = q(4),
        sub = sub(5),
        undefined = q(6),
        getatt = getatt(7),
        import = q(8),
        role = q(10),
        policy = q(11),
        unknown = q(12),
        dup = q(14),
        output = q(15),
        export = q(16),
    )
}

/// The config of a case: a hostile top-level key, a hostile rule name, or hostile parameter names.
fn config(kind: usize, h: &[String]) -> String {
    match kind % 3 {
        0 => format!("{}: 1\n", quoted(&h[0])),
        1 => format!("rules:\n  {}: off\n", quoted(&h[1])),
        _ => format!("parameters:\n  {}: {}\n", quoted(&h[2]), quoted(&h[3])),
    }
}

/// A file name from hostile text: no `/` or NUL, at most 100 bytes.
fn file_name(text: &str) -> String {
    let mut name: String = text.chars().filter(|c| *c != '/' && *c != '\0').collect();
    while name.len() > 100 {
        name.pop();
    }
    format!("t{name}.yaml")
}

/// Writes a case into a fresh folder: the template (under a hostile name), a clean copy of the
/// seed's role stack, and `.iamlint.yaml` when `with_config`.
fn write_case(dir: &Path, h: &[String], config_kind: usize, with_config: bool) -> PathBuf {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).unwrap();
    let template = dir.join(file_name(&h[17 % h.len()]));
    std::fs::write(&template, sam_template(h)).unwrap();
    if with_config {
        std::fs::write(dir.join(".iamlint.yaml"), config(config_kind, h)).unwrap();
    }
    template
}

/// Runs iamlint in process: exit code, stdout, stderr.
fn iamlint_code(args: &[&str]) -> (u8, String, String) {
    let cli = Cli::try_parse_from(std::iter::once("iamlint").chain(args.iter().copied()))
        .expect("valid command line");
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run(cli, &mut out, &mut err);
    let code = if code == std::process::ExitCode::SUCCESS {
        0
    } else if code == std::process::ExitCode::from(1) {
        1
    } else {
        2
    };
    (
        code,
        String::from_utf8(out).expect("UTF-8 stdout"),
        String::from_utf8(err).expect("UTF-8 stderr"),
    )
}

/// Runs iamlint in process; stdout and stderr.
fn iamlint(args: &[&str]) -> (String, String) {
    let (_, out, err) = iamlint_code(args);
    (out, err)
}

/// Every line is safe for a log; on stdout of `--format github`, every line is one annotation whose
/// properties are the six iamlint writes.
fn assert_safe(what: &str, text: &str, annotations: bool) {
    for line in text.lines() {
        assert!(
            is_log_safe_line(line, annotations),
            "{what}: unsafe line {line:?}"
        );
        if annotations {
            assert_annotation(what, line);
        }
    }
}

fn assert_annotation(what: &str, line: &str) {
    let rest = ["::error ", "::warning ", "::notice "]
        .iter()
        .find_map(|p| line.strip_prefix(p))
        .unwrap_or_else(|| panic!("{what}: not an annotation {line:?}"));
    let (properties, _message) = rest
        .split_once("::")
        .unwrap_or_else(|| panic!("{what}: no message {line:?}"));
    let keys: Vec<&str> = properties
        .split(',')
        .map(|p| p.split_once('=').map_or("", |(k, _)| k))
        .collect();
    assert_eq!(
        keys,
        ["file", "line", "col", "endLine", "endColumn", "title"],
        "{what}: {line:?}"
    );
}

const CHECK_FORMATS: &[&str] = &[
    "human", "json", "github", "sarif", "concise", "junit", "gitlab",
];
const JSON_FORMATS: &[&str] = &["json", "sarif", "gitlab"];

/// Runs every format of every command on the case and checks both streams.
fn check_all_outputs(dir: &Path, template: &Path) {
    let dir = dir.to_str().unwrap();
    let template = template.to_str().unwrap();
    for format in CHECK_FORMATS {
        for target in [dir, template] {
            let (out, err) = iamlint(&["check", "--format", format, "--color", "never", target]);
            assert_safe(&format!("check {format} stdout"), &out, *format == "github");
            assert_safe(&format!("check {format} stderr"), &err, false);
            if JSON_FORMATS.contains(format) && !out.is_empty() {
                serde_json::from_str::<serde_json::Value>(&out)
                    .unwrap_or_else(|e| panic!("check {format}: invalid JSON ({e}): {out}"));
            }
        }
    }
    let (out, err) = iamlint(&["check", "--color", "always", dir]);
    assert_safe("check human colour stdout", &without_colours(&out), false);
    assert_safe("check human colour stderr", &err, false);
    for (command, formats) in [
        ("graph", &["dot", "mermaid", "json"][..]),
        ("routes", &["table", "json"][..]),
    ] {
        for format in formats {
            let (out, err) = iamlint(&[command, "--format", format, dir]);
            assert_safe(&format!("{command} {format} stdout"), &out, false);
            assert_safe(&format!("{command} {format} stderr"), &err, false);
            if *format == "json" && !out.is_empty() {
                serde_json::from_str::<serde_json::Value>(&out)
                    .unwrap_or_else(|e| panic!("{command} json: invalid JSON ({e}): {out}"));
            }
        }
    }
}

fn case_dir(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("iamlint-injection-{}-{name}", std::process::id()))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn hostile_text_never_injects(
        h in prop::collection::vec(hostile(), 18),
        config_kind in 0usize..3,
        with_config in any::<bool>(),
    ) {
        let dir = case_dir("prop");
        let template = write_case(&dir, &h, config_kind, with_config);
        check_all_outputs(&dir, &template);
    }
}

/// One fixed hostile case, and proof that its text does reach the output (escaped): the property
/// test above would pass vacuously if nothing from input were ever printed.
#[test]
fn hostile_text_is_shown_escaped() {
    let h: Vec<String> = (0..18)
        .map(|i| format!("Id{i}\u{1b}]0;t\u{7}\n::error::x{i}##[add-mask]"))
        .collect();
    for config_kind in 0..3 {
        let dir = case_dir(&format!("fixed-{config_kind}"));
        let template = write_case(&dir, &h, config_kind, true);
        check_all_outputs(&dir, &template);
        let (out, err) = iamlint(&["check", "--color", "never", dir.to_str().unwrap()]);
        let all = format!("{out}{err}");
        assert!(all.contains("\\u{1b}]0;t\\u{7}"), "{all}");
        assert!(all.contains("#\\u{23}[add-mask]"), "{all}");
    }
    let dir = case_dir("fixed-0");
    let (out, _) = iamlint(&[
        "check",
        "--isolated",
        "--color",
        "never",
        dir.to_str().unwrap(),
    ]);
    assert!(out.contains("Found"), "{out}");
    assert!(
        out.contains("\\u{3a}:error::x") || out.contains("\\n::error::x"),
        "{out}"
    );
}

/// A regression of issue 14: the exit code, both streams safe, and the output under `max_bytes`.
fn assert_regression(args: &[&str], code: u8, max_bytes: usize) -> (String, String) {
    let (got, out, err) = iamlint_code(args);
    assert_eq!(got, code, "{args:?}\nstdout: {out}\nstderr: {err}");
    let github = args.windows(2).any(|w| w == ["--format", "github"]);
    assert_safe(&format!("{args:?} stdout"), &out, github);
    assert_safe(&format!("{args:?} stderr"), &err, false);
    assert!(
        out.len() + err.len() <= max_bytes,
        "{args:?}: {} bytes",
        out.len() + err.len()
    );
    (out, err)
}

const INJECTED: &str = "x\n::error::injected\r::add-mask::s ##[set-env name=A]b\u{1b}]0;t\u{7}";

/// Issue 14: a key of a pull request's `.iamlint.yaml` with a line break was echoed raw in the config
/// error, so the PR wrote workflow commands into the log of both steps of the Action.
#[test]
fn regression_config_key_with_a_line_break() {
    let dir = case_dir("config-key");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("t.yaml"), "Resources: {}\n").unwrap();
    std::fs::write(
        dir.join(".iamlint.yaml"),
        format!("{}: 1\n", quoted(INJECTED)),
    )
    .unwrap();
    let dir = dir.to_str().unwrap();
    for format in ["human", "github", "sarif"] {
        let (_, err) = assert_regression(&["check", "--format", format, dir], 2, 4096);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.contains("unknown key `x\\n::error::injected\\u{d}"),
            "{err}"
        );
    }
}

/// Issue 14: the duplicate-key warning of `routes` and `graph` on stderr, and DOT/Mermaid labels
/// (only `\` and `"` were escaped) carried a key's line breaks and controls.
#[test]
fn regression_duplicate_keys_and_graph_labels() {
    let dir = case_dir("graph-labels");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let key = quoted(INJECTED);
    let template = format!(
        "Resources:\n  {key}:\n    Type: AWS::SNS::Topic\n  {key}:\n    Type: AWS::SNS::Topic\nOutputs:\n  {key}:\n    Value: !Ref {key}\n    Export:\n      Name: {key}\n"
    );
    std::fs::write(dir.join("t.yaml"), template).unwrap();
    let dir = dir.to_str().unwrap();
    for (command, format) in [
        ("graph", "dot"),
        ("graph", "mermaid"),
        ("graph", "json"),
        ("routes", "table"),
    ] {
        let (out, err) = assert_regression(&[command, "--format", format, dir], 0, 64 * 1024);
        assert!(err.contains("duplicate"), "{command} {format}: {err}");
        // Shown escaped, on the label's line (DOT doubles the backslash: a literal one).
        let shown = match format {
            "dot" => Some("\\\\u{1b}]0;t\\\\u{7}"),
            "mermaid" => Some("\\u{1b}]0;t\\u{7}"),
            _ => None,
        };
        if let Some(shown) = shown {
            assert!(out.contains(shown), "{format}: {out}");
        }
    }
}

/// Issue 14: "cannot read <path>" echoed a path named on the command line as it was.
#[test]
fn regression_unreadable_path_with_a_line_break() {
    let missing = format!("{}/{}", case_dir("missing").display(), INJECTED);
    for format in ["human", "github", "json"] {
        let (_, err) = assert_regression(&["check", "--format", format, &missing], 2, 4096);
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}

/// Issue 14: human output wrote raw ESC (OSC 8 hyperlinks, OSC 0 window titles), BEL and bare CRs
/// from a template to the terminal (miette indents after `\n` only).
#[test]
fn regression_control_characters_in_human_output() {
    let dir = case_dir("human-controls");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let id = quoted("Fn\u{1b}]8;;https://evil\u{1b}\\link\u{1b}]8;;\u{1b}\\\u{7}\rX");
    std::fs::write(
        dir.join("t.yaml"),
        format!("Resources:\n  A:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !Ref {id}\n"),
    )
    .unwrap();
    let dir = dir.to_str().unwrap();
    for color in ["never", "always"] {
        let (out, _) = assert_regression(&["check", "--color", color, dir], 1, 16 * 1024);
        assert!(out.contains("\\u{1b}]8;;https://evil"), "{out}");
        assert!(out.contains("\\u{7}\\u{d}X"), "{out}");
    }
}

/// Issue 14: SARIF URIs of odd file names. A backslash is a character of a file's name outside Windows
/// (it was reported as `/`); `c:d.yaml` as a relative reference reads as scheme `c`; `%`, `#` and `?`
/// are percent-encoded.
#[test]
fn regression_sarif_uris_of_odd_file_names() {
    let dir = case_dir("odd-names");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let template = "Resources:\n  A:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !Ref Nope\n";
    let names = ["a\\b#?.yaml", "c:d.yaml", "..%2f..%2fetc.yaml"];
    for name in names {
        std::fs::write(dir.join(name), template).unwrap();
    }
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_iamlint"))
        .args(["check", "--format", "sarif", "."])
        .current_dir(&dir)
        .output()
        .unwrap();
    let log: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut uris: Vec<String> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let artifact = &r["locations"][0]["physicalLocation"]["artifactLocation"];
            assert_eq!(artifact["uriBaseId"], "%SRCROOT%");
            artifact["uri"].as_str().unwrap().to_string()
        })
        .collect();
    uris.sort();
    assert_eq!(
        uris,
        ["..%252f..%252fetc.yaml", "a%5Cb%23%3F.yaml", "c%3Ad.yaml"]
    );
    let (_, concise, _) = iamlint_code(&["check", "--format", "concise", dir.to_str().unwrap()]);
    assert!(concise.contains("/a\\b#?.yaml:5:"), "{concise}");
}

/// clap quotes a bad argument in its error: the binary prints it through the sanitiser (exit 2).
#[test]
fn a_bad_argument_is_quoted_safely() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_iamlint"))
        .args(["check", "--select", "IAM01\n::error::x\u{1b}]0;t\u{7}"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let err = String::from_utf8(output.stderr).unwrap();
    assert!(err.contains("\\u{3a}:error::x"), "{err}");
    assert_safe("clap error", &err, false);
}
