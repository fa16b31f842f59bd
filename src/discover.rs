//! Finding the templates of a deployment: explicit files as given, folders searched recursively.
//!
//! Folders are walked with the `ignore` crate (ripgrep's walker): files ending in `.yaml`, `.yml`,
//! `.json` or `.template` are candidates; hidden folders (`.git`, `.aws-sam`, which holds SAM's build
//! copies), `node_modules`, `target` and `cdk.out` (CDK's synthesized copies and assets) are not
//! searched. Whether a candidate is really a template is decided after reading it, on its parsed keys
//! (see `load::may_be_template`); packaged copies of a template are recognised then too
//! (`load::copies`).
//!
//! A pull request cannot hide a template from the check (issue 20):
//! - Inside a git work tree, ignore rules apply as git applies them, to untracked files only: every
//!   tracked file with a template extension is a candidate, in a hidden or ignored folder too (not
//!   in the build folders above), read from git's index without running git ([`tracked`]). The
//!   rules are `.gitignore` files, `.git/info/exclude` and git's global excludes file (off with
//!   [`Walk::honour_ignore_files`], `--no-ignore`); an untracked file they ignore that the walk
//!   meets beside the files it reads is listed ([`Discovered::ignored`]), an ignored folder is not
//!   searched. When the index cannot be read, a note says so and the rules apply to every file.
//! - Outside a git work tree no ignore file is read; ripgrep's `.ignore` files never are.
//! - A symbolic link with a template extension is followed when its target is a file inside the
//!   checked root (see `repository::CheckedRoot`), and read once, by its real path (so a link and
//!   its target are one candidate); any other link is a [`Skipped`] template, named in the report.

mod tracked;

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use crate::repository::{CheckedRoot, Refused};

/// An I/O error without Rust's "(os error 2)" suffix (kept here for the modules that name it so).
pub use crate::repository::io_reason;

/// Extensions of template files.
pub const TEMPLATE_EXTENSIONS: [&str; 4] = ["yaml", "yml", "json", "template"];

/// Folders never searched: dependencies, build outputs and CDK's synthesized copies.
const SKIPPED_DIRS: [&str; 3] = ["node_modules", "target", "cdk.out"];

/// Folders whose tracked files are not read either: git's own and SAM's build copies.
const BUILD_DIRS: [&str; 2] = [".git", ".aws-sam"];

/// Deepest folder nesting searched (files directly in a checked folder are at nesting 0).
const MAX_DIR_DEPTH: usize = 32;

/// Most skipped templates named in the human summary; the rest are counted.
pub const MAX_NAMED_SKIPPED: usize = 10;

/// Most skipped templates named on stderr, one line each; the rest are counted.
pub const MAX_SKIPPED_LINES: usize = 50;

/// A file to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub path: PathBuf,
    /// Named on the command line: always analysed, even if it does not look like a template.
    pub explicit: bool,
    /// The index of the checked path it was found under.
    pub checked_path: usize,
}

/// A template the run did not read, and why: said in every report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub path: PathBuf,
    pub reason: SkipReason,
}

impl Skipped {
    /// The path as reports show it (`crate::source::display_path`).
    pub fn display_path(&self) -> String {
        crate::source::display_path(&self.path)
    }
}

/// Why a template was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// Left out by the `exclude` or `templates` of this config.
    Excluded(PathBuf),
    /// An untracked file that a git ignore rule ignores.
    Ignored,
    /// A symbolic link whose target is outside the checked root.
    LinkOutside,
    /// A symbolic link whose target is missing or not a file.
    BrokenLink,
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SkipReason::Excluded(config) => write!(f, "excluded by {}", config.display()),
            SkipReason::Ignored => f.write_str("untracked, ignored by a git ignore rule"),
            SkipReason::LinkOutside => f.write_str("a link to outside the repository"),
            SkipReason::BrokenLink => f.write_str("a link to no readable file"),
        }
    }
}

/// "Skipped 2 templates: a.yaml (excluded by .iamlint.yaml), b.yaml (a link to outside the
/// repository)." for the human summary, the first [`MAX_NAMED_SKIPPED`] named; `None` when none was
/// skipped.
pub fn skipped_sentence(skipped: &[Skipped]) -> Option<String> {
    if skipped.is_empty() {
        return None;
    }
    let noun = if skipped.len() == 1 {
        "template"
    } else {
        "templates"
    };
    let named: Vec<String> = skipped
        .iter()
        .take(MAX_NAMED_SKIPPED)
        .map(|s| format!("{} ({})", s.display_path(), s.reason))
        .collect();
    let more = skipped.len().saturating_sub(MAX_NAMED_SKIPPED);
    let tail = if more > 0 {
        format!(", and {more} more")
    } else {
        String::new()
    };
    Some(format!(
        "Skipped {} {noun}: {}{tail}.",
        skipped.len(),
        named.join(", ")
    ))
}

