//! Deployments made the way teams grow them (issue 8), for `tests/scale.rs` and `benches/scale.rs`.
//!
//! `pairs` pairs of stacks: `sam-{i}.yaml`, a SAM stack with an `AWS_IAM` REST API whose 10 functions
//! each serve one route and whose id is exported as `svc-{i}-ApiId`; and `cfn-{i}.yaml`, a CloudFormation
//! stack with one role granted `execute-api:Invoke` on *its own* pair's API (the id through
//! `Fn::ImportValue`) and `lambda:InvokeFunction` on that API's 10 functions by ARN. In every tenth pair
//! (`i % 10 == 0`) the role lacks the Lambda grant, so the right IAM001 count is 10 errors per such
//! pair: 10 for 2 pairs, 500 for 500 pairs. Nothing else in the templates is wrong.
//!
//! Pure: the same `pairs` always gives the same files, in the order `sam-0, cfn-0, sam-1, cfn-1, ...`.
//! Even pairs write the API ARN with `!Sub` and a variable map and trust a Cognito identity pool; odd
//! pairs use `!Join` and trust the account, so both shapes of the cross-stack glue carry load.

/// Routes (functions) per API.
pub const ROUTES_PER_API: usize = 10;

/// Every `LACKING_EVERY`-th pair (0, 10, 20, ...) has a role without `lambda:InvokeFunction`.
pub const LACKING_EVERY: usize = 10;

/// The method and path of function `j` (path parameters included, as SAM writes them).
const ROUTES: [(&str, &str); ROUTES_PER_API] = [
    ("GET", "/items"),
    ("POST", "/items"),
    ("GET", "/items/{id}"),
    ("PUT", "/items/{id}"),
    ("DELETE", "/items/{id}"),
    ("GET", "/items/{id}/history"),
    ("GET", "/orders"),
    ("POST", "/orders"),
    ("GET", "/orders/{orderId}"),
    ("POST", "/orders/{orderId}/cancel"),
];

/// Whether the role of pair `i` lacks the `lambda:InvokeFunction` grant.
pub fn lacks_lambda_grant(i: usize) -> bool {
    i.is_multiple_of(LACKING_EVERY)
}

/// The `(path, YAML text)` of every template of a deployment of `pairs` pairs.
pub fn deployment(pairs: usize) -> Vec<(String, String)> {
    (0..pairs)
        .flat_map(|i| {
            [
                (format!("sam-{i}.yaml"), sam_stack(i)),
                (format!("cfn-{i}.yaml"), cfn_stack(i)),
            ]
        })
        .collect()
}

/// The SAM stack of pair `i`: an `AWS_IAM` API (SAM's default `InvokeRole` for it is the caller's
/// credentials) and its 10 functions.
fn sam_stack(i: usize) -> String {
    let mut text = format!(
        "AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: >-
  Service {i}: a REST API behind IAM auth (API Gateway + Lambda). Its id is exported for the callers'
  role in cfn-{i}.yaml.

Globals:
  Function:
    Runtime: python3.12
    Handler: index.handler
    Timeout: 10
    MemorySize: 256
    CodeUri: s3://deploy-artifacts-123456789012/svc-{i}/app.zip

Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      Name: svc-{i}-api
      StageName: api
      Auth:
        DefaultAuthorizer: AWS_IAM
"
    );
    for (j, (method, path)) in ROUTES.iter().enumerate() {
        text.push_str(&format!(
            "
  Fn{j}:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: svc-{i}-fn-{j}
      Events:
        Call:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: {path}
            Method: {method}
"
        ));
    }
    text.push_str(&format!(
        "
Outputs:
  ApiId:
    Description: The id of the API, for the callers' execute-api:Invoke grants
    Value: !Ref Api
    Export:
      Name: svc-{i}-ApiId
"
    ));
    text
}

/// The CloudFormation stack of pair `i`: the role that calls pair `i`'s API.
fn cfn_stack(i: usize) -> String {
    let (trust, api_arn) = if i.is_multiple_of(2) {
        (
            format!(
                "          - Effect: Allow
            Principal:
              Federated: cognito-identity.amazonaws.com
            Action: sts:AssumeRoleWithWebIdentity
            Condition:
              StringEquals:
                cognito-identity.amazonaws.com:aud: us-east-1:00000000-0000-4000-8000-{i:012}
              ForAnyValue:StringLike:
                cognito-identity.amazonaws.com:amr: authenticated
"
            ),
            format!(
                "!Sub
                  - arn:aws:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{ApiId}}/*
                  - ApiId: !ImportValue svc-{i}-ApiId"
            ),
        )
    } else {
        (
            "          - Effect: Allow
            Principal:
              AWS: !Sub arn:aws:iam::${AWS::AccountId}:root
            Action: sts:AssumeRole
"
            .to_string(),
            format!(
                "!Join
                  - ''
                  - - !Sub 'arn:aws:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:'
                    - !ImportValue svc-{i}-ApiId
                    - /*"
            ),
        )
    };
    let mut text = format!(
        "AWSTemplateFormatVersion: '2010-09-09'
Description: >-
  Callers of service {i}: the role that may call the API of sam-{i}.yaml (its id imported from that
  stack) and, since the API passes the caller's credentials, invoke its functions.

Resources:
  CallerRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: svc-{i}-caller
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
{trust}      Policies:
        - PolicyName: call-svc-{i}
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - Sid: ApiGateway
                Effect: Allow
                Action: execute-api:Invoke
                Resource: {api_arn}
"
    );
    if !lacks_lambda_grant(i) {
        text.push_str(
            "              - Sid: Lambda
                Effect: Allow
                Action: lambda:InvokeFunction
                Resource:
",
        );
        for j in 0..ROUTES_PER_API {
            text.push_str(&format!(
                "                  - !Sub arn:aws:lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:svc-{i}-fn-{j}\n"
            ));
        }
    }
    text
}
