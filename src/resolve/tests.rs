//! Resolver unit tests: each intrinsic, nesting, both `Fn::Sub` forms, cycles, cross-stack imports.

use super::*;
use crate::deployment::Deployment;
use crate::deployment_from_texts;

fn deploy(files: &[(&str, &str)]) -> Deployment {
    deploy_with(files, &ResolveConfig::default())
}

fn deploy_with(files: &[(&str, &str)], config: &ResolveConfig) -> Deployment {
    let (deployment, errors) = deployment_from_texts(files, config);
    assert!(errors.is_empty(), "load errors: {errors:?}");
    deployment
}

/// Resolves `Outputs.<name>.Value` of stack `stack` and renders it in `Fn::Sub` syntax.
fn output(deployment: &Deployment, stack: usize, name: &str) -> Value {
    let template = &deployment.templates[stack];
    let node = template
        .outputs
        .iter()
        .find(|o| o.name == name)
        .and_then(|o| o.value.as_ref())
        .unwrap();
    deployment.resolver().resolve(stack, node)
}

fn text(deployment: &Deployment, name: &str) -> String {
    output(deployment, 0, name).to_string()
}

const FUNCTION_STACK: &str = r#"
Parameters:
  ServiceName: {Type: String, Default: tech4all}
  Env: {Type: String, AllowedValues: [dev, prd]}
  Subnets: {Type: CommaDelimitedList, Default: "subnet-1,subnet-2"}
Conditions:
  IsPrd: !Equals [!Ref Env, prd]
  IsTech: !Equals [!Ref ServiceName, tech4all]
  Both: !And [!Condition IsTech, !Not [!Condition IsPrd]]
  Either: !Or [!Condition IsTech, !Condition IsPrd]
Mappings:
  Sizes:
    tech4all: {memory: "256"}
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: !Sub ${ServiceName}-${Env}-get
  Anonymous:
    Type: AWS::Lambda::Function
    Properties: {}
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !Sub ${ServiceName}-role
      Path: /service/
  Live:
    Type: AWS::Lambda::Alias
    Properties:
      FunctionName: !Ref Fn
      Name: live
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties: {}
Outputs:
  RefParam: {Value: !Ref ServiceName}
  RefParamNoValue: {Value: !Ref Env}
  RefPseudo: {Value: !Sub "${AWS::Partition}/${AWS::Region}/${AWS::AccountId}/${AWS::URLSuffix}"}
  RefFunction: {Value: !Ref Fn}
  FunctionArn: {Value: !GetAtt Fn.Arn}
  FunctionArnList: {Value: !GetAtt [Fn, Arn]}
  AnonymousArn: {Value: !GetAtt Anonymous.Arn}
  RoleArn: {Value: !GetAtt Role.Arn}
  AliasArn: {Value: !Ref Live}
  Endpoint: {Value: !GetAtt Api.ApiEndpoint}
  SubList: {Value: !Sub ["${Name}-${AWS::Region}-${!Literal}", {Name: !Ref ServiceName}]}
  SubAttribute: {Value: !Sub "arn:${Fn.Arn}"}
  Join: {Value: !Join ["-", [a, !Ref ServiceName, !Select [1, !Ref Subnets]]]}
  JoinList: {Value: !Join [",", !Ref Subnets]}
  Select: {Value: !Select [0, [x, y]]}
  SplitSelect: {Value: !Select [2, !Split ["/", !GetAtt Api.ApiEndpoint]]}
  IfDecided: {Value: !If [IsTech, yes-tech, no-tech]}
  IfUndecided: {Value: !If [IsPrd, prod, other]}
  IfNested: {Value: !If [Both, !Sub "${ServiceName}-both", !Ref AWS::NoValue]}
  FindInMap: {Value: !FindInMap [Sizes, !Ref ServiceName, memory]}
  Nested: {Value: !Join ["", [!Sub "${ServiceName}:", !Select [0, !Split [",", !Join [",", [!GetAtt Anonymous.Arn, z]]]]]]}
  SplitOfParameter: {Value: !Select [0, !Split [",", !GetAtt Fn.Arn]]}
  Base64: {Value: !Base64 abc}
"#;

