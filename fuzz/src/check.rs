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
        if let Some((rule, at)) = unsafe_text(&output.text, output.github, output.colour) {
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

/// The first line of `text` a CI runner or terminal would act on, by iamlint's own definition
/// ([`iamlint::sanitize::is_log_safe_line`]: a control character other than `\n` and `\t`, a bare
/// CR, a line starting with `::` after blanks (the github format's own annotations excepted), or
/// `##[` anywhere). In colour output, the SGR colour sequences iamlint writes are removed first.
pub fn unsafe_text(text: &str, github: bool, colour: bool) -> Option<(String, String)> {
    let text = if colour {
        iamlint::sanitize::without_colours(text)
    } else {
        text.to_string()
    };
    text.split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
        .find(|line| !iamlint::sanitize::is_log_safe_line(line, github))
        .map(|line| (reason(line), shown(line)))
}

/// Which rule a line breaks, for grouping artifacts.
fn reason(line: &str) -> String {
    match line
        .chars()
        .find(|c| iamlint::sanitize::is_unsafe_char(*c) || *c == '\r')
    {
        Some(c) => format!("control character {c:?}"),
        None if line.contains("##[") => "##[ in a line".to_string(),
        None => "line starting with ::".to_string(),
    }
}

/// A line escaped and cut to 200 characters, for the report.
fn shown(line: &str) -> String {
    let escaped: String = line.escape_debug().collect();
    match escaped.char_indices().nth(200) {
        Some((at, _)) => format!("{}…", escaped.get(..at).unwrap_or("")),
        None => escaped,
    }
}
