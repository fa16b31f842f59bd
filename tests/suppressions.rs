//! Suppression comments as zizmor reads them: a comment on any line of the finding's primary span, or
//! on a line of its own just above the span's first line; a trailing comment covers its own line only.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

mod common;

use common::{check_json, locations};

/// The SUP001 fixture without its suppressions: CORS004 spans the `Cors` mapping (from
/// `AllowOrigin`, line 15, to `AllowCredentials`), CORS001 is on the `AllowCredentials` line (18).
fn unsuppressed() -> String {
    let text = std::fs::read_to_string("fixtures/SUP001/good-comment.yaml").unwrap();
    let text = text.replace("Metadata:\n  iamlint:\n    ignore: [CORS004]\n", "");
    text.lines()
        .filter(|l| !l.contains("iamlint: ignore"))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// The rules and lines reported for `text` (written to a file of its own).
fn findings_of(name: &str, text: &str) -> Vec<(String, u64)> {
    let dir = std::env::temp_dir().join(format!("iamlint-sup-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("template.yaml");
    std::fs::write(&path, text).unwrap();
    let (json, _) = check_json(&[path.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).ok();
    locations(&json)
        .into_iter()
        .map(|(rule, _, line, _)| (rule, line))
        .collect()
}

/// `text` with `comment` inserted as a line of its own before the first line containing `before`.
fn with_line_before(text: &str, before: &str, comment: &str) -> String {
    let at = text.find(before).unwrap();
    let line_start = text.get(..at).unwrap().rfind('\n').map_or(0, |i| i + 1);
    let indent = " ".repeat(at - line_start);
    format!(
        "{}{indent}{comment}\n{}",
        text.get(..line_start).unwrap(),
        text.get(line_start..).unwrap()
    )
}

#[test]
fn control_both_findings_without_comments() {
    let text = unsuppressed();
    assert_eq!(
        findings_of("control", &text),
        [("CORS004".to_string(), 15), ("CORS001".to_string(), 18)]
    );
}

#[test]
fn a_comment_above_a_multi_line_span_suppresses_it() {
    let text = with_line_before(
        &unsuppressed(),
        "AllowOrigin:",
        "# iamlint: ignore[CORS004]",
    );
    assert_eq!(findings_of("above", &text), [("CORS001".to_string(), 19)]);
}

#[test]
fn a_comment_inside_the_span_suppresses_it() {
    let text = with_line_before(
        &unsuppressed(),
        "AllowMethods:",
        "# iamlint: ignore[CORS004]",
    );
    assert_eq!(findings_of("inside", &text), [("CORS001".to_string(), 19)]);
}

#[test]
fn a_comment_two_lines_above_the_span_does_not() {
    let text = with_line_before(&unsuppressed(), "Cors:", "# iamlint: ignore[CORS004]");
    let found = findings_of("two-above", &text);
    assert!(found.contains(&("CORS004".to_string(), 16)), "{found:?}");
    assert!(found.iter().any(|(rule, _)| rule == "SUP001"), "{found:?}");
}

#[test]
fn a_trailing_comment_covers_its_own_line_only() {
    // On the `AllowMethods` line: inside CORS004's span (suppressed), just above CORS001's line (not).
    let text = unsuppressed().replace(
        "AllowMethods: \"'GET,OPTIONS'\"",
        "AllowMethods: \"'GET,OPTIONS'\"  # iamlint: ignore[CORS004, CORS001]",
    );
    let found = findings_of("trailing", &text);
    assert_eq!(
        found,
        [("SUP001".to_string(), 17), ("CORS001".to_string(), 18)],
        "{found:?}"
    );
}

#[test]
fn a_comment_on_its_own_line_above_still_covers_the_next_line() {
    let text = with_line_before(
        &unsuppressed(),
        "AllowCredentials:",
        "# iamlint: ignore[CORS001]",
    );
    assert_eq!(
        findings_of("own-line", &text),
        [("CORS004".to_string(), 15)]
    );
}
