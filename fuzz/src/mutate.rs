//! Mutations of an input set: byte edits, tokens that have broken YAML/CloudFormation tools before
//! (anchors, intrinsics, deep nesting, huge numbers, control characters, runner commands), lines
//! spliced from another seed, lines repeated, whole subtrees swapped between files, extra stacks.

use crate::corpus::{Corpus, File, InputSet};
use crate::rng::Rng;

/// Largest input set the fuzzer builds (bytes over all files): bigger sets only slow it down.
pub const MAX_SET_BYTES: usize = 512 * 1024;

/// Text that parsers, resolvers and reports meet rarely in fixtures.
const TOKENS: &[&str] = &[
    "&a ",
    "*a",
    "&a [*a, *a, *a, *a]",
    "<<: *a",
    "!Ref ",
    "!Ref X",
    "!Ref AWS::Region",
    "!Sub '${X}'",
    "!Sub '${AWS::AccountId}:${Undefined.Arn}'",
    "!Sub ['${A}', {A: !Ref B}]",
    "!GetAtt X.Arn",
    "!GetAtt [A, B.C]",
    "!ImportValue Export",
    "Fn::ImportValue: !Sub '${AWS::StackName}-x'",
    "!If [C, a, !Ref AWS::NoValue]",
    "!Join ['', [a, !Ref B]]",
    "!Select [99, !Split [',', x]]",
    "!FindInMap [M, K, V]",
    "{\"Fn::Sub\": \"${X}\"}",
    "{\"Ref\": \"X\"}",
    "[[[[[[[[[[[[",
    "{{{{{{{{{{{{",
    "]]]]",
    "}}}}",
    "1e999999",
    "-1",
    "true",
    "~",
    "99999999999999999999999999999999999999",
    "0x7fffffffffffffff",
    ".nan",
    "\\u0000",
    "\"\\ud800\"",
    "\u{0}",
    "\u{1b}[31m",
    "\u{1b}]8;;https://x\u{7}link\u{1b}]8;;\u{7}",
    "\u{1b}]0;title\u{7}",
    "\r",
    "\u{7f}",
    "\u{85}",
    "\u{9b}",
    "\u{2028}",
    "\u{feff}",
    "::error::x",
    "\n::error::x\n",
    "::add-mask::secret",
    "##[set-env name=x]",
    "\"a\\n::stop-commands::t\": 1",
    "? |\n  key\n  ::error::with newline\n: v\n",
    "*",
    "?",
    "arn:aws:execute-api:*:*:*",
    "arn:*:*:*:*:*",
    "arn:aws:lambda:us-east-1:123456789012:function:f:*",
    "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a",
    "${",
    "${V}${V}${V}${V}${V}${V}${V}${V}${V}${V}",
    "'",
    "\"",
    "\t",
    "---\n",
    "...\n",
    "%YAML 1.1\n",
    "!!binary aGVsbG8=",
    "!!python/object:os.system",
    "!Unknown x",
    "AWS::Serverless::Function",
    "AWS::Serverless::Api",
    "AWS::Serverless::HttpApi",
    "AWS::ApiGateway::RestApi",
    "AWS::ApiGateway::Method",
    "AWS::Lambda::Permission",
    "AWS::Lambda::Url",
    "AWS::IAM::Role",
    "AWS::IAM::Policy",
    "AWS::CloudFormation::Stack",
    "AWS::Include",
    "AWS::LanguageExtensions",
    "Transform: AWS::Serverless-2016-10-31\n",
    "lambda:InvokeFunction",
    "execute-api:Invoke",
    "AWS_IAM",
    "NONE",
    "# iamlint: ignore[IAM001]",
    "# iamlint: ignore[",
    "PolicyDocument: 1",
    "PolicyDocument: '{\"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"}]}'",
    "Fn::ForEach::X",
    "Condition: C",
    "DependsOn: [A, A]",
    "TemplateURL: ./template.yaml",
    "DefinitionUri: ../",
    "Location: /dev/zero",
    "\u{e9}\u{4e2d}\u{1f600}",
];

