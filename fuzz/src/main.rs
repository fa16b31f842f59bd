//! `iamlint-fuzz`: a mutation fuzzer for iamlint on stable Rust (no cargo-fuzz, no nightly).
//!
//! It mutates the fixtures (see [`mutate`]) and runs the real pipeline on each input set: in
//! process on memory for most runs (every report of `check`, `graph` and `routes`), and one run in
//! `--cli-every` through `iamlint::cli::run` on the files written to a folder, with one command line.
//! Invariants ([`check`]): no panic, no run slower than `--slow-ms`, no output larger than 1 MB + 200 ×
//! the input, JSON outputs that parse; and, reported apart (failing only with `--strict-output`),
//! output safe for a CI log.
//!
//! A supervisor process runs the fuzzing in a worker (itself with `--worker`): a stack overflow or an
//! allocation failure kills the worker, not the run; the supervisor saves the input the worker was
//! running (`.current` in the artifacts folder), kills a worker stuck on one input past
//! `--hang-seconds`, and starts a new worker for the time left.

mod artifact;
mod check;
mod corpus;
mod mutate;
mod rng;
mod run;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{ExitCode, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use artifact::Command;
use corpus::InputSet;
use rng::Rng;

const USAGE: &str = "usage: iamlint-fuzz [--seconds N] [--iterations N] [--seed S] [--corpus DIR] [--artifacts DIR]
                    [--strict-output] [--slow-ms MS] [--hang-seconds N] [--cli-every N] [--memory-mb MB]
       iamlint-fuzz --replay ARTIFACT_DIR";

/// Artifacts saved per signature (the same bug found again is only counted).
const ARTIFACTS_PER_SIGNATURE: usize = 3;

#[derive(Debug, Clone)]
struct Options {
    seconds: f64,
    iterations: Option<u64>,
    seed: u64,
    corpus: PathBuf,
    artifacts: PathBuf,
    strict_output: bool,
    slow: Duration,
    hang: Duration,
    cli_every: usize,
    memory_mb: u64,
    replay: Option<PathBuf>,
    worker: bool,
    run_seeds: bool,
}

fn default_seed() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
}

fn parse_options() -> Result<Options, String> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    // A debug build is some 10 to 20 times slower than a release build.
    let slow_ms = if cfg!(debug_assertions) {
        20_000
    } else {
        2_000
    };
    let mut options = Options {
        seconds: 60.0,
        iterations: None,
        seed: default_seed(),
        corpus: manifest.join("../fixtures"),
        artifacts: manifest.join("artifacts"),
        strict_output: false,
        slow: Duration::from_millis(slow_ms),
        hang: Duration::from_secs(30),
        cli_every: 8,
        memory_mb: 4096,
        replay: None,
        worker: false,
        run_seeds: true,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| format!("{arg} needs a value\n{USAGE}"))
        };
        let number = |text: String| {
            text.parse::<u64>()
                .map_err(|_| format!("{arg}: not a number: {text}"))
        };
        match arg.as_str() {
            "--seconds" => {
                options.seconds = value()?
                    .parse()
                    .map_err(|_| "--seconds: not a number".to_string())?
            }
            "--iterations" => options.iterations = Some(number(value()?)?),
            "--seed" => options.seed = number(value()?)?,
            "--corpus" => options.corpus = PathBuf::from(value()?),
            "--artifacts" => options.artifacts = PathBuf::from(value()?),
            "--strict-output" => options.strict_output = true,
            "--slow-ms" => options.slow = Duration::from_millis(number(value()?)?),
            "--hang-seconds" => options.hang = Duration::from_secs(number(value()?)?),
            "--cli-every" => options.cli_every = number(value()?)?.max(1) as usize,
            "--memory-mb" => options.memory_mb = number(value()?)?,
            "--replay" => options.replay = Some(PathBuf::from(value()?)),
            "--worker" => options.worker = true,
            "--no-seeds" => options.run_seeds = false,
            "--help" | "-h" => return Err(USAGE.to_string()),
            _ => return Err(format!("unknown option {arg}\n{USAGE}")),
        }
    }
    Ok(options)
}

fn main() -> ExitCode {
    let options = match parse_options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    if let Some(folder) = &options.replay {
        return replay(folder, &options);
    }
    if options.worker {
        return worker(&options);
    }
    supervise(&options)
}

