//! The command line: `iamlint check` and `iamlint graph` (clap), and the exit code of a run.
//!
//! Exit codes: 0 no finding at or above `--fail-on`, 1 findings at or above it, 2 usage, config or
//! I/O error (an unreadable path is reported on one line and the other files are still analysed).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::finding::Severity;
use crate::report::{self, Summary};
use crate::resolve::ResolveConfig;
use crate::sanitize;
use crate::select::Selector;
use crate::{Settings, analyze, load_deployment_noting};

#[derive(Debug, Parser)]
#[command(
    name = "iamlint",
    version,
    about = "Static analysis of AWS SAM and CloudFormation deployments: IAM-protected API routes, cross-stack references, CORS."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the templates of a deployment and report problems.
    Check(CheckArgs),
    /// Print the deployment's reference graph (stacks, resources, exports, imports).
    Graph(GraphArgs),
    /// List every API route: authorization, how API Gateway invokes the Lambda, target, callers.
    Routes(RoutesArgs),
    /// List the rules: code, name, default severity, summary.
    Rules(RulesArgs),
    /// Print a rule's documentation (by code or name, e.g. `IAM001` or `caller-missing-lambda-invoke`).
    Explain(ExplainArgs),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
}

#[derive(Debug, Args)]
pub struct DeploymentArgs {
    /// Template files or folders (searched recursively for .yaml/.yml/.json/.template templates).
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// The config file for every checked path (default: for each checked path, the nearest
    /// `.iamlint.yaml` or `.iamlint.yml` in it or above it, up to the repository root).
    #[arg(long, value_name = "PATH", conflicts_with = "isolated")]
    pub config: Option<PathBuf>,
    /// Use no config file.
    #[arg(long)]
    pub isolated: bool,
    /// Also read the untracked files that git's ignore rules (`.gitignore`, `.git/info/exclude`)
    /// ignore (tracked files are always read).
    #[arg(long)]
    pub no_ignore: bool,
    /// A parameter value for every template that declares the parameter (repeatable).
    #[arg(long = "param", value_name = "NAME=VALUE", value_parser = parse_param)]
    pub params: Vec<(String, String)>,
    /// A CloudFormation (`[{"ParameterKey", "ParameterValue"}]`) or CodePipeline
    /// (`{"Parameters": {…}}`) JSON parameter file, for every template (repeatable; a later file
    /// wins).
    #[arg(long = "parameter-file", value_name = "PATH")]
    pub parameter_files: Vec<PathBuf>,
    /// Read `[NAME.deploy.parameters]` of the `samconfig.toml` beside each template (as
    /// `sam deploy --config-env NAME`).
    #[arg(long = "config-env", value_name = "NAME")]
    pub config_env: Option<String>,
    /// The name of the template read from standard input (the path `-`): shown in the output, and
    /// its folder is where included files and the config are looked for (default: `-`, in the
    /// current folder).
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub deployment: DeploymentArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub format: CheckFormat,
    /// Exit with 1 when a finding of this severity or above is reported (default: the config's
    /// `fail-on`, else warning).
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// An export name defined by a stack outside this check (repeatable): imports of it are fine.
    #[arg(long = "external-export", value_name = "NAME")]
    pub external_exports: Vec<String>,
    /// Colour in human output (`auto` honours NO_COLOR and whether stdout is a terminal).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Print nothing when there is no finding; otherwise findings without the summary line.
    #[arg(long, short)]
    pub quiet: bool,
    /// The rules to check (replacing the config's `select`): codes, names, code prefixes (`CORS`,
    /// `IAM00`) or `ALL`; comma-separated, repeatable.
    #[arg(long, value_name = "RULES", value_delimiter = ',', value_parser = parse_selector)]
    pub select: Option<Vec<Selector>>,
    /// Rules to check in addition to the selected ones (codes, names, prefixes).
    #[arg(long, value_name = "RULES", value_delimiter = ',', value_parser = parse_selector)]
    pub extend_select: Vec<Selector>,
    /// Rules not to check (codes, names, prefixes); the more specific selector wins, `ignore` a tie.
    #[arg(long, value_name = "RULES", value_delimiter = ',', value_parser = parse_selector)]
    pub ignore: Vec<Selector>,
    /// Exit with 0 even when findings are reported (still 2 on a usage, config or I/O error).
    #[arg(long)]
    pub exit_zero: bool,
    /// Write the report to FILE instead of standard output (notes and errors stay on stderr).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output_file: Option<PathBuf>,
    /// Print the number of findings of each rule (most first) instead of the findings.
    #[arg(long)]
    pub statistics: bool,
    /// Refuse the templates' own suppressions (`# iamlint: ignore[…]` comments, `Metadata`): each is
    /// listed as refused and its findings are reported. For a gate on pull requests, which write
    /// them (also config `inline-suppressions: false`).
    #[arg(long)]
    pub no_inline_suppressions: bool,
    /// Exit with 0 when a checked path holds no template (by default that is an error, exit 2: a
    /// gate that checked nothing has not passed).
    #[arg(long)]
    pub allow_no_templates: bool,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    #[command(flatten)]
    pub deployment: DeploymentArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
}

