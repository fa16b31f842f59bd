//! Lambda targets as Lambda reads them: a function, one of its versions or one of its aliases.
//!
//! Lambda authorizes an invocation against the ARN the request names. `function:x`, `function:x:7`
//! and `function:x:live` are three resources:
//!
//! - a resource-policy statement (an `AWS::Lambda::Permission`) applies only to the ARN it names:
//!   `FunctionName` with its `Qualifier`, or a qualified ARN;
//! - an identity grant on `function:x` does not cover `function:x:live`; `function:x:*` does (that
//!   part is plain pattern matching in [`crate::iam::pattern`]).
//!
//! [`FunctionArn::parse`] splits an ARN into the unqualified function ARN and the qualifier, and
//! [`FunctionArn::same_resource`] answers, three-valued, whether two ARNs name the same resource.
//!
//! Approximation: a symbol in the function-name segment (a parameter, a generated name) is taken
//! not to contain `:`, since Lambda function names never do.

use crate::resolve::{Part, SymStr, Symbol};

/// The literal that starts the function name in a Lambda ARN.
const FUNCTION_SEGMENT: &str = ":function:";

/// A Lambda function ARN split at its qualifier.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionArn {
    /// `arn:{partition}:lambda:{region}:{account}:function:{name}`.
    pub function: SymStr,
    /// The version or alias after the name, when there is one.
    pub qualifier: Option<SymStr>,
}

impl FunctionArn {
    /// Splits `arn` (which must hold the literal `:function:`) into function and qualifier.
    pub fn parse(arn: &SymStr) -> Option<FunctionArn> {
        let (prefix, rest) = split_once_literal(arn, FUNCTION_SEGMENT)?;
        let (name, qualifier) = match split_once_literal(&rest, ":") {
            Some((name, qualifier)) => (name, Some(qualifier)),
            None => (rest, None),
        };
        // Version and alias names are `[A-Za-z0-9_$-]+`: other text after the name is no qualifier.
        let valid = |text: &str| {
            text.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '$'))
        };
        let literal_parts_valid = |s: &SymStr| {
            s.parts().iter().all(|p| match p {
                Part::Literal(text) => valid(text),
                Part::Symbol(_) => true,
            })
        };
        if !literal_parts_valid(&name) || !qualifier.as_ref().is_none_or(literal_parts_valid) {
            return None;
        }
        let mut function = prefix;
        function.push_literal(FUNCTION_SEGMENT);
        function.append(&name);
        Some(FunctionArn {
            function,
            qualifier: qualifier.filter(|q| q.as_literal() != Some("")),
        })
    }

    /// The ARN, qualifier included.
    pub fn to_sym_str(&self) -> SymStr {
        let mut arn = self.function.clone();
        if let Some(qualifier) = &self.qualifier {
            arn.push_literal(":");
            arn.append(qualifier);
        }
        arn
    }

    /// Whether both name the same function and the same qualifier: `Some(true)`, `Some(false)`, or
    /// `None` when template values decide.
    pub fn same_resource(&self, other: &FunctionArn) -> Option<bool> {
        let function = sym_equals(&self.function, &other.function);
        let qualifier = match (&self.qualifier, &other.qualifier) {
            (None, None) => Some(true),
            (Some(_), None) | (None, Some(_)) => Some(false),
            (Some(a), Some(b)) => qualifier_equals(a, b),
        };
        match (function, qualifier) {
            (Some(false), _) | (_, Some(false)) => Some(false),
            (Some(true), Some(true)) => Some(true),
            _ => None,
        }
    }

    /// The qualifier as a user reads it (`live`, `${Version}`), when there is one.
    pub fn qualifier_text(&self) -> Option<String> {
        self.qualifier.as_ref().map(ToString::to_string)
    }
}

/// Splits at the first `delimiter` inside a literal part.
pub fn split_once_literal(s: &SymStr, delimiter: &str) -> Option<(SymStr, SymStr)> {
    let mut before = SymStr::default();
    let mut parts = s.parts().iter();
    for part in parts.by_ref() {
        match part {
            Part::Symbol(symbol) => before.push_symbol(symbol.clone()),
            Part::Literal(text) => {
                if let Some((head, tail)) = text.split_once(delimiter) {
                    before.push_literal(head);
                    let mut after = SymStr::literal(tail);
                    for rest in parts {
                        match rest {
                            Part::Literal(text) => after.push_literal(text),
                            Part::Symbol(symbol) => after.push_symbol(symbol.clone()),
                        }
                    }
                    return Some((before, after));
                }
                before.push_literal(text);
            }
        }
    }
    None
}

fn sym_equals(a: &SymStr, b: &SymStr) -> Option<bool> {
    crate::resolve::Value::Str(a.clone()).equals(&crate::resolve::Value::Str(b.clone()))
}