/// A new input set from the corpus: a seed (a file or a folder), sometimes with files of other
/// seeds (another stack), then 1 to 8 mutations.
pub fn input_set(rng: &mut Rng, corpus: &Corpus) -> InputSet {
    let mut set = base(rng, corpus);
    if rng.one_in(5) {
        for _ in 0..rng.skewed(3) {
            if let Some(file) = rng.pick(&corpus.files) {
                add_file(&mut set, file.clone());
            }
        }
    }
    for _ in 0..rng.skewed(8) {
        let donor = rng
            .pick(&corpus.files)
            .map_or(&[][..], |f| f.bytes.as_slice());
        let count = set.len();
        if let Some(file) = set.get_mut(rng.below(count)) {
            mutate_file(rng, file, donor);
        }
    }
    set
}

fn base(rng: &mut Rng, corpus: &Corpus) -> InputSet {
    if rng.one_in(2)
        && let Some(set) = rng.pick(&corpus.sets)
    {
        return set.clone();
    }
    rng.pick(&corpus.files).cloned().into_iter().collect()
}

/// Adds `file` under a path no other file of the set has.
fn add_file(set: &mut InputSet, mut file: File) {
    let mut n = 1;
    let original = file.path.clone();
    while set.iter().any(|f| f.path == file.path) {
        file.path = format!("stack{n}/{original}");
        n += 1;
    }
    set.push(file);
}

/// Total bytes of a set.
pub fn set_bytes(set: &InputSet) -> usize {
    set.iter().map(|f| f.bytes.len()).sum()
}

fn mutate_file(rng: &mut Rng, file: &mut File, donor: &[u8]) {
    if rng.one_in(40) {
        rename_extension(file);
        return;
    }
    let bytes = &mut file.bytes;
    match rng.below(13) {
        0 => flip_bit(rng, bytes),
        1 => insert_byte(rng, bytes),
        2 => delete_range(rng, bytes),
        3 | 4 => insert_token(rng, bytes),
        5 => replace_value(rng, bytes),
        6 => splice_lines(rng, bytes, donor),
        7 => insert_donor_lines(rng, bytes, donor),
        8 => repeat_line(rng, bytes),
        9 | 10 => swap_subtree(rng, bytes, donor),
        11 => long_line(rng, bytes),
        _ => copy_range(rng, bytes),
    }
    if bytes.len() > MAX_SET_BYTES {
        bytes.truncate(MAX_SET_BYTES);
    }
}

/// `.json` ↔ `.yaml`: the other parser reads the text.
fn rename_extension(file: &mut File) {
    if let Some(stem) = file.path.strip_suffix(".json") {
        file.path = format!("{stem}.yaml");
    } else if let Some((stem, _)) = file.path.rsplit_once('.') {
        file.path = format!("{stem}.json");
    }
}

fn flip_bit(rng: &mut Rng, bytes: &mut [u8]) {
    let at = rng.below(bytes.len());
    if let Some(b) = bytes.get_mut(at) {
        *b ^= 1 << rng.below(8);
    }
}

fn insert_byte(rng: &mut Rng, bytes: &mut Vec<u8>) {
    let byte = match rng.below(4) {
        0 => rng.below(0x20) as u8,
        1 => 0x80 + rng.below(0x80) as u8,
        _ => *b":-{}[]&*!|>'\"#%@`,?\n "
            .get(rng.below(21))
            .unwrap_or(&b' '),
    };
    let at = rng.below(bytes.len() + 1);
    bytes.insert(at, byte);
}

fn delete_range(rng: &mut Rng, bytes: &mut Vec<u8>) {
    if bytes.is_empty() {
        return;
    }
    let at = rng.below(bytes.len());
    let len = rng.skewed(64).min(bytes.len() - at);
    bytes.drain(at..at + len);
}

fn token(rng: &mut Rng) -> Vec<u8> {
    match rng.below(12) {
        0 => generated_token(rng),
        _ => rng
            .pick(TOKENS)
            .map_or(Vec::new(), |t| t.as_bytes().to_vec()),
    }
}