#[derive(Debug, Args)]
pub struct RoutesArgs {
    #[command(flatten)]
    pub deployment: DeploymentArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = RoutesFormat::Table)]
    pub format: RoutesFormat,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = RoutesFormat::Table)]
    pub format: RoutesFormat,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A rule code or name.
    pub rule: String,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoutesFormat {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Human,
    Json,
    /// GitHub Actions workflow commands (`::error file=…::…`), one line per finding.
    Github,
    /// SARIF 2.1.0 (GitHub code scanning).
    Sarif,
    /// One line per finding: `path:line:col: CODE [severity] message`.
    Concise,
    /// JUnit XML: a test suite per rule, a failing test case per finding.
    Junit,
    /// GitLab Code Quality JSON (`artifacts: reports: codequality`).
    Gitlab,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    Dot,
    Mermaid,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Note,
}

impl FailOn {
    fn threshold(self) -> Severity {
        match self {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
            FailOn::Note => Severity::Note,
        }
    }
}

fn parse_selector(text: &str) -> Result<Selector, String> {
    Selector::parse(text)
}

fn parse_param(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_string(), value.to_string()))
        }
        _ => Err(format!(
            "expected NAME=VALUE, got `{}`",
            sanitize::line(text)
        )),
    }
}

/// Exit codes.
pub const EXIT_CLEAN: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

/// Runs a parsed command line, writing the report to `out` and errors to `err`.
pub fn run(cli: Cli, out: &mut dyn Write, err: &mut dyn Write) -> ExitCode {
    let code = match cli.command {
        Command::Check(args) => check(&args, out, err),
        Command::Graph(args) => graph(&args, out, err),
        Command::Routes(args) => routes(&args, out, err),
        Command::Rules(args) => rules(&args, out),
        Command::Explain(args) => explain(&args, out, err),
        Command::Completions(args) => {
            // Generated into a buffer: clap_complete panics when it cannot write (a closed pipe).
            let mut script = Vec::new();
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(args.shell, &mut command, "iamlint", &mut script);
            if out.write_all(&script).is_err() {
                EXIT_ERROR
            } else {
                EXIT_CLEAN
            }
        }
    };
    ExitCode::from(code)
}

/// [`settings`] (its warnings written to `err`), or the config error written to `err` (the caller
/// exits with 2).
fn settings_or_report(args: &DeploymentArgs, err: &mut dyn Write) -> Option<Settings> {
    match settings(args) {
        Ok((settings, warnings)) => {
            for warning in warnings {
                say(err, "warning", &warning);
            }
            Some(settings)
        }
        Err(message) => {
            say(err, "error", &message);
            None
        }
    }
}

