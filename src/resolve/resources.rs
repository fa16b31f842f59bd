//! Canonical values of resources: what `Ref` and `Fn::GetAtt` return for the types that matter.
//!
//! A Lambda function with `FunctionName: !Sub ${ServiceName}-${Env}-x` has the ARN
//! `arn:{partition}:lambda:{region}:{account}:function:{ServiceName}-{Env}-x`, whether a policy
//! writes it by hand or takes `!GetAtt Fn.Arn`; without a name, the generated physical id is a symbol.
//! Resources that AWS SAM generates (`ServerlessRestApi`, `<Function>Role`, `<Function>Alias<name>`)
//! resolve like the real ones.

use super::{Resolver, StackId, Symbol, Value};
use crate::template::Resource;

/// `Ref` of a resource (or of a resource SAM generates).
pub fn reference(r: &Resolver<'_>, stack: StackId, logical_id: &str) -> Value {
    let Some(template) = r.template(stack) else {
        return Value::unknown("no such stack");
    };
    let Some(resource) = template.resource(logical_id) else {
        return sam_generated_reference(r, stack, logical_id);
    };
    r.resource_guarded(stack, logical_id, "Ref", || match resource.type_name() {
        "AWS::Lambda::Function" | "AWS::Serverless::Function" => {
            name(r, stack, resource, "FunctionName")
        }
        "AWS::Lambda::Alias" => alias_arn(r, stack, resource),
        "AWS::Lambda::Version" => version_arn(r, stack, resource),
        "AWS::IAM::Role" => name(r, stack, resource, "RoleName"),
        "AWS::IAM::User" => name(r, stack, resource, "UserName"),
        "AWS::IAM::Group" => name(r, stack, resource, "GroupName"),
        "AWS::IAM::ManagedPolicy" => iam_arn(r, stack, resource, "policy", "ManagedPolicyName"),
        "AWS::S3::Bucket" => name(r, stack, resource, "BucketName"),
        "AWS::DynamoDB::Table" | "AWS::Serverless::SimpleTable" => {
            name(r, stack, resource, "TableName")
        }
        "AWS::SNS::Topic" => regional_arn(r, "sns", name(r, stack, resource, "TopicName"), ""),
        "AWS::SQS::Queue" => {
            let queue = name(r, stack, resource, "QueueName");
            let prefix = Value::concat(vec![
                Value::literal("https://sqs."),
                r.reference(stack, "AWS::Region"),
                Value::literal(format!(".{}/", r.url_suffix())),
                r.reference(stack, "AWS::AccountId"),
                Value::literal("/"),
            ]);
            Value::concat(vec![prefix, queue])
        }
        "AWS::StepFunctions::StateMachine" | "AWS::Serverless::StateMachine" => regional_arn(
            r,
            "states",
            name(r, stack, resource, "StateMachineName"),
            "stateMachine:",
        ),
        "AWS::Kinesis::Stream" => name(r, stack, resource, "Name"),
        "AWS::KinesisFirehose::DeliveryStream" => name(r, stack, resource, "DeliveryStreamName"),
        "AWS::Events::EventBus" => name(r, stack, resource, "Name"),
        "AWS::SageMaker::Endpoint" => regional_arn(
            r,
            "sagemaker",
            name(r, stack, resource, "EndpointName"),
            "endpoint/",
        ),
        other => physical_id(stack, logical_id, generates_unique_id(other)),
    })
}

