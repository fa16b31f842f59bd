//! `cargo bench --bench graph`: `iamlint graph` (DOT, Mermaid, JSON), `iamlint routes` and `check` on
//! deployments of many stacks (issue 14: `graph` was quadratic in stacks, 10,000 stacks > 10 s).
//!
//! Two shapes, generated in memory: `mesh` (`tests/common/mesh.rs`: small stacks each importing three
//! others' exports, all in one import cycle, so REF004 sees every stack) and `pairs` (the issue-8
//! SAM/CloudFormation pairs of `tests/common/scale.rs`). For 100, 1,000 and 10,000 stacks
//! (`IAMLINT_BENCH_MAX_STACKS` caps the largest), it prints the best wall time of 3 runs (of 1 when a
//! run takes over 2 s) of each step after loading, and the ratio to the previous size. The target:
//! 10 × the stacks at most 12 × the time, for every step.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // benches fail loudly

#[path = "../tests/common/mesh.rs"]
mod mesh;
#[allow(dead_code)]
#[path = "../tests/common/scale.rs"]
mod scale;

use std::time::{Duration, Instant};

use iamlint::deployment::Deployment;
use iamlint::model::Model;
use iamlint::report::{graph, routes};
use iamlint::resolve::ResolveConfig;
use iamlint::rules::run_all;
use iamlint::{Input, build_deployment};

/// The binary's allocator, so the bench measures what `iamlint graph` does.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SIZES: [usize; 3] = [100, 1000, 10_000];
const RUNS: usize = 3;
/// One run longer than this is enough to show the size is slow.
const SLOW: Duration = Duration::from_secs(2);

/// What is timed, after the deployment is built: a name and the step (returning the output's size).
type Step = (&'static str, fn(&Deployment) -> usize);

const STEPS: [Step; 6] = [
    ("load", |_| 0),
    ("graph dot", |d| graph::dot(d).len()),
    ("graph mermaid", |d| graph::mermaid(d).len()),
    ("graph json", |d| graph::json(d).len()),
    ("routes", |d| {
        let model = Model::build(d);
        routes::table(&model, &d.sources).len()
    }),
    ("check", |d| run_all(d, &[], &[]).len()),
];

/// The generated deployment as the CLI would read it.
fn inputs(shape: &str, stacks: usize) -> Vec<Input> {
    let files = match shape {
        "mesh" => mesh::mesh(stacks, true),
        _ => scale::deployment(stacks / 2),
    };
    files
        .into_iter()
        .map(|(path, text)| Input {
            path: path.into(),
            bytes: text.into_bytes(),
            explicit: true,
        })
        .collect()
}

/// The best time of each step on one deployment (loading included, as the first step).
fn measure(shape: &str, stacks: usize) -> Vec<Duration> {
    let mut best = vec![Duration::MAX; STEPS.len()];
    for _ in 0..RUNS {
        let inputs = inputs(shape, stacks);
        let start = Instant::now();
        let (deployment, load_errors) = build_deployment(inputs, &ResolveConfig::default());
        let load = start.elapsed();
        assert!(load_errors.is_empty(), "the generated templates load");
        let mut slow = load > SLOW;
        if let Some(b) = best.first_mut() {
            *b = (*b).min(load);
        }
        for ((_, step), b) in STEPS.iter().zip(best.iter_mut()).skip(1) {
            let start = Instant::now();
            std::hint::black_box(step(&deployment));
            let elapsed = start.elapsed();
            *b = (*b).min(elapsed);
            slow |= elapsed > SLOW;
        }
        if slow {
            break;
        }
    }
    best
}

fn main() {
    let max: usize = match std::env::var("IAMLINT_BENCH_MAX_STACKS") {
        Ok(v) => v.parse().expect("IAMLINT_BENCH_MAX_STACKS is a number"),
        Err(_) => 10_000,
    };
    let sizes: Vec<usize> = SIZES.into_iter().filter(|s| *s <= max).collect();
    println!(
        "{:>6} {:>7} {:>14} {:>10} {:>16}",
        "shape", "stacks", "step", "time ms", "time/prev"
    );
    let mut verdicts = Vec::new();
    for shape in ["mesh", "pairs"] {
        let mut previous: Option<(usize, Vec<Duration>)> = None;
        for &stacks in &sizes {
            let times = measure(shape, stacks);
            for ((name, _), (i, time)) in STEPS.iter().zip(times.iter().enumerate()) {
                let ms = time.as_secs_f64() * 1e3;
                let ratio = previous.as_ref().and_then(|(p, prev)| {
                    let before = prev.get(i)?.as_secs_f64() * 1e3;
                    Some((time.as_secs_f64() * 1e3 / before, stacks / p))
                });
                let shown = ratio.map_or_else(String::new, |(r, x)| format!("{r:.1}x for {x}x"));
                println!("{shape:>6} {stacks:>7} {name:>14} {ms:>10.1} {shown:>16}");
                if let Some((r, 10)) = ratio {
                    verdicts.push(format!(
                        "{shape} {name}: {}→{stacks} stacks {r:.1}x the time: {} (target ≤ 12x)",
                        stacks / 10,
                        if r <= 12.0 { "ok" } else { "OVER" }
                    ));
                }
            }
            previous = Some((stacks, times));
        }
    }
    for verdict in verdicts {
        println!("{verdict}");
    }
}
