//! iamlint: a static analyzer for AWS SAM and CloudFormation deployments.
//!
//! The pipeline, as the CLI and the tests run it: discover files → load (spans kept) → typed
//! templates → their local nested stacks ([`nested`]) → the API definitions they include
//! (`AWS::Include`, `DefinitionUri`) → one deployment
//! (exports, imports, reference graph) → the model, built once (routes, principals, access decisions,
//! what is not analysed) → rules → findings → reports.
//!
//! The repository boundary ([`repository`]): on disk, every file read because a file names it
//! (nested stacks, includes, definitions, samconfig) goes through [`load::file::BoundedFiles`] over
//! the checked roots ([`Settings::checked_roots`]); what resolves outside is a COV001 note (an
//! error line for samconfig), never read. The user's own paths (checked paths, `--config`,
//! `--parameter-file`) are read wherever they are.

pub mod cli;
pub mod config;
pub mod definitions;
pub mod deployment;
pub mod discover;
pub mod finding;
pub mod iam;
pub mod input_budget;
pub mod load;
pub mod model;
pub mod nested;
pub mod output_file;
pub mod parameters;
pub mod references;
pub mod report;
pub mod repository;
pub mod resolve;
pub mod rules;
pub mod sanitize;
pub mod select;
pub mod source;
pub mod suggest;
pub mod suppress;
pub mod template;
pub mod value;

use std::path::PathBuf;

use deployment::Deployment;
use finding::Finding;
use load::LoadError;
use resolve::ResolveConfig;
use source::{FileId, SourceFile, SourceMap};
use template::Template;

/// What a run analyses and with which values.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub paths: Vec<PathBuf>,
    pub resolve: ResolveConfig,
    /// Export names defined outside the deployment (not reported by REF002).
    pub external_exports: Vec<String>,
    /// The config of the deployment: its parameters, partition, region, account id, external exports
    /// and fail-on hold for the whole run (the CLI takes the first checked path's config).
    pub config: Option<config::Config>,
    /// `--param`, `--parameter-file`, `--config-env`: the values each stack is deployed with (with
    /// the config's `parameters`, `stacks:` and `sam-config-env`; see [`parameters`]).
    pub parameters: parameters::Inputs,
    /// The config of each checked path, in the order of `paths`: the discovery filters and rule
    /// settings of the files found under it. Empty: `config` for every path.
    pub path_configs: Vec<Option<config::Config>>,
    /// How folders are walked (git's ignore rules honoured for untracked files unless `--no-ignore`).
    pub walk: discover::Walk,
    /// `--select`, `--extend-select`, `--ignore`: the command line's layer of rule selection, over
    /// the config's (see [`select`]).
    pub selection: select::Layer,
    /// The template read from standard input (the checked path `-`), named by `--stdin-filename`.
    pub stdin: Option<Input>,
    /// `--no-inline-suppressions`: the templates' own suppressions count for nothing (also when a
    /// config used by the run says `inline-suppressions: false`; see [`Settings::inline_suppressions`]).
    pub no_inline_suppressions: bool,
    /// The repository boundary: a file a template or discovery names (nested stacks, includes,
    /// definitions, samconfig) is read only inside one of these (see [`repository`]). Empty: the
    /// roots of `paths` ([`repository::roots_of`]).
    pub roots: Vec<repository::CheckedRoot>,
}

/// The checked path that stands for standard input.
pub const STDIN_PATH: &str = "-";

impl Settings {
    /// The config whose filters and rule settings apply under the checked path `index`.
    pub fn config_of_path(&self, index: usize) -> Option<&config::Config> {
        if self.path_configs.is_empty() {
            return self.config.as_ref();
        }
        self.path_configs.get(index).and_then(Option::as_ref)
    }

    /// Whether the templates' suppressions count: refused by `--no-inline-suppressions` or by any config
    /// of the run that says `inline-suppressions: false`.
    pub fn inline_suppressions(&self) -> suppress::InlineSuppressions {
        let configs = self.config.iter().chain(self.path_configs.iter().flatten());
        let refused_by_config = configs
            .into_iter()
            .any(|c| c.inline_suppressions == Some(false));
        if self.no_inline_suppressions || refused_by_config {
            suppress::InlineSuppressions::Refused
        } else {
            suppress::InlineSuppressions::Honoured
        }
    }

    /// The config files of the run, each once, in the order of the checked paths.
    pub fn used_config_paths(&self) -> Vec<PathBuf> {
        let mut paths: Vec<PathBuf> = Vec::new();
        let configs = self.config.iter().chain(self.path_configs.iter().flatten());
        for config in configs {
            if !paths.contains(&config.path) {
                paths.push(config.path.clone());
            }
        }
        paths
    }