/// Command-line values over the config file's values, and warnings to print. A config error is
/// returned as one line.
fn settings(args: &DeploymentArgs) -> Result<(Settings, Vec<String>), String> {
    let roots = checked_roots(args);
    let (config, path_configs, warnings) = configs(args, &roots)?;
    let mut resolve = ResolveConfig::default();
    let mut external_exports = Vec::new();
    if let Some(c) = &config {
        resolve.parameters = c.parameters.clone();
        if let Some(partition) = &c.partition {
            resolve.partition = partition.clone();
        }
        resolve.region = c.region.clone();
        resolve.account_id = c.account_id.clone();
        external_exports = c.external_exports.clone();
    }
    resolve.parameters.extend(args.params.iter().cloned());
    let parameters = crate::parameters::Inputs {
        command_line: args.params.clone(),
        parameter_files: args.parameter_files.clone(),
        config_env: args.config_env.clone(),
    };
    let stdin = read_stdin(args)?;
    let settings = Settings {
        paths: args.paths.clone(),
        resolve,
        external_exports,
        config,
        parameters,
        path_configs,
        walk: crate::discover::Walk {
            honour_ignore_files: !args.no_ignore,
        },
        selection: crate::select::Layer::default(),
        stdin,
        no_inline_suppressions: false,
        roots,
    };
    Ok((settings, warnings))
}

/// The repository boundary of the run: the root of each checked path (for `-`, of the folder of
/// `--stdin-filename`, default the current folder).
fn checked_roots(args: &DeploymentArgs) -> Vec<crate::repository::CheckedRoot> {
    let starts: Vec<PathBuf> = args
        .paths
        .iter()
        .map(|checked| config_search_start(args, checked))
        .collect();
    crate::repository::roots_of(&starts)
}

/// The template on standard input when a checked path is `-`, named by `--stdin-filename`.
fn read_stdin(args: &DeploymentArgs) -> Result<Option<crate::Input>, String> {
    if !args
        .paths
        .iter()
        .any(|p| p.as_os_str() == crate::STDIN_PATH)
    {
        return Ok(None);
    }
    let limit = crate::load::file::MAX_FILE_BYTES;
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(std::io::stdin(), limit + 1),
        &mut bytes,
    )
    .map_err(|e| format!("cannot read standard input: {e}"))?;
    if bytes.len() as u64 > limit {
        return Err(format!(
            "standard input is more than {} MiB, iamlint's limit for a template",
            limit / (1024 * 1024)
        ));
    }
    Ok(Some(crate::Input {
        path: stdin_name(args),
        bytes,
        explicit: true,
    }))
}

/// The name of the template on standard input.
fn stdin_name(args: &DeploymentArgs) -> PathBuf {
    args.stdin_filename
        .clone()
        .unwrap_or_else(|| PathBuf::from(crate::STDIN_PATH))
}

