//! The repository boundary: the folder a run may read from.
//!
//! A pull request controls the checked files, and what they name (nested stacks, includes, API
//! definitions, parameter files, `samconfig.toml` `template_file`, configs) can be any path,
//! symbolic links it commits included. The **checked root** is the git work tree holding the
//! first checked path when there is one, else the checked folder itself (a checked file: its
//! folder). A path is inside the root when its canonical form (every `..` and link resolved) starts
//! with the root's canonical form; anything else is not read ([`CheckedRoot::admit`]).
//!
//! A run checking several paths has one root per path ([`roots_of`]); a file named by a file is
//! read when it is inside any of them. The reading itself goes through
//! [`crate::load::file::BoundedFiles`] (nested stacks, includes, definitions, samconfig) and
//! [`crate::config::admit_found`] (a config found by the upward search). What the user names on
//! the command line (checked paths, `--config`, `--parameter-file`) is read wherever it is.
//!
//! The git work tree is found as git finds it, without running git: the nearest folder, from the
//! checked path upwards, holding a `.git` folder or a `.git` file (`gitdir: PATH`, a linked work
//! tree or a submodule). Git refuses to track a path with a `.git` component, so a pull request
//! cannot plant one; a bare repository committed as plain files is never taken for ours (only an
//! entry named `.git` is).
//!
//! Pure apart from reading the file system's metadata; no git process is started and nothing is
//! written.

use std::path::{Path, PathBuf};

/// Deepest folder nesting walked upwards to find a work tree (a path deeper than this is not
/// inside any repository iamlint recognises).
const MAX_ANCESTORS: usize = 256;

/// A git work tree: its top folder and its git folder (where `index` lives).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkTree {
    /// The work tree's top folder, canonical.
    pub top: PathBuf,
    /// The git folder: `top/.git`, or the folder a `.git` file names (canonical when it exists).
    pub git_dir: PathBuf,
}

impl WorkTree {
    /// The index file (git's list of tracked paths).
    pub fn index_path(&self) -> PathBuf {
        self.git_dir.join("index")
    }
}

/// The nearest git work tree holding `path` (a file or a folder; canonicalised first).
pub fn work_tree_of(path: &Path) -> Option<WorkTree> {
    let start = std::fs::canonicalize(path).ok()?;
    let start = if start.is_dir() {
        start
    } else {
        start.parent()?.to_path_buf()
    };
    for dir in start.ancestors().take(MAX_ANCESTORS) {
        let dot_git = dir.join(".git");
        let Ok(meta) = std::fs::symlink_metadata(&dot_git) else {
            continue;
        };
        if meta.is_dir() {
            return Some(WorkTree {
                top: dir.to_path_buf(),
                git_dir: dot_git,
            });
        }
        if meta.is_file() {
            let git_dir = git_dir_of_file(&dot_git, dir)?;
            return Some(WorkTree {
                top: dir.to_path_buf(),
                git_dir,
            });
        }
    }
    None
}

/// The folder a `.git` file names (`gitdir: PATH`, relative to the file's folder when not absolute).
fn git_dir_of_file(dot_git: &Path, dir: &Path) -> Option<PathBuf> {
    // A `.git` file is one short line; anything longer is not one.
    let meta = std::fs::metadata(dot_git).ok()?;
    if meta.len() > 4096 {
        return None;
    }
    let text = std::fs::read_to_string(dot_git).ok()?;
    let named = text.lines().next()?.strip_prefix("gitdir:")?.trim();
    if named.is_empty() {
        return None;
    }
    let path = dir.join(named);
    Some(std::fs::canonicalize(&path).unwrap_or(path))
}

/// The folder every path a run reads must stay inside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedRoot {
    /// Canonical.
    pub path: PathBuf,
    /// The git work tree, when the root is one.
    pub work_tree: Option<WorkTree>,
}

/// Why a path is not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// The path resolves (after `..` and links) to a place outside the checked root.
    #[error("it is outside the repository ({root}), not read")]
    Outside { root: String },
    /// The path cannot be resolved (it does not exist, or a link in it is broken).
    #[error("{0}")]
    Unresolved(String),
}

/// The roots of a run checking `paths`: [`CheckedRoot::of`] each checked path on disk (standard
/// input `-` and missing paths left out), each root once, in order. Empty when no checked path is on
/// disk: then nothing named by a file is read.
pub fn roots_of(paths: &[PathBuf]) -> Vec<CheckedRoot> {
    let mut roots: Vec<CheckedRoot> = Vec::new();
    for path in paths.iter().filter(|p| p.as_os_str() != crate::STDIN_PATH) {
        let Ok(canonical) = std::fs::canonicalize(path) else {
            continue;
        };
        let root = CheckedRoot::of(&canonical);
        if !roots.contains(&root) {
            roots.push(root);
        }
    }
    roots
}

