//! Parameters as the team deploys them: the value each stack's parameters get, and where it came from.
//!
//! Per parameter, per stack, the first of: the command line (`--param NAME=VALUE`), a parameter file
//! (`--parameter-file`, the last file giving the name wins), the samconfig environment
//! (`--config-env`/`sam-config-env`, `samconfig.toml` in the template's folder, for the template it
//! deploys), the config (`.iamlint.yaml`: a matching `stacks:` entry, then `parameters`); else the
//! template's `Default`. The result is one [`StackValues`] per stack, which the resolver reads and
//! the PAR rules check (through the model).

pub mod parameter_file;
pub mod samconfig;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::load::file::FileSource;
use crate::source::{FileId, Location, SourceFile, SourceMap, Span};
use crate::template::Template;

/// Which input supplied a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    CommandLine,
    ParameterFile,
    Samconfig,
    Config,
}

impl Source {
    /// How a message names it, as "given …".
    pub fn describe(self) -> &'static str {
        match self {
            Source::CommandLine => "on the command line",
            Source::ParameterFile => "in the parameter file",
            Source::Samconfig => "in samconfig",
            Source::Config => "in the config",
        }
    }
}

/// One value supplied to a stack's parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuppliedValue {
    pub value: String,
    pub source: Source,
    /// Where it is written; `None` for the command line.
    pub location: Option<Location>,
}

/// Every value supplied to one stack, by parameter name (declared or not).
pub type StackValues = BTreeMap<String, SuppliedValue>;

/// What the user gave besides the config, before the templates are known.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// `--param NAME=VALUE`, in order (a later one wins).
    pub command_line: Vec<(String, String)>,
    /// `--parameter-file F`, in order (a later file wins).
    pub parameter_files: Vec<PathBuf>,
    /// `--config-env NAME` (else the config's `sam-config-env`).
    pub config_env: Option<String>,
}

impl Inputs {
    /// Nothing beyond what `ResolveConfig.parameters` already holds.
    pub fn is_empty(&self) -> bool {
        self.command_line.is_empty() && self.parameter_files.is_empty() && self.config_env.is_none()
    }
}

/// The values supplied to each template (`templates` order) and the errors on the way (an
/// unreadable parameter file, an unknown config-env: usage errors, one line each). The samconfig
/// beside a template is read through `bounded` (the repository boundary); the user's
/// `--parameter-file`s wherever they are.
pub fn supply(
    sources: &mut SourceMap,
    templates: &[Template],
    inputs: &Inputs,
    config: Option<&Config>,
    bounded: &dyn FileSource,
) -> (Vec<StackValues>, Vec<String>) {
    let mut errors = Vec::new();
    let files: Vec<Vec<(String, SuppliedValue)>> = inputs
        .parameter_files
        .iter()
        .filter_map(|path| match parameter_file::read(sources, path) {
            Ok(values) => Some(values),
            Err(message) => {
                errors.push(message);
                None
            }
        })
        .collect();
    let config_file = config.filter(|c| !c.parameters.is_empty() || !c.stacks.is_empty());
    let config_id = config_file.and_then(|c| add_file(sources, &c.path));
    let config_env = inputs
        .config_env
        .clone()
        .or_else(|| config.and_then(|c| c.sam_config_env.clone()));
    let mut samconfigs = samconfig::Samconfigs::default();
    let stack_globs = config_file.map(StackGlobs::new);
    let mut values = Vec::new();
    for template in templates {
        let path = sources
            .get(template.file)
            .map(|f| f.path().to_path_buf())
            .unwrap_or_default();
        let mut stack = StackValues::new();
        if let (Some(config), Some(globs), Some(file)) = (config_file, &stack_globs, config_id) {
            insert_config(&mut stack, config, globs, file, &path);
        }
        if let Some(env) = &config_env {
            stack.extend(samconfigs.values_for(sources, bounded, &path, env, &mut errors));
        }
        for file in &files {
            stack.extend(file.iter().cloned());
        }
        for (name, value) in &inputs.command_line {
            stack.insert(name.clone(), command_line(value));
        }
        values.push(stack);
    }
    if let Some(env) = &config_env
        && !templates.is_empty()
        && !samconfigs.any_found()
    {
        errors.push(format!(
            "--config-env {env}: no samconfig.toml (or samconfig.yaml) beside any template"
        ));
    }
    (values, errors)
}

