//! API routes: what API Gateway serves, how each route is authorized, and what its integration calls
//! (a Lambda, an AWS service action, an HTTP endpoint, a mock).
//!
//! Routes come from SAM (`sam/`: events, implicit APIs, Globals, inline OpenAPI) and from plain
//! CloudFormation (`apigw/`: RestApi/Resource/Method, ApiGatewayV2 Api/Route/Integration), both
//! builders beneath the model ([`crate::model::Model::build`] completes each route with its
//! request targets). Access checks and `iamlint routes` read only this model.

use crate::iam::pattern::{Target, TargetPart};
use crate::resolve::{Resolver, StackId, Symbol, Value};
use crate::source::{FileId, Span};

/// REST (API Gateway v1) or HTTP (v2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiKind {
    Rest,
    Http,
}

impl ApiKind {
    /// The kind of a SAM API resource type (`AWS::Serverless::Api` or `HttpApi`); `None` for others.
    pub fn of_serverless(type_name: &str) -> Option<ApiKind> {
        match type_name {
            "AWS::Serverless::Api" => Some(ApiKind::Rest),
            "AWS::Serverless::HttpApi" => Some(ApiKind::Http),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ApiKind::Rest => "REST",
            ApiKind::Http => "HTTP",
        }
    }
}

/// How a route authorizes callers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authorization {
    None,
    AwsIam,
    CognitoUserPools,
    Custom,
    Jwt,
}

impl Authorization {
    pub fn as_str(self) -> &'static str {
        match self {
            Authorization::None => "NONE",
            Authorization::AwsIam => "AWS_IAM",
            Authorization::CognitoUserPools => "COGNITO_USER_POOLS",
            Authorization::Custom => "CUSTOM",
            Authorization::Jwt => "JWT",
        }
    }
}

/// Whose identity API Gateway calls the integration with (its `credentials`).
#[derive(Debug, Clone, PartialEq)]
pub enum Invocation {
    /// No credentials: API Gateway's service identity, allowed by the function's resource policy.
    ServiceIdentity,
    /// `arn:aws:iam::*:user/*`: the caller's own credentials (SAM's default for `AWS_IAM`).
    CallerCredentials,
    /// A fixed role API Gateway assumes.
    Role { arn: Value, span: Span },
}

/// What a route's integration calls. Whose identity it calls with is [`Route::invocation`] (the
/// integration's credentials), for every kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Integration {
    /// A Lambda function: `AWS_PROXY`/`AWS` with a `…:lambda:path/2015-03-31/functions/…/invocations`
    /// URI (or, on an HTTP API, the function's ARN). The function of the deployment it names, if any,
    /// is [`Route::function`] (with [`Route::alias`] and [`Route::target`]).
    Lambda,
    /// An AWS service (`type: aws`, an HTTP API first-class integration, a SAM state-machine event).
    AwsService(Box<ServiceIntegration>),
    /// An HTTP endpoint (`HTTP`, `HTTP_PROXY`), directly or through a VPC link.
    Http {
        /// The endpoint URL (or, through a VPC link of an HTTP API, the load balancer listener or
        /// Cloud Map service ARN).
        uri: Option<Value>,
        vpc_link: bool,
    },
    /// `MOCK`: API Gateway answers by itself.
    Mock,
    /// No integration was read, or its type is not known.
    Unknown,
}

impl Integration {
    /// `lambda`, `aws_service`, `http`, `mock`, `unknown`: as the JSON report names the kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Integration::Lambda => "lambda",
            Integration::AwsService(_) => "aws_service",
            Integration::Http { .. } => "http",
            Integration::Mock => "mock",
            Integration::Unknown => "unknown",
        }
    }

    pub fn is_lambda(&self) -> bool {
        *self == Integration::Lambda
    }
}

/// An integration with an AWS service API, as API Gateway calls it.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceIntegration {
    /// The service's endpoint prefix as the URI names it (`states`, `sqs`, `dynamodb`, `s3`, `events`,
    /// `kinesis`), lower case; for a subtype, the service it calls (`SQS-SendMessage` → `sqs`).
    pub service: String,
    pub operation: ServiceOperation,
    /// An HTTP API's `IntegrationSubtype` (`SQS-SendMessage`, `StepFunctions-StartExecution`).
    pub subtype: Option<String>,
    /// The integration's own HTTP method (`httpMethod` / `IntegrationHttpMethod`): the verb of the
    /// service request (what a `path/…` integration does with it, e.g. `GET` on S3).
    pub http_method: Option<String>,
    /// The integration URI, resolved (none for a subtype).
    pub uri: Option<Value>,
    /// What the call needs from IAM: the action and the resource it acts on; `None` when iamlint
    /// does not know the action (see [`crate::model::apigw::service_request`]).
    pub request: Option<ServiceRequest>,
    /// SAM writes the credentials role itself, with exactly the [`Self::request`] it needs
    /// (a state-machine `Api` event: samtranslator/model/stepfunctions/events.py:54-85).
    pub role_by_sam: bool,
}

