//! `cargo bench --bench hostile`: the blow-ups of issues 14 and 20 from small hostile inputs, each at
//! three sizes 10× apart, to show the cost grows linearly (10× the input at most 12× the time):
//!
//! 1. IAM pattern matching: a `Resource` and an `Action` of n `*a` (n = 80, 800, 8,000) against long
//!    ARNs and actions that they miss by one final character (the worst case for a backtracking glob),
//!    through the public matcher (`Pattern::coverage`, `action_matches`).
//! 2. Line/column lookup: n undefined `${V}` on one line of a `!Sub` (n = 1k, 10k, 100k) through the
//!    whole pipeline (one REF001 each), then `Position::of` for every finding.
//! 3. Human output: n findings (n = 100, 1,000, 10,000; half on lines of their own, half on lines of
//!    2,000 bytes) rendered by `report::human::render`; the bytes per finding must stay about constant.
//!
//! 4. "Did you mean" (issue 20): n undefined `!Ref`s of 60 characters, each one edit from one of n
//!    resources (n = 100, 1,000, 10,000): the run's suggestion budget caps the comparisons.
//! 5. Config `stacks:` globs (issue 20): n entries × n templates on disk (n = 30, 300, 3,000), loaded
//!    with the config's values: one `GlobSet` match per template.
//! 6. Resource suppressions (issue 20): n resources, each with a Metadata suppression and the
//!    finding it silences (n = 400, 4,000, 40,000), through `suppress::apply`.
//! 7. Access matrix (issue 20): one API of n routes and n roles granted all of it with a wildcard
//!    (n = 100, 1,000, 10,000): the matrix budget caps the decisions.
//!
//! Each size prints the best wall time of 3 runs (of 1 when a run takes over 2 s) and the ratio to the
//! previous size; the bench fails (exit 1, `OVER`) when a 10× step takes more than 12× the time, or a
//! size more than 10 s. `IAMLINT_BENCH_QUICK=1` stops at the middle size.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // benches fail loudly

use std::time::{Duration, Instant};

use iamlint::iam::pattern::{Pattern, Target, action_matches};
use iamlint::report::{Position, Summary, human};
use iamlint::resolve::ResolveConfig;
use iamlint::rules::run_all;
use iamlint::{Input, build_deployment};

/// The binary's allocator, so the bench measures what `iamlint check` does.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const RUNS: usize = 3;
/// One run longer than this is enough to show the size is slow.
const SLOW: Duration = Duration::from_secs(2);
/// A size that takes longer than this fails whatever its ratio.
const TOO_SLOW: Duration = Duration::from_secs(10);
/// Most growth allowed for 10× the input.
const MAX_RATIO: f64 = 12.0;

/// The best of up to [`RUNS`] timings of `run` (each run prepares its input untimed and returns
/// what to print for the size).
fn best<T>(mut prepare: impl FnMut() -> T, mut run: impl FnMut(T) -> String) -> (Duration, String) {
    let mut best = Duration::MAX;
    let mut note = String::new();
    for _ in 0..RUNS {
        let input = prepare();
        let start = Instant::now();
        note = run(input);
        let elapsed = start.elapsed();
        best = best.min(elapsed);
        if elapsed > SLOW {
            break;
        }
    }
    (best, note)
}

/// Pattern `*a` × n against `arn:…:` + `a` × 2n + `b` (a miss) and against `a` × 2n (a match); the
/// same as an `Action` against `execute-api:` + `a` × 2n + `b`.
fn pattern_matching(n: usize) -> (Duration, String) {
    best(
        || {
            let stars = "*a".repeat(n);
            let resource = Pattern::literal(&stars);
            let miss = Target::literal(&format!(
                "arn:aws:execute-api:us-east-1:123456789012:{}b",
                "a".repeat(2 * n)
            ));
            let hit = Target::literal(&"a".repeat(2 * n));
            let action = format!("execute-api:{}b", "a".repeat(2 * n));
            (stars, resource, miss, hit, action)
        },
        |(stars, resource, miss, hit, action)| {
            let missed = resource.coverage(&miss);
            let matched = resource.coverage(&hit);
            let action_hit = action_matches(&stars, &action);
            format!("miss {missed:?}, match {matched:?}, action {action_hit}")
        },
    )
}

