//! `cargo bench`: the whole pipeline (load, resolve, graph, every rule) on generated deployments.
//!
//! A plain harness: each case runs a few times and prints the best wall time. Stacks import from the
//! previous one, so imports, exports and the reference graph all carry load.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::time::{Duration, Instant};

use iamlint::resolve::ResolveConfig;
use iamlint::rules::run_all;
use iamlint::{Input, build_deployment};

/// A stack with `resources` functions, roles and topics that reference each other and import from the
/// previous stack.
fn stack(index: usize, resources: usize) -> String {
    let mut text = String::from(
        "AWSTemplateFormatVersion: '2010-09-09'\n# 生成されたスタック\nParameters:\n  Env: {Type: String, Default: dev}\nConditions:\n  IsPrd: !Equals [!Ref Env, prd]\nResources:\n",
    );
    for r in 0..resources {
        text.push_str(&format!(
            "  Role{r}:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: !Sub ${{Env}}-{index}-{r}\n      Policies:\n        - PolicyName: invoke\n          PolicyDocument:\n            Statement:\n              - Effect: Allow\n                Action: lambda:InvokeFunction\n                Resource: !GetAtt Fn{r}.Arn\n  Fn{r}:\n    Type: AWS::Lambda::Function\n    Properties:\n      FunctionName: !Sub ${{AWS::StackName}}-{r}\n      Role: {role}\n      Environment:\n        Variables:\n          TOPIC: !If [IsPrd, !Ref Topic{r}, !Ref AWS::NoValue]\n  Topic{r}:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !Join ['-', [!Ref Env, t, '{r}']]\n",
            role = if index > 0 && r == 0 { format!("!ImportValue Stack{}Role", index - 1) } else { format!("!GetAtt Role{}.Arn", (r + 1) % resources) },
        ));
    }
    text.push_str(&format!(
        "Outputs:\n  Role:\n    Value: !GetAtt Role0.Arn\n    Export: {{Name: Stack{index}Role}}\n"
    ));
    text
}

fn run(stacks: usize, resources: usize) -> (Duration, usize) {
    let inputs: Vec<Input> = (0..stacks)
        .map(|i| Input {
            path: format!("stack{i}.yaml").into(),
            bytes: stack(i, resources).into_bytes(),
            explicit: true,
        })
        .collect();
    let bytes: usize = inputs.iter().map(|i| i.bytes.len()).sum();
    let mut best = Duration::MAX;
    for _ in 0..5 {
        let inputs = inputs.clone();
        let start = Instant::now();
        let (deployment, load_errors) = build_deployment(inputs, &ResolveConfig::default());
        let findings = run_all(&deployment, &load_errors, &[]);
        std::hint::black_box(findings);
        best = best.min(start.elapsed());
    }
    (best, bytes)
}

fn main() {
    println!("{:<28} {:>10} {:>12}", "deployment", "bytes", "best of 5");
    for (stacks, resources) in [(2, 10), (10, 50), (20, 200), (50, 300)] {
        let (time, bytes) = run(stacks, resources);
        println!(
            "{:<28} {:>10} {:>9.2} ms",
            format!("{stacks} stacks x {} resources", resources * 3),
            bytes,
            time.as_secs_f64() * 1000.0
        );
    }
}