/// One line per skipped template (`skipped a.yaml: excluded by .iamlint.yaml`), for stderr: the
/// first [`MAX_SKIPPED_LINES`], then one line counting the rest.
pub fn skipped_lines(skipped: &[Skipped]) -> Vec<String> {
    let mut lines: Vec<String> = skipped
        .iter()
        .take(MAX_SKIPPED_LINES)
        .map(|s| format!("skipped {}: {}", s.display_path(), s.reason))
        .collect();
    let more = skipped.len().saturating_sub(MAX_SKIPPED_LINES);
    if more > 0 {
        lines.push(format!("skipped {more} more templates"));
    }
    lines
}

/// How folders are walked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Walk {
    /// Skip the untracked files git's ignore rules ignore (on unless `--no-ignore`).
    pub honour_ignore_files: bool,
}

impl Default for Walk {
    fn default() -> Self {
        Walk {
            honour_ignore_files: true,
        }
    }
}

/// What discovery found under the checked paths.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovered {
    /// The files to read, in a stable order.
    pub candidates: Vec<Candidate>,
    /// One message per path that cannot be read.
    pub errors: Vec<String>,
    /// Untracked files with a template extension that a git ignore rule ignores, met beside the
    /// files read: the loader tells which are templates, to name them as skipped.
    pub ignored: Vec<Candidate>,
    /// Links not followed.
    pub skipped: Vec<Skipped>,
    /// What discovery could not do as it should (the git index could not be read), one line each.
    pub notes: Vec<String>,
}

/// What is found under `paths`, walking folders as [`Walk::default`] says.
pub fn discover(paths: &[PathBuf]) -> Discovered {
    discover_with(paths, Walk::default())
}

/// Like [`discover`], walking folders as `walk` says.
pub fn discover_with(paths: &[PathBuf], walk: Walk) -> Discovered {
    let mut found = Discovered::default();
    for (index, path) in paths.iter().enumerate() {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => walk_folder(path, index, walk, &mut found),
            Ok(_) => found.candidates.push(Candidate {
                path: path.clone(),
                explicit: true,
                checked_path: index,
            }),
            Err(error) => found.errors.push(cannot_read(path, &error)),
        }
    }
    // The same file named twice (`dir` and `./dir/a.yaml`, a link and its target) is one stack.
    let mut seen = HashSet::new();
    found
        .candidates
        .retain(|c| seen.insert(std::fs::canonicalize(&c.path).unwrap_or_else(|_| c.path.clone())));
    found
}

/// The files of one checked folder (see the module header).
fn walk_folder(dir: &Path, checked_path: usize, walk: Walk, found: &mut Discovered) {
    let Ok(canonical) = std::fs::canonicalize(dir) else {
        return;
    };
    let root = CheckedRoot::of(&canonical);
    let tracked = match &root.work_tree {
        Some(tree) => match tracked::tracked_below(tree, &canonical) {
            Ok(paths) => paths,
            Err(reason) => {
                found.notes.push(format!(
                    "cannot read git's index {} ({reason}): git's ignore rules apply to every file, tracked or not",
                    tree.index_path().display()
                ));
                BTreeSet::new()
            }
        },
        None => BTreeSet::new(),
    };
    let honour = walk.honour_ignore_files && root.work_tree.is_some();
    let walked = walk_files(dir, honour, &mut found.errors);
    let mut files = walked.files;
    let mut met: HashSet<PathBuf> = files.iter().map(|p| relative(p, dir)).collect();
    for path in &tracked {
        if has_template_extension(path) && is_searched(path) && met.insert(path.clone()) {
            files.push(dir.join(path));
        }
    }
    files.sort();
    for path in files {
        match classify(&path, dir, &canonical, &root) {
            Some(Ok(path)) => found.candidates.push(Candidate {
                path,
                explicit: false,
                checked_path,
            }),
            Some(Err(reason)) => found.skipped.push(Skipped { path, reason }),
            None => {}
        }
    }
    if honour {
        let mut ignored = Vec::new();
        for folder in &walked.folders {
            ignored.extend(ignored_beside(folder, dir, &met));
        }
        ignored.sort();
        found
            .ignored
            .extend(ignored.into_iter().map(|path| Candidate {
                path,
                explicit: false,
                checked_path,
            }));
    }
}

/// What the walker yields under one folder: the files (and links) with a template extension, and
/// the folders whose files it listed.
struct Walked {
    files: Vec<PathBuf>,
    folders: Vec<PathBuf>,
}

/// Walks `dir`: hidden folders and [`SKIPPED_DIRS`] left out, git's ignore rules applied when
/// `honour` (a git work tree), links not followed.
fn walk_files(dir: &Path, honour: bool, errors: &mut Vec<String>) -> Walked {
    let walker = ignore::WalkBuilder::new(dir)
        // Hidden folders are skipped below; hidden files are candidates, as before.
        .hidden(false)
        // ripgrep's `.ignore` files are no rule of git's.
        .ignore(false)
        .git_ignore(honour)
        .git_exclude(honour)
        .git_global(honour)
        .parents(honour)
        .require_git(true)
        .follow_links(false)
        .max_depth(Some(MAX_DIR_DEPTH + 1))
        .filter_entry(|entry| {
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            !(is_dir && is_skipped_folder(&entry.file_name().to_string_lossy()))
        })
        .sort_by_file_name(|a, b| a.cmp(b))
        .build();
    let mut walked = Walked {
        files: Vec::new(),
        folders: Vec::new(),
    };
    for entry in walker {
        match entry {
            Ok(entry) => {
                let Some(kind) = entry.file_type() else {
                    continue;
                };
                if kind.is_dir() {
                    if entry.depth() <= MAX_DIR_DEPTH {
                        walked.folders.push(entry.into_path());
                    }
                } else if entry.depth() > 0 && has_template_extension(entry.path()) {
                    walked.files.push(entry.into_path());
                }
            }
            Err(error) => {
                if let Some(message) = walk_error(&error) {
                    errors.push(message);
                }
            }
        }
    }
    walked
}

