//! SUP001 `unused-suppression`: a suppression that matches no finding. Reported by the suppression
//! pass (`src/suppress.rs`), which alone knows which suppressions were used. See
//! rules/SUP001-unused-suppression.md.

use super::{Rule, RuleContext, RuleInput, RuleMeta};

declare_rule!(UnusedSuppression, "SUP001", "unused-suppression", Note);

impl Rule for UnusedSuppression {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, _input: &RuleInput<'_>, _cx: &mut RuleContext) {}
}
