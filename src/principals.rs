//! Principals: the IAM roles and users of a deployment, the policies that apply to each, and how
//! Amazon Cognito hands roles out.
//!
//! Identity policies come from every place CloudFormation can attach them: inline `Policies`,
//! `ManagedPolicyArns` (an `AWS::IAM::ManagedPolicy` of the deployment, or an AWS managed policy),
//! `AWS::IAM::Policy`/`ManagedPolicy` listing the principal in `Roles`/`Users`/`Groups`,
//! `AWS::IAM::RolePolicy`/`UserPolicy`, and a user's groups. Cognito roles come from
//! `AWS::Cognito::IdentityPoolRoleAttachment` (`Roles`, rule mappings) and `UserPoolGroup.RoleArn`.

use crate::deployment::Deployment;
use crate::load::Node;
use crate::resolve::{Resolver, StackId, Value};
use crate::source::Span;
use crate::template::Resource;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrincipalKind {
    Role,
    User,
}

/// A policy that applies to a principal.
#[derive(Debug, Clone)]
pub enum Attachment {
    /// A policy document written in a template.
    Document {
        stack: StackId,
        name: String,
        document: Node,
        span: Span,
    },
    /// A managed policy known only by its ARN (an AWS managed policy, or one outside the deployment).
    Managed {
        stack: StackId,
        arn: Value,
        span: Span,
    },
}

/// How Amazon Cognito gives a role to its users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CognitoGrant {
    /// The identity pool's `Roles.authenticated`.
    Authenticated,
    /// The identity pool's `Roles.unauthenticated` (guests, when the pool allows them).
    Unauthenticated { pool_allows_guests: Option<bool> },
    /// A user pool group's `RoleArn` (token-based role mapping).
    Group { group: String },
    /// A rule of a rules-based role mapping.
    Rule,
}

/// Where and how Cognito hands a role out.
#[derive(Debug, Clone)]
pub struct CognitoUse {
    pub grant: CognitoGrant,
    pub stack: StackId,
    /// The resource that hands the role out (attachment or group).
    pub resource: String,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Principal {
    pub stack: StackId,
    pub logical_id: String,
    pub kind: PrincipalKind,
    /// The logical id key.
    pub span: Span,
    pub arn: Value,
    pub identity: Vec<Attachment>,
    pub boundary: Option<Attachment>,
    /// `AssumeRolePolicyDocument` of a role.
    pub trust: Option<Node>,
    pub cognito: Vec<CognitoUse>,
}

/// The statements of a policy document (`Statement` as a list or a single mapping).
fn statements(document: &Node) -> Vec<&Node> {
    match document.get("Statement") {
        Some(list) if list.as_seq().is_some() => list.as_seq().unwrap_or(&[]).iter().collect(),
        Some(single) => vec![single],
        None => Vec::new(),
    }
}

/// A string or a list of strings (`Action`, `Principal.Service`, ...), as written.
fn strings(node: Option<&Node>) -> Vec<String> {
    match node {
        Some(n) if n.as_seq().is_some() => n
            .as_seq()
            .unwrap_or(&[])
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect(),
        Some(n) => n.as_str().map(str::to_string).into_iter().collect(),
        None => Vec::new(),
    }
}

impl Principal {
    /// The statements of the trust policy (none for a user).
    fn trust_statements(&self) -> Vec<&Node> {
        self.trust.as_ref().map(statements).unwrap_or_default()
    }