impl CheckedRoot {
    /// The root of a run checking `paths`: the git work tree of the first checked path on disk, else
    /// that path (a folder) or its folder (a file). `None` when no checked path exists on disk (only
    /// standard input): then nothing named by a template is read from disk.
    pub fn of_paths(paths: &[PathBuf]) -> Option<CheckedRoot> {
        let first = paths
            .iter()
            .filter(|p| p.as_os_str() != crate::STDIN_PATH)
            .find_map(|p| std::fs::canonicalize(p).ok())?;
        Some(CheckedRoot::of(&first))
    }

    /// The root for one checked path (see [`CheckedRoot::of_paths`]).
    pub fn of(checked: &Path) -> CheckedRoot {
        if let Some(work_tree) = work_tree_of(checked) {
            return CheckedRoot {
                path: work_tree.top.clone(),
                work_tree: Some(work_tree),
            };
        }
        let canonical = std::fs::canonicalize(checked).unwrap_or_else(|_| checked.to_path_buf());
        let path = if canonical.is_dir() {
            canonical
        } else {
            canonical
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or(canonical)
        };
        CheckedRoot {
            path,
            work_tree: None,
        }
    }

    /// A root at exactly `path` (canonicalised), without a work tree: for tests and embedding.
    pub fn at(path: &Path) -> CheckedRoot {
        CheckedRoot {
            path: std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()),
            work_tree: None,
        }
    }

    /// Whether a canonical path is inside the root.
    pub fn contains(&self, canonical: &Path) -> bool {
        canonical.starts_with(&self.path)
    }

    /// The canonical form of `path` when it is inside the root; why not otherwise.
    pub fn admit(&self, path: &Path) -> Result<PathBuf, Refused> {
        let canonical =
            std::fs::canonicalize(path).map_err(|e| Refused::Unresolved(io_reason(&e)))?;
        if self.contains(&canonical) {
            Ok(canonical)
        } else {
            Err(Refused::Outside {
                root: self.path.display().to_string(),
            })
        }
    }
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

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("iamlint-repo-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let _ = std::fs::create_dir_all(&dir);
        std::fs::canonicalize(&dir).unwrap_or(dir)
    }

    #[test]
    fn the_work_tree_is_the_nearest_folder_with_dot_git() {
        let dir = scratch("worktree");
        let _ = std::fs::create_dir_all(dir.join("repo/.git"));
        let _ = std::fs::create_dir_all(dir.join("repo/infra/api"));
        let _ = std::fs::write(dir.join("repo/infra/api/t.yaml"), "Resources: {}\n");
        let tree = work_tree_of(&dir.join("repo/infra/api/t.yaml"));
        assert_eq!(tree.as_ref().map(|t| t.top.clone()), Some(dir.join("repo")));
        let root = CheckedRoot::of(&dir.join("repo/infra"));
        assert_eq!(root.path, dir.join("repo"));
        assert!(root.admit(&dir.join("repo/infra/api/t.yaml")).is_ok());
    }

    #[test]
    fn a_dot_git_file_names_the_git_folder() {
        let dir = scratch("gitfile");
        let _ = std::fs::create_dir_all(dir.join("main.git/worktrees/w"));
        let _ = std::fs::create_dir_all(dir.join("w"));
        let _ = std::fs::write(dir.join("w/.git"), "gitdir: ../main.git/worktrees/w\n");
        let tree = work_tree_of(&dir.join("w"));
        assert_eq!(
            tree.map(|t| t.git_dir),
            Some(dir.join("main.git/worktrees/w"))
        );
    }

    #[test]
    fn without_a_repository_the_checked_folder_is_the_root() {
        let dir = scratch("plain");
        let _ = std::fs::create_dir_all(dir.join("app"));
        let _ = std::fs::write(dir.join("app/t.yaml"), "Resources: {}\n");
        let _ = std::fs::write(dir.join("secret"), "x");
        // No `.git` anywhere above the temporary folder is assumed; skip if there is one.
        if work_tree_of(&dir).is_some() {
            return;
        }
        assert_eq!(CheckedRoot::of(&dir.join("app")).path, dir.join("app"));
        assert_eq!(
            CheckedRoot::of(&dir.join("app/t.yaml")).path,
            dir.join("app")
        );
        let root = CheckedRoot::of(&dir.join("app"));
        assert!(matches!(
            root.admit(&dir.join("app/../secret")),
            Err(Refused::Outside { .. })
        ));
        assert!(matches!(
            root.admit(&dir.join("app/missing")),
            Err(Refused::Unresolved(_))
        ));
    }

    #[cfg(unix)]
    #[test]
    fn a_link_pointing_outside_is_refused() {
        let dir = scratch("link");
        let _ = std::fs::create_dir_all(dir.join("app"));
        let _ = std::fs::write(dir.join("credentials"), "aws_access_key_id = X\n");
        let _ = std::os::unix::fs::symlink(dir.join("credentials"), dir.join("app/api.yaml"));
        let root = CheckedRoot::at(&dir.join("app"));
        assert!(matches!(
            root.admit(&dir.join("app/api.yaml")),
            Err(Refused::Outside { .. })
        ));
    }
}
