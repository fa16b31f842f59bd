//! Where PyYAML's pure-Python scanner (what SAM CLI and cfn-lint read templates with) is stricter than
//! libyaml, checked on the text with what the event stream tells: non-printable characters, tabs, and
//! the extent of a tag.
//!
//! - PyYAML checks the whole input for non-printable characters before it parses anything.
//! - PyYAML skips only spaces between tokens, so a tab is an error anywhere but inside a quoted scalar,
//!   inside a block scalar's content, or in a comment (libyaml also skips tabs in flow collections and
//!   after a value: `a:<TAB>b`, `[a,<TAB>b]`, a trailing tab).
//! - In PyYAML, `,`, `[` and `]` belong to a tag (`[!Ref, x]` has the tag `!Ref,`); libyaml ends a tag
//!   there, and libyaml-safer panics on a tag followed by `,` in a flow collection. The parser reads a
//!   copy of the text with such commas blanked (see [`tag_commas`]), so both read `[!Ref, x]` as one
//!   item; a tag that PyYAML reads on past its commas (`!Ref,x]`, `!Ref[x]`) is an error.

/// Characters PyYAML's reader accepts (`Reader.NON_PRINTABLE` is the complement; libyaml's is the same).
fn is_printable(c: char) -> bool {
    matches!(c,
        '\t' | '\n' | '\r' | ' '..='~' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}'
        | '\u{10000}'..='\u{10ffff}')
}

/// The byte offset and value of the first character PyYAML's reader rejects.
pub fn first_non_printable(text: &str) -> Option<(usize, char)> {
    let bytes = text.as_bytes();
    let mut at = 0;
    loop {
        // The common case: a run of printable ASCII, in one tight loop.
        let run = bytes
            .get(at..)?
            .iter()
            .position(|b| !matches!(b, b'\t' | b'\n' | b'\r' | b' '..=b'~'))?;
        at += run;
        let c = text.get(at..).and_then(|rest| rest.chars().next())?;
        if !is_printable(c) {
            return Some((at, c));
        }
        at += c.len_utf8();
    }
}

/// Characters of a tag's URI in PyYAML (`scan_tag_uri`), `%` escapes and `!` included. `with_flow`
/// adds `,`, `[` and `]`, which PyYAML takes and libyaml does not.
fn is_tag_char(c: char, with_flow: bool) -> bool {
    c.is_ascii_alphanumeric()
        || "-;/?:@&=+$_.!~*'()%".contains(c)
        || (with_flow && matches!(c, ',' | '[' | ']'))
}

/// What may follow a tag in PyYAML: a space, a line break or the end of the text (not a tab).
pub fn may_follow_tag(c: Option<char>) -> bool {
    matches!(
        c,
        None | Some(' ' | '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
    )
}

/// The end of the tag that starts at `start` (a `!`): libyaml's reading (`with_flow` false) or
/// PyYAML's (true). A verbatim tag `!<...>` ends after its `>`.
pub fn tag_end(text: &str, start: usize, with_flow: bool) -> usize {
    let Some(rest) = text.get(start + 1..) else {
        return start;
    };
    if let Some(verbatim) = rest.strip_prefix('<') {
        return verbatim
            .find('>')
            .map_or(text.len(), |at| start + 2 + at + 1);
    }
    let length = rest
        .char_indices()
        .find(|(_, c)| !is_tag_char(*c, with_flow))
        .map_or(rest.len(), |(at, _)| at);
    start + 1 + length
}

/// Where the tag of a node that starts at `node_start` begins: the node starts with its tag, or with
/// an anchor (`&a`) and then, after whitespace, its tag.
pub fn tag_start(text: &str, node_start: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut at = node_start;
    for _ in 0..2 {
        match bytes.get(at) {
            Some(b'!') => return Some(at),
            Some(b'&') => {
                // An anchor's name: letters, digits, `-` and `_` (libyaml and PyYAML alike).
                at += 1;
                while bytes
                    .get(at)
                    .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
                {
                    at += 1;
                }
                at = skip_separation(bytes, at);
            }
            _ => return None,
        }
    }
    None
}

/// Skips whitespace, line breaks and comments.
fn skip_separation(bytes: &[u8], mut at: usize) -> usize {
    loop {
        match bytes.get(at) {
            Some(b' ' | b'\t' | b'\r' | b'\n') => at += 1,
            Some(b'#') => {
                while bytes.get(at).is_some_and(|b| *b != b'\n' && *b != b'\r') {
                    at += 1;
                }
            }
            _ => return at,
        }
    }
}

/// The commas right after what libyaml reads as a tag (`!Ref,` in `[!Ref, x]`), as ranges in text
/// order: for each `!`, the run of `,` at libyaml's end of a tag starting there. A superset of the real
/// cases (a `!` in a comment or a scalar matches too; a tag may start right after a quoted scalar or an
/// anchor, so no `!` is left out); the loader confirms each against the events.
pub fn tag_commas(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut commas: Vec<(usize, usize)> = Vec::new();
    for (at, _) in text.match_indices('!') {
        let start = tag_end(text, at, false);
        let end = start
            + bytes
                .get(start..)
                .map_or(0, |rest| rest.iter().take_while(|b| **b == b',').count());
        // `!!str,`: both `!` give the same commas.
        if end > start && commas.last() != Some(&(start, end)) {
            commas.push((start, end));
        }
    }
    commas
}

/// The text the parser reads: `text` with the given commas blanked (same length, same offsets).
pub fn blank_commas(text: &str, ranges: &[(usize, usize)]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for (start, end) in ranges {
        for byte in bytes.get_mut(*start..*end).into_iter().flatten() {
            if *byte == b',' {
                *byte = b' ';
            }
        }
    }
    String::from_utf8(bytes).unwrap_or_else(|_| text.to_string())
}

/// How a scalar was written, for the tab check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionKind {
    /// Plain: a tab anywhere in it is an error in PyYAML.
    Plain,
    /// Single- or double-quoted: tabs between the quotes are content.
    Quoted,
    /// Literal or folded: tabs in the content lines are content (not on the header line).
    Block,
}

