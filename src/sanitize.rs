//! The output edge for text that comes from input: one sanitiser per output kind.
//!
//! Templates, configs, parameter files and file names in a pull request are written by whoever opens
//! it, and iamlint's stdout and stderr land in a terminal or a CI log. A GitHub Actions runner executes
//! a line that starts (after leading white space) with `::` as a workflow command, and the legacy
//! `##[command]` form anywhere in a line; a terminal executes ESC, OSC and other control sequences,
//! and a bare carriage return starts a new runner line. So every report passes, once, through the
//! sanitiser of its kind before it is written:
//!
//! - [`terminal`]: human reports and listings (multi-line text). Control characters (C0 but tab and
//!   line feed, DEL, C1 with NEL, U+2028/U+2029, and the bidirectional overrides of "Trojan Source")
//!   are shown escaped as `\u{1b}`; `##[` becomes `#\u{23}[`; a line whose first non-blank characters
//!   are `::` gets its first `:` shown as `\u{3a}`.
//! - [`line`]: one line of text (a stderr message, a property): as [`terminal`], and a line feed is
//!   shown as `\n` too, so the text can never start a line of its own.
//! - [`github_data`] and [`github_property`]: the runner's own escaping (`%25`, `%0D`, `%0A`, and in a
//!   property `%3A`, `%2C`), then [`line`]: an annotation cannot end early or carry a second command.
//! - [`json`]: serialized JSON (reports, SARIF, GitLab): faithful and valid. serde_json escapes C0;
//!   this also writes DEL, C1, U+2028/U+2029 and the bidirectional controls as `\uXXXX`, and `##[` as
//!   `#\u0023[`: the document decodes to the same strings.
//! - [`xml`]: XML text and attribute values (JUnit): markup and line breaks as references, C1 and the
//!   other controls as character references, what XML 1.0 forbids as U+FFFD; [`xml_document`] writes a
//!   whole document's `##[` as `#&#35;[`.
//! - [`dot_label`], [`mermaid_label`]: a graph label on one line, quoted for its language.
//!
//! A sanitiser that finds nothing to change returns its input unchanged (and borrowed where it can):
//! on real templates the edge costs one scan.

use std::borrow::Cow;
use std::fmt::Write as _;

/// The legacy runner command prefix, recognised anywhere in a line.
const LEGACY_COMMAND: &str = "##[";

/// Whether `c` is shown escaped in text output: a control character (C0 but tab and line feed, DEL,
/// C1), a line or paragraph separator, or a bidirectional control.
pub fn is_unsafe_char(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{2028}' | '\u{2029}'
        | '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Whether a sanitiser has anything to do: an unsafe character, a carriage return, `##[`, or `::`.
fn needs_work(text: &str, escape_line_feed: bool) -> bool {
    text.chars()
        .any(|c| is_unsafe_char(c) || c == '\r' || (escape_line_feed && c == '\n'))
        || text.contains(LEGACY_COMMAND)
        || text.contains("::")
}

/// Multi-line text for a terminal or a CI log (see the module doc).
pub fn terminal(text: &str) -> Cow<'_, str> {
    if !needs_work(text, false) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(escape(text, false))
}

/// One line of text: as [`terminal`], with a line feed shown as `\n`.
pub fn line(text: &str) -> Cow<'_, str> {
    if !needs_work(text, true) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(escape(text, true))
}

fn escape(text: &str, escape_line_feed: bool) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let pieces = text.split('\n').count();
    for (index, piece) in text.split('\n').enumerate() {
        if index > 0 {
            out.push_str(if escape_line_feed { "\\n" } else { "\n" });
        }
        // A CRLF line ending is a line ending (a template written on Windows); a bare CR is not.
        let crlf = !escape_line_feed && index + 1 < pieces && piece.ends_with('\r');
        let piece = if crlf {
            piece.strip_suffix('\r').unwrap_or(piece)
        } else {
            piece
        };
        let escaped = escape_controls(piece);
        let escaped = escaped.replace(LEGACY_COMMAND, "#\\u{23}[");
        // The runner trims leading white space before it looks for `::`.
        let blank = escaped.len() - escaped.trim_start().len();
        let (indent, rest) = escaped.split_at(blank);
        out.push_str(indent);
        match rest.strip_prefix("::") {
            // Only where a line begins: a line feed shown as `\n` begins none.
            Some(after) if index == 0 || !escape_line_feed => {
                out.push_str("\\u{3a}:");
                out.push_str(after);
            }
            _ => out.push_str(rest),
        }
        if crlf {
            out.push('\r');
        }
    }
    out
}