/// The IAM side of an AWS service call: the identity API Gateway calls with (the route's
/// [`Invocation`]) needs `action` on `resource`.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceRequest {
    /// `states:StartExecution`, `sqs:SendMessage`, `s3:GetObject`.
    pub action: String,
    pub resource: ServiceResource,
}

/// The resource a service call acts on.
#[derive(Debug, Clone, PartialEq)]
pub enum ServiceResource {
    /// The template names it.
    Named {
        /// Its ARN as request targets (several when a condition decides; holes for what the
        /// request decides, as an S3 object key).
        targets: Vec<Target>,
        /// The resource of the stack it is (`OrderWorkflow`), when one.
        logical_id: Option<String>,
        /// The ARN as a policy writes it (`!GetAtt Queue.Arn`, `!Sub ${Bucket.Arn}/*`).
        written: String,
    },
    /// The request decides it at run time, or iamlint cannot tell: why, and the ARNs it may have
    /// when its kind is known (`arn:…:stream/{name}` for a stream named at run time).
    Unknown { why: String, within: Option<Target> },
}

impl ServiceRequest {
    /// The targets to decide `action` on: the named ones, or one that stands for any resource.
    pub fn targets(&self) -> Vec<Target> {
        match &self.resource {
            ServiceResource::Named { targets, .. } => targets.clone(),
            ServiceResource::Unknown {
                within: Some(within),
                ..
            } => vec![within.clone()],
            // A symbol that may be any text: only `*`-like grants cover it.
            ServiceResource::Unknown { within: None, .. } => {
                vec![Target::new().with(TargetPart::Symbol(Symbol::Parameter(
                    "the resource the request names".into(),
                )))]
            }
        }
    }

    /// `OrderWorkflow`, the ARN, or `the resource the request names`: how messages name it.
    pub fn resource_name(&self) -> String {
        match &self.resource {
            ServiceResource::Named {
                logical_id: Some(id),
                ..
            } => id.clone(),
            ServiceResource::Named { targets, .. } => targets
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" | "),
            ServiceResource::Unknown { .. } => "the resource the request names".to_string(),
        }
    }
}

/// What an AWS service integration asks the service for.
#[derive(Debug, Clone, PartialEq)]
pub enum ServiceOperation {
    /// `…:{service}:action/{Action}` (or a subtype's action, `SendMessage`).
    Action(String),
    /// `…:{service}:path/{path}`, as written (`{bucket}/{object}`).
    Path(String),
}

impl ServiceIntegration {
    /// `states:StartExecution → OrderWorkflow`: the IAM action and its resource when known, else how
    /// the URI names the call (`kinesis GET path/…`). How reports name the integration.
    pub fn describe(&self) -> String {
        if let Some(request) = &self.request {
            return match &request.resource {
                ServiceResource::Named { .. } => {
                    format!("{} → {}", request.action, request.resource_name())
                }
                ServiceResource::Unknown { .. } => request.action.clone(),
            };
        }
        match &self.operation {
            ServiceOperation::Action(action) => format!("{}:{action}", self.service),
            ServiceOperation::Path(path) => match &self.http_method {
                Some(method) => format!("{} {method} path/{path}", self.service),
                None => format!("{} path/{path}", self.service),
            },
        }
    }
}

/// The API a new route belongs to.
pub struct RouteApi {
    pub stack: StackId,
    pub name: String,
    pub kind: ApiKind,
    pub id: Value,
    pub stages: Vec<Value>,
}