/// The span of one scalar as the parser gave it (anchor and tag included).
#[derive(Debug, Clone, Copy)]
pub struct Region {
    pub start: usize,
    pub end: usize,
    pub kind: RegionKind,
}

/// The first tab before `limit` that PyYAML rejects, given the scalars of the document in order.
pub fn first_bad_tab(text: &str, regions: &[Region], limit: usize) -> Option<usize> {
    let limit = limit.min(text.len());
    if !text.as_bytes().get(..limit)?.contains(&b'\t') {
        return None;
    }
    let mut at = 0;
    for region in regions {
        if region.start >= limit {
            break;
        }
        if let Some(tab) = tab_between_tokens(text, at, region.start) {
            return Some(tab);
        }
        let end = region.end.min(limit);
        let allowed_from = match region.kind {
            RegionKind::Plain => end,
            RegionKind::Quoted => quote_start(text, region.start, end),
            // The header line (`|-  # comment`) is read like the text between tokens.
            RegionKind::Block => line_end(text, region.start, end),
        };
        let bad = match region.kind {
            RegionKind::Plain => find_tab(text, region.start, end),
            _ => tab_between_tokens(text, region.start, allowed_from),
        };
        if bad.is_some() {
            return bad;
        }
        at = at.max(end);
    }
    tab_between_tokens(text, at, limit)
}

fn find_tab(text: &str, from: usize, to: usize) -> Option<usize> {
    let slice = text.as_bytes().get(from..to)?;
    slice.iter().position(|b| *b == b'\t').map(|i| from + i)
}

/// A tab outside comments in `from..to`, text between tokens.
fn tab_between_tokens(text: &str, from: usize, to: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut at = from;
    while at < to {
        match bytes.get(at)? {
            b'\t' => return Some(at),
            b'#' => at = line_end(text, at, to),
            _ => at += 1,
        }
    }
    None
}

/// The first line break in `from..to` (or `to`).
fn line_end(text: &str, from: usize, to: usize) -> usize {
    let bytes = text.as_bytes();
    (from..to)
        .find(|at| matches!(bytes.get(*at), Some(b'\n' | b'\r')))
        .unwrap_or(to)
}

/// The opening quote of a quoted scalar whose span (anchor and tag included) starts at `from`.
fn quote_start(text: &str, from: usize, to: usize) -> usize {
    let bytes = text.as_bytes();
    let mut at = from;
    while at < to {
        match bytes.get(at) {
            Some(b'\'' | b'"') => return at,
            Some(b'&' | b'!') => {
                // An anchor or a tag: skip the token (a tag may hold a quote: `!a'b`).
                while at < to && bytes.get(at).is_some_and(|b| !b" \t\r\n".contains(b)) {
                    at += 1;
                }
            }
            _ => at += 1,
        }
    }
    to
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_extents_differ_on_flow_indicators() {
        let text = "[!Ref, x]";
        assert_eq!(tag_end(text, 1, false), 5);
        assert_eq!(tag_end(text, 1, true), 6);
        assert_eq!(tag_end("!<!Ref> x", 0, false), 7);
        assert_eq!(tag_start("&a !Ref x", 0), Some(3));
        assert_eq!(tag_start("x", 0), None);
        assert_eq!(tag_start("&a!!str,", 0), Some(2));
    }

    #[test]
    fn commas_after_what_libyaml_reads_as_a_tag() {
        assert_eq!(tag_commas("[!Ref, x, !Sub a, b,c]"), vec![(5, 6)]);
        assert_eq!(tag_commas("[!Ref,,x]"), vec![(5, 7)]);
        assert_eq!(tag_commas("a: 'x !y, z'"), vec![(8, 9)]);
        assert_eq!(tag_commas("[','!, a]"), vec![(5, 6)]);
        assert_eq!(tag_commas("[!!str, a]"), vec![(6, 7)]);
        assert!(tag_commas("a: [b, c]\nd: !Ref e").is_empty());
        assert_eq!(blank_commas("[!Ref,x]", &[(5, 6)]), "[!Ref x]");
    }

    #[test]
    fn tabs_only_in_quoted_block_and_comments() {
        let plain = |s: usize, e: usize| Region {
            start: s,
            end: e,
            kind: RegionKind::Plain,
        };
        // `a: b<TAB>c`: inside a plain scalar.
        assert_eq!(
            first_bad_tab("a: b\tc", &[plain(0, 1), plain(3, 6)], 6),
            Some(4)
        );
        // A comment may hold a tab.
        assert_eq!(
            first_bad_tab("a: b # \t", &[plain(0, 1), plain(3, 4)], 8),
            None
        );
        let quoted = Region {
            start: 3,
            end: 8,
            kind: RegionKind::Quoted,
        };
        assert_eq!(first_bad_tab("a: 'x\ty'", &[plain(0, 1), quoted], 8), None);
        assert_eq!(
            first_bad_tab("a: 'x\ty'\t", &[plain(0, 1), quoted], 9),
            Some(8)
        );
        assert_eq!(first_non_printable("a: \u{7}"), Some((3, '\u{7}')));
        assert_eq!(first_non_printable("é: \u{9f}"), Some((4, '\u{9f}')));
        assert!(first_non_printable("a: é\u{feff}").is_none());
    }
}
