//! What an AWS service integration asks IAM for: the action of the call API Gateway makes with the
//! integration's credentials, and the resource that call acts on ([`ServiceRequest`]).
//!
//! **Action** (API Gateway's "Integration.uri" and "integration subtype" references; the Service
//! Authorization Reference for IAM prefixes):
//! - `…:{service}:action/{Action}` → `{prefix}:{Action}`, with the service's IAM prefix (the endpoint
//!   prefix but `email` → `ses`, `monitoring` → `cloudwatch`; a subdomain is dropped:
//!   `runtime.sagemaker` → `sagemaker`); batch operations need their single action
//!   (`SendMessageBatch` → `sqs:SendMessage`), DynamoDB transactions and PartiQL are not checked.
//! - `…:s3:path/{bucket}/{key}` by the integration's HTTP method: `GET`/`HEAD` → `s3:GetObject`, `PUT`/`POST`
//!   → `s3:PutObject`, `DELETE` → `s3:DeleteObject`; on a bucket alone `GET`/`HEAD` → `s3:ListBucket`;
//!   on the root `GET` → `s3:ListAllMyBuckets`. The bucket may be the subdomain (`{bucket}.s3:path/{key}`).
//! - `…:sqs:path/{account}/{queue}` → `sqs:{Action}`, the `Action` its request names: the
//!   `integration.request.querystring.Action` parameter, an `Action=` form field of a request
//!   template, or an `X-Amz-Target: AmazonSQS.{Action}` header.
//! - `…:runtime.sagemaker:path/endpoints/{name}/invocations` → `sagemaker:InvokeEndpoint`.
//! - An HTTP API subtype `{Service}-{Action}` → `{prefix}:{Action}` (`StepFunctions` → `states`,
//!   `EventBridge` → `events`, `SQS` → `sqs`, `Kinesis` → `kinesis`, `AppConfig` → `appconfig`).
//! - Any other `path/` integration: the action is not known ([`None`]; the route says so, COV001).
//!
//! **Resource**, where the template names it: the request field that names it (`stateMachineArn`,
//! `TableName` (+ `IndexName`), `StreamName`/`StreamARN`, `DeliveryStreamName`, `QueueUrl`, `TopicArn`,
//! `EventBusName`) in a request template (JSON `"Key": "value"` or a form field `Key=value`, also inside
//! `$util.urlEncode('…')`), in a static request parameter (`'value'` on REST, plain text on an HTTP
//! API), or the URI's path (S3, SQS, SageMaker). `PutEvents` without `EventBusName` goes to the
//! account's `default` bus. A value that comes from the request (`$input…`, `method.request…`,
//! `$request…`) is decided at run time: [`ServiceResource::Unknown`].
//!
//! The call goes to the URI's region when it is literal, an HTTP API's `Region` parameter, else the
//! deployment's region.
//!
//! Approximations: request templates are scanned as text without their Velocity comments, not run
//! (a field inside a `#if` counts as always set; the first occurrence of a field in each template is
//! read, every template's counted); symbols (parameters, attributes) are never split, so a parameter
//! holding `/` inside an S3 or SQS path is read as one segment.

use crate::iam::pattern::{Target, TargetPart};
use crate::load::Node;
use crate::model::route::{ServiceIntegration, ServiceOperation, ServiceRequest, ServiceResource};
use crate::resolve::resources::regional_arn;
use crate::resolve::{Part, Resolver, StackId, SymStr, Symbol, Value};

/// The nodes of an integration that say what its request carries.
#[derive(Default, Clone, Copy)]
pub struct RequestNodes<'n> {
    /// `requestTemplates` / `RequestTemplates`: content type → template.
    pub templates: Option<&'n Node>,
    /// `requestParameters` / `RequestParameters`.
    pub parameters: Option<&'n Node>,
}

/// What `service`'s call needs from IAM; `None` when iamlint does not know the action.
pub fn request(
    r: &Resolver<'_>,
    stack: StackId,
    service: &ServiceIntegration,
    nodes: &RequestNodes<'_>,
) -> Option<ServiceRequest> {
    let input = RequestInput::read(r, stack, nodes);
    let region = input
        .static_literal("Region")
        .map(Value::literal)
        .or_else(|| {
            service
                .uri
                .as_ref()
                .and_then(uri_region)
                .map(Value::literal)
        })
        .unwrap_or_else(|| r.region());
    let cx = Cx {
        r,
        stack,
        region,
        subtype: service.subtype.is_some(),
    };
    match &service.operation {
        ServiceOperation::Action(operation) => {
            let operation = operation
                .split(['&', '?', '/'])
                .next()
                .filter(|a| !a.is_empty())?;
            let action = iam_action(&service.service, operation)?;
            let name = action.split_once(':').map_or(operation, |(_, name)| name);
            let resource = cx.named_resource(&service.service, name, &input);
            Some(ServiceRequest { action, resource })
        }
        ServiceOperation::Path(_) => {
            let path = service.uri.as_ref().and_then(resolved_path)?;
            match service.service.as_str() {
                "s3" => cx.s3_request(service, &path),
                "sqs" => cx.sqs_request(&path.path, &input),
                "sagemaker" => cx.sagemaker_request(&path.path),
                _ => None,
            }
        }
    }
}

/// The endpoint prefix of a URI or subtype as an IAM action prefix.
fn iam_prefix(service: &str) -> &str {
    match service {
        "email" => "ses",
        "monitoring" => "cloudwatch",
        other => other,
    }
}

