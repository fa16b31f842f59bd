//! `.iamlint.yaml` (or `.iamlint.yml`): project settings. For each checked path, the nearest one in
//! it or above it, up to the repository root (see [`find`]); `--config` forces one, `--isolated` none.
//!
//! ```yaml
//! templates: ["infra/"]              # which discovered files are templates (gitignore-style patterns,
//! exclude: ["generated", "*.json"]   # from the config's folder) and which are not
//! parameters: {Env: prd}             # parameter values for every stack
//! stacks: {"services/*/template.yaml": {parameters: {Env: dev}}}   # per stack (path or glob)
//! sam-config-env: prod               # like --config-env: samconfig.toml next to each template
//! partition: aws                     # region and account-id: known values instead of symbols
//! region: eu-west-1
//! account-id: "123456789012"
//! external-exports: [SharedVpcId]    # exports defined by stacks outside the check
//! rules: {IAM004: off, CORS002: error, overbroad-invoke-grant: note}
//! select: [IAM, CORS]                # rule selection as ruff's (see `crate::select`):
//! extend-select: [REF001]            # codes, names, code prefixes or ALL; the command line's
//! ignore: [IAM00]                    # --select/--extend-select/--ignore are a layer over these
//! fail-on: error
//! ```
//!
//! Read with iamlint's own loader, so every error points at its line; unknown keys are errors.
//! A config found by the search is read only when it is a regular file or a link that resolves
//! inside the checked root ([`admit_found`]); its YAML syntax errors give the place only.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use globset::Glob;
use ignore::gitignore::{Gitignore, GitignoreBuilder};

use crate::finding::Severity;
use crate::load::{self, Node};
use crate::repository::CheckedRoot;
use crate::rules::{self, RuleMeta};
use crate::source::SourceFile;

/// The file name looked for.
pub const FILE_NAME: &str = ".iamlint.yaml";

/// The other name accepted (an error when both are in one folder).
pub const ALTERNATE_FILE_NAME: &str = ".iamlint.yml";

/// What a config may say about one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleSetting {
    Off,
    Severity(Severity),
}

#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The config's folder: patterns are relative to it.
    pub root: PathBuf,
    /// The config file read (empty for a default config).
    pub path: PathBuf,
    pub templates: Option<Gitignore>,
    pub exclude: Option<Gitignore>,
    pub parameters: BTreeMap<String, String>,
    /// Where each of `parameters` is written in the config file (the value's span).
    pub parameter_spans: BTreeMap<String, crate::source::Span>,
    /// `stacks:` entries, in file order (a later entry matching the same template wins).
    pub stacks: Vec<StackSettings>,
    /// `sam-config-env`: the samconfig environment to read (`--config-env` overrides it).
    pub sam_config_env: Option<String>,
    pub partition: Option<String>,
    pub region: Option<String>,
    pub account_id: Option<String>,
    pub external_exports: Vec<String>,
    pub rules: Vec<(&'static RuleMeta, RuleSetting)>,
    /// `select`, `extend-select`, `ignore` (and each `rules: {X: off}`, an ignore of X).
    pub selection: crate::select::Layer,
    pub fail_on: Option<Severity>,
    /// `inline-suppressions: false`: the templates' comments and `Metadata` suppressions count for
    /// nothing (a pinned config's way to refuse a pull request's own suppressions).
    pub inline_suppressions: Option<bool>,
}

/// One `stacks:` entry: the templates it names and the parameter values it gives them.
#[derive(Debug, Clone)]
pub struct StackSettings {
    /// The path or glob as written, relative to the config's folder.
    pub pattern: String,
    pub matcher: globset::GlobMatcher,
    /// `(name, value, span of the value)`.
    pub parameters: ParameterValues,
}

