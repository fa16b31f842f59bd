//! Lambda integrations: which function (and alias) an integration URI targets, and whose credentials
//! API Gateway uses to call it.

use crate::load::{Node, NodeKind};
use crate::model::route::Invocation;
use crate::references::{SubPart, sub_parts};
use crate::resolve::{Resolver, StackId, Value};
use crate::template::Template;

/// The function an integration invokes, with the alias when it is one.
#[derive(Debug, Clone, PartialEq)]
pub struct LambdaTarget {
    pub function: String,
    pub alias: Option<String>,
    /// The ARN invoked (function or alias ARN).
    pub arn: Value,
}

/// Finds the Lambda function an integration URI (or `IntegrationUri`, or a `Fn::Sub` of it) names:
/// `${Fn.Arn}`, `!GetAtt Fn.Arn`, `${FnAliaslive}`, `!Ref Alias`, `${Fn.Alias}`.
pub fn lambda_target(
    r: &Resolver<'_>,
    stack: StackId,
    template: &Template,
    uri: &Node,
) -> Option<LambdaTarget> {
    let mut names = Vec::new();
    collect_names(uri, &mut names, 0);
    names
        .into_iter()
        .find_map(|(name, attribute)| target_of(r, stack, template, &name, attribute.as_deref()))
}

/// Logical ids (with attribute) a URI node mentions, in order.
fn collect_names(node: &Node, out: &mut Vec<(String, Option<String>)>, depth: usize) {
    if depth > 32 {
        return;
    }
    if let Some((key, arg)) = node.as_intrinsic() {
        match key.text.as_str() {
            "Ref" => {
                if let Some(name) = arg.as_str() {
                    out.push(split_dotted(name));
                }
            }
            "Fn::GetAtt" => match (arg.as_str(), arg.as_seq()) {
                (Some(text), _) => out.push(split_dotted(text)),
                (_, Some([resource, attribute])) => {
                    if let Some(resource) = resource.as_str() {
                        out.push((resource.to_string(), attribute.as_str().map(str::to_string)));
                    }
                }
                _ => {}
            },
            "Fn::Sub" => {
                let (text, variables) = match (arg.as_str(), arg.as_seq()) {
                    (Some(text), _) => (Some(text), None),
                    (_, Some([text, variables])) => (text.as_str(), Some(variables)),
                    _ => (None, None),
                };
                for part in text.map(sub_parts).unwrap_or_default() {
                    let SubPart::Variable { name, .. } = part else {
                        continue;
                    };
                    match variables.and_then(|v| v.get(&name)) {
                        Some(value) => collect_names(value, out, depth + 1),
                        None => out.push(split_dotted(&name)),
                    }
                }
            }
            _ => collect_names(arg, out, depth + 1),
        }
        return;
    }
    match &node.kind {
        NodeKind::Seq(items) => items.iter().for_each(|i| collect_names(i, out, depth + 1)),
        NodeKind::Map(entries) => entries
            .iter()
            .for_each(|e| collect_names(&e.value, out, depth + 1)),
        NodeKind::Scalar(_) => {}
    }
}

fn split_dotted(text: &str) -> (String, Option<String>) {
    match text.split_once('.') {
        Some((name, attribute)) => (name.to_string(), Some(attribute.to_string())),
        None => (text.to_string(), None),
    }
}

fn target_of(
    r: &Resolver<'_>,
    stack: StackId,
    template: &Template,
    name: &str,
    attribute: Option<&str>,
) -> Option<LambdaTarget> {
    if let Some(resource) = template.resource(name) {
        return match (resource.type_name(), attribute) {
            ("AWS::Serverless::Function" | "AWS::Lambda::Function", Some("Arn") | None) => {
                Some(LambdaTarget {
                    function: name.to_string(),
                    alias: None,
                    arn: r.attribute(stack, name, "Arn"),
                })
            }
            ("AWS::Serverless::Function", Some("Alias")) => Some(LambdaTarget {
                function: name.to_string(),
                alias: sam_alias_name(r, stack, resource.property("AutoPublishAlias")),
                arn: r.reference(stack, &format!("{name}.Alias")),
            }),
            ("AWS::Lambda::Alias", None | Some("AliasArn")) => {
                let function = function_of_alias(template, resource.property("FunctionName")?)?;
                let alias = resource
                    .property("Name")
                    .and_then(|n| r.resolve(stack, n).as_literal().map(str::to_string));
                Some(LambdaTarget {
                    function,
                    alias,
                    arn: r.reference(stack, name),
                })
            }
            _ => None,
        };
    }
    // `<Function>Alias<name>`: the alias SAM generates for `AutoPublishAlias`.
    template
        .resources
        .iter()
        .filter(|f| f.type_name() == "AWS::Serverless::Function")
        .find_map(|f| {
            let suffix = name
                .strip_prefix(f.logical_id.as_str())?
                .strip_prefix("Alias")?;
            let alias = sam_alias_name(r, stack, f.property("AutoPublishAlias"))?;
            let alnum: String = alias.chars().filter(char::is_ascii_alphanumeric).collect();
            (alnum == suffix).then(|| LambdaTarget {
                function: f.logical_id.clone(),
                arn: r.reference(stack, name),
                alias: Some(alias),
            })
        })
}

fn sam_alias_name(r: &Resolver<'_>, stack: StackId, node: Option<&Node>) -> Option<String> {
    r.resolve(stack, node?).as_literal().map(str::to_string)
}

/// The function logical id an `AWS::Lambda::Alias.FunctionName` refers to.
fn function_of_alias(template: &Template, node: &Node) -> Option<String> {
    let mut names = Vec::new();
    collect_names(node, &mut names, 0);
    names.into_iter().map(|(name, _)| name).find(|name| {
        template
            .resource(name)
            .is_some_and(|r| r.type_name().ends_with("::Function"))
    })
}

/// How an integration's `credentials` / `Credentials` / `CredentialsArn` makes API Gateway invoke.
pub fn invocation(r: &Resolver<'_>, stack: StackId, credentials: Option<&Node>) -> Invocation {
    let Some(node) = credentials.filter(|n| !n.is_null()) else {
        return Invocation::ServiceIdentity;
    };
    let value = r.resolve(stack, node);
    if value.as_literal().is_some_and(is_caller_credentials) {
        Invocation::CallerCredentials
    } else {
        Invocation::Role {
            arn: value,
            span: node.span,
        }
    }
}

/// `arn:<partition>:iam::*:user/*`: API Gateway's marker for "invoke with the caller's credentials".
pub fn is_caller_credentials(arn: &str) -> bool {
    arn.strip_prefix("arn:")
        .and_then(|rest| rest.split_once(':'))
        .is_some_and(|(_, rest)| rest == "iam::*:user/*")
}
