//! YAML loading speed, by hand: `cargo test --release --test yaml_speed -- --ignored --nocapture`.
//!
//! Parses (a) the 2,000 templates of the 1,000-pair deployment of `tests/common/scale.rs` one by one and
//! (b) one large template that nests all of them under one mapping (about 2,000 × 9 KB), each the best
//! of 3 runs, and prints MB/s. Ignored in the normal suite: it measures, it does not check.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

mod common;

use std::time::{Duration, Instant};

use common::scale;

const PAIRS: usize = 1000;
const RUNS: usize = 3;

/// All templates of the deployment as one document: `Stacks: {sam-0.yaml: <template>, ...}`.
fn one_large_template(files: &[(String, String)]) -> String {
    let mut text = String::from("AWSTemplateFormatVersion: '2010-09-09'\nStacks:\n");
    for (path, body) in files {
        text.push_str(&format!("  {path}:\n"));
        for line in body.lines() {
            if !line.is_empty() {
                text.push_str("    ");
            }
            text.push_str(line);
            text.push('\n');
        }
    }
    text
}

fn best_of(runs: usize, mut run: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn report(what: &str, bytes: usize, time: Duration) {
    let mb = bytes as f64 / (1024.0 * 1024.0);
    println!(
        "{what}: {mb:.1} MB in {:.1} ms = {:.1} MB/s",
        time.as_secs_f64() * 1000.0,
        mb / time.as_secs_f64()
    );
}

#[test]
#[ignore = "measures speed; run by hand with --release"]
fn yaml_parse_speed() {
    let files = scale::deployment(PAIRS);
    let bytes: usize = files.iter().map(|(_, t)| t.len()).sum();
    let time = best_of(RUNS, || {
        for (_, text) in &files {
            iamlint::load::parse_template(text, false).expect("the generated templates load");
        }
    });
    report(
        &format!("{} templates one by one", files.len()),
        bytes,
        time,
    );

    let large = one_large_template(&files);
    let time = best_of(RUNS, || {
        iamlint::load::parse_template(&large, false).expect("the large template loads");
    });
    report("one large template", large.len(), time);
}