/// Counts of one fuzzing session.
#[derive(Debug, Clone, Copy, Default)]
struct Stats {
    execs: u64,
    crashes: u64,
    slow: u64,
    big: u64,
    bad_json: u64,
    unsafe_output: u64,
}

impl Stats {
    fn line(&self) -> String {
        format!(
            "stats execs={} crashes={} slow={} big={} bad_json={} unsafe_output={}",
            self.execs, self.crashes, self.slow, self.big, self.bad_json, self.unsafe_output
        )
    }

    fn parse(line: &str) -> Option<Stats> {
        let fields: HashMap<&str, u64> = line
            .strip_prefix("stats ")?
            .split_whitespace()
            .filter_map(|kv| kv.split_once('='))
            .filter_map(|(k, v)| Some((k, v.parse().ok()?)))
            .collect();
        Some(Stats {
            execs: *fields.get("execs")?,
            crashes: *fields.get("crashes")?,
            slow: *fields.get("slow")?,
            big: *fields.get("big")?,
            bad_json: *fields.get("bad_json")?,
            unsafe_output: *fields.get("unsafe_output")?,
        })
    }

    fn add(&mut self, other: Stats) {
        self.execs += other.execs;
        self.crashes += other.crashes;
        self.slow += other.slow;
        self.big += other.big;
        self.bad_json += other.bad_json;
        self.unsafe_output += other.unsafe_output;
    }

    fn failing(&self, strict_output: bool) -> bool {
        self.crashes + self.slow + self.big + self.bad_json > 0
            || (strict_output && self.unsafe_output > 0)
    }
}

/// Runs workers until the time or the iterations are used up; prints the totals.
fn supervise(options: &Options) -> ExitCode {
    if let Err(e) = std::fs::create_dir_all(&options.artifacts) {
        eprintln!("cannot create {}: {e}", options.artifacts.display());
        return ExitCode::from(2);
    }
    let start = Instant::now();
    let budget = Duration::from_secs_f64(options.seconds.max(0.0));
    let mut totals = Stats::default();
    let mut rng = Rng::new(options.seed);
    println!(
        "iamlint-fuzz: seed {}, {} s, corpus {}",
        options.seed,
        options.seconds,
        options.corpus.display()
    );
    for restart in 0..200u32 {
        let left = budget.saturating_sub(start.elapsed());
        let iterations_left = options.iterations.map(|n| n.saturating_sub(totals.execs));
        if left.is_zero() || iterations_left == Some(0) {
            break;
        }
        let seed = if restart == 0 {
            options.seed
        } else {
            rng.next_u64()
        };
        match run_worker(options, seed, left, iterations_left, restart == 0) {
            Ok(stats) => totals.add(stats),
            Err(message) => {
                eprintln!("{message}");
                return ExitCode::from(2);
            }
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    println!(
        "executions: {}  exec/s: {:.1}  crashes: {}  slow: {}  big: {}  bad-json: {}  unsafe-output: {}{}",
        totals.execs,
        totals.execs as f64 / elapsed.max(0.001),
        totals.crashes,
        totals.slow,
        totals.big,
        totals.bad_json,
        totals.unsafe_output,
        if options.strict_output {
            ""
        } else {
            " (not failing without --strict-output)"
        }
    );
    println!("artifacts: {}", options.artifacts.display());
    if totals.failing(options.strict_output) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// One worker until it ends, dies or hangs: its last stats (a death or a hang counted as a crash
/// or a slow run, with the input saved).
fn run_worker(
    options: &Options,
    seed: u64,
    left: Duration,
    iterations: Option<u64>,
    seeds: bool,
) -> Result<Stats, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find myself: {e}"))?;
    let mut args: Vec<String> = vec![
        "--worker".into(),
        "--seed".into(),
        seed.to_string(),
        "--seconds".into(),
        left.as_secs_f64().to_string(),
        "--corpus".into(),
        options.corpus.display().to_string(),
        "--artifacts".into(),
        options.artifacts.display().to_string(),
        "--slow-ms".into(),
        options.slow.as_millis().to_string(),
        "--cli-every".into(),
        options.cli_every.to_string(),
    ];
    if let Some(n) = iterations {
        args.extend(["--iterations".into(), n.to_string()]);
    }
    if options.strict_output {
        args.push("--strict-output".into());
    }
    if !seeds {
        args.push("--no-seeds".into());
    }
    // Under an address-space limit when `prlimit` exists: a run that would take the machine's
    // memory fails its allocation instead (the worker aborts and its input is saved).
    let limited = options.memory_mb > 0 && Path::new("/usr/bin/prlimit").exists();
    let mut command = if limited {
        let mut c = std::process::Command::new("/usr/bin/prlimit");
        c.arg(format!("--as={}", options.memory_mb * 1024 * 1024))
            .arg(&exe);
        c
    } else {
        std::process::Command::new(&exe)
    };
    let mut child = command
        .args(&args)
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start the worker: {e}"))?;
    let last: std::sync::Arc<Mutex<Option<Stats>>> = std::sync::Arc::default();
    let reader = child.stdout.take().map(|stdout| {
        let last = std::sync::Arc::clone(&last);
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                match Stats::parse(&line) {
                    Some(stats) => {
                        if let Ok(mut slot) = last.lock() {
                            *slot = Some(stats);
                        }
                    }
                    None => println!("{line}"),
                }
            }
        })
    });
    let current = options.artifacts.join(".current");
    let mut hung = false;
    let status = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break Some(status);
        }
        let stale = std::fs::metadata(&current)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > options.hang);
        if stale {
            hung = true;
            let _ = child.kill();
            break child.wait().ok();
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    if let Some(reader) = reader {
        let _ = reader.join();
    }
    let mut stats = last.lock().ok().and_then(|s| *s).unwrap_or_default();
    let died = status.is_some_and(|s| !s.success());
    if hung || died {
        let (kind, detail) = if hung {
            stats.slow += 1;
            (
                "slow",
                format!("no result after {} s (killed)", options.hang.as_secs()),
            )
        } else {
            stats.crashes += 1;
            (
                "crash",
                format!(
                    "the worker died: {}",
                    status.map_or("?".into(), |s| s.to_string())
                ),
            )
        };
        stats.execs += 1;
        match artifact::read_current(&current) {
            Some((set, command)) => {
                match artifact::save(&options.artifacts, kind, &set, &command, &detail) {
                    Ok(folder) => eprintln!("{kind}: {detail} → {}", folder.display()),
                    Err(e) => eprintln!("{kind}: {detail}; cannot save the input: {e}"),
                }
            }
            None => eprintln!("{kind}: {detail}; no input recorded"),
        }
        let _ = std::fs::remove_file(&current);
    }
    Ok(stats)
}

