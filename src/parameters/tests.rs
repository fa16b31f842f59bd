#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use super::closest;
use super::samconfig::split_shell;
use crate::suggest::Budget;

fn words(text: &str) -> Vec<String> {
    split_shell(text).into_iter().map(|(w, _, _)| w).collect()
}

#[test]
fn splits_like_a_shell() {
    assert_eq!(words(r#"A=1 B="x y""#), ["A=1", "B=x y"]);
    assert_eq!(words(r#"  A='it is'  C=a\ b "#), ["A=it is", "C=a b"]);
    assert_eq!(words(r#"D="say \"hi\"""#), [r#"D=say "hi""#]);
    assert_eq!(
        words("ParameterKey=E,ParameterValue=prd"),
        ["ParameterKey=E,ParameterValue=prd"]
    );
    assert!(words("   ").is_empty());
}

#[test]
fn word_ranges_are_in_the_text() {
    let text = r#"A=1  B="x y""#;
    let ranges: Vec<_> = split_shell(text)
        .into_iter()
        .map(|(_, s, e)| &text[s..e])
        .collect();
    assert_eq!(ranges, ["A=1", r#"B="x y""#]);
}

#[test]
fn suggests_the_closest_name() {
    let budget = Budget::default();
    assert_eq!(closest("Envv", ["Env", "Stage"], &budget), Some("Env"));
    assert_eq!(closest("env", ["Env"], &budget), Some("Env"));
    assert_eq!(closest("Zzz", ["Env", "Stage"], &budget), None);
    assert_eq!(closest("prd", ["prod", "dev"], &budget), Some("prod"));
}
