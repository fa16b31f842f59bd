//! Finding the templates of a deployment: explicit files as given, folders searched recursively.
//!
//! Folders are walked with the `ignore` crate (ripgrep's walker): files ending in `.yaml`, `.yml`,
//! `.json` or `.template` are candidates; hidden folders (`.git`, `.aws-sam`, which holds SAM's build
//! copies), `node_modules`, `target` and `cdk.out` (CDK's synthesized copies and assets) are skipped;
//! `.gitignore`, `.ignore`, `.git/info/exclude` and git's global excludes file are honoured unless
//! [`Walk::honour_ignore_files`] is off (`--no-ignore`). A `.gitignore` counts even outside a git
//! repository (ripgrep's `require_git(false)`): a project copied without its `.git` reads the same
//! files. Whether a candidate is really a template is decided after reading it (see
//! `load::may_be_template`); packaged copies of a template are recognised then too
//! (`load::copies`).

use std::path::{Path, PathBuf};

/// Extensions of template files.
pub const TEMPLATE_EXTENSIONS: [&str; 4] = ["yaml", "yml", "json", "template"];

/// Folders never searched: dependencies, build outputs and CDK's synthesized copies.
const SKIPPED_DIRS: [&str; 3] = ["node_modules", "target", "cdk.out"];

/// Deepest folder nesting searched (files directly in a checked folder are at nesting 0).
const MAX_DIR_DEPTH: usize = 32;

/// A file to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub path: PathBuf,
    /// Named on the command line: always analysed, even if it does not look like a template.
    pub explicit: bool,
    /// The index of the checked path it was found under.
    pub checked_path: usize,
}

/// How folders are walked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Walk {
    /// Skip what `.gitignore`/`.ignore` files ignore (on unless `--no-ignore`).
    pub honour_ignore_files: bool,
}

impl Default for Walk {
    fn default() -> Self {
        Walk {
            honour_ignore_files: true,
        }
    }
}

/// The candidates under `paths`, in a stable order, and one message per path that cannot be read.
pub fn discover(paths: &[PathBuf]) -> (Vec<Candidate>, Vec<String>) {
    discover_with(paths, Walk::default())
}

/// Like [`discover`], walking folders as `walk` says.
pub fn discover_with(paths: &[PathBuf], walk: Walk) -> (Vec<Candidate>, Vec<String>) {
    let mut candidates = Vec::new();
    let mut errors = Vec::new();
    for (index, path) in paths.iter().enumerate() {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                walk_folder(path, index, walk, &mut candidates, &mut errors)
            }
            Ok(_) => candidates.push(Candidate {
                path: path.clone(),
                explicit: true,
                checked_path: index,
            }),
            Err(error) => errors.push(cannot_read(path, &error)),
        }
    }
    // The same file named twice (`dir` and `./dir/a.yaml`) is one stack, not two.
    let mut seen = std::collections::HashSet::new();
    candidates
        .retain(|c| seen.insert(std::fs::canonicalize(&c.path).unwrap_or_else(|_| c.path.clone())));
    (candidates, errors)
}

fn walk_folder(
    dir: &Path,
    checked_path: usize,
    walk: Walk,
    candidates: &mut Vec<Candidate>,
    errors: &mut Vec<String>,
) {
    let honour = walk.honour_ignore_files;
    let walker = ignore::WalkBuilder::new(dir)
        // Hidden folders are skipped below; hidden files are candidates, as before.
        .hidden(false)
        .ignore(honour)
        .git_ignore(honour)
        .git_exclude(honour)
        .git_global(honour)
        .parents(honour)
        .require_git(false)
        .follow_links(false)
        .max_depth(Some(MAX_DIR_DEPTH + 1))
        .filter_entry(|entry| {
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            !(is_dir && is_skipped_folder(&entry.file_name().to_string_lossy()))
        })
        .sort_by_file_name(|a, b| a.cmp(b))
        .build();
    for entry in walker {
        match entry {
            Ok(entry) => {
                let is_file = entry.file_type().is_some_and(|t| t.is_file());
                if is_file && entry.depth() > 0 && has_template_extension(entry.path()) {
                    candidates.push(Candidate {
                        path: entry.into_path(),
                        explicit: false,
                        checked_path,
                    });
                }
            }
            Err(error) => {
                if let Some(message) = walk_error(&error) {
                    errors.push(message);
                }
            }
        }
    }
}

/// A folder never searched: hidden, or one of [`SKIPPED_DIRS`].
fn is_skipped_folder(name: &str) -> bool {
    name.starts_with('.') || SKIPPED_DIRS.contains(&name)
}

/// "cannot read PATH: REASON" for a folder the walker could not read; `None` for what is not about
/// reading a path (a bad line in a `.gitignore` is not an error of the check).
fn walk_error(error: &ignore::Error) -> Option<String> {
    match error {
        ignore::Error::WithPath { path, err } => match err.as_ref() {
            ignore::Error::Io(io) => Some(cannot_read(path, io)),
            other => walk_error(other),
        },
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            walk_error(err)
        }
        _ => None,
    }
}

fn cannot_read(path: &Path, error: &std::io::Error) -> String {
    format!("cannot read {}: {}", path.display(), io_reason(error))
}

pub fn has_template_extension(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        TEMPLATE_EXTENSIONS
            .iter()
            .any(|t| t.eq_ignore_ascii_case(e))
    })
}

/// An I/O error without Rust's "(os error 2)" suffix.
pub fn io_reason(error: &std::io::Error) -> String {
    let text = error.to_string();
    match text.find(" (os error") {
        Some(at) => text.get(..at).unwrap_or(&text).to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(candidates: &[Candidate], root: &Path) -> Vec<String> {
        candidates
            .iter()
            .map(|c| {
                c.path
                    .strip_prefix(root)
                    .unwrap_or(&c.path)
                    .to_string_lossy()
                    .replace('\\', "/")
            })
            .collect()
    }

    fn tree(files: &[(&str, &str)]) -> PathBuf {
        let root = std::env::temp_dir().join(format!(
            "iamlint-discover-{}-{}",
            std::process::id(),
            files.len() + files.iter().map(|(p, _)| p.len()).sum::<usize>()
        ));
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

    #[test]
    fn gitignore_is_honoured_without_a_git_repository_unless_turned_off() {
        let root = tree(&[
            (".gitignore", "generated/\n"),
            ("a.yaml", ""),
            ("generated/b.yaml", ""),
            ("node_modules/c.yaml", ""),
            ("cdk.out/d.json", ""),
            (".aws-sam/build/e.yaml", ""),
            ("z/f.yml", ""),
        ]);
        let (found, errors) = discover(std::slice::from_ref(&root));
        assert!(errors.is_empty());
        assert_eq!(names(&found, &root), ["a.yaml", "z/f.yml"]);
        let (all, _) = discover_with(
            std::slice::from_ref(&root),
            Walk {
                honour_ignore_files: false,
            },
        );
        assert_eq!(
            names(&all, &root),
            ["a.yaml", "generated/b.yaml", "z/f.yml"]
        );
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn a_missing_path_cannot_be_read() {
        let (found, errors) = discover(&[PathBuf::from("no/such/folder")]);
        assert!(found.is_empty());
        assert_eq!(
            errors,
            ["cannot read no/such/folder: No such file or directory"]
        );
    }
}