/// Tokens made to size: deep nesting, many `${V}` on one line, many stars, a huge number.
fn generated_token(rng: &mut Rng) -> Vec<u8> {
    let n = rng.skewed(2000);
    match rng.below(6) {
        0 => "[".repeat(n).into_bytes(),
        1 => "{".repeat(n).into_bytes(),
        2 => format!("!Sub '{}'", "${V}".repeat(n)).into_bytes(),
        3 => "*a".repeat(n.min(60)).into_bytes(),
        4 => "9".repeat(n).into_bytes(),
        _ => (0..n)
            .map(|i| format!("- &a{i} [*a{}]\n", i.saturating_sub(1)))
            .collect::<String>()
            .into_bytes(),
    }
}

/// A token at a random place: anywhere, at a line start, or after a `: `.
fn insert_token(rng: &mut Rng, bytes: &mut Vec<u8>) {
    let token = token(rng);
    let at = match rng.below(3) {
        0 => rng.below(bytes.len() + 1),
        1 => line_starts(bytes)
            .get(rng.below(line_starts(bytes).len()))
            .copied()
            .unwrap_or(0),
        _ => after_colon(rng, bytes).unwrap_or(bytes.len()),
    };
    let at = at.min(bytes.len());
    bytes.splice(at..at, token);
}

/// The value after a `: ` up to the line end replaced by a token.
fn replace_value(rng: &mut Rng, bytes: &mut Vec<u8>) {
    let Some(start) = after_colon(rng, bytes) else {
        return insert_token(rng, bytes);
    };
    let end = bytes
        .iter()
        .skip(start)
        .position(|b| *b == b'\n')
        .map_or(bytes.len(), |p| start + p);
    let token = token(rng);
    bytes.splice(start..end, token);
}

/// The offset just after a random `: `.
fn after_colon(rng: &mut Rng, bytes: &[u8]) -> Option<usize> {
    let colons: Vec<usize> = bytes
        .windows(2)
        .enumerate()
        .filter(|(_, w)| w == b": ")
        .map(|(i, _)| i + 2)
        .collect();
    rng.pick(&colons).copied()
}

fn line_starts(bytes: &[u8]) -> Vec<usize> {
    std::iter::once(0)
        .chain(
            bytes
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| i + 1),
        )
        .collect()
}

