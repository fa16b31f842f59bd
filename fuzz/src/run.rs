//! Running iamlint on an input set: in process on memory (every report of `check`, `graph` and
//! `routes` from one analysis), or through `iamlint::cli::run` on the files written to a folder, with
//! one command line, as the binary runs it.

use std::path::{Path, PathBuf};

use clap::Parser;
use iamlint::cli::{self, CheckFormat, GraphFormat, RoutesFormat};
use iamlint::report::{Position, Summary};
use iamlint::resolve::ResolveConfig;
use iamlint::source::Location;

use crate::corpus::{File, InputSet};
use crate::rng::Rng;

/// One text a run wrote, and how to check it.
pub struct Output {
    /// The format or stream, e.g. `check --format sarif` or `stderr`.
    pub name: String,
    pub text: String,
    /// JSON, SARIF, GitLab Code Quality, graph/routes JSON: must parse.
    pub json: bool,
    /// `check --format github` stdout: its own `::error `/`::warning `/`::notice ` lines are allowed.
    pub github: bool,
    /// Human output in colour: iamlint's SGR sequences are allowed.
    pub colour: bool,
}

impl Output {
    fn new(name: &str, text: String) -> Output {
        Output {
            name: name.to_string(),
            text,
            json: false,
            github: false,
            colour: false,
        }
    }

    fn json(name: &str, text: String) -> Output {
        Output {
            json: true,
            ..Output::new(name, text)
        }
    }
}

/// The pipeline in process: load (included files and nested stacks served from the set), model,
/// rules, suppressions, then every report.
pub fn in_process(set: &InputSet) -> Vec<Output> {
    let texts: Vec<(String, String)> = set
        .iter()
        .map(|f| {
            (
                f.path.clone(),
                String::from_utf8_lossy(&f.bytes).into_owned(),
            )
        })
        .collect();
    let named: Vec<(&str, &str)> = texts
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let files = iamlint::load::file::MemoryFiles::new(&named);
    let inputs = set
        .iter()
        .filter(|f| f.is_template())
        .map(|f| iamlint::Input {
            path: PathBuf::from(&f.path),
            bytes: f.bytes.clone(),
            explicit: true,
        })
        .collect();
    let (deployment, load_errors) =
        iamlint::build_deployment_with(inputs, &ResolveConfig::default(), &files);
    let findings = iamlint::rules::run_all(&deployment, &load_errors, &[]);
    let applied = iamlint::suppress::apply(&deployment, findings);
    let in_source = applied.suppressed.len();
    let analysis = iamlint::Analysis {
        deployment,
        load_errors,
        io_errors: Vec::new(),
        notes: Vec::new(),
        findings: applied.kept,
        suppressed: applied.suppressed,
        audit: iamlint::suppress::Audit {
            in_source,
            ..iamlint::suppress::Audit::default()
        },
        over_budget: Vec::new(),
    };
    let sources = &analysis.deployment.sources;
    let summary = Summary::new(sources.len(), &analysis.findings);
    let model = iamlint::model::Model::build(&analysis.deployment);
    // What `graph` and `routes` write on stderr for each file not loaded (cli::report_not_loaded).
    let stderr: String = analysis
        .load_errors
        .iter()
        .map(|(file, error)| {
            let at = Position::of(
                sources,
                Location {
                    file: *file,
                    span: error.span,
                },
            );
            let message = format!("{}:{}:{}: {}", at.file, at.line, at.column, error.message);
            cli::stderr_line("warning", &message)
        })
        .collect();
    // Every report through the CLI's output edge (its sanitisers), as the binary writes it.
    let check = |format: CheckFormat| cli::check_report(format, &analysis, summary);
    let deployment = &analysis.deployment;
    vec![
        Output::new(
            "check --format human",
            cli::human_report(&analysis, summary, false),
        ),
        Output {
            colour: true,
            ..Output::new(
                "check --format human --color always",
                cli::human_report(&analysis, summary, true),
            )
        },
        Output::json("check --format json", check(CheckFormat::Json)),
        Output {
            github: true,
            ..Output::new("check --format github", check(CheckFormat::Github))
        },
        Output::json("check --format sarif", check(CheckFormat::Sarif)),
        Output::new("check --format concise", check(CheckFormat::Concise)),
        Output::new("check --format junit", check(CheckFormat::Junit)),
        Output::json("check --format gitlab", check(CheckFormat::Gitlab)),
        Output::new(
            "graph --format dot",
            cli::graph_report(GraphFormat::Dot, deployment),
        ),
        Output::new(
            "graph --format mermaid",
            cli::graph_report(GraphFormat::Mermaid, deployment),
        ),
        Output::json(
            "graph --format json",
            cli::graph_report(GraphFormat::Json, deployment),
        ),
        Output::new(
            "routes --format table",
            cli::routes_report(RoutesFormat::Table, &model, sources),
        ),
        Output::json(
            "routes --format json",
            cli::routes_report(RoutesFormat::Json, &model, sources),
        ),
        Output::new("stderr (load errors)", stderr),
    ]
}