/// Qualifiers compare like other values, knowing that a version (`Fn.Version`, a number,
/// `$LATEST`) is never an alias: alias names cannot be all digits.
fn qualifier_equals(a: &SymStr, b: &SymStr) -> Option<bool> {
    if let Some(answer) = sym_equals(a, b) {
        return Some(answer);
    }
    let version_vs_alias = |x: &SymStr, y: &SymStr| is_version_symbol(x) && is_alias_literal(y);
    if version_vs_alias(a, b) || version_vs_alias(b, a) {
        return Some(false);
    }
    None
}

/// `!Ref Fn.Version` / `!GetAtt Version.Version`: a published version number.
fn is_version_symbol(s: &SymStr) -> bool {
    matches!(s.parts(), [Part::Symbol(Symbol::Attribute { attribute, .. })] if &**attribute == "Version")
}

/// Literal text that can only be an alias name (not a number, not `$LATEST`).
fn is_alias_literal(s: &SymStr) -> bool {
    s.as_literal()
        .is_some_and(|t| !t.is_empty() && t != "$LATEST" && !t.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn function_symbol() -> Symbol {
        Symbol::PhysicalId {
            stack: 0,
            logical_id: Arc::from("Fn"),
            unique: true,
        }
    }

    fn arn(qualifier: Option<&str>) -> SymStr {
        let mut s = SymStr::literal("arn:aws:lambda:");
        s.push_symbol(Symbol::Region);
        s.push_literal(":");
        s.push_symbol(Symbol::AccountId);
        s.push_literal(":function:");
        s.push_symbol(function_symbol());
        if let Some(q) = qualifier {
            s.push_literal(&format!(":{q}"));
        }
        s
    }

    fn version_arn() -> SymStr {
        let mut s = arn(None);
        s.push_literal(":");
        s.push_symbol(Symbol::Attribute {
            stack: 0,
            logical_id: Arc::from("Fn"),
            attribute: Arc::from("Version"),
        });
        s
    }

    fn parse(s: &SymStr) -> FunctionArn {
        FunctionArn::parse(s).unwrap_or_else(|| panic!("not a function ARN: {s}"))
    }

    #[test]
    fn splits_the_qualifier() {
        let parsed = parse(&arn(Some("live")));
        assert_eq!(parsed.function, arn(None));
        assert_eq!(parsed.qualifier_text().as_deref(), Some("live"));
        assert_eq!(parsed.to_sym_str(), arn(Some("live")));
        assert_eq!(parse(&arn(None)).qualifier, None);
    }

    #[test]
    fn a_function_is_not_its_alias_nor_the_reverse() {
        let bare = parse(&arn(None));
        let live = parse(&arn(Some("live")));
        assert_eq!(bare.same_resource(&live), Some(false));
        assert_eq!(live.same_resource(&bare), Some(false));
        assert_eq!(live.same_resource(&parse(&arn(Some("live")))), Some(true));
        assert_eq!(live.same_resource(&parse(&arn(Some("beta")))), Some(false));
        assert_eq!(bare.same_resource(&parse(&arn(None))), Some(true));
    }

    #[test]
    fn a_version_is_never_an_alias() {
        let version = parse(&version_arn());
        assert_eq!(
            version.same_resource(&parse(&arn(Some("live")))),
            Some(false)
        );
        assert_eq!(version.same_resource(&parse(&arn(Some("3")))), None);
        assert_eq!(version.same_resource(&parse(&version_arn())), Some(true));
    }

    #[test]
    fn a_parameter_qualifier_is_undecided() {
        let mut s = arn(None);
        s.push_literal(":");
        s.push_symbol(Symbol::Parameter(Arc::from("Alias")));
        assert_eq!(parse(&s).same_resource(&parse(&arn(Some("live")))), None);
    }

    #[test]
    fn text_without_a_function_segment_is_no_function_arn() {
        assert_eq!(
            FunctionArn::parse(&SymStr::literal("arn:aws:s3:::bucket")),
            None
        );
        assert_eq!(
            FunctionArn::parse(&SymStr::symbol(Symbol::Import(Arc::from("X")))),
            None
        );
    }

    #[test]
    fn text_that_is_no_function_name_or_qualifier_is_no_function_arn() {
        assert_eq!(
            FunctionArn::parse(&SymStr::literal(
                "arn:aws:lambda:r:1:function:https://x.on.aws/"
            )),
            None
        );
        assert_eq!(
            FunctionArn::parse(&SymStr::literal("arn:aws:lambda:r:1:function:f:live/x")),
            None
        );
    }

    #[test]
    fn an_empty_qualifier_is_none() {
        let parsed = parse(&SymStr::literal("arn:aws:lambda:r:1:function:f:"));
        assert_eq!(parsed.qualifier, None);
    }
}
