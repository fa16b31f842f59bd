//! iamlint: a static analyzer for AWS SAM and CloudFormation deployments.
//!
//! The pipeline, as the CLI and the tests run it: discover files → load (spans kept) → typed
//! templates → one deployment (exports, imports, reference graph) → rules → findings → reports.

pub mod cli;
pub mod deployment;
pub mod discover;
pub mod finding;
pub mod load;
pub mod references;
pub mod report;
pub mod resolve;
pub mod rules;
pub mod source;
pub mod template;

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
}

/// The outcome of analysing a deployment.
pub struct Analysis {
    pub deployment: Deployment,
    pub load_errors: Vec<(FileId, LoadError)>,
    /// Paths that could not be read, one message each.
    pub io_errors: Vec<String>,
    pub findings: Vec<Finding>,
}

/// Loads the templates of a deployment (no rules run).
pub fn load_deployment(settings: &Settings) -> (Deployment, Vec<(FileId, LoadError)>, Vec<String>) {
    let (candidates, mut io_errors) = discover::discover(&settings.paths);
    let mut sources = SourceMap::default();
    let mut roots = Vec::new();
    let mut load_errors = Vec::new();
    for candidate in candidates {
        let bytes = match std::fs::read(&candidate.path) {
            Ok(bytes) => bytes,
            Err(error) => {
                io_errors.push(format!(
                    "cannot read {}: {}",
                    candidate.path.display(),
                    discover::io_reason(&error)
                ));
                continue;
            }
        };
        let (text, encoding_error) = load::decode(bytes);
        let relevant = candidate.explicit || load::may_be_template(&text);
        if !relevant {
            continue;
        }
        let is_json = candidate
            .path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        let parsed = match encoding_error {
            Some(error) => Err(error),
            None => load::parse_template(&text, is_json),
        };
        match parsed {
            Ok(root) if candidate.explicit || load::is_template(&root) => {
                let file = sources.add(SourceFile::new(candidate.path, text));
                roots.push((file, root));
            }
            Ok(_) => {}
            Err(error) => {
                let file = sources.add(SourceFile::new(candidate.path, text));
                load_errors.push((file, error));
            }
        }
    }
    let templates = roots
        .into_iter()
        .map(|(file, root)| {
            let text = sources
                .get(file)
                .map(|f| f.text.clone())
                .unwrap_or_default();
            Template::new(file, root, &text)
        })
        .collect();
    let deployment = Deployment::new(sources, templates, settings.resolve.clone());
    (deployment, load_errors, io_errors)
}

/// Loads a deployment and runs every rule.
pub fn analyze(settings: &Settings) -> Analysis {
    let (deployment, load_errors, io_errors) = load_deployment(settings);
    let findings = rules::run_all(&rules::RuleInput {
        deployment: &deployment,
        load_errors: &load_errors,
        external_exports: &settings.external_exports,
    });
    Analysis {
        deployment,
        load_errors,
        io_errors,
        findings,
    }
}