    /// The repository boundary of the run: `roots`, else the roots of the checked paths.
    pub fn checked_roots(&self) -> Vec<repository::CheckedRoot> {
        if self.roots.is_empty() {
            repository::roots_of(&self.paths)
        } else {
            self.roots.clone()
        }
    }

    /// The config whose rule settings apply to a file: that of the first checked path holding it.
    fn config_of_file(
        &self,
        checked: &[Option<PathBuf>],
        file: &std::path::Path,
    ) -> Option<&config::Config> {
        let file = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf());
        let index = checked
            .iter()
            .position(|path| path.as_ref().is_some_and(|p| file.starts_with(p)))
            .unwrap_or(0);
        self.config_of_path(index)
    }
}

/// The outcome of analysing a deployment.
pub struct Analysis {
    pub deployment: Deployment,
    pub load_errors: Vec<(FileId, LoadError)>,
    /// Paths that could not be read, one message each.
    pub io_errors: Vec<String>,
    /// What the run chose not to read and why (packaged copies), one line each.
    pub notes: Vec<String>,
    pub findings: Vec<Finding>,
    /// The findings suppressions and config rule settings silenced (SARIF keeps them as suppressed
    /// results).
    pub suppressed: Vec<suppress::Suppressed>,
    /// What the configuration changed: the configs used and how many findings they silenced.
    pub audit: suppress::Audit,
    /// Templates not analysed because the run's total input budget was spent (said in `notes`).
    pub over_budget: Vec<PathBuf>,
}

/// One file's content, before parsing.
#[derive(Debug, Clone)]
pub struct Input {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
    /// Named by the user: analysed even when it does not look like a template.
    pub explicit: bool,
}

/// Loads the templates of a deployment from disk (no rules run): the deployment, the files that are
/// not readable templates, and one message per unreadable path.
pub fn load_deployment(settings: &Settings) -> (Deployment, Vec<(FileId, LoadError)>, Vec<String>) {
    let loaded = load_deployment_noting(settings);
    (loaded.deployment, loaded.load_errors, loaded.io_errors)
}

/// A deployment loaded from disk, with what was not read.
pub struct LoadedDeployment {
    pub deployment: Deployment,
    pub load_errors: Vec<(FileId, LoadError)>,
    pub io_errors: Vec<String>,
    /// See [`Analysis::notes`].
    pub notes: Vec<String>,
    /// The templates discovery found and did not read (config `exclude`/`templates`, an ignore
    /// rule, a link), each named in the report.
    pub skipped: Vec<discover::Skipped>,
    /// See [`Analysis::over_budget`].
    pub over_budget: Vec<PathBuf>,
}

/// Like [`load_deployment`], with the notes on what was not read (see [`Analysis::notes`]).
pub fn load_deployment_noting(settings: &Settings) -> LoadedDeployment {
    let discovered = discover_on_disk(settings);
    let mut io_errors = discovered.errors;
    let mut skipped = discovered.skipped;
    let mut passed_over: Vec<(discover::Candidate, discover::SkipReason)> = discovered
        .ignored
        .into_iter()
        .map(|c| (c, discover::SkipReason::Ignored))
        .collect();
    let mut inputs: Vec<Input> = settings.stdin.iter().cloned().collect();
    let mut budget = input_budget::InputBudget::default();
    inputs.retain(|i| budget.admit_bytes(&i.path, i.bytes.len()));
    for candidate in discovered.candidates {
        let excluded_by = settings
            .config_of_path(candidate.checked_path)
            .filter(|c| !candidate.explicit && !c.includes(&candidate.path));
        if let Some(config) = excluded_by {
            let reason = discover::SkipReason::Excluded(config.path.clone());
            passed_over.push((candidate, reason));
            continue;
        }
        // Past the run's total input budget, a file is not even read.
        if budget.is_spent() {
            budget.refuse(&candidate.path);
            continue;
        }
        // A regular file of at most 16 MiB (a FIFO named on the command line is refused at once).
        match load::file::FileSource::read(&load::file::DiskFiles, &candidate.path) {
            // A file no template key can be in is never parsed: it spends no budget.
            Ok(bytes) if !candidate.explicit && !load::bytes_may_be_template(&bytes) => {}
            Ok(bytes) if !budget.admit_bytes(&candidate.path, bytes.len()) => {}
            Ok(bytes) => inputs.push(Input {
                path: candidate.path,
                bytes,
                explicit: candidate.explicit,
            }),
            Err(reason) => io_errors.push(format!(
                "cannot read {}: {reason}",
                candidate.path.display(),
            )),
        }
    }
    let mut notes = discovered.notes;
    skipped.extend(templates_among(passed_over, &mut notes));
    skipped.sort_by(|a, b| a.path.cmp(&b.path));
    let supplied = (&settings.parameters, settings.config.as_ref());
    let files = load::file::BoundedFiles {
        roots: settings.checked_roots(),
        inner: load::file::DiskFiles,
    };
    let Built {
        deployment,
        load_errors,
        parameter_errors,
        copies,
    } = build_supplied(
        inputs,
        &settings.resolve,
        &files,
        (Some(supplied), &mut budget),
    );
    notes.extend(load::copies::note(&copies));
    io_errors.extend(parameter_errors);
    notes.extend(budget.note());
    LoadedDeployment {
        deployment,
        load_errors,
        io_errors,
        notes,
        skipped,
        over_budget: budget.refused().to_vec(),
    }
}

