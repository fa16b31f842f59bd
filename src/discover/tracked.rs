//! The files git tracks in a work tree, read from its index file (`.git/index`) without running git.
//!
//! A git process started inside an untrusted checkout can run code the checkout names (through a
//! repository config, `core.fsmonitor`, hooks), so iamlint reads the index itself, with
//! gitoxide's `gix-index` (index versions 2 to 4, split and sparse indexes). Tracked means listed
//! in the index: a file added but not committed counts, as it does for git. Entries for submodules
//! and for the folders of a sparse index are left out; a path that is not a plain relative path (a
//! `..`, an absolute path, a `.git` component, which git itself refuses) is left out too.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use gix_index::entry::Mode;

use crate::repository::WorkTree;

/// The tracked paths of `tree` below `folder` (a canonical folder inside the work tree), relative
/// to `folder`. A work tree without an index file (nothing added yet) tracks nothing. Why the index
/// cannot be read, when it cannot.
pub fn tracked_below(tree: &WorkTree, folder: &Path) -> Result<BTreeSet<PathBuf>, String> {
    let below = folder
        .strip_prefix(&tree.top)
        .map_err(|_| "the folder is not inside the work tree".to_string())?;
    let options = gix_index::decode::Options {
        // No threads of its own: the run is one thread per file already.
        thread_limit: Some(1),
        ..gix_index::decode::Options::default()
    };
    let index = gix_index::File::at_or_default(
        tree.index_path(),
        gix_index::hash::Kind::Sha1,
        false,
        options,
    )
    .map_err(|e| e.to_string())?;
    let mut paths = BTreeSet::new();
    for entry in index.entries() {
        if matches!(entry.mode, Mode::COMMIT | Mode::DIR) {
            continue;
        }
        let Some(path) = plain_relative_path(entry.path(&index)) else {
            continue;
        };
        if let Ok(relative) = path.strip_prefix(below) {
            paths.insert(relative.to_path_buf());
        }
    }
    Ok(paths)
}

/// An index path (`/`-separated bytes) as a relative path, when it is a plain one.
fn plain_relative_path(bytes: &[u8]) -> Option<PathBuf> {
    let path = path_of_bytes(bytes)?;
    let plain = path.components().all(|c| match c {
        Component::Normal(name) => name != ".git",
        _ => false,
    });
    plain.then_some(path)
}

#[cfg(unix)]
fn path_of_bytes(bytes: &[u8]) -> Option<PathBuf> {
    use std::os::unix::ffi::OsStrExt;
    Some(PathBuf::from(std::ffi::OsStr::from_bytes(bytes)))
}

#[cfg(not(unix))]
fn path_of_bytes(bytes: &[u8]) -> Option<PathBuf> {
    std::str::from_utf8(bytes).ok().map(PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths_count() {
        assert_eq!(
            plain_relative_path(b"infra/a.yaml"),
            Some(PathBuf::from("infra/a.yaml"))
        );
        assert_eq!(plain_relative_path(b"../a.yaml"), None);
        assert_eq!(plain_relative_path(b"/etc/a.yaml"), None);
        assert_eq!(plain_relative_path(b"x/.git/a.yaml"), None);
    }
}
