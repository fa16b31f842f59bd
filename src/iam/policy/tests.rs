//! Policy-document reading: shapes IAM accepts, `Fn::If` around statements and values, malformed input.

use super::*;
use crate::deployment::Deployment;
use crate::deployment_from_texts;
use crate::resolve::{SymStr, Symbol};

const TEMPLATE: &str = r#"
Parameters:
  Env: {Type: String}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  Always: !Equals [a, a]
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties: {StageName: prod}
  Role:
    Type: AWS::IAM::Role
    Properties:
      Policies:
        - PolicyName: lists
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Sid: Invoke
                Effect: Allow
                Action: [execute-api:Invoke, !Ref Env]
                Resource: !Sub arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/*
              - Effect: Deny
                NotAction: lambda:*
                NotResource: ["*"]
                Condition:
                  IpAddress: {aws:SourceIp: 10.0.0.0/8}
                  Bool: {aws:SecureTransport: "false"}
        - PolicyName: single
          PolicyDocument:
            Statement:
              Effect: Allow
              Action: lambda:InvokeFunction
              Resource: "*"
        - PolicyName: conditional
          PolicyDocument:
            Statement:
              - !If [Always, {Effect: Allow, Action: a:b, Resource: "*"}, {Effect: Allow, Action: c:d, Resource: "*"}]
              - !If [IsProd, {Effect: Deny, Action: "*", Resource: "*"}, !Ref AWS::NoValue]
              - Effect: Allow
                Action: s3:GetObject
                Resource: !If [IsProd, arn:aws:s3:::prod/*, arn:aws:s3:::dev/*]
        - PolicyName: malformed
          PolicyDocument:
            Statement:
              - just a string
              - {Action: a:b, Resource: "*"}
              - {Effect: allow, Action: a:b, Resource: "*"}
              - {Effect: Allow, Action: a:b, NotAction: c:d, Resource: "*"}
              - {Effect: Allow, Action: a:b}
              - {Effect: Allow, Action: a:b, Resource: "*"}
        - PolicyName: json
          PolicyDocument: '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}'
        - PolicyName: nothing
          PolicyDocument: [1, 2]
"#;

fn deployment() -> Deployment {
    let (deployment, errors) = deployment_from_texts(&[("t.yaml", TEMPLATE)], &Default::default());
    assert!(errors.is_empty(), "{errors:?}");
    deployment
}

fn document(deployment: &Deployment, name: &str) -> PolicyDocument {
    let template = &deployment.templates[0];
    let policies = template
        .resource("Role")
        .and_then(|r| r.property("Policies"))
        .and_then(Node::as_seq)
        .unwrap();
    let policy = policies
        .iter()
        .find(|p| p.get("PolicyName").and_then(Node::as_str) == Some(name))
        .unwrap();
    PolicyDocument::from_node(
        policy.get("PolicyDocument").unwrap(),
        0,
        &deployment.resolver(),
    )
}

fn text(deployment: &Deployment, span: Span) -> String {
    let file = deployment
        .sources
        .get(deployment.templates[0].file)
        .unwrap();
    file.slice(span).to_string()
}

#[test]
fn reads_lists_symbols_and_not_elements() {
    let deployment = deployment();
    let doc = document(&deployment, "lists");
    assert!(doc.skipped.is_empty(), "{:?}", doc.skipped);
    assert!(doc.uses_policy_variables());
    let [invoke, deny] = doc.statements.as_slice() else {
        panic!("two statements: {:?}", doc.statements)
    };
    assert_eq!(invoke.sid.as_deref(), Some("Invoke"));
    assert_eq!(invoke.effect, Effect::Allow);
    assert_eq!(
        invoke.actions,
        ActionSet::Action(vec!["execute-api:Invoke".into()])
    );
    assert_eq!(
        invoke.uncertain_actions,
        vec![Value::symbol(Symbol::Parameter("Env".into()))]
    );
    let ResourceSet::Resource(resources) = &invoke.resources else {
        panic!("Resource")
    };
    let arn = resources[0].as_str().unwrap();
    assert!(arn.symbols().any(|s| *s == Symbol::Region), "{arn}");
    assert!(text(&deployment, invoke.span).starts_with("Sid: Invoke"));
    assert!(text(&deployment, invoke.action_span).starts_with("[execute-api:Invoke"));
    assert!(text(&deployment, invoke.resource_span).starts_with("!Sub"));
    assert!(!invoke.has_condition);

    assert_eq!(deny.effect, Effect::Deny);
    assert_eq!(deny.actions, ActionSet::NotAction(vec!["lambda:*".into()]));
    assert_eq!(
        deny.resources,
        ResourceSet::NotResource(vec![Value::literal("*")])
    );
    assert!(deny.has_condition);
    assert_eq!(
        deny.condition_keys,
        vec!["aws:SourceIp", "aws:SecureTransport"]
    );
}

#[test]
fn a_single_statement_mapping_is_a_statement() {
    let deployment = deployment();
    let doc = document(&deployment, "single");
    assert_eq!(doc.version, None);
    assert!(!doc.uses_policy_variables());
    assert_eq!(doc.statements.len(), 1);
    assert_eq!(
        doc.statements[0].resources,
        ResourceSet::Resource(vec![Value::literal("*")])
    );
}

#[test]
fn fn_if_around_statements_and_values() {
    let deployment = deployment();
    let doc = document(&deployment, "conditional");
    assert!(doc.skipped.is_empty(), "{:?}", doc.skipped);
    let [decided, prod_only, alternatives] = doc.statements.as_slice() else {
        panic!("three statements: {:?}", doc.statements)
    };
    assert_eq!(decided.actions, ActionSet::Action(vec!["a:b".into()]));
    assert_eq!(decided.only_if, None);
    assert_eq!(prod_only.effect, Effect::Deny);
    assert_eq!(
        prod_only.only_if.as_deref(),
        Some("the template condition IsProd is true")
    );
    assert_eq!(
        alternatives.resources,
        ResourceSet::Resource(vec![Value::Alternatives(vec![
            Value::Str(SymStr::literal("arn:aws:s3:::prod/*")),
            Value::Str(SymStr::literal("arn:aws:s3:::dev/*")),
        ])])
    );
}

#[test]
fn malformed_statements_are_skipped() {
    let deployment = deployment();
    let doc = document(&deployment, "malformed");
    assert_eq!(doc.statements.len(), 1);
    let reasons: Vec<&str> = doc.skipped.iter().map(|s| s.reason.as_str()).collect();
    assert_eq!(
        reasons,
        vec![
            "a statement that is not a mapping",
            "a statement without Effect",
            "Effect `allow` is neither Allow nor Deny",
            "a statement with both Action and NotAction",
            "a statement without Resource or NotResource",
        ]
    );
    let nothing = document(&deployment, "nothing");
    assert!(nothing.statements.is_empty());
    assert_eq!(nothing.skipped.len(), 1);
}

#[test]
fn a_json_string_document_points_at_the_string() {
    let deployment = deployment();
    let doc = document(&deployment, "json");
    assert_eq!(doc.version.as_deref(), Some("2012-10-17"));
    let [statement] = doc.statements.as_slice() else {
        panic!("one statement")
    };
    assert_eq!(
        statement.actions,
        ActionSet::Action(vec!["sts:AssumeRole".into()])
    );
    assert!(text(&deployment, statement.span).contains("\"Statement\""));
}

#[test]
fn from_json_reads_plain_documents() {
    let doc = PolicyDocument::from_json(
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":["lambda:InvokeFunction"],"Resource":["arn:aws:lambda:*:*:function:f*"]}]}"#,
    )
    .unwrap();
    assert_eq!(doc.statements.len(), 1);
    assert_eq!(doc.statements[0].sid.as_deref(), Some("A"));
    assert!(PolicyDocument::from_json("not json").is_none());
    assert!(
        PolicyDocument::from_json("[]")
            .unwrap()
            .statements
            .is_empty()
    );
}
