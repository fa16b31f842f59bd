//! Nested stacks (issue 12): a child template named by a local `TemplateURL` / SAM `Location` is a
//! stack of the deployment, with the parameters its parent passes and its outputs reachable from the
//! parent; findings are located in the child; S3, URL and repository children are COV001 notes. Each
//! case has a control that removes the one thing that matters.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

mod common;

use common::{check_json, iamlint, locations};
use iamlint::deployment::Deployment;
use iamlint::load::file::MemoryFiles;
use iamlint::model::Model;
use iamlint::resolve::ResolveConfig;
use iamlint::{Input, build_deployment_with};

fn deployment(parent: &str, files: &[(&str, &str)]) -> Deployment {
    deployment_with(parent, files, &ResolveConfig::default())
}

fn deployment_with(parent: &str, files: &[(&str, &str)], config: &ResolveConfig) -> Deployment {
    let inputs = vec![Input {
        path: "app/template.yaml".into(),
        bytes: parent.as_bytes().to_vec(),
        explicit: true,
    }];
    let (deployment, errors) = build_deployment_with(inputs, config, &MemoryFiles::new(files));
    assert!(errors.is_empty(), "{errors:?}");
    deployment
}

/// The value of output `name` of stack `stack`, resolved and shown.
fn output(deployment: &Deployment, stack: usize, name: &str) -> String {
    let template = deployment.template(stack).unwrap();
    let output = template.outputs.iter().find(|o| o.name == name).unwrap();
    let value = deployment
        .resolver()
        .resolve(stack, output.value.as_ref().unwrap());
    format!("{value:?}")
}

const PARENT: &str = "Parameters:
  Env: {Type: String, Default: prd}
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties: {QueueName: !Sub 'orders-${Env}'}
  Child:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: ./child.yaml
      Parameters:
        Stage: !Ref Env
        QueueArn: !GetAtt Queue.Arn
Outputs:
  FromChild:
    Value: !GetAtt Child.Outputs.Described
  FromChildLong:
    Value: !GetAtt [Child, Outputs.Described]
  FromChildSub:
    Value: !Sub '${Child.Outputs.Described}!'
";

const CHILD: &str = "Parameters:
  Stage: {Type: String, Default: dev}
  QueueArn: {Type: String}
  Zones: {Type: CommaDelimitedList, Default: 'a, b'}
Resources:
  Topic:
    Type: AWS::SNS::Topic
Outputs:
  Described:
    Value: !Sub '${Stage}:${QueueArn}'
  ZoneCount:
    Value: !Select [1, !Ref Zones]
";

#[test]
fn a_child_parameter_is_what_the_parent_passes_resolved_in_the_parent() {
    let d = deployment(PARENT, &[("app/child.yaml", CHILD)]);
    assert_eq!(d.templates.len(), 2);
    let described = output(&d, 1, "Described");
    assert!(described.contains("prd:arn:aws:sqs:"), "{described}");
    assert!(described.contains("orders-prd"), "{described}");
    // Not passed: the child's Default (a list parameter split as usual).
    assert!(output(&d, 1, "ZoneCount").contains("\"b\""));
    // `--param` values are for the top-level stack: the parent's value still wins in the child, and a
    // parameter the parent does not pass keeps the child's Default.
    let mut config = ResolveConfig::default();
    config.parameters.insert("Stage".into(), "cli".into());
    config.parameters.insert("Zones".into(), "x,y".into());
    let d = deployment_with(PARENT, &[("app/child.yaml", CHILD)], &config);
    assert!(output(&d, 1, "Described").contains("prd:"));
    assert!(output(&d, 1, "ZoneCount").contains("\"b\""));
    // Control: the child on its own takes its Default and leaves QueueArn a symbol.
    let alone = deployment(CHILD, &[]);
    let described = output(&alone, 0, "Described");
    assert!(
        described.contains("dev") && !described.contains("orders"),
        "{described}"
    );
}