/// One method on one path of one API.
#[derive(Debug, Clone)]
pub struct Route {
    pub stack: StackId,
    /// The API's logical id (`ServerlessRestApi` / `ServerlessHttpApi` for SAM's implicit APIs).
    pub api: String,
    pub api_kind: ApiKind,
    /// The API's id as the resolver sees it (the physical id symbol of the API resource).
    pub api_id: Value,
    /// Stage names the route is served on.
    pub stages: Vec<Value>,
    /// `GET`, `POST`, ... or `ANY`.
    pub method: String,
    /// As written: `/items/{id}`, `/{proxy+}`, `$default` (SAM's `/$default`, see [`Route::catch_all`]).
    pub path: String,
    /// The HTTP API's `$default` route, which serves every request no other route matches (SAM names
    /// it `/$default` when `FailOnWarnings` is on).
    pub catch_all: bool,
    pub authorization: Authorization,
    /// The integration's credentials: whose identity API Gateway calls the integration with.
    pub invocation: Invocation,
    /// What the integration calls.
    pub integration: Integration,
    /// The Lambda function's logical id, when the integration targets one of the deployment.
    pub function: Option<String>,
    /// The alias or version the integration targets (`AutoPublishAlias`, `${Fn.Arn}:live`).
    pub qualifier: Option<String>,
    /// The ARN API Gateway invokes: the function's, the version's or the alias's.
    pub target: Option<Value>,
    /// Where the route is defined: the SAM event, the OpenAPI operation or the Method resource.
    pub span: Span,
    /// The included OpenAPI document (`AWS::Include`, `DefinitionUri`) that holds `span` and the
    /// integration's spans (an [`Invocation::Role`] span); `None` when they are in the stack's
    /// template. [`crate::model::Model::route_location`] reads it.
    pub definition_file: Option<FileId>,
    /// Where the authorization is decided (the Auth setting), when not the route itself.
    pub auth_span: Option<Span>,
    /// A SAM event `Auth` setting that SAM silently ignores for the credentials (see IAM009).
    pub ignored_auth_setting: Option<IgnoredSetting>,
    /// Whether the `AWS::Lambda::Permission` API Gateway needs comes with the route.
    pub permission: PermissionSource,
    /// The request ARN of the route on each stage (`execute-api:Invoke`), filled by the model.
    pub execute_api: Vec<Target>,
    /// For an `ANY` route: the main stage's request ARN for each of [`HTTP_VERBS`], in order.
    pub verbs: Vec<Target>,
    /// The Lambda ARN(s) the route invokes, as targets (several when a condition decides).
    pub lambda: Option<Vec<Target>>,
    /// The target's ARN as the user writes it, parameters left symbolic (`${Env}`), for help texts
    /// (routes that invoke with credentials only).
    pub written_target: Option<Value>,
    /// The target is an `AWS::Serverless::Function` of a SAM template.
    pub sam_function: bool,
    /// The API resource's logical id key (the route's span when the API is implicit).
    pub api_span: Span,
}

/// Where the function's resource policy for API Gateway comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum PermissionSource {
    /// SAM generates one for the event (source ARN `api/*/METHOD/path`).
    SamEvent,
    /// SAM generates one, but the event's `RestApiId`/`ApiId` (the key) is a plain string: its source
    /// ARN holds the literal logical id and never matches (the span is the value).
    SamEventLiteralApiId { key: &'static str, span: Span },
    /// Nothing generated: an `AWS::Lambda::Permission` must be written.
    Explicit,
}

/// An event `Auth` key (`InvokeRole` or `ApiKeyRequired`) written without `Authorizer` under an API
/// whose default authorizer is `AWS_IAM`: SAM keeps IAM auth but adds no integration credentials.
#[derive(Debug, Clone, PartialEq)]
pub struct IgnoredSetting {
    pub key: String,
    pub span: Span,
}

impl Route {
    /// A route of `api` with no authorization, API Gateway's own identity and no known integration yet.
    pub fn new(api: RouteApi, method: String, path: String, span: Span) -> Route {
        Route {
            stack: api.stack,
            api: api.name,
            api_kind: api.kind,
            api_id: api.id,
            stages: api.stages,
            method,
            catch_all: api.kind == ApiKind::Http && path == "$default",
            path,
            authorization: Authorization::None,
            invocation: Invocation::ServiceIdentity,
            integration: Integration::Unknown,
            function: None,
            qualifier: None,
            target: None,
            span,
            definition_file: None,
            auth_span: None,
            ignored_auth_setting: None,
            permission: PermissionSource::Explicit,
            execute_api: Vec::new(),
            verbs: Vec::new(),
            lambda: None,
            written_target: None,
            sam_function: false,
            api_span: span,
        }
    }

    /// `GET /items on AdminApi`, as messages name the route.
    pub fn name(&self) -> String {
        format!("{} {} on {}", self.method, self.path, self.api)
    }

    /// The path as an execute-api ARN writes it for IAM: path parameters (`{id}`, `{proxy+}`) as `*`,
    /// HTTP API's `$default` as `/*`.
    pub fn iam_resource_path(&self) -> String {
        if self.path == "$default" || self.path == "/$default" {
            return "/*".to_string();
        }
        self.path
            .split('/')
            .map(|segment| {
                if segment.starts_with('{') && segment.ends_with('}') {
                    "*"
                } else {
                    segment
                }
            })
            .collect::<Vec<_>>()
            .join("/")
    }

    /// The main stage as a help text writes it in an ARN (`*` when it cannot be known).
    pub fn help_stage(&self) -> String {
        match self.stages.first() {
            Some(stage) if stage.as_str().is_some() => stage.to_string(),
            _ => "*".to_string(),
        }
    }

    pub fn caller_credentials(&self) -> bool {
        self.invocation == Invocation::CallerCredentials
    }
}

/// The HTTP verbs an `ANY` route stands for.
pub const HTTP_VERBS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// `arn:{partition}:execute-api:{region}:{account}:{api}`: the ARN of an API, before its stages.
pub fn execute_api_arn(r: &Resolver<'_>, api: &Value) -> Value {
    Value::concat(vec![
        Value::literal(format!("arn:{}:execute-api:", r.config().partition)),
        r.region(),
        Value::literal(":"),
        r.account_id(),
        Value::literal(":"),
        api.clone(),
    ])
}