/// The lines of `bytes`, each with its line break.
fn lines(bytes: &[u8]) -> Vec<Vec<u8>> {
    bytes
        .split_inclusive(|b| *b == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

/// This file's first lines, then the donor's last lines.
fn splice_lines(rng: &mut Rng, bytes: &mut Vec<u8>, donor: &[u8]) {
    let mine = lines(bytes);
    let theirs = lines(donor);
    let keep = rng.below(mine.len() + 1);
    let from = rng.below(theirs.len() + 1);
    let mut out: Vec<u8> = mine.iter().take(keep).flatten().copied().collect();
    out.extend(theirs.iter().skip(from).flatten());
    *bytes = out;
}

/// A few consecutive donor lines inserted between two lines.
fn insert_donor_lines(rng: &mut Rng, bytes: &mut Vec<u8>, donor: &[u8]) {
    let theirs = lines(donor);
    let from = rng.below(theirs.len());
    let count = rng.skewed(20);
    let chunk: Vec<u8> = theirs
        .iter()
        .skip(from)
        .take(count)
        .flatten()
        .copied()
        .collect();
    let starts = line_starts(bytes);
    let at = starts
        .get(rng.below(starts.len()))
        .copied()
        .unwrap_or(0)
        .min(bytes.len());
    bytes.splice(at..at, chunk);
}

/// One line repeated up to a few thousand times.
fn repeat_line(rng: &mut Rng, bytes: &mut Vec<u8>) {
    let all = lines(bytes);
    let index = rng.below(all.len());
    let Some(line) = all.get(index) else { return };
    let mut line = line.clone();
    if line.last() != Some(&b'\n') {
        line.push(b'\n');
    }
    let times = rng.skewed(3000);
    let at: usize = all.iter().take(index).map(Vec::len).sum();
    let repeated: Vec<u8> = line.repeat(times);
    bytes.splice(at..at, repeated);
}

/// A line made very long (past 1000 bytes, sometimes past 65,535 columns).
fn long_line(rng: &mut Rng, bytes: &mut Vec<u8>) {
    let n = match rng.below(3) {
        0 => 1000 + rng.below(200),
        1 => 70_000,
        _ => rng.skewed(20_000),
    };
    let filler = if rng.one_in(2) {
        b"x".repeat(n)
    } else {
        "${V} ".repeat(n / 5).into_bytes()
    };
    let at = after_colon(rng, bytes).unwrap_or(bytes.len());
    bytes.splice(at..at, filler);
}

fn copy_range(rng: &mut Rng, bytes: &mut Vec<u8>) {
    if bytes.is_empty() {
        return;
    }
    let from = rng.below(bytes.len());
    let len = rng.skewed(512).min(bytes.len() - from);
    let chunk: Vec<u8> = bytes
        .get(from..from + len)
        .map(<[u8]>::to_vec)
        .unwrap_or_default();
    let at = rng.below(bytes.len() + 1);
    bytes.splice(at..at, chunk);
}

/// A subtree of this file replaced by one of the donor's: a YAML block (a line and the more
/// indented lines below it, re-indented), or for JSON a balanced `{…}`/`[…]`.
fn swap_subtree(rng: &mut Rng, bytes: &mut Vec<u8>, donor: &[u8]) {
    let json = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    if json {
        if let (Some(mine), Some(theirs)) = (json_subtree(rng, bytes), json_subtree(rng, donor)) {
            let chunk = donor
                .get(theirs.0..theirs.1)
                .map(<[u8]>::to_vec)
                .unwrap_or_default();
            bytes.splice(mine.0..mine.1, chunk);
        }
        return;
    }
    let mine = lines(bytes);
    let theirs = lines(donor);
    let (Some((a, a_end)), Some((b, b_end))) = (yaml_block(rng, &mine), yaml_block(rng, &theirs))
    else {
        return;
    };
    let target_indent = mine.get(a).map_or(0, |l| indent(l));
    let source_indent = theirs.get(b).map_or(0, |l| indent(l));
    let block: Vec<u8> = theirs
        .get(b..b_end)
        .unwrap_or(&[])
        .iter()
        .flat_map(|line| reindent(line, source_indent, target_indent))
        .collect();
    let mut out: Vec<u8> = mine
        .get(..a)
        .unwrap_or(&[])
        .iter()
        .flatten()
        .copied()
        .collect();
    out.extend(block);
    out.extend(mine.get(a_end..).unwrap_or(&[]).iter().flatten());
    *bytes = out;
}

fn indent(line: &[u8]) -> usize {
    line.iter().take_while(|b| **b == b' ').count()
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
}

/// A random non-blank line and the end of its block (the first later non-blank line indented no
/// deeper).
fn yaml_block(rng: &mut Rng, lines: &[Vec<u8>]) -> Option<(usize, usize)> {
    let candidates: Vec<usize> = (0..lines.len())
        .filter(|i| lines.get(*i).is_some_and(|l| !is_blank(l)))
        .collect();
    let start = *rng.pick(&candidates)?;
    let depth = indent(lines.get(start)?);
    let end = (start + 1..lines.len())
        .find(|i| {
            lines
                .get(*i)
                .is_some_and(|l| !is_blank(l) && indent(l) <= depth)
        })
        .unwrap_or(lines.len());
    Some((start, end))
}

fn reindent(line: &[u8], from: usize, to: usize) -> Vec<u8> {
    let own = indent(line);
    let kept = own.saturating_sub(from);
    let mut out = b" ".repeat(to + kept);
    out.extend(line.get(own..).unwrap_or(&[]));
    out
}

/// A random `{` or `[` and the end of its balanced value (strings skipped roughly).
fn json_subtree(rng: &mut Rng, bytes: &[u8]) -> Option<(usize, usize)> {
    let opens: Vec<usize> = bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'{' || **b == b'[')
        .map(|(i, _)| i)
        .collect();
    let start = *rng.pick(&opens)?;
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, b) in bytes.iter().enumerate().skip(start) {
        if in_string {
            match (escaped, *b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some((start, i + 1));
                }
            }
            _ => {}
        }
    }
    None
}