/// Most bytes read in a run to tell whether files passed over (a config's `exclude`, an ignore rule)
/// are templates; past it, the others are counted in one note.
pub const MAX_PASSED_OVER_BYTES: u64 = 64 * 1024 * 1024;

/// The files passed over (a config's `exclude`, an ignore rule) that are templates, as skipped
/// templates: each read (within the file limit and [`MAX_PASSED_OVER_BYTES`]) and parsed, so a
/// `docs.yaml` is not named; a note for those not read for want of budget.
fn templates_among(
    passed_over: Vec<(discover::Candidate, discover::SkipReason)>,
    notes: &mut Vec<String>,
) -> Vec<discover::Skipped> {
    let mut budget = MAX_PASSED_OVER_BYTES;
    let mut unread = 0usize;
    let mut skipped = Vec::new();
    for (candidate, reason) in passed_over {
        let size = std::fs::metadata(&candidate.path).map_or(0, |m| m.len());
        if size > budget {
            unread += 1;
            continue;
        }
        budget -= size;
        let Ok(bytes) = load::file::FileSource::read(&load::file::DiskFiles, &candidate.path)
        else {
            continue;
        };
        let (text, _) = load::decode(bytes);
        let is_json = candidate
            .path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        if load::is_template_text(&text, is_json) {
            skipped.push(discover::Skipped {
                path: candidate.path,
                reason,
            });
        }
    }
    if unread > 0 {
        notes.push(format!(
            "{unread} files excluded by a config or ignored were not read to tell whether they are templates (more than {} MiB in all)",
            MAX_PASSED_OVER_BYTES / (1024 * 1024)
        ));
    }
    skipped
}

/// What discovery finds under the checked paths other than `-` (standard input), each candidate
/// with the index of its checked path in `settings.paths`.
fn discover_on_disk(settings: &Settings) -> discover::Discovered {
    let (indexes, paths): (Vec<usize>, Vec<PathBuf>) = settings
        .paths
        .iter()
        .enumerate()
        .filter(|(_, path)| path.as_os_str() != STDIN_PATH)
        .map(|(index, path)| (index, path.clone()))
        .unzip();
    let mut discovered = discover::discover_with(&paths, settings.walk);
    let candidates = discovered
        .candidates
        .iter_mut()
        .chain(discovered.ignored.iter_mut());
    for candidate in candidates {
        candidate.checked_path = indexes.get(candidate.checked_path).copied().unwrap_or(0);
    }
    discovered
}

/// Builds a deployment from file contents: parses each, keeps the templates, reports the rest. Files
/// the templates include (`AWS::Include`, `DefinitionUri`) and local nested stacks are read from disk,
/// inside the root of the current folder only (its git work tree, else the folder itself).
pub fn build_deployment(
    inputs: Vec<Input>,
    config: &ResolveConfig,
) -> (Deployment, Vec<(FileId, LoadError)>) {
    let files = load::file::BoundedFiles {
        roots: repository::roots_of(&[PathBuf::from(".")]),
        inner: load::file::DiskFiles,
    };
    build_deployment_with(inputs, config, &files)
}

/// Like [`build_deployment`], reading included files from `files`.
pub fn build_deployment_with(
    inputs: Vec<Input>,
    config: &ResolveConfig,
    files: &dyn load::file::FileSource,
) -> (Deployment, Vec<(FileId, LoadError)>) {
    let mut budget = input_budget::InputBudget::default();
    let built = build_supplied(inputs, config, files, (None, &mut budget));
    (built.deployment, built.load_errors)
}