#[test]
fn get_att_outputs_reaches_the_childs_output_in_every_form() {
    let d = deployment(PARENT, &[("app/child.yaml", CHILD)]);
    let child = output(&d, 1, "Described");
    assert_eq!(output(&d, 0, "FromChild"), child);
    assert_eq!(output(&d, 0, "FromChildLong"), child);
    assert!(output(&d, 0, "FromChildSub").contains("orders-prd"));
    // Control: without the child file, the output stays a symbol of the nested stack, and a COV001
    // note says why.
    let d = deployment(PARENT, &[]);
    assert_eq!(d.templates.len(), 1);
    assert!(!output(&d, 0, "FromChild").contains("orders"));
    let model = Model::build(&d);
    assert_eq!(model.not_analysed.len(), 1);
    assert_eq!(model.not_analysed[0].gap.as_str(), "missing-nested-stack");
}

#[test]
fn a_caller_role_in_the_child_gets_iam001_in_the_child_file() {
    let (json, code) = check_json(&["fixtures/nested/bad"]);
    assert_eq!(code, 1);
    let expected = vec![(
        "IAM001".to_string(),
        "fixtures/nested/bad/roles.yaml".to_string(),
        24,
        17,
    )];
    assert_eq!(locations(&json), expected);
    // Naming only the parent reads the child too, and a folder run that finds both files sees one
    // stack per file: the same single finding.
    let (json, _) = check_json(&["fixtures/nested/bad/template.yaml"]);
    assert_eq!(locations(&json), expected);
    let (json, _) = check_json(&[
        "fixtures/nested/bad/template.yaml",
        "fixtures/nested/bad/roles.yaml",
    ]);
    assert_eq!(locations(&json), expected);
    // Control: the child granting lambda:InvokeFunction too is clean; the child alone has no API id.
    let (json, code) = check_json(&["fixtures/nested/good"]);
    assert_eq!((locations(&json), code), (vec![], 0));
    let (json, code) = check_json(&["fixtures/nested/bad/roles.yaml"]);
    assert_eq!((locations(&json), code), (vec![], 0));
}

#[test]
fn a_role_calling_a_nested_api_through_its_outputs_gets_iam001() {
    let (json, code) = check_json(&["fixtures/nested/outputs"]);
    assert_eq!(code, 1);
    assert_eq!(
        locations(&json),
        vec![(
            "IAM001".to_string(),
            "fixtures/nested/outputs/template.yaml".to_string(),
            27,
            17
        )]
    );
    // Control: `!GetAtt [Orders, Outputs.FunctionArn]` grants the function: clean, and no REF001.
    let (json, code) = check_json(&["fixtures/nested/outputs-good"]);
    assert_eq!((locations(&json), code), (vec![], 0));
}

#[test]
fn nested_stack_findings_in_human_output() {
    let run = iamlint(&["check", "fixtures/nested/bad"]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!("nested_bad_human", run.stdout);
    // Notes: the run does not fail on them.
    let run = iamlint(&["check", "fixtures/COV001/bad-nested-stacks.yaml"]);
    assert_eq!(run.code, 0);
    insta::assert_snapshot!("nested_unread_human", run.stdout);
}

#[test]
fn a_nesting_loop_is_one_note_whichever_file_is_named() {
    for paths in [
        vec!["fixtures/nested/loop"],
        vec!["fixtures/nested/loop/a.yaml"],
        vec!["fixtures/nested/loop/b.yaml"],
    ] {
        let (json, code) = check_json(&paths);
        assert_eq!(code, 0, "{paths:?}");
        let found = locations(&json);
        assert_eq!(found.len(), 1, "{paths:?}: {found:?}");
        assert_eq!(found[0].0, "COV001");
        assert_eq!(json["summary"]["files"], 2, "{paths:?}");
        let message = json["findings"][0]["message"].as_str().unwrap();
        assert!(message.contains("nesting loop"), "{message}");
    }
}

#[test]
fn a_parameter_fed_by_the_childs_own_output_is_unknown_not_a_hang() {
    let parent = "Resources:\n  Child:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: child.yaml\n      Parameters:\n        Name: !GetAtt Child.Outputs.Echo\n";
    let child = "Parameters:\n  Name: {Type: String}\nResources: {}\nOutputs:\n  Echo:\n    Value: !Sub '${Name}-x'\n";
    let d = deployment(parent, &[("app/child.yaml", child)]);
    let echo = output(&d, 1, "Echo");
    assert!(echo.contains("circular"), "{echo}");
}