/// A command line for [`cli`]: the arguments after `iamlint`, with `{DIR}` for the input folder.
pub fn command_line(rng: &mut Rng, set: &InputSet) -> Vec<String> {
    let mut args: Vec<&str> = Vec::new();
    match rng.below(6) {
        0 => {
            args.extend(["graph", "--format"]);
            args.push(*rng.pick(&["dot", "mermaid", "json"]).unwrap_or(&"dot"));
        }
        1 => {
            args.extend(["routes", "--format"]);
            args.push(*rng.pick(&["table", "json"]).unwrap_or(&"table"));
        }
        _ => {
            args.extend(["check", "--color", "never", "--format"]);
            let formats = [
                "human", "json", "github", "sarif", "concise", "junit", "gitlab",
            ];
            args.push(*rng.pick(&formats).unwrap_or(&"human"));
            if rng.one_in(6) {
                args.push("--statistics");
            }
            if rng.one_in(6) {
                args.push("--quiet");
            }
            if rng.one_in(4) {
                args.extend(["--fail-on", "note"]);
            }
        }
    }
    let config = set.iter().find(|f| f.is_config());
    let owned_config;
    match (config, rng.below(3)) {
        (Some(config), 0) => {
            owned_config = format!("{{DIR}}/{}", config.path);
            args.extend(["--config", owned_config.as_str()]);
        }
        (_, 1) => args.push("--isolated"),
        _ => {}
    }
    if set.iter().any(|f| f.path.ends_with(".toml")) && rng.one_in(2) {
        args.extend([
            "--config-env",
            *rng.pick(&["prod", "dev", "typo"]).unwrap_or(&"prod"),
        ]);
    }
    args.push("{DIR}");
    args.into_iter().map(str::to_string).collect()
}

/// Writes the set under `dir` (emptied first; a `.git` folder stops the config search there).
pub fn write_set(set: &InputSet, dir: &Path) -> std::io::Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::create_dir_all(dir.join(".git"))?;
    for File { path, bytes } in set {
        let target = dir.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(target, bytes)?;
    }
    Ok(())
}

/// `iamlint <args>` on the set written under `dir`: its stdout and stderr.
pub fn cli(set: &InputSet, dir: &Path, args: &[String]) -> Result<Vec<Output>, String> {
    write_set(set, dir).map_err(|e| format!("cannot write {}: {e}", dir.display()))?;
    let shown = dir.display().to_string();
    let argv: Vec<String> = std::iter::once("iamlint".to_string())
        .chain(args.iter().map(|a| a.replace("{DIR}", &shown)))
        .collect();
    let parsed = iamlint::cli::Cli::try_parse_from(&argv).map_err(|e| format!("{argv:?}: {e}"))?;
    let mut out = Vec::new();
    let mut err = Vec::new();
    let _code = iamlint::cli::run(parsed, &mut out, &mut err);
    let has = |flag: &str| args.iter().any(|a| a == flag);
    let format = args
        .iter()
        .skip_while(|a| *a != "--format")
        .nth(1)
        .map_or("", String::as_str);
    let json = match args.first().map(String::as_str) {
        Some("check") if has("--statistics") => format == "json",
        Some("check") => matches!(format, "json" | "sarif" | "gitlab"),
        _ => format == "json",
    };
    let name = args
        .iter()
        .filter(|a| *a != "{DIR}")
        .cloned()
        .collect::<Vec<_>>()
        .join(" ");
    let stdout = Output {
        name: format!("{name} (stdout)"),
        text: String::from_utf8_lossy(&out).into_owned(),
        json,
        github: args.first().is_some_and(|a| a == "check")
            && format == "github"
            && !has("--statistics"),
        colour: false,
    };
    Ok(vec![
        stdout,
        Output::new(
            &format!("{name} (stderr)"),
            String::from_utf8_lossy(&err).into_owned(),
        ),
    ])
}