fn command_line(value: &str) -> SuppliedValue {
    SuppliedValue {
        value: value.to_string(),
        source: Source::CommandLine,
        location: None,
    }
}

/// The globs of a config's `stacks:` entries, compiled once into one automaton: matching a template
/// against all of them is one run over its path, not one per entry. `globset::GlobSet` alone would
/// still try each glob that shares an extension (`stacks/a/*.yaml`, `stacks/b/*.yaml`, ...) one by
/// one, so the globs' regular expressions go into one `RegexSet` (a lazy DFA whose states are
/// shared by every template); a set too large for it falls back to the `GlobSet`.
struct StackGlobs {
    matcher: GlobsMatcher,
}

enum GlobsMatcher {
    Regexes(regex::bytes::RegexSet),
    Globs(globset::GlobSet),
}

/// Most memory the compiled `stacks:` automaton may take.
const STACK_GLOBS_SIZE_LIMIT: usize = 64 * 1024 * 1024;

impl StackGlobs {
    fn new(config: &Config) -> Self {
        let regexes = regex::bytes::RegexSetBuilder::new(
            config
                .stacks
                .iter()
                .map(|entry| entry.matcher.glob().regex()),
        )
        .size_limit(STACK_GLOBS_SIZE_LIMIT)
        .dfa_size_limit(STACK_GLOBS_SIZE_LIMIT)
        .build();
        let matcher = match regexes {
            Ok(set) => GlobsMatcher::Regexes(set),
            Err(_) => {
                let mut builder = globset::GlobSetBuilder::new();
                for entry in &config.stacks {
                    builder.add(entry.matcher.glob().clone());
                }
                // Each glob compiled on its own when the config was read; the set cannot fail on them.
                GlobsMatcher::Globs(
                    builder
                        .build()
                        .unwrap_or_else(|_| globset::GlobSet::empty()),
                )
            }
        };
        Self { matcher }
    }

    /// The indexes of the `stacks:` entries that name `relative`, in file order.
    fn matching(&self, relative: &Path) -> Vec<usize> {
        match &self.matcher {
            GlobsMatcher::Regexes(set) => {
                // As globset matches: the path's text, with `/` separators.
                let text = relative.to_string_lossy();
                let text = if cfg!(windows) {
                    text.replace('\\', "/")
                } else {
                    text.into_owned()
                };
                set.matches(text.as_bytes()).into_iter().collect()
            }
            GlobsMatcher::Globs(set) => set.matches(relative),
        }
    }
}

/// The config's `parameters`, then every `stacks:` entry that names `template` (a later one wins).
fn insert_config(
    stack: &mut StackValues,
    config: &Config,
    globs: &StackGlobs,
    file: FileId,
    template: &Path,
) {
    let at = |span: Span| Some(Location { file, span });
    for (name, value) in &config.parameters {
        let span = config
            .parameter_spans
            .get(name)
            .copied()
            .unwrap_or_default();
        stack.insert(name.clone(), supplied(value, Source::Config, at(span)));
    }
    let relative = config.relative_path(template);
    let entries = globs.matching(&relative);
    for entry in entries.iter().filter_map(|&i| config.stacks.get(i)) {
        for (name, value, span) in &entry.parameters {
            stack.insert(name.clone(), supplied(value, Source::Config, at(*span)));
        }
    }
}

fn supplied(value: &str, source: Source, location: Option<Location>) -> SuppliedValue {
    SuppliedValue {
        value: value.to_string(),
        source,
        location,
    }
}

/// Reads a file into the source map (so findings can point into it); `None` when unreadable.
fn add_file(sources: &mut SourceMap, path: &Path) -> Option<FileId> {
    let bytes = crate::load::file::FileSource::read(&crate::load::file::DiskFiles, path).ok()?;
    let (text, _) = crate::load::decode(bytes);
    Some(sources.add(SourceFile::new(path, text)))
}

/// The candidate closest to `name`, when close enough to be a typo (case-insensitive equality, or
/// at most a third of the name's length in edits; see [`crate::suggest`] for the bounds).
pub fn closest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    budget: &crate::suggest::Budget,
) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    crate::suggest::closest(name, candidates, limit, budget)
}

#[cfg(test)]
mod tests;