    /// A role that only AWS services may assume (a Lambda execution role, an API Gateway invoke role):
    /// not a plausible caller of an API.
    pub fn is_service_role(&self) -> bool {
        let statements = self.trust_statements();
        !statements.is_empty()
            && statements.iter().all(|statement| {
                statement
                    .get("Principal")
                    .and_then(Node::as_map)
                    .is_some_and(|p| !p.is_empty() && p.iter().all(|e| e.key.text == "Service"))
            })
    }
}

/// A trust-policy statement that lets Cognito identity pools hand the role out.
#[derive(Debug, Clone)]
pub struct CognitoTrust {
    /// The statement mapping.
    pub span: Span,
    /// `StringEquals` on `cognito-identity.amazonaws.com:aud` (the identity pool id).
    pub audience: bool,
    /// `amr` constrained to `authenticated` (`ForAnyValue:StringLike`/`StringEquals`).
    pub authenticated_only: bool,
    /// `amr` constrained at all (to `authenticated`, `unauthenticated`, a provider, ...).
    pub amr_constrained: bool,
}

impl Principal {
    /// Whether the trust policy lets the AWS service `service` (`apigateway.amazonaws.com`) assume the
    /// role with `sts:AssumeRole`.
    pub fn trusts_service(&self, service: &str) -> bool {
        self.trust_statements().iter().any(|s| {
            s.get("Effect").and_then(Node::as_str) == Some("Allow")
                && strings(s.get("Principal").and_then(|p| p.get("Service")))
                    .iter()
                    .any(|p| p == service)
                && strings(s.get("Action"))
                    .iter()
                    .any(|a| crate::iam::pattern::action_matches(a, "sts:AssumeRole"))
        })
    }

