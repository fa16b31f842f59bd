//! Lambda integrations: which function (and alias) an integration URI targets, and whose credentials
//! API Gateway uses to call it.

use crate::load::{Node, NodeKind};
use crate::model::function_arn::{FunctionArn, split_once_literal};
use crate::model::route::Invocation;
use crate::references::{SubPart, sub_parts};
use crate::resolve::{Resolver, StackId, SymStr, Value};
use crate::template::Template;

/// The function an integration invokes, with the version or alias when the URI names one.
#[derive(Debug, Clone, PartialEq)]
pub struct LambdaTarget {
    pub function: String,
    /// The alias or version (`live`, `${Version}`), as a user reads it.
    pub qualifier: Option<String>,
    /// The ARN invoked (function, version or alias ARN).
    pub arn: Value,
}

/// Finds the Lambda function an integration URI (or `IntegrationUri`, or a `Fn::Sub` of it) names:
/// `${Fn.Arn}`, `!GetAtt Fn.Arn`, `${FnAliaslive}`, `!Ref Alias`, `${Fn.Alias}`, and the qualifier
/// the URI adds after it (`${Fn.Arn}:live/invocations`, `${Fn.Arn}:${Version}`).
pub fn lambda_target(
    r: &Resolver<'_>,
    stack: StackId,
    template: &Template,
    uri: &Node,
) -> Option<LambdaTarget> {
    let mut names = Vec::new();
    collect_names(uri, &mut names, 0);
    let named = names
        .into_iter()
        .find_map(|(name, attribute)| target_of(r, stack, template, &name, attribute.as_deref()))?;
    let mut target = qualified_by_uri(&r.resolve(stack, uri), named);
    if target.qualifier.is_none() {
        target.qualifier = target
            .arn
            .as_str()
            .and_then(FunctionArn::parse)
            .and_then(|arn| arn.qualifier_text());
    }
    Some(target)
}

/// The target with the qualifier the URI writes after the function's ARN. A URI that cannot be read
/// as one ARN of the same function leaves the target as named.
fn qualified_by_uri(uri: &Value, named: LambdaTarget) -> LambdaTarget {
    let Some(invoked) = uri.as_str().and_then(invoked_arn) else {
        return named;
    };
    let (Some(written), Some(base)) = (
        FunctionArn::parse(&invoked),
        named.arn.as_str().and_then(FunctionArn::parse),
    ) else {
        return named;
    };
    let same_function = Value::Str(written.function.clone()).equals(&Value::Str(base.function));
    if same_function != Some(true) || written.qualifier.is_none() {
        return named;
    }
    LambdaTarget {
        qualifier: written.qualifier_text(),
        arn: Value::Str(written.to_sym_str()),
        function: named.function,
    }
}

/// The function ARN of an invocation URI: what stands between `functions/` and `/invocations`, or
/// the whole text when it is no API Gateway URI (an HTTP API's `IntegrationUri` may be the ARN).
fn invoked_arn(uri: &SymStr) -> Option<SymStr> {
    match split_once_literal(uri, "functions/") {
        None => Some(uri.clone()),
        Some((_, after)) => split_once_literal(&after, "/invocations").map(|(arn, _)| arn),
    }
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
                    qualifier: None,
                    arn: r.attribute(stack, name, "Arn"),
                })
            }
            ("AWS::Serverless::Function", Some("Alias")) => Some(LambdaTarget {
                function: name.to_string(),
                qualifier: sam_alias_name(r, stack, resource.property("AutoPublishAlias")),
                arn: r.reference(stack, &format!("{name}.Alias")),
            }),
            ("AWS::Serverless::Function", Some("Version")) => Some(LambdaTarget {
                function: name.to_string(),
                qualifier: None,
                arn: r.reference(stack, &format!("{name}.Version")),
            }),
            ("AWS::Lambda::Version", None) => Some(LambdaTarget {
                function: function_of_alias(template, resource.property("FunctionName")?)?,
                qualifier: None,
                arn: r.reference(stack, name),
            }),
            ("AWS::Lambda::Alias", None | Some("AliasArn")) => {
                let function = function_of_alias(template, resource.property("FunctionName")?)?;
                let alias = resource
                    .property("Name")
                    .and_then(|n| r.resolve(stack, n).as_literal().map(str::to_string));
                Some(LambdaTarget {
                    function,
                    qualifier: alias,
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
                qualifier: Some(alias),
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