/// A config error, at its place in the file.
#[derive(Debug, thiserror::Error)]
#[error("{path}:{line}:{column}: {message}")]
pub struct ConfigError {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// The config of a checked path: `.iamlint.yaml` or `.iamlint.yml` in the path (a folder; for a file,
/// its folder) or the nearest folder above it, stopping at the repository root (a folder holding
/// `.git`); without a repository, up to the file system root. Both names in one folder is an error.
pub fn find(checked: &Path) -> Result<Option<PathBuf>, String> {
    let Ok(start) = std::fs::canonicalize(checked) else {
        return Ok(None);
    };
    let start = if start.is_dir() {
        start.as_path()
    } else {
        start.parent().unwrap_or(&start)
    };
    for dir in start.ancestors() {
        let yaml = dir.join(FILE_NAME);
        let yml = dir.join(ALTERNATE_FILE_NAME);
        match (yaml.is_file(), yml.is_file()) {
            (true, true) => {
                return Err(format!(
                    "both {FILE_NAME} and {ALTERNATE_FILE_NAME} in {}: keep one",
                    dir.display()
                ));
            }
            (true, false) => return Ok(Some(yaml)),
            (false, true) => return Ok(Some(yml)),
            (false, false) => {}
        }
        if dir.join(".git").exists() {
            return Ok(None);
        }
    }
    Ok(None)
}

/// Whether a config [`find`] found may be read: a symbolic link (`.iamlint.yaml` committed as a link
/// to `~/.aws/credentials`) must resolve inside one of `roots`; a regular file is read where it is
/// (a config in a folder above the checked root belongs to whoever runs iamlint). The error is one
/// line, without a byte of the file.
pub fn admit_found(found: &Path, roots: &[CheckedRoot]) -> Result<(), String> {
    let canonical = std::fs::canonicalize(found).map_err(|e| {
        format!(
            "{}: cannot read: {}",
            found.display(),
            crate::discover::io_reason(&e)
        )
    })?;
    let not_a_link = canonical == found;
    if not_a_link || roots.iter().any(|root| root.contains(&canonical)) {
        return Ok(());
    }
    Err(format!(
        "{}: it is a link outside the repository, not read (give a config outside the repository with --config)",
        found.display()
    ))
}

/// Reads and checks a config file the user named (`--config`): a parse error says what it found.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    load_as(path, Named::ByUser)
}

/// Reads and checks a config file [`find`] found: a YAML syntax error gives its place only (the
/// parser's message may quote the file, and the file is not one the user named).
pub fn load_found(path: &Path) -> Result<Config, ConfigError> {
    load_as(path, Named::BySearch)
}

/// Who named a config file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Named {
    ByUser,
    BySearch,
}