/// The IAM action that authorizes API operation `operation` of `service`: the same name but for
/// batch operations authorized by their single action (`SendMessageBatch` → `sqs:SendMessage`);
/// `None` for operations authorized by other actions per item or statement (DynamoDB transactions
/// and PartiQL), which iamlint does not check.
fn iam_action(service: &str, operation: &str) -> Option<String> {
    let prefix = iam_prefix(service);
    let action = match (prefix, operation) {
        ("sqs", "SendMessageBatch") => "SendMessage",
        ("sqs", "DeleteMessageBatch") => "DeleteMessage",
        ("sqs", "ChangeMessageVisibilityBatch") => "ChangeMessageVisibility",
        ("sns", "PublishBatch") => "Publish",
        (
            "dynamodb",
            "TransactWriteItems"
            | "TransactGetItems"
            | "ExecuteStatement"
            | "BatchExecuteStatement"
            | "ExecuteTransaction",
        ) => return None,
        (_, other) => other,
    };
    Some(format!("{prefix}:{action}"))
}

/// The literal region of `arn:{partition}:apigateway:{region}:…`: API Gateway calls the service
/// there. `None` when it is not literal (`${AWS::Region}`: the deployment's).
fn uri_region(uri: &Value) -> Option<String> {
    let uri = match uri.strings()?.as_slice() {
        [one] => (*one).clone(),
        _ => return None,
    };
    let Some(Part::Literal(first)) = uri.parts().first() else {
        return None;
    };
    let (_, rest) = first.split_once(":apigateway:")?;
    let (region, _) = rest.split_once(':')?;
    (!region.is_empty()).then(|| region.to_string())
}

/// The request parameters and templates of an integration, resolved.
struct RequestInput {
    /// (name, value): the name without `integration.request.{querystring,header,path}.`.
    parameters: Vec<(String, Value)>,
    templates: Vec<Value>,
}

impl RequestInput {
    fn read(r: &Resolver<'_>, stack: StackId, nodes: &RequestNodes<'_>) -> RequestInput {
        let parameters = nodes
            .parameters
            .and_then(Node::as_map)
            .unwrap_or_default()
            .iter()
            .map(|entry| {
                let name = entry.key.text.as_str();
                let name = ["querystring.", "header.", "path."]
                    .iter()
                    .find_map(|kind| {
                        name.strip_prefix("integration.request.")?
                            .strip_prefix(kind)
                    })
                    .unwrap_or(name);
                (name.to_string(), r.resolve(stack, &entry.value))
            })
            .collect();
        let templates = nodes
            .templates
            .and_then(Node::as_map)
            .unwrap_or_default()
            .iter()
            .map(|entry| r.resolve(stack, &entry.value))
            .collect();
        RequestInput {
            parameters,
            templates,
        }
    }

    /// The first of `fields` the request names: a request parameter, else a field of the templates
    /// (every content type's: a field each names differently is every value it may have).
    fn field(&self, fields: &[&str]) -> Option<Field> {
        for field in fields {
            let parameter = self
                .parameters
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(field));
            if let Some((_, value)) = parameter {
                return Some(parameter_field(value));
            }
        }
        for field in fields {
            let found: Vec<Field> = self
                .templates
                .iter()
                .filter_map(Value::strings)
                .flatten()
                .filter_map(|s| template_field(s, field))
                .collect();
            if let Some(field) = one_field(found) {
                return Some(field);
            }
        }
        None
    }

    /// A field's value when the request names one literal text.
    fn static_literal(&self, field: &str) -> Option<String> {
        match self.field(&[field])? {
            Field::Static(values) => match values.as_slice() {
                [one] => one.as_literal().map(str::to_string),
                _ => None,
            },
            Field::RunTime(_) => None,
        }
    }

    /// Whether the client's body may reach the service as it is: no template (passthrough), or a
    /// template that inserts the body or a part of it outside a string (`$input.body`,
    /// `"Entries": $input.json('$.Entries')`).
    fn passes_body_through(&self) -> bool {
        if self.templates.is_empty() {
            return true;
        }
        self.templates.iter().any(|t| {
            t.strings().is_none_or(|strings| {
                strings.iter().any(|s| {
                    let text = s.to_string();
                    text.contains("$input.body")
                        || text.contains(": $input.json(")
                        || text.contains(":$input.json(")
                })
            })
        })
    }
}

/// What a request says about one field.
#[derive(Debug, Clone, PartialEq)]
enum Field {
    /// A value written in the template (one per alternative of a condition).
    Static(Vec<SymStr>),
    /// A value taken from the request at run time, as written.
    RunTime(String),
}

/// The alternatives of one field found in the alternatives of a template, as one field.
fn one_field(found: Vec<Field>) -> Option<Field> {
    let mut values = Vec::new();
    for field in found {
        match field {
            Field::Static(mut v) => values.append(&mut v),
            runtime @ Field::RunTime(_) => return Some(runtime),
        }
    }
    (!values.is_empty()).then_some(Field::Static(values))
}

/// A request parameter's value: `'text'` is static (REST), `method.request…`/`context…` (REST) and
/// `$request…`/`$context…` (HTTP) are the request's; other HTTP API values are static text.
fn parameter_field(value: &Value) -> Field {
    let Some(strings) = value.strings() else {
        return Field::RunTime("a value iamlint cannot read".to_string());
    };
    let mut out = Vec::new();
    for s in strings {
        let text = s.to_string();
        if let Some(inner) = s
            .strip_prefix_literal("'")
            .and_then(|rest| rest.strip_suffix("'"))
        {
            out.push(inner);
        } else if literal_text(s).contains('$')
            || text.starts_with("method.request.")
            || text.starts_with("context.")
            || text.starts_with("stageVariables.")
        {
            return Field::RunTime(text);
        } else {
            out.push(s.clone());
        }
    }
    Field::Static(out)
}

