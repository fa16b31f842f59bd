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
use std::collections::HashMap;

use crate::resolve::{Resolver, StackId, SymStr, Value};
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
    /// The identity pool of the deployment that hands the role out (stack, logical id), when known.
    pub identity_pool: Option<(StackId, String)>,
}

/// A role or user of the deployment, with what its trust policy says.
#[derive(Debug, Clone)]
pub struct Principal {
    pub stack: StackId,
    pub logical_id: String,
    pub kind: PrincipalKind,
    /// The logical id key.
    pub span: Span,
    pub arn: Value,
    /// How Cognito hands the role out.
    pub cognito: Vec<CognitoUse>,
    /// The trust policy has statements and all of them name only AWS services.
    service_role: bool,
    /// AWS services the trust policy lets assume the role with `sts:AssumeRole`.
    trusted_services: Vec<String>,
    /// Trust statements for Cognito identity pools.
    cognito_trust: Vec<CognitoTrust>,
}

/// The policies that apply to a principal, as attached (read into documents by the access model).
#[derive(Debug, Clone, Default)]
pub struct Attachments {
    pub identity: Vec<Attachment>,
    pub boundary: Option<Attachment>,
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
    /// A role that only AWS services may assume (a Lambda execution role, an API Gateway invoke role):
    /// not a plausible caller of an API.
    pub fn is_service_role(&self) -> bool {
        self.service_role
    }

    /// Whether the trust policy lets the AWS service `service` (`apigateway.amazonaws.com`) assume the
    /// role with `sts:AssumeRole`.
    pub fn trusts_service(&self, service: &str) -> bool {
        self.trusted_services.iter().any(|s| s == service)
    }

    /// The statements of the trust policy that let `cognito-identity.amazonaws.com` assume the role
    /// with `sts:AssumeRoleWithWebIdentity` (Allow statements only).
    pub fn cognito_trust(&self) -> &[CognitoTrust] {
        &self.cognito_trust
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
    /// The `amr` values the condition allows, as written.
    pub amr: Vec<String>,
}

/// What a trust policy (`AssumeRolePolicyDocument`) says, read once.
struct TrustFacts {
    service_role: bool,
    trusted_services: Vec<String>,
    cognito: Vec<CognitoTrust>,
}

impl TrustFacts {
    fn read(trust: Option<&Node>) -> TrustFacts {
        let statements = trust.map(statements).unwrap_or_default();
        let service_role = !statements.is_empty()
            && statements.iter().all(|statement| {
                statement
                    .get("Principal")
                    .and_then(Node::as_map)
                    .is_some_and(|p| !p.is_empty() && p.iter().all(|e| e.key.text == "Service"))
            });
        let trusted_services = statements
            .iter()
            .filter(|s| {
                s.get("Effect").and_then(Node::as_str) == Some("Allow")
                    && strings(s.get("Action"))
                        .iter()
                        .any(|a| crate::iam::pattern::action_matches(a, "sts:AssumeRole"))
            })
            .flat_map(|s| strings(s.get("Principal").and_then(|p| p.get("Service"))))
            .collect();
        TrustFacts {
            service_role,
            trusted_services,
            cognito: cognito_trust(&statements),
        }
    }
}

/// The Allow statements that let Cognito identity pools assume the role.
fn cognito_trust(statements: &[&Node]) -> Vec<CognitoTrust> {
    statements
        .iter()
        .filter(|s| s.get("Effect").and_then(Node::as_str) == Some("Allow"))
        .filter(|s| {
            strings(s.get("Principal").and_then(|p| p.get("Federated")))
                .iter()
                .any(|name| name == "cognito-identity.amazonaws.com")
        })
        .filter(|s| {
            strings(s.get("Action"))
                .iter()
                .any(|a| crate::iam::pattern::action_matches(a, "sts:AssumeRoleWithWebIdentity"))
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
                audience: !values("StringEquals", "cognito-identity.amazonaws.com:aud").is_empty(),
                authenticated_only: !amr.is_empty() && amr.iter().all(|v| v == "authenticated"),
                amr_constrained: !amr.is_empty(),
                amr,
            }
        })
        .collect()
}