/// A template whose one `!Sub` line holds `${V}` × n (V is not defined).
fn undefined_subs(n: usize) -> Vec<Input> {
    let text = format!(
        "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Topic:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !Sub '{}'\n",
        "${V}".repeat(n)
    );
    vec![Input {
        path: "one-line.yaml".into(),
        bytes: text.into_bytes(),
        explicit: true,
    }]
}

fn line_column(n: usize) -> (Duration, String) {
    best(
        || undefined_subs(n),
        |inputs| {
            let (deployment, load_errors) = build_deployment(inputs, &ResolveConfig::default());
            let findings = run_all(&deployment, &load_errors, &[]);
            let last_column = findings
                .iter()
                .map(|f| Position::of(&deployment.sources, f.primary.location).column)
                .max()
                .unwrap_or(0);
            let ref001 = findings.iter().filter(|f| f.rule.code == "REF001").count();
            format!("{ref001} REF001, last column {last_column}")
        },
    )
}

/// A template with n findings: n/2 undefined `!Ref`s on lines of their own, and n/20 lines of 2,000
/// bytes each holding ten undefined `${V}`.
fn many_findings(n: usize) -> Vec<Input> {
    let mut text = String::from("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n");
    for i in 0..n / 2 {
        text.push_str(&format!(
            "  Queue{i}:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Ref Missing{i}\n"
        ));
    }
    for i in 0..n / 20 {
        text.push_str(&format!(
            "  Topic{i}:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !Sub '{}{}'\n",
            "x".repeat(2000),
            "${V}".repeat(10)
        ));
    }
    vec![Input {
        path: "many.yaml".into(),
        bytes: text.into_bytes(),
        explicit: true,
    }]
}

fn human_output(n: usize) -> (Duration, String) {
    let mut bytes_per_finding = 0.0;
    let (time, note) = best(
        || {
            let (deployment, load_errors) =
                build_deployment(many_findings(n), &ResolveConfig::default());
            let findings = run_all(&deployment, &load_errors, &[]);
            (deployment, findings)
        },
        |(deployment, findings)| {
            let summary = Summary::new(deployment.sources.len(), &findings);
            let style = human::Style {
                color: false,
                width: 100,
            };
            let text = human::render(&deployment.sources, &findings, summary, style);
            bytes_per_finding = text.len() as f64 / findings.len().max(1) as f64;
            format!("{} findings, {} bytes out", findings.len(), text.len())
        },
    );
    BYTES_PER_FINDING.lock().unwrap().push(bytes_per_finding);
    (time, format!("{note}, {bytes_per_finding:.0} B/finding"))
}

/// n undefined `!Ref`s of 60 characters, each one edit from one of n resources.
fn did_you_mean(n: usize) -> (Duration, String) {
    best(
        || {
            let name = |i: usize| format!("Queue{i:06}{}", "q".repeat(49));
            let mut text = String::from("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n");
            for i in 0..n {
                text.push_str(&format!("  {}:\n    Type: AWS::SQS::Queue\n", name(i)));
            }
            text.push_str("  Topic:\n    Type: AWS::SNS::Topic\n    Properties:\n      Tags:\n");
            for i in 0..n {
                text.push_str(&format!(
                    "        - Key: k\n          Value: !Ref {}z\n",
                    name(i)
                ));
            }
            vec![Input {
                path: "refs.yaml".into(),
                bytes: text.into_bytes(),
                explicit: true,
            }]
        },
        |inputs| {
            let (deployment, load_errors) = build_deployment(inputs, &ResolveConfig::default());
            let findings = run_all(&deployment, &load_errors, &[]);
            let suggested = findings
                .iter()
                .filter(|f| {
                    f.help
                        .as_deref()
                        .is_some_and(|h| h.starts_with("did you mean"))
                })
                .count();
            format!("{} findings, {suggested} with a suggestion", findings.len())
        },
    )
}