/// The literal parts of `s` (a symbol displays as `${…}`, which is not the request's `$`).
fn literal_text(s: &SymStr) -> String {
    s.parts()
        .iter()
        .filter_map(|p| match p {
            Part::Literal(text) => Some(text.as_str()),
            Part::Symbol(_) => None,
        })
        .collect()
}

/// A character or a symbol of a resolved string, to scan request templates.
#[derive(Clone, Copy, PartialEq)]
enum Atom<'s> {
    Char(char),
    Symbol(&'s Symbol),
}

fn atoms(s: &SymStr) -> Vec<Atom<'_>> {
    let mut out = Vec::new();
    for part in s.parts() {
        match part {
            Part::Literal(text) => out.extend(text.chars().map(Atom::Char)),
            Part::Symbol(symbol) => out.push(Atom::Symbol(symbol)),
        }
    }
    out
}

fn sym_str(atoms: &[Atom<'_>]) -> SymStr {
    let mut out = SymStr::default();
    for atom in atoms {
        match atom {
            Atom::Char(c) => out.push_literal(c.encode_utf8(&mut [0; 4])),
            Atom::Symbol(symbol) => out.push_symbol((*symbol).clone()),
        }
    }
    out
}

/// Whether `needle` (ASCII, any case) is at `at` in `haystack`.
fn starts_with_at(haystack: &[Atom<'_>], at: usize, needle: &str) -> bool {
    let Some(window) = haystack.get(at..at + needle.len()) else {
        return false;
    };
    window
        .iter()
        .zip(needle.chars())
        .all(|(atom, c)| matches!(atom, Atom::Char(a) if a.eq_ignore_ascii_case(&c)))
}

/// The value of `field` in a request template: a JSON member `"field": "value"` or a form field
/// `field=value` (also `field=$util.urlEncode('value')`); the first occurrence.
fn template_field(template: &SymStr, field: &str) -> Option<Field> {
    let text = without_velocity_comments(atoms(template));
    let quoted = format!("\"{field}\"");
    let form = format!("{field}=");
    for at in 0..text.len() {
        if starts_with_at(&text, at, &quoted) {
            let mut i = at + quoted.len();
            while matches!(text.get(i), Some(Atom::Char(c)) if c.is_whitespace()) {
                i += 1;
            }
            if text.get(i) != Some(&Atom::Char(':')) {
                continue;
            }
            i += 1;
            while matches!(text.get(i), Some(Atom::Char(c)) if c.is_whitespace()) {
                i += 1;
            }
            return Some(json_value(&text, i));
        }
        let boundary = at == 0
            || matches!(text.get(at - 1), Some(Atom::Char(c)) if matches!(c, '&' | '?' | '"' | '\'') || c.is_whitespace());
        if boundary && starts_with_at(&text, at, &form) {
            return Some(form_value(&text, at + form.len()));
        }
    }
    None
}

/// The template without Velocity comments (`## …` to the end of the line, `#* … *#`), in one pass.
fn without_velocity_comments(text: Vec<Atom<'_>>) -> Vec<Atom<'_>> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while let Some(atom) = text.get(i) {
        if starts_with_at(&text, i, "##") {
            while !matches!(text.get(i), None | Some(Atom::Char('\n'))) {
                i += 1;
            }
            continue;
        }
        if starts_with_at(&text, i, "#*") {
            i += 2;
            while text.get(i).is_some() && !starts_with_at(&text, i, "*#") {
                i += 1;
            }
            i += 2;
            continue;
        }
        out.push(*atom);
        i += 1;
    }
    out
}

/// A JSON value at `at`: a string is static unless it holds Velocity (`$…`); anything else
/// (`$input.json(…)`) is the request's.
fn json_value(text: &[Atom<'_>], at: usize) -> Field {
    if text.get(at) != Some(&Atom::Char('"')) {
        return Field::RunTime(snippet(text, at));
    }
    let start = at + 1;
    let end = (start..text.len())
        .find(|&i| text.get(i) == Some(&Atom::Char('"')))
        .unwrap_or(text.len());
    static_or_runtime(text.get(start..end).unwrap_or_default())
}

/// A form field's value at `at`, up to `&`, a quote or a space; `$util.urlEncode('x')` is `x`.
fn form_value(text: &[Atom<'_>], at: usize) -> Field {
    let wrapper = "$util.urlEncode('";
    if starts_with_at(text, at, wrapper) {
        let start = at + wrapper.len();
        let end = (start..text.len())
            .find(|&i| text.get(i) == Some(&Atom::Char('\'')))
            .unwrap_or(text.len());
        return static_or_runtime(text.get(start..end).unwrap_or_default());
    }
    let end = (at..text.len())
        .find(|&i| matches!(text.get(i), Some(Atom::Char(c)) if matches!(c, '&' | '"' | '\'') || c.is_whitespace()))
        .unwrap_or(text.len());
    static_or_runtime(text.get(at..end).unwrap_or_default())
}

fn static_or_runtime(value: &[Atom<'_>]) -> Field {
    if value.contains(&Atom::Char('$')) {
        Field::RunTime(sym_str(value).to_string())
    } else {
        Field::Static(vec![sym_str(value)])
    }
}

/// Up to 40 characters from `at`, for messages.
fn snippet(text: &[Atom<'_>], at: usize) -> String {
    let end = (at..text.len().min(at + 40))
        .find(|&i| matches!(text.get(i), Some(Atom::Char(',' | '}' | '\n'))))
        .unwrap_or(text.len().min(at + 40));
    sym_str(text.get(at..end).unwrap_or_default())
        .to_string()
        .trim()
        .to_string()
}

/// The part of a resolved service URI after `:path/`, with what precedes it (the service label,
/// `{bucket}.s3`).
struct ResolvedPath {
    /// The service label before `:path/` (after the region's `:`).
    label: SymStr,
    path: SymStr,
}

fn resolved_path(uri: &Value) -> Option<ResolvedPath> {
    let uri = match uri.strings()?.as_slice() {
        [one] => (*one).clone(),
        _ => return None,
    };
    let text = atoms(&uri);
    let marker = ":path/";
    let at = (0..text.len()).find(|&i| starts_with_at(&text, i, marker))?;
    let before = text.get(..at)?;
    let label_start = before
        .iter()
        .rposition(|a| *a == Atom::Char(':'))
        .map_or(0, |i| i + 1);
    Some(ResolvedPath {
        label: sym_str(before.get(label_start..)?),
        path: sym_str(text.get(at + marker.len()..)?),
    })
}

/// Splits at each literal `/` (symbols are not split).
fn segments(s: &SymStr) -> Vec<Vec<Atom<'_>>> {
    let mut out = vec![Vec::new()];
    for atom in atoms(s) {
        match atom {
            Atom::Char('/') => out.push(Vec::new()),
            other => {
                if let Some(last) = out.last_mut() {
                    last.push(other);
                }
            }
        }
    }
    out
}

/// Appends a path segment to a target: `{name}` placeholders (mapped from the request) become holes.
fn push_segment(target: &mut Target, segment: &[Atom<'_>], hole: TargetPart) {
    let mut i = 0;
    while let Some(atom) = segment.get(i) {
        match atom {
            Atom::Char('{') => {
                let close = (i..segment.len()).find(|&j| segment.get(j) == Some(&Atom::Char('}')));
                let Some(close) = close else {
                    // No `}` after this one: the rest is text (and no later `{` can close either).
                    for atom in segment.get(i..).unwrap_or_default() {
                        push_atom(target, atom);
                    }
                    return;
                };
                target.push(hole.clone());
                i = close + 1;
                continue;
            }
            other => push_atom(target, other),
        }
        i += 1;
    }
}

fn push_atom(target: &mut Target, atom: &Atom<'_>) {
    match atom {
        Atom::Char(c) => target.push(TargetPart::Literal(c.to_string())),
        Atom::Symbol(symbol) => target.push(TargetPart::Symbol((*symbol).clone())),
    }
}

/// A name the request gives at run time, as a target part: a symbol that may be any text (not a
/// hole: a hole is assumed never to spell a generated id, and a bucket or stream name may be one).
fn named_by_request() -> TargetPart {
    TargetPart::Symbol(Symbol::Parameter("the name the request gives".into()))
}

fn has_placeholder(segment: &[Atom<'_>]) -> bool {
    segment.contains(&Atom::Char('{'))
}

/// The DynamoDB index a query names.
enum Index {
    /// `/index/{name}`.
    Named(String),
    /// The request decides it.
    Any,
}

impl Index {
    /// The ARN's suffix as a policy writes it.
    fn text(&self) -> &str {
        match self {
            Index::Named(suffix) => suffix,
            Index::Any => "/index/*",
        }
    }
}

/// Most resources of a kind compared by value to name the resource a call acts on.
const MAX_NAME_SCAN: usize = 64;

struct Cx<'a, 'd> {
    r: &'a Resolver<'d>,
    stack: StackId,
    /// The region API Gateway calls the service in.
    region: Value,
    /// An HTTP API subtype: its parameters are the whole request (no body passes through).
    subtype: bool,
}

/// How a service names the resource an action acts on.
struct ResourceKind {
    /// The request fields that name it, in order of preference.
    fields: &'static [&'static str],
    /// The CloudFormation types of the resource.
    types: &'static [&'static str],
    form: NameForm,
}

/// What a request field holds.
#[derive(Clone, Copy)]
enum NameForm {
    /// The ARN (`stateMachineArn`, `TopicArn`).
    Arn,
    /// A name: the ARN is `arn:{p}:{service}:{region}:{account}:{prefix}{name}` (an ARN is kept).
    Name {
        service: &'static str,
        prefix: &'static str,
    },
    /// An SQS queue URL.
    QueueUrl,
}

const STATE_MACHINE: ResourceKind = ResourceKind {
    fields: &["stateMachineArn"],
    types: &[
        "AWS::StepFunctions::StateMachine",
        "AWS::Serverless::StateMachine",
    ],
    form: NameForm::Arn,
};
const TABLE: ResourceKind = ResourceKind {
    fields: &["TableName"],
    types: &["AWS::DynamoDB::Table", "AWS::Serverless::SimpleTable"],
    form: NameForm::Name {
        service: "dynamodb",
        prefix: "table/",
    },
};
const STREAM: ResourceKind = ResourceKind {
    fields: &["StreamARN", "StreamName"],
    types: &["AWS::Kinesis::Stream"],
    form: NameForm::Name {
        service: "kinesis",
        prefix: "stream/",
    },
};
const DELIVERY_STREAM: ResourceKind = ResourceKind {
    fields: &["DeliveryStreamName"],
    types: &["AWS::KinesisFirehose::DeliveryStream"],
    form: NameForm::Name {
        service: "firehose",
        prefix: "deliverystream/",
    },
};
const QUEUE: ResourceKind = ResourceKind {
    fields: &["QueueUrl"],
    types: &["AWS::SQS::Queue"],
    form: NameForm::QueueUrl,
};
const TOPIC: ResourceKind = ResourceKind {
    fields: &["TopicArn"],
    types: &["AWS::SNS::Topic"],
    form: NameForm::Arn,
};
const EVENT_BUS: ResourceKind = ResourceKind {
    fields: &["EventBusName"],
    types: &["AWS::Events::EventBus"],
    form: NameForm::Name {
        service: "events",
        prefix: "event-bus/",
    },
};

/// The resource kind an action of a service acts on, when iamlint knows it.
fn resource_kind(service: &str, action: &str) -> Option<&'static ResourceKind> {
    Some(match service {
        "states" if action.contains("Execution") && !action.starts_with("Start") => return None,
        "states" => &STATE_MACHINE,
        "dynamodb" if action.starts_with("Batch") || action.starts_with("Transact") => {
            return None;
        }
        "dynamodb" => &TABLE,
        "kinesis" => &STREAM,
        "firehose" => &DELIVERY_STREAM,
        "sqs" => &QUEUE,
        "sns" if action == "Publish" => &TOPIC,
        "events" if action == "PutEvents" => &EVENT_BUS,
        _ => return None,
    })
}

impl Cx<'_, '_> {
    /// The resource an `action/` call or a subtype acts on.
    fn named_resource(&self, service: &str, action: &str, input: &RequestInput) -> ServiceResource {
        let Some(kind) = resource_kind(service, action) else {
            return ServiceResource::Unknown {
                within: None,
                why: format!("iamlint does not know which resource `{service}:{action}` acts on"),
            };
        };
        match input.field(kind.fields) {
            Some(Field::Static(values)) => self.named(kind, service, action, &values, input),
            Some(Field::RunTime(text)) => ServiceResource::Unknown {
                within: self.any_named(kind),
                why: format!("it is computed when the request runs (`{text}`)"),
            },
            // Without `EventBusName` the default bus, unless the client's body may name one.
            None if service == "events" && (self.subtype || !input.passes_body_through()) => {
                let default = vec![SymStr::literal("default")];
                self.named(kind, service, action, &default, input)
            }
            None if service == "events" => ServiceResource::Unknown {
                within: self.any_named(kind),
                why: "the client's request body may name the event bus".to_string(),
            },
            None => ServiceResource::Unknown {
                within: None,
                why: format!(
                    "no `{}` is found in the integration's request parameters or templates",
                    kind.fields.join("`/`")
                ),
            },
        }
    }

    fn named(
        &self,
        kind: &ResourceKind,
        service: &str,
        action: &str,
        values: &[SymStr],
        input: &RequestInput,
    ) -> ServiceResource {
        let arns: Vec<Value> = values
            .iter()
            .map(|value| self.arn_of(kind.form, value))
            .collect();
        let Some(arns) = arns
            .into_iter()
            .map(|v| v.as_str().cloned())
            .collect::<Option<Vec<SymStr>>>()
        else {
            return ServiceResource::Unknown {
                within: None,
                why: match kind.form {
                    NameForm::QueueUrl => "the queue URL is not of the form https://sqs.{region}.amazonaws.com/{account}/{name}".to_string(),
                    _ => "its ARN cannot be built from the value the request names".to_string(),
                },
            };
        };
        // A DynamoDB query on an index is authorized on the index.
        let index = (service == "dynamodb" && matches!(action, "Query" | "Scan"))
            .then(|| input.field(&["IndexName"]))
            .flatten();
        // The index's name, or `*` when the request decides it.
        let index_suffix = match &index {
            Some(Field::Static(names)) if names.len() == 1 => {
                names.first().map(|n| Index::Named(format!("/index/{n}")))
            }
            Some(_) => Some(Index::Any),
            None => None,
        };
        let logical_ids: Vec<Option<String>> = arns
            .iter()
            .map(|arn| self.resource_named(kind, arn))
            .collect();
        let logical_id = match logical_ids.as_slice() {
            [one] => one.clone(),
            _ => None,
        };
        let mut targets: Vec<Target> = arns.iter().map(Target::from_sym_str).collect();
        for target in &mut targets {
            match &index_suffix {
                Some(Index::Named(suffix)) => target.push(TargetPart::Literal(suffix.clone())),
                Some(Index::Any) => {
                    target.push(TargetPart::Literal("/index/".to_string()));
                    target.push(TargetPart::AnySegment);
                }
                None => {}
            }
        }
        let suffix = index_suffix.as_ref().map_or("", Index::text);
        let entry = |arn: &SymStr, id: &Option<String>, quote: bool| match (id, kind.form) {
            (Some(id), NameForm::Arn) if suffix.is_empty() => format!("!Ref {id}"),
            (Some(id), _) if suffix.is_empty() => format!("!GetAtt {id}.Arn"),
            (Some(id), _) => format!("!Sub ${{{id}.Arn}}{suffix}"),
            (None, _) if quote => written_sub(&format!("'{arn}{suffix}'")),
            (None, _) => written_sub(&format!("{arn}{suffix}")),
        };
        let written = match (arns.as_slice(), logical_ids.as_slice()) {
            ([arn], [id]) => entry(arn, id, false),
            // Several ARNs (a condition decides): a list, one entry each.
            _ => format!(
                "[{}]",
                arns.iter()
                    .zip(&logical_ids)
                    .map(|(arn, id)| entry(arn, id, true))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        ServiceResource::Named {
            targets,
            logical_id,
            written,
        }
    }

    /// `arn:{partition}:{service}:{region}:{account}:{prefix}{resource}` in the call's region.
    fn regional_arn(&self, service: &str, resource: Value, prefix: &str) -> Value {
        if self.region == self.r.region() {
            return regional_arn(self.r, service, resource, prefix);
        }
        Value::concat(vec![
            Value::literal(format!("arn:{}:{service}:", self.r.config().partition)),
            self.region.clone(),
            Value::literal(":"),
            self.r.account_id(),
            Value::literal(format!(":{prefix}")),
            resource,
        ])
    }

    /// Any resource of a kind named by name, in the deployment's region and account
    /// (`arn:…:stream/{name}`); none for a kind named by ARN or URL, which may be anywhere.
    fn any_named(&self, kind: &ResourceKind) -> Option<Target> {
        let NameForm::Name { service, prefix } = kind.form else {
            return None;
        };
        let arn = self.regional_arn(service, Value::literal(""), prefix);
        Some(Target::from_sym_str(arn.as_str()?).with(named_by_request()))
    }

    /// The ARN a field's value stands for.
    fn arn_of(&self, form: NameForm, value: &SymStr) -> Value {
        let is_arn = value.strip_prefix_literal("arn:").is_some();
        match form {
            NameForm::Arn => Value::Str(value.clone()),
            NameForm::Name { .. } if is_arn => Value::Str(value.clone()),
            NameForm::Name { service, prefix } => {
                self.regional_arn(service, Value::Str(value.clone()), prefix)
            }
            NameForm::QueueUrl => self.queue_arn(value),
        }
    }

    /// `https://sqs.{region}.amazonaws.com/{account}/{name}` (or the legacy
    /// `https://{region}.queue.amazonaws.com/…`) as `arn:{p}:sqs:{region}:{account}:{name}`.
    fn queue_arn(&self, url: &SymStr) -> Value {
        let Some(rest) = url.strip_prefix_literal("https://") else {
            return Value::unknown("not a queue URL");
        };
        let parts = segments(&rest);
        let [host, account, name] = parts.as_slice() else {
            return Value::unknown("not a queue URL");
        };
        let host = sym_str(host);
        let region = host
            .strip_prefix_literal("sqs.")
            .and_then(|h| h.strip_suffix(&format!(".{}", self.r.url_suffix())))
            .or_else(|| host.strip_suffix(&format!(".queue.{}", self.r.url_suffix())));
        let Some(region) = region else {
            return Value::unknown("not a queue URL");
        };
        Value::concat(vec![
            Value::literal(format!("arn:{}:sqs:", self.r.config().partition)),
            Value::Str(region),
            Value::literal(":"),
            Value::Str(sym_str(account)),
            Value::literal(":"),
            Value::Str(sym_str(name)),
        ])
    }

    /// The resource of the stack of one of `kind`'s types whose ARN `arn` surely is.
    fn resource_named(&self, kind: &ResourceKind, arn: &SymStr) -> Option<String> {
        self.find_resource(kind.types, arn, |id| match kind.form {
            NameForm::Arn => self.r.reference(self.stack, id),
            _ => self.r.attribute(self.stack, id, "Arn"),
        })
    }

    /// The resource of one of `types` whose `own` value (its ARN, its name) surely is `value`: first
    /// those whose logical id the value's symbols name, then, for a value of plain text, at most
    /// [`MAX_NAME_SCAN`] others (the name only shapes messages, so the search stays linear in routes).
    fn find_resource(
        &self,
        types: &[&str],
        value: &SymStr,
        own: impl Fn(&str) -> Value,
    ) -> Option<String> {
        let template = self.r.template(self.stack)?;
        let wanted = Value::Str(value.clone());
        let is = |id: &str| {
            template
                .resource(id)
                .is_some_and(|r| types.contains(&r.type_name()))
                && own(id).equals(&wanted) == Some(true)
        };
        let named = value.symbols().find_map(|symbol| match symbol {
            Symbol::PhysicalId {
                stack, logical_id, ..
            }
            | Symbol::Attribute {
                stack, logical_id, ..
            } if *stack == self.stack && is(logical_id) => Some(logical_id.to_string()),
            _ => None,
        });
        if named.is_some() {
            return named;
        }
        types
            .iter()
            .flat_map(|t| template.resources_of_type(t))
            .take(MAX_NAME_SCAN)
            .find(|resource| is(&resource.logical_id))
            .map(|resource| resource.logical_id.clone())
    }

    /// `s3:path/…`: the action follows the method and the depth of the path.
    fn s3_request(
        &self,
        service: &ServiceIntegration,
        path: &ResolvedPath,
    ) -> Option<ServiceRequest> {
        // An unknown method is an unknown action.
        let method = service.http_method.as_deref()?;
        let mut parts = segments(&path.path);
        // `{bucket}.s3:path/{key}`: the bucket is the subdomain.
        let label = atoms(&path.label);
        if let Some(dot) = label.iter().rposition(|a| *a == Atom::Char('.')) {
            parts.insert(0, label.get(..dot).unwrap_or_default().to_vec());
        }
        parts.retain(|p| !p.is_empty());
        let partition = &self.r.config().partition;
        let Some((bucket, key)) = parts.split_first() else {
            let action = match method {
                "GET" | "HEAD" => "s3:ListAllMyBuckets",
                _ => return None,
            };
            return Some(ServiceRequest {
                action: action.to_string(),
                resource: ServiceResource::Named {
                    targets: vec![Target::literal("*")],
                    logical_id: None,
                    written: "'*'".to_string(),
                },
            });
        };
        let action = match (method, key.is_empty()) {
            ("GET" | "HEAD", false) => "s3:GetObject",
            ("PUT" | "POST", false) => "s3:PutObject",
            ("DELETE", false) => "s3:DeleteObject",
            ("GET" | "HEAD", true) => "s3:ListBucket",
            ("PUT", true) => "s3:CreateBucket",
            ("DELETE", true) => "s3:DeleteBucket",
            _ => return None,
        };
        let mut target = Target::literal(&format!("arn:{partition}:s3:::"));
        push_segment(&mut target, bucket, named_by_request());
        for segment in key {
            target.push(TargetPart::Literal("/".to_string()));
            push_segment(&mut target, segment, TargetPart::AnyPath);
        }
        let bucket_name = sym_str(bucket);
        let logical_id = (!has_placeholder(bucket))
            .then(|| self.bucket_named(&bucket_name))
            .flatten();
        let key_text = key
            .iter()
            .map(|segment| {
                if has_placeholder(segment) {
                    "*".to_string()
                } else {
                    sym_str(segment).to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let written = match (&logical_id, key.is_empty()) {
            (Some(id), true) => format!("!GetAtt {id}.Arn"),
            (Some(id), false) => format!("!Sub ${{{id}.Arn}}/{key_text}"),
            (None, true) => written_sub(&format!("arn:{partition}:s3:::{}", bucket_text(bucket))),
            (None, false) => written_sub(&format!(
                "arn:{partition}:s3:::{}/{key_text}",
                bucket_text(bucket)
            )),
        };
        Some(ServiceRequest {
            action: action.to_string(),
            resource: ServiceResource::Named {
                targets: vec![target],
                logical_id,
                written,
            },
        })
    }

    fn bucket_named(&self, name: &SymStr) -> Option<String> {
        self.find_resource(&["AWS::S3::Bucket"], name, |id| {
            self.r.reference(self.stack, id)
        })
    }

    /// `sqs:path/{account}/{queue}` with the action the request names.
    fn sqs_request(&self, path: &SymStr, input: &RequestInput) -> Option<ServiceRequest> {
        let operation = match input.static_literal("Action") {
            Some(action) => action,
            None => input
                .static_literal("X-Amz-Target")?
                .strip_prefix("AmazonSQS.")?
                .to_string(),
        };
        let action = iam_action("sqs", &operation)?;
        let parts = segments(path);
        let resource = match parts.as_slice() {
            [account, queue] if !has_placeholder(account) && !has_placeholder(queue) => {
                let arn = Value::concat(vec![
                    Value::literal(format!("arn:{}:sqs:", self.r.config().partition)),
                    self.region.clone(),
                    Value::literal(":"),
                    Value::Str(sym_str(account)),
                    Value::literal(":"),
                    Value::Str(sym_str(queue)),
                ]);
                match arn.as_str() {
                    Some(arn) => {
                        let logical_id = self.resource_named(&QUEUE, arn);
                        ServiceResource::Named {
                            targets: vec![Target::from_sym_str(arn)],
                            written: match &logical_id {
                                Some(id) => format!("!GetAtt {id}.Arn"),
                                None => written_sub(&arn.to_string()),
                            },
                            logical_id,
                        }
                    }
                    None => ServiceResource::Unknown {
                        within: None,
                        why: "the queue's ARN cannot be built from the URI".to_string(),
                    },
                }
            }
            [_, _] => ServiceResource::Unknown {
                within: None,
                why: "the request names the queue at run time".to_string(),
            },
            _ => ServiceResource::Unknown {
                within: None,
                why: "the URI's path is not `{account}/{queue}`".to_string(),
            },
        };
        Some(ServiceRequest { action, resource })
    }

    /// `runtime.sagemaker:path/endpoints/{name}/invocations` → `sagemaker:InvokeEndpoint`.
    fn sagemaker_request(&self, path: &SymStr) -> Option<ServiceRequest> {
        let parts = segments(path);
        let [endpoints, name, invocations] = parts.as_slice() else {
            return None;
        };
        if sym_str(endpoints).as_literal() != Some("endpoints")
            || sym_str(invocations).as_literal() != Some("invocations")
        {
            return None;
        }
        let resource = if has_placeholder(name) {
            let any = self.regional_arn("sagemaker", Value::literal(""), "endpoint/");
            ServiceResource::Unknown {
                within: any
                    .as_str()
                    .map(|arn| Target::from_sym_str(arn).with(named_by_request())),
                why: "the request names the endpoint at run time".to_string(),
            }
        } else {
            // SageMaker writes resource names into ARNs in lower case; a name written otherwise is
            // also tried as written, so that only a grant matching both is definite.
            let written_name = sym_str(name);
            let lower = lowercase(&written_name);
            let arn = self.regional_arn("sagemaker", Value::Str(lower.clone()), "endpoint/");
            let as_written =
                self.regional_arn("sagemaker", Value::Str(written_name.clone()), "endpoint/");
            match arn.as_str() {
                Some(arn) => {
                    let logical_id = self.endpoint_named(&written_name);
                    let mut targets = vec![Target::from_sym_str(arn)];
                    if let Some(other) = as_written.as_str().filter(|_| lower != written_name) {
                        targets.push(Target::from_sym_str(other));
                    }
                    ServiceResource::Named {
                        targets,
                        written: match &logical_id {
                            Some(id) => format!("!Ref {id}"),
                            None => written_sub(&arn.to_string()),
                        },
                        logical_id,
                    }
                }
                None => ServiceResource::Unknown {
                    within: None,
                    why: "the endpoint's ARN cannot be built from the URI".to_string(),
                },
            }
        };
        Some(ServiceRequest {
            action: "sagemaker:InvokeEndpoint".to_string(),
            resource,
        })
    }

    fn endpoint_named(&self, name: &SymStr) -> Option<String> {
        self.find_resource(&["AWS::SageMaker::Endpoint"], name, |id| {
            self.r.attribute(self.stack, id, "EndpointName")
        })
    }
}

/// The literal text of `s` in lower case (symbols kept).
fn lowercase(s: &SymStr) -> SymStr {
    let mut out = SymStr::default();
    for part in s.parts() {
        match part {
            Part::Literal(text) => out.push_literal(&text.to_lowercase()),
            Part::Symbol(symbol) => out.push_symbol(symbol.clone()),
        }
    }
    out
}

/// A bucket segment for a help text: `{bucket}` placeholders as `*`.
fn bucket_text(bucket: &[Atom<'_>]) -> String {
    if has_placeholder(bucket) {
        "*".to_string()
    } else {
        sym_str(bucket).to_string()
    }
}

/// An ARN for a policy: plain text, or `!Sub` when it holds `${…}`.
fn written_sub(text: &str) -> String {
    if text.contains("${") {
        format!("!Sub {text}")
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(text: &str) -> SymStr {
        SymStr::literal(text)
    }

    #[test]
    fn json_fields_are_read_from_request_templates() {
        let template = lit(
            "{\n  \"input\": \"$data\",\n  \"stateMachineArn\" : \"arn:aws:states:us-east-1:1:stateMachine:M\"\n}",
        );
        assert_eq!(
            template_field(&template, "stateMachineArn"),
            Some(Field::Static(vec![lit(
                "arn:aws:states:us-east-1:1:stateMachine:M"
            )]))
        );
        assert_eq!(template_field(&template, "TableName"), None);
    }

    #[test]
    fn json_fields_match_any_case_and_keep_symbols() {
        let mut template = lit("{\"TableName\": \"");
        template.push_symbol(Symbol::Parameter("Table".into()));
        template.push_literal("\", \"Item\": {}}");
        let mut expected = SymStr::default();
        expected.push_symbol(Symbol::Parameter("Table".into()));
        assert_eq!(
            template_field(&template, "tablename"),
            Some(Field::Static(vec![expected]))
        );
    }

    #[test]
    fn velocity_values_are_run_time() {
        let template = lit("{\"StreamName\": \"$input.params('stream-name')\"}");
        assert!(matches!(
            template_field(&template, "StreamName"),
            Some(Field::RunTime(_))
        ));
        let template = lit("{\"TableName\": $input.json('$.table')}");
        assert!(matches!(
            template_field(&template, "TableName"),
            Some(Field::RunTime(_))
        ));
    }

    #[test]
    fn form_fields_are_read_with_url_encoding() {
        let template = lit(
            "Action=Publish&TopicArn=$util.urlEncode('arn:aws:sns:us-east-1:1:t')&Message=$input.body",
        );
        assert_eq!(
            template_field(&template, "TopicArn"),
            Some(Field::Static(vec![lit("arn:aws:sns:us-east-1:1:t")]))
        );
        assert_eq!(
            template_field(&template, "Action"),
            Some(Field::Static(vec![lit("Publish")]))
        );
        // `MessageAction=` is not `Action=`.
        let template = lit("MessageAction=x");
        assert_eq!(template_field(&template, "Action"), None);
    }

    #[test]
    fn request_parameters_quote_static_values() {
        assert_eq!(
            parameter_field(&Value::literal("'SendMessage'")),
            Field::Static(vec![lit("SendMessage")])
        );
        assert!(matches!(
            parameter_field(&Value::literal("method.request.querystring.q")),
            Field::RunTime(_)
        ));
        assert!(matches!(
            parameter_field(&Value::literal("$request.body.QueueUrl")),
            Field::RunTime(_)
        ));
        assert_eq!(
            parameter_field(&Value::literal("https://sqs.us-east-1.amazonaws.com/1/q")),
            Field::Static(vec![lit("https://sqs.us-east-1.amazonaws.com/1/q")])
        );
    }

    #[test]
    fn paths_split_after_the_service_label() {
        let path = resolved_path(&Value::literal(
            "arn:aws:apigateway:us-east-1:my-bucket.s3:path/{object}",
        ))
        .unwrap();
        assert_eq!(path.label, lit("my-bucket.s3"));
        assert_eq!(path.path, lit("{object}"));
    }

    #[test]
    fn segments_become_holes() {
        let path = lit("{bucket}/docs/{key}");
        let parts = segments(&path);
        let mut target = Target::literal("arn:aws:s3:::");
        push_segment(&mut target, &parts[0], TargetPart::AnySegment);
        target.push(TargetPart::Literal("/".to_string()));
        push_segment(&mut target, &parts[1], TargetPart::AnyPath);
        target.push(TargetPart::Literal("/".to_string()));
        push_segment(&mut target, &parts[2], TargetPart::AnyPath);
        assert_eq!(
            target.parts(),
            &[
                TargetPart::Literal("arn:aws:s3:::".to_string()),
                TargetPart::AnySegment,
                TargetPart::Literal("/docs/".to_string()),
                TargetPart::AnyPath,
            ]
        );
    }

    #[test]
    fn iam_prefixes_differ_from_endpoint_prefixes_for_a_few_services() {
        assert_eq!(iam_prefix("email"), "ses");
        assert_eq!(iam_prefix("monitoring"), "cloudwatch");
        assert_eq!(iam_prefix("sqs"), "sqs");
    }
}