/// A deployment built from file contents, with what was not used.
struct Built {
    deployment: Deployment,
    load_errors: Vec<(FileId, LoadError)>,
    /// The parameter inputs' errors (usage errors).
    parameter_errors: Vec<String>,
    /// The discovered templates left out as packaged copies of another.
    copies: Vec<load::copies::Skipped>,
}

/// An input after parsing: a template (or a file the user named) with its tree, or a file that
/// does not parse and is reported.
enum ReadInput {
    Parsed {
        path: PathBuf,
        text: String,
        explicit: bool,
        loaded: load::Loaded,
    },
    Failed {
        path: PathBuf,
        text: String,
        error: LoadError,
    },
}

/// Decodes and parses each input once, in order, within the run's node budget: the templates (and
/// the files the user named) and the files that fail to parse; the other files are left out.
fn parse_inputs(inputs: Vec<Input>, budget: &mut input_budget::InputBudget) -> Vec<ReadInput> {
    let mut read = Vec::new();
    for input in inputs {
        let (text, encoding_error) = load::decode(input.bytes);
        let likeness = load::likeness(&text);
        if !input.explicit && likeness == load::Likeness::No {
            continue;
        }
        // Past the run's total node budget, a file is not even parsed (the caller notes it).
        if budget.nodes_spent() {
            budget.refuse(&input.path);
            continue;
        }
        let is_json = input
            .path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        let parsed = match encoding_error {
            Some(error) => Err(error),
            None => load::read_template(&text, is_json),
        };
        match parsed {
            Ok(loaded) if input.explicit || load::is_template(&loaded.root) => {
                // Past the run's total node budget: not analysed (the caller notes it).
                if budget.admit_nodes(&input.path, &loaded.root) {
                    read.push(ReadInput::Parsed {
                        path: input.path,
                        text,
                        explicit: input.explicit,
                        loaded,
                    });
                }
            }
            Ok(_) => {}
            // Only an escape could make it a template, and it does not parse: nothing says it is one.
            Err(_) if !input.explicit && likeness == load::Likeness::Escaped => {}
            Err(error) => read.push(ReadInput::Failed {
                path: input.path,
                text,
                error,
            }),
        }
    }
    read
}