/// `Fn::GetAtt` of a resource attribute.
pub fn attribute(r: &Resolver<'_>, stack: StackId, logical_id: &str, attribute: &str) -> Value {
    let Some(template) = r.template(stack) else {
        return Value::unknown("no such stack");
    };
    let Some(resource) = template.resource(logical_id) else {
        return sam_generated_attribute(r, stack, logical_id, attribute);
    };
    let kind = resource.type_name();
    // `!GetAtt Child.Outputs.Name` of a nested stack: the child's output (see [`crate::nested`]).
    if let (Some(_), Some(output)) = (
        crate::nested::template_property(kind),
        attribute.strip_prefix("Outputs."),
    ) && let Some(value) = r.nested_output(stack, logical_id, output)
    {
        return value;
    }
    let value = match (kind, attribute) {
        ("AWS::Lambda::Function" | "AWS::Serverless::Function", "Arn") => {
            Some(function_arn(r, stack, resource))
        }
        ("AWS::Lambda::Alias", "AliasArn") => Some(alias_arn(r, stack, resource)),
        ("AWS::Lambda::Url", "FunctionUrl") => Some(function_url(r, stack, logical_id)),
        ("AWS::IAM::Role", "Arn") => Some(iam_arn(r, stack, resource, "role", "RoleName")),
        ("AWS::IAM::User", "Arn") => Some(iam_arn(r, stack, resource, "user", "UserName")),
        ("AWS::IAM::Group", "Arn") => Some(iam_arn(r, stack, resource, "group", "GroupName")),
        ("AWS::IAM::ManagedPolicy", "PolicyArn") => Some(r.reference(stack, logical_id)),
        ("AWS::ApiGateway::RestApi" | "AWS::Serverless::Api", "RestApiId")
        | ("AWS::ApiGatewayV2::Api" | "AWS::Serverless::HttpApi", "ApiId")
        | ("AWS::Cognito::UserPool", "UserPoolId")
        | ("AWS::Cognito::UserPoolClient", "ClientId")
        | ("AWS::Cognito::IdentityPool", "Id")
        | ("AWS::S3::Bucket" | "AWS::SNS::Topic", "Name")
        | ("AWS::SNS::Topic", "TopicArn") => Some(r.reference(stack, logical_id)),
        ("AWS::ApiGatewayV2::Api" | "AWS::Serverless::HttpApi", "ApiEndpoint") => {
            Some(Value::concat(vec![
                Value::literal("https://"),
                r.reference(stack, logical_id),
                Value::literal(".execute-api."),
                r.reference(stack, "AWS::Region"),
                Value::literal(format!(".{}", r.url_suffix())),
            ]))
        }
        ("AWS::Cognito::UserPool", "Arn") => Some(Value::concat(vec![
            regional_arn(r, "cognito-idp", Value::literal("userpool/"), ""),
            r.reference(stack, logical_id),
        ])),
        ("AWS::Cognito::UserPool", "ProviderName" | "ProviderURL") => {
            let scheme = if attribute == "ProviderURL" {
                "https://"
            } else {
                ""
            };
            Some(Value::concat(vec![
                Value::literal(format!("{scheme}cognito-idp.")),
                r.reference(stack, "AWS::Region"),
                Value::literal(format!(".{}/", r.url_suffix())),
                r.reference(stack, logical_id),
            ]))
        }
        ("AWS::S3::Bucket", "Arn") => Some(Value::concat(vec![
            Value::literal(format!("arn:{}:s3:::", r.config().partition)),
            r.reference(stack, logical_id),
        ])),
        ("AWS::DynamoDB::Table" | "AWS::Serverless::SimpleTable", "Arn") => Some(regional_arn(
            r,
            "dynamodb",
            r.reference(stack, logical_id),
            "table/",
        )),
        ("AWS::SQS::Queue", "Arn") => Some(regional_arn(
            r,
            "sqs",
            name(r, stack, resource, "QueueName"),
            "",
        )),
        ("AWS::SQS::Queue", "QueueName") => Some(name(r, stack, resource, "QueueName")),
        ("AWS::SQS::Queue", "QueueUrl")
        | ("AWS::StepFunctions::StateMachine" | "AWS::Serverless::StateMachine", "Arn")
        | ("AWS::SageMaker::Endpoint", "Arn") => Some(r.reference(stack, logical_id)),
        ("AWS::StepFunctions::StateMachine" | "AWS::Serverless::StateMachine", "Name") => {
            Some(name(r, stack, resource, "StateMachineName"))
        }
        ("AWS::Kinesis::Stream", "Arn") => Some(regional_arn(
            r,
            "kinesis",
            r.reference(stack, logical_id),
            "stream/",
        )),
        ("AWS::KinesisFirehose::DeliveryStream", "Arn") => Some(regional_arn(
            r,
            "firehose",
            r.reference(stack, logical_id),
            "deliverystream/",
        )),
        ("AWS::Events::EventBus", "Arn") => Some(regional_arn(
            r,
            "events",
            r.reference(stack, logical_id),
            "event-bus/",
        )),
        ("AWS::Events::EventBus", "Name") => Some(r.reference(stack, logical_id)),
        ("AWS::SageMaker::Endpoint", "EndpointName") => {
            Some(name(r, stack, resource, "EndpointName"))
        }
        _ => None,
    };
    value.unwrap_or_else(|| attribute_symbol(stack, logical_id, attribute))
}

/// The physical id of a resource; `unique` when AWS generates it (see [`Symbol::PhysicalId`]).
fn physical_id(stack: StackId, logical_id: &str, unique: bool) -> Value {
    Value::symbol(Symbol::PhysicalId {
        stack,
        logical_id: logical_id.into(),
        unique,
    })
}