/// Where the config of a checked path is looked for: the path, or for `-` the folder of
/// `--stdin-filename` (default: the current folder).
fn config_search_start(args: &DeploymentArgs, checked: &Path) -> PathBuf {
    if checked.as_os_str() != crate::STDIN_PATH {
        return checked.to_path_buf();
    }
    match stdin_name(args).parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The deployment's config, each checked path's, and warnings (see [`configs`]).
type Configs = (
    Option<crate::config::Config>,
    Vec<Option<crate::config::Config>>,
    Vec<String>,
);

/// The configs of a run: the deployment's (the first checked path's), each checked path's (empty
/// when one config or none holds for all: `--config`, `--isolated`), and a warning for each other
/// config whose deployment-wide settings are not used.
fn configs(
    args: &DeploymentArgs,
    roots: &[crate::repository::CheckedRoot],
) -> Result<Configs, String> {
    let load = |path: &Path| crate::config::load(path).map_err(|e| e.to_string());
    if args.isolated {
        return Ok((None, Vec::new(), Vec::new()));
    }
    if let Some(path) = &args.config {
        return Ok((Some(load(path)?), Vec::new(), Vec::new()));
    }
    let mut loaded: Vec<crate::config::Config> = Vec::new();
    let mut path_configs = Vec::new();
    for checked in &args.paths {
        let Some(found) = crate::config::find(&config_search_start(args, checked))? else {
            path_configs.push(None);
            continue;
        };
        crate::config::admit_found(&found, roots)?;
        let found = relative_to_current_folder(found);
        let config = match loaded.iter().find(|c| c.path == found) {
            Some(config) => config.clone(),
            None => {
                let config = crate::config::load_found(&found).map_err(|e| e.to_string())?;
                loaded.push(config.clone());
                config
            }
        };
        path_configs.push(Some(config));
    }
    let deployment = path_configs.first().cloned().flatten();
    let warnings = unused_deployment_settings(deployment.as_ref(), &loaded);
    Ok((deployment, path_configs, warnings))
}

/// One warning per config whose parameters, partition, region, account id, external exports or
/// fail-on differ from those of the deployment's config (which the run uses).
fn unused_deployment_settings(
    used: Option<&crate::config::Config>,
    loaded: &[crate::config::Config],
) -> Vec<String> {
    let none = crate::config::Config::default();
    let used_or_none = used.unwrap_or(&none);
    let used_name = match used {
        Some(config) => format!(
            "from {}, the first checked path's config",
            config.path.display()
        ),
        None => "from no config: the first checked path has none".to_string(),
    };
    loaded
        .iter()
        .filter(|c| c.path != used_or_none.path && !c.same_deployment_settings(used_or_none))
        .map(|c| {
            format!(
                "{}: its parameters, partition, region, account-id, external-exports and fail-on are not used (the run takes them {used_name}); its templates, exclude and rules apply to its files",
                c.path.display()
            )
        })
        .collect()
}

/// `path` relative to the current folder when it is below it (so messages name it as the user would).
fn relative_to_current_folder(path: PathBuf) -> PathBuf {
    let Some(current) = std::env::current_dir()
        .ok()
        .and_then(|d| std::fs::canonicalize(d).ok())
    else {
        return path;
    };
    match path.strip_prefix(&current) {
        Ok(relative) if !relative.as_os_str().is_empty() => relative.to_path_buf(),
        _ => path,
    }
}

fn check(args: &CheckArgs, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let Some(mut settings) = settings_or_report(&args.deployment, err) else {
        return EXIT_ERROR;
    };
    settings
        .external_exports
        .extend(args.external_exports.iter().cloned());
    settings.no_inline_suppressions = args.no_inline_suppressions;
    settings.selection = crate::select::Layer {
        select: args.select.clone(),
        extend_select: args.extend_select.clone(),
        ignore: args.ignore.clone(),
    };
    let fail_on = args
        .fail_on
        .map(FailOn::threshold)
        .or(settings.config.as_ref().and_then(|c| c.fail_on))
        .unwrap_or(Severity::Warning);
    let analysis = analyze(&settings);
    let sources = &analysis.deployment.sources;
    let summary = Summary::new(sources.len(), &analysis.findings);
    let text = if args.statistics {
        statistics(&analysis.findings, args.format)
    } else {
        render_check(args, &analysis, summary)
    };
    let written = match &args.output_file {
        Some(path) => crate::output_file::write_report(path, text.as_bytes())
            .inspect_err(|e| {
                let message = format!("cannot write {}: {e}", path.display());
                say(err, "error", &message);
            })
            .is_ok(),
        None => out
            .write_all(text.as_bytes())
            .and_then(|()| out.flush())
            .is_ok(),
    };
    write_notes(&analysis.notes, err);
    // Other formats carry no summary: a config or suppression that silenced findings, and the
    // templates not read, are said on stderr, which a CI log shows whatever the format.
    let audit = &analysis.audit;
    if args.format != CheckFormat::Human || args.statistics || text.is_empty() {
        write_notes(&crate::discover::skipped_lines(&audit.skipped), err);
    }
    if audit.changed_anything()
        && (args.format != CheckFormat::Human || args.statistics)
        && let Some(sentence) = audit.sentence()
    {
        say(err, "note", &sentence);
    }
    for message in &analysis.io_errors {
        say(err, "error", message);
    }
    if !written || !analysis.io_errors.is_empty() {
        return EXIT_ERROR;
    }
    let empty = paths_without_templates(&args.deployment.paths, &analysis);
    if !empty.is_empty() {
        let message = format!("no templates found in {}", describe_paths(&empty));
        if !args.allow_no_templates {
            say(err, "error", &message);
            return EXIT_ERROR;
        }
        say(err, "warning", &message);
    }
    let failing = analysis
        .findings
        .iter()
        .any(|f| f.certainty.is_definite() && f.severity >= fail_on);
    if failing && !args.exit_zero {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

/// The report of `check` in the chosen format.
fn render_check(args: &CheckArgs, analysis: &crate::Analysis, summary: Summary) -> String {
    let sources = &analysis.deployment.sources;
    match args.format {
        // Nothing could be read: the errors on stderr say so; "No problems found in 0 files" would not.
        // Likewise when nothing was found and that is an error.
        CheckFormat::Human
            if sources.is_empty()
                && (!analysis.io_errors.is_empty() || !args.allow_no_templates) =>
        {
            String::new()
        }
        CheckFormat::Human => {
            let color = match args.color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => {
                    args.output_file.is_none()
                        && std::io::stdout().is_terminal()
                        && std::env::var_os("NO_COLOR").is_none()
                }
            };
            let text = human_report(analysis, summary, color);
            if args.quiet {
                quiet(&text, &analysis.findings, &analysis.audit)
            } else {
                text
            }
        }
        format => check_report(format, analysis, summary),
    }
}

/// The report of `check` in a format other than human (see [`human_report`]), through its sanitiser:
/// with [`human_report`], [`graph_report`], [`routes_report`] and [`stderr_line`], the output edge of
/// the CLI (the fuzz harness renders through these too).
pub fn check_report(format: CheckFormat, analysis: &crate::Analysis, summary: Summary) -> String {
    let sources = &analysis.deployment.sources;
    match format {
        CheckFormat::Human => human_report(analysis, summary, false),
        CheckFormat::Json => {
            let json = report::json::render(sources, &analysis.findings, summary, &analysis.audit);
            sanitize::json(json) + "\n"
        }
        // Escaped as the runner unescapes, inside the report (a property is not a message).
        CheckFormat::Github => report::github::render(sources, &analysis.findings),
        CheckFormat::Sarif => {
            let audited = report::sarif::Audited {
                suppressed: &analysis.suppressed,
                audit: &analysis.audit,
            };
            sanitize::json(report::sarif::render(sources, &analysis.findings, audited))
        }
        CheckFormat::Concise => {
            sanitize::terminal(&report::concise::render(sources, &analysis.findings)).into_owned()
        }
        CheckFormat::Junit => {
            sanitize::xml_document(report::junit::render(sources, &analysis.findings))
        }
        CheckFormat::Gitlab => sanitize::json(report::gitlab::render(sources, &analysis.findings)),
    }
}

/// The human report, made safe for a terminal or a CI log ([`sanitize::terminal`]). In colour, the
/// report is drawn twice: when the text from input holds anything to escape, the colourless report
/// is escaped and printed instead, so the only escape sequences written are miette's own colours.
pub fn human_report(analysis: &crate::Analysis, summary: Summary, color: bool) -> String {
    let sources = &analysis.deployment.sources;
    let render = |color| {
        let style = report::human::Style { color, width: 100 };
        let text = report::human::render(sources, &analysis.findings, summary, style);
        with_audit(text, &analysis.audit)
    };
    let plain = render(false);
    let safe = sanitize::terminal(&plain);
    if color && *safe == plain {
        render(true)
    } else {
        safe.into_owned()
    }
}

/// The human report with the audit sentences (templates skipped, configs used, findings silenced)
/// just above its summary line, so `--quiet` (which drops the summary) keeps them.
fn with_audit(text: String, audit: &crate::suppress::Audit) -> String {
    let sentences: Vec<String> = crate::discover::skipped_sentence(&audit.skipped)
        .into_iter()
        .chain(audit.sentence())
        .collect();
    if sentences.is_empty() {
        return text;
    }
    let sentence = sentences.join("\n");
    let body = text.trim_end_matches('\n');
    match body.rfind('\n') {
        Some(at) => format!(
            "{}\n{sentence}\n{}\n",
            body.get(..at).unwrap_or(""),
            body.get(at + 1..).unwrap_or("")
        ),
        None => format!("{sentence}\n{body}\n"),
    }
}

/// `--statistics`: the number of findings of each rule, most first (then by code): a table
/// (`COUNT  CODE  name`), or for `--format json` a list of `{code, name, count}`.
fn statistics(findings: &[crate::finding::Finding], format: CheckFormat) -> String {
    let mut counts: Vec<(usize, &'static crate::finding::RuleMeta)> = Vec::new();
    for finding in findings {
        match counts.iter_mut().find(|(_, m)| m.code == finding.rule.code) {
            Some((count, _)) => *count += 1,
            None => counts.push((1, finding.rule)),
        }
    }
    counts.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.code.cmp(b.1.code)));
    if format == CheckFormat::Json {
        let rows: Vec<serde_json::Value> = counts
            .iter()
            .map(|(count, m)| serde_json::json!({"code": m.code, "name": m.name, "count": count}))
            .collect();
        return sanitize::json(serde_json::to_string_pretty(&rows).unwrap_or_default()) + "\n";
    }
    let count_width = counts
        .iter()
        .map(|(c, _)| c.to_string().len())
        .max()
        .unwrap_or(0);
    let code_width = counts.iter().map(|(_, m)| m.code.len()).max().unwrap_or(0);
    counts
        .iter()
        .map(|(count, m)| {
            format!(
                "{count:>count_width$}  {:<code_width$}  {}\n",
                m.code, m.name
            )
        })
        .collect()
}

fn graph(args: &GraphArgs, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let Some(crate::LoadedDeployment {
        deployment,
        load_errors,
        io_errors,
        ..
    }) = load_for_listing(&args.deployment, err)
    else {
        return EXIT_ERROR;
    };
    let text = graph_report(args.format, &deployment);
    write_listing(&text, &deployment, &load_errors, &io_errors, out, err)
}

fn routes(args: &RoutesArgs, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let Some(crate::LoadedDeployment {
        deployment,
        load_errors,
        io_errors,
        ..
    }) = load_for_listing(&args.deployment, err)
    else {
        return EXIT_ERROR;
    };
    let model = crate::model::Model::build(&deployment);
    let text = routes_report(args.format, &model, &deployment.sources);
    write_listing(&text, &deployment, &load_errors, &io_errors, out, err)
}

/// `iamlint graph`'s output, through its sanitiser.
pub fn graph_report(format: GraphFormat, deployment: &crate::deployment::Deployment) -> String {
    match format {
        GraphFormat::Dot => sanitize::terminal(&report::graph::dot(deployment)).into_owned(),
        GraphFormat::Mermaid => {
            sanitize::terminal(&report::graph::mermaid(deployment)).into_owned()
        }
        GraphFormat::Json => sanitize::json(report::graph::json(deployment)) + "\n",
    }
}

/// `iamlint routes`' output, through its sanitiser.
pub fn routes_report(
    format: RoutesFormat,
    model: &crate::model::Model,
    sources: &crate::source::SourceMap,
) -> String {
    match format {
        RoutesFormat::Table => {
            sanitize::terminal(&report::routes::table(model, sources)).into_owned()
        }
        RoutesFormat::Json => sanitize::json(report::routes::json(model, sources)) + "\n",
    }
}

/// The deployment `graph` or `routes` lists, its notes written to `err`; `None` after a config error.
fn load_for_listing(args: &DeploymentArgs, err: &mut dyn Write) -> Option<crate::LoadedDeployment> {
    let settings = settings_or_report(args, err)?;
    let loaded = load_deployment_noting(&settings);
    write_notes(&loaded.notes, err);
    write_notes(&crate::discover::skipped_lines(&loaded.skipped), err);
    Some(loaded)
}

/// The checked paths (other than `-`) under which no file was read as a template: none loaded, none
/// that failed to load and none left out by the run's input budget (a note names those).
fn paths_without_templates(paths: &[PathBuf], analysis: &crate::Analysis) -> Vec<PathBuf> {
    let sources = &analysis.deployment.sources;
    let attempted: Vec<PathBuf> = analysis
        .deployment
        .templates
        .iter()
        .map(|t| t.file)
        .chain(analysis.load_errors.iter().map(|(file, _)| *file))
        .filter_map(|file| sources.get(file))
        .map(|f| f.path())
        .chain(analysis.over_budget.iter().map(PathBuf::as_path))
        .map(|path| std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()))
        .collect();
    paths
        .iter()
        .filter(|p| p.as_os_str() != crate::STDIN_PATH)
        .filter(|p| {
            let checked = std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
            !attempted.iter().any(|file| file.starts_with(&checked))
        })
        .cloned()
        .collect()
}