#[test]
fn ref_of_parameters_uses_default_or_stays_symbolic() {
    let d = deploy(&[("a.yaml", FUNCTION_STACK)]);
    assert_eq!(text(&d, "RefParam"), "tech4all");
    assert_eq!(
        output(&d, 0, "RefParamNoValue"),
        Value::symbol(Symbol::Parameter("Env".into()))
    );
}

#[test]
fn command_line_parameters_win_over_defaults() {
    let config = ResolveConfig {
        parameters: [
            ("ServiceName".to_string(), "other".to_string()),
            ("Env".to_string(), "prd".to_string()),
        ]
        .into(),
        ..ResolveConfig::default()
    };
    let d = deploy_with(&[("a.yaml", FUNCTION_STACK)], &config);
    assert_eq!(text(&d, "RefFunction"), "other-prd-get");
    assert_eq!(text(&d, "IfUndecided"), "prod");
}

#[test]
fn pseudo_parameters() {
    let d = deploy(&[("a.yaml", FUNCTION_STACK)]);
    assert_eq!(
        text(&d, "RefPseudo"),
        "aws/${AWS::Region}/${AWS::AccountId}/amazonaws.com"
    );
    let config = ResolveConfig {
        partition: "aws-cn".into(),
        region: Some("cn-north-1".into()),
        account_id: Some("123456789012".into()),
        ..ResolveConfig::default()
    };
    let d = deploy_with(&[("a.yaml", FUNCTION_STACK)], &config);
    assert_eq!(
        text(&d, "RefPseudo"),
        "aws-cn/cn-north-1/123456789012/amazonaws.com.cn"
    );
}

#[test]
fn canonical_names_and_arns() {
    let d = deploy(&[("a.yaml", FUNCTION_STACK)]);
    assert_eq!(text(&d, "RefFunction"), "tech4all-${Env}-get");
    let arn = "arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:tech4all-${Env}-get";
    assert_eq!(text(&d, "FunctionArn"), arn);
    assert_eq!(text(&d, "FunctionArnList"), arn);
    assert_eq!(
        text(&d, "AnonymousArn"),
        "arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:${Anonymous}"
    );
    assert_eq!(
        text(&d, "RoleArn"),
        "arn:aws:iam::${AWS::AccountId}:role/service/tech4all-role"
    );
    assert_eq!(text(&d, "AliasArn"), format!("{arn}:live"));
    assert_eq!(
        text(&d, "Endpoint"),
        "https://${Api}.execute-api.${AWS::Region}.amazonaws.com"
    );
}

#[test]
fn sub_string_and_list_forms() {
    let d = deploy(&[("a.yaml", FUNCTION_STACK)]);
    assert_eq!(text(&d, "SubList"), "tech4all-${AWS::Region}-${Literal}");
    assert_eq!(
        text(&d, "SubAttribute"),
        "arn:arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:tech4all-${Env}-get"
    );
}

#[test]
fn join_select_split() {
    let d = deploy(&[("a.yaml", FUNCTION_STACK)]);
    assert_eq!(text(&d, "Join"), "a-tech4all-subnet-2");
    assert_eq!(text(&d, "JoinList"), "subnet-1,subnet-2");
    assert_eq!(text(&d, "Select"), "x");
    assert_eq!(
        text(&d, "SplitSelect"),
        "${Api}.execute-api.${AWS::Region}.amazonaws.com"
    );
}

#[test]
fn conditions_decide_fn_if_or_give_alternatives() {
    let d = deploy(&[("a.yaml", FUNCTION_STACK)]);
    let r = d.resolver();
    assert_eq!(r.condition(0, "IsTech"), Some(true));
    assert_eq!(r.condition(0, "IsPrd"), None);
    assert_eq!(r.condition(0, "Both"), None);
    assert_eq!(r.condition(0, "Either"), Some(true));
    assert_eq!(text(&d, "IfDecided"), "yes-tech");
    assert_eq!(
        output(&d, 0, "IfUndecided"),
        Value::Alternatives(vec![Value::literal("prod"), Value::literal("other")])
    );
    assert_eq!(
        output(&d, 0, "IfNested"),
        Value::Alternatives(vec![Value::literal("tech4all-both"), Value::NoValue])
    );
}

