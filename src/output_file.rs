//! Writing a report to a file (`--output-file`) without writing through a link.
//!
//! A pull request controls the files of the checkout, links included (git stores them), and CI
//! writes reports into that checkout (`-o gl-code-quality-report.json`, the Action's SARIF file). A
//! plain `std::fs::write` follows a committed `report.json -> ~/.cargo/bin/tool` and overwrites the
//! tool with report text the attacker shapes. So a report is written as a **new regular file**:
//!
//! - the target, when it exists, must be a regular file (not a link, folder, FIFO or device);
//! - no folder between the current directory and the target may be a link (a committed
//!   `reports -> ~/.cargo/bin` would redirect the new file); links above the current directory are
//!   the runner's own (macOS's `/tmp`) and are followed;
//! - the text goes to a temporary file created anew (`O_EXCL`) in the target's folder, which is then
//!   renamed over the target: the rename replaces the name, never writes through it, and a reader
//!   never sees half a report.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Why a report was not written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("it is a symbolic link; iamlint writes a report only as a new regular file")]
    TargetIsLink,
    #[error("it is not a regular file (a folder, FIFO, socket or device)")]
    TargetNotRegular,
    #[error("its folder {0} is reached through a symbolic link")]
    FolderIsLink(String),
    #[error("{}", crate::discover::io_reason(.0))]
    Io(#[from] std::io::Error),
}

/// Writes `bytes` to `path` as a new regular file (see the module header).
pub fn write_report(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    check_target(path)?;
    let folder = folder_of(path);
    check_folders(&folder)?;
    let mut temporary = tempfile::Builder::new()
        .prefix(".iamlint-report-")
        .tempfile_in(&folder)?;
    temporary.write_all(bytes)?;
    temporary.flush()?;
    readable_by_all(temporary.as_file())?;
    temporary
        .persist(path)
        .map_err(|e| WriteError::Io(e.error))?;
    Ok(())
}

/// The target itself: absent, or a regular file.
fn check_target(path: &Path) -> Result<(), WriteError> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => Err(WriteError::TargetIsLink),
        Ok(meta) if !meta.is_file() => Err(WriteError::TargetNotRegular),
        Ok(_) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(WriteError::Io(error)),
    }
}

/// The folder the target is written in (`.` for a bare file name).
fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// No folder from the current directory down to `folder` is a link.
fn check_folders(folder: &Path) -> Result<(), WriteError> {
    let current = std::env::current_dir()?;
    let absolute = current.join(folder);
    for ancestor in absolute.ancestors() {
        if !ancestor.starts_with(&current) || ancestor == current {
            break;
        }
        let meta = std::fs::symlink_metadata(ancestor)?;
        if meta.file_type().is_symlink() {
            return Err(WriteError::FolderIsLink(ancestor.display().to_string()));
        }
    }
    Ok(())
}

/// A report is not a secret: `rw-r--r--` rather than the temporary file's `rw-------`.
#[cfg(unix)]
fn readable_by_all(file: &std::fs::File) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn readable_by_all(_file: &std::fs::File) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("iamlint-out-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let _ = std::fs::create_dir_all(&dir);
        dir
    }

    #[test]
    fn a_new_file_and_an_existing_regular_file_are_written() {
        let dir = scratch("regular");
        let target = dir.join("report.json");
        assert!(write_report(&target, b"one").is_ok());
        assert!(write_report(&target, b"two").is_ok());
        assert_eq!(std::fs::read(&target).ok().as_deref(), Some(&b"two"[..]));
        let leftovers = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
        assert_eq!(leftovers, 1, "no temporary file is left behind");
    }

    #[test]
    fn a_folder_is_refused() {
        let dir = scratch("folder");
        assert!(matches!(
            write_report(&dir, b"x"),
            Err(WriteError::TargetNotRegular)
        ));
    }

    #[cfg(unix)]
    #[test]
    fn a_link_is_refused_and_its_target_untouched() {
        let dir = scratch("link");
        let victim = dir.join("tool");
        let _ = std::fs::write(&victim, "#!/bin/sh\necho safe\n");
        let link = dir.join("iamlint.sarif");
        let _ = std::os::unix::fs::symlink(&victim, &link);
        assert!(matches!(
            write_report(&link, b"pwned"),
            Err(WriteError::TargetIsLink)
        ));
        let _ = std::fs::remove_file(&link);
        let _ = std::os::unix::fs::symlink(dir.join("missing"), &link);
        assert!(matches!(
            write_report(&link, b"pwned"),
            Err(WriteError::TargetIsLink)
        ));
        assert!(
            !dir.join("missing").exists(),
            "a dangling link is not followed"
        );
        assert_eq!(
            std::fs::read_to_string(&victim).ok().as_deref(),
            Some("#!/bin/sh\necho safe\n")
        );
    }
}