/// The message of the last panic (the hook stores it; the default hook would print every one).
static LAST_PANIC: Mutex<String> = Mutex::new(String::new());

fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        if let Ok(mut last) = LAST_PANIC.lock() {
            *last = info.to_string();
        }
    }));
}

/// The fuzzing loop of a worker: prints its stats every 2 s and at the end.
fn worker(options: &Options) -> ExitCode {
    let corpus = match corpus::load(&options.corpus) {
        Ok(corpus) if !corpus.files.is_empty() => corpus,
        Ok(_) => {
            eprintln!("no seed files in {}", options.corpus.display());
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("cannot read the corpus {}: {e}", options.corpus.display());
            return ExitCode::from(2);
        }
    };
    install_panic_hook();
    let mut fuzzer = Fuzzer {
        options,
        stats: Stats::default(),
        saved: HashMap::new(),
        workdir: std::env::temp_dir().join(format!("iamlint-fuzz-{}", std::process::id())),
        current: options.artifacts.join(".current"),
    };
    let mut rng = Rng::new(options.seed);
    let start = Instant::now();
    let budget = Duration::from_secs_f64(options.seconds.max(0.0));
    let mut last_report = Instant::now();
    let mut seeds: Vec<InputSet> = Vec::new();
    if options.run_seeds {
        seeds.extend(corpus.sets.iter().cloned());
        seeds.extend(corpus.files.iter().map(|f| vec![f.clone()]));
        seeds.reverse();
    }
    while start.elapsed() < budget && options.iterations.is_none_or(|n| fuzzer.stats.execs < n) {
        let set = seeds
            .pop()
            .unwrap_or_else(|| mutate::input_set(&mut rng, &corpus));
        let command = if rng.one_in(options.cli_every) {
            Command::Cli(run::command_line(&mut rng, &set))
        } else {
            Command::InProcess
        };
        fuzzer.run(&set, &command);
        if last_report.elapsed() > Duration::from_secs(2) {
            println!("{}", fuzzer.stats.line());
            last_report = Instant::now();
        }
    }
    println!("{}", fuzzer.stats.line());
    let _ = std::fs::remove_dir_all(&fuzzer.workdir);
    let _ = std::fs::remove_file(&fuzzer.current);
    ExitCode::SUCCESS
}