#[test]
fn find_in_map_and_nested_intrinsics() {
    let d = deploy(&[("a.yaml", FUNCTION_STACK)]);
    assert_eq!(text(&d, "FindInMap"), "256");
    assert_eq!(
        text(&d, "Nested"),
        "tech4all:arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:${Anonymous}"
    );
    // `${Env}` has no value and may contain the delimiter: splitting around it would be a guess.
    assert!(matches!(
        output(&d, 0, "SplitOfParameter"),
        Value::Unknown(_)
    ));
}

#[test]
fn functions_that_are_not_evaluated_are_unknown() {
    let d = deploy(&[("a.yaml", FUNCTION_STACK)]);
    assert!(matches!(output(&d, 0, "Base64"), Value::Unknown(_)));
}

#[test]
fn a_sub_that_references_itself_is_unknown_not_a_hang() {
    let template = r#"
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: !Sub "${Fn}-x"
  A:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: !Sub "${B}-a"
  B:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: !Sub "${A}-b"
Outputs:
  Self: {Value: !GetAtt Fn.Arn}
  Mutual: {Value: !Ref A}
"#;
    let d = deploy(&[("a.yaml", template)]);
    assert!(
        text(&d, "Self").contains("circular reference"),
        "{}",
        text(&d, "Self")
    );
    assert!(
        text(&d, "Mutual").contains("circular reference"),
        "{}",
        text(&d, "Mutual")
    );
}

#[test]
fn import_value_resolves_through_the_exporting_stack() {
    let exporter = r#"
Parameters:
  ServiceName: {Type: String, Default: svc}
Resources:
  AdminApi:
    Type: AWS::Serverless::Api
    Properties: {StageName: api}
  BackendRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !Sub ${ServiceName}-backend
Outputs:
  ApiId:
    Value: !Ref AdminApi
    Export: {Name: AdminApiId}
  RoleArn:
    Value: !GetAtt BackendRole.Arn
    Export: {Name: !Sub "${ServiceName}-RoleArn"}
"#;
    let importer = r#"
Resources:
  Topic:
    Type: AWS::SNS::Topic
Outputs:
  Route:
    Value: !Join ["", [!Sub "arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:", !ImportValue AdminApiId, /api/GET/x]]
  Role: {Value: !ImportValue svc-RoleArn}
  Missing: {Value: !ImportValue NotExported}
"#;
    let d = deploy(&[("sam.yaml", exporter), ("cfn.yaml", importer)]);
    assert_eq!(
        output(&d, 1, "Route").to_string(),
        "arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${AdminApi}/api/GET/x"
    );
    assert_eq!(
        output(&d, 1, "Route")
            .as_str()
            .unwrap()
            .symbols()
            .find(|s| matches!(s, Symbol::PhysicalId { .. })),
        Some(&Symbol::PhysicalId {
            stack: 0,
            logical_id: "AdminApi".into(),
            unique: true
        })
    );
    assert_eq!(
        output(&d, 1, "Role").to_string(),
        "arn:aws:iam::${AWS::AccountId}:role/svc-backend"
    );
    assert_eq!(
        output(&d, 1, "Missing"),
        Value::symbol(Symbol::Import("NotExported".into()))
    );
}

#[test]
fn equality_is_three_valued() {
    let region = Value::symbol(Symbol::Region);
    assert_eq!(Value::literal("a").equals(&Value::literal("a")), Some(true));
    assert_eq!(
        Value::literal("a").equals(&Value::literal("b")),
        Some(false)
    );
    assert_eq!(region.equals(&region.clone()), Some(true));
    assert_eq!(region.equals(&Value::literal("us-east-1")), None);
}

#[test]
fn functions_without_a_static_value_are_unknown_not_guessed() {
    let template = r#"
Resources:
  Topic: {Type: AWS::SNS::Topic}
Outputs:
  Cidr: {Value: !Select [0, !Cidr [10.0.0.0/16, 4, 8]]}
  Azs: {Value: !Select [0, !GetAZs '']}
  Length: {Value: !Length [a, b]}
  Json: {Value: !ToJsonString {a: b}}
  Transform: {Value: {"Fn::Transform": {Name: M, Parameters: {}}}}
"#;
    let d = deploy(&[("a.yaml", template)]);
    for name in ["Cidr", "Azs", "Length", "Json", "Transform"] {
        assert!(
            matches!(output(&d, 0, name), Value::Unknown(_)),
            "{name}: {}",
            output(&d, 0, name)
        );
    }
}