/// A folder of n templates and a config of n `stacks:` entries, one per template.
fn stacks_globs_folder(n: usize) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("iamlint-bench-globs-{n}-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    let mut config = String::from("stacks:\n");
    for i in 0..n {
        config.push_str(&format!(
            "  'stacks/s{i}/*.yaml':\n    parameters: {{Env: v{i}}}\n"
        ));
        let folder = dir.join(format!("stacks/s{i}"));
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(
            folder.join("template.yaml"),
            "AWSTemplateFormatVersion: '2010-09-09'\nParameters:\n  Env:\n    Type: String\nResources:\n  Queue:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Ref Env\n",
        )
        .unwrap();
    }
    std::fs::write(dir.join(".iamlint.yaml"), config).unwrap();
    dir
}

fn stacks_globs(n: usize) -> (Duration, String) {
    let dir = stacks_globs_folder(n);
    let config = iamlint::config::load(&dir.join(".iamlint.yaml")).unwrap();
    let settings = iamlint::Settings {
        paths: vec![dir.clone()],
        config: Some(config),
        ..Default::default()
    };
    let result = best(
        || settings.clone(),
        |settings| {
            let loaded = iamlint::load_deployment_noting(&settings);
            let supplied: usize = loaded
                .deployment
                .config
                .stack_parameters
                .iter()
                .map(|values| values.len())
                .sum();
            format!(
                "{} templates, {supplied} values supplied",
                loaded.deployment.templates.len()
            )
        },
    );
    std::fs::remove_dir_all(&dir).ok();
    result
}

fn resource_suppressions(n: usize) -> (Duration, String) {
    best(
        || {
            let mut text = String::from("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n");
            for i in 0..n {
                text.push_str(&format!(
                    "  Q{i}:\n    Type: AWS::SQS::Queue\n    Metadata:\n      iamlint:\n        ignore: [REF001]\n    Properties:\n      QueueName: !Ref Missing{i}\n"
                ));
            }
            let inputs = vec![Input {
                path: "suppressed.yaml".into(),
                bytes: text.into_bytes(),
                explicit: true,
            }];
            let (deployment, load_errors) = build_deployment(inputs, &ResolveConfig::default());
            let findings = run_all(&deployment, &load_errors, &[]);
            (deployment, findings)
        },
        |(deployment, findings)| {
            let applied = iamlint::suppress::apply(&deployment, findings);
            format!(
                "{} suppressed, {} kept",
                applied.suppressed.len(),
                applied.kept.len()
            )
        },
    )
}

/// One SAM API of n routes and n roles, each granted `execute-api:Invoke` on all of it.
fn access_matrix_template(n: usize) -> Vec<Input> {
    let mut text = String::from(
        "AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\nResources:\n  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: prod\n      OpenApiVersion: '3.0.1'\n      Auth:\n        DefaultAuthorizer: AWS_IAM\n        InvokeRole: NONE\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n      Handler: index.handler\n      CodeUri: s3://bucket/app.zip\n      Events:\n",
    );
    for j in 0..n {
        text.push_str(&format!(
            "        E{j}:\n          Type: Api\n          Properties:\n            RestApiId: !Ref Api\n            Path: /r{j}\n            Method: GET\n"
        ));
    }
    for k in 0..n {
        text.push_str(&format!(
            "  Role{k}:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {{AWS: !Sub 'arn:aws:iam::${{AWS::AccountId}}:root'}}\n            Action: sts:AssumeRole\n      Policies:\n        - PolicyName: call\n          PolicyDocument:\n            Version: '2012-10-17'\n            Statement:\n              - Effect: Allow\n                Action: execute-api:Invoke\n                Resource: !Sub 'arn:aws:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{Api}}/*/GET/r*'\n"
        ));
    }
    vec![Input {
        path: "matrix.yaml".into(),
        bytes: text.into_bytes(),
        explicit: true,
    }]
}