fn load_as(path: &Path, named: Named) -> Result<Config, ConfigError> {
    let shown = path.display().to_string();
    // A regular file of at most 16 MiB: a FIFO given as `--config` must not hang the run.
    let bytes = crate::load::file::FileSource::read(&crate::load::file::DiskFiles, path).map_err(
        |reason| ConfigError {
            path: shown.clone(),
            line: 1,
            column: 1,
            message: format!("cannot read: {reason}"),
        },
    )?;
    let (text, encoding) = load::decode(bytes);
    let source = SourceFile::new(path, text.clone());
    let error = |span: crate::source::Span, message: String| {
        let at = source.line_col(span.start);
        ConfigError {
            path: shown.clone(),
            line: at.line,
            column: at.column,
            message,
        }
    };
    if let Some(e) = encoding {
        return Err(error(e.span, e.message));
    }
    let root = match load::yaml::parse(&text) {
        Ok(Some(root)) if root.is_map() => root,
        Ok(None) => {
            return Ok(Config {
                root: folder(path),
                path: path.to_path_buf(),
                ..Config::default()
            });
        }
        Ok(Some(other)) => {
            return Err(error(
                other.span,
                "the config must be a mapping".to_string(),
            ));
        }
        Err(e) if named == Named::BySearch => {
            let what = crate::load::file::fixed_part(&e.message)
                .map(|m| format!(": {m}"))
                .unwrap_or_default();
            return Err(error(e.span, format!("not valid YAML{what}")));
        }
        Err(e) => return Err(error(e.span, e.message)),
    };
    let mut config = Config {
        root: folder(path),
        path: path.to_path_buf(),
        ..Config::default()
    };
    for entry in root.as_map().unwrap_or(&[]) {
        let value = &entry.value;
        let fail = |message: &str| error(value.span, format!("`{}`: {message}", entry.key.text));
        match entry.key.text.as_str() {
            "templates" => config.templates = Some(patterns(value).map_err(|m| fail(&m))?),
            "exclude" => config.exclude = Some(patterns(value).map_err(|m| fail(&m))?),
            "parameters" => {
                for (name, text, span) in parameter_values(value).map_err(|(span, m)| {
                    if span == value.span {
                        fail(&m)
                    } else {
                        error(span, m)
                    }
                })? {
                    config.parameter_spans.insert(name.clone(), span);
                    config.parameters.insert(name, text);
                }
            }
            "stacks" => {
                config.stacks = stack_settings(value).map_err(|(span, m)| {
                    if span == value.span {
                        fail(&m)
                    } else {
                        error(span, m)
                    }
                })?
            }
            "sam-config-env" => config.sam_config_env = Some(string(value).map_err(|m| fail(&m))?),
            "partition" => config.partition = Some(string(value).map_err(|m| fail(&m))?),
            "region" => config.region = Some(string(value).map_err(|m| fail(&m))?),
            "account-id" => config.account_id = Some(string(value).map_err(|m| fail(&m))?),
            "external-exports" => config.external_exports = strings(value).map_err(|m| fail(&m))?,
            "fail-on" => {
                config.fail_on =
                    Some(severity(value).ok_or_else(|| fail("expected error, warning or note"))?)
            }
            "inline-suppressions" => {
                config.inline_suppressions = Some(
                    value
                        .as_bool()
                        .ok_or_else(|| fail("expected true or false"))?,
                )
            }
            "select" => config.selection.select = Some(selectors(value).map_err(|m| fail(&m))?),
            "extend-select" => {
                config.selection.extend_select = selectors(value).map_err(|m| fail(&m))?
            }
            "ignore" => config
                .selection
                .ignore
                .extend(selectors(value).map_err(|m| fail(&m))?),
            "rules" => {
                for rule in value.as_map().ok_or_else(|| {
                    fail("expected a mapping of rule codes or names to off/error/warning/note")
                })? {
                    let meta = rules::find(&rule.key.text).ok_or_else(|| {
                        error(
                            rule.key.span,
                            format!("no rule `{}` (`iamlint rules` lists them)", rule.key.text),
                        )
                    })?;
                    let setting = match rule.value.as_str() {
                        Some("off") => RuleSetting::Off,
                        _ if rule.value.as_bool() == Some(false) => RuleSetting::Off,
                        _ => RuleSetting::Severity(severity(&rule.value).ok_or_else(|| {
                            error(
                                rule.value.span,
                                format!(
                                    "rule `{}`: expected off, error, warning or note",
                                    rule.key.text
                                ),
                            )
                        })?),
                    };
                    if setting == RuleSetting::Off
                        && let Ok(selector) = crate::select::Selector::parse(meta.code)
                    {
                        config.selection.ignore.push(selector);
                    }
                    config.rules.push((meta, setting));
                }
            }
            other => {
                return Err(error(
                    entry.key.span,
                    format!(
                        "unknown key `{other}` (known: templates, exclude, parameters, stacks, sam-config-env, partition, region, account-id, external-exports, rules, select, extend-select, ignore, fail-on, inline-suppressions)"
                    ),
                ));
            }
        }
    }
    Ok(config)
}

/// `(name, value, span of the value)` of each configured parameter.
pub type ParameterValues = Vec<(String, String, crate::source::Span)>;

/// A message at its span.
type SpannedError = (crate::source::Span, String);

/// A mapping of parameter names to scalar values.
fn parameter_values(node: &Node) -> Result<ParameterValues, SpannedError> {
    let entries = node.as_map().ok_or_else(|| {
        (
            node.span,
            "expected a mapping of names to values".to_string(),
        )
    })?;
    entries
        .iter()
        .map(|parameter| {
            let text = parameter
                .value
                .as_str()
                .filter(|_| parameter.value.as_scalar().is_some())
                .ok_or_else(|| {
                    (
                        parameter.value.span,
                        format!("parameter `{}`: expected a value", parameter.key.text),
                    )
                })?;
            Ok((
                parameter.key.text.clone(),
                text.to_string(),
                parameter.value.span,
            ))
        })
        .collect()
}

/// `stacks: {<path or glob>: {parameters: {...}}}`.
fn stack_settings(node: &Node) -> Result<Vec<StackSettings>, SpannedError> {
    let entries = node.as_map().ok_or_else(|| {
        (
            node.span,
            "expected a mapping of template paths or globs to settings".to_string(),
        )
    })?;
    let mut stacks = Vec::new();
    for entry in entries {
        let pattern = entry.key.text.trim_start_matches("./").to_string();
        let matcher = Glob::new(&pattern)
            .map_err(|e| (entry.key.span, format!("bad glob `{pattern}`: {e}")))?
            .compile_matcher();
        let settings = entry.value.as_map().ok_or_else(|| {
            (
                entry.value.span,
                format!("stack `{pattern}`: expected a mapping (known key: parameters)"),
            )
        })?;
        let mut parameters = Vec::new();
        for setting in settings {
            match setting.key.text.as_str() {
                "parameters" => parameters = parameter_values(&setting.value)?,
                other => {
                    return Err((
                        setting.key.span,
                        format!("stack `{pattern}`: unknown key `{other}` (known: parameters)"),
                    ));
                }
            }
        }
        stacks.push(StackSettings {
            pattern,
            matcher,
            parameters,
        });
    }
    Ok(stacks)
}