/// Resource types whose `Ref` is an id AWS generates (random, never another resource's). A stage's
/// `Ref` is its name and a permission's is not documented: they are not in the list.
fn generates_unique_id(type_name: &str) -> bool {
    matches!(
        type_name,
        "AWS::ApiGateway::RestApi"
            | "AWS::Serverless::Api"
            | "AWS::ApiGatewayV2::Api"
            | "AWS::Serverless::HttpApi"
            | "AWS::ApiGateway::Resource"
            | "AWS::ApiGateway::Deployment"
            | "AWS::ApiGateway::Authorizer"
            | "AWS::ApiGatewayV2::Authorizer"
            | "AWS::ApiGatewayV2::Integration"
            | "AWS::ApiGatewayV2::Route"
            | "AWS::Cognito::UserPool"
            | "AWS::Cognito::UserPoolClient"
            | "AWS::Cognito::IdentityPool"
            | "AWS::CloudFront::Distribution"
            | "AWS::CloudFront::OriginAccessControl"
    )
}

fn attribute_symbol(stack: StackId, logical_id: &str, attribute: &str) -> Value {
    Value::symbol(Symbol::Attribute {
        stack,
        logical_id: logical_id.into(),
        attribute: attribute.into(),
    })
}

/// The resource's name property when set, else its generated physical id.
fn name(r: &Resolver<'_>, stack: StackId, resource: &Resource, property: &str) -> Value {
    match resource.property(property) {
        Some(node) => r.resource_guarded(stack, &resource.logical_id, property, || {
            r.resolve(stack, node)
        }),
        // A generated name (`stack-Logical-RANDOM`) is unique.
        None => physical_id(stack, &resource.logical_id, true),
    }
}

/// `arn:{partition}:{service}:{region}:{account}:{prefix}{resource}` (the deployment's region and account).
pub fn regional_arn(r: &Resolver<'_>, service: &str, resource: Value, prefix: &str) -> Value {
    let region = r.region();
    let account = r.account_id();
    Value::concat(vec![
        Value::literal(format!("arn:{}:{service}:", r.config().partition)),
        region,
        Value::literal(":"),
        account,
        Value::literal(format!(":{prefix}")),
        resource,
    ])
}

fn function_arn(r: &Resolver<'_>, stack: StackId, resource: &Resource) -> Value {
    regional_arn(
        r,
        "lambda",
        name(r, stack, resource, "FunctionName"),
        "function:",
    )
}

/// `https://{url-id}.lambda-url.{region}.on.aws/`: a function URL, whose id Lambda generates (unique,
/// so `!Select [2, !Split ['/', …]]` gives the origin domain CloudFront uses).
fn function_url(r: &Resolver<'_>, stack: StackId, logical_id: &str) -> Value {
    Value::concat(vec![
        Value::literal("https://"),
        physical_id(stack, logical_id, true),
        Value::literal(".lambda-url."),
        r.reference(stack, "AWS::Region"),
        Value::literal(".on.aws/"),
    ])
}

/// A function given by name or ARN (as `AWS::Lambda::Alias.FunctionName` may be) as an ARN.
fn function_arn_of(r: &Resolver<'_>, value: Value) -> Value {
    let is_arn = value
        .as_str()
        .and_then(|s| s.parts().first())
        .is_some_and(|p| matches!(p, super::Part::Literal(t) if t.starts_with("arn:")));
    if is_arn {
        value
    } else {
        regional_arn(r, "lambda", value, "function:")
    }
}

fn alias_arn(r: &Resolver<'_>, stack: StackId, resource: &Resource) -> Value {
    qualified_function_arn(r, stack, resource, name(r, stack, resource, "Name"))
}

fn version_arn(r: &Resolver<'_>, stack: StackId, resource: &Resource) -> Value {
    let version = attribute_symbol(stack, &resource.logical_id, "Version");
    qualified_function_arn(r, stack, resource, version)
}

/// `<function ARN>:<qualifier>` for an `AWS::Lambda::Alias` or `AWS::Lambda::Version`.
fn qualified_function_arn(
    r: &Resolver<'_>,
    stack: StackId,
    resource: &Resource,
    qualifier: Value,
) -> Value {
    let Some(node) = resource.property("FunctionName") else {
        return Value::unknown(format!("{} has no FunctionName", resource.logical_id));
    };
    let function = r.resource_guarded(stack, &resource.logical_id, "FunctionName", || {
        r.resolve(stack, node)
    });
    Value::concat(vec![
        function_arn_of(r, function),
        Value::literal(":"),
        qualifier,
    ])
}