/// Values resolved once, looked up by their text: a name or ARN written as one string (literal or
/// symbolic) finds its owners without comparing against every candidate.
struct ValueIndex {
    exact: HashMap<SymStr, Vec<usize>>,
    /// Candidates whose value is not one string (alternatives, unknown): compared one by one.
    other: Vec<(usize, Value)>,
}

impl ValueIndex {
    fn new(values: impl IntoIterator<Item = (usize, Value)>) -> ValueIndex {
        let mut index = ValueIndex {
            exact: HashMap::new(),
            other: Vec::new(),
        };
        for (i, value) in values {
            match value {
                Value::Str(s) => index.exact.entry(s).or_default().push(i),
                other => index.other.push((i, other)),
            }
        }
        index
    }

    /// The candidates whose value surely equals `value`.
    fn find(&self, value: &Value) -> Vec<usize> {
        let mut found: Vec<usize> = match value {
            Value::Str(s) => self.exact.get(s).cloned().unwrap_or_default(),
            _ => Vec::new(),
        };
        let symbolic = !matches!(value, Value::Str(_));
        found.extend(
            self.other
                .iter()
                .filter(|(_, v)| v.equals(value) == Some(true))
                .map(|(i, _)| *i),
        );
        if symbolic {
            found.extend(
                self.exact
                    .iter()
                    .filter(|(s, _)| Value::Str((*s).clone()).equals(value) == Some(true))
                    .flat_map(|(_, owners)| owners.iter().copied()),
            );
        }
        found.sort_unstable();
        found.dedup();
        found
    }
}

/// Every role and user of the deployment, and the policies that apply to each (same order).
pub fn principals(deployment: &Deployment, r: &Resolver<'_>) -> (Vec<Principal>, Vec<Attachments>) {
    let mut principals: Vec<Principal> = Vec::new();
    let mut attachments: Vec<Attachments> = Vec::new();
    let managed = ManagedPolicies::new(deployment, r);
    for (stack, template) in deployment.templates.iter().enumerate() {
        for resource in &template.resources {
            let (kind, arn_kind) = match resource.type_name() {
                "AWS::IAM::Role" => (PrincipalKind::Role, "Arn"),
                "AWS::IAM::User" => (PrincipalKind::User, "Arn"),
                _ => continue,
            };
            let trust = TrustFacts::read(resource.property("AssumeRolePolicyDocument"));
            principals.push(Principal {
                stack,
                logical_id: resource.logical_id.clone(),
                kind,
                span: resource.span,
                arn: r.attribute(stack, &resource.logical_id, arn_kind),
                cognito: Vec::new(),
                service_role: trust.service_role,
                trusted_services: trust.trusted_services,
                cognito_trust: trust.cognito,
            });
            attachments.push(Attachments {
                identity: own_policies(&managed, r, stack, resource),
                boundary: resource
                    .property("PermissionsBoundary")
                    .map(|node| managed.attachment(r, stack, node)),
            });
        }
    }
    let groups = Groups::new(deployment, r, &managed, &principals);
    for (index, policies) in groups.member_policies() {
        if let Some(a) = attachments.get_mut(index) {
            a.identity.extend(policies);
        }
    }
    attach_external_policies(deployment, r, &principals, &mut attachments);
    attach_cognito(deployment, r, &mut principals);
    (principals, attachments)
}