/// The folder of the config file (`.` for a bare file name).
fn folder(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// A list of rule selectors (or one).
fn selectors(node: &Node) -> Result<Vec<crate::select::Selector>, String> {
    strings(node)?
        .iter()
        .map(|s| crate::select::Selector::parse(s))
        .collect()
}

fn string(node: &Node) -> Result<String, String> {
    node.as_str()
        .filter(|_| node.as_scalar().is_some())
        .map(str::to_string)
        .ok_or_else(|| "expected a string".to_string())
}

fn strings(node: &Node) -> Result<Vec<String>, String> {
    node.as_seq()
        .ok_or("expected a list")?
        .iter()
        .map(string)
        .collect()
}

fn severity(node: &Node) -> Option<Severity> {
    match node.as_str()? {
        "error" => Some(Severity::Error),
        "warning" => Some(Severity::Warning),
        "note" => Some(Severity::Note),
        _ => None,
    }
}

/// Gitignore-style patterns, relative to `root`: `roles` is a file or folder named so at any depth
/// (and all below it), `/roles` or `infra/roles` only that one, `*.json` any JSON file, `!x` takes
/// `x` back out.
fn patterns(node: &Node) -> Result<Gitignore, String> {
    // Matched against paths already made relative to the config's folder (see `Config::includes`).
    let mut builder = GitignoreBuilder::new(".");
    for pattern in strings(node)? {
        builder
            .add_line(None, &pattern)
            .map_err(|e| format!("bad pattern `{pattern}`: {e}"))?;
    }
    builder.build().map_err(|e| e.to_string())
}

/// Whether `relative` (a file path below the config's folder) or a folder above it matches.
fn matches(patterns: &Gitignore, relative: &Path) -> bool {
    patterns
        .matched_path_or_any_parents(relative, false)
        .is_ignore()
}

impl Config {
    /// Whether a discovered file is a template to read (`templates`/`exclude`, relative to the
    /// config's folder). A file outside that folder matches no pattern: with `templates`, it is not
    /// read.
    pub fn includes(&self, path: &Path) -> bool {
        let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let root = std::fs::canonicalize(&self.root).unwrap_or_else(|_| self.root.clone());
        let relative = absolute.strip_prefix(&root).ok().filter(|r| !r.has_root());
        let matched = |patterns: &Gitignore| relative.is_some_and(|r| matches(patterns, r));
        let included = self.templates.as_ref().is_none_or(matched);
        let excluded = self.exclude.as_ref().is_some_and(matched);
        included && !excluded
    }

    /// A path relative to the config's folder (for `stacks:` globs), as `includes` computes it.
    pub fn relative_path(&self, path: &Path) -> PathBuf {
        let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let root = std::fs::canonicalize(&self.root).unwrap_or_else(|_| self.root.clone());
        absolute
            .strip_prefix(&root)
            .map(Path::to_path_buf)
            .unwrap_or(absolute)
    }

    /// The settings that hold for the whole deployment (not per file): parameters (with `stacks:`
    /// and `sam-config-env`), partition, region, account id, external exports, fail-on. Two
    /// configs that differ here cannot both apply.
    pub fn same_deployment_settings(&self, other: &Config) -> bool {
        let stacks = |c: &Config| {
            c.stacks
                .iter()
                .map(|s| (s.pattern.clone(), s.parameters.clone()))
                .collect::<Vec<_>>()
        };
        self.parameters == other.parameters
            && stacks(self) == stacks(other)
            && self.sam_config_env == other.sam_config_env
            && self.partition == other.partition
            && self.region == other.region
            && self.account_id == other.account_id
            && self.external_exports == other.external_exports
            && self.fail_on == other.fail_on
    }

    /// Applies the `rules` settings: drops findings of rules turned off, sets the others' severity.
    pub fn apply_rules(
        &self,
        findings: Vec<crate::finding::Finding>,
    ) -> Vec<crate::finding::Finding> {
        findings
            .into_iter()
            .filter_map(|finding| self.apply_rule(finding))
            .collect()
    }

    /// The `rules` setting of one finding's rule: `None` when the rule is off.
    pub fn apply_rule(&self, finding: crate::finding::Finding) -> Option<crate::finding::Finding> {
        match self.rule_setting(finding.rule.code) {
            Some(RuleSetting::Off) => None,
            _ => Some(self.apply_severity(finding)),
        }
    }

    /// The severity a `rules` setting gives one finding (`off` is left to rule selection, see
    /// [`Config::selection`]). Config sets how much a definite finding matters; an undecided one
    /// stays a note.
    pub fn apply_severity(&self, mut finding: crate::finding::Finding) -> crate::finding::Finding {
        if let Some(RuleSetting::Severity(severity)) = self.rule_setting(finding.rule.code)
            && finding.certainty.is_definite()
        {
            finding.severity = severity;
        }
        finding
    }

    fn rule_setting(&self, code: &str) -> Option<RuleSetting> {
        self.rules
            .iter()
            .find(|(meta, _)| meta.code == code)
            .map(|(_, s)| *s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder_with(files: &[(&str, &str)], name: &str) -> PathBuf {
        let root =
            std::env::temp_dir().join(format!("iamlint-config-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for (path, text) in files {
            let path = root.join(path);
            if let Some(parent) = path.parent() {
                let _ = std::fs::create_dir_all(parent);
            }
            let _ = std::fs::write(path, text);
        }
        root
    }

    fn config_with(root: &Path, text: &str) -> Config {
        let path = root.join(FILE_NAME);
        let _ = std::fs::write(&path, text);
        load(&path).unwrap_or_else(|e| Config {
            root: PathBuf::from(e.message),
            ..Config::default()
        })
    }

    #[test]
    fn exclude_patterns_are_gitignore_style() {
        let root = folder_with(
            &[
                ("roles/a.yaml", ""),
                ("roles/deep/b.yaml", ""),
                ("api/roles/c.yaml", ""),
                ("api/d.yaml", ""),
                ("api/e.json", ""),
            ],
            "exclude",
        );
        let bare = config_with(&root, "exclude: [roles]");
        let kept: Vec<bool> = [
            "roles/a.yaml",
            "roles/deep/b.yaml",
            "api/roles/c.yaml",
            "api/d.yaml",
        ]
        .iter()
        .map(|p| bare.includes(&root.join(p)))
        .collect();
        assert_eq!(kept, [false, false, false, true]);
        let anchored = config_with(&root, "exclude: [\"roles/**\", \"*.json\"]");
        assert!(!anchored.includes(&root.join("roles/deep/b.yaml")));
        assert!(anchored.includes(&root.join("api/roles/c.yaml")));
        assert!(!anchored.includes(&root.join("api/e.json")));
        let only_api = config_with(&root, "templates: [api/]\nexclude: [\"!x\", roles]");
        assert!(only_api.includes(&root.join("api/d.yaml")));
        assert!(!only_api.includes(&root.join("api/roles/c.yaml")));
        assert!(!only_api.includes(&root.join("roles/a.yaml")));
        assert!(!only_api.includes(Path::new("/elsewhere/x.yaml")));
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn the_nearest_config_up_to_the_repository_root() {
        let root = folder_with(
            &[
                (".iamlint.yaml", ""),
                ("repo/.git/HEAD", ""),
                ("repo/infra/.iamlint.yml", ""),
                ("repo/infra/api/t.yaml", ""),
                ("repo/other/t.yaml", ""),
                ("both/.iamlint.yaml", ""),
                ("both/.iamlint.yml", ""),
            ],
            "find",
        );
        let found = |p: &str| {
            find(&root.join(p))
                .map(|f| f.map(|f| f.strip_prefix(&root).map(Path::to_path_buf).unwrap_or(f)))
        };
        let yml = PathBuf::from("repo/infra/.iamlint.yml");
        assert_eq!(found("repo/infra/api/t.yaml"), Ok(Some(yml.clone())));
        assert_eq!(found("repo/infra"), Ok(Some(yml)));
        assert_eq!(
            found("repo/other"),
            Ok(None),
            "stops at the repository root"
        );
        assert_eq!(found("."), Ok(Some(PathBuf::from(FILE_NAME))));
        assert!(found("both").is_err_and(|e| e.contains("keep one")));
        let _ = std::fs::remove_dir_all(&root);
    }
}