struct Fuzzer<'o> {
    options: &'o Options,
    stats: Stats,
    /// Artifacts saved per signature.
    saved: HashMap<String, usize>,
    /// Where CLI runs write their input set.
    workdir: PathBuf,
    /// `.current` in the artifacts folder.
    current: PathBuf,
}

impl Fuzzer<'_> {
    /// Runs one input set and checks every invariant.
    fn run(&mut self, set: &InputSet, command: &Command) {
        let _ = artifact::write_current(&self.current, set, command);
        self.stats.execs += 1;
        let start = Instant::now();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match command {
            Command::InProcess => Ok(run::in_process(set)),
            Command::Cli(args) => run::cli(set, &self.workdir, args),
        }));
        let elapsed = start.elapsed();
        let outputs = match outcome {
            Ok(Ok(outputs)) => outputs,
            Ok(Err(harness)) => {
                eprintln!("harness error: {harness}");
                return;
            }
            Err(_) => {
                let message = LAST_PANIC.lock().map(|m| m.clone()).unwrap_or_default();
                self.stats.crashes += 1;
                let signature = format!("panic {}", message.lines().next().unwrap_or(""));
                self.record("crash", &signature, &message, set, command);
                return;
            }
        };
        if elapsed > self.options.slow {
            self.stats.slow += 1;
            let detail = format!(
                "{:.2} s (bound {:.2} s)",
                elapsed.as_secs_f64(),
                self.options.slow.as_secs_f64()
            );
            let signature = format!("slow {}", command_name(command));
            self.record("slow", &signature, &detail, set, command);
        }
        let input_bytes = mutate::set_bytes(set);
        let mut unsafe_seen = false;
        for problem in check::problems(&outputs, input_bytes) {
            match problem.kind {
                "big" => self.stats.big += 1,
                "bad-json" => self.stats.bad_json += 1,
                _ if unsafe_seen => continue,
                _ => {
                    unsafe_seen = true;
                    self.stats.unsafe_output += 1;
                }
            }
            self.record(
                problem.kind,
                &problem.signature,
                &problem.detail,
                set,
                command,
            );
        }
    }

    /// Saves the first few inputs of each signature and says so.
    fn record(
        &mut self,
        kind: &str,
        signature: &str,
        detail: &str,
        set: &InputSet,
        command: &Command,
    ) {
        let count = self.saved.entry(signature.to_string()).or_insert(0);
        *count += 1;
        if *count > ARTIFACTS_PER_SIGNATURE {
            return;
        }
        let first = *count == 1;
        match artifact::save(&self.options.artifacts, kind, set, command, detail) {
            Ok(folder) if first => eprintln!("{kind}: {} → {}", one_line(detail), folder.display()),
            Ok(_) => {}
            Err(e) => eprintln!("{kind}: {}; cannot save the input: {e}", one_line(detail)),
        }
    }
}

fn command_name(command: &Command) -> String {
    match command {
        Command::InProcess => "in-process".to_string(),
        Command::Cli(args) => args
            .iter()
            .take_while(|a| a.starts_with('-') || !a.contains('{'))
            .take(4)
            .cloned()
            .collect::<Vec<_>>()
            .join(" "),
    }
}

fn one_line(text: &str) -> String {
    let line: String = text.split('\n').collect::<Vec<_>>().join(" | ");
    line.chars().take(300).collect()
}

/// `--replay DIR`: runs an artifact's input set in process and reports every problem.
fn replay(folder: &Path, options: &Options) -> ExitCode {
    let set = match artifact::load_folder(folder) {
        Ok(set) => set,
        Err(e) => {
            eprintln!("cannot read {}: {e}", folder.display());
            return ExitCode::from(2);
        }
    };
    let start = Instant::now();
    let outputs = run::in_process(&set);
    let elapsed = start.elapsed();
    println!(
        "{} files, {} bytes, {:.3} s",
        set.len(),
        mutate::set_bytes(&set),
        elapsed.as_secs_f64()
    );
    let problems = check::problems(&outputs, mutate::set_bytes(&set));
    for problem in &problems {
        println!("{}", problem.detail);
    }
    let failing = elapsed > options.slow
        || problems
            .iter()
            .any(|p| p.kind != "unsafe-output" || options.strict_output);
    if failing {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