    /// The statements of the trust policy that let `cognito-identity.amazonaws.com` assume the role
    /// with `sts:AssumeRoleWithWebIdentity` (Allow statements only).
    pub fn cognito_trust(&self) -> Vec<CognitoTrust> {
        self.trust_statements()
            .into_iter()
            .filter(|s| s.get("Effect").and_then(Node::as_str) == Some("Allow"))
            .filter(|s| {
                strings(s.get("Principal").and_then(|p| p.get("Federated")))
                    .iter()
                    .any(|name| name == "cognito-identity.amazonaws.com")
            })
            .filter(|s| {
                strings(s.get("Action")).iter().any(|a| {
                    crate::iam::pattern::action_matches(a, "sts:AssumeRoleWithWebIdentity")
                })
            })
            .map(|s| {
                let condition = s.get("Condition");
                let values = |operator: &str, key: &str| -> Vec<String> {
                    let Some(node) = condition
                        .and_then(|c| c.get(operator))
                        .and_then(|o| o.get(key))
                    else {
                        return Vec::new();
                    };
                    match node.as_seq() {
                        Some(items) => items
                            .iter()
                            .filter_map(|n| n.as_str().map(str::to_string))
                            .collect(),
                        None => vec![
                            node.as_str()
                                .map_or_else(|| "<value>".to_string(), str::to_string),
                        ],
                    }
                };
                let amr: Vec<String> = [
                    "ForAnyValue:StringLike",
                    "ForAnyValue:StringEquals",
                    "StringEquals",
                    "StringLike",
                ]
                .iter()
                .flat_map(|op| values(op, "cognito-identity.amazonaws.com:amr"))
                .collect();
                CognitoTrust {
                    span: s.span,
                    audience: !values("StringEquals", "cognito-identity.amazonaws.com:aud")
                        .is_empty(),
                    authenticated_only: !amr.is_empty() && amr.iter().all(|v| v == "authenticated"),
                    amr_constrained: !amr.is_empty(),
                }
            })
            .collect()
    }
}

/// Every role and user of the deployment with its policies.
pub fn principals(deployment: &Deployment) -> Vec<Principal> {
    let r = deployment.resolver();
    let mut principals: Vec<Principal> = Vec::new();
    for (stack, template) in deployment.templates.iter().enumerate() {
        for resource in &template.resources {
            let (kind, arn_kind) = match resource.type_name() {
                "AWS::IAM::Role" => (PrincipalKind::Role, "Arn"),
                "AWS::IAM::User" => (PrincipalKind::User, "Arn"),
                _ => continue,
            };
            let mut principal = Principal {
                stack,
                logical_id: resource.logical_id.clone(),
                kind,
                span: resource.span,
                arn: r.attribute(stack, &resource.logical_id, arn_kind),
                identity: Vec::new(),
                boundary: None,
                trust: resource.property("AssumeRolePolicyDocument").cloned(),
                cognito: Vec::new(),
            };
            principal.identity = own_policies(deployment, &r, stack, resource);
            principal.boundary = resource
                .property("PermissionsBoundary")
                .map(|node| managed_attachment(deployment, &r, stack, node));
            principals.push(principal);
        }
    }
    attach_external_policies(deployment, &r, &mut principals);
    attach_cognito(deployment, &r, &mut principals);
    principals
}

/// Inline `Policies` and `ManagedPolicyArns` of a role or user, and its groups' policies.
fn own_policies(
    deployment: &Deployment,
    r: &Resolver<'_>,
    stack: StackId,
    resource: &Resource,
) -> Vec<Attachment> {
    let mut out = inline_policies(stack, resource);
    for arn in resource
        .property("ManagedPolicyArns")
        .and_then(Node::as_seq)
        .unwrap_or(&[])
    {
        out.push(managed_attachment(deployment, r, stack, arn));
    }
    // A user's groups: `Groups: [!Ref Group]` in the same stack.
    for group in resource
        .property("Groups")
        .and_then(Node::as_seq)
        .unwrap_or(&[])
    {
        let Some(group) = referenced_resource(deployment, stack, group, "AWS::IAM::Group") else {
            continue;
        };
        out.extend(inline_policies(stack, group));
        for arn in group
            .property("ManagedPolicyArns")
            .and_then(Node::as_seq)
            .unwrap_or(&[])
        {
            out.push(managed_attachment(deployment, r, stack, arn));
        }
    }
    out
}

fn inline_policies(stack: StackId, resource: &Resource) -> Vec<Attachment> {
    resource
        .property("Policies")
        .and_then(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .filter_map(|policy| {
            let document = policy.get("PolicyDocument")?;
            let name = policy
                .get("PolicyName")
                .and_then(Node::as_str)
                .unwrap_or("inline policy");
            Some(Attachment::Document {
                stack,
                name: name.to_string(),
                document: document.clone(),
                span: document.span,
            })
        })
        .collect()
}

/// `!Ref X` naming a resource of type `kind` in the same stack.
fn referenced_resource<'d>(
    deployment: &'d Deployment,
    stack: StackId,
    node: &Node,
    kind: &str,
) -> Option<&'d Resource> {
    let (key, arg) = node.as_intrinsic()?;
    if key.text != "Ref" {
        return None;
    }
    deployment
        .template(stack)?
        .resource(arg.as_str()?)
        .filter(|r| r.type_name() == kind)
}

/// A managed-policy ARN: the deployment's own `AWS::IAM::ManagedPolicy` when the ARN is one of
/// them, else a `Managed` attachment to look up in the AWS managed-policy table.
fn managed_attachment(
    deployment: &Deployment,
    r: &Resolver<'_>,
    stack: StackId,
    node: &Node,
) -> Attachment {
    let arn = r.resolve(stack, node);
    for (policy_stack, template) in deployment.templates.iter().enumerate() {
        for policy in template
            .resources
            .iter()
            .filter(|p| p.type_name() == "AWS::IAM::ManagedPolicy")
        {
            let Some(document) = policy.property("PolicyDocument") else {
                continue;
            };
            if r.reference(policy_stack, &policy.logical_id).equals(&arn) == Some(true) {
                return Attachment::Document {
                    stack: policy_stack,
                    name: policy.logical_id.clone(),
                    document: document.clone(),
                    span: document.span,
                };
            }
        }
    }
    Attachment::Managed {
        stack,
        arn,
        span: node.span,
    }
}

