//! The invariants of one run's outputs: bounded size, JSON that parses, and (reported apart) text
//! that is safe to print in a CI log: no control characters, no runner command.

use crate::run::Output;

/// The largest output allowed for an input set of `input_bytes`: 1 MB + 200 bytes per input byte.
pub fn size_bound(input_bytes: usize) -> usize {
    1_000_000 + 200 * input_bytes
}

/// A broken invariant: its kind (the artifact's prefix), and what happened.
pub struct Problem {
    pub kind: &'static str,
    /// Stable across inputs, to group artifacts (the output and the rule broken).
    pub signature: String,
    pub detail: String,
}

/// Every problem with `outputs`: `big` and `bad-json` (failures), `unsafe-output` (see [`unsafe_text`]).
pub fn problems(outputs: &[Output], input_bytes: usize) -> Vec<Problem> {
    let mut found = Vec::new();
    let bound = size_bound(input_bytes);
    for output in outputs {
        if output.text.len() > bound {
            found.push(Problem {
                kind: "big",
                signature: format!("big: {}", output.name),
                detail: format!(
                    "{}: {} bytes for {input_bytes} bytes of input (bound {bound})",
                    output.name,
                    output.text.len()
                ),
            });
        }
        if output.json
            && !output.text.trim().is_empty()
            && let Err(error) = serde_json::from_str::<serde_json::Value>(&output.text)
        {
            found.push(Problem {
                kind: "bad-json",
                signature: format!("bad-json: {}", output.name),
                detail: format!("{}: {error}", output.name),
            });
        }
        if let Some((rule, at)) = unsafe_text(&output.text, output.github) {
            let class = rule.split(' ').next().unwrap_or("");
            found.push(Problem {
                kind: "unsafe-output",
                signature: format!("unsafe-output: {}: {class}", output.name),
                detail: format!("{}: {rule}: {at}", output.name),
            });
        }
    }
    found
}

/// The first thing in `text` a CI runner or terminal would act on: a control character other than
/// `\n` and `\t` (C0, DEL, C1, U+2028/9), a line starting with `::` (after leading whitespace; the
/// github format's own `::error `/`::warning `/`::notice ` lines excepted), or `##[` anywhere. The
/// rule broken and the line, escaped.
pub fn unsafe_text(text: &str, github: bool) -> Option<(String, String)> {
    let control = text.chars().find(|c| {
        matches!(*c, '\u{0}'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}')
    });
    if let Some(c) = control {
        let line = text.split('\n').find(|l| l.contains(c)).unwrap_or("");
        return Some((format!("control character {c:?}"), shown(line)));
    }
    for line in text.split('\n') {
        let trimmed = line.trim_start();
        let own = github
            && (trimmed.starts_with("::error ")
                || trimmed.starts_with("::warning ")
                || trimmed.starts_with("::notice "))
            && line == trimmed;
        if trimmed.starts_with("::") && !own {
            return Some(("line starting with ::".to_string(), shown(line)));
        }
        if line.contains("##[") {
            return Some(("##[ in a line".to_string(), shown(line)));
        }
    }
    None
}

/// A line escaped and cut to 200 characters, for the report.
fn shown(line: &str) -> String {
    let escaped: String = line.escape_debug().collect();
    match escaped.char_indices().nth(200) {
        Some((at, _)) => format!("{}…", escaped.get(..at).unwrap_or("")),
        None => escaped,
    }
}