fn write_notes(notes: &[String], err: &mut dyn Write) {
    for note in notes {
        say(err, "note", note);
    }
}

/// Writes the output of `graph` or `routes`, then what could not be loaded; the exit code.
fn write_listing(
    text: &str,
    deployment: &crate::deployment::Deployment,
    load_errors: &[(crate::source::FileId, crate::load::LoadError)],
    io_errors: &[String],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    let written = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    report_not_loaded(deployment, load_errors, io_errors, err);
    if written.is_err() || !io_errors.is_empty() {
        EXIT_ERROR
    } else {
        EXIT_CLEAN
    }
}

/// Files that could not be loaded and duplicate keys (warnings), and paths that could not be read
/// (errors), on stderr.
fn report_not_loaded(
    deployment: &crate::deployment::Deployment,
    load_errors: &[(crate::source::FileId, crate::load::LoadError)],
    io_errors: &[String],
    err: &mut dyn Write,
) {
    for (file, error) in load_errors {
        let at = report::Position::of(
            &deployment.sources,
            crate::source::Location {
                file: *file,
                span: error.span,
            },
        );
        // A duplicate key is reported, but its template is loaded all the same.
        let loaded = deployment.templates.iter().any(|t| t.file == *file);
        let not_loaded = if loaded { "" } else { "not loaded: " };
        let message = format!(
            "{}:{}:{}: {not_loaded}{}",
            at.file, at.line, at.column, error.message
        );
        say(err, "warning", &message);
    }
    for message in io_errors {
        say(err, "error", message);
    }
}