/// `AWS::IAM::Policy`, `ManagedPolicy`, `RolePolicy` and `UserPolicy` resources that name a
/// principal (by `!Ref`, an imported name, or the literal name).
fn attach_external_policies(
    deployment: &Deployment,
    r: &Resolver<'_>,
    principals: &mut [Principal],
) {
    let names: Vec<Value> = principals
        .iter()
        .map(|p| r.reference(p.stack, &p.logical_id))
        .collect();
    for (stack, template) in deployment.templates.iter().enumerate() {
        for policy in &template.resources {
            let targets: Vec<(&str, PrincipalKind)> = match policy.type_name() {
                "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" => {
                    vec![
                        ("Roles", PrincipalKind::Role),
                        ("Users", PrincipalKind::User),
                    ]
                }
                "AWS::IAM::RolePolicy" => vec![("RoleName", PrincipalKind::Role)],
                "AWS::IAM::UserPolicy" => vec![("UserName", PrincipalKind::User)],
                _ => continue,
            };
            let Some(document) = policy.property("PolicyDocument") else {
                continue;
            };
            for (property, kind) in targets {
                let Some(node) = policy.property(property) else {
                    continue;
                };
                let listed: Vec<Value> = match node.as_seq() {
                    Some(items) => items.iter().map(|n| r.resolve(stack, n)).collect(),
                    None => vec![r.resolve(stack, node)],
                };
                for (principal, name) in principals.iter_mut().zip(&names) {
                    if principal.kind == kind && listed.iter().any(|l| l.equals(name) == Some(true))
                    {
                        principal.identity.push(Attachment::Document {
                            stack,
                            name: policy.logical_id.clone(),
                            document: document.clone(),
                            span: document.span,
                        });
                    }
                }
            }
        }
    }
}

/// Records which roles Cognito hands out, and how.
fn attach_cognito(deployment: &Deployment, r: &Resolver<'_>, principals: &mut [Principal]) {
    for (stack, template) in deployment.templates.iter().enumerate() {
        for resource in &template.resources {
            match resource.type_name() {
                "AWS::Cognito::IdentityPoolRoleAttachment" => {
                    let guests = pool_allows_guests(deployment, r, stack, resource);
                    let roles = resource.property("Roles");
                    for (key, grant) in [
                        ("authenticated", CognitoGrant::Authenticated),
                        (
                            "unauthenticated",
                            CognitoGrant::Unauthenticated {
                                pool_allows_guests: guests,
                            },
                        ),
                    ] {
                        if let Some(node) = roles.and_then(|roles| roles.get(key)) {
                            mark(principals, r, stack, node, &grant, resource);
                        }
                    }
                    for mapping in resource
                        .property("RoleMappings")
                        .and_then(Node::as_map)
                        .unwrap_or(&[])
                    {
                        let rules = mapping
                            .value
                            .get("RulesConfiguration")
                            .and_then(|c| c.get("Rules"));
                        for rule in rules.and_then(Node::as_seq).unwrap_or(&[]) {
                            if let Some(node) = rule.get("RoleARN") {
                                mark(principals, r, stack, node, &CognitoGrant::Rule, resource);
                            }
                        }
                    }
                }
                "AWS::Cognito::UserPoolGroup" => {
                    let group = resource
                        .property("GroupName")
                        .and_then(|n| r.resolve(stack, n).as_literal().map(str::to_string))
                        .unwrap_or_else(|| resource.logical_id.clone());
                    if let Some(node) = resource.property("RoleArn") {
                        mark(
                            principals,
                            r,
                            stack,
                            node,
                            &CognitoGrant::Group { group },
                            resource,
                        );
                    }
                }
                _ => {}
            }
        }
    }
}

fn mark(
    principals: &mut [Principal],
    r: &Resolver<'_>,
    stack: StackId,
    node: &Node,
    grant: &CognitoGrant,
    by: &Resource,
) {
    let arn = r.resolve(stack, node);
    for principal in principals
        .iter_mut()
        .filter(|p| p.kind == PrincipalKind::Role)
    {
        if principal.arn.equals(&arn) == Some(true) {
            principal.cognito.push(CognitoUse {
                grant: grant.clone(),
                stack,
                resource: by.logical_id.clone(),
                span: node.span,
            });
        }
    }
}

