//! Reading a file that a template names (an `AWS::Include` location, a SAM `DefinitionUri`): only a
//! regular file, at most [`MAX_FILE_BYTES`] long, is opened, so a directory, a FIFO or a device never
//! hangs or floods a run.
//!
//! [`FileSource`] is the seam: [`DiskFiles`] reads the file system; tests serve texts from memory.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// Largest file read for a template (16 MiB: far beyond any API definition API Gateway imports; the
/// parser's node and depth limits apply to it as to every template).
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Where files named by templates are read from.
pub trait FileSource {
    /// The file's canonical path (symbolic links and `..` followed), when it exists.
    fn canonical(&self, path: &Path) -> Result<PathBuf, String>;
    /// The bytes of a regular file of at most [`MAX_FILE_BYTES`].
    fn read(&self, path: &Path) -> Result<Vec<u8>, String>;
}

/// A local file a template names (a definition, a nested stack), read and decoded.
pub struct LocalText {
    pub text: String,
    /// By its extension: parsed as JSON, else YAML.
    pub is_json: bool,
    /// The text is not UTF-8 (it was decoded lossily).
    pub encoding_error: Option<super::LoadError>,
}

/// Reads `path` through `files`: its text, how to parse it, and an encoding error; the reason
/// when it cannot be read.
pub fn read_local(files: &dyn FileSource, path: &Path) -> Result<LocalText, String> {
    let bytes = files.read(path)?;
    let (text, encoding_error) = super::decode(bytes);
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    Ok(LocalText {
        text,
        is_json,
        encoding_error,
    })
}

/// The file system.
pub struct DiskFiles;

impl FileSource for DiskFiles {
    fn canonical(&self, path: &Path) -> Result<PathBuf, String> {
        std::fs::canonicalize(path).map_err(|e| crate::discover::io_reason(&e))
    }

    fn read(&self, path: &Path) -> Result<Vec<u8>, String> {
        // `metadata` follows symbolic links and opens nothing: a FIFO is refused before `open` would
        // wait for a writer.
        let meta = std::fs::metadata(path).map_err(|e| crate::discover::io_reason(&e))?;
        check_regular(&meta)?;
        let file = std::fs::File::open(path).map_err(|e| crate::discover::io_reason(&e))?;
        // The file may have been swapped between the two looks: check what was opened.
        let meta = file
            .metadata()
            .map_err(|e| crate::discover::io_reason(&e))?;
        check_regular(&meta)?;
        let mut bytes = Vec::new();
        file.take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| crate::discover::io_reason(&e))?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(too_large());
        }
        Ok(bytes)
    }
}

fn check_regular(meta: &std::fs::Metadata) -> Result<(), String> {
    if meta.is_dir() {
        return Err("it is a folder, not a file".to_string());
    }
    if !meta.is_file() {
        return Err("it is not a regular file (a FIFO, socket or device)".to_string());
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_large());
    }
    Ok(())
}

fn too_large() -> String {
    format!(
        "it is larger than {} MiB, iamlint's limit",
        MAX_FILE_BYTES / (1024 * 1024)
    )
}

/// Files served from memory, by path (`..` and `.` resolved lexically): for tests and embedding.
#[derive(Debug, Default, Clone)]
pub struct MemoryFiles {
    files: HashMap<PathBuf, Vec<u8>>,
}

impl MemoryFiles {
    pub fn new(files: &[(&str, &str)]) -> MemoryFiles {
        MemoryFiles {
            files: files
                .iter()
                .map(|(path, text)| (normalize(Path::new(path)), text.as_bytes().to_vec()))
                .collect(),
        }
    }
}

impl FileSource for MemoryFiles {
    fn canonical(&self, path: &Path) -> Result<PathBuf, String> {
        let path = normalize(path);
        if self.files.contains_key(&path) {
            Ok(path)
        } else {
            Err("No such file or directory".to_string())
        }
    }

    fn read(&self, path: &Path) -> Result<Vec<u8>, String> {
        let bytes = self
            .files
            .get(&normalize(path))
            .ok_or_else(|| "No such file or directory".to_string())?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(too_large());
        }
        Ok(bytes.clone())
    }
}

/// `a/./b/../c` → `a/c`, without touching the file system (a leading `..` stays).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out: Vec<Component<'_>> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(component),
            },
            other => out.push(other),
        }
    }
    out.iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_resolves_dots_lexically() {
        assert_eq!(
            normalize(Path::new("a/./b/../c.yaml")),
            Path::new("a/c.yaml")
        );
        assert_eq!(normalize(Path::new("a/../../c")), Path::new("../c"));
        assert_eq!(normalize(Path::new("/../c")), Path::new("/c"));
        assert_eq!(normalize(Path::new("./api.yaml")), Path::new("api.yaml"));
    }

    #[test]
    fn folders_and_missing_files_are_refused() {
        let dir = std::env::temp_dir();
        assert!(DiskFiles.read(&dir).unwrap_err().contains("folder"));
        assert!(
            DiskFiles
                .read(&dir.join("iamlint-no-such-file.yaml"))
                .is_err()
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_opening_it() {
        let dir = std::env::temp_dir().join(format!("iamlint-fifo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("api.yaml");
        let _ = std::fs::remove_file(&fifo);
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            // Opening a FIFO for reading would block until a writer comes: this returns at once.
            assert!(
                DiskFiles
                    .read(&fifo)
                    .unwrap_err()
                    .contains("not a regular file")
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