/// Like [`build_deployment_with`], with the values supplied to each stack computed from
/// `parameters` (the inputs and the project config) once the templates are known; also returns the
/// parameter inputs' errors (usage errors).
fn build_supplied(
    inputs: Vec<Input>,
    config: &ResolveConfig,
    files: &dyn load::file::FileSource,
    (parameters, budget): (
        Option<(&parameters::Inputs, Option<&config::Config>)>,
        &mut input_budget::InputBudget,
    ),
) -> Built {
    let read = parse_inputs(inputs, budget);
    // Packaged copies among the discovered templates, found on the trees just parsed.
    let (positions, candidates): (Vec<usize>, Vec<load::copies::Loaded<'_>>) = read
        .iter()
        .enumerate()
        .filter_map(|(position, input)| match input {
            ReadInput::Parsed {
                path,
                explicit,
                loaded,
                ..
            } if load::is_template(&loaded.root) => Some((
                position,
                load::copies::Loaded {
                    path,
                    explicit: *explicit,
                    root: &loaded.root,
                },
            )),
            _ => None,
        })
        .unzip();
    let (copies, copies_skipped) = load::copies::find_copies(&candidates);
    let copies: std::collections::HashSet<usize> = copies
        .iter()
        .filter_map(|i| positions.get(*i).copied())
        .collect();
    let mut sources = SourceMap::default();
    let mut roots = Vec::new();
    let mut load_errors = Vec::new();
    for (position, input) in read.into_iter().enumerate() {
        if copies.contains(&position) {
            continue;
        }
        match input {
            ReadInput::Parsed {
                path, text, loaded, ..
            } => {
                let file = sources.add(SourceFile::new(path, text));
                roots.push((file, loaded.root));
                // Duplicate keys: reported, and the template is analysed all the same.
                load_errors.extend(loaded.errors.into_iter().map(|error| (file, error)));
            }
            ReadInput::Failed { path, text, error } => {
                let file = sources.add(SourceFile::new(path, text));
                load_errors.push((file, error));
            }
        }
    }
    let canonical = roots
        .iter()
        .map(|(file, _)| {
            sources
                .get(*file)
                .and_then(|f| files.canonical(f.path()).ok())
        })
        .collect();
    let mut templates: Vec<Template> = roots
        .into_iter()
        .map(|(file, root)| Template::new(file, root))
        .collect();
    let nesting = nested::load(
        &mut sources,
        &mut templates,
        canonical,
        files,
        &mut load_errors,
        budget,
    );
    let mut config = config.clone();
    let mut parameter_errors = Vec::new();
    if let Some((inputs, project)) = parameters {
        (config.stack_parameters, parameter_errors) =
            parameters::supply(&mut sources, &templates, inputs, project, files);
    }
    let definitions = definitions::load(&mut sources, &templates, files, budget);
    Built {
        deployment: Deployment::new(sources, templates, definitions, nesting, config),
        load_errors,
        parameter_errors,
        copies: copies_skipped,
    }
}

/// A deployment from in-memory templates `(path, text)`: for tests, benchmarks and embedding.
pub fn deployment_from_texts(
    files: &[(&str, &str)],
    config: &ResolveConfig,
) -> (Deployment, Vec<(FileId, LoadError)>) {
    let inputs = files
        .iter()
        .map(|(path, text)| Input {
            path: PathBuf::from(path),
            bytes: text.as_bytes().to_vec(),
            explicit: true,
        })
        .collect();
    build_deployment(inputs, config)
}

/// Loads a deployment and runs every rule.
pub fn analyze(settings: &Settings) -> Analysis {
    let LoadedDeployment {
        deployment,
        load_errors,
        io_errors,
        notes,
        skipped,
        over_budget,
    } = load_deployment_noting(settings);
    let findings = rules::run_all(&deployment, &load_errors, &settings.external_exports);
    let suppress::Applied {
        kept,
        mut suppressed,
        refused,
    } = suppress::apply_with(&deployment, findings, settings.inline_suppressions());
    let in_source = suppressed.len();
    let settled = apply_rule_settings(settings, &deployment, kept);
    let audit = suppress::Audit {
        configs: settings.used_config_paths(),
        off_by_config: settled.off.len(),
        lowered_by_config: settled.lowered,
        in_source,
        refused_in_source: refused_places(&deployment, &refused),
        skipped,
    };
    suppressed.extend(settled.off);
    Analysis {
        deployment,
        load_errors,
        io_errors,
        notes,
        findings: settled.kept,
        suppressed,
        audit,
        over_budget,
    }
}

/// Where each refused suppression is written, as the audit names it.
fn refused_places(
    deployment: &Deployment,
    refused: &[(source::Location, String)],
) -> Vec<suppress::RefusedAt> {
    refused
        .iter()
        .filter_map(|(location, rule)| {
            let file = deployment.sources.get(location.file)?;
            Some(suppress::RefusedAt {
                path: file.path().display().to_string(),
                line: file.line_col(location.span.start).line,
                rule: rule.clone(),
            })
        })
        .collect()
}

/// The findings after rule settings: those kept, those a config turned off, and how many a config
/// lowered.
#[derive(Default)]
struct Settled {
    kept: Vec<Finding>,
    off: Vec<suppress::Suppressed>,
    lowered: usize,
}

/// Each finding with the rule settings of its file's config (see [`Settings::config_of_file`]) and
/// the command line's selection. A finding the command line deselects is dropped; one only its
/// config turns off is kept as suppressed by that config, so the report can say so.
fn apply_rule_settings(
    settings: &Settings,
    deployment: &Deployment,
    findings: Vec<Finding>,
) -> Settled {
    if settings.path_configs.is_empty()
        && settings.config.is_none()
        && settings.selection.is_empty()
    {
        return Settled {
            kept: findings,
            ..Settled::default()
        };
    }
    let checked: Vec<Option<PathBuf>> = settings
        .paths
        .iter()
        .map(|p| std::fs::canonicalize(p).ok())
        .collect();
    let mut settled = Settled::default();
    for finding in findings {
        let file = deployment.sources.get(finding.primary.location.file);
        let config = match file {
            Some(file) => settings.config_of_file(&checked, file.path()),
            None => settings.config_of_path(0),
        };
        let code = finding.rule.code;
        if !select::enabled(code, [&settings.selection]) {
            continue;
        }
        let Some(config) = config else {
            settled.kept.push(finding);
            continue;
        };
        if !select::enabled(code, [&config.selection, &settings.selection]) {
            settled.off.push(suppress::Suppressed {
                finding,
                by: suppress::SuppressedBy::Config(config.path.clone()),
                reason: None,
            });
            continue;
        }
        let before = finding.severity;
        let finding = config.apply_severity(finding);
        settled.lowered += usize::from(finding.severity < before);
        settled.kept.push(finding);
    }
    settled
}