/// Human output without the summary line, and nothing at all when there is no finding (but the
/// templates skipped, and the audit sentence when a config or suppression silenced findings).
fn quiet(
    text: &str,
    findings: &[crate::finding::Finding],
    audit: &crate::suppress::Audit,
) -> String {
    if findings.is_empty() {
        let said = audit.sentence().filter(|_| audit.changed_anything());
        return crate::discover::skipped_sentence(&audit.skipped)
            .into_iter()
            .chain(said)
            .map(|sentence| sanitize::line(&sentence).into_owned() + "\n")
            .collect();
    }
    let body = text.trim_end_matches('\n');
    match body.rfind('\n') {
        Some(at) => format!("{}\n", body.get(..at).unwrap_or("").trim_end_matches('\n')),
        None => String::new(),
    }
}

fn rules(args: &RulesArgs, out: &mut dyn Write) -> u8 {
    let metas: Vec<_> = crate::rules::ALL_RULES.iter().map(|r| r.meta()).collect();
    let text = match args.format {
        RoutesFormat::Json => {
            let rules: Vec<serde_json::Value> = metas
                .iter()
                .map(|m| serde_json::json!({"code": m.code, "name": m.name, "severity": m.severity.as_str(), "summary": m.summary()}))
                .collect();
            serde_json::to_string_pretty(&serde_json::json!({ "rules": rules })).unwrap_or_default()
                + "\n"
        }
        RoutesFormat::Table => {
            let width = metas.iter().map(|m| m.name.len()).max().unwrap_or(0);
            let code_width = metas.iter().map(|m| m.code.len()).max().unwrap_or(0);
            metas
                .iter()
                .map(|m| {
                    format!(
                        "{:<code_width$}  {:<width$}  {:<7}  {}
",
                        m.code,
                        m.name,
                        m.severity.as_str(),
                        m.summary()
                    )
                })
                .collect()
        }
    };
    if out.write_all(text.as_bytes()).is_err() {
        EXIT_ERROR
    } else {
        EXIT_CLEAN
    }
}

fn explain(args: &ExplainArgs, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    match crate::rules::find(&args.rule) {
        Some(meta) => {
            if out.write_all(meta.doc.as_bytes()).is_err() {
                EXIT_ERROR
            } else {
                EXIT_CLEAN
            }
        }
        None => {
            let message = format!("no rule `{}`; `iamlint rules` lists them", args.rule);
            say(err, "error", &message);
            EXIT_ERROR
        }
    }
}

/// One line on stderr, `level: message`: the one place stderr is written, so text from input in a
/// message (a config key, a path, a YAML error) is shown escaped on its line
/// ([`crate::sanitize::line`]) and can never start a line of its own.
fn say(err: &mut dyn Write, level: &str, message: &str) {
    let _ = err.write_all(stderr_line(level, message).as_bytes());
}

/// One stderr line, `level: message\n`, with the message on its line ([`sanitize::line`]).
pub fn stderr_line(level: &str, message: &str) -> String {
    format!("{level}: {}\n", sanitize::line(message))
}

fn describe_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