/// The path to read for a found file: itself (a regular file), the real path of a link to a file
/// inside the root, or why it is skipped; `None` for what is no file (a tracked file deleted from
/// the work tree, a folder).
fn classify(
    path: &Path,
    dir: &Path,
    canonical_dir: &Path,
    root: &CheckedRoot,
) -> Option<Result<PathBuf, SkipReason>> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    if meta.is_file() {
        // A tracked path below a folder that is now a link (the work tree no longer matches the
        // index) must not lead outside either.
        return Some(match root.admit(path) {
            Ok(_) => Ok(path.to_path_buf()),
            Err(_) => Err(SkipReason::LinkOutside),
        });
    }
    if !meta.is_symlink() {
        return None;
    }
    Some(match root.admit(path) {
        Ok(target) if target.is_file() => Ok(match target.strip_prefix(canonical_dir) {
            Ok(inside) => dir.join(inside),
            Err(_) => target,
        }),
        Ok(_) | Err(Refused::Unresolved(_)) => Err(SkipReason::BrokenLink),
        Err(Refused::Outside { .. }) => Err(SkipReason::LinkOutside),
    })
}

/// The regular files with a template extension in `folder` that the walk did not meet (ignored,
/// untracked): git's rules do not say which rule ignored them, only that one did.
fn ignored_beside(folder: &Path, dir: &Path, met: &HashSet<PathBuf>) -> Vec<PathBuf> {
    let Ok(children) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    children
        .flatten()
        .filter(|child| child.file_type().is_ok_and(|t| t.is_file()))
        .map(|child| child.path())
        .filter(|path| has_template_extension(path) && !met.contains(&relative(path, dir)))
        .collect()
}

fn relative(path: &Path, dir: &Path) -> PathBuf {
    path.strip_prefix(dir).unwrap_or(path).to_path_buf()
}

/// Whether a tracked path (relative to the checked folder) is in a folder discovery reads: not
/// deeper than [`MAX_DIR_DEPTH`], not in [`SKIPPED_DIRS`] or [`BUILD_DIRS`].
fn is_searched(relative: &Path) -> bool {
    let folders: Vec<_> = relative.parent().into_iter().flat_map(Path::iter).collect();
    folders.len() <= MAX_DIR_DEPTH
        && folders.iter().all(|name| {
            let name = name.to_string_lossy();
            !SKIPPED_DIRS.contains(&name.as_ref()) && !BUILD_DIRS.contains(&name.as_ref())
        })
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
    fn outside_git_no_ignore_file_is_read() {
        let root = tree(&[
            (".gitignore", "generated/\n"),
            (".ignore", "a.yaml\n"),
            ("a.yaml", ""),
            ("generated/b.yaml", ""),
            ("node_modules/c.yaml", ""),
            ("cdk.out/d.json", ""),
            (".aws-sam/build/e.yaml", ""),
            ("z/f.yml", ""),
        ]);
        if crate::repository::work_tree_of(&root).is_some() {
            return;
        }
        let found = discover(std::slice::from_ref(&root));
        assert!(found.errors.is_empty());
        assert!(found.ignored.is_empty());
        assert_eq!(
            names(&found.candidates, &root),
            ["a.yaml", "generated/b.yaml", "z/f.yml"]
        );
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn skipped_templates_are_named_and_capped() {
        let skipped: Vec<Skipped> = (0..12)
            .map(|i| Skipped {
                path: PathBuf::from(format!("t{i}.yaml")),
                reason: SkipReason::LinkOutside,
            })
            .collect();
        let sentence = skipped_sentence(&skipped).unwrap_or_default();
        assert!(sentence.starts_with(
            "Skipped 12 templates: t0.yaml (a link to outside the repository), t1.yaml"
        ));
        assert!(sentence.ends_with(", and 2 more."), "{sentence}");
        assert_eq!(
            skipped_sentence(&skipped[..1]),
            Some("Skipped 1 template: t0.yaml (a link to outside the repository).".to_string())
        );
        assert_eq!(skipped_sentence(&[]), None);
    }

    #[test]
    fn a_missing_path_cannot_be_read() {
        let found = discover(&[PathBuf::from("no/such/folder")]);
        assert!(found.candidates.is_empty());
        assert_eq!(
            found.errors,
            ["cannot read no/such/folder: No such file or directory"]
        );
    }
}