fn access_matrix(n: usize) -> (Duration, String) {
    best(
        || access_matrix_template(n),
        |inputs| {
            let (deployment, load_errors) = build_deployment(inputs, &ResolveConfig::default());
            let findings = run_all(&deployment, &load_errors, &[]);
            let undecided = findings
                .iter()
                .any(|f| f.rule.code == "COV001" && f.message.contains("access matrix"));
            format!("{} findings, budget reached: {undecided}", findings.len())
        },
    )
}

/// Human output's bytes per finding at each size (must stay about constant).
static BYTES_PER_FINDING: std::sync::Mutex<Vec<f64>> = std::sync::Mutex::new(Vec::new());

/// Runs one blow-up at its sizes, prints a row per size; its verdicts.
fn measure(name: &str, sizes: [usize; 3], run: fn(usize) -> (Duration, String)) -> Vec<String> {
    let quick = std::env::var_os("IAMLINT_BENCH_QUICK").is_some();
    let mut verdicts = Vec::new();
    let mut previous: Option<(usize, f64)> = None;
    for (index, n) in sizes.into_iter().enumerate() {
        if quick && index == 2 {
            break;
        }
        let (time, note) = run(n);
        let ms = time.as_secs_f64() * 1e3;
        let ratio = previous.map_or_else(String::new, |(p, t)| {
            format!("{:.1}x for {}x", ms / t.max(1e-6), n / p)
        });
        println!("{name:<18} {n:>8} {ms:>12.2} {ratio:>14}   {note}");
        if let Some((p, t)) = previous {
            let r = ms / t.max(1e-6);
            verdicts.push(format!(
                "{name}: {p}→{n}: {r:.1}x the time: {} (target ≤ {MAX_RATIO}x)",
                pass(r <= MAX_RATIO)
            ));
        }
        if time > TOO_SLOW {
            verdicts.push(format!("{name}: {n} took {ms:.0} ms: OVER (limit 10 s)"));
            break;
        }
        previous = Some((n, ms));
    }
    verdicts
}

fn main() {
    // `cargo bench` passes `--bench`; there is nothing to choose.
    println!(
        "{:<18} {:>8} {:>12} {:>14}   what it gave",
        "blow-up", "n", "time ms", "time/prev"
    );
    let mut verdicts = Vec::new();
    verdicts.extend(measure("pattern *a × n", [80, 800, 8000], pattern_matching));
    verdicts.extend(measure(
        "${V} × n one line",
        [1_000, 10_000, 100_000],
        line_column,
    ));
    verdicts.extend(measure(
        "human n findings",
        [100, 1_000, 10_000],
        human_output,
    ));
    verdicts.extend(measure(
        "did you mean n×n",
        [100, 1_000, 10_000],
        did_you_mean,
    ));
    verdicts.extend(measure("stacks globs n×n", [30, 300, 3_000], stacks_globs));
    verdicts.extend(measure(
        "suppressions n×n",
        [400, 4_000, 40_000],
        resource_suppressions,
    ));
    verdicts.extend(measure(
        "access n routes×roles",
        [100, 1_000, 10_000],
        access_matrix,
    ));
    let sizes = BYTES_PER_FINDING.lock().unwrap().clone();
    if let (Some(first), Some(last)) = (sizes.first(), sizes.last()) {
        let growth = last / first.max(1.0);
        verdicts.push(format!(
            "human n findings: {first:.0} → {last:.0} bytes per finding ({growth:.2}x): {} (target ≤ 1.5x)",
            pass(growth <= 1.5)
        ));
    }
    for verdict in &verdicts {
        println!("{verdict}");
    }
    if verdicts.iter().any(|v| v.contains("OVER")) {
        std::process::exit(1);
    }
}

fn pass(ok: bool) -> &'static str {
    if ok { "ok" } else { "OVER" }
}