/// Every unsafe character and carriage return as `\u{…}`.
fn escape_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if is_unsafe_char(c) || c == '\r' {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out
}

/// A workflow command's message: the runner's escaping, then one safe line.
pub fn github_data(text: &str) -> String {
    let escaped = text
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    line(&escaped).into_owned()
}

/// A workflow command's property value (also `:` and `,` escaped, so it cannot end the property list).
/// `:` is escaped before the line is made safe, so no `::` is left for [`line`] to break: a file
/// named `::x.yaml` is annotated as `%3A%3Ax.yaml`, which the runner reads back as its name.
pub fn github_property(text: &str) -> String {
    let escaped = text
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
        .replace(':', "%3A")
        .replace(',', "%2C");
    line(&escaped).into_owned()
}

/// Serialized JSON, made safe for a log without changing what it decodes to (see the module doc).
/// Every character this escapes can only occur inside a JSON string.
pub fn json(serialized: String) -> String {
    let unsafe_char = serialized.chars().any(is_unsafe_char);
    if !unsafe_char && !serialized.contains(LEGACY_COMMAND) {
        return serialized;
    }
    let mut out = String::with_capacity(serialized.len() + 16);
    for c in serialized.chars() {
        if is_unsafe_char(c) {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out.replace(LEGACY_COMMAND, "#\\u0023[")
}

/// XML text or an attribute value: the five markup characters, line breaks and tabs, and the other
/// control characters XML allows as character references; U+FFFD for what XML 1.0 forbids.
pub fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' | '\r' | '\t' => {
                let _ = write!(out, "&#{};", u32::from(c));
            }
            c if !is_xml_char(c) => out.push('\u{FFFD}'),
            c if is_unsafe_char(c) => {
                let _ = write!(out, "&#x{:x};", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

/// A whole XML document: `##[` (only in text or attribute values) as `#&#35;[`.
pub fn xml_document(document: String) -> String {
    if document.contains(LEGACY_COMMAND) {
        document.replace(LEGACY_COMMAND, "#&#35;[")
    } else {
        document
    }
}

/// XML 1.0's `Char` production (tab, line feed and carriage return are handled apart).
fn is_xml_char(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// A Graphviz DOT quoted string's content, on one line: [`line`], then `\` and `"` escaped.
pub fn dot_label(text: &str) -> String {
    line(text).replace('\\', "\\\\").replace('"', "\\\"")
}

/// A Mermaid quoted label's content, on one line: [`line`], then `"` as `#quot;`.
pub fn mermaid_label(text: &str) -> String {
    line(text).replace('"', "#quot;")
}

/// Whether a line of output is safe in a CI log: no unsafe character or carriage return, no `##[`,
/// and (unless it is one of iamlint's own annotations, `allow_annotation`) no `::` where it begins.
/// What the tests and the fuzz harness assert of every line iamlint writes.
pub fn is_log_safe_line(text: &str, allow_annotation: bool) -> bool {
    let text = text.strip_suffix('\r').unwrap_or(text);
    if text.chars().any(|c| is_unsafe_char(c) || c == '\r') || text.contains(LEGACY_COMMAND) {
        return false;
    }
    let start = text.trim_start();
    if !start.starts_with("::") {
        return true;
    }
    allow_annotation
        && ["::error ", "::warning ", "::notice "]
            .iter()
            .any(|p| start.starts_with(p))
        && text.len() == start.len()
}

/// `text` without SGR colour sequences (`ESC [ digits/semicolons m`, what `--color always` writes);
/// any other ESC is kept. With [`is_log_safe_line`], how the tests and the fuzz harness check colour
/// output.
pub fn without_colours(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("\u{1b}[") {
        out.push_str(rest.get(..at).unwrap_or(""));
        let after = rest.get(at + 2..).unwrap_or("");
        let end = after
            .find(|c: char| !(c.is_ascii_digit() || c == ';'))
            .unwrap_or(after.len());
        if after.get(end..).is_some_and(|t| t.starts_with('m')) {
            rest = after.get(end + 1..).unwrap_or("");
        } else {
            out.push('\u{1b}');
            rest = rest.get(at + 1..).unwrap_or("");
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_text_is_borrowed() {
        assert!(matches!(terminal("a: b\n  c"), Cow::Borrowed(_)));
        assert!(matches!(line("IAM001 on MyFunction"), Cow::Borrowed(_)));
    }

    #[test]
    fn control_characters_are_shown_escaped() {
        assert_eq!(
            terminal("a\u{1b}]0;title\u{7}b\rc\u{85}d\u{2028}e\u{202e}f\tg"),
            "a\\u{1b}]0;title\\u{7}b\\u{d}c\\u{85}d\\u{2028}e\\u{202e}f\tg"
        );
        assert_eq!(line("a\nb"), "a\\nb");
        assert_eq!(terminal("a\nb"), "a\nb");
        assert_eq!(terminal("a\r\nb\r"), "a\r\nb\\u{d}");
        assert_eq!(line("a\r\nb"), "a\\u{d}\\nb");
    }

    #[test]
    fn runner_commands_are_broken() {
        assert_eq!(terminal("::error::x"), "\\u{3a}:error::x");
        assert_eq!(
            terminal("ok\n   ::add-mask::s"),
            "ok\n   \\u{3a}:add-mask::s"
        );
        assert_eq!(
            terminal("a ##[set-env name=x]y"),
            "a #\\u{23}[set-env name=x]y"
        );
        assert_eq!(terminal("a::b"), "a::b");
        assert_eq!(line("x\n::error::y"), "x\\n::error::y");
        assert_eq!(line("::error::y"), "\\u{3a}:error::y");
        // Unicode white space before `::` is trimmed by the runner too.
        assert_eq!(terminal("\u{a0}::warning::x"), "\u{a0}\\u{3a}:warning::x");
        for text in ["::error::x", "a\n::b::c", "##[add-mask]x", "\r::x::y"] {
            for out in [terminal(text).into_owned(), line(text).into_owned()] {
                assert!(out.lines().all(|l| is_log_safe_line(l, false)), "{out:?}");
            }
        }
    }

    #[test]
    fn github_escaping_is_the_runners_and_safe() {
        assert_eq!(github_data("50%\r\nnext"), "50%25%0D%0Anext");
        assert_eq!(github_property("a:b,c"), "a%3Ab%2Cc");
        assert_eq!(
            github_data("x ##[add-mask]y\u{1b}"),
            "x #\\u{23}[add-mask]y\\u{1b}"
        );
    }

    #[test]
    fn json_stays_faithful() {
        let value = serde_json::json!({"id": "a\u{85}b\u{2028}##[x]\u{1b}\"\\"});
        let text = json(serde_json::to_string(&value).unwrap_or_default());
        assert!(text.lines().all(|l| is_log_safe_line(l, false)), "{text}");
        let back: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        assert_eq!(back, value);
    }

    #[test]
    fn xml_escapes_markup_and_controls() {
        assert_eq!(
            xml("a<b & \"c\" 'd'>\n\u{1}\u{85}"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;&#10;\u{FFFD}&#x85;"
        );
        assert_eq!(xml_document("<a>##[x]</a>".into()), "<a>#&#35;[x]</a>");
    }

    #[test]
    fn colours_are_removed_other_escapes_kept() {
        assert_eq!(
            without_colours("\u{1b}[1;31mred\u{1b}[0m \u{1b}]0;t\u{7} \u{1b}[2J"),
            "red \u{1b}]0;t\u{7} \u{1b}[2J"
        );
    }

    #[test]
    fn graph_labels_stay_on_one_line() {
        assert_eq!(dot_label("a\"b\\c\nd"), "a\\\"b\\\\c\\\\nd");
        assert_eq!(mermaid_label("a\"b\nc"), "a#quot;b\\nc");
    }
}
