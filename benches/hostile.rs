//! `cargo bench --bench hostile`: the three blow-ups of issue 14 from small hostile inputs, each at
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
