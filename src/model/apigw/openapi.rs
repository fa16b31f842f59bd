//! Inline OpenAPI / Swagger bodies (`DefinitionBody`, `Body`): their operations, integrations and
//! security, as API Gateway reads them.

use crate::load::Node;
use crate::model::route::Authorization;
use crate::source::Span;

/// One operation of `paths`.
#[derive(Debug, Clone)]
pub struct Operation<'b> {
    pub path: String,
    /// Upper case; `x-amazon-apigateway-any-method` is `ANY`.
    pub method: String,
    pub node: &'b Node,
    /// The span of the method key.
    pub span: Span,
    /// Security requirement names of the operation (`None` when it has no `security`).
    pub security: Option<Vec<String>>,
    pub integration: Option<&'b Node>,
}

impl Operation<'_> {
    pub fn integration_type(&self) -> Option<String> {
        self.integration?
            .get("type")?
            .as_str()
            .map(str::to_ascii_lowercase)
    }

    pub fn uri(&self) -> Option<&Node> {
        self.integration?.get("uri")
    }

    pub fn credentials(&self) -> Option<&Node> {
        self.integration?.get("credentials")
    }

    /// The operation's `x-amazon-apigateway-auth` `type` (`AWS_IAM` or `NONE`, case-insensitive):
    /// API Gateway's extension for the method's authorization type (api-gateway-swagger-extensions-auth).
    pub fn auth_extension(&self) -> Option<Authorization> {
        let auth_type = self
            .node
            .get("x-amazon-apigateway-auth")?
            .get("type")?
            .as_str()?;
        if auth_type.eq_ignore_ascii_case("AWS_IAM") {
            Some(Authorization::AwsIam)
        } else if auth_type.eq_ignore_ascii_case("NONE") {
            Some(Authorization::None)
        } else {
            None
        }
    }

    /// The authorization `security` gives (`from_security`), with `x-amazon-apigateway-auth`: its
    /// `AWS_IAM` makes a route that no authorizer protects an IAM route; an authorizer stays.
    pub fn with_auth_extension(&self, from_security: Authorization) -> Authorization {
        match (from_security, self.auth_extension()) {
            (Authorization::None, Some(Authorization::AwsIam)) => Authorization::AwsIam,
            (authorization, _) => authorization,
        }
    }

    /// `isDefaultRoute: true`: the HTTP API's catch-all route, whatever its path (`/$default`).
    pub fn is_default_route(&self) -> bool {
        self.path == "$default"
            || self.node.get("isDefaultRoute").and_then(Node::as_bool) == Some(true)
    }
}

const METHODS: [&str; 8] = [
    "get",
    "put",
    "post",
    "delete",
    "options",
    "head",
    "patch",
    "x-amazon-apigateway-any-method",
];

/// Every operation under `paths`. A `Fn::If` around a path item or operation contributes its
/// mapping branch (the route exists when the condition holds).
pub fn operations(body: &Node) -> Vec<Operation<'_>> {
    let mut out = Vec::new();
    for path in body
        .get("paths")
        .and_then(mapping)
        .and_then(Node::as_map)
        .unwrap_or(&[])
    {
        let Some(item) = mapping(&path.value) else {
            continue;
        };
        for entry in item.as_map().unwrap_or(&[]) {
            let key = entry.key.text.to_ascii_lowercase();
            if !METHODS.contains(&key.as_str()) {
                continue;
            }
            let Some(operation) = mapping(&entry.value) else {
                continue;
            };
            let method = if key == "x-amazon-apigateway-any-method" {
                "ANY".to_string()
            } else {
                key.to_ascii_uppercase()
            };
            out.push(Operation {
                path: path.key.text.clone(),
                method,
                node: operation,
                span: entry.key.span,
                security: operation.get("security").map(security_names),
                integration: operation
                    .get("x-amazon-apigateway-integration")
                    .and_then(mapping),
            });
        }
    }
    out
}

/// A mapping, looking through `Fn::If` (first mapping branch).
fn mapping(node: &Node) -> Option<&Node> {
    match node.as_intrinsic() {
        Some((key, arg)) if key.text == "Fn::If" => arg.as_seq()?.iter().skip(1).find_map(mapping),
        Some(_) => None,
        None => node.is_map().then_some(node),
    }
}

/// `security: [{Name: []}, ...]` → the names.
fn security_names(node: &Node) -> Vec<String> {
    node.as_seq()
        .unwrap_or(&[])
        .iter()
        .flat_map(|requirement| {
            requirement
                .as_map()
                .unwrap_or(&[])
                .iter()
                .map(|e| e.key.text.clone())
        })
        .collect()
}

/// What a security requirement name means in this body (`securityDefinitions` of Swagger 2,
/// `components.securitySchemes` of OpenAPI 3). `api_key` alone authorizes nobody: `None`.
pub fn scheme_authorization(body: &Node, name: &str) -> Option<Authorization> {
    if name == "NONE" {
        return Some(Authorization::None);
    }
    let scheme = body
        .get("securityDefinitions")
        .and_then(|d| d.get(name))
        .or_else(|| body.get("components")?.get("securitySchemes")?.get(name));
    let Some(scheme) = scheme else {
        return (name == "AWS_IAM").then_some(Authorization::AwsIam);
    };
    let auth_type = scheme
        .get("x-amazon-apigateway-authtype")
        .and_then(Node::as_str)
        .map(str::to_ascii_lowercase);
    let authorizer_type = scheme
        .get("x-amazon-apigateway-authorizer")
        .and_then(|a| a.get("type"))
        .and_then(Node::as_str)
        .map(str::to_ascii_lowercase);
    Some(match (auth_type.as_deref(), authorizer_type.as_deref()) {
        (Some("awssigv4"), _) => Authorization::AwsIam,
        (Some("cognito_user_pools"), _) | (_, Some("cognito_user_pools")) => {
            Authorization::CognitoUserPools
        }
        (_, Some("jwt")) => Authorization::Jwt,
        (Some(_), _) | (_, Some(_)) => Authorization::Custom,
        (None, None) if scheme.get("type").and_then(Node::as_str) == Some("oauth2") => {
            Authorization::Jwt
        }
        (None, None) => Authorization::None,
    })
}

/// The authorization of an operation from its own `security`: the first requirement that authorizes.
pub fn operation_authorization(body: &Node, security: &[String]) -> Authorization {
    operation_authorization_with(body, security, None)
}

/// Like [`operation_authorization`], also knowing SAM `Auth.Authorizers` (names SAM will define).
pub fn operation_authorization_with(
    body: &Node,
    security: &[String],
    sam_auth: Option<&Node>,
) -> Authorization {
    security
        .iter()
        .filter_map(|name| {
            let sam_definition = sam_auth
                .and_then(|a| a.get("Authorizers"))
                .and_then(|a| a.get(name));
            match sam_definition {
                Some(d) if d.get("UserPoolArn").is_some() => Some(Authorization::CognitoUserPools),
                Some(d) if d.get("JwtConfiguration").is_some() => Some(Authorization::Jwt),
                Some(_) => Some(Authorization::Custom),
                None => scheme_authorization(body, name),
            }
        })
        .find(|a| *a != Authorization::None)
        .unwrap_or(Authorization::None)
}
