//! Evaluator rules, one test each: action and resource matching, Not elements, explicit denies,
//! conditions, boundaries, unknown policies, symbols, route holes and Lambda ARN qualifiers.

use super::*;
use crate::iam::managed::managed_policy;
use crate::iam::pattern::TargetPart;
use crate::resolve::SymStr;

const API: &str = "arn:aws:execute-api:us-east-1:123456789012:abc123";
const FN: &str = "arn:aws:lambda:us-east-1:123456789012:function:name";
const INVOKE_API: &str = "execute-api:Invoke";
const INVOKE_FN: &str = "lambda:InvokeFunction";

/// A document with one statement per `(effect, action, resource)`; `extra` is spliced into each.
fn doc(statements: &[(&str, &str, &str)]) -> PolicyDocument {
    doc_with(statements, "")
}

fn doc_with(statements: &[(&str, &str, &str)], extra: &str) -> PolicyDocument {
    let body: Vec<String> = statements
        .iter()
        .map(|(effect, action, resource)| {
            format!(r#"{{"Effect": "{effect}", {action}, {resource}{extra}}}"#)
        })
        .collect();
    let json = format!(
        r#"{{"Version": "2012-10-17", "Statement": [{}]}}"#,
        body.join(", ")
    );
    PolicyDocument::from_json(&json).unwrap_or_else(|| panic!("bad JSON: {json}"))
}

fn action(a: &str) -> String {
    format!(r#""Action": "{a}""#)
}

fn resource(r: &str) -> String {
    format!(r#""Resource": "{r}""#)
}

fn known<'a>(document: &'a PolicyDocument, label: &str) -> PolicySource<'a> {
    PolicySource::Known {
        document,
        origin: PolicyOrigin::new(label, None),
    }
}

fn allow(a: &str, r: &str) -> PolicyDocument {
    doc(&[("Allow", &action(a), &resource(r))])
}

fn decide(document: &PolicyDocument, act: &str, target: &Target) -> Decision {
    evaluate(&[known(document, "Role policy")], None, act, target)
}

fn route(verb: Option<&str>, path: &[TargetPart]) -> Target {
    let mut target = Target::literal(&format!("{API}/prod/"));
    target.push(match verb {
        Some(v) => TargetPart::Literal(v.into()),
        None => TargetPart::AnyVerb,
    });
    for part in path {
        target.push(part.clone());
    }
    target
}

fn lit(text: &str) -> TargetPart {
    TargetPart::Literal(text.into())
}

fn get_items() -> Target {
    route(Some("GET"), &[lit("/items")])
}

fn reasons(decision: &Decision) -> Vec<String> {
    match decision {
        Decision::Conditional { reasons, .. } => reasons.clone(),
        other => panic!("expected conditional, got {other:?}"),
    }
}

fn denied(reason: DenialReason) -> Decision {
    Decision::Denied {
        reason,
        denies: Vec::new(),
    }
}

#[test]
fn wildcard_actions_grant() {
    let target = get_items();
    for a in [
        "execute-api:*",
        "*",
        "EXECUTE-API:invoke",
        "execute-api:Inv?ke",
        "*:*",
    ] {
        let document = allow(a, "arn:aws:execute-api:*:*:*");
        assert!(decide(&document, INVOKE_API, &target).is_allowed(), "{a}");
    }
    let lambda_only = allow("lambda:*", "*");
    assert_eq!(
        decide(&lambda_only, INVOKE_API, &target),
        denied(DenialReason::NoAllow)
    );
    let no_colon = allow("execute-api", "*");
    assert_eq!(
        decide(&no_colon, INVOKE_API, &target),
        denied(DenialReason::NoAllow)
    );
}

#[test]
fn lambda_invoke_star_grants_invoke_function() {
    let document = allow("lambda:Invoke*", "*");
    let target = Target::literal(FN);
    assert_eq!(
        decide(&document, INVOKE_FN, &target),
        Decision::Allowed {
            grants: vec![StatementRef {
                boundary: false,
                resource: false,
                policy: 0,
                statement: 0,
                span: document.statements[0].span,
            }]
        }
    );
}

#[test]
fn not_action_grants_everything_else() {
    let power = managed_policy("arn:aws:iam::aws:policy/PowerUserAccess").unwrap();
    let source = || known(&power.document, "PowerUserAccess");
    assert!(evaluate(&[source()], None, INVOKE_API, &get_items()).is_allowed());
    assert!(evaluate(&[source()], None, INVOKE_FN, &Target::literal(FN)).is_allowed());
    let except_lambda = doc(&[(
        "Allow",
        r#""NotAction": ["iam:*", "lambda:*"]"#,
        &resource("*"),
    )]);
    assert_eq!(
        decide(&except_lambda, INVOKE_FN, &Target::literal(FN)),
        denied(DenialReason::NoAllow)
    );
    assert!(decide(&except_lambda, INVOKE_API, &get_items()).is_allowed());
}

#[test]
fn not_resource_grants_everything_else() {
    let target = Target::literal(FN);
    let elsewhere = doc(&[(
        "Allow",
        &action(INVOKE_FN),
        r#""NotResource": "arn:aws:lambda:*:*:function:other*""#,
    )]);
    assert!(decide(&elsewhere, INVOKE_FN, &target).is_allowed());
    let excluded = doc(&[(
        "Allow",
        &action(INVOKE_FN),
        r#""NotResource": ["arn:aws:lambda:*:*:function:na*"]"#,
    )]);
    assert_eq!(
        decide(&excluded, INVOKE_FN, &target),
        denied(DenialReason::NoAllow)
    );
    let proxy = route(Some("GET"), &[lit("/"), TargetPart::AnyPath]);
    let partly = doc(&[(
        "Allow",
        &action(INVOKE_API),
        &format!(r#""NotResource": "{API}/prod/GET/admin/*""#),
    )]);
    let why = reasons(&decide(&partly, INVOKE_API, &proxy));
    assert!(why[0].contains("covers only some requests"), "{why:?}");
}

#[test]
fn an_unqualified_function_arn_does_not_cover_the_alias() {
    let alias = Target::literal(&format!("{FN}:live"));
    let unqualified = allow(INVOKE_FN, FN);
    assert_eq!(
        decide(&unqualified, INVOKE_FN, &alias),
        denied(DenialReason::NoAllow)
    );
    for r in [format!("{FN}*"), format!("{FN}:*"), format!("{FN}:live")] {
        assert!(
            decide(&allow(INVOKE_FN, &r), INVOKE_FN, &alias).is_allowed(),
            "{r}"
        );
    }
    assert!(decide(&unqualified, INVOKE_FN, &Target::literal(FN)).is_allowed());
}

#[test]
fn any_routes_need_every_verb() {
    let any = route(None, &[lit("/path")]).with_label("ANY /path");
    let get_only = allow(INVOKE_API, &format!("{API}/prod/GET/path"));
    let why = reasons(&decide(&get_only, INVOKE_API, &any));
    assert_eq!(
        why,
        vec!["Role policy, statement 1 covers only some requests to ANY /path".to_string()]
    );
    assert!(
        decide(
            &allow(INVOKE_API, &format!("{API}/*/*/path")),
            INVOKE_API,
            &any
        )
        .is_allowed()
    );
    // One statement per verb adds up to the whole route.
    let resource_of = |verb: &&str| resource(&format!("{API}/prod/{verb}/path"));
    let per_verb: Vec<String> = crate::iam::pattern::HTTP_VERBS
        .iter()
        .map(resource_of)
        .collect();
    let invoke = action(INVOKE_API);
    let statements: Vec<(&str, &str, &str)> = per_verb
        .iter()
        .map(|r| ("Allow", invoke.as_str(), r.as_str()))
        .collect();
    let every_verb = doc(&statements);
    match decide(&every_verb, INVOKE_API, &any) {
        Decision::Allowed { grants } => assert_eq!(grants.len(), 7),
        other => panic!("{other:?}"),
    }
    let all_but_options = doc(statements.get(..6).unwrap());
    assert!(matches!(
        decide(&all_but_options, INVOKE_API, &any),
        Decision::Conditional { .. }
    ));
}

#[test]
fn path_parameters_need_a_wildcard() {
    let item =
        route(Some("GET"), &[lit("/items/"), TargetPart::AnySegment]).with_label("GET /items/{id}");
    let star = allow(INVOKE_API, &format!("{API}/prod/GET/items/*"));
    assert!(decide(&star, INVOKE_API, &item).is_allowed());
    let one = allow(INVOKE_API, &format!("{API}/prod/GET/items/abc"));
    let decision = decide(&one, INVOKE_API, &item);
    assert_eq!(
        reasons(&decision),
        vec!["Role policy, statement 1 covers only some requests to GET /items/{id}".to_string()]
    );
    let Decision::Conditional { grants, .. } = decision else {
        unreachable!()
    };
    assert_eq!(grants.len(), 1);
}

fn symbolic_route() -> Target {
    let api = Symbol::PhysicalId {
        stack: 0,
        logical_id: "AdminApi".into(),
        unique: true,
    };
    let mut arn = SymStr::literal("arn:aws:execute-api:");
    arn.push_symbol(Symbol::Region);
    arn.push_literal(":");
    arn.push_symbol(Symbol::AccountId);
    arn.push_literal(":");
    arn.push_symbol(api);
    arn.push_literal("/prod/GET/admin");
    Target::from_sym_str(&arn)
}

fn symbolic_doc(resource_value: Value) -> PolicyDocument {
    let mut document = allow(INVOKE_API, "placeholder");
    document.statements[0].resources = ResourceSet::Resource(vec![resource_value]);
    document
}

#[test]
fn symbols_match_themselves_and_literals_are_unknown() {
    let target = symbolic_route();
    let api = Symbol::PhysicalId {
        stack: 0,
        logical_id: "AdminApi".into(),
        unique: true,
    };
    let mut same = SymStr::literal("arn:aws:execute-api:*:");
    same.push_symbol(Symbol::AccountId);
    same.push_literal(":");
    same.push_symbol(api);
    same.push_literal("/*");
    assert!(decide(&symbolic_doc(Value::Str(same)), INVOKE_API, &target).is_allowed());

    let literal = symbolic_doc(Value::literal(
        "arn:aws:execute-api:*:123456789012:abc123/*",
    ));
    let why = reasons(&decide(&literal, INVOKE_API, &target));
    assert_eq!(
        why,
        vec![
            "the Resource of Role policy, statement 1 depends on ${AWS::AccountId}, ${AdminApi}"
                .to_string()
        ]
    );
    let env = symbolic_doc(Value::Str({
        let mut s = SymStr::literal("arn:aws:execute-api:*:*:");
        s.push_symbol(Symbol::Parameter("Env".into()));
        s.push_literal("/*");
        s
    }));
    let why = reasons(&decide(&env, INVOKE_API, &target));
    assert!(why[0].contains("depends on ${Env}"), "{why:?}");
}

#[test]
fn unknown_and_alternative_resources_are_conditional() {
    let target = get_items();
    let unknown = symbolic_doc(Value::unknown("Fn::GetAZs is not evaluated"));
    let why = reasons(&decide(&unknown, INVOKE_API, &target));
    assert!(why[0].contains("is not known (Fn::GetAZs"), "{why:?}");
    let disagree = symbolic_doc(Value::Alternatives(vec![
        Value::literal("*"),
        Value::literal("arn:aws:s3:::b"),
    ]));
    let why = reasons(&decide(&disagree, INVOKE_API, &target));
    assert!(why[0].contains("template condition"), "{why:?}");
    let agree = symbolic_doc(Value::Alternatives(vec![
        Value::literal("*"),
        Value::literal(format!("{API}/*")),
    ]));
    assert!(decide(&agree, INVOKE_API, &target).is_allowed());
    let never = symbolic_doc(Value::Alternatives(vec![
        Value::literal("arn:aws:s3:::a"),
        Value::literal("arn:aws:s3:::b"),
    ]));
    assert_eq!(
        decide(&never, INVOKE_API, &target),
        denied(DenialReason::NoAllow)
    );
}

#[test]
fn uncertain_actions_are_conditional() {
    let mut document = allow("s3:GetObject", "*");
    document.statements[0].uncertain_actions = vec![Value::symbol(Symbol::Parameter("A".into()))];
    let why = reasons(&decide(&document, INVOKE_API, &get_items()));
    assert_eq!(
        why,
        vec!["the Action of Role policy, statement 1 is not known".to_string()]
    );
    document.statements[0].uncertain_actions = vec![Value::Alternatives(vec![
        Value::literal("execute-api:*"),
        Value::literal("*"),
    ])];
    assert!(decide(&document, INVOKE_API, &get_items()).is_allowed());
}

#[test]
fn conditions_and_template_conditions_make_grants_conditional() {
    let conditioned = doc_with(
        &[("Allow", &action(INVOKE_API), &resource("*"))],
        r#", "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}"#,
    );
    assert_eq!(
        reasons(&decide(&conditioned, INVOKE_API, &get_items())),
        vec!["Role policy, statement 1 has a Condition on aws:SourceIp".to_string()]
    );
    let mut only_in_prod = allow(INVOKE_API, "*");
    only_in_prod.statements[0].only_if = Some("the template condition IsProd is true".into());
    assert_eq!(
        reasons(&decide(&only_in_prod, INVOKE_API, &get_items())),
        vec![
            "Role policy, statement 1 exists only when the template condition IsProd is true"
                .to_string()
        ]
    );
}

#[test]
fn policy_variables_are_conditional() {
    let document = allow(INVOKE_API, &format!("{API}/prod/GET/${{aws:username}}"));
    let target = route(Some("GET"), &[lit("/alice")]);
    let why = reasons(&decide(&document, INVOKE_API, &target));
    assert!(
        why[0].contains("policy variable ${aws:username}"),
        "{why:?}"
    );
}

#[test]
fn explicit_deny_wins() {
    let document = doc(&[
        ("Allow", &action("*"), &resource("*")),
        (
            "Deny",
            &action("execute-api:*"),
            &resource(&format!("{API}/*")),
        ),
    ]);
    match decide(&document, INVOKE_API, &get_items()) {
        Decision::Denied {
            reason: DenialReason::ExplicitDeny,
            denies,
        } => {
            assert_eq!(denies.len(), 1);
            assert_eq!(denies[0].statement, 1);
        }
        other => panic!("{other:?}"),
    }
    // A deny of other actions or resources changes nothing.
    let elsewhere = doc(&[
        ("Allow", &action("*"), &resource("*")),
        ("Deny", &action("lambda:*"), &resource("*")),
        ("Deny", &action("*"), &resource("arn:aws:s3:::*")),
    ]);
    assert!(decide(&elsewhere, INVOKE_API, &get_items()).is_allowed());
}

#[test]
fn a_deny_that_may_apply_makes_an_allow_conditional() {
    let conditional_deny = doc_with(
        &[
            ("Allow", &action("*"), &resource("*")),
            ("Deny", &action("*"), &resource("*")),
        ],
        r#", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}"#,
    );
    // Both statements carry the condition: the grant is conditional too.
    let why = reasons(&decide(&conditional_deny, INVOKE_API, &get_items()));
    assert!(
        why.iter()
            .any(|r| r.starts_with("a Deny may apply: Role policy, statement 2 has a Condition")),
        "{why:?}"
    );

    let any = route(None, &[lit("/path")]);
    let partial_deny = doc(&[
        ("Allow", &action("*"), &resource("*")),
        (
            "Deny",
            &action(INVOKE_API),
            &resource(&format!("{API}/prod/DELETE/*")),
        ),
    ]);
    let decision = decide(&partial_deny, INVOKE_API, &any);
    let why = reasons(&decision);
    assert!(
        why[0].starts_with("a Deny may apply: Role policy, statement 2 covers only some"),
        "{why:?}"
    );
    let Decision::Conditional { grants, .. } = decision else {
        unreachable!()
    };
    assert_eq!(grants.len(), 1);
}

#[test]
fn the_boundary_must_allow_too() {
    let everything = allow("*", "*");
    let identity = [known(&everything, "Role policy")];
    let target = get_items();
    let lambda_only = allow("lambda:*", "*");
    assert_eq!(
        evaluate(
            &identity,
            Some(&[known(&lambda_only, "Boundary")]),
            INVOKE_API,
            &target
        ),
        denied(DenialReason::Boundary)
    );
    let api_only = allow("execute-api:*", "*");
    match evaluate(
        &identity,
        Some(&[known(&api_only, "Boundary")]),
        INVOKE_API,
        &target,
    ) {
        Decision::Allowed { grants } => {
            assert_eq!(grants.len(), 2);
            assert!(grants[1].boundary);
        }
        other => panic!("{other:?}"),
    }
    let other_stage = allow("execute-api:*", &format!("{API}/dev/*"));
    assert_eq!(
        evaluate(
            &identity,
            Some(&[known(&other_stage, "Boundary")]),
            INVOKE_API,
            &target
        ),
        denied(DenialReason::Boundary)
    );
    let boundary_deny = doc(&[
        ("Allow", &action("*"), &resource("*")),
        ("Deny", &action(INVOKE_API), &resource("*")),
    ]);
    match evaluate(
        &identity,
        Some(&[known(&boundary_deny, "Boundary")]),
        INVOKE_API,
        &target,
    ) {
        Decision::Denied {
            reason: DenialReason::ExplicitDeny,
            denies,
        } => assert!(denies[0].boundary),
        other => panic!("{other:?}"),
    }
    let unknown = PolicySource::Unknown {
        reason: "not in the table".into(),
        origin: PolicyOrigin::new("Boundary arn:aws:iam::aws:policy/Mystery", None),
    };
    let why = reasons(&evaluate(&identity, Some(&[unknown]), INVOKE_API, &target));
    assert_eq!(
        why,
        vec!["Boundary arn:aws:iam::aws:policy/Mystery is not known: not in the table".to_string()]
    );
    // The identity policies must still allow: the boundary grants nothing by itself.
    assert_eq!(
        evaluate(
            &[],
            Some(&[known(&api_only, "Boundary")]),
            INVOKE_API,
            &target
        ),
        denied(DenialReason::NoAllow)
    );
}

#[test]
fn unknown_policies_never_allow_and_never_deny() {
    let unknown = || PolicySource::Unknown {
        reason: "a managed policy not in the table".into(),
        origin: PolicyOrigin::new("Role managed policy Mystery", None),
    };
    let target = get_items();
    let why = reasons(&evaluate(&[unknown()], None, INVOKE_API, &target));
    assert_eq!(
        why,
        vec![
            "Role managed policy Mystery is not known: a managed policy not in the table"
                .to_string()
        ]
    );
    let nothing = allow("s3:*", "*");
    assert!(matches!(
        evaluate(
            &[known(&nothing, "Role policy"), unknown()],
            None,
            INVOKE_API,
            &target
        ),
        Decision::Conditional { .. }
    ));
    let everything = allow("*", "*");
    assert!(
        evaluate(
            &[unknown(), known(&everything, "Role policy")],
            None,
            INVOKE_API,
            &target
        )
        .is_allowed()
    );
    assert_eq!(
        evaluate(&[], None, INVOKE_API, &target),
        denied(DenialReason::NoAllow)
    );
}

#[test]
fn statement_refs_point_at_the_deciding_statement() {
    let first = allow("s3:*", "*");
    let second = doc(&[
        ("Allow", &action("lambda:*"), &resource("*")),
        ("Allow", &action(INVOKE_API), &resource("*")),
    ]);
    let decision = evaluate(
        &[known(&first, "A"), known(&second, "B")],
        None,
        INVOKE_API,
        &get_items(),
    );
    assert_eq!(
        decision,
        Decision::Allowed {
            grants: vec![StatementRef {
                boundary: false,
                resource: false,
                policy: 1,
                statement: 1,
                span: second.statements[1].span,
            }]
        }
    );
    assert_eq!(decision.as_str(), "allowed");
    assert_eq!(decision.to_string(), "allowed");
}

mod seed {
    //! The article's stacks end to end: the admin role's policy, read from cfn.yaml, against the
    //! route and function of sam.yaml, with the API id as a symbol shared through `Fn::ImportValue`.

    use super::*;
    use crate::deployment::Deployment;
    use crate::deployment_from_texts;
    use crate::load::Node;

    const SAM: &str = include_str!("../../../fixtures/seed/sam.yaml");
    const CFN: &str = include_str!("../../../fixtures/seed/cfn.yaml");

    fn deployment(cfn: &str) -> Deployment {
        let (deployment, errors) =
            deployment_from_texts(&[("sam.yaml", SAM), ("cfn.yaml", cfn)], &Default::default());
        assert!(errors.is_empty(), "{errors:?}");
        deployment
    }

    fn admin_policy(deployment: &Deployment) -> PolicyDocument {
        let role = deployment.templates[1]
            .resource("CognitoAuthenticatedAdminRole")
            .unwrap();
        let policies = role.property("Policies").and_then(Node::as_seq).unwrap();
        let document = policies[0].get("PolicyDocument").unwrap();
        PolicyDocument::from_node(document, 1, &deployment.resolver())
    }

    fn admin_route(deployment: &Deployment) -> Target {
        let resolver = deployment.resolver();
        let api_id = resolver.reference(0, "AdminApiResource");
        Target::new()
            .with(lit("arn:aws:execute-api:"))
            .with(TargetPart::Symbol(Symbol::Region))
            .with(lit(":"))
            .with(TargetPart::Symbol(Symbol::AccountId))
            .with(lit(":"))
            .with_sym_str(api_id.as_str().unwrap())
            .with(lit("/api/GET/tech4all"))
            .with_label("GET /tech4all")
    }

    fn function(deployment: &Deployment, alias: Option<&str>) -> Target {
        let arn =
            crate::resolve::resources::attribute(&deployment.resolver(), 0, "GetTech4All", "Arn");
        let target = Target::from_sym_str(arn.as_str().unwrap());
        match alias {
            Some(alias) => target.with(lit(&format!(":{alias}"))),
            None => target,
        }
    }

    #[test]
    fn the_published_admin_role_may_call_its_route_and_function() {
        let deployment = deployment(CFN);
        let policy = admin_policy(&deployment);
        let sources = [known(&policy, "CognitoAuthenticatedAdminRole policy")];
        let route = admin_route(&deployment);
        let api = evaluate(&sources, None, INVOKE_API, &route);
        assert!(api.is_allowed(), "{api:?}");
        let invoke = evaluate(&sources, None, INVOKE_FN, &function(&deployment, None));
        assert!(invoke.is_allowed(), "{invoke:?}");
        // With `AutoPublishAlias: live` API Gateway invokes the alias, which the grant misses.
        let alias = evaluate(
            &sources,
            None,
            INVOKE_FN,
            &function(&deployment, Some("live")),
        );
        assert_eq!(alias, denied(DenialReason::NoAllow));
    }

    #[test]
    fn without_the_lambda_statement_the_invoke_is_denied() {
        let start = CFN.find("              - Sid: Lambda").unwrap();
        let end = CFN.get(start..).unwrap().find("\n\n").unwrap() + start;
        let cfn = format!("{}{}", CFN.get(..start).unwrap(), CFN.get(end..).unwrap());
        let deployment = deployment(&cfn);
        let policy = admin_policy(&deployment);
        let sources = [known(&policy, "CognitoAuthenticatedAdminRole policy")];
        assert!(evaluate(&sources, None, INVOKE_API, &admin_route(&deployment)).is_allowed());
        assert_eq!(
            evaluate(&sources, None, INVOKE_FN, &function(&deployment, None)),
            denied(DenialReason::NoAllow)
        );
    }
}

mod resource_policies {
    //! Resource-based policies: same account (either side grants), cross account (both must), denies,
    //! boundaries against grants to the role ARN or to `*`, principal forms, symbolic accounts.

    use super::*;
    use crate::iam::policy::{PrincipalEntry, PrincipalSet};

    const OWNER: &str = "123456789012";
    const OTHER: &str = "210987654321";
    const ROLE: &str = "arn:aws:iam::123456789012:role/app";

    /// A resource policy with one statement per `(effect, principal JSON)`, for `action` on `*`.
    fn resource_doc(statements: &[(&str, &str)], act: &str) -> PolicyDocument {
        let body: Vec<String> = statements
            .iter()
            .map(|(effect, principal)| {
                format!(
                    r#"{{"Effect": "{effect}", "Principal": {principal}, "Action": "{act}", "Resource": "*"}}"#
                )
            })
            .collect();
        let json = format!(
            r#"{{"Version": "2012-10-17", "Statement": [{}]}}"#,
            body.join(", ")
        );
        PolicyDocument::from_json(&json).unwrap_or_else(|| panic!("bad JSON: {json}"))
    }

    /// Decides for the caller `arn` of `account` against a resource of `owner`.
    fn request(
        identity: &[PolicySource<'_>],
        boundary: Option<&[PolicySource<'_>]>,
        resource: &[PolicySource<'_>],
        arn: &SymStr,
        account: &SymStr,
        owner: &SymStr,
    ) -> Decision {
        let policy = ResourcePolicy {
            sources: resource,
            account: owner,
        };
        let caller = Caller { arn, account };
        evaluate_request(
            identity,
            boundary,
            Some(&policy),
            &caller,
            INVOKE_API,
            &get_items(),
        )
    }

    fn same(
        identity: &[PolicySource<'_>],
        boundary: Option<&[PolicySource<'_>]>,
        resource: &[PolicySource<'_>],
    ) -> Decision {
        let (arn, account) = (SymStr::literal(ROLE), SymStr::literal(OWNER));
        request(identity, boundary, resource, &arn, &account, &account)
    }

    fn cross(
        identity: &[PolicySource<'_>],
        boundary: Option<&[PolicySource<'_>]>,
        resource: &[PolicySource<'_>],
    ) -> Decision {
        let arn = SymStr::literal("arn:aws:iam::210987654321:role/app");
        let (account, owner) = (SymStr::literal(OTHER), SymStr::literal(OWNER));
        request(identity, boundary, resource, &arn, &account, &owner)
    }

    fn role_principal() -> String {
        format!(r#"{{"AWS": "{ROLE}"}}"#)
    }

    #[test]
    fn a_same_account_resource_grant_alone_allows() {
        let grant = resource_doc(&[("Allow", &role_principal())], INVOKE_API);
        match same(&[], None, &[known(&grant, "Api policy")]) {
            Decision::Allowed { grants } => {
                assert_eq!(grants.len(), 1);
                assert!(grants[0].resource && !grants[0].boundary);
            }
            other => panic!("{other:?}"),
        }
        // Either side suffices: the identity grant alone too.
        let everything = allow("*", "*");
        assert!(same(&[known(&everything, "Role policy")], None, &[]).is_allowed());
        // Neither side: no allow.
        assert_eq!(same(&[], None, &[]), denied(DenialReason::NoAllow));
        // A grant for another action, or to someone else, grants nothing.
        let lambda = resource_doc(&[("Allow", &role_principal())], INVOKE_FN);
        assert_eq!(
            same(&[], None, &[known(&lambda, "Fn policy")]),
            denied(DenialReason::NoAllow)
        );
        let other_role = resource_doc(
            &[(
                "Allow",
                r#"{"AWS": "arn:aws:iam::123456789012:role/other"}"#,
            )],
            INVOKE_API,
        );
        assert_eq!(
            same(&[], None, &[known(&other_role, "Api policy")]),
            denied(DenialReason::NoAllow)
        );
    }

    #[test]
    fn an_account_principal_delegates_to_the_identity_policies() {
        for principal in [
            r#"{"AWS": "123456789012"}"#,
            r#"{"AWS": "arn:aws:iam::123456789012:root"}"#,
        ] {
            let account = resource_doc(&[("Allow", principal)], INVOKE_API);
            let resource = [known(&account, "Api policy")];
            assert_eq!(
                same(&[], None, &resource),
                denied(DenialReason::NoAllow),
                "{principal}"
            );
            let everything = allow("*", "*");
            assert!(same(&[known(&everything, "Role policy")], None, &resource).is_allowed());
        }
    }

    #[test]
    fn cross_account_needs_both_sides() {
        let everything = allow("*", "*");
        let identity = [known(&everything, "Role policy")];
        let to_caller = resource_doc(
            &[("Allow", r#"{"AWS": "arn:aws:iam::210987654321:role/app"}"#)],
            INVOKE_API,
        );
        let resource = [known(&to_caller, "Api policy")];
        assert!(cross(&identity, None, &resource).is_allowed());
        assert_eq!(cross(&[], None, &resource), denied(DenialReason::NoAllow));
        assert_eq!(
            cross(&identity, None, &[]),
            denied(DenialReason::ResourcePolicy)
        );
        // The account of the caller is enough on the resource side, cross-account.
        let to_account = resource_doc(&[("Allow", r#"{"AWS": "210987654321"}"#)], INVOKE_API);
        assert!(cross(&identity, None, &[known(&to_account, "Api policy")]).is_allowed());
        // The resource owner's own account is not the caller's.
        let to_owner = resource_doc(&[("Allow", r#"{"AWS": "123456789012"}"#)], INVOKE_API);
        assert_eq!(
            cross(&identity, None, &[known(&to_owner, "Api policy")]),
            denied(DenialReason::ResourcePolicy)
        );
        // Cross-account, the boundary still limits.
        let lambda_only = allow("lambda:*", "*");
        assert_eq!(
            cross(
                &identity,
                Some(&[known(&lambda_only, "Boundary")]),
                &resource
            ),
            denied(DenialReason::Boundary)
        );
    }

    #[test]
    fn a_deny_in_the_resource_policy_blocks() {
        let everything = allow("*", "*");
        let identity = [known(&everything, "Role policy")];
        for principal in [
            role_principal(),
            r#""*""#.to_string(),
            r#"{"AWS": "123456789012"}"#.to_string(),
        ] {
            let deny = resource_doc(&[("Deny", &principal)], INVOKE_API);
            match same(&identity, None, &[known(&deny, "Api policy")]) {
                Decision::Denied {
                    reason: DenialReason::ExplicitDeny,
                    denies,
                } => assert!(denies[0].resource, "{principal}"),
                other => panic!("{principal}: {other:?}"),
            }
        }
        // A deny naming someone else changes nothing.
        let elsewhere = resource_doc(&[("Deny", r#"{"AWS": "210987654321"}"#)], INVOKE_API);
        assert!(same(&identity, None, &[known(&elsewhere, "Api policy")]).is_allowed());
        let service = resource_doc(
            &[("Deny", r#"{"Service": "apigateway.amazonaws.com"}"#)],
            INVOKE_API,
        );
        assert!(same(&identity, None, &[known(&service, "Api policy")]).is_allowed());
    }

    #[test]
    fn the_boundary_limits_a_grant_to_the_role_but_not_to_everyone() {
        let lambda_only = allow("lambda:*", "*");
        let boundary = [known(&lambda_only, "Boundary")];
        let to_role = resource_doc(&[("Allow", &role_principal())], INVOKE_API);
        assert_eq!(
            same(&[], Some(&boundary), &[known(&to_role, "Api policy")]),
            denied(DenialReason::Boundary)
        );
        let api_only = allow("execute-api:*", "*");
        assert!(
            same(
                &[],
                Some(&[known(&api_only, "Boundary")]),
                &[known(&to_role, "Api policy")]
            )
            .is_allowed()
        );
        // `*` names the session itself: the boundary does not limit it.
        for anyone in [r#""*""#, r#"{"AWS": "*"}"#] {
            let public = resource_doc(&[("Allow", anyone)], INVOKE_API);
            assert!(
                same(&[], Some(&boundary), &[known(&public, "Api policy")]).is_allowed(),
                "{anyone}"
            );
        }
        // Nor a grant to an IAM user named by its ARN.
        let user = SymStr::literal("arn:aws:iam::123456789012:user/alice");
        let owner = SymStr::literal(OWNER);
        let to_user = resource_doc(
            &[(
                "Allow",
                r#"{"AWS": "arn:aws:iam::123456789012:user/alice"}"#,
            )],
            INVOKE_API,
        );
        assert!(
            request(
                &[],
                Some(&boundary),
                &[known(&to_user, "Api policy")],
                &user,
                &owner,
                &owner
            )
            .is_allowed()
        );
    }

    #[test]
    fn not_principal() {
        let others = resource_doc(&[], INVOKE_API);
        let mut document = others.clone();
        let mut statement = resource_doc(&[("Allow", r#""*""#)], INVOKE_API).statements[0].clone();
        statement.principals = Some(PrincipalSet::NotPrincipal(vec![PrincipalEntry::Aws(
            Value::literal("arn:aws:iam::999999999999:root"),
        )]));
        document.statements.push(statement.clone());
        assert!(same(&[], None, &[known(&document, "Api policy")]).is_allowed());
        // Naming the caller's role: how IAM treats the session is not modelled.
        statement.principals = Some(PrincipalSet::NotPrincipal(vec![PrincipalEntry::Aws(
            Value::literal(ROLE),
        )]));
        let mut naming = others.clone();
        naming.statements.push(statement.clone());
        let why = reasons(&same(&[], None, &[known(&naming, "Api policy")]));
        assert!(why[0].contains("NotPrincipal"), "{why:?}");
        // A NotPrincipal Deny always applies to a caller with a boundary.
        statement.effect = Effect::Deny;
        let mut deny = others;
        deny.statements.push(statement);
        let everything = allow("*", "*");
        let identity = [known(&everything, "Role policy")];
        assert!(matches!(
            same(&identity, None, &[known(&deny, "Api policy")]),
            Decision::Conditional { .. }
        ));
        assert!(
            same(
                &identity,
                Some(&[known(&everything, "Boundary")]),
                &[known(&deny, "Api policy")]
            )
            .is_denied()
        );
    }

    #[test]
    fn symbolic_accounts_make_the_answer_conditional() {
        let mut arn = SymStr::literal("arn:aws:iam::");
        arn.push_symbol(Symbol::AccountId);
        arn.push_literal(":role/app");
        let account = SymStr::symbol(Symbol::AccountId);
        let literal_owner = SymStr::literal(OWNER);
        // The role ARN with the same symbols is the caller, in the same (symbolic) account.
        let principal = arn.clone();
        let mut document = resource_doc(&[("Allow", r#""*""#)], INVOKE_API);
        document.statements[0].principals =
            Some(PrincipalSet::Principal(vec![PrincipalEntry::Aws(
                Value::Str(principal),
            )]));
        let resource = [known(&document, "Api policy")];
        assert!(request(&[], None, &resource, &arn, &account, &account).is_allowed());
        // A literal owner account against the symbolic caller account: same or cross is unknown.
        let decision = request(&[], None, &resource, &arn, &account, &literal_owner);
        let why = reasons(&decision);
        assert!(
            why[0].contains("whether the caller's account ${AWS::AccountId} is the resource's account 123456789012"),
            "{why:?}"
        );
        // A literal account id against a symbolic caller account: the principal may or may not match.
        let everything = allow("*", "*");
        let by_account = resource_doc(&[("Allow", r#"{"AWS": "123456789012"}"#)], INVOKE_API);
        let other_owner = SymStr::symbol(Symbol::Parameter("Owner".into()));
        let why = reasons(&request(
            &[known(&everything, "Role policy")],
            None,
            &[known(&by_account, "Api policy")],
            &arn,
            &account,
            &other_owner,
        ));
        assert!(
            why.iter()
                .any(|r| r.contains("names the account 123456789012")),
            "{why:?}"
        );
        // Literal heads or tails that differ decide even with symbols.
        let mut other_role = SymStr::literal("arn:aws:iam::");
        other_role.push_symbol(Symbol::AccountId);
        other_role.push_literal(":role/other");
        let mut to_other = document.clone();
        to_other.statements[0].principals =
            Some(PrincipalSet::Principal(vec![PrincipalEntry::Aws(
                Value::Str(other_role),
            )]));
        assert_eq!(
            request(
                &[],
                None,
                &[known(&to_other, "Api policy")],
                &arn,
                &account,
                &account
            ),
            denied(DenialReason::NoAllow)
        );
    }

    #[test]
    fn lambda_permissions_as_resource_grants() {
        let function = Target::literal(FN);
        let permission = |principal: &str, condition: bool| {
            let statement = Statement::resource_grant(
                PrincipalSet::of_permission_principal(&Value::literal(principal)),
                vec![INVOKE_FN.to_string()],
                vec![Value::literal(FN)],
                condition,
                Span::default(),
            );
            PolicyDocument {
                statements: vec![statement],
                ..PolicyDocument::default()
            }
        };
        let (arn, account) = (SymStr::literal(ROLE), SymStr::literal(OWNER));
        let caller = Caller {
            arn: &arn,
            account: &account,
        };
        let decide_with = |document: &PolicyDocument| {
            let sources = [known(document, "Permission")];
            let policy = ResourcePolicy {
                sources: &sources,
                account: &account,
            };
            evaluate_request(&[], None, Some(&policy), &caller, INVOKE_FN, &function)
        };
        assert!(decide_with(&permission(ROLE, false)).is_allowed());
        assert!(decide_with(&permission("*", false)).is_allowed());
        // The usual API Gateway permission does not let the caller invoke.
        assert_eq!(
            decide_with(&permission("apigateway.amazonaws.com", false)),
            denied(DenialReason::NoAllow)
        );
        // The account delegates to the caller's (empty) identity policies.
        assert_eq!(
            decide_with(&permission(OWNER, false)),
            denied(DenialReason::NoAllow)
        );
        let why = reasons(&decide_with(&permission(ROLE, true)));
        assert_eq!(
            why,
            vec!["Permission, statement 1 has a Condition".to_string()]
        );
    }

    #[test]
    fn a_role_session_principal_is_conditional() {
        let session = resource_doc(
            &[(
                "Allow",
                r#"{"AWS": "arn:aws:sts::123456789012:assumed-role/app/alice"}"#,
            )],
            INVOKE_API,
        );
        let why = reasons(&same(&[], None, &[known(&session, "Api policy")]));
        assert!(why[0].contains("names a role session"), "{why:?}");
        let other = resource_doc(
            &[(
                "Allow",
                r#"{"AWS": "arn:aws:sts::123456789012:assumed-role/other/alice"}"#,
            )],
            INVOKE_API,
        );
        assert_eq!(
            same(&[], None, &[known(&other, "Api policy")]),
            denied(DenialReason::NoAllow)
        );
    }

    #[test]
    fn without_a_resource_policy_evaluate_request_is_evaluate() {
        let everything = allow("*", "*");
        let identity = [known(&everything, "Role policy")];
        let (arn, account) = (SymStr::literal(ROLE), SymStr::literal(OWNER));
        let caller = Caller {
            arn: &arn,
            account: &account,
        };
        let target = get_items();
        assert_eq!(
            evaluate_request(&identity, None, None, &caller, INVOKE_API, &target),
            evaluate(&identity, None, INVOKE_API, &target)
        );
    }
}
