//! `cargo bench --bench scale`: the whole pipeline (load, model, rules) on the deployments of issue 8,
//! generated in memory by `tests/common/scale.rs`: N SAM stacks (an `AWS_IAM` API, 10 routes) and N
//! CloudFormation stacks (a role calling its own pair's API through `Fn::ImportValue`).
//!
//! For 10, 100 and 1,000 pairs (`IAMLINT_BENCH_MAX_PAIRS` caps the largest; a cap that is not one of
//! these sizes is measured too), it prints the best wall time of 3 runs (of 1 when a run takes over 2 s),
//! the ratio to the previous size, and the peak RSS against the budget of 5 × the input + 30 MB. The
//! targets (issue 8): 1,000 pairs (2,000 stacks, 10,000 routes, 1,000 roles) under 1 s; 10 × the input
//! at most 12 × the time; peak memory within the budget.
//!
//! Peak RSS (`VmHWM` of /proc/self/status) only grows over a process, so each size runs in a child: the
//! bench runs itself with `--pairs N`, which measures that one size and prints one `key=value` line.
//! `cargo bench --bench scale -- --pairs 2` runs that directly.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // benches fail loudly

#[path = "../tests/common/scale.rs"]
mod scale;

use std::collections::HashMap;
use std::process::Command;
use std::time::{Duration, Instant};

use iamlint::resolve::ResolveConfig;

/// The binary's allocator, so the bench measures what `iamlint check` does.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use iamlint::rules::run_all;
use iamlint::{Input, build_deployment};

const SIZES: [usize; 3] = [10, 100, 1000];
const RUNS: usize = 3;
/// One run longer than this is enough to show the size is slow.
const SLOW: Duration = Duration::from_secs(2);
const MB: f64 = 1024.0 * 1024.0;

/// The generated deployment as the CLI would read it; the texts are moved, not copied.
fn inputs(pairs: usize) -> Vec<Input> {
    scale::deployment(pairs)
        .into_iter()
        .map(|(path, text)| Input {
            path: path.into(),
            bytes: text.into_bytes(),
            explicit: true,
        })
        .collect()
}

/// The process's peak resident set so far, in bytes.
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .expect("VmHWM in /proc/self/status");
    let kb: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("VmHWM in kB");
    kb * 1024
}

/// Child: measures one size and prints it as `key=value` pairs.
fn measure(pairs: usize) {
    let mut best = Duration::MAX;
    let mut shape = None;
    for _ in 0..RUNS {
        // Generated fresh for every run (not timed), so no second copy of the input stays alive.
        let inputs = inputs(pairs);
        let bytes: usize = inputs.iter().map(|i| i.bytes.len()).sum();
        let start = Instant::now();
        let (deployment, load_errors) = build_deployment(inputs, &ResolveConfig::default());
        let findings = run_all(&deployment, &load_errors, &[]);
        let elapsed = start.elapsed();
        best = best.min(elapsed);
        assert!(load_errors.is_empty(), "the generated templates load");
        shape.get_or_insert_with(|| {
            let roles = deployment
                .templates
                .iter()
                .flat_map(|t| &t.resources)
                .filter(|r| r.type_name() == "AWS::IAM::Role")
                .count();
            let routes = iamlint::model::Model::build(&deployment).routes.len();
            let iam001 = findings.iter().filter(|f| f.rule.code == "IAM001").count();
            (deployment.templates.len(), routes, roles, bytes, iam001)
        });
        drop((findings, deployment));
        if elapsed > SLOW {
            break;
        }
    }
    let (stacks, routes, roles, bytes, iam001) = shape.expect("at least one run");
    println!(
        "pairs={pairs} stacks={stacks} routes={routes} roles={roles} bytes={bytes} iam001={iam001} best_ns={} peak={}",
        best.as_nanos(),
        peak_rss()
    );
}

/// Parent: runs `--pairs N` in a child process and reads its line back.
fn child(pairs: usize) -> HashMap<String, f64> {
    let exe = std::env::current_exe().expect("the bench's own path");
    let output = Command::new(exe)
        .args(["--pairs", &pairs.to_string()])
        .output()
        .expect("the bench runs itself");
    assert!(
        output.status.success(),
        "{pairs} pairs: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout
        .split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.parse().expect("a number")))
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--pairs") {
        let pairs = args
            .get(i + 1)
            .and_then(|n| n.parse().ok())
            .expect("--pairs N");
        measure(pairs);
        return;
    }
    let max: usize = match std::env::var("IAMLINT_BENCH_MAX_PAIRS") {
        Ok(v) => v.parse().expect("IAMLINT_BENCH_MAX_PAIRS is a number"),
        Err(_) => 1000,
    };
    let mut sizes: Vec<usize> = SIZES.into_iter().filter(|s| *s <= max).collect();
    if sizes.last().is_none_or(|s| *s < max) && max < 1000 {
        sizes.push(max);
    }

    println!(
        "{:>6} {:>6} {:>7} {:>6} {:>11} {:>10} {:>15} {:>9} {:>9} {:>19}",
        "pairs",
        "stacks",
        "routes",
        "roles",
        "input B",
        "time ms",
        "time/prev",
        "peak MB",
        "budget",
        "IAM001 found/right"
    );
    let mut previous: Option<(f64, f64)> = None;
    let mut verdicts = Vec::new();
    for pairs in sizes {
        let m = child(pairs);
        let time = m["best_ns"] / 1e6;
        let bytes = m["bytes"];
        let peak = m["peak"] / MB;
        let budget = 5.0 * bytes / MB + 30.0;
        let right =
            (0..pairs).filter(|i| scale::lacks_lambda_grant(*i)).count() * scale::ROUTES_PER_API;
        let iam001 = format!("{}/{right}", m["iam001"]);
        let ratio = previous.map_or_else(String::new, |(p, t)| {
            format!("{:.1}x for {}x", time / t, pairs as f64 / p)
        });
        println!(
            "{pairs:>6} {:>6} {:>7} {:>6} {bytes:>11} {time:>10.1} {ratio:>15} {peak:>9.1} {budget:>9.1} {iam001:>19}",
            m["stacks"], m["routes"], m["roles"]
        );
        if pairs == 1000 {
            verdicts.push(format!(
                "1000 pairs in {time:.0} ms: {} (target < 1000 ms)",
                pass(time < 1000.0)
            ));
        }
        if let Some((p, t)) = previous
            && pairs == 10 * p as usize
        {
            verdicts.push(format!(
                "{p}→{pairs} pairs: {:.1}x the time: {} (target ≤ 12x)",
                time / t,
                pass(time / t <= 12.0)
            ));
        }
        verdicts.push(format!(
            "{pairs} pairs peak {peak:.1} MB: {} (budget {budget:.1} MB)",
            pass(peak < budget)
        ));
        previous = Some((pairs as f64, time));
    }
    for verdict in verdicts {
        println!("{verdict}");
    }
}

fn pass(ok: bool) -> &'static str {
    if ok { "ok" } else { "OVER" }
}