/// `arn:{partition}:iam::{account}:{kind}{Path}{name}`.
fn iam_arn(
    r: &Resolver<'_>,
    stack: StackId,
    resource: &Resource,
    kind: &str,
    name_property: &str,
) -> Value {
    let path = resource
        .property("Path")
        .map(|p| r.resolve(stack, p))
        .unwrap_or_else(|| Value::literal("/"));
    let account = r.account_id();
    Value::concat(vec![
        Value::literal(format!("arn:{}:iam::", r.config().partition)),
        account,
        Value::literal(format!(":{kind}")),
        path,
        name(r, stack, resource, name_property),
    ])
}

/// The function a SAM-generated `<Function>Alias<name>` belongs to, with the alias name.
fn sam_alias<'t>(
    r: &Resolver<'t>,
    stack: StackId,
    logical_id: &str,
) -> Option<(&'t Resource, String)> {
    let template = r.template(stack)?;
    template.resources.iter().find_map(|f| {
        if f.type_name() != "AWS::Serverless::Function" {
            return None;
        }
        let suffix = logical_id
            .strip_prefix(f.logical_id.as_str())?
            .strip_prefix("Alias")?;
        let alias = r.resolve(stack, f.property("AutoPublishAlias")?);
        let alias = alias.as_literal()?;
        let alnum: String = alias.chars().filter(char::is_ascii_alphanumeric).collect();
        (alnum == suffix).then(|| (f, alias.to_string()))
    })
}

fn sam_generated_reference(r: &Resolver<'_>, stack: StackId, logical_id: &str) -> Value {
    let Some(template) = r.template(stack) else {
        return Value::unknown("no such stack");
    };
    // `!Ref MyFunction.Alias` / `.Version`: SAM's shorthand for the generated alias and version.
    if let Some((function, suffix)) = logical_id.split_once('.')
        && let Some(f) = template
            .resource(function)
            .filter(|f| f.type_name() == "AWS::Serverless::Function")
    {
        return match suffix {
            "Alias" => match f.property("AutoPublishAlias").map(|a| r.resolve(stack, a)) {
                Some(alias) => {
                    Value::concat(vec![function_arn(r, stack, f), Value::literal(":"), alias])
                }
                None => Value::unknown(format!("{function} has no AutoPublishAlias")),
            },
            // The version SAM publishes: `<function ARN>:<number>`.
            "Version" => Value::concat(vec![
                function_arn(r, stack, f),
                Value::literal(":"),
                attribute_symbol(stack, function, "Version"),
            ]),
            _ => attribute_symbol(stack, function, suffix),
        };
    }
    if let Some((function, alias)) = sam_alias(r, stack, logical_id) {
        return Value::concat(vec![
            function_arn(r, stack, function),
            Value::literal(format!(":{alias}")),
        ]);
    }
    if template.is_generated(logical_id) {
        // SAM's implicit APIs and the execution roles, stages, deployments it adds.
        let unique = matches!(logical_id, "ServerlessRestApi" | "ServerlessHttpApi")
            || logical_id.ends_with("Role");
        return physical_id(stack, logical_id, unique);
    }
    Value::unknown(format!("no parameter or resource named {logical_id}"))
}

fn sam_generated_attribute(
    r: &Resolver<'_>,
    stack: StackId,
    logical_id: &str,
    attribute: &str,
) -> Value {
    let Some(template) = r.template(stack) else {
        return Value::unknown("no such stack");
    };
    if !template.is_generated(logical_id) {
        return Value::unknown(format!("no resource named {logical_id}"));
    }
    // `<Function>Role` is the execution role SAM creates for a function without `Role`.
    let is_role = logical_id.strip_suffix("Role").is_some_and(|f| {
        template
            .resource(f)
            .is_some_and(|f| f.type_name() == "AWS::Serverless::Function")
    });
    // `<Function>Url` is the function URL SAM creates for `FunctionUrlConfig`.
    let is_url = logical_id.strip_suffix("Url").is_some_and(|f| {
        template
            .resource(f)
            .is_some_and(|f| f.type_name() == "AWS::Serverless::Function")
    });
    if is_url && attribute == "FunctionUrl" {
        return function_url(r, stack, logical_id);
    }
    if is_role && attribute == "Arn" {
        let account = r.account_id();
        return Value::concat(vec![
            Value::literal(format!("arn:{}:iam::", r.config().partition)),
            account,
            Value::literal(":role/"),
            physical_id(stack, logical_id, true),
        ]);
    }
    attribute_symbol(stack, logical_id, attribute)
}