/// `AllowUnauthenticatedIdentities` of the identity pool an attachment names.
fn pool_allows_guests(
    deployment: &Deployment,
    r: &Resolver<'_>,
    stack: StackId,
    attachment: &Resource,
) -> Option<bool> {
    let pool_id = r.resolve(stack, attachment.property("IdentityPoolId")?);
    for (pool_stack, template) in deployment.templates.iter().enumerate() {
        for pool in template
            .resources
            .iter()
            .filter(|p| p.type_name() == "AWS::Cognito::IdentityPool")
        {
            if r.reference(pool_stack, &pool.logical_id).equals(&pool_id) == Some(true) {
                return Some(
                    pool.property("AllowUnauthenticatedIdentities")
                        .and_then(Node::as_bool)
                        .unwrap_or(false),
                );
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deployment_from_texts;
    use crate::resolve::ResolveConfig;

    #[test]
    fn seed_roles_and_how_cognito_hands_them_out() {
        let (d, _) = deployment_from_texts(
            &[
                ("sam.yaml", include_str!("../fixtures/seed/sam.yaml")),
                ("cfn.yaml", include_str!("../fixtures/seed/cfn.yaml")),
            ],
            &ResolveConfig::default(),
        );
        let all = principals(&d);
        let admin = all
            .iter()
            .find(|p| p.logical_id == "CognitoAuthenticatedAdminRole")
            .unwrap();
        assert_eq!(
            admin.cognito.iter().map(|c| &c.grant).collect::<Vec<_>>(),
            [&CognitoGrant::Group {
                group: "admin".into()
            }]
        );
        assert_eq!(admin.identity.len(), 1);
        let general = all
            .iter()
            .find(|p| p.logical_id == "CognitoAuthenticatedGeneralRole")
            .unwrap();
        assert!(
            general
                .cognito
                .iter()
                .any(|c| c.grant == CognitoGrant::Authenticated)
        );
        let backend = all
            .iter()
            .find(|p| p.logical_id == "LambdaBackendRole")
            .unwrap();
        assert!(backend.cognito.is_empty());
        assert_eq!(backend.identity.len(), 2);
        assert!(
            backend
                .identity
                .iter()
                .all(|a| matches!(a, Attachment::Managed { .. }))
        );
    }

    #[test]
    fn policies_attached_from_other_resources_and_groups() {
        let template = r#"
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: api-caller
      AssumeRolePolicyDocument: {Statement: []}
      ManagedPolicyArns: [!Ref Managed]
  Managed:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument: {Statement: [{Effect: Allow, Action: execute-api:Invoke, Resource: "*"}]}
  Attached:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: p
      Roles: [api-caller]
      PolicyDocument: {Statement: [{Effect: Allow, Action: lambda:InvokeFunction, Resource: "*"}]}
  Group:
    Type: AWS::IAM::Group
    Properties:
      Policies: [{PolicyName: g, PolicyDocument: {Statement: []}}]
  User:
    Type: AWS::IAM::User
    Properties:
      Groups: [!Ref Group]
"#;
        let (d, _) = deployment_from_texts(&[("a.yaml", template)], &ResolveConfig::default());
        let all = principals(&d);
        let role = all.iter().find(|p| p.logical_id == "Role").unwrap();
        let names: Vec<&str> = role
            .identity
            .iter()
            .filter_map(|a| match a {
                Attachment::Document { name, .. } => Some(name.as_str()),
                Attachment::Managed { .. } => None,
            })
            .collect();
        assert_eq!(names, ["Managed", "Attached"]);
        let user = all.iter().find(|p| p.logical_id == "User").unwrap();
        assert_eq!(user.identity.len(), 1);
    }
}
