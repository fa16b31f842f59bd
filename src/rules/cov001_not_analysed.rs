//! COV001 `not-analysed`: something iamlint skips (an API definition it cannot read, a nested stack
//! whose template it does not read, a WebSocket API,
//! an AppSync API with IAM auth, a policy it cannot read), one note per occurrence with why. See
//! rules/COV001-not-analysed.md.

use super::{Rule, RuleContext, RuleInput, RuleMeta};
use crate::definitions::NotReadKind;
use crate::model::coverage::Gap;

declare_rule!(NotAnalysed, "COV001", "not-analysed", Note);

impl Rule for NotAnalysed {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, input: &RuleInput<'_>, cx: &mut RuleContext) {
        for gap in &input.model.not_analysed {
            let mut finding = cx
                .report(
                    gap.location,
                    format!("{} is not analysed: {}", capitalized(&gap.what), gap.why),
                )
                .label("not analysed")
                .resource(gap.resource.as_deref())
                .help(help(gap.gap));
            if let Some(related) = gap.related {
                finding = finding.related(related, "the parse error");
            }
            drop(finding);
        }
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// What to do about a file outside the repository.
const OUTSIDE_HELP: &str = "iamlint reads only files inside the checked repository (after `..` and symbolic links): keep the file in the repository, or check it on its own";

/// What to do about a gap: make it readable, or check that part by hand.
fn help(gap: Gap) -> &'static str {
    match gap {
        Gap::Definition(NotReadKind::Remote) => {
            "iamlint reads local files only: keep the OpenAPI file next to the template (`Location: ./api.yaml`) and let `sam deploy` or `aws cloudformation package` upload it, or review the S3 document by hand"
        }
        Gap::Definition(NotReadKind::Unreadable) => {
            "write the definition inline, or include a local file: `Fn::Transform: {Name: AWS::Include, Parameters: {Location: ./api.yaml}}`"
        }
        Gap::Definition(NotReadKind::MissingFile) => {
            "fix the path (relative to the template's folder) or add the file; it must be a regular file"
        }
        Gap::Definition(NotReadKind::Outside) => OUTSIDE_HELP,
        Gap::Definition(NotReadKind::InvalidFile) => {
            "fix the file so that it holds one YAML or JSON mapping (an OpenAPI document)"
        }
        Gap::Definition(NotReadKind::IncludeLoop) => {
            "make the chain of includes end in an OpenAPI document"
        }
        Gap::Definition(NotReadKind::AlreadyNested) => {
            nested_stack_help(NotReadKind::AlreadyNested)
        }
        Gap::Definition(NotReadKind::NestedTransform) => {
            "write that part inline, or include the whole document from `DefinitionBody`/`Body`"
        }
        Gap::NestedStack(kind) => nested_stack_help(kind),
        Gap::WebSocketApi => {
            "review the WebSocket routes' authorization and their Lambda permissions by hand"
        }
        Gap::AppSyncIamApi => {
            "review by hand that each IAM caller has `appsync:GraphQL` on the fields it uses, and no caller has more"
        }
        Gap::UnknownServiceAction => {
            "check by hand that the integration's credentials allow the service action it calls (the Service Authorization Reference lists the action of each API operation)"
        }
        Gap::AccessBudget => {
            "check the routes in smaller deployments (one API, or fewer roles whose grants name it with wildcards), or review their callers by hand"
        }
        Gap::UnreadablePolicy => {
            "write the policy as a mapping with `Effect`, `Action` and `Resource` iamlint can resolve (give parameter values with `--param`), or review it by hand"
        }
    }
}

/// What to do about a nested stack whose template is not read.
fn nested_stack_help(kind: NotReadKind) -> &'static str {
    match kind {
        NotReadKind::Remote => {
            "iamlint reads local files only: keep a child template of your own next to its parent (`TemplateURL: ./child.yaml`, SAM `Location: ./child.yaml`) and let `sam deploy` or `aws cloudformation package` upload it; else check the child template on its own (for a Serverless Application Repository application, its published template)"
        }
        NotReadKind::Unreadable => {
            "write the template location as a literal local path (`TemplateURL: ./child.yaml`), or check the child template on its own"
        }
        NotReadKind::MissingFile => {
            "fix the path (relative to the parent template's folder) or add the file; it must be a regular file"
        }
        NotReadKind::Outside => OUTSIDE_HELP,
        NotReadKind::InvalidFile => "fix the child template so that it is a YAML or JSON mapping",
        NotReadKind::IncludeLoop | NotReadKind::NestedTransform => {
            "make the nesting end: a stack cannot nest itself or a stack above it, and iamlint follows at most 8 levels"
        }
        NotReadKind::AlreadyNested => {
            "check the template with this stack's parameters too: run iamlint on the child alone with `--param NAME=VALUE` for each value this resource passes"
        }
    }
}