/// Inline `Policies` and `ManagedPolicyArns` of a role, user or group.
fn own_policies(
    managed: &ManagedPolicies,
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
        out.push(managed.attachment(r, stack, arn));
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

/// A list of values (`Roles: [a, !Ref B]`) or one value, resolved.
fn listed(r: &Resolver<'_>, stack: StackId, node: &Node) -> Vec<Value> {
    match node.as_seq() {
        Some(items) => items.iter().map(|n| r.resolve(stack, n)).collect(),
        None => vec![r.resolve(stack, node)],
    }
}

/// The deployment's own `AWS::IAM::ManagedPolicy` resources, by ARN.
struct ManagedPolicies<'d> {
    arns: ValueIndex,
    policies: Vec<(StackId, &'d Resource, &'d Node)>,
}

impl<'d> ManagedPolicies<'d> {
    fn new(deployment: &'d Deployment, r: &Resolver<'_>) -> ManagedPolicies<'d> {
        let mut policies = Vec::new();
        for (stack, template) in deployment.templates.iter().enumerate() {
            for policy in template
                .resources
                .iter()
                .filter(|p| p.type_name() == "AWS::IAM::ManagedPolicy")
            {
                if let Some(document) = policy.property("PolicyDocument") {
                    policies.push((stack, policy, document));
                }
            }
        }
        let arns = ValueIndex::new(
            policies
                .iter()
                .enumerate()
                .map(|(i, (stack, p, _))| (i, r.reference(*stack, &p.logical_id))),
        );
        ManagedPolicies { arns, policies }
    }

    /// A managed-policy ARN: the deployment's own `AWS::IAM::ManagedPolicy` when the ARN is one of
    /// them, else a `Managed` attachment to look up in the AWS managed-policy table.
    fn attachment(&self, r: &Resolver<'_>, stack: StackId, node: &Node) -> Attachment {
        let arn = r.resolve(stack, node);
        let found = self.arns.find(&arn);
        if let Some((policy_stack, policy, document)) =
            found.first().and_then(|i| self.policies.get(*i))
        {
            return Attachment::Document {
                stack: *policy_stack,
                name: policy.logical_id.clone(),
                document: (*document).clone(),
                span: document.span,
            };
        }
        Attachment::Managed {
            stack,
            arn,
            span: node.span,
        }
    }
}

/// The deployment's IAM groups: their policies and their members.
struct Groups {
    /// Per group: its policies.
    policies: Vec<Vec<Attachment>>,
    /// Per group: the principals (users) in it.
    members: Vec<Vec<usize>>,
}

