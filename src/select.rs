//! Rule selection as ruff's: `select` (the set of rules, replacing the one before), `extend-select`
//! (rules added) and `ignore` (rules removed), each a list of selectors: a rule code (`IAM001`), a
//! rule name (`caller-missing-lambda-invoke`), a code prefix (`CORS`, `IAM00`) or `ALL`.
//!
//! Settings come in layers (the config file, then the command line). Within one layer, each rule
//! takes the decision of its most specific matching selector (a code or name over a longer prefix
//! over a shorter one over `ALL`); `ignore` wins a tie. A rule no selector of the layer matches is
//! off when the layer has a `select`, else as the layer below left it. Every rule starts on.

use crate::rules::{self, ALL_RULES};

/// One selector, checked against the rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    /// As written.
    pub written: String,
    kind: Kind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    All,
    /// Upper-case code prefix.
    Prefix(String),
    /// One rule, by code.
    Rule(&'static str),
}

impl Selector {
    /// Parses a selector; an unknown one is an error with the closest code or name.
    pub fn parse(text: &str) -> Result<Selector, String> {
        let written = text.trim().to_string();
        let kind = if written.eq_ignore_ascii_case("ALL") {
            Kind::All
        } else if let Some(meta) = rules::find(&written) {
            Kind::Rule(meta.code)
        } else {
            let prefix = written.to_ascii_uppercase();
            let is_prefix = !prefix.is_empty()
                && ALL_RULES
                    .iter()
                    .any(|r| r.meta().code.starts_with(prefix.as_str()));
            if !is_prefix {
                return Err(unknown(&written));
            }
            Kind::Prefix(prefix)
        };
        Ok(Selector { written, kind })
    }

    /// How specific the selector is: larger wins.
    fn specificity(&self) -> usize {
        match &self.kind {
            Kind::All => 0,
            Kind::Prefix(prefix) => prefix.len(),
            Kind::Rule(_) => usize::MAX,
        }
    }

    fn matches(&self, code: &str) -> bool {
        match &self.kind {
            Kind::All => true,
            Kind::Prefix(prefix) => code.starts_with(prefix.as_str()),
            Kind::Rule(rule) => *rule == code,
        }
    }
}

/// The message for an unknown selector, with a suggestion when one is close.
fn unknown(written: &str) -> String {
    let metas: Vec<_> = ALL_RULES.iter().map(|r| r.meta()).collect();
    let candidates = metas.iter().flat_map(|m| [m.code, m.name]);
    match crate::parameters::closest(written, candidates, &crate::suggest::Budget::default()) {
        Some(close) => format!("unknown rule selector `{written}`; did you mean `{close}`?"),
        None => format!(
            "unknown rule selector `{written}` (a rule code, name, code prefix or ALL; `iamlint rules` lists them)"
        ),
    }
}

/// Parses a comma-separated list of selectors (for the command line).
pub fn parse_list(text: &str) -> Result<Vec<Selector>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(Selector::parse)
        .collect()
}

/// The selectors of one layer (the config file's or the command line's).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layer {
    /// `None`: the layer keeps the set of the layer below.
    pub select: Option<Vec<Selector>>,
    pub extend_select: Vec<Selector>,
    pub ignore: Vec<Selector>,
}

impl Layer {
    pub fn is_empty(&self) -> bool {
        self.select.is_none() && self.extend_select.is_empty() && self.ignore.is_empty()
    }

    /// Whether the rule `code` is on after this layer, given whether it was before.
    pub fn decide(&self, code: &str, before: bool) -> bool {
        let best = |selectors: &mut dyn Iterator<Item = &Selector>| {
            selectors
                .filter(|s| s.matches(code))
                .map(Selector::specificity)
                .max()
        };
        let selected = best(
            &mut self
                .select
                .iter()
                .flatten()
                .chain(self.extend_select.iter()),
        );
        let ignored = best(&mut self.ignore.iter());
        match (selected, ignored) {
            (Some(s), Some(i)) => s > i,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => before && self.select.is_none(),
        }
    }
}

/// Whether the rule `code` is on after `layers` (lowest first).
pub fn enabled<'a>(code: &str, layers: impl IntoIterator<Item = &'a Layer>) -> bool {
    layers
        .into_iter()
        .fold(true, |on, layer| layer.decide(code, on))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn layer(select: Option<&str>, extend: &str, ignore: &str) -> Layer {
        Layer {
            select: select.map(|s| parse_list(s).unwrap()),
            extend_select: parse_list(extend).unwrap(),
            ignore: parse_list(ignore).unwrap(),
        }
    }

    #[test]
    fn codes_names_prefixes_and_all() {
        assert!(Selector::parse("IAM001").is_ok());
        assert!(Selector::parse("caller-missing-lambda-invoke").is_ok());
        assert!(Selector::parse("cors").is_ok());
        assert!(Selector::parse("IAM00").is_ok());
        assert!(Selector::parse("ALL").is_ok());
        let error = Selector::parse("IAM0001").unwrap_err();
        assert!(error.contains("did you mean"), "{error}");
        let error = Selector::parse("caller-missing-lambda-invok").unwrap_err();
        assert!(
            error.ends_with("did you mean `caller-missing-lambda-invoke`?"),
            "{error}"
        );
    }

    #[test]
    fn more_specific_wins_and_ignore_wins_a_tie() {
        let l = layer(Some("IAM"), "", "IAM00");
        assert!(!l.decide("IAM001", true));
        assert!(!l.decide("CORS001", true));
        let l = layer(Some("IAM"), "IAM001", "IAM00");
        assert!(l.decide("IAM001", true));
        assert!(!l.decide("IAM002", true));
        let l = layer(None, "IAM001", "IAM001");
        assert!(!l.decide("IAM001", true));
    }

    #[test]
    fn a_later_select_replaces_the_set_extend_select_adds() {
        let config = layer(Some("IAM,CORS"), "", "IAM001");
        let cli_select = layer(Some("IAM001"), "", "");
        assert!(enabled("IAM001", [&config, &cli_select]));
        assert!(!enabled("IAM002", [&config, &cli_select]));
        let cli_extend = layer(None, "REF", "");
        assert!(enabled("REF001", [&config, &cli_extend]));
        assert!(enabled("IAM002", [&config, &cli_extend]));
        assert!(!enabled("IAM001", [&config, &cli_extend]));
        assert!(!enabled("REF001", [&config]));
        assert!(enabled("REF001", [&Layer::default()]));
    }
}