impl Groups {
    /// Groups with their own policies, `AWS::IAM::Policy`/`ManagedPolicy` naming them in `Groups`,
    /// and members from `AWS::IAM::User.Groups` and `AWS::IAM::UserToGroupAddition`.
    fn new(
        deployment: &Deployment,
        r: &Resolver<'_>,
        managed: &ManagedPolicies<'_>,
        principals: &[Principal],
    ) -> Groups {
        let mut found: Vec<(StackId, &Resource)> = Vec::new();
        for (stack, template) in deployment.templates.iter().enumerate() {
            for resource in template
                .resources
                .iter()
                .filter(|g| g.type_name() == "AWS::IAM::Group")
            {
                found.push((stack, resource));
            }
        }
        let names = ValueIndex::new(
            found
                .iter()
                .enumerate()
                .map(|(i, (stack, g))| (i, r.reference(*stack, &g.logical_id))),
        );
        let mut groups = Groups {
            policies: found
                .iter()
                .map(|(stack, g)| own_policies(managed, r, *stack, g))
                .collect(),
            members: vec![Vec::new(); found.len()],
        };
        let users = ValueIndex::new(
            principals
                .iter()
                .enumerate()
                .filter(|(_, p)| p.kind == PrincipalKind::User)
                .map(|(i, p)| (i, r.reference(p.stack, &p.logical_id))),
        );
        for (index, principal) in principals.iter().enumerate() {
            let Some(user) = deployment
                .template(principal.stack)
                .and_then(|t| t.resource(&principal.logical_id))
                .filter(|_| principal.kind == PrincipalKind::User)
            else {
                continue;
            };
            for group in user
                .property("Groups")
                .map(|n| listed(r, principal.stack, n))
                .unwrap_or_default()
            {
                groups.add_member(names.find(&group), index);
            }
        }
        for (stack, template) in deployment.templates.iter().enumerate() {
            for resource in &template.resources {
                match resource.type_name() {
                    "AWS::IAM::UserToGroupAddition" => {
                        let Some(group) = resource.property("GroupName") else {
                            continue;
                        };
                        let group = names.find(&r.resolve(stack, group));
                        for user in resource
                            .property("Users")
                            .map(|n| listed(r, stack, n))
                            .unwrap_or_default()
                        {
                            for member in users.find(&user) {
                                groups.add_member(group.clone(), member);
                            }
                        }
                    }
                    "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" => {
                        let (Some(document), Some(listed_groups)) = (
                            resource.property("PolicyDocument"),
                            resource.property("Groups"),
                        ) else {
                            continue;
                        };
                        for group in listed(r, stack, listed_groups) {
                            for g in names.find(&group) {
                                if let Some(policies) = groups.policies.get_mut(g) {
                                    policies.push(Attachment::Document {
                                        stack,
                                        name: resource.logical_id.clone(),
                                        document: document.clone(),
                                        span: document.span,
                                    });
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        groups
    }

    fn add_member(&mut self, groups: Vec<usize>, member: usize) {
        for g in groups {
            if let Some(members) = self.members.get_mut(g)
                && !members.contains(&member)
            {
                members.push(member);
            }
        }
    }

    /// `(principal, policies of its groups)` for every member of a group.
    fn member_policies(self) -> Vec<(usize, Vec<Attachment>)> {
        let mut out = Vec::new();
        for (policies, members) in self.policies.into_iter().zip(self.members) {
            for member in members {
                out.push((member, policies.clone()));
            }
        }
        out
    }
}

/// `AWS::IAM::Policy`, `ManagedPolicy`, `RolePolicy` and `UserPolicy` resources that name a
/// principal (by `!Ref`, an imported name, or the literal name).
fn attach_external_policies(
    deployment: &Deployment,
    r: &Resolver<'_>,
    principals: &[Principal],
    attachments: &mut [Attachments],
) {
    let by_kind = |kind: PrincipalKind| {
        ValueIndex::new(
            principals
                .iter()
                .enumerate()
                .filter(|(_, p)| p.kind == kind)
                .map(|(i, p)| (i, r.reference(p.stack, &p.logical_id))),
        )
    };
    let roles = by_kind(PrincipalKind::Role);
    let users = by_kind(PrincipalKind::User);
    for (stack, template) in deployment.templates.iter().enumerate() {
        for policy in &template.resources {
            let targets: &[(&str, &ValueIndex)] = match policy.type_name() {
                "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" => {
                    &[("Roles", &roles), ("Users", &users)]
                }
                "AWS::IAM::RolePolicy" => &[("RoleName", &roles)],
                "AWS::IAM::UserPolicy" => &[("UserName", &users)],
                _ => continue,
            };
            let Some(document) = policy.property("PolicyDocument") else {
                continue;
            };
            for (property, index) in targets {
                let Some(node) = policy.property(property) else {
                    continue;
                };
                let mut owners: Vec<usize> = listed(r, stack, node)
                    .iter()
                    .flat_map(|name| index.find(name))
                    .collect();
                owners.sort_unstable();
                owners.dedup();
                for owner in owners {
                    if let Some(a) = attachments.get_mut(owner) {
                        a.identity.push(Attachment::Document {
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
    let roles = ValueIndex::new(
        principals
            .iter()
            .enumerate()
            .filter(|(_, p)| p.kind == PrincipalKind::Role)
            .map(|(i, p)| (i, p.arn.clone())),
    );
    let pools = IdentityPools::new(deployment, r);
    for (stack, template) in deployment.templates.iter().enumerate() {
        for resource in &template.resources {
            let identity_pool = resource
                .property("IdentityPoolId")
                .and_then(|id| pools.pool(&r.resolve(stack, id)));
            let mut mark = |node: &Node, grant: CognitoGrant| {
                for i in roles.find(&r.resolve(stack, node)) {
                    if let Some(principal) = principals.get_mut(i) {
                        principal.cognito.push(CognitoUse {
                            grant: grant.clone(),
                            stack,
                            resource: resource.logical_id.clone(),
                            span: node.span,
                            identity_pool: identity_pool.clone(),
                        });
                    }
                }
            };
            match resource.type_name() {
                "AWS::Cognito::IdentityPoolRoleAttachment" => {
                    let guests = resource
                        .property("IdentityPoolId")
                        .and_then(|id| pools.allows_guests(&r.resolve(stack, id)));
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
                            mark(node, grant);
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
                                mark(node, CognitoGrant::Rule);
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
                        mark(node, CognitoGrant::Group { group });
                    }
                }
                _ => {}
            }
        }
    }
}

/// The deployment's identity pools by id, with `AllowUnauthenticatedIdentities`.
struct IdentityPools {
    ids: ValueIndex,
    guests: Vec<bool>,
    /// (stack, logical id) of each pool, in index order.
    names: Vec<(StackId, String)>,
}

impl IdentityPools {
    fn new(deployment: &Deployment, r: &Resolver<'_>) -> IdentityPools {
        let mut ids = Vec::new();
        let mut guests = Vec::new();
        let mut names = Vec::new();
        for (stack, template) in deployment.templates.iter().enumerate() {
            for pool in template
                .resources
                .iter()
                .filter(|p| p.type_name() == "AWS::Cognito::IdentityPool")
            {
                ids.push((guests.len(), r.reference(stack, &pool.logical_id)));
                names.push((stack, pool.logical_id.clone()));
                guests.push(
                    pool.property("AllowUnauthenticatedIdentities")
                        .and_then(Node::as_bool)
                        .unwrap_or(false),
                );
            }
        }
        IdentityPools {
            ids: ValueIndex::new(ids),
            guests,
            names,
        }
    }

    /// The pool whose id `id` is.
    fn pool(&self, id: &Value) -> Option<(StackId, String)> {
        self.ids
            .find(id)
            .first()
            .and_then(|i| self.names.get(*i))
            .cloned()
    }

    /// `AllowUnauthenticatedIdentities` of the pool whose id `id` is.
    fn allows_guests(&self, id: &Value) -> Option<bool> {
        self.ids
            .find(id)
            .first()
            .and_then(|i| self.guests.get(*i))
            .copied()
    }
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
                ("sam.yaml", include_str!("../../fixtures/seed/sam.yaml")),
                ("cfn.yaml", include_str!("../../fixtures/seed/cfn.yaml")),
            ],
            &ResolveConfig::default(),
        );
        let r = d.resolver();
        let (all, attachments) = principals(&d, &r);
        let of = |name: &str| &attachments[all.iter().position(|p| p.logical_id == name).unwrap()];
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
        assert_eq!(of("CognitoAuthenticatedAdminRole").identity.len(), 1);
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
        assert_eq!(of("LambdaBackendRole").identity.len(), 2);
        assert!(
            of("LambdaBackendRole")
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
        let r = d.resolver();
        let (all, attachments) = principals(&d, &r);
        let of = |name: &str| &attachments[all.iter().position(|p| p.logical_id == name).unwrap()];
        let role = all.iter().find(|p| p.logical_id == "Role").unwrap();
        let names: Vec<&str> = of(&role.logical_id)
            .identity
            .iter()
            .filter_map(|a| match a {
                Attachment::Document { name, .. } => Some(name.as_str()),
                Attachment::Managed { .. } => None,
            })
            .collect();
        assert_eq!(names, ["Managed", "Attached"]);
        let user = all.iter().find(|p| p.logical_id == "User").unwrap();
        assert_eq!(of(&user.logical_id).identity.len(), 1);
    }
}
